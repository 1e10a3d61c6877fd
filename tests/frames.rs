//! Frame builders on recorded answers (diagnosis and Loki fixtures), encoded with arrow2 and decoded with
//! arrow-rs: trace ids found wherever the data keeps them, empty results, NaN samples, `meta.custom`,
//! the same trace through Tempo's v1 and v2 APIs, and every recorded trace body.

mod common;

use common::{decode_frame, fixture, fixture_range};
use querent::execute::loki_types::{Envelope, QueryData, Stream};
use querent::execute::tempo_types::{Trace, TraceByIdV1, TraceByIdV2};
use querent::execute::{Executed, FetchedTrace, Point, QueryResult, Series};
use querent::frames::{DatasourceRef, Frame, FrameContext, arrow::to_arrow, build_frames};
use querent::{Plan, PlanKind};
use serde_json::{Value, json};

fn plan(kind: PlanKind, query: &str) -> Plan {
    let (start, end) = fixture_range();
    Plan::raw(kind, query, start, end)
}

fn grafana_ctx() -> FrameContext {
    FrameContext {
        ref_id: "A".into(),
        datasource: Some(DatasourceRef {
            uid: "ds-uid".into(),
            name: "Querent".into(),
        }),
        custom: None,
    }
}

fn streams_of(folder: &str, file: &str) -> Vec<Stream> {
    let envelope: Envelope<QueryData> = serde_json::from_slice(&fixture(folder, file)).unwrap();
    match envelope.data {
        QueryData::Streams(s) => s,
        other => panic!("{other:?}"),
    }
}

fn log_frames(streams: Vec<Stream>, ctx: &FrameContext) -> Vec<common::DecodedFrame> {
    let executed = Executed {
        kind: PlanKind::Logs,
        query: "{...}".into(),
        result: QueryResult::Streams(streams),
        limit: Some(1000),
        warnings: Vec::new(),
    };
    encode(build_frames(&plan(PlanKind::Logs, "{...}"), &executed, ctx))
}

fn encode(frames: Vec<Frame>) -> Vec<common::DecodedFrame> {
    frames
        .iter()
        .map(|f| decode_frame(&to_arrow(f).unwrap()))
        .collect()
}

#[test]
fn trace_ids_come_from_labels_lines_and_structured_metadata() {
    // api-gateway keeps trace_id as structured metadata (merged into the stream labels here);
    // order-/payment-service write `trace_id=` in logfmt lines; user-service lines have none.
    let frames = log_frames(
        streams_of("diagnosis", "loki_errors_all_services.json"),
        &grafana_ctx(),
    );
    assert_eq!(frames.len(), 74);
    let mut ids = std::collections::HashSet::new();
    let mut with_trace = 0;
    for frame in &frames {
        let service = frame.field("body").labels["service_name"].clone();
        for id in &frame.field("id").values {
            assert!(
                ids.insert(id.as_str().unwrap().to_string()),
                "duplicate id {id}"
            );
        }
        match service.as_str() {
            "user-service" => assert!(!frame.field_names().contains(&"traceID")),
            "api-gateway" => {
                let labels = &frame.field("body").labels;
                assert_eq!(
                    frame.field("traceID").values[0],
                    labels["trace_id"].as_str()
                );
                with_trace += frame.rows();
            }
            _ => {
                for (row, line) in frame.field("body").values.iter().enumerate() {
                    let id = frame.field("traceID").values[row].as_str().unwrap();
                    assert!(line.as_str().unwrap().contains(&format!("trace_id={id}")));
                    with_trace += 1;
                }
            }
        }
    }
    assert_eq!(ids.len(), 186);
    // expected.json: 181 of the 186 error lines carry a trace id.
    assert_eq!(with_trace, 181);
}

#[test]
fn json_lines_and_categorized_metadata_give_trace_ids_too() {
    let json_lines = log_frames(
        streams_of("diagnosis", "loki_warn_product_service.json"),
        &grafana_ctx(),
    );
    for frame in &json_lines {
        for (row, line) in frame.field("body").values.iter().enumerate() {
            let id = frame.field("traceID").values[row].as_str().unwrap();
            assert!(
                line.as_str()
                    .unwrap()
                    .contains(&format!("\"trace_id\":\"{id}\""))
            );
        }
        assert_eq!(frame.field("level").values[0], "warn");
    }
    let categorized = log_frames(
        streams_of("loki", "query_range_categorize_labels.json"),
        &grafana_ctx(),
    );
    let first = &categorized[0];
    assert!(!first.field("body").labels.contains_key("trace_id"));
    assert_eq!(
        first.field("traceID").values[0],
        "05722bc54b5e4a401a5a897790ba1d38"
    );
}

#[test]
fn without_a_datasource_there_are_no_links() {
    let frames = log_frames(
        streams_of("loki", "query_range_streams_line_filter_backward.json"),
        &FrameContext::default(),
    );
    assert!(frames[0].field("traceID").config.is_none());
    assert_eq!(frames[0].ref_id, "");
}

