//! The answer to a question: the plan, what ran, a plain-language summary, and the compact form that
//! `querent ask --json` and MCP print (bounded: a few hundred rows at most, never a multi-megabyte dump).

mod summary;

use serde::Serialize;
use serde_json::{Value, json};

use crate::execute::{Executed, QueryResult};
use crate::plan::Plan;

pub use summary::summarise;

/// Rows kept in the compact form.
pub const COMPACT_ROWS: usize = 200;

/// A question answered.
#[derive(Debug, Clone)]
pub struct Answer {
    pub plan: Plan,
    pub executed: Option<Executed>,
    pub summary: String,
    /// Ranked hypotheses for diagnosis questions (filled by the analysis stage).
    pub hypotheses: Vec<Value>,
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
struct CompactLog<'a> {
    time: String,
    labels: &'a std::collections::BTreeMap<String, String>,
    line: &'a str,
}

impl Answer {
    /// The `ask --json` object of the design notes: `plan`, `summary`, `hypotheses`, and the rows as
    /// `logs`, `series` or `traces`.
    pub fn to_compact_json(&self) -> Value {
        let mut out = json!({
            "plan": self.plan.to_contract_json(),
            "summary": self.summary,
            "hypotheses": self.hypotheses,
        });
        if !self.warnings.is_empty() {
            out["warnings"] = json!(self.warnings);
        }
        let Some(executed) = &self.executed else {
            return out;
        };
        out["query"] = json!(executed.query);
        match &executed.result {
            QueryResult::Streams(streams) => {
                let mut rows: Vec<(i64, CompactLog)> = streams
                    .iter()
                    .flat_map(|s| {
                        s.entries.iter().map(move |e| {
                            (
                                e.ts_ns,
                                CompactLog {
                                    time: nanos_rfc3339(e.ts_ns),
                                    labels: &s.labels,
                                    line: &e.line,
                                },
                            )
                        })
                    })
                    .collect();
                rows.sort_by_key(|r| std::cmp::Reverse(r.0));
                let total = rows.len();
                let logs: Vec<&CompactLog> =
                    rows.iter().take(COMPACT_ROWS).map(|(_, r)| r).collect();
                out["logs"] = json!(logs);
                if total > COMPACT_ROWS {
                    out["truncated"] = json!({ "logs": total });
                }
            }
            QueryResult::Series { series, .. } => {
                let compact: Vec<Value> = series
                    .iter()
                    .take(COMPACT_ROWS)
                    .map(|s| {
                        let points: Vec<Value> = s
                            .points
                            .iter()
                            .map(|p| {
                                json!([
                                    p.t_ms / 1000,
                                    if p.value.is_finite() {
                                        json!(p.value)
                                    } else {
                                        json!(p.value.to_string())
                                    }
                                ])
                            })
                            .collect();
                        json!({ "labels": s.labels, "points": points })
                    })
                    .collect();
                out["series"] = json!(compact);
            }
            QueryResult::TraceSearch(traces) => {
                let compact: Vec<Value> = traces
                    .iter()
                    .take(COMPACT_ROWS)
                    .map(|t| {
                        json!({
                            "traceID": t.trace_id,
                            "rootService": t.root_service_name,
                            "rootName": t.root_trace_name,
                            "start": nanos_rfc3339(t.start_time_unix_nano as i64),
                            "durationMs": t.duration_ms,
                        })
                    })
                    .collect();
                out["traces"] = json!(compact);
            }
            QueryResult::Trace(t) => {
                out["traces"] = json!([{ "traceID": t.trace_id, "spans": t.trace.span_count() }]);
            }
        }
        out
    }
}

pub(crate) fn nanos_rfc3339(ns: i64) -> String {
    let t = chrono::DateTime::<chrono::Utc>::from_timestamp(
        ns.div_euclid(1_000_000_000),
        ns.rem_euclid(1_000_000_000) as u32,
    )
    .unwrap_or_default();
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
