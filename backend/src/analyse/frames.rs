//! An analysis as Grafana frames: the log frames (every line's `traceID` the one the correlation used,
//! linked to the trace view), a `traces` table with one summary row per fetched trace, the example trace
//! of the top hypothesis in Grafana's trace shape, and a `hypotheses` table. `meta.custom` carries the
//! summary, the hypotheses and the key numbers ([`analysis_custom`]).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::extract::trace_id_in_entry;
use super::hypothesis::Hypothesis;
use super::run::Analysis;
use super::trace_summary::{SpanBrief, TraceDigest};
use crate::execute::{Executed, QueryResult};
use crate::frames::{self, Field, FieldConfig, Frame, FrameContext, FrameMeta, Notice, Values};
use crate::plan::{Plan, PlanKind};

/// Steps of the critical path shown in the trace table.
const PATH_STEPS: usize = 6;

/// `meta.custom` of an analysis: `base` (the question, plan, understood words) with the summary,
/// hypotheses and key numbers.
pub fn analysis_custom(analysis: &Analysis, base: Option<Value>) -> Value {
    let mut custom = match base {
        Some(Value::Object(map)) => Value::Object(map),
        _ => json!({}),
    };
    custom["summary"] = json!(analysis.summary);
    custom["hypotheses"] = json!(analysis.hypotheses);
    custom["stats"] = analysis.stats();
    if !analysis.notices.is_empty() {
        custom["notices"] = json!(analysis.notices);
    }
    custom
}

