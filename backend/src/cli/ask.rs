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
use crate::session::{SessionStore, file as session_file};
use crate::translate::{Previous, Question, Resolved};

#[derive(Debug, clap::Args)]
pub struct AskArgs {
    /// The question, in English or Korean.
    pub question: String,
    /// Print one JSON object (plan, summary, hypotheses, rows).
    #[arg(long)]
    pub json: bool,
    /// Continue a conversation: a follow-up ("now only the last 30 minutes", "what about
    /// payment-service?") is read against this session's previous question. Any id you choose; sessions
    /// live in $XDG_CACHE_HOME/querent/sessions.json for two hours after their last question.
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// Ask the LLM to translate even when the rules answer (needs an LLM: --llm-base-url or --llm-provider).
    #[arg(long)]
    pub llm: bool,
    /// Stream the LLM's summary to stderr as it is written.
    #[arg(long)]
    pub stream: bool,
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
    let conversation = match &args.session {
        Some(id) => Some(Conversation::open(id)?),
        None => None,
    };
    let previous = conversation.as_ref().and_then(|c| c.previous.clone());
    let mut resolved =
        crate::translate::translate_in_context(&question, previous.as_ref(), &discovery.schema);
    let llm = args.schema.connection.llm()?;
    if args.llm && llm.is_none() {
        anyhow::bail!("--llm needs an LLM: give --llm-base-url URL (or --llm-provider)");
    }
    // A follow-up is the rules' merge of the conversation; the LLM sees single questions only.
    let llm_use = if resolved.followed {
        crate::pipeline::LlmUse {
            configured: llm.is_some(),
            model: llm.as_ref().map(|l| l.model().to_string()),
            ..Default::default()
        }
    } else {
        let (translation, llm_use) = crate::pipeline::refine_with_llm(
            &question,
            resolved.plan.clone(),
            &discovery,
            llm.as_deref(),
            args.llm,
            None,
        )
        .await;
        if llm_use.used {
            resolved.replace_plan(&args.question, translation.plan);
        }
        llm_use
    };
    if let Some(note) = &llm_use.note {
        eprintln!("querent: {note}");
    }
    if let Some(c) = &conversation {
        c.record(&args.question, &resolved)?;
    }
    let plan = resolved.plan.clone();
    let mut narration = None;
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
                answer.hypotheses = found
                    .hypotheses
                    .iter()
                    .map(|h| serde_json::to_value(h).unwrap_or_default())
                    .collect();
                let n = narrate(
                    &args,
                    &found.executed,
                    &answer.hypotheses,
                    &discovery.schema,
                    llm.as_deref(),
                    found.summary.clone(),
                    now,
                )
                .await;
                answer.summary = n.text.clone();
                narration = Some(n);
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
                let template = summarise(&answer.plan, &executed);
                let n = narrate(
                    &args,
                    &executed,
                    &answer.hypotheses,
                    &discovery.schema,
                    llm.as_deref(),
                    template,
                    now,
                )
                .await;
                answer.summary = n.text.clone();
                answer.executed = Some(executed);
                narration = Some(n);
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
        if let Some(c) = &conversation {
            json["session"] = serde_json::json!(c.id);
            json["followUp"] = serde_json::json!(resolved.followed);
        }
        if let Some(n) = &narration {
            json["summarySource"] = serde_json::json!(n.source);
        }
        if llm_use.configured {
            json["llm"] = llm_use.to_json(narration.as_ref());
        }
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

/// The answer's summary: the LLM's narration of the evidence (streamed to stderr with `--stream`) when an
/// LLM is configured, else the template.
async fn narrate(
    args: &AskArgs,
    executed: &crate::execute::Executed,
    hypotheses: &[serde_json::Value],
    schema: &crate::ground::Schema,
    llm: Option<&crate::llm::Llm>,
    template: String,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::llm::Narration {
    let mut print = |t: &str| eprint!("{t}");
    let on_delta: Option<&mut (dyn FnMut(&str) + Send)> =
        if args.stream { Some(&mut print) } else { None };
    let n = crate::pipeline::narrate_answer(
        &args.question,
        executed,
        hypotheses,
        schema,
        llm,
        template,
        now,
        on_delta,
    )
    .await;
    if args.stream {
        eprintln!();
    }
    if let Some(note) = &n.note {
        eprintln!("querent: {note}");
    }
    n
}

/// A CLI conversation: the sessions file, loaded for one question and saved after it.
struct Conversation {
    id: String,
    path: std::path::PathBuf,
    store: SessionStore,
    previous: Option<Previous>,
}

impl Conversation {
    fn open(id: &str) -> anyhow::Result<Self> {
        let path = session_file::default_path(|k| std::env::var(k).ok()).ok_or_else(|| {
            anyhow::anyhow!("--session needs a cache folder: set XDG_CACHE_HOME or HOME")
        })?;
        let now = chrono::Utc::now();
        let store = session_file::load(&path, now)?;
        let previous = store.context_or_start(id, now)?;
        Ok(Conversation {
            id: id.to_string(),
            path,
            store,
            previous,
        })
    }

    fn record(&self, question: &str, resolved: &Resolved) -> anyhow::Result<()> {
        self.store
            .record(&self.id, question, resolved, chrono::Utc::now());
        session_file::save(&self.store, &self.path)?;
        Ok(())
    }
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
