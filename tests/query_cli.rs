//! `querent query` as a user runs it: the real binary against the replay server (recorded Loki and
//! Tempo responses), checking the printed tables, the summary line and the exit status.

mod common;

use std::process::{Command, Output};

use common::Replay;

/// The recorded time range (epoch 1795574276 .. 1795596352).
const FROM: &str = "2026-11-25T02:37:56Z";
const TO: &str = "2026-11-25T08:45:52Z";

async fn querent(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_querent"))
            .arg("query")
            .args(&args)
            .env_remove("QUERENT_LOKI_TOKEN")
            .env_remove("QUERENT_TEMPO_TOKEN")
            .output()
            .expect("run querent")
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn prints_log_lines_newest_first() {
    let replay = Replay::start_with(&["loki"]).await;
    let out = querent(args(&[
        "--loki",
        &replay.uri(),
        "--from",
        FROM,
        "--to",
        TO,
        "--limit",
        "20",
        r#"{service_name="payment-service"} |= "timeout""#,
    ]))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("TIME"), "{stdout}");
    assert!(
        lines[0].contains("LEVEL") && lines[0].contains("SERVICE") && lines[0].ends_with("LINE")
    );
    let rows: Vec<&str> = lines[1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .copied()
        .collect();
    assert_eq!(rows.len(), 20, "{stdout}");
    assert!(
        rows.iter()
            .all(|r| r.contains("error") && r.contains("payment-service"))
    );
    let times: Vec<&str> = rows
        .iter()
        .map(|r| r.split_whitespace().next().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert_eq!(times[0], "2026-11-25T06:43:42.955Z");
    assert!(
        stdout.contains("20 log lines from 2 streams (the limit of 20 was reached)."),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prints_traces_metrics_and_one_trace() {
    let replay = Replay::start_with(&["loki", "tempo"]).await;
    let uri = replay.uri();
    let search = querent(args(&[
        "--tempo",
        &uri,
        "--from",
        FROM,
        "--to",
        TO,
        "{ status = error }",
    ]))
    .await;
    assert!(search.status.success(), "{}", text(&search.stderr));
    let stdout = text(&search.stdout);
    assert!(stdout.starts_with("TRACE ID"), "{stdout}");
    assert!(
        stdout.contains("05722bc54b5e4a401a5a897790ba1d38"),
        "padded id: {stdout}"
    );
    assert!(
        stdout.contains("20 traces (the limit of 20 was reached)"),
        "{stdout}"
    );

    let trace = querent(args(&["--tempo", &uri, "dbb464a3cec79642a13a9da294e7eb2a"])).await;
    assert!(trace.status.success(), "{}", text(&trace.stderr));
    let stdout = text(&trace.stdout);
    assert!(
        stdout.starts_with("trace dbb464a3cec79642a13a9da294e7eb2a"),
        "{stdout}"
    );
    assert!(stdout.contains("POST /api/v1/orders [server]"), "{stdout}");
    assert!(
        stdout.contains("error: upstream order-service returned 500"),
        "{stdout}"
    );
    assert!(stdout.contains("9 spans in trace"), "{stdout}");

    let metric = querent(args(&[
        "--loki",
        &uri,
        "--to",
        TO,
        "--instant",
        r#"sum by (service_name) (count_over_time({level="error"}[6h]))"#,
    ]))
    .await;
    assert!(metric.status.success(), "{}", text(&metric.stderr));
    let stdout = text(&metric.stdout);
    assert!(
        stdout.contains(r#"{service_name="payment-service"}  2026-11-25T08:45:52Z  45"#),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_exit_non_zero_with_the_servers_words() {
    let replay = Replay::start_with(&["loki"]).await;
    let bad = querent(args(&[
        "--loki",
        &replay.uri(),
        "--to",
        TO,
        "-t",
        "metrics",
        "--instant",
        "--limit",
        "5",
        r#"{service_name="payment-service"}"#,
    ]))
    .await;
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        text(&bad.stderr),
        "querent: Loki answered 400 Bad Request: log queries are not supported as an instant query \
         type, please change your query to a range query type (query: `{service_name=\"payment-service\"}`)\n"
    );

    let port = common::closed_port();
    let down = querent(args(&[
        "--loki",
        &format!("http://127.0.0.1:{port}"),
        "{a=\"b\"}",
    ]))
    .await;
    assert_eq!(down.status.code(), Some(1));
    assert!(
        text(&down.stderr).contains("cannot connect to Loki"),
        "{}",
        text(&down.stderr)
    );

    let none = querent(args(&["{a=\"b\"}"])).await;
    assert_eq!(none.status.code(), Some(1));
    assert!(
        text(&none.stderr).contains("(or pass --loki)"),
        "{}",
        text(&none.stderr)
    );

    let usage = querent(args(&["--loki", "loki:3100", "{a=\"b\"}"])).await;
    assert_eq!(usage.status.code(), Some(2));
    assert!(
        text(&usage.stderr).contains("`--loki` is not a valid URL"),
        "{}",
        text(&usage.stderr)
    );
}
