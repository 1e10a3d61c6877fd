//! Logs → traces against the recorded data: every error line that carries a trace id (in the logfmt
//! line, or as api-gateway's structured metadata) finds its trace (181 of 186 lines, 68 traces); the
//! fetching is bounded (trace cap, deadline, a Tempo that is down stops it at once); and a `correlate`
//! query through the real plugin binary answers linked logs, trace frames and the hypotheses table —
//! also when Tempo is down, with a notice instead of the traces.

mod common;
mod diagnosis_replay;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use grafana_plugin_sdk::pluginv2;
use querent::analyse::{self, CorrelateLimits, IdSource, link_lines};
use querent::execute::Clients;
use querent::execute::loki_types::{Envelope, QueryData};
use querent::plan::{Plan, PlanKind};
use querent::{RawSettings, Settings};
use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{Plugin, datasource, decode_frame, fixture, plugin_context};
use diagnosis_replay::{DATA_NOW_S as NOW, Peers, expected, start};

const ALL_ERRORS: &str = r#"{level="error"}"#;
const HOUR: i64 = 3600;

fn clients(loki: &str, tempo: &str) -> Clients {
    let json = serde_json::to_vec(&diagnosis_replay::settings(loki, tempo)).unwrap();
    let raw = RawSettings::from_grafana(&json, &Default::default()).unwrap();
    Clients::new(
        &Settings::from_raw(&raw).unwrap(),
        &querent::execute::http_client().unwrap(),
    )
}

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).unwrap()
}

fn plan(query: &str) -> Plan {
    Plan::raw(PlanKind::Correlate, query, t(NOW - 6 * HOUR), t(NOW))
}

