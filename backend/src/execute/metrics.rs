//! Process-wide counters of what the plugin asked Loki and Tempo and how the response cache did,
//! written in Prometheus' text format for Grafana's CollectMetrics (`querent_*`).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use crate::settings::Peer;

/// Outcome of one request to a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// A non-2xx status.
    Status,
    Timeout,
    /// Refused connection, reset, unreadable or truncated body.
    Failed,
}

const OUTCOMES: [(Outcome, &str); 4] = [
    (Outcome::Ok, "ok"),
    (Outcome::Status, "status"),
    (Outcome::Timeout, "timeout"),
    (Outcome::Failed, "failed"),
];

#[derive(Debug, Default)]
struct PeerCounters {
    requests: [AtomicU64; 4],
    retries: AtomicU64,
    in_flight: AtomicI64,
    waited: AtomicU64,
    cut: AtomicU64,
    bytes: AtomicU64,
}

/// All counters. One static instance: [`metrics()`].
#[derive(Debug, Default)]
pub struct Metrics {
    loki: PeerCounters,
    tempo: PeerCounters,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    cache_coalesced: AtomicU64,
    cache_evictions: AtomicU64,
    cache_entries: AtomicI64,
    cache_bytes: AtomicI64,
    queries_ok: AtomicU64,
    queries_failed: AtomicU64,
    scan_refused: AtomicU64,
    scan_narrowed: AtomicU64,
}

static METRICS: std::sync::LazyLock<Metrics> = std::sync::LazyLock::new(Metrics::default);

