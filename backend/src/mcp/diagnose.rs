//! `diagnose`: why a service is failing. Runs the correlate plan of the question through the analysis
//! (`analyse::investigate`: the error lines, their traces, templates, spikes) and answers a bounded
//! digest for an agent: the ranked hypotheses with their evidence sentences, error lines per service,
//! the most repeated messages and the linked trace ids (`get_trace` takes any of them).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::answers::{Call, bad, check_question, explicit_range, plan_json};
use super::compact::cut;
use super::server::ToolError;
use super::tools::DiagnoseArgs;
use crate::execute;
use crate::plan::PlanKind;
use crate::translate::Question;

/// Error lines kept per message when grouping them.
const TOP_MESSAGES: usize = 5;
/// Hypotheses in the answer (the analysis ranks them; the rest rarely matter to an agent).
const TOP_HYPOTHESES: usize = 3;

/// The investigation of a failing service.
pub(crate) async fn diagnose(call: &Call<'_>, a: DiagnoseArgs) -> Result<Value, ToolError> {
    let question = match (a.question.as_deref(), a.service.as_deref()) {
        (Some(q), _) if !q.trim().is_empty() => q.to_string(),
        (_, Some(s)) if !s.trim().is_empty() => {
            if s.len() > 200 {
                return Err(bad("service", "is too long for a service name"));
            }
            format!("why is {s} failing?")
        }
        _ => return Err(bad("service", "or `question` is needed")),
    };
    check_question(&question)?;
    let dashboard = explicit_range(&a.from, &a.to, call.now)?;
    let discovery = call
        .backend
        .schema()
        .get(call.backend.clients(), call.now)
        .await;
    let mut q = Question::new(&question, call.now);
    q.tz = call.tz;
    q.dashboard = dashboard;
    let mut plan = crate::translate::translate(&q, &discovery.schema);
    if plan.kind == PlanKind::Clarify {
        let c = plan.clarification.unwrap_or_default();
        return Err(ToolError::Run {
            message: format!("{} Suggestions: {}", c.reason, c.suggestions.join("; ")),
        });
    }
    if plan.kind == PlanKind::Logs {
        plan.kind = PlanKind::Correlate;
    }
    if plan.kind != PlanKind::Correlate {
        return Err(bad(
            "question",
            "does not name logs to investigate: give a `service`, or use `ask` for traces and metrics",
        ));
    }
    let analysis = crate::analyse::investigate(&plan, call.backend.clients())
        .await
        .map_err(crate::Error::from)?;
    let executed = &analysis.executed;
    let mut per_service: BTreeMap<String, usize> = BTreeMap::new();
    let mut messages: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut traces: Vec<String> = Vec::new();
    if let execute::QueryResult::Streams(streams) = &executed.result {
        for s in streams {
            let service = s
                .labels
                .get("service_name")
                .cloned()
                .unwrap_or_else(|| "unknown".into());
            *per_service.entry(service).or_default() += s.entries.len();
            for e in &s.entries {
                let entry = messages
                    .entry(message_shape(&e.line))
                    .or_insert((0, cut(&e.line, 200)));
                entry.0 += 1;
                if let Some(t) = crate::frames::trace_id_of(&s.labels, e)
                    && !traces.contains(&t)
                    && traces.len() < 10
                {
                    traces.push(t);
                }
            }
        }
    }
    let mut top: Vec<(usize, String)> = messages.into_values().collect();
    top.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let top: Vec<Value> = top
        .into_iter()
        .take(TOP_MESSAGES)
        .map(|(n, example)| json!({ "count": n, "example": example }))
        .collect();
    // Hypothesis trace ids first: they are the ones that explain something.
    let mut trace_ids: Vec<String> = analysis
        .hypotheses
        .iter()
        .flat_map(|h| h.trace_ids.iter().cloned())
        .collect();
    for t in traces {
        if !trace_ids.contains(&t) {
            trace_ids.push(t);
        }
    }
    trace_ids.dedup();
    trace_ids.truncate(10);
    let hypotheses: Vec<Value> = analysis
        .hypotheses
        .iter()
        .take(TOP_HYPOTHESES)
        .map(|h| {
            json!({
                "id": h.id,
                "title": cut(&h.title, 300),
                "service": h.service,
                "cause": h.cause,
                "confidence": h.confidence,
                "lines": h.lines,
                "traces": h.traces,
                "failingSpan": h.failing_span.as_ref().map(|s| json!({
                    "service": s.service,
                    "name": s.name,
                    "statusMessage": cut(&s.status_message, 200),
                })),
                "upstreamServices": h.upstream_services,
                "traceIDs": h.trace_ids.iter().take(3).collect::<Vec<_>>(),
                "evidence": h.evidence.iter().take(6).map(|e| cut(e, 300)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut out = json!({
        "plan": plan_json(&plan),
        "summary": analysis.summary,
        "hypotheses": hypotheses,
        "errorLines": per_service,
        "topErrors": top,
                "traceIDs": trace_ids,
        "next": "call get_trace on a trace id for its critical path and failing spans",
    });
    if !analysis.notices.is_empty() {
        out["notices"] = json!(analysis.notices);
    }
    Ok(out)
}

/// A line with its numbers, ids and quoted values blanked, so repeats of one message group together.
fn message_shape(line: &str) -> String {
    let mut out = String::with_capacity(line.len().min(300));
    let mut last_hash = false;
    for c in line.chars().take(300) {
        if c.is_ascii_hexdigit() && (c.is_ascii_digit() || last_hash) {
            if !last_hash {
                out.push('#');
            }
            last_hash = true;
        } else {
            out.push(c);
            last_hash = false;
        }
    }
    // timestamps and ids at the start of lines differ on every line: skip to the message part
    match out.find("msg=").or_else(|| out.find("\"msg\"")) {
        Some(i) => out[i..].to_string(),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_messages_share_a_shape() {
        assert_eq!(
            message_shape("ts=2026-11-25T06:00:01Z level=error msg=\"payment 1234 timed out\""),
            message_shape("ts=2026-11-25T06:09:41Z level=error msg=\"payment 98 timed out\"")
        );
    }
}
