//! The LLM layer against a local server that speaks the OpenAI API (wiremock): the request it sends
//! (path, model, messages, structured output, auth and extra headers), and every way an endpoint fails —
//! 401, 429 with `Retry-After`, 500, a timeout, a body that is not JSON, output of the wrong shape, an
//! invalid query that must be repaired, a hallucinated label that must be rejected. Each failure ends in
//! the rules' answer or the template summary. Also: Azure and Grafana LLM app paths, streaming, and the
//! real plugin binary running the whole path against the scripted `fake` provider.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{Plugin, Replay, data_query, datasource, decode_frame, plugin_context};
use grafana_plugin_sdk::pluginv2;
use querent::ground::{Discovery, Schema};
use querent::llm::{EvidencePack, Llm, LlmError, SummarySource, TranslateMode};
use querent::plan::PlanKind;
use querent::settings::{RawSettings, Settings};
use querent::translate::Question;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const NOW: &str = "2026-11-25T08:38:56Z";
const COMPLETIONS: &str = "/v1/chat/completions";

fn schema() -> Schema {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/demo-schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn llm_with(json_data: Value, secure: &[(&str, &str)]) -> Llm {
    let secure: HashMap<String, String> = secure
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let raw = RawSettings::from_grafana(&serde_json::to_vec(&json_data).unwrap(), &secure).unwrap();
    let settings = Settings::from_raw(&raw).unwrap();
    Llm::from_settings(&raw, &settings)
        .unwrap()
        .expect("an LLM")
}

/// An OpenAI-compatible provider at `server`, plus `extra` settings.
fn llm(server: &MockServer, extra: Value) -> Llm {
    let mut settings = json!({
        "llmProvider": "openai-compatible",
        "llmBaseUrl": format!("{}/v1", server.uri()),
        "llmModel": "test-model",
        "llmTimeoutSeconds": 5,
        "llmCacheSeconds": 0,
    });
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    llm_with(settings, &[])
}

fn completion(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_795_600_000u32, "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366}
    }))
}

fn question(text: &str) -> Question<'_> {
    Question::new(text, NOW.parse().unwrap())
}

fn bodies(requests: &[Request]) -> Vec<Value> {
    requests
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

const GOOD_SLOTS: &str = r#"{"kind":"logs","services":["order-service"],"levels":["error"],"labels":[],"contains":[],"not_contains":[],"fields":[],"last":"3h","day":"","from_time":"","to_time":"","metric":"","group_by":[],"step":"","top":0,"limit":0,"min_duration":"","whole_trace":false,"status_error":false,"http_status":"","span_name":"","reason":""}"#;

#[tokio::test]
async fn sends_the_openai_request_shape_with_auth_and_extra_headers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .and(header("authorization", "Bearer sk-test-123"))
        .and(header("x-gateway-key", "gw-9"))
        .respond_with(completion(GOOD_SLOTS))
        .expect(1)
        .mount(&server)
        .await;
    let llm = llm_with(
        json!({
            "llmProvider": "openai-compatible", "llmBaseUrl": format!("{}/v1", server.uri()),
            "llmModel": "qwen-test", "llmHeaderName1": "X-Gateway-Key", "llmMaxTokens": 256,
            "llmTemperature": 0.3,
        }),
        &[("llmApiKey", "sk-test-123"), ("llmHeaderValue1", "gw-9")],
    );
    let t = llm
        .translate(
            &question("errors of order-service, last 3 hours please"),
            &schema(),
            None,
        )
        .await;
    let plan = t.plan.expect("a plan");
    assert_eq!(
        plan.query_text().unwrap(),
        r#"{service_name="order-service", level="error"}"#
    );
    assert_eq!(
        (t.prompt_tokens, t.completion_tokens, t.answers),
        (321, 45, 1)
    );
    let body = &bodies(&server.received_requests().await.unwrap())[0];
    assert_eq!(body["model"], "qwen-test");
    assert_eq!(body["max_tokens"], 256, "compatible servers get max_tokens");
    assert_eq!(body["temperature"], 0.0, "translation is deterministic");
    assert_eq!(body["response_format"]["type"], "json_schema");
    let schema_text = body["response_format"]["json_schema"]["schema"].to_string();
    assert!(
        schema_text.contains("order-service"),
        "services are an enum"
    );
    assert!(
        !schema_text.contains("\"pattern\""),
        "no JSON-schema pattern (llama.cpp answers 500)"
    );
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    assert_eq!(messages.last().unwrap()["role"], "user");
    assert!(
        messages.last().unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("errors of order-service")
    );
    // The key never reaches the prompt.
    assert!(!body.to_string().contains("sk-test-123"));
}

