//! Sends demo data to Loki (push API) and Tempo (OTLP/HTTP JSON), with readiness waits and retries.
//!
//! Retried: connection errors, timeouts, 429 and 5xx (Loki and Tempo answer 503 while starting).
//! Not retried: other 4xx. Loki's 400 for entries that are too old (`reject_old_samples_max_age`, or
//! behind the stream's out-of-order window) becomes [`DemoError::LokiRejectedOldSamples`] with a hint.

use std::time::Duration;

use url::Url;

use super::error::{DemoError, Target};

/// Longest error body we keep for messages (Loki lists every rejected entry).
const MAX_BODY_CHARS: usize = 600;

/// What the pusher tells its caller while it works (the CLI prints these).
#[derive(Debug, Clone, PartialEq)]
pub enum PushEvent {
    /// A request failed in a retryable way; the next try comes after `delay`.
    Retrying {
        target: Target,
        attempt: u32,
        max: u32,
        delay: Duration,
        reason: String,
    },
    /// A readiness endpoint did not answer 200 yet.
    Waiting {
        target: Target,
        url: String,
        reason: String,
    },
}

/// Retry and timeout settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 8,
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff: first_delay × 2^(attempt-1), capped.
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Where the data goes.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// `…/loki/api/v1/push`
    pub loki_push: Url,
    /// `…/ready` of Loki.
    pub loki_ready: Url,
    /// `…/v1/traces` (OTLP/HTTP).
    pub tempo_traces: Url,
    /// Tempo's `…/ready` on its HTTP API port, when known.
    pub tempo_ready: Option<Url>,
}

fn parse_base(what: &'static str, url: &str) -> Result<Url, DemoError> {
    let mut parsed = Url::parse(url).map_err(|e| DemoError::BadUrl {
        what,
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(DemoError::BadUrl {
            what,
            url: url.to_owned(),
            reason: "scheme must be http or https".to_owned(),
        });
    }
    if !parsed.path().ends_with('/') {
        let path = format!("{}/", parsed.path());
        parsed.set_path(&path);
    }
    Ok(parsed)
}

fn join(what: &'static str, base: &Url, path: &str) -> Result<Url, DemoError> {
    base.join(path).map_err(|e| DemoError::BadUrl {
        what,
        url: base.to_string(),
        reason: e.to_string(),
    })
}

impl Endpoints {
    /// From base URLs: Loki (`http://loki:3100`), Tempo's OTLP/HTTP receiver (`http://tempo:4318`) and,
    /// optionally, Tempo's API (`http://tempo:3200`) for its readiness.
    pub fn new(loki: &str, tempo_otlp: &str, tempo_api: Option<&str>) -> Result<Self, DemoError> {
        let loki = parse_base("Loki", loki)?;
        let tempo = parse_base("Tempo OTLP", tempo_otlp)?;
        let tempo_ready = match tempo_api {
            Some(api) => Some(join("Tempo API", &parse_base("Tempo API", api)?, "ready")?),
            None => None,
        };
        Ok(Self {
            loki_push: join("Loki", &loki, "loki/api/v1/push")?,
            loki_ready: join("Loki", &loki, "ready")?,
            tempo_traces: join("Tempo OTLP", &tempo, "v1/traces")?,
            tempo_ready,
        })
    }
}

/// Pushes JSON bodies with retries.
#[derive(Debug, Clone)]
pub struct Pusher {
    client: reqwest::Client,
    pub endpoints: Endpoints,
    pub policy: RetryPolicy,
}

enum Failure {
    Retryable(String),
    Fatal(DemoError),
}

fn truncate(body: &str) -> String {
    let body = body.trim();
    if body.chars().count() <= MAX_BODY_CHARS {
        return body.to_owned();
    }
    let cut: String = body.chars().take(MAX_BODY_CHARS).collect();
    format!("{cut}…")
}

/// True for Loki's answers to entries it will never take because of their age.
pub fn is_old_sample_rejection(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    lower.contains("too old") || lower.contains("too far behind") || lower.contains("out of order")
}

impl Pusher {
    pub fn new(endpoints: Endpoints, policy: RetryPolicy) -> Result<Self, DemoError> {
        let client = reqwest::Client::builder()
            .timeout(policy.request_timeout)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("querent-demo/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DemoError::Client(e.to_string()))?;
        Ok(Self {
            client,
            endpoints,
            policy,
        })
    }

    /// Polls `url` until it answers 200, up to `timeout`.
    pub async fn wait_ready(
        &self,
        target: Target,
        url: &Url,
        timeout: Duration,
        on_event: &mut (dyn FnMut(PushEvent) + Send),
    ) -> Result<(), DemoError> {
        let started = std::time::Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = match self.client.get(url.clone()).send().await {
                Ok(resp) if resp.status().is_success() => return Ok(()),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let body = resp.text().await.unwrap_or_default();
                    format!("HTTP {status} {}", truncate(&body))
                }
                Err(err) => describe(&err),
            };
            if started.elapsed() >= timeout {
                return Err(DemoError::NotReady {
                    target,
                    url: url.to_string(),
                    waited_s: started.elapsed().as_secs(),
                    last,
                });
            }
            on_event(PushEvent::Waiting {
                target,
                url: url.to_string(),
                reason: last,
            });
            tokio::time::sleep(self.policy.delay(attempt).min(Duration::from_secs(5))).await;
        }
    }

    /// Posts a JSON body to Loki's push endpoint.
    pub async fn push_loki(
        &self,
        body: Vec<u8>,
        on_event: &mut (dyn FnMut(PushEvent) + Send),
    ) -> Result<(), DemoError> {
        let url = self.endpoints.loki_push.clone();
        self.post(Target::Loki, url, body, on_event).await
    }

    /// Posts an OTLP JSON body to Tempo.
    pub async fn push_tempo(
        &self,
        body: Vec<u8>,
        on_event: &mut (dyn FnMut(PushEvent) + Send),
    ) -> Result<(), DemoError> {
        let url = self.endpoints.tempo_traces.clone();
        self.post(Target::Tempo, url, body, on_event).await
    }

    async fn post(
        &self,
        target: Target,
        url: Url,
        body: Vec<u8>,
        on_event: &mut (dyn FnMut(PushEvent) + Send),
    ) -> Result<(), DemoError> {
        let attempts = self.policy.attempts.max(1);
        let mut last = String::new();
        for attempt in 1..=attempts {
            match self.try_post(target, &url, body.clone()).await {
                Ok(()) => return Ok(()),
                Err(Failure::Fatal(err)) => return Err(err),
                Err(Failure::Retryable(reason)) => {
                    last = reason.clone();
                    if attempt < attempts {
                        let delay = self.policy.delay(attempt);
                        on_event(PushEvent::Retrying {
                            target,
                            attempt,
                            max: attempts,
                            delay,
                            reason,
                        });
                        tokio::time::sleep(delay).await;
                    }
                }
            }
        }
        Err(DemoError::GaveUp {
            target,
            url: url.to_string(),
            attempts,
            last,
        })
    }

    async fn try_post(&self, target: Target, url: &Url, body: Vec<u8>) -> Result<(), Failure> {
        let resp = self
            .client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| Failure::Retryable(describe(&e)))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let text = truncate(&resp.text().await.unwrap_or_default());
        let code = status.as_u16();
        if code == 429 || status.is_server_error() {
            let what = if target == Target::Tempo && code == 503 {
                " (Tempo not ready yet?)"
            } else {
                ""
            };
            return Err(Failure::Retryable(format!("HTTP {code}{what}: {text}")));
        }
        if target == Target::Loki && code == 400 && is_old_sample_rejection(&text) {
            return Err(Failure::Fatal(DemoError::LokiRejectedOldSamples {
                body: text,
            }));
        }
        Err(Failure::Fatal(DemoError::Rejected {
            target,
            url: url.to_string(),
            status: code,
            body: text,
        }))
    }
}

