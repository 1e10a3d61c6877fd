//! The TraceQL syntax tree. Names follow the TraceQL documentation.

use serde::Serialize;

use crate::plan::QueryDuration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Intrinsic {
    Duration,
    Name,
    Status,
    StatusMessage,
    Kind,
    TraceDuration,
    RootName,
    RootServiceName,
    /// `trace:id`
    TraceId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Scope {
    Resource,
    Span,
    /// `event.attr`: an attribute of a span event (`event.exception.type`).
    Event,
    /// `link.attr`: an attribute of a span link.
    Link,
    /// `instrumentation.attr`: an attribute of the instrumentation scope.
    Instrumentation,
    /// `.attr`: either scope.
    Unscoped,
}

/// An attribute: an intrinsic (`duration`) or a scoped name (`resource.service.name`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Attribute {
    Intrinsic(Intrinsic),
    Scoped { scope: Scope, name: String },
}

impl Attribute {
    pub fn resource(name: &str) -> Self {
        Attribute::Scoped {
            scope: Scope::Resource,
            name: name.to_string(),
        }
    }
    pub fn span(name: &str) -> Self {
        Attribute::Scoped {
            scope: Scope::Span,
            name: name.to_string(),
        }
    }
    pub fn service_name() -> Self {
        Self::resource("service.name")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Error,
    Ok,
    Unset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Kind {
    Server,
    Client,
    Producer,
    Consumer,
    Internal,
    Unspecified,
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Static {
    String(String),
    Int(i64),
    Float(f64),
    Duration(QueryDuration),
    Status(Status),
    Kind(Kind),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    Re,
    Nre,
}

/// A condition inside `{ ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Cond {
    Cmp {
        attr: Attribute,
        op: Op,
        value: Static,
    },
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    /// `attr op value`. `=~`/`!~` take a string: a number or duration given with them is matched
    /// as its text (`span.http.status_code =~ "500"`), so the condition stays valid TraceQL.
    pub fn cmp(attr: Attribute, op: Op, value: Static) -> Self {
        let value = match (op, value) {
            (Op::Re | Op::Nre, v @ (Static::Int(_) | Static::Float(_) | Static::Duration(_))) => {
                Static::String(v.to_string())
            }
            (_, v) => v,
        };
        Cond::Cmp { attr, op, value }
    }
    /// `a && b && ...`, flattening nested ands; `None` for no conditions.
    pub fn all(conds: Vec<Cond>) -> Option<Cond> {
        let mut flat = Vec::new();
        for c in conds {
            match c {
                Cond::And(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        match flat.len() {
            0 => None,
            1 => flat.pop(),
            _ => Some(Cond::And(flat)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SpansetOp {
    /// `>>` descendant
    Descendant,
    /// `>` child
    Child,
    /// `<<` ancestor
    Ancestor,
    /// `<` parent
    Parent,
    /// `~` sibling
    Sibling,
    /// `&&` both spansets in the trace
    And,
    /// `||` either
    Or,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Spanset {
    /// `{ cond }`, or `{ }` for every span.
    Filter(Option<Cond>),
    Binary {
        op: SpansetOp,
        lhs: Box<Spanset>,
        rhs: Box<Spanset>,
    },
}

/// TraceQL metrics functions (`| rate()` ...), each with an optional `by (...)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum MetricsFn {
    Rate,
    CountOverTime,
    QuantileOverTime {
        attr: Attribute,
        quantiles: Vec<f64>,
    },
    AvgOverTime(Attribute),
    MaxOverTime(Attribute),
    MinOverTime(Attribute),
    SumOverTime(Attribute),
    HistogramOverTime(Attribute),
}

/// A whole TraceQL query: a spanset expression, an optional `select(...)` and an optional metrics
/// function with its grouping.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceQuery {
    pub spanset: Spanset,
    pub select: Vec<Attribute>,
    pub metrics: Option<(MetricsFn, Vec<Attribute>)>,
}

impl TraceQuery {
    pub fn filter(cond: Option<Cond>) -> Self {
        Self {
            spanset: Spanset::Filter(cond),
            select: Vec::new(),
            metrics: None,
        }
    }
    pub fn with_metrics(mut self, func: MetricsFn, by: Vec<Attribute>) -> Self {
        self.metrics = Some((func, by));
        self
    }
    pub fn is_metrics(&self) -> bool {
        self.metrics.is_some()
    }
}
