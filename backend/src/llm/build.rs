//! The slot builder: [`Slots`] → a [`Plan`], following the rules translator's conventions (the same
//! matchers, parsers, range functions and groupings, so both translators print the same query for the
//! same meaning). Every problem is a sentence for the model's repair round.

use crate::ground::{FieldKind, Schema};
use crate::plan::logql::{
    self, AggOp, CmpOp, Grouping, LabelFilter, LabelName, LineOp, LogQuery, Matcher, MetricExpr,
    RangeFunc, Stage,
};
use crate::plan::traceql::{self, Attribute, Cond, Intrinsic, MetricsFn, Op, Static, TraceQuery};
use crate::plan::{Plan, PlanKind, Query, QueryDuration};

use super::slots::{FIELD_OPS, FieldSlot, KINDS, Slots, TimeContext, time_range};

fn label(name: &str) -> Result<LabelName, String> {
    LabelName::new(name).ok_or_else(|| format!("`{name}` is not a valid label name"))
}

impl Slots {
    /// The plan these slots describe, or why they do not describe a valid one (fed back to the model).
    pub fn to_plan(&self, schema: &Schema, ctx: &TimeContext) -> Result<Plan, String> {
        let kind = PlanKind::parse(self.kind.trim())
            .filter(|k| *k != PlanKind::Trace)
            .ok_or_else(|| {
                format!(
                    "`kind` must be one of {}, not `{}`",
                    KINDS.join(", "),
                    self.kind
                )
            })?;
        if kind == PlanKind::Clarify {
            let reason = if self.reason.trim().is_empty() {
                "The question could not be turned into a query.".to_string()
            } else {
                self.reason.trim().to_string()
            };
            return Ok(Plan::clarify(reason, Vec::new(), ctx.now));
        }
        let known = schema.services();
        for s in &self.services {
            if !known.contains(s) {
                return Err(format!(
                    "service `{s}` does not exist; the services are {}",
                    known.join(", ")
                ));
            }
        }
        let (start, end, time_source) =
            time_range(&self.last, &self.day, &self.from_time, &self.to_time, ctx)?;
        let mut plan = Plan {
            kind,
            query: None,
            start: Some(start),
            end,
            instant: false,
            step: None,
            limit: (self.limit > 0).then_some(self.limit),
            clarification: None,
            time_source,
            understood: Vec::new(),
        };
        let range = QueryDuration::from_secs((end - start).num_seconds().max(1) as u64);
        match kind {
            PlanKind::Logs | PlanKind::Correlate => {
                plan.query = Some(Query::Log(self.log_query(schema)?));
            }
            PlanKind::Metrics => {
                let log = self.log_query(schema)?;
                let step = self.duration("step", &self.step)?;
                let (func, window) = match self.metric.as_str() {
                    "rate" => (RangeFunc::Rate, QueryDuration::from_mins(1)),
                    "" | "count" => (RangeFunc::CountOverTime, step.unwrap_or(range)),
                    other => {
                        return Err(format!(
                            "`metric` `{other}` needs trace data: use kind trace_metrics"
                        ));
                    }
                };
                if func == RangeFunc::Rate {
                    plan.step = Some(step.unwrap_or(QueryDuration::from_mins(1)));
                } else if let Some(s) = step {
                    plan.step = Some(s);
                } else {
                    plan.instant = true;
                    plan.start = None;
                }
                let groups = self.loki_groups(schema)?;
                let inner = MetricExpr::range(func, log, window);
                let grouping = (!groups.is_empty()).then_some(Grouping::By(groups));
                let mut expr = MetricExpr::aggregate(AggOp::Sum, grouping, inner);
                if self.top > 0 {
                    expr = MetricExpr::topk(self.top, expr);
                }
                plan.query = Some(Query::LogMetric(expr));
            }
            PlanKind::Traces => {
                plan.query = Some(Query::Trace(TraceQuery::filter(self.trace_cond(schema)?)));
            }
            PlanKind::TraceMetrics => {
                let func = match self.metric.as_str() {
                    "" | "rate" => MetricsFn::Rate,
                    "count" => MetricsFn::CountOverTime,
                    p => {
                        let q: f64 = p
                            .strip_prefix('p')
                            .and_then(|n| n.parse::<f64>().ok())
                            .ok_or_else(|| format!("unknown `metric` `{p}`"))?;
                        MetricsFn::QuantileOverTime {
                            attr: Attribute::Intrinsic(Intrinsic::Duration),
                            quantiles: vec![q / 100.0],
                        }
                    }
                };
                let mut by = Vec::new();
                for g in &self.group_by {
                    match g.as_str() {
                        "service" => by.push(Attribute::service_name()),
                        other => {
                            return Err(format!(
                                "trace metrics can be grouped by service only, not `{other}`"
                            ));
                        }
                    }
                }
                plan.query = Some(Query::Trace(
                    TraceQuery::filter(self.trace_cond(schema)?).with_metrics(func, by),
                ));
            }
            PlanKind::Trace | PlanKind::Clarify => {
                return Err(format!("`kind` `{}` is not a query kind", kind.as_str()));
            }
        }
        Ok(plan)
    }

