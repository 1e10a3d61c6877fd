//! Reading TraceQL text back into the syntax tree (evaluation, LLM output checks, property tests).
//! Covers spanset filters with `&&`/`||`/parentheses, structural and spanset operators, `select(...)`
//! and the metrics functions; anything else is a clear syntax error.

use super::ast::*;
use crate::plan::Query;
use crate::plan::lex::{Cursor, SyntaxError, Tok, error, lex};

pub fn parse(text: &str) -> Result<Query, SyntaxError> {
    let mut c = Cursor::new(lex(text, true)?, text.len());
    let spanset = spanset_expr(&mut c)?;
    let mut q = TraceQuery {
        spanset,
        select: Vec::new(),
        metrics: None,
    };
    while c.eat("|") {
        let at = c.at();
        let Some(Tok::Ident(name)) = c.bump() else {
            return Err(error(at, "expected a function after `|`"));
        };
        if name == "select" {
            c.expect("(")?;
            while !c.eat(")") {
                if !q.select.is_empty() {
                    c.expect(",")?;
                }
                q.select.push(attribute(&mut c)?);
            }
            continue;
        }
        if q.metrics.is_some() {
            return Err(error(at, "only one metrics function is supported"));
        }
        let func = metrics_fn(&mut c, &name, at)?;
        let mut by = Vec::new();
        if c.eat_ident("by") {
            c.expect("(")?;
            while !c.eat(")") {
                if !by.is_empty() {
                    c.expect(",")?;
                }
                by.push(attribute(&mut c)?);
            }
        }
        q.metrics = Some((func, by));
    }
    if !c.done() {
        return Err(error(c.at(), format!("unexpected {}", c.describe())));
    }
    Ok(Query::Trace(q))
}

fn metrics_fn(c: &mut Cursor, name: &str, at: usize) -> Result<MetricsFn, SyntaxError> {
    c.expect("(")?;
    let one_attr = |c: &mut Cursor| -> Result<Attribute, SyntaxError> {
        let a = attribute(c)?;
        c.expect(")")?;
        Ok(a)
    };
    Ok(match name {
        "rate" => {
            c.expect(")")?;
            MetricsFn::Rate
        }
        "count_over_time" => {
            c.expect(")")?;
            MetricsFn::CountOverTime
        }
        "quantile_over_time" => {
            let attr = attribute(c)?;
            let mut quantiles = Vec::new();
            while c.eat(",") {
                let at = c.at();
                match c.bump() {
                    Some(Tok::Number(q)) if (0.0..=1.0).contains(&q) => quantiles.push(q),
                    _ => return Err(error(at, "expected a quantile between 0 and 1")),
                }
            }
            c.expect(")")?;
            if quantiles.is_empty() {
                return Err(error(at, "quantile_over_time needs at least one quantile"));
            }
            MetricsFn::QuantileOverTime { attr, quantiles }
        }
        "avg_over_time" => MetricsFn::AvgOverTime(one_attr(c)?),
        "max_over_time" => MetricsFn::MaxOverTime(one_attr(c)?),
        "min_over_time" => MetricsFn::MinOverTime(one_attr(c)?),
        "sum_over_time" => MetricsFn::SumOverTime(one_attr(c)?),
        "histogram_over_time" => MetricsFn::HistogramOverTime(one_attr(c)?),
        other => return Err(error(at, format!("unknown function `{other}`"))),
    })
}

fn spanset_op(c: &Cursor) -> Option<SpansetOp> {
    Some(match c.peek()? {
        Tok::Sym(">>") => SpansetOp::Descendant,
        Tok::Sym(">") => SpansetOp::Child,
        Tok::Sym("<<") => SpansetOp::Ancestor,
        Tok::Sym("<") => SpansetOp::Parent,
        Tok::Sym("~") => SpansetOp::Sibling,
        Tok::Sym("&&") => SpansetOp::And,
        Tok::Sym("||") => SpansetOp::Or,
        _ => return None,
    })
}

