//! One path from a question to an answer, shared by Grafana, the `querent` CLI and MCP: the schema
//! (discovered live with a TTL, or fixed from a `--schema` file), translation into a [`Plan`], execution,
//! and the `meta.custom` object that carries the plan and how each word was understood.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::error::Error;
use crate::execute::{self, Clients, Executed};
use crate::ground::{Discovery, Schema, SchemaCache};
use crate::plan::{Plan, PlanKind, TimeSource};
use crate::translate::{Question, translate};

/// Where the schema comes from.
#[derive(Debug)]
pub enum SchemaSource {
    /// A schema file (`--schema`), or one built by a test.
    Fixed(Arc<Discovery>),
    /// Discovered from Loki and Tempo and kept for a while.
    Live(SchemaCache),
}

impl SchemaSource {
    pub fn fixed(schema: Schema) -> Self {
        SchemaSource::Fixed(Arc::new(Discovery {
            schema,
            warnings: Vec::new(),
            loki_reached: true,
            tempo_reached: true,
        }))
    }

    pub fn live() -> Self {
        SchemaSource::Live(SchemaCache::default())
    }

    pub async fn get(&self, clients: &Clients, now: DateTime<Utc>) -> Arc<Discovery> {
        match self {
            SchemaSource::Fixed(d) => d.clone(),
            SchemaSource::Live(cache) => cache.get(clients, now).await,
        }
    }
}

/// The clients and schema of one datasource instance or CLI run.
#[derive(Debug)]
pub struct Engine {
    pub clients: Clients,
    pub schema: SchemaSource,
}

/// A translated question and what to tell the user about the schema it was grounded in.
#[derive(Debug, Clone)]
pub struct Translation {
    pub plan: Plan,
    /// Discovery problems (a peer unreachable, a label whose values could not be read).
    pub warnings: Vec<String>,
}

impl Engine {
    pub fn new(clients: Clients, schema: SchemaSource) -> Self {
        Engine { clients, schema }
    }

    /// Translates a question against the current schema.
    pub async fn translate(&self, question: &Question<'_>) -> Translation {
        let discovery = self.schema.get(&self.clients, question.now).await;
        Translation {
            plan: translate(question, &discovery.schema),
            warnings: discovery.warnings.clone(),
        }
    }

    /// Runs a plan on Loki or Tempo.
    pub async fn execute(&self, plan: &Plan) -> Result<Executed, Error> {
        Ok(execute::execute(plan, &self.clients).await?)
    }
}

/// The `meta.custom` object of an answer to a question (see docs/architecture.md).
pub fn custom_meta(question: &str, translation: &Translation, summary: Option<&str>) -> Value {
    let plan = &translation.plan;
    let mut custom = json!({
        "question": question,
        "plan": plan.to_contract_json(),
        "understood": plan.understood,
        "timeSource": match plan.time_source {
            TimeSource::Question => "question",
            TimeSource::Dashboard => "dashboard",
            TimeSource::Default => "default",
        },
    });
    if let Some(s) = summary {
        custom["summary"] = json!(s);
    }
    if !translation.warnings.is_empty() {
        custom["warnings"] = json!(translation.warnings);
    }
    if plan.kind == PlanKind::Clarify
        && let Some(c) = &plan.clarification
    {
        custom["summary"] = json!(c.reason);
        custom["suggestions"] = json!(c.suggestions);
    }
    custom
}
