//! CLI sessions on disk: `querent ask --session ID` keeps its conversations in one small JSON file,
//! `$XDG_CACHE_HOME/querent/sessions.json` (else `~/.cache/querent/sessions.json`), bounded like any
//! store (fewer sessions, a longer TTL) and written atomically (a temporary file renamed over it).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{SessionLimits, SessionStore};

/// CLI conversations: a few, kept for two hours after their last question.
pub const CLI_LIMITS: SessionLimits = SessionLimits {
    ttl_seconds: 2 * 3600,
    max_sessions: 50,
    max_turns: super::DEFAULT_MAX_TURNS,
};

/// A sessions file larger than this is not read (it cannot be ours).
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// What went wrong with the sessions file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionFileError {
    #[error("cannot read the sessions file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("cannot write the sessions file {path}: {reason}")]
    Write { path: String, reason: String },
}

/// Where CLI sessions live, from the environment (`XDG_CACHE_HOME`, `HOME`).
pub fn default_path(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            env("HOME")
                .filter(|d| !d.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("querent").join("sessions.json"))
}

/// The store saved at `path`; a missing file is an empty store, and so is an unreadable one (a file
/// from another version, a half-written one): a lost conversation is better than a failed question.
pub fn load(path: &Path, now: DateTime<Utc>) -> Result<SessionStore, SessionFileError> {
    let err = |reason: String| SessionFileError::Read {
        path: path.display().to_string(),
        reason,
    };
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(SessionStore::new(CLI_LIMITS));
        }
        Err(e) => return Err(err(e.to_string())),
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            tracing::warn!(path = %path.display(), "sessions file too large; starting afresh");
            return Ok(SessionStore::new(CLI_LIMITS));
        }
        Ok(_) => {}
    }
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    Ok(
        SessionStore::from_json(CLI_LIMITS, &text, now).unwrap_or_else(|e| {
            tracing::warn!(path = %path.display(), error = %e, "unreadable sessions file; starting afresh");
            SessionStore::new(CLI_LIMITS)
        }),
    )
}

/// Writes the store to `path` (creating its folder), replacing the file atomically.
pub fn save(store: &SessionStore, path: &Path) -> Result<(), SessionFileError> {
    let err = |reason: String| SessionFileError::Write {
        path: path.display().to_string(),
        reason,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    }
    let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    std::fs::write(&tmp, store.to_json()).map_err(|e| err(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ground::Schema;
    use crate::translate::{Question, translate_in_context};

    #[test]
    fn path_follows_xdg_then_home() {
        let env = |k: &str| match k {
            "XDG_CACHE_HOME" => Some("/c".to_string()),
            "HOME" => Some("/h".to_string()),
            _ => None,
        };
        assert_eq!(
            default_path(env),
            Some(PathBuf::from("/c/querent/sessions.json"))
        );
        let env = |k: &str| (k == "HOME").then(|| "/h".to_string());
        assert_eq!(
            default_path(env),
            Some(PathBuf::from("/h/.cache/querent/sessions.json"))
        );
        assert_eq!(default_path(|_| None), None);
    }

    #[test]
    fn sessions_survive_a_save_and_load_and_garbage_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q/sessions.json");
        let now: DateTime<Utc> = "2026-11-25T08:38:56Z".parse().unwrap();
        let store = load(&path, now).unwrap();
        let q = Question::new("error logs in the last hour", now);
        let r = translate_in_context(&q, None, &Schema::default());
        store.record("mine", q.text, &r, now);
        save(&store, &path).unwrap();
        let again = load(&path, now).unwrap();
        let ctx = again.context("mine", now).unwrap().unwrap();
        assert_eq!(ctx.questions, vec!["error logs in the last hour"]);
        // three hours later it expired
        let later = now + chrono::Duration::hours(3);
        assert!(load(&path, later).unwrap().context("mine", later).is_err());
        std::fs::write(&path, "{not json").unwrap();
        assert!(load(&path, now).unwrap().is_empty(now));
    }
}
