//! Log streams → one frame per stream: `timestamp`, `body` (stream labels as field labels, no config),
//! `level`, `id`, `tsNs` and, when a line carries one, `traceID` with a link to the trace.
//!
//! Grafana's logs view takes the first time field as the time, the first string field as the body,
//! and `tsNs`, `level` and `id` by name (`public/app/features/logs/legacyLogsFrame.ts`).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use super::{Field, FieldConfig, Frame, FrameContext, FrameError, FrameMeta, Values};
use crate::execute::log_batch::{EntryMeta, LogBatch, StrColumn, StreamColumns};
use crate::execute::loki_types::Stream;

/// Label / structured-metadata / parsed keys that hold a trace id.
const TRACE_ID_KEYS: &[&str] = &["trace_id", "traceID", "traceId", "traceid", "trace-id"];
/// Keys that hold a log level, in order of preference.
const LEVEL_KEYS: &[&str] = &["level", "detected_level", "severity", "lvl"];

/// Frames of typed streams (answers decoded the typed way): the same builder as the columnar path.
pub(crate) fn build_log_frames(streams: &[Stream], ctx: &FrameContext) -> Vec<Frame> {
    let mut frames = Vec::new();
    let result: Result<(), FrameError> =
        for_each_stream_frame(LogBatch::from_streams(streams), ctx, |frame| {
            frames.push(frame);
            Ok(())
        });
    debug_assert!(result.is_ok());
    frames
}

/// Builds each stream's frame, hands it to `encode` and drops the stream's columns: the frames of an
/// answer never all sit in memory next to their encoded bytes.
pub(crate) fn encode_log_frames<T>(
    batch: LogBatch,
    ctx: &FrameContext,
    mut encode: impl FnMut(Frame) -> Result<T, FrameError>,
) -> Result<Vec<T>, FrameError> {
    let mut out = Vec::with_capacity(batch.streams.len().max(1));
    for_each_stream_frame(batch, ctx, |frame| {
        out.push(encode(frame)?);
        Ok(())
    })?;
    Ok(out)
}

fn for_each_stream_frame(
    batch: LogBatch,
    ctx: &FrameContext,
    mut each: impl FnMut(Frame) -> Result<(), FrameError>,
) -> Result<(), FrameError> {
    if batch.streams.is_empty() {
        return each(build_stream_frame(StreamColumns::default(), ctx));
    }
    for stream in batch.streams {
        each(build_stream_frame(stream, ctx))?;
    }
    Ok(())
}

