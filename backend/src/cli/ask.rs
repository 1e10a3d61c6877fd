//! `querent ask`: a question answered end to end — translated, run on Loki/Tempo, summarised. `--json`
//! prints the design's object: `plan`, `summary`, `hypotheses`, and the rows as `logs`, `series` or
//! `traces` (at most a few hundred).

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
    if answer.plan.kind == PlanKind::Clarify {
        answer.summary = answer
            .plan
            .clarification
            .as_ref()
            .map(|c| c.reason.clone())
            .unwrap_or_default();
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
        writeln!(out, "{}", answer.to_compact_json())?;
    } else {
        write!(out, "{}", describe_plan(&answer.plan))?;
        writeln!(out, "\n{}\n", answer.summary)?;
        if let Some(executed) = &answer.executed {
            output::write_executed(executed, &mut out)?;
        }
    }
    out.flush()?;
    Ok(code)
}
