//! The schedule: which requests and background jobs happen when.
//!
//! Base traffic is a Poisson process of browse / checkout / login requests (with sporadic 401 logins and
//! sporadic slow catalog queries); background jobs (health probes, session cleanup, outbox flushes,
//! cache refreshes, the odd failed welcome email) are Poisson processes of their own, so any window
//! can be generated on its own and live windows join up seamlessly. Three incidents sit at fixed
//! offsets before the anchor `now` (the recorded data's design): a payment provider timing out
//! (now-135m..now-115m, 45 checkouts), the order database pool exhausted (now-45m..now-35m, 23
//! checkouts) and slow catalog queries (now-250m..now-230m, 31 of 44 browses slow). Each window draws
//! from random streams keyed by (seed, window start, stream), so a seed always gives the same data.

use chrono::{DateTime, Utc};

use super::model::{Env, RequestKind};
use super::rng::Rng;

/// Mean gap between two base requests (about 58 per hour, as in the recorded data).
const BASE_GAP_S: f64 = 62.0;
/// Share of each request kind in the base traffic.
const P_BROWSE: f64 = 0.325;
const P_CHECKOUT: f64 = 0.31;
/// Logins: share from staging, share rejected with 401.
const P_STAGING: f64 = 0.10;
const P_LOGIN_401: f64 = 0.12;
/// Browses outside the slow-query incident that are slow anyway.
const P_SLOW_BROWSE: f64 = 0.06;

/// A background job: a log line with no trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// api-gateway `GET /healthz` access line.
    HealthProbe,
    /// user-service `session cleanup`.
    SessionCleanup,
    /// order-service `outbox flushed`.
    OutboxFlush,
    /// product-service `cache refreshed`.
    CacheRefresh,
    /// order-service warning `stock reservation retried`.
    StockRetry,
    /// user-service error `failed to send welcome email` (no trace id).
    WelcomeEmailFailure,
}

/// Mean gap of each job's Poisson process, in seconds.
const JOBS: [(Job, f64); 6] = [
    (Job::HealthProbe, 300.0),
    (Job::SessionCleanup, 400.0),
    (Job::OutboxFlush, 440.0),
    (Job::CacheRefresh, 420.0),
    (Job::StockRetry, 3000.0),
    (Job::WelcomeEmailFailure, 4300.0),
];

/// One of the seeded incidents, at a fixed offset before the anchor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Incident {
    pub id: &'static str,
    /// Minutes before `now` at which the incident starts and ends.
    pub from_min: i64,
    pub to_min: i64,
    /// How many requests of the incident's route start in the window.
    pub requests: usize,
    /// How many of them show the incident (all, except for the slow-query incident).
    pub affected: usize,
    pub kind: RequestKind,
}

pub const PAYMENT_TIMEOUT: Incident = Incident {
    id: "payment_gateway_timeout",
    from_min: 135,
    to_min: 115,
    requests: 45,
    affected: 45,
    kind: RequestKind::CheckoutPaymentTimeout,
};
pub const DB_POOL_EXHAUSTED: Incident = Incident {
    id: "order_db_pool_exhausted",
    from_min: 45,
    to_min: 35,
    requests: 23,
    affected: 23,
    kind: RequestKind::CheckoutOrderDbError,
};
pub const SLOW_QUERIES: Incident = Incident {
    id: "product_slow_queries",
    from_min: 250,
    to_min: 230,
    requests: 44,
    affected: 31,
    kind: RequestKind::BrowseSlow,
};
pub const INCIDENTS: [Incident; 3] = [PAYMENT_TIMEOUT, DB_POOL_EXHAUSTED, SLOW_QUERIES];

impl Incident {
    pub fn window(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            now - chrono::Duration::minutes(self.from_min),
            now - chrono::Duration::minutes(self.to_min),
        )
    }
}

/// What happens at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Request { kind: RequestKind, env: Env },
    Job(Job),
}

/// An event and when it starts (epoch nanoseconds, millisecond precision).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub at_ns: u64,
    pub event: Event,
}

/// A window of demo data to generate: [from, to), with incidents placed relative to `now`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scenario {
    pub seed: u64,
    /// The anchor the incidents are placed against (the end of the backfill).
    pub now: DateTime<Utc>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Multiplies the rate of base traffic and background jobs (1.0: the recorded data's rate).
    pub traffic: f64,
}

