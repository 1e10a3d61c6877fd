//! `querent demo`: generate the demo shop's logs and traces and push them to Loki and Tempo.
//!
//! Backfills a window ending now (6 h by default, with the three seeded incidents), then with `--live`
//! keeps generating traffic in real time. `--dry-run --out DIR` writes the request bodies instead of
//! sending them. `--state FILE` remembers what was pushed, so a restarted container goes on live
//! instead of pushing the backfill a second time.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::demo::{
    self, Dataset, DemoError, Endpoints, PushEvent, Pusher, RetryPolicy, Scenario, Summary, Target,
};
use crate::plan::duration::QueryDuration;

/// Generate demo data (a microservice shop with incidents) and push it to Loki and Tempo.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Loki base URL; logs go to `/loki/api/v1/push`.
    #[arg(long, default_value = "http://localhost:3100")]
    pub loki: String,
    /// Tempo's OTLP/HTTP receiver; traces go to `/v1/traces`.
    #[arg(long, default_value = "http://localhost:4318")]
    pub tempo: String,
    /// Seed of the generator: the same seed and `--now` give the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// How much history to backfill before now (`6h`, `90m`; `0s` for none).
    #[arg(long, value_parser = parse_duration, default_value = "6h")]
    pub backfill: QueryDuration,
    /// The backfill in hours (same as `--backfill Nh`).
    #[arg(long, conflicts_with = "backfill")]
    pub hours: Option<f64>,
    /// After the backfill, keep generating traffic in real time until interrupted.
    #[arg(long, conflicts_with_all = ["dry_run", "now"])]
    pub live: bool,
    /// The end of the backfill (RFC 3339; default: the current time). Fixes the data for tests.
    #[arg(long)]
    pub now: Option<DateTime<Utc>>,
    /// Write the request bodies to `--out` instead of sending them.
    #[arg(long, requires = "out")]
    pub dry_run: bool,
    /// Folder for `--dry-run` output (created if missing).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Readiness, batching, retries, live traffic.
    #[command(flatten)]
    pub options: Box<DemoOptions>,
}

/// The less common flags of `querent demo` (boxed: they would make every `Command` large).
#[derive(Debug, clap::Args)]
pub struct DemoOptions {
    /// Tempo's HTTP API (e.g. http://localhost:3200): wait for its `/ready` before pushing.
    #[arg(long)]
    pub tempo_api: Option<String>,
    /// Traffic multiplier for base requests and background jobs (incidents keep their size).
    #[arg(long, default_value_t = 1.0)]
    pub traffic: f64,
    /// How often live traffic is pushed.
    #[arg(long, value_parser = parse_duration, default_value = "15s")]
    pub interval: QueryDuration,
    /// Remember what was pushed in this file; when it exists, skip the backfill and resume.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Log lines per Loki push.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_lines: u32,
    /// Traces per Tempo push.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_traces: u32,
    /// Attempts per push (first included) on connection errors, 429 and 5xx.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    pub retries: u32,
    /// Delay before the first retry (doubles each time, at most 30 s).
    #[arg(long, value_parser = parse_duration, default_value = "500ms")]
    pub retry_delay: QueryDuration,
    /// How long to wait for Loki's (and Tempo's) `/ready`; `0s` skips the wait.
    #[arg(long, value_parser = parse_duration, default_value = "5m")]
    pub ready_timeout: QueryDuration,
    /// Print only warnings and errors.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_duration(text: &str) -> Result<QueryDuration, String> {
    if text == "0" {
        return Ok(QueryDuration::from_secs(0));
    }
    QueryDuration::parse(text)
        .ok_or_else(|| format!("`{text}` is not a duration like 6h, 90m or 15s"))
}

/// What `--state` remembers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct State {
    seed: u64,
    /// The end of the backfill (incidents are placed against it).
    anchor: DateTime<Utc>,
    /// Everything before this has been pushed.
    pushed_until: DateTime<Utc>,
}

fn read_state(path: &Path) -> anyhow::Result<Option<State>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).with_context(|| {
            format!(
                "`{}` is not a demo state file (delete it to start over)",
                path.display()
            )
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read `{}`", path.display())),
    }
}

