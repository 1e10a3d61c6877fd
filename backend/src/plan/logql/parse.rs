//! Reading LogQL text back into the syntax tree: for comparing queries structurally (the evaluation),
//! for checking what an LLM wrote, and for the property test that every printed query reads back.
//! Covers the LogQL the printer writes plus the common spellings people use (`sum(x) by (l)`,
//! `| a = 1 and b = 2`, backtick strings); anything else is a clear syntax error.

use super::ast::*;
use crate::plan::Query;
use crate::plan::QueryDuration;
use crate::plan::lex::{Cursor, SyntaxError, Tok, error, lex};

/// Parses a LogQL log or metric query.
pub fn parse(text: &str) -> Result<Query, SyntaxError> {
    let mut c = Cursor::new(lex(text, false)?, text.len());
    let q = if matches!(c.peek(), Some(Tok::Sym("{"))) {
        let log = log_query(&mut c)?;
        if c.done() {
            Query::Log(log)
        } else {
            return Err(error(
                c.at(),
                format!("unexpected {} after the log query", c.describe()),
            ));
        }
    } else {
        Query::LogMetric(binary(&mut c, 1)?)
    };
    if !c.done() {
        return Err(error(c.at(), format!("unexpected {}", c.describe())));
    }
    Ok(q)
}

fn label_name(c: &mut Cursor) -> Result<LabelName, SyntaxError> {
    let at = c.at();
    match c.bump() {
        Some(Tok::Ident(name)) => {
            LabelName::new(&name).ok_or_else(|| error(at, format!("`{name}` is not a label name")))
        }
        _ => Err(error(at, "expected a label name")),
    }
}

fn string(c: &mut Cursor) -> Result<String, SyntaxError> {
    let at = c.at();
    match c.bump() {
        Some(Tok::Str(s)) => Ok(s),
        _ => Err(error(at, "expected a string")),
    }
}

fn log_query(c: &mut Cursor) -> Result<LogQuery, SyntaxError> {
    c.expect("{")?;
    let mut matchers = Vec::new();
    while !c.eat("}") {
        if !matchers.is_empty() {
            c.expect(",")?;
        }
        let label = label_name(c)?;
        let at = c.at();
        let op = match c.bump() {
            Some(Tok::Sym("=")) => MatchOp::Eq,
            Some(Tok::Sym("!=")) => MatchOp::Neq,
            Some(Tok::Sym("=~")) => MatchOp::Re,
            Some(Tok::Sym("!~")) => MatchOp::Nre,
            _ => {
                return Err(error(
                    at,
                    "expected `=`, `!=`, `=~` or `!~` in the stream selector",
                ));
            }
        };
        matchers.push(Matcher {
            label,
            op,
            value: string(c)?,
        });
    }
    if matchers.is_empty() {
        return Err(error(
            c.at(),
            "a stream selector needs at least one matcher",
        ));
    }
    let mut q = LogQuery::new(matchers);
    loop {
        let line_op = match c.peek() {
            Some(Tok::Sym("|=")) => Some(LineOp::Contains),
            Some(Tok::Sym("!=")) => Some(LineOp::NotContains),
            Some(Tok::Sym("|~")) => Some(LineOp::Matches),
            Some(Tok::Sym("!~")) => Some(LineOp::NotMatches),
            _ => None,
        };
        if let Some(op) = line_op {
            c.bump();
            q.stages.push(Stage::Line {
                op,
                value: string(c)?,
            });
            continue;
        }
        if !matches!(c.peek(), Some(Tok::Sym("|"))) {
            break;
        }
        // `| unwrap` belongs to the range aggregation around us.
        if matches!(c.peek_at(1), Some(Tok::Ident(w)) if w == "unwrap") {
            break;
        }
        c.bump();
        match c.peek() {
            Some(Tok::Ident(w)) if w == "logfmt" => {
                c.bump();
                q.stages.push(Stage::Parser(Parser::Logfmt));
            }
            Some(Tok::Ident(w)) if w == "json" => {
                c.bump();
                q.stages.push(Stage::Parser(Parser::Json));
            }
            Some(Tok::Ident(w)) if w == "line_format" => {
                c.bump();
                q.stages.push(Stage::LineFormat(string(c)?));
            }
            Some(Tok::Ident(w)) if w == "decolorize" => {
                c.bump();
                q.stages.push(Stage::Decolorize);
            }
            Some(Tok::Ident(_)) | Some(Tok::Sym("(")) => {
                q.stages.push(Stage::Filter(filter_or(c)?))
            }
            _ => {
                return Err(error(
                    c.at(),
                    format!(
                        "expected a parser or a label filter after `|`, found {}",
                        c.describe()
                    ),
                ));
            }
        }
    }
    Ok(q)
}

