//! Frame meta: the query that ran, the translator's custom object, notices about limits, and the
//! visualisation Grafana should pick. Field names follow Go's `data.FrameMeta` (Grafana decodes it).

use serde::Serialize;
use serde_json::Value;

use super::FrameContext;
use crate::execute::{Executed, QueryResult};
use crate::plan::{Plan, PlanKind};

/// Grafana's `FrameMeta` (the keys Querent sets).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameMeta {
    /// Data-plane frame type, e.g. `timeseries-multi`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub frame_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_version: Option<[u32; 2]>,
    /// `logs`, `trace`, `table`, `graph`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_visualisation_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executed_query_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Notice>,
}

/// A notice shown above the panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// `info`, `warning` or `error`.
    pub severity: &'static str,
    pub text: String,
}

impl FrameMeta {
    pub(crate) fn visualisation(kind: &str) -> Self {
        FrameMeta {
            preferred_visualisation_type: Some(kind.to_string()),
            ..FrameMeta::default()
        }
    }

    /// Fills what this meta lacks from `base` and appends its notices.
    pub(crate) fn merge(&mut self, base: &FrameMeta) {
        if self.executed_query_string.is_none() {
            self.executed_query_string = base.executed_query_string.clone();
        }
        if self.custom.is_none() {
            self.custom = base.custom.clone();
        }
        self.notices.extend(base.notices.iter().cloned());
    }
}

/// What a query returned, for the notices about limits.
pub(crate) enum Counted {
    Logs { rows: usize, limit: Option<u32> },
    Traces { rows: usize, limit: Option<u32> },
    Other,
}

/// The meta every frame of one query shares.
pub(crate) fn build_meta(plan: &Plan, executed: &Executed, ctx: &FrameContext) -> FrameMeta {
    let rows = executed.row_count();
    let counted = match &executed.result {
        QueryResult::Streams(_) => Counted::Logs {
            rows,
            limit: executed.limit,
        },
        QueryResult::TraceSearch(_) => Counted::Traces {
            rows,
            limit: executed.limit,
        },
        _ => Counted::Other,
    };
    build_meta_parts(plan, &executed.query, counted, &executed.warnings, ctx)
}

pub(crate) fn build_meta_parts(
    plan: &Plan,
    query: &str,
    counted: Counted,
    warnings: &[String],
    ctx: &FrameContext,
) -> FrameMeta {
    let mut notices: Vec<Notice> = warnings
        .iter()
        .map(|w| Notice {
            severity: "warning",
            text: w.clone(),
        })
        .collect();
    let reached = |rows: usize, limit: u32| rows >= limit as usize && rows > 0;
    match counted {
        Counted::Logs {
            rows,
            limit: Some(limit),
        } if reached(rows, limit) => notices.push(Notice {
            severity: "warning",
            text: format!(
                "Showing the first {limit} log lines (the line limit); narrow the query or the \
                 time range, or raise the limit, to see more."
            ),
        }),
        Counted::Traces {
            rows,
            limit: Some(limit),
        } if reached(rows, limit) => notices.push(Notice {
            severity: "info",
            text: format!("Showing the first {limit} traces (the trace limit)."),
        }),
        _ => {}
    }
    if plan.kind == PlanKind::Correlate && matches!(counted, Counted::Logs { .. }) {
        notices.push(Notice {
            severity: "info",
            text: "Log lines with a trace id link to their trace.".into(),
        });
    }
    FrameMeta {
        executed_query_string: Some(query.to_string()),
        custom: ctx.custom.clone(),
        notices,
        ..FrameMeta::default()
    }
}
