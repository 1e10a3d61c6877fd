//! What each tool does: arguments in (already parsed and typed), one compact JSON object out. The same
//! engine as Grafana and the CLI: schema discovery, the translator (with sessions for follow-ups), the
//! Loki/Tempo clients with the datasource's limits, the template summaries.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::compact::{self, Page, cut};
use super::server::{Backend, ToolError};
use super::tools::{
    AskArgs, DEFAULT_PAGE_ROWS, GetTraceArgs, MAX_PAGE_ROWS, MAX_QUERY_BYTES, QueryLogsArgs,
    QueryTracesArgs, TranslateArgs,
};
use super::trace_summary::summarise_trace;
use crate::answer::summarise;
use crate::execute::{self, Executed, infer_kind};
use crate::plan::{Plan, PlanKind, rfc3339};
use crate::session::SessionStore;
use crate::translate::{MAX_QUESTION_BYTES, Previous, Question, translate_in_context};

/// Everything a tool call needs.
pub(crate) struct Call<'a> {
    pub backend: &'a dyn Backend,
    pub sessions: &'a SessionStore,
    pub now: DateTime<Utc>,
    pub tz: Tz,
}

pub(super) fn bad(name: &'static str, reason: impl Into<String>) -> ToolError {
    ToolError::Argument {
        name,
        reason: reason.into(),
    }
}

