//! Frames: turns executed queries into Grafana data frames and encodes them as Arrow IPC.
//!
//! Takes a [`Plan`] and its [`Executed`] result and returns `Vec<Frame>` in the shapes Grafana renders
//! natively (see `docs/architecture.md`): logs ([`logs`]), metric series ([`series`]), one trace
//! ([`traces`]) and trace search tables ([`search`]), each with `meta.executedQueryString` ([`meta`]).
//! [`Frame`] is our own column model — it has JSON columns, which the SDK's typed frames lack —
//! and [`arrow::to_arrow`] writes it in the exact layout of Grafana's Go SDK (`data/arrow.go`).

pub mod arrow;
mod logs;
mod meta;
mod search;
mod series;
mod traces;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::execute::{Executed, ExecutedLogs, LokiAnswer, QueryResult, StrColumn};
use crate::plan::Plan;

pub use logs::trace_id_of;
pub use meta::{FrameMeta, Notice};

/// Problems building or encoding a frame (all of them bugs: frames are built from typed values).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    #[error("frame `{frame}`: field `{field}` has {got} values, expected {expected}")]
    LengthMismatch {
        frame: String,
        field: String,
        expected: usize,
        got: usize,
    },
    #[error("cannot encode frame `{frame}` as Arrow: {reason}")]
    Arrow { frame: String, reason: String },
}

/// The values of one field. `Opt*` variants are nullable columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Epoch nanoseconds (Arrow `Timestamp(ns)`).
    Time(Vec<i64>),
    OptTime(Vec<Option<i64>>),
    F64(Vec<f64>),
    OptF64(Vec<Option<f64>>),
    I64(Vec<i64>),
    OptI64(Vec<Option<i64>>),
    Str(Vec<String>),
    OptStr(Vec<Option<String>>),
    /// Strings in one buffer (Arrow's layout): log columns, moved into Arrow without a copy per row.
    Utf8(StrColumn),
    /// The same, nullable.
    OptUtf8(StrColumn),
    Bool(Vec<bool>),
    OptBool(Vec<Option<bool>>),
    /// JSON values (Arrow `Binary` holding JSON text, which Grafana reads as JSON).
    Json(Vec<Value>),
    OptJson(Vec<Option<Value>>),
    /// JSON already written as text (the same Arrow column as `Json`): for big columns built straight
    /// from typed data, where a `Value` tree per row would cost more than the text (trace frames).
    JsonText(Vec<String>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Time(v) | Values::I64(v) => v.len(),
            Values::OptTime(v) | Values::OptI64(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::OptF64(v) => v.len(),
            Values::Str(v) => v.len(),
            Values::OptStr(v) => v.len(),
            Values::Utf8(v) | Values::OptUtf8(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::OptBool(v) => v.len(),
            Values::Json(v) => v.len(),
            Values::OptJson(v) => v.len(),
            Values::JsonText(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_nullable(&self) -> bool {
        matches!(
            self,
            Values::OptTime(_)
                | Values::OptF64(_)
                | Values::OptI64(_)
                | Values::OptStr(_)
                | Values::OptUtf8(_)
                | Values::OptBool(_)
                | Values::OptJson(_)
        )
    }

    /// One value as text (for tables in the CLI and tests); `None` for nulls.
    pub fn text_at(&self, i: usize) -> Option<String> {
        fn get<T: Clone>(v: &[T], i: usize) -> Option<T> {
            v.get(i).cloned()
        }
        match self {
            Values::Time(v) | Values::I64(v) => get(v, i).map(|x| x.to_string()),
            Values::OptTime(v) | Values::OptI64(v) => get(v, i).flatten().map(|x| x.to_string()),
            Values::F64(v) => get(v, i).map(|x| x.to_string()),
            Values::OptF64(v) => get(v, i).flatten().map(|x| x.to_string()),
            Values::Str(v) => get(v, i),
            Values::OptStr(v) => get(v, i).flatten(),
            Values::Utf8(v) | Values::OptUtf8(v) => v.get(i).map(str::to_string),
            Values::Bool(v) => get(v, i).map(|x| x.to_string()),
            Values::OptBool(v) => get(v, i).flatten().map(|x| x.to_string()),
            Values::Json(v) => get(v, i).map(|x| x.to_string()),
            Values::OptJson(v) => get(v, i).flatten().map(|x| x.to_string()),
            Values::JsonText(v) => get(v, i),
        }
    }
}

/// An internal data link: opens a query of a datasource (this one) in Explore.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InternalLink {
    pub query: Value,
    pub datasource_uid: String,
    pub datasource_name: String,
}

/// A data link on a field's values (`${__value.raw}` is the cell's value).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataLink {
    pub title: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal: Option<InternalLink>,
}

/// The subset of Grafana's `FieldConfig` that Querent sets.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldConfig {
    #[serde(rename = "displayNameFromDS", skip_serializing_if = "Option::is_none")]
    pub display_name_from_ds: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<DataLink>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
}

