//! TraceQL text from the syntax tree; every string value is quoted by [`crate::plan::escape::quote`].

use std::fmt::{self, Display, Formatter};

use super::ast::*;
use crate::plan::escape::quote;

impl Intrinsic {
    pub fn name(self) -> &'static str {
        match self {
            Intrinsic::Duration => "duration",
            Intrinsic::Name => "name",
            Intrinsic::Status => "status",
            Intrinsic::StatusMessage => "statusMessage",
            Intrinsic::Kind => "kind",
            Intrinsic::TraceDuration => "traceDuration",
            Intrinsic::RootName => "rootName",
            Intrinsic::RootServiceName => "rootServiceName",
            Intrinsic::TraceId => "trace:id",
        }
    }
}

/// Attribute names print bare when TraceQL's lexer reads them as one name, and quoted
/// (`span."my attr"`) otherwise.
fn attribute_name_is_bare(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | ':'))
        && !name.starts_with('.')
        && !name.ends_with('.')
}

impl Display for Attribute {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Attribute::Intrinsic(i) => f.write_str(i.name()),
            Attribute::Scoped { scope, name } => {
                let prefix = match scope {
                    Scope::Resource => "resource.",
                    Scope::Span => "span.",
                    Scope::Event => "event.",
                    Scope::Link => "link.",
                    Scope::Instrumentation => "instrumentation.",
                    Scope::Unscoped => ".",
                };
                f.write_str(prefix)?;
                if attribute_name_is_bare(name) {
                    f.write_str(name)
                } else {
                    f.write_str(&quote(name))
                }
            }
        }
    }
}

impl Display for Op {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Eq => "=",
            Op::Neq => "!=",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
            Op::Re => "=~",
            Op::Nre => "!~",
        })
    }
}

impl Display for Static {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Static::String(s) => f.write_str(&quote(s)),
            Static::Int(i) => write!(f, "{i}"),
            Static::Float(x) => f.write_str(&crate::plan::logql_number(*x)),
            Static::Duration(d) => write!(f, "{}", d.single_unit()),
            Static::Bool(b) => write!(f, "{b}"),
            Static::Status(s) => f.write_str(match s {
                Status::Error => "error",
                Status::Ok => "ok",
                Status::Unset => "unset",
            }),
            Static::Kind(k) => f.write_str(match k {
                Kind::Server => "server",
                Kind::Client => "client",
                Kind::Producer => "producer",
                Kind::Consumer => "consumer",
                Kind::Internal => "internal",
                Kind::Unspecified => "unspecified",
            }),
        }
    }
}

impl Display for Cond {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Cond::Cmp { attr, op, value } => write!(f, "{attr} {op} {value}"),
            Cond::And(items) => join(f, items, " && ", |c| matches!(c, Cond::Or(_))),
            Cond::Or(items) => join(f, items, " || ", |c| matches!(c, Cond::And(_))),
        }
    }
}

fn join(
    f: &mut Formatter<'_>,
    items: &[Cond],
    sep: &str,
    needs_parens: impl Fn(&Cond) -> bool,
) -> fmt::Result {
    for (i, c) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        if needs_parens(c) {
            write!(f, "({c})")?;
        } else {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}

impl Display for SpansetOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpansetOp::Descendant => ">>",
            SpansetOp::Child => ">",
            SpansetOp::Ancestor => "<<",
            SpansetOp::Parent => "<",
            SpansetOp::Sibling => "~",
            SpansetOp::And => "&&",
            SpansetOp::Or => "||",
        })
    }
}

impl Display for Spanset {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Spanset::Filter(None) => f.write_str("{ }"),
            Spanset::Filter(Some(c)) => write!(f, "{{ {c} }}"),
            Spanset::Binary { op, lhs, rhs } => {
                let side = |s: &Spanset| match s {
                    Spanset::Binary { .. } => format!("({s})"),
                    _ => s.to_string(),
                };
                write!(f, "{} {op} {}", side(lhs), side(rhs))
            }
        }
    }
}

/// Quantiles as plain numbers (`0.95`): Tempo also reads `.95`, but Grafana's TraceQL grammar (the editor's
/// highlighting and validation) does not.
fn quantile(q: f64) -> String {
    crate::plan::logql_number(q)
}

