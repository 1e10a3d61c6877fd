//! Maps an [`Error`] to what Grafana records for a failed query: an HTTP-like status and an error
//! source (`downstream` when Loki/Tempo or the user's input are at fault, `plugin` for our bugs).
//!
//! The `pluginv2` protocol of SDK 0.5 carries the status on `DataResponse.status`; it has no
//! `errorSource` field yet, so [`error_source`] is logged with the error (and is the one place to
//! change when the protocol grows it).

use crate::error::{Error, ErrorKind};
use crate::execute::ExecuteError;

/// The status of a failed query: the peer's own status where there is one, else what went wrong.
pub fn http_status(err: &Error) -> i32 {
    match err {
        Error::Execute(e) => match e {
            ExecuteError::Status { status, .. } => i32::from(*status),
            ExecuteError::Connect { .. }
            | ExecuteError::Decode { .. }
            | ExecuteError::Request { .. }
            | ExecuteError::Incomplete { .. } => 502,
            ExecuteError::Busy { .. } => 503,
            ExecuteError::ScanBudget { .. } => 400,
            ExecuteError::Timeout { .. } => 504,
            ExecuteError::TooLarge { .. } => 413,
            ExecuteError::TraceNotFound { .. } => 404,
            ExecuteError::NotConfigured { .. }
            | ExecuteError::InvalidTraceId { .. }
            | ExecuteError::InvalidArgument { .. }
            | ExecuteError::InvalidTimeRange { .. }
            | ExecuteError::NothingToRun { .. } => 400,
        },
        other => match other.kind() {
            ErrorKind::User => 400,
            ErrorKind::Downstream => 502,
            ErrorKind::Plugin => 500,
        },
    }
}

/// Grafana's error source: `downstream` or `plugin`.
pub fn error_source(err: &Error) -> &'static str {
    match err.kind() {
        ErrorKind::User | ErrorKind::Downstream => "downstream",
        ErrorKind::Plugin => "plugin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Peer;

    #[test]
    fn peer_status_passes_through_and_transport_failures_are_gateway_errors() {
        let status = |e: ExecuteError| http_status(&Error::from(e));
        assert_eq!(
            status(ExecuteError::Status {
                peer: Peer::Tempo,
                status: 400,
                message: String::new(),
                query: None
            }),
            400
        );
        assert_eq!(
            status(ExecuteError::Timeout {
                peer: Peer::Loki,
                after: std::time::Duration::from_secs(1)
            }),
            504
        );
        assert_eq!(
            status(ExecuteError::Connect {
                peer: Peer::Loki,
                url: String::new(),
                reason: String::new()
            }),
            502
        );
        let e = Error::from(ExecuteError::TraceNotFound { id: "x".into() });
        assert_eq!(error_source(&e), "downstream");
    }
}