/// A named column with optional labels and config.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub config: Option<FieldConfig>,
    pub values: Values,
}

impl Field {
    pub fn new(name: impl Into<String>, values: Values) -> Self {
        Field {
            name: name.into(),
            labels: BTreeMap::new(),
            config: None,
            values,
        }
    }

    #[must_use]
    pub fn with_labels(mut self, labels: BTreeMap<String, String>) -> Self {
        self.labels = labels;
        self
    }

    #[must_use]
    pub fn with_config(mut self, config: FieldConfig) -> Self {
        self.config = Some(config);
        self
    }
}

/// A Grafana data frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub name: String,
    pub ref_id: String,
    pub meta: Option<FrameMeta>,
    pub fields: Vec<Field>,
}

impl Frame {
    pub fn new(name: impl Into<String>, fields: Vec<Field>) -> Self {
        Frame {
            name: name.into(),
            ref_id: String::new(),
            meta: None,
            fields,
        }
    }

    /// An empty frame that only carries meta: a question that needs clarifying, with the reason as a
    /// notice and the plan (reason, suggestions) in `meta.custom`.
    pub fn notice(ref_id: &str, custom: Value) -> Self {
        let text = custom
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or("The question needs clarifying.")
            .to_string();
        Frame {
            name: "clarification".into(),
            ref_id: ref_id.to_string(),
            meta: Some(FrameMeta {
                custom: Some(custom),
                notices: vec![meta::Notice {
                    severity: "info",
                    text,
                }],
                ..FrameMeta::default()
            }),
            fields: Vec::new(),
        }
    }

    /// Rows (the length of the first field; [`Frame::check`] ensures all agree).
    pub fn row_count(&self) -> usize {
        self.fields.first().map_or(0, |f| f.values.len())
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Every field must have the same length.
    pub fn check(&self) -> Result<(), FrameError> {
        let expected = self.row_count();
        for field in &self.fields {
            if field.values.len() != expected {
                return Err(FrameError::LengthMismatch {
                    frame: self.name.clone(),
                    field: field.name.clone(),
                    expected,
                    got: field.values.len(),
                });
            }
        }
        Ok(())
    }
}

/// Where frames are going: the query's refId, this datasource (for links to traces) and the custom
/// meta the translator adds for questions.
#[derive(Debug, Clone, Default)]
pub struct FrameContext {
    pub ref_id: String,
    /// The datasource that internal links point at; no links without it (e.g. in the CLI).
    pub datasource: Option<DatasourceRef>,
    /// `meta.custom` (question, plan, understood, summary...), set on every frame.
    pub custom: Option<Value>,
}

/// This datasource, as links name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasourceRef {
    pub uid: String,
    pub name: String,
}

impl FrameContext {
    /// A data link from a trace id column to the trace, opened by this datasource.
    pub(crate) fn trace_link(&self) -> Option<DataLink> {
        let ds = self.datasource.as_ref()?;
        Some(DataLink {
            title: "Open trace".into(),
            url: String::new(),
            internal: Some(InternalLink {
                query: serde_json::json!({"queryType": "trace", "expr": "${__value.raw}"}),
                datasource_uid: ds.uid.clone(),
                datasource_name: ds.name.clone(),
            }),
        })
    }
}

