//! Counters of the LLM layer, exported through the plugin's CollectMetrics as Prometheus text: requests
//! by purpose and outcome, tokens, latency (histogram), fallbacks by reason, cache hits and misses,
//! retries. Process-wide (one plugin process serves every datasource instance).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Latency histogram buckets, seconds (local models take tens of seconds).
const BUCKETS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0];

#[derive(Debug, Default)]
pub struct Metrics {
    /// (purpose, outcome) → count.
    requests: Mutex<BTreeMap<(String, String), u64>>,
    /// reason → count.
    fallbacks: Mutex<BTreeMap<String, u64>>,
    prompt_tokens: AtomicU64,
    completion_tokens: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    retries: AtomicU64,
    repairs: AtomicU64,
    latency: Mutex<Histogram>,
}

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The process's counters.
pub fn global() -> &'static Metrics {
    static GLOBAL: OnceLock<Metrics> = OnceLock::new();
    GLOBAL.get_or_init(Metrics::default)
}

impl Metrics {
    /// A finished call to the model: `outcome` is `ok` or an error reason.
    pub fn request(&self, purpose: &str, outcome: &str, latency: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((purpose.to_string(), outcome.to_string()))
                .or_default() += 1;
        }
        if let Ok(mut h) = self.latency.lock() {
            let secs = latency.as_secs_f64();
            for (i, b) in BUCKETS.iter().enumerate() {
                if secs <= *b {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += secs;
        }
    }
    pub fn tokens(&self, prompt: u32, completion: u32) {
        self.prompt_tokens
            .fetch_add(u64::from(prompt), Ordering::Relaxed);
        self.completion_tokens
            .fetch_add(u64::from(completion), Ordering::Relaxed);
    }
    /// The rules' plan or the template summary was used instead of the model's.
    pub fn fallback(&self, reason: &str) {
        if let Ok(mut m) = self.fallbacks.lock() {
            *m.entry(reason.to_string()).or_default() += 1;
        }
    }
    pub fn cache(&self, hit: bool) {
        if hit {
            self.cache_hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.cache_misses.fetch_add(1, Ordering::Relaxed);
        }
    }
    pub fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
    pub fn repair(&self) {
        self.repairs.fetch_add(1, Ordering::Relaxed);
    }

    /// Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP querent_llm_requests_total LLM calls by purpose and outcome."
        );
        let _ = writeln!(out, "# TYPE querent_llm_requests_total counter");
        if let Ok(m) = self.requests.lock() {
            for ((purpose, outcome), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "querent_llm_requests_total{{purpose=\"{purpose}\",outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        for (name, help, value) in [
            (
                "querent_llm_prompt_tokens_total",
                "Prompt tokens sent to the LLM.",
                &self.prompt_tokens,
            ),
            (
                "querent_llm_completion_tokens_total",
                "Completion tokens received from the LLM.",
                &self.completion_tokens,
            ),
            (
                "querent_llm_cache_hits_total",
                "Translations and summaries answered from the cache.",
                &self.cache_hits,
            ),
            (
                "querent_llm_cache_misses_total",
                "Translations and summaries not in the cache.",
                &self.cache_misses,
            ),
            (
                "querent_llm_retries_total",
                "Retries after 429/503 answers.",
                &self.retries,
            ),
            (
                "querent_llm_repairs_total",
                "Answers sent back to the model with the validation error.",
                &self.repairs,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP querent_llm_fallbacks_total Answers that used the rules or the template summary instead of the LLM, by reason."
        );
        let _ = writeln!(out, "# TYPE querent_llm_fallbacks_total counter");
        if let Ok(m) = self.fallbacks.lock() {
            for (reason, n) in m.iter() {
                let _ = writeln!(
                    out,
                    "querent_llm_fallbacks_total{{reason=\"{reason}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP querent_llm_request_duration_seconds Latency of LLM calls."
        );
        let _ = writeln!(out, "# TYPE querent_llm_request_duration_seconds histogram");
        if let Ok(h) = self.latency.lock() {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "querent_llm_request_duration_seconds_bucket{{le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "querent_llm_request_duration_seconds_bucket{{le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "querent_llm_request_duration_seconds_sum {}", h.sum);
            let _ = writeln!(
                out,
                "querent_llm_request_duration_seconds_count {}",
                h.count
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.request("translate", "ok", Duration::from_millis(700));
        m.request("narrate", "timeout", Duration::from_secs(200));
        m.tokens(120, 30);
        m.fallback("timeout");
        m.cache(true);
        m.cache(false);
        let text = m.render();
        assert!(
            text.contains("querent_llm_requests_total{purpose=\"translate\",outcome=\"ok\"} 1")
        );
        assert!(text.contains("querent_llm_prompt_tokens_total 120"));
        assert!(text.contains("querent_llm_completion_tokens_total 30"));
        assert!(text.contains("querent_llm_fallbacks_total{reason=\"timeout\"} 1"));
        assert!(text.contains("querent_llm_request_duration_seconds_bucket{le=\"1\"} 1"));
        assert!(text.contains("querent_llm_request_duration_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("querent_llm_cache_hits_total 1"));
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
