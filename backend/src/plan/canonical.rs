//! A canonical spelling of a query, so that two spellings of the same query compare equal: matchers,
//! conjuncts, alternatives and grouping labels sorted, `a and b` split into stages, `sum(x) by (l)` and
//! `sum by (l) (x)` alike (the parser already reads both into one tree).

use super::logql::{Grouping, LabelFilter, LogQuery, MatchOp, MetricExpr, Stage};
use super::traceql::{Cond, Spanset, TraceQuery};
use super::{Query, logql, traceql};

/// Parses `text` as LogQL (`loki = true`) or TraceQL and returns its canonical text, or the syntax error.
pub fn canonical_text(text: &str, loki: bool) -> Result<String, super::lex::SyntaxError> {
    let q = if loki {
        logql::parse(text)?
    } else {
        traceql::parse(text)?
    };
    Ok(canonical(&q).to_string())
}

pub fn canonical(q: &Query) -> Query {
    match q {
        Query::Log(l) => Query::Log(log(l)),
        Query::LogMetric(m) => Query::LogMetric(metric(m)),
        Query::Trace(t) => Query::Trace(trace(t)),
        Query::Raw(r) => Query::Raw(r.trim().to_string()),
    }
}

fn split_and(f: &LabelFilter, out: &mut Vec<LabelFilter>) {
    match f {
        LabelFilter::And(a, b) => {
            split_and(a, out);
            split_and(b, out);
        }
        other => out.push(other.clone()),
    }
}

fn log(q: &LogQuery) -> LogQuery {
    let mut matchers = q.matchers.clone();
    for m in &mut matchers {
        // `a|b` and `b|a` are the same alternation of literals
        if matches!(m.op, MatchOp::Re | MatchOp::Nre)
            && !m.value.contains(['(', '[', '*', '+', '?', '^', '$'])
        {
            let mut parts: Vec<String> = m.value.split('|').map(str::to_string).collect();
            parts.sort_unstable();
            parts.dedup();
            let single = parts.len() == 1;
            m.value = parts.join("|");
            if single && !m.value.contains(['.', '\\']) {
                m.op = if m.op == MatchOp::Re {
                    MatchOp::Eq
                } else {
                    MatchOp::Neq
                };
            }
        }
    }
    matchers.sort_by_key(|m| m.to_string());
    matchers.dedup();
    // Stages: filters of one run (between parsers) are a conjunction, order does not matter.
    let mut stages: Vec<Stage> = Vec::new();
    let mut run: Vec<Stage> = Vec::new();
    let flush = |run: &mut Vec<Stage>, stages: &mut Vec<Stage>| {
        run.sort_by_key(|s| s.to_string());
        run.dedup();
        stages.append(run);
    };
    for s in &q.stages {
        match s {
            Stage::Filter(f) => {
                let mut parts = Vec::new();
                split_and(f, &mut parts);
                run.extend(parts.into_iter().map(Stage::Filter));
            }
            Stage::Line { .. } => run.push(s.clone()),
            other => {
                flush(&mut run, &mut stages);
                stages.push(other.clone());
            }
        }
    }
    flush(&mut run, &mut stages);
    LogQuery { matchers, stages }
}

fn grouping(g: &Option<Grouping>) -> Option<Grouping> {
    g.as_ref().map(|g| match g {
        Grouping::By(l) => {
            let mut l = l.clone();
            l.sort();
            l.dedup();
            Grouping::By(l)
        }
        Grouping::Without(l) => {
            let mut l = l.clone();
            l.sort();
            l.dedup();
            Grouping::Without(l)
        }
    })
}

fn metric(m: &MetricExpr) -> MetricExpr {
    match m {
        MetricExpr::Range {
            func,
            query,
            unwrap,
            range,
            grouping: g,
        } => MetricExpr::Range {
            func: *func,
            query: log(query),
            unwrap: unwrap.clone(),
            range: *range,
            grouping: grouping(g),
        },
        MetricExpr::Aggregate {
            op,
            grouping: g,
            param,
            inner,
        } => MetricExpr::Aggregate {
            op: *op,
            grouping: grouping(g),
            param: *param,
            inner: Box::new(metric(inner)),
        },
        MetricExpr::Binary { op, lhs, rhs } => MetricExpr::Binary {
            op: *op,
            lhs: Box::new(metric(lhs)),
            rhs: Box::new(metric(rhs)),
        },
        MetricExpr::Literal(n) => MetricExpr::Literal(*n),
    }
}

fn cond(c: &Cond) -> Cond {
    match c {
        Cond::Cmp { .. } => c.clone(),
        Cond::And(items) => {
            let mut flat = Vec::new();
            for i in items {
                match cond(i) {
                    Cond::And(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            flat.sort_by_key(|c| c.to_string());
            flat.dedup();
            if flat.len() == 1 {
                flat.remove(0)
            } else {
                Cond::And(flat)
            }
        }
        Cond::Or(items) => {
            let mut flat = Vec::new();
            for i in items {
                match cond(i) {
                    Cond::Or(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            flat.sort_by_key(|c| c.to_string());
            flat.dedup();
            if flat.len() == 1 {
                flat.remove(0)
            } else {
                Cond::Or(flat)
            }
        }
    }
}

fn spanset(s: &Spanset) -> Spanset {
    match s {
        Spanset::Filter(c) => Spanset::Filter(c.as_ref().map(cond)),
        Spanset::Binary { op, lhs, rhs } => Spanset::Binary {
            op: *op,
            lhs: Box::new(spanset(lhs)),
            rhs: Box::new(spanset(rhs)),
        },
    }
}

fn trace(t: &TraceQuery) -> TraceQuery {
    TraceQuery {
        spanset: spanset(&t.spanset),
        select: t.select.clone(),
        metrics: t.metrics.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str, loki: bool) {
        assert_eq!(
            canonical_text(a, loki).unwrap(),
            canonical_text(b, loki).unwrap(),
            "{a} vs {b}"
        );
    }

    #[test]
    fn equivalent_spellings_compare_equal() {
        same(
            r#"{level="error", service_name="a"}"#,
            r#"{service_name="a", level="error"}"#,
            true,
        );
        same(r#"{service_name=~"b|a"}"#, r#"{service_name=~"a|b"}"#, true);
        same(
            r#"{a="b"} | logfmt | x = 1 and y = 2"#,
            r#"{a="b"} | logfmt | y = 2 | x = 1"#,
            true,
        );
        same(
            r#"sum(count_over_time({a="b"}[1h])) by (service_name)"#,
            r#"sum by (service_name) (count_over_time({a="b"}[1h]))"#,
            true,
        );
        same(
            r#"{ duration > 1s && resource.service.name = "a" }"#,
            r#"{ resource.service.name = "a" && duration > 1s }"#,
            false,
        );
    }

    #[test]
    fn different_queries_differ() {
        let a = canonical_text(r#"{a="b"} |= "x""#, true).unwrap();
        let b = canonical_text(r#"{a="b"} != "x""#, true).unwrap();
        assert_ne!(a, b);
    }
}
