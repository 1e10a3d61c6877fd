//! Memory while answering big log queries, measured on the plugin process as Grafana runs it: its
//! peak resident set (`VmHWM` in `/proc/<pid>/status`) while it answers a 100,000-line query stays
//! within 3 × the answer's size on the wire, and an answer larger than `maxResponseBytes` is cut at
//! the cap instead of being held whole. Prints the figures (`cargo test --test memory -- --nocapture`).

mod common;

use std::sync::Arc;

use common::faulty::{FaultServer, Reply};
use common::{FIXTURE_END_S, FIXTURE_START_S, Plugin, data_query, datasource, plugin_context};
use grafana_plugin_sdk::pluginv2;
use serde_json::json;

/// `VmRSS` and `VmHWM` of a process, in bytes.
fn memory_of(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn ask(plugin: &Plugin, uri: &str, extra: serde_json::Value) -> pluginv2::DataResponse {
    let mut json_data = json!({ "lokiUrl": uri, "maxLines": 100000, "timeoutSeconds": 120 });
    for (k, v) in extra.as_object().unwrap() {
        json_data[k] = v.clone();
    }
    let mut response = plugin
        .data()
        .max_decoding_message_size(usize::MAX)
        .query_data(pluginv2::QueryDataRequest {
            plugin_context: Some(plugin_context(datasource(json_data, &[]))),
            headers: Default::default(),
            queries: vec![data_query(
                "A",
                json!({ "queryType": "logs", "expr": "{namespace=\"shop\"}", "limit": 100000 }),
                FIXTURE_START_S,
                FIXTURE_END_S,
            )],
        })
        .await
        .expect("QueryData answers")
        .into_inner();
    response.responses.remove("A").expect("answer A")
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

#[tokio::test]
async fn peak_rss_stays_within_three_times_the_wire_size() {
    let body = Arc::new(common::synth::loki_log_answer(100_000));
    let wire = body.len() as u64;
    let served = body.clone();
    let server = FaultServer::start(move |_| Reply::shared_json(served.clone())).await;
    let plugin = Plugin::start().await;
    let (start_rss, _) = memory_of(plugin.pid());
    let answer = ask(&plugin, &server.uri(), json!({})).await;
    let (rss, peak) = memory_of(plugin.pid());
    assert_eq!(answer.status, 200, "{}", answer.error);
    let frame_bytes: usize = answer.frames.iter().map(Vec::len).sum();
    let rows: usize = answer
        .frames
        .iter()
        .map(|f| common::decode_frame(f).rows())
        .sum();
    assert_eq!(rows, 100_000);
    println!(
        "100,000 lines: wire {:.1} MiB, frames {:.1} MiB; plugin RSS at start {:.1} MiB, after {:.1} MiB, \
         peak {:.1} MiB = {:.2} × wire",
        mib(wire),
        mib(frame_bytes as u64),
        mib(start_rss),
        mib(rss),
        mib(peak),
        peak as f64 / wire as f64
    );
    assert!(
        peak <= 3 * wire,
        "peak RSS {:.1} MiB > 3 × {:.1} MiB",
        mib(peak),
        mib(wire)
    );
}

#[tokio::test]
async fn an_answer_over_the_cap_is_cut_not_held() {
    let body = Arc::new(common::synth::loki_log_answer(100_000));
    let wire = body.len() as u64;
    let served = body.clone();
    let server = FaultServer::start(move |_| Reply::shared_json(served.clone())).await;
    let plugin = Plugin::start().await;
    let cap: u64 = 4 * 1024 * 1024;
    let small = ask(
        &plugin,
        &server.uri(),
        json!({ "maxResponseBytes": 100000 }),
    )
    .await;
    assert_eq!(small.status, 200);
    let (warm, _) = memory_of(plugin.pid());
    let answer = ask(&plugin, &server.uri(), json!({ "maxResponseBytes": cap })).await;
    let (_, peak) = memory_of(plugin.pid());
    assert_eq!(answer.status, 200, "{}", answer.error);
    let first = common::decode_frame(&answer.frames[0]);
    assert!(
        first.meta["notices"]
            .to_string()
            .contains("(`maxResponseBytes`) and was cut there"),
        "{}",
        first.meta
    );
    let rows: usize = answer
        .frames
        .iter()
        .map(|f| common::decode_frame(f).rows())
        .sum();
    println!(
        "{:.1} MiB answer, cap {:.0} MiB: {rows} lines kept, plugin peak RSS {:.1} MiB",
        mib(wire),
        mib(cap),
        mib(peak)
    );
    assert!(rows > 10_000 && rows < 20_000, "{rows}");
    // What the query added is bounded by the cap, far below what holding the answer would take.
    let added = peak.saturating_sub(warm);
    println!("added by the query: {:.1} MiB", mib(added));
    assert!(added <= 5 * cap, "added {:.1} MiB", mib(added));
    assert!(added < wire, "added {:.1} MiB", mib(added));
}
