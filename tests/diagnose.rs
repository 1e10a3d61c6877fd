//! Diagnosis against the recorded demo data: the seeded incidents of
//! `../shared/fixtures/diagnosis/expected.json` come out as the top hypothesis — the failing span, the
//! chain above it, the affected callers, numbered evidence — through the library, `querent ask --json`,
//! QueryData questions, the `diagnose` resource and annotation queries. Templates and spikes are checked
//! against the same ground truth, spikes also on the recorded Loki and TraceQL metrics series.

mod common;
mod diagnosis_replay;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use grafana_plugin_sdk::pluginv2;
use querent::analyse::{
    self, Analysis, Basis, Cause, Confidence, DependencyKind, Hypothesis, PatternSource,
    SpikeOptions, detect_spikes,
};
use querent::execute::Clients;
use querent::execute::loki_types::{Envelope, QueryData};
use querent::execute::tempo_types::MetricsResponse;
use querent::plan::{Plan, PlanKind};
use querent::{RawSettings, Settings};
use serde_json::{Value, json};

use common::{Plugin, datasource, decode_frame, fixture, plugin_context};
use diagnosis_replay::{DATA_NOW, DATA_NOW_S as NOW, Peers, expected, incident, start};

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

async fn analyse_on(uri_loki: &str, uri_tempo: &str, query: &str, from: i64, to: i64) -> Analysis {
    let plan = Plan::raw(PlanKind::Correlate, query, t(from), t(to));
    analyse::investigate(&plan, &clients(uri_loki, uri_tempo))
        .await
        .expect("analysis")
}

async fn analyse(query: &str, from: i64, to: i64) -> Analysis {
    let replay = start(Peers::Both).await;
    analyse_on(&replay.uri(), &replay.uri(), query, from, to).await
}

fn kind_name(otlp: &str) -> &str {
    match otlp {
        "SPAN_KIND_SERVER" => "server",
        "SPAN_KIND_CLIENT" => "client",
        _ => "",
    }
}

