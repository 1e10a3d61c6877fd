//! A short-lived, bounded cache of decoded answers with single-flight: identical requests that arrive
//! while one is in flight wait for it instead of asking Loki/Tempo again (several panels asking the
//! same thing, a dashboard refresh storm), and an answer is reused for `cacheTtlSeconds`.
//!
//! Keys are 128-bit hashes of the peer's identity (URL, tenant, credentials, headers) and the exact
//! request, so datasources with different credentials never share answers. Answers are kept while
//! they fit `cacheMaxBytes` (oldest dropped first); one larger than an eighth of it is shared with the
//! requests waiting for it but not kept. Errors are shared with waiters, never kept.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use super::ExecuteError;
use super::metrics::metrics;

/// A cached answer: any decoded type, shared.
pub type Cached = Arc<dyn Any + Send + Sync>;
type Flight = Shared<BoxFuture<'static, Result<(Cached, usize), ExecuteError>>>;

/// The cache key: a 128-bit hash of who is asked and what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey(pub u128);

#[derive(Debug)]
struct Entry {
    value: Cached,
    weight: usize,
    expires: Instant,
}

#[derive(Default)]
struct Inner {
    ready: HashMap<CacheKey, Entry>,
    /// Insertion order, for dropping the oldest first (stale keys are skipped).
    order: VecDeque<(CacheKey, Instant)>,
    in_flight: HashMap<CacheKey, Flight>,
    bytes: usize,
}

/// The response cache of one datasource instance.
pub struct ResponseCache {
    ttl: Duration,
    max_bytes: usize,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("ttl", &self.ttl)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

impl ResponseCache {
    /// `ttl` zero keeps nothing (identical requests in flight are still shared).
    pub fn new(ttl: Duration, max_bytes: usize) -> Arc<Self> {
        Arc::new(ResponseCache {
            ttl,
            max_bytes,
            inner: Mutex::new(Inner::default()),
        })
    }

    fn max_item(&self) -> usize {
        self.max_bytes / 8
    }

    /// The cached answer of `key`, the answer of an identical request in flight, or `fetch`'s.
    /// `fetch` returns the value and its approximate size in bytes.
    pub async fn get_or_fetch<T, F>(
        self: &Arc<Self>,
        key: CacheKey,
        fetch: F,
    ) -> Result<Arc<T>, ExecuteError>
    where
        T: Any + Send + Sync,
        F: Future<Output = Result<(T, usize), ExecuteError>> + Send + 'static,
    {
        let flight = {
            let mut inner = self.lock();
            let now = Instant::now();
            if let Some(entry) = inner.ready.get(&key) {
                if entry.expires > now {
                    let value = entry.value.clone();
                    drop(inner);
                    metrics().cache_hit();
                    return downcast(value);
                }
                if let Some(old) = inner.ready.remove(&key) {
                    inner.bytes -= old.weight;
                    metrics().cache_size(-1, -(old.weight as i64));
                }
            }
            if let Some(flight) = inner.in_flight.get(&key) {
                metrics().cache_coalesced();
                flight.clone()
            } else {
                metrics().cache_miss();
                let this = self.clone();
                let flight = async move {
                    let result = fetch
                        .await
                        .map(|(v, weight)| (Arc::new(v) as Cached, weight));
                    this.complete(key, &result);
                    result
                }
                .boxed()
                .shared();
                inner.in_flight.insert(key, flight.clone());
                flight
            }
        };
        let (value, _) = flight.await?;
        downcast(value)
    }