impl Scenario {
    /// The last `window` before `now`, incidents included.
    pub fn backfill(seed: u64, now: DateTime<Utc>, window: chrono::Duration) -> Self {
        Self {
            seed,
            now,
            from: now - window,
            to: now,
            traffic: 1.0,
        }
    }

    /// A live window after the backfill anchored at `anchor`.
    pub fn live(seed: u64, anchor: DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            seed,
            now: anchor,
            from,
            to,
            traffic: 1.0,
        }
    }

    fn contains_ns(&self, ns: u64) -> bool {
        ns >= to_ns(self.from) && ns < to_ns(self.to)
    }

    fn in_incident(&self, incident: &Incident, ns: u64) -> bool {
        let (from, to) = incident.window(self.now);
        ns >= to_ns(from) && ns < to_ns(to)
    }

    /// A random stream for this window (the same seed, window start and tag give the same stream).
    fn stream(&self, tag: u64) -> Rng {
        let from_ms = self.from.timestamp_millis() as u64;
        Rng::derive(self.seed, from_ms.wrapping_mul(0x100_0000_01B3) ^ tag)
    }

    /// Every event of the window, in time order.
    pub fn plan(&self) -> Vec<Planned> {
        let mut out = Vec::new();
        if self.to <= self.from {
            return out;
        }
        self.plan_base(&mut out);
        for (tag, (job, mean)) in JOBS.iter().enumerate() {
            self.plan_poisson(&mut out, 100 + tag as u64, *mean, |_| {
                Some(Event::Job(*job))
            });
        }
        for (tag, incident) in INCIDENTS.iter().enumerate() {
            self.plan_incident(&mut out, 200 + tag as u64, incident);
        }
        out.sort_by_key(|p| p.at_ns);
        out
    }

    fn plan_base(&self, out: &mut Vec<Planned>) {
        let mut kinds = self.stream(1);
        self.plan_poisson(out, 0, BASE_GAP_S, |at_ns| {
            let roll = kinds.unit();
            let (kind, env) = if roll < P_BROWSE {
                if self.in_incident(&SLOW_QUERIES, at_ns) {
                    return None;
                }
                let slow = kinds.chance(P_SLOW_BROWSE);
                (
                    if slow {
                        RequestKind::BrowseSlow
                    } else {
                        RequestKind::Browse
                    },
                    Env::Prod,
                )
            } else if roll < P_BROWSE + P_CHECKOUT {
                if self.in_incident(&PAYMENT_TIMEOUT, at_ns)
                    || self.in_incident(&DB_POOL_EXHAUSTED, at_ns)
                {
                    return None;
                }
                (RequestKind::Checkout, Env::Prod)
            } else {
                let env = if kinds.chance(P_STAGING) {
                    Env::Staging
                } else {
                    Env::Prod
                };
                let kind = if kinds.chance(P_LOGIN_401) {
                    RequestKind::Login401
                } else {
                    RequestKind::Login
                };
                (kind, env)
            };
            Some(Event::Request { kind, env })
        });
    }

    /// Multiplies the rate of base traffic and jobs (values below 0.01 count as 0.01).
    pub fn with_traffic(mut self, traffic: f64) -> Self {
        self.traffic = if traffic.is_finite() {
            traffic.max(0.01)
        } else {
            1.0
        };
        self
    }

    /// Poisson arrivals with the given mean gap over the window; `make` may drop an arrival.
    fn plan_poisson(
        &self,
        out: &mut Vec<Planned>,
        tag: u64,
        mean_gap_s: f64,
        mut make: impl FnMut(u64) -> Option<Event>,
    ) {
        let mean_gap_s = mean_gap_s / self.traffic.max(0.01);
        let mut rng = self.stream(tag);
        let end = to_ns(self.to);
        let mut t = to_ns(self.from) as f64;
        loop {
            t += rng.exp(mean_gap_s) * 1e9;
            let at_ns = round_ms(t);
            if at_ns >= end {
                break;
            }
            if let Some(event) = make(at_ns) {
                out.push(Planned { at_ns, event });
            }
        }
    }

    /// The incident's requests, spread evenly over its window (one per slot, jittered inside the slot);
    /// only those that fall into this scenario's window are kept.
    fn plan_incident(&self, out: &mut Vec<Planned>, tag: u64, incident: &Incident) {
        let (from, to) = incident.window(self.now);
        if to_ns(to) <= to_ns(self.from) || to_ns(from) >= to_ns(self.to) {
            return;
        }
        // Keyed by the incident's own window, not this scenario's, so a split window agrees with a whole one.
        let mut rng = Rng::derive(self.seed, (from.timestamp_millis() as u64) ^ (tag << 56));
        let mut affected: Vec<bool> = (0..incident.requests)
            .map(|i| i < incident.affected)
            .collect();
        rng.shuffle(&mut affected);
        let slot = (to_ns(to) - to_ns(from)) as f64 / incident.requests as f64;
        for (i, hit) in affected.into_iter().enumerate() {
            let at_ns = round_ms(to_ns(from) as f64 + (i as f64 + rng.range(0.05, 0.95)) * slot);
            if !self.contains_ns(at_ns) {
                continue;
            }
            let kind = match (incident.kind, hit) {
                (RequestKind::BrowseSlow, false) => RequestKind::Browse,
                (kind, _) => kind,
            };
            out.push(Planned {
                at_ns,
                event: Event::Request {
                    kind,
                    env: Env::Prod,
                },
            });
        }
    }
}

