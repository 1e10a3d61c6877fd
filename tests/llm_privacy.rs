//! What leaves the building. Every prompt sent to a local OpenAI-compatible server (wiremock) is captured
//! while Querent translates questions and narrates answers built from the recorded diagnosis data.
//! In `metadata` mode no raw log line and no attribute value from the fixtures may appear in any prompt;
//! in `redacted` mode none of the secrets planted in log lines may; `full` mode (the control) sends
//! them, which shows the checks can fail.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::fixture;
use querent::execute::loki_types::{Entry, Envelope, QueryData, Stream};
use querent::execute::tempo_types::{AnyValue, SearchResponse, TraceByIdV2};
use querent::execute::{Executed, FetchedTrace, QueryResult};
use querent::ground::{Discovery, Schema};
use querent::llm::Llm;
use querent::plan::PlanKind;
use querent::settings::{RawSettings, Settings};
use querent::translate::Question;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NOW: &str = "2026-11-25T08:38:56Z";

fn schema() -> Schema {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/demo-schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn model_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "c", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Errors were found [E1]."}, "finish_reason": "stop"}]
        })))
        .mount(&server)
        .await;
    server
}

fn llm(server: &MockServer, privacy: &str, extra: Value) -> Llm {
    let mut settings = json!({
        "llmProvider": "openai-compatible", "llmBaseUrl": format!("{}/v1", server.uri()),
        "llmPrivacy": privacy, "llmCacheSeconds": 0, "llmTranslate": "always",
        "llmRequestsPerMinute": 1000,
    });
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    let raw = RawSettings::from_grafana(&serde_json::to_vec(&settings).unwrap(), &HashMap::new())
        .unwrap();
    Llm::from_settings(&raw, &Settings::from_raw(&raw).unwrap())
        .unwrap()
        .unwrap()
}

