//! Conversations: a session id groups the questions of one thread (an Ask-page conversation, a
//! `querent ask --session ID` series, an MCP agent's `session`), so a follow-up is resolved against the
//! previous question (see [`crate::translate::translate_in_context`]).
//!
//! Takes questions and their resolved plans; keeps, per session, what the next question builds on
//! ([`Previous`]) and a short history of turns. Bounded three ways: a time to live since the last
//! question, a maximum number of sessions (the least recently used goes first) and a maximum number of
//! turns per session. Ids of sessions that expired are remembered for a while, so "expired" and "never
//! existed" get different messages. [`file`] persists a store for the CLI.

pub mod file;

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::plan::PlanKind;
use crate::translate::{Previous, Resolved};

/// Sessions kept at once by a server (Grafana plugin, MCP server).
pub const DEFAULT_MAX_SESSIONS: usize = 500;
/// Turns remembered per session (only the last one is needed for follow-ups; the rest is history).
pub const DEFAULT_MAX_TURNS: usize = 20;
/// A session ends this long after its last question.
pub const DEFAULT_TTL: Duration = Duration::minutes(30);
/// Longest session id accepted from a client.
pub const MAX_ID_LEN: usize = 128;
/// Expired ids remembered to tell "expired" from "unknown".
const MAX_TOMBSTONES: usize = 1024;
/// Characters of a question kept in a turn's history.
const HISTORY_CHARS: usize = 300;

/// Why a session cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    #[error(
        "session `{id}` expired (sessions end {minutes} minutes after their last question); start a new one by leaving the session out"
    )]
    Expired { id: String, minutes: i64 },
    #[error("there is no session `{id}`; leave the session out to start a new one")]
    Unknown { id: String },
    #[error(
        "`{id}` is not a session id (1 to 128 letters, digits, `-`, `_`, `.` or `:`); leave it out to start a new session"
    )]
    InvalidId { id: String },
}

/// Bounds of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLimits {
    pub ttl_seconds: i64,
    pub max_sessions: usize,
    pub max_turns: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            ttl_seconds: DEFAULT_TTL.num_seconds(),
            max_sessions: DEFAULT_MAX_SESSIONS,
            max_turns: DEFAULT_MAX_TURNS,
        }
    }
}

/// One question of a session, as history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub question: String,
    pub kind: PlanKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Whether it was read as a follow-up of the turn before.
    #[serde(default)]
    pub followed: bool,
    pub at: DateTime<Utc>,
}

/// One conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub created: DateTime<Utc>,
    /// The time of the last question (the TTL counts from here).
    pub touched: DateTime<Utc>,
    /// What the next question builds on; `None` before the first question.
    #[serde(default)]
    pub context: Option<Previous>,
    #[serde(default)]
    pub turns: VecDeque<Turn>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Inner {
    sessions: HashMap<String, Session>,
    #[serde(default)]
    expired: VecDeque<String>,
}

/// Sessions in memory, shared by every request of a server.
#[derive(Debug)]
pub struct SessionStore {
    limits: SessionLimits,
    inner: Mutex<Inner>,
}

impl Default for SessionStore {
    fn default() -> Self {
        SessionStore::new(SessionLimits::default())
    }
}

