//! `querent ask`: a question run end to end against Loki/Tempo (the recorded dev answers) and printed as
//! the design's JSON object or as text.

mod common;

use std::process::{Command, Output};

const NOW: &str = "2026-11-25T08:38:56Z";

fn ask(uri: &str, question: &str, json: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_querent"));
    cmd.args([
        "ask", "--now", NOW, "--loki", uri, "--tempo", uri, "--schema",
    ])
    .arg(format!(
        "{}/tests/fixtures/demo-schema.json",
        env!("CARGO_MANIFEST_DIR")
    ));
    if json {
        cmd.arg("--json");
    }
    cmd.arg(question).output().expect("querent runs")
}

#[tokio::test]
async fn a_log_question_prints_plan_summary_and_lines() {
    let server = common::replay_eval_dev_canonical().await;
    let out = ask(
        &server.uri(),
        "show error logs from order-service in the last 3 hours",
        true,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["plan"]["kind"], "logs");
    assert!(
        v["summary"].as_str().unwrap().contains("68 log lines"),
        "{}",
        v["summary"]
    );
    assert_eq!(v["logs"].as_array().unwrap().len(), 68);
    assert_eq!(v["logs"][0]["labels"]["service_name"], "order-service");
    assert!(v["hypotheses"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn metric_and_trace_questions_print_series_and_traces() {
    let server = common::replay_eval_dev_canonical().await;
    let out = ask(
        &server.uri(),
        "how many error logs per service in the last hour",
        true,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(!v["series"].as_array().unwrap().is_empty(), "{v}");
    let out = ask(
        &server.uri(),
        "traces from product-service slower than 1 second in the last hour",
        true,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["traces"].as_array().unwrap().len(), 2, "{v}");
    let out = ask(
        &server.uri(),
        "traces from product-service slower than 1 second in the last hour",
        false,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("2 traces") && text.contains("query:"),
        "{text}"
    );
}

#[tokio::test]
async fn clarification_and_unreachable_peers_are_reported() {
    let server = common::replay_eval_dev_canonical().await;
    let out = ask(&server.uri(), "show logs from the inventory service", true);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["plan"]["kind"], "clarify");
    assert!(v["summary"].as_str().unwrap().contains("inventory"));
    let dead = format!("http://127.0.0.1:{}", common::closed_port());
    let out = ask(
        &dead,
        "show error logs from order-service in the last 3 hours",
        true,
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("JSON even when Loki is down");
    assert!(
        v["summary"]
            .as_str()
            .unwrap()
            .contains("cannot connect to Loki"),
        "{v}"
    );
}
