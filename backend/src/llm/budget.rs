//! Cost control for one datasource: a prompt cap per request, a daily token budget (UTC days), a limit
//! on calls in flight, a requests-per-minute limit, and a cache of translations and summaries keyed by
//! the question (or evidence), the schema version and a time bucket. Retries on 429 with `Retry-After`
//! happen in the client's transport (`client.rs`).

use std::collections::HashMap;
use std::collections::VecDeque;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::error::LlmError;
use super::options::LlmOptions;

/// Answers for the same question within this bucket of `now` share a cache entry (relative times like
/// "the last hour" mean the same within five minutes for a translation).
pub const TIME_BUCKET_SECONDS: i64 = 300;
/// Entries kept at most (oldest dropped first).
const CACHE_CAPACITY: usize = 512;
/// How long a call waits for a free rate-limit slot before giving up (falls back).
const RATE_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub struct Budget {
    max_prompt_tokens: u32,
    daily_tokens: u64,
    used: Mutex<(NaiveDate, u64)>,
    in_flight: Semaphore,
    per_minute: usize,
    recent: Mutex<VecDeque<Instant>>,
}

impl Budget {
    pub fn new(options: &LlmOptions) -> Self {
        Budget {
            max_prompt_tokens: options.max_prompt_tokens,
            daily_tokens: options.daily_token_budget,
            used: Mutex::new((Utc::now().date_naive(), 0)),
            in_flight: Semaphore::new(options.max_concurrency.get() as usize),
            per_minute: options.requests_per_minute.get() as usize,
            recent: Mutex::new(VecDeque::new()),
        }
    }

    pub fn max_prompt_tokens(&self) -> u32 {
        self.max_prompt_tokens
    }

    /// Checks a prompt of `tokens` against the cap and today's budget.
    pub fn admit(&self, tokens: u32, now: DateTime<Utc>) -> Result<(), LlmError> {
        if tokens > self.max_prompt_tokens {
            return Err(LlmError::PromptTooLong {
                tokens,
                cap: self.max_prompt_tokens,
            });
        }
        let used = self.used_today(now);
        if used + u64::from(tokens) > self.daily_tokens {
            return Err(LlmError::BudgetExhausted {
                budget: self.daily_tokens,
            });
        }
        Ok(())
    }

    /// Tokens spent today (UTC).
    pub fn used_today(&self, now: DateTime<Utc>) -> u64 {
        let today = now.date_naive();
        match self.used.lock() {
            Ok(mut u) => {
                if u.0 != today {
                    *u = (today, 0);
                }
                u.1
            }
            Err(_) => 0,
        }
    }

    /// Books what a call cost.
    pub fn spend(&self, tokens: u64, now: DateTime<Utc>) {
        let today = now.date_naive();
        if let Ok(mut u) = self.used.lock() {
            if u.0 != today {
                *u = (today, 0);
            }
            u.1 = u.1.saturating_add(tokens);
        }
    }

    /// A slot for one call: waits for the concurrency limit and a rate-limit slot (briefly; a datasource
    /// over its limit falls back rather than queueing for minutes).
    pub async fn slot(&self) -> Result<SemaphorePermit<'_>, LlmError> {
        let permit = tokio::time::timeout(RATE_WAIT * 30, self.in_flight.acquire())
            .await
            .map_err(|_| LlmError::Busy)?
            .map_err(|_| LlmError::Busy)?;
        let deadline = Instant::now() + RATE_WAIT;
        loop {
            let wait = {
                let mut recent = self.recent.lock().map_err(|_| LlmError::Busy)?;
                let now = Instant::now();
                while recent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
                {
                    recent.pop_front();
                }
                if recent.len() < self.per_minute {
                    recent.push_back(now);
                    None
                } else {
                    recent
                        .front()
                        .map(|t| Duration::from_secs(60).saturating_sub(now.duration_since(*t)))
                }
            };
            match wait {
                None => return Ok(permit),
                Some(w) if Instant::now() + w <= deadline => tokio::time::sleep(w).await,
                Some(_) => return Err(LlmError::Busy),
            }
        }
    }
}

