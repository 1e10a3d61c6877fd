//! TraceQL from a reading: spanset filters for searches and metrics functions for trace metrics.

use super::Range;
use super::reading::{Aggregate, FieldValue, Reading};
use crate::ground::Schema;
use crate::plan::logql::CmpOp;
use crate::plan::traceql::{
    Attribute, Cond, Intrinsic, Kind, MetricsFn, Op, Scope, Spanset, SpansetOp, Static, Status,
    TraceQuery,
};
use crate::plan::{Plan, PlanKind, Query, QueryDuration, TimeSource};

/// A slow request, when the question says "slow" without a number (the design's convention).
pub const DEFAULT_SLOW: QueryDuration = QueryDuration::from_secs(1);

fn op(c: CmpOp) -> Op {
    match c {
        CmpOp::Eq => Op::Eq,
        CmpOp::Neq => Op::Neq,
        CmpOp::Gt => Op::Gt,
        CmpOp::Gte => Op::Gte,
        CmpOp::Lt => Op::Lt,
        CmpOp::Lte => Op::Lte,
        CmpOp::Re => Op::Re,
        CmpOp::Nre => Op::Nre,
    }
}

/// The span attribute for HTTP status codes: the current semantic convention unless the data only has
/// the old one.
fn status_code_attr(schema: &Schema) -> Attribute {
    if !schema.has_tempo_tag("span", "http.response.status_code")
        && schema.has_tempo_tag("span", "http.status_code")
    {
        Attribute::span("http.status_code")
    } else {
        Attribute::span("http.response.status_code")
    }
}

fn method_attr(schema: &Schema) -> Attribute {
    if !schema.has_tempo_tag("span", "http.request.method")
        && schema.has_tempo_tag("span", "http.method")
    {
        Attribute::span("http.method")
    } else {
        Attribute::span("http.request.method")
    }
}

/// The resource attribute for a Loki label value the user named (`staging` → deployment environment).
fn resource_attr_for_label(schema: &Schema, label: &str, value: &str) -> Option<Attribute> {
    let candidates: &[&str] = match label {
        "env" | "environment" => &["deployment.environment.name", "deployment.environment"],
        "namespace" => &["k8s.namespace.name", "service.namespace"],
        "cluster" => &["k8s.cluster.name"],
        "pod" => &["k8s.pod.name"],
        _ => &[],
    };
    candidates.iter().find_map(|name| {
        let key = format!("resource.{name}");
        let known = schema
            .tempo
            .values
            .get(&key)
            .is_some_and(|vs| vs.iter().any(|v| v == value))
            || schema.has_tempo_tag("resource", name);
        known.then(|| Attribute::resource(name))
    })
}

fn status_conds(attr: &Attribute, lo: u16, hi: u16) -> Vec<Cond> {
    if lo == hi {
        return vec![Cond::cmp(attr.clone(), Op::Eq, Static::Int(lo as i64))];
    }
    let mut out = vec![Cond::cmp(attr.clone(), Op::Gte, Static::Int(lo as i64))];
    // 5xx is the top class: `>= 500` says it all.
    if hi < 599 {
        out.push(Cond::cmp(attr.clone(), Op::Lt, Static::Int(hi as i64 + 1)));
    }
    out
}