/// A short description of a transport error (connection refused, timeout, …).
fn describe(err: &reqwest::Error) -> String {
    let kind = if err.is_connect() {
        "connection failed"
    } else if err.is_timeout() {
        "timed out"
    } else {
        "request failed"
    };
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        detail = format!("{detail}: {inner}");
        source = inner.source();
    }
    format!("{kind} ({detail})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_join_paths_onto_base_urls() {
        let e = Endpoints::new(
            "http://loki:3100",
            "http://tempo:4318/",
            Some("http://tempo:3200"),
        )
        .expect("valid URLs");
        assert_eq!(e.loki_push.as_str(), "http://loki:3100/loki/api/v1/push");
        assert_eq!(e.loki_ready.as_str(), "http://loki:3100/ready");
        assert_eq!(e.tempo_traces.as_str(), "http://tempo:4318/v1/traces");
        assert_eq!(
            e.tempo_ready.map(|u| u.to_string()).as_deref(),
            Some("http://tempo:3200/ready")
        );
        let prefixed =
            Endpoints::new("http://gw/loki-proxy", "http://gw/otlp", None).expect("valid URLs");
        assert_eq!(
            prefixed.loki_push.as_str(),
            "http://gw/loki-proxy/loki/api/v1/push"
        );
        assert_eq!(prefixed.tempo_traces.as_str(), "http://gw/otlp/v1/traces");
    }

    #[test]
    fn bad_urls_name_the_peer() {
        let err = Endpoints::new("loki:3100", "http://tempo:4318", None).expect_err("no scheme");
        assert!(err.to_string().contains("Loki"), "{err}");
        let err =
            Endpoints::new("ftp://loki", "http://tempo:4318", None).expect_err("wrong scheme");
        assert!(err.to_string().contains("http"), "{err}");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..Default::default()
        };
        assert_eq!(p.delay(1), Duration::from_millis(100));
        assert_eq!(p.delay(2), Duration::from_millis(200));
        assert_eq!(p.delay(3), Duration::from_millis(350));
        assert_eq!(p.delay(40), Duration::from_millis(350));
    }

    #[test]
    fn recognises_lokis_old_sample_answers() {
        assert!(is_old_sample_rejection(
            "entry for stream '{app=\"x\"}' has timestamp too old: 2026-11-01T00:00:00Z, oldest acceptable timestamp is: 2026-11-18T09:00:00Z"
        ));
        assert!(is_old_sample_rejection(
            "entry too far behind, entry timestamp is: ..., oldest acceptable timestamp is: ..."
        ));
        assert!(!is_old_sample_rejection(
            "error at least one label pair is required per stream"
        ));
    }
}
