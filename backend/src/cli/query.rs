//! `querent query`: run a LogQL or TraceQL query (or fetch a trace by id) against Loki/Tempo and print
//! a readable table — the same execution path as the Grafana datasource, without Grafana.
//!
//! ```text
//! querent query --loki http://localhost:3100 '{service_name="order-service"}'
//! querent query --tempo http://localhost:3200 --since 3h '{ status = error }'
//! querent query --tempo http://localhost:3200 dbb464a3cec79642a13a9da294e7eb2a
//! ```

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};

use super::connection::ConnectionArgs;
use super::output;
use crate::execute::{self, Clients, infer_kind};
use crate::plan::{Plan, PlanKind, QueryDuration};

#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub connection: Box<ConnectionArgs>,
    /// logs, metrics, traces, trace_metrics or trace [default: guessed from the expression]
    #[arg(long = "type", short = 't', value_name = "KIND")]
    pub kind: Option<String>,
    /// How far back from --to to look, e.g. 15m, 3h, 2d [default: 1h]
    #[arg(long, value_name = "DURATION", conflicts_with = "from")]
    pub since: Option<String>,
    /// Start of the time range (RFC 3339)
    #[arg(long, value_name = "RFC3339")]
    pub from: Option<String>,
    /// End of the time range (RFC 3339) [default: now]
    #[arg(long, value_name = "RFC3339")]
    pub to: Option<String>,
    /// Line or trace limit [default: --max-lines / --max-traces]
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,
    /// Step of a metric range query, e.g. 1m, 5m [default: chosen by the server]
    #[arg(long, value_name = "DURATION")]
    pub step: Option<String>,
    /// Evaluate a metric query once, at --to
    #[arg(long)]
    pub instant: bool,
    /// LogQL, TraceQL, or a trace id
    #[arg(value_name = "QUERY")]
    pub expr: String,
}

impl QueryArgs {
    /// The plan these arguments describe, with `now` as the default end.
    pub fn plan(&self, now: DateTime<Utc>) -> anyhow::Result<Plan> {
        let expr = self.expr.trim();
        if expr.is_empty() {
            bail!("the query is empty");
        }
        let kind = match self.kind.as_deref() {
            None => infer_kind(expr),
            Some(text) => PlanKind::parse(text)
                .filter(|k| *k != PlanKind::Clarify)
                .with_context(|| {
                    format!(
                        "--type must be logs, metrics, traces, trace_metrics or trace, not `{text}`"
                    )
                })?,
        };
        let end = match &self.to {
            Some(t) => parse_time("--to", t)?,
            None => now,
        };
        let start = match (&self.from, &self.since) {
            (Some(f), _) => parse_time("--from", f)?,
            (None, Some(since)) => end
                .checked_sub_signed(parse_duration("--since", since)?.as_chrono())
                .with_context(|| format!("--since `{since}` is too long"))?,
            (None, None) => end
                .checked_sub_signed(execute::DEFAULT_LOOKBACK)
                .context("--to is too early")?,
        };
        if start > end {
            bail!("the time range is reversed: --from is after --to");
        }
        let mut plan = Plan::raw(kind, expr, start, end);
        plan.limit = self.limit;
        plan.instant = self.instant;
        plan.step = self
            .step
            .as_deref()
            .map(|s| parse_duration("--step", s))
            .transpose()?;
        Ok(plan)
    }
}

fn parse_time(flag: &str, text: &str) -> anyhow::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .with_context(|| {
            format!("{flag} `{text}` is not an RFC 3339 time (e.g. 2026-11-25T08:00:00Z)")
        })
}

fn parse_duration(flag: &str, text: &str) -> anyhow::Result<QueryDuration> {
    QueryDuration::parse(text)
        .filter(|d| !d.is_zero())
        .with_context(|| format!("{flag} `{text}` is not a duration such as 30s, 5m or 3h"))
}

pub async fn run(args: QueryArgs) -> anyhow::Result<ExitCode> {
    let settings = args.connection.settings()?;
    let plan = args.plan(Utc::now())?;
    let clients = Clients::new(&settings, &execute::http_client()?);
    match execute::execute(&plan, &clients).await {
        Ok(executed) => {
            let mut out = std::io::stdout().lock();
            output::write_executed(&executed, &mut out)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("querent: {}", crate::Error::from(err).user_message());
            Ok(ExitCode::from(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use clap::Parser;

    fn args(argv: &[&str]) -> QueryArgs {
        let cli = crate::cli::Cli::try_parse_from(
            ["querent", "query"].iter().chain(argv.iter()).copied(),
        )
        .unwrap();
        match cli.command {
            crate::cli::Command::Query(a) => a,
            other => panic!("{other:?}"),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 8, 38, 56).unwrap()
    }

    #[test]
    fn plans_a_log_query_over_the_last_hour_by_default() {
        let a = args(&[
            "--loki",
            "http://l:3100",
            r#"{service_name="order-service"}"#,
        ]);
        let plan = a.plan(now()).unwrap();
        assert_eq!(plan.kind, PlanKind::Logs);
        assert_eq!(plan.end, now());
        assert_eq!(plan.start, Some(now() - chrono::TimeDelta::hours(1)));
        assert_eq!(a.connection.loki.as_deref(), Some("http://l:3100"));
    }

    #[test]
    fn explicit_type_range_step_and_limit() {
        let a = args(&[
            "-t",
            "metrics",
            "--from",
            "2026-11-25T02:38:56Z",
            "--to",
            "2026-11-25T08:38:56Z",
            "--step",
            "5m",
            "--limit",
            "7",
            "sum(rate({a=\"b\"}[5m]))",
        ]);
        let plan = a.plan(now()).unwrap();
        assert_eq!(plan.kind, PlanKind::Metrics);
        assert_eq!(
            plan.start.unwrap().to_rfc3339(),
            "2026-11-25T02:38:56+00:00"
        );
        assert_eq!(plan.step, Some(QueryDuration::from_mins(5)));
        assert_eq!(plan.limit, Some(7));
        let since = args(&["--since", "3h", "{ status = error }"])
            .plan(now())
            .unwrap();
        assert_eq!(since.kind, PlanKind::Traces);
        assert_eq!(since.start, Some(now() - chrono::TimeDelta::hours(3)));
    }

    #[test]
    fn bad_arguments_name_the_flag() {
        for (argv, flag) in [
            (vec!["-t", "sql", "x"], "--type"),
            (vec!["--since", "soon", "x"], "--since"),
            (vec!["--to", "yesterday", "x"], "--to"),
            (vec!["--step", "0s", "x"], "--step"),
        ] {
            let err = args(&argv).plan(now()).unwrap_err();
            assert!(err.to_string().contains(flag), "{argv:?}: {err}");
        }
        assert!(
            args(&[
                "--from",
                "2026-11-25T09:00:00Z",
                "--to",
                "2026-11-25T08:00:00Z",
                "x"
            ])
            .plan(now())
            .is_err()
        );
    }
}
