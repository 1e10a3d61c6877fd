//! Decoding a Loki answer, building log frames and encoding them as Arrow: the per-query work of the
//! plugin, on the largest recorded answer (every error line of the demo data, 74 streams); and the
//! frames of a 500-series matrix (12 points each), where the fixed cost per frame is all there is.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use querent::execute::loki_types::{Envelope, QueryData};
use querent::execute::{Executed, Point, QueryResult, Series};
use querent::frames::{FrameContext, arrow::Encoder, arrow::to_arrow, build_frames};
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
    let series: Vec<Series> = (0..500)
        .map(|i| Series {
            labels: [
                ("pod".to_string(), format!("pod-{i:04}")),
                ("service_name".to_string(), "order-service".to_string()),
            ]
            .into(),
            points: (0..12)
                .map(|p| Point {
                    t_ms: 1_795_596_352_000 + p * 300_000,
                    value: (i * p) as f64,
                })
                .collect(),
        })
        .collect();
    let plan = Plan::raw(
        PlanKind::Metrics,
        "sum by (pod) (count_over_time({namespace=\"shop\"}[5m]))",
        chrono::Utc::now(),
        chrono::Utc::now(),
    );
    c.bench_function("matrix_500_series_to_arrow_frames", |b| {
        b.iter(|| {
            let executed = Executed {
                kind: PlanKind::Metrics,
                query: "sum by (pod) (count_over_time({namespace=\"shop\"}[5m]))".into(),
                result: QueryResult::Series {
                    series: series.clone(),
                    instant: false,
                },
                limit: None,
                warnings: Vec::new(),
            };
            let mut encoder = Encoder::default();
            let bytes: usize = build_frames(&plan, &executed, &ctx)
                .into_iter()
                .map(|f| encoder.encode(f).unwrap().len())
                .sum();
            black_box(bytes)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
