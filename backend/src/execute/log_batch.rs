//! Log lines as columns: what the streaming Loki decoder writes and the log frame builder reads.
//!
//! One allocation per column instead of one per line: [`StrColumn`] keeps every string of a column in
//! one byte buffer with offsets (Arrow's `Utf8` layout), so a 100,000-line answer is a handful of
//! buffers that move into Arrow arrays without another copy.

use std::collections::BTreeMap;

use super::loki_types::{Entry, Stream};

/// Strings stored back to back with `offsets[i]..offsets[i + 1]` per row, and optional nulls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrColumn {
    offsets: Vec<i32>,
    bytes: Vec<u8>,
    /// `Some` once a null was pushed: `true` where the row has a value.
    validity: Option<Vec<bool>>,
}

impl Default for StrColumn {
    fn default() -> Self {
        StrColumn::new()
    }
}

impl StrColumn {
    pub fn new() -> Self {
        StrColumn {
            offsets: vec![0],
            bytes: Vec::new(),
            validity: None,
        }
    }

    /// Room for `rows` strings of `bytes` bytes in all.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        StrColumn {
            offsets,
            bytes: Vec::with_capacity(bytes),
            validity: None,
        }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of text held.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    pub fn push(&mut self, value: &str) {
        self.bytes.extend_from_slice(value.as_bytes());
        self.end_row();
    }

    pub fn push_null(&mut self) {
        let rows = self.len();
        self.validity
            .get_or_insert_with(|| vec![true; rows])
            .push(false);
        self.offsets.push(self.offsets[rows]);
    }

    pub fn push_opt(&mut self, value: Option<&str>) {
        match value {
            Some(v) => self.push(v),
            None => self.push_null(),
        }
    }

    /// The buffer the next row is being written into (see [`StrColumn::end_row`]).
    pub(crate) fn bytes_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Closes the row written into [`StrColumn::bytes_mut`] since the last row. The caller guarantees
    /// UTF-8; rows are cut at 2 GiB of text per column (Arrow's `i32` offsets), which no answer within
    /// `maxResponseBytes` reaches.
    pub(crate) fn end_row(&mut self) {
        let end = i32::try_from(self.bytes.len()).unwrap_or(i32::MAX);
        self.offsets.push(end);
        if let Some(v) = &mut self.validity {
            v.push(true);
        }
    }

    /// Drops a row being written (bytes past the last row's end).
    pub(crate) fn discard_partial_row(&mut self) {
        let end = *self.offsets.last().unwrap_or(&0) as usize;
        self.bytes.truncate(end);
    }

    pub fn get(&self, row: usize) -> Option<&str> {
        if row >= self.len() || self.validity.as_ref().is_some_and(|v| !v[row]) {
            return None;
        }
        let (start, end) = (self.offsets[row] as usize, self.offsets[row + 1] as usize);
        // Rows are pushed as `&str` or validated UTF-8, so this cannot fail.
        std::str::from_utf8(&self.bytes[start..end]).ok()
    }

    /// The bytes of one row (empty for a null or a row past the end).
    pub fn bytes_of(&self, row: usize) -> &[u8] {
        match (self.offsets.get(row), self.offsets.get(row + 1)) {
            (Some(&start), Some(&end)) => &self.bytes[start as usize..end as usize],
            _ => &[],
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn has_nulls(&self) -> bool {
        self.validity.as_ref().is_some_and(|v| v.iter().any(|b| !b))
    }

    /// The Arrow layout, borrowed: offsets, bytes, validity (`true` where the row has a value).
    pub fn parts(&self) -> (&[i32], &[u8], Option<&[bool]>) {
        (&self.offsets, &self.bytes, self.validity.as_deref())
    }

    /// The Arrow layout: offsets, bytes, validity.
    pub fn into_parts(self) -> (Vec<i32>, Vec<u8>, Option<Vec<bool>>) {
        (self.offsets, self.bytes, self.validity)
    }
}

/// What an entry carries besides its line with Loki's `categorize-labels` encoding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryMeta {
    pub structured_metadata: BTreeMap<String, String>,
    pub parsed: BTreeMap<String, String>,
}

/// One stream's lines as columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StreamColumns {
    pub labels: BTreeMap<String, String>,
    /// Epoch nanoseconds per line.
    pub ts: Vec<i64>,
    pub lines: StrColumn,
    /// Rows with structured metadata or parsed labels (rare), by row.
    pub meta: Vec<(u32, EntryMeta)>,
}

