//! The top-level [`Error`]: one variant per stage error, classified for Grafana and the CLI.

use crate::analyse::AnalyseError;
use crate::execute::ExecuteError;
use crate::frames::FrameError;
use crate::grafana::QueryModelError;
use crate::settings::SettingsError;

/// Who has to act on an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user's input (settings, query, question) is wrong; they can fix it.
    User,
    /// Loki, Tempo or an LLM failed or could not be reached.
    Downstream,
    /// A bug or resource problem in Querent itself.
    Plugin,
}

/// Any error a query can end in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("invalid datasource settings: {0}")]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Execute(#[from] ExecuteError),
    #[error(transparent)]
    Frames(#[from] FrameError),
    #[error(transparent)]
    QueryModel(#[from] QueryModelError),
    /// A question the analysis cannot answer (its own problems; Loki/Tempo failures are `Execute`).
    #[error(transparent)]
    Analyse(AnalyseError),
}

impl From<AnalyseError> for Error {
    fn from(e: AnalyseError) -> Self {
        match e {
            AnalyseError::Execute(e) => Error::Execute(e),
            other => Error::Analyse(other),
        }
    }
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Settings(_) => ErrorKind::User,
            Error::Execute(e) => execute_kind(e),
            Error::Frames(_) => ErrorKind::Plugin,
            Error::QueryModel(_) => ErrorKind::User,
            Error::Analyse(_) => ErrorKind::User,
        }
    }

    /// What Grafana and the CLI show: one sentence that reads well without the source chain.
    pub fn user_message(&self) -> String {
        self.to_string()
    }
}

fn execute_kind(e: &ExecuteError) -> ErrorKind {
    match e {
        ExecuteError::NotConfigured { .. }
        | ExecuteError::InvalidTraceId { .. }
        | ExecuteError::InvalidArgument { .. }
        | ExecuteError::InvalidTimeRange { .. }
        | ExecuteError::NothingToRun { .. }
        | ExecuteError::TooLarge { .. }
        | ExecuteError::ScanBudget { .. } => ErrorKind::User,
        // 400: Loki/Tempo refused the query itself (parse errors and the like).
        ExecuteError::Status { status: 400, .. } => ErrorKind::User,
        ExecuteError::Status { .. }
        | ExecuteError::Connect { .. }
        | ExecuteError::Timeout { .. }
        | ExecuteError::Decode { .. }
        | ExecuteError::Request { .. }
        | ExecuteError::Incomplete { .. }
        | ExecuteError::Busy { .. }
        | ExecuteError::TraceNotFound { .. } => ErrorKind::Downstream,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Peer;

    #[test]
    fn kinds_separate_user_downstream_and_plugin() {
        let bad_query: Error = ExecuteError::Status {
            peer: Peer::Loki,
            status: 400,
            message: "parse error".into(),
            query: None,
        }
        .into();
        assert_eq!(bad_query.kind(), ErrorKind::User);
        let down: Error = ExecuteError::Connect {
            peer: Peer::Tempo,
            url: "http://tempo:3200/".into(),
            reason: "Connection refused".into(),
        }
        .into();
        assert_eq!(down.kind(), ErrorKind::Downstream);
        assert_eq!(
            down.user_message(),
            "cannot connect to Tempo at `http://tempo:3200/`: Connection refused"
        );
        let settings: Error = SettingsError::InvalidTenant {
            key: "lokiTenant".into(),
        }
        .into();
        assert_eq!(settings.kind(), ErrorKind::User);
    }
}