/// Every message of every request the model server received.
async fn prompts(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .flat_map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["content"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn streams(file: &str) -> Vec<Stream> {
    let env: Envelope<QueryData> = serde_json::from_slice(&fixture("diagnosis", file)).unwrap();
    match env.data {
        QueryData::Streams(s) => s,
        other => panic!("{file} is not a log answer: {other:?}"),
    }
}

fn logs(file: &str, query: &str) -> Executed {
    Executed {
        kind: PlanKind::Logs,
        query: query.into(),
        result: QueryResult::Streams(streams(file)),
        limit: None,
        warnings: Vec::new(),
    }
}

const LOG_FILES: [&str; 5] = [
    "loki_errors_all_services.json",
    "loki_errors_order_service.json",
    "loki_errors_payment_service.json",
    "loki_warn_product_service.json",
    "loki_api_gateway_status_500.json",
];

fn trace_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["traces", "slow_traces"] {
        let folder = common::fixtures_dir().join("diagnosis").join(dir);
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        for n in names.into_iter().take(6) {
            out.push((
                format!("{dir}/{n}"),
                n.trim_end_matches(".json").to_string(),
            ));
        }
    }
    out
}

/// The answers narrated in each mode: every log file, both trace searches, a dozen traces.
fn answers() -> Vec<(String, Executed)> {
    let mut out: Vec<(String, Executed)> = LOG_FILES
        .iter()
        .map(|f| {
            (
                "why are there errors?".to_string(),
                logs(f, "{level=\"error\"}"),
            )
        })
        .collect();
    for f in [
        "tempo_search_payment_service_errors.json",
        "tempo_search_order_service_errors.json",
    ] {
        let r: SearchResponse = serde_json::from_slice(&fixture("diagnosis", f)).unwrap();
        out.push((
            "failed traces".into(),
            Executed {
                kind: PlanKind::Traces,
                query: "{ status = error }".into(),
                result: QueryResult::TraceSearch(r.traces),
                limit: None,
                warnings: Vec::new(),
            },
        ));
    }
    for (file, id) in trace_files() {
        let (dir, name) = file.split_once('/').unwrap();
        let bytes = std::fs::read(
            common::fixtures_dir()
                .join("diagnosis")
                .join(dir)
                .join(name),
        )
        .unwrap();
        let t: TraceByIdV2 = serde_json::from_slice(&bytes).unwrap();
        out.push((
            format!("what happened in trace {id}"),
            Executed {
                kind: PlanKind::Trace,
                query: id.clone(),
                result: QueryResult::Trace(Box::new(FetchedTrace {
                    trace_id: id,
                    trace: t.trace.unwrap(),
                })),
                limit: None,
                warnings: Vec::new(),
            },
        ));
    }
    out
}

const QUESTIONS: [&str; 4] = [
    "why is payment-service failing?",
    "slow checkout requests in the last hour",
    "order-service logs with status 500",
    "지난 3시간 동안 product-service slow query 로그",
];

/// Translates the questions (both modes) and narrates every answer through `llm`.
async fn run_everything(llm: &Llm, extra_answers: Vec<(String, Executed)>) {
    let discovery = Discovery {
        schema: schema(),
        warnings: vec![],
        loki_reached: true,
        tempo_reached: true,
    };
    let now = NOW.parse().unwrap();
    for q in QUESTIONS {
        for mode in [
            querent::llm::TranslateMode::Slots,
            querent::llm::TranslateMode::Query,
        ] {
            let question = Question::new(q, now);
            querent::pipeline::translate_question(
                &question,
                &discovery,
                Some(llm),
                true,
                Some(mode),
            )
            .await;
        }
    }
    for (q, executed) in answers().into_iter().chain(extra_answers) {
        let hypotheses = vec![
            json!({"title": "acmepay provider timeouts (context deadline exceeded)", "service": "payment-service"}),
        ];
        querent::pipeline::narrate_answer(
            &q,
            &executed,
            &hypotheses,
            &discovery.schema,
            Some(llm),
            "template".into(),
            now,
            None,
        )
        .await;
    }
}

fn string_values(kvs: &[querent::execute::tempo_types::KeyValue], out: &mut BTreeSet<String>) {
    fn any(v: &AnyValue, out: &mut BTreeSet<String>) {
        if let Some(s) = &v.string_value {
            out.insert(s.clone());
        }
        for x in v.array_value.iter().flat_map(|a| &a.values) {
            any(x, out);
        }
    }
    for kv in kvs {
        any(&kv.value, out);
    }
}

/// String attribute values of the recorded traces (resource, span, event attributes and status
/// messages) that are data rather than schema: not service names, not stream label values the schema
/// lists, at least four characters.
fn attribute_values() -> BTreeSet<String> {
    let schema = schema();
    let mut all = BTreeSet::new();
    for (file, _) in trace_files() {
        let (dir, name) = file.split_once('/').unwrap();
        let bytes = std::fs::read(
            common::fixtures_dir()
                .join("diagnosis")
                .join(dir)
                .join(name),
        )
        .unwrap();
        let t: TraceByIdV2 = serde_json::from_slice(&bytes).unwrap();
        for rs in &t.trace.unwrap().resource_spans {
            string_values(&rs.resource.attributes, &mut all);
            for ss in &rs.scope_spans {
                for span in &ss.spans {
                    string_values(&span.attributes, &mut all);
                    for e in &span.events {
                        string_values(&e.attributes, &mut all);
                    }
                    if !span.status.message.is_empty() {
                        all.insert(span.status.message.clone());
                    }
                }
            }
        }
    }
    let schema_values: BTreeSet<&String> = schema.loki.labels.values().flatten().collect();
    let services = schema.services();
    // Patterns keep a line's message text (`msg="payment gateway timeout"`) by design; a value that is
    // one word of such a message (`timeout`) is not data leaking through a value.
    let message_words = message_words();
    // Names are schema (a field called `product`), not values.
    let names: BTreeSet<&String> = schema
        .loki
        .fields
        .values()
        .flatten()
        .map(|f| &f.name)
        .chain(schema.loki.labels.keys())
        .collect();
    all.into_iter()
        .filter(|v| v.chars().count() >= 4)
        .filter(|v| !services.contains(v) && !schema_values.contains(v))
        .filter(|v| !message_words.contains(v.as_str()) && !names.contains(v))
        .collect()
}

fn message_words() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in raw_lines() {
        let msg = if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&line) {
            m.get("message")
                .or(m.get("msg"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        } else {
            line.split("msg=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("")
                .to_string()
        };
        out.extend(msg.split_whitespace().map(str::to_string));
    }
    out
}

fn raw_lines() -> BTreeSet<String> {
    LOG_FILES
        .iter()
        .flat_map(|f| streams(f))
        .flat_map(|s| s.entries.into_iter().map(|e| e.line))
        .collect()
}

/// Whether `value` occurs in `text` as a whole token (not inside a longer word).
fn occurs(text: &str, value: &str) -> bool {
    text.match_indices(value).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + value.len()..].chars().next();
        let edge = |c: Option<char>| {
            c.is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')))
        };
        edge(before) && edge(after)
    })
}

