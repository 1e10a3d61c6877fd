//! Limits on what one query may cost: log lines, traces, response bytes (settings give the defaults),
//! hard ceilings no query can raise, the longest time range (`maxQueryRangeHours`: a longer one keeps
//! its end and says so), and the bytes a LogQL query may make Loki scan (`maxScanBytes`, asked of
//! Loki's `index/stats` before the query runs: over budget, the range is narrowed to the most recent
//! part that fits, with a notice, or the query is refused, per `scanBudgetAction`).

use chrono::TimeDelta;

use super::loki::LokiClient;
use super::metrics::metrics;
use super::{ExecuteError, TimeRange};
use crate::plan::QueryDuration;
use crate::settings::{Limits, ScanBudgetAction};

/// How many `index/stats` checks a query gets: the whole range, then the narrowed one.
const SCAN_CHECKS: usize = 2;

/// No query reads more lines than this, whatever it asks for: Loki refuses far less by default
/// (`max_entries_limit_per_query: 5000`), so this only stops absurd requests before they are sent.
pub const HARD_MAX_LINES: u32 = 100_000;
/// No search asks for more traces than this (each hit is a row in Grafana's table).
pub const HARD_MAX_TRACES: u32 = 5_000;

/// The line limit of a log query: the query's own, else the datasource's `maxLines`.
pub fn line_limit(requested: Option<u32>, limits: &Limits) -> u32 {
    requested
        .filter(|n| *n > 0)
        .unwrap_or(limits.max_lines.get())
        .min(HARD_MAX_LINES)
}

/// The trace limit of a search: the query's own, else the datasource's `maxTraces`.
pub fn trace_limit(requested: Option<u32>, limits: &Limits) -> u32 {
    requested
        .filter(|n| *n > 0)
        .unwrap_or(limits.max_traces.get())
        .min(HARD_MAX_TRACES)
}

/// The range a query runs over: at most `maxQueryRangeHours` long, keeping its end. The notice says
/// what changed.
pub fn cap_range(range: TimeRange, limits: &Limits) -> (TimeRange, Option<String>) {
    let Some(max) = limits.max_query_range else {
        return (range, None);
    };
    let Ok(max_delta) = TimeDelta::from_std(max) else {
        return (range, None);
    };
    if range.end - range.start <= max_delta {
        return (range, None);
    }
    let start = range.end - max_delta;
    let notice = format!(
        "The time range was narrowed to the last {} (`maxQueryRangeHours`).",
        QueryDuration::from_secs_f64(max.as_secs_f64())
    );
    (TimeRange { start, ..range }, Some(notice))
}

/// With `maxScanBytes` set, asks Loki's `index/stats` how many bytes `query` would scan over
/// `range`; over budget, narrows the range to the most recent part that fits (a warning says so)
/// or refuses. Without a budget, or when Loki cannot say, the range is kept.
pub async fn check_scan_budget(
    loki: &LokiClient,
    query: &str,
    range: TimeRange,
    limits: &Limits,
    warnings: &mut Vec<String>,
) -> Result<TimeRange, ExecuteError> {
    let Some(budget) = limits.max_scan_bytes else {
        return Ok(range);
    };
    let selectors = stream_selectors(query);
    if selectors.is_empty() {
        return Ok(range);
    }
    let mut current = range;
    let mut whole_range_bytes = 0;
    for check in 0..SCAN_CHECKS {
        let mut bytes = 0u64;
        for selector in &selectors {
            match loki.fetch_index_stats(selector, &current).await {
                Ok(stats) => bytes = bytes.saturating_add(stats.bytes),
                Err(e) => {
                    tracing::warn!(error = %e, "index/stats failed; the scan budget is not checked");
                    return Ok(current);
                }
            }
        }
        if check == 0 {
            whole_range_bytes = bytes;
        }
        if bytes <= budget {
            if check > 0 {
                warnings.push(format!(
                    "Loki would scan {} over the whole time range, more than the {} budget \
                     (`maxScanBytes`): showing the last {} ({}) instead.",
                    human_bytes(whole_range_bytes),
                    human_bytes(budget),
                    QueryDuration::from_secs_f64(
                        (current.end - current.start).num_seconds().max(1) as f64
                    ),
                    human_bytes(bytes),
                ));
                metrics().scan_budget(false);
            }
            return Ok(current);
        }
        if limits.scan_budget_action == ScanBudgetAction::Refuse || check + 1 == SCAN_CHECKS {
            metrics().scan_budget(true);
            return Err(ExecuteError::ScanBudget {
                bytes,
                budget,
                query: query.to_string(),
            });
        }
        // Narrow to the share of the range that fits, assuming bytes spread evenly, with a margin.
        let share = budget as f64 / bytes as f64 * 0.9;
        let span = (current.end - current.start).num_milliseconds() as f64 * share;
        let span = TimeDelta::milliseconds(span.max(1000.0) as i64);
        current = TimeRange {
            start: current.end - span,
            end: current.end,
        };
    }
    Ok(current)
}

