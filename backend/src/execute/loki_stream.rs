//! Loki log answers decoded while they arrive, straight into columns.
//!
//! [`LogDecoder::feed`] takes the body chunk by chunk; only the bytes of the element being read (one
//! entry, one label set) are kept between chunks, never the whole body. Each log line is unescaped
//! directly into its stream's [`StrColumn`](super::log_batch::StrColumn), so decoding allocates per column, not per line. The hot
//! path (entries `["<ns>", "<line>"]`) is a small hand-written scanner built on `memchr`; the cold
//! parts (label sets, structured metadata, metric results) go to `serde_json`. `BENCHMARKS.md` has
//! the measurements behind this choice (serde_json, simd-json and sonic-rs all need the whole body in
//! memory first, and none writes Arrow-ready columns).
//!
//! Loki writes `resultType` before `result` and `stream` before `values`; other orders still decode
//! (labels may come after the values), and a `result` that is not `streams` is kept whole and parsed
//! as a [`QueryData`] by `serde_json`.

use std::collections::BTreeMap;

use super::log_batch::{EntryMeta, LogBatch, StreamColumns};
use super::loki_types::QueryData;

/// Why a body is not a Loki answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} (at byte {at})")]
pub struct StreamDecodeError {
    pub reason: String,
    pub at: usize,
}

/// What a log query answered.
#[derive(Debug, Clone, PartialEq)]
pub enum LokiAnswer {
    Streams(LogBatch),
    /// A metric result (the query was not a log query after all).
    Other(QueryData),
}

/// Where the decoder is in `{"status":..,"data":{"resultType":..,"result":[{"stream":{..},"values":[..]}]}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Start,
    TopKey {
        first: bool,
    },
    DataKey {
        first: bool,
    },
    ResultItem {
        first: bool,
    },
    StreamKey {
        first: bool,
    },
    Entry {
        first: bool,
    },
    /// After the top object: trailing whitespace only (the rest is not looked at).
    End,
}

/// One step of the scanner over a buffer that may end early: `None` means "needs more bytes".
type Step<T> = Result<Option<T>, StreamDecodeError>;

/// The streaming decoder of one `query_range` answer.
#[derive(Debug)]
pub struct LogDecoder {
    at: At,
    /// Unconsumed bytes: the tail of the last chunk that did not make a whole element.
    pending: Vec<u8>,
    /// Bytes consumed before `pending[0]` (for error positions).
    consumed: usize,
    /// Wait for at least this many pending bytes before trying again (doubles on each miss, so a
    /// huge element costs linear time however small the chunks are).
    retry_at: usize,
    result_type: Option<String>,
    other: Option<QueryData>,
    streams: Vec<StreamColumns>,
    current: Option<StreamColumns>,
    saw_result: bool,
    key: Vec<u8>,
}

impl Default for LogDecoder {
    fn default() -> Self {
        LogDecoder::new()
    }
}

impl LogDecoder {
    pub fn new() -> Self {
        LogDecoder {
            at: At::Start,
            pending: Vec::new(),
            consumed: 0,
            retry_at: 0,
            result_type: None,
            other: None,
            streams: Vec::new(),
            current: None,
            saw_result: false,
            key: Vec::new(),
        }
    }

