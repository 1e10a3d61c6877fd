//! Flags several commands share: `--now`/`--tz` and where the schema comes from.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::connection::ConnectionArgs;
use crate::execute::{self, Clients};
use crate::ground::Schema;
use crate::pipeline::{Engine, SchemaSource};
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

/// Where questions are grounded: a schema file, or Loki and Tempo asked live.
#[derive(Debug, Clone, clap::Args)]
pub struct SchemaArgs {
    /// A schema file (labels, fields, Tempo tags) instead of asking Loki and Tempo.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

impl SchemaArgs {
    pub fn load_file(path: &std::path::Path) -> anyhow::Result<Schema> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read schema file {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not a Querent schema file", path.display()))
    }

    /// Whether Loki or Tempo were named.
    pub fn has_peers(&self) -> bool {
        self.connection.loki.is_some() || self.connection.tempo.is_some()
    }

    /// The clients and schema source these flags describe: the schema file when given, else discovery
    /// from the named Loki/Tempo (or an empty schema when neither is named).
    pub fn engine(&self) -> anyhow::Result<Engine> {
        let settings = self.connection.settings()?;
        let clients = Clients::new(&settings, &execute::http_client()?);
        let schema = match &self.schema {
            Some(path) => SchemaSource::fixed(Self::load_file(path)?),
            None if self.has_peers() => SchemaSource::live(),
            None => SchemaSource::fixed(Schema::default()),
        };
        Ok(Engine::new(clients, schema))
    }

    /// The schema for `now`; with live peers, an unreachable one is an error (the design's exit status).
    pub async fn discover(
        &self,
        engine: &Engine,
        now: DateTime<Utc>,
    ) -> anyhow::Result<std::sync::Arc<crate::ground::Discovery>> {
        let found = engine.schema.get(&engine.clients, now).await;
        if self.schema.is_none() {
            let unreachable = (engine.clients.has_loki() && !found.loki_reached)
                || (engine.clients.has_tempo() && !found.tempo_reached);
            if unreachable {
                anyhow::bail!("cannot read the schema: {}", found.warnings.join("; "));
            }
        }
        Ok(found)
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