/// One stream's frame. The `body` column is the stream's own line column, moved; the others are
/// written into one buffer each.
fn build_stream_frame(stream: StreamColumns, ctx: &FrameContext) -> Frame {
    let StreamColumns {
        labels,
        ts,
        lines,
        meta,
    } = stream;
    let n = ts.len();
    let label_text = label_string(&labels);
    let seed = xxhash_rust::xxh3::xxh3_64(label_text.as_bytes());
    let label_level = lookup(&labels, None, LEVEL_KEYS);
    let label_trace = lookup(&labels, None, TRACE_ID_KEYS);
    let mut ts_ns = StrColumn::with_capacity(n, n * 19);
    let mut ids = StrColumn::with_capacity(n, n * 36);
    let mut levels = StrColumn::with_capacity(n, if label_level.is_some() { n * 5 } else { 0 });
    let mut trace_ids = StrColumn::with_capacity(n, n * 32);
    let mut any_level = false;
    let mut any_trace = false;
    let mut dedup = Dedup::new(&ts);
    let mut meta_rows = meta.iter().peekable();
    for (row, &t) in ts.iter().enumerate() {
        let line = lines.bytes_of(row);
        let entry_meta = match meta_rows.peek() {
            Some((r, m)) if *r as usize == row => {
                meta_rows.next();
                Some(m)
            }
            _ => None,
        };
        // tsNs and id: `<tsNs>_<16 hex of xxh3(labels, line)>`, `_<n>` for exact duplicates.
        let buf = ts_ns.bytes_mut();
        let start = buf.len();
        write_i64(buf, t);
        let digits = start..buf.len();
        ts_ns.end_row();
        let hash = xxhash_rust::xxh3::xxh3_64_with_seed(line, seed);
        let id = ids.bytes_mut();
        let ts_text = &ts_ns.bytes_mut()[digits];
        id.extend_from_slice(ts_text);
        id.push(b'_');
        write_hex16(id, hash);
        let count = dedup.count(row, t, hash);
        if count > 1 {
            id.push(b'_');
            write_i64(id, i64::from(count));
        }
        ids.end_row();
        let level = match entry_meta {
            None => label_level,
            Some(m) => lookup(&labels, Some(m), LEVEL_KEYS),
        };
        any_level |= level.is_some();
        levels.push_opt(level);
        let from_fields = match entry_meta {
            None => label_trace,
            Some(m) => lookup(&labels, Some(m), TRACE_ID_KEYS),
        };
        let found = from_fields.is_some_and(|t| push_padded(&mut trace_ids, t))
            || trace_id_in_line(line).is_some_and(|t| push_padded(&mut trace_ids, t));
        if !found {
            trace_ids.push_null();
        }
        any_trace |= found;
    }
    let mut fields = vec![
        Field::new("timestamp", Values::Time(ts)),
        // Labels and no config: a field with both loses its labels in some encoders (SDK 0.5).
        Field::new("body", Values::Utf8(lines)).with_labels(labels),
    ];
    if any_level {
        fields.push(Field::new("level", Values::OptUtf8(levels)));
    }
    fields.push(Field::new("id", Values::Utf8(ids)));
    fields.push(Field::new("tsNs", Values::Utf8(ts_ns)));
    if any_trace {
        let mut field = Field::new("traceID", Values::OptUtf8(trace_ids));
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

/// The trace id of a log line: from its labels or metadata, else found in the line; 32 hex characters.
pub fn trace_id_of(
    labels: &BTreeMap<String, String>,
    entry: &crate::execute::loki_types::Entry,
) -> Option<String> {
    TRACE_ID_KEYS
        .iter()
        .find_map(|k| {
            labels
                .get(*k)
                .or_else(|| entry.structured_metadata.get(*k))
                .or_else(|| entry.parsed.get(*k))
                .filter(|v| !v.is_empty())
        })
        .and_then(|t| crate::execute::trace_id::pad_trace_id(t))
        .or_else(|| {
            trace_id_in_line(entry.line.as_bytes()).and_then(crate::execute::trace_id::pad_trace_id)
        })
}

/// A value from the stream labels, then the entry's structured metadata, then its parsed labels,
/// trying each key in turn.
fn lookup<'a>(
    labels: &'a BTreeMap<String, String>,
    meta: Option<&'a EntryMeta>,
    keys: &[&str],
) -> Option<&'a str> {
    keys.iter().find_map(|k| {
        labels
            .get(*k)
            .or_else(|| meta.and_then(|m| m.structured_metadata.get(*k)))
            .or_else(|| meta.and_then(|m| m.parsed.get(*k)))
            .filter(|v| !v.is_empty())
            .map(String::as_str)
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

fn write_i64(out: &mut Vec<u8>, value: i64) {
    let mut digits = [0u8; 20];
    let mut n = value.unsigned_abs();
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[i..]);
}

fn write_hex16(out: &mut Vec<u8>, value: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 16];
    for (i, b) in text.iter_mut().enumerate() {
        *b = HEX[((value >> (60 - 4 * i)) & 0xf) as usize];
    }
    out.extend_from_slice(&text);
}

/// Writes `hex` lowercased and left-padded to 32 characters; `false` (nothing written) when it is not
/// 1..=32 hex characters.
fn push_padded(column: &mut StrColumn, hex: &str) -> bool {
    let hex = hex.trim();
    if hex.is_empty() || hex.len() > 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let out = column.bytes_mut();
    out.extend(std::iter::repeat_n(b'0', 32 - hex.len()));
    out.extend(hex.bytes().map(|b| b.to_ascii_lowercase()));
    column.end_row();
    true
}

/// Counts exact duplicates (same time, labels and line) so their ids differ. Loki sends a stream's
/// lines in time order, so duplicates sit next to each other: only the current run of equal times is
/// remembered. A stream out of order falls back to a map.
struct Dedup {
    sorted: bool,
    run_ts: i64,
    run: Vec<(u64, u32)>,
    map: HashMap<(i64, u64), u32, BuildHasherDefault<MixHasher>>,
}

impl Dedup {
    fn new(ts: &[i64]) -> Self {
        let sorted = ts.windows(2).all(|w| w[0] >= w[1]) || ts.windows(2).all(|w| w[0] <= w[1]);
        Dedup {
            sorted,
            run_ts: i64::MIN,
            run: Vec::new(),
            map: HashMap::default(),
        }
    }

    /// 1 for the first occurrence, 2 for the second...
    fn count(&mut self, _row: usize, ts: i64, hash: u64) -> u32 {
        if !self.sorted {
            let c = self.map.entry((ts, hash)).or_insert(0);
            *c += 1;
            return *c;
        }
        if ts != self.run_ts {
            self.run_ts = ts;
            self.run.clear();
        }
        match self.run.iter_mut().find(|(h, _)| *h == hash) {
            Some((_, c)) => {
                *c += 1;
                *c
            }
            None => {
                self.run.push((hash, 1));
                1
            }
        }
    }
}

/// A multiply-xor hasher for keys that are already hashes.
#[derive(Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
}