    /// Decodes as much of `chunk` (appended to what is pending) as forms whole elements.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), StreamDecodeError> {
        if self.at == At::End {
            return Ok(());
        }
        self.pending.extend_from_slice(chunk);
        if self.pending.len() < self.retry_at {
            return Ok(());
        }
        let used = self.run()?;
        self.pending.drain(..used);
        self.consumed += used;
        self.retry_at = if self.at == At::End {
            0
        } else {
            // A miss: try again once the unconsumed part has doubled (at least one more chunk).
            (self.pending.len() * 2).max(1)
        };
        if self.at == At::End {
            self.pending = Vec::new();
        }
        Ok(())
    }

    /// The whole body was fed. `cut` says the body was cut at the size cap: then an unfinished answer
    /// keeps the streams and lines read so far.
    pub fn finish(mut self, cut: bool) -> Result<LokiAnswer, StreamDecodeError> {
        if self.at != At::End && !self.pending.is_empty() {
            self.retry_at = 0;
            let used = self.run()?;
            self.pending.drain(..used);
            self.consumed += used;
        }
        if self.at != At::End && !cut {
            let rest = self.pending.iter().all(u8::is_ascii_whitespace);
            return Err(self.error(
                if rest && self.at == At::Start {
                    "the answer is empty"
                } else {
                    "the answer ends in the middle"
                },
                self.pending.len(),
            ));
        }
        if let Some(other) = self.other {
            return Ok(LokiAnswer::Other(other));
        }
        if !self.saw_result && !cut {
            return Err(self.error("the answer has no `data.result`", 0));
        }
        if let Some(mut current) = self.current.take() {
            current.lines.discard_partial_row();
            self.streams.push(current);
        }
        Ok(LokiAnswer::Streams(LogBatch {
            streams: self.streams,
            cut_at: None,
            wire_bytes: 0,
        }))
    }

    /// Whether the answer's `data.result` has been read to its end (the rest is not needed).
    pub fn is_done(&self) -> bool {
        self.at == At::End
    }

    /// Lines decoded so far.
    pub fn line_count(&self) -> usize {
        self.streams.iter().map(StreamColumns::len).sum::<usize>()
            + self.current.as_ref().map_or(0, StreamColumns::len)
    }

    fn error(&self, reason: impl Into<String>, offset: usize) -> StreamDecodeError {
        StreamDecodeError {
            reason: reason.into(),
            at: self.consumed + offset,
        }
    }

    /// Runs the state machine over `pending`; returns how many bytes were consumed.
    fn run(&mut self) -> Result<usize, StreamDecodeError> {
        let buf = std::mem::take(&mut self.pending);
        let result = self.run_on(&buf);
        self.pending = buf;
        result
    }

    fn run_on(&mut self, b: &[u8]) -> Result<usize, StreamDecodeError> {
        let mut pos = 0;
        loop {
            let step = match self.at {
                At::End => return Ok(pos),
                At::Start => {
                    let i = ws(b, pos);
                    match b.get(i) {
                        None => None,
                        Some(b'{') => {
                            self.at = At::TopKey { first: true };
                            Some(i + 1)
                        }
                        Some(_) => return Err(self.error("the answer is not a JSON object", i)),
                    }
                }
                At::TopKey { first } => self.top_key(b, pos, first)?,
                At::DataKey { first } => self.data_key(b, pos, first)?,
                At::ResultItem { first } => self.result_item(b, pos, first)?,
                At::StreamKey { first } => self.stream_key(b, pos, first)?,
                At::Entry { first } => self.entry(b, pos, first)?,
            };
            match step {
                Some(next) => pos = next,
                None => return Ok(pos),
            }
        }
    }

    /// `,` / the closing bracket before the next member; `Some((i, true))` when the container closed.
    fn next_member(&self, b: &[u8], pos: usize, first: bool, close: u8) -> Step<(usize, bool)> {
        let mut i = ws(b, pos);
        let Some(&c) = b.get(i) else { return Ok(None) };
        if c == close {
            return Ok(Some((i + 1, true)));
        }
        if !first {
            if c != b',' {
                return Err(self.error(format!("expected `,` or `{}`", close as char), i));
            }
            i = ws(b, i + 1);
        }
        Ok(Some((i, false)))
    }

    /// A member name and its colon: `"name" :`, with the name left in `self.key`.
    fn member_name(&mut self, b: &[u8], i: usize) -> Step<usize> {
        self.key.clear();
        let Some(end) = string_into(b, i, &mut self.key).map_err(|e| self.error(e, i))? else {
            return Ok(None);
        };
        let j = ws(b, end);
        match b.get(j) {
            None => Ok(None),
            Some(b':') => Ok(Some(ws(b, j + 1))),
            Some(_) => Err(self.error("expected `:`", j)),
        }
    }

    fn skip(&self, b: &[u8], i: usize) -> Step<usize> {
        skip_value(b, i).map_err(|e| self.error(e, i))
    }

    fn top_key(&mut self, b: &[u8], pos: usize, first: bool) -> Step<usize> {
        let Some((i, closed)) = self.next_member(b, pos, first, b'}')? else {
            return Ok(None);
        };
        if closed {
            self.at = At::End;
            return Ok(Some(i));
        }
        let Some(v) = self.member_name(b, i)? else {
            return Ok(None);
        };
        let next = if self.key == b"data" {
            match b.get(v) {
                None => return Ok(None),
                Some(b'{') => {
                    self.at = At::DataKey { first: true };
                    return Ok(Some(v + 1));
                }
                Some(_) => return Err(self.error("`data` is not an object", v)),
            }
        } else {
            self.skip(b, v)?
        };
        if next.is_some() {
            self.at = At::TopKey { first: false };
        }
        Ok(next)
    }

    fn data_key(&mut self, b: &[u8], pos: usize, first: bool) -> Step<usize> {
        let Some((i, closed)) = self.next_member(b, pos, first, b'}')? else {
            return Ok(None);
        };
        if closed {
            self.at = At::TopKey { first: false };
            return Ok(Some(i));
        }
        let Some(v) = self.member_name(b, i)? else {
            return Ok(None);
        };
        match self.key.as_slice() {
            b"resultType" => {
                let mut text = Vec::new();
                let Some(end) = string_into(b, v, &mut text).map_err(|e| self.error(e, v))? else {
                    return Ok(None);
                };
                self.result_type = Some(String::from_utf8_lossy(&text).into_owned());
                self.at = At::DataKey { first: false };
                Ok(Some(end))
            }
            b"result" if self.result_type.as_deref().is_none_or(|t| t == "streams") => {
                match b.get(v) {
                    None => Ok(None),
                    Some(b'[') => {
                        self.saw_result = true;
                        self.at = At::ResultItem { first: true };
                        Ok(Some(v + 1))
                    }
                    Some(_) => Err(self.error("`data.result` is not an array", v)),
                }
            }
            b"result" => {
                let Some(end) = self.skip(b, v)? else {
                    return Ok(None);
                };
                let raw = format!(
                    r#"{{"resultType":{},"result":{}}}"#,
                    serde_json::to_string(self.result_type.as_deref().unwrap_or_default())
                        .unwrap_or_default(),
                    String::from_utf8_lossy(&b[v..end])
                );
                let data: QueryData =
                    serde_json::from_str(&raw).map_err(|e| self.error(e.to_string(), v))?;
                self.other = Some(data);
                self.saw_result = true;
                self.at = At::DataKey { first: false };
                Ok(Some(end))
            }
            _ => {
                let Some(end) = self.skip(b, v)? else {
                    return Ok(None);
                };
                self.at = At::DataKey { first: false };
                Ok(Some(end))
            }
        }
    }

    fn result_item(&mut self, b: &[u8], pos: usize, first: bool) -> Step<usize> {
        let Some((i, closed)) = self.next_member(b, pos, first, b']')? else {
            return Ok(None);
        };
        if closed {
            // Everything after the result (stats, encoding flags) is not needed.
            self.at = At::End;
            return Ok(Some(i));
        }
        match b.get(i) {
            None => Ok(None),
            Some(b'{') => {
                self.current = Some(StreamColumns::default());
                self.at = At::StreamKey { first: true };
                Ok(Some(i + 1))
            }
            Some(_) => Err(self.error("a stream is not an object", i)),
        }
    }

    fn stream_key(&mut self, b: &[u8], pos: usize, first: bool) -> Step<usize> {
        let Some((i, closed)) = self.next_member(b, pos, first, b'}')? else {
            return Ok(None);
        };
        if closed {
            if let Some(done) = self.current.take() {
                self.streams.push(done);
            }
            self.at = At::ResultItem { first: false };
            return Ok(Some(i));
        }
        let Some(v) = self.member_name(b, i)? else {
            return Ok(None);
        };
        match self.key.as_slice() {
            b"stream" => {
                let Some(end) = self.skip(b, v)? else {
                    return Ok(None);
                };
                let labels: Option<BTreeMap<String, String>> =
                    serde_json::from_slice(&b[v..end])
                        .map_err(|e| self.error(format!("stream labels: {e}"), v))?;
                if let Some(current) = &mut self.current {
                    current.labels = labels.unwrap_or_default();
                }
                self.at = At::StreamKey { first: false };
                Ok(Some(end))
            }
            b"values" => match b.get(v) {
                None => Ok(None),
                Some(b'[') => {
                    self.at = At::Entry { first: true };
                    Ok(Some(v + 1))
                }
                Some(b'n') => {
                    let Some(end) = self.skip(b, v)? else {
                        return Ok(None);
                    };
                    self.at = At::StreamKey { first: false };
                    Ok(Some(end))
                }
                Some(_) => Err(self.error("`values` is not an array", v)),
            },
            _ => {
                let Some(end) = self.skip(b, v)? else {
                    return Ok(None);
                };
                self.at = At::StreamKey { first: false };
                Ok(Some(end))
            }
        }
    }

    /// One entry `["<ns>", "<line>"(, {metadata})?]`, written into the current stream's columns.
    fn entry(&mut self, b: &[u8], pos: usize, first: bool) -> Step<usize> {
        let Some((i, closed)) = self.next_member(b, pos, first, b']')? else {
            return Ok(None);
        };
        if closed {
            self.at = At::StreamKey { first: false };
            return Ok(Some(i));
        }
        match b.get(i) {
            None => return Ok(None),
            Some(b'[') => {}
            Some(_) => return Err(self.error("a log entry is not an array", i)),
        }
        let Some((ts, after_ts)) = timestamp(b, ws(b, i + 1)).map_err(|e| self.error(e, i))? else {
            return Ok(None);
        };
        let j = ws(b, after_ts);
        match b.get(j) {
            None => return Ok(None),
            Some(b',') => {}
            Some(_) => return Err(self.error("a log entry has no line", j)),
        }
        let line_at = ws(b, j + 1);
        let Some(current) = self.current.as_mut() else {
            return Err(self.error("a log entry outside a stream", i));
        };
        let lines = &mut current.lines;
        let start = lines.byte_len();
        let end = match string_into(b, line_at, lines.bytes_mut()) {
            Ok(Some(end)) => end,
            Ok(None) => {
                lines.discard_partial_row();
                return Ok(None);
            }
            Err(e) => {
                lines.discard_partial_row();
                return Err(self.error(e, line_at));
            }
        };
        let mut k = ws(b, end);
        let mut meta = None;
        if b.get(k) == Some(&b',') {
            let m = ws(b, k + 1);
            let skipped = match skip_value(b, m) {
                Ok(s) => s,
                Err(e) => {
                    current.lines.discard_partial_row();
                    return Err(self.error(e, m));
                }
            };
            let Some(m_end) = skipped else {
                current.lines.discard_partial_row();
                return Ok(None);
            };
            meta = parse_entry_meta(&b[m..m_end]);
            k = ws(b, m_end);
        }
        let current = self.current.as_mut().expect("checked above");
        match b.get(k) {
            None => {
                current.lines.discard_partial_row();
                return Ok(None);
            }
            Some(b']') => {}
            Some(_) => {
                current.lines.discard_partial_row();
                return Err(self.error("expected `]` after a log entry", k));
            }
        }
        // Lines are JSON text, so UTF-8 unless the server sent invalid bytes: those become U+FFFD.
        let bytes = current.lines.bytes_mut();
        if std::str::from_utf8(&bytes[start..]).is_err() {
            let fixed = String::from_utf8_lossy(&bytes[start..]).into_owned();
            bytes.truncate(start);
            bytes.extend_from_slice(fixed.as_bytes());
        }
        current.lines.end_row();
        if let Some(meta) = meta {
            let row = current.ts.len() as u32;
            current.meta.push((row, meta));
        }
        current.ts.push(ts);
        self.at = At::Entry { first: false };
        Ok(Some(k + 1))
    }
}

