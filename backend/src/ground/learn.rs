//! Building a [`Schema`] from what Loki and Tempo answer: label names and values, `detected_fields`,
//! Tempo tags by scope and tag values — and, where an API is missing (Loki before 3.3) or a service was
//! not covered, from sample lines (logfmt and JSON detection of our own, a few dozen lines of code).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::schema::{FieldKind, FieldSource, LogField, Schema};

/// Tempo attributes whose values are not names anyone asks by (ids, URLs, addresses, versions, amounts,
/// free text) or that the translator reads another way (service, span name, status code, method).
pub const UNNAMED_TEMPO_ATTRIBUTES: &[&str] = &[
    "service.name",
    "url.full",
    "url.query",
    "url.path",
    "url.scheme",
    "user_agent.original",
    "client.address",
    "network.protocol.version",
    "network.peer.address",
    "server.port",
    "telemetry.sdk.language",
    "telemetry.sdk.name",
    "telemetry.sdk.version",
    "service.version",
    "service.instance.id",
    "k8s.pod.name",
    "http.request.method",
    "http.method",
    "http.status_code",
    "http.response.status_code",
    "http.route",
    "db.statement",
    "db.query.text",
    "enduser.id",
    "exception.message",
    "exception.stacktrace",
    "app.order.id",
    "app.payment.amount",
    "deployment.environment",
    "deployment.environment.name",
];
/// Values kept per Tempo attribute; more means ids, not names.
pub const MAX_TEMPO_VALUES: usize = 100;

/// Labels that name services, best first.
pub const SERVICE_LABELS: [&str; 5] = ["service_name", "service", "app", "application", "job"];
/// Labels that carry the level, best first.
const LEVEL_LABELS: [&str; 5] = ["level", "severity", "lvl", "log_level", "detected_level"];
/// Label values kept per label; higher-cardinality labels (pods, ids) keep none.
pub const MAX_LABEL_VALUES: usize = 200;
/// Fields that Loki adds itself and that questions never name.
const IGNORED_FIELDS: [&str; 2] = ["level_extracted", "detected_level"];

/// `{"status":"success","data":[...]}` → the strings (labels, label values).
pub fn loki_strings(body: &Value) -> Vec<String> {
    body.get("data")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub fn field_kind(text: &str) -> FieldKind {
    match text {
        "int" => FieldKind::Int,
        "float" => FieldKind::Float,
        "duration" => FieldKind::Duration,
        "bytes" => FieldKind::Bytes,
        "boolean" | "bool" => FieldKind::Boolean,
        _ => FieldKind::String,
    }
}

/// Loki's `detected_fields` answer → fields with their parser (structured metadata has none).
pub fn detected_fields(body: &Value) -> Vec<LogField> {
    let Some(fields) = body.get("fields").and_then(Value::as_array) else {
        return Vec::new();
    };
    fields
        .iter()
        .filter_map(|f| {
            let name = f.get("label")?.as_str()?.to_string();
            let kind = field_kind(f.get("type").and_then(Value::as_str).unwrap_or("string"));
            let parsers: Vec<&str> = f
                .get("parsers")
                .and_then(Value::as_array)
                .map(|p| p.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let source = if parsers.contains(&"logfmt") {
                FieldSource::Logfmt
            } else if parsers.contains(&"json") {
                FieldSource::Json
            } else {
                FieldSource::Metadata
            };
            Some(LogField { name, kind, source })
        })
        .collect()
}

/// Tempo `/api/v2/search/tags` → scope → tag names.
pub fn tempo_tags_v2(body: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for scope in body
        .get("scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = scope.get("name").and_then(Value::as_str) else {
            continue;
        };
        let tags: Vec<String> = scope
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        out.insert(name.to_string(), tags);
    }
    out
}

/// Tempo `/api/v2/search/tag/<tag>/values` → the values as text.
pub fn tempo_tag_values_v2(body: &Value) -> Vec<String> {
    let mut values: Vec<String> = body
        .get("tagValues")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.get("value").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    values.sort();
    values.dedup();
    values
}

fn kind_of_text(value: &str) -> FieldKind {
    if value.parse::<i64>().is_ok() {
        FieldKind::Int
    } else if value.parse::<f64>().is_ok() {
        FieldKind::Float
    } else if value == "true" || value == "false" {
        FieldKind::Boolean
    } else if crate::plan::QueryDuration::parse(value).is_some()
        && value.chars().any(char::is_alphabetic)
    {
        FieldKind::Duration
    } else {
        FieldKind::String
    }
}

/// logfmt pairs of a line (`key=value`, `key="quoted value"`), leniently as Loki's parser reads them.
pub fn logfmt_pairs(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && bytes[i] != b' ' {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' || i == key_start {
            while i < bytes.len() && bytes[i] != b' ' {
                i += 1;
            }
            continue;
        }
        let key = &line[key_start..i];
        i += 1;
        let value = if i < bytes.len() && bytes[i] == b'"' {
            i += 1;
            let start = i;
            while i < bytes.len() && !(bytes[i] == b'"' && bytes[i - 1] != b'\\') {
                i += 1;
            }
            let v = &line[start..i.min(line.len())];
            i += 1;
            v
        } else {
            let start = i;
            while i < bytes.len() && bytes[i] != b' ' {
                i += 1;
            }
            &line[start..i]
        };
        let valid_key = key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-');
        if valid_key {
            out.push((key.replace(['.', '-'], "_"), value.to_string()));
        }
    }
    out
}

