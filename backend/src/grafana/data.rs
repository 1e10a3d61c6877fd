//! QueryData: every query of a request runs concurrently; a failing query answers with its own error
//! and status while the others still return their frames.

use std::sync::Arc;
use std::time::Instant as Clock;

use futures_util::future::join_all;
use grafana_plugin_sdk::pluginv2;

use super::instance::{Instance, InstanceCache};
use super::query_model::{ModelQuery, QuestionQuery, parse_query};
use super::status::{error_source, http_status};
use crate::answer::summarise;
use crate::error::Error;
use crate::execute;
use crate::frames::arrow::EncodedFrame;
use crate::frames::{self, FrameContext};
use crate::pipeline::{custom_meta, narrate_answer};
use crate::plan::{Plan, PlanKind};
use crate::translate::Question;
use chrono::Utc;

/// One query's answer: its encoded frames (as pieces, see [`frames::arrow::EncodedFrame`]), or its
/// error and status.
#[derive(Debug, Clone)]
pub struct QueryAnswer {
    pub ref_id: String,
    pub frames: Vec<EncodedFrame>,
    pub error: String,
    pub status: i32,
}

impl QueryAnswer {
    /// The protobuf message (frames copied into one buffer each).
    pub fn to_response(&self) -> pluginv2::DataResponse {
        pluginv2::DataResponse {
            frames: self.frames.iter().map(EncodedFrame::to_vec).collect(),
            error: self.error.clone(),
            status: self.status,
            ..Default::default()
        }
    }
}