/// A time range: start and end.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// `from`/`to`: RFC 3339, or `now`, `now-6h`, `now/d` relative to the call's now.
fn time_arg(
    name: &'static str,
    value: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ToolError> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.len() > 64 {
        return Err(bad(name, "is too long for a time"));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    crate::eval::resolve_relative(text, now)
        .map(Some)
        .map_err(|_| {
            bad(
                name,
                format!("`{text}` is not a time: use RFC 3339 (2026-11-25T08:00:00Z) or now-6h"),
            )
        })
}

/// The explicit range of a call, when it gives either end.
pub(super) fn explicit_range(
    from: &Option<String>,
    to: &Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<Span>, ToolError> {
    let start = time_arg("from", from.as_deref(), now)?;
    let end = time_arg("to", to.as_deref(), now)?;
    if start.is_none() && end.is_none() {
        return Ok(None);
    }
    let end = end.unwrap_or(now);
    let start = start.unwrap_or(end - crate::translate::DEFAULT_RANGE);
    if start > end {
        return Err(bad("from", "is after `to`"));
    }
    Ok(Some((start, end)))
}

/// The range of a query tool: explicit, else the last hour.
fn range(
    from: &Option<String>,
    to: &Option<String>,
    now: DateTime<Utc>,
) -> Result<Span, ToolError> {
    Ok(explicit_range(from, to, now)?.unwrap_or((now - crate::translate::DEFAULT_RANGE, now)))
}

fn page(limit: Option<u32>, number: Option<u32>) -> Result<Page, ToolError> {
    let rows = limit.unwrap_or(DEFAULT_PAGE_ROWS);
    if rows == 0 || rows > MAX_PAGE_ROWS {
        return Err(bad("limit", format!("must be 1 to {MAX_PAGE_ROWS}")));
    }
    let number = number.unwrap_or(1);
    if number == 0 || u64::from(number) * u64::from(rows) > 100_000 {
        return Err(bad(
            "page",
            "must be at least 1 and within the first 100000 rows",
        ));
    }
    Ok(Page {
        rows: rows as usize,
        number: number as usize,
    })
}

pub(super) fn check_question(question: &str) -> Result<(), ToolError> {
    if question.trim().is_empty() {
        return Err(bad("question", "is empty: ask about logs or traces"));
    }
    if question.len() > MAX_QUESTION_BYTES {
        return Err(bad(
            "question",
            format!(
                "is {} bytes; at most {MAX_QUESTION_BYTES} are read: ask one thing at a time",
                question.len()
            ),
        ));
    }
    Ok(())
}

fn check_query(query: &str) -> Result<(), ToolError> {
    if query.trim().is_empty() {
        return Err(bad("query", "is empty"));
    }
    if query.len() > MAX_QUERY_BYTES {
        return Err(bad(
            "query",
            format!("is {} bytes; at most {MAX_QUERY_BYTES}", query.len()),
        ));
    }
    Ok(())
}

/// The plan object plus what a model needs to re-run or page it.
pub(super) fn plan_json(plan: &Plan) -> Value {
    plan.to_contract_json()
}

/// Runs a question in a session and answers with the plan and, unless `run` is false, the results.
async fn answer_question(
    call: &Call<'_>,
    question: &str,
    session: Option<&str>,
    from: &Option<String>,
    to: &Option<String>,
    run: Option<Page>,
) -> Result<Value, ToolError> {
    check_question(question)?;
    let dashboard = explicit_range(from, to, call.now)?;
    // Session bookkeeping runs on the wall clock, whatever "now" the questions are asked at.
    let wall = Utc::now();
    let (id, previous): (Option<String>, Option<Previous>) = match (session, run.is_some()) {
        (Some(id), _) => (Some(id.to_string()), call.sessions.context(id, wall)?),
        (None, true) => (Some(call.sessions.start(wall)), None),
        (None, false) => (None, None),
    };
    let discovery = call
        .backend
        .schema()
        .get(call.backend.clients(), call.now)
        .await;
    let mut q = Question::new(question, call.now);
    q.tz = call.tz;
    q.dashboard = dashboard;
    let resolved = translate_in_context(&q, previous.as_ref(), &discovery.schema);
    if run.is_some()
        && let Some(id) = &id
    {
        call.sessions.record(id, question, &resolved, wall);
    }
    let plan = &resolved.plan;
    let mut out = json!({ "plan": plan_json(plan) });
    if let Some(id) = &id {
        out["session"] = json!(id);
    }
    if resolved.followed {
        out["followUp"] = json!(true);
    }
    out["understood"] = json!(
        plan.understood
            .iter()
            .map(|u| format!("{} “{}” → {}", u.what, cut(&u.text, 80), u.meaning))
            .collect::<Vec<_>>()
    );
    if !discovery.warnings.is_empty() {
        out["warnings"] = json!(discovery.warnings);
    }
    if plan.kind == PlanKind::Clarify {
        if let Some(c) = &plan.clarification {
            out["summary"] = json!(c.reason);
            out["suggestions"] = json!(c.suggestions);
        }
        return Ok(out);
    }
    let Some(page) = run else {
        return Ok(out);
    };
    let executed = execute::execute(plan, call.backend.clients())
        .await
        .map_err(|e| ToolError::Run {
            message: format!(
                "{} (query: {})",
                crate::Error::from(e).user_message(),
                plan.query_text().unwrap_or_default()
            ),
        })?;
    out["summary"] = json!(summarise(plan, &executed));
    merge(&mut out, compact::rows(&executed, page));
    Ok(out)
}

fn merge(out: &mut Value, more: Value) {
    if let (Some(o), Value::Object(m)) = (out.as_object_mut(), more) {
        o.extend(m);
    }
}

pub(crate) async fn ask(call: &Call<'_>, a: AskArgs) -> Result<Value, ToolError> {
    let page = page(a.limit, a.page)?;
    answer_question(
        call,
        &a.question,
        a.session.as_deref(),
        &a.from,
        &a.to,
        Some(page),
    )
    .await
}

pub(crate) async fn translate(call: &Call<'_>, a: TranslateArgs) -> Result<Value, ToolError> {
    answer_question(
        call,
        &a.question,
        a.session.as_deref(),
        &a.from,
        &a.to,
        None,
    )
    .await
}

/// Runs a raw query and answers with a summary and one page of rows.
async fn run_raw(call: &Call<'_>, plan: Plan, page: Page) -> Result<Value, ToolError> {
    let executed: Executed = execute::execute(&plan, call.backend.clients()).await?;
    let mut out = json!({
        "query": executed.query,
        "kind": plan.kind.as_str(),
        "from": plan.start.as_ref().map(rfc3339),
        "to": rfc3339(&plan.end),
        "summary": summarise(&plan, &executed),
    });
    merge(&mut out, compact::rows(&executed, page));
    Ok(out)
}

pub(crate) async fn query_logs(call: &Call<'_>, a: QueryLogsArgs) -> Result<Value, ToolError> {
    check_query(&a.query)?;
    let page = page(a.limit, a.page)?;
    let (start, end) = range(&a.from, &a.to, call.now)?;
    let kind = match infer_kind(&a.query) {
        k @ (PlanKind::Logs | PlanKind::Metrics) => k,
        _ => {
            return Err(bad(
                "query",
                "looks like TraceQL or a trace id: use `query_traces` or `get_trace`",
            ));
        }
    };
    let mut plan = Plan::raw(kind, a.query.trim(), start, end);
    if kind == PlanKind::Logs {
        let max = call.backend.clients().limits().max_lines.get() as usize;
        plan.limit = Some(page.needed().min(max).max(1) as u32);
    }
    run_raw(call, plan, page).await
}

pub(crate) async fn query_traces(call: &Call<'_>, a: QueryTracesArgs) -> Result<Value, ToolError> {
    check_query(&a.query)?;
    let page = page(a.limit, a.page)?;
    let (start, end) = range(&a.from, &a.to, call.now)?;
    let kind = match infer_kind(&a.query) {
        k @ (PlanKind::Traces | PlanKind::TraceMetrics) => k,
        PlanKind::Trace => return Err(bad("query", "is a trace id: use `get_trace`")),
        _ => return Err(bad("query", "looks like LogQL: use `query_logs`")),
    };
    let mut plan = Plan::raw(kind, a.query.trim(), start, end);
    if kind == PlanKind::Traces {
        let max = call.backend.clients().limits().max_traces.get() as usize;
        plan.limit = Some(page.needed().min(max).max(1) as u32);
    }
    run_raw(call, plan, page).await
}

pub(crate) async fn get_trace(call: &Call<'_>, a: GetTraceArgs) -> Result<Value, ToolError> {
    let spans = a.spans.unwrap_or(10);
    if !(1..=50).contains(&spans) {
        return Err(bad("spans", "must be 1 to 50"));
    }
    if a.trace_id.len() > 64 {
        return Err(bad(
            "trace_id",
            "is not a trace id (up to 32 hex characters)",
        ));
    }
    let id = crate::execute::trace_id::parse_trace_id(a.trace_id.trim())?;
    let fetched = call.backend.clients().tempo()?.fetch_trace(&id).await?;
    Ok(summarise_trace(&fetched, spans as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_or_relative() {
        let now: DateTime<Utc> = "2026-11-25T08:38:56Z".parse().unwrap();
        assert_eq!(
            time_arg("from", Some("now-6h"), now).unwrap(),
            Some("2026-11-25T02:38:56Z".parse().unwrap())
        );
        assert_eq!(
            time_arg("to", Some("2026-11-25T08:00:00+09:00"), now).unwrap(),
            Some("2026-11-24T23:00:00Z".parse().unwrap())
        );
        let err = time_arg("from", Some("yesterday"), now).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("`from` `yesterday` is not a time"),
            "{err}"
        );
        assert!(range(&Some("now".into()), &Some("now-1h".into()), now).is_err());
    }

    #[test]
    fn pages_are_bounded() {
        assert_eq!(
            page(None, None).unwrap(),
            Page {
                rows: 20,
                number: 1
            }
        );
        assert!(page(Some(0), None).is_err());
        assert!(page(Some(101), None).is_err());
        assert!(page(Some(100), Some(5000)).is_err());
    }
}
