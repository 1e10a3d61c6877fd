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
    /// Score the LLM translator alone (the rules bypassed) in this mode: slots, query or both. Needs an
    /// LLM (--llm-base-url URL or --llm-provider).
    #[arg(long, value_name = "MODE")]
    pub llm: Option<String>,
    /// With --llm: only the first N cases (a quick check on a slow local model).
    #[arg(long, value_name = "N")]
    pub llm_cases: Option<usize>,
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
    if let Some(mode) = &args.llm {
        return run_llm(&args, mode, &cases, &schema, now, tz, &engine, live).await;
    }
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

/// One LLM mode scored over the cases.
#[derive(Debug, serde::Serialize)]
struct LlmScore {
    mode: &'static str,
    model: String,
    cases: usize,
    passed: usize,
    accuracy: f64,
    median_latency_ms: u64,
    median_prompt_tokens: u32,
    mean_answers: f64,
    failures: usize,
}

fn median<T: Copy + Ord + Default>(mut v: Vec<T>) -> T {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// `--llm`: the LLM translator alone on every case (the rules are not asked), per mode.
#[allow(clippy::too_many_arguments)]
async fn run_llm(
    args: &EvalArgs,
    which: &str,
    cases: &[eval::Case],
    schema: &crate::ground::Schema,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
    engine: &crate::pipeline::Engine,
    live: bool,
) -> anyhow::Result<ExitCode> {
    use crate::llm::TranslateMode;
    let modes: Vec<TranslateMode> = match which {
        "slots" => vec![TranslateMode::Slots],
        "query" => vec![TranslateMode::Query],
        "both" => vec![TranslateMode::Slots, TranslateMode::Query],
        other => anyhow::bail!("--llm must be slots, query or both, not `{other}`"),
    };
    let llm = args.schema.connection.llm()?.ok_or_else(|| {
        anyhow::anyhow!("--llm needs an LLM: give --llm-base-url URL (or --llm-provider)")
    })?;
    let cases = &cases[..args.llm_cases.unwrap_or(cases.len()).min(cases.len())];
    let mut scores = Vec::new();
    let mut all_outcomes = Vec::new();
    for mode in modes {
        let (mut passed, mut latencies, mut prompts, mut answers, mut failures) =
            (0usize, Vec::new(), Vec::new(), 0u32, 0usize);
        for case in cases {
            let mut q = Question::new(&case.question, now);
            q.tz = tz;
            let t = llm.translate(&q, schema, Some(mode)).await;
            latencies.push(t.latency_ms);
            prompts.push(t.prompt_tokens / t.answers.max(1));
            answers += t.answers;
            if t.failure.is_some() {
                failures += 1;
            }
            let plan = t.plan.clone().unwrap_or_else(|| {
                crate::plan::Plan::clarify(
                    format!("LLM: {}", t.error.clone().unwrap_or_default()),
                    Vec::new(),
                    now,
                )
            });
            let mut problems = eval::compare_shape(case, &plan, now);
            if problems.is_empty() {
                let problem = if live {
                    eval::compare_by_execution(case, &plan, now, &engine.clients).await
                } else {
                    eval::compare_structurally(case.expect.query.as_deref(), &plan)
                };
                problems.extend(problem);
            }
            if problems.is_empty() {
                passed += 1;
            }
            if args.verbose || !problems.is_empty() {
                eprintln!(
                    "{} [{}] {} {} ({} ms, {} answer(s))",
                    if problems.is_empty() { "PASS" } else { "FAIL" },
                    mode.as_str(),
                    case.id,
                    case.question,
                    t.latency_ms,
                    t.answers
                );
                for p in &problems {
                    eprintln!("     {p}");
                }
            }
            all_outcomes.push(serde_json::json!({
                "mode": mode.as_str(), "id": case.id, "passed": problems.is_empty(),
                "problems": problems, "predicted": plan.to_contract_json(),
                "latencyMs": t.latency_ms, "promptTokens": t.prompt_tokens, "answers": t.answers,
            }));
        }
        let n = cases.len().max(1);
        scores.push(LlmScore {
            mode: mode.as_str(),
            model: llm.model().to_string(),
            cases: cases.len(),
            passed,
            accuracy: 100.0 * passed as f64 / n as f64,
            median_latency_ms: median(latencies),
            median_prompt_tokens: median(prompts),
            mean_answers: f64::from(answers) / n as f64,
            failures,
        });
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "llm": scores, "outcomes": all_outcomes,
                                "scoring": if live { "execution" } else { "structural" } })
        );
    } else {
        for s in &scores {
            println!(
                "LLM {} ({}): {}/{} = {:.1}%  median latency {} ms  median prompt {} tokens  {:.2} answers/case  {} failed calls",
                s.mode,
                s.model,
                s.passed,
                s.cases,
                s.accuracy,
                s.median_latency_ms,
                s.median_prompt_tokens,
                s.mean_answers,
                s.failures
            );
        }
    }
    if let Some(min) = args.min_accuracy
        && scores.iter().any(|s| s.accuracy + 1e-9 < min)
    {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
