//! Analyse: from an answer's log lines (or traces) to a cited explanation, without an LLM.
//!
//! Takes a `correlate` (or `logs`/`traces`) [`Plan`](crate::plan::Plan) and the [`Clients`](crate::execute::Clients)
//! and returns an [`Analysis`] ([`investigate`]): the log lines, each linked to its trace id
//! ([`extract`](trace_id_in_entry), [`link_lines`]); the traces fetched from Tempo within caps and a
//! deadline ([`fetch_traces`]) and summarised ([`digest_trace`]: critical path, slowest spans, error
//! spans, the deepest error span); error templates ([`assign_loki_patterns`], else [`cluster_lines`]);
//! spikes of the lines over time ([`detect_spikes`]); the lines of every service carrying the trace ids
//! ([`fetch_trace_logs`], traces → logs); and ranked [`Hypothesis`]es ([`diagnose`]), each
//! citing numbered [`Evidence`] (`E1`, `E2`, ...) that the plain-language summary ([`write_summary`])
//! and, later, an LLM narrate. [`build_analysis_frames`] turns an analysis into Grafana frames (logs
//! with trace links, a trace table, the example trace, a hypotheses table); [`build_annotation_frame`]
//! turns spikes, lines or traces into annotation events.

mod annotations;
mod cause;
mod correlate;
mod diagnose;
mod extract;
mod frames;
mod hypothesis;
mod patterns;
mod run;
mod spikes;
mod summary;
mod trace_logs;
mod trace_summary;

use serde::Serialize;
use serde_json::Value;

pub use annotations::{AnnotationEvent, annotation_events, build_annotation_frame};
pub use cause::{Cause, Dependency, DependencyKind, classify};
pub use correlate::{
    CorrelateLimits, FetchReport, LogLine, TraceFailure, fetch_traces, link_lines, select_trace_ids,
};
pub use diagnose::{DiagnosisInput, SLOW_SPAN_MS, diagnose};
pub use extract::{
    FoundTraceId, IdSource, is_trace_id_key, normalise_trace_id, service_of, trace_id_in_entry,
    trace_id_in_line,
};
pub use frames::{analysis_custom, build_analysis_frames};
pub use hypothesis::{
    Basis, ChainStep, Confidence, ExampleLine, FailingSpan, Hypothesis, TemplateCount,
};
pub use patterns::{
    LogPattern, PatternLine, PatternSource, assign_loki_patterns, cluster_lines, line_message,
    pattern_matches,
};
pub use run::{
    Analysis, Correlation, Fetched, TraceLogs, analyse_fetched, investigate, investigate_with,
    lines_and_ids,
};
pub use spikes::{Spike, SpikeOptions, bucket_counts, detect_spikes, step_for_range};
pub use summary::write_summary;
pub use trace_logs::{
    MAX_TRACE_LOG_IDS, TraceLine, build_trace_logs_queries, fetch_trace_logs, group_by_trace,
};
pub use trace_summary::{SpanBrief, TraceDigest, digest_trace};

use crate::execute::ExecuteError;

/// What can stop an analysis (trace fetching problems do not: they become notices and evidence).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyseError {
    /// The log query (or trace search) itself failed.
    #[error(transparent)]
    Execute(#[from] ExecuteError),
    #[error(
        "`{kind}` answers cannot be diagnosed; ask about failing or slow services (logs or traces), e.g. \"why is payment-service failing?\""
    )]
    NotDiagnosable { kind: &'static str },
}

/// What a piece of evidence is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// What the analysis looked at (lines, trace ids, traces fetched).
    Overview,
    /// Traces that could not be fetched.
    Missing,
    /// Log lines of a hypothesis: count, services, window, examples.
    LogLines,
    /// Their templates.
    Patterns,
    /// Traces that agree on where the failure starts.
    Traces,
    /// The span where the failure starts (or the slow span).
    FailingSpan,
    /// How the failure travels up to the callers.
    Propagation,
    /// A spike of the lines over time.
    Spike,
    /// Lines of other services (or levels) carrying the hypothesis' trace ids (traces → logs).
    TraceLogs,
}

/// One numbered fact with its data; hypotheses and summaries cite it by `id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// `E1`, `E2`, ...
    pub id: String,
    pub kind: EvidenceKind,
    /// One sentence a person (or an LLM) can repeat as it is.
    pub text: String,
    /// The hypothesis it supports (`H1`), absent for the overview.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hypothesis: Option<String>,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub data: Value,
}

/// Numbered evidence, in the order it is added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvidenceLog {
    pub items: Vec<Evidence>,
}

impl EvidenceLog {
    /// Adds a fact and returns its id.
    pub fn add(
        &mut self,
        kind: EvidenceKind,
        hypothesis: Option<&str>,
        text: String,
        data: Value,
    ) -> String {
        let id = format!("E{}", self.items.len() + 1);
        self.items.push(Evidence {
            id: id.clone(),
            kind,
            text,
            hypothesis: hypothesis.map(String::from),
            data,
        });
        id
    }

    pub fn get(&self, id: &str) -> Option<&Evidence> {
        self.items.iter().find(|e| e.id == id)
    }
}

/// `2026-11-25 06:24:46 UTC`, the way summaries write times.
pub(crate) fn short_time_ns(ns: i64) -> String {
    let t = chrono::DateTime::<chrono::Utc>::from_timestamp(
        ns.div_euclid(1_000_000_000),
        ns.rem_euclid(1_000_000_000) as u32,
    )
    .unwrap_or_default();
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `06:24:46`, for the second time of a window on the same day.
pub(crate) fn clock_ns(ns: i64) -> String {
    let t = chrono::DateTime::<chrono::Utc>::from_timestamp(
        ns.div_euclid(1_000_000_000),
        ns.rem_euclid(1_000_000_000) as u32,
    )
    .unwrap_or_default();
    t.format("%H:%M:%S").to_string()
}

/// `between 2026-11-25 06:24:46 and 06:43:42 UTC` (the date once when both are on the same day).
pub(crate) fn window_text(first_ns: i64, last_ns: i64) -> String {
    let a = short_time_ns(first_ns);
    let b = short_time_ns(last_ns);
    if a.get(..10) == b.get(..10) {
        format!(
            "between {} and {} UTC",
            &a[..a.len() - 4],
            clock_ns(last_ns)
        )
    } else {
        format!("between {} and {b}", &a[..a.len() - 4])
    }
}
