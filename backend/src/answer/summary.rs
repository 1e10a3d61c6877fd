//! Plain-language summaries written from templates: what ran, over which range, and the headline numbers
//! (lines and the services and levels they came from; series and their peaks; traces and the slowest).

use std::collections::BTreeMap;

use crate::execute::{Executed, QueryResult};
use crate::plan::{Plan, TimeSource, rfc3339};

fn range_text(plan: &Plan) -> String {
    let when = match plan.start {
        Some(start) => format!("between {} and {}", short(&start), short(&plan.end)),
        None => format!("up to {}", short(&plan.end)),
    };
    match plan.time_source {
        TimeSource::Question => when,
        TimeSource::Dashboard => format!("{when} (the dashboard's range)"),
        TimeSource::Default => format!("{when} (the last hour: the question named no time)"),
    }
}

fn short(t: &chrono::DateTime<chrono::Utc>) -> String {
    let s = rfc3339(t);
    s.replace('T', " ").trim_end_matches('Z').to_string() + " UTC"
}

fn top(counts: &BTreeMap<String, usize>, n: usize) -> Vec<(&String, &usize)> {
    let mut v: Vec<_> = counts.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.truncate(n);
    v
}

fn list(items: &[(&String, &usize)]) -> String {
    items
        .iter()
        .map(|(k, v)| format!("{k} ({v})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A one-paragraph summary of what a plan returned.
pub fn summarise(plan: &Plan, executed: &Executed) -> String {
    let range = range_text(plan);
    match &executed.result {
        QueryResult::Streams(streams) => {
            let lines: usize = streams.iter().map(|s| s.entries.len()).sum();
            if lines == 0 {
                return format!("No log lines matched {range}.");
            }
            let mut services = BTreeMap::new();
            let mut levels = BTreeMap::new();
            for s in streams {
                let service = s
                    .labels
                    .get("service_name")
                    .or_else(|| s.labels.get("app"))
                    .cloned()
                    .unwrap_or_else(|| "unknown".into());
                *services.entry(service).or_insert(0) += s.entries.len();
                if let Some(l) = s
                    .labels
                    .get("level")
                    .or_else(|| s.labels.get("detected_level"))
                {
                    *levels.entry(l.clone()).or_insert(0) += s.entries.len();
                }
            }
            let capped = executed.limit.is_some_and(|l| lines as u32 >= l);
            let mut text = format!(
                "{}{lines} log line{} {range}, from {}.",
                if capped { "At least " } else { "" },
                if lines == 1 { "" } else { "s" },
                list(&top(&services, 5))
            );
            if levels.len() > 1 || levels.keys().any(|l| l != "info") {
                text.push_str(&format!(" Levels: {}.", list(&top(&levels, 4))));
            }
            if capped {
                text.push_str(" The line limit was reached; narrow the question or raise the limit to see more.");
            }
            text
        }
        QueryResult::Series { series, instant } => {
            if series.is_empty() {
                return format!("No samples {range}.");
            }
            let label_of = |s: &crate::execute::Series| -> String {
                if s.labels.is_empty() {
                    "total".to_string()
                } else {
                    s.labels.values().cloned().collect::<Vec<_>>().join(", ")
                }
            };
            let fmt = |v: f64| crate::plan::logql_number((v * 1000.0).round() / 1000.0);
            if *instant {
                let mut values: Vec<(String, f64)> = series
                    .iter()
                    .filter_map(|s| s.points.last().map(|p| (label_of(s), p.value)))
                    .collect();
                values.sort_by(|a, b| b.1.total_cmp(&a.1));
                let shown: Vec<String> = values
                    .iter()
                    .take(6)
                    .map(|(l, v)| format!("{l}: {}", fmt(*v)))
                    .collect();
                format!(
                    "{} {range}: {}.",
                    if values.len() == 1 { "Value" } else { "Values" },
                    shown.join("; ")
                )
            } else {
                let mut peaks: Vec<(String, f64, i64)> = series
                    .iter()
                    .filter_map(|s| {
                        s.points
                            .iter()
                            .filter(|p| p.value.is_finite())
                            .max_by(|a, b| a.value.total_cmp(&b.value))
                            .map(|p| (label_of(s), p.value, p.t_ms))
                    })
                    .collect();
                peaks.sort_by(|a, b| b.1.total_cmp(&a.1));
                let shown: Vec<String> = peaks
                    .iter()
                    .take(4)
                    .map(|(l, v, t)| {
                        let at = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(*t)
                            .map(|t| short(&t))
                            .unwrap_or_default();
                        format!("{l} peaks at {} ({at})", fmt(*v))
                    })
                    .collect();
                format!("{} series {range}; {}.", series.len(), shown.join("; "))
            }
        }
        QueryResult::TraceSearch(traces) => {
            if traces.is_empty() {
                return format!("No traces matched {range}.");
            }
            let slowest = traces
                .iter()
                .filter_map(|t| t.duration_ms.map(|d| (d, t)))
                .max_by_key(|(d, _)| *d);
            let mut roots = BTreeMap::new();
            for t in traces {
                *roots
                    .entry(
                        t.root_service_name
                            .clone()
                            .unwrap_or_else(|| "unknown".into()),
                    )
                    .or_insert(0) += 1;
            }
            let mut text = format!(
                "{} trace{} {range}, rooted in {}.",
                traces.len(),
                if traces.len() == 1 { "" } else { "s" },
                list(&top(&roots, 4))
            );
            if let Some((d, t)) = slowest {
                text.push_str(&format!(
                    " Slowest: {} ms, {} `{}` ({}).",
                    d,
                    t.root_service_name.as_deref().unwrap_or("?"),
                    t.root_trace_name.as_deref().unwrap_or("?"),
                    t.trace_id
                ));
            }
            text
        }
        QueryResult::Trace(t) => {
            format!("Trace {} with {} spans.", t.trace_id, t.trace.span_count())
        }
    }
}
