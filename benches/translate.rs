//! Speed of the embedded translator: every dev question translated with the recorded demo schema loaded.
//! Criterion measures each question; a second pass times single calls to report p50/p99 per question
//! (the figures in BENCHMARKS.md). Schema discovery — the separate, cached cost — is measured against a
//! local HTTP server answering with the recorded Loki/Tempo label, field and tag responses.
//! Run with `cargo bench --bench translate`.

#[path = "../tests/common/mod.rs"]
#[allow(unused_imports)]
mod common;

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group};
use querent::eval::parse_cases;
use querent::ground::Schema;
use querent::translate::{Question, translate};

fn inputs() -> (Schema, Vec<(String, String)>) {
    let root = env!("CARGO_MANIFEST_DIR");
    let schema: Schema = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/tests/fixtures/demo-schema.json"))
            .expect("schema"),
    )
    .expect("valid schema");
    let cases = parse_cases(
        &std::fs::read_to_string(format!("{root}/../shared/eval/dev.jsonl")).expect("dev set"),
    )
    .expect("valid cases");
    (
        schema,
        cases.into_iter().map(|c| (c.id, c.question)).collect(),
    )
}

fn now() -> DateTime<Utc> {
    "2026-11-25T08:38:56Z".parse().expect("time")
}

fn per_question(c: &mut Criterion) {
    let (schema, cases) = inputs();
    let mut group = c.benchmark_group("translate");
    for (id, question) in &cases {
        group.bench_function(id.as_str(), |b| {
            b.iter(|| {
                translate(
                    black_box(&Question::new(question, now())),
                    black_box(&schema),
                )
            })
        });
    }
    group.finish();
    c.bench_function("translate/all-dev-questions", |b| {
        b.iter(|| {
            for (_, question) in &cases {
                black_box(translate(&Question::new(question, now()), &schema));
            }
        })
    });
}

/// p50/p99 of single calls, per question, as a Markdown table.
fn percentiles() {
    let (schema, cases) = inputs();
    const CALLS: usize = 5_000;
    let mut all = Vec::with_capacity(CALLS * cases.len());
    println!("\n| case | p50 (µs) | p99 (µs) |\n|---|---|---|");
    for (id, question) in &cases {
        let mut times = Vec::with_capacity(CALLS);
        for _ in 0..CALLS {
            let q = Question::new(question, now());
            let start = Instant::now();
            black_box(translate(black_box(&q), &schema));
            times.push(start.elapsed().as_nanos() as f64 / 1_000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {id} | {:.1} | {:.1} |",
            times[CALLS / 2],
            times[CALLS * 99 / 100]
        );
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    println!(
        "| all {} questions | {:.1} | {:.1} |",
        cases.len(),
        all[all.len() / 2],
        all[all.len() * 99 / 100]
    );
}

/// Schema discovery against a local server replaying the recorded answers (labels, values, detected
/// fields of five services, Tempo tags and values): what the first question of a datasource costs, once
/// per TTL.
fn discovery(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let replay = runtime.block_on(async {
        let r = common::Replay::start_with(&[]).await;
        r.mount_discovery().await;
        r
    });
    let raw = querent::RawSettings {
        loki_url: Some(replay.uri()),
        tempo_url: Some(replay.uri()),
        ..Default::default()
    };
    let settings = querent::Settings::from_raw(&raw).expect("settings");
    let clients =
        querent::execute::Clients::new(&settings, &querent::execute::http_client().expect("http"));
    let found = runtime.block_on(querent::ground::discover(&clients, now()));
    assert!(
        found.loki_reached && found.tempo_reached,
        "{:?}",
        found.warnings
    );
    c.bench_function("schema/discover-loki-and-tempo", |b| {
        b.iter(|| runtime.block_on(querent::ground::discover(&clients, now())))
    });
    let cache = querent::ground::SchemaCache::default();
    runtime.block_on(cache.get(&clients, now()));
    c.bench_function("schema/cached", |b| {
        b.iter(|| runtime.block_on(cache.get(&clients, now())))
    });
}

criterion_group!(benches, per_question, discovery);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Only under `cargo bench` (which passes `--bench`): `cargo test` runs benches once as smoke tests,
    // in debug, where 180,000 timed calls would only cost CI a minute.
    if std::env::args().any(|a| a == "--bench") {
        percentiles();
    }
}
