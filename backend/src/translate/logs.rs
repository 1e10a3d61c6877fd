//! LogQL from a reading: the stream selector, the pipeline, and metric queries over it.

use super::Range;
use super::reading::{Aggregate, FieldCond, FieldValue, Reading};
use crate::ground::{FieldKind, FieldSource, Schema};
use crate::plan::logql::{
    AggOp, BinOp, CmpOp, Grouping, LabelFilter, LabelName, LineOp, LogQuery, MatchOp, Matcher,
    MetricExpr, Parser, RangeFunc, Stage, Unwrap, Value,
};
use crate::plan::{Plan, PlanKind, Query, QueryDuration, TimeSource};

/// Field names that hold an HTTP status in log lines.
const STATUS_FIELDS: &[&str] = &[
    "status",
    "status_code",
    "statuscode",
    "http_status",
    "response_status",
    "code",
    "http_status_code",
];
/// Field names that hold a duration in log lines, best first.
const DURATION_FIELDS: &[&str] = &[
    "duration_ms",
    "duration",
    "latency_ms",
    "latency",
    "elapsed_ms",
    "elapsed",
    "took_ms",
    "response_time",
    "rt",
];

fn label(name: &str) -> Option<LabelName> {
    LabelName::new(name)
}

/// The services the question scopes to: named ones, else every service with fields.
fn field_scope(r: &Reading) -> Vec<Option<&str>> {
    if r.services.is_empty() {
        vec![None]
    } else {
        r.services.iter().map(|s| Some(s.as_str())).collect()
    }
}

fn find_field(
    r: &Reading,
    schema: &Schema,
    names: &[&str],
    numeric: bool,
) -> Option<(String, FieldSource, FieldKind)> {
    for wanted in names {
        for scope in field_scope(r) {
            if let Some((_, f)) = schema
                .fields_of(scope)
                .find(|(_, f)| f.name == *wanted && (!numeric || f.kind.is_numeric()))
            {
                return Some((f.name.clone(), f.source, f.kind));
            }
        }
    }
    None
}

/// Levels as the schema spells them (`warn` may be `warning`).
fn level_spellings(level: &str) -> &'static [&'static str] {
    match level {
        "error" => &["error", "err", "ERROR", "fatal", "critical"],
        "warn" => &["warn", "warning", "WARN", "WARNING"],
        "info" => &["info", "INFO", "information"],
        _ => &["debug", "DEBUG", "trace"],
    }
}

fn cmp_value(v: &FieldValue) -> Value {
    match v {
        FieldValue::Number(n) => Value::Number(*n),
        FieldValue::Duration(d) => Value::Duration(*d),
        FieldValue::Text(t) => Value::String(t.clone()),
    }
}

