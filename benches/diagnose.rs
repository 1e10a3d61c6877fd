//! Correlating and diagnosing 1,000 error lines with their traces.
//!
//! The input is the recorded error answer of the demo data (`diagnosis/loki_errors_all_services.json`,
//! 186 lines) repeated with fresh trace ids until it has 1,000 lines (68 distinct ids per copy: 408 in
//! all, 6 copies of the payment and DB incidents, the last one partial); each id's trace is the recorded body of the trace it
//! copies. A local HTTP server (wiremock, no added delay) plays Loki and Tempo, so the numbers are our
//! work plus loopback HTTP, without network waits.
//!
//! - `correlate_and_diagnose/http_all_traces`: `investigate_with` end to end — the log query, 408 trace
//!   fetches (8 at a time), Loki patterns, traces → logs for 20 of the traces, summaries, templates,
//!   spikes, hypotheses, summary.
//! - `correlate_and_diagnose/http_default_cap`: the same with the default cap (100 traces).
//! - `correlate_and_diagnose/in_memory`: `analyse_fetched` on the already fetched answer and traces
//!   (the CPU part alone).
//! - `correlate_and_diagnose/frames_to_arrow`: the analysis as Grafana frames, Arrow-encoded.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use querent::analyse::{
    CorrelateLimits, Fetched, TraceLogs, analyse_fetched, analysis_custom, build_analysis_frames,
    fetch_traces, investigate_with, lines_and_ids,
};
use querent::execute::{Clients, TimeRange};
use querent::frames::{FrameContext, arrow::to_arrow};
use querent::{Plan, PlanKind, RawSettings, Settings};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex, query_param_contains};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const LINES: usize = 1000;
const START_S: i64 = 1_795_574_276;
const END_S: i64 = 1_795_596_352;

fn fixture(path: &str) -> Vec<u8> {
    let dir = std::env::var_os("QUERENT_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    std::fs::read(dir.join("fixtures").join(path)).expect("recorded fixture")
}

/// The trace id of copy `c` of `id` (copy 0 is the original; lines and trace agree on it).
fn copy_id(c: usize, id: &str) -> String {
    // The first byte moves by a multiple of 41 (odd, so copies 1..=6 never land on the original).
    let first = u8::from_str_radix(&id[..2], 16).unwrap();
    format!("{:02x}{}", first.wrapping_add((41 * c) as u8), &id[2..])
}

/// 1,000 error lines: copies of the recorded answer with fresh trace ids, and which recorded trace each
/// new id copies.
fn thousand_lines() -> (Value, HashMap<String, String>) {
    let original: Value =
        serde_json::from_slice(&fixture("diagnosis/loki_errors_all_services.json")).unwrap();
    let streams = original["data"]["result"].as_array().unwrap();
    let mut out: Vec<Value> = Vec::new();
    let mut ids = HashMap::new();
    let mut lines = 0;
    'copies: for c in 0.. {
        for stream in streams {
            let mut s = stream.clone();
            if let Some(id) = stream["stream"]["trace_id"].as_str() {
                let new = copy_id(c, id);
                ids.insert(new.clone(), id.to_string());
                s["stream"]["trace_id"] = json!(new);
            }
            let mut values = Vec::new();
            for v in stream["values"].as_array().unwrap() {
                if lines == LINES {
                    break;
                }
                let ts: i64 = v[0].as_str().unwrap().parse().unwrap();
                let mut line = v[1].as_str().unwrap().to_string();
                if let Some(p) = line.find("trace_id=") {
                    let id = line[p + 9..p + 41].to_string();
                    let new = copy_id(c, &id);
                    ids.insert(new.clone(), id.clone());
                    line = line.replace(&id, &new);
                }
                values.push(json!([(ts + c as i64).to_string(), line]));
                lines += 1;
            }
            if !values.is_empty() {
                s["values"] = json!(values);
                out.push(s);
            }
            if lines == LINES {
                break 'copies;
            }
        }
    }
    let body = json!({"status": "success", "data": {"resultType": "streams", "result": out}});
    (body, ids)
}

/// Tempo: the recorded body of the trace a copied id stands for.
struct Traces(HashMap<String, Vec<u8>>);

impl Respond for Traces {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id = request.url.path().rsplit('/').next().unwrap_or_default();
        match self.0.get(id) {
            Some(body) => ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"),
            None => ResponseTemplate::new(404),
        }
    }
}

/// Loki's answer to the traces → logs queries: only the lines carrying one of the asked ids (in the
/// line, or as the `trace_id` label), as a real Loki would filter them.
struct TraceLogsAnswer(Value);