impl Display for MetricsFn {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            MetricsFn::Rate => f.write_str("rate()"),
            MetricsFn::CountOverTime => f.write_str("count_over_time()"),
            MetricsFn::QuantileOverTime { attr, quantiles } => {
                write!(f, "quantile_over_time({attr}")?;
                for q in quantiles {
                    write!(f, ", {}", quantile(*q))?;
                }
                f.write_str(")")
            }
            MetricsFn::AvgOverTime(a) => write!(f, "avg_over_time({a})"),
            MetricsFn::MaxOverTime(a) => write!(f, "max_over_time({a})"),
            MetricsFn::MinOverTime(a) => write!(f, "min_over_time({a})"),
            MetricsFn::SumOverTime(a) => write!(f, "sum_over_time({a})"),
            MetricsFn::HistogramOverTime(a) => write!(f, "histogram_over_time({a})"),
        }
    }
}

impl Display for TraceQuery {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.spanset)?;
        if !self.select.is_empty() {
            let names: Vec<String> = self.select.iter().map(ToString::to_string).collect();
            write!(f, " | select({})", names.join(", "))?;
        }
        if let Some((func, by)) = &self.metrics {
            write!(f, " | {func}")?;
            if !by.is_empty() {
                let names: Vec<String> = by.iter().map(ToString::to_string).collect();
                write!(f, " by ({})", names.join(", "))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::QueryDuration;

    fn service(name: &str) -> Cond {
        Cond::cmp(
            Attribute::service_name(),
            Op::Eq,
            Static::String(name.into()),
        )
    }

    #[test]
    fn prints_spanset_filters() {
        let q = TraceQuery::filter(Cond::all(vec![
            service("product-service"),
            Cond::cmp(
                Attribute::Intrinsic(Intrinsic::Duration),
                Op::Gt,
                Static::Duration(QueryDuration::from_secs(1)),
            ),
        ]));
        assert_eq!(
            q.to_string(),
            r#"{ resource.service.name = "product-service" && duration > 1s }"#
        );
        assert_eq!(TraceQuery::filter(None).to_string(), "{ }");
        let q = TraceQuery::filter(Some(Cond::cmp(
            Attribute::Intrinsic(Intrinsic::Status),
            Op::Eq,
            Static::Status(Status::Error),
        )));
        assert_eq!(q.to_string(), "{ status = error }");
    }

    #[test]
    fn prints_metrics_functions() {
        let q =
            TraceQuery::filter(None).with_metrics(MetricsFn::Rate, vec![Attribute::service_name()]);
        assert_eq!(q.to_string(), "{ } | rate() by (resource.service.name)");
        let q = TraceQuery::filter(Some(service("product-service"))).with_metrics(
            MetricsFn::QuantileOverTime {
                attr: Attribute::Intrinsic(Intrinsic::Duration),
                quantiles: vec![0.95],
            },
            vec![],
        );
        assert_eq!(
            q.to_string(),
            r#"{ resource.service.name = "product-service" } | quantile_over_time(duration, 0.95)"#
        );
    }

    #[test]
    fn prints_structural_and_or() {
        let s = Spanset::Binary {
            op: SpansetOp::Descendant,
            lhs: Box::new(Spanset::Filter(Some(service("order-service")))),
            rhs: Box::new(Spanset::Filter(Some(service("payment-service")))),
        };
        assert_eq!(
            s.to_string(),
            r#"{ resource.service.name = "order-service" } >> { resource.service.name = "payment-service" }"#
        );
        let c = Cond::And(vec![
            Cond::Or(vec![service("a"), service("b")]),
            Cond::cmp(
                Attribute::Intrinsic(Intrinsic::Status),
                Op::Eq,
                Static::Status(Status::Error),
            ),
        ]);
        assert_eq!(
            c.to_string(),
            r#"(resource.service.name = "a" || resource.service.name = "b") && status = error"#
        );
    }

    #[test]
    fn quotes_odd_attribute_names_and_values() {
        let c = Cond::cmp(
            Attribute::span("my attr\""),
            Op::Eq,
            Static::String("x\"} || {".into()),
        );
        assert_eq!(c.to_string(), r#"span."my attr\"" = "x\"} || {""#);
    }
}