/// The conditions of one spanset filter.
fn conditions(r: &Reading, schema: &Schema, search: bool) -> Vec<Cond> {
    let mut conds = Vec::new();
    // One service `=`, several `=~ "a|b"` (as Grafana's own TraceQL editor writes them).
    let services = |names: &[String], negated: bool| -> Option<Cond> {
        let (op, value) = match names {
            [] => return None,
            [one] => (if negated { Op::Neq } else { Op::Eq }, one.clone()),
            many => (
                if negated { Op::Nre } else { Op::Re },
                many.iter()
                    .map(|s| crate::plan::escape::regex_literal(s))
                    .collect::<Vec<_>>()
                    .join("|"),
            ),
        };
        Some(Cond::cmp(
            Attribute::service_name(),
            op,
            Static::String(value),
        ))
    };
    conds.extend(services(&r.services, false));
    for root in &r.root_services {
        conds.push(Cond::cmp(
            Attribute::Intrinsic(Intrinsic::RootServiceName),
            Op::Eq,
            Static::String(root.clone()),
        ));
    }
    conds.extend(services(&r.excluded_services, true));
    for (label, value, negated) in &r.labels {
        if let Some(attr) = resource_attr_for_label(schema, label, value) {
            conds.push(Cond::cmp(
                attr,
                if *negated { Op::Neq } else { Op::Eq },
                Static::String(value.clone()),
            ));
        }
    }
    match r.span_names.len() {
        0 => {}
        1 => conds.push(Cond::cmp(
            Attribute::Intrinsic(Intrinsic::Name),
            Op::Eq,
            Static::String(r.span_names[0].clone()),
        )),
        _ => conds.push(Cond::Or(
            r.span_names
                .iter()
                .map(|n| {
                    Cond::cmp(
                        Attribute::Intrinsic(Intrinsic::Name),
                        Op::Eq,
                        Static::String(n.clone()),
                    )
                })
                .collect(),
        )),
    }
    for route in &r.routes {
        let attr = if schema.has_tempo_tag("span", "http.route") {
            Attribute::span("http.route")
        } else {
            Attribute::span("url.path")
        };
        conds.push(Cond::cmp(attr, Op::Eq, Static::String(route.clone())));
    }
    for m in &r.methods {
        conds.push(Cond::cmp(
            method_attr(schema),
            Op::Eq,
            Static::String(m.clone()),
        ));
    }
    if let Some((value, negated)) = r.span_status {
        let status = match value {
            "ok" => Status::Ok,
            "unset" => Status::Unset,
            _ => Status::Error,
        };
        let o = if negated { Op::Neq } else { Op::Eq };
        conds.push(Cond::cmp(
            Attribute::Intrinsic(Intrinsic::Status),
            o,
            Static::Status(status),
        ));
    } else if r.levels.contains(&"error") || r.cues.failed {
        conds.push(Cond::cmp(
            Attribute::Intrinsic(Intrinsic::Status),
            Op::Eq,
            Static::Status(Status::Error),
        ));
    }
    let status_attr = status_code_attr(schema);
    for (lo, hi) in &r.http {
        conds.extend(status_conds(&status_attr, *lo, *hi));
    }
    for code in &r.http_excluded {
        conds.push(Cond::cmp(
            status_attr.clone(),
            Op::Neq,
            Static::Int(*code as i64),
        ));
    }
    for f in &r.fields {
        // a field condition in a trace question: `status 500` means the HTTP status
        if ["status", "status_code", "code"].contains(&f.field.as_str())
            && let FieldValue::Number(n) = f.value
        {
            conds.push(Cond::cmp(
                status_attr.clone(),
                op(f.op),
                Static::Int(n as i64),
            ));
        }
    }
    if r.cues.server_spans {
        conds.push(Cond::cmp(
            Attribute::Intrinsic(Intrinsic::Kind),
            Op::Eq,
            Static::Kind(Kind::Server),
        ));
    }
    if r.cues.client_spans {
        conds.push(Cond::cmp(
            Attribute::Intrinsic(Intrinsic::Kind),
            Op::Eq,
            Static::Kind(Kind::Client),
        ));
    }
    let duration_attr = Attribute::Intrinsic(if r.cues.whole_trace {
        Intrinsic::TraceDuration
    } else {
        Intrinsic::Duration
    });
    match r.threshold {
        Some(t) => conds.push(Cond::cmp(
            duration_attr,
            op(t.op),
            Static::Duration(t.value),
        )),
        None if search && r.cues.latency => conds.push(Cond::cmp(
            duration_attr,
            Op::Gt,
            Static::Duration(DEFAULT_SLOW),
        )),
        None => {}
    }
    for a in &r.attrs {
        let attr = scoped_attr(&a.attr).unwrap_or_else(|| Attribute::Scoped {
            scope: Scope::Unscoped,
            name: a.attr.clone(),
        });
        let value = match &a.value {
            FieldValue::Number(n) if n.fract() == 0.0 => Static::Int(*n as i64),
            FieldValue::Number(n) => Static::Float(*n),
            FieldValue::Duration(d) => Static::Duration(*d),
            FieldValue::Text(t) => Static::String(t.clone()),
        };
        conds.push(Cond::cmp(attr, op(a.op), value));
    }
    conds
}

/// An attribute written with its scope (`span.http.route`, `resource.k8s.pod.name`).
fn scoped_attr(name: &str) -> Option<Attribute> {
    if let Some(rest) = name.strip_prefix("resource.") {
        Some(Attribute::resource(rest))
    } else if let Some(rest) = name.strip_prefix("event.") {
        Some(Attribute::Scoped {
            scope: Scope::Event,
            name: rest.to_string(),
        })
    } else {
        name.strip_prefix("span.").map(Attribute::span)
    }
}

