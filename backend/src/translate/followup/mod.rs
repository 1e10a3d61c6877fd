//! Follow-up questions: "now only the last 30 minutes", "what about payment-service?", "show the traces
//! for those", "지난 1시간만", "그 중 에러만" — resolved against the previous question of a conversation.
//!
//! A follow-up is read like any question, then laid over the reading of the conversation so far: what it
//! names replaces what was there (a time range, a service, levels, a field condition), what it adds is
//! added (an exclusion, a phrase), and everything it does not mention is inherited — including the
//! previous plan's time range. The merged reading goes through the same plan builders as a fresh
//! question, so a follow-up's query is exactly what the whole question would have produced.
//!
//! The conversation is carried as [`Previous`]: the questions read so far (oldest first, bounded) and the
//! previous plan's kind and time range. It is plain data (sessions store it; the Grafana frontend sends
//! the previous question and plan as `context`), and re-reading a few questions costs microseconds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod detect;
mod merge;

use super::reading::{self, Reading};
use super::{Question, Range, clarify, decide, logs, traces, with_context};
use crate::ground::Schema;
use crate::plan::{Plan, PlanKind, QueryDuration, TimeSource, Understood};
use detect::is_followup;
use merge::merge;

/// Questions of one chain kept for re-reading; older ones are dropped (their effect is usually
/// overridden by then).
pub const MAX_CHAIN: usize = 8;

/// What a follow-up builds on: the conversation's questions and the previous plan's kind and range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Previous {
    /// The questions read together to make the previous plan, oldest first (at most [`MAX_CHAIN`]).
    pub questions: Vec<String>,
    pub kind: PlanKind,
    /// The range the previous plan covered (for an instant query, its window); `None` for a clarification.
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// The previous range came from the dashboard's time picker (then a new picker range wins).
    #[serde(default)]
    pub from_dashboard: bool,
}

impl Previous {
    /// The context a plan leaves for the next question, `chain` being the questions read to make it.
    pub fn after(chain: Vec<String>, plan: &Plan) -> Self {
        let mut questions = chain;
        if questions.len() > MAX_CHAIN {
            questions.drain(..questions.len() - MAX_CHAIN);
        }
        let (start, end) = match plan_range(plan) {
            Some(r) => (Some(r.start), Some(r.end)),
            None => (None, None),
        };
        Previous {
            questions,
            kind: plan.kind,
            start,
            end,
            from_dashboard: plan.time_source == TimeSource::Dashboard,
        }
    }

    /// The context the Grafana frontend sends: the previous question and its plan as the `translate`
    /// contract object (`kind`, `query`, `start`, `end`, `instant`, ...). `None` when it is unusable.
    pub fn from_contract(question: &str, plan: &serde_json::Value) -> Option<Self> {
        let question = question.trim();
        if question.is_empty() || question.len() > super::MAX_QUESTION_BYTES {
            return None;
        }
        let kind = PlanKind::parse(plan.get("kind")?.as_str()?)?;
        let time = |key: &str| {
            plan.get(key)
                .and_then(|v| v.as_str())
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        let end = time("end");
        let start = time("start").or_else(|| {
            let window = plan
                .get("query")
                .and_then(|q| q.as_str())
                .and_then(last_window)?;
            end.map(|e| e - window.as_chrono())
        });
        Some(Previous {
            questions: vec![question.to_string()],
            kind,
            start: start.filter(|_| kind != PlanKind::Clarify),
            end: end.filter(|_| kind != PlanKind::Clarify),
            from_dashboard: false,
        })
    }

    fn range(&self) -> Option<Range> {
        match (self.start, self.end) {
            (Some(start), Some(end)) if start <= end => Some(Range { start, end }),
            _ => None,
        }
    }
}

/// The range a plan covers: its start and end, or for an instant query the window before its end.
fn plan_range(plan: &Plan) -> Option<Range> {
    if plan.kind == PlanKind::Clarify {
        return None;
    }
    let start = match plan.start {
        Some(s) => s,
        None => plan.end - last_window(&plan.query_text()?)?.as_chrono(),
    };
    Some(Range {
        start,
        end: plan.end,
    })
}

/// The last range-vector window of a query (`[3h]` in `count_over_time({...}[3h])`).
fn last_window(query: &str) -> Option<QueryDuration> {
    let open = query.rfind('[')?;
    let close = open + query[open..].find(']')?;
    QueryDuration::parse(&query[open + 1..close])
}

/// A question translated in a conversation.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub plan: Plan,
    /// Whether the question was read as a follow-up of the previous one.
    pub followed: bool,
    /// What the next question builds on.
    pub next: Previous,
}