pub fn to_ns(t: DateTime<Utc>) -> u64 {
    t.timestamp_nanos_opt().unwrap_or(0).max(0) as u64
}

fn round_ms(ns: f64) -> u64 {
    ((ns / 1e6).floor().max(0.0) as u64) * 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor() -> DateTime<Utc> {
        "2026-11-25T08:38:56Z".parse().expect("valid RFC 3339")
    }

    fn count(plan: &[Planned], kind: RequestKind) -> usize {
        plan.iter()
            .filter(|p| matches!(p.event, Event::Request { kind: k, .. } if k == kind))
            .count()
    }

    #[test]
    fn six_hours_hold_all_three_incidents_with_their_exact_counts() {
        let plan = Scenario::backfill(42, anchor(), chrono::Duration::hours(6)).plan();
        assert_eq!(count(&plan, RequestKind::CheckoutPaymentTimeout), 45);
        assert_eq!(count(&plan, RequestKind::CheckoutOrderDbError), 23);
        let (from, to) = SLOW_QUERIES.window(anchor());
        let slow_in_window = plan
            .iter()
            .filter(|p| p.at_ns >= to_ns(from) && p.at_ns < to_ns(to))
            .filter(|p| {
                matches!(
                    p.event,
                    Event::Request {
                        kind: RequestKind::BrowseSlow,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(slow_in_window, 31);
        let total = plan
            .iter()
            .filter(|p| matches!(p.event, Event::Request { .. }))
            .count();
        assert!(
            (380..=560).contains(&total),
            "about 475 requests in 6 h, got {total}"
        );
    }

    #[test]
    fn no_normal_checkout_inside_the_failure_windows() {
        let now = anchor();
        let plan = Scenario::backfill(42, now, chrono::Duration::hours(6)).plan();
        for incident in [PAYMENT_TIMEOUT, DB_POOL_EXHAUSTED] {
            let (from, to) = incident.window(now);
            assert!(!plan.iter().any(|p| p.at_ns >= to_ns(from)
                && p.at_ns < to_ns(to)
                && matches!(
                    p.event,
                    Event::Request {
                        kind: RequestKind::Checkout,
                        ..
                    }
                )));
        }
    }

    #[test]
    fn a_short_backfill_has_only_the_incidents_inside_it() {
        let plan = Scenario::backfill(42, anchor(), chrono::Duration::hours(1)).plan();
        assert_eq!(count(&plan, RequestKind::CheckoutOrderDbError), 23);
        assert_eq!(count(&plan, RequestKind::CheckoutPaymentTimeout), 0);
    }

    #[test]
    fn plans_are_sorted_and_inside_the_window() {
        let s = Scenario::backfill(7, anchor(), chrono::Duration::hours(2));
        let plan = s.plan();
        assert!(plan.windows(2).all(|w| w[0].at_ns <= w[1].at_ns));
        assert!(plan.iter().all(|p| s.contains_ns(p.at_ns)));
        assert!(plan.iter().all(|p| p.at_ns % 1_000_000 == 0));
    }

    #[test]
    fn live_windows_after_the_anchor_have_no_incidents() {
        let now = anchor();
        let s = Scenario::live(42, now, now, now + chrono::Duration::hours(3));
        let plan = s.plan();
        assert_eq!(count(&plan, RequestKind::CheckoutPaymentTimeout), 0);
        assert_eq!(count(&plan, RequestKind::CheckoutOrderDbError), 0);
        assert!(count(&plan, RequestKind::Checkout) > 0);
    }
}
