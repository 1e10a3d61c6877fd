//! `querent eval CASES.jsonl`: scores the translator, per case and overall.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use super::common::{SchemaArgs, TimeArgs};
use crate::eval::{self, Outcome};
use crate::translate::{Question, translate};

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// A JSON-lines file of cases (`{"id", "question", "expect": {...}}`).
    pub cases: PathBuf,
    #[command(flatten)]
    pub time: TimeArgs,
    #[command(flatten)]
    pub schema: SchemaArgs,
    /// Print one JSON object (summary and outcomes) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print every case, not only the failures.
    #[arg(long, short)]
    pub verbose: bool,
    /// Exit with status 1 when the accuracy (in %) is below this.
    #[arg(long, value_name = "PERCENT")]
    pub min_accuracy: Option<f64>,
}

pub async fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.cases)
        .with_context(|| format!("cannot read {}", args.cases.display()))?;
    let cases =
        eval::parse_cases(&text).map_err(|e| anyhow::anyhow!("{}: {e}", args.cases.display()))?;
    let now = args.time.now()?;
    let tz = args.time.tz()?;
    let engine = args.schema.engine()?;
    let schema = args.schema.discover(&engine, now).await?.schema.clone();
    let live = args.schema.has_peers();
    let mut outcomes = Vec::with_capacity(cases.len());
    for case in &cases {
        let started = Instant::now();
        let mut q = Question::new(&case.question, now);
        q.tz = tz;
        let plan = translate(&q, &schema);
        let micros = started.elapsed().as_micros() as u64;
        let mut problems = eval::compare_shape(case, &plan, now);
        if problems.is_empty() {
            let problem = if live {
                eval::compare_by_execution(case, &plan, now, &engine.clients).await
            } else {
                eval::compare_structurally(case.expect.query.as_deref(), &plan)
            };
            problems.extend(problem);
        }
        outcomes.push(Outcome {
            id: case.id.clone(),
            question: case.question.clone(),
            passed: problems.is_empty(),
            problems,
            predicted: plan.to_contract_json(),
            expected_kind: case.expect.kind,
            micros,
        });
    }
    let summary = eval::summarise(&outcomes, if live { "execution" } else { "structural" });
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "summary": summary, "outcomes": outcomes })
        );
    } else {
        for o in &outcomes {
            if !o.passed || args.verbose {
                println!(
                    "{} {} {}",
                    if o.passed { "PASS" } else { "FAIL" },
                    o.id,
                    o.question
                );
                for p in &o.problems {
                    println!("     {p}");
                }
            }
        }
        println!();
        for (kind, (passed, total)) in &summary.by_kind {
            println!("  {kind:<14} {passed}/{total}");
        }
        println!(
            "accuracy ({} mode): {}/{} = {:.1}%",
            summary.mode, summary.passed, summary.cases, summary.accuracy
        );
    }
    if let Some(min) = args.min_accuracy
        && summary.accuracy + 1e-9 < min
    {
        eprintln!(
            "querent eval: accuracy {:.1}% is below --min-accuracy {min}%",
            summary.accuracy
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