/// Fields a line carries and how they are read: JSON when the line is an object, else logfmt pairs.
pub fn detect_line_fields(line: &str) -> Vec<LogField> {
    let trimmed = line.trim();
    if trimmed.starts_with('{')
        && let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed)
    {
        let mut out = Vec::new();
        flatten_json("", &Value::Object(map), &mut out);
        return out;
    }
    logfmt_pairs(trimmed)
        .into_iter()
        .map(|(name, value)| LogField {
            kind: kind_of_text(&value),
            name,
            source: FieldSource::Logfmt,
        })
        .collect()
}

/// Loki's json parser names nested keys `parent_child`.
fn flatten_json(prefix: &str, value: &Value, out: &mut Vec<LogField>) {
    if let Value::Object(map) = value {
        for (k, v) in map {
            let name = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}_{k}")
            };
            let name: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            match v {
                Value::Object(_) => flatten_json(&name, v, out),
                Value::Number(n) => out.push(LogField {
                    name,
                    kind: if n.is_i64() || n.is_u64() {
                        FieldKind::Int
                    } else {
                        FieldKind::Float
                    },
                    source: FieldSource::Json,
                }),
                Value::Bool(_) => out.push(LogField {
                    name,
                    kind: FieldKind::Boolean,
                    source: FieldSource::Json,
                }),
                Value::String(s) => out.push(LogField {
                    name,
                    kind: kind_of_text(s),
                    source: FieldSource::Json,
                }),
                _ => out.push(LogField {
                    name,
                    kind: FieldKind::String,
                    source: FieldSource::Json,
                }),
            }
        }
    }
}

/// Collects what discovery finds and turns it into a [`Schema`].
#[derive(Debug, Default)]
pub struct SchemaBuilder {
    labels: BTreeMap<String, BTreeSet<String>>,
    fields: BTreeMap<String, BTreeMap<String, LogField>>,
    tempo_services: BTreeSet<String>,
    tempo_tags: BTreeMap<String, BTreeSet<String>>,
    tempo_values: BTreeMap<String, BTreeSet<String>>,
}

