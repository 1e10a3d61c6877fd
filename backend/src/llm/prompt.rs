//! Compact grounded prompts (target ≤ 2,000 tokens): the conventions, only the relevant slice of the
//! schema (services, labels, the fields of the services the question names with their parsers, Tempo
//! tags), and a few worked examples chosen by similarity to the question. Examples are templates filled
//! with the user's own services; their answers come from our slot builder, so they follow the same
//! conventions as the rules translator (a unit test checks that). Examples that are near-copies of the
//! question are left out, so a question is never answered by its own example.

use chrono::{DateTime, Utc};

use super::client::{Message, estimate_tokens};
use super::examples::{chosen_examples, example_answer};
use super::options::TranslateMode;
use super::privacy::{self, Redactor};
use super::slots::{TimeContext, other_labels};
use crate::ground::Schema;
use crate::plan::rfc3339;
use crate::settings::Privacy;

/// Fields listed per service.
const FIELDS_PER_SERVICE: usize = 14;

const SLOTS_RULES: &str = "\
You turn a question about logs (Loki) and traces (Tempo) into a JSON plan. Reply with one JSON object only.
kind: logs = log lines; metrics = counts or rates of log lines; traces = trace search; \
trace_metrics = request rate or latency percentiles from traces; correlate = why/what caused/related traces \
(give the error logs); clarify = nothing in the schema fits (say why in reason).
Time: no time in the question -> leave last, day, from_time, to_time empty. \"last 3 hours\" -> last \"3h\". \
today/yesterday -> day; clock times -> from_time/to_time like \"06:00\".
\"errors\" -> levels [\"error\"]; warnings -> [\"warn\"]. \"containing X\" -> contains; \"not mentioning X\" -> not_contains. \
A condition on a log field -> fields [{name, op, value}].
\"how many ... in the last N\" -> metrics, metric \"count\", step empty; \"per 5 minutes\" -> step \"5m\"; \
\"per second\"/\"rate\" -> metric \"rate\"; \"per service\" -> group_by [\"service\"]; \"top N\" -> top N.
Traces: \"slow\" without a number -> min_duration \"1s\"; failed/error -> status_error true; HTTP codes -> \
http_status \"500\" or \"5xx\"; whole trace longer than -> whole_trace true; p95 latency -> trace_metrics, metric \"p95\".
Leave out every field the question does not ask for. Use only services, levels, labels and fields listed below.";

const QUERY_RULES: &str = "\
You write one LogQL or TraceQL query for a question about logs (Loki) or traces (Tempo). Reply with one JSON \
object only: {kind, query, last} plus, when the question asks for them, day, from_time, to_time, step, limit, \
reason.
kind: logs, metrics (LogQL metric query), traces (TraceQL search), trace_metrics (TraceQL metrics), correlate \
(error logs whose traces explain a failure) or clarify (nothing fits; query empty, say why in reason).
Conventions: errors -> {level=\"error\"}; services are values of service_name (Loki) and resource.service.name \
(Tempo); \"containing X\" -> |= \"X\"; \"not mentioning X\" -> != \"X\"; a field condition uses the parser listed \
for that service, then a filter: | logfmt | status = 500. \"how many ... in the last N\" -> \
sum(count_over_time({...}[N])) with step empty; \"per 5 minutes\" -> [5m] and step \"5m\"; \"per second\" -> \
rate({...}[1m]) and step \"1m\"; \"per service\" -> sum by (service_name); \"top N\" -> topk(N, ...). Traces: slow \
-> duration > 1s; failed -> status = error; HTTP codes -> span.http.response.status_code; whole trace -> \
traceDuration; rate by service -> { } | rate() by (resource.service.name); p95 -> \
quantile_over_time(duration, .95).
Time: no time in the question -> last, day, from_time, to_time empty; \"last 3 hours\" -> last \"3h\"; \
today/yesterday -> day; clock times -> from_time/to_time like \"06:00\". Use only names listed below.";

/// Services the question names (exactly or nearly).
fn services_named(question: &str, schema: &Schema) -> Vec<String> {
    let q = question.to_lowercase();
    let tokens: Vec<&str> = q
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| w.len() >= 3)
        .collect();
    schema
        .services()
        .into_iter()
        .filter(|s| {
            let s_low = s.to_lowercase();
            let base = s_low
                .trim_end_matches("-service")
                .trim_end_matches("_service")
                .to_string();
            q.contains(&s_low)
                || (base.len() >= 3 && q.contains(&base))
                || tokens.iter().any(|t| {
                    strsim::damerau_levenshtein(t, &s_low) <= 2
                        || strsim::damerau_levenshtein(t, &base) <= 1
                })
        })
        .collect()
}