fn parse_entry_meta(raw: &[u8]) -> Option<EntryMeta> {
    #[derive(serde::Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct Categories {
        #[serde(default)]
        structured_metadata: Option<BTreeMap<String, String>>,
        #[serde(default)]
        parsed: Option<BTreeMap<String, String>>,
    }
    let c: Categories = serde_json::from_slice(raw).ok()?;
    let meta = EntryMeta {
        structured_metadata: c.structured_metadata.unwrap_or_default(),
        parsed: c.parsed.unwrap_or_default(),
    };
    (!meta.structured_metadata.is_empty() || !meta.parsed.is_empty()).then_some(meta)
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        i += 1;
    }
    i
}

/// `"1795588962427806931"` → epoch nanoseconds.
fn timestamp(b: &[u8], i: usize) -> Result<Option<(i64, usize)>, String> {
    match b.get(i) {
        None => return Ok(None),
        Some(b'"') => {}
        Some(_) => return Err("a log entry's timestamp is not a string".into()),
    }
    let Some(len) = memchr::memchr(b'"', &b[i + 1..]) else {
        return Ok(None);
    };
    let digits = &b[i + 1..i + 1 + len];
    let mut value: i64 = 0;
    let bad = || {
        format!(
            "invalid timestamp `{}`",
            String::from_utf8_lossy(&digits[..digits.len().min(40)])
        )
    };
    let (neg, digits_only) = match digits.first() {
        Some(b'-') => (true, &digits[1..]),
        _ => (false, digits),
    };
    if digits_only.is_empty() {
        return Err(bad());
    }
    for &d in digits_only {
        if !d.is_ascii_digit() {
            return Err(bad());
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(d - b'0')))
            .ok_or_else(bad)?;
    }
    Ok(Some((if neg { -value } else { value }, i + 2 + len)))
}