#[tokio::test]
async fn metadata_mode_sends_no_log_line_and_no_attribute_value() {
    let server = model_server().await;
    let llm = llm(&server, "metadata", json!({}));
    run_everything(&llm, vec![]).await;
    let sent = prompts(&server).await;
    assert!(
        sent.len() > 40,
        "every translation and summary was captured: {}",
        sent.len()
    );
    let text = sent.join("\n");
    let lines = raw_lines();
    assert!(lines.len() > 150, "{}", lines.len());
    for line in &lines {
        assert!(
            !text.contains(line.as_str()),
            "a raw log line was sent: {line}"
        );
    }
    let values = attribute_values();
    assert!(values.len() > 20, "{values:?}");
    let leaked: Vec<&String> = values.iter().filter(|v| occurs(&text, v)).collect();
    assert!(
        leaked.is_empty(),
        "attribute values sent in metadata mode: {leaked:?}"
    );
    // The facts are there: counts, services, ids, patterns.
    assert!(text.contains("payment-service") && text.contains("log lines matched"));
    assert!(text.contains("lines with pattern"));
}

#[tokio::test]
async fn full_mode_sends_lines_and_values_so_the_checks_can_fail() {
    let server = model_server().await;
    let llm = llm(&server, "full", json!({}));
    run_everything(&llm, vec![]).await;
    let text = prompts(&server).await.join("\n");
    assert!(raw_lines().iter().any(|l| text.contains(l.as_str())));
    assert!(attribute_values().iter().any(|v| occurs(&text, v)));
}

const SECRETS: [&str; 8] = [
    "alice.smith@example.com",
    "203.0.113.77",
    "fe80::1ff:fe23:4567:890a",
    "4111 1111 1111 1111",
    "sk-live-0123456789abcdefXYZ",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25lZA",
    "hunter2-Secret!",
    "CUST-99812",
];

fn planted() -> Executed {
    let line = |i: i64, text: String| Entry {
        ts_ns: 1_795_595_000_000_000_000 + i,
        line: text,
        structured_metadata: BTreeMap::new(),
        parsed: BTreeMap::new(),
    };
    let entries = vec![
        line(
            1,
            format!(
                "level=error msg=\"login failed\" user={} ip={} customer={}",
                SECRETS[0], SECRETS[1], SECRETS[7]
            ),
        ),
        line(
            2,
            format!(
                "level=error msg=\"charge failed\" card=\"{}\" client={}",
                SECRETS[3], SECRETS[2]
            ),
        ),
        line(
            3,
            format!(
                "level=error msg=\"upstream refused\" api_key={} password={}",
                SECRETS[4], SECRETS[6]
            ),
        ),
        line(
            4,
            format!(
                "level=error msg=\"bad session\" Authorization: Bearer {}",
                SECRETS[5]
            ),
        ),
    ];
    Executed {
        kind: PlanKind::Logs,
        query: "{service_name=\"user-service\", level=\"error\"}".into(),
        result: QueryResult::Streams(vec![Stream {
            labels: BTreeMap::from([
                ("service_name".to_string(), "user-service".to_string()),
                ("level".to_string(), "error".to_string()),
            ]),
            entries,
        }]),
        limit: None,
        warnings: Vec::new(),
    }
}

#[tokio::test]
async fn redacted_mode_sends_none_of_the_planted_secrets() {
    let server = model_server().await;
    let llm = llm(
        &server,
        "redacted",
        json!({"llmRedactPatterns": "CUST-[0-9]+"}),
    );
    run_everything(&llm, vec![("why do logins fail?".into(), planted())]).await;
    let text = prompts(&server).await.join("\n");
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "planted secret sent in redacted mode: {secret}"
        );
    }
    // The lines themselves were sent, redacted.
    assert!(text.contains("<email>") && text.contains("<ip>") && text.contains("<card>"));
    assert!(text.contains("login failed"));

    // Control: full mode sends them.
    let server = model_server().await;
    let full = self::llm(&server, "full", json!({}));
    run_everything(&full, vec![("why do logins fail?".into(), planted())]).await;
    let text = prompts(&server).await.join("\n");
    assert!(SECRETS.iter().all(|s| text.contains(s)));
}

#[tokio::test]
async fn privacy_off_sends_nothing() {
    let server = model_server().await;
    let settings = json!({"llmProvider": "openai-compatible", "llmBaseUrl": format!("{}/v1", server.uri()), "llmPrivacy": "off"});
    let raw = RawSettings::from_grafana(&serde_json::to_vec(&settings).unwrap(), &HashMap::new())
        .unwrap();
    assert!(
        Llm::from_settings(&raw, &Settings::from_raw(&raw).unwrap())
            .unwrap()
            .is_none()
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