/// The schema slice for a question, as prompt text.
pub fn schema_slice(
    schema: &Schema,
    question: &str,
    privacy: Privacy,
    redactor: &Redactor,
) -> String {
    let mut out = String::new();
    let services = schema.services();
    let named = services_named(question, schema);
    if !services.is_empty() {
        out.push_str(&format!("Services: {}\n", services.join(", ")));
    }
    if let Some(level) = &schema.loki.level_label
        && let Some(values) = schema.loki.labels.get(level)
    {
        out.push_str(&format!("Levels: {}\n", values.join(", ")));
    }
    let labels = other_labels(schema);
    if !labels.is_empty() {
        let shown: Vec<String> = labels
            .iter()
            .map(|l| match schema.loki.labels.get(l) {
                // Low-cardinality stream label values are schema metadata (like the service names).
                Some(v) if !v.is_empty() && v.len() <= 12 => format!("{l} ({})", v.join("|")),
                _ => l.clone(),
            })
            .collect();
        out.push_str(&format!("Other Loki labels: {}\n", shown.join(", ")));
    }
    let field_services: Vec<&String> = if named.is_empty() {
        schema.loki.fields.keys().collect()
    } else {
        named.iter().collect()
    };
    for s in field_services {
        let Some(fields) = schema.loki.fields.get(s) else {
            continue;
        };
        let parser = fields
            .iter()
            .find_map(|f| f.source.parser())
            .map(|p| match p {
                crate::plan::logql::Parser::Logfmt => "logfmt",
                crate::plan::logql::Parser::Json => "json",
            })
            .unwrap_or("none");
        let list: Vec<String> = fields
            .iter()
            .filter(|f| f.source.parser().is_some())
            .filter(|f| {
                !matches!(
                    f.name.as_str(),
                    "trace_id" | "span_id" | "ts" | "time" | "timestamp"
                )
            })
            .take(FIELDS_PER_SERVICE)
            .map(|f| format!("{} {:?}", f.name, f.kind).to_lowercase())
            .collect();
        if !list.is_empty() {
            out.push_str(&format!("Fields of {s} ({parser}): {}\n", list.join(", ")));
        }
    }
    if !schema.tempo.services.is_empty() || !schema.tempo.tags.is_empty() {
        for scope in ["resource", "span"] {
            if let Some(tags) = schema.tempo.tags.get(scope) {
                let list: Vec<&str> = tags.iter().take(30).map(String::as_str).collect();
                out.push_str(&format!("Tempo {scope} attributes: {}\n", list.join(", ")));
            }
        }
        if privacy::allows_values(privacy)
            && let Some(names) = schema.tempo.values.get("name")
        {
            let list: Vec<String> = names
                .iter()
                .take(12)
                .filter_map(|n| privacy::value_for_prompt(privacy, redactor, n))
                .collect();
            out.push_str(&format!("Span names: {}\n", list.join(", ")));
        }
    }
    out
}