fn filter_or(c: &mut Cursor) -> Result<LabelFilter, SyntaxError> {
    let mut left = filter_and(c)?;
    while c.eat_ident("or") {
        left = LabelFilter::Or(Box::new(left), Box::new(filter_and(c)?));
    }
    Ok(left)
}

fn filter_and(c: &mut Cursor) -> Result<LabelFilter, SyntaxError> {
    let mut left = filter_atom(c)?;
    while c.eat_ident("and") || c.eat(",") {
        left = LabelFilter::And(Box::new(left), Box::new(filter_atom(c)?));
    }
    Ok(left)
}

fn filter_atom(c: &mut Cursor) -> Result<LabelFilter, SyntaxError> {
    if c.eat("(") {
        let f = filter_or(c)?;
        c.expect(")")?;
        return Ok(f);
    }
    let label = label_name(c)?;
    let at = c.at();
    let op = match c.bump() {
        Some(Tok::Sym("=")) | Some(Tok::Sym("==")) => CmpOp::Eq,
        Some(Tok::Sym("!=")) => CmpOp::Neq,
        Some(Tok::Sym(">")) => CmpOp::Gt,
        Some(Tok::Sym(">=")) => CmpOp::Gte,
        Some(Tok::Sym("<")) => CmpOp::Lt,
        Some(Tok::Sym("<=")) => CmpOp::Lte,
        Some(Tok::Sym("=~")) => CmpOp::Re,
        Some(Tok::Sym("!~")) => CmpOp::Nre,
        _ => return Err(error(at, "expected a comparison in the label filter")),
    };
    let at = c.at();
    let negative = c.eat("-");
    let value = match c.bump() {
        Some(Tok::Number(_) | Tok::Duration(_)) if matches!(op, CmpOp::Re | CmpOp::Nre) => {
            return Err(error(at, "=~ and !~ take a string"));
        }
        Some(Tok::Number(n)) => Value::Number(if negative { -n } else { n }),
        Some(Tok::Duration(d)) if !negative => Value::Duration(d),
        Some(Tok::Str(s)) if !negative => {
            if !matches!(op, CmpOp::Eq | CmpOp::Neq | CmpOp::Re | CmpOp::Nre) {
                return Err(error(
                    at,
                    "a string can only be compared with =, !=, =~ or !~",
                ));
            }
            Value::String(s)
        }
        _ => return Err(error(at, "expected a number, duration or string")),
    };
    Ok(LabelFilter::Cmp { label, op, value })
}

fn range_func(name: &str) -> Option<RangeFunc> {
    Some(match name {
        "count_over_time" => RangeFunc::CountOverTime,
        "rate" => RangeFunc::Rate,
        "bytes_over_time" => RangeFunc::BytesOverTime,
        "bytes_rate" => RangeFunc::BytesRate,
        "sum_over_time" => RangeFunc::SumOverTime,
        "avg_over_time" => RangeFunc::AvgOverTime,
        "max_over_time" => RangeFunc::MaxOverTime,
        "min_over_time" => RangeFunc::MinOverTime,
        "first_over_time" => RangeFunc::FirstOverTime,
        "last_over_time" => RangeFunc::LastOverTime,
        "stddev_over_time" => RangeFunc::StddevOverTime,
        "quantile_over_time" => RangeFunc::QuantileOverTime(0.0),
        "absent_over_time" => RangeFunc::AbsentOverTime,
        _ => return None,
    })
}

