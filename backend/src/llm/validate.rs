//! Checking a model's answer before anything runs: the JSON object is read out of the text, the slots
//! are built into a plan or the query is parsed (LogQL/TraceQL), and everything the query names —
//! labels and their values, services, log fields, Tempo attributes — must exist in the schema; the time
//! range must be sane. Each error is a sentence the model gets back in the repair round.

use serde::Deserialize;
use serde_json::json;

use super::slots::{Slots, TimeContext, time_range};
use crate::ground::Schema;
use crate::plan::logql::{LogQuery, MatchOp, MetricExpr, Stage};
use crate::plan::traceql::{Attribute, Cond, Op, Scope, Spanset, Static};
use crate::plan::{Plan, PlanKind, Query, QueryDuration};

/// The query mode's answer.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct QueryAnswer {
    kind: String,
    query: String,
    last: String,
    day: String,
    from_time: String,
    to_time: String,
    step: String,
    limit: u32,
    reason: String,
}

pub(crate) fn query_schema() -> serde_json::Value {
    let text = |n: u32| json!({"type": "string", "maxLength": n});
    json!({
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["logs", "metrics", "traces", "trace_metrics", "correlate", "clarify"]},
            "query": text(400), "last": text(8),
            "day": {"type": "string", "enum": ["", "today", "yesterday"]},
            "from_time": text(5), "to_time": text(5), "step": text(6),
            "limit": {"type": "integer", "minimum": 0, "maximum": 5000},
            "reason": text(200)
        },
        "required": ["kind", "query", "last"],
        "additionalProperties": false
    })
}

/// The JSON object in a model's answer (code fences and chatter around it are tolerated).
fn json_object(content: &str) -> Result<serde_json::Value, String> {
    let start = content.find('{');
    let end = content.rfind('}');
    let (Some(s), Some(e)) = (start, end) else {
        return Err("the answer is not a JSON object".into());
    };
    if e < s {
        return Err("the answer is not a JSON object".into());
    }
    let v: serde_json::Value = serde_json::from_str(&content[s..=e])
        .map_err(|e| format!("the answer is not valid JSON ({e})"))?;
    if !v.is_object() {
        return Err("the answer is not a JSON object".into());
    }
    Ok(v)
}

/// Validates a slots answer into a plan.
pub fn plan_from_slots(content: &str, schema: &Schema, ctx: &TimeContext) -> Result<Plan, String> {
    let value = json_object(content)?;
    let slots: Slots = serde_json::from_value(value)
        .map_err(|e| format!("the JSON does not match the plan's fields ({e})"))?;
    slots.to_plan(schema, ctx)
}

/// Validates a query-mode answer into a plan.
pub fn plan_from_query(content: &str, schema: &Schema, ctx: &TimeContext) -> Result<Plan, String> {
    let value = json_object(content)?;
    let a: QueryAnswer = serde_json::from_value(value)
        .map_err(|e| format!("the JSON does not match {{kind, query, ...}} ({e})"))?;
    let kind = PlanKind::parse(a.kind.trim())
        .filter(|k| *k != PlanKind::Trace)
        .ok_or_else(|| format!("`kind` `{}` is not one of logs, metrics, traces, trace_metrics, correlate, clarify", a.kind))?;
    if kind == PlanKind::Clarify {
        let reason = if a.reason.trim().is_empty() {
            "The question could not be turned into a query.".to_string()
        } else {
            a.reason.trim().to_string()
        };
        return Ok(Plan::clarify(reason, Vec::new(), ctx.now));
    }
    let text = a.query.trim();
    if text.is_empty() {
        return Err("`query` is empty".into());
    }
    let query = if kind.is_loki() {
        crate::plan::logql::parse(text)
    } else {
        crate::plan::traceql::parse(text)
    }
    .map_err(|e| format!("the query does not parse: {e}"))?;
    match (&query, kind) {
        (Query::Log(_), PlanKind::Logs | PlanKind::Correlate)
        | (Query::LogMetric(_), PlanKind::Metrics) => {}
        (Query::Trace(t), PlanKind::Traces) if !t.is_metrics() => {}
        (Query::Trace(t), PlanKind::TraceMetrics) if t.is_metrics() => {}
        _ => {
            return Err(format!(
                "kind `{}` does not match the query (a log query is logs/correlate, a metric query metrics, a TraceQL search traces, a TraceQL metrics query trace_metrics)",
                kind.as_str()
            ));
        }
    }
    check_grounding(&query, schema)?;
    let (start, end, time_source) = time_range(&a.last, &a.day, &a.from_time, &a.to_time, ctx)?;
    let step = match a.step.trim() {
        "" => None,
        s => Some(
            QueryDuration::parse(s)
                .filter(|d| !d.is_zero())
                .ok_or_else(|| format!("`step` must be a duration like 5m, not `{s}`"))?,
        ),
    };
    let instant = kind == PlanKind::Metrics && step.is_none();
    Ok(Plan {
        kind,
        query: Some(query),
        start: if instant { None } else { Some(start) },
        end,
        instant,
        step,
        limit: (a.limit > 0).then_some(a.limit),
        clarification: None,
        time_source,
        understood: Vec::new(),
    })
}

