//! Target 1: the same query answered through the plugin (the `gpx_querent` executable over gRPC
//! QueryData, frames encoded as Arrow) vs fetched directly from the same local HTTP server, for a
//! 5,000-line Loki log answer, a 2,000-span Tempo trace and a 500-series Loki matrix (all built from
//! the recorded answers), and a one-series matrix: the fixed cost of a query through the plugin. "Direct" is an HTTP GET of the same URL with a pooled client, reading the
//! body and parsing it with serde_json (what any consumer of Loki's answer does first); "direct bytes"
//! only reads the body. The plugin runs with `cacheTtlSeconds: 0` so every call goes to the server.
//!
//! `cargo bench --bench overhead`; the ratio of medians is in BENCHMARKS.md.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use common::faulty::{FaultServer, Reply};
use common::{FIXTURE_END_S, FIXTURE_START_S, Plugin, data_query, datasource, plugin_context};
use criterion::{Criterion, criterion_group, criterion_main};
use grafana_plugin_sdk::pluginv2;
use serde_json::{Value, json};

const TRACE_ID: &str = "dbb464a3cec79642a13a9da294e7eb2a";

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let logs = Arc::new(common::synth::loki_log_answer(5_000));
    let trace = Arc::new(common::synth::tempo_trace_answer(2_000));
    let matrix = Arc::new(common::synth::loki_matrix_answer(500));
    let one_series = Arc::new(common::synth::loki_matrix_answer(1));
    let (server, plugin) = rt.block_on(async {
        let (l, t, m, one) = (
            logs.clone(),
            trace.clone(),
            matrix.clone(),
            one_series.clone(),
        );
        let server = FaultServer::start(move |req| {
            let q = req.param("query").unwrap_or_default();
            Reply::shared_json(match req.path.as_str() {
                "/loki/api/v1/query_range" if q.starts_with("sum by") => m.clone(),
                "/loki/api/v1/query_range" if q.starts_with("sum") => one.clone(),
                "/loki/api/v1/query_range" => l.clone(),
                _ => t.clone(),
            })
        })
        .await;
        (server, Plugin::start().await)
    });
    let uri = server.uri();
    let ds = datasource(
        json!({ "lokiUrl": uri, "tempoUrl": uri, "cacheTtlSeconds": 0, "maxLines": 5000 }),
        &[],
    );
    let http = reqwest::Client::new();
    let mut grpc = plugin.data().max_decoding_message_size(usize::MAX);
    let range = format!(
        "start={}000000000&end={}000000000",
        FIXTURE_START_S, FIXTURE_END_S
    );
    let cases = [
        (
            "logs_5000_lines",
            json!({ "queryType": "logs", "expr": "{namespace=\"shop\"}", "limit": 5000 }),
            format!(
                "{uri}/loki/api/v1/query_range?query=%7Bnamespace%3D%22shop%22%7D&direction=backward&limit=5000&{range}"
            ),
        ),
        (
            "trace_2000_spans",
            json!({ "queryType": "trace", "expr": TRACE_ID }),
            format!("{uri}/api/v2/traces/{TRACE_ID}"),
        ),
        (
            "matrix_500_series",
            json!({ "queryType": "metrics", "expr": "sum by (pod) (count_over_time({namespace=\"shop\"}[5m]))", "step": "5m" }),
            format!(
                "{uri}/loki/api/v1/query_range?query=sum+by+%28pod%29+%28count_over_time%28%7Bnamespace%3D%22shop%22%7D%5B5m%5D%29%29&step=300&{range}"
            ),
        ),
        (
            "matrix_1_series",
            json!({ "queryType": "metrics", "expr": "sum(count_over_time({namespace=\"shop\"}[5m]))", "step": "5m" }),
            format!(
                "{uri}/loki/api/v1/query_range?query=sum%28count_over_time%28%7Bnamespace%3D%22shop%22%7D%5B5m%5D%29%29&step=300&{range}"
            ),
        ),
    ];
    for (name, model, url) in cases {
        let mut group = c.benchmark_group(format!("overhead_{name}"));
        group.bench_function("direct_fetch_bytes", |b| {
            b.iter(|| {
                rt.block_on(async {
                    http.get(&url)
                        .send()
                        .await
                        .unwrap()
                        .bytes()
                        .await
                        .unwrap()
                        .len()
                })
            })
        });
        group.bench_function("direct_fetch_and_parse", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let body = http.get(&url).send().await.unwrap().bytes().await.unwrap();
                    serde_json::from_slice::<Value>(&body).unwrap()
                })
            })
        });
        let query = data_query("A", model.clone(), FIXTURE_START_S, FIXTURE_END_S);
        group.bench_function("plugin_querydata", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let response = grpc
                        .query_data(pluginv2::QueryDataRequest {
                            plugin_context: Some(plugin_context(ds.clone())),
                            headers: Default::default(),
                            queries: vec![query.clone()],
                        })
                        .await
                        .unwrap()
                        .into_inner();
                    let a = &response.responses["A"];
                    assert_eq!(a.status, 200, "{}", a.error);
                    a.frames.iter().map(Vec::len).sum::<usize>()
                })
            })
        });
        group.finish();
    }
    // The floor of any call through the plugin: one gRPC round trip that does no work (the health
    // check), against one HTTP round trip for the smallest direct fetch above.
    let mut health = plugin.health();
    c.bench_function("overhead_grpc_round_trip/health_check", |b| {
        b.iter(|| {
            rt.block_on(async {
                health
                    .check(tonic_health::pb::HealthCheckRequest {
                        service: String::new(),
                    })
                    .await
                    .unwrap()
                    .into_inner()
                    .status
            })
        })
    });
    drop(plugin);
    drop(server);
}

criterion_group!(benches, bench);
criterion_main!(benches);