/// Reads the JSON string at `b[i]` (which must be `"`), appending its unescaped text to `out`.
/// Returns the index after the closing quote; `None` when the buffer ends first (`out` may then hold
/// part of the string: the caller drops it).
fn string_into(b: &[u8], i: usize, out: &mut Vec<u8>) -> Result<Option<usize>, String> {
    match b.get(i) {
        None => return Ok(None),
        Some(b'"') => {}
        Some(_) => return Err("expected a string".into()),
    }
    let mut j = i + 1;
    loop {
        let Some(k) = memchr::memchr2(b'"', b'\\', &b[j..]) else {
            return Ok(None);
        };
        out.extend_from_slice(&b[j..j + k]);
        j += k;
        if b[j] == b'"' {
            return Ok(Some(j + 1));
        }
        let Some(&esc) = b.get(j + 1) else {
            return Ok(None);
        };
        j += 2;
        let simple = match esc {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => 0,
            other => return Err(format!("invalid escape `\\{}`", other as char)),
        };
        if esc != b'u' {
            out.push(simple);
            continue;
        }
        let Some(hi) = hex4(b, j)? else {
            return Ok(None);
        };
        j += 4;
        let ch = if (0xD800..0xDC00).contains(&hi) {
            // A high surrogate: a low one should follow as `\uXXXX`.
            if b.len() < j + 6 {
                return Ok(None);
            }
            if b[j] == b'\\' && b[j + 1] == b'u' {
                match hex4(b, j + 2)? {
                    Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                        j += 6;
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                    }
                    _ => None,
                }
            } else {
                None
            }
        } else {
            char::from_u32(hi)
        };
        let ch = ch.unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut utf8 = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
    }
}

