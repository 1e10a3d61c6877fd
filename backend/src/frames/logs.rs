//! Log streams → one frame per stream: `timestamp`, `body` (stream labels as field labels, no config),
//! `level`, `id`, `tsNs` and, when a line carries one, `traceID` with a link to the trace.
//!
//! Grafana's logs view takes the first time field as the time, the first string field as the body,
//! and `tsNs`, `level` and `id` by name (`public/app/features/logs/legacyLogsFrame.ts`).

use std::collections::{BTreeMap, HashMap};

use super::{Field, FieldConfig, Frame, FrameContext, FrameMeta, Values};
use crate::execute::loki_types::{Entry, Stream};
use crate::execute::trace_id::pad_trace_id;

/// Label / structured-metadata / parsed keys that hold a trace id.
const TRACE_ID_KEYS: &[&str] = &["trace_id", "traceID", "traceId", "traceid", "trace-id"];
/// Keys that hold a log level, in order of preference.
const LEVEL_KEYS: &[&str] = &["level", "detected_level", "severity", "lvl"];

pub(crate) fn build_log_frames(streams: &[Stream], ctx: &FrameContext) -> Vec<Frame> {
    let mut seen_ids: HashMap<String, u32> = HashMap::new();
    let mut frames: Vec<Frame> = streams
        .iter()
        .map(|s| build_stream_frame(s, ctx, &mut seen_ids))
        .collect();
    if frames.is_empty() {
        frames.push(build_stream_frame(
            &Stream {
                labels: BTreeMap::new(),
                entries: Vec::new(),
            },
            ctx,
            &mut seen_ids,
        ));
    }
    frames
}

fn build_stream_frame(
    stream: &Stream,
    ctx: &FrameContext,
    seen_ids: &mut HashMap<String, u32>,
) -> Frame {
    let n = stream.entries.len();
    let label_text = label_string(&stream.labels);
    let mut times = Vec::with_capacity(n);
    let mut bodies = Vec::with_capacity(n);
    let mut ts_ns = Vec::with_capacity(n);
    let mut ids = Vec::with_capacity(n);
    let mut levels = Vec::with_capacity(n);
    let mut trace_ids = Vec::with_capacity(n);
    for entry in &stream.entries {
        times.push(entry.ts_ns);
        bodies.push(entry.line.clone());
        ts_ns.push(entry.ts_ns.to_string());
        ids.push(unique_id(entry, &label_text, seen_ids));
        levels.push(lookup(&stream.labels, entry, LEVEL_KEYS));
        trace_ids.push(trace_id_of(&stream.labels, entry));
    }
    let mut fields = vec![
        Field::new("timestamp", Values::Time(times)),
        // Labels and no config: a field with both loses its labels in some encoders (SDK 0.5).
        Field::new("body", Values::Str(bodies)).with_labels(stream.labels.clone()),
    ];
    if levels.iter().any(Option::is_some) {
        fields.push(Field::new("level", Values::OptStr(levels)));
    }
    fields.push(Field::new("id", Values::Str(ids)));
    fields.push(Field::new("tsNs", Values::Str(ts_ns)));
    if trace_ids.iter().any(Option::is_some) {
        let mut field = Field::new("traceID", Values::OptStr(trace_ids));
        if let Some(link) = ctx.trace_link() {
            field = field.with_config(FieldConfig {
                links: vec![link],
                ..FieldConfig::default()
            });
        }
        fields.push(field);
    }
    let mut frame = Frame::new(label_text, fields);
    frame.meta = Some(FrameMeta::visualisation("logs"));
    frame
}

/// The trace id of a log line: from its labels or metadata, else found in the line (32 hex).
pub fn trace_id_of(labels: &BTreeMap<String, String>, entry: &Entry) -> Option<String> {
    lookup(labels, entry, TRACE_ID_KEYS)
        .and_then(|t| pad_trace_id(&t))
        .or_else(|| trace_id_in_line(&entry.line))
}

/// A value from the stream labels, then the entry's structured metadata, then its parsed labels.
fn lookup(labels: &BTreeMap<String, String>, entry: &Entry, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        labels
            .get(*k)
            .or_else(|| entry.structured_metadata.get(*k))
            .or_else(|| entry.parsed.get(*k))
            .filter(|v| !v.is_empty())
            .cloned()
    })
}

/// `{a="1", b="2"}`, the way Loki prints a label set.
pub(crate) fn label_string(labels: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::plan::escape::quote(v)))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

/// `<tsNs>_<hash of labels and line>`, with a counter for exact duplicates, like Grafana's Loki ids.
fn unique_id(entry: &Entry, labels: &str, seen: &mut HashMap<String, u32>) -> String {
    let mut hash = Fnv64::new();
    hash.write(labels.as_bytes());
    hash.write(&[0]);
    hash.write(entry.line.as_bytes());
    let base = format!("{}_{:016x}", entry.ts_ns, hash.finish());
    let count = seen.entry(base.clone()).or_insert(0);
    *count += 1;
    if *count == 1 {
        base
    } else {
        format!("{base}_{count}")
    }
}

/// FNV-1a: stable across Rust versions and platforms (ids must not change between runs).
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Finds `trace_id=<hex>` (logfmt), `"trace_id":"<hex>"` (JSON) and similar in a log line.
pub(crate) fn trace_id_in_line(line: &str) -> Option<String> {
    for key in TRACE_ID_KEYS {
        let mut from = 0;
        while let Some(pos) = line[from..].find(key) {
            let after = &line[from + pos + key.len()..];
            let rest = after.trim_start_matches('"').trim_start();
            if let Some(value) = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':')) {
                let value = value.trim_start().trim_start_matches('"');
                let hex: String = value.chars().take_while(char::is_ascii_hexdigit).collect();
                if (16..=32).contains(&hex.len()) {
                    return pad_trace_id(&hex);
                }
            }
            from += pos + key.len();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_trace_ids_in_logfmt_and_json_lines() {
        assert_eq!(
            trace_id_in_line(
                "level=error msg=x trace_id=dbb464a3cec79642a13a9da294e7eb2a span_id=1"
            )
            .as_deref(),
            Some("dbb464a3cec79642a13a9da294e7eb2a")
        );
        assert_eq!(
            trace_id_in_line(r#"{"msg":"slow","trace_id": "6d77959500fa0eb45c5f48d40df407b8"}"#)
                .as_deref(),
            Some("6d77959500fa0eb45c5f48d40df407b8")
        );
        assert_eq!(trace_id_in_line("trace_id=xyz"), None);
        assert_eq!(trace_id_in_line("no ids here"), None);
    }

    #[test]
    fn duplicate_lines_get_distinct_ids() {
        let entry = Entry {
            ts_ns: 5,
            line: "same".into(),
            structured_metadata: BTreeMap::new(),
            parsed: BTreeMap::new(),
        };
        let mut seen = HashMap::new();
        let a = unique_id(&entry, "{}", &mut seen);
        let b = unique_id(&entry, "{}", &mut seen);
        assert_ne!(a, b);
        assert!(a.starts_with("5_"));
        let mut fresh = HashMap::new();
        assert_eq!(unique_id(&entry, "{}", &mut fresh), a, "ids are stable");
    }

    #[test]
    fn label_string_escapes_values() {
        let labels = BTreeMap::from([("a".to_string(), "x\"y".to_string())]);
        assert_eq!(label_string(&labels), r#"{a="x\"y"}"#);
    }
}