fn log_queries<'a>(q: &'a Query, out: &mut Vec<&'a LogQuery>) {
    fn metric<'a>(m: &'a MetricExpr, out: &mut Vec<&'a LogQuery>) {
        match m {
            MetricExpr::Range { query, .. } => out.push(query),
            MetricExpr::Aggregate { inner, .. } => metric(inner, out),
            MetricExpr::Binary { lhs, rhs, .. } => {
                metric(lhs, out);
                metric(rhs, out);
            }
            MetricExpr::Literal(_) => {}
        }
    }
    match q {
        Query::Log(l) => out.push(l),
        Query::LogMetric(m) => metric(m, out),
        _ => {}
    }
}

fn label_filter_names(f: &crate::plan::logql::LabelFilter, out: &mut Vec<String>) {
    use crate::plan::logql::LabelFilter;
    match f {
        LabelFilter::Cmp { label, .. } => out.push(label.as_str().to_string()),
        LabelFilter::And(a, b) | LabelFilter::Or(a, b) => {
            label_filter_names(a, out);
            label_filter_names(b, out);
        }
    }
}

/// Labels, services, levels, fields and Tempo attributes the query names must exist in the schema.
pub fn check_grounding(query: &Query, schema: &Schema) -> Result<(), String> {
    let mut logs = Vec::new();
    log_queries(query, &mut logs);
    let service_label = schema.loki.service_label.as_deref();
    for l in logs {
        let mut services: Vec<&str> = Vec::new();
        for m in &l.matchers {
            let name = m.label.as_str();
            if schema.loki.labels.is_empty() {
                continue;
            }
            let Some(values) = schema.loki.labels.get(name) else {
                let known: Vec<&str> = schema.loki.labels.keys().map(String::as_str).collect();
                return Err(format!(
                    "label `{name}` does not exist; the labels are {}",
                    known.join(", ")
                ));
            };
            if m.op == MatchOp::Eq && !values.is_empty() && !values.contains(&m.value) {
                return Err(format!(
                    "label `{name}` has no value `{}`; its values are {}",
                    m.value,
                    values.join(", ")
                ));
            }
            if Some(name) == service_label && m.op == MatchOp::Eq {
                services.push(&m.value);
            }
        }
        let mut fields = Vec::new();
        for s in &l.stages {
            if let Stage::Filter(f) = s {
                label_filter_names(f, &mut fields);
            }
        }
        for f in fields {
            let known_field = schema
                .loki
                .fields
                .iter()
                .filter(|(s, _)| services.is_empty() || services.contains(&s.as_str()))
                .any(|(_, fs)| fs.iter().any(|x| x.name == f));
            let is_label = schema.loki.labels.contains_key(&f)
                || matches!(f.as_str(), "__error__" | "detected_level" | "level");
            if !schema.loki.fields.is_empty() && !known_field && !is_label {
                return Err(format!("field `{f}` does not exist in these logs"));
            }
        }
    }
    if let Query::Trace(t) = query {
        let mut conds = Vec::new();
        spanset_conds(&t.spanset, &mut conds);
        for c in conds {
            check_cond(c, schema)?;
        }
    }
    Ok(())
}

fn spanset_conds<'a>(s: &'a Spanset, out: &mut Vec<&'a Cond>) {
    match s {
        Spanset::Filter(Some(c)) => out.push(c),
        Spanset::Filter(None) => {}
        Spanset::Binary { lhs, rhs, .. } => {
            spanset_conds(lhs, out);
            spanset_conds(rhs, out);
        }
    }
}