#[test]
fn empty_results_still_carry_the_executed_query() {
    let executed = Executed {
        kind: PlanKind::Logs,
        query: "{app=\"none\"}".into(),
        result: QueryResult::Streams(vec![]),
        limit: Some(100),
        warnings: Vec::new(),
    };
    let frames = encode(build_frames(
        &plan(PlanKind::Logs, "{app=\"none\"}"),
        &executed,
        &grafana_ctx(),
    ));
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].rows(), 0);
    assert_eq!(frames[0].field_names(), ["timestamp", "body", "id", "tsNs"]);
    assert_eq!(frames[0].meta["executedQueryString"], "{app=\"none\"}");
    assert!(frames[0].meta.get("notices").is_none());

    let executed = Executed {
        kind: PlanKind::Metrics,
        query: "sum(x)".into(),
        result: QueryResult::Series {
            series: vec![],
            instant: false,
        },
        limit: None,
        warnings: Vec::new(),
    };
    let frames = encode(build_frames(
        &plan(PlanKind::Metrics, "sum(x)"),
        &executed,
        &grafana_ctx(),
    ));
    assert_eq!(frames[0].field_names(), ["Time", "Value"]);
    assert_eq!(frames[0].rows(), 0);
}

#[test]
fn nan_and_infinite_samples_survive_encoding_and_custom_meta_is_kept() {
    let executed = Executed {
        kind: PlanKind::Metrics,
        query: "x".into(),
        result: QueryResult::Series {
            series: vec![Series {
                labels: [("a".to_string(), "b".to_string())].into(),
                points: vec![
                    Point {
                        t_ms: 1000,
                        value: f64::NAN,
                    },
                    Point {
                        t_ms: 2000,
                        value: f64::INFINITY,
                    },
                    Point {
                        t_ms: 3000,
                        value: 1.5,
                    },
                ],
            }],
            instant: false,
        },
        limit: None,
        warnings: Vec::new(),
    };
    let ctx = FrameContext {
        custom: Some(json!({"question": "errors?", "timeSource": "question"})),
        ..grafana_ctx()
    };
    let frames = encode(build_frames(&plan(PlanKind::Metrics, "x"), &executed, &ctx));
    let value = frames[0].field("Value");
    assert_eq!(value.values, [json!("NaN"), json!("inf"), json!(1.5)]);
    assert_eq!(
        frames[0].field("Time").values,
        [
            json!(1_000_000_000_i64),
            json!(2_000_000_000_i64),
            json!(3_000_000_000_i64)
        ]
    );
    assert_eq!(frames[0].meta["custom"]["question"], "errors?");
    assert_eq!(frames[0].name, r#"{a="b"}"#);
}

fn trace_frame(trace: Trace, id: &str) -> common::DecodedFrame {
    let executed = Executed {
        kind: PlanKind::Trace,
        query: id.into(),
        result: QueryResult::Trace(Box::new(FetchedTrace {
            trace_id: id.into(),
            trace,
        })),
        limit: None,
        warnings: Vec::new(),
    };
    encode(build_frames(
        &plan(PlanKind::Trace, id),
        &executed,
        &grafana_ctx(),
    ))
    .pop()
    .unwrap()
}

/// Rows as JSON objects keyed by field name, sorted by span id.
fn rows(frame: &common::DecodedFrame) -> Vec<Value> {
    let mut rows: Vec<Value> = (0..frame.rows())
        .map(|r| {
            Value::Object(
                frame
                    .fields
                    .iter()
                    .map(|f| (f.name.clone(), f.values[r].clone()))
                    .collect(),
            )
        })
        .collect();
    rows.sort_by_key(|r| r["spanID"].as_str().unwrap().to_string());
    rows
}

#[test]
fn the_same_trace_reads_the_same_through_v1_and_v2() {
    let v1: TraceByIdV1 =
        serde_json::from_slice(&fixture("tempo", "trace_v1_payment_timeout.json")).unwrap();
    let v2: TraceByIdV2 =
        serde_json::from_slice(&fixture("tempo", "trace_v2_payment_timeout.json")).unwrap();
    let id = "dbb464a3cec79642a13a9da294e7eb2a";
    let a = trace_frame(
        Trace {
            resource_spans: v1.batches,
        },
        id,
    );
    let b = trace_frame(v2.trace.unwrap(), id);
    assert_eq!(a.rows(), 9);
    assert_eq!(rows(&a), rows(&b));
}

#[test]
fn every_recorded_trace_becomes_a_consistent_trace_frame() {
    let dir = common::fixtures_dir().join("diagnosis");
    let mut count = 0;
    for sub in ["traces", "slow_traces"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let id = path.file_stem().unwrap().to_str().unwrap().to_string();
            let body: TraceByIdV2 = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let frame = trace_frame(body.trace.unwrap(), &id);
            assert!(frame.rows() > 0, "{id}");
            let spans: Vec<&Value> = frame.field("spanID").values.iter().collect();
            let mut roots = 0;
            for (row, parent) in frame.field("parentSpanID").values.iter().enumerate() {
                assert_eq!(frame.field("traceID").values[row], id.as_str(), "{id}");
                if parent == "" {
                    roots += 1;
                } else {
                    assert!(spans.contains(&parent), "{id}: parent {parent} missing");
                }
                assert!(frame.field("duration").values[row].as_f64().unwrap() >= 0.0);
            }
            assert_eq!(roots, 1, "{id}: one root span");
            count += 1;
        }
    }
    assert_eq!(count, 68 + 38);
}

