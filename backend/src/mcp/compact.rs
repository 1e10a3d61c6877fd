//! Results for a model: one page of compact rows (log lines newest first, series as statistics plus a
//! few points, trace hits), never the whole answer. Long lines are cut; every page says how many rows
//! there are and which page comes next.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::answer::nanos_rfc3339;
use crate::execute::{Executed, QueryResult, Series};

/// Characters of a log line kept.
const LINE_CHARS: usize = 400;
/// Points kept per series (evenly spread, the last one always).
const SERIES_POINTS: usize = 12;

/// Which page of rows to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Rows per page.
    pub rows: usize,
    /// From 1.
    pub number: usize,
}

impl Page {
    /// Rows the query must fetch to fill this page.
    pub fn needed(&self) -> usize {
        self.rows.saturating_mul(self.number)
    }

    fn slice<T>(&self, items: Vec<T>) -> (usize, Vec<T>) {
        let total = items.len();
        let from = self.rows.saturating_mul(self.number - 1);
        (
            total,
            items.into_iter().skip(from).take(self.rows).collect(),
        )
    }
}

/// Cuts text to `max` characters, saying so.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let kept: String = text.chars().take(max).collect();
        format!("{kept}…")
    }
}

/// The rows of an answer for one page, with paging keys (`total`, `page`, `pages`, `nextPage`) and,
/// when a limit was hit, `limited`.
pub fn rows(executed: &Executed, page: Page) -> Value {
    let (key, total, rows) = match &executed.result {
        QueryResult::Streams(streams) => {
            let mut lines: Vec<(i64, Value)> = streams
                .iter()
                .flat_map(|s| {
                    let service = s
                        .labels
                        .get("service_name")
                        .or_else(|| s.labels.get("service"))
                        .cloned();
                    let level = s
                        .labels
                        .get("level")
                        .or_else(|| s.labels.get("detected_level"))
                        .cloned();
                    s.entries.iter().map(move |e| {
                        let mut row = json!({
                            "time": nanos_rfc3339(e.ts_ns),
                            "line": cut(&e.line, LINE_CHARS),
                        });
                        if let Some(svc) = &service {
                            row["service"] = json!(svc);
                        }
                        if let Some(l) = &level {
                            row["level"] = json!(l);
                        }
                        if let Some(t) = crate::frames::trace_id_of(&s.labels, e) {
                            row["traceID"] = json!(t);
                        }
                        (e.ts_ns, row)
                    })
                })
                .collect();
            lines.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
            let (total, page_rows) = page.slice(lines);
            (
                "logs",
                total,
                page_rows.into_iter().map(|(_, r)| r).collect(),
            )
        }
        QueryResult::Series { series, instant } => {
            let (total, page_rows) = page.slice(series.iter().collect::<Vec<_>>());
            (
                "series",
                total,
                page_rows
                    .into_iter()
                    .map(|s| series_row(s, *instant))
                    .collect::<Vec<_>>(),
            )
        }
        QueryResult::TraceSearch(traces) => {
            let (total, page_rows) = page.slice(traces.iter().collect::<Vec<_>>());
            let rows = page_rows
                .into_iter()
                .map(|t| {
                    json!({
                        "traceID": t.trace_id,
                        "service": t.root_service_name,
                        "name": t.root_trace_name,
                        "start": nanos_rfc3339(t.start_time_unix_nano.min(i64::MAX as u64) as i64),
                        "durationMs": t.duration_ms,
                    })
                })
                .collect();
            ("traces", total, rows)
        }
        QueryResult::Trace(t) => (
            "traces",
            1,
            vec![json!({ "traceID": t.trace_id, "spans": t.trace.span_count() })],
        ),
    };
    let pages = total.div_ceil(page.rows.max(1)).max(1);
    let mut out = json!({
        "total": total,
        "page": page.number,
        "pages": pages,
        key: rows,
    });
    if page.number < pages {
        out["nextPage"] = json!(page.number + 1);
    }
    if let Some(limit) = executed.limit
        && total >= limit as usize
    {
        out["limited"] = json!(format!(
            "the query stopped at its limit of {limit}; narrow it (time range, filters) to see everything"
        ));
    }
    out
}

/// A series as its labels, statistics and a few points.
fn series_row(s: &Series, instant: bool) -> Value {
    let finite: Vec<f64> = s
        .points
        .iter()
        .map(|p| p.value)
        .filter(|v| v.is_finite())
        .collect();
    let num = |v: f64| {
        if v.is_finite() {
            json!((v * 1000.0).round() / 1000.0)
        } else {
            json!(v.to_string())
        }
    };
    let labels: BTreeMap<&String, &String> = s.labels.iter().collect();
    if instant {
        return json!({
            "labels": labels,
            "value": s.points.last().map(|p| num(p.value)),
        });
    }
    let stats = if finite.is_empty() {
        json!(null)
    } else {
        let sum: f64 = finite.iter().sum();
        json!({
            "min": num(finite.iter().copied().fold(f64::INFINITY, f64::min)),
            "max": num(finite.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
            "avg": num(sum / finite.len() as f64),
            "sum": num(sum),
        })
    };
    let n = s.points.len();
    let step = n.div_ceil(SERIES_POINTS).max(1);
    let mut picked: Vec<usize> = (0..n).step_by(step).collect();
    if n > 0 && picked.last() != Some(&(n - 1)) {
        picked.push(n - 1);
    }
    let points: Vec<Value> = picked
        .into_iter()
        .filter_map(|i| s.points.get(i))
        .map(|p| {
            json!([
                nanos_rfc3339(p.t_ms.saturating_mul(1_000_000)),
                num(p.value)
            ])
        })
        .collect();
    json!({ "labels": labels, "samples": n, "stats": stats, "points": points })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::Point;
    use crate::plan::PlanKind;

    #[test]
    fn pages_cut_series_and_say_what_comes_next() {
        let series: Vec<Series> = (0..5)
            .map(|i| Series {
                labels: BTreeMap::from([("service_name".to_string(), format!("s{i}"))]),
                points: (0..100)
                    .map(|t| Point {
                        t_ms: t * 60_000,
                        value: t as f64,
                    })
                    .collect(),
            })
            .collect();
        let executed = Executed {
            kind: PlanKind::Metrics,
            query: "q".into(),
            result: QueryResult::Series {
                series,
                instant: false,
            },
            limit: None,
            warnings: Vec::new(),
        };
        let v = rows(&executed, Page { rows: 2, number: 2 });
        assert_eq!(v["total"], 5);
        assert_eq!(v["pages"], 3);
        assert_eq!(v["nextPage"], 3);
        let s = &v["series"][0];
        assert_eq!(s["labels"]["service_name"], "s2");
        assert_eq!(s["stats"]["max"], 99.0);
        assert!(s["points"].as_array().unwrap().len() <= SERIES_POINTS + 1);
        let last = rows(&executed, Page { rows: 2, number: 3 });
        assert!(last.get("nextPage").is_none());
        assert_eq!(last["series"].as_array().unwrap().len(), 1);
        assert_eq!(cut("abcdef", 3), "abc…");
    }
}
