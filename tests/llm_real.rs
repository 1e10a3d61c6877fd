//! A real model end to end: a llama.cpp server on loopback (`scripts/llm-server.sh start`, Qwen2.5-Coder
//! 0.5B by default) at `QUERENT_LLM_URL` (its `/v1` base). Ignored by plain `cargo test`; `make test-llm`
//! starts the server and runs `cargo test --test llm_real -- --ignored`. The assertions are about
//! structure, never wording: a valid plan whose query parses, summaries that cite only existing
//! evidence, a stream that ends cleanly. Few calls: a small model on two cores takes seconds each.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::fixture;
use querent::execute::loki_types::{Envelope, QueryData};
use querent::execute::{Executed, QueryResult};
use querent::ground::Schema;
use querent::llm::{ChatRequest, EvidencePack, Llm, Message, SummarySource, TranslateMode};
use querent::plan::{PlanKind, Query};
use querent::settings::{RawSettings, Settings};
use querent::translate::Question;
use serde_json::{Value, json};

const NOW: &str = "2026-11-25T08:38:56Z";

fn url() -> String {
    std::env::var("QUERENT_LLM_URL").expect(
        "QUERENT_LLM_URL must point at an OpenAI-compatible /v1 base (scripts/llm-server.sh start)",
    )
}