fn check_cond(c: &Cond, schema: &Schema) -> Result<(), String> {
    match c {
        Cond::And(cs) | Cond::Or(cs) => cs.iter().try_for_each(|c| check_cond(c, schema)),
        Cond::Cmp { attr, op, value } => {
            let Attribute::Scoped { scope, name } = attr else {
                return Ok(());
            };
            if *scope == Scope::Resource
                && name == "service.name"
                && *op == Op::Eq
                && let Static::String(s) = value
                && !schema.tempo.services.is_empty()
                && !schema.tempo.services.contains(s)
            {
                return Err(format!(
                    "service `{s}` does not exist in Tempo; the services are {}",
                    schema.tempo.services.join(", ")
                ));
            }
            if schema.tempo.tags.is_empty() {
                return Ok(());
            }
            let exists = match scope {
                Scope::Resource => schema.has_tempo_tag("resource", name),
                Scope::Span => schema.has_tempo_tag("span", name),
                Scope::Event => schema.has_tempo_tag("event", name),
                Scope::Link => schema.has_tempo_tag("link", name),
                Scope::Instrumentation => schema.has_tempo_tag("instrumentation", name),
                Scope::Unscoped => {
                    schema.has_tempo_tag("resource", name) || schema.has_tempo_tag("span", name)
                }
            };
            if exists {
                Ok(())
            } else {
                Err(format!("the attribute `{name}` does not exist in Tempo"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ctx, schema};
    use super::*;

    #[test]
    fn query_answers_are_parsed_and_grounded() {
        let s = schema();
        let ok = r#"```json
{"kind":"logs","query":"{service_name=\"order-service\", level=\"error\"} | logfmt | status = 500","last":"3h","day":"","from_time":"","to_time":"","step":"","limit":0,"reason":""}
```"#;
        let plan = plan_from_query(ok, &s, &ctx()).unwrap();
        assert_eq!(plan.kind, PlanKind::Logs);
        assert_eq!(
            (plan.end - plan.start.unwrap()).num_hours(),
            3,
            "range from `last`"
        );
        for (bad, why) in [
            (
                r#"{"kind":"logs","query":"{team=\"payments\"}"}"#,
                "label `team` does not exist",
            ),
            (
                r#"{"kind":"logs","query":"{service_name=\"inventory\"}"}"#,
                "no value `inventory`",
            ),
            (
                r#"{"kind":"logs","query":"{service_name=\"order-service\" | logfmt"}"#,
                "does not parse",
            ),
            (
                r#"{"kind":"metrics","query":"{service_name=\"order-service\"}"}"#,
                "does not match",
            ),
            (
                r#"{"kind":"traces","query":"{ span.team = \"x\" }"}"#,
                "attribute `team`",
            ),
            (
                r#"{"kind":"traces","query":"{ resource.service.name = \"nope\" }"}"#,
                "service `nope`",
            ),
            (
                r#"{"kind":"logs","query":"{service_name=\"order-service\"}","last":"900d"}"#,
                "31 days",
            ),
            (
                r#"{"kind":"logs","query":"{service_name=\"order-service\"} | logfmt | color = \"red\""}"#,
                "field `color`",
            ),
            ("not json", "not a JSON object"),
        ] {
            let err = plan_from_query(bad, &s, &ctx()).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn slots_answers_are_checked() {
        let s = schema();
        let err = plan_from_slots(
            r#"{"kind":"logs","services":["inventory-service"]}"#,
            &s,
            &ctx(),
        )
        .unwrap_err();
        assert!(err.contains("inventory-service"), "{err}");
        let err = plan_from_slots(r#"{"foo": 1}"#, &s, &ctx()).unwrap_err();
        assert!(err.contains("kind"), "{err}");
        let plan = plan_from_slots(
            r#"{"kind":"metrics","services":["payment-service"],"levels":["error"],"metric":"count","step":"5m","last":"3h"}"#,
            &s,
            &ctx(),
        )
        .unwrap();
        assert_eq!(
            plan.query_text().unwrap(),
            r#"sum(count_over_time({service_name="payment-service", level="error"}[5m]))"#
        );
        assert_eq!(plan.step.unwrap().to_string(), "5m");
    }
}