fn spanset_expr(c: &mut Cursor) -> Result<Spanset, SyntaxError> {
    let mut left = spanset_term(c)?;
    while let Some(op) = spanset_op(c) {
        c.bump();
        let right = spanset_term(c)?;
        left = Spanset::Binary {
            op,
            lhs: Box::new(left),
            rhs: Box::new(right),
        };
    }
    Ok(left)
}

fn spanset_term(c: &mut Cursor) -> Result<Spanset, SyntaxError> {
    if c.eat("(") {
        let s = spanset_expr(c)?;
        c.expect(")")?;
        return Ok(s);
    }
    c.expect("{")?;
    if c.eat("}") {
        return Ok(Spanset::Filter(None));
    }
    let cond = or_cond(c)?;
    c.expect("}")?;
    Ok(Spanset::Filter(Some(cond)))
}

fn or_cond(c: &mut Cursor) -> Result<Cond, SyntaxError> {
    let mut items = vec![and_cond(c)?];
    while c.eat("||") {
        items.push(and_cond(c)?);
    }
    Ok(if items.len() == 1 {
        items.remove(0)
    } else {
        Cond::Or(items)
    })
}

fn and_cond(c: &mut Cursor) -> Result<Cond, SyntaxError> {
    let mut items = vec![cmp(c)?];
    while c.eat("&&") {
        items.push(cmp(c)?);
    }
    Ok(if items.len() == 1 {
        items.remove(0)
    } else {
        Cond::And(items)
    })
}

fn cmp(c: &mut Cursor) -> Result<Cond, SyntaxError> {
    if c.eat("(") {
        let inner = or_cond(c)?;
        c.expect(")")?;
        return Ok(inner);
    }
    let attr = attribute(c)?;
    let at = c.at();
    let op = match c.bump() {
        Some(Tok::Sym("=")) => Op::Eq,
        Some(Tok::Sym("!=")) => Op::Neq,
        Some(Tok::Sym(">")) => Op::Gt,
        Some(Tok::Sym(">=")) => Op::Gte,
        Some(Tok::Sym("<")) => Op::Lt,
        Some(Tok::Sym("<=")) => Op::Lte,
        Some(Tok::Sym("=~")) => Op::Re,
        Some(Tok::Sym("!~")) => Op::Nre,
        _ => return Err(error(at, "expected a comparison such as `=` or `>`")),
    };
    let at = c.at();
    let value = static_value(c)?;
    if matches!(op, Op::Re | Op::Nre) && !matches!(value, Static::String(_)) {
        return Err(error(at, "=~ and !~ take a string"));
    }
    Ok(Cond::Cmp { attr, op, value })
}

fn static_value(c: &mut Cursor) -> Result<Static, SyntaxError> {
    let at = c.at();
    let negative = c.eat("-");
    Ok(match c.bump() {
        Some(Tok::Number(n)) => {
            let n = if negative { -n } else { n };
            if n.fract() == 0.0 && n.abs() < 9e15 {
                Static::Int(n as i64)
            } else {
                Static::Float(n)
            }
        }
        Some(Tok::Duration(d)) if !negative => Static::Duration(d),
        Some(Tok::Str(s)) if !negative => Static::String(s),
        Some(Tok::Ident(w)) if !negative => match w.as_str() {
            "error" => Static::Status(Status::Error),
            "ok" => Static::Status(Status::Ok),
            "unset" => Static::Status(Status::Unset),
            "server" => Static::Kind(Kind::Server),
            "client" => Static::Kind(Kind::Client),
            "producer" => Static::Kind(Kind::Producer),
            "consumer" => Static::Kind(Kind::Consumer),
            "internal" => Static::Kind(Kind::Internal),
            "unspecified" => Static::Kind(Kind::Unspecified),
            "true" => Static::Bool(true),
            "false" => Static::Bool(false),
            other => {
                return Err(error(
                    at,
                    format!("`{other}` is not a value (strings need quotes)"),
                ));
            }
        },
        _ => return Err(error(at, "expected a value")),
    })
}

