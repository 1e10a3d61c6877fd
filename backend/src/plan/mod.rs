//! The `Plan`: what to run, over which time range, and how the question was understood.
//!
//! Both translators (the embedded rules and the optional LLM) produce a [`Plan`]; everything downstream
//! (execution, frames, analysis, the CLI JSON) consumes it, and tests build it by hand. Queries inside a
//! plan are typed LogQL/TraceQL values ([`logql`], [`traceql`]) printed only at the edge, where every user
//! value is escaped; a query a person typed by hand is carried as [`Query::Raw`] and runs as written.

pub mod duration;
pub mod escape;
pub mod logql;
pub mod traceql;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

pub use duration::QueryDuration;

pub(crate) use logql::print_number as logql_number;

/// What kind of answer a plan produces. Serialises to the names of the `translate --json` contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// A LogQL log query (log lines).
    Logs,
    /// A LogQL metric query (samples).
    Metrics,
    /// A TraceQL search (traces).
    Traces,
    /// A TraceQL metrics query (samples).
    TraceMetrics,
    /// A log query whose trace ids lead to Tempo.
    Correlate,
    /// One trace by id (Grafana query model only).
    Trace,
    /// No safe query: see `reason` and `suggestions`.
    Clarify,
}

impl PlanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::Logs => "logs",
            PlanKind::Metrics => "metrics",
            PlanKind::Traces => "traces",
            PlanKind::TraceMetrics => "trace_metrics",
            PlanKind::Correlate => "correlate",
            PlanKind::Trace => "trace",
            PlanKind::Clarify => "clarify",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "logs" => PlanKind::Logs,
            "metrics" => PlanKind::Metrics,
            "traces" => PlanKind::Traces,
            "trace_metrics" => PlanKind::TraceMetrics,
            "correlate" => PlanKind::Correlate,
            "trace" => PlanKind::Trace,
            "clarify" => PlanKind::Clarify,
            _ => return None,
        })
    }

    /// Whether the query is LogQL (else TraceQL or a trace id).
    pub fn is_loki(self) -> bool {
        matches!(
            self,
            PlanKind::Logs | PlanKind::Metrics | PlanKind::Correlate
        )
    }
}

/// The query of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Query {
    Log(logql::LogQuery),
    LogMetric(logql::MetricExpr),
    Trace(traceql::TraceQuery),
    /// Text typed by a person (raw mode, or a trace id): runs exactly as written.
    Raw(String),
}

impl std::fmt::Display for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Query::Log(q) => q.fmt(f),
            Query::LogMetric(q) => q.fmt(f),
            Query::Trace(q) => q.fmt(f),
            Query::Raw(text) => f.write_str(text),
        }
    }
}

/// Where the time range of a plan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    /// The question named a time ("last 3 hours", "어제").
    Question,
    /// The dashboard / Explore time picker.
    Dashboard,
    /// Nothing given: the default (last hour).
    #[default]
    Default,
}

/// One piece of the question and what it was taken to mean (shown as chips in the editor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Understood {
    /// `time`, `service`, `level`, `filter`, `field`, `intent`, `limit`, `number`, ...
    pub what: &'static str,
    /// The words of the question, as written.
    pub text: String,
    /// What they were taken to mean, in query terms.
    pub meaning: String,
}

/// Why a question got no query, and what the user may have meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Clarification {
    pub reason: String,
    pub suggestions: Vec<String>,
}

/// A query ready to run, or a clarification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub kind: PlanKind,
    pub query: Option<Query>,
    /// Absent for instant queries.
    pub start: Option<DateTime<Utc>>,
    pub end: DateTime<Utc>,
    pub instant: bool,
    pub step: Option<QueryDuration>,
    pub limit: Option<u32>,
    pub clarification: Option<Clarification>,
    pub time_source: TimeSource,
    pub understood: Vec<Understood>,
}

impl Plan {
    /// A plan that asks the user instead of guessing.
    pub fn clarify(
        reason: impl Into<String>,
        suggestions: Vec<String>,
        end: DateTime<Utc>,
    ) -> Self {
        Plan {
            kind: PlanKind::Clarify,
            query: None,
            start: None,
            end,
            instant: false,
            step: None,
            limit: None,
            clarification: Some(Clarification {
                reason: reason.into(),
                suggestions,
            }),
            time_source: TimeSource::Default,
            understood: Vec::new(),
        }
    }

    /// A plan for a query typed by hand (Grafana raw mode, `querent query`).
    pub fn raw(
        kind: PlanKind,
        text: impl Into<String>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Self {
        Plan {
            kind,
            query: Some(Query::Raw(text.into())),
            start: Some(start),
            end,
            instant: false,
            step: None,
            limit: None,
            clarification: None,
            time_source: TimeSource::Dashboard,
            understood: Vec::new(),
        }
    }

    /// The query text that runs (LogQL, TraceQL or a trace id).
    pub fn query_text(&self) -> Option<String> {
        self.query.as_ref().map(ToString::to_string)
    }

    /// The `translate --json` object of the design notes.
    pub fn to_contract_json(&self) -> serde_json::Value {
        serde_json::to_value(ContractPlan::from(self)).unwrap_or(serde_json::Value::Null)
    }
}

/// RFC 3339 in UTC with a `Z`, seconds precision unless sub-second parts exist.
pub fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn ser_time<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(t))
}

fn ser_opt_time<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(t)),
        None => s.serialize_none(),
    }
}

/// The `translate --json` shape: keys and omissions exactly as the design notes state.
#[derive(Serialize)]
struct ContractPlan<'a> {
    kind: PlanKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    query: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_time"
    )]
    start: Option<DateTime<Utc>>,
    #[serde(serialize_with = "ser_time")]
    end: DateTime<Utc>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    instant: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<QueryDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestions: Option<&'a [String]>,
}

impl<'a> From<&'a Plan> for ContractPlan<'a> {
    fn from(p: &'a Plan) -> Self {
        let clarify = p.kind == PlanKind::Clarify;
        ContractPlan {
            kind: p.kind,
            query: p.query_text(),
            start: if clarify { None } else { p.start },
            end: p.end,
            instant: p.instant,
            step: p.step,
            limit: p.limit,
            reason: p.clarification.as_ref().map(|c| c.reason.as_str()),
            suggestions: p.clarification.as_ref().map(|c| c.suggestions.as_slice()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn contract_json_omits_absent_keys() {
        let end = Utc.with_ymd_and_hms(2026, 11, 25, 8, 38, 56).unwrap();
        let plan = Plan {
            kind: PlanKind::Metrics,
            query: Some(Query::Raw("sum(rate({a=\"b\"}[1m]))".into())),
            start: None,
            end,
            instant: true,
            step: None,
            limit: None,
            clarification: None,
            time_source: TimeSource::Question,
            understood: vec![],
        };
        assert_eq!(
            plan.to_contract_json(),
            serde_json::json!({"kind": "metrics", "query": "sum(rate({a=\"b\"}[1m]))",
                               "end": "2026-11-25T08:38:56Z", "instant": true})
        );
        let c = Plan::clarify("no service `inventory`", vec!["order-service".into()], end);
        assert_eq!(
            c.to_contract_json(),
            serde_json::json!({"kind": "clarify", "end": "2026-11-25T08:38:56Z",
                               "reason": "no service `inventory`", "suggestions": ["order-service"]})
        );
    }
}
