//! What running a plan returns: typed results shared by the frame builders, the CLI and analysis.

use std::collections::BTreeMap;

use serde::Serialize;

use super::loki_stream::LokiAnswer;
use super::loki_types::Stream;
use super::tempo_types::{Trace, TraceSummary};
use crate::plan::PlanKind;

/// One sample: epoch milliseconds and a value (NaN and infinities allowed, as Loki sends them).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    pub t_ms: i64,
    pub value: f64,
}

/// One metric series (Loki matrix/vector, TraceQL metrics): labels and points in time order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<Point>,
}

/// A trace fetched by id, with its id as 32 lowercase hex characters.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedTrace {
    pub trace_id: String,
    pub trace: Trace,
}

/// The typed answer of one query.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    /// Log streams (LogQL log query).
    Streams(Vec<Stream>),
    /// Metric series (LogQL metric query or TraceQL metrics); `instant` for one-point answers.
    Series { series: Vec<Series>, instant: bool },
    /// Trace search hits (TraceQL search), trace ids padded to 32 characters.
    TraceSearch(Vec<TraceSummary>),
    /// One trace.
    Trace(Box<FetchedTrace>),
}

/// A plan that ran: what kind, the exact query text sent, and the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Executed {
    pub kind: PlanKind,
    /// The LogQL/TraceQL (or trace id) exactly as sent; becomes `meta.executedQueryString`.
    pub query: String,
    pub result: QueryResult,
    /// The line/trace limit that applied, when one did.
    pub limit: Option<u32>,
    /// What the guardrails changed (a narrowed time range, an answer cut at the size cap): shown as
    /// warnings on the frames.
    pub warnings: Vec<String>,
}

/// A log plan that ran, its answer still in columns (see `execute::execute_logs`).
#[derive(Debug, Clone)]
pub struct ExecutedLogs {
    pub kind: PlanKind,
    pub query: String,
    /// Shared with identical queries answered at the same time (and the response cache).
    pub answer: std::sync::Arc<LokiAnswer>,
    pub limit: Option<u32>,
    pub warnings: Vec<String>,
}

impl Executed {
    /// Log lines, series points, traces or spans in the answer (for summaries and the CLI).
    pub fn row_count(&self) -> usize {
        match &self.result {
            QueryResult::Streams(streams) => streams.iter().map(|s| s.entries.len()).sum(),
            QueryResult::Series { series, .. } => series.iter().map(|s| s.points.len()).sum(),
            QueryResult::TraceSearch(traces) => traces.len(),
            QueryResult::Trace(t) => t.trace.span_count(),
        }
    }
}
