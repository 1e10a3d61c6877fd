//! Worked examples for the prompts: question templates filled with the user's own services (and a numeric
//! field when the schema has one), each with the slots that answer it. The answers in both modes come from
//! our slot builder, so they follow the rules translator's conventions (a test checks that for every
//! example). The few most similar to the question are shown; near-copies of it are left out.

use std::collections::BTreeSet;

use serde_json::json;

use super::options::TranslateMode;
use super::slots::{LabelSlot, Slots, TimeContext, other_labels};
use crate::ground::Schema;

/// Examples per prompt.
const EXAMPLES: usize = 3;
/// Examples at least this similar to the question (word-set Jaccard) are near-copies and left out.
const NEAR_COPY: f64 = 0.75;

/// One worked example: a question and the slots that answer it.
pub(crate) struct Example {
    pub question: String,
    pub slots: Slots,
}

fn slots(kind: &str) -> Slots {
    Slots {
        kind: kind.into(),
        ..Slots::default()
    }
}

/// The templates, filled with the schema's services (and a numeric field when one exists).
fn examples_for(schema: &Schema) -> Vec<Example> {
    let services = schema.services();
    let pick = |hint: &str, n: usize| -> Option<String> {
        services
            .iter()
            .find(|s| s.contains(hint))
            .or(services.get(n))
            .or(services.first())
            .cloned()
    };
    let (Some(a), Some(b), Some(c)) = (pick("order", 0), pick("payment", 1), pick("product", 2))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut ex = |question: String, s: Slots| out.push(Example { question, slots: s });
    let logs = |svc: &str| Slots {
        services: vec![svc.to_string()],
        ..slots("logs")
    };
    ex(
        format!("show error logs from {a} in the last 3 hours"),
        Slots {
            levels: vec!["error".into()],
            last: "3h".into(),
            ..logs(&a)
        },
    );
    ex(
        format!("{b} logs containing timeout from the last 2 hours"),
        Slots {
            contains: vec!["timeout".into()],
            last: "2h".into(),
            ..logs(&b)
        },
    );
    ex(
        format!("{c} logs that do not mention cache in the last hour"),
        Slots {
            not_contains: vec!["cache".into()],
            last: "1h".into(),
            ..logs(&c)
        },
    );
    if let Some(f) = schema.loki.fields.get(&a).and_then(|fs| {
        fs.iter()
            .find(|f| f.kind.is_numeric() && f.name != "status")
    }) {
        ex(
            format!("{a} logs where {} is over 1000 in the last 6 hours", f.name),
            Slots {
                fields: vec![super::slots::FieldSlot {
                    name: f.name.clone(),
                    op: ">".into(),
                    value: "1000".into(),
                }],
                last: "6h".into(),
                ..logs(&a)
            },
        );
    }
    ex(
        format!("yesterday's {b} warnings"),
        Slots {
            levels: vec!["warn".into()],
            day: "yesterday".into(),
            ..logs(&b)
        },
    );
    if let Some((name, value)) = other_labels(schema).iter().find_map(|l| {
        let values = schema.loki.labels.get(l)?;
        (values.len() > 1 && values.len() <= 20)
            .then(|| (l.clone(), values[values.len() - 1].clone()))
    }) {
        ex(
            format!("info logs from {value} in the last 30 minutes"),
            Slots {
                levels: vec!["info".into()],
                labels: vec![LabelSlot { name, value }],
                last: "30m".into(),
                ..slots("logs")
            },
        );
    }
    ex(
        "how many error logs per service in the last hour".into(),
        Slots {
            levels: vec!["error".into()],
            metric: "count".into(),
            group_by: vec!["service".into()],
            last: "1h".into(),
            ..slots("metrics")
        },
    );
    ex(
        format!("number of {b} errors per 5 minutes over the last 3 hours"),
        Slots {
            services: vec![b.clone()],
            levels: vec!["error".into()],
            metric: "count".into(),
            step: "5m".into(),
            last: "3h".into(),
            ..slots("metrics")
        },
    );
    ex(
        "top 3 services by error count in the last 6 hours".into(),
        Slots {
            levels: vec!["error".into()],
            metric: "count".into(),
            group_by: vec!["service".into()],
            top: 3,
            last: "6h".into(),
            ..slots("metrics")
        },
    );
    ex(
        "error rate per second for each service over the last 3 hours".into(),
        Slots {
            levels: vec!["error".into()],
            metric: "rate".into(),
            group_by: vec!["service".into()],
            last: "3h".into(),
            ..slots("metrics")
        },
    );
    ex(
        format!("지난 3시간 동안 {b} 에러 로그 개수"),
        Slots {
            services: vec![b.clone()],
            levels: vec!["error".into()],
            metric: "count".into(),
            last: "3h".into(),
            ..slots("metrics")
        },
    );
    if !schema.tempo.services.is_empty() {
        ex(
            format!("traces from {c} slower than 1 second in the last hour"),
            Slots {
                services: vec![c.clone()],
                min_duration: "1s".into(),
                last: "1h".into(),
                ..slots("traces")
            },
        );
        ex(
            format!("failed traces in {b} over the last 3 hours"),
            Slots {
                services: vec![b.clone()],
                status_error: true,
                last: "3h".into(),
                ..slots("traces")
            },
        );
        ex(
            "traces with HTTP 5xx responses in the last 6 hours".into(),
            Slots {
                http_status: "5xx".into(),
                last: "6h".into(),
                ..slots("traces")
            },
        );
        ex(
            format!("p95 latency of {c} over the last 6 hours"),
            Slots {
                services: vec![c.clone()],
                metric: "p95".into(),
                last: "6h".into(),
                ..slots("trace_metrics")
            },
        );
        ex(
            "request rate per service from traces over the last 6 hours".into(),
            Slots {
                metric: "rate".into(),
                group_by: vec!["service".into()],
                last: "6h".into(),
                ..slots("trace_metrics")
            },
        );
        ex(
            format!("what caused the {a} errors in the last hour"),
            Slots {
                services: vec![a.clone()],
                levels: vec!["error".into()],
                last: "1h".into(),
                ..slots("correlate")
            },
        );
    }
    ex(
        "show logs from the billing service".into(),
        Slots {
            reason: "There is no service `billing`.".into(),
            ..slots("clarify")
        },
    );
    out
}