fn agg_op(name: &str) -> Option<AggOp> {
    Some(match name {
        "sum" => AggOp::Sum,
        "avg" => AggOp::Avg,
        "min" => AggOp::Min,
        "max" => AggOp::Max,
        "count" => AggOp::Count,
        "stddev" => AggOp::Stddev,
        "topk" => AggOp::Topk,
        "bottomk" => AggOp::Bottomk,
        _ => return None,
    })
}

fn grouping(c: &mut Cursor) -> Result<Option<Grouping>, SyntaxError> {
    let by = if c.eat_ident("by") {
        true
    } else if c.eat_ident("without") {
        false
    } else {
        return Ok(None);
    };
    c.expect("(")?;
    let mut labels = Vec::new();
    while !c.eat(")") {
        if !labels.is_empty() {
            c.expect(",")?;
        }
        labels.push(label_name(c)?);
    }
    Ok(Some(if by {
        Grouping::By(labels)
    } else {
        Grouping::Without(labels)
    }))
}

fn precedence(sym: &str) -> Option<(u8, BinOp)> {
    Some(match sym {
        "+" => (1, BinOp::Add),
        "-" => (1, BinOp::Sub),
        "*" => (2, BinOp::Mul),
        "/" => (2, BinOp::Div),
        _ => return None,
    })
}

fn binary(c: &mut Cursor, min: u8) -> Result<MetricExpr, SyntaxError> {
    let mut left = unary(c)?;
    while let Some(Tok::Sym(sym)) = c.peek() {
        let Some((prec, op)) = precedence(sym) else {
            break;
        };
        if prec < min {
            break;
        }
        c.bump();
        let right = binary(c, prec + 1)?;
        left = MetricExpr::Binary {
            op,
            lhs: Box::new(left),
            rhs: Box::new(right),
        };
    }
    Ok(left)
}

fn unary(c: &mut Cursor) -> Result<MetricExpr, SyntaxError> {
    let at = c.at();
    match c.bump() {
        Some(Tok::Sym("(")) => {
            let e = binary(c, 1)?;
            c.expect(")")?;
            Ok(e)
        }
        Some(Tok::Number(n)) => Ok(MetricExpr::Literal(n)),
        Some(Tok::Ident(name)) => {
            if let Some(func) = range_func(&name) {
                return range_agg(c, func);
            }
            if let Some(op) = agg_op(&name) {
                let mut g = grouping(c)?;
                c.expect("(")?;
                let param = if matches!(op, AggOp::Topk | AggOp::Bottomk) {
                    let at = c.at();
                    let k = match c.bump() {
                        Some(Tok::Number(k)) if k >= 1.0 && k.fract() == 0.0 => k as u32,
                        _ => return Err(error(at, format!("`{name}` needs a whole number first"))),
                    };
                    c.expect(",")?;
                    Some(k)
                } else {
                    None
                };
                let inner = binary(c, 1)?;
                c.expect(")")?;
                if g.is_none() {
                    g = grouping(c)?;
                }
                return Ok(MetricExpr::Aggregate {
                    op,
                    grouping: g,
                    param,
                    inner: Box::new(inner),
                });
            }
            Err(error(at, format!("unknown function `{name}`")))
        }
        Some(Tok::Sym("{")) => Err(error(
            at,
            "a log query cannot stand here: wrap it in a range function such as count_over_time",
        )),
        _ => Err(error(at, "expected a metric expression")),
    }
}

