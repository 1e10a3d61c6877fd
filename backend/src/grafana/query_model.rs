//! The QueryData query model (`queryType`, `expr`, `question`, `limit`, `step`, `instant`) and how a
//! query with its time range becomes something to run.

use chrono::{DateTime, TimeZone, Utc};
use grafana_plugin_sdk::pluginv2;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::execute::infer_kind;
use crate::plan::{Plan, PlanKind, QueryDuration};

/// Loki refuses more than 11,000 points per series; an automatic step never asks for more.
const MAX_POINTS_PER_SERIES: i64 = 11_000;

/// What is wrong with a query's JSON; each message names the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryModelError {
    #[error("the query is not a valid JSON object: {reason}")]
    InvalidJson { reason: String },
    #[error(
        "`queryType` must be one of logs, metrics, traces, trace_metrics, trace, correlate, not `{value}`"
    )]
    UnknownQueryType { value: String },
    #[error("`step` must be a duration such as `30s` or `5m`, not `{value}`")]
    InvalidStep { value: String },
    #[error("the query has neither `expr` nor `question`")]
    Empty,
    #[error("the query has no time range")]
    MissingTimeRange,
}

fn lenient_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    })
}

/// The query JSON of the datasource. Unknown keys (Grafana's `datasource`, `hide`, ...) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryModel {
    #[serde(default)]
    pub query_type: Option<String>,
    #[serde(default)]
    pub expr: Option<String>,
    #[serde(default)]
    pub question: Option<String>,
    #[serde(default, deserialize_with = "lenient_u32")]
    pub limit: Option<u32>,
    #[serde(default)]
    pub step: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub instant: bool,
}

/// A query ready for the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelQuery {
    /// LogQL/TraceQL/trace id as written, planned over the request's time range.
    Raw(Box<Plan>),
    /// A plain-language question, answered by the translator.
    Question(Box<QuestionQuery>),
}

/// A question with everything the translator may use.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionQuery {
    pub question: String,
    /// `queryType` when it names a plan kind.
    pub query_type: Option<PlanKind>,
    /// `queryType` as sent, also when it is no plan kind (the frontend's `annotations`).
    pub query_type_text: Option<String>,
    /// The request's time range (Explore's picker), used unless the question names a time.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub limit: Option<u32>,
    /// The whole query JSON (`sessionId`, `context`, ... as the frontend sends them).
    pub model: Value,
}

impl QueryModel {
    pub fn parse(json: &[u8]) -> Result<Self, QueryModelError> {
        if json.iter().all(u8::is_ascii_whitespace) {
            return Ok(QueryModel::default());
        }
        serde_json::from_slice(json).map_err(|e| QueryModelError::InvalidJson {
            reason: e.to_string(),
        })
    }
}

fn time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Reads one `DataQuery`: the model JSON, its `queryType` (JSON first, then the proto field), the time
/// range and, for metric queries without a `step`, a step from Grafana's interval.
pub fn parse_query(q: &pluginv2::DataQuery) -> Result<ModelQuery, QueryModelError> {
    let model = QueryModel::parse(&q.json)?;
    let range = q.time_range.ok_or(QueryModelError::MissingTimeRange)?;
    let (start, end) = (time(range.from_epoch_ms), time(range.to_epoch_ms));
    let type_text = model
        .query_type
        .clone()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| Some(q.query_type.clone()).filter(|t| !t.trim().is_empty()));
    let question = model
        .question
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(question) = question {
        return Ok(ModelQuery::Question(Box::new(QuestionQuery {
            question: question.to_string(),
            query_type: type_text.as_deref().and_then(|t| PlanKind::parse(t.trim())),
            query_type_text: type_text,
            start,
            end,
            limit: model.limit,
            model: serde_json::from_slice(&q.json).unwrap_or(Value::Null),
        })));
    }
    let query_type = type_text
        .map(|t| {
            PlanKind::parse(t.trim())
                .filter(|k| *k != PlanKind::Clarify)
                .ok_or(QueryModelError::UnknownQueryType { value: t })
        })
        .transpose()?;
    let expr = model
        .expr
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(QueryModelError::Empty)?;
    let kind = query_type.unwrap_or_else(|| infer_kind(expr));
    let mut plan = Plan::raw(kind, expr, start, end);
    plan.limit = model.limit;
    plan.instant = model.instant && matches!(kind, PlanKind::Metrics | PlanKind::TraceMetrics);
    if matches!(kind, PlanKind::Metrics | PlanKind::TraceMetrics) && !plan.instant {
        plan.step = Some(
            match model
                .step
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                Some(text) => QueryDuration::parse(text)
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| QueryModelError::InvalidStep {
                        value: text.to_string(),
                    })?,
                None => auto_step(q.interval_ms, range.to_epoch_ms - range.from_epoch_ms),
            },
        );
    }
    Ok(ModelQuery::Raw(Box::new(plan)))
}