/// The messages of a translation request: rules and schema (system), examples as earlier turns, the
/// question. Examples and then fields are dropped until the estimate fits `max_tokens`.
pub fn translation_messages(
    mode: TranslateMode,
    question: &str,
    schema: &Schema,
    ctx: &TimeContext,
    privacy: Privacy,
    redactor: &Redactor,
    max_tokens: u32,
) -> Vec<Message> {
    let rules = match mode {
        TranslateMode::Query => QUERY_RULES,
        _ => SLOTS_RULES,
    };
    let slice = schema_slice(schema, question, privacy, redactor);
    let ask = format!(
        "Now: {} (time zone {})\nQuestion: {}",
        rfc3339(&ctx.now),
        ctx.tz.name(),
        question.trim()
    );
    let mut examples = chosen_examples(schema, question);
    loop {
        let mut messages = vec![Message::system(format!("{rules}\n\n{slice}"))];
        for e in &examples {
            messages.push(Message::user(format!("Question: {}", e.question)));
            messages.push(Message::assistant(example_answer(e, mode, schema, ctx)));
        }
        messages.push(Message::user(ask.clone()));
        let tokens: u32 = messages
            .iter()
            .map(|m| estimate_tokens(&m.content) + 4)
            .sum();
        if tokens <= max_tokens || examples.is_empty() {
            return messages;
        }
        examples.pop();
    }
}

/// The follow-up turn after a rejected answer.
pub fn repair_message(error: &str) -> Message {
    Message::user(format!(
        "That answer was rejected: {error}\nReply again with the whole corrected JSON object."
    ))
}

/// The messages of a summary request: the rules, one worked example (small models cite far more
/// reliably after seeing one), then the evidence.
pub fn narration_messages(pack: &super::EvidencePack, now: DateTime<Utc>) -> Vec<Message> {
    let system = "You summarise what a log/trace query found, for an on-call engineer. Use only the numbered \
evidence. Every sentence ends with the evidence ids it relies on in square brackets, like [E2] or [E1][E3]. \
Name only services, trace ids and numbers that appear in the evidence. Do not guess causes the evidence does \
not show. At most 3 sentences, plain text.";
    let example_user = "Question: why is checkout failing?\nEvidence:\n[E1] 12 log lines matched\n\
[E2] first line at 2026-01-01 10:00 UTC, last at 2026-01-01 10:20 UTC\n\
[E3] (cart-service) cart-service: 12 lines (error 12)\n\
[E4] (cart-service) 12 lines with pattern: level=<_> msg=\"inventory lookup failed\" sku=<_>";
    let example_answer = "cart-service logged 12 error lines between 10:00 and 10:20 UTC [E1][E2][E3]. \
All of them are inventory lookup failures [E4].";
    let mut user = format!("Now: {}\nQuestion: {}\n", rfc3339(&now), pack.question);
    if let Some(q) = &pack.query {
        user.push_str(&format!("Query: {q}\n"));
    }
    user.push_str("Evidence:\n");
    user.push_str(&pack.to_prompt_lines());
    vec![
        Message::system(system),
        Message::user(example_user),
        Message::assistant(example_answer),
        Message::user(user),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ctx, schema};
    use super::*;

    #[test]
    fn prompts_stay_under_the_cap_and_skip_near_copies() {
        let schema = schema();
        let r = Redactor::new(&[]);
        for mode in [TranslateMode::Slots, TranslateMode::Query] {
            let m = translation_messages(
                mode,
                "show error logs from order-service in the last 3 hours",
                &schema,
                &ctx(),
                Privacy::Metadata,
                &r,
                2000,
            );
            let tokens: u32 = m.iter().map(|m| estimate_tokens(&m.content) + 4).sum();
            assert!(tokens <= 2000, "{tokens}");
            // The identical example is not among the shots.
            assert!(
                !m[1..m.len() - 1].iter().any(|x| x.content
                    == "Question: show error logs from order-service in the last 3 hours")
            );
            assert!(m.len() >= 3, "some examples are given");
        }
    }

    #[test]
    fn slice_names_fields_of_the_named_service_only() {
        let schema = schema();
        let s = schema_slice(
            &schema,
            "ordr-service logs with status 500",
            Privacy::Metadata,
            &Redactor::new(&[]),
        );
        assert!(s.contains("Fields of order-service (logfmt)"), "{s}");
        assert!(!s.contains("Fields of product-service"), "{s}");
        assert!(
            !s.contains("Span names"),
            "metadata mode shows no attribute values: {s}"
        );
        let full = schema_slice(&schema, "slow checkout", Privacy::Full, &Redactor::new(&[]));
        assert!(full.contains("Span names"), "{full}");
    }
}
