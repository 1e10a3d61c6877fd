//! Follow-up questions resolved against the previous plan: a table of question pairs (English and
//! Korean) and the plans they must give, on the recorded demo schema at the data's `now`. Each row states
//! what the follow-up changes; everything else must be inherited from the first question.

use chrono::{DateTime, Utc};
use querent::ground::Schema;
use querent::translate::{Previous, Question, translate_in_context};
use serde_json::{Value, json};

const NOW: &str = "2026-11-25T08:38:56Z";

fn schema() -> Schema {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/demo-schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("schema file")).expect("schema")
}

fn now() -> DateTime<Utc> {
    NOW.parse().expect("now")
}

/// Asks `questions` in one conversation and returns the last plan (contract JSON) and whether the last
/// question was read as a follow-up.
fn converse(questions: &[&str]) -> (Value, bool) {
    let schema = schema();
    let mut previous: Option<Previous> = None;
    let mut last = (Value::Null, false);
    for q in questions {
        let question = Question::new(q, now());
        let resolved = translate_in_context(&question, previous.as_ref(), &schema);
        last = (resolved.plan.to_contract_json(), resolved.followed);
        previous = Some(resolved.next);
    }
    last
}

const ORDER_ERRORS_3H: &str = "show error logs from order-service in the last 3 hours";

