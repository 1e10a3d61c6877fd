//! The LogQL syntax tree. Names follow the LogQL documentation.

use serde::Serialize;

use crate::plan::QueryDuration;

/// A label name that is valid in LogQL (`[a-zA-Z_][a-zA-Z0-9_]*`). Checked on construction so that
/// the printer never has to quote a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct LabelName(String);

impl LabelName {
    pub fn new(name: &str) -> Option<Self> {
        let mut chars = name.chars();
        let first = chars.next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        Some(Self(name.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MatchOp {
    /// `=`
    Eq,
    /// `!=`
    Neq,
    /// `=~`
    Re,
    /// `!~`
    Nre,
}

/// One stream matcher, `label="value"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matcher {
    pub label: LabelName,
    pub op: MatchOp,
    pub value: String,
}

impl Matcher {
    pub fn eq(label: LabelName, value: impl Into<String>) -> Self {
        Self {
            label,
            op: MatchOp::Eq,
            value: value.into(),
        }
    }
    /// `label=~"a|b"` matching any of `values` literally.
    pub fn any_of(label: LabelName, values: &[String]) -> Self {
        if values.len() == 1 {
            return Self::eq(label, values[0].clone());
        }
        let alternatives: Vec<String> = values
            .iter()
            .map(|v| crate::plan::escape::regex_literal(v))
            .collect();
        Self {
            label,
            op: MatchOp::Re,
            value: alternatives.join("|"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LineOp {
    /// `|=`
    Contains,
    /// `!=`
    NotContains,
    /// `|~`
    Matches,
    /// `!~`
    NotMatches,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Parser {
    Logfmt,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    /// `=~` (string values only)
    Re,
    /// `!~` (string values only)
    Nre,
}

/// The right-hand side of a label filter. Numbers and durations print bare, strings quoted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Value {
    Number(f64),
    Duration(QueryDuration),
    String(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LabelFilter {
    Cmp {
        label: LabelName,
        op: CmpOp,
        value: Value,
    },
    And(Box<LabelFilter>, Box<LabelFilter>),
    Or(Box<LabelFilter>, Box<LabelFilter>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Stage {
    Line {
        op: LineOp,
        value: String,
    },
    Parser(Parser),
    Filter(LabelFilter),
    /// `| line_format "..."` (the template is user text and is quoted like any string).
    LineFormat(String),
    Decolorize,
}

/// A log query: `{matchers} | stage | stage ...`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogQuery {
    pub matchers: Vec<Matcher>,
    pub stages: Vec<Stage>,
}

impl LogQuery {
    pub fn new(matchers: Vec<Matcher>) -> Self {
        Self {
            matchers,
            stages: Vec::new(),
        }
    }
    pub fn with(mut self, stage: Stage) -> Self {
        self.stages.push(stage);
        self
    }
    /// The parser stage of the pipeline, if any.
    pub fn parser(&self) -> Option<Parser> {
        self.stages.iter().find_map(|s| match s {
            Stage::Parser(p) => Some(*p),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum RangeFunc {
    CountOverTime,
    Rate,
    BytesOverTime,
    BytesRate,
    SumOverTime,
    AvgOverTime,
    MaxOverTime,
    MinOverTime,
    FirstOverTime,
    LastOverTime,
    StddevOverTime,
    /// `quantile_over_time(φ, ...)`
    QuantileOverTime(f64),
    /// `rate_counter` is rare; `absent_over_time` answers "is it silent".
    AbsentOverTime,
}

impl RangeFunc {
    /// Functions that need an `| unwrap label` stage.
    pub fn needs_unwrap(self) -> bool {
        matches!(
            self,
            RangeFunc::SumOverTime
                | RangeFunc::AvgOverTime
                | RangeFunc::MaxOverTime
                | RangeFunc::MinOverTime
                | RangeFunc::FirstOverTime
                | RangeFunc::LastOverTime
                | RangeFunc::StddevOverTime
                | RangeFunc::QuantileOverTime(_)
        )
    }
}

/// `| unwrap label` with an optional conversion (`duration(label)`, `bytes(label)`), and whether lines whose
/// value does not convert are dropped (`| __error__=""`) rather than failing the whole query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unwrap {
    pub label: LabelName,
    pub conversion: Conversion,
    pub drop_errors: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Conversion {
    Plain,
    Duration,
    Bytes,
}

impl Unwrap {
    /// `| unwrap label | __error__=""`: the form that survives lines without the label.
    pub fn lenient(label: LabelName) -> Self {
        Unwrap {
            label,
            conversion: Conversion::Plain,
            drop_errors: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AggOp {
    Sum,
    Avg,
    Min,
    Max,
    Count,
    Stddev,
    Topk,
    Bottomk,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Grouping {
    By(Vec<LabelName>),
    Without(Vec<LabelName>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum MetricExpr {
    /// `func(log_query [range])`, with `| unwrap` inside for the unwrapped functions and an optional
    /// grouping for them (`... [5m]) by (x)`).
    Range {
        func: RangeFunc,
        query: LogQuery,
        unwrap: Option<Unwrap>,
        range: QueryDuration,
        grouping: Option<Grouping>,
    },
    /// `op [by (...)] (param, inner)`; `param` is the k of topk/bottomk.
    Aggregate {
        op: AggOp,
        grouping: Option<Grouping>,
        param: Option<u32>,
        inner: Box<MetricExpr>,
    },
    /// `lhs / rhs` and friends (error ratios); `*` with a literal gives percentages.
    Binary {
        op: BinOp,
        lhs: Box<MetricExpr>,
        rhs: Box<MetricExpr>,
    },
    Literal(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl MetricExpr {
    pub fn range(func: RangeFunc, query: LogQuery, range: QueryDuration) -> Self {
        MetricExpr::Range {
            func,
            query,
            unwrap: None,
            range,
            grouping: None,
        }
    }
    pub fn aggregate(op: AggOp, grouping: Option<Grouping>, inner: MetricExpr) -> Self {
        MetricExpr::Aggregate {
            op,
            grouping,
            param: None,
            inner: Box::new(inner),
        }
    }
    pub fn topk(k: u32, inner: MetricExpr) -> Self {
        MetricExpr::Aggregate {
            op: AggOp::Topk,
            grouping: None,
            param: Some(k),
            inner: Box::new(inner),
        }
    }
    /// The log query inside the (first) range function.
    pub fn log_query(&self) -> Option<&LogQuery> {
        match self {
            MetricExpr::Range { query, .. } => Some(query),
            MetricExpr::Aggregate { inner, .. } => inner.log_query(),
            MetricExpr::Binary { lhs, rhs, .. } => lhs.log_query().or_else(|| rhs.log_query()),
            MetricExpr::Literal(_) => None,
        }
    }
}
