//! Demo data: a small microservice shop (api-gateway, order-, product-, payment- and user-service) with
//! logs and traces that agree, seeded incidents, deterministic for a seed.
//!
//! Takes a [`Scenario`] (seed, anchor `now`, window) and returns a [`Dataset`] (spans per trace, log
//! records, a summary per trace); [`encode`] turns it into Loki push and OTLP/HTTP JSON bodies and
//! [`Pusher`] sends them with readiness waits and retries. `querent demo` (in `cli/demo.rs`) drives it:
//! backfill once, then optionally keep generating live traffic.

mod encode;
mod error;
mod lines;
mod model;
mod push;
mod requests;
mod rng;
mod scenario;
mod shop;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use encode::{loki_push_body, otlp_body, stream_count, stream_labels};
pub use error::{DemoError, Target};
pub use model::{Dataset, Env, Level, LogRecord, RequestKind, Span, TraceSummary};
pub use push::{Endpoints, PushEvent, Pusher, RetryPolicy, is_old_sample_rejection};
pub use scenario::{INCIDENTS, Incident, Scenario};
pub use shop::SERVICES;

use rng::Rng;
use scenario::Event;

/// Generates every request and background job of the scenario's window.
pub fn generate(scenario: &Scenario) -> Dataset {
    let mut data = Dataset::default();
    for planned in scenario.plan() {
        // Each event draws from its own stream, keyed by its start, so events do not shift each other.
        let mut rng = Rng::derive(scenario.seed, planned.at_ns);
        match planned.event {
            Event::Request { kind, env } => {
                let request = requests::build(&mut rng, kind, env, planned.at_ns);
                data.logs.extend(request.logs);
                data.traces.push(request.spans);
                data.summaries.push(request.summary);
            }
            Event::Job(job) => data
                .logs
                .push(requests::job_line(&mut rng, job, planned.at_ns)),
        }
    }
    data.logs.sort_by_key(|r| r.ts_ns);
    data
}

/// `summary.json` of a generated window (the shape of the recorded `seed_summary.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Summary<'a> {
    pub seed: u64,
    pub hours: f64,
    pub now: String,
    pub start: String,
    pub now_epoch_s: i64,
    pub start_epoch_s: i64,
    pub streams: usize,
    pub log_lines: usize,
    pub spans: usize,
    pub traces: &'a [TraceSummary],
}

impl<'a> Summary<'a> {
    pub fn new(scenario: &Scenario, data: &'a Dataset) -> Self {
        let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        Self {
            seed: scenario.seed,
            hours: (scenario.to - scenario.from).num_milliseconds() as f64 / 3_600_000.0,
            now: fmt(scenario.to),
            start: fmt(scenario.from),
            now_epoch_s: scenario.to.timestamp(),
            start_epoch_s: scenario.from.timestamp(),
            streams: stream_count(&data.logs),
            log_lines: data.logs.len(),
            spans: data.span_count(),
            traces: &data.summaries,
        }
    }
}

#[cfg(test)]
mod tests;
