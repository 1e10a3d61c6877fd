//! Tempo's JSON answers as typed values (shapes as recorded from Tempo 3.0 in `../shared/fixtures/tempo`).
//!
//! Trace bodies are OTLP/JSON as Tempo writes it: ids are base64 of the raw bytes, `kind` and
//! `status.code` are enum names (numbers are accepted too), 64-bit integers are strings.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::results::{Point, Series};

/// A number Tempo may write as a JSON string (`"1795587881371000000"`) or as a number.
fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().map(|f| f as u64))
            .ok_or_else(|| serde::de::Error::custom(format!("invalid number `{n}`"))),
        Value::String(s) => s
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("invalid number `{s}`"))),
        Value::Null => Ok(0),
        other => Err(serde::de::Error::custom(format!(
            "expected a number, got `{other}`"
        ))),
    }
}

fn lenient_opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    lenient_u64(d).map(Some)
}

/// `/api/search`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SearchResponse {
    #[serde(default)]
    pub traces: Vec<TraceSummary>,
}

/// One search hit. `trace_id` is padded to 32 hex characters by the client (Tempo drops leading zeros).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceSummary {
    #[serde(rename = "traceID")]
    pub trace_id: String,
    #[serde(default)]
    pub root_service_name: Option<String>,
    #[serde(default)]
    pub root_trace_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub start_time_unix_nano: u64,
    /// Absent for traces shorter than a millisecond.
    #[serde(default, deserialize_with = "lenient_opt_u64")]
    pub duration_ms: Option<u64>,
    /// Matching spans (TraceQL span sets).
    #[serde(default)]
    pub span_sets: Vec<SpanSet>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SpanSet {
    #[serde(default)]
    pub spans: Vec<MatchedSpan>,
    #[serde(default)]
    pub matched: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchedSpan {
    #[serde(rename = "spanID", default)]
    pub span_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub start_time_unix_nano: u64,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub duration_nanos: u64,
    #[serde(default)]
    pub attributes: Vec<KeyValue>,
}

/// `/api/v2/traces/{id}`: `{"trace": {"resourceSpans": [...]}}`; `{"trace": {}}` when not found.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TraceByIdV2 {
    #[serde(default)]
    pub trace: Option<Trace>,
}

/// `/api/traces/{id}` (v1): `{"batches": [...]}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TraceByIdV1 {
    #[serde(default)]
    pub batches: Vec<ResourceSpans>,
}

/// An OTLP trace.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trace {
    #[serde(default, alias = "batches")]
    pub resource_spans: Vec<ResourceSpans>,
}

impl Trace {
    pub fn span_count(&self) -> usize {
        self.resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSpans {
    #[serde(default)]
    pub resource: Resource,
    #[serde(default, alias = "instrumentationLibrarySpans")]
    pub scope_spans: Vec<ScopeSpans>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Resource {
    #[serde(default)]
    pub attributes: Vec<KeyValue>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ScopeSpans {
    #[serde(default, alias = "instrumentationLibrary")]
    pub scope: Scope,
    #[serde(default)]
    pub spans: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Scope {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub attributes: Vec<KeyValue>,
}

/// One OTLP span; ids are as Tempo sent them (base64).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    #[serde(default)]
    pub trace_id: String,
    #[serde(default)]
    pub span_id: String,
    #[serde(default)]
    pub parent_span_id: String,
    #[serde(default)]
    pub trace_state: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: Value,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub start_time_unix_nano: u64,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub end_time_unix_nano: u64,
    #[serde(default)]
    pub attributes: Vec<KeyValue>,
    #[serde(default)]
    pub events: Vec<Event>,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub status: Status,
}

impl Span {
    /// Grafana's span kind names (`server`, `client`, ...), empty when unspecified.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            Value::String(s) => match s.as_str() {
                "SPAN_KIND_INTERNAL" => "internal",
                "SPAN_KIND_SERVER" => "server",
                "SPAN_KIND_CLIENT" => "client",
                "SPAN_KIND_PRODUCER" => "producer",
                "SPAN_KIND_CONSUMER" => "consumer",
                _ => "",
            },
            Value::Number(n) => match n.as_u64() {
                Some(1) => "internal",
                Some(2) => "server",
                Some(3) => "client",
                Some(4) => "producer",
                Some(5) => "consumer",
                _ => "",
            },
            _ => "",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub time_unix_nano: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub attributes: Vec<KeyValue>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    #[serde(default)]
    pub trace_id: String,
    #[serde(default)]
    pub span_id: String,
    #[serde(default)]
    pub attributes: Vec<KeyValue>,
}

/// `{}` when unset, `{"code": "STATUS_CODE_ERROR", "message": ...}` otherwise.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Status {
    #[serde(default)]
    pub code: Value,
    #[serde(default)]
    pub message: String,
}

impl Status {
    /// OTLP status code: 0 unset, 1 ok, 2 error.
    pub fn code_number(&self) -> i64 {
        match &self.code {
            Value::String(s) => match s.as_str() {
                "STATUS_CODE_OK" => 1,
                "STATUS_CODE_ERROR" => 2,
                _ => 0,
            },
            Value::Number(n) => n.as_i64().unwrap_or(0),
            _ => 0,
        }
    }
}

/// An OTLP attribute.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct KeyValue {
    pub key: String,
    #[serde(default)]
    pub value: AnyValue,
}

/// An OTLP `AnyValue`; exactly one field is normally set.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnyValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub int_value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub double_value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bool_value: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub array_value: Option<ArrayValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kvlist_value: Option<KvList>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct ArrayValue {
    #[serde(default)]
    pub values: Vec<AnyValue>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct KvList {
    #[serde(default)]
    pub values: Vec<KeyValue>,
}

impl AnyValue {
    /// The value as Grafana's trace view expects it in `tags`: strings, numbers and booleans as
    /// themselves; arrays and maps as JSON text (as Grafana's own Tempo backend does).
    pub fn to_json(&self) -> Value {
        if let Some(s) = &self.string_value {
            return Value::String(s.clone());
        }
        if let Some(i) = &self.int_value {
            return match i {
                Value::String(s) => s
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::String(s.clone())),
                other => other.clone(),
            };
        }
        if let Some(d) = &self.double_value {
            return match d {
                Value::String(s) => s
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(s.clone())),
                other => other.clone(),
            };
        }
        if let Some(b) = self.bool_value {
            return Value::Bool(b);
        }
        if let Some(b) = &self.bytes_value {
            return Value::String(b.clone());
        }
        if let Some(a) = &self.array_value {
            let values: Vec<Value> = a.values.iter().map(AnyValue::to_json).collect();
            return Value::String(Value::Array(values).to_string());
        }
        if let Some(kv) = &self.kvlist_value {
            let map: Map<String, Value> = kv
                .values
                .iter()
                .map(|kv| (kv.key.clone(), kv.value.to_json()))
                .collect();
            return Value::String(Value::Object(map).to_string());
        }
        Value::Null
    }

    /// The value as plain text (for series labels).
    pub fn to_text(&self) -> String {
        match self.to_json() {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }
}