#[test]
fn trace_ids_are_found_where_each_service_writes_them() {
    let body: Envelope<QueryData> =
        serde_json::from_slice(&fixture("diagnosis", "loki_errors_all_services.json")).unwrap();
    let QueryData::Streams(streams) = body.data else {
        panic!("streams")
    };
    let lines = link_lines(&streams, None);
    let want = &expected()["correlation"];
    assert_eq!(lines.len() as u64, want["error_lines"].as_u64().unwrap());
    let mut by_service: BTreeMap<&str, usize> = BTreeMap::new();
    let mut sources: BTreeMap<&str, Vec<Option<IdSource>>> = BTreeMap::new();
    for l in &lines {
        *by_service.entry(&l.service).or_default() += 1;
        sources.entry(&l.service).or_default().push(l.id_source);
        let entry = &streams[l.stream].entries[l.entry];
        // The id is exactly the one the line or its labels carry.
        match l.service.as_str() {
            "order-service" | "payment-service" => {
                let id = l.trace_id.as_deref().unwrap();
                assert!(
                    entry.line.contains(&format!("trace_id={id}")),
                    "{}",
                    entry.line
                );
            }
            "api-gateway" => assert_eq!(
                l.trace_id.as_deref(),
                streams[l.stream].labels.get("trace_id").map(String::as_str)
            ),
            _ => assert_eq!(l.trace_id, None, "{}", entry.line),
        }
    }
    assert_eq!(json!(by_service), want["error_lines_by_service"]);
    assert!(
        sources["api-gateway"]
            .iter()
            .all(|s| *s == Some(IdSource::StreamLabel))
    );
    assert!(
        sources["order-service"]
            .iter()
            .all(|s| *s == Some(IdSource::LineField))
    );
    assert!(
        sources["payment-service"]
            .iter()
            .all(|s| *s == Some(IdSource::LineField))
    );
    assert!(sources["user-service"].iter().all(Option::is_none));
    let with_id = lines.iter().filter(|l| l.trace_id.is_some()).count();
    assert_eq!(
        with_id as u64,
        want["error_lines_with_trace_id"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn every_error_line_with_a_trace_id_finds_its_trace() {
    let replay = start(Peers::Both).await;
    let a = analyse::investigate(&plan(ALL_ERRORS), &clients(&replay.uri(), &replay.uri()))
        .await
        .unwrap();
    let want = &expected()["correlation"];
    let c = &a.correlation;
    assert_eq!(c.lines.len(), 186);
    assert_eq!(
        c.with_trace_id as u64,
        want["error_lines_with_trace_id"].as_u64().unwrap()
    );
    assert_eq!(
        c.distinct_trace_ids as u64,
        want["distinct_trace_ids"].as_u64().unwrap()
    );
    assert_eq!(
        c.report.traces.len() as u64,
        want["traces_recorded"].as_u64().unwrap()
    );
    assert!(c.report.failures.is_empty() && c.report.not_fetched.is_empty());
    assert_eq!(
        c.lines_with_fetched_trace(),
        181,
        "every line with an id has its trace"
    );
    assert_eq!(c.left_out, 0);
    assert_eq!(a.digests.len(), 68);
    assert!(a.notices.is_empty(), "{:?}", a.notices);
    // Error spans per service over the fetched traces: what Tempo's metrics count for these traces
    // (the 401 login spans of api-gateway are in no error line's trace).
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for d in &a.digests {
        for s in &d.errors {
            *errors.entry(s.service.clone()).or_default() += 1;
        }
    }
    assert_eq!(errors["payment-service"], 90);
    assert_eq!(errors["order-service"], 136);
}

#[tokio::test]
async fn the_trace_cap_spreads_over_time_and_says_what_it_left_out() {
    let replay = start(Peers::Both).await;
    let limits = CorrelateLimits {
        max_traces: 10,
        ..CorrelateLimits::default()
    };
    let a = analyse::investigate_with(
        &plan(ALL_ERRORS),
        &clients(&replay.uri(), &replay.uri()),
        &limits,
    )
    .await
    .unwrap();
    assert_eq!(a.correlation.requested.len(), 10);
    assert_eq!(a.correlation.left_out, 58);
    assert_eq!(a.digests.len(), 10);
    assert!(
        a.notices.iter().any(|n| n.contains("58 more trace ids")),
        "{:?}",
        a.notices
    );
    // Both incidents keep traces (the ids are taken evenly over time, not just the newest), and the
    // lines of the traces left out join them by their template: the same three hypotheses as uncapped.
    let h = &a.hypotheses;
    assert_eq!(h.len(), 3, "{h:#?}");
    assert_eq!(
        (h[0].service.as_str(), h[0].lines),
        ("payment-service", 135)
    );
    assert_eq!((h[1].service.as_str(), h[1].lines), ("order-service", 46));
    assert_eq!(h[0].traces + h[1].traces, 10);
    let fetched_lines = 3 * h[0].traces + 2 * h[1].traces;
    assert_eq!(
        h[0].lines_by_template + h[1].lines_by_template,
        181 - fetched_lines
    );
    assert!(
        h[0].evidence[0].contains("matched by their template"),
        "{}",
        h[0].evidence[0]
    );
}

#[tokio::test]
async fn a_slow_tempo_costs_the_traces_not_the_answer() {
    let replay = start(Peers::LokiOnly).await;
    let slow = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("^/api/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(
                    fixture("tempo", "trace_v2_payment_timeout.json"),
                    "application/json",
                )
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&slow)
        .await;
    let limits = CorrelateLimits {
        deadline: Duration::from_millis(300),
        ..CorrelateLimits::default()
    };
    let started = std::time::Instant::now();
    let a = analyse::investigate_with(
        &plan(r#"{service_name="payment-service", level="error"}"#),
        &clients(&replay.uri(), &slow.uri()),
        &limits,
    )
    .await
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let report = &a.correlation.report;
    assert!(report.deadline_hit);
    assert!(report.traces.is_empty());
    assert_eq!(report.not_fetched.len(), 45);
    assert!(
        a.notices[0].contains("not all answered within 0.3 s"),
        "{:?}",
        a.notices
    );
    assert_eq!(a.correlation.lines.len(), 45, "the lines are all there");
    assert_eq!(a.hypotheses[0].service, "payment-service");
}

#[tokio::test]
async fn tempo_down_stops_at_the_first_refused_connection() {
    let replay = start(Peers::LokiOnly).await;
    let dead = format!("http://127.0.0.1:{}", common::closed_port());
    let a = analyse::investigate(&plan(ALL_ERRORS), &clients(&replay.uri(), &dead))
        .await
        .unwrap();
    let report = &a.correlation.report;
    assert!(
        report
            .aborted
            .as_deref()
            .unwrap()
            .starts_with("cannot connect to Tempo")
    );
    assert!(report.failures.is_empty(), "one failure is enough to stop");
    assert_eq!(report.not_fetched.len(), 68);
    // Without Tempo configured at all, the same lines are answered and the reason named.
    let no_tempo = {
        let json = serde_json::to_vec(&json!({ "lokiUrl": replay.uri() })).unwrap();
        let raw = RawSettings::from_grafana(&json, &Default::default()).unwrap();
        Clients::new(
            &Settings::from_raw(&raw).unwrap(),
            &querent::execute::http_client().unwrap(),
        )
    };
    let a = analyse::investigate(&plan(ALL_ERRORS), &no_tempo)
        .await
        .unwrap();
    assert!(a.notices[0].contains("`tempoUrl`"), "{:?}", a.notices);
    assert_eq!(a.correlation.lines.len(), 186);
}

#[tokio::test]
async fn missing_and_broken_traces_are_failures_not_aborts() {
    let replay = start(Peers::LokiOnly).await;
    let tempo = MockServer::start().await;
    // v2 says "not found" the way Tempo does; one trace answers garbage.
    Mock::given(method("GET"))
        .and(path_regex(
            "^/api/v2/traces/05722bc54b5e4a401a5a897790ba1d38$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{not json", "application/json"))
        .mount(&tempo)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/api/v2/traces/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("tempo", "trace_v2_not_found.json"),
            "application/json",
        ))
        .mount(&tempo)
        .await;
    let a = analyse::investigate(
        &Plan::raw(
            PlanKind::Correlate,
            r#"{service_name="order-service", level="error"}"#,
            t(NOW - HOUR),
            t(NOW),
        ),
        &clients(&replay.uri(), &tempo.uri()),
    )
    .await
    .unwrap();
    let report = &a.correlation.report;
    assert_eq!(report.aborted, None);
    assert_eq!(report.failures.len(), 23);
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.reason.contains("could not be read")),
        "{:?}",
        report.failures
    );
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.reason.contains("was not found"))
    );
    assert!(a.notices[0].starts_with("The traces could not be fetched (23 asked for)"));
    // The lines alone still name the failure (one service's lines: a log-only hypothesis).
    let h = &a.hypotheses[0];
    assert_eq!(h.service, "order-service");
    assert_eq!(h.cause, analyse::Cause::ConnectionPoolExhausted);
}