fn words(text: &str, services: &[String]) -> BTreeSet<String> {
    let mut t = text.to_lowercase();
    for s in services {
        t = t.replace(&s.to_lowercase(), " svc ");
    }
    t.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let inter = a.intersection(b).count() as f64;
    let union = a.union(b).count() as f64;
    if union == 0.0 { 0.0 } else { inter / union }
}

/// The examples most similar to the question (never near-copies of it).
pub(crate) fn chosen_examples(schema: &Schema, question: &str) -> Vec<Example> {
    let services = schema.services();
    let q = words(question, &services);
    let mut scored: Vec<(f64, Example)> = examples_for(schema)
        .into_iter()
        .map(|e| (similarity(&q, &words(&e.question, &services)), e))
        .filter(|(s, _)| *s < NEAR_COPY)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(EXAMPLES).map(|(_, e)| e).collect()
}

/// The answer an example gives in each mode.
pub(crate) fn example_answer(
    e: &Example,
    mode: TranslateMode,
    schema: &Schema,
    ctx: &TimeContext,
) -> String {
    match mode {
        TranslateMode::Query => {
            let plan = e.slots.to_plan(schema, ctx).ok();
            let query = plan
                .as_ref()
                .and_then(|p| p.query_text())
                .unwrap_or_default();
            let mut v = json!({
                "kind": e.slots.kind, "query": query, "last": e.slots.last, "day": e.slots.day,
                "from_time": e.slots.from_time, "to_time": e.slots.to_time,
                "step": plan.as_ref().and_then(|p| p.step).map(|s| s.to_string()).unwrap_or_default(),
                "limit": e.slots.limit, "reason": e.slots.reason,
            });
            if let Some(map) = v.as_object_mut() {
                map.retain(|k, v| {
                    k == "kind"
                        || k == "query"
                        || k == "last"
                        || (v.as_str() != Some("") && v.as_u64() != Some(0))
                });
            }
            v.to_string()
        }
        _ => super::slots::compact(&e.slots).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ctx, schema};
    use super::*;
    use crate::translate::{Question, translate};

    /// The examples teach the rules translator's conventions: our slot builder must print the same query
    /// as the rules for every example question.
    #[test]
    fn example_answers_follow_the_rules_conventions() {
        let schema = schema();
        let ctx = ctx();
        let examples = examples_for(&schema);
        assert!(examples.len() >= 15);
        for e in &examples {
            let ours = e
                .slots
                .to_plan(&schema, &ctx)
                .unwrap_or_else(|err| panic!("{}: {err}", e.question));
            let rules = translate(&Question::new(&e.question, ctx.now), &schema);
            assert_eq!(ours.kind, rules.kind, "{}", e.question);
            if ours.kind == crate::plan::PlanKind::Clarify {
                continue;
            }
            let expected = rules.query_text().unwrap();
            assert_eq!(
                crate::eval::compare_structurally(Some(&expected), &ours),
                None,
                "{}",
                e.question
            );
            assert_eq!(
                (ours.start, ours.end, ours.step, ours.instant),
                (rules.start, rules.end, rules.step, rules.instant),
                "{}",
                e.question
            );
        }
    }
}
