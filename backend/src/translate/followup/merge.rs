//! Laying a follow-up's reading over the conversation's: what it names replaces, what it adds is added,
//! the rest is inherited; and the kind of answer, kept unless the follow-up asks for another.

use super::super::lexicon::{self as lx, any};
use super::super::reading::Reading;
use super::detect::{ADDITIVE, ANAPHORA, KO_BACK, all_services};
use crate::plan::PlanKind;
use crate::understand::TokenKind;

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
pub(super) fn merge(p: Reading, p_kind: PlanKind, f: Reading) -> Reading {
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
    for code in &f.http_excluded {
        if !m.http_excluded.contains(code) {
            m.http_excluded.push(*code);
        }
        m.http.retain(|&(lo, hi)| !(lo == *code && hi == *code));
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