fn intrinsic(name: &str) -> Option<Intrinsic> {
    Some(match name {
        "duration" | "span:duration" => Intrinsic::Duration,
        "name" | "span:name" => Intrinsic::Name,
        "status" | "span:status" => Intrinsic::Status,
        "statusMessage" | "span:statusMessage" => Intrinsic::StatusMessage,
        "kind" | "span:kind" => Intrinsic::Kind,
        "traceDuration" | "trace:duration" => Intrinsic::TraceDuration,
        "rootName" | "trace:rootName" => Intrinsic::RootName,
        "rootServiceName" | "trace:rootService" => Intrinsic::RootServiceName,
        "trace:id" => Intrinsic::TraceId,
        _ => return None,
    })
}

fn attribute(c: &mut Cursor) -> Result<Attribute, SyntaxError> {
    let at = c.at();
    let Some(Tok::Ident(name)) = c.bump() else {
        return Err(error(at, "expected an attribute"));
    };
    if let Some(i) = intrinsic(&name) {
        return Ok(Attribute::Intrinsic(i));
    }
    let (scope, rest) = if let Some(r) = name.strip_prefix("resource.") {
        (Scope::Resource, r)
    } else if let Some(r) = name.strip_prefix("span.") {
        (Scope::Span, r)
    } else if let Some(r) = name.strip_prefix("event.") {
        (Scope::Event, r)
    } else if let Some(r) = name.strip_prefix("link.") {
        (Scope::Link, r)
    } else if let Some(r) = name.strip_prefix("instrumentation.") {
        (Scope::Instrumentation, r)
    } else if let Some(r) = name.strip_prefix('.') {
        (Scope::Unscoped, r)
    } else {
        return Err(error(
            at,
            format!(
                "`{name}` is not an attribute: scope it as `span.{name}`, `resource.{name}` or `.{name}`"
            ),
        ));
    };
    if rest.is_empty() {
        return Err(error(at, "an attribute needs a name after its scope"));
    }
    Ok(Attribute::Scoped {
        scope,
        name: rest.to_string(),
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
        round_trip(r#"{ resource.service.name = "product-service" && duration > 1s }"#);
        round_trip("{ status = error }");
        round_trip("{ span.http.response.status_code >= 500 }");
        round_trip("{ traceDuration > 2s }");
        round_trip(r#"{ name = "POST /api/v1/orders" && duration > 500ms }"#);
        round_trip("{ } | rate() by (resource.service.name)");
        round_trip(
            r#"{ resource.service.name = "product-service" } | quantile_over_time(duration, 0.95)"#,
        );
        round_trip("{ status = error } | count_over_time() by (resource.service.name)");
        round_trip(
            r#"{ resource.service.name = "order-service" } >> { resource.service.name = "payment-service" && status = error }"#,
        );
        round_trip(
            r#"{ resource.service.name = "payment-service" && status = error } | select(span.http.response.status_code, span.http.status_code)"#,
        );
        round_trip(
            r#"{ (resource.service.name = "a" || resource.service.name = "b") && kind = server }"#,
        );
    }

    #[test]
    fn reads_event_link_and_instrumentation_scopes() {
        round_trip(r#"{ event.exception.type = "TimeoutError" }"#);
        round_trip(r#"{ link.peer.service = "acmepay" && status != error }"#);
        round_trip(r#"{ instrumentation.name = "opentelemetry-js" }"#);
        let q = parse(r#"{ event.exception.type = "x" }"#).expect("parses");
        assert!(format!("{q:?}").contains("Event"), "{q:?}");
        assert!(parse("{ event. = 1 }").is_err());
    }

    #[test]
    fn rejects_broken_queries() {
        for bad in [
            "{ resource.service.name = }",
            "{ } | rate( by (resource.service.name)",
            "{ foo = 1 }",
            "{ status = error",
            "",
            "{ name = bar }",
            "{ span.http.route =~ 500 }",
            "{ duration !~ 1s }",
        ] {
            assert!(parse(bad).is_err(), "{bad} should not parse");
        }
    }
}
