//! Natural-language questions through the real plugin binary: QueryData with a `question` is translated
//! against the schema discovered from Loki/Tempo (served from the recordings), run, and answered with the
//! executed query in `meta.executedQueryString` and the plan, understood words and summary in
//! `meta.custom`; `POST translate`, `GET schema` and `GET examples` serve the editor.

mod common;

use common::{Plugin, Replay, datasource, decode_frame, plugin_context};
use grafana_plugin_sdk::pluginv2;
use serde_json::{Value, json};

async fn setup() -> (Replay, Plugin, pluginv2::PluginContext) {
    let replay = Replay::start_with(&["eval-dev", "loki", "tempo"]).await;
    replay.mount_discovery().await;
    let plugin = Plugin::start().await;
    let ctx = plugin_context(datasource(
        json!({ "lokiUrl": replay.uri(), "tempoUrl": replay.uri() }),
        &[],
    ));
    (replay, plugin, ctx)
}

fn seconds(ns: i64) -> i64 {
    ns / 1_000_000_000
}

/// D01's recorded range (now-3h .. now at the recording) in epoch seconds.
const D01_FROM: i64 = 1_795_585_136;
const D01_TO: i64 = 1_795_595_936;

async fn query(
    plugin: &Plugin,
    ctx: &pluginv2::PluginContext,
    model: Value,
    from: i64,
    to: i64,
) -> pluginv2::DataResponse {
    plugin.query_one(ctx, model, from, to).await
}

#[tokio::test]
async fn a_question_runs_with_the_dashboard_range_and_explains_itself() {
    let (_replay, plugin, ctx) = setup().await;
    let answer = query(
        &plugin,
        &ctx,
        json!({ "question": "show error logs from order-service" }),
        D01_FROM,
        D01_TO,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.error);
    assert!(!answer.frames.is_empty());
    let frame = decode_frame(&answer.frames[0]);
    let meta = &frame.meta;
    assert_eq!(
        meta["executedQueryString"],
        r#"{service_name="order-service", level="error"}"#
    );
    let custom = &meta["custom"];
    assert_eq!(custom["question"], "show error logs from order-service");
    assert_eq!(custom["plan"]["kind"], "logs");
    assert_eq!(
        custom["timeSource"], "dashboard",
        "no time in the question: Explore's range"
    );
    assert_eq!(custom["plan"]["start"], "2026-11-25T05:38:56Z");
    let understood: Vec<&str> = custom["understood"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["what"].as_str().unwrap())
        .collect();
    assert!(
        understood.contains(&"service") && understood.contains(&"level"),
        "{understood:?}"
    );
    let summary = custom["summary"].as_str().unwrap();
    assert!(summary.contains("68 log lines"), "{summary}");
    let lines: usize = answer.frames.iter().map(|f| decode_frame(f).rows()).sum();
    assert_eq!(lines, 68);
    let _ = seconds(0);
}

#[tokio::test]
async fn a_metric_question_answers_series_frames() {
    let (_replay, plugin, ctx) = setup().await;
    // D14 asks at the recording's `now`: "in the last hour" → an instant query at the range's end. The
    // plugin uses the real clock for words like "last hour", so ask without a time and let the range speak.
    let answer = query(
        &plugin,
        &ctx,
        json!({ "question": "how many error logs per service" }),
        1_795_592_336,
        D01_TO,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.error);
    let frame = decode_frame(&answer.frames[0]);
    assert_eq!(
        frame.meta["executedQueryString"],
        r#"sum by (service_name) (count_over_time({level="error"}[1h]))"#
    );
    assert_eq!(frame.meta["custom"]["plan"]["instant"], true);
}

