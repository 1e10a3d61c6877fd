//! Readable tables for the terminal: log lines, series, trace search hits and the spans of one trace.

use std::collections::HashMap;
use std::io::{self, Write};

use chrono::{SecondsFormat, TimeZone, Utc};

use crate::execute::loki_types::Stream;
use crate::execute::tempo_types::{Span, TraceSummary};
use crate::execute::trace_id::base64_id_to_hex;
use crate::execute::{Executed, FetchedTrace, QueryResult, Series};

/// A table with left-aligned, space-separated columns; the last column is not padded.
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let cols = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| -> String {
            let mut text = String::new();
            for (i, cell) in cells.iter().enumerate().take(cols) {
                if i + 1 == cols {
                    text.push_str(cell);
                } else {
                    let pad = widths[i].saturating_sub(cell.chars().count());
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad + 2));
                }
            }
            text.trim_end().to_string()
        };
        writeln!(out, "{}", line(&self.headers))?;
        for row in &self.rows {
            writeln!(out, "{}", line(row))?;
        }
        Ok(())
    }
}

fn time_ns(ns: i64) -> String {
    Utc.timestamp_nanos(ns)
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn time_ms(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| ms.to_string())
}

/// Prints one executed query, then a one-line summary.
pub fn write_executed(executed: &Executed, out: &mut impl Write) -> io::Result<()> {
    match &executed.result {
        QueryResult::Streams(streams) => write_logs(streams, out)?,
        QueryResult::Series { series, instant } => write_series(series, *instant, out)?,
        QueryResult::TraceSearch(traces) => write_search(traces, out)?,
        QueryResult::Trace(trace) => write_trace(trace, out)?,
    }
    let rows = executed.row_count();
    let what = match &executed.result {
        QueryResult::Streams(s) => format!("{rows} log lines from {} streams", s.len()),
        QueryResult::Series { series, .. } => {
            format!("{} series, {rows} samples", series.len())
        }
        QueryResult::TraceSearch(_) => format!("{rows} traces"),
        QueryResult::Trace(t) => format!("{rows} spans in trace {}", t.trace_id),
    };
    let limit = match executed.limit {
        Some(limit) if rows >= limit as usize => format!(" (the limit of {limit} was reached)"),
        _ => String::new(),
    };
    writeln!(out, "\n{what}{limit}. Query: {}", executed.query)
}

/// Log lines of all streams, newest first: time, level, service (or the stream's labels), line.
pub fn write_logs(streams: &[Stream], out: &mut impl Write) -> io::Result<()> {
    let mut lines: Vec<(i64, String, String, &str)> = Vec::new();
    for stream in streams {
        let level = ["level", "detected_level"]
            .iter()
            .find_map(|k| stream.labels.get(*k))
            .cloned()
            .unwrap_or_default();
        let source = stream
            .labels
            .get("service_name")
            .cloned()
            .unwrap_or_else(|| {
                let pairs: Vec<String> = stream
                    .labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                pairs.join(",")
            });
        for entry in &stream.entries {
            let level = entry
                .structured_metadata
                .get("detected_level")
                .cloned()
                .unwrap_or_else(|| level.clone());
            lines.push((entry.ts_ns, level, source.clone(), &entry.line));
        }
    }
    lines.sort_by_key(|l| std::cmp::Reverse(l.0));
    let mut table = Table::new(&["TIME", "LEVEL", "SERVICE", "LINE"]);
    for (ts, level, source, line) in lines {
        table.push(vec![time_ns(ts), level, source, line.to_string()]);
    }
    table.write(out)
}

fn labels_text(series: &Series) -> String {
    if series.labels.is_empty() {
        "{}".to_string()
    } else {
        let pairs: Vec<String> = series
            .labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect();
        format!("{{{}}}", pairs.join(", "))
    }
}

/// Instant results as one row per series; range results as one block per series.
pub fn write_series(series: &[Series], instant: bool, out: &mut impl Write) -> io::Result<()> {
    if instant {
        let mut table = Table::new(&["SERIES", "TIME", "VALUE"]);
        for s in series {
            for p in &s.points {
                table.push(vec![labels_text(s), time_ms(p.t_ms), p.value.to_string()]);
            }
        }
        return table.write(out);
    }
    for (i, s) in series.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", labels_text(s))?;
        let mut table = Table::new(&["  TIME", "VALUE"]);
        for p in &s.points {
            table.push(vec![format!("  {}", time_ms(p.t_ms)), p.value.to_string()]);
        }
        table.write(out)?;
    }
    Ok(())
}