fn hex4(b: &[u8], i: usize) -> Result<Option<u32>, String> {
    let Some(digits) = b.get(i..i + 4) else {
        return Ok(None);
    };
    let mut v = 0u32;
    for &d in digits {
        let n = (d as char)
            .to_digit(16)
            .ok_or_else(|| "invalid `\\u` escape".to_string())?;
        v = v * 16 + n;
    }
    Ok(Some(v))
}

/// Skips the JSON value at `b[i]`; returns the index after it. Structure is followed exactly (strings,
/// nesting); scalars are only delimited, not validated (the caller parses what it keeps).
fn skip_value(b: &[u8], i: usize) -> Result<Option<usize>, String> {
    let i = ws(b, i);
    let Some(&c) = b.get(i) else { return Ok(None) };
    match c {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => match skip_string(b, j)? {
                        Some(end) => {
                            j = end;
                            continue;
                        }
                        None => return Ok(None),
                    },
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(Some(j + 1));
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            Ok(None)
        }
        b'}' | b']' | b',' | b':' => Err(format!("unexpected `{}`", c as char)),
        _ => {
            let mut j = i;
            while j < b.len() {
                if matches!(
                    b[j],
                    b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t' | b':'
                ) {
                    return Ok(Some(j));
                }
                j += 1;
            }
            Ok(None)
        }
    }
}

fn skip_string(b: &[u8], i: usize) -> Result<Option<usize>, String> {
    let mut j = i + 1;
    loop {
        let Some(k) = memchr::memchr2(b'"', b'\\', &b[j.min(b.len())..]) else {
            return Ok(None);
        };
        j += k;
        if b[j] == b'"' {
            return Ok(Some(j + 1));
        }
        j += 2;
        if j > b.len() {
            return Ok(None);
        }
    }
}

