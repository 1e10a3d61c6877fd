//! Logs → traces: every log line linked to its trace id ([`link_lines`]), the distinct ids chosen
//! within a cap ([`select_trace_ids`]) and fetched from Tempo ([`fetch_traces`]): concurrently, bounded
//! in traces, spans per trace and spans overall, under one deadline, and stopping at the first sign that
//! Tempo is down (a refused connection or a timeout) instead of failing the same way a hundred times.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde::Serialize;

use super::extract::{IdSource, service_of, trace_id_in_entry};
use crate::execute::loki_types::Stream;
use crate::execute::{ExecuteError, FetchedTrace, TempoClient, TimeRange};

/// Traces fetched for one answer: enough to see every incident of a busy hour, few enough to stay fast.
pub const DEFAULT_MAX_TRACES: usize = 100;
/// A trace with more spans than this is not analysed (its body is still bounded by `maxResponseBytes`).
pub const DEFAULT_MAX_SPANS_PER_TRACE: usize = 10_000;
/// Spans kept over all traces of one answer (memory bound).
pub const DEFAULT_MAX_SPANS: usize = 200_000;
/// Trace requests in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Time allowed for all trace requests together; traces not back by then are reported, not waited for.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(15);

/// Bounds of one correlation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrelateLimits {
    pub max_traces: usize,
    pub max_spans_per_trace: usize,
    pub max_spans: usize,
    pub concurrency: usize,
    pub deadline: Duration,
}

impl Default for CorrelateLimits {
    fn default() -> Self {
        CorrelateLimits {
            max_traces: DEFAULT_MAX_TRACES,
            max_spans_per_trace: DEFAULT_MAX_SPANS_PER_TRACE,
            max_spans: DEFAULT_MAX_SPANS,
            concurrency: DEFAULT_CONCURRENCY,
            deadline: DEFAULT_DEADLINE,
        }
    }
}

/// One log line of the answer, linked to its trace when it names one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLine {
    /// Position in the Loki answer: `streams[stream].entries[entry]`.
    pub stream: usize,
    pub entry: usize,
    pub ts_ns: i64,
    /// The stream's service (`service_name`, `app`, ...), `unknown` when it has none.
    pub service: String,
    pub level: Option<String>,
    /// 32 lowercase hex characters.
    pub trace_id: Option<String>,
    pub id_source: Option<IdSource>,
}

/// Every line of `streams` (within `range`, when given: a real Loki never answers outside the asked
/// range, a cache or proxy in front of it might) with its service, level and trace id; newest first.
pub fn link_lines(streams: &[Stream], range: Option<&TimeRange>) -> Vec<LogLine> {
    let bounds = range.map(|r| {
        (
            r.start.timestamp_nanos_opt().unwrap_or(i64::MIN),
            r.end.timestamp_nanos_opt().unwrap_or(i64::MAX),
        )
    });
    let mut lines = Vec::new();
    for (si, stream) in streams.iter().enumerate() {
        let service = service_of(&stream.labels)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| "unknown".to_string());
        let stream_level = ["level", "detected_level", "severity", "lvl"]
            .iter()
            .find_map(|k| stream.labels.get(*k))
            .cloned();
        for (ei, entry) in stream.entries.iter().enumerate() {
            if let Some((start, end)) = bounds
                && (entry.ts_ns < start || entry.ts_ns > end)
            {
                continue;
            }
            let found = trace_id_in_entry(&stream.labels, entry);
            let level = stream_level.clone().or_else(|| {
                entry
                    .structured_metadata
                    .get("detected_level")
                    .or_else(|| entry.structured_metadata.get("level"))
                    .cloned()
            });
            lines.push(LogLine {
                stream: si,
                entry: ei,
                ts_ns: entry.ts_ns,
                service: service.clone(),
                level,
                id_source: found.as_ref().map(|f| f.source),
                trace_id: found.map(|f| f.trace_id),
            });
        }
    }
    lines.sort_by(|a, b| {
        b.ts_ns
            .cmp(&a.ts_ns)
            .then(a.stream.cmp(&b.stream))
            .then(a.entry.cmp(&b.entry))
    });
    lines
}

