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

use super::lexicon::{self as lx, any};
use super::reading::{self, Reading};
use super::{Question, Range, clarify, decide, logs, traces, with_context};
use crate::ground::Schema;
use crate::plan::{Plan, PlanKind, QueryDuration, TimeSource, Understood};
use crate::understand::TokenKind;

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

/// Words that refer back to the previous answer.
const ANAPHORA: &[&str] = &[
    "those", "these", "them", "same", "previous", "above", "ones", "instead",
];
/// Words that open a follow-up.
const LEADS: &[&str] = &[
    "and",
    "now",
    "also",
    "only",
    "same",
    "then",
    "but",
    "instead",
    "except",
    "exclude",
    "excluding",
    "without",
    "plus",
    "ok",
    "okay",
    "so",
    "as",
    "narrow",
    "zoom",
    "limit",
    "again",
];
/// Words that add a service rather than replace one ("payment-service too").
const ADDITIVE: &[&str] = &["also", "too", "plus"];
/// Korean words (whole tokens or stems) that refer back or open a follow-up.
const KO_BACK: &[&str] = &[
    "그",
    "그중",
    "그거",
    "그것",
    "그걸",
    "그게",
    "이거",
    "이것",
    "거기",
    "거기서",
    "해당",
    "그럼",
    "그러면",
    "이번엔",
    "이번에는",
    "대신",
    "같은",
    "똑같이",
    "동일",
    "말고",
    "위",
    "방금",
    "아까",
];

fn is_word(r: &Reading, i: usize, words: &[&str]) -> bool {
    r.tok(i).is_some_and(|t| any(t, words))
}

/// Whether a question reads as a follow-up rather than a new question.
fn is_followup(f: &Reading) -> bool {
    let n = f.tokens.len();
    if n == 0 {
        return false;
    }
    // A whole question (a subject, a kind of answer and a time) stands on its own.
    if !f.services.is_empty() && (f.cues.logs || f.cues.traces) && f.time.is_some() {
        return false;
    }
    // "what about X", "how about X", "and for X?"
    if (is_word(f, 0, &["what", "how"]) && is_word(f, 1, &["about"])) || is_word(f, 0, LEADS) {
        return true;
    }
    for (i, t) in f.tokens.iter().enumerate() {
        let free = f.free(i);
        if free && any(t, ANAPHORA) {
            return true;
        }
        if t.kind == TokenKind::Hangul {
            if KO_BACK.contains(&t.text.as_str())
                || lx::ko(
                    t,
                    &[
                        "그중",
                        "그거",
                        "그것",
                        "거기",
                        "해당",
                        "이번엔",
                        "대신",
                        "말고",
                    ],
                )
            {
                return true;
            }
            // "지난 1시간만", "에러만": only …
            if t.text.chars().count() >= 2 && t.text.ends_with('만') {
                return true;
            }
        }
    }
    if f.tokens.iter().any(|t| any(t, ADDITIVE)) {
        return true;
    }
    let named = !f.services.is_empty() || !f.unknown_services.is_empty();
    let subject =
        named || !f.trace_ids.is_empty() || !f.span_names.is_empty() || !f.routes.is_empty();
    let kind_words = f.cues.logs || f.cues.traces || f.cues.requests || f.cues.correlate;
    // A service and little else: "payment-service?", "payment-service는?", "order-service then".
    if named && n <= 4 && !kind_words && f.time.is_none() {
        return true;
    }
    // A fragment: a few words that name no subject and no kind of answer ("last 30 minutes",
    // "errors only", "per 5 minutes").
    n <= 6 && !subject && !kind_words && !f.understood.is_empty()
}

/// "all services", "every service", "전체 서비스", "모든 서비스": the follow-up widens to every service.
fn all_services(f: &Reading) -> bool {
    f.tokens.windows(2).any(|w| {
        (any(&w[0], &["all", "every", "any"]) && any(&w[1], &["services", "service"]))
            || (w[0].kind == TokenKind::Hangul
                && lx::ko(&w[0], &["전체", "모든"])
                && lx::ko(&w[1], &["서비스"]))
    }) || f
        .tokens
        .iter()
        .any(|t| lx::ko(t, &["전체서비스", "모든서비스"]))
}