/// The Arrow-encoded frames of a log plan that ran ([`crate::execute::execute_logs`]): built and
/// encoded one stream at a time, each stream's columns moved into Arrow and dropped once encoded, so
/// memory holds the answer about once. Same frames as [`build_frames`] gives for the typed result.
pub fn encode_log_frames(
    plan: &Plan,
    logs: ExecutedLogs,
    ctx: &FrameContext,
) -> Result<Vec<arrow::EncodedFrame>, FrameError> {
    let answer = std::sync::Arc::try_unwrap(logs.answer).unwrap_or_else(|shared| (*shared).clone());
    let batch = match answer {
        LokiAnswer::Streams(batch) => batch,
        LokiAnswer::Other(data) => {
            // A "log" query that Loki answered with a metric result: the typed path.
            let executed = Executed {
                kind: logs.kind,
                query: logs.query,
                result: crate::execute::from_loki(data),
                limit: logs.limit,
                warnings: logs.warnings,
            };
            let mut encoder = arrow::Encoder::default();
            return build_frames(plan, &executed, ctx)
                .into_iter()
                .map(|f| encoder.encode(f))
                .collect();
        }
    };
    let base = meta::build_meta_parts(
        plan,
        &logs.query,
        meta::Counted::Logs {
            rows: batch.line_count(),
            limit: logs.limit,
        },
        &logs.warnings,
        ctx,
    );
    let mut encoder = arrow::Encoder::default();
    logs::encode_log_frames(batch, ctx, |mut frame| {
        frame.ref_id = ctx.ref_id.clone();
        let mut meta = frame.meta.take().unwrap_or_default();
        meta.merge(&base);
        frame.meta = Some(meta);
        encoder.encode(frame)
    })
}

/// The frames of one executed plan, every one with `refId`, `meta.executedQueryString` and the
/// context's `meta.custom`.
pub fn build_frames(plan: &Plan, executed: &Executed, ctx: &FrameContext) -> Vec<Frame> {
    let mut frames = match &executed.result {
        QueryResult::Streams(streams) => logs::build_log_frames(streams, ctx),
        QueryResult::Series { series, .. } => series::build_series_frames(series),
        QueryResult::TraceSearch(traces) => vec![search::build_search_frame(traces, ctx)],
        QueryResult::Trace(trace) => vec![traces::build_trace_frame(trace)],
    };
    let base = meta::build_meta(plan, executed, ctx);
    for frame in &mut frames {
        frame.ref_id = ctx.ref_id.clone();
        let mut meta = frame.meta.take().unwrap_or_default();
        meta.merge(&base);
        frame.meta = Some(meta);
    }
    frames
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::execute::LogBatch;
    use crate::execute::loki_types::{Entry, Stream};
    use crate::plan::PlanKind;

    /// `n` streams of `per` lines each, some lines with a trace id.
    fn streams(n: usize, per: usize) -> Vec<Stream> {
        (0..n)
            .map(|s| Stream {
                labels: BTreeMap::from([
                    ("service_name".to_string(), format!("svc-{s:02}")),
                    ("level".to_string(), "error".to_string()),
                ]),
                entries: (0..per)
                    .map(|i| Entry {
                        ts_ns: 1_795_596_352_000_000_000 - (s * per + i) as i64,
                        line: format!(
                            "msg=\"line {i}\" trace_id=0af7651916cd43dd8448eb211c80319{}",
                            i % 10
                        ),
                        structured_metadata: BTreeMap::new(),
                        parsed: BTreeMap::new(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The columnar path (decoded columns moved into Arrow pieces) gives the same frames, in the
    /// same order, as the typed path builds and encodes one by one.
    #[test]
    fn log_frames_built_in_two_halves_match_the_typed_path() {
        for (n, per) in [(30, 100), (2, 1_500), (1, 3_000), (5, 10)] {
            let streams = streams(n, per);
            let plan = Plan::raw(
                PlanKind::Logs,
                "{level=\"error\"}",
                chrono::Utc::now(),
                chrono::Utc::now(),
            );
            let ctx = FrameContext {
                ref_id: "A".into(),
                ..FrameContext::default()
            };
            let executed = Executed {
                kind: PlanKind::Logs,
                query: "{level=\"error\"}".into(),
                result: QueryResult::Streams(streams.clone()),
                limit: Some(5_000),
                warnings: Vec::new(),
            };
            let expected: Vec<Vec<u8>> = build_frames(&plan, &executed, &ctx)
                .iter()
                .map(|f| arrow::to_arrow(f).unwrap())
                .collect();
            let logs = ExecutedLogs {
                kind: PlanKind::Logs,
                query: "{level=\"error\"}".into(),
                answer: Arc::new(LokiAnswer::Streams(LogBatch::from_streams(&streams))),
                limit: Some(5_000),
                warnings: Vec::new(),
            };
            let got: Vec<Vec<u8>> = encode_log_frames(&plan, logs, &ctx)
                .unwrap()
                .iter()
                .map(arrow::EncodedFrame::to_vec)
                .collect();
            assert_eq!(got.len(), n, "{n} streams");
            assert!(got == expected, "{n} streams of {per} lines differ");
        }
    }
}