    fn complete(&self, key: CacheKey, result: &Result<(Cached, usize), ExecuteError>) {
        let mut inner = self.lock();
        inner.in_flight.remove(&key);
        let Ok((value, weight)) = result else { return };
        if self.ttl.is_zero() || *weight > self.max_item() {
            return;
        }
        let now = Instant::now();
        if let Some(old) = inner.ready.insert(
            key,
            Entry {
                value: value.clone(),
                weight: *weight,
                expires: now + self.ttl,
            },
        ) {
            inner.bytes -= old.weight;
            metrics().cache_size(-1, -(old.weight as i64));
        }
        inner.bytes += weight;
        inner.order.push_back((key, now));
        metrics().cache_size(1, *weight as i64);
        let mut evicted = 0;
        while inner.bytes > self.max_bytes || inner.order.len() > 4 * inner.ready.len() + 16 {
            let Some((old_key, inserted)) = inner.order.pop_front() else {
                break;
            };
            // Only the order entry that matches the entry's own insertion drops it.
            let current = inner
                .ready
                .get(&old_key)
                .is_some_and(|e| e.expires == inserted + self.ttl);
            if current && let Some(old) = inner.ready.remove(&old_key) {
                inner.bytes -= old.weight;
                metrics().cache_size(-1, -(old.weight as i64));
                if old.expires > now {
                    evicted += 1;
                }
            }
        }
        if evicted > 0 {
            metrics().cache_evicted(evicted);
        }
    }

    /// Answers held and their approximate bytes.
    pub fn size(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.ready.len(), inner.bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind: keep using it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for ResponseCache {
    fn drop(&mut self) {
        let inner = self.lock();
        metrics().cache_size(-(inner.ready.len() as i64), -(inner.bytes as i64));
    }
}

fn downcast<T: Any + Send + Sync>(value: Cached) -> Result<Arc<T>, ExecuteError> {
    value.downcast::<T>().map_err(|_| ExecuteError::Request {
        peer: crate::settings::Peer::Loki,
        reason: "internal error: a cached answer has an unexpected type".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn identical_requests_in_flight_are_sent_once() {
        let cache = ResponseCache::new(Duration::from_secs(10), 1 << 20);
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let cache = cache.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_fetch(CacheKey(7), async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok((String::from("answer"), 6))
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap().as_str(), "answer");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Kept for the TTL: a later request is a hit.
        let again: Arc<String> = cache
            .get_or_fetch(CacheKey(7), async { panic!("not fetched again") })
            .await
            .unwrap();
        assert_eq!(again.as_str(), "answer");
    }

    #[tokio::test]
    async fn errors_are_shared_but_not_kept_and_ttl_expires() {
        let cache = ResponseCache::new(Duration::from_millis(30), 1 << 20);
        let err = cache
            .get_or_fetch::<String, _>(CacheKey(1), async {
                Err(ExecuteError::NothingToRun { reason: "x".into() })
            })
            .await;
        assert!(err.is_err());
        let ok: Arc<String> = cache
            .get_or_fetch(CacheKey(1), async { Ok(("v1".to_string(), 2)) })
            .await
            .unwrap();
        assert_eq!(ok.as_str(), "v1");
        tokio::time::sleep(Duration::from_millis(40)).await;
        let fresh: Arc<String> = cache
            .get_or_fetch(CacheKey(1), async { Ok(("v2".to_string(), 2)) })
            .await
            .unwrap();
        assert_eq!(fresh.as_str(), "v2", "expired after the TTL");
    }

    #[tokio::test]
    async fn stays_within_its_byte_budget() {
        let cache = ResponseCache::new(Duration::from_secs(60), 8_000);
        for i in 0..100u128 {
            let _: Arc<Vec<u8>> = cache
                .get_or_fetch(CacheKey(i), async move { Ok((vec![0u8; 900], 900)) })
                .await
                .unwrap();
            assert!(cache.size().1 <= 8_000);
        }
        assert!(cache.size().0 <= 8);
        // Too big to keep (over an eighth of the budget): answered, not kept.
        let _: Arc<Vec<u8>> = cache
            .get_or_fetch(CacheKey(1000), async { Ok((vec![0u8; 1], 5_000)) })
            .await
            .unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let _: Arc<Vec<u8>> = cache
            .get_or_fetch(CacheKey(1000), async move {
                c.fetch_add(1, Ordering::SeqCst);
                Ok((vec![0u8; 1], 5_000))
            })
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