/// What kind of answer a follow-up asks for, when it asks for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Traces,
    Logs,
    Metric,
}

fn target(f: &Reading) -> Option<Target> {
    let c = &f.cues;
    if c.traces {
        return Some(Target::Traces);
    }
    if c.logs {
        return Some(Target::Logs);
    }
    let metric = c.count
        || c.how_many
        || c.rate
        || c.per_second
        || c.over_time
        || c.ratio
        || f.interval.is_some()
        || f.topk.is_some()
        || f.quantile.is_some()
        || !f.group_by.is_empty();
    metric.then_some(Target::Metric)
}

/// Whether the follow-up points back at the previous answer ("for those", "그 로그의").
fn refers_back(f: &Reading) -> bool {
    f.tokens.iter().enumerate().any(|(i, t)| {
        (f.free(i) && any(t, ANAPHORA))
            || (t.kind == TokenKind::Hangul
                && (KO_BACK.contains(&t.text.as_str()) || lx::ko(t, &["그중", "해당", "관련"])))
    }) || f.cues.correlate
}

/// Drops the shape of a metric answer (windows, grouping, counting) from a reading.
fn drop_metric_shape(m: &mut Reading) {
    m.interval = None;
    m.topk = None;
    m.quantile = None;
    m.aggregate = None;
    m.group_by.clear();
    m.value_fields.clear();
    let c = &mut m.cues;
    c.count = false;
    c.how_many = false;
    c.rate = false;
    c.per_second = false;
    c.over_time = false;
    c.ratio = false;
    c.bytes = false;
    c.most = false;
}