fn range_agg(c: &mut Cursor, mut func: RangeFunc) -> Result<MetricExpr, SyntaxError> {
    c.expect("(")?;
    if let RangeFunc::QuantileOverTime(_) = func {
        let at = c.at();
        match c.bump() {
            Some(Tok::Number(q)) if (0.0..=1.0).contains(&q) => {
                func = RangeFunc::QuantileOverTime(q)
            }
            _ => {
                return Err(error(
                    at,
                    "quantile_over_time needs a quantile between 0 and 1 first",
                ));
            }
        }
        c.expect(",")?;
    }
    let query = log_query(c)?;
    let mut unwrap = None;
    if c.eat("|") {
        if !c.eat_ident("unwrap") {
            return Err(error(c.at(), "expected `unwrap`"));
        }
        let (conversion, label) = if c.eat_ident("duration") || c.eat_ident("duration_seconds") {
            c.expect("(")?;
            let l = label_name(c)?;
            c.expect(")")?;
            (Conversion::Duration, l)
        } else if c.eat_ident("bytes") {
            c.expect("(")?;
            let l = label_name(c)?;
            c.expect(")")?;
            (Conversion::Bytes, l)
        } else {
            (Conversion::Plain, label_name(c)?)
        };
        // `| __error__=""` after the unwrap drops lines whose value does not convert
        let drop_errors = matches!(c.peek(), Some(Tok::Sym("|")))
            && matches!(c.peek_at(1), Some(Tok::Ident(w)) if w == "__error__");
        if drop_errors {
            c.bump();
            c.bump();
            c.expect("=")?;
            let at = c.at();
            match c.bump() {
                Some(Tok::Str(s)) if s.is_empty() => {}
                _ => return Err(error(at, r#"only `__error__=""` can follow the unwrap"#)),
            }
        }
        unwrap = Some(Unwrap {
            label,
            conversion,
            drop_errors,
        });
    }
    if func.needs_unwrap() && unwrap.is_none() {
        return Err(error(
            c.at(),
            format!("{} needs `| unwrap <label>`", func.name()),
        ));
    }
    c.expect("[")?;
    let at = c.at();
    let range: QueryDuration = match c.bump() {
        Some(Tok::Duration(d)) if !d.is_zero() => d,
        _ => return Err(error(at, "expected a range such as [5m]")),
    };
    c.expect("]")?;
    c.expect(")")?;
    let grouping = grouping(c)?;
    Ok(MetricExpr::Range {
        func,
        query,
        unwrap,
        range,
        grouping,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) {
        let q = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(q.to_string(), text);
    }

    #[test]
    fn reads_back_what_the_printer_writes() {
        round_trip(r#"{service_name="order-service", level="error"}"#);
        round_trip(r#"{service_name="payment-service"} |= "timeout""#);
        round_trip(r#"{service_name="order-service"} | logfmt | status = 500"#);
        round_trip(r#"{service_name="product-service"} | json | duration_ms > 1000"#);
        round_trip(r#"{service_name=~"order-service|payment-service", level="error"}"#);
        round_trip(r#"sum by (service_name) (count_over_time({level="error"}[1h]))"#);
        round_trip(r#"topk(3, sum by (service_name) (count_over_time({level="error"}[6h])))"#);
        round_trip(r#"sum(count_over_time({service_name="payment-service"} |= "timeout" [6h]))"#);
        round_trip(
            r#"quantile_over_time(0.95, {service_name="product-service"} | json | unwrap duration_ms [15m]) by (service_name)"#,
        );
        round_trip(
            r#"sum(count_over_time({level="error"}[5m])) / sum(count_over_time({service_name=~".+"}[5m]))"#,
        );
        round_trip(r#"{a="x\"y"} != "q\\z" | detected_level = "error""#);
        round_trip(
            r#"avg_over_time({service_name="product-service"} | json | unwrap duration_ms | __error__="" [5m])"#,
        );
    }

    #[test]
    fn accepts_other_spellings() {
        let a = parse(r#"sum(count_over_time({level="error"}[1h])) by (service_name)"#).unwrap();
        assert_eq!(
            a.to_string(),
            r#"sum by (service_name) (count_over_time({level="error"}[1h]))"#
        );
        assert!(parse(r#"{a="b"} | logfmt | status >= 500 and status < 600"#).is_ok());
        assert!(parse("{a=`raw`}").is_ok());
    }

    #[test]
    fn rejects_broken_queries_with_a_position() {
        for bad in [
            r#"{service_name="payment-service" |= "timeout""#,
            r#"sum by (service_name) (count_over_tme({level="error"}[5m]))"#,
            r#"{}"#,
            r#"{a="b""#,
            r#"count_over_time({a="b"})"#,
            r#"avg_over_time({a="b"}[5m])"#,
            r#"{a="b"} | logfmt | duration_ms =~ 1000"#,
            r#"{a="b"} | logfmt | latency !~ 1s"#,
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad} should not parse");
        }
    }
}