/// Trace search hits: id, start, duration, root service and root span name.
pub fn write_search(traces: &[TraceSummary], out: &mut impl Write) -> io::Result<()> {
    let mut table = Table::new(&["TRACE ID", "START", "DURATION", "SERVICE", "NAME"]);
    for t in traces {
        table.push(vec![
            t.trace_id.clone(),
            time_ns(i64::try_from(t.start_time_unix_nano).unwrap_or(i64::MAX)),
            t.duration_ms
                .map(|d| format!("{d}ms"))
                .unwrap_or_else(|| "<1ms".into()),
            t.root_service_name.clone().unwrap_or_default(),
            t.root_trace_name.clone().unwrap_or_default(),
        ]);
    }
    table.write(out)
}

/// The spans of one trace as an indented tree: offset from the trace start, duration, status.
pub fn write_trace(fetched: &FetchedTrace, out: &mut impl Write) -> io::Result<()> {
    struct Row<'a> {
        service: String,
        span: &'a Span,
        id: String,
        parent: String,
    }
    let mut rows = Vec::new();
    for rs in &fetched.trace.resource_spans {
        let service = rs
            .resource
            .attributes
            .iter()
            .find(|kv| kv.key == "service.name")
            .map(|kv| kv.value.to_text())
            .unwrap_or_default();
        for ss in &rs.scope_spans {
            for span in &ss.spans {
                rows.push(Row {
                    service: service.clone(),
                    span,
                    id: base64_id_to_hex(&span.span_id).unwrap_or_default(),
                    parent: base64_id_to_hex(&span.parent_span_id).unwrap_or_default(),
                });
            }
        }
    }
    let start = rows
        .iter()
        .map(|r| r.span.start_time_unix_nano)
        .min()
        .unwrap_or(0);
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    let ids: std::collections::HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut roots = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.parent.is_empty() || !ids.contains(r.parent.as_str()) {
            roots.push(i);
        } else {
            children.entry(r.parent.as_str()).or_default().push(i);
        }
    }
    let by_start = |v: &mut Vec<usize>| v.sort_by_key(|i| rows[*i].span.start_time_unix_nano);
    by_start(&mut roots);
    for v in children.values_mut() {
        by_start(v);
    }
    let mut table = Table::new(&["OFFSET", "DURATION", "STATUS", "SERVICE", "SPAN"]);
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|i| (*i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        let r = &rows[i];
        let span = r.span;
        let status = match span.status.code_number() {
            2 if span.status.message.is_empty() => "error".to_string(),
            2 => format!("error: {}", span.status.message),
            1 => "ok".into(),
            _ => String::new(),
        };
        table.push(vec![
            format!(
                "+{:.1}ms",
                span.start_time_unix_nano.saturating_sub(start) as f64 / 1e6
            ),
            format!(
                "{:.1}ms",
                span.end_time_unix_nano
                    .saturating_sub(span.start_time_unix_nano) as f64
                    / 1e6
            ),
            status,
            r.service.clone(),
            format!("{}{} [{}]", "  ".repeat(depth), span.name, span.kind_name()),
        ]);
        if let Some(kids) = children.get(r.id.as_str()) {
            for k in kids.iter().rev() {
                stack.push((*k, depth + 1));
            }
        }
    }
    writeln!(out, "trace {}", fetched.trace_id)?;
    table.write(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::Point;
    use std::collections::BTreeMap;

    fn render(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut buf = Vec::new();
        f(&mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn table_pads_all_but_the_last_column() {
        let mut t = Table::new(&["A", "BB", "C"]);
        t.push(vec!["xxx".into(), "y".into(), "last column".into()]);
        assert_eq!(render(|o| t.write(o)), "A    BB  C\nxxx  y   last column\n");
    }

    #[test]
    fn instant_series_print_one_row_each() {
        let series = vec![Series {
            labels: BTreeMap::from([("service_name".into(), "api-gateway".into())]),
            points: vec![Point {
                t_ms: 1_795_596_352_000,
                value: 68.0,
            }],
        }];
        let text = render(|o| write_series(&series, true, o));
        assert_eq!(
            text,
            "SERIES                        TIME                  VALUE\n\
             {service_name=\"api-gateway\"}  2026-11-25T08:45:52Z  68\n"
        );
    }
}