/// The distinct trace ids of the lines, at most `max`: when there are more, ids are taken evenly over the
/// lines' time order, so every burst of errors keeps some of its traces. Returns the chosen ids (in
/// the lines' order) and how many distinct ids were left out.
pub fn select_trace_ids(lines: &[LogLine], max: usize) -> (Vec<String>, usize) {
    let mut seen = HashMap::new();
    let mut distinct: Vec<&str> = Vec::new();
    for id in lines.iter().filter_map(|l| l.trace_id.as_deref()) {
        if seen.insert(id, ()).is_none() {
            distinct.push(id);
        }
    }
    if distinct.len() <= max {
        return (distinct.into_iter().map(String::from).collect(), 0);
    }
    let n = distinct.len();
    let chosen: Vec<String> = (0..max)
        .map(|i| distinct[i * n / max].to_string())
        .collect();
    (chosen, n - max)
}

/// Why a trace is missing from the analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceFailure {
    pub trace_id: String,
    pub reason: String,
}

/// What fetching the traces gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchReport {
    /// Fetched traces, in the order their ids were asked for.
    pub traces: Vec<FetchedTrace>,
    /// Traces Tempo answered with an error, did not have, or that were over a span cap.
    pub failures: Vec<TraceFailure>,
    /// Ids never asked for (the deadline passed, Tempo was down or the span budget was spent).
    pub not_fetched: Vec<String>,
    pub deadline_hit: bool,
    /// The deadline that applied.
    pub deadline: Duration,
    /// Why the fetching stopped early (Tempo unreachable or not answering), when it did.
    pub aborted: Option<String>,
}

impl FetchReport {
    /// All ids failed or were never fetched because of `reason` (Tempo not configured).
    pub fn unavailable(ids: &[String], reason: String) -> Self {
        FetchReport {
            not_fetched: ids.to_vec(),
            aborted: Some(reason),
            ..FetchReport::default()
        }
    }

    /// One sentence on what could not be fetched, or `None` when every trace came back.
    pub fn problem(&self) -> Option<String> {
        let missing = self.failures.len() + self.not_fetched.len();
        if missing == 0 {
            return None;
        }
        let asked = missing + self.traces.len();
        let mut text = if self.traces.is_empty() {
            format!("The traces could not be fetched ({asked} asked for)")
        } else {
            format!("{missing} of {asked} traces could not be fetched")
        };
        if let Some(reason) = &self.aborted {
            text.push_str(&format!(": {reason}"));
        } else if self.deadline_hit {
            text.push_str(&format!(
                ": not all answered within {} s",
                self.deadline.as_secs_f64()
            ));
        } else if let Some(f) = self.failures.first() {
            text.push_str(&format!(" (e.g. {}: {})", f.trace_id, f.reason));
        }
        text.push('.');
        Some(text)
    }
}

/// Whether an error means Tempo itself is unreachable or stuck (so the other ids would fail alike).
fn is_peer_down(err: &ExecuteError) -> bool {
    matches!(
        err,
        ExecuteError::Connect { .. } | ExecuteError::Timeout { .. } | ExecuteError::Request { .. }
    ) || matches!(err, ExecuteError::Status { status, .. } if *status >= 500)
}

async fn fetch_one<'a>(
    tempo: &'a TempoClient,
    i: usize,
    id: &'a str,
) -> (usize, Result<FetchedTrace, ExecuteError>) {
    (i, tempo.fetch_trace(id).await)
}

