//! Flags several commands share: `--now`/`--tz` and where the schema comes from.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::ground::Schema;
use crate::plan::{Plan, PlanKind, rfc3339};

#[derive(Debug, Clone, clap::Args)]
pub struct TimeArgs {
    /// The time the question is asked at (RFC 3339); default: now. Makes answers about a fixed data set
    /// reproducible.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Time zone for days and clock times in questions (`Asia/Seoul`); default UTC.
    #[arg(long, value_name = "AREA/CITY")]
    pub tz: Option<String>,
}

impl TimeArgs {
    pub fn now(&self) -> anyhow::Result<DateTime<Utc>> {
        match &self.now {
            Some(t) => Ok(DateTime::parse_from_rfc3339(t)
                .with_context(|| {
                    format!("--now `{t}` is not an RFC 3339 time (like 2026-11-25T08:38:56Z)")
                })?
                .with_timezone(&Utc)),
            None => Ok(Utc::now()),
        }
    }

    pub fn tz(&self) -> anyhow::Result<Tz> {
        match &self.tz {
            Some(name) => name.parse::<Tz>().map_err(|_| {
                anyhow::anyhow!("--tz `{name}` is not a time zone name (like Asia/Seoul)")
            }),
            None => Ok(chrono_tz::UTC),
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct SchemaArgs {
    /// A schema file (labels, fields, Tempo tags) instead of asking Loki and Tempo.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
}

impl SchemaArgs {
    pub async fn load(&self) -> anyhow::Result<Schema> {
        match &self.schema {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read schema file {}", path.display()))?;
                serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a Querent schema file", path.display()))
            }
            None => Ok(Schema::default()),
        }
    }
}

/// A plan for people: kind, query, range and how the words were read.
pub fn describe_plan(plan: &Plan) -> String {
    let mut out = String::new();
    out.push_str(&format!("kind:   {}\n", plan.kind.as_str()));
    if let Some(q) = plan.query_text() {
        out.push_str(&format!("query:  {q}\n"));
    }
    if plan.kind != PlanKind::Clarify {
        let range = match plan.start {
            Some(s) => format!("{} → {}", rfc3339(&s), rfc3339(&plan.end)),
            None => format!("instant at {}", rfc3339(&plan.end)),
        };
        out.push_str(&format!(
            "range:  {range} ({})\n",
            match plan.time_source {
                crate::plan::TimeSource::Question => "from the question",
                crate::plan::TimeSource::Dashboard => "from the dashboard",
                crate::plan::TimeSource::Default => "default: last hour",
            }
        ));
    }
    if let Some(step) = plan.step {
        out.push_str(&format!("step:   {step}\n"));
    }
    if let Some(limit) = plan.limit {
        out.push_str(&format!("limit:  {limit}\n"));
    }
    if let Some(c) = &plan.clarification {
        out.push_str(&format!("reason: {}\n", c.reason));
        for s in &c.suggestions {
            out.push_str(&format!("  - {s}\n"));
        }
    }
    if !plan.understood.is_empty() {
        out.push_str("understood:\n");
        for u in &plan.understood {
            out.push_str(&format!(
                "  {:<9} {:<28} → {}\n",
                u.what,
                format!("\"{}\"", u.text),
                u.meaning
            ));
        }
    }
    out
}
