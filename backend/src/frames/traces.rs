//! One trace → Grafana's trace frame, with the field names and types of Grafana's own Tempo backend
//! (`pkg/tsdb/tempo/trace_transform.go`): ids in hex, times in milliseconds as float64, resource
//! attributes (`serviceTags`), span attributes (`tags`), events (`logs`) and links (`references`) as
//! JSON columns. Every field is declared first, then each span fills one row.

use serde_json::{Value, json};

use super::{Field, Frame, FrameMeta, Values};
use crate::execute::FetchedTrace;
use crate::execute::tempo_types::{KeyValue, Scope, Span};
use crate::execute::trace_id::base64_id_to_hex;

/// Service name Grafana shows when a resource has none.
const NO_SERVICE_NAME: &str = "OTLPResourceNoServiceName";

#[derive(Default)]
struct Columns {
    trace_id: Vec<String>,
    span_id: Vec<String>,
    parent_span_id: Vec<String>,
    operation_name: Vec<String>,
    service_name: Vec<String>,
    kind: Vec<String>,
    status_code: Vec<i64>,
    status_message: Vec<String>,
    library_name: Vec<String>,
    library_version: Vec<String>,
    trace_state: Vec<String>,
    service_tags: Vec<Value>,
    start_time: Vec<f64>,
    duration: Vec<f64>,
    logs: Vec<Value>,
    references: Vec<Value>,
    tags: Vec<Value>,
}

pub(crate) fn build_trace_frame(fetched: &FetchedTrace) -> Frame {
    let mut c = Columns::default();
    for rs in &fetched.trace.resource_spans {
        let (service, service_tags) = resource_to_process(&rs.resource.attributes);
        for ss in &rs.scope_spans {
            for span in &ss.spans {
                push_span(&mut c, span, &ss.scope, &service, &service_tags, fetched);
            }
        }
    }
    let mut frame = Frame::new(
        "Trace",
        vec![
            Field::new("traceID", Values::Str(c.trace_id)),
            Field::new("spanID", Values::Str(c.span_id)),
            Field::new("parentSpanID", Values::Str(c.parent_span_id)),
            Field::new("operationName", Values::Str(c.operation_name)),
            Field::new("serviceName", Values::Str(c.service_name)),
            Field::new("kind", Values::Str(c.kind)),
            Field::new("statusCode", Values::I64(c.status_code)),
            Field::new("statusMessage", Values::Str(c.status_message)),
            Field::new("instrumentationLibraryName", Values::Str(c.library_name)),
            Field::new(
                "instrumentationLibraryVersion",
                Values::Str(c.library_version),
            ),
            Field::new("traceState", Values::Str(c.trace_state)),
            Field::new("serviceTags", Values::Json(c.service_tags)),
            Field::new("startTime", Values::F64(c.start_time)),
            Field::new("duration", Values::F64(c.duration)),
            Field::new("logs", Values::Json(c.logs)),
            Field::new("references", Values::Json(c.references)),
            Field::new("tags", Values::Json(c.tags)),
        ],
    );
    frame.meta = Some(FrameMeta::visualisation("trace"));
    frame
}

fn push_span(
    c: &mut Columns,
    span: &Span,
    scope: &Scope,
    service: &str,
    service_tags: &Value,
    fetched: &FetchedTrace,
) {
    let hex = |b64: &str| base64_id_to_hex(b64).unwrap_or_else(|| b64.to_string());
    let trace_id = if span.trace_id.is_empty() {
        fetched.trace_id.clone()
    } else {
        hex(&span.trace_id)
    };
    c.trace_id.push(trace_id);
    c.span_id.push(hex(&span.span_id));
    c.parent_span_id.push(hex(&span.parent_span_id));
    c.operation_name.push(span.name.clone());
    c.service_name.push(service.to_string());
    c.kind.push(span.kind_name().to_string());
    c.status_code.push(span.status.code_number());
    c.status_message.push(span.status.message.clone());
    c.library_name.push(scope.name.clone());
    c.library_version.push(scope.version.clone());
    c.trace_state.push(span.trace_state.clone());
    c.service_tags.push(service_tags.clone());
    c.start_time.push(ms(span.start_time_unix_nano));
    c.duration.push(ms(span
        .end_time_unix_nano
        .saturating_sub(span.start_time_unix_nano)));
    c.logs.push(Value::Array(
        span.events
            .iter()
            .map(|e| {
                json!({
                    "timestamp": ms(e.time_unix_nano),
                    "fields": key_values(&e.attributes),
                    "name": e.name,
                })
            })
            .collect(),
    ));
    c.references.push(Value::Array(
        span.links
            .iter()
            .map(|l| {
                json!({
                    "traceID": hex(&l.trace_id),
                    "spanID": hex(&l.span_id),
                    "tags": key_values(&l.attributes),
                })
            })
            .collect(),
    ));
    let mut tags = key_values(&span.attributes);
    tags.extend(key_values(&scope.attributes));
    c.tags.push(Value::Array(tags));
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1_000_000.0
}

fn key_values(attributes: &[KeyValue]) -> Vec<Value> {
    attributes
        .iter()
        .map(|kv| json!({"key": kv.key, "value": kv.value.to_json()}))
        .collect()
}

fn resource_to_process(attributes: &[KeyValue]) -> (String, Value) {
    let service = attributes
        .iter()
        .find(|kv| kv.key == "service.name")
        .map(|kv| kv.value.to_text())
        .unwrap_or_else(|| NO_SERVICE_NAME.to_string());
    (service, Value::Array(key_values(attributes)))
}