/// Fetches the traces of `ids` from Tempo within `limits`.
pub async fn fetch_traces(
    tempo: &TempoClient,
    ids: &[String],
    limits: &CorrelateLimits,
) -> FetchReport {
    let mut report = FetchReport {
        deadline: limits.deadline,
        ..FetchReport::default()
    };
    let mut results: BTreeMap<usize, FetchedTrace> = BTreeMap::new();
    let mut answered = vec![false; ids.len()];
    let mut spans_total = 0usize;
    let deadline = tokio::time::Instant::now() + limits.deadline;
    let mut pending = FuturesUnordered::new();
    let mut queued = 0;
    loop {
        while queued < ids.len() && pending.len() < limits.concurrency.max(1) {
            pending.push(fetch_one(tempo, queued, &ids[queued]));
            queued += 1;
        }
        let next = match tokio::time::timeout_at(deadline, pending.next()).await {
            Ok(Some(next)) => next,
            Ok(None) => break,
            Err(_) => {
                report.deadline_hit = true;
                break;
            }
        };
        let (i, result) = next;
        answered[i] = true;
        match result {
            Ok(trace) => {
                let spans = trace.trace.span_count();
                if spans > limits.max_spans_per_trace {
                    report.failures.push(TraceFailure {
                        trace_id: ids[i].clone(),
                        reason: format!(
                            "{spans} spans, more than the {} analysed per trace",
                            limits.max_spans_per_trace
                        ),
                    });
                } else if spans_total + spans > limits.max_spans {
                    answered[i] = false;
                    report.aborted = Some(format!(
                        "the span budget of {} spans was spent",
                        limits.max_spans
                    ));
                    break;
                } else {
                    spans_total += spans;
                    results.insert(i, trace);
                }
            }
            Err(err) if is_peer_down(&err) => {
                answered[i] = false;
                report.aborted = Some(err.to_string());
                break;
            }
            Err(err) => report.failures.push(TraceFailure {
                trace_id: ids[i].clone(),
                reason: err.to_string(),
            }),
        }
    }
    drop(pending);
    report.not_fetched = ids
        .iter()
        .zip(&answered)
        .filter(|(_, done)| !**done)
        .map(|(id, _)| id.clone())
        .collect();
    report.traces = results.into_values().collect();
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::loki_types::Entry;
    use chrono::{TimeZone, Utc};

    fn stream(labels: &[(&str, &str)], lines: &[(i64, &str)]) -> Stream {
        Stream {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            entries: lines
                .iter()
                .map(|(ts, l)| Entry {
                    ts_ns: *ts,
                    line: l.to_string(),
                    structured_metadata: Default::default(),
                    parsed: Default::default(),
                })
                .collect(),
        }
    }

    #[test]
    fn lines_are_linked_sorted_and_clipped_to_the_range() {
        let streams = vec![
            stream(
                &[("service_name", "order-service"), ("level", "error")],
                &[
                    (
                        3_000_000_000,
                        "msg=a trace_id=0af7651916cd43dd8448eb211c80319c",
                    ),
                    (1_000_000_000, "msg=b"),
                ],
            ),
            stream(
                &[
                    ("app", "api"),
                    ("trace_id", "5722bc54b5e4a401a5a897790ba1d38"),
                ],
                &[(2_000_000_000, "GET / 500"), (9_000_000_000, "late")],
            ),
        ];
        let range = TimeRange::new(
            Utc.timestamp_opt(0, 0).unwrap(),
            Utc.timestamp_opt(5, 0).unwrap(),
        )
        .unwrap();
        let lines = link_lines(&streams, Some(&range));
        assert_eq!(lines.len(), 3, "the line after the range end is dropped");
        assert_eq!(lines[0].ts_ns, 3_000_000_000);
        assert_eq!(lines[0].service, "order-service");
        assert_eq!(lines[0].level.as_deref(), Some("error"));
        assert_eq!(lines[1].service, "api");
        assert_eq!(
            lines[1].trace_id.as_deref(),
            Some("05722bc54b5e4a401a5a897790ba1d38")
        );
        assert_eq!(lines[1].id_source, Some(IdSource::StreamLabel));
        assert_eq!(lines[2].trace_id, None);
        assert_eq!(link_lines(&streams, None).len(), 4);
    }

    fn line(id: Option<&str>) -> LogLine {
        LogLine {
            stream: 0,
            entry: 0,
            ts_ns: 0,
            service: "s".into(),
            level: None,
            trace_id: id.map(String::from),
            id_source: None,
        }
    }

    #[test]
    fn selection_is_distinct_and_spread_over_time() {
        let ids: Vec<String> = (0..10).map(|i| format!("{i:032x}")).collect();
        let mut lines: Vec<LogLine> = ids.iter().map(|i| line(Some(i))).collect();
        lines.push(line(Some(&ids[0])));
        lines.push(line(None));
        let (all, left) = select_trace_ids(&lines, 100);
        assert_eq!(all.len(), 10);
        assert_eq!(left, 0);
        let (some, left) = select_trace_ids(&lines, 4);
        assert_eq!(left, 6);
        assert_eq!(
            some,
            vec![
                ids[0].clone(),
                ids[2].clone(),
                ids[5].clone(),
                ids[7].clone()
            ]
        );
    }

    #[test]
    fn problems_are_one_sentence() {
        assert_eq!(FetchReport::default().problem(), None);
        let down = FetchReport::unavailable(
            &["a".into(), "b".into()],
            "cannot connect to Tempo at `http://x/`: refused".into(),
        );
        assert_eq!(
            down.problem().unwrap(),
            "The traces could not be fetched (2 asked for): cannot connect to Tempo at `http://x/`: refused."
        );
    }
}