#[tokio::test]
async fn traces_to_logs_finds_the_lines_of_every_service() {
    let replay = start(Peers::LokiOnly).await;
    let clients = clients(&replay.uri(), &replay.uri());
    let range = querent::execute::TimeRange::new(t(NOW - 6 * HOUR), t(NOW)).unwrap();
    let payment = "c519fd783348eda0aa57c6e4a753297e".to_string();
    let db = "05722bc54b5e4a401a5a897790ba1d38".to_string();
    let found = analyse::fetch_trace_logs(
        clients.loki().unwrap(),
        "service_name",
        &[payment.clone(), db.clone()],
        &range,
        1000,
    )
    .await
    .unwrap();
    let services =
        |id: &str| -> Vec<String> { found[id].iter().map(|l| l.service.clone()).collect() };
    // Oldest first: the callee logs before its callers; api-gateway's id is structured metadata only.
    assert_eq!(
        services(&payment),
        ["payment-service", "order-service", "api-gateway"]
    );
    assert_eq!(services(&db), ["order-service", "api-gateway"]);
    assert!(
        !found[&db][1].line.contains(&db),
        "found by its label, not its text"
    );
}

async fn grpc(
    plugin: &Plugin,
    ctx: &pluginv2::PluginContext,
    model: Value,
) -> pluginv2::DataResponse {
    plugin.query_one(ctx, model, NOW - 6 * HOUR, NOW).await
}

fn is_trace_link(field: &common::DecodedField) -> bool {
    let config = field.config.as_ref().expect("a field config");
    let link = &config["links"][0];
    link["internal"]["query"] == json!({"queryType": "trace", "expr": "${__value.raw}"})
        && link["internal"]["datasourceUid"] == "querent-test"
}

