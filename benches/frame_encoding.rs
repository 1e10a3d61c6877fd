//! Decoding a Loki answer, building log frames and encoding them as Arrow: the per-query work of the
//! plugin, on the largest recorded answer (every error line of the demo data, 74 streams).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use querent::execute::loki_types::{Envelope, QueryData};
use querent::execute::{Executed, QueryResult};
use querent::frames::{FrameContext, arrow::to_arrow, build_frames};
use querent::{Plan, PlanKind};

fn fixture(path: &str) -> Vec<u8> {
    let dir = std::env::var_os("QUERENT_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    std::fs::read(dir.join("fixtures").join(path)).expect("recorded fixture")
}

fn bench(c: &mut Criterion) {
    let body = fixture("diagnosis/loki_errors_all_services.json");
    let plan = Plan::raw(
        PlanKind::Logs,
        "{level=\"error\"}",
        chrono::Utc::now(),
        chrono::Utc::now(),
    );
    let ctx = FrameContext::default();
    c.bench_function("loki_errors_to_arrow_frames", |b| {
        b.iter(|| {
            let envelope: Envelope<QueryData> = serde_json::from_slice(black_box(&body)).unwrap();
            let QueryData::Streams(streams) = envelope.data else {
                unreachable!("a log query answer")
            };
            let executed = Executed {
                kind: PlanKind::Logs,
                query: "{level=\"error\"}".into(),
                result: QueryResult::Streams(streams),
                limit: Some(1000),
                warnings: Vec::new(),
            };
            let frames = build_frames(&plan, &executed, &ctx);
            let bytes: usize = frames.iter().map(|f| to_arrow(f).unwrap().len()).sum();
            black_box(bytes)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