#[tokio::test]
async fn no_key_means_no_authorization_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(completion(GOOD_SLOTS))
        .mount(&server)
        .await;
    let t = llm(&server, json!({}))
        .translate(&question("x y z"), &schema(), None)
        .await;
    assert!(t.plan.is_some());
    let req = &server.received_requests().await.unwrap()[0];
    assert!(
        !req.headers.contains_key("authorization"),
        "{:?}",
        req.headers
    );
}

#[tokio::test]
async fn unauthorized_falls_back_to_the_rules() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let llm = llm(&server, json!({}));
    let q = question("show logs from the inventory service");
    let discovery = Discovery {
        schema: schema(),
        warnings: vec![],
        loki_reached: true,
        tempo_reached: true,
    };
    let (translation, usage) =
        querent::pipeline::translate_question(&q, &discovery, Some(&llm), false, None).await;
    assert!(usage.asked && !usage.used);
    assert_eq!(
        translation.plan.kind,
        PlanKind::Clarify,
        "the rules' clarification stays"
    );
    assert!(
        translation
            .plan
            .clarification
            .unwrap()
            .reason
            .contains("inventory"),
        "with the rules' reason"
    );
    let note = usage.note.unwrap();
    assert!(note.contains("credentials"), "{note}");
    let t = usage.translation.unwrap();
    assert_eq!(t.failure, Some(LlmError::Unauthorized { status: 401 }));
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_string("slow down"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(completion(GOOD_SLOTS))
        .mount(&server)
        .await;
    let started = Instant::now();
    let t = llm(&server, json!({}))
        .translate(&question("q"), &schema(), None)
        .await;
    assert!(t.plan.is_some(), "{:?}", t.error);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited for Retry-After"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_fails_fast() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3600")
                .set_body_json(json!({"error": {"message": "quota", "type": "rate_limit_error"}})),
        )
        .mount(&server)
        .await;
    let started = Instant::now();
    let t = llm(&server, json!({}))
        .translate(&question("q"), &schema(), None)
        .await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        t.failure,
        Some(LlmError::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        })
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn server_errors_and_non_json_bodies_are_failures_not_panics() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream model crashed"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>gateway</html>"))
        .mount(&server)
        .await;
    let llm = llm(&server, json!({}));
    let t = llm.translate(&question("q"), &schema(), None).await;
    assert_eq!(
        t.failure,
        Some(LlmError::Status {
            status: 500,
            message: "upstream model crashed".into()
        })
    );
    let t = llm.translate(&question("q2"), &schema(), None).await;
    assert!(
        matches!(t.failure, Some(LlmError::BadResponse { .. })),
        "{:?}",
        t.failure
    );
}

#[tokio::test]
async fn a_slow_endpoint_times_out_and_the_template_summary_is_used() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(completion("late [E1]").set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let llm = llm(&server, json!({"llmTimeoutSeconds": 0.5}));
    let mut pack = EvidencePack::new("why", &schema());
    pack.push("count", None, "3 log lines matched", vec![]);
    let started = Instant::now();
    let n = llm
        .narrate(&pack, "Template: 3 lines.", NOW.parse().unwrap(), None)
        .await;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(n.source, SummarySource::Template);
    assert_eq!(n.text, "Template: 3 lines.");
    assert!(n.note.unwrap().contains("did not answer within"));
}

