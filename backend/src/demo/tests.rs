//! Tests of the generated data set: determinism, trace trees, log ↔ trace agreement, incidents.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::model::{SpanKind, SpanStatus};
use super::scenario::{DB_POOL_EXHAUSTED, PAYMENT_TIMEOUT, SLOW_QUERIES, to_ns};
use super::*;

fn anchor() -> DateTime<Utc> {
    "2026-11-25T08:38:56Z".parse().expect("valid RFC 3339")
}

fn six_hours(seed: u64) -> Dataset {
    generate(&Scenario::backfill(
        seed,
        anchor(),
        chrono::Duration::hours(6),
    ))
}

/// The trace id of a log line: structured metadata (gateway) or inside the line.
fn trace_id_of(record: &LogRecord) -> Option<String> {
    if let Some((_, v)) = record.metadata.iter().find(|(k, _)| *k == "trace_id") {
        return Some(v.clone());
    }
    field(&record.line, "trace_id")
}

/// A field of a logfmt or JSON line.
fn field(line: &str, key: &str) -> Option<String> {
    if line.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(line).ok()?;
        return value.get(key).map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string())
        });
    }
    let needle = format!("{key}=");
    let at = line.split(' ').position(|tok| tok.starts_with(&needle))?;
    line.split(' ')
        .nth(at)
        .map(|tok| tok[needle.len()..].trim_matches('"').to_owned())
}

fn in_window(ns: u64, incident: &Incident) -> bool {
    let (from, to) = incident.window(anchor());
    ns >= to_ns(from) && ns < to_ns(to)
}

#[test]
fn same_seed_and_now_give_identical_data() {
    let a = six_hours(42);
    let b = six_hours(42);
    assert_eq!(a, b);
    assert_eq!(loki_push_body(&a.logs), loki_push_body(&b.logs));
    let c = six_hours(43);
    assert_ne!(a.summaries[0].trace_id, c.summaries[0].trace_id);
}

#[test]
fn volume_is_close_to_the_recorded_data() {
    // Recorded (seed 42, 6 h): 1,712 lines in 18 streams, 475 traces, 2,896 spans.
    let data = six_hours(42);
    assert_eq!(stream_count(&data.logs), 18);
    assert!(
        (1400..=2100).contains(&data.logs.len()),
        "{} lines",
        data.logs.len()
    );
    assert!(
        (400..=560).contains(&data.traces.len()),
        "{} traces",
        data.traces.len()
    );
    assert!(
        (2400..=3400).contains(&data.span_count()),
        "{} spans",
        data.span_count()
    );
}

#[test]
fn every_trace_is_one_tree_rooted_at_the_gateway() {
    for trace in six_hours(42).traces {
        let ids: HashMap<&str, &Span> = trace.iter().map(|s| (s.span_id.as_str(), s)).collect();
        assert_eq!(ids.len(), trace.len(), "span ids are unique");
        let roots: Vec<&Span> = trace
            .iter()
            .filter(|s| s.parent_span_id.is_none())
            .collect();
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].origin.service, "api-gateway");
        assert_eq!(roots[0].kind, SpanKind::Server);
        for span in &trace {
            assert_eq!(span.trace_id, roots[0].trace_id);
            assert!(
                span.start_ns < span.end_ns,
                "{} has a positive duration",
                span.name
            );
            if let Some(parent) = &span.parent_span_id {
                let p = ids.get(parent.as_str()).expect("parent in the same trace");
                assert!(
                    p.start_ns <= span.start_ns && span.end_ns <= p.end_ns,
                    "{} inside {}",
                    span.name,
                    p.name
                );
            }
        }
    }
}

#[test]
fn every_trace_id_in_the_logs_names_a_generated_span_of_that_service() {
    let data = six_hours(42);
    let spans: HashMap<(&str, &str), &Span> = data
        .traces
        .iter()
        .flatten()
        .map(|s| ((s.trace_id.as_str(), s.span_id.as_str()), s))
        .collect();
    let mut with_ids = 0;
    for record in &data.logs {
        let Some(trace_id) = trace_id_of(record) else {
            continue;
        };
        let span_id = record
            .metadata
            .iter()
            .find(|(k, _)| *k == "span_id")
            .map(|(_, v)| v.clone())
            .or_else(|| field(&record.line, "span_id"))
            .expect("a span id next to every trace id");
        let span = spans
            .get(&(trace_id.as_str(), span_id.as_str()))
            .expect("the log's span exists");
        assert_eq!(
            span.origin.service, record.origin.service,
            "{}",
            record.line
        );
        assert_eq!(
            span.origin.pod, record.origin.pod,
            "log and span come from the same pod"
        );
        with_ids += 1;
    }
    assert!(with_ids > data.logs.len() / 2);
}

