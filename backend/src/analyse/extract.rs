//! Trace ids out of log lines, wherever they are: stream labels (Loki merges structured metadata into
//! them in its default encoding), the entry's structured metadata and parsed labels, logfmt and JSON
//! fields of the line (`trace_id`, `traceID`, `traceId`, `trace.id`, nested `{"trace":{"id":…}}`,
//! `otelTraceID`), a W3C `traceparent`, and finally plain text ("trace 4bf9…", a bare 32-hex token).
//!
//! Every id is normalised to 32 lowercase hex characters ([`normalise_trace_id`]): shorter hex ids
//! (64-bit Jaeger ids, or ids whose leading zeros were dropped) are left-padded, UUID-style dashes are
//! removed, base64 of 16 bytes is decoded; anything else (too long, not hex, all zeros) is rejected.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::execute::loki_types::Entry;

/// Where a trace id was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdSource {
    /// A stream label (structured metadata shows up here in Loki's default encoding).
    StreamLabel,
    /// The entry's structured metadata (Loki's `categorize-labels` encoding).
    StructuredMetadata,
    /// The entry's parsed labels (`categorize-labels` encoding after `| logfmt` / `| json`).
    ParsedLabel,
    /// A logfmt or JSON field of the line.
    LineField,
    /// A W3C `traceparent` value (`00-<trace id>-<span id>-<flags>`).
    Traceparent,
    /// Free text: "trace <id>" or a bare 32-hex token.
    Text,
}

/// A trace id found in a log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundTraceId {
    /// 32 lowercase hex characters.
    pub trace_id: String,
    pub source: IdSource,
}

/// Whether a field name names a trace id: `trace_id`, `traceID`, `traceId`, `trace.id`, `trace-id`,
/// `TraceId`, `otelTraceID`, `otel.trace_id` (case, `_`, `-` and `.` ignored).
pub fn is_trace_id_key(key: &str) -> bool {
    let folded: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    matches!(folded.as_str(), "traceid" | "oteltraceid")
}

/// A trace id as 32 lowercase hex characters: hex of 16..=32 digits (left-padded), a UUID-style id with
/// dashes, or base64 of 16 bytes. `None` for anything else, and for the all-zero (invalid) id.
pub fn normalise_trace_id(text: &str) -> Option<String> {
    let text = text.trim().trim_matches(|c| c == '"' || c == '\'');
    let hex: String = if text.len() == 36 && text.matches('-').count() == 4 {
        text.chars().filter(|c| *c != '-').collect()
    } else {
        text.to_string()
    };
    let id = if (16..=32).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("{:0>32}", hex.to_ascii_lowercase())
    } else if text.len() == 24 && text.ends_with("==") {
        let bytes = STANDARD.decode(text).ok().filter(|b| b.len() == 16)?;
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    } else {
        return None;
    };
    (!id.bytes().all(|b| b == b'0')).then_some(id)
}

/// The trace id of one log entry: stream labels, structured metadata, parsed labels, then the line.
pub fn trace_id_in_entry(labels: &BTreeMap<String, String>, entry: &Entry) -> Option<FoundTraceId> {
    let from_map = |map: &BTreeMap<String, String>, source: IdSource| {
        map.iter()
            .filter(|(k, _)| is_trace_id_key(k))
            .find_map(|(_, v)| normalise_trace_id(v))
            .map(|trace_id| FoundTraceId { trace_id, source })
    };
    from_map(labels, IdSource::StreamLabel)
        .or_else(|| from_map(&entry.structured_metadata, IdSource::StructuredMetadata))
        .or_else(|| from_map(&entry.parsed, IdSource::ParsedLabel))
        .or_else(|| {
            let traceparent = |map: &BTreeMap<String, String>| {
                map.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("traceparent"))
                    .and_then(|(_, v)| traceparent_id(v))
            };
            traceparent(labels)
                .or_else(|| traceparent(&entry.structured_metadata))
                .map(|trace_id| FoundTraceId {
                    trace_id,
                    source: IdSource::Traceparent,
                })
        })
        .or_else(|| trace_id_in_line(&entry.line))
}