#[tokio::test]
async fn wrong_schema_output_is_sent_back_twice_then_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(completion(r#"{"answer": "order-service errors"}"#))
        .mount(&server)
        .await;
    let t = llm(&server, json!({}))
        .translate(&question("q"), &schema(), None)
        .await;
    assert!(t.plan.is_none());
    assert_eq!(t.answers, 3, "the answer plus two repairs");
    assert!(
        t.failure.is_none(),
        "the calls worked; the answers were rejected"
    );
    let requests = bodies(&server.received_requests().await.unwrap());
    assert_eq!(requests.len(), 3);
    let last = requests[2]["messages"].as_array().unwrap();
    let repair = last.last().unwrap()["content"].as_str().unwrap();
    assert!(
        repair.contains("rejected") && repair.contains("kind"),
        "{repair}"
    );
    assert_eq!(
        last[last.len() - 2]["role"],
        "assistant",
        "the rejected answer is shown back"
    );
}

#[tokio::test]
async fn an_invalid_query_is_repaired() {
    let server = MockServer::start().await;
    let broken = r#"{"kind":"logs","query":"{service_name=\"payment-service\" |= \"timeout\"","last":"3h","day":"","from_time":"","to_time":"","step":"","limit":0,"reason":""}"#;
    let fixed = r#"{"kind":"logs","query":"{service_name=\"payment-service\"} |= \"timeout\"","last":"3h","day":"","from_time":"","to_time":"","step":"","limit":0,"reason":""}"#;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(completion(broken))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(completion(fixed))
        .mount(&server)
        .await;
    let t = llm(&server, json!({}))
        .translate(
            &question("payment-service timeouts"),
            &schema(),
            Some(TranslateMode::Query),
        )
        .await;
    let plan = t.plan.expect("repaired");
    assert_eq!(t.answers, 2);
    assert_eq!(
        plan.query_text().unwrap(),
        r#"{service_name="payment-service"} |= "timeout""#
    );
    let requests = bodies(&server.received_requests().await.unwrap());
    let repair = requests[1]["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(repair.contains("does not parse"), "{repair}");
}

#[tokio::test]
async fn a_hallucinated_label_is_rejected() {
    let server = MockServer::start().await;
    let invented = r#"{"kind":"logs","query":"{service_name=\"order-service\", team=\"payments\"}","last":"","day":"","from_time":"","to_time":"","step":"","limit":0,"reason":""}"#;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(completion(invented))
        .mount(&server)
        .await;
    let t = llm(&server, json!({"llmMode": "query"}))
        .translate(&question("payments team logs"), &schema(), None)
        .await;
    assert!(t.plan.is_none());
    let error = t.error.unwrap();
    assert!(error.contains("label `team` does not exist"), "{error}");
    assert_eq!(t.answers, 3);
}

#[tokio::test]
async fn azure_and_grafana_llm_app_paths() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/openai/deployments/gpt4o-prod/chat/completions"))
        .and(query_param("api-version", "2024-10-21"))
        .and(header("api-key", "az-key"))
        .respond_with(completion(GOOD_SLOTS))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/api/plugins/grafana-llm-app/resources/openai/v1/chat/completions",
        ))
        .and(header("authorization", "Bearer glsa_token"))
        .respond_with(completion(GOOD_SLOTS))
        .mount(&server)
        .await;
    let azure = llm_with(
        json!({"llmProvider": "azure", "llmBaseUrl": server.uri(), "llmAzureDeployment": "gpt4o-prod"}),
        &[("llmApiKey", "az-key")],
    );
    assert!(
        azure
            .translate(&question("q"), &schema(), None)
            .await
            .plan
            .is_some()
    );
    let body = &bodies(&server.received_requests().await.unwrap())[0];
    assert!(
        body.get("max_completion_tokens").is_some(),
        "Azure gets max_completion_tokens"
    );
    let grafana = llm_with(
        json!({"llmProvider": "grafana-llm-app", "llmBaseUrl": server.uri()}),
        &[("llmApiKey", "glsa_token")],
    );
    let t = grafana.translate(&question("q"), &schema(), None).await;
    assert!(t.plan.is_some(), "{:?}", t.error);
    assert_eq!(
        bodies(&server.received_requests().await.unwrap())[1]["model"],
        "base"
    );
}

#[tokio::test]
async fn streamed_summaries_arrive_in_pieces_and_are_checked() {
    let server = MockServer::start().await;
    let chunk = |text: &str| {
        format!(
            "data: {}\n\n",
            json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                   "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]})
        )
    };
    let sse = format!(
        "{}{}{}data: [DONE]\n\n",
        chunk("order-service logged "),
        chunk("12 error lines "),
        chunk("[E1].")
    );
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(sse),
        )
        .mount(&server)
        .await;
    let llm = llm(&server, json!({}));
    let mut pack = EvidencePack::new("order-service errors", &schema());
    pack.push(
        "count",
        Some("order-service".into()),
        "order-service: 12 lines (error 12)",
        vec![],
    );
    let mut pieces = Vec::new();
    let mut on_delta = |t: &str| pieces.push(t.to_string());
    let n = llm
        .narrate(&pack, "template", NOW.parse().unwrap(), Some(&mut on_delta))
        .await;
    assert_eq!(n.source, SummarySource::Llm, "{:?}", n.note);
    assert_eq!(n.text, "order-service logged 12 error lines [E1].");
    assert_eq!(n.cited, vec!["E1"]);
    assert_eq!(pieces.len(), 3);
    let body = &bodies(&server.received_requests().await.unwrap())[0];
    assert_eq!(body["stream"], true);
}

