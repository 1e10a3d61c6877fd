//! One path from a question to an answer, shared by Grafana, the `querent` CLI and MCP: the schema
//! (discovered live with a TTL, or fixed from a `--schema` file), translation into a [`Plan`], execution,
//! and the `meta.custom` object that carries the plan and how each word was understood.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::error::Error;
use crate::execute::{self, Clients, Executed};
use crate::ground::{Discovery, Schema, SchemaCache};
use crate::llm::{EvidencePack, Llm, LlmTranslation, Narration, TranslateMode};
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
    /// The optional LLM (translation fallback and narrated summaries).
    pub llm: Option<Arc<Llm>>,
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
        Engine {
            clients,
            schema,
            llm: None,
        }
    }

    /// The same engine with an LLM.
    pub fn with_llm(mut self, llm: Option<Arc<Llm>>) -> Self {
        self.llm = llm;
        self
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

/// What the LLM did for one answer: the `meta.custom.llm` object and the `llm` key of the CLI JSON.
#[derive(Debug, Clone, Default)]
pub struct LlmUse {
    /// An LLM is configured for this datasource.
    pub configured: bool,
    pub model: Option<String>,
    /// The LLM translator was asked.
    pub asked: bool,
    /// Its plan is the one that ran.
    pub used: bool,
    pub translation: Option<LlmTranslation>,
    /// Why the rules' answer was kept although the LLM was asked.
    pub note: Option<String>,
}

impl LlmUse {
    pub fn to_json(&self, narration: Option<&Narration>) -> Value {
        let mut out = json!({
            "configured": self.configured,
            "translated": self.used,
        });
        if let Some(m) = &self.model {
            out["model"] = json!(m);
        }
        if let Some(t) = &self.translation {
            out["mode"] = json!(t.mode.map(|m| m.as_str()));
            out["answers"] = json!(t.answers);
            out["promptTokens"] = json!(t.prompt_tokens);
            out["completionTokens"] = json!(t.completion_tokens);
            out["latencyMs"] = json!(t.latency_ms);
            out["cached"] = json!(t.cached);
        }
        if let Some(n) = &self.note {
            out["note"] = json!(n);
        }
        if let Some(n) = narration {
            out["summarySource"] = json!(n.source);
            if !n.cited.is_empty() {
                out["cited"] = json!(n.cited);
            }
            if let Some(note) = &n.note {
                out["summaryNote"] = json!(note);
            }
        }
        out
    }
}

/// Translates with the rules and, when an LLM is configured and the rules answer `clarify`, leave words
/// unexplained, or `force` asks for it, with the LLM. The LLM's plan replaces the rules' only when it
/// validated (and, for a question the rules did answer, when it is not a clarification). Never fails.
pub async fn translate_question(
    question: &Question<'_>,
    discovery: &Discovery,
    llm: Option<&Llm>,
    force: bool,
    mode: Option<TranslateMode>,
) -> (Translation, LlmUse) {
    let rules = translate(question, &discovery.schema);
    refine_with_llm(question, rules, discovery, llm, force, mode).await
}

/// [`translate_question`] for a plan the rules already made (e.g. in a conversation): the LLM is asked
/// under the same conditions and its validated plan replaces `rules`.
pub async fn refine_with_llm(
    question: &Question<'_>,
    rules: Plan,
    discovery: &Discovery,
    llm: Option<&Llm>,
    force: bool,
    mode: Option<TranslateMode>,
) -> (Translation, LlmUse) {
    let mut usage = LlmUse {
        configured: llm.is_some(),
        model: llm.map(|l| l.model().to_string()),
        ..LlmUse::default()
    };
    let mut translation = Translation {
        plan: rules,
        warnings: discovery.warnings.clone(),
    };
    let Some(llm) = llm else {
        return (translation, usage);
    };
    let unexplained = crate::translate::unexplained_words(question, &discovery.schema);
    if !crate::llm::should_translate(&translation.plan, &unexplained, llm.options.when, force) {
        return (translation, usage);
    }
    usage.asked = true;
    let t = llm.translate(question, &discovery.schema, mode).await;
    match &t.plan {
        Some(plan)
            if plan.kind != PlanKind::Clarify || translation.plan.kind == PlanKind::Clarify =>
        {
            if plan.kind == PlanKind::Clarify {
                // Both could not answer: the rules' clarification carries suggestions; keep it.
                usage.note = Some("The LLM could not answer this question either.".into());
            } else {
                translation.plan = plan.clone();
                usage.used = true;
            }
        }
        Some(_) => {
            usage.note = Some("The LLM asked to clarify; the rules' answer is shown.".into());
        }
        None => {
            let why = t.error.clone().unwrap_or_else(|| "no answer".into());
            crate::llm::metrics::global()
                .fallback(t.failure.as_ref().map(|f| f.reason()).unwrap_or("rejected"));
            usage.note = Some(format!(
                "The LLM could not translate this question ({why}); the rules' answer is shown."
            ));
        }
    }
    usage.translation = Some(t);
    (translation, usage)
}

/// The summary of an executed answer: the LLM's narration of its evidence when an LLM is configured,
/// else (or when it fails) the template summary. `on_delta` receives streamed text.
#[allow(clippy::too_many_arguments)]
pub async fn narrate_answer(
    question: &str,
    executed: &Executed,
    hypotheses: &[Value],
    schema: &Schema,
    llm: Option<&Llm>,
    template: String,
    now: DateTime<Utc>,
    on_delta: Option<&mut (dyn FnMut(&str) + Send)>,
) -> Narration {
    let Some(llm) = llm else {
        return Narration::template(template);
    };
    let mut pack = EvidencePack::new(question, schema);
    pack.add_executed(executed, llm.privacy, llm.redactor());
    pack.add_hypotheses(hypotheses, llm.privacy, llm.redactor());
    llm.narrate(&pack, &template, now, on_delta).await
}