/// Finds `trace_id=<hex>` (logfmt), `"trace_id":"<hex>"` (JSON) and similar in a log line: the first
/// key of [`TRACE_ID_KEYS`] that has a 16..=32 hex value, at its first such place. Returns the hex as
/// written (see [`push_padded`]). All keys start with `trace`, so one `memmem` pass finds them all.
pub(crate) fn trace_id_in_line(line: &[u8]) -> Option<&str> {
    static TRACE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"trace"));
    let bytes = line;
    let mut best: Option<(usize, &str)> = None;
    for pos in TRACE.find_iter(bytes) {
        let Some(k) = TRACE_ID_KEYS
            .iter()
            .position(|key| bytes[pos..].starts_with(key.as_bytes()))
        else {
            continue;
        };
        if best.is_some_and(|(b, _)| b <= k) {
            continue;
        }
        // Keys are ASCII, so the text after one starts on a character boundary.
        let Ok(after) = std::str::from_utf8(&line[pos + TRACE_ID_KEYS[k].len()..]) else {
            continue;
        };
        let rest = after.trim_start_matches('"').trim_start();
        if let Some(value) = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':')) {
            let value = value.trim_start().trim_start_matches('"');
            let len = value.bytes().take_while(u8::is_ascii_hexdigit).count();
            if (16..=32).contains(&len) {
                best = Some((k, &value[..len]));
                if k == 0 {
                    break;
                }
            }
        }
    }
    best.map(|(_, hex)| hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tid(line: &str) -> Option<&str> {
        trace_id_in_line(line.as_bytes())
    }

    #[test]
    fn finds_trace_ids_in_logfmt_and_json_lines() {
        assert_eq!(
            tid("level=error msg=x trace_id=dbb464a3cec79642a13a9da294e7eb2a span_id=1"),
            Some("dbb464a3cec79642a13a9da294e7eb2a")
        );
        assert_eq!(
            tid(r#"{"msg":"slow","trace_id": "6d77959500fa0eb45c5f48d40df407b8"}"#),
            Some("6d77959500fa0eb45c5f48d40df407b8")
        );
        assert_eq!(tid("trace_id=xyz"), None);
        assert_eq!(tid("no ids here"), None);
        // The first key in preference order wins, wherever it is.
        assert_eq!(
            tid("traceID=aaaaaaaaaaaaaaaa trace_id=BBBBBBBBBBBBBBBB"),
            Some("BBBBBBBBBBBBBBBB")
        );
        assert_eq!(
            tid("trace_id=zz traceId=cccccccccccccccc"),
            Some("cccccccccccccccc")
        );
    }

    fn stream(entries: &[(i64, &str)]) -> Stream {
        Stream {
            labels: BTreeMap::from([("level".to_string(), "error".to_string())]),
            entries: entries
                .iter()
                .map(|(t, l)| crate::execute::loki_types::Entry {
                    ts_ns: *t,
                    line: l.to_string(),
                    structured_metadata: BTreeMap::new(),
                    parsed: BTreeMap::new(),
                })
                .collect(),
        }
    }

    fn ids(frame: &Frame) -> Vec<String> {
        let values = &frame.field("id").unwrap().values;
        (0..values.len())
            .map(|i| values.text_at(i).unwrap())
            .collect()
    }

    #[test]
    fn duplicate_lines_get_distinct_ids_in_any_order() {
        let ctx = FrameContext::default();
        for entries in [
            vec![(5, "same"), (5, "same"), (5, "other"), (4, "same")],
            vec![(5, "same"), (4, "same"), (5, "same"), (5, "other")],
        ] {
            let frames = build_log_frames(&[stream(&entries)], &ctx);
            let ids = ids(&frames[0]);
            let unique: std::collections::HashSet<_> = ids.iter().collect();
            assert_eq!(unique.len(), ids.len(), "{ids:?}");
            assert!(
                ids[0].starts_with("5_") && ids[0].len() == 2 + 16,
                "{ids:?}"
            );
            let again = build_log_frames(&[stream(&entries)], &ctx);
            assert_eq!(super::tests::ids(&again[0]), ids, "ids are stable");
        }
    }

    #[test]
    fn level_and_trace_columns() {
        let frames = build_log_frames(
            &[stream(&[
                (2, "msg=a trace_id=ABCDEF0123456789ABCDEF0123456789"),
                (1, "no id"),
            ])],
            &FrameContext::default(),
        );
        let f = &frames[0];
        assert_eq!(
            f.field("level").unwrap().values.text_at(1).as_deref(),
            Some("error")
        );
        let traces = &f.field("traceID").unwrap().values;
        assert_eq!(
            traces.text_at(0).as_deref(),
            Some("abcdef0123456789abcdef0123456789")
        );
        assert_eq!(traces.text_at(1), None);
        assert_eq!(
            f.field("tsNs").unwrap().values.text_at(0).as_deref(),
            Some("2")
        );
    }

    #[test]
    fn label_string_escapes_values() {
        let labels = BTreeMap::from([("a".to_string(), "x\"y".to_string())]);
        assert_eq!(label_string(&labels), r#"{a="x\"y"}"#);
    }
}
