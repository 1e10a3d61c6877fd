//! A [`Hypothesis`]: one ranked explanation (where the failure starts, against what, which callers it
//! reaches) with the numbered evidence sentences that support it ([`add_evidence`]).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::cause::{Cause, Dependency};
use super::spikes::Spike;
use super::{EvidenceKind, EvidenceLog, window_text};

/// What a hypothesis rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Fetched traces agree on the failing (or slow) span.
    Traces,
    /// Lines of several services share trace ids (the traces themselves are missing).
    LogChain,
    /// Log lines of one template.
    LogLines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

/// The span a hypothesis blames, over all its traces.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailingSpan {
    pub service: String,
    pub name: String,
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status_message: String,
    pub error: bool,
    pub attributes: BTreeMap<String, String>,
    pub duration_ms_min: f64,
    pub duration_ms_max: f64,
}

/// One step of the chain from the root span down to the failing span.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainStep {
    pub service: String,
    pub name: String,
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status_message: String,
    pub error: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateCount {
    pub service: String,
    pub message: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExampleLine {
    pub time: String,
    pub service: String,
    pub line: String,
}

/// One ranked explanation with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hypothesis {
    /// `H1`, `H2`, ... in rank order.
    pub id: String,
    pub rank: usize,
    pub title: String,
    /// Where the failure starts.
    pub service: String,
    pub cause: Cause,
    pub basis: Basis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependency: Option<Dependency>,
    /// Share of the answer's lines (or traces) it explains, 0..1.
    pub score: f64,
    pub confidence: Confidence,
    /// First and last line (trace start when it has no lines), RFC 3339.
    pub start: String,
    pub end: String,
    #[serde(skip)]
    pub start_ns: i64,
    #[serde(skip)]
    pub end_ns: i64,
    pub lines: usize,
    /// Of those, lines whose trace was not fetched, joined by their template.
    pub lines_by_template: usize,
    pub lines_by_service: BTreeMap<String, usize>,
    /// Traces that support it (fetched), or distinct trace ids of its lines when none were fetched.
    pub traces: usize,
    /// Examples (at most five, newest first).
    pub trace_ids: Vec<String>,
    /// Every supporting trace id.
    #[serde(skip)]
    pub supporting_trace_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_span: Option<FailingSpan>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<ChainStep>,
    /// Callers affected, nearest first.
    pub upstream_services: Vec<String>,
    pub templates: Vec<TemplateCount>,
    pub example_lines: Vec<ExampleLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spike: Option<Spike>,
    /// Traces → logs: lines of its traces that are not in the answer (other services, other levels),
    /// for the traces that were asked about (`relatedTraces`).
    pub related_lines: usize,
    pub related_lines_by_service: BTreeMap<String, usize>,
    pub related_traces: usize,
    pub related_examples: Vec<ExampleLine>,
    /// `[E3] ...` sentences (the frontend lists them).
    pub evidence: Vec<String>,
    pub evidence_ids: Vec<String>,
}