/// Selector matchers plus the stages that stand in for levels the selector cannot express.
fn selector(r: &Reading, schema: &Schema, levels: &[&str]) -> (Vec<Matcher>, Vec<Stage>) {
    let mut matchers = Vec::new();
    let mut stages = Vec::new();
    let service_label = schema
        .loki
        .service_label
        .clone()
        .unwrap_or_else(|| "service_name".to_string());
    if let Some(l) = label(&service_label) {
        if !r.services.is_empty() {
            matchers.push(Matcher::any_of(l.clone(), &r.services));
        }
        if !r.excluded_services.is_empty() {
            let mut m = Matcher::any_of(l, &r.excluded_services);
            m.op = if m.op == MatchOp::Eq {
                MatchOp::Neq
            } else {
                MatchOp::Nre
            };
            matchers.push(m);
        }
    }
    for (name, value, negated) in &r.labels {
        if let Some(l) = label(name) {
            matchers.push(Matcher {
                label: l,
                op: if *negated { MatchOp::Neq } else { MatchOp::Eq },
                value: value.clone(),
            });
        }
    }
    // Levels: the stream label when the schema has one with these values, else Loki's detected_level.
    let mut level_values = Vec::new();
    let mut missing = Vec::new();
    // Without any schema, the common convention: a `level` stream label.
    let no_schema = schema.loki.labels.is_empty();
    for level in levels {
        match schema.level_value(level_spellings(level)) {
            Some((_, v)) => level_values.push(v),
            None if no_schema => level_values.push(level.to_string()),
            None => missing.push(*level),
        }
    }
    let level_label = schema
        .loki
        .level_label
        .as_deref()
        .or(no_schema.then_some("level"));
    if let (Some(level_label), false) = (level_label.and_then(label), level_values.is_empty()) {
        matchers.push(Matcher::any_of(level_label, &level_values));
    }
    if !missing.is_empty() {
        let detected = label("detected_level").expect("valid label name");
        let values: Vec<String> = missing.iter().map(|s| s.to_string()).collect();
        let filter = if values.len() == 1 {
            LabelFilter::Cmp {
                label: detected,
                op: CmpOp::Eq,
                value: Value::String(values[0].clone()),
            }
        } else {
            LabelFilter::Cmp {
                label: detected,
                op: CmpOp::Re,
                value: Value::String(values.join("|")),
            }
        };
        stages.push(Stage::Filter(filter));
    }
    if let Some(level_label) = schema.loki.level_label.as_deref().and_then(label) {
        for level in &r.negated_levels {
            if let Some((_, v)) = schema.level_value(level_spellings(level)) {
                matchers.push(Matcher {
                    label: level_label.clone(),
                    op: MatchOp::Neq,
                    value: v,
                });
            }
        }
    }
    if !matchers
        .iter()
        .any(|m| matches!(m.op, MatchOp::Eq | MatchOp::Re))
    {
        // LogQL needs one matcher that cannot match empty: every stream that has a service name.
        let l = label(&service_label).expect("service label is a valid name");
        matchers.push(Matcher {
            label: l,
            op: MatchOp::Re,
            value: ".+".into(),
        });
    }
    (matchers, stages)
}

