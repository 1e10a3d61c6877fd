//! Conversations in Grafana: the Ask page sends `sessionId` and, on a follow-up, `context: {question,
//! plan}` with each question. The plugin keeps the sessions of every datasource in one bounded store
//! (keyed `<datasource uid>:<sessionId>`), so a follow-up is read against the whole conversation; when
//! the plugin restarted or the session expired, the frontend's `context` is enough for one step.

use std::sync::{Arc, OnceLock};

use chrono::Utc;
use serde_json::Value;

use crate::ground::Schema;
use crate::plan::Plan;
use crate::session::{SessionStore, valid_id};
use crate::translate::{Previous, Question, translate_in_context};

/// The plugin's sessions (questions from the Ask page and MCP agents).
pub fn sessions() -> &'static Arc<SessionStore> {
    static STORE: OnceLock<Arc<SessionStore>> = OnceLock::new();
    STORE.get_or_init(|| Arc::new(SessionStore::default()))
}

/// Translates a question of the query model in its conversation, and records it there.
pub fn translate(q: &Question, model: &Value, datasource_uid: &str, schema: &Schema) -> Plan {
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
    let resolved = translate_in_context(q, previous.as_ref(), schema);
    if let Some(k) = &key {
        sessions().record(k, q.text, &resolved, now);
    }
    resolved.plan
}