fn plan(kind: PlanKind, query: TraceQuery, range: Range) -> Plan {
    Plan {
        kind,
        query: Some(Query::Trace(query)),
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

/// A TraceQL search.
pub fn search_plan(r: &Reading, schema: &Schema, range: Range) -> Plan {
    let query = if let Some(id) = r.trace_ids.first() {
        // a trace named by id
        TraceQuery::filter(Some(Cond::cmp(
            Attribute::Intrinsic(Intrinsic::TraceId),
            Op::Eq,
            Static::String(id.clone()),
        )))
    } else if let Some((upstream, downstream)) = call_pair(r) {
        // "order-service calling payment-service that failed": the conditions are the callee's
        let mut callee = r.clone();
        callee.services = vec![downstream];
        let caller = Reading {
            services: vec![upstream],
            ..Reading::default()
        };
        TraceQuery {
            spanset: Spanset::Binary {
                op: SpansetOp::Descendant,
                lhs: Box::new(Spanset::Filter(Cond::all(conditions(
                    &caller, schema, false,
                )))),
                rhs: Box::new(Spanset::Filter(Cond::all(conditions(
                    &callee, schema, true,
                )))),
            },
            select: Vec::new(),
            metrics: None,
        }
    } else {
        TraceQuery::filter(Cond::all(conditions(r, schema, true)))
    };
    let mut p = plan(PlanKind::Traces, query, range);
    p.limit = r.limit.or(r.topk.map(|(k, _)| k));
    p
}

/// Two services where one calls the other: (caller, callee), from "A calls B", "A → B", "from A to B",
/// "B called by A".
fn call_pair(r: &Reading) -> Option<(String, String)> {
    if r.services.len() != 2 || r.service_at.len() != 2 {
        return None;
    }
    let (first, second) = if r.service_at[0] <= r.service_at[1] {
        (0, 1)
    } else {
        (1, 0)
    };
    let (a, b) = (r.service_at[first], r.service_at[second]);
    let between = &r.tokens[a + 1..b];
    let from_to =
        a > 0 && r.tokens[a - 1].is("from") && between.iter().any(|t| t.is_any(&["to", "->", "→"]));
    if !(r.cues.calls || from_to) {
        return None;
    }
    let passive = b > 0 && r.tokens[b - 1].is("by");
    let (caller, callee) = if passive {
        (second, first)
    } else {
        (first, second)
    };
    Some((r.services[caller].clone(), r.services[callee].clone()))
}

/// A TraceQL metrics query.
pub fn metrics_plan(r: &Reading, schema: &Schema, range: Range) -> Plan {
    let c = &r.cues;
    let duration = Attribute::Intrinsic(Intrinsic::Duration);
    let func = if let Some(q) = r.quantile {
        MetricsFn::QuantileOverTime {
            attr: duration,
            quantiles: vec![q],
        }
    } else if let Some(agg) = r.aggregate.filter(|_| c.latency || r.threshold.is_some()) {
        match agg {
            Aggregate::Avg => MetricsFn::AvgOverTime(duration),
            Aggregate::Max => MetricsFn::MaxOverTime(duration),
            Aggregate::Min => MetricsFn::MinOverTime(duration),
            Aggregate::Sum => MetricsFn::SumOverTime(duration),
        }
    } else if c.rate || c.per_second {
        MetricsFn::Rate
    } else if c.count || c.how_many {
        MetricsFn::CountOverTime
    } else if c.latency {
        MetricsFn::QuantileOverTime {
            attr: duration,
            quantiles: vec![0.95],
        }
    } else {
        // "error spans per service": a count per bucket
        MetricsFn::CountOverTime
    };
    let mut by = Vec::new();
    for g in &r.group_by {
        let attr = match g.as_str() {
            "service" => Attribute::service_name(),
            "status" => status_code_attr(schema),
            "name" => Attribute::Intrinsic(Intrinsic::Name),
            "env" => resource_attr_for_label(schema, "env", "")
                .unwrap_or_else(|| Attribute::resource("deployment.environment")),
            "pod" => Attribute::resource("k8s.pod.name"),
            "namespace" => Attribute::resource("k8s.namespace.name"),
            "method" => method_attr(schema),
            other => match scoped_attr(other) {
                Some(attr) => attr,
                None => continue,
            },
        };
        if !by.contains(&attr) {
            by.push(attr);
        }
    }
    let query = TraceQuery::filter(Cond::all(conditions(r, schema, false))).with_metrics(func, by);
    let mut p = plan(PlanKind::TraceMetrics, query, range);
    if let Some(step) = r.interval {
        p.step = Some(step);
    }
    p
}