fn schema() -> Schema {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/demo-schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn llm() -> Llm {
    let settings = json!({
        "llmProvider": "openai-compatible", "llmBaseUrl": url(), "llmModel": "local",
        "llmTimeoutSeconds": 180, "llmCacheSeconds": 0,
    });
    let raw = RawSettings::from_grafana(&serde_json::to_vec(&settings).unwrap(), &HashMap::new())
        .unwrap();
    Llm::from_settings(&raw, &Settings::from_raw(&raw).unwrap())
        .unwrap()
        .unwrap()
}

/// The plan's query reads back with our LogQL/TraceQL parser.
fn assert_query_parses(plan: &querent::Plan) {
    let text = plan.query_text().expect("a query");
    let parsed = if plan.kind.is_loki() {
        querent::plan::logql::parse(&text)
    } else {
        querent::plan::traceql::parse(&text)
    };
    assert!(parsed.is_ok(), "`{text}` does not parse: {parsed:?}");
    if let Some(start) = plan.start {
        assert!(start < plan.end, "a sane range");
    }
}

#[tokio::test]
#[ignore = "needs a model server: QUERENT_LLM_URL (make test-llm)"]
async fn slots_mode_gives_a_valid_plan() {
    let llm = llm();
    let q = Question::new(
        "show error logs from payment-service in the last 2 hours",
        NOW.parse().unwrap(),
    );
    let t = llm
        .translate(&q, &schema(), Some(TranslateMode::Slots))
        .await;
    assert!(t.failure.is_none(), "the call failed: {:?}", t.failure);
    let plan = t
        .plan
        .unwrap_or_else(|| panic!("no valid plan: {:?}", t.error));
    assert_ne!(
        plan.kind,
        PlanKind::Clarify,
        "a plain question gets a query"
    );
    assert_query_parses(&plan);
    assert!(matches!(
        plan.query,
        Some(Query::Log(_) | Query::LogMetric(_) | Query::Trace(_))
    ));
    eprintln!(
        "slots: {} in {} ms, {} prompt tokens, {} answer(s)",
        plan.query_text().unwrap(),
        t.latency_ms,
        t.prompt_tokens,
        t.answers
    );
}

#[tokio::test]
#[ignore = "needs a model server: QUERENT_LLM_URL (make test-llm)"]
async fn query_mode_answers_parse_or_are_rejected_with_a_reason() {
    let llm = llm();
    let q = Question::new(
        "traces from product-service slower than 2 seconds in the last hour",
        NOW.parse().unwrap(),
    );
    let t = llm
        .translate(&q, &schema(), Some(TranslateMode::Query))
        .await;
    assert!(t.failure.is_none(), "the call failed: {:?}", t.failure);
    match &t.plan {
        Some(plan) if plan.kind != PlanKind::Clarify => assert_query_parses(plan),
        Some(_) => {}
        None => {
            assert_eq!(t.answers, 3, "rejected only after two repairs");
            assert!(t.error.is_some());
        }
    }
    eprintln!(
        "query mode: {:?} / {:?} in {} ms",
        t.plan.map(|p| p.query_text()),
        t.error,
        t.latency_ms
    );
}

#[tokio::test]
#[ignore = "needs a model server: QUERENT_LLM_URL (make test-llm)"]
async fn summaries_cite_only_existing_evidence() {
    let llm = llm();
    let env: Envelope<QueryData> =
        serde_json::from_slice(&fixture("diagnosis", "loki_errors_payment_service.json")).unwrap();
    let QueryData::Streams(streams) = env.data else {
        panic!("log answer expected")
    };
    let executed = Executed {
        kind: PlanKind::Logs,
        query: r#"{service_name="payment-service", level="error"}"#.into(),
        result: QueryResult::Streams(streams),
        limit: None,
        warnings: Vec::new(),
    };
    let schema = schema();
    let mut pack = EvidencePack::new("why is payment-service failing?", &schema);
    pack.add_executed(&executed, llm.privacy, llm.redactor());
    let n = llm
        .narrate(&pack, "template summary", NOW.parse().unwrap(), None)
        .await;
    match n.source {
        SummarySource::Llm => {
            assert!(!n.cited.is_empty());
            assert!(
                n.cited
                    .iter()
                    .all(|id| pack.items.iter().any(|e| &e.id == id))
            );
            assert_eq!(querent::llm::check_claims(&n.text, &pack).unwrap(), n.cited);
        }
        SummarySource::Template => {
            // The model answered but the check rejected a claim: that is the guard working; a failed
            // call is not acceptable here.
            let note = n.note.clone().unwrap_or_default();
            eprintln!("summary rejected: {note}");
            assert!(note.contains("rejected"), "{note}");
            assert_eq!(n.text, "template summary");
        }
    }
    eprintln!("summary ({:?}): {}", n.source, n.text);
}

#[tokio::test]
#[ignore = "needs a model server: QUERENT_LLM_URL (make test-llm)"]
async fn streaming_ends_cleanly() {
    let llm = llm();
    let request = ChatRequest {
        messages: vec![
            Message::system("Answer in one short sentence."),
            Message::user("What does a log aggregation system store?"),
        ],
        schema: None,
        max_tokens: 24,
        temperature: Some(0.0),
    };
    let mut pieces: Vec<String> = Vec::new();
    let mut on_delta = |t: &str| pieces.push(t.to_string());
    let reply = llm
        .chat_stream("test", &request, NOW.parse().unwrap(), &mut on_delta)
        .await
        .expect("the stream ends with [DONE]");
    assert!(pieces.len() > 1, "streamed in pieces: {pieces:?}");
    assert_eq!(pieces.concat(), reply.content);
    assert!(reply.completion_tokens > 0);
}

#[test]
#[ignore = "needs a model server: QUERENT_LLM_URL (make test-llm)"]
fn the_cli_translates_with_the_model() {
    let out = Command::new(env!("CARGO_BIN_EXE_querent"))
        .args([
            "translate",
            "--json",
            "--schema",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/demo-schema.json"
            ),
            "--now",
            NOW,
            "--llm-base-url",
            &url(),
            "--llm-translate",
            "always",
            "--llm-timeout",
            "180",
            "how many warnings did product-service log in the last 6 hours",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["llm"]["configured"], true, "{v}");
    assert!(v["llm"]["answers"].as_u64().unwrap() >= 1, "{v}");
    assert!(v["kind"].is_string());
    if let Some(q) = v["query"].as_str() {
        let loki = matches!(v["kind"].as_str(), Some("logs" | "metrics" | "correlate"));
        let parsed = if loki {
            querent::plan::logql::parse(q).is_ok()
        } else {
            querent::plan::traceql::parse(q).is_ok()
        };
        assert!(parsed, "{q}");
    }
}
