//! The embedded translator: a question and the user's [`Schema`] → a [`Plan`], with no LLM.
//!
//! [`reading`] claims the words of the question (time, services, levels, fields, phrases, numbers, cues);
//! [`decide`] picks the kind of answer; [`logs`] and [`traces`] build typed LogQL/TraceQL; [`clarify`]
//! answers honestly when no safe query exists. Pure and allocation-light: microseconds per question.

mod clarify;

pub use clarify::examples;
mod decide;
mod followup;
pub mod lexicon;
mod logs;
pub mod reading;
mod traces;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use followup::{MAX_CHAIN, Previous, Resolved, translate_in_context};

use crate::ground::Schema;
use crate::plan::{Plan, PlanKind, TimeSource};

/// Questions longer than this are refused with a clarification rather than read.
pub const MAX_QUESTION_BYTES: usize = 4_000;

/// What the user asked and the context it was asked in.
#[derive(Debug, Clone)]
pub struct Question<'a> {
    pub text: &'a str,
    pub now: DateTime<Utc>,
    pub tz: Tz,
    /// Explore's or the dashboard's range: used unless the question names a time.
    pub dashboard: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl<'a> Question<'a> {
    pub fn new(text: &'a str, now: DateTime<Utc>) -> Self {
        Self {
            text,
            now,
            tz: chrono_tz::UTC,
            dashboard: None,
        }
    }
}

/// Default range when neither the question nor a dashboard gives one.
pub const DEFAULT_RANGE: chrono::Duration = chrono::Duration::hours(1);

/// Translates a question into a plan (or a clarification). Never fails and never panics.
pub fn translate(question: &Question, schema: &Schema) -> Plan {
    let text = question.text.trim();
    if text.is_empty() {
        return clarify::empty(question.now, schema);
    }
    if text.len() > MAX_QUESTION_BYTES {
        return clarify::too_long(question.now, text.len());
    }
    let reading = reading::read(text, question.now, question.tz, schema);
    let (start, end, time_source) = match (&reading.time, question.dashboard) {
        (Some(t), _) => (t.start, t.end, TimeSource::Question),
        (None, Some((s, e))) => (s, e, TimeSource::Dashboard),
        (None, None) => (
            question.now - DEFAULT_RANGE,
            question.now,
            TimeSource::Default,
        ),
    };
    // A range written backwards (or ending before it starts) is read the right way round.
    let (start, end) = if start > end {
        (end, start)
    } else {
        (start, end)
    };
    if let Some(plan) = clarify::check(&reading, schema, end) {
        return with_context(plan, reading, time_source);
    }
    let kind = decide::kind(&reading);
    let range = Range { start, end };
    let plan = match kind {
        PlanKind::Logs | PlanKind::Correlate => logs::log_plan(&reading, schema, kind, range),
        PlanKind::Metrics => logs::metric_plan(&reading, schema, range),
        PlanKind::Traces => traces::search_plan(&reading, schema, range),
        PlanKind::TraceMetrics => traces::metrics_plan(&reading, schema, range),
        PlanKind::Trace | PlanKind::Clarify => clarify::nothing_understood(end, schema),
    };
    with_context(plan, reading, time_source)
}

fn with_context(mut plan: Plan, reading: reading::Reading, time_source: TimeSource) -> Plan {
    plan.time_source = time_source;
    plan.understood = reading.understood;
    plan
}

/// The time range a plan covers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Range {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Range {
    pub fn duration(&self) -> crate::plan::QueryDuration {
        let secs = (self.end - self.start).num_seconds().max(1) as u64;
        crate::plan::QueryDuration::from_secs(secs)
    }
}

/// Content words of the question that no reading claimed (not filler words, not Korean particles or
/// endings): the translator's confidence signal. Two or more such words mean the plan may have missed
/// part of the question; the optional LLM translator is asked then.
pub fn unexplained_words(question: &Question, schema: &Schema) -> Vec<String> {
    let text = question.text.trim();
    if text.is_empty() || text.len() > MAX_QUESTION_BYTES {
        return Vec::new();
    }
    let r = reading::read(text, question.now, question.tz, schema);
    r.tokens
        .iter()
        .zip(&r.claimed)
        .filter(|(t, claimed)| {
            !**claimed
                && t.kind == crate::understand::TokenKind::Word
                && t.lower.chars().count() >= 3
                && t.lower.chars().any(|c| c.is_alphabetic())
                && !lexicon::is_known_word(&t.lower)
        })
        .map(|(t, _)| t.text.clone())
        .collect()
}

#[cfg(test)]
mod confidence_tests {
    use super::*;

    #[test]
    fn unexplained_words_flag_what_the_reading_missed() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/demo-schema.json"
        );
        let schema: Schema = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let now = "2026-11-25T08:38:56Z".parse().unwrap();
        let words = |q: &str| unexplained_words(&Question::new(q, now), &schema);
        assert!(words("show error logs from order-service in the last 3 hours").is_empty());
        assert!(words("p95 latency of product-service over the last 6 hours").is_empty());
        assert_eq!(
            words("what's the weather like in Seoul tomorrow?"),
            vec!["weather", "Seoul", "tomorrow"]
        );
    }
}
