//! The plain-language summary of a diagnosis, written from templates when no LLM is configured. Every
//! claim cites its evidence (`[E3]`) and hypothesis (`H1`), so a later LLM narration of the same
//! evidence pack can be checked against it sentence by sentence.

use super::hypothesis::{Basis, Confidence, Hypothesis};
use super::{EvidenceKind, EvidenceLog};

/// What was looked at, for the opening sentence.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// `payment-service error lines` or `traces matching { status = error }`.
    pub subject: String,
    /// `between ... and ...`.
    pub range: String,
}

fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high confidence",
        Confidence::Medium => "medium confidence",
        Confidence::Low => "low confidence",
    }
}

fn cite(h: &Hypothesis, log: &EvidenceLog, kind: EvidenceKind) -> Option<String> {
    h.evidence_ids
        .iter()
        .find(|id| log.get(id).is_some_and(|e| e.kind == kind))
        .map(|id| format!(" [{id}]"))
}

/// The summary: what was looked at, the most likely cause with its key evidence, the other candidates.
pub fn write_summary(scope: &Scope, hypotheses: &[Hypothesis], log: &EvidenceLog) -> String {
    let mut text = String::new();
    let overview = log
        .items
        .iter()
        .filter(|e| matches!(e.kind, EvidenceKind::Overview | EvidenceKind::Missing))
        .map(|e| format!("{} [{}]", e.text.trim_end_matches('.'), e.id))
        .collect::<Vec<_>>();
    if !overview.is_empty() {
        text.push_str(&overview.join(". "));
        text.push_str(". ");
    }
    let Some(top) = hypotheses.first() else {
        text.push_str(&format!(
            "No {} {} to explain, so there is no likely cause to report.",
            if scope.subject.is_empty() {
                "lines or traces"
            } else {
                scope.subject.as_str()
            },
            scope.range
        ));
        return text.trim().to_string();
    };
    text.push_str(&format!(
        "Most likely cause ({}, {}): {}.",
        top.id,
        confidence(top.confidence),
        top.title.trim_end_matches('.')
    ));
    let mut support: Vec<String> = Vec::new();
    match top.basis {
        Basis::Traces => {
            if let Some(c) = cite(top, log, EvidenceKind::Traces) {
                let verb = if top.failing_span.as_ref().is_some_and(|f| f.error) {
                    "fail first in that span"
                } else {
                    "spend most of their time in that span"
                };
                support.push(format!(
                    "{} trace{} {verb}{c}",
                    top.traces,
                    if top.traces == 1 { "" } else { "s" }
                ));
            }
        }
        Basis::LogChain => {
            if let Some(c) = cite(top, log, EvidenceKind::Propagation) {
                support.push(format!(
                    "in {} request{} {} logged the error before its callers{c}",
                    top.traces,
                    if top.traces == 1 { "" } else { "s" },
                    top.service
                ));
            }
        }
        Basis::LogLines => {}
    }
    if top.basis == Basis::Traces
        && !top.upstream_services.is_empty()
        && let Some(c) = cite(top, log, EvidenceKind::Propagation)
    {
        support.push(format!(
            "the failure reaches {}{c}",
            top.upstream_services.join(" and ")
        ));
    }
    if top.lines > 0
        && let Some(c) = cite(top, log, EvidenceKind::LogLines)
    {
        support.push(format!("it accounts for {} of the log lines{c}", top.lines));
    }
    if let Some(c) = cite(top, log, EvidenceKind::TraceLogs) {
        let services: Vec<&str> = top
            .related_lines_by_service
            .keys()
            .map(String::as_str)
            .collect();
        support.push(format!(
            "the same requests logged in {}{c}",
            services.join(" and ")
        ));
    }
    if let Some(c) = cite(top, log, EvidenceKind::Spike) {
        support.push(format!("the lines spike over their baseline{c}"));
    }
    if !support.is_empty() {
        let mut joined = support.join(", ");
        if let Some(first) = joined.get(..1) {
            joined = first.to_uppercase() + &joined[1..];
        }
        text.push_str(&format!(" {joined}."));
    }
    let others: Vec<String> = hypotheses
        .iter()
        .skip(1)
        .map(|h| {
            let count = if h.lines > 0 {
                format!("{} line{}", h.lines, if h.lines == 1 { "" } else { "s" })
            } else {
                format!("{} trace{}", h.traces, if h.traces == 1 { "" } else { "s" })
            };
            format!("{} {} ({count})", h.id, h.title.trim_end_matches('.'))
        })
        .collect();
    if !others.is_empty() {
        text.push_str(&format!(" Also seen: {}.", others.join("; ")));
    }
    text
}
