//! `querent ask`: a question answered end to end — translated, run on Loki/Tempo, summarised. `--json`
//! prints the design's object: `plan`, `summary`, `hypotheses`, and the rows as `logs`, `series` or
//! `traces` (at most a few hundred). Diagnosis questions (`correlate` plans) run the analysis: the
//! hypotheses, their numbered `evidence`, the `correlation` counts and `traceSummaries` are added.

use std::io::Write;
use std::process::ExitCode;

use super::common::{SchemaArgs, TimeArgs, describe_plan};
use super::output;
use crate::answer::{Answer, summarise};
use crate::plan::PlanKind;
use crate::translate::Question;

#[derive(Debug, clap::Args)]
pub struct AskArgs {
    /// The question, in English or Korean.
    pub question: String,
    /// Print one JSON object (plan, summary, hypotheses, rows).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub time: TimeArgs,
    #[command(flatten)]
    pub schema: SchemaArgs,
}

pub async fn run(args: AskArgs) -> anyhow::Result<ExitCode> {
    let now = args.time.now()?;
    let engine = args.schema.engine()?;
    if !engine.clients.has_loki() && !engine.clients.has_tempo() {
        anyhow::bail!("`querent ask` runs the query: give --loki URL and/or --tempo URL");
    }
    let discovery = args.schema.discover(&engine, now).await?;
    let mut question = Question::new(&args.question, now);
    question.tz = args.time.tz()?;
    let plan = crate::translate::translate(&question, &discovery.schema);
    let mut answer = Answer {
        summary: String::new(),
        executed: None,
        hypotheses: Vec::new(),
        warnings: discovery.warnings.clone(),
        plan,
    };
    let mut code = ExitCode::SUCCESS;
    let mut analysis: Option<crate::analyse::Analysis> = None;
    if answer.plan.kind == PlanKind::Clarify {
        answer.summary = answer
            .plan
            .clarification
            .as_ref()
            .map(|c| c.reason.clone())
            .unwrap_or_default();
    } else if answer.plan.kind == PlanKind::Correlate {
        match crate::analyse::investigate(&answer.plan, &engine.clients).await {
            Ok(found) => {
                answer.summary = found.summary.clone();
                answer.hypotheses = found
                    .hypotheses
                    .iter()
                    .map(|h| serde_json::to_value(h).unwrap_or_default())
                    .collect();
                answer.executed = Some(found.executed.clone());
                analysis = Some(found);
            }
            Err(err) => {
                answer.summary = crate::Error::from(err).user_message();
                code = ExitCode::from(1);
            }
        }
    } else {
        match engine.execute(&answer.plan).await {
            Ok(executed) => {
                answer.summary = summarise(&answer.plan, &executed);
                answer.executed = Some(executed);
            }
            Err(err) => {
                answer.summary = err.user_message();
                code = ExitCode::from(1);
            }
        }
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut json = answer.to_compact_json();
        if let Some(found) = &analysis {
            add_analysis(&mut json, found);
        }
        writeln!(out, "{json}")?;
    } else {
        write!(out, "{}", describe_plan(&answer.plan))?;
        writeln!(out, "\n{}\n", answer.summary)?;
        if let Some(found) = &analysis {
            write_hypotheses(found, &mut out)?;
        }
        if let Some(executed) = &answer.executed {
            output::write_executed(executed, &mut out)?;
        }
    }
    out.flush()?;
    Ok(code)
}

/// The diagnosis part of `ask --json`: the numbered evidence the hypotheses cite, the correlation counts
/// and one line per fetched trace.
fn add_analysis(json: &mut serde_json::Value, found: &crate::analyse::Analysis) {
    let c = &found.correlation;
    json["evidence"] = serde_json::json!(found.evidence.items);
    json["correlation"] = serde_json::json!({
        "lines": c.lines.len(),
        "linesWithTraceId": c.with_trace_id,
        "linesWithFetchedTrace": c.lines_with_fetched_trace(),
        "distinctTraceIds": c.distinct_trace_ids,
        "tracesFetched": c.report.traces.len(),
        "tracesNotFetched": c.report.failures.len() + c.report.not_fetched.len(),
    });
    json["traceSummaries"] = found
        .digests
        .iter()
        .take(crate::answer::COMPACT_ROWS)
        .map(|d| {
            serde_json::json!({
                "traceID": d.trace_id,
                "root": format!("{} {}", d.root_service, d.root_name),
                "durationMs": (d.duration_ms * 1000.0).round() / 1000.0,
                "spans": d.span_count,
                "errorSpans": d.error_count,
                "failedFirst": d.culprit.as_ref().map(|s| s.label()),
                "statusMessage": d.culprit.as_ref().map(|s| s.status_message.clone()),
                "slowest": d.slow_culprit().map(|s| s.label()),
            })
        })
        .collect();
    if !found.notices.is_empty() {
        json["notices"] = serde_json::json!(found.notices);
    }
}

fn write_hypotheses(found: &crate::analyse::Analysis, out: &mut impl Write) -> std::io::Result<()> {
    for h in &found.hypotheses {
        writeln!(out, "{}. {}", h.rank, h.title)?;
        for e in &h.evidence {
            writeln!(out, "   {e}")?;
        }
    }
    for n in &found.notices {
        writeln!(out, "note: {n}")?;
    }
    if !found.hypotheses.is_empty() {
        writeln!(out)?;
    }
    Ok(())
}