/// Lays the follow-up `f` over the conversation's reading `p` (whose answer was of kind `p_kind`).
fn merge(p: Reading, p_kind: PlanKind, f: Reading) -> Reading {
    let offset = p.tokens.len();
    let target = target(&f);
    let back = refers_back(&f);
    let additive = f
        .tokens
        .iter()
        .any(|t| any(t, ADDITIVE) || (t.kind == TokenKind::Hangul && t.text.starts_with('도')))
        || (f.tokens.iter().any(|t| t.is("as")) && f.tokens.iter().any(|t| t.is("well")));
    let mut m = p;

    // Tokens are concatenated so that every index of either reading stays valid.
    m.text = format!("{} / {}", m.text, f.text);
    m.tokens.extend(f.tokens.iter().cloned());
    m.claimed.extend(f.claimed.iter().copied());
    m.claimed_as.extend(f.claimed_as.iter().copied());
    m.time = f.time.clone();

    // The subject: services named replace the previous ones (or add to them: "payment-service too").
    if !f.services.is_empty() || !f.unknown_services.is_empty() {
        let shifted: Vec<usize> = f.service_at.iter().map(|a| a + offset).collect();
        if additive {
            for (s, at) in f.services.iter().zip(shifted) {
                if !m.services.contains(s) {
                    m.services.push(s.clone());
                    m.service_at.push(at);
                }
            }
        } else {
            m.services = f.services.clone();
            m.service_at = shifted;
            m.cues.calls = f.cues.calls;
        }
        m.unknown_services = f.unknown_services.clone();
        m.excluded_services.retain(|s| !f.services.contains(s));
    }
    if all_services(&f) && f.services.is_empty() {
        m.services.clear();
        m.service_at.clear();
        m.cues.calls = false;
    }
    for s in &f.excluded_services {
        if let Some(i) = m.services.iter().position(|x| x == s) {
            m.services.remove(i);
            m.service_at.remove(i);
        } else if !m.excluded_services.contains(s) {
            m.excluded_services.push(s.clone());
        }
    }
    if !f.trace_ids.is_empty() {
        m.trace_ids = f.trace_ids.clone();
    }
    // Levels named replace the previous ones ("only warnings").
    if !f.levels.is_empty() || !f.negated_levels.is_empty() {
        m.levels = f.levels.clone();
        m.negated_levels = f.negated_levels.clone();
    }
    // Filters add up; a condition on the same field or label replaces the previous one.
    for ph in &f.phrases {
        if !m.phrases.contains(ph) {
            m.phrases.push(ph.clone());
        }
    }
    for cond in &f.fields {
        m.fields.retain(|c| c.field != cond.field);
        m.fields.push(cond.clone());
    }
    for (label, value, neg) in &f.labels {
        m.labels.retain(|(l, _, _)| l != label);
        m.labels.push((label.clone(), value.clone(), *neg));
    }
    for a in &f.attrs {
        m.attrs.retain(|x| x.attr != a.attr);
        m.attrs.push(a.clone());
    }
    m.unknown_fields = f.unknown_fields.clone();
    if !f.http.is_empty() {
        m.http = f.http.clone();
    }
    if f.threshold.is_some() {
        m.threshold = f.threshold;
    }
    if f.limit.is_some() {
        m.limit = f.limit;
    }
    if !f.span_names.is_empty() {
        m.span_names = f.span_names.clone();
    }
    if !f.routes.is_empty() {
        m.routes = f.routes.clone();
    }
    if !f.methods.is_empty() {
        m.methods = f.methods.clone();
    }

    // The kind of answer: kept unless the follow-up asks for another.
    let p_loki = p_kind.is_loki();
    match target {
        Some(Target::Traces) if p_loki && back => {
            // "show the traces for those": the same lines, followed to their traces.
            drop_metric_shape(&mut m);
            m.cues.traces = false;
            m.cues.correlate = true;
        }
        Some(Target::Traces) => {
            drop_metric_shape(&mut m);
            m.cues.logs = false;
            m.cues.correlate = false;
            m.cues.traces = true;
            if m.levels.contains(&"error") {
                m.cues.failed = true;
            }
            m.phrases.clear();
            m.fields.clear();
        }
        Some(Target::Logs) => {
            drop_metric_shape(&mut m);
            m.cues.traces = false;
            m.cues.correlate = f.cues.correlate;
            m.cues.logs = true;
            if !p_loki {
                // Logs of the traces' services: span conditions do not apply to log lines.
                if m.levels.is_empty() && (m.cues.failed || !m.http.is_empty()) {
                    m.levels = vec!["error"];
                }
                m.threshold = None;
                m.span_names.clear();
                m.routes.clear();
                m.methods.clear();
                m.attrs.clear();
                m.http.clear();
                m.cues.latency = false;
                m.cues.failed = false;
                m.cues.requests = false;
            }
        }
        Some(Target::Metric) => {
            m.cues.correlate = false;
        }
        None => {}
    }
    // The follow-up's shape words count (a new window, grouping, counting) ...
    if f.interval.is_some() {
        m.interval = f.interval;
    }
    if f.topk.is_some() {
        m.topk = f.topk;
    }
    if f.quantile.is_some() {
        m.quantile = f.quantile;
    }
    if f.aggregate.is_some() {
        m.aggregate = f.aggregate;
    }
    if !f.group_by.is_empty() {
        m.group_by = f.group_by.clone();
    }
    if !f.value_fields.is_empty() {
        m.value_fields = f.value_fields.clone();
    }
    // ... and so do its cues, except those that would undo the kind just chosen.
    let fc = &f.cues;
    let c = &mut m.cues;
    c.count |= fc.count;
    c.how_many |= fc.how_many;
    c.rate |= fc.rate;
    c.per_second |= fc.per_second;
    c.over_time |= fc.over_time;
    c.ratio |= fc.ratio;
    c.bytes |= fc.bytes;
    c.most |= fc.most;
    c.failed |= fc.failed && target != Some(Target::Logs);
    c.latency |= fc.latency;
    c.whole_trace |= fc.whole_trace;
    c.server_spans |= fc.server_spans;
    c.client_spans |= fc.client_spans;
    c.destructive |= fc.destructive;
    if target.is_none() {
        c.correlate |= fc.correlate;
    }

    m.understood = f.understood;
    m
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
