//! Diagnosis in Grafana: `correlate` queries (from a question or `queryType: "correlate"`) answer the
//! log lines linked to their traces, a table of trace summaries, the example trace and the hypotheses
//! table, with the summary and hypotheses in `meta.custom`; annotation queries answer events (spike
//! windows, lines, traces); `POST diagnose` answers `{summary, hypotheses, evidence}` for the app.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::instance::Instance;
use crate::analyse::{self, analysis_custom, build_analysis_frames, build_annotation_frame};
use crate::error::Error;
use crate::execute::{self, ExecuteError};
use crate::frames::{Frame, FrameContext, FrameMeta};
use crate::pipeline::{Translation, custom_meta};
use crate::plan::{Plan, PlanKind};
use crate::translate::Question;

/// A `correlate` plan: logs → traces → hypotheses. Tempo being down or slow costs the traces, not the
/// answer: the logs come back with a notice.
pub async fn answer_correlate(
    instance: &Instance,
    plan: &Plan,
    ref_id: &str,
    base_custom: Option<Value>,
) -> Result<Vec<Frame>, Error> {
    let analysis = analyse::investigate(plan, &instance.clients).await?;
    Ok(correlate_frames(instance, &analysis, ref_id, base_custom))
}

/// The frames of a finished analysis (its summary may have been narrated by the LLM meanwhile).
pub fn correlate_frames(
    instance: &Instance,
    analysis: &analyse::Analysis,
    ref_id: &str,
    base_custom: Option<Value>,
) -> Vec<Frame> {
    let ctx = FrameContext {
        ref_id: ref_id.to_string(),
        datasource: Some(instance.datasource.clone()),
        custom: Some(analysis_custom(analysis, base_custom)),
    };
    build_analysis_frames(analysis, &ctx)
}

/// An annotation query: the plan runs as usual and its answer becomes events in one frame.
pub async fn answer_annotations(
    instance: &Instance,
    plan: &Plan,
    ref_id: &str,
    mut custom: Value,
) -> Result<Vec<Frame>, Error> {
    let executed = execute::execute(plan, &instance.clients).await?;
    let events = analyse::annotation_events(plan, &executed);
    custom["summary"] = json!(format!(
        "{} annotation{} from `{}`.",
        events.len(),
        if events.len() == 1 { "" } else { "s" },
        executed.query
    ));
    let mut frame = build_annotation_frame(&events);
    frame.ref_id = ref_id.to_string();
    frame.meta = Some(FrameMeta {
        executed_query_string: Some(executed.query.clone()),
        custom: Some(custom),
        ..FrameMeta::default()
    });
    Ok(vec![frame])
}

#[derive(serde::Deserialize)]
struct DiagnoseRequest {
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    service: Option<String>,
    /// Epoch milliseconds; the question's own time wins, else this range, else the last hour.
    from: Option<i64>,
    to: Option<i64>,
    tz: Option<String>,
}

/// `POST diagnose {question | service, from?, to?, tz?}` → `{question, plan, summary, hypotheses,
/// evidence, stats, traces, patterns, spikes, notices}`.
pub async fn diagnose_route(instance: &Instance, body: &[u8]) -> Result<(i32, Value), Error> {
    let bad = |value: String| {
        Error::from(ExecuteError::InvalidArgument {
            what: "diagnose request (JSON with a `question` or a `service`)",
            value,
        })
    };
    let request: DiagnoseRequest = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
    let text = match (
        request
            .question
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty()),
        request
            .service
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    ) {
        (Some(q), _) => q.to_string(),
        (None, Some(service)) => format!("why is {service} failing?"),
        (None, None) => return Err(bad("neither `question` nor `service` was given".into())),
    };
    let now = Utc::now();
    let mut question = Question::new(&text, now);
    if let (Some(from), Some(to)) = (request.from, request.to) {
        let t = |ms: i64| Utc.timestamp_millis_opt(ms).single().unwrap_or(now);
        if from <= to {
            question.dashboard = Some((t(from), t(to)));
        }
    }
    if let Some(tz) = request.tz.as_deref().and_then(|t| t.parse().ok()) {
        question.tz = tz;
    }
    let discovery = instance.schema.get(&instance.clients, now).await;
    let translation = Translation {
        plan: crate::translate::translate(&question, &discovery.schema),
        warnings: discovery.warnings.clone(),
    };
    let mut body = custom_meta(&text, &translation, None);
    if translation.plan.kind == PlanKind::Clarify {
        body["hypotheses"] = json!([]);
        body["evidence"] = json!([]);
        return Ok((200, body));
    }
    let analysis = analyse::investigate(&translation.plan, &instance.clients).await?;
    if let (Value::Object(out), Value::Object(found)) = (&mut body, analysis.to_json()) {
        out.extend(found);
    }
    Ok((200, body))
}