/// Decodes a whole body at once (tests, benches, the CLI's files).
pub fn decode_log_answer(body: &[u8]) -> Result<LokiAnswer, StreamDecodeError> {
    let mut d = LogDecoder::new();
    d.feed(body)?;
    d.finish(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::loki_types::{Envelope, Stream};

    fn typed(body: &[u8]) -> Vec<Stream> {
        let env: Envelope<QueryData> = serde_json::from_slice(body).unwrap();
        match env.data {
            QueryData::Streams(s) => s,
            other => panic!("{other:?}"),
        }
    }

    fn streams(answer: LokiAnswer) -> LogBatch {
        match answer {
            LokiAnswer::Streams(b) => b,
            other => panic!("{other:?}"),
        }
    }

    const BODY: &str = r#"{"status":"success","data":{"resultType":"streams","result":[
        {"stream":{"app":"a","level":"error"},"values":[["3","esc \"q\" \\ \/ \n\t \u00e9 \ud83d\ude00 end"],["2","two"]]},
        {"values":[["1","x",{"structuredMetadata":{"trace_id":"ab"}}]],"stream":{"app":"b"}}
      ],"stats":{"summary":{"bytesProcessedPerSecond":1}}}}"#;

    #[test]
    fn decodes_like_serde_json_in_any_chunking() {
        let want = typed(BODY.as_bytes());
        for size in [1, 2, 3, 7, 64, BODY.len()] {
            let mut d = LogDecoder::new();
            for chunk in BODY.as_bytes().chunks(size) {
                d.feed(chunk).unwrap();
            }
            let batch = streams(d.finish(false).unwrap());
            assert_eq!(batch.to_streams(), want, "chunks of {size}");
        }
    }

    #[test]
    fn decodes_every_recorded_log_answer_like_serde_json() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
        let mut checked = 0;
        for folder in ["loki", "diagnosis"] {
            for file in std::fs::read_dir(dir.join(folder)).unwrap() {
                let path = file.unwrap().path();
                if !path.is_file() {
                    continue;
                }
                let body = std::fs::read(&path).unwrap();
                let Ok(env) = serde_json::from_slice::<Envelope<QueryData>>(&body) else {
                    continue;
                };
                let answer = decode_log_answer(&body).unwrap();
                match (env.data, answer) {
                    (QueryData::Streams(want), LokiAnswer::Streams(got)) => {
                        assert_eq!(got.to_streams(), want, "{}", path.display());
                        checked += 1;
                    }
                    (want, LokiAnswer::Other(got)) => assert_eq!(got, want, "{}", path.display()),
                    (_, got) => panic!("{}: {got:?}", path.display()),
                }
            }
        }
        assert!(checked >= 8, "{checked}");
    }

    #[test]
    fn a_cut_answer_keeps_whole_lines_only() {
        let cut = &BODY.as_bytes()[..BODY.find("two").unwrap() + 1];
        let mut d = LogDecoder::new();
        d.feed(cut).unwrap();
        assert!(d.finish(false).is_err(), "an unfinished answer is an error");
        let mut d = LogDecoder::new();
        d.feed(cut).unwrap();
        let batch = streams(d.finish(true).unwrap());
        assert_eq!(batch.line_count(), 1);
        assert_eq!(batch.streams[0].labels["app"], "a");
    }

    #[test]
    fn metric_results_are_parsed_whole() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1795587900.5,"2"]}]}}"#;
        match decode_log_answer(body).unwrap() {
            LokiAnswer::Other(QueryData::Vector(v)) => assert_eq!(v[0].points[0].value, 2.0),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn garbage_is_an_error_with_a_position() {
        for bad in [
            &b"<html>502 Bad Gateway</html>"[..],
            b"",
            b"{\"data\":{\"result\":[{\"values\":[[\"x\",\"l\"]]}]}}",
            b"{\"data\":{\"result\":[{\"values\":[[\"1\",\"l\\q\"]]}]}}",
            b"{\"data\":7}",
            b"{\"status\":\"success\"}",
        ] {
            assert!(
                decode_log_answer(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let mut body =
            br#"{"data":{"resultType":"streams","result":[{"stream":{},"values":[["1",""#.to_vec();
        body.extend_from_slice(&[b'a', 0xff, b'b']);
        body.extend_from_slice(br#""]]}]}}"#);
        let batch = streams(decode_log_answer(&body).unwrap());
        assert_eq!(batch.streams[0].lines.get(0), Some("a\u{fffd}b"));
    }
}