/// The process's counters.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    fn peer(&self, peer: Peer) -> &PeerCounters {
        match peer {
            Peer::Loki => &self.loki,
            Peer::Tempo => &self.tempo,
        }
    }

    pub fn request(&self, peer: Peer, outcome: Outcome, bytes: usize) {
        let i = OUTCOMES
            .iter()
            .position(|(o, _)| *o == outcome)
            .unwrap_or(0);
        let p = self.peer(peer);
        p.requests[i].fetch_add(1, Relaxed);
        p.bytes.fetch_add(bytes as u64, Relaxed);
    }

    pub fn retry(&self, peer: Peer) {
        self.peer(peer).retries.fetch_add(1, Relaxed);
    }

    /// A request had to wait for a free slot (`maxConcurrentRequests`).
    pub fn waited(&self, peer: Peer) {
        self.peer(peer).waited.fetch_add(1, Relaxed);
    }

    /// An answer was cut at `maxResponseBytes`.
    pub fn cut(&self, peer: Peer) {
        self.peer(peer).cut.fetch_add(1, Relaxed);
    }

    pub fn in_flight(&self, peer: Peer, delta: i64) {
        self.peer(peer).in_flight.fetch_add(delta, Relaxed);
    }

    pub fn cache_hit(&self) {
        self.cache_hits.fetch_add(1, Relaxed);
    }

    pub fn cache_miss(&self) {
        self.cache_misses.fetch_add(1, Relaxed);
    }

    /// A request joined an identical one already in flight (single-flight).
    pub fn cache_coalesced(&self) {
        self.cache_coalesced.fetch_add(1, Relaxed);
    }

    pub fn cache_evicted(&self, n: usize) {
        self.cache_evictions.fetch_add(n as u64, Relaxed);
    }

    pub fn cache_size(&self, entries: i64, bytes: i64) {
        self.cache_entries.fetch_add(entries, Relaxed);
        self.cache_bytes.fetch_add(bytes, Relaxed);
    }

    pub fn query(&self, ok: bool) {
        if ok {
            self.queries_ok.fetch_add(1, Relaxed);
        } else {
            self.queries_failed.fetch_add(1, Relaxed);
        }
    }

    pub fn scan_budget(&self, refused: bool) {
        if refused {
            self.scan_refused.fetch_add(1, Relaxed);
        } else {
            self.scan_narrowed.fetch_add(1, Relaxed);
        }
    }

    /// Hits (including joins of in-flight requests) over all cacheable requests; 0 before any.
    pub fn cache_hit_ratio(&self) -> f64 {
        let hits = self.cache_hits.load(Relaxed) + self.cache_coalesced.load(Relaxed);
        let all = hits + self.cache_misses.load(Relaxed);
        if all == 0 {
            0.0
        } else {
            hits as f64 / all as f64
        }
    }

    /// Requests to a peer with this outcome so far (tests read it).
    pub fn requests(&self, peer: Peer, outcome: Outcome) -> u64 {
        let i = OUTCOMES
            .iter()
            .position(|(o, _)| *o == outcome)
            .unwrap_or(0);
        self.peer(peer).requests[i].load(Relaxed)
    }

    /// The Prometheus text exposition of every counter.
    pub fn prometheus_text(&self) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, f64)>| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let peers = [(Peer::Loki, "loki"), (Peer::Tempo, "tempo")];
        let per_peer = |f: &dyn Fn(&PeerCounters) -> f64| -> Vec<(String, f64)> {
            peers
                .iter()
                .map(|(p, name)| (format!("{{peer=\"{name}\"}}"), f(self.peer(*p))))
                .collect()
        };
        let mut requests = Vec::new();
        for (p, name) in peers {
            for (i, (_, outcome)) in OUTCOMES.iter().enumerate() {
                requests.push((
                    format!("{{peer=\"{name}\",outcome=\"{outcome}\"}}"),
                    self.peer(p).requests[i].load(Relaxed) as f64,
                ));
            }
        }
        family(
            "querent_upstream_requests_total",
            "counter",
            "HTTP requests sent to Loki/Tempo, by outcome (retries count once each).",
            requests,
        );
        family(
            "querent_upstream_retries_total",
            "counter",
            "Requests sent again after a refused connection, 429, 502 or 503.",
            per_peer(&|c| c.retries.load(Relaxed) as f64),
        );
        family(
            "querent_upstream_in_flight",
            "gauge",
            "Requests to Loki/Tempo in flight now.",
            per_peer(&|c| c.in_flight.load(Relaxed) as f64),
        );
        family(
            "querent_upstream_queued_total",
            "counter",
            "Requests that waited for a free slot (maxConcurrentRequests).",
            per_peer(&|c| c.waited.load(Relaxed) as f64),
        );
        family(
            "querent_upstream_response_bytes_total",
            "counter",
            "Response body bytes read from Loki/Tempo.",
            per_peer(&|c| c.bytes.load(Relaxed) as f64),
        );
        family(
            "querent_upstream_cut_total",
            "counter",
            "Answers cut at maxResponseBytes.",
            per_peer(&|c| c.cut.load(Relaxed) as f64),
        );
        family(
            "querent_cache_requests_total",
            "counter",
            "Cacheable requests by result: hit (answered from the cache), coalesced (joined an identical request in flight), miss (sent).",
            vec![
                (
                    "{result=\"hit\"}".into(),
                    self.cache_hits.load(Relaxed) as f64,
                ),
                (
                    "{result=\"coalesced\"}".into(),
                    self.cache_coalesced.load(Relaxed) as f64,
                ),
                (
                    "{result=\"miss\"}".into(),
                    self.cache_misses.load(Relaxed) as f64,
                ),
            ],
        );
        family(
            "querent_cache_hit_ratio",
            "gauge",
            "(hit + coalesced) / all cacheable requests since start.",
            vec![(String::new(), self.cache_hit_ratio())],
        );
        family(
            "querent_cache_entries",
            "gauge",
            "Answers held in the response cache.",
            vec![(String::new(), self.cache_entries.load(Relaxed) as f64)],
        );
        family(
            "querent_cache_bytes",
            "gauge",
            "Approximate bytes held in the response cache.",
            vec![(String::new(), self.cache_bytes.load(Relaxed) as f64)],
        );
        family(
            "querent_cache_evictions_total",
            "counter",
            "Answers dropped from the cache to stay within cacheMaxBytes.",
            vec![(String::new(), self.cache_evictions.load(Relaxed) as f64)],
        );
        family(
            "querent_queries_total",
            "counter",
            "QueryData queries answered, by outcome.",
            vec![
                (
                    "{outcome=\"ok\"}".into(),
                    self.queries_ok.load(Relaxed) as f64,
                ),
                (
                    "{outcome=\"error\"}".into(),
                    self.queries_failed.load(Relaxed) as f64,
                ),
            ],
        );
        family(
            "querent_scan_budget_total",
            "counter",
            "Log queries over maxScanBytes, by action.",
            vec![
                (
                    "{action=\"refused\"}".into(),
                    self.scan_refused.load(Relaxed) as f64,
                ),
                (
                    "{action=\"narrowed\"}".into(),
                    self.scan_narrowed.load(Relaxed) as f64,
                ),
            ],
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_is_prometheus_text() {
        let m = Metrics::default();
        m.request(Peer::Loki, Outcome::Ok, 10);
        m.cache_miss();
        m.cache_hit();
        m.cache_coalesced();
        let text = m.prometheus_text();
        assert!(text.contains("querent_upstream_requests_total{peer=\"loki\",outcome=\"ok\"} 1\n"));
        assert!(text.contains("# TYPE querent_cache_hit_ratio gauge\n"));
        assert!((m.cache_hit_ratio() - 2.0 / 3.0).abs() < 1e-9);
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, value) = line.rsplit_once(' ').unwrap();
            assert!(name.starts_with("querent_"), "{line}");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