#[test]
fn only_gateway_access_lines_carry_ids_as_structured_metadata() {
    for record in six_hours(42).logs {
        let has_metadata = record.metadata.iter().any(|(k, _)| *k == "trace_id");
        if record.origin.service == "api-gateway" {
            assert_eq!(
                has_metadata,
                !record.line.contains("/healthz"),
                "{}",
                record.line
            );
            assert!(!record.line.contains("trace_id"));
        } else {
            assert!(!has_metadata);
        }
    }
}

#[test]
fn the_level_label_agrees_with_the_line() {
    for record in six_hours(42).logs {
        let level = record.level.as_str();
        if record.origin.service == "api-gateway" {
            let status: u16 = record
                .line
                .split('"')
                .nth(2)
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|s| s.parse().ok())
                .expect("status after the request");
            let expected = match status {
                500.. => "error",
                400.. => "warn",
                _ => "info",
            };
            assert_eq!(level, expected, "{}", record.line);
        } else {
            assert_eq!(
                field(&record.line, "level").as_deref(),
                Some(level),
                "{}",
                record.line
            );
        }
    }
}

#[test]
fn payment_incident_matches_the_ground_truth() {
    let data = six_hours(42);
    let errors: Vec<&LogRecord> = data
        .logs
        .iter()
        .filter(|r| {
            r.level == Level::Error
                && in_window(r.ts_ns, &PAYMENT_TIMEOUT)
                && r.origin.service != "user-service"
        })
        .collect();
    for service in ["api-gateway", "order-service", "payment-service"] {
        assert_eq!(
            errors
                .iter()
                .filter(|r| r.origin.service == service)
                .count(),
            45,
            "{service}"
        );
    }
    let ids: HashSet<String> = errors.iter().filter_map(|r| trace_id_of(r)).collect();
    assert_eq!(ids.len(), 45);
    let timeouts: Vec<&Span> = data
        .traces
        .iter()
        .flatten()
        .filter(|s| s.name == "POST /v2/charges" && s.status != SpanStatus::Unset)
        .collect();
    assert_eq!(timeouts.len(), 45);
    for span in timeouts {
        assert_eq!(span.origin.service, "payment-service");
        assert_eq!(
            span.status,
            SpanStatus::Error(
                "context deadline exceeded (Client.Timeout exceeded while awaiting headers)".into()
            )
        );
        assert!(
            (5001.7..=5011.9).contains(&span.duration_ms()),
            "{}",
            span.duration_ms()
        );
        assert_eq!(span.events.len(), 1);
    }
    let warnings = data
        .logs
        .iter()
        .filter(|r| r.line.contains("retrying acmepay charge"))
        .count();
    assert_eq!(warnings, 90);
    let timeout_lines = data
        .logs
        .iter()
        .filter(|r| r.origin.service == "payment-service" && r.line.contains("timeout"))
        .count();
    assert_eq!(
        timeout_lines, 45,
        "only the error lines of payment-service mention `timeout`"
    );
}

#[test]
fn db_pool_incident_matches_the_ground_truth() {
    let data = six_hours(42);
    let errors: Vec<&LogRecord> = data
        .logs
        .iter()
        .filter(|r| r.level == Level::Error && in_window(r.ts_ns, &DB_POOL_EXHAUSTED))
        .collect();
    assert_eq!(
        errors
            .iter()
            .filter(|r| r.origin.service == "api-gateway")
            .count(),
        23
    );
    assert_eq!(
        errors
            .iter()
            .filter(|r| r.line.contains("failed to create order"))
            .count(),
        23
    );
    assert!(
        errors
            .iter()
            .all(|r| r.origin.service == "api-gateway" || r.origin.service == "order-service")
    );
    let failing: Vec<&Span> = data
        .traces
        .iter()
        .flatten()
        .filter(|s| s.name == "INSERT orders" && s.status != SpanStatus::Unset)
        .collect();
    assert_eq!(failing.len(), 23);
    assert!(
        failing
            .iter()
            .all(|s| (3003.9..=3099.2).contains(&s.duration_ms()))
    );
    // Each failed checkout: 2 error spans at the gateway and 2 in order-service, none elsewhere.
    for trace in data.traces.iter().filter(|t| {
        t.iter()
            .any(|s| s.name == "INSERT orders" && s.status != SpanStatus::Unset)
    }) {
        let errors_in = |svc: &str| {
            trace
                .iter()
                .filter(|s| s.origin.service == svc && s.status != SpanStatus::Unset)
                .count()
        };
        assert_eq!(
            (
                errors_in("api-gateway"),
                errors_in("order-service"),
                errors_in("payment-service")
            ),
            (2, 2, 0)
        );
    }
}