#[tokio::test]
async fn a_correlate_query_answers_linked_logs_trace_frames_and_hypotheses() {
    let replay = start(Peers::Both).await;
    let plugin = Plugin::start().await;
    let ctx = plugin_context(datasource(
        diagnosis_replay::settings(&replay.uri(), &replay.uri()),
        &[],
    ));
    let answer = grpc(
        &plugin,
        &ctx,
        json!({ "queryType": "correlate", "expr": r#"{service_name="payment-service", level="error"}"# }),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.error);
    let frames: Vec<_> = answer.frames.iter().map(|f| decode_frame(f)).collect();
    assert!(frames.iter().all(|f| f.ref_id == "A"));
    let logs: Vec<_> = frames
        .iter()
        .filter(|f| f.meta["preferredVisualisationType"] == "logs")
        .collect();
    assert_eq!(logs.iter().map(|f| f.rows()).sum::<usize>(), 45);
    for f in &logs {
        let ids = f.field("traceID");
        assert!(is_trace_link(ids));
        assert!(
            ids.values
                .iter()
                .all(|v| v.as_str().is_some_and(|s| s.len() == 32))
        );
        assert_eq!(
            f.meta["executedQueryString"],
            r#"{service_name="payment-service", level="error"}"#
        );
    }
    let table = frames
        .iter()
        .find(|f| f.name == "traces")
        .expect("trace table");
    assert_eq!(table.rows(), 45);
    assert!(is_trace_link(table.field("traceID")));
    assert!(
        table
            .field("failedFirst")
            .values
            .iter()
            .all(|v| v == "payment-service `POST /v2/charges`")
    );
    assert!(table.field("hypothesis").values.iter().all(|v| v == "H1"));
    let trace = frames
        .iter()
        .find(|f| f.meta["preferredVisualisationType"] == "trace")
        .expect("the example trace");
    assert_eq!(trace.rows(), 9);
    let hyp = frames
        .iter()
        .find(|f| f.name == "hypotheses")
        .expect("hypotheses table");
    assert_eq!(hyp.rows(), 1);
    assert_eq!(hyp.field("cause").values[0], "timeout");
    assert_eq!(
        hyp.field("failingSpan").values[0],
        "payment-service `POST /v2/charges`"
    );
    assert_eq!(
        hyp.field("upstream").values[0],
        "order-service, api-gateway"
    );
    assert!(is_trace_link(hyp.field("traceID")));
    assert_eq!(
        trace.field("traceID").values[0],
        hyp.field("traceID").values[0]
    );
    let custom = &frames[0].meta["custom"];
    assert!(custom["summary"].as_str().unwrap().contains("acmepay"));
    assert_eq!(custom["hypotheses"][0]["id"], "H1");
    let stats: BTreeMap<String, i64> = custom["stats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["label"].as_str().unwrap().to_string(),
                s["value"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(stats["traces fetched"], 45);
    assert_eq!(stats["lines with a trace id"], 45);
    // The evidence is not copied onto every stream frame; the summary is.
    for f in &frames[1..] {
        let custom = &f.meta["custom"];
        assert_eq!(custom["summary"], frames[0].meta["custom"]["summary"]);
        assert_eq!(
            custom["hypotheses"].is_null(),
            f.name != "hypotheses",
            "{}",
            f.name
        );
    }
}

#[tokio::test]
async fn with_tempo_down_the_logs_still_come_back_and_say_why() {
    let replay = start(Peers::LokiOnly).await;
    let plugin = Plugin::start().await;
    let dead = format!("http://127.0.0.1:{}", common::closed_port());
    let ctx = plugin_context(datasource(
        diagnosis_replay::settings(&replay.uri(), &dead),
        &[],
    ));
    let answer = grpc(
        &plugin,
        &ctx,
        json!({ "queryType": "correlate", "expr": r#"{service_name="order-service", level="error"}"# }),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.error);
    let frames: Vec<_> = answer.frames.iter().map(|f| decode_frame(f)).collect();
    let lines: usize = frames
        .iter()
        .filter(|f| f.meta["preferredVisualisationType"] == "logs")
        .map(|f| f.rows())
        .sum();
    assert_eq!(lines, 68);
    let notices = frames[0].meta["notices"].as_array().unwrap();
    assert!(
        notices.iter().any(|n| n["severity"] == "warning"
            && n["text"].as_str().unwrap().starts_with(
                "The traces could not be fetched (68 asked for): cannot connect to Tempo"
            )),
        "{notices:?}"
    );
    assert!(frames.iter().all(|f| f.name != "traces"));
    assert!(
        frames
            .iter()
            .all(|f| f.meta["preferredVisualisationType"] != "trace")
    );
    let custom = &frames[0].meta["custom"];
    assert!(
        custom["summary"]
            .as_str()
            .unwrap()
            .contains("The traces could not be fetched"),
        "{custom}"
    );
    // Still linked: the ids are in the lines even when their traces are not at hand.
    assert!(is_trace_link(frames[0].field("traceID")));
    let hyp = frames.iter().find(|f| f.name == "hypotheses").unwrap();
    assert_eq!(
        hyp.rows(),
        2,
        "checkout failures and order creation failures"
    );
}