#[tokio::test]
async fn a_summary_naming_a_service_outside_the_evidence_is_replaced() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(completion("user-service is the root cause [E1]."))
        .mount(&server)
        .await;
    let mut pack = EvidencePack::new("why is payment failing", &schema());
    pack.push(
        "count",
        Some("payment-service".into()),
        "payment-service: 45 lines",
        vec![],
    );
    let n = llm(&server, json!({}))
        .narrate(
            &pack,
            "45 payment-service error lines.",
            NOW.parse().unwrap(),
            None,
        )
        .await;
    assert_eq!(n.source, SummarySource::Template);
    assert!(n.note.unwrap().contains("user-service"));
}

#[tokio::test]
async fn budget_and_prompt_cap_stop_calls_before_they_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(completion(GOOD_SLOTS))
        .mount(&server)
        .await;
    let capped = llm(&server, json!({"llmMaxPromptTokens": 200}));
    let t = capped.translate(&question("q"), &schema(), None).await;
    assert!(matches!(
        t.failure,
        Some(LlmError::PromptTooLong { cap: 200, .. })
    ));
    let poor = llm(&server, json!({"llmDailyTokenBudget": 100}));
    let t = poor.translate(&question("q"), &schema(), None).await;
    assert!(matches!(
        t.failure,
        Some(LlmError::BudgetExhausted { budget: 100 })
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_cache_answers_the_same_question_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COMPLETIONS))
        .respond_with(completion(GOOD_SLOTS))
        .expect(1)
        .mount(&server)
        .await;
    let llm = llm(&server, json!({"llmCacheSeconds": 600}));
    let first = llm
        .translate(&question("cached question"), &schema(), None)
        .await;
    let second = llm
        .translate(&question("cached question"), &schema(), None)
        .await;
    assert!(!first.cached && second.cached);
    assert_eq!(first.plan.unwrap().query, second.plan.unwrap().query);
}

/// D01's recorded range (now-3h .. now at the recording) in epoch seconds.
const D01_FROM: i64 = 1_795_585_136;
const D01_TO: i64 = 1_795_595_936;