/// The trace id of a log line: a logfmt or JSON field, a `traceparent`, or plain text.
pub fn trace_id_in_line(line: &str) -> Option<FoundTraceId> {
    let fields = line_fields(line);
    let found = |trace_id, source| FoundTraceId { trace_id, source };
    if let Some(id) = fields
        .iter()
        .filter(|(k, _)| is_trace_id_key(k))
        .find_map(|(_, v)| normalise_trace_id(v))
    {
        return Some(found(id, IdSource::LineField));
    }
    if let Some(id) = fields
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("traceparent"))
        .find_map(|(_, v)| traceparent_id(v))
    {
        return Some(found(id, IdSource::Traceparent));
    }
    text_trace_id(line)
}

/// The trace id of a W3C `traceparent` (`00-4bf92f35…-00f067aa0ba902b7-01`).
fn traceparent_id(value: &str) -> Option<String> {
    let mut parts = value.trim().split('-');
    let (version, trace, span) = (parts.next()?, parts.next()?, parts.next()?);
    let ok = version.len() == 2 && trace.len() == 32 && span.len() == 16;
    ok.then(|| normalise_trace_id(trace)).flatten()
}

/// Trace ids in free text: `trace_id: <id>`, `trace <id>`, `traceparent` values, or a bare token of
/// exactly 32 hex characters with both letters and digits (the shape of a trace id, not of a word or a
/// number).
fn text_trace_id(line: &str) -> Option<FoundTraceId> {
    let tokens: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '[' | ']'))
        .filter(|t| !t.is_empty())
        .collect();
    let trim = |t: &str| -> String {
        t.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .to_string()
    };
    for (i, token) in tokens.iter().enumerate() {
        let lower = token.to_ascii_lowercase();
        // `trace=<id>`, `trace:<id>`, `trace_id:<id>` glued to the key, or the key followed by the id.
        if lower.starts_with("trace") {
            let (key, rest) = match lower.find([':', '=']) {
                Some(p) => (&token[..p], &token[p + 1..]),
                None => (*token, ""),
            };
            let key = key.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            if key.eq_ignore_ascii_case("trace") || is_trace_id_key(key) {
                let candidates = std::iter::once(rest.to_string())
                    .chain(tokens.iter().skip(i + 1).take(2).map(|t| trim(t)));
                for c in candidates {
                    if let Some(id) = normalise_trace_id(&trim(&c)) {
                        return Some(FoundTraceId {
                            trace_id: id,
                            source: IdSource::Text,
                        });
                    }
                }
            }
        }
        if let Some(id) = traceparent_id(&trim(token)) {
            return Some(FoundTraceId {
                trace_id: id,
                source: IdSource::Traceparent,
            });
        }
    }
    tokens.iter().find_map(|t| {
        let t = trim(t);
        let looks_like_id = t.len() == 32
            && t.bytes().all(|b| b.is_ascii_hexdigit())
            && t.bytes().any(|b| b.is_ascii_digit())
            && t.bytes().any(|b| b.is_ascii_alphabetic());
        looks_like_id
            .then(|| normalise_trace_id(&t))
            .flatten()
            .map(|trace_id| FoundTraceId {
                trace_id,
                source: IdSource::Text,
            })
    })
}

/// The fields of a structured line: a JSON object (nested keys joined with `.`, scalars as text) or
/// logfmt pairs (`key=value`, `key="quoted value"`). Empty for unstructured text.
pub(crate) fn line_fields(line: &str) -> Vec<(String, String)> {
    let trimmed = line.trim();
    if trimmed.starts_with('{') {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(trimmed) {
            let mut out = Vec::new();
            flatten_json("", &map, &mut out, 0);
            return out;
        }
        return Vec::new();
    }
    logfmt_pairs(trimmed)
}

fn flatten_json(
    prefix: &str,
    map: &serde_json::Map<String, serde_json::Value>,
    out: &mut Vec<(String, String)>,
    depth: usize,
) {
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            serde_json::Value::Object(inner) if depth < 4 => {
                flatten_json(&key, inner, out, depth + 1)
            }
            serde_json::Value::String(s) => out.push((key, s.clone())),
            serde_json::Value::Null => {}
            other => out.push((key, other.to_string())),
        }
    }
}

