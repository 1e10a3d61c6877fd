//! `querent translate --loki URL --tempo URL`: the schema comes from Loki and Tempo (label values,
//! detected fields, Tempo tags), and an unreachable peer is the one non-usage error (exit status 2 with a
//! message on stderr), as the design's contract says.

mod common;

use std::process::{Command, Output};

const NOW: &str = "2026-11-25T08:38:56Z";

fn translate(loki: &str, tempo: &str, question: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_querent"))
        .args([
            "translate",
            "--json",
            "--now",
            NOW,
            "--loki",
            loki,
            "--tempo",
            tempo,
            question,
        ])
        .output()
        .expect("querent runs")
}

#[tokio::test]
async fn live_schema_grounds_services_fields_and_tags() {
    let replay = common::Replay::start_with(&["loki"]).await;
    replay.mount_discovery().await;
    let uri = replay.uri();
    let out = translate(
        &uri,
        &uri,
        "order-service logs with status 500 from ordr service in the last hour",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        v["query"],
        r#"{service_name="order-service"} | logfmt | status = 500"#
    );
    let out = translate(&uri, &uri, "info logs from staging in the last 6 hours");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["query"], r#"{env="staging", level="info"}"#);
    let out = translate(
        &uri,
        &uri,
        "slow POST /api/v1/orders requests over 500ms in the last 6 hours",
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        v["query"],
        r#"{ name = "POST /api/v1/orders" && duration > 500ms }"#
    );
}

#[tokio::test]
async fn an_unreachable_peer_exits_2_with_a_message() {
    let dead = format!("http://127.0.0.1:{}", common::closed_port());
    let out = translate(&dead, &dead, "errors from order-service");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot connect to Loki"), "{err}");
}
