//! Target 2: Loki JSON → Arrow log frames, lines per second on one core, with plain parses of the same
//! bytes by serde_json (the reference), sonic-rs and simd-json, and the former path (serde_json into
//! typed entries, then frames). Input: a 5,000-line answer built from the recorded lines (1.4 MiB).
//!
//! `cargo bench --bench decode`; criterion reports `thrpt` in elements (= lines) per second.

#[path = "../tests/common/synth.rs"]
mod synth;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use querent::execute::loki_stream::{LokiAnswer, decode_log_answer};
use querent::execute::loki_types::{Envelope, QueryData};
use querent::execute::{Executed, ExecutedLogs, QueryResult};
use querent::frames::{FrameContext, arrow::to_arrow, build_frames, encode_log_frames};
use querent::{Plan, PlanKind};

const LINES: usize = 5_000;

fn bench(c: &mut Criterion) {
    let body = synth::loki_log_answer(LINES);
    let plan = Plan::raw(
        PlanKind::Logs,
        "{namespace=\"shop\"}",
        chrono::Utc::now(),
        chrono::Utc::now(),
    );
    let ctx = FrameContext::default();
    let mut group = c.benchmark_group("loki_5000_lines");
    group.throughput(Throughput::Elements(LINES as u64));
    group.bench_function("serde_json_value_parse (reference)", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)).unwrap())
    });
    group.bench_function("sonic_rs_value_parse", |b| {
        b.iter(|| sonic_rs::from_slice::<sonic_rs::Value>(black_box(&body)).unwrap())
    });
    group.bench_function("simd_json_value_parse (incl. copy)", |b| {
        b.iter(|| {
            let mut copy = black_box(&body).clone();
            simd_json::to_owned_value(&mut copy).unwrap()
        })
    });
    group.bench_function("serde_json_typed_entries", |b| {
        b.iter(|| serde_json::from_slice::<Envelope<QueryData>>(black_box(&body)).unwrap())
    });
    group.bench_function("querent_stream_decode_columns", |b| {
        b.iter(|| decode_log_answer(black_box(&body)).unwrap())
    });
    group.bench_function("querent_json_to_arrow_frames", |b| {
        b.iter(|| {
            let answer = decode_log_answer(black_box(&body)).unwrap();
            let logs = ExecutedLogs {
                kind: PlanKind::Logs,
                query: "{namespace=\"shop\"}".into(),
                answer: Arc::new(answer),
                limit: Some(LINES as u32),
                warnings: Vec::new(),
            };
            let frames = encode_log_frames(&plan, logs, &ctx).unwrap();
            frames.iter().map(|f| f.len()).sum::<usize>()
        })
    });
    group.bench_function("former_serde_typed_to_arrow_frames", |b| {
        b.iter(|| {
            let envelope: Envelope<QueryData> = serde_json::from_slice(black_box(&body)).unwrap();
            let QueryData::Streams(streams) = envelope.data else {
                unreachable!("a log answer")
            };
            let executed = Executed {
                kind: PlanKind::Logs,
                query: "{namespace=\"shop\"}".into(),
                result: QueryResult::Streams(streams),
                limit: Some(LINES as u32),
                warnings: Vec::new(),
            };
            build_frames(&plan, &executed, &ctx)
                .iter()
                .map(|f| to_arrow(f).unwrap().len())
                .sum::<usize>()
        })
    });
    group.finish();
    // Sanity: the decoder read every line.
    match decode_log_answer(&body).unwrap() {
        LokiAnswer::Streams(batch) => assert_eq!(batch.line_count(), LINES),
        LokiAnswer::Other(_) => unreachable!("a log answer"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
