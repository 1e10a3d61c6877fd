//! One trace → Grafana's trace frame, with the field names and types of Grafana's own Tempo backend
//! (`pkg/tsdb/tempo/trace_transform.go`): ids in hex, times in milliseconds as float64, resource
//! attributes (`serviceTags`), span attributes (`tags`), events (`logs`) and links (`references`) as
//! JSON columns. Every field is declared first, then each span fills one row.

use serde::Serialize;
use serde_json::Value;

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
    service_tags: Vec<String>,
    start_time: Vec<f64>,
    duration: Vec<f64>,
    logs: Vec<String>,
    references: Vec<String>,
    tags: Vec<String>,
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
            Field::new("serviceTags", Values::JsonText(c.service_tags)),
            Field::new("startTime", Values::F64(c.start_time)),
            Field::new("duration", Values::F64(c.duration)),
            Field::new("logs", Values::JsonText(c.logs)),
            Field::new("references", Values::JsonText(c.references)),
            Field::new("tags", Values::JsonText(c.tags)),
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
    service_tags: &str,
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
    c.service_tags.push(service_tags.to_string());
    c.start_time.push(ms(span.start_time_unix_nano));
    c.duration.push(ms(span
        .end_time_unix_nano
        .saturating_sub(span.start_time_unix_nano)));
    c.logs.push(json_text(
        &span
            .events
            .iter()
            .map(|e| EventJson {
                fields: key_values(&e.attributes),
                name: &e.name,
                timestamp: ms(e.time_unix_nano),
            })
            .collect::<Vec<_>>(),
    ));
    c.references.push(json_text(
        &span
            .links
            .iter()
            .map(|l| LinkJson {
                span_id: hex(&l.span_id),
                tags: key_values(&l.attributes),
                trace_id: hex(&l.trace_id),
            })
            .collect::<Vec<_>>(),
    ));
    let mut tags = key_values(&span.attributes);
    tags.extend(key_values(&scope.attributes));
    c.tags.push(json_text(&tags));
}

// The JSON columns are written straight from the typed trace as text: a `serde_json::Value` tree per
// span (maps, keys, arrays) cost more than everything else in a 2,000-span frame. Fields are declared
// in the order `serde_json::Map` prints them, so the text is what the `json!` trees gave.

/// One attribute, `{"key", "value"}`.
#[derive(Serialize)]
struct KeyValueJson<'a> {
    key: &'a str,
    value: Value,
}

/// One span event, as Grafana's trace view reads `logs`.
#[derive(Serialize)]
struct EventJson<'a> {
    fields: Vec<KeyValueJson<'a>>,
    name: &'a str,
    timestamp: f64,
}

/// One span link, as Grafana's trace view reads `references`.
#[derive(Serialize)]
struct LinkJson<'a> {
    #[serde(rename = "spanID")]
    span_id: String,
    tags: Vec<KeyValueJson<'a>>,
    #[serde(rename = "traceID")]
    trace_id: String,
}

/// JSON text of a list (serialising these types cannot fail; `[]` if it ever did).
fn json_text<T: Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_string())
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1_000_000.0
}

fn key_values(attributes: &[KeyValue]) -> Vec<KeyValueJson<'_>> {
    attributes
        .iter()
        .map(|kv| KeyValueJson {
            key: &kv.key,
            value: kv.value.to_json(),
        })
        .collect()
}

fn resource_to_process(attributes: &[KeyValue]) -> (String, String) {
    let service = attributes
        .iter()
        .find(|kv| kv.key == "service.name")
        .map(|kv| kv.value.to_text())
        .unwrap_or_else(|| NO_SERVICE_NAME.to_string());
    (service, json_text(&key_values(attributes)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The JSON columns are the text a `serde_json::Value` of the same content prints (the form the
    /// frames had when they were built as `json!` trees), links and events included.
    #[test]
    fn json_columns_are_the_text_of_the_same_values() {
        let trace: crate::execute::tempo_types::Trace = serde_json::from_value(json!({
            "resourceSpans": [{
                "resource": { "attributes": [
                    { "key": "service.name", "value": { "stringValue": "api" } },
                    { "key": "host.cpus", "value": { "intValue": "4" } }
                ] },
                "scopeSpans": [{
                    "scope": { "name": "lib", "version": "1" },
                    "spans": [{
                        "traceId": "AAECAwQFBgcICQoLDA0ODw==",
                        "spanId": "AAECAwQFBgc=",
                        "name": "GET /",
                        "startTimeUnixNano": "1000000",
                        "endTimeUnixNano": "3500000",
                        "attributes": [{ "key": "http.status_code", "value": { "intValue": "200" } }],
                        "events": [{ "timeUnixNano": "2000000", "name": "retry",
                            "attributes": [{ "key": "attempt", "value": { "intValue": "2" } }] }],
                        "links": [{ "traceId": "AAECAwQFBgcICQoLDA0ODw==", "spanId": "BwYFBAMCAQA=",
                            "attributes": [{ "key": "why", "value": { "stringValue": "batch \"b\"" } }] }]
                    }]
                }]
            }]
        }))
        .expect("an OTLP trace");
        let frame = build_trace_frame(&FetchedTrace {
            trace_id: "000102030405060708090a0b0c0d0e0f".into(),
            trace,
        });
        let text = |name: &str| {
            let field = frame.fields.iter().find(|f| f.name == name).expect(name);
            assert!(matches!(field.values, Values::JsonText(_)), "{name}");
            field.values.text_at(0).expect("a value")
        };
        let kv = |k: &str, v: Value| json!({ "key": k, "value": v });
        assert_eq!(
            text("serviceTags"),
            json!([kv("service.name", json!("api")), kv("host.cpus", json!(4))]).to_string()
        );
        assert_eq!(
            text("tags"),
            json!([kv("http.status_code", json!(200))]).to_string()
        );
        assert_eq!(
            text("logs"),
            json!([{ "timestamp": 2.0, "fields": [kv("attempt", json!(2))], "name": "retry" }])
                .to_string()
        );
        assert_eq!(
            text("references"),
            json!([{
                "traceID": "000102030405060708090a0b0c0d0e0f",
                "spanID": "0706050403020100",
                "tags": [kv("why", json!("batch \"b\""))],
            }])
            .to_string()
        );
    }
}
