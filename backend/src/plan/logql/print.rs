//! LogQL text from the syntax tree. The only place LogQL strings are made; all values are quoted by
//! [`crate::plan::escape::quote`].

use std::fmt::{self, Display, Formatter};

use super::ast::*;
use crate::plan::escape::quote;

impl Display for LabelName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for MatchOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MatchOp::Eq => "=",
            MatchOp::Neq => "!=",
            MatchOp::Re => "=~",
            MatchOp::Nre => "!~",
        })
    }
}

impl Display for Matcher {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.label, self.op, quote(&self.value))
    }
}

impl Display for LineOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LineOp::Contains => "|=",
            LineOp::NotContains => "!=",
            LineOp::Matches => "|~",
            LineOp::NotMatches => "!~",
        })
    }
}

impl Display for CmpOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmpOp::Eq => "=",
            CmpOp::Neq => "!=",
            CmpOp::Gt => ">",
            CmpOp::Gte => ">=",
            CmpOp::Lt => "<",
            CmpOp::Lte => "<=",
            CmpOp::Re => "=~",
            CmpOp::Nre => "!~",
        })
    }
}

/// Numbers without a trailing `.0` (`500`, `1.5`, `0.95`).
pub fn print_number(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => f.write_str(&print_number(*n)),
            Value::Duration(d) => write!(f, "{d}"),
            Value::String(s) => f.write_str(&quote(s)),
        }
    }
}

impl Display for LabelFilter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            LabelFilter::Cmp { label, op, value } => write!(f, "{label} {op} {value}"),
            LabelFilter::And(a, b) => write!(f, "{a} and {b}"),
            LabelFilter::Or(a, b) => write!(f, "({a} or {b})"),
        }
    }
}

impl Display for Stage {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Line { op, value } => write!(f, "{op} {}", quote(value)),
            Stage::Parser(Parser::Logfmt) => f.write_str("| logfmt"),
            Stage::Parser(Parser::Json) => f.write_str("| json"),
            Stage::Filter(filter) => write!(f, "| {filter}"),
            Stage::LineFormat(template) => write!(f, "| line_format {}", quote(template)),
            Stage::Decolorize => f.write_str("| decolorize"),
        }
    }
}

impl Display for LogQuery {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, m) in self.matchers.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{m}")?;
        }
        f.write_str("}")?;
        for stage in &self.stages {
            write!(f, " {stage}")?;
        }
        Ok(())
    }
}

impl RangeFunc {
    pub fn name(self) -> &'static str {
        match self {
            RangeFunc::CountOverTime => "count_over_time",
            RangeFunc::Rate => "rate",
            RangeFunc::BytesOverTime => "bytes_over_time",
            RangeFunc::BytesRate => "bytes_rate",
            RangeFunc::SumOverTime => "sum_over_time",
            RangeFunc::AvgOverTime => "avg_over_time",
            RangeFunc::MaxOverTime => "max_over_time",
            RangeFunc::MinOverTime => "min_over_time",
            RangeFunc::FirstOverTime => "first_over_time",
            RangeFunc::LastOverTime => "last_over_time",
            RangeFunc::StddevOverTime => "stddev_over_time",
            RangeFunc::QuantileOverTime(_) => "quantile_over_time",
            RangeFunc::AbsentOverTime => "absent_over_time",
        }
    }
}

impl Display for Unwrap {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let l = &self.label;
        match self.conversion {
            Conversion::Plain => write!(f, "| unwrap {l}")?,
            Conversion::Duration => write!(f, "| unwrap duration({l})")?,
            Conversion::Bytes => write!(f, "| unwrap bytes({l})")?,
        }
        if self.drop_errors {
            f.write_str(r#" | __error__="""#)?;
        }
        Ok(())
    }
}

impl Display for Grouping {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (word, labels) = match self {
            Grouping::By(l) => ("by", l),
            Grouping::Without(l) => ("without", l),
        };
        let names: Vec<&str> = labels.iter().map(LabelName::as_str).collect();
        write!(f, "{word} ({})", names.join(", "))
    }
}

impl AggOp {
    pub fn name(self) -> &'static str {
        match self {
            AggOp::Sum => "sum",
            AggOp::Avg => "avg",
            AggOp::Min => "min",
            AggOp::Max => "max",
            AggOp::Count => "count",
            AggOp::Stddev => "stddev",
            AggOp::Topk => "topk",
            AggOp::Bottomk => "bottomk",
        }
    }
}

impl Display for BinOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        })
    }
}