/// Every query of a QueryData request, answered concurrently, in the request's order (never fails:
/// errors go on the query they belong to).
pub async fn answer_queries(
    cache: &InstanceCache,
    request: pluginv2::QueryDataRequest,
) -> Vec<QueryAnswer> {
    let instance = cache.get(request.plugin_context.as_ref());
    let instance = &instance;
    join_all(request.queries.iter().map(|q| async move {
        let started = Clock::now();
        let instance = match instance {
            Ok(instance) => instance,
            Err(e) => return error_answer(&q.ref_id, e),
        };
        match run_query(instance, q).await {
            Ok(frames) => {
                tracing::debug!(
                    ref_id = %q.ref_id,
                    frames = frames.len(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "query answered"
                );
                QueryAnswer {
                    ref_id: q.ref_id.clone(),
                    frames,
                    error: String::new(),
                    status: 200,
                }
            }
            Err(e) => error_answer(&q.ref_id, &e),
        }
    }))
    .await
}

/// An error kept on its own query: the user message, a status and (logged) the error source.
fn error_answer(ref_id: &str, err: &Error) -> QueryAnswer {
    tracing::warn!(
        ref_id = %ref_id,
        status = http_status(err),
        error_source = error_source(err),
        error = %err,
        "query failed"
    );
    QueryAnswer {
        ref_id: ref_id.to_string(),
        frames: Vec::new(),
        error: err.user_message(),
        status: http_status(err),
    }
}

/// One query: parse the model, plan, execute, build and encode frames. The testable core of QueryData.
async fn run_query(
    instance: &Arc<Instance>,
    q: &pluginv2::DataQuery,
) -> Result<Vec<EncodedFrame>, Error> {
    let frames = match parse_query(q)? {
        ModelQuery::Raw(plan) if plan.kind == PlanKind::Logs => {
            return run_logs_encoded(instance, &plan, &q.ref_id).await;
        }
        ModelQuery::Raw(plan) => run_plan(instance, &plan, &q.ref_id, None).await?,
        ModelQuery::Question(question) => answer_question(instance, &q.ref_id, &question).await?,
    };
    let mut encoder = frames::arrow::Encoder::default();
    frames
        .into_iter()
        .map(|f| encoder.encode(f).map_err(Error::from))
        .collect()
}

/// A log query's frames, encoded stream by stream straight from the decoded columns (no per-line
/// copies; see `frames::encode_log_frames`).
async fn run_logs_encoded(
    instance: &Instance,
    plan: &Plan,
    ref_id: &str,
) -> Result<Vec<EncodedFrame>, Error> {
    let logs = execute::execute_logs(plan, &instance.clients).await?;
    let ctx = FrameContext {
        ref_id: ref_id.to_string(),
        datasource: Some(instance.datasource.clone()),
        custom: None,
    };
    Ok(frames::encode_log_frames(plan, logs, &ctx)?)
}

/// Runs a plan (raw or translated: the same path) and builds its frames; `custom` becomes
/// `meta.custom` on every frame.
pub async fn run_plan(
    instance: &Instance,
    plan: &Plan,
    ref_id: &str,
    custom: Option<serde_json::Value>,
) -> Result<Vec<frames::Frame>, Error> {
    if plan.kind == PlanKind::Correlate {
        return super::analysis::answer_correlate(instance, plan, ref_id, custom).await;
    }
    let executed = execute::execute(plan, &instance.clients).await?;
    let ctx = FrameContext {
        ref_id: ref_id.to_string(),
        datasource: Some(instance.datasource.clone()),
        custom,
    };
    Ok(frames::build_frames(plan, &executed, &ctx))
}

/// A plain-language question: translated against the instance's schema (Explore's time range unless the
/// question names one), run, and answered with the plan, what was understood and a summary in
/// `meta.custom`. A question that needs clarifying answers one empty frame carrying the reason and
/// suggestions, so the editor and the Ask page can show them.
async fn answer_question(
    instance: &Instance,
    ref_id: &str,
    question: &QuestionQuery,
) -> Result<Vec<frames::Frame>, Error> {
    let mut q = Question::new(&question.question, Utc::now());
    q.dashboard = Some((question.start, question.end));
    if let Some(tz) = question
        .model
        .get("timezone")
        .and_then(|v| v.as_str())
        .and_then(|t| t.parse().ok())
    {
        q.tz = tz;
    }
    let discovery = instance.schema.get(&instance.clients, q.now).await;
    let llm = instance.llm.as_deref();
    let (mut translation, llm_use) = super::conversation::translate(
        &q,
        &question.model,
        &instance.datasource.uid,
        &discovery,
        llm,
        asks_for_llm(&question.model),
    )
    .await;
    if let Some(limit) = question.limit {
        translation.plan.limit.get_or_insert(limit);
    }
    if question.query_type == Some(PlanKind::Correlate) && translation.plan.kind == PlanKind::Logs {
        translation.plan.kind = PlanKind::Correlate;
    }
    let plan = &translation.plan;
    if plan.kind == PlanKind::Clarify {
        let mut custom = custom_meta(&question.question, &translation, None);
        if llm_use.configured {
            custom["llm"] = llm_use.to_json(None);
        }
        return Ok(vec![frames::Frame::notice(ref_id, custom)]);
    }
    let base = || custom_meta(&question.question, &translation, None);
    if question
        .query_type_text
        .as_deref()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("annotations"))
    {
        return super::analysis::answer_annotations(instance, plan, ref_id, base()).await;
    }
    if plan.kind == PlanKind::Correlate {
        // The hypotheses are the evidence the LLM narrates (when one is configured); the template
        // summary stays when it fails the claim check.
        let mut analysis = crate::analyse::investigate(plan, &instance.clients).await?;
        let hypotheses: Vec<serde_json::Value> = analysis
            .hypotheses
            .iter()
            .map(|h| serde_json::to_value(h).unwrap_or_default())
            .collect();
        let narration = narrate_answer(
            &question.question,
            &analysis.executed,
            &hypotheses,
            &discovery.schema,
            llm,
            analysis.summary.clone(),
            q.now,
            None,
        )
        .await;
        let mut custom = base();
        custom["summarySource"] = serde_json::json!(narration.source);
        if llm_use.configured {
            custom["llm"] = llm_use.to_json(Some(&narration));
        }
        analysis.summary = narration.text;
        return Ok(super::analysis::correlate_frames(
            instance,
            &analysis,
            ref_id,
            Some(custom),
        ));
    }
    let executed = execute::execute(plan, &instance.clients).await?;
    let narration = narrate_answer(
        &question.question,
        &executed,
        &[],
        &discovery.schema,
        llm,
        summarise(plan, &executed),
        q.now,
        None,
    )
    .await;
    let mut custom = custom_meta(&question.question, &translation, Some(&narration.text));
    custom["summarySource"] = serde_json::json!(narration.source);
    if llm_use.configured {
        custom["llm"] = llm_use.to_json(Some(&narration));
    }
    let ctx = FrameContext {
        ref_id: ref_id.to_string(),
        datasource: Some(instance.datasource.clone()),
        custom: Some(custom),
    };
    Ok(frames::build_frames(plan, &executed, &ctx))
}

/// The query asks for the LLM translator (`"llm": true` in the query JSON, e.g. a "use the LLM" toggle).
fn asks_for_llm(model: &serde_json::Value) -> bool {
    matches!(model.get("llm"), Some(serde_json::Value::Bool(true)))
        || model.get("llm").and_then(|v| v.as_str()) == Some("true")
}