#[tokio::test]
async fn a_service_that_does_not_exist_is_a_clarification_not_an_error() {
    let (_replay, plugin, ctx) = setup().await;
    let answer = query(
        &plugin,
        &ctx,
        json!({ "question": "show logs from the inventory service" }),
        D01_FROM,
        D01_TO,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.error);
    assert_eq!(answer.frames.len(), 1);
    let frame = decode_frame(&answer.frames[0]);
    assert_eq!(frame.name, "clarification");
    let custom = &frame.meta["custom"];
    assert_eq!(custom["plan"]["kind"], "clarify");
    assert!(
        custom["summary"].as_str().unwrap().contains("`inventory`"),
        "{custom}"
    );
    assert!(!custom["suggestions"].as_array().unwrap().is_empty());
}

async fn resource(
    plugin: &Plugin,
    ctx: &pluginv2::PluginContext,
    method: &str,
    path: &str,
    body: Value,
) -> (i32, Value) {
    let mut stream = plugin
        .resource()
        .call_resource(pluginv2::CallResourceRequest {
            plugin_context: Some(ctx.clone()),
            path: path.into(),
            method: method.into(),
            url: path.into(),
            headers: Default::default(),
            body: if body.is_null() {
                Vec::new()
            } else {
                serde_json::to_vec(&body).unwrap()
            }
            .into(),
        })
        .await
        .expect("CallResource answers")
        .into_inner();
    let first = stream
        .message()
        .await
        .expect("a message")
        .expect("a response");
    (
        first.code,
        serde_json::from_slice(&first.body).expect("JSON body"),
    )
}

#[tokio::test]
async fn translate_resource_previews_the_plan() {
    let (_replay, plugin, ctx) = setup().await;
    let (code, body) = resource(
        &plugin,
        &ctx,
        "POST",
        "translate",
        json!({ "question": "지난 3시간 동안 ordr service에서 발생한 에러 로그 보여줘", "from": 0, "to": 1 }),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["plan"]["kind"], "logs");
    assert_eq!(
        body["plan"]["query"],
        r#"{service_name="order-service", level="error"}"#
    );
    assert_eq!(body["timeSource"], "question");
    let (code, body) = resource(&plugin, &ctx, "GET", "translate", Value::Null).await;
    assert_eq!(code, 405, "{body}");
    let (code, body) = resource(&plugin, &ctx, "POST", "translate", json!("not an object")).await;
    assert_eq!(code, 400, "{body}");
}

#[tokio::test]
async fn schema_and_examples_come_from_discovery() {
    let (_replay, plugin, ctx) = setup().await;
    let (code, schema) = resource(&plugin, &ctx, "GET", "schema", Value::Null).await;
    assert_eq!(code, 200, "{schema}");
    assert_eq!(schema["services"].as_array().unwrap().len(), 5, "{schema}");
    assert!(
        schema["loki"]["fields"]["order-service"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "status" && f["source"] == "logfmt")
    );
    assert!(
        schema["tempo"]["tags"]["span"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "http.response.status_code")
    );
    let (code, examples) = resource(&plugin, &ctx, "GET", "examples", Value::Null).await;
    assert_eq!(code, 200);
    assert!(
        examples["examples"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("order-service"))
    );
}

#[tokio::test]
async fn unreachable_loki_still_translates_as_written_and_says_why() {
    let replay = Replay::start_with(&["tempo"]).await;
    let plugin = Plugin::start().await;
    let dead = format!("http://127.0.0.1:{}", common::closed_port());
    let ctx = plugin_context(datasource(
        json!({ "lokiUrl": dead, "tempoUrl": replay.uri() }),
        &[],
    ));
    let (code, body) = resource(
        &plugin,
        &ctx,
        "POST",
        "translate",
        json!({ "question": "errors from order-service" }),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    // Nothing is known without Loki: the name written as a service is taken as written (the query then
    // fails on its own with "cannot connect to Loki"), and the answer says why the schema is empty.
    assert_eq!(body["plan"]["kind"], "logs", "{body}");
    assert_eq!(
        body["plan"]["query"], "{service_name=\"order-service\", level=\"error\"}",
        "{body}"
    );
    assert!(
        body["understood"].to_string().contains("as written"),
        "{body}"
    );
    assert!(
        body["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("Loki")),
        "{body}"
    );
}