#[test]
fn follow_ups_inherit_what_they_do_not_change() {
    // (first question, follow-up, expected plan of the follow-up)
    let table: &[(&str, &str, Value)] = &[
        (
            ORDER_ERRORS_3H,
            "now only the last 30 minutes",
            json!({"kind": "logs", "query": "{service_name=\"order-service\", level=\"error\"}",
                   "start": "2026-11-25T08:08:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            ORDER_ERRORS_3H,
            "what about payment-service?",
            json!({"kind": "logs", "query": "{service_name=\"payment-service\", level=\"error\"}",
                   "start": "2026-11-25T05:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            ORDER_ERRORS_3H,
            "show the traces for those",
            json!({"kind": "correlate", "query": "{service_name=\"order-service\", level=\"error\"}",
                   "start": "2026-11-25T05:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            ORDER_ERRORS_3H,
            "same for yesterday",
            json!({"kind": "logs", "query": "{service_name=\"order-service\", level=\"error\"}",
                   "start": "2026-11-24T00:00:00Z", "end": "2026-11-25T00:00:00Z"}),
        ),
        (
            ORDER_ERRORS_3H,
            "containing timeout",
            json!({"kind": "logs",
                   "query": "{service_name=\"order-service\", level=\"error\"} |= \"timeout\"",
                   "start": "2026-11-25T05:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            ORDER_ERRORS_3H,
            "payment-service too",
            json!({"kind": "logs",
                   "query": "{service_name=~\"order-service|payment-service\", level=\"error\"}",
                   "start": "2026-11-25T05:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            "show logs from payment-service in the last hour",
            "only errors",
            json!({"kind": "logs", "query": "{service_name=\"payment-service\", level=\"error\"}",
                   "start": "2026-11-25T07:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            "how many error logs per service in the last hour",
            "exclude api-gateway",
            json!({"kind": "metrics", "instant": true, "end": "2026-11-25T08:38:56Z",
                   "query": "sum by (service_name) (count_over_time({service_name!=\"api-gateway\", level=\"error\"}[1h]))"}),
        ),
        (
            "how many error logs in the last 3 hours",
            "only payment-service",
            json!({"kind": "metrics", "instant": true, "end": "2026-11-25T08:38:56Z",
                   "query": "sum(count_over_time({service_name=\"payment-service\", level=\"error\"}[3h]))"}),
        ),
        (
            "show error logs from payment-service in the last 6 hours",
            "as a graph per 5 minutes",
            json!({"kind": "metrics", "step": "5m",
                   "query": "sum(count_over_time({service_name=\"payment-service\", level=\"error\"}[5m]))",
                   "start": "2026-11-25T02:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            "traces from product-service slower than 1 second in the last hour",
            "what about order-service?",
            json!({"kind": "traces",
                   "query": "{ resource.service.name = \"order-service\" && duration > 1s }",
                   "start": "2026-11-25T07:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            "traces from product-service slower than 1 second in the last hour",
            "show the logs for those",
            json!({"kind": "logs", "query": "{service_name=\"product-service\"}",
                   "start": "2026-11-25T07:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            "p95 latency of product-service over the last 6 hours",
            "what about payment-service?",
            json!({"kind": "trace_metrics",
                   "query": "{ resource.service.name = \"payment-service\" } | quantile_over_time(duration, 0.95)",
                   "start": "2026-11-25T02:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            "failed traces in payment-service over the last 3 hours",
            "per 5 minutes",
            json!({"kind": "trace_metrics", "step": "5m",
                   "query": "{ resource.service.name = \"payment-service\" && status = error } | count_over_time()",
                   "start": "2026-11-25T05:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            "failed traces in payment-service over the last 3 hours",
            "only the slow ones",
            json!({"kind": "traces",
                   "query": "{ resource.service.name = \"payment-service\" && status = error && duration > 1s }",
                   "start": "2026-11-25T05:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            ORDER_ERRORS_3H,
            "how many?",
            json!({"kind": "metrics", "instant": true, "end": "2026-11-25T08:38:56Z",
                   "query": "sum(count_over_time({service_name=\"order-service\", level=\"error\"}[3h]))"}),
        ),
        // Korean
        (
            "지난 3시간 동안 order-service에서 발생한 에러 로그 보여줘",
            "지난 1시간만",
            json!({"kind": "logs", "query": "{service_name=\"order-service\", level=\"error\"}",
                   "start": "2026-11-25T07:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            "지난 3시간 동안 order-service 로그 보여줘",
            "그 중 에러만",
            json!({"kind": "logs", "query": "{service_name=\"order-service\", level=\"error\"}",
                   "start": "2026-11-25T05:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            ORDER_ERRORS_3H,
            "그 트레이스 보여줘",
            json!({"kind": "correlate", "query": "{service_name=\"order-service\", level=\"error\"}",
                   "start": "2026-11-25T05:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            ORDER_ERRORS_3H,
            "payment-service는?",
            json!({"kind": "logs", "query": "{service_name=\"payment-service\", level=\"error\"}",
                   "start": "2026-11-25T05:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            ORDER_ERRORS_3H,
            "5분 단위 그래프로",
            json!({"kind": "metrics", "step": "5m",
                   "query": "sum(count_over_time({service_name=\"order-service\", level=\"error\"}[5m]))",
                   "start": "2026-11-25T05:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
        (
            ORDER_ERRORS_3H,
            "api-gateway 말고 전체 서비스",
            json!({"kind": "logs", "query": "{service_name!=\"api-gateway\", level=\"error\"}",
                   "start": "2026-11-25T05:38:56Z", "end": "2026-11-25T08:38:56Z"}),
        ),
    ];
    let mut failures = Vec::new();
    for (first, follow_up, want) in table {
        let (got, followed) = converse(&[first, follow_up]);
        if !followed || &got != want {
            failures.push(format!(
                "{first} → {follow_up}\n   want {want}\n   got  {got} (follow-up: {followed})"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_whole_new_question_is_not_a_follow_up() {
    let (plan, followed) = converse(&[
        ORDER_ERRORS_3H,
        "show warn logs from payment-service in the last 2 hours",
    ]);
    assert!(!followed);
    assert_eq!(
        plan,
        json!({"kind": "logs", "query": "{service_name=\"payment-service\", level=\"warn\"}",
               "start": "2026-11-25T06:38:56Z", "end": "2026-11-25T08:38:56Z"})
    );
}

#[test]
fn a_chain_of_follow_ups_keeps_every_earlier_change() {
    let (plan, followed) = converse(&[
        ORDER_ERRORS_3H,
        "what about payment-service?",
        "containing timeout",
        "now only the last 30 minutes",
    ]);
    assert!(followed);
    assert_eq!(
        plan,
        json!({"kind": "logs",
               "query": "{service_name=\"payment-service\", level=\"error\"} |= \"timeout\"",
               "start": "2026-11-25T08:08:56Z", "end": "2026-11-25T08:38:56Z"})
    );
    // correlation chosen by a follow-up survives the next one
    let (plan, _) = converse(&[ORDER_ERRORS_3H, "show the traces for those", "지난 1시간만"]);
    assert_eq!(plan["kind"], "correlate");
    assert_eq!(plan["start"], "2026-11-25T07:38:56Z");
}

#[test]
fn the_frontend_context_is_enough_to_follow_up() {
    // What the Ask page sends: the previous question and its plan object.
    let previous = Previous::from_contract(
        "how many error logs in the last 3 hours",
        &json!({"kind": "metrics", "instant": true, "end": "2026-11-25T08:38:56Z",
                "query": "sum(count_over_time({level=\"error\"}[3h]))"}),
    )
    .expect("usable context");
    assert_eq!(
        previous.start,
        Some("2026-11-25T05:38:56Z".parse().unwrap())
    );
    let resolved = translate_in_context(
        &Question::new("only payment-service", now()),
        Some(&previous),
        &schema(),
    );
    assert!(resolved.followed);
    assert_eq!(
        resolved.plan.query_text().as_deref(),
        Some("sum(count_over_time({service_name=\"payment-service\", level=\"error\"}[3h]))")
    );
    assert_eq!(resolved.plan.understood[0].what, "context");
    assert!(Previous::from_contract("", &json!({"kind": "logs"})).is_none());
    assert!(Previous::from_contract("q", &json!({"kind": "nonsense"})).is_none());
}

#[test]
fn a_follow_up_naming_an_unknown_service_asks_back() {
    let (plan, followed) = converse(&[ORDER_ERRORS_3H, "what about inventory-service?"]);
    assert!(followed);
    assert_eq!(plan["kind"], "clarify", "{plan}");
    assert!(
        plan["reason"]
            .as_str()
            .unwrap()
            .contains("inventory-service"),
        "{plan}"
    );
}

mod common;

/// `querent ask --session`: the second question of a CLI conversation is a follow-up, run for real
/// against the recorded answers (D01, then D31's correlation over the last hour).
#[tokio::test]
async fn cli_sessions_carry_the_conversation_between_runs() {
    let server = common::replay_eval_dev_canonical().await;
    let cache = tempfile::tempdir().expect("temp dir");
    let ask = |question: &str, session: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_querent"))
            .env("XDG_CACHE_HOME", cache.path())
            .args(["ask", "--json", "--now", NOW, "--loki", &server.uri()])
            .args(["--tempo", &server.uri(), "--session", session, "--schema"])
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/demo-schema.json"
            ))
            .arg(question)
            .output()
            .expect("querent runs");
        let v = serde_json::from_slice::<Value>(&out.stdout).expect("one JSON object");
        (out.status.success(), v)
    };
    let (ok, first) = ask(ORDER_ERRORS_3H, "incident-42");
    assert!(ok, "{first}");
    assert_eq!(first["followUp"], false);
    assert_eq!(first["logs"].as_array().unwrap().len(), 68);
    let (ok, second) = ask("show the traces for those in the last hour", "incident-42");
    assert!(ok, "{second}");
    assert_eq!(second["session"], "incident-42");
    assert_eq!(second["followUp"], true);
    assert_eq!(second["plan"]["kind"], "correlate", "{second}");
    assert_eq!(
        second["plan"]["query"],
        "{service_name=\"order-service\", level=\"error\"}"
    );
    assert!(!second["logs"].as_array().unwrap().is_empty(), "{second}");
    // another session knows nothing of it: a trace search of its own (not recorded, so it fails)
    let (_, other) = ask("show the traces for those in the last hour", "other");
    assert_eq!(other["followUp"], false);
    assert_eq!(other["plan"]["kind"], "traces", "{other}");
    let file = cache.path().join("querent/sessions.json");
    let saved: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    assert_eq!(
        saved["sessions"]["incident-42"]["turns"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

mod mcp_support;

/// The Ask page in Grafana: questions of one `sessionId` are a conversation kept by the plugin; without
/// a stored session (another id, a restarted plugin) the frontend's `context` is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_page_sessions_follow_up_in_grafana() {
    use grafana_plugin_sdk::pluginv2;
    let server = mcp_support::peers().await;
    let plugin = common::Plugin::start().await;
    let ds = common::datasource(
        json!({"lokiUrl": server.uri(), "tempoUrl": server.uri()}),
        &[],
    );
    let ctx = common::plugin_context(ds);
    // D01's range: the data's last three hours
    let (from, to) = (1_795_585_136, 1_795_595_936);
    let ask = |model: Value| {
        let mut client = plugin.data();
        let ctx = ctx.clone();
        async move {
            let response = client
                .query_data(pluginv2::QueryDataRequest {
                    plugin_context: Some(ctx),
                    headers: Default::default(),
                    queries: vec![common::data_query("A", model, from, to)],
                })
                .await
                .expect("QueryData answers")
                .into_inner();
            let answer = response.responses["A"].clone();
            assert_eq!(answer.status, 200, "{}", answer.error);
            common::decode_frame(&answer.frames[0]).meta["custom"].clone()
        }
    };
    let first =
        ask(json!({"question": "show error logs from order-service", "sessionId": "thread-1"}))
            .await;
    assert_eq!(
        first["plan"]["query"],
        "{service_name=\"order-service\", level=\"error\"}"
    );
    let second =
        ask(json!({"question": "what about payment-service?", "sessionId": "thread-1"})).await;
    assert_eq!(
        second["plan"]["query"],
        mcp_support::PAYMENT_ERRORS,
        "{second}"
    );
    assert_eq!(second["understood"][0]["what"], "context");
    // a session the plugin has never seen, with the frontend's context
    let third = ask(
        json!({"question": "what about payment-service?", "sessionId": "thread-2",
        "context": {"question": "show error logs from order-service", "plan": first["plan"]}}),
    )
    .await;
    assert_eq!(
        third["plan"]["query"],
        mcp_support::PAYMENT_ERRORS,
        "{third}"
    );
    // no session, no context: a question on its own (all payment-service lines, not recorded: 404)
    let alone = plugin
        .data()
        .query_data(pluginv2::QueryDataRequest {
            plugin_context: Some(ctx.clone()),
            headers: Default::default(),
            queries: vec![common::data_query(
                "A",
                json!({"question": "what about payment-service?"}),
                from,
                to,
            )],
        })
        .await
        .expect("QueryData answers")
        .into_inner();
    let error = &alone.responses["A"].error;
    assert!(
        error.contains("(query: `{service_name=\"payment-service\"}`)"),
        "{error}"
    );
}