/// A key for the cache: what was asked, against which schema, and when (bucketed).
pub fn cache_key(purpose: &str, text: &str, schema_version: u64, now: DateTime<Utc>) -> u64 {
    let mut h = DefaultHasher::new();
    purpose.hash(&mut h);
    text.hash(&mut h);
    schema_version.hash(&mut h);
    now.timestamp().div_euclid(TIME_BUCKET_SECONDS).hash(&mut h);
    h.finish()
}

/// A version of anything serialisable (the schema, an evidence pack), for cache keys.
pub fn version_of<T: serde::Serialize>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    serde_json::to_string(value)
        .unwrap_or_default()
        .hash(&mut h);
    h.finish()
}

/// Model answers by key, each kept for the TTL.
#[derive(Debug)]
pub struct Cache {
    ttl: Option<Duration>,
    entries: Mutex<HashMap<u64, (Instant, String)>>,
}

impl Cache {
    pub fn new(ttl: Option<Duration>) -> Self {
        Cache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: u64) -> Option<String> {
        let ttl = self.ttl?;
        let mut map = self.entries.lock().ok()?;
        match map.get(&key) {
            Some((at, v)) if at.elapsed() < ttl => Some(v.clone()),
            Some(_) => {
                map.remove(&key);
                None
            }
            None => None,
        }
    }

    pub fn put(&self, key: u64, value: String) {
        if self.ttl.is_none() {
            return;
        }
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= CACHE_CAPACITY
                && let Some(oldest) = map.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| *k)
            {
                map.remove(&oldest);
            }
            map.insert(key, (Instant::now(), value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    fn options(cap: u32, daily: u64, rpm: u32) -> LlmOptions {
        LlmOptions {
            max_prompt_tokens: cap,
            daily_token_budget: daily,
            requests_per_minute: NonZeroU32::new(rpm).unwrap(),
            ..LlmOptions::default()
        }
    }

    #[test]
    fn prompt_cap_and_daily_budget() {
        let b = Budget::new(&options(100, 250, 10));
        let now = Utc::now();
        assert!(matches!(
            b.admit(101, now),
            Err(LlmError::PromptTooLong {
                tokens: 101,
                cap: 100
            })
        ));
        assert!(b.admit(100, now).is_ok());
        b.spend(200, now);
        assert!(matches!(
            b.admit(60, now),
            Err(LlmError::BudgetExhausted { budget: 250 })
        ));
        // A new UTC day starts from zero.
        let tomorrow = now + chrono::Duration::days(1);
        assert!(b.admit(60, tomorrow).is_ok());
        assert_eq!(b.used_today(tomorrow), 0);
    }

    #[tokio::test]
    async fn rate_limit_refuses_past_the_minute_quota() {
        let b = Budget::new(&options(100, 1000, 2));
        drop(b.slot().await.unwrap());
        drop(b.slot().await.unwrap());
        assert!(matches!(b.slot().await, Err(LlmError::Busy)));
    }

    #[test]
    fn cache_keys_change_with_schema_and_bucket() {
        let now = Utc::now();
        let k = cache_key("translate", "errors", 1, now);
        assert_eq!(k, cache_key("translate", "errors", 1, now));
        assert_ne!(k, cache_key("translate", "errors", 2, now));
        assert_ne!(
            k,
            cache_key(
                "translate",
                "errors",
                1,
                now + chrono::Duration::seconds(600)
            )
        );
        let c = Cache::new(Some(Duration::from_secs(60)));
        c.put(k, "plan".into());
        assert_eq!(c.get(k).as_deref(), Some("plan"));
        let off = Cache::new(None);
        off.put(k, "plan".into());
        assert_eq!(off.get(k), None);
    }
}