/// The gold query of every dev evaluation case, run through the client path the plugin uses against the
/// real answers in `eval-dev/`, then built into frames and decoded.
#[tokio::test]
async fn every_eval_dev_answer_runs_and_frames() {
    use chrono::{TimeZone, Utc};
    use querent::execute::http::ApiRequest;
    use querent::execute::{self, Clients};
    use querent::plan::QueryDuration;
    use querent::settings::{RawSettings, Settings};

    let replay = common::Replay::start_with(&["eval-dev"]).await;
    let raw = RawSettings::from_grafana(
        json!({ "lokiUrl": replay.uri(), "tempoUrl": replay.uri() })
            .to_string()
            .as_bytes(),
        &Default::default(),
    )
    .unwrap();
    let clients = Clients::new(
        &Settings::from_raw(&raw).unwrap(),
        &execute::http_client().unwrap(),
    );
    let cases = common::eval_dev_cases();
    assert_eq!(cases.len(), 35);
    for case in cases {
        let p = |k: &str| {
            case.params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("{}: no `{k}`", case.id))
        };
        let ns = |k: &str| Utc.timestamp_nanos(p(k).parse().unwrap());
        let secs = |k: &str| Utc.timestamp_opt(p(k).parse().unwrap(), 0).unwrap();
        let kind = PlanKind::parse(case.case["expect"]["kind"].as_str().unwrap()).unwrap();
        let (plan, executed) = match case.path.as_str() {
            "/loki/api/v1/query_range" if case.params.iter().any(|(k, _)| k == "step") => {
                // Recorded with a duration step (`5m`); Loki also reads seconds, which is what we send.
                let query = p("query");
                let req = ApiRequest::get("/loki/api/v1/query_range")
                    .param("query", query.clone())
                    .param("step", p("step"))
                    .param("start", p("start"))
                    .param("end", p("end"));
                let data = clients.loki().unwrap().fetch_query(&req).await.unwrap();
                let QueryData::Matrix(series) = data else {
                    panic!("{}: matrix", case.id)
                };
                let plan = Plan::raw(kind, query.clone(), ns("start"), ns("end"));
                let result = QueryResult::Series {
                    series,
                    instant: false,
                };
                (
                    plan,
                    Executed {
                        kind,
                        query,
                        result,
                        limit: None,
                        warnings: Vec::new(),
                    },
                )
            }
            "/loki/api/v1/query_range" => {
                let mut plan = Plan::raw(kind, p("query"), ns("start"), ns("end"));
                plan.limit = Some(p("limit").parse().unwrap());
                let executed = execute::execute(&plan, &clients).await.unwrap();
                (plan, executed)
            }
            "/loki/api/v1/query" => {
                let mut plan = Plan::raw(kind, p("query"), ns("time"), ns("time"));
                plan.instant = true;
                let executed = execute::execute(&plan, &clients).await.unwrap();
                (plan, executed)
            }
            "/api/search" => {
                // Recorded with spss=3, which the search builder supports.
                let range = execute::TimeRange::new(secs("start"), secs("end")).unwrap();
                let traces = clients
                    .tempo()
                    .unwrap()
                    .fetch_search(&p("q"), Some(&range), p("limit").parse().unwrap(), Some(3))
                    .await
                    .unwrap();
                let plan = Plan::raw(kind, p("q"), secs("start"), secs("end"));
                let result = QueryResult::TraceSearch(traces);
                (
                    plan,
                    Executed {
                        kind,
                        query: p("q"),
                        result,
                        limit: Some(20),
                        warnings: Vec::new(),
                    },
                )
            }
            "/api/metrics/query_range" => {
                let mut plan = Plan::raw(kind, p("q"), secs("start"), secs("end"));
                plan.step = QueryDuration::parse(&p("step"));
                let executed = execute::execute(&plan, &clients).await.unwrap();
                (plan, executed)
            }
            other => panic!("{}: unexpected path {other}", case.id),
        };
        let frames = encode(build_frames(&plan, &executed, &grafana_ctx()));
        assert!(!frames.is_empty(), "{}", case.id);
        for frame in &frames {
            assert_eq!(frame.ref_id, "A");
            assert_eq!(
                frame.meta["executedQueryString"],
                executed.query.as_str(),
                "{}",
                case.id
            );
        }
        let rows: usize = frames.iter().map(|f| f.rows()).sum();
        let allow_empty = case.case["expect"]["allow_empty"]
            .as_bool()
            .unwrap_or(false);
        assert!(rows > 0 || allow_empty, "{}: no rows", case.id);
    }
}