impl Resolved {
    /// Another translator's plan for the same question (the LLM's): the conversation continues from it.
    pub fn replace_plan(&mut self, question: &str, plan: Plan) {
        self.next = Previous::after(vec![question.trim().to_string()], &plan);
        self.plan = plan;
        self.followed = false;
    }
}

/// Translates `question` in the context of `previous` (the conversation so far, if any). A question
/// that reads as a new one ("show error logs from order-service") is translated on its own.
pub fn translate_in_context(
    question: &Question,
    previous: Option<&Previous>,
    schema: &Schema,
) -> Resolved {
    let text = question.text.trim();
    let fresh = |followed: bool| {
        let plan = super::translate(question, schema);
        let next = Previous::after(vec![text.to_string()], &plan);
        Resolved {
            plan,
            followed,
            next,
        }
    };
    let Some(previous) = previous.filter(|p| !p.questions.is_empty()) else {
        return fresh(false);
    };
    if text.is_empty() || text.len() > super::MAX_QUESTION_BYTES {
        return fresh(false);
    }
    let follow = reading::read(text, question.now, question.tz, schema);
    if !is_followup(&follow) {
        return fresh(false);
    }
    // The conversation so far, folded question by question as it was asked.
    let mut base = reading::read(&previous.questions[0], question.now, question.tz, schema);
    let mut base_kind = decide::kind(&base);
    for q in &previous.questions[1..] {
        let next = reading::read(q, question.now, question.tz, schema);
        base = merge(base, base_kind, next);
        base_kind = decide::kind(&base);
    }
    if previous.kind != PlanKind::Clarify {
        base_kind = previous.kind;
    }
    let followed_words = follow.text.clone();
    let merged = merge(base, base_kind, follow);

    let (range, time_source) = match (&merged.time, previous.range(), question.dashboard) {
        (Some(t), _, _) => (
            Range {
                start: t.start.min(t.end),
                end: t.end.max(t.start),
            },
            TimeSource::Question,
        ),
        (None, Some(_), Some((s, e))) if previous.from_dashboard => (
            Range {
                start: s.min(e),
                end: e.max(s),
            },
            TimeSource::Dashboard,
        ),
        (None, Some(r), _) => (
            r,
            if previous.from_dashboard {
                TimeSource::Dashboard
            } else {
                TimeSource::Question
            },
        ),
        (None, None, Some((s, e))) => (
            Range {
                start: s.min(e),
                end: e.max(s),
            },
            TimeSource::Dashboard,
        ),
        (None, None, None) => (
            Range {
                start: question.now - super::DEFAULT_RANGE,
                end: question.now,
            },
            TimeSource::Default,
        ),
    };
    let mut plan = build(merged, schema, range, time_source);
    plan.understood.insert(
        0,
        Understood {
            what: "context",
            text: followed_words,
            meaning: format!(
                "follow-up of “{}”",
                previous.questions.last().map(String::as_str).unwrap_or("")
            ),
        },
    );
    let mut chain = previous.questions.clone();
    chain.push(text.to_string());
    let next = Previous::after(chain, &plan);
    Resolved {
        plan,
        followed: true,
        next,
    }
}

/// The plan builders of [`super::translate`], from an already merged reading.
fn build(r: Reading, schema: &Schema, range: Range, time_source: TimeSource) -> Plan {
    if let Some(plan) = clarify::check(&r, schema, range.end) {
        return with_context(plan, r, time_source);
    }
    let plan = match decide::kind(&r) {
        kind @ (PlanKind::Logs | PlanKind::Correlate) => logs::log_plan(&r, schema, kind, range),
        PlanKind::Metrics => logs::metric_plan(&r, schema, range),
        PlanKind::Traces => traces::search_plan(&r, schema, range),
        PlanKind::TraceMetrics => traces::metrics_plan(&r, schema, range),
        PlanKind::Trace | PlanKind::Clarify => clarify::nothing_understood(range.end, schema),
    };
    with_context(plan, r, time_source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_of_instant_queries() {
        assert_eq!(
            last_window("sum(count_over_time({a=\"b\"}[3h]))").map(|d| d.to_string()),
            Some("3h".to_string())
        );
        assert_eq!(last_window("{a=\"b\"}"), None);
    }
}
