//! Execute: runs a [`Plan`] against Loki or Tempo and returns typed results.
//!
//! Takes a `Plan` (raw or translated, the same path) and [`Clients`] built once per datasource instance
//! from validated [`Settings`]; returns an [`Executed`] (the exact query sent and a [`QueryResult`]).
//! Requests are built by pure `build_*` functions in [`loki`] and [`tempo`] and sent by [`http`], which
//! applies auth, tenant and custom headers, the timeout and the response size cap, and turns failures
//! into [`ExecuteError`]s that keep the server's own message. [`guardrails`] bounds lines and traces.

pub mod guardrails;
pub mod http;
mod infer;
pub mod loki;
pub mod loki_types;
mod results;
pub mod tempo;
pub mod tempo_types;
pub mod trace_id;

use std::time::Duration;

use chrono::{DateTime, Utc};

pub use infer::infer_kind;
pub use loki::LokiClient;
pub use results::{Executed, FetchedTrace, Point, QueryResult, Series};
pub use tempo::TempoClient;

use crate::plan::{Plan, PlanKind};
use crate::settings::{Limits, Peer, Settings};
use loki::Direction;
use loki_types::QueryData;

/// How far back a range query looks when the plan has no start: the design's "no time given" default.
pub const DEFAULT_LOOKBACK: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// What went wrong running a query. Messages quote the peer's own words and the query that ran.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum ExecuteError {
    #[error("{peer} is not configured: set `{key}` in the datasource settings (or pass --{flag})")]
    NotConfigured {
        peer: Peer,
        key: &'static str,
        flag: &'static str,
    },
    #[error("cannot connect to {peer} at `{url}`: {reason}")]
    Connect {
        peer: Peer,
        url: String,
        reason: String,
    },
    #[error("{peer} did not answer within {} (`timeoutSeconds`)", seconds(after))]
    Timeout { peer: Peer, after: Duration },
    #[error("{peer} answered {status}{}: {message}{}", reason(*status), with_query(query))]
    Status {
        peer: Peer,
        status: u16,
        message: String,
        query: Option<String>,
    },
    #[error("{peer} sent a {what} that could not be read: {reason}")]
    Decode {
        peer: Peer,
        what: &'static str,
        reason: String,
    },
    #[error(
        "{peer}'s answer is larger than {limit} bytes (`maxResponseBytes`); narrow the query or the time range"
    )]
    TooLarge { peer: Peer, limit: usize },
    #[error("the request to {peer} failed: {reason}")]
    Request { peer: Peer, reason: String },
    #[error("`{id}` is not a trace id (expected up to 32 hexadecimal characters)")]
    InvalidTraceId { id: String },
    #[error("trace `{id}` was not found in Tempo")]
    TraceNotFound { id: String },
    #[error("`{value}` is not a valid {what}")]
    InvalidArgument { what: &'static str, value: String },
    #[error("the time range is empty or reversed (from {start} to {end})")]
    InvalidTimeRange { start: String, end: String },
    #[error("nothing to run: {reason}")]
    NothingToRun { reason: String },
}

fn seconds(d: &Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{s}s")
    }
}

fn reason(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" {r}"))
        .unwrap_or_default()
}

fn with_query(query: &Option<String>) -> String {
    match query {
        Some(q) => format!(" (query: `{q}`)"),
        None => String::new(),
    }
}

/// Rejects anything that could change the path of a request (`/`, `..`, `?`, spaces).
pub(crate) fn check_path_segment(what: &'static str, value: &str) -> Result<(), ExecuteError> {
    let ok = !value.is_empty()
        && value != "."
        && value != ".."
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ExecuteError::InvalidArgument {
            what,
            value: value.chars().take(80).collect(),
        })
    }
}

/// A closed time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl TimeRange {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, ExecuteError> {
        if start > end {
            return Err(ExecuteError::InvalidTimeRange {
                start: crate::plan::rfc3339(&start),
                end: crate::plan::rfc3339(&end),
            });
        }
        Ok(TimeRange { start, end })
    }

    /// The plan's range; a missing start means [`DEFAULT_LOOKBACK`] before the end.
    pub fn of_plan(plan: &Plan) -> Result<Self, ExecuteError> {
        let start = plan.start.unwrap_or_else(|| {
            plan.end
                .checked_sub_signed(DEFAULT_LOOKBACK)
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        });
        TimeRange::new(start, plan.end)
    }
}

/// The Loki and Tempo clients of one datasource instance (or CLI run), sharing one pooled HTTP client.
#[derive(Debug, Clone)]
pub struct Clients {
    loki: Option<LokiClient>,
    tempo: Option<TempoClient>,
    limits: Limits,
}

impl Clients {
    pub fn new(settings: &Settings, http: &reqwest::Client) -> Self {
        let max_bytes = settings.limits.max_response_bytes.get();
        let peer = |p: &crate::settings::PeerSettings| {
            http::PeerClient::new(p.clone(), http.clone(), settings.timeout, max_bytes)
        };
        Clients {
            loki: settings.loki.as_ref().map(|p| LokiClient::new(peer(p))),
            tempo: settings.tempo.as_ref().map(|p| TempoClient::new(peer(p))),
            limits: settings.limits,
        }
    }

    pub fn loki(&self) -> Result<&LokiClient, ExecuteError> {
        self.loki.as_ref().ok_or(ExecuteError::NotConfigured {
            peer: Peer::Loki,
            key: "lokiUrl",
            flag: "loki",
        })
    }