/// `meta.custom` without the keys only the first frame and the hypotheses table carry.
fn slim(custom: &Value) -> Value {
    match custom {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "hypotheses" | "stats" | "notices"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn ns(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The frames of an analysis; `ctx.custom` should come from [`analysis_custom`].
///
/// The whole `meta.custom` (with `hypotheses`, `stats`, `notices`) goes on the first frame and the
/// hypotheses table; the other frames — a log answer can have hundreds of stream frames — carry it
/// without those keys, so the answer is not the same evidence copied hundreds of times.
pub fn build_analysis_frames(analysis: &Analysis, ctx: &FrameContext) -> Vec<Frame> {
    let slim_ctx = FrameContext {
        custom: ctx.custom.as_ref().map(slim),
        ..ctx.clone()
    };
    let mut out = frames::build_frames(&analysis.plan, &analysis.executed, &slim_ctx);
    if let QueryResult::Streams(streams) = &analysis.executed.result {
        // One frame per stream, in order (or a single empty frame).
        for (frame, stream) in out.iter_mut().zip(streams) {
            let ids: Vec<Option<String>> = stream
                .entries
                .iter()
                .map(|e| trace_id_in_entry(&stream.labels, e).map(|f| f.trace_id))
                .collect();
            frame.fields.retain(|f| f.name != "traceID");
            if ids.iter().any(Option::is_some) {
                frame
                    .fields
                    .push(link_field(Field::new("traceID", Values::OptStr(ids)), ctx));
            }
        }
    }
    if let Some(first) = out.first_mut() {
        let meta = first.meta.get_or_insert_with(FrameMeta::default);
        meta.custom = ctx.custom.clone();
        for text in &analysis.notices {
            meta.notices.push(Notice {
                severity: "warning",
                text: text.clone(),
            });
        }
    }
    let mut extra = Vec::new();
    if !analysis.digests.is_empty() {
        extra.push(build_trace_table(analysis, ctx));
    }
    if let Some(trace) = example_trace(analysis) {
        let plan = Plan::raw(
            PlanKind::Trace,
            trace.trace_id.clone(),
            analysis.plan.start.unwrap_or(analysis.plan.end),
            analysis.plan.end,
        );
        let executed = Executed {
            kind: PlanKind::Trace,
            query: trace.trace_id.clone(),
            result: QueryResult::Trace(Box::new(trace.clone())),
            limit: None,
            warnings: Vec::new(),
        };
        extra.extend(frames::build_frames(&plan, &executed, &slim_ctx));
    }
    let mut hypotheses = build_hypotheses_table(&analysis.hypotheses, ctx);
    hypotheses
        .meta
        .get_or_insert_with(FrameMeta::default)
        .custom = ctx.custom.clone();
    extra.push(hypotheses);
    for frame in &mut extra {
        frame.ref_id = ctx.ref_id.clone();
        let meta = frame.meta.get_or_insert_with(FrameMeta::default);
        if meta.executed_query_string.is_none() {
            meta.executed_query_string = Some(analysis.executed.query.clone());
        }
        if meta.custom.is_none() {
            meta.custom = slim_ctx.custom.clone();
        }
    }
    out.extend(extra);
    out
}

/// The fetched trace behind the top hypothesis (its first example trace).
fn example_trace(analysis: &Analysis) -> Option<&crate::execute::FetchedTrace> {
    let top = analysis.hypotheses.first()?;
    analysis
        .correlation
        .report
        .traces
        .iter()
        .find(|t| top.trace_ids.first() == Some(&t.trace_id))
}

fn link_field(field: Field, ctx: &FrameContext) -> Field {
    match ctx.trace_link() {
        Some(link) => field.with_config(FieldConfig {
            links: vec![link],
            ..FieldConfig::default()
        }),
        None => field,
    }
}

fn span_text(s: &SpanBrief) -> String {
    format!("{} `{}`", s.service, s.name)
}

fn path_text(d: &TraceDigest) -> String {
    let steps: Vec<String> = d
        .critical_path
        .iter()
        .take(PATH_STEPS)
        .map(|s| format!("{} ({:.0} ms)", span_text(s), s.self_ms))
        .collect();
    let more = d.critical_path.len().saturating_sub(PATH_STEPS);
    if more > 0 {
        format!("{} → … {more} more", steps.join(" → "))
    } else {
        steps.join(" → ")
    }
}

fn build_trace_table(analysis: &Analysis, ctx: &FrameContext) -> Frame {
    let hypothesis_of: HashMap<&str, &str> = analysis
        .hypotheses
        .iter()
        .flat_map(|h| {
            h.supporting_trace_ids
                .iter()
                .map(move |id| (id.as_str(), h.id.as_str()))
        })
        .collect();
    let mut digests: Vec<&TraceDigest> = analysis.digests.iter().collect();
    digests.sort_by_key(|d| std::cmp::Reverse(d.start_ns));
    let col = |f: &dyn Fn(&TraceDigest) -> String| -> Values {
        Values::Str(digests.iter().map(|d| f(d)).collect())
    };
    let mut frame = Frame::new(
        "traces",
        vec![
            link_field(Field::new("traceID", col(&|d| d.trace_id.clone())), ctx),
            Field::new(
                "startTime",
                Values::Time(digests.iter().map(|d| ns(d.start_ns)).collect()),
            ),
            Field::new(
                "duration",
                Values::F64(digests.iter().map(|d| d.duration_ms).collect()),
            )
            .with_config(FieldConfig {
                unit: Some("ms".into()),
                ..FieldConfig::default()
            }),
            Field::new("rootService", col(&|d| d.root_service.clone())),
            Field::new("rootName", col(&|d| d.root_name.clone())),
            Field::new(
                "spans",
                Values::I64(digests.iter().map(|d| d.span_count as i64).collect()),
            ),
            Field::new(
                "errorSpans",
                Values::I64(digests.iter().map(|d| d.error_count as i64).collect()),
            ),
            Field::new(
                "failedFirst",
                col(&|d| d.culprit.as_ref().map(span_text).unwrap_or_default()),
            ),
            Field::new(
                "statusMessage",
                col(&|d| {
                    d.culprit
                        .as_ref()
                        .map(|c| c.status_message.clone())
                        .unwrap_or_default()
                }),
            ),
            Field::new(
                "slowestSpan",
                col(&|d| {
                    d.slowest
                        .first()
                        .map(|s| format!("{} ({:.0} ms own time)", span_text(s), s.self_ms))
                        .unwrap_or_default()
                }),
            ),
            Field::new("criticalPath", col(&path_text)),
            Field::new(
                "hypothesis",
                col(&|d| {
                    hypothesis_of
                        .get(d.trace_id.as_str())
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                }),
            ),
        ],
    );
    frame.meta = Some(FrameMeta {
        preferred_visualisation_type: Some("table".into()),
        ..FrameMeta::default()
    });
    frame
}

fn build_hypotheses_table(hypotheses: &[Hypothesis], ctx: &FrameContext) -> Frame {
    let str_col = |f: &dyn Fn(&Hypothesis) -> String| -> Values {
        Values::Str(hypotheses.iter().map(f).collect())
    };
    let mut frame = Frame::new(
        "hypotheses",
        vec![
            Field::new(
                "rank",
                Values::I64(hypotheses.iter().map(|h| h.rank as i64).collect()),
            ),
            Field::new("id", str_col(&|h| h.id.clone())),
            Field::new("title", str_col(&|h| h.title.clone())),
            Field::new("service", str_col(&|h| h.service.clone())),
            Field::new("cause", str_col(&|h| h.cause.as_str().to_string())),
            Field::new(
                "confidence",
                str_col(&|h| {
                    serde_json::to_value(h.confidence)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default()
                }),
            ),
            Field::new(
                "score",
                Values::F64(hypotheses.iter().map(|h| h.score).collect()),
            ),
            Field::new(
                "lines",
                Values::I64(hypotheses.iter().map(|h| h.lines as i64).collect()),
            ),
            Field::new(
                "traces",
                Values::I64(hypotheses.iter().map(|h| h.traces as i64).collect()),
            ),
            Field::new(
                "start",
                Values::Time(hypotheses.iter().map(|h| h.start_ns).collect()),
            ),
            Field::new(
                "end",
                Values::Time(hypotheses.iter().map(|h| h.end_ns).collect()),
            ),
            Field::new(
                "failingSpan",
                str_col(&|h| {
                    h.failing_span
                        .as_ref()
                        .map(|f| format!("{} `{}`", f.service, f.name))
                        .unwrap_or_default()
                }),
            ),
            Field::new("upstream", str_col(&|h| h.upstream_services.join(", "))),
            link_field(
                Field::new(
                    "traceID",
                    Values::OptStr(
                        hypotheses
                            .iter()
                            .map(|h| h.trace_ids.first().cloned())
                            .collect(),
                    ),
                ),
                ctx,
            ),
            Field::new("evidence", str_col(&|h| h.evidence.join("\n"))),
        ],
    );
    frame.meta = Some(FrameMeta {
        preferred_visualisation_type: Some("table".into()),
        ..FrameMeta::default()
    });
    frame
}
