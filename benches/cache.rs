//! Target 6: what the response cache saves. A dashboard refresh storm of 100 identical log queries
//! arriving together (single-flight: one request reaches the server) against 100 different queries,
//! and one answer served from the cache against fetched from the server (a 1,000-line Loki answer
//! from a local HTTP server, decoded).
//!
//! `cargo bench --bench cache`.

#[path = "../tests/common/faulty.rs"]
mod faulty;
#[path = "../tests/common/synth.rs"]
mod synth;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use faulty::{FaultServer, Reply};
use querent::execute::loki::{Direction, build_log_query};
use querent::execute::{Clients, TimeRange};
use querent::settings::{RawSettings, Settings};

fn clients(uri: &str, cache_seconds: u32) -> Clients {
    let raw: RawSettings = serde_json::from_value(serde_json::json!({
        "lokiUrl": uri,
        "cacheTtlSeconds": cache_seconds,
        "maxConcurrentRequests": 200
    }))
    .expect("settings");
    Clients::new(
        &Settings::from_raw(&raw).expect("valid"),
        &reqwest::Client::new(),
    )
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let body = Arc::new(synth::loki_log_answer(1_000));
    let server = rt.block_on(async {
        let b = body.clone();
        FaultServer::start(move |_| Reply::shared_json(b.clone())).await
    });
    let end = Utc.timestamp_opt(1_795_596_352, 0).unwrap();
    let range = |i: i64| {
        TimeRange::new(
            end - chrono::TimeDelta::hours(1),
            end + chrono::TimeDelta::milliseconds(i),
        )
        .unwrap()
    };
    let mut group = c.benchmark_group("cache");
    group.sample_size(20);
    let mut n = 0i64;
    group.bench_function("storm_100_identical_single_flight", |b| {
        b.iter(|| {
            n += 1;
            let clients = clients(&server.uri(), 10);
            let req = build_log_query("{a=\"b\"}", &range(n), 1000, Direction::Backward);
            let before = server.total();
            rt.block_on(async {
                let calls = (0..100).map(|_| clients.loki().unwrap().fetch_logs(&req));
                for r in futures_util::future::join_all(calls).await {
                    r.unwrap();
                }
            });
            assert_eq!(server.total() - before, 1);
        })
    });
    group.bench_function("storm_100_distinct", |b| {
        b.iter(|| {
            let clients = clients(&server.uri(), 10);
            rt.block_on(async {
                let reqs: Vec<_> = (0..100)
                    .map(|i| {
                        n += 1;
                        build_log_query("{a=\"b\"}", &range(n + i), 1000, Direction::Backward)
                    })
                    .collect();
                let calls = reqs.iter().map(|r| clients.loki().unwrap().fetch_logs(r));
                for r in futures_util::future::join_all(calls).await {
                    r.unwrap();
                }
            });
        })
    });
    let cached = clients(&server.uri(), 3600);
    let req = build_log_query("{a=\"b\"}", &range(-1), 1000, Direction::Backward);
    rt.block_on(cached.loki().unwrap().fetch_logs(&req))
        .unwrap();
    group.bench_function("one_answer_from_cache", |b| {
        b.iter(|| {
            rt.block_on(cached.loki().unwrap().fetch_logs(&req))
                .unwrap()
        })
    });
    let uncached = clients(&server.uri(), 0);
    group.bench_function("one_answer_from_server", |b| {
        b.iter(|| {
            rt.block_on(uncached.loki().unwrap().fetch_logs(&req))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