impl Respond for TraceLogsAnswer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "query")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let ids: Vec<&str> = query
            .split(|c: char| !c.is_ascii_hexdigit())
            .filter(|t| t.len() == 32)
            .collect();
        let by_label = query.contains("trace_id");
        let mut result = Vec::new();
        for stream in self.0["data"]["result"].as_array().into_iter().flatten() {
            let label = stream["stream"]["trace_id"].as_str().unwrap_or_default();
            let mut s = stream.clone();
            if let Some(values) = s["values"].as_array_mut() {
                values.retain(|v| {
                    let line = v[1].as_str().unwrap_or_default();
                    if by_label {
                        ids.contains(&label)
                    } else {
                        ids.iter().any(|id| line.contains(id))
                    }
                });
            }
            if s["values"].as_array().is_some_and(|v| !v.is_empty()) {
                result.push(s);
            }
        }
        let body =
            json!({"status": "success", "data": {"resultType": "streams", "result": result}});
        ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json")
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (body, ids) = thousand_lines();
    let traces: HashMap<String, Vec<u8>> = ids
        .iter()
        .map(|(new, old)| {
            (
                new.clone(),
                fixture(&format!("diagnosis/traces/{old}.json")),
            )
        })
        .collect();
    let distinct = traces.len();
    let server = rt.block_on(async {
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        Mock::given(method("GET"))
            .and(path("/loki/api/v1/query_range"))
            .and(query_param_contains("query", r#"{service_name=~".+"}"#))
            .respond_with(TraceLogsAnswer(body.clone()))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/loki/api/v1/query_range"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json"),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/loki/api/v1/patterns"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(r#"{"status":"success","data":[]}"#, "application/json"),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex("^/api/v2/traces/"))
            .respond_with(Traces(traces))
            .mount(&server)
            .await;
        server
    });
    let settings = {
        let json = serde_json::to_vec(&json!({"lokiUrl": server.uri(), "tempoUrl": server.uri()}))
            .unwrap();
        Settings::from_raw(&RawSettings::from_grafana(&json, &Default::default()).unwrap()).unwrap()
    };
    let clients = Clients::new(&settings, &querent::execute::http_client().unwrap());
    let plan = Plan::raw(
        PlanKind::Correlate,
        r#"{level="error"}"#,
        Utc.timestamp_opt(START_S, 0).unwrap(),
        Utc.timestamp_opt(END_S, 0).unwrap(),
    );
    let all = CorrelateLimits {
        max_traces: LINES,
        ..CorrelateLimits::default()
    };

    // What one run finds, checked once: every line with an id has its trace, 3 hypotheses.
    let analysis = rt
        .block_on(investigate_with(&plan, &clients, &all))
        .unwrap();
    assert_eq!(analysis.correlation.lines.len(), LINES);
    assert_eq!(analysis.digests.len(), distinct);
    assert_eq!(
        analysis.correlation.lines_with_fetched_trace(),
        analysis.correlation.with_trace_id
    );
    assert_eq!(analysis.hypotheses.len(), 3);
    eprintln!(
        "{} lines, {} with a trace id, {} traces; H1: {}",
        analysis.correlation.lines.len(),
        analysis.correlation.with_trace_id,
        analysis.digests.len(),
        analysis.hypotheses[0].title
    );

    let mut group = c.benchmark_group("correlate_and_diagnose");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("http_all_traces", |b| {
        b.iter(|| {
            let a = rt
                .block_on(investigate_with(&plan, &clients, &all))
                .unwrap();
            black_box(a.hypotheses.len())
        })
    });
    group.bench_function("http_default_cap", |b| {
        b.iter(|| {
            let a = rt
                .block_on(investigate_with(
                    &plan,
                    &clients,
                    &CorrelateLimits::default(),
                ))
                .unwrap();
            black_box(a.hypotheses.len())
        })
    });

    // The fetched material once, then the analysis alone.
    let executed = analysis.executed.clone();
    let range = TimeRange::of_plan(&plan).unwrap();
    let (_, ids, _) = lines_and_ids(&executed, &range, all.max_traces);
    let report = rt.block_on(fetch_traces(clients.tempo().unwrap(), &ids, &all));
    // Inputs are cloned outside the measurement (`iter_batched`): in the plugin they are moved.
    group.bench_function("in_memory", |b| {
        b.iter_batched(
            || (executed.clone(), report.clone()),
            |(executed, report)| {
                let (lines, requested, left_out) = lines_and_ids(&executed, &range, all.max_traces);
                let a = analyse_fetched(
                    &plan,
                    Fetched {
                        executed,
                        lines,
                        requested,
                        left_out,
                        report,
                        loki_patterns: Vec::new(),
                        trace_logs: TraceLogs::default(),
                    },
                    &all,
                );
                black_box(a.hypotheses.len())
            },
            BatchSize::LargeInput,
        )
    });
    let ctx = FrameContext {
        ref_id: "A".into(),
        datasource: None,
        custom: Some(analysis_custom(&analysis, None)),
    };
    group.bench_function("frames_to_arrow", |b| {
        b.iter(|| {
            let frames = build_analysis_frames(black_box(&analysis), &ctx);
            let bytes: usize = frames.iter().map(|f| to_arrow(f).unwrap().len()).sum();
            black_box(bytes)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
