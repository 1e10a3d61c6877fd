//! One trace, summarised for a model: its root, duration and services, the critical path (from the root,
//! the child that finishes last at each step), the slowest spans and the failed ones with their
//! messages. Bounded whatever the trace's size: a few kilobytes, never the span dump.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::compact::cut;
use crate::answer::nanos_rfc3339;
use crate::execute::FetchedTrace;
use crate::execute::trace_id::base64_id_to_hex;

/// Characters of a status or exception message kept.
const MESSAGE_CHARS: usize = 240;

#[derive(Debug, Clone)]
struct SpanInfo {
    id: String,
    parent: String,
    service: String,
    name: String,
    start: u64,
    end: u64,
    error: bool,
    message: Option<String>,
}

impl SpanInfo {
    fn duration_ns(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    fn brief(&self) -> Value {
        json!({
            "service": self.service,
            "name": cut(&self.name, 120),
            "durationMs": ms(self.duration_ns()),
        })
    }
}

fn ms(ns: u64) -> f64 {
    (ns as f64 / 1e4).round() / 100.0
}

fn spans_of(fetched: &FetchedTrace) -> Vec<SpanInfo> {
    let hex = |b64: &str| base64_id_to_hex(b64).unwrap_or_else(|| b64.to_string());
    let mut out = Vec::new();
    for rs in &fetched.trace.resource_spans {
        let service = rs
            .resource
            .attributes
            .iter()
            .find(|kv| kv.key == "service.name")
            .map(|kv| kv.value.to_text())
            .unwrap_or_else(|| "unknown".to_string());
        for ss in &rs.scope_spans {
            for span in &ss.spans {
                let error = span.status.code_number() == 2;
                let exception = span
                    .events
                    .iter()
                    .flat_map(|e| e.attributes.iter())
                    .find(|kv| kv.key == "exception.message")
                    .map(|kv| kv.value.to_text());
                let message = Some(span.status.message.clone())
                    .filter(|m| !m.is_empty())
                    .or(exception)
                    .map(|m| cut(&m, MESSAGE_CHARS));
                out.push(SpanInfo {
                    id: hex(&span.span_id),
                    parent: hex(&span.parent_span_id),
                    service: service.clone(),
                    name: span.name.clone(),
                    start: span.start_time_unix_nano,
                    end: span.end_time_unix_nano.max(span.start_time_unix_nano),
                    error,
                    message,
                });
            }
        }
    }
    out
}

/// The summary of a fetched trace, listing at most `max_spans` spans per section.
pub fn summarise_trace(fetched: &FetchedTrace, max_spans: usize) -> Value {
    let spans = spans_of(fetched);
    if spans.is_empty() {
        return json!({ "traceID": fetched.trace_id, "spanCount": 0 });
    }
    let ids: HashMap<&str, usize> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, s) in spans.iter().enumerate() {
        match ids.get(s.parent.as_str()) {
            Some(&p) if !s.parent.is_empty() && p != i => children.entry(p).or_default().push(i),
            _ => roots.push(i),
        }
    }
    let start = spans.iter().map(|s| s.start).min().unwrap_or(0);
    let end = spans.iter().map(|s| s.end).max().unwrap_or(0);
    let root = roots
        .iter()
        .copied()
        .min_by_key(|&i| (spans[i].start, std::cmp::Reverse(spans[i].end)))
        .unwrap_or(0);

    // Critical path: from the root, the child that ends last, each with the time not spent in children.
    let mut path = Vec::new();
    let mut at = Some(root);
    let mut seen = vec![false; spans.len()];
    while let Some(i) = at {
        if seen[i] || path.len() >= max_spans {
            break;
        }
        seen[i] = true;
        let kids = children.get(&i).map(Vec::as_slice).unwrap_or(&[]);
        let covered = covered_ns(kids.iter().map(|&k| (spans[k].start, spans[k].end)));
        let mut step = spans[i].brief();
        step["selfMs"] = json!(ms(spans[i].duration_ns().saturating_sub(covered)));
        if spans[i].error {
            step["error"] = json!(true);
        }
        path.push(step);
        at = kids.iter().copied().max_by_key(|&k| spans[k].end);
    }

    let mut by_duration: Vec<&SpanInfo> = spans.iter().collect();
    by_duration.sort_by_key(|s| std::cmp::Reverse(s.duration_ns()));
    let slowest: Vec<Value> = by_duration
        .iter()
        .take(max_spans)
        .map(|s| s.brief())
        .collect();

    let errors: Vec<&SpanInfo> = spans.iter().filter(|s| s.error).collect();
    let error_rows: Vec<Value> = errors
        .iter()
        .take(max_spans)
        .map(|s| {
            let mut row = s.brief();
            if let Some(m) = &s.message {
                row["message"] = json!(m);
            }
            row
        })
        .collect();

    let mut services: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for s in &spans {
        let e = services.entry(s.service.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(s.error);
    }
    let services: Vec<Value> = services
        .into_iter()
        .map(|(name, (n, errs))| json!({ "service": name, "spans": n, "errors": errs }))
        .collect();

    let r = &spans[root];
    json!({
        "traceID": fetched.trace_id,
        "root": { "service": r.service, "name": cut(&r.name, 120) },
        "start": nanos_rfc3339(start.min(i64::MAX as u64) as i64),
        "durationMs": ms(end.saturating_sub(start)),
        "spanCount": spans.len(),
        "errorCount": errors.len(),
        "services": services,
        "criticalPath": path,
        "slowest": slowest,
        "errors": error_rows,
    })
}

/// Nanoseconds covered by the union of the intervals.
fn covered_ns(intervals: impl Iterator<Item = (u64, u64)>) -> u64 {
    let mut v: Vec<(u64, u64)> = intervals.collect();
    v.sort_unstable();
    let mut total = 0;
    let mut current: Option<(u64, u64)> = None;
    for (s, e) in v {
        match current {
            Some((cs, ce)) if s <= ce => current = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                current = Some((s, e));
            }
            None => current = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = current {
        total += ce - cs;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_children_are_counted_once() {
        assert_eq!(covered_ns([(0, 10), (5, 15), (20, 30)].into_iter()), 25);
        assert_eq!(covered_ns(std::iter::empty()), 0);
    }
}
