//! What can go wrong while pushing demo data.

/// Which peer a push went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Loki,
    Tempo,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Target::Loki => "Loki",
            Target::Tempo => "Tempo",
        })
    }
}

/// Errors of `querent demo`.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Loki refused entries because they are older than it accepts.
    #[error(
        "Loki rejected old samples: {body}\nhint: the backfill reaches further back than Loki accepts; raise \
         `limits_config.reject_old_samples_max_age` (deploy/loki.yaml allows 7 days), use a shorter \
         `--backfill`, or, if this stack already holds newer demo data, start from empty volumes \
         (`docker compose down -v`)"
    )]
    LokiRejectedOldSamples { body: String },
    /// A peer answered 4xx (not retried).
    #[error("{target} rejected the push to `{url}` with HTTP {status}: {body}")]
    Rejected {
        target: Target,
        url: String,
        status: u16,
        body: String,
    },
    /// Retries ran out.
    #[error("{target} at `{url}` still failing after {attempts} attempts: {last}")]
    GaveUp {
        target: Target,
        url: String,
        attempts: u32,
        last: String,
    },
    /// The readiness endpoint never answered 200.
    #[error("{target} at `{url}` was not ready after {waited_s} s: {last}")]
    NotReady {
        target: Target,
        url: String,
        waited_s: u64,
        last: String,
    },
    /// A URL given on the command line does not parse.
    #[error("invalid {what} URL `{url}`: {reason}")]
    BadUrl {
        what: &'static str,
        url: String,
        reason: String,
    },
    /// Writing `--dry-run` output failed.
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}