impl Display for MetricExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            MetricExpr::Range {
                func,
                query,
                unwrap,
                range,
                grouping,
            } => {
                write!(f, "{}(", func.name())?;
                if let RangeFunc::QuantileOverTime(q) = func {
                    write!(f, "{}, ", print_number(*q))?;
                }
                write!(f, "{query}")?;
                if let Some(u) = unwrap {
                    write!(f, " {u}")?;
                }
                // `{a="b"}[5m]` without a pipeline, `{a="b"} |= "x" [5m]` with one (LogQL accepts both).
                if query.stages.is_empty() && unwrap.is_none() {
                    write!(f, "[{range}])")?;
                } else {
                    write!(f, " [{range}])")?;
                }
                if let Some(g) = grouping {
                    write!(f, " {g}")?;
                }
                Ok(())
            }
            MetricExpr::Aggregate {
                op,
                grouping,
                param,
                inner,
            } => {
                f.write_str(op.name())?;
                if let Some(g) = grouping {
                    write!(f, " {g} ")?;
                }
                match param {
                    Some(k) => write!(f, "({k}, {inner})"),
                    None => write!(f, "({inner})"),
                }
            }
            MetricExpr::Binary { op, lhs, rhs } => {
                let side = |e: &MetricExpr| match e {
                    MetricExpr::Binary { .. } => format!("({e})"),
                    _ => e.to_string(),
                };
                write!(f, "{} {op} {}", side(lhs), side(rhs))
            }
            MetricExpr::Literal(n) => f.write_str(&print_number(*n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::QueryDuration;

    fn label(s: &str) -> LabelName {
        LabelName::new(s).unwrap()
    }

    fn service(name: &str) -> Matcher {
        Matcher::eq(label("service_name"), name)
    }

    #[test]
    fn prints_selector_and_pipeline() {
        let q = LogQuery::new(vec![
            service("order-service"),
            Matcher::eq(label("level"), "error"),
        ]);
        assert_eq!(
            q.to_string(),
            r#"{service_name="order-service", level="error"}"#
        );
        let q = LogQuery::new(vec![service("order-service")])
            .with(Stage::Parser(Parser::Logfmt))
            .with(Stage::Filter(LabelFilter::Cmp {
                label: label("status"),
                op: CmpOp::Eq,
                value: Value::Number(500.0),
            }));
        assert_eq!(
            q.to_string(),
            r#"{service_name="order-service"} | logfmt | status = 500"#
        );
    }

    #[test]
    fn escapes_quotes_in_line_filter() {
        let q = LogQuery::new(vec![service("a")]).with(Stage::Line {
            op: LineOp::Contains,
            value: "say \"}\" \\ `x`\n".into(),
        });
        assert_eq!(
            q.to_string(),
            r#"{service_name="a"} |= "say \"}\" \\ `x`\n""#
        );
    }

    #[test]
    fn prints_metric_queries_like_loki_docs() {
        let errors = LogQuery::new(vec![Matcher::eq(label("level"), "error")]);
        let count = MetricExpr::range(
            RangeFunc::CountOverTime,
            errors,
            QueryDuration::from_hours(1),
        );
        let by_service = MetricExpr::aggregate(
            AggOp::Sum,
            Some(Grouping::By(vec![label("service_name")])),
            count,
        );
        assert_eq!(
            by_service.to_string(),
            r#"sum by (service_name) (count_over_time({level="error"}[1h]))"#
        );
        assert_eq!(
            MetricExpr::topk(3, by_service).to_string(),
            r#"topk(3, sum by (service_name) (count_over_time({level="error"}[1h])))"#
        );
        let timeouts = LogQuery::new(vec![service("payment-service")]).with(Stage::Line {
            op: LineOp::Contains,
            value: "timeout".into(),
        });
        let e = MetricExpr::aggregate(
            AggOp::Sum,
            None,
            MetricExpr::range(
                RangeFunc::CountOverTime,
                timeouts,
                QueryDuration::from_hours(6),
            ),
        );
        assert_eq!(
            e.to_string(),
            r#"sum(count_over_time({service_name="payment-service"} |= "timeout" [6h]))"#
        );
    }

    #[test]
    fn prints_unwrap_and_quantile() {
        let q = LogQuery::new(vec![service("product-service")]).with(Stage::Parser(Parser::Json));
        let e = MetricExpr::Range {
            func: RangeFunc::QuantileOverTime(0.95),
            query: q,
            unwrap: Some(Unwrap {
                label: label("duration_ms"),
                conversion: Conversion::Plain,
                drop_errors: false,
            }),
            range: QueryDuration::from_mins(15),
            grouping: Some(Grouping::By(vec![label("service_name")])),
        };
        assert_eq!(
            e.to_string(),
            r#"quantile_over_time(0.95, {service_name="product-service"} | json | unwrap duration_ms [15m]) by (service_name)"#
        );
    }

    #[test]
    fn any_of_builds_an_escaped_alternation() {
        let m = Matcher::any_of(
            label("service_name"),
            &["order-service".into(), "a.b".into()],
        );
        assert_eq!(m.to_string(), r#"service_name=~"order-service|a\\.b""#);
    }

    #[test]
    fn label_names_are_validated() {
        assert!(LabelName::new("service_name").is_some());
        assert!(LabelName::new("_x1").is_some());
        assert!(LabelName::new("1x").is_none());
        assert!(LabelName::new("a-b").is_none());
        assert!(LabelName::new("a\"}").is_none());
        assert!(LabelName::new("").is_none());
    }
}