/// The stream selectors (`{...}`) of a LogQL query, outside quoted strings: what `index/stats` takes.
pub fn stream_selectors(query: &str) -> Vec<String> {
    let bytes = query.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut start = None;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'`' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    if quote == b'"' && bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' if start.is_none() => start = Some(i),
            b'}' => {
                if let Some(s) = start.take() {
                    out.push(query[s..=i].to_string());
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.sort();
    out.dedup();
    out
}

/// `12.3 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value >= 100.0 || value.fract() < 0.05 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;
    use std::time::Duration;

    #[test]
    fn long_ranges_keep_their_end() {
        let end = chrono::Utc::now();
        let range = TimeRange::new(end - TimeDelta::days(90), end).unwrap();
        let limits = Limits::default();
        let (capped, notice) = cap_range(range, &limits);
        assert_eq!(capped.end, end);
        assert_eq!(capped.end - capped.start, TimeDelta::hours(721));
        assert!(notice.unwrap().contains("`maxQueryRangeHours`"));
        let short = TimeRange::new(end - TimeDelta::hours(1), end).unwrap();
        assert_eq!(cap_range(short, &limits), (short, None));
        let unlimited = Limits {
            max_query_range: None,
            ..Limits::default()
        };
        assert_eq!(cap_range(range, &unlimited).0, range);
        let one_hour = Limits {
            max_query_range: Some(Duration::from_secs(3600)),
            ..Limits::default()
        };
        assert_eq!(
            cap_range(range, &one_hour).0.start,
            end - TimeDelta::hours(1)
        );
    }

    #[test]
    fn selectors_are_found_outside_strings() {
        assert_eq!(
            stream_selectors(
                r#"sum by (a) (rate({app="x", b=~"y|z"} |= "{not}" | line_format "{{.msg}}" [5m])) / sum(rate({app="w"}[5m]))"#
            ),
            vec![
                r#"{app="w"}"#.to_string(),
                r#"{app="x", b=~"y|z"}"#.to_string()
            ]
        );
        assert_eq!(
            stream_selectors(r#"{a="q\"}"}"#),
            vec![r#"{a="q\"}"}"#.to_string()]
        );
        assert!(stream_selectors("vector(1)").is_empty());
    }

    #[test]
    fn bytes_read_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(5 * 1024 * 1024 * 1024), "5 GiB");
        assert_eq!(human_bytes(1_300_000), "1.2 MiB");
    }

    #[test]
    fn query_limit_wins_within_ceilings() {
        let limits = Limits {
            max_lines: NonZeroU32::new(1000).unwrap(),
            max_traces: NonZeroU32::new(20).unwrap(),
            ..Limits::default()
        };
        assert_eq!(line_limit(None, &limits), 1000);
        assert_eq!(line_limit(Some(5), &limits), 5);
        assert_eq!(line_limit(Some(0), &limits), 1000);
        assert_eq!(line_limit(Some(u32::MAX), &limits), HARD_MAX_LINES);
        assert_eq!(trace_limit(None, &limits), 20);
        assert_eq!(trace_limit(Some(100), &limits), 100);
        assert_eq!(trace_limit(Some(1_000_000), &limits), HARD_MAX_TRACES);
    }
}
