//! The `querent translate --json` contract of the design notes: exactly one JSON object on stdout, exit 0
//! also for a question it cannot answer, keys and omissions as specified; usage errors exit non-zero with a
//! message on stderr.

use std::process::{Command, Output};

const NOW: &str = "2026-11-25T08:38:56Z";

fn translate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_querent"))
        .arg("translate")
        .args(args)
        .output()
        .expect("querent runs")
}

fn schema() -> String {
    format!(
        "{}/tests/fixtures/demo-schema.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn json(question: &str, extra: &[&str]) -> serde_json::Value {
    let schema = schema();
    let mut args = vec!["--json", "--now", NOW, "--schema", schema.as_str()];
    args.extend_from_slice(extra);
    args.push(question);
    let out = translate(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(text.trim().lines().count(), 1, "exactly one line: {text}");
    serde_json::from_str(text.trim()).expect("one JSON object")
}

#[test]
fn log_question_gives_the_contract_object() {
    let v = json(
        "지난 3시간 동안 order-service에서 발생한 에러 로그 보여줘",
        &[],
    );
    assert_eq!(
        v,
        serde_json::json!({
            "kind": "logs",
            "query": "{service_name=\"order-service\", level=\"error\"}",
            "start": "2026-11-25T05:38:56Z",
            "end": "2026-11-25T08:38:56Z"
        })
    );
}

#[test]
fn instant_metric_has_no_start() {
    let v = json("how many error logs per service in the last hour", &[]);
    assert_eq!(v["kind"], "metrics");
    assert_eq!(v["instant"], true);
    assert!(v.get("start").is_none());
    assert_eq!(v["end"], "2026-11-25T08:38:56Z");
}

#[test]
fn range_metric_has_a_step() {
    let v = json(
        "number of payment-service errors per 5 minutes over the last 3 hours",
        &[],
    );
    assert_eq!(v["step"], "5m");
    assert!(v.get("instant").is_none());
}

#[test]
fn limit_is_reported() {
    assert_eq!(
        json("show the 20 most recent errors from order-service", &[])["limit"],
        20
    );
}

#[test]
fn unknown_service_is_a_clarification_with_suggestions_and_exit_0() {
    let v = json("show logs from the inventory service", &[]);
    assert_eq!(v["kind"], "clarify");
    assert!(v.get("query").is_none());
    assert!(v["reason"].as_str().unwrap().contains("inventory"));
    assert!(!v["suggestions"].as_array().unwrap().is_empty());
}

#[test]
fn empty_question_is_a_clarification() {
    assert_eq!(json("", &[])["kind"], "clarify");
}

#[test]
fn time_zone_moves_days_and_clock_times() {
    let v = json(
        "api-gateway logs between 06:00 and 07:00 today",
        &["--tz", "Asia/Seoul"],
    );
    assert_eq!(v["start"], "2026-11-24T21:00:00Z");
    assert_eq!(v["end"], "2026-11-24T22:00:00Z");
}

#[test]
fn human_output_explains_the_plan() {
    let schema = schema();
    let out = translate(&[
        "--now",
        NOW,
        "--schema",
        &schema,
        "errors from ordr-service in the last hour",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("query:  {service_name=\"order-service\", level=\"error\"}"),
        "{text}"
    );
    assert!(
        text.contains("order-service (from \"ordr-service\")"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_non_zero_with_a_message() {
    let out = translate(&["--json", "--now", "yesterday", "errors"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--now"));
    let out = translate(&["--json", "--tz", "Mars/Olympus", "errors"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tz"));
    let out = translate(&["--json", "--schema", "/nonexistent/schema.json", "errors"]);
    assert!(!out.status.success());
    let out = translate(&[]);
    assert!(!out.status.success());
}

#[test]
fn without_any_schema_service_names_are_taken_as_written() {
    let out = translate(&[
        "--json",
        "--now",
        NOW,
        "show error logs from order-service in the last 3 hours",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        v["query"],
        r#"{service_name="order-service", level="error"}"#
    );
    let out = translate(&[
        "--json",
        "--now",
        NOW,
        "show logs from the inventory service",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        v["kind"], "clarify",
        "a name not written as a service is not guessed: {v}"
    );
}