/// Grafana's interval, at least one second and coarse enough for Loki's point limit, in whole seconds.
pub fn auto_step(interval_ms: i64, range_ms: i64) -> QueryDuration {
    let ms = interval_ms.max(range_ms / MAX_POINTS_PER_SERIES).max(1000);
    let secs = (ms + 999) / 1000;
    QueryDuration::from_secs(u64::try_from(secs).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dq(model: Value, proto_type: &str) -> pluginv2::DataQuery {
        pluginv2::DataQuery {
            ref_id: "A".into(),
            max_data_points: 1000,
            interval_ms: 15_000,
            time_range: Some(pluginv2::TimeRange {
                from_epoch_ms: 1_795_574_276_000,
                to_epoch_ms: 1_795_596_352_000,
            }),
            json: serde_json::to_vec(&model).unwrap(),
            query_type: proto_type.into(),
        }
    }

    fn raw(model: Value) -> Plan {
        match parse_query(&dq(model, "")).unwrap() {
            ModelQuery::Raw(p) => *p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn raw_expr_uses_the_request_time_range() {
        let plan = raw(json!({"queryType": "logs", "expr": "{a=\"b\"}", "limit": "50"}));
        assert_eq!(plan.kind, PlanKind::Logs);
        assert_eq!(plan.query_text().as_deref(), Some("{a=\"b\"}"));
        assert_eq!(plan.start.unwrap().timestamp(), 1_795_574_276);
        assert_eq!(plan.end.timestamp(), 1_795_596_352);
        assert_eq!(plan.limit, Some(50));
        assert_eq!(plan.step, None);
    }

    #[test]
    fn metric_steps_come_from_the_model_or_the_interval() {
        let plan =
            raw(json!({"queryType": "metrics", "expr": "sum(rate({a=\"b\"}[5m]))", "step": "5m"}));
        assert_eq!(plan.step, Some(QueryDuration::from_mins(5)));
        let plan = raw(json!({"queryType": "metrics", "expr": "sum(rate({a=\"b\"}[5m]))"}));
        assert_eq!(plan.step, Some(QueryDuration::from_secs(15)));
        let plan = raw(json!({"queryType": "metrics", "expr": "x", "instant": true}));
        assert!(plan.instant);
        assert_eq!(plan.step, None);
        assert_eq!(auto_step(1, 6 * 3600 * 1000), QueryDuration::from_secs(2));
        let err = parse_query(&dq(
            json!({"queryType": "metrics", "expr": "x", "step": "soon"}),
            "",
        ));
        assert_eq!(
            err,
            Err(QueryModelError::InvalidStep {
                value: "soon".into()
            })
        );
    }

    #[test]
    fn query_type_falls_back_to_proto_field_then_inference() {
        let p = parse_query(&dq(json!({"expr": "{ status = error }"}), "traces")).unwrap();
        assert!(matches!(p, ModelQuery::Raw(ref plan) if plan.kind == PlanKind::Traces));
        assert_eq!(
            raw(json!({"expr": "dbb464a3cec79642a13a9da294e7eb2a"})).kind,
            PlanKind::Trace
        );
        let err = parse_query(&dq(json!({"queryType": "sql", "expr": "x"}), ""));
        assert_eq!(
            err,
            Err(QueryModelError::UnknownQueryType {
                value: "sql".into()
            })
        );
    }

    #[test]
    fn questions_keep_unknown_query_types_and_the_whole_model() {
        let q = parse_query(&dq(
            json!({"queryType": "annotations", "question": "payment-service error spikes", "sessionId": "s1"}),
            "",
        ))
        .unwrap();
        let ModelQuery::Question(q) = q else {
            panic!("a question")
        };
        assert_eq!(q.query_type, None);
        assert_eq!(q.query_type_text.as_deref(), Some("annotations"));
        assert_eq!(q.model["sessionId"], "s1");
        assert_eq!(q.end.timestamp(), 1_795_596_352);
    }

    #[test]
    fn questions_and_empty_queries() {
        let q = parse_query(&dq(
            json!({"question": " errors in order-service ", "expr": ""}),
            "",
        ))
        .unwrap();
        assert!(
            matches!(q, ModelQuery::Question(ref q) if q.question == "errors in order-service")
        );
        assert_eq!(
            parse_query(&dq(json!({"expr": "  "}), "")),
            Err(QueryModelError::Empty)
        );
        let mut no_range = dq(json!({"expr": "x"}), "");
        no_range.time_range = None;
        assert_eq!(
            parse_query(&no_range),
            Err(QueryModelError::MissingTimeRange)
        );
        assert!(matches!(
            parse_query(&pluginv2::DataQuery {
                json: b"{oops".to_vec(),
                ..dq(json!({}), "")
            }),
            Err(QueryModelError::InvalidJson { .. })
        ));
    }
}