fn write_state(path: &Path, state: &State) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(state)?)
        .with_context(|| format!("cannot write `{}`", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

/// Prints progress on stderr (stdout stays free for scripts).
struct Reporter {
    quiet: bool,
}

impl Reporter {
    fn info(&self, message: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("querent demo: {}", message.as_ref());
        }
    }
    fn warn(&self, message: impl AsRef<str>) {
        eprintln!("querent demo: warning: {}", message.as_ref());
    }
    fn event(&self, event: PushEvent) {
        match event {
            PushEvent::Retrying {
                target,
                attempt,
                max,
                delay,
                reason,
            } => self.warn(format!(
                "{target} push failed (attempt {attempt}/{max}): {reason}; retrying in {:.1}s",
                delay.as_secs_f64()
            )),
            PushEvent::Waiting {
                target,
                url,
                reason,
            } => self.info(format!(
                "waiting for {target} at {url} to be ready ({reason})"
            )),
        }
    }
}

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let reporter = Reporter {
        quiet: args.options.quiet,
    };
    let window = match args.hours {
        Some(h) if h.is_finite() && h >= 0.0 => {
            chrono::Duration::milliseconds((h * 3_600_000.0).round() as i64)
        }
        Some(h) => anyhow::bail!("--hours must be a non-negative number, got {h}"),
        None => args.backfill.as_chrono(),
    };
    let now = args.now.unwrap_or_else(Utc::now);
    if !(args.options.traffic.is_finite() && args.options.traffic > 0.0) {
        anyhow::bail!(
            "--traffic must be a positive number, got {}",
            args.options.traffic
        );
    }

    if args.dry_run {
        let out = args.out.as_deref().context("--dry-run needs --out DIR")?;
        let scenario =
            Scenario::backfill(args.seed, now, window).with_traffic(args.options.traffic);
        let data = demo::generate(&scenario);
        let files = write_dry_run(out, &scenario, &data, &args)?;
        reporter.info(format!(
            "wrote {files} files to {}: {} log lines in {} streams, {} traces / {} spans",
            out.display(),
            data.logs.len(),
            demo::stream_count(&data.logs),
            data.traces.len(),
            data.span_count()
        ));
        return Ok(ExitCode::SUCCESS);
    }

    let endpoints = Endpoints::new(&args.loki, &args.tempo, args.options.tempo_api.as_deref())?;
    let policy = RetryPolicy {
        attempts: args.options.retries,
        first_delay: args.options.retry_delay.as_std(),
        ..RetryPolicy::default()
    };
    let pusher = Pusher::new(endpoints, policy)?;
    let mut on_event = |e: PushEvent| reporter.event(e);

    let ready_timeout = args.options.ready_timeout.as_std();
    if !ready_timeout.is_zero() {
        let loki_ready = pusher.endpoints.loki_ready.clone();
        pusher
            .wait_ready(Target::Loki, &loki_ready, ready_timeout, &mut on_event)
            .await?;
        if let Some(tempo_ready) = pusher.endpoints.tempo_ready.clone() {
            pusher
                .wait_ready(Target::Tempo, &tempo_ready, ready_timeout, &mut on_event)
                .await?;
        }
    }

    let state = match &args.options.state {
        Some(path) => read_state(path)?.filter(|s| {
            let same = s.seed == args.seed;
            if !same {
                reporter.warn(format!(
                    "{} is for seed {}, not {}: ignoring it",
                    path.display(),
                    s.seed,
                    args.seed
                ));
            }
            same
        }),
        None => None,
    };

    let mut rejected = 0usize;
    let (anchor, mut cursor) = match state {
        Some(s) => {
            reporter.info(format!(
                "already backfilled (anchor {}, pushed until {}); delete {} to backfill again",
                s.anchor.to_rfc3339(),
                s.pushed_until.to_rfc3339(),
                args.options
                    .state
                    .as_deref()
                    .map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ));
            // Do not try to fill more than one backfill window of downtime.
            (s.anchor, s.pushed_until.max(now - window))
        }
        None => {
            let scenario =
                Scenario::backfill(args.seed, now, window).with_traffic(args.options.traffic);
            let data = demo::generate(&scenario);
            reporter.info(format!(
                "backfilling {} .. {} (seed {}): {} log lines in {} streams, {} traces / {} spans",
                scenario.from.to_rfc3339(),
                scenario.to.to_rfc3339(),
                args.seed,
                data.logs.len(),
                demo::stream_count(&data.logs),
                data.traces.len(),
                data.span_count()
            ));
            rejected += push_dataset(&pusher, &data, &args, &reporter, &mut on_event, true).await?;
            reporter.info(format!(
                "backfill done: {} log lines, {} traces",
                data.logs.len(),
                data.traces.len()
            ));
            if let Some(path) = &args.options.state {
                write_state(
                    path,
                    &State {
                        seed: args.seed,
                        anchor: now,
                        pushed_until: now,
                    },
                )?;
            }
            (now, now)
        }
    };

    if args.live {
        let interval = args.options.interval.as_std().max(Duration::from_secs(1));
        reporter.info(format!(
            "live: pushing new traffic every {:.0}s (Ctrl-C to stop)",
            interval.as_secs_f64()
        ));
        let (mut lines, mut traces, mut last_report) = (0usize, 0usize, std::time::Instant::now());
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = tokio::signal::ctrl_c() => {
                    reporter.info("stopped");
                    break;
                }
            }
            let to = Utc::now();
            if to <= cursor {
                continue;
            }
            let data = demo::generate(
                &Scenario::live(args.seed, anchor, cursor, to).with_traffic(args.options.traffic),
            );
            match push_dataset(&pusher, &data, &args, &reporter, &mut on_event, false).await {
                Ok(n) => rejected += n,
                // Keep going: the peer may come back; this window's data is dropped.
                Err(err) => reporter.warn(format!(
                    "live push failed, skipping {} .. {}: {err}",
                    cursor.to_rfc3339(),
                    to.to_rfc3339()
                )),
            }
            lines += data.logs.len();
            traces += data.traces.len();
            cursor = to;
            let state = State {
                seed: args.seed,
                anchor,
                pushed_until: cursor,
            };
            if let Some(Err(err)) = args
                .options
                .state
                .as_deref()
                .map(|path| write_state(path, &state))
            {
                reporter.warn(format!("{err:#}"));
            }
            if last_report.elapsed() >= Duration::from_secs(60) {
                reporter.info(format!(
                    "live: {lines} log lines, {traces} traces pushed so far"
                ));
                last_report = std::time::Instant::now();
            }
        }
    }

    if rejected > 0 {
        reporter.warn(format!("{rejected} batch(es) were rejected (see above)"));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Pushes logs (oldest first, as Loki wants them) and traces in batches; returns how many batches a
/// peer rejected. Old-sample rejections stop a backfill (the rest would fail the same way).
async fn push_dataset(
    pusher: &Pusher,
    data: &Dataset,
    args: &DemoArgs,
    reporter: &Reporter,
    on_event: &mut (dyn FnMut(PushEvent) + Send),
    progress: bool,
) -> Result<usize, DemoError> {
    let mut rejected = 0;
    let log_batches: Vec<_> = data
        .logs
        .chunks(args.options.batch_lines as usize)
        .collect();
    let trace_batches: Vec<_> = data
        .traces
        .chunks(args.options.batch_traces as usize)
        .collect();
    let (mut sent_lines, mut sent_traces) = (0, 0);
    for (i, batch) in log_batches.iter().enumerate() {
        let body = serde_json::to_vec(&demo::loki_push_body(batch)).unwrap_or_default();
        match pusher.push_loki(body, on_event).await {
            Ok(()) => {}
            Err(err @ DemoError::LokiRejectedOldSamples { .. }) => return Err(err),
            Err(err @ DemoError::Rejected { .. }) => {
                reporter.warn(err.to_string());
                rejected += 1;
            }
            Err(err) => return Err(err),
        }
        sent_lines += batch.len();
        if progress {
            reporter.info(format!(
                "Loki  {}/{} batches ({sent_lines}/{} lines)",
                i + 1,
                log_batches.len(),
                data.logs.len()
            ));
        }
    }
    for (i, batch) in trace_batches.iter().enumerate() {
        let body = serde_json::to_vec(&demo::otlp_body(batch.iter())).unwrap_or_default();
        match pusher.push_tempo(body, on_event).await {
            Ok(()) => {}
            Err(err @ DemoError::Rejected { .. }) => {
                reporter.warn(err.to_string());
                rejected += 1;
            }
            Err(err) => return Err(err),
        }
        sent_traces += batch.len();
        if progress {
            reporter.info(format!(
                "Tempo {}/{} batches ({sent_traces}/{} traces)",
                i + 1,
                trace_batches.len(),
                data.traces.len()
            ));
        }
    }
    Ok(rejected)
}

/// Writes `loki-push-NNNN.json`, `otlp-traces-NNNN.json` and `summary.json`; returns the file count.
fn write_dry_run(
    out: &Path,
    scenario: &Scenario,
    data: &Dataset,
    args: &DemoArgs,
) -> anyhow::Result<usize> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create `{}`", out.display()))?;
    let write = |name: String, value: &serde_json::Value| -> anyhow::Result<()> {
        let path = out.join(name);
        let bytes = serde_json::to_vec_pretty(value)?;
        std::fs::write(&path, bytes).map_err(|source| DemoError::Write {
            path: path.display().to_string(),
            source,
        })?;
        Ok(())
    };
    let mut files = 0;
    for (i, batch) in data
        .logs
        .chunks(args.options.batch_lines as usize)
        .enumerate()
    {
        write(
            format!("loki-push-{:04}.json", i + 1),
            &demo::loki_push_body(batch),
        )?;
        files += 1;
    }
    for (i, batch) in data
        .traces
        .chunks(args.options.batch_traces as usize)
        .enumerate()
    {
        write(
            format!("otlp-traces-{:04}.json", i + 1),
            &demo::otlp_body(batch.iter()),
        )?;
        files += 1;
    }
    write(
        "summary.json".to_owned(),
        &serde_json::to_value(Summary::new(scenario, data))?,
    )?;
    Ok(files + 1)
}