/// The log query of a reading: selector, line filters, parser, label filters.
pub fn log_query(r: &Reading, schema: &Schema, levels: &[&str]) -> LogQuery {
    let (matchers, level_stages) = selector(r, schema, levels);
    let mut q = LogQuery::new(matchers);
    for p in &r.phrases {
        let op = match (p.negative, p.regex) {
            (false, false) => LineOp::Contains,
            (true, false) => LineOp::NotContains,
            (false, true) => LineOp::Matches,
            (true, true) => LineOp::NotMatches,
        };
        q.stages.push(Stage::Line {
            op,
            value: p.text.clone(),
        });
    }
    // Things named by a Tempo attribute value ("acmepay", "postgresql"): lines that mention them.
    for a in &r.attrs {
        if let (CmpOp::Eq, FieldValue::Text(value)) = (a.op, &a.value) {
            q.stages.push(Stage::Line {
                op: LineOp::Contains,
                value: a.typed.clone().unwrap_or_else(|| value.clone()),
            });
        }
    }
    // Trace ids: every line that mentions one (logfmt and JSON lines carry them in the text).
    for id in &r.trace_ids {
        q.stages.push(Stage::Line {
            op: LineOp::Contains,
            value: id.clone(),
        });
    }
    let mut conds: Vec<FieldCond> = r.fields.clone();
    // HTTP codes: a status field when the lines have one, else the code as text (access logs).
    if !r.http.is_empty() {
        match find_field(r, schema, STATUS_FIELDS, true) {
            Some((name, source, kind)) => {
                for (lo, hi) in &r.http {
                    if lo == hi {
                        conds.push(FieldCond {
                            field: name.clone(),
                            kind,
                            source,
                            op: CmpOp::Eq,
                            value: FieldValue::Number(*lo as f64),
                        });
                    } else {
                        conds.push(FieldCond {
                            field: name.clone(),
                            kind,
                            source,
                            op: CmpOp::Gte,
                            value: FieldValue::Number(*lo as f64),
                        });
                        if *hi < 599 {
                            conds.push(FieldCond {
                                field: name.clone(),
                                kind,
                                source,
                                op: CmpOp::Lte,
                                value: FieldValue::Number(*hi as f64),
                            });
                        }
                    }
                }
            }
            None => {
                for (lo, hi) in &r.http {
                    if lo == hi {
                        q.stages.push(Stage::Line {
                            op: LineOp::Contains,
                            value: format!(" {lo} "),
                        });
                    } else {
                        q.stages.push(Stage::Line {
                            op: LineOp::Matches,
                            value: format!(" {}[0-9][0-9] ", lo / 100),
                        });
                    }
                }
            }
        }
    }
    // HTTP codes left out: `status != 500` when the lines have a status field, else lines without the code
    if !r.http_excluded.is_empty() {
        match find_field(r, schema, STATUS_FIELDS, true) {
            Some((name, source, kind)) => {
                for code in &r.http_excluded {
                    conds.push(FieldCond {
                        field: name.clone(),
                        kind,
                        source,
                        op: CmpOp::Neq,
                        value: FieldValue::Number(*code as f64),
                    });
                }
            }
            None => {
                for code in &r.http_excluded {
                    q.stages.push(Stage::Line {
                        op: LineOp::NotContains,
                        value: format!(" {code} "),
                    });
                }
            }
        }
    }
    // A latency threshold on log lines reads the duration field.
    if let Some(t) = r.threshold
        && let Some((name, source, kind)) = find_field(r, schema, DURATION_FIELDS, true)
    {
        let lower = name.to_lowercase();
        let value = if lower.ends_with("_ms") || lower == "duration" && kind == FieldKind::Int {
            FieldValue::Number(t.value.as_nanos() as f64 / 1e6)
        } else if lower == "rt" || lower.ends_with("_s") {
            FieldValue::Number(t.value.as_secs_f64())
        } else {
            FieldValue::Duration(t.value)
        };
        conds.push(FieldCond {
            field: name,
            kind,
            source,
            op: t.op,
            value,
        });
    }
    q.stages.extend(level_stages);
    let parser = conds
        .iter()
        .map(|c| c.source)
        .chain(r.value_fields.iter().map(|(_, s)| *s))
        .find_map(FieldSource::parser);
    if let Some(p) = parser {
        q.stages.push(Stage::Parser(p));
    }
    for c in conds {
        if let Some(l) = label(&c.field) {
            let value = match (&c.value, c.kind) {
                // numbers compared with text fields are still written as numbers when they look like them
                (FieldValue::Text(t), k) if k.is_numeric() => t
                    .parse::<f64>()
                    .map(Value::Number)
                    .unwrap_or(Value::String(t.clone())),
                (v, _) => cmp_value(v),
            };
            // `=~`/`!~` take a string: a number or duration written with them is matched as its text.
            let value = match (c.op, value) {
                (CmpOp::Re | CmpOp::Nre, v @ (Value::Number(_) | Value::Duration(_))) => {
                    Value::String(v.to_string())
                }
                (_, v) => v,
            };
            q.stages.push(Stage::Filter(LabelFilter::Cmp {
                label: l,
                op: c.op,
                value,
            }));
        }
    }
    q
}

fn base_plan(kind: PlanKind, query: Query, range: Range) -> Plan {
    Plan {
        kind,
        query: Some(query),
        start: Some(range.start),
        end: range.end,
        instant: false,
        step: None,
        limit: None,
        clarification: None,
        time_source: TimeSource::Default,
        understood: Vec::new(),
    }
}

/// A log query (`logs`) or the log side of a correlation (`correlate`).
pub fn log_plan(r: &Reading, schema: &Schema, kind: PlanKind, range: Range) -> Plan {
    let mut levels: Vec<&str> = r.levels.clone();
    if kind == PlanKind::Correlate
        && levels.is_empty()
        && r.phrases.is_empty()
        && r.http.is_empty()
        && r.fields.is_empty()
        // an attribute value the lines are searched for ("payment-service timeout logs")
        && r.attrs.iter().all(|a| a.typed.is_none())
    {
        // "why is X failing" / "what caused ...": the error lines lead to the traces; for slowness the
        // warnings too.
        levels = if r.cues.latency {
            vec!["warn", "error"]
        } else {
            vec!["error"]
        };
    }
    let q = log_query(r, schema, &levels);
    let mut plan = base_plan(kind, Query::Log(q), range);
    plan.limit = r.limit;
    plan
}

