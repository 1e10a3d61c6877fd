//! Conversations in Grafana: the Ask page sends `sessionId` and, on a follow-up, `context: {question,
//! plan}` with each question. The plugin keeps the sessions of every datasource in one bounded store
//! (keyed `<datasource uid>:<sessionId>`), so a follow-up is read against the whole conversation; when
//! the plugin restarted or the session expired, the frontend's `context` is enough for one step.

use std::sync::{Arc, OnceLock};

use chrono::Utc;
use serde_json::Value;

use crate::ground::{Discovery, Schema};
use crate::llm::Llm;
use crate::pipeline::{LlmUse, Translation, refine_with_llm};
use crate::session::{SessionStore, valid_id};
use crate::translate::{Previous, Question, Resolved, translate_in_context};

/// The plugin's sessions (questions from the Ask page and MCP agents).
pub fn sessions() -> &'static Arc<SessionStore> {
    static STORE: OnceLock<Arc<SessionStore>> = OnceLock::new();
    STORE.get_or_init(|| Arc::new(SessionStore::default()))
}

/// Translates a question of the query model in its conversation (the rules, then the LLM when one is
/// configured and the question is not a follow-up: the LLM does not see the conversation), and records
/// the plan that runs there.
pub async fn translate(
    q: &Question<'_>,
    model: &Value,
    datasource_uid: &str,
    discovery: &Discovery,
    llm: Option<&Llm>,
    force_llm: bool,
) -> (Translation, LlmUse) {
    let (key, mut resolved) = resolve(q, model, datasource_uid, &discovery.schema);
    let (translation, llm_use) = if resolved.followed {
        let usage = LlmUse {
            configured: llm.is_some(),
            model: llm.map(|l| l.model().to_string()),
            ..LlmUse::default()
        };
        let translation = Translation {
            plan: resolved.plan.clone(),
            warnings: discovery.warnings.clone(),
        };
        (translation, usage)
    } else {
        refine_with_llm(q, resolved.plan.clone(), discovery, llm, force_llm, None).await
    };
    if llm_use.used {
        resolved.replace_plan(q.text, translation.plan.clone());
    }
    if let Some(k) = &key {
        sessions().record(k, q.text, &resolved, Utc::now());
    }
    (translation, llm_use)
}

/// The question read against its conversation, and the session key it belongs to.
fn resolve(
    q: &Question,
    model: &Value,
    datasource_uid: &str,
    schema: &Schema,
) -> (Option<String>, Resolved) {
    let key = model
        .get("sessionId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| format!("{datasource_uid}:{s}"))
        .filter(|k| valid_id(k));
    let context = model
        .get("context")
        .and_then(|c| Previous::from_contract(c.get("question")?.as_str()?, c.get("plan")?));
    let now = Utc::now();
    let stored = key
        .as_ref()
        .and_then(|k| sessions().context_or_start(k, now).ok().flatten());
    // The stored conversation wins when it ends where the frontend says it does.
    let previous = match (stored, context) {
        (Some(s), Some(c)) if s.questions.last() == c.questions.last() => Some(s),
        (Some(s), None) => Some(s),
        (_, c) => c,
    };
    (key, translate_in_context(q, previous.as_ref(), schema))
}