impl SchemaBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn label_names(&mut self, names: impl IntoIterator<Item = String>) {
        for n in names {
            self.labels.entry(n).or_default();
        }
    }

    pub fn label_values(&mut self, label: &str, values: impl IntoIterator<Item = String>) {
        self.labels
            .entry(label.to_string())
            .or_default()
            .extend(values);
    }

    /// Fields of a service from `detected_fields` (authoritative: replaces sampled kinds).
    pub fn service_fields(&mut self, service: &str, fields: impl IntoIterator<Item = LogField>) {
        let entry = self.fields.entry(service.to_string()).or_default();
        for f in fields {
            if IGNORED_FIELDS.contains(&f.name.as_str()) {
                continue;
            }
            entry.insert(f.name.clone(), f);
        }
    }

    /// Learns from one stream of a log query: indexed label values, structured metadata (labels that are
    /// not indexed; only when the query had no parser) and fields detected in the lines.
    pub fn stream(
        &mut self,
        labels: &BTreeMap<String, String>,
        lines: &[&str],
        parsed_query: bool,
    ) {
        let service = SERVICE_LABELS.iter().find_map(|l| labels.get(*l)).cloned();
        for (k, v) in labels {
            if let Some(values) = self.labels.get_mut(k) {
                values.insert(v.clone());
            } else if !parsed_query && let Some(s) = &service {
                let entry = self.fields.entry(s.clone()).or_default();
                if !IGNORED_FIELDS.contains(&k.as_str()) {
                    entry.entry(k.clone()).or_insert(LogField {
                        name: k.clone(),
                        kind: kind_of_text(v),
                        source: FieldSource::Metadata,
                    });
                }
            }
        }
        if let Some(s) = service {
            let entry = self.fields.entry(s).or_default();
            for line in lines {
                for f in detect_line_fields(line) {
                    if !IGNORED_FIELDS.contains(&f.name.as_str()) && f.name != "level" {
                        entry.entry(f.name.clone()).or_insert(f);
                    }
                }
            }
        }
    }

    pub fn tempo_services(&mut self, services: impl IntoIterator<Item = String>) {
        self.tempo_services.extend(services);
    }

    pub fn tempo_tags(&mut self, tags: BTreeMap<String, Vec<String>>) {
        for (scope, names) in tags {
            self.tempo_tags.entry(scope).or_default().extend(names);
        }
    }

    /// Values of one TraceQL attribute (`name`, `span.http.route`, ...).
    pub fn tempo_values(&mut self, attribute: &str, values: impl IntoIterator<Item = String>) {
        self.tempo_values
            .entry(attribute.to_string())
            .or_default()
            .extend(values);
    }

    pub fn finish(self) -> Schema {
        let mut schema = Schema::default();
        // (filled in below; the lookup index is built on first use, after this)
        for (label, values) in self.labels {
            let values: Vec<String> = if values.len() > MAX_LABEL_VALUES {
                Vec::new()
            } else {
                values.into_iter().collect()
            };
            schema.loki.labels.insert(label, values);
        }
        schema.loki.service_label = SERVICE_LABELS
            .iter()
            .find(|l| schema.loki.labels.contains_key(**l))
            .map(|l| l.to_string());
        schema.loki.level_label = LEVEL_LABELS
            .iter()
            .find(|l| schema.loki.labels.contains_key(**l))
            .map(|l| l.to_string());
        for (service, fields) in self.fields {
            let mut list: Vec<LogField> = fields.into_values().collect();
            list.sort_by(|a, b| a.name.cmp(&b.name));
            schema.loki.fields.insert(service, list);
        }
        schema.tempo.services = self.tempo_services.into_iter().collect();
        schema.tempo.tags = self
            .tempo_tags
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().collect()))
            .collect();
        // Attributes with many values hold ids, not names: keep none of them (span names are names).
        schema.tempo.values = self
            .tempo_values
            .into_iter()
            .filter(|(k, v)| k == "name" || v.len() <= MAX_TEMPO_VALUES)
            .map(|(k, v)| (k, v.into_iter().collect()))
            .collect();
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_logfmt_lines() {
        let f = detect_line_fields(
            r#"ts=2026-11-25T06:24:46.417Z level=error msg="checkout failed" status=500 duration_ms=5043"#,
        );
        let names: Vec<(&str, FieldKind, FieldSource)> = f
            .iter()
            .map(|f| (f.name.as_str(), f.kind, f.source))
            .collect();
        assert!(names.contains(&("status", FieldKind::Int, FieldSource::Logfmt)));
        assert!(names.contains(&("msg", FieldKind::String, FieldSource::Logfmt)));
        assert!(names.contains(&("duration_ms", FieldKind::Int, FieldSource::Logfmt)));
    }

    #[test]
    fn reads_json_lines_with_nested_keys() {
        let f = detect_line_fields(
            r#"{"level":"warn","duration_ms":2954,"http":{"status":500},"ok":true}"#,
        );
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["duration_ms", "http_status", "level", "ok"]);
        assert!(f.iter().all(|f| f.source == FieldSource::Json));
    }

    #[test]
    fn access_log_tail_is_logfmt() {
        let f = detect_line_fields(
            r#"10.42.5.164 - - [25/Nov/2026:06:35:42 +0000] "POST /api/v1/orders HTTP/1.1" 500 87 "-" "UA" rt=5.035 upstream=order-service"#,
        );
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["rt", "upstream"]);
    }

    #[test]
    fn reads_detected_fields() {
        let body: Value = serde_json::from_str(r#"{"fields":[{"label":"status","type":"int","cardinality":2,"parsers":["logfmt"]},{"label":"pod","type":"string","cardinality":2,"parsers":null}]}"#).unwrap();
        let f = detected_fields(&body);
        assert_eq!(
            f[0],
            LogField {
                name: "status".into(),
                kind: FieldKind::Int,
                source: FieldSource::Logfmt
            }
        );
        assert_eq!(f[1].source, FieldSource::Metadata);
    }
}