/// `/api/v2/search/tags`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct TagScopes {
    #[serde(default)]
    pub scopes: Vec<TagScope>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct TagScope {
    pub name: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `/api/v2/search/tag/{tag}/values`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagValues {
    #[serde(default)]
    pub tag_values: Vec<TypedValue>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct TypedValue {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub value: String,
}

/// `/api/metrics/query_range` and `/api/metrics/query`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MetricsResponse {
    #[serde(default)]
    pub series: Vec<MetricSeries>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricSeries {
    #[serde(default)]
    pub labels: Vec<KeyValue>,
    #[serde(default)]
    pub samples: Vec<MetricSample>,
    /// Instant queries: one value per series (omitted when 0).
    #[serde(default)]
    pub value: Option<f64>,
}

/// `{"timestampMs": "...", "value": ...}`; Tempo leaves `value` out when it is 0.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricSample {
    #[serde(deserialize_with = "lenient_u64")]
    pub timestamp_ms: u64,
    #[serde(default)]
    pub value: f64,
}

impl MetricSeries {
    fn label_map(&self) -> BTreeMap<String, String> {
        self.labels
            .iter()
            .map(|kv| (kv.key.clone(), kv.value.to_text()))
            .collect()
    }

    /// A range series in the common [`Series`] shape.
    pub fn to_series(&self) -> Series {
        Series {
            labels: self.label_map(),
            points: self
                .samples
                .iter()
                .map(|s| Point {
                    t_ms: s.timestamp_ms as i64,
                    value: s.value,
                })
                .collect(),
        }
    }

    /// An instant series (one point at `t_ms`) in the common [`Series`] shape.
    pub fn to_instant_series(&self, t_ms: i64) -> Series {
        Series {
            labels: self.label_map(),
            points: vec![Point {
                t_ms,
                value: self.value.unwrap_or(0.0),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_value_to_json_follows_grafana() {
        let v: AnyValue = serde_json::from_str(r#"{"intValue":"504"}"#).unwrap();
        assert_eq!(v.to_json(), serde_json::json!(504));
        let v: AnyValue = serde_json::from_str(r#"{"boolValue":true}"#).unwrap();
        assert_eq!(v.to_json(), serde_json::json!(true));
        let v: AnyValue =
            serde_json::from_str(r#"{"arrayValue":{"values":[{"stringValue":"a"}]}}"#).unwrap();
        assert_eq!(v.to_json(), serde_json::json!(r#"["a"]"#));
        assert_eq!(AnyValue::default().to_json(), Value::Null);
    }

    #[test]
    fn omitted_metric_value_is_zero() {
        let s: MetricSample = serde_json::from_str(r#"{"timestampMs":"1795573800000"}"#).unwrap();
        assert_eq!(s.value, 0.0);
        assert_eq!(s.timestamp_ms, 1_795_573_800_000);
    }

    #[test]
    fn span_kind_and_status_accept_names_and_numbers() {
        let s: Span = serde_json::from_str(
            r#"{"kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_ERROR","message":"x"}}"#,
        )
        .unwrap();
        assert_eq!(s.kind_name(), "client");
        assert_eq!(s.status.code_number(), 2);
        let s: Span = serde_json::from_str(r#"{"kind":2,"status":{}}"#).unwrap();
        assert_eq!(s.kind_name(), "server");
        assert_eq!(s.status.code_number(), 0);
    }
}