#[tokio::test]
async fn the_plugin_binary_runs_the_llm_path_with_the_fake_provider() {
    let replay = Replay::start_with(&["eval-dev", "loki", "tempo"]).await;
    replay.mount_discovery().await;
    let plugin = Plugin::start().await;
    let script = json!([
        {"when": "Evidence:", "reply": "order-service logged error lines in this range [E1]."},
        {"reply": {"kind": "logs", "services": ["order-service"], "levels": ["error"]}},
    ]);
    let ctx = plugin_context(datasource(
        json!({ "lokiUrl": replay.uri(), "tempoUrl": replay.uri(),
                "llmProvider": "fake", "llmFakeScript": script }),
        &[],
    ));
    let response = plugin
        .data()
        .query_data(pluginv2::QueryDataRequest {
            plugin_context: Some(ctx.clone()),
            headers: Default::default(),
            queries: vec![data_query(
                "A",
                json!({ "question": "show error logs from order-service", "llm": true }),
                D01_FROM,
                D01_TO,
            )],
        })
        .await
        .unwrap()
        .into_inner();
    let answer = &response.responses["A"];
    assert_eq!(answer.status, 200, "{}", answer.error);
    let frame = decode_frame(&answer.frames[0]);
    let custom = &frame.meta["custom"];
    assert_eq!(custom["llm"]["translated"], true, "{custom}");
    assert_eq!(custom["llm"]["model"], "fake");
    assert_eq!(custom["summarySource"], "llm");
    assert_eq!(
        custom["summary"],
        "order-service logged error lines in this range [E1]."
    );
    assert_eq!(
        frame.meta["executedQueryString"],
        r#"{service_name="order-service", level="error"}"#
    );
    let metrics = plugin
        .diagnostics()
        .collect_metrics(pluginv2::CollectMetricsRequest {
            plugin_context: Some(ctx),
        })
        .await
        .unwrap()
        .into_inner();
    let text = String::from_utf8(metrics.metrics.unwrap().prometheus).unwrap();
    assert!(
        text.contains(r#"querent_llm_requests_total{purpose="translate",outcome="ok"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"querent_llm_requests_total{purpose="narrate",outcome="ok"} 1"#));
    assert!(text.contains("querent_llm_request_duration_seconds_count 2"));
}

/// A follow-up is the rules' merge with the conversation: the LLM (which sees one question at a time)
/// is not asked to translate it, even with `llm: true`, and the conversation continues from the plan the
/// LLM made for the first question. CollectMetrics carries the upstream families next to the LLM's.
#[tokio::test]
async fn a_follow_up_is_merged_by_the_rules_not_sent_to_the_llm() {
    let replay = Replay::start_with(&["eval-dev", "loki", "tempo"]).await;
    replay.mount_discovery().await;
    let plugin = Plugin::start().await;
    let script = json!([
        {"when": "Evidence:", "reply": "order-service logged error lines in this range [E1]."},
        {"reply": {"kind": "logs", "services": ["order-service"], "levels": ["error"]}},
    ]);
    let ctx = plugin_context(datasource(
        json!({ "lokiUrl": replay.uri(), "tempoUrl": replay.uri(),
                "llmProvider": "fake", "llmFakeScript": script }),
        &[],
    ));
    let ask = |text: &str| {
        let request = pluginv2::QueryDataRequest {
            plugin_context: Some(ctx.clone()),
            headers: Default::default(),
            queries: vec![data_query(
                "A",
                json!({ "question": text, "llm": true, "sessionId": "follow-up-test" }),
                D01_FROM,
                D01_TO,
            )],
        };
        let mut client = plugin.data();
        async move { client.query_data(request).await.unwrap().into_inner() }
    };
    let first = ask("show error logs from order-service").await;
    let first = decode_frame(&first.responses["A"].frames[0]);
    assert_eq!(first.meta["custom"]["llm"]["translated"], true);
    let second = ask("what about payment-service?").await;
    let answer = &second.responses["A"];
    assert_eq!(answer.status, 200, "{}", answer.error);
    let frame = decode_frame(&answer.frames[0]);
    let custom = &frame.meta["custom"];
    assert_eq!(custom["llm"]["translated"], false, "{custom}");
    assert_eq!(custom["understood"][0]["what"], "context", "{custom}");
    assert_eq!(
        frame.meta["executedQueryString"],
        r#"{service_name="payment-service", level="error"}"#
    );
    let metrics = plugin
        .diagnostics()
        .collect_metrics(pluginv2::CollectMetricsRequest {
            plugin_context: Some(ctx),
        })
        .await
        .unwrap()
        .into_inner();
    let text = String::from_utf8(metrics.metrics.unwrap().prometheus).unwrap();
    assert!(
        text.contains(r#"querent_llm_requests_total{purpose="translate",outcome="ok"} 1"#),
        "{text}"
    );
    assert!(text.contains("querent_upstream_requests_total"), "{text}");
}

/// A diagnosis question: the analysis' hypotheses are the evidence the LLM narrates, and its checked
/// summary replaces the template one on the correlate answer (the hypotheses table still comes back).
#[tokio::test]
async fn a_correlate_answer_is_narrated_from_its_hypotheses() {
    let replay = Replay::start_with(&["eval-dev", "loki", "tempo"]).await;
    replay.mount_discovery().await;
    let plugin = Plugin::start().await;
    let script = json!([
        {"when": "Evidence:", "reply": "payment-service is failing: see the hypotheses [E1]."},
    ]);
    let ctx = plugin_context(datasource(
        json!({ "lokiUrl": replay.uri(), "tempoUrl": replay.uri(),
                "llmProvider": "fake", "llmFakeScript": script }),
        &[],
    ));
    let response = plugin
        .data()
        .query_data(pluginv2::QueryDataRequest {
            plugin_context: Some(ctx),
            headers: Default::default(),
            queries: vec![data_query(
                "A",
                json!({ "question": "what caused the payment-service errors?" }),
                D01_FROM,
                D01_TO,
            )],
        })
        .await
        .unwrap()
        .into_inner();
    let answer = &response.responses["A"];
    assert_eq!(answer.status, 200, "{}", answer.error);
    let frames: Vec<_> = answer.frames.iter().map(|f| decode_frame(f)).collect();
    let custom = &frames[0].meta["custom"];
    assert_eq!(custom["plan"]["kind"], "correlate", "{custom}");
    assert_eq!(custom["summarySource"], "llm", "{custom}");
    assert_eq!(
        custom["summary"],
        "payment-service is failing: see the hypotheses [E1]."
    );
    assert!(
        !custom["hypotheses"].as_array().unwrap().is_empty(),
        "{custom}"
    );
    assert!(frames.iter().any(|f| f.name == "hypotheses"));
}
