//! `querent translate`: a question in, the plan out (`--json`: exactly the contract object).

use std::process::ExitCode;

use super::common::{SchemaArgs, TimeArgs};
use crate::translate::Question;

#[derive(Debug, clap::Args)]
pub struct TranslateArgs {
    /// The question, in English or Korean.
    pub question: String,
    /// Print the plan as one JSON object (the `translate --json` contract).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub time: TimeArgs,
    #[command(flatten)]
    pub schema: SchemaArgs,
}

pub async fn run(args: TranslateArgs) -> anyhow::Result<ExitCode> {
    let now = args.time.now()?;
    let tz = args.time.tz()?;
    let engine = args.schema.engine()?;
    let discovery = args.schema.discover(&engine, now).await?;
    let mut question = Question::new(&args.question, now);
    question.tz = tz;
    let llm = args.schema.connection.llm()?;
    let (translation, llm_use) =
        crate::pipeline::translate_question(&question, &discovery, llm.as_deref(), false, None)
            .await;
    let plan = translation.plan;
    for w in &discovery.warnings {
        eprintln!("querent: {w}");
    }
    if let Some(note) = &llm_use.note {
        eprintln!("querent: {note}");
    }
    if args.json {
        let mut out = plan.to_contract_json();
        // Only with an LLM configured: the contract object is unchanged otherwise.
        if llm_use.configured {
            out["llm"] = llm_use.to_json(None);
        }
        println!("{out}");
    } else {
        print!("{}", super::common::describe_plan(&plan));
    }
    Ok(ExitCode::SUCCESS)
}