impl StreamColumns {
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// The metadata of one row, if it has any (rows are pushed in order, so this is a binary search).
    pub fn meta_of(&self, row: usize) -> Option<&EntryMeta> {
        let row = u32::try_from(row).ok()?;
        self.meta
            .binary_search_by_key(&row, |(r, _)| *r)
            .ok()
            .map(|i| &self.meta[i].1)
    }

    /// Bytes held (for the response cache's budget).
    pub fn weight(&self) -> usize {
        self.ts.len() * 12 + self.lines.byte_len() + self.meta.len() * 128 + 256
    }
}

/// A decoded log answer: its streams, and whether it was cut at `maxResponseBytes`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogBatch {
    pub streams: Vec<StreamColumns>,
    /// `Some(bytes)` when the answer was larger than the cap and only its first `bytes` were read.
    pub cut_at: Option<usize>,
    /// Bytes of the answer read from the wire.
    pub wire_bytes: usize,
}

impl LogBatch {
    pub fn line_count(&self) -> usize {
        self.streams.iter().map(StreamColumns::len).sum()
    }

    pub fn weight(&self) -> usize {
        self.streams
            .iter()
            .map(StreamColumns::weight)
            .sum::<usize>()
            + 64
    }

    /// The typed form the CLI, summaries and analysis read (one `String` per line).
    pub fn to_streams(&self) -> Vec<Stream> {
        self.streams
            .iter()
            .map(|s| Stream {
                labels: s.labels.clone(),
                entries: (0..s.len())
                    .map(|row| {
                        let meta = s.meta_of(row).cloned().unwrap_or_default();
                        Entry {
                            ts_ns: s.ts[row],
                            line: s.lines.get(row).unwrap_or_default().to_string(),
                            structured_metadata: meta.structured_metadata,
                            parsed: meta.parsed,
                        }
                    })
                    .collect(),
            })
            .collect()
    }

    /// Columns from typed streams (frames of answers that were decoded the typed way).
    pub fn from_streams(streams: &[Stream]) -> Self {
        LogBatch {
            streams: streams
                .iter()
                .map(|s| {
                    let mut columns = StreamColumns {
                        labels: s.labels.clone(),
                        ts: Vec::with_capacity(s.entries.len()),
                        lines: StrColumn::with_capacity(
                            s.entries.len(),
                            s.entries.iter().map(|e| e.line.len()).sum(),
                        ),
                        meta: Vec::new(),
                    };
                    for (row, e) in s.entries.iter().enumerate() {
                        columns.ts.push(e.ts_ns);
                        columns.lines.push(&e.line);
                        if !e.structured_metadata.is_empty() || !e.parsed.is_empty() {
                            columns.meta.push((
                                row as u32,
                                EntryMeta {
                                    structured_metadata: e.structured_metadata.clone(),
                                    parsed: e.parsed.clone(),
                                },
                            ));
                        }
                    }
                    columns
                })
                .collect(),
            cut_at: None,
            wire_bytes: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_nulls_share_one_buffer() {
        let mut c = StrColumn::new();
        c.push("ab");
        c.push_null();
        c.push("");
        c.push_opt(Some("xyz"));
        assert_eq!(c.len(), 4);
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            vec![Some("ab"), None, Some(""), Some("xyz")]
        );
        assert!(c.has_nulls());
        let (offsets, bytes, validity) = c.into_parts();
        assert_eq!(offsets, vec![0, 2, 2, 2, 5]);
        assert_eq!(bytes, b"abxyz");
        assert_eq!(validity, Some(vec![true, false, true, true]));
    }

    #[test]
    fn typed_streams_round_trip() {
        let streams = vec![Stream {
            labels: BTreeMap::from([("app".into(), "a".into())]),
            entries: vec![
                Entry {
                    ts_ns: 2,
                    line: "two".into(),
                    structured_metadata: BTreeMap::new(),
                    parsed: BTreeMap::new(),
                },
                Entry {
                    ts_ns: 1,
                    line: "one".into(),
                    structured_metadata: BTreeMap::from([("trace_id".into(), "ab".into())]),
                    parsed: BTreeMap::new(),
                },
            ],
        }];
        let batch = LogBatch::from_streams(&streams);
        assert_eq!(batch.line_count(), 2);
        assert!(batch.streams[0].meta_of(0).is_none());
        assert_eq!(
            batch.streams[0].meta_of(1).unwrap().structured_metadata["trace_id"],
            "ab"
        );
        assert_eq!(batch.to_streams(), streams);
    }
}