    fn duration(&self, what: &str, text: &str) -> Result<Option<QueryDuration>, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        QueryDuration::parse(t)
            .filter(|d| !d.is_zero())
            .map(Some)
            .ok_or_else(|| format!("`{what}` must be a duration like 5m or 1s, not `{text}`"))
    }

    fn loki_groups(&self, schema: &Schema) -> Result<Vec<LabelName>, String> {
        self.group_by
            .iter()
            .map(|g| {
                let name = match g.as_str() {
                    "service" => schema
                        .loki
                        .service_label
                        .as_deref()
                        .unwrap_or("service_name"),
                    "level" => schema.loki.level_label.as_deref().unwrap_or("level"),
                    other if schema.loki.labels.contains_key(other) => other,
                    other => return Err(format!("there is no label `{other}` to group by")),
                };
                label(name)
            })
            .collect()
    }

    fn log_query(&self, schema: &Schema) -> Result<LogQuery, String> {
        let service_label = schema
            .loki
            .service_label
            .as_deref()
            .unwrap_or("service_name");
        let level_label = schema.loki.level_label.as_deref().unwrap_or("level");
        let mut matchers = Vec::new();
        if !self.services.is_empty() {
            matchers.push(Matcher::any_of(label(service_label)?, &self.services));
        }
        if !self.levels.is_empty() {
            let known = schema.loki.labels.get(level_label);
            for l in &self.levels {
                if known.is_some_and(|k| !k.is_empty() && !k.contains(l)) {
                    return Err(format!(
                        "level `{l}` does not exist; the levels are {}",
                        known.map(|k| k.join(", ")).unwrap_or_default()
                    ));
                }
            }
            matchers.push(Matcher::any_of(label(level_label)?, &self.levels));
        }
        for l in &self.labels {
            let Some(values) = schema.loki.labels.get(&l.name) else {
                return Err(format!("label `{}` does not exist", l.name));
            };
            if !values.is_empty() && !values.contains(&l.value) {
                return Err(format!(
                    "label `{}` has no value `{}`; its values are {}",
                    l.name,
                    l.value,
                    values.join(", ")
                ));
            }
            matchers.push(Matcher::eq(label(&l.name)?, l.value.clone()));
        }
        if matchers.is_empty() {
            matchers.push(Matcher {
                label: label(service_label)?,
                op: logql::MatchOp::Re,
                value: ".+".into(),
            });
        }
        let mut q = LogQuery::new(matchers);
        for c in self.contains.iter().filter(|c| !c.is_empty()) {
            q = q.with(Stage::Line {
                op: LineOp::Contains,
                value: c.clone(),
            });
        }
        for c in self.not_contains.iter().filter(|c| !c.is_empty()) {
            q = q.with(Stage::Line {
                op: LineOp::NotContains,
                value: c.clone(),
            });
        }
        if !self.fields.is_empty() {
            let mut parser = None;
            let mut filters = Vec::new();
            for f in &self.fields {
                let found = self.find_field(schema, &f.name)?;
                if let Some(p) = found.source.parser() {
                    parser.get_or_insert(p);
                }
                filters.push(field_filter(f, found.kind)?);
            }
            if let Some(p) = parser {
                q = q.with(Stage::Parser(p));
            }
            for f in filters {
                q = q.with(Stage::Filter(f));
            }
        }
        Ok(q)
    }

    fn find_field<'s>(
        &self,
        schema: &'s Schema,
        name: &str,
    ) -> Result<&'s crate::ground::LogField, String> {
        let in_services: Vec<&'s crate::ground::LogField> = schema
            .loki
            .fields
            .iter()
            .filter(|(s, _)| self.services.is_empty() || self.services.contains(s))
            .flat_map(|(_, fs)| fs.iter())
            .filter(|f| f.name == name)
            .collect();
        in_services.first().copied().ok_or_else(|| {
            format!(
                "field `{name}` does not exist in the logs of {}",
                if self.services.is_empty() {
                    "any service".to_string()
                } else {
                    self.services.join(", ")
                }
            )
        })
    }

    fn trace_cond(&self, schema: &Schema) -> Result<Option<Cond>, String> {
        let mut conds = Vec::new();
        match self.services.len() {
            0 => {}
            1 => conds.push(Cond::cmp(
                Attribute::service_name(),
                Op::Eq,
                Static::String(self.services[0].clone()),
            )),
            _ => conds.push(Cond::Or(
                self.services
                    .iter()
                    .map(|s| {
                        Cond::cmp(Attribute::service_name(), Op::Eq, Static::String(s.clone()))
                    })
                    .collect(),
            )),
        }
        if !self.span_name.trim().is_empty() {
            conds.push(Cond::cmp(
                Attribute::Intrinsic(Intrinsic::Name),
                Op::Eq,
                Static::String(self.span_name.trim().to_string()),
            ));
        }
        if self.status_error {
            conds.push(Cond::cmp(
                Attribute::Intrinsic(Intrinsic::Status),
                Op::Eq,
                Static::Status(traceql::Status::Error),
            ));
        }
        let status = self.http_status.trim().to_ascii_lowercase();
        if !status.is_empty() {
            let attr = if !schema.has_tempo_tag("span", "http.response.status_code")
                && schema.has_tempo_tag("span", "http.status_code")
            {
                Attribute::span("http.status_code")
            } else {
                Attribute::span("http.response.status_code")
            };
            if let Some(class) = status.strip_suffix("xx") {
                let lo: i64 = class
                    .parse::<i64>()
                    .ok()
                    .filter(|c| (1..=5).contains(c))
                    .ok_or_else(|| format!("`http_status` `{status}` is not like 500 or 5xx"))?;
                conds.push(Cond::cmp(attr, Op::Gte, Static::Int(lo * 100)));
            } else {
                let code: i64 = status
                    .parse()
                    .ok()
                    .filter(|c| (100..=599).contains(c))
                    .ok_or_else(|| format!("`http_status` `{status}` is not like 500 or 5xx"))?;
                conds.push(Cond::cmp(attr, Op::Eq, Static::Int(code)));
            }
        }
        if let Some(d) = self.duration("min_duration", &self.min_duration)? {
            let attr = if self.whole_trace {
                Intrinsic::TraceDuration
            } else {
                Intrinsic::Duration
            };
            conds.push(Cond::cmp(
                Attribute::Intrinsic(attr),
                Op::Gt,
                Static::Duration(d),
            ));
        }
        Ok(Cond::all(conds))
    }
}

fn field_filter(f: &FieldSlot, kind: FieldKind) -> Result<LabelFilter, String> {
    let op = match f.op.as_str() {
        "=" | "==" => CmpOp::Eq,
        "!=" => CmpOp::Neq,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Gte,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Lte,
        other => {
            return Err(format!(
                "field operator `{other}` is not one of {FIELD_OPS:?}"
            ));
        }
    };
    let name = label(&f.name)?;
    let value = match kind {
        FieldKind::Int | FieldKind::Float | FieldKind::Bytes => logql::Value::Number(
            f.value
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("field `{}` is a number, not `{}`", f.name, f.value))?,
        ),
        FieldKind::Duration => logql::Value::Duration(
            QueryDuration::parse(f.value.trim())
                .ok_or_else(|| format!("field `{}` is a duration, not `{}`", f.name, f.value))?,
        ),
        FieldKind::String | FieldKind::Boolean => {
            if !matches!(op, CmpOp::Eq | CmpOp::Neq) {
                return Err(format!("field `{}` holds text: use = or !=", f.name));
            }
            logql::Value::String(f.value.clone())
        }
    };
    Ok(LabelFilter::Cmp {
        label: name,
        op,
        value,
    })
}