/// A step for a range query when the question gives none: about 60–300 points.
pub fn auto_step(range: QueryDuration) -> QueryDuration {
    let secs = range.as_secs_f64();
    let step = if secs <= 3_600.0 {
        60
    } else if secs <= 6.0 * 3_600.0 {
        300
    } else if secs <= 24.0 * 3_600.0 {
        900
    } else if secs <= 7.0 * 86_400.0 {
        3_600
    } else {
        6 * 3_600
    };
    QueryDuration::from_secs(step)
}

/// The labels to group by, as Loki names them.
fn loki_grouping(
    r: &Reading,
    schema: &Schema,
    extra_parser: &mut Option<Parser>,
) -> Vec<LabelName> {
    let mut out = Vec::new();
    for g in &r.group_by {
        let name = match g.as_str() {
            "service" => schema
                .loki
                .service_label
                .clone()
                .unwrap_or_else(|| "service_name".into()),
            "level" => schema.loki.level_label.clone().unwrap_or_else(|| {
                // no schema at all: the common `level` label; a schema without one: Loki's own
                if schema.loki.labels.is_empty() {
                    "level".into()
                } else {
                    "detected_level".into()
                }
            }),
            "status" => match find_field(r, schema, STATUS_FIELDS, false) {
                Some((name, source, _)) => {
                    if extra_parser.is_none() {
                        *extra_parser = source.parser();
                    }
                    name
                }
                None => continue,
            },
            "name" => continue,
            other => {
                if schema.loki.labels.contains_key(other) {
                    other.to_string()
                } else if let Some((name, source, _)) = find_field(r, schema, &[other], false) {
                    if extra_parser.is_none() {
                        *extra_parser = source.parser();
                    }
                    name
                } else {
                    continue;
                }
            }
        };
        if let Some(l) = label(&name)
            && !out.contains(&l)
        {
            out.push(l);
        }
    }
    out
}

