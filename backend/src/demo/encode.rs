//! Wire formats: the Loki push API's JSON body and OTLP/HTTP JSON (`ExportTraceServiceRequest`).
//!
//! Loki 3 accepts structured metadata as a third element of each value (`[ts, line, {k: v}]`); OTLP JSON
//! wants hex ids, enum numbers for kinds and status codes, and 64-bit integers as decimal strings.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::model::{Attr, AttrValue, LogRecord, Origin, Span, SpanStatus};
use super::shop;

/// The stream labels of a log record: the same six labels the recorded data has.
pub fn stream_labels(record: &LogRecord) -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        ("app", record.origin.service),
        ("cluster", shop::CLUSTER),
        ("env", record.origin.env.as_str()),
        ("level", record.level.as_str()),
        ("namespace", record.origin.env.namespace()),
        ("service_name", record.origin.service),
    ])
}

/// `POST /loki/api/v1/push` body for these records (one stream per label set, entries in time order).
pub fn loki_push_body(records: &[LogRecord]) -> Value {
    let mut streams: BTreeMap<BTreeMap<&str, &str>, Vec<&LogRecord>> = BTreeMap::new();
    for record in records {
        streams
            .entry(stream_labels(record))
            .or_default()
            .push(record);
    }
    let streams: Vec<Value> = streams
        .into_iter()
        .map(|(labels, mut entries)| {
            entries.sort_by_key(|r| r.ts_ns);
            let values: Vec<Value> = entries
                .into_iter()
                .map(|r| {
                    let mut metadata = serde_json::Map::new();
                    metadata.insert("pod".to_owned(), Value::from(r.origin.pod));
                    for (key, value) in &r.metadata {
                        metadata.insert((*key).to_owned(), Value::from(value.as_str()));
                    }
                    json!([r.ts_ns.to_string(), r.line, metadata])
                })
                .collect();
            json!({ "stream": labels, "values": values })
        })
        .collect();
    json!({ "streams": streams })
}

/// How many streams the records fall into.
pub fn stream_count(records: &[LogRecord]) -> usize {
    records
        .iter()
        .map(stream_labels)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

fn attr_json(attr: &Attr) -> Value {
    let value = match &attr.value {
        AttrValue::Str(s) => json!({ "stringValue": s }),
        AttrValue::Int(i) => json!({ "intValue": i.to_string() }),
        AttrValue::Double(d) => json!({ "doubleValue": d }),
    };
    json!({ "key": attr.key, "value": value })
}

/// Resource attributes of a service's process.
pub fn resource_attrs(origin: &Origin) -> Vec<Attr> {
    vec![
        Attr::str("service.name", origin.service),
        Attr::str("service.namespace", shop::SERVICE_NAMESPACE),
        Attr::str("service.version", shop::version(origin.service)),
        Attr::str("deployment.environment", origin.env.as_str()),
        Attr::str("deployment.environment.name", origin.env.as_str()),
        Attr::str("telemetry.sdk.language", "go"),
        Attr::str("telemetry.sdk.name", "opentelemetry"),
        Attr::str("k8s.cluster.name", shop::CLUSTER),
        Attr::str("k8s.namespace.name", origin.env.namespace()),
        Attr::str("k8s.pod.name", origin.pod),
    ]
}

fn span_json(span: &Span) -> Value {
    let mut out = json!({
        "traceId": span.trace_id,
        "spanId": span.span_id,
        "name": span.name,
        "kind": span.kind as i32,
        "startTimeUnixNano": span.start_ns.to_string(),
        "endTimeUnixNano": span.end_ns.to_string(),
        "attributes": span.attributes.iter().map(attr_json).collect::<Vec<_>>(),
        "status": match &span.status {
            SpanStatus::Unset => json!({}),
            SpanStatus::Error(message) => json!({ "code": 2, "message": message }),
        },
    });
    if let Some(parent) = &span.parent_span_id {
        out["parentSpanId"] = Value::from(parent.as_str());
    }
    if !span.events.is_empty() {
        out["events"] = span
            .events
            .iter()
            .map(|e| {
                json!({
                    "timeUnixNano": e.time_ns.to_string(),
                    "name": e.name,
                    "attributes": e.attributes.iter().map(attr_json).collect::<Vec<_>>(),
                })
            })
            .collect();
    }
    out
}

/// `POST /v1/traces` body (OTLP/HTTP JSON) for these traces, one `resourceSpans` per process.
pub fn otlp_body<'a>(traces: impl IntoIterator<Item = &'a Vec<Span>>) -> Value {
    let mut by_origin: BTreeMap<&Origin, Vec<&Span>> = BTreeMap::new();
    for span in traces.into_iter().flatten() {
        by_origin.entry(&span.origin).or_default().push(span);
    }
    let resource_spans: Vec<Value> = by_origin
        .into_iter()
        .map(|(origin, spans)| {
            json!({
                "resource": { "attributes": resource_attrs(origin).iter().map(attr_json).collect::<Vec<_>>() },
                "scopeSpans": [{
                    "scope": { "name": shop::SCOPE_NAME, "version": shop::SCOPE_VERSION },
                    "spans": spans.into_iter().map(span_json).collect::<Vec<_>>(),
                }],
            })
        })
        .collect();
    json!({ "resourceSpans": resource_spans })
}
