//! Scoring by execution: the predicted and the expected query run on the same live Loki/Tempo with the
//! same request shape (the one `../shared/fixtures/eval-dev` records: log queries backward with the case's
//! limit or 1000 lines, trace searches with limit 20 and spss 3, TraceQL metrics with step 15m unless the
//! case gives one), and pass when they return the same log lines, the same samples per series, or the
//! same trace ids. Equivalent spellings therefore pass.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::{Case, resolve_relative};
use crate::execute::loki::{self, Direction};
use crate::execute::loki_types::QueryData;
use crate::execute::{Clients, ExecuteError, TimeRange};
use crate::plan::{Plan, PlanKind, QueryDuration};

const LOG_LIMIT: u32 = 1000;
const TRACE_LIMIT: u32 = 20;
const SPANS_PER_SPANSET: u32 = 3;
const TRACE_METRICS_STEP: QueryDuration = QueryDuration::from_mins(15);

/// What a query returned, in a comparable form.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Lines(BTreeSet<(i64, String)>),
    /// series labels → (t_ms, value) samples
    Samples(BTreeMap<String, Vec<(i64, f64)>>),
    Traces(BTreeSet<String>),
}

struct Request<'a> {
    kind: PlanKind,
    query: &'a str,
    start: Option<DateTime<Utc>>,
    end: DateTime<Utc>,
    instant: bool,
    step: Option<QueryDuration>,
    limit: Option<u32>,
}

async fn run(req: &Request<'_>, clients: &Clients) -> Result<Outcome, ExecuteError> {
    let range = || TimeRange::new(req.start.unwrap_or(req.end), req.end);
    match req.kind {
        PlanKind::Logs | PlanKind::Correlate => {
            let loki = clients.loki()?;
            let r = loki::build_log_query(
                req.query,
                &range()?,
                req.limit.unwrap_or(LOG_LIMIT),
                Direction::Backward,
            );
            Ok(lines(loki.fetch_query(&r).await?))
        }
        PlanKind::Metrics => {
            let loki = clients.loki()?;
            let r = if req.instant {
                loki::build_instant_query(req.query, &req.end, None)
            } else {
                loki::build_metric_query_range(req.query, &range()?, req.step)
            };
            Ok(match loki.fetch_query(&r).await? {
                QueryData::Matrix(series) | QueryData::Vector(series) => {
                    samples(series.iter().map(|s| {
                        (
                            &s.labels,
                            s.points.iter().map(|p| (p.t_ms, p.value)).collect(),
                        )
                    }))
                }
                QueryData::Scalar(p) => {
                    samples(std::iter::once((&BTreeMap::new(), vec![(p.t_ms, p.value)])))
                }
                QueryData::Streams(_) => Outcome::Samples(BTreeMap::new()),
            })
        }
        PlanKind::Traces => {
            let tempo = clients.tempo()?;
            let hits = tempo
                .fetch_search(
                    req.query,
                    Some(&range()?),
                    req.limit.unwrap_or(TRACE_LIMIT),
                    Some(SPANS_PER_SPANSET),
                )
                .await?;
            Ok(Outcome::Traces(
                hits.into_iter().map(|t| t.trace_id).collect(),
            ))
        }
        PlanKind::TraceMetrics => {
            let tempo = clients.tempo()?;
            let range = range()?;
            let series: Vec<crate::execute::Series> = if req.instant {
                let r = tempo.fetch_metrics_instant(req.query, &range).await?;
                r.series
                    .iter()
                    .map(|s| s.to_instant_series(range.end.timestamp_millis()))
                    .collect()
            } else {
                let r = tempo
                    .fetch_metrics_range(
                        req.query,
                        &range,
                        Some(req.step.unwrap_or(TRACE_METRICS_STEP)),
                    )
                    .await?;
                r.series.iter().map(|s| s.to_series()).collect()
            };
            Ok(samples(series.iter().map(|s| {
                (
                    &s.labels,
                    s.points.iter().map(|p| (p.t_ms, p.value)).collect(),
                )
            })))
        }
        PlanKind::Trace | PlanKind::Clarify => Ok(Outcome::Traces(BTreeSet::new())),
    }
}

fn lines(data: QueryData) -> Outcome {
    match data {
        QueryData::Streams(streams) => Outcome::Lines(
            streams
                .into_iter()
                .flat_map(|s| s.entries.into_iter().map(|e| (e.ts_ns, e.line)))
                .collect(),
        ),
        _ => Outcome::Lines(BTreeSet::new()),
    }
}

fn samples<'a>(
    series: impl Iterator<Item = (&'a BTreeMap<String, String>, Vec<(i64, f64)>)>,
) -> Outcome {
    let mut out = BTreeMap::new();
    for (labels, points) in series {
        let key = labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        out.insert(key, points);
    }
    Outcome::Samples(out)
}

fn same(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Outcome::Samples(x), Outcome::Samples(y)) => {
            x.len() == y.len()
                && x.iter().zip(y.iter()).all(|((ka, pa), (kb, pb))| {
                    ka == kb
                        && pa.len() == pb.len()
                        && pa.iter().zip(pb).all(|(p, q)| {
                            p.0 == q.0
                                && (p.1 == q.1
                                    || (p.1 - q.1).abs() <= 1e-9 * p.1.abs().max(1.0)
                                    || (p.1.is_nan() && q.1.is_nan()))
                        })
                })
        }
        _ => a == b,
    }
}

fn size(o: &Outcome) -> usize {
    match o {
        Outcome::Lines(l) => l.len(),
        Outcome::Samples(s) => s.len(),
        Outcome::Traces(t) => t.len(),
    }
}

/// `None` when the predicted plan returns what the expected query returns; otherwise why not.
pub async fn compare_by_execution(
    case: &Case,
    plan: &Plan,
    now: DateTime<Utc>,
    clients: &Clients,
) -> Option<String> {
    let e = &case.expect;
    let expected_query = e.query.as_deref()?;
    let resolve = |t: &Option<String>| t.as_deref().and_then(|t| resolve_relative(t, now).ok());
    let gold = Request {
        kind: e.kind,
        query: expected_query,
        start: resolve(&e.start),
        end: resolve(&e.end).unwrap_or(now),
        instant: e.instant.unwrap_or(false),
        step: e.step.as_deref().and_then(QueryDuration::parse),
        limit: e.limit,
    };
    let predicted_query = plan.query_text()?;
    let predicted = Request {
        kind: plan.kind,
        query: &predicted_query,
        start: plan.start,
        end: plan.end,
        instant: plan.instant,
        step: plan.step,
        limit: plan.limit,
    };
    let want = match run(&gold, clients).await {
        Ok(o) => o,
        Err(err) => return Some(format!("the expected query failed: {err}")),
    };
    let got = match run(&predicted, clients).await {
        Ok(o) => o,
        Err(err) => {
            return Some(format!(
                "the predicted query `{predicted_query}` failed: {err}"
            ));
        }
    };
    if same(&want, &got) {
        None
    } else {
        Some(format!(
            "query `{predicted_query}` returned {} result(s), the expected `{expected_query}` {} (different results)",
            size(&got),
            size(&want)
        ))
    }
}
