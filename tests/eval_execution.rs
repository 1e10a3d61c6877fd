//! `querent eval --loki --tempo`: scoring by execution. The predicted and the expected query both run
//! against a local server that answers with the real recorded Loki/Tempo responses to the dev gold
//! queries (`../shared/fixtures/eval-dev`); a request is answered when it is the same query in canonical
//! form (so `0.95` and `.95`, `300` and `5m` are the same request), as a live server would treat it.

mod common;

use std::process::Command;

use common::replay_eval_dev_canonical as replay;
use wiremock::MockServer;

const NOW: &str = "2026-11-25T08:38:56Z";

fn eval(cases: &std::path::Path, server: &MockServer) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_querent"))
        .arg("eval")
        .arg(cases)
        .args([
            "--json",
            "--now",
            NOW,
            "--loki",
            &server.uri(),
            "--tempo",
            &server.uri(),
            "--schema",
        ])
        .arg(format!(
            "{}/tests/fixtures/demo-schema.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .output()
        .expect("querent runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

#[tokio::test]
async fn dev_set_passes_by_execution() {
    let server = replay().await;
    let dev = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/dev.jsonl");
    let report = eval(&dev, &server);
    assert_eq!(report["summary"]["mode"], "execution");
    let failures: Vec<String> = report["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["passed"] == false)
        .map(|o| format!("{}: {}", o["id"], o["problems"]))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(report["summary"]["passed"], 36);
}

#[tokio::test]
async fn different_results_fail_the_case() {
    let server = replay().await;
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases.jsonl");
    // The question is D01's (order-service errors, 3 h); the expectation is D03's query (payment-service
    // lines with `timeout`, 3 h). Both requests are recorded; their answers differ.
    std::fs::write(
        &cases,
        r#"{"id": "X", "question": "show error logs from order-service in the last 3 hours", "expect": {"kind": "logs", "query": "{service_name=\"payment-service\"} |= \"timeout\"", "start": "now-3h", "end": "now"}}"#,
    )
    .unwrap();
    let report = eval(&cases, &server);
    assert_eq!(report["summary"]["passed"], 0);
    let problem = report["outcomes"][0]["problems"][0].as_str().unwrap();
    assert!(problem.contains("different results"), "{problem}");
}
