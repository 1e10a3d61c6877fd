//! Scoring the translator on a case file (`../shared/eval/*.jsonl`): each case's question is translated
//! and compared with its expected plan — structurally (kind, time range ±90 s, limit, instant, step and
//! the query in canonical form) or, with live Loki/Tempo, by what the queries return.

mod execution;
mod relative;
mod structural;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::plan::{Plan, PlanKind};

pub use execution::compare_by_execution;
pub use relative::resolve_relative;
pub use structural::compare_structurally;

/// One case of an evaluation file.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Case {
    pub id: String,
    pub question: String,
    pub expect: Expect,
}

/// What the case expects. Times are relative to the evaluation's `now` (`now-3h`, `now/d`, ...).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Expect {
    pub kind: PlanKind,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub instant: Option<bool>,
    #[serde(default)]
    pub step: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub allow_empty: Option<bool>,
}

/// Reads a JSON-lines case file; blank lines and `#` comments are skipped.
pub fn parse_cases(text: &str) -> Result<Vec<Case>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(n, l)| serde_json::from_str::<Case>(l).map_err(|e| format!("line {}: {e}", n + 1)))
        .collect()
}

/// The time tolerance of the design notes.
pub const TIME_TOLERANCE_SECS: i64 = 90;

/// The outcome of one case.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub id: String,
    pub question: String,
    pub passed: bool,
    /// Why it failed (empty when it passed).
    pub problems: Vec<String>,
    pub predicted: serde_json::Value,
    pub expected_kind: PlanKind,
    pub micros: u64,
}

/// Checks what does not depend on running queries: kind, times, limit, instant, step.
pub fn compare_shape(case: &Case, plan: &Plan, now: DateTime<Utc>) -> Vec<String> {
    let e = &case.expect;
    let mut problems = Vec::new();
    if plan.kind != e.kind {
        problems.push(format!(
            "kind `{}` instead of `{}`",
            plan.kind.as_str(),
            e.kind.as_str()
        ));
        return problems;
    }
    if e.kind == PlanKind::Clarify {
        return problems;
    }
    let near =
        |a: DateTime<Utc>, b: DateTime<Utc>| (a - b).num_seconds().abs() <= TIME_TOLERANCE_SECS;
    match e.start.as_deref().map(|s| resolve_relative(s, now)) {
        Some(Ok(start)) => match plan.start {
            Some(p) if near(p, start) => {}
            Some(p) => problems.push(format!(
                "start {} instead of {}",
                crate::plan::rfc3339(&p),
                crate::plan::rfc3339(&start)
            )),
            None => problems.push(format!(
                "no start (instant) instead of {}",
                crate::plan::rfc3339(&start)
            )),
        },
        Some(Err(err)) => problems.push(format!("bad expected start: {err}")),
        None => {}
    }
    match e.end.as_deref().map(|s| resolve_relative(s, now)) {
        Some(Ok(end)) if !near(plan.end, end) => problems.push(format!(
            "end {} instead of {}",
            crate::plan::rfc3339(&plan.end),
            crate::plan::rfc3339(&end)
        )),
        Some(Err(err)) => problems.push(format!("bad expected end: {err}")),
        _ => {}
    }
    if e.instant.unwrap_or(false) != plan.instant {
        problems.push(if plan.instant {
            "instant query instead of a range query".into()
        } else {
            "range query instead of an instant query".into()
        });
    }
    if e.limit != plan.limit {
        problems.push(format!("limit {:?} instead of {:?}", plan.limit, e.limit));
    }
    if let Some(step) = &e.step {
        let want = crate::plan::QueryDuration::parse(step);
        if want != plan.step {
            problems.push(format!(
                "step {} instead of {step}",
                plan.step.map_or("none".to_string(), |s| s.to_string())
            ));
        }
    }
    problems
}

/// Accuracy summary of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub cases: usize,
    pub passed: usize,
    pub accuracy: f64,
    pub mode: &'static str,
    pub by_kind: std::collections::BTreeMap<String, (usize, usize)>,
}

pub fn summarise(outcomes: &[Outcome], mode: &'static str) -> Summary {
    let mut by_kind = std::collections::BTreeMap::new();
    for o in outcomes {
        let e: &mut (usize, usize) = by_kind
            .entry(o.expected_kind.as_str().to_string())
            .or_default();
        e.1 += 1;
        if o.passed {
            e.0 += 1;
        }
    }
    let passed = outcomes.iter().filter(|o| o.passed).count();
    Summary {
        cases: outcomes.len(),
        passed,
        accuracy: if outcomes.is_empty() {
            0.0
        } else {
            passed as f64 * 100.0 / outcomes.len() as f64
        },
        mode,
        by_kind,
    }
}
