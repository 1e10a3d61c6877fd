//! Execute: runs a [`Plan`] against Loki or Tempo and returns typed results.
//!
//! Takes a `Plan` (raw or translated, the same path) and [`Clients`] built once per datasource instance
//! from validated [`Settings`]; returns an [`Executed`] (the exact query sent and a [`QueryResult`]).
//! Requests are built by pure `build_*` functions in [`loki`] and [`tempo`] and sent by [`http`], which
//! applies auth, tenant and custom headers, the timeout and the response size cap, and turns failures
//! into [`ExecuteError`]s that keep the server's own message. [`guardrails`] bounds lines, traces, time
//! ranges and (through Loki's `index/stats`) the bytes a log query scans.
//!
//! Log answers are decoded while they arrive ([`loki_stream`]) into columns ([`log_batch`]) and cut at
//! `maxResponseBytes` with a warning; [`execute_logs`] hands those columns to the frame encoder
//! without a per-line copy. Query answers are shared through a short-lived [`cache`] with
//! single-flight, and [`metrics`] counts what was asked and how the cache did.

pub mod cache;
pub mod guardrails;
pub mod http;
mod infer;
pub mod log_batch;
pub mod loki;
pub mod loki_stream;
pub mod loki_types;
pub mod metrics;
mod results;
pub mod tempo;
pub mod tempo_types;
pub mod trace_id;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use infer::infer_kind;
pub use log_batch::{LogBatch, StrColumn, StreamColumns};
pub use loki::LokiClient;
pub use loki_stream::LokiAnswer;
pub use results::{Executed, ExecutedLogs, FetchedTrace, Point, QueryResult, Series};
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
    #[error("{peer}'s answer broke off after {received} bytes: {reason}")]
    Incomplete {
        peer: Peer,
        received: usize,
        reason: String,
    },
    #[error(
        "too many queries are waiting for {peer}: {limit} requests were in flight for {} \
         (`maxConcurrentRequests`); try again in a moment",
        seconds(waited)
    )]
    Busy {
        peer: Peer,
        limit: usize,
        waited: Duration,
    },
    #[error(
        "Loki would scan {} for this query, more than the {} budget (`maxScanBytes`); add labels \
         to the stream selector or narrow the time range (query: `{query}`)",
        guardrails::human_bytes(*bytes),
        guardrails::human_bytes(*budget)
    )]
    ScanBudget {
        bytes: u64,
        budget: u64,
        query: String,
    },
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
    /// The clients of one datasource instance: per backend at most `maxConcurrentRequests` in flight,
    /// query answers shared through one response cache (`cacheTtlSeconds`, `cacheMaxBytes`).
    pub fn new(settings: &Settings, http: &reqwest::Client) -> Self {
        let limits = &settings.limits;
        let max_bytes = limits.max_response_bytes.get();
        let cache = Some(cache::ResponseCache::new(
            limits.cache_ttl,
            limits.cache_max_bytes,
        ));
        let peer = |p: &crate::settings::PeerSettings| {
            http::PeerClient::new(p.clone(), http.clone(), settings.timeout, max_bytes)
                .with_limits(limits.max_concurrent_requests.get(), cache.clone())
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
    if matches!(plan.kind, PlanKind::Logs | PlanKind::Correlate) {
        return Ok(execute_logs(plan, clients).await?.into_executed());
    }
    let query = query_of(plan)?;
    let mut limit = None;
    let mut warnings = Vec::new();
    let mut range = || -> Result<TimeRange, ExecuteError> {
        let (range, notice) = guardrails::cap_range(TimeRange::of_plan(plan)?, clients.limits());
        warnings.extend(notice);
        Ok(range)
    };
    let result = match plan.kind {
        PlanKind::Metrics => {
            let loki = clients.loki()?;
            let req = if plan.instant {
                loki::build_instant_query(&query, &plan.end, plan.limit)
            } else {
                let range = range()?;
                let range = guardrails::check_scan_budget(
                    loki,
                    &query,
                    range,
                    clients.limits(),
                    &mut warnings,
                )
                .await?;
                loki::build_metric_query_range(&query, &range, plan.step)
            };
            from_loki((*loki.fetch_query_cached(&req).await?).clone())
        }
        PlanKind::Traces => {
            let tempo = clients.tempo()?;
            let traces = guardrails::trace_limit(plan.limit, clients.limits());
            limit = Some(traces);
            let range = range()?;
            QueryResult::TraceSearch(
                tempo
                    .fetch_search(&query, Some(&range), traces, None)
                    .await?,
            )
        }
        PlanKind::TraceMetrics => {
            let tempo = clients.tempo()?;
            let range = range()?;
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
        PlanKind::Logs | PlanKind::Correlate | PlanKind::Clarify => {
            return Err(clarify_error(plan));
        }
    };
    Ok(Executed {
        kind: plan.kind,
        query,
        result,
        limit,
        warnings,
    })
}

/// Runs a log (or correlate) plan and keeps the answer as columns: the frame encoder moves them into
/// Arrow without copying each line. The time range is capped and, with `maxScanBytes`, checked
/// against Loki's `index/stats` first.
pub async fn execute_logs(plan: &Plan, clients: &Clients) -> Result<ExecutedLogs, ExecuteError> {
    let query = query_of(plan)?;
    let loki = clients.loki()?;
    let limits = clients.limits();
    let (range, notice) = guardrails::cap_range(TimeRange::of_plan(plan)?, limits);
    let mut warnings: Vec<String> = notice.into_iter().collect();
    let range = guardrails::check_scan_budget(loki, &query, range, limits, &mut warnings).await?;
    let lines = guardrails::line_limit(plan.limit, limits);
    let req = loki::build_log_query(&query, &range, lines, Direction::Backward);
    let answer = loki.fetch_logs(&req).await?;
    if let LokiAnswer::Streams(batch) = answer.as_ref()
        && let Some(cap) = batch.cut_at
    {
        warnings.push(format!(
            "Loki's answer was larger than {} (`maxResponseBytes`) and was cut there: showing the \
             {} lines read; narrow the query or the time range to see all of them.",
            guardrails::human_bytes(cap as u64),
            batch.line_count()
        ));
    }
    Ok(ExecutedLogs {
        kind: plan.kind,
        query,
        answer,
        limit: Some(lines),
        warnings,
    })
}

fn query_of(plan: &Plan) -> Result<String, ExecuteError> {
    if plan.kind == PlanKind::Clarify {
        return Err(clarify_error(plan));
    }
    plan.query_text()
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ExecuteError::NothingToRun {
            reason: "the query is empty".into(),
        })
}

impl ExecutedLogs {
    /// The typed form (one `String` per line) that summaries, the CLI and analysis read.
    pub fn into_executed(self) -> Executed {
        let result = match Arc::try_unwrap(self.answer) {
            Ok(LokiAnswer::Streams(batch)) => QueryResult::Streams(batch.to_streams()),
            Ok(LokiAnswer::Other(data)) => from_loki(data),
            Err(shared) => match shared.as_ref() {
                LokiAnswer::Streams(batch) => QueryResult::Streams(batch.to_streams()),
                LokiAnswer::Other(data) => from_loki(data.clone()),
            },
        };
        Executed {
            kind: self.kind,
            query: self.query,
            result,
            limit: self.limit,
            warnings: self.warnings,
        }
    }
}

fn clarify_error(plan: &Plan) -> ExecuteError {
    let reason = plan
        .clarification
        .as_ref()
        .map(|c| c.reason.clone())
        .unwrap_or_else(|| "the question needs clarification".into());
    ExecuteError::NothingToRun { reason }
}

pub(crate) fn from_loki(data: QueryData) -> QueryResult {
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