/// A LogQL metric query: counts, rates, top-N, ratios and aggregations of a numeric field.
pub fn metric_plan(r: &Reading, schema: &Schema, range: Range) -> Plan {
    let c = &r.cues;
    let mut levels = r.levels.clone();
    // "error ratio/percentage": errors over all lines; the numerator has the level, the denominator not.
    let ratio = c.ratio && !levels.is_empty();
    if ratio {
        levels.clear();
    }
    let mut q = log_query(r, schema, &levels);
    let mut extra_parser = None;
    let mut grouping = loki_grouping(r, schema, &mut extra_parser);
    if (r.topk.is_some() || c.most)
        && grouping.is_empty()
        && let Some(l) = schema.loki.service_label.as_deref().and_then(label)
    {
        grouping.push(l);
    }
    if let Some(p) = extra_parser
        && q.parser().is_none()
    {
        q.stages.push(Stage::Parser(p));
    }
    let range_query = r.interval.is_some() || c.rate || c.per_second || c.over_time;
    let window = if let Some(i) = r.interval {
        i
    } else if c.rate || c.per_second {
        QueryDuration::from_mins(1)
    } else if range_query {
        auto_step(range.duration())
    } else {
        range.duration()
    };

    // What is measured per stream.
    let value_field = r.value_fields.first().cloned().or_else(|| {
        (r.quantile.is_some() || r.aggregate.is_some())
            .then(|| find_field(r, schema, DURATION_FIELDS, true).map(|(n, s, _)| (n, s)))
            .flatten()
    });
    let inner = match (value_field, r.quantile, r.aggregate) {
        (Some((field, source)), quantile, aggregate)
            if quantile.is_some() || aggregate.is_some() =>
        {
            if q.parser().is_none()
                && let Some(p) = source.parser()
            {
                q.stages.push(Stage::Parser(p));
            }
            let func = match (quantile, aggregate) {
                (Some(phi), _) => RangeFunc::QuantileOverTime(phi),
                (None, Some(Aggregate::Avg)) => RangeFunc::AvgOverTime,
                (None, Some(Aggregate::Max)) => RangeFunc::MaxOverTime,
                (None, Some(Aggregate::Min)) => RangeFunc::MinOverTime,
                _ => RangeFunc::SumOverTime,
            };
            let unwrap = label(&field).map(Unwrap::lenient);
            // Without a grouping, an unwrapped aggregation keeps every parsed label and so gives one
            // series per distinct line; one series per service is what "p95 of rt" means.
            let mut grouping = grouping.clone();
            if grouping.is_empty()
                && func != RangeFunc::SumOverTime
                && let Some(l) = schema
                    .loki
                    .service_label
                    .as_deref()
                    .or(Some("service_name"))
                    .and_then(label)
            {
                grouping.push(l);
            }
            let grouping = if grouping.is_empty() {
                None
            } else {
                Some(Grouping::By(grouping))
            };
            let expr = MetricExpr::Range {
                func,
                query: q.clone(),
                unwrap,
                range: window,
                grouping,
            };
            // `sum_over_time` adds up per stream; add the streams too.
            if func == RangeFunc::SumOverTime {
                MetricExpr::aggregate(AggOp::Sum, None, expr)
            } else {
                expr
            }
        }
        _ => {
            let func = match (c.bytes, c.rate || c.per_second) {
                (true, true) => RangeFunc::BytesRate,
                (true, false) => RangeFunc::BytesOverTime,
                (false, true) => RangeFunc::Rate,
                (false, false) => RangeFunc::CountOverTime,
            };
            let by = if grouping.is_empty() {
                None
            } else {
                Some(Grouping::By(grouping.clone()))
            };
            if ratio {
                let errors = log_query(r, schema, &r.levels);
                let mut errors_q = errors;
                if let Some(p) = q.parser()
                    && errors_q.parser().is_none()
                {
                    errors_q.stages.push(Stage::Parser(p));
                }
                let num = MetricExpr::aggregate(
                    AggOp::Sum,
                    by.clone(),
                    MetricExpr::range(func, errors_q, window),
                );
                let den = MetricExpr::aggregate(
                    AggOp::Sum,
                    by,
                    MetricExpr::range(func, q.clone(), window),
                );
                let div = MetricExpr::Binary {
                    op: BinOp::Div,
                    lhs: Box::new(num),
                    rhs: Box::new(den),
                };
                if r.tokens
                    .iter()
                    .any(|t| t.is_any(&["percentage", "percent", "%"]))
                {
                    MetricExpr::Binary {
                        op: BinOp::Mul,
                        lhs: Box::new(div),
                        rhs: Box::new(MetricExpr::Literal(100.0)),
                    }
                } else {
                    div
                }
            } else {
                MetricExpr::aggregate(AggOp::Sum, by, MetricExpr::range(func, q.clone(), window))
            }
        }
    };
    let expr = match (r.topk, c.most) {
        (Some((k, bottom)), _) => MetricExpr::Aggregate {
            op: if bottom { AggOp::Bottomk } else { AggOp::Topk },
            grouping: None,
            param: Some(k),
            inner: Box::new(inner),
        },
        (None, true) if !r.group_by.is_empty() => MetricExpr::topk(1, inner),
        _ => inner,
    };
    let mut plan = base_plan(PlanKind::Metrics, Query::LogMetric(expr), range);
    if range_query {
        plan.step = Some(window);
    } else {
        plan.instant = true;
        plan.start = None;
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_step_scales_with_range() {
        assert_eq!(auto_step(QueryDuration::from_hours(1)).to_string(), "1m");
        assert_eq!(auto_step(QueryDuration::from_hours(3)).to_string(), "5m");
        assert_eq!(auto_step(QueryDuration::from_hours(24)).to_string(), "15m");
        assert_eq!(auto_step(QueryDuration::from_hours(48)).to_string(), "1h");
    }
}