/// Whether a client-given id is acceptable.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A new unguessable id (122 random bits).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl SessionStore {
    pub fn new(limits: SessionLimits) -> Self {
        SessionStore {
            limits,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn limits(&self) -> SessionLimits {
        self.limits
    }

    fn ttl(&self) -> Duration {
        Duration::seconds(self.limits.ttl_seconds.max(1))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means another request panicked mid-update; the map is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a session with a new id.
    pub fn start(&self, now: DateTime<Utc>) -> String {
        let id = new_id();
        let mut inner = self.lock();
        self.prune(&mut inner, now);
        self.insert(&mut inner, Session::new(id.clone(), now));
        id
    }

    /// The context of an existing session: an error when it expired or never existed.
    pub fn context(&self, id: &str, now: DateTime<Utc>) -> Result<Option<Previous>, SessionError> {
        if !valid_id(id) {
            return Err(SessionError::InvalidId {
                id: id.chars().take(40).collect(),
            });
        }
        let mut inner = self.lock();
        self.prune(&mut inner, now);
        match inner.sessions.get(id) {
            Some(s) => Ok(s.context.clone()),
            None if inner.expired.iter().any(|e| e == id) => Err(SessionError::Expired {
                id: id.to_string(),
                minutes: self.ttl().num_minutes(),
            }),
            None => Err(SessionError::Unknown { id: id.to_string() }),
        }
    }

    /// The context of a session a client names itself (the Ask page, the CLI): an unknown or expired
    /// id simply starts a new session under that id.
    pub fn context_or_start(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Previous>, SessionError> {
        match self.context(id, now) {
            Ok(c) => Ok(c),
            Err(SessionError::Unknown { .. } | SessionError::Expired { .. }) => {
                let mut inner = self.lock();
                inner.expired.retain(|e| e != id);
                self.insert(&mut inner, Session::new(id.to_string(), now));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Records a question answered in session `id` (created when missing).
    pub fn record(&self, id: &str, question: &str, resolved: &Resolved, now: DateTime<Utc>) {
        if !valid_id(id) {
            return;
        }
        let mut inner = self.lock();
        if !inner.sessions.contains_key(id) {
            self.insert(&mut inner, Session::new(id.to_string(), now));
        }
        let max_turns = self.limits.max_turns.max(1);
        if let Some(s) = inner.sessions.get_mut(id) {
            s.touched = now;
            s.context = Some(resolved.next.clone());
            s.turns.push_back(Turn {
                question: question.chars().take(HISTORY_CHARS).collect(),
                kind: resolved.plan.kind,
                query: resolved.plan.query_text(),
                followed: resolved.followed,
                at: now,
            });
            while s.turns.len() > max_turns {
                s.turns.pop_front();
            }
        }
    }

    /// A copy of one session (history and context).
    pub fn get(&self, id: &str, now: DateTime<Utc>) -> Option<Session> {
        let mut inner = self.lock();
        self.prune(&mut inner, now);
        inner.sessions.get(id).cloned()
    }

    /// Sessions alive now.
    pub fn len(&self, now: DateTime<Utc>) -> usize {
        let mut inner = self.lock();
        self.prune(&mut inner, now);
        inner.sessions.len()
    }

    pub fn is_empty(&self, now: DateTime<Utc>) -> bool {
        self.len(now) == 0
    }

    /// The store as JSON (for [`file`]).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&*self.lock()).unwrap_or_default()
    }

    /// A store read from [`SessionStore::to_json`]'s output, pruned and bounded by `limits`.
    pub fn from_json(
        limits: SessionLimits,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, serde_json::Error> {
        let saved: Inner = serde_json::from_str(text)?;
        let store = SessionStore::new(limits);
        {
            let mut inner = store.lock();
            inner.expired = saved.expired;
            let mut sessions: Vec<Session> = saved
                .sessions
                .into_values()
                .filter(|s| valid_id(&s.id))
                .collect();
            sessions.sort_by_key(|s| s.touched);
            for mut s in sessions {
                while s.turns.len() > limits.max_turns.max(1) {
                    s.turns.pop_front();
                }
                store.insert(&mut inner, s);
            }
            store.prune(&mut inner, now);
        }
        Ok(store)
    }

    fn insert(&self, inner: &mut Inner, session: Session) {
        let max = self.limits.max_sessions.max(1);
        while inner.sessions.len() >= max && !inner.sessions.contains_key(&session.id) {
            // The least recently used session makes room.
            let Some(oldest) = inner
                .sessions
                .values()
                .min_by_key(|s| s.touched)
                .map(|s| s.id.clone())
            else {
                break;
            };
            inner.sessions.remove(&oldest);
            remember_expired(inner, oldest);
        }
        inner.sessions.insert(session.id.clone(), session);
    }

    /// Drops sessions past their TTL (their ids are remembered as expired).
    fn prune(&self, inner: &mut Inner, now: DateTime<Utc>) {
        let ttl = self.ttl();
        let dead: Vec<String> = inner
            .sessions
            .values()
            .filter(|s| now - s.touched > ttl)
            .map(|s| s.id.clone())
            .collect();
        for id in dead {
            inner.sessions.remove(&id);
            remember_expired(inner, id);
        }
    }
}

fn remember_expired(inner: &mut Inner, id: String) {
    inner.expired.push_back(id);
    while inner.expired.len() > MAX_TOMBSTONES {
        inner.expired.pop_front();
    }
}

impl Session {
    fn new(id: String, now: DateTime<Utc>) -> Self {
        Session {
            id,
            created: now,
            touched: now,
            context: None,
            turns: VecDeque::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ground::Schema;
    use crate::translate::{Question, translate_in_context};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn resolved(question: &str, previous: Option<&Previous>) -> Resolved {
        let q = Question::new(question, t("2026-11-25T08:38:56Z"));
        translate_in_context(&q, previous, &Schema::default())
    }

    #[test]
    fn a_session_carries_context_until_it_expires() {
        let store = SessionStore::default();
        let now = t("2026-11-25T08:00:00Z");
        let id = store.start(now);
        assert_eq!(id.len(), 32);
        assert_eq!(store.context(&id, now), Ok(None));
        let r = resolved("error logs in the last 3 hours", None);
        store.record(&id, "error logs in the last 3 hours", &r, now);
        let ctx = store.context(&id, now + Duration::minutes(29)).unwrap();
        assert_eq!(
            ctx.unwrap().questions,
            vec!["error logs in the last 3 hours"]
        );
        // looking a session up does not extend it: only questions do
        let later = now + Duration::minutes(31);
        assert!(matches!(
            store.context(&id, later),
            Err(SessionError::Expired { .. })
        ));
        assert!(matches!(
            store.context("nope", later),
            Err(SessionError::Unknown { .. })
        ));
        assert!(matches!(
            store.context("bad id/..", later),
            Err(SessionError::InvalidId { .. })
        ));
        // a client-named session restarts under the same id
        assert_eq!(store.context_or_start(&id, later), Ok(None));
        assert_eq!(store.context(&id, later), Ok(None));
    }

    #[test]
    fn memory_is_bounded_in_sessions_and_turns() {
        let store = SessionStore::new(SessionLimits {
            ttl_seconds: 3600,
            max_sessions: 3,
            max_turns: 2,
        });
        let now = t("2026-11-25T08:00:00Z");
        let ids: Vec<String> = (0..5)
            .map(|i| store.start(now + Duration::seconds(i)))
            .collect();
        assert_eq!(store.len(now + Duration::seconds(5)), 3);
        // the two least recently used went first, and read as expired
        assert!(matches!(
            store.context(&ids[0], now),
            Err(SessionError::Expired { .. })
        ));
        assert!(store.context(&ids[4], now).is_ok());
        let r = resolved("error logs", None);
        for i in 0..5 {
            store.record(&ids[4], &format!("q{i}"), &r, now);
        }
        let s = store.get(&ids[4], now).unwrap();
        assert_eq!(s.turns.len(), 2);
        assert_eq!(s.turns[1].question, "q4");
    }
}