#[test]
fn slow_query_incident_has_31_slow_browses_and_no_errors() {
    let data = six_hours(42);
    let slow_in_window = data
        .logs
        .iter()
        .filter(|r| r.line.contains("\"slow query\"") && in_window(r.ts_ns, &SLOW_QUERIES))
        .count();
    assert_eq!(slow_in_window, 31);
    let slow_total = data.summaries.iter().filter(|s| s.slow).count();
    assert!(
        slow_total > 31 && slow_total < 45,
        "a few sporadic slow queries elsewhere: {slow_total}"
    );
    let errors = data
        .logs
        .iter()
        .filter(|r| r.level == Level::Error && in_window(r.ts_ns, &SLOW_QUERIES));
    assert!(
        errors
            .filter(|r| r.origin.service != "user-service")
            .count()
            == 0
    );
}

#[test]
fn rejected_logins_mark_only_the_gateway_client_span_as_error() {
    let data = six_hours(42);
    let rejected: Vec<&Vec<Span>> = data
        .traces
        .iter()
        .filter(|t| t[0].name == "GET /api/v1/users/me")
        .collect();
    assert!(!rejected.is_empty());
    for trace in rejected {
        let errors: Vec<&Span> = trace
            .iter()
            .filter(|s| s.status != SpanStatus::Unset)
            .collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (
                errors[0].origin.service,
                errors[0].kind,
                errors[0].name.as_str()
            ),
            ("api-gateway", SpanKind::Client, "GET /users/me")
        );
    }
}

#[test]
fn staging_traffic_is_logins_in_its_own_namespace() {
    let data = six_hours(42);
    let staging: Vec<&LogRecord> = data
        .logs
        .iter()
        .filter(|r| r.origin.env == Env::Staging)
        .collect();
    assert!(!staging.is_empty());
    assert!(
        staging
            .iter()
            .all(|r| matches!(r.origin.service, "api-gateway" | "user-service"))
    );
    assert!(
        staging
            .iter()
            .all(|r| stream_labels(r)["namespace"] == "shop-staging")
    );
}

#[test]
fn live_windows_continue_without_incidents() {
    let now = anchor();
    let live = generate(&Scenario::live(
        42,
        now,
        now,
        now + chrono::Duration::hours(1),
    ));
    assert!(!live.traces.is_empty());
    assert!(live.summaries.iter().all(|s| !s.error));
    assert!(live.logs.iter().all(|r| r.ts_ns >= to_ns(now)));
    let busier =
        generate(&Scenario::live(42, now, now, now + chrono::Duration::hours(1)).with_traffic(5.0));
    assert!(busier.traces.len() > 3 * live.traces.len());
}

#[test]
fn otlp_body_has_hex_ids_enum_kinds_and_string_times() {
    let data = six_hours(42);
    let body = otlp_body(data.traces.iter().take(5));
    let resource_spans = body["resourceSpans"].as_array().expect("resourceSpans");
    assert!(!resource_spans.is_empty());
    for rs in resource_spans {
        let attrs = rs["resource"]["attributes"].as_array().expect("attributes");
        assert!(attrs.iter().any(|a| a["key"] == "service.name"));
        for span in rs["scopeSpans"][0]["spans"].as_array().expect("spans") {
            assert_eq!(span["traceId"].as_str().map(str::len), Some(32));
            assert_eq!(span["spanId"].as_str().map(str::len), Some(16));
            assert!(matches!(span["kind"].as_i64(), Some(2 | 3)));
            assert!(
                span["startTimeUnixNano"]
                    .as_str()
                    .is_some_and(|t| t.parse::<u64>().is_ok())
            );
        }
    }
}