/// The hypothesis agrees with an incident of `expected.json`: failing span, chain, callers, traces.
fn assert_matches_incident(h: &Hypothesis, id: &str) {
    let inc = incident(id);
    let span_key = if id == "product_slow_queries" {
        "slow_span"
    } else {
        "failing_span"
    };
    let want = &inc[span_key];
    let f = h.failing_span.as_ref().expect("a failing span");
    assert_eq!(f.service, want["service"], "{id}: {h:#?}");
    assert_eq!(f.name, want["name"], "{id}");
    assert_eq!(f.kind, kind_name(want["kind"].as_str().unwrap()), "{id}");
    assert_eq!(
        f.status_message,
        want["status_message"].as_str().unwrap_or_default(),
        "{id}"
    );
    for (k, v) in want["attributes"].as_object().unwrap() {
        assert_eq!(
            f.attributes.get(k).map(String::as_str),
            v.as_str(),
            "{id}: {k}"
        );
    }
    // Durations within the seeded range (rounded to 0.1 ms there).
    let range = &want["duration_ms"];
    assert!(
        f.duration_ms_min >= range["min"].as_f64().unwrap() - 0.1,
        "{id}: {f:?}"
    );
    assert!(
        f.duration_ms_max <= range["max"].as_f64().unwrap() + 0.1,
        "{id}: {f:?}"
    );
    let chain_key = if id == "product_slow_queries" {
        "slow_span_chain_root_to_culprit"
    } else {
        "error_span_chain_root_to_culprit"
    };
    let want_chain: Vec<(String, String, String, String)> = inc[chain_key]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["service"].as_str().unwrap().to_string(),
                s["name"].as_str().unwrap().to_string(),
                kind_name(s["kind"].as_str().unwrap()).to_string(),
                s["status_message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let got_chain: Vec<(String, String, String, String)> = h
        .chain
        .iter()
        .map(|s| {
            (
                s.service.clone(),
                s.name.clone(),
                s.kind.clone(),
                s.status_message.clone(),
            )
        })
        .collect();
    assert_eq!(got_chain, want_chain, "{id}");
    assert_eq!(
        json!(h.upstream_services),
        inc["affected_upstream_services"],
        "{id}"
    );
    assert_eq!(h.service, inc["origin_service"], "{id}");
    assert_eq!(h.basis, Basis::Traces);
    assert_eq!(h.confidence, Confidence::High, "{id}");
    let ids: BTreeSet<&str> = inc["traces"]["trace_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for tid in &h.trace_ids {
        assert!(
            ids.contains(tid.as_str()),
            "{id}: {tid} is not an incident trace"
        );
    }
}

/// Every cited evidence id exists and belongs to the hypothesis.
fn assert_cited(a: &Analysis) {
    for h in &a.hypotheses {
        assert!(!h.evidence_ids.is_empty(), "{}", h.id);
        for (id, sentence) in h.evidence_ids.iter().zip(&h.evidence) {
            let e = a
                .evidence
                .get(id)
                .unwrap_or_else(|| panic!("{id} is cited"));
            assert_eq!(e.hypothesis.as_deref(), Some(h.id.as_str()));
            assert_eq!(sentence, &format!("[{id}] {}", e.text));
        }
    }
    for cited in a.summary.match_indices("[E") {
        let rest = &a.summary[cited.0 + 1..];
        let id = &rest[..rest.find(']').unwrap()];
        assert!(a.evidence.get(id).is_some(), "summary cites {id}");
    }
}

#[tokio::test]
async fn payment_errors_around_two_hours_ago_blame_the_acmepay_timeout() {
    let a = analyse(
        r#"{service_name="payment-service", level="error"}"#,
        NOW - 3 * HOUR,
        NOW - HOUR,
    )
    .await;
    assert_eq!(a.hypotheses.len(), 1, "{:#?}", a.hypotheses);
    let h = &a.hypotheses[0];
    assert_matches_incident(h, "payment_gateway_timeout");
    assert_eq!(h.cause, Cause::Timeout);
    let dep = h.dependency.as_ref().unwrap();
    assert_eq!(
        (dep.name.as_str(), dep.kind),
        ("acmepay", DependencyKind::External)
    );
    assert!(
        h.title
            .starts_with("Timeouts calling the external service acmepay"),
        "{}",
        h.title
    );
    assert!(
        h.title.contains("payment-service `POST /v2/charges`"),
        "{}",
        h.title
    );
    assert_eq!(h.traces, 45);
    assert_eq!(h.lines, 45);
    assert_eq!(h.score, 1.0);
    assert_cited(&a);
    assert!(
        a.summary.contains(
            "Most likely cause (H1, high confidence): Timeouts calling the external service acmepay"
        ),
        "{}",
        a.summary
    );
    assert!(
        a.summary.contains("reaches order-service and api-gateway"),
        "{}",
        a.summary
    );
    assert!(a.notices.is_empty(), "{:?}", a.notices);
    // Traces → logs: 20 of the 45 traces were looked up in every service's logs; their callers logged too.
    assert_eq!(h.related_traces, 20);
    assert_eq!(
        json!(h.related_lines_by_service),
        json!({"api-gateway": 20, "order-service": 20})
    );
    assert!(
        a.summary
            .contains("the same requests logged in api-gateway and order-service"),
        "{}",
        a.summary
    );
}

#[tokio::test]
async fn order_errors_in_the_last_hour_blame_the_db_pool_not_the_payment_incident() {
    let a = analyse(
        r#"{service_name="order-service", level="error"}"#,
        NOW - HOUR,
        NOW,
    )
    .await;
    let h = &a.hypotheses[0];
    assert_matches_incident(h, "order_db_pool_exhausted");
    assert_eq!(h.cause, Cause::ConnectionPoolExhausted);
    assert!(
        h.title.starts_with(
            "Database connection pool exhausted at the postgresql database postgres-order"
        ),
        "{}",
        h.title
    );
    assert_eq!(h.traces, 23);
    assert!(
        a.hypotheses.iter().all(|h| h.service != "payment-service"),
        "{:#?}",
        a.hypotheses
    );
    assert_cited(&a);
}

#[tokio::test]
async fn product_latency_is_the_slow_select_without_errors() {
    let inc = incident("product_slow_queries");
    let (from, to) = (
        inc["design_window"]["start_epoch_s"].as_i64().unwrap(),
        inc["design_window"]["end_epoch_s"].as_i64().unwrap(),
    );
    let a = analyse(
        r#"{service_name="product-service", level="warn"}"#,
        from,
        to,
    )
    .await;
    let h = &a.hypotheses[0];
    assert_matches_incident(h, "product_slow_queries");
    assert_eq!(h.cause, Cause::Latency);
    assert!(!h.failing_span.as_ref().unwrap().error);
    assert!(h.chain.iter().all(|s| !s.error));
    assert_eq!(h.traces, 31);
    assert_eq!(h.lines, 31);
    assert!(
        h.title
            .starts_with("Slow queries at the postgresql database postgres-product"),
        "{}",
        h.title
    );
    assert_cited(&a);
}

#[tokio::test]
async fn a_quiet_range_has_nothing_to_explain() {
    let a = analyse(
        r#"{service_name="payment-service", level="error"}"#,
        NOW - 30 * 60,
        NOW,
    )
    .await;
    assert!(a.hypotheses.is_empty());
    assert!(a.correlation.lines.is_empty());
    assert!(
        a.summary
            .ends_with("so there is no likely cause to report."),
        "{}",
        a.summary
    );
    let frames = analyse::build_analysis_frames(
        &a,
        &querent::frames::FrameContext {
            ref_id: "A".into(),
            datasource: None,
            custom: Some(analyse::analysis_custom(&a, None)),
        },
    );
    let hypotheses = frames.iter().find(|f| f.name == "hypotheses").unwrap();
    assert_eq!(hypotheses.row_count(), 0);
    for f in &frames {
        f.check().unwrap();
        querent::frames::arrow::to_arrow(f).unwrap();
    }
}

#[tokio::test]
async fn all_errors_rank_the_incidents_by_the_lines_they_explain() {
    let a = analyse(r#"{level="error"}"#, NOW - 6 * HOUR, NOW).await;
    let h: Vec<&Hypothesis> = a.hypotheses.iter().collect();
    assert_eq!(h.len(), 3, "{:#?}", a.hypotheses);
    assert_matches_incident(h[0], "payment_gateway_timeout");
    assert_eq!(
        json!(h[0].lines_by_service),
        json!({"api-gateway": 45, "order-service": 45, "payment-service": 45})
    );
    assert_matches_incident(h[1], "order_db_pool_exhausted");
    assert_eq!(
        json!(h[1].lines_by_service),
        json!({"api-gateway": 23, "order-service": 23})
    );
    // The welcome e-mails have no trace: a log-only hypothesis, ranked last.
    assert_eq!(h[2].basis, Basis::LogLines);
    assert_eq!(h[2].service, "user-service");
    assert_eq!(h[2].lines, 5);
    assert_eq!(h[2].cause, Cause::Timeout);
    assert!(
        h[2].title.contains("failed to send welcome email"),
        "{}",
        h[2].title
    );
    assert_eq!(h[0].lines + h[1].lines + h[2].lines, 186);
    assert_cited(&a);
}

#[tokio::test]
async fn error_templates_match_the_seeded_messages() {
    let a = analyse(r#"{level="error"}"#, NOW - 6 * HOUR, NOW).await;
    assert!(a.patterns.iter().all(|p| p.source == PatternSource::Drain));
    let want = &expected()["correlation"]["error_templates"];
    let mut got: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for p in &a.patterns {
        *got.entry(p.service.clone())
            .or_default()
            .entry(p.message.clone())
            .or_default() += p.count;
    }
    for (service, templates) in want.as_object().unwrap() {
        let ours = &got[service];
        assert_eq!(
            ours.len(),
            templates.as_object().unwrap().len(),
            "{service}: {ours:?}"
        );
        for (template, count) in templates.as_object().unwrap() {
            let (message, n) = ours
                .iter()
                .find(|(m, _)| m.starts_with(template.as_str()))
                .unwrap_or_else(|| panic!("{service}: no template `{template}` in {ours:?}"));
            assert_eq!(*n as u64, count.as_u64().unwrap(), "{service}: {message}");
        }
    }
    let warn = analyse(
        r#"{service_name="product-service", level="warn"}"#,
        NOW - 6 * HOUR,
        NOW,
    )
    .await;
    assert_eq!(warn.patterns.len(), 1, "{:#?}", warn.patterns);
    assert!(warn.patterns[0].message.starts_with("slow query"));
    assert_eq!(warn.patterns[0].count, 38);
}

#[tokio::test]
async fn line_spikes_cover_the_incident_buckets() {
    let a = analyse(r#"{level="error"}"#, NOW - 6 * HOUR, NOW).await;
    assert_eq!(a.step_ms, 300_000);
    for id in ["payment_gateway_timeout", "order_db_pool_exhausted"] {
        let inc = incident(id);
        for (service, buckets) in inc["spike"]["loki_error_lines_by_service"]
            .as_object()
            .unwrap()
        {
            let buckets = buckets.as_array().unwrap();
            if buckets.iter().map(|b| b[1].as_i64().unwrap()).sum::<i64>() < 10 {
                continue; // a stray line in the window (user-service) is no spike
            }
            let first = buckets[0][0].as_i64().unwrap();
            let last = buckets[buckets.len() - 1][0].as_i64().unwrap();
            let total: i64 = buckets.iter().map(|b| b[1].as_i64().unwrap()).sum();
            let spike = a
                .spikes
                .iter()
                .find(|s| {
                    s.labels["service"] == *service
                        && s.end_ms / 1000 >= first
                        && s.start_ms / 1000 <= last
                })
                .unwrap_or_else(|| panic!("{id}: no spike for {service}: {:#?}", a.spikes));
            assert_eq!(spike.start_ms / 1000, first - 300, "{id} {service}");
            assert_eq!(spike.end_ms / 1000, last, "{id} {service}");
            assert_eq!(spike.total as i64, total, "{id} {service}");
        }
    }
    assert!(
        a.spikes
            .iter()
            .all(|s| s.labels["service"] != "user-service"),
        "five scattered lines are no spike: {:#?}",
        a.spikes
    );
}

fn loki_matrix(file: &str) -> Vec<querent::execute::Series> {
    let body: Envelope<QueryData> = serde_json::from_slice(&fixture("diagnosis", file)).unwrap();
    match body.data {
        QueryData::Matrix(series) => series,
        other => panic!("{other:?}"),
    }
}

fn tempo_series(file: &str) -> Vec<querent::execute::Series> {
    let body: MetricsResponse = serde_json::from_slice(&fixture("diagnosis", file)).unwrap();
    body.series.iter().map(|s| s.to_series()).collect()
}

const RANGE_MS: (i64, i64) = (1_795_574_276_000, 1_795_596_352_000);

#[test]
fn recorded_metric_series_spike_in_the_incident_windows() {
    let buckets = |id: &str| -> (i64, i64) {
        let inc = incident(id);
        let text = inc["spike"]["buckets"].as_str().unwrap().to_string();
        let nums: Vec<i64> = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| s.len() == 10)
            .map(|s| s.parse().unwrap())
            .collect();
        (nums[0] * 1000, nums[1] * 1000)
    };
    let overlaps =
        |s: &analyse::Spike, (a, b): (i64, i64)| s.end_ms >= a && s.start_ms <= b - 300_000;
    // Loki: payment-service error lines per 5 minutes.
    let payment = detect_spikes(
        &loki_matrix("loki_metric_payment_error_count_5m.json")[0],
        300_000,
        Some(RANGE_MS),
        &SpikeOptions::counts(),
    );
    assert_eq!(payment.len(), 1, "{payment:#?}");
    assert_eq!(
        (payment[0].start_ms, payment[0].end_ms),
        (
            buckets("payment_gateway_timeout").0 - 300_000,
            buckets("payment_gateway_timeout").1
        )
    );
    assert_eq!(payment[0].total, 45.0);
    // Loki: order-service lines by level: the error series spikes twice, the sparse warnings never.
    for s in loki_matrix("loki_metric_order_service_count_by_level_5m.json") {
        let spikes = detect_spikes(&s, 300_000, Some(RANGE_MS), &SpikeOptions::counts());
        if s.labels["level"] == "error" {
            assert_eq!(spikes.len(), 2, "{spikes:#?}");
            assert!(overlaps(&spikes[0], buckets("payment_gateway_timeout")));
            assert!(overlaps(&spikes[1], buckets("order_db_pool_exhausted")));
        } else if s.labels["level"] == "warn" {
            assert!(spikes.is_empty(), "warn: {spikes:#?}");
        }
    }
    // TraceQL: p95 latency of product-service during the slow queries, of payment-service during the
    // acmepay timeouts; none elsewhere.
    let product = detect_spikes(
        &tempo_series("tempo_metrics_p95_product_service_5m.json")[0],
        300_000,
        Some(RANGE_MS),
        &SpikeOptions::latency(),
    );
    // Single slow queries outside the incident (6% of browse requests are slow there) lift a quiet
    // bucket's p95 too; the incident is the one sustained window.
    let sustained: Vec<&analyse::Spike> = product.iter().filter(|s| s.points >= 3).collect();
    assert_eq!(sustained.len(), 1, "{product:#?}");
    assert!(overlaps(sustained[0], buckets("product_slow_queries")));
    assert!(sustained[0].ratio().unwrap() > 10.0);
    let pay = detect_spikes(
        &tempo_series("tempo_metrics_p95_payment_service_5m.json")[0],
        300_000,
        Some(RANGE_MS),
        &SpikeOptions::latency(),
    );
    let sustained: Vec<&analyse::Spike> = pay.iter().filter(|s| s.points >= 3).collect();
    assert_eq!(sustained.len(), 1, "{pay:#?}");
    assert!(
        overlaps(sustained[0], buckets("payment_gateway_timeout")),
        "{pay:#?}"
    );
    // TraceQL: error spans per service.
    for s in tempo_series("tempo_metrics_error_count_by_service_5m.json") {
        let service = s.labels["resource.service.name"].clone();
        let spikes = detect_spikes(&s, 300_000, Some(RANGE_MS), &SpikeOptions::counts());
        match service.as_str() {
            "payment-service" => {
                assert_eq!(spikes.len(), 1, "{spikes:#?}");
                assert!(overlaps(&spikes[0], buckets("payment_gateway_timeout")));
            }
            "order-service" | "api-gateway" => {
                assert_eq!(spikes.len(), 2, "{service}: {spikes:#?}");
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn with_tempo_down_the_lines_still_tell_who_failed_first() {
    let replay = start(Peers::LokiOnly).await;
    let dead = format!("http://127.0.0.1:{}", common::closed_port());
    let a = analyse_on(
        &replay.uri(),
        &dead,
        r#"{level="error"}"#,
        NOW - 6 * HOUR,
        NOW,
    )
    .await;
    assert!(a.digests.is_empty());
    let problem = &a.notices[0];
    assert!(
        problem
            .starts_with("The traces could not be fetched (68 asked for): cannot connect to Tempo"),
        "{problem}"
    );
    assert!(
        a.summary.contains("The traces could not be fetched"),
        "{}",
        a.summary
    );
    let h = &a.hypotheses;
    assert_eq!(h[0].basis, Basis::LogChain);
    assert_eq!(h[0].service, "payment-service");
    assert_eq!(h[0].cause, Cause::Timeout);
    assert_eq!(h[0].upstream_services, ["order-service", "api-gateway"]);
    assert_eq!((h[0].lines, h[0].traces), (135, 45));
    assert_eq!(h[1].service, "order-service");
    assert_eq!(h[1].cause, Cause::ConnectionPoolExhausted);
    assert_eq!(h[1].upstream_services, ["api-gateway"]);
    assert_eq!(h[2].service, "user-service");
    assert_cited(&a);
}

fn ask(uri: &str, question: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_querent"))
        .args([
            "ask", "--json", "--now", DATA_NOW, "--loki", uri, "--tempo", uri, "--schema",
        ])
        .arg(format!(
            "{}/tests/fixtures/demo-schema.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .arg(question)
        .output()
        .expect("querent runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[tokio::test]
async fn querent_ask_fills_hypotheses_for_diagnosis_questions() {
    let replay = start(Peers::Both).await;
    let v = ask(
        &replay.uri(),
        "why is payment-service failing in the last 3 hours?",
    );
    assert_eq!(v["plan"]["kind"], "correlate");
    let h = &v["hypotheses"][0];
    assert_eq!(h["cause"], "timeout");
    assert_eq!(h["service"], "payment-service");
    assert_eq!(h["failingSpan"]["name"], "POST /v2/charges");
    assert_eq!(h["failingSpan"]["attributes"]["peer.service"], "acmepay");
    assert_eq!(
        h["upstreamServices"],
        json!(["order-service", "api-gateway"])
    );
    assert!(h["title"].as_str().unwrap().contains("acmepay"));
    assert!(!h["evidence"].as_array().unwrap().is_empty());
    assert_eq!(v["correlation"]["linesWithFetchedTrace"], 45);
    assert!(v["evidence"].as_array().unwrap().len() >= 5);
    assert_eq!(v["logs"].as_array().unwrap().len(), 45);
    assert_eq!(v["traceSummaries"].as_array().unwrap().len(), 45);
    assert!(
        v["summary"]
            .as_str()
            .unwrap()
            .contains("Most likely cause (H1")
    );

    let v = ask(
        &replay.uri(),
        "why is order-service failing in the last hour?",
    );
    assert_eq!(v["hypotheses"][0]["cause"], "connection_pool_exhausted");
    assert_eq!(v["hypotheses"][0]["failingSpan"]["name"], "INSERT orders");
    assert_eq!(v["hypotheses"].as_array().unwrap().len(), 1);
}

#[test]
fn the_headline_questions_read_as_diagnoses() {
    let schema: querent::ground::Schema = serde_json::from_value(common::demo_schema()).unwrap();
    let now = DateTime::parse_from_rfc3339(DATA_NOW)
        .unwrap()
        .with_timezone(&Utc);
    for (question, query) in [
        (
            "detect anomalies and summarise their cause",
            r#"{level="error"}"#,
        ),
        ("장애 원인 분석해줘", r#"{level="error"}"#),
        (
            "show the traces related to order-service's error logs and analyse them",
            r#"{service_name="order-service", level="error"}"#,
        ),
        (
            "why is payment-service failing?",
            r#"{service_name="payment-service", level="error"}"#,
        ),
        (
            "order-service 에러 원인",
            r#"{service_name="order-service", level="error"}"#,
        ),
    ] {
        let plan = querent::translate::translate(
            &querent::translate::Question::new(question, now),
            &schema,
        );
        assert_eq!(plan.kind, PlanKind::Correlate, "{question}");
        assert_eq!(plan.query_text().as_deref(), Some(query), "{question}");
    }
}

#[tokio::test]
async fn detect_anomalies_and_summarise_their_cause() {
    let replay = start(Peers::Both).await;
    let v = ask(
        &replay.uri(),
        "detect anomalies in the last 6 hours and summarise their cause",
    );
    assert_eq!(v["plan"]["query"], r#"{level="error"}"#);
    let causes: Vec<&str> = v["hypotheses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["cause"].as_str().unwrap())
        .collect();
    assert_eq!(causes, ["timeout", "connection_pool_exhausted", "timeout"]);
    assert_eq!(v["hypotheses"][2]["service"], "user-service");
    assert_eq!(v["correlation"]["linesWithFetchedTrace"], 181);
}

async fn grpc(
    plugin: &Plugin,
    ctx: &pluginv2::PluginContext,
    model: Value,
    from: i64,
    to: i64,
) -> pluginv2::DataResponse {
    plugin.query_one(ctx, model, from, to).await
}

async fn resource(
    plugin: &Plugin,
    ctx: &pluginv2::PluginContext,
    method: &str,
    path: &str,
    body: Value,
) -> (i32, Value) {
    let mut stream = plugin
        .resource()
        .call_resource(pluginv2::CallResourceRequest {
            plugin_context: Some(ctx.clone()),
            path: path.into(),
            method: method.into(),
            url: path.into(),
            headers: Default::default(),
            body: serde_json::to_vec(&body).unwrap().into(),
        })
        .await
        .expect("CallResource answers")
        .into_inner();
    let first = stream
        .message()
        .await
        .expect("a message")
        .expect("a response");
    (
        first.code,
        serde_json::from_slice(&first.body).expect("JSON body"),
    )
}

#[tokio::test]
async fn grafana_questions_the_diagnose_resource_and_annotations() {
    let replay = start(Peers::Both).await;
    let plugin = Plugin::start().await;
    let ctx = plugin_context(datasource(
        diagnosis_replay::settings(&replay.uri(), &replay.uri()),
        &[],
    ));

    // A question in Explore: the dashboard's last hour of the data.
    let answer = grpc(
        &plugin,
        &ctx,
        json!({ "question": "why is order-service failing?" }),
        NOW - HOUR,
        NOW,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.error);
    let frames: Vec<_> = answer.frames.iter().map(|f| decode_frame(f)).collect();
    let custom = &frames[0].meta["custom"];
    assert_eq!(custom["plan"]["kind"], "correlate");
    assert_eq!(custom["question"], "why is order-service failing?");
    assert_eq!(
        custom["hypotheses"][0]["cause"],
        "connection_pool_exhausted"
    );
    assert!(
        custom["summary"]
            .as_str()
            .unwrap()
            .contains("Database connection pool exhausted")
    );
    let hypotheses = frames
        .iter()
        .find(|f| f.name == "hypotheses")
        .expect("hypotheses frame");
    assert_eq!(hypotheses.field("service").values[0], "order-service");

    // `queryType: correlate` turns a plain log question into a diagnosis.
    let answer = grpc(
        &plugin,
        &ctx,
        json!({ "queryType": "correlate", "question": "show error logs from payment-service" }),
        NOW - 3 * HOUR,
        NOW - HOUR,
    )
    .await;
    let first = decode_frame(&answer.frames[0]);
    assert_eq!(
        first.meta["custom"]["hypotheses"][0]["cause"], "timeout",
        "{}",
        first.meta
    );

    // The app's resource.
    let (code, body) = resource(
        &plugin,
        &ctx,
        "POST",
        "diagnose",
        json!({ "service": "payment-service", "from": (NOW - 3 * HOUR) * 1000, "to": (NOW - HOUR) * 1000 }),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["plan"]["kind"], "correlate");
    assert_eq!(body["hypotheses"][0]["dependency"]["name"], "acmepay");
    let evidence: BTreeSet<&str> = body["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    for id in body["hypotheses"][0]["evidenceIds"].as_array().unwrap() {
        assert!(evidence.contains(id.as_str().unwrap()), "{id}");
    }
    assert!(body["summary"].as_str().unwrap().contains("acmepay"));
    let (code, body) = resource(&plugin, &ctx, "POST", "diagnose", json!({})).await;
    assert_eq!(code, 400, "{body}");
    let (code, _) = resource(&plugin, &ctx, "GET", "diagnose", Value::Null).await;
    assert_eq!(code, 405);
    let (code, body) = resource(
        &plugin,
        &ctx,
        "POST",
        "diagnose",
        json!({ "question": "how many error logs per service per 5 minutes" }),
    )
    .await;
    assert_eq!(code, 400, "metric questions are not diagnoses: {body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("cannot be diagnosed"),
        "{body}"
    );

    // A dashboard annotation query: spike windows of the error counts.
    let answer = grpc(
        &plugin,
        &ctx,
        json!({ "queryType": "annotations", "question": "error spikes per service per 5 minutes" }),
        NOW - 6 * HOUR,
        NOW,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.error);
    assert_eq!(answer.frames.len(), 1);
    let events = decode_frame(&answer.frames[0]);
    assert_eq!(events.field_names(), ["time", "timeEnd", "text", "tags"]);
    let tags: Vec<&str> = events
        .field("tags")
        .values
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // payment: 1 window; order-service and api-gateway: 2 each (payment and DB incidents).
    assert_eq!(
        tags.iter()
            .filter(|t| t.contains("payment-service"))
            .count(),
        1,
        "{tags:?}"
    );
    assert_eq!(
        tags.iter().filter(|t| t.contains("order-service")).count(),
        2,
        "{tags:?}"
    );
    assert!(
        tags.iter()
            .all(|t| t.contains("error") && t.ends_with("spike")),
        "{tags:?}"
    );
    assert!(
        events.field("text").values[0]
            .as_str()
            .unwrap()
            .contains("spike: peak")
    );
    assert!(
        events.meta["custom"]["summary"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{} annotations", tags.len()))
    );

    // TraceQL metrics: p95 latency of product-service; the slow-query incident is the one long window.
    let answer = grpc(
        &plugin,
        &ctx,
        json!({ "queryType": "annotations", "question": "p95 latency of product-service per 5 minutes" }),
        NOW - 6 * HOUR,
        NOW,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.error);
    let events = decode_frame(&answer.frames[0]);
    let window = incident("product_slow_queries")["design_window"].clone();
    let (from_ns, to_ns) = (
        window["start_epoch_s"].as_i64().unwrap() * 1_000_000_000,
        window["end_epoch_s"].as_i64().unwrap() * 1_000_000_000,
    );
    let at = |field: &str, i: usize| events.field(field).values[i].as_i64().unwrap();
    let longest = (0..events.rows())
        .max_by_key(|&i| at("timeEnd", i) - at("time", i))
        .expect("events");
    let (start, end) = (at("time", longest), at("timeEnd", longest));
    assert!(start <= to_ns && end >= from_ns, "{start}..{end}");
    assert_eq!(
        events.field("tags").values[longest],
        "product-service,latency,spike"
    );
    let text = events.field("text").values[longest].as_str().unwrap();
    assert!(
        text.starts_with("product-service spike: peak 4.29"),
        "{text}"
    );

    // TraceQL metrics: error spans per service.
    let answer = grpc(
        &plugin,
        &ctx,
        json!({ "queryType": "annotations", "question": "error spans per service per 5 minutes" }),
        NOW - 6 * HOUR,
        NOW,
    )
    .await;
    let events = decode_frame(&answer.frames[0]);
    let tags: Vec<&str> = events
        .field("tags")
        .values
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        tags.iter()
            .filter(|t| **t == "error,payment-service,spike")
            .count(),
        1,
        "{tags:?}"
    );
}