    pub fn tempo(&self) -> Result<&TempoClient, ExecuteError> {
        self.tempo.as_ref().ok_or(ExecuteError::NotConfigured {
            peer: Peer::Tempo,
            key: "tempoUrl",
            flag: "tempo",
        })
    }

    pub fn has_loki(&self) -> bool {
        self.loki.is_some()
    }

    pub fn has_tempo(&self) -> bool {
        self.tempo.is_some()
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

/// The process-wide HTTP client: pooled connections, no global timeout (each request sets its own).
pub fn http_client() -> Result<reqwest::Client, ExecuteError> {
    reqwest::Client::builder()
        .user_agent(concat!("querent/", env!("CARGO_PKG_VERSION")))
        .pool_idle_timeout(Duration::from_secs(90))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| ExecuteError::Request {
            peer: Peer::Loki,
            reason: format!("cannot create the HTTP client: {e}"),
        })
}

/// Runs a plan on the peer its kind needs.
pub async fn execute(plan: &Plan, clients: &Clients) -> Result<Executed, ExecuteError> {
    if plan.kind == PlanKind::Clarify {
        return Err(clarify_error(plan));
    }
    let query = plan
        .query_text()
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ExecuteError::NothingToRun {
            reason: "the query is empty".into(),
        })?;
    let mut limit = None;
    let result = match plan.kind {
        PlanKind::Logs | PlanKind::Correlate => {
            let loki = clients.loki()?;
            let range = TimeRange::of_plan(plan)?;
            let lines = guardrails::line_limit(plan.limit, clients.limits());
            limit = Some(lines);
            let req = loki::build_log_query(&query, &range, lines, Direction::Backward);
            from_loki(loki.fetch_query(&req).await?)
        }
        PlanKind::Metrics => {
            let loki = clients.loki()?;
            let req = if plan.instant {
                loki::build_instant_query(&query, &plan.end, plan.limit)
            } else {
                loki::build_metric_query_range(&query, &TimeRange::of_plan(plan)?, plan.step)
            };
            from_loki(loki.fetch_query(&req).await?)
        }
        PlanKind::Traces => {
            let tempo = clients.tempo()?;
            let traces = guardrails::trace_limit(plan.limit, clients.limits());
            limit = Some(traces);
            let range = TimeRange::of_plan(plan)?;
            QueryResult::TraceSearch(
                tempo
                    .fetch_search(&query, Some(&range), traces, None)
                    .await?,
            )
        }
        PlanKind::TraceMetrics => {
            let tempo = clients.tempo()?;
            let range = TimeRange::of_plan(plan)?;
            if plan.instant {
                let response = tempo.fetch_metrics_instant(&query, &range).await?;
                let t_ms = range.end.timestamp_millis();
                QueryResult::Series {
                    series: response
                        .series
                        .iter()
                        .map(|s| s.to_instant_series(t_ms))
                        .collect(),
                    instant: true,
                }
            } else {
                let response = tempo.fetch_metrics_range(&query, &range, plan.step).await?;
                QueryResult::Series {
                    series: response.series.iter().map(|s| s.to_series()).collect(),
                    instant: false,
                }
            }
        }
        PlanKind::Trace => {
            let tempo = clients.tempo()?;
            QueryResult::Trace(Box::new(tempo.fetch_trace(&query).await?))
        }
        PlanKind::Clarify => return Err(clarify_error(plan)),
    };
    Ok(Executed {
        kind: plan.kind,
        query,
        result,
        limit,
    })
}

fn clarify_error(plan: &Plan) -> ExecuteError {
    let reason = plan
        .clarification
        .as_ref()
        .map(|c| c.reason.clone())
        .unwrap_or_else(|| "the question needs clarification".into());
    ExecuteError::NothingToRun { reason }
}

fn from_loki(data: QueryData) -> QueryResult {
    match data {
        QueryData::Streams(streams) => QueryResult::Streams(streams),
        QueryData::Matrix(series) => QueryResult::Series {
            series,
            instant: false,
        },
        QueryData::Vector(series) => QueryResult::Series {
            series,
            instant: true,
        },
        QueryData::Scalar(point) => QueryResult::Series {
            series: vec![Series {
                labels: Default::default(),
                points: vec![point],
            }],
            instant: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_error_quotes_server_and_query() {
        let err = ExecuteError::Status {
            peer: Peer::Loki,
            status: 400,
            message: "parse error at line 1".into(),
            query: Some("{a=".into()),
        };
        assert_eq!(
            err.to_string(),
            "Loki answered 400 Bad Request: parse error at line 1 (query: `{a=`)"
        );
        let err = ExecuteError::Timeout {
            peer: Peer::Tempo,
            after: Duration::from_millis(1500),
        };
        assert_eq!(
            err.to_string(),
            "Tempo did not answer within 1.5s (`timeoutSeconds`)"
        );
    }

    #[test]
    fn path_segments_are_checked() {
        assert!(check_path_segment("label", "service_name").is_ok());
        assert!(check_path_segment("tag", "span.http.response.status_code").is_ok());
        assert!(check_path_segment("tag", "event:name").is_ok());
        for bad in ["", "..", "a/b", "a b", "a?b", "ä"] {
            assert!(check_path_segment("label", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reversed_range_is_an_error() {
        let now = Utc::now();
        assert!(TimeRange::new(now, now - chrono::TimeDelta::seconds(1)).is_err());
        assert!(TimeRange::new(now, now).is_ok());
    }
}
