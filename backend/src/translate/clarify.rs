//! Honest answers when no safe query exists: why, and what the user may have meant.

use chrono::{DateTime, Utc};

use super::reading::Reading;
use crate::ground::{Schema, fuzzy};
use crate::plan::Plan;

/// Example questions that work on this schema: the Ask page's suggestions and a clarification's hints.
pub fn examples(schema: &Schema) -> Vec<String> {
    let services = schema.services();
    let pick = |hint: &str, n: usize| -> String {
        services
            .iter()
            .find(|s| s.contains(hint))
            .or(services.get(n))
            .or(services.first())
            .cloned()
            .unwrap_or_else(|| "my-service".into())
    };
    let (first, second, third) = (pick("order", 0), pick("payment", 1), pick("product", 2));
    let mut out = vec![
        format!("show error logs from {first} in the last 3 hours"),
        format!("지난 3시간 동안 {first}에서 발생한 에러 로그 보여줘"),
        "how many error logs per service in the last hour".to_string(),
        format!("number of {second} errors per 5 minutes over the last 3 hours"),
        format!("why is {second} failing?"),
    ];
    if !schema.tempo.services.is_empty() {
        out.push(format!("{third} traces slower than 1s in the last hour"));
        out.push(format!("p95 latency of {third} over the last 6 hours"));
        out.push(format!(
            "find traces related to {first} error logs in the last hour"
        ));
    }
    out
}

pub fn empty(now: DateTime<Utc>, schema: &Schema) -> Plan {
    Plan::clarify(
        "The question is empty: ask about your logs or traces.",
        examples(schema),
        now,
    )
}

pub fn too_long(now: DateTime<Utc>, bytes: usize) -> Plan {
    Plan::clarify(
        format!(
            "The question is {bytes} bytes long; questions up to {} bytes are read. Ask one thing at a time.",
            super::MAX_QUESTION_BYTES
        ),
        Vec::new(),
        now,
    )
}

pub fn nothing_understood(now: DateTime<Utc>, schema: &Schema) -> Plan {
    Plan::clarify(
        "I could not tell which logs or traces to look at: name a service, a level, a phrase or a time.",
        examples(schema),
        now,
    )
}

/// A clarification when the reading cannot give a safe query, else `None`.
pub fn check(r: &Reading, schema: &Schema, now: DateTime<Utc>) -> Option<Plan> {
    if r.cues.destructive {
        return Some(Plan::clarify(
            "Querent only reads from Loki and Tempo; it cannot change or delete data.",
            examples(schema),
            now,
        ));
    }
    if let Some(unknown) = r.unknown_services.first() {
        let services = schema.services();
        let suggestions = fuzzy::suggestions(unknown, &services, 5);
        let reason = if services.is_empty() {
            format!(
                "No service named `{unknown}`: no services are known yet (is Loki or Tempo reachable?)."
            )
        } else {
            format!(
                "No service named `{unknown}` in Loki or Tempo. Known services: {}.",
                services.join(", ")
            )
        };
        return Some(Plan::clarify(
            reason,
            suggestions.iter().map(|s| s.to_string()).collect(),
            now,
        ));
    }
    if let Some(field) = r.unknown_fields.first() {
        let mut fields: Vec<String> = schema
            .fields_of(None)
            .map(|(_, f)| f.name.clone())
            .collect();
        fields.sort();
        fields.dedup();
        let suggestions = fuzzy::suggestions(field, &fields, 5);
        return Some(Plan::clarify(
            format!("No field named `{field}` in the log lines of these services."),
            suggestions,
            now,
        ));
    }
    let understood_anything = r.time.is_some()
        || !r.services.is_empty()
        || !r.labels.is_empty()
        || !r.levels.is_empty()
        || !r.negated_levels.is_empty()
        || !r.phrases.is_empty()
        || !r.fields.is_empty()
        || !r.http.is_empty()
        || r.threshold.is_some()
        || !r.span_names.is_empty()
        || !r.trace_ids.is_empty()
        || !r.routes.is_empty()
        || r.cues.logs
        || r.cues.traces
        || r.cues.latency
        || r.cues.anomaly
        || r.cues.correlate && !r.services.is_empty();
    if !understood_anything {
        return Some(nothing_understood(now, schema));
    }
    None
}