/// `key=value` pairs of a logfmt line; bare words are skipped, quoted values unescaped (`\"`, `\\`).
pub(crate) fn logfmt_pairs(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        // The key: up to `=` or whitespace.
        let mut key_end = start;
        let mut has_eq = false;
        while let Some(&(i, c)) = chars.peek() {
            if c == '=' {
                key_end = i;
                has_eq = true;
                chars.next();
                break;
            }
            if c.is_whitespace() {
                key_end = i;
                break;
            }
            key_end = i + c.len_utf8();
            chars.next();
        }
        if !has_eq {
            continue;
        }
        let key = &line[start..key_end];
        let mut value = String::new();
        if matches!(chars.peek(), Some(&(_, '"'))) {
            chars.next();
            let mut escaped = false;
            for (_, c) in chars.by_ref() {
                if escaped {
                    value.push(c);
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    break;
                } else {
                    value.push(c);
                }
            }
        } else {
            while let Some(&(_, c)) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        if !key.is_empty() && !key.contains('"') {
            out.push((key.to_string(), value));
        }
    }
    out
}

/// The service a stream belongs to: `service_name`, then `service.name`/`service`, `app`, `job`,
/// `container` (the labels Loki and common shippers set).
pub fn service_of(labels: &BTreeMap<String, String>) -> Option<(&str, &str)> {
    const KEYS: &[&str] = &[
        "service_name",
        "service.name",
        "service",
        "app",
        "application",
        "job",
        "container",
    ];
    KEYS.iter().find_map(|k| {
        labels
            .get_key_value(*k)
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.as_str(), v.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "dbb464a3cec79642a13a9da294e7eb2a";

    fn entry(line: &str) -> Entry {
        Entry {
            ts_ns: 1,
            line: line.into(),
            structured_metadata: BTreeMap::new(),
            parsed: BTreeMap::new(),
        }
    }

    fn in_line(line: &str) -> Option<(String, IdSource)> {
        trace_id_in_line(line).map(|f| (f.trace_id, f.source))
    }

    #[test]
    fn every_field_name_variant_is_a_trace_id_key() {
        for key in [
            "trace_id",
            "traceID",
            "traceId",
            "trace.id",
            "trace-id",
            "TraceId",
            "TRACE_ID",
            "otelTraceID",
            "otel.trace_id",
        ] {
            assert!(is_trace_id_key(key), "{key}");
            let logfmt = format!("level=error msg=\"x y\" {key}={ID} span_id=1");
            assert_eq!(
                in_line(&logfmt),
                Some((ID.to_string(), IdSource::LineField)),
                "{logfmt}"
            );
            let json = format!(r#"{{"level":"error","{key}":"{ID}"}}"#);
            assert_eq!(
                in_line(&json),
                Some((ID.to_string(), IdSource::LineField)),
                "{json}"
            );
        }
        for key in ["span_id", "trace", "traced", "parent_id", "request_id"] {
            assert!(!is_trace_id_key(key), "{key}");
        }
    }

    #[test]
    fn nested_json_and_traceparent() {
        let nested = format!(r#"{{"msg":"x","trace":{{"id":"{ID}"}}}}"#);
        assert_eq!(in_line(&nested), Some((ID.into(), IdSource::LineField)));
        let tp = format!("msg=hi traceparent=00-{ID}-00f067aa0ba902b7-01");
        assert_eq!(in_line(&tp), Some((ID.into(), IdSource::Traceparent)));
        let text_tp = format!("GET /x with traceparent 00-{ID}-00f067aa0ba902b7-01");
        assert_eq!(in_line(&text_tp), Some((ID.into(), IdSource::Traceparent)));
    }

    #[test]
    fn plain_text_ids() {
        assert_eq!(
            in_line(&format!("request failed (trace {ID}) after 3 retries")),
            Some((ID.into(), IdSource::Text))
        );
        assert_eq!(
            in_line(&format!("failed: trace_id: \"{ID}\"")),
            Some((ID.into(), IdSource::Text))
        );
        assert_eq!(
            in_line(&format!("ERROR [{ID}] payment failed")),
            Some((ID.into(), IdSource::Text))
        );
        assert_eq!(
            in_line("[traceId=6d77959500fa0eb4] done").map(|x| x.0),
            Some("00000000000000006d77959500fa0eb4".into())
        );
        // A 32-digit number and a word are not trace ids; neither is an md5-length run of letters.
        assert_eq!(in_line("count 12345678901234567890123456789012"), None);
        assert_eq!(in_line("no ids here at all"), None);
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in [
            "xyz",
            "",
            "1234",
            "0000000000000000",
            "00000000000000000000000000000000",
            "dbb464a3cec79642a13a9da294e7eb2a00",
            "dbb464a3cec79642a13a9da294e7eb2g",
            "not-a-trace-id",
        ] {
            assert_eq!(normalise_trace_id(bad), None, "{bad}");
            assert_eq!(in_line(&format!("trace_id={bad}")), None, "{bad}");
        }
        assert_eq!(
            normalise_trace_id("5722bc54b5e4a401a5a897790ba1d38").as_deref(),
            Some("05722bc54b5e4a401a5a897790ba1d38")
        );
        assert_eq!(
            normalise_trace_id("DBB464A3-CEC7-9642-A13A-9DA294E7EB2A").as_deref(),
            Some(ID)
        );
        assert_eq!(
            normalise_trace_id("27Rko87HlkKhOp2ilOfrKg==").as_deref(),
            Some(ID)
        );
    }

    #[test]
    fn labels_and_metadata_come_before_the_line() {
        let labels = BTreeMap::from([
            ("service_name".to_string(), "api-gateway".to_string()),
            ("trace_id".to_string(), ID.to_string()),
        ]);
        let e = entry("10.0.0.1 - - \"POST /api/v1/orders HTTP/1.1\" 500 87");
        let found = trace_id_in_entry(&labels, &e).unwrap();
        assert_eq!(found.source, IdSource::StreamLabel);
        let mut e = entry("msg=x trace_id=0af7651916cd43dd8448eb211c80319c");
        e.structured_metadata
            .insert("traceID".into(), "5722bc54b5e4a401a5a897790ba1d38".into());
        let found = trace_id_in_entry(&BTreeMap::new(), &e).unwrap();
        assert_eq!(found.source, IdSource::StructuredMetadata);
        assert_eq!(found.trace_id, "05722bc54b5e4a401a5a897790ba1d38");
        let mut e = entry("no id in the line");
        e.parsed.insert("trace_id".into(), ID.into());
        assert_eq!(
            trace_id_in_entry(&BTreeMap::new(), &e).unwrap().source,
            IdSource::ParsedLabel
        );
        // A malformed label falls through to the line.
        let labels = BTreeMap::from([("trace_id".to_string(), "oops".to_string())]);
        let e = entry(&format!("trace_id={ID}"));
        assert_eq!(
            trace_id_in_entry(&labels, &e).unwrap().source,
            IdSource::LineField
        );
        assert_eq!(trace_id_in_entry(&BTreeMap::new(), &entry("nothing")), None);
    }

    #[test]
    fn logfmt_pairs_handle_quotes_and_bare_words() {
        let pairs = logfmt_pairs(r#"ts=1 msg="a \"b\" c" bare error="x=y" empty= k=v"#);
        assert_eq!(
            pairs,
            vec![
                ("ts".into(), "1".into()),
                ("msg".into(), "a \"b\" c".into()),
                ("error".into(), "x=y".into()),
                ("empty".into(), "".into()),
                ("k".into(), "v".into()),
            ]
        );
        assert!(logfmt_pairs("just some words").is_empty());
        assert!(line_fields("{not json").is_empty());
    }

    #[test]
    fn service_label_preference() {
        let labels = BTreeMap::from([
            ("app".to_string(), "a".to_string()),
            ("service_name".to_string(), "s".to_string()),
        ]);
        assert_eq!(service_of(&labels), Some(("service_name", "s")));
        assert_eq!(service_of(&BTreeMap::new()), None);
    }
}