pub(super) fn list_counts(map: &BTreeMap<String, usize>) -> String {
    let mut v: Vec<(&String, &usize)> = map.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn attribute_text(attrs: &BTreeMap<String, String>) -> String {
    const SHOWN: &[&str] = &[
        "peer.service",
        "server.address",
        "db.system",
        "db.operation",
        "db.sql.table",
        "http.response.status_code",
        "error.type",
    ];
    SHOWN
        .iter()
        .filter_map(|k| attrs.get(*k).map(|v| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Numbered evidence for one ranked hypothesis; fills its `evidence` and `evidence_ids`.
pub(super) fn add_evidence(h: &mut Hypothesis, log: &mut EvidenceLog) {
    let hid = h.id.clone();
    let mut cite = |h: &mut Hypothesis, kind, text: String, data| {
        let id = log.add(kind, Some(&hid), text.clone(), data);
        h.evidence.push(format!("[{id}] {text}"));
        h.evidence_ids.push(id);
    };
    if h.lines > 0 {
        let mut text = format!(
            "{} log line{} {} ({})",
            h.lines,
            if h.lines == 1 { "" } else { "s" },
            window_text(h.start_ns, h.end_ns),
            list_counts(&h.lines_by_service)
        );
        if h.lines_by_template > 0 {
            text.push_str(&format!(
                "; {} of them from requests whose traces were not fetched, matched by their template",
                h.lines_by_template
            ));
        }
        text.push('.');
        let data = json!({ "count": h.lines, "byService": h.lines_by_service, "start": h.start,
                           "end": h.end, "matchedByTemplate": h.lines_by_template,
                           "examples": h.example_lines });
        cite(h, EvidenceKind::LogLines, text, data);
    }
    if !h.templates.is_empty() {
        let text = format!(
            "Their templates: {}.",
            h.templates
                .iter()
                .map(|t| format!("{} \"{}\" ×{}", t.service, t.message, t.count))
                .collect::<Vec<_>>()
                .join("; ")
        );
        let data = json!(h.templates);
        cite(h, EvidenceKind::Patterns, text, data);
    }
    if let Some(f) = h.failing_span.clone() {
        let example = h.trace_ids.first().cloned().unwrap_or_default();
        let text = if f.error {
            format!(
                "{} trace{} fail first in {} `{}` (the deepest error span), e.g. trace {example}.",
                h.traces,
                if h.traces == 1 { "" } else { "s" },
                f.service,
                f.name
            )
        } else {
            format!(
                "{} trace{} without errors spend most of their time in {} `{}`, e.g. trace {example}.",
                h.traces,
                if h.traces == 1 { "" } else { "s" },
                f.service,
                f.name
            )
        };
        let data = json!({ "count": h.traces, "traceIds": h.trace_ids });
        cite(h, EvidenceKind::Traces, text, data);
        let attrs = attribute_text(&f.attributes);
        let what = if attrs.is_empty() {
            format!("{} span", if f.kind.is_empty() { "a" } else { &f.kind })
        } else {
            format!(
                "{} span; {attrs}",
                if f.kind.is_empty() { "a" } else { &f.kind }
            )
        };
        let text = if f.error {
            format!(
                "{} `{}` ({what}) ends in error after {} ms: \"{}\".",
                f.service,
                f.name,
                ms_range(f.duration_ms_min, f.duration_ms_max),
                f.status_message
            )
        } else {
            format!(
                "{} `{}` ({what}) takes {} ms with no error status.",
                f.service,
                f.name,
                ms_range(f.duration_ms_min, f.duration_ms_max)
            )
        };
        let data = json!(f);
        cite(h, EvidenceKind::FailingSpan, text, data);
    }
    if h.chain.len() > 1 || (h.basis == Basis::LogChain && !h.upstream_services.is_empty()) {
        let text = if h.basis == Basis::LogChain {
            format!(
                "In each of {} request{}, {} logs the error first, then {}.",
                h.traces,
                if h.traces == 1 { "" } else { "s" },
                h.service,
                h.upstream_services.join(", then ")
            )
        } else {
            let steps: Vec<String> = h
                .chain
                .iter()
                .rev()
                .map(|s| {
                    if s.status_message.is_empty() {
                        format!("{} `{}`", s.service, s.name)
                    } else {
                        format!("{} `{}` (\"{}\")", s.service, s.name, s.status_message)
                    }
                })
                .collect();
            let affected = if h.upstream_services.is_empty() {
                String::new()
            } else {
                format!("; affected upstream: {}", h.upstream_services.join(", "))
            };
            format!("It propagates up: {}{affected}.", steps.join(" → "))
        };
        let data = json!({ "chain": h.chain, "upstreamServices": h.upstream_services });
        cite(h, EvidenceKind::Propagation, text, data);
    }
    if h.related_lines > 0 {
        let text = format!(
            "The same requests logged {} more line{} ({}), looked up for {} of its traces.",
            h.related_lines,
            if h.related_lines == 1 { "" } else { "s" },
            list_counts(&h.related_lines_by_service),
            h.related_traces
        );
        let data = json!({ "count": h.related_lines, "byService": h.related_lines_by_service,
                           "traces": h.related_traces, "examples": h.related_examples });
        cite(h, EvidenceKind::TraceLogs, text, data);
    }
    if let Some(s) = h.spike.clone() {
        let service = s.labels.get("service").cloned().unwrap_or_default();
        let text = format!(
            "{service}'s lines spike to {} per bucket at {} against a baseline of {} ({}).",
            crate::plan::logql_number(s.peak),
            super::clock_ns(s.peak_ms * 1_000_000),
            crate::plan::logql_number((s.baseline * 100.0).round() / 100.0),
            window_text(s.start_ms * 1_000_000, s.end_ms * 1_000_000)
        );
        let data = json!(s);
        cite(h, EvidenceKind::Spike, text, data);
    }
}

fn ms_range(min: f64, max: f64) -> String {
    if (max - min).abs() < 0.5 {
        format!("{max:.0}")
    } else {
        format!("{min:.0}–{max:.0}")
    }
}
