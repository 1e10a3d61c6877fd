//! One HTTP peer (Loki or Tempo): auth, tenant and custom headers, timeouts, a size cap on bodies, and
//! status codes turned into [`ExecuteError`]s that keep the server's own (plain-text) message.
//!
//! Under load and faults: at most `maxConcurrentRequests` requests per peer are in flight (the rest
//! wait, until the timeout at most); a GET is sent again after a refused connection, 429, 502 or 503
//! (honouring `Retry-After`, at most [`MAX_RETRIES`] times, always within `timeoutSeconds` in all);
//! error bodies are read only as far as a message needs; log answers are decoded while they arrive and
//! cut at `maxResponseBytes`; query answers go through the [`ResponseCache`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use url::Url;

use super::ExecuteError;
use super::cache::{CacheKey, ResponseCache};
use super::loki_stream::{LogDecoder, LokiAnswer, StreamDecodeError};
use super::metrics::{Outcome, metrics};
use crate::settings::{Auth, Peer, PeerSettings};

/// Longest server message kept in an error (Loki/Tempo messages are one line; HTML error pages are not).
const MAX_MESSAGE_CHARS: usize = 600;

/// HTTP method of an API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A request to a peer, built without I/O by the `build_*` functions so tests can assert it exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    pub method: Method,
    /// Path below the peer's base URL, starting with `/`.
    pub path: String,
    /// Query parameters in the order they are sent.
    pub params: Vec<(&'static str, String)>,
    /// Extra request headers (e.g. `Accept`).
    pub headers: Vec<(&'static str, &'static str)>,
}

impl ApiRequest {
    pub fn get(path: impl Into<String>) -> Self {
        ApiRequest {
            method: Method::Get,
            path: path.into(),
            params: Vec::new(),
            headers: Vec::new(),
        }
    }

    #[must_use]
    pub fn param(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.params.push((key, value.into()));
        self
    }

    #[must_use]
    pub fn opt_param(self, key: &'static str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.param(key, v),
            None => self,
        }
    }

    #[must_use]
    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The full URL below `base` (whose own path is kept as a prefix).
    pub fn url(&self, base: &Url) -> Url {
        let mut url = base.clone();
        let prefix = base.path().trim_end_matches('/');
        url.set_path(&format!("{prefix}{}", self.path));
        if !self.params.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &self.params {
                pairs.append_pair(k, v);
            }
        }
        url
    }
}

/// A response as received: any status, body read up to the size cap.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// How many times a safe request is sent again (after a refused connection, 429, 502 or 503).
pub const MAX_RETRIES: u32 = 2;
/// First pause before a retry; doubled each time.
const RETRY_BACKOFF: Duration = Duration::from_millis(100);
/// Longest `Retry-After` honoured; a server asking for more gets its error shown instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);
/// Most of an error body that is read (Loki's and Tempo's messages are one line; proxies' HTML pages
/// can be large and say little).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// What happens to a 2xx body.
enum BodyMode {
    /// Read whole, up to the cap (a larger answer fails with `TooLarge`).
    Buffer,
    /// Decoded while it arrives as a Loki log answer; a larger answer is cut at the cap.
    Logs,
}

enum Body {
    Bytes(Vec<u8>),
    Logs(LokiAnswer),
}

struct Answer {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<Duration>,
    body: Body,
}

/// What [`PeerClient`] shares between its clones.
#[derive(Debug)]
struct PeerInner {
    settings: PeerSettings,
    headers: HeaderMap,
    http: reqwest::Client,
    timeout: Duration,
    max_bytes: usize,
    /// Requests to this peer in flight at most (`maxConcurrentRequests`).
    limiter: Arc<Semaphore>,
    max_concurrent: usize,
    cache: Option<Arc<ResponseCache>>,
    /// Hash of URL, tenant, credentials and headers: part of every cache key.
    identity: u128,
}

/// A configured peer sharing the process-wide pooled [`reqwest::Client`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PeerClient {
    inner: Arc<PeerInner>,
}

impl PeerClient {
    /// Settings were validated by `Settings::from_raw`, so header names and values are valid here;
    /// anything that is not is skipped rather than sent half-formed. No concurrency limit and no
    /// cache until [`PeerClient::with_limits`].
    pub fn new(
        settings: PeerSettings,
        http: reqwest::Client,
        timeout: Duration,
        max_bytes: usize,
    ) -> Self {
        let mut headers = HeaderMap::new();
        if let Some(tenant) = &settings.tenant
            && let Ok(value) = HeaderValue::from_str(tenant)
        {
            headers.insert(HeaderName::from_static("x-scope-orgid"), value);
        }
        for (name, value) in &settings.headers {
            if let (Ok(name), Ok(mut value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value.expose()),
            ) {
                value.set_sensitive(true);
                headers.append(name, value);
            }
        }
        let identity = identity_of(&settings);
        PeerClient {
            inner: Arc::new(PeerInner {
                settings,
                headers,
                http,
                timeout,
                max_bytes,
                limiter: Arc::new(Semaphore::new(Semaphore::MAX_PERMITS)),
                max_concurrent: Semaphore::MAX_PERMITS,
                cache: None,
                identity,
            }),
        }
    }

    /// At most `max_concurrent` requests in flight to this peer; answers of query endpoints shared
    /// through `cache`.
    #[must_use]
    pub fn with_limits(self, max_concurrent: usize, cache: Option<Arc<ResponseCache>>) -> Self {
        let inner = &self.inner;
        let max_concurrent = max_concurrent.clamp(1, Semaphore::MAX_PERMITS);
        PeerClient {
            inner: Arc::new(PeerInner {
                settings: inner.settings.clone(),
                headers: inner.headers.clone(),
                http: inner.http.clone(),
                timeout: inner.timeout,
                max_bytes: inner.max_bytes,
                limiter: Arc::new(Semaphore::new(max_concurrent)),
                max_concurrent,
                cache,
                identity: inner.identity,
            }),
        }
    }

    pub fn peer(&self) -> Peer {
        self.inner.settings.peer
    }

    pub fn base_url(&self) -> &Url {
        &self.inner.settings.url
    }

    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    pub fn max_bytes(&self) -> usize {
        self.inner.max_bytes
    }

    /// Sends the request and returns whatever status came back (for callers that treat some non-2xx
    /// answers as meaningful, like Tempo's v1 404 = trace not found). Retries where safe.
    pub async fn send_raw(&self, req: &ApiRequest) -> Result<RawResponse, ExecuteError> {
        let answer = self.send_with_retries(req, BodyMode::Buffer).await?;
        let body = match answer.body {
            Body::Bytes(b) => b,
            Body::Logs(_) => Vec::new(),
        };
        Ok(RawResponse {
            status: answer.status,
            content_type: answer.content_type,
            body,
        })
    }

    /// Sends a log query and decodes its answer while it arrives (see [`super::loki_stream`]). An
    /// answer larger than `maxResponseBytes` is cut there: the lines read so far come back with
    /// `cut_at` set.
    pub async fn fetch_log_answer(&self, req: &ApiRequest) -> Result<LokiAnswer, ExecuteError> {
        let answer = self.send_with_retries(req, BodyMode::Logs).await?;
        match answer.body {
            Body::Logs(logs) => Ok(logs),
            Body::Bytes(body) => Err(self.status_error(
                &RawResponse {
                    status: answer.status,
                    content_type: answer.content_type,
                    body,
                },
                query_of(req),
            )),
        }
    }

    /// Runs `fetch` once for all identical requests in flight and keeps its answer for the cache's
    /// TTL; without a cache, just runs it. `what` separates decodings of the same request.
    pub async fn cached<T, F>(
        &self,
        req: &ApiRequest,
        what: &'static str,
        fetch: F,
    ) -> Result<Arc<T>, ExecuteError>
    where
        T: std::any::Any + Send + Sync,
        F: Future<Output = Result<(T, usize), ExecuteError>> + Send + 'static,
    {
        match &self.inner.cache {
            Some(cache) => cache.get_or_fetch(self.cache_key(req, what), fetch).await,
            None => fetch.await.map(|(v, _)| Arc::new(v)),
        }
    }

    fn cache_key(&self, req: &ApiRequest, what: &str) -> CacheKey {
        let mut text = Vec::with_capacity(256);
        text.extend_from_slice(&self.inner.identity.to_le_bytes());
        for part in [
            what,
            if req.method == Method::Get {
                "GET"
            } else {
                "POST"
            },
            &req.path,
        ] {
            text.extend_from_slice(part.as_bytes());
            text.push(0);
        }
        for (k, v) in &req.params {
            text.extend_from_slice(k.as_bytes());
            text.push(1);
            text.extend_from_slice(v.as_bytes());
            text.push(0);
        }
        for (k, v) in &req.headers {
            text.extend_from_slice(k.as_bytes());
            text.push(2);
            text.extend_from_slice(v.as_bytes());
            text.push(0);
        }
        CacheKey(xxhash_rust::xxh3::xxh3_128(&text))
    }

    async fn send_with_retries(
        &self,
        req: &ApiRequest,
        mode: BodyMode,
    ) -> Result<Answer, ExecuteError> {
        let peer = self.peer();
        let deadline = Instant::now() + self.inner.timeout;
        let _permit = self.acquire(deadline).await?;
        let safe = req.method == Method::Get;
        let mut attempt = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(ExecuteError::Timeout {
                    peer,
                    after: self.inner.timeout,
                });
            }
            metrics().in_flight(peer, 1);
            let result = self.send_once(req, remaining, &mode).await;
            metrics().in_flight(peer, -1);
            let retry_in = match &result {
                Ok(a) if matches!(a.status, 429 | 502 | 503) => {
                    Some(a.retry_after.unwrap_or(RETRY_BACKOFF * 2u32.pow(attempt)))
                }
                Err(ExecuteError::Connect { .. }) => Some(RETRY_BACKOFF * 2u32.pow(attempt)),
                _ => None,
            };
            match retry_in {
                Some(wait)
                    if safe
                        && attempt < MAX_RETRIES
                        && wait <= MAX_RETRY_AFTER
                        && Instant::now() + wait < deadline =>
                {
                    metrics().retry(peer);
                    tracing::debug!(%peer, attempt, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                _ => return result,
            }
        }
    }

    /// A slot for one request (`maxConcurrentRequests`), waiting until the deadline at most.
    async fn acquire(
        &self,
        deadline: Instant,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, ExecuteError> {
        let limiter = &self.inner.limiter;
        if let Ok(permit) = limiter.try_acquire() {
            return Ok(permit);
        }
        metrics().waited(self.peer());
        let busy = || ExecuteError::Busy {
            peer: self.peer(),
            limit: self.inner.max_concurrent,
            waited: self.inner.timeout,
        };
        match tokio::time::timeout_at(deadline.into(), limiter.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy()),
        }
    }

    async fn send_once(
        &self,
        req: &ApiRequest,
        timeout: Duration,
        mode: &BodyMode,
    ) -> Result<Answer, ExecuteError> {
        let inner = &self.inner;
        let peer = self.peer();
        let url = req.url(&inner.settings.url);
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = inner
            .http
            .request(method, url)
            .timeout(timeout)
            .headers(inner.headers.clone());
        for (name, value) in &req.headers {
            builder = builder.header(*name, *value);
        }
        builder = match &inner.settings.auth {
            Auth::None => builder,
            Auth::Basic { user, password } => builder.basic_auth(user, Some(password.expose())),
            Auth::Bearer { token } => builder.bearer_auth(token.expose()),
        };
        let mut response = match builder.send().await {
            Ok(r) => r,
            Err(e) => {
                let err = self.transport_error(&e);
                metrics().request(peer, outcome_of(&err), 0);
                return Err(err);
            }
        };
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let retry_after = header(reqwest::header::RETRY_AFTER).and_then(|v| parse_retry_after(&v));
        let success = (200..300).contains(&status);
        let mut received = 0usize;
        let body = if !success {
            // Only the message matters: read a bounded prefix.
            let mut body = Vec::new();
            while body.len() < MAX_ERROR_BODY {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        let room = MAX_ERROR_BODY - body.len();
                        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    }
                    Ok(None) | Err(_) => break,
                }
            }
            received = body.len();
            Body::Bytes(body)
        } else {
            let result = match mode {
                BodyMode::Buffer => self.read_whole(&mut response, &mut received).await,
                BodyMode::Logs => self.read_logs(&mut response, &mut received).await,
            };
            match result {
                Ok(body) => body,
                Err(err) => {
                    metrics().request(peer, outcome_of(&err), received);
                    return Err(err);
                }
            }
        };
        metrics().request(
            peer,
            if success {
                Outcome::Ok
            } else {
                Outcome::Status
            },
            received,
        );
        Ok(Answer {
            status,
            content_type,
            retry_after,
            body,
        })
    }

    async fn read_whole(
        &self,
        response: &mut reqwest::Response,
        received: &mut usize,
    ) -> Result<Body, ExecuteError> {
        let max = self.inner.max_bytes;
        let too_large = || ExecuteError::TooLarge {
            peer: self.peer(),
            limit: max,
        };
        if response
            .content_length()
            .is_some_and(|len| len > max as u64)
        {
            return Err(too_large());
        }
        let mut body =
            Vec::with_capacity(response.content_length().map_or(0, |l| l as usize).min(max));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.body_error(&e, *received))?
        {
            *received += chunk.len();
            if body.len() + chunk.len() > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Body::Bytes(body))
    }

    async fn read_logs(
        &self,
        response: &mut reqwest::Response,
        received: &mut usize,
    ) -> Result<Body, ExecuteError> {
        let max = self.inner.max_bytes;
        let peer = self.peer();
        let mut decoder = LogDecoder::new();
        let mut cut = false;
        let decode_error = |e: StreamDecodeError| ExecuteError::Decode {
            peer,
            what: "query result",
            reason: e.to_string(),
        };
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.body_error(&e, *received))?
        {
            let room = max - *received;
            *received += chunk.len().min(room);
            if chunk.len() > room {
                decoder.feed(&chunk[..room]).map_err(decode_error)?;
                cut = true;
                break;
            }
            decoder.feed(&chunk).map_err(decode_error)?;
            if decoder.is_done() {
                // The rest (stats) is not needed; read it so the connection can be reused, unless
                // it is large.
                while *received < max {
                    match response.chunk().await {
                        Ok(Some(c)) => *received += c.len(),
                        _ => break,
                    }
                }
                break;
            }
        }
        let lines = decoder.line_count();
        let mut answer = decoder.finish(cut).map_err(decode_error)?;
        if let LokiAnswer::Streams(batch) = &mut answer {
            batch.wire_bytes = *received;
            if cut {
                if lines == 0 {
                    return Err(ExecuteError::TooLarge { peer, limit: max });
                }
                metrics().cut(peer);
                batch.cut_at = Some(max);
            }
        } else if cut {
            return Err(ExecuteError::TooLarge { peer, limit: max });
        }
        Ok(Body::Logs(answer))
    }

    /// Sends the request; a non-2xx status becomes [`ExecuteError::Status`] with the server's message.
    pub async fn send(&self, req: &ApiRequest) -> Result<RawResponse, ExecuteError> {
        let response = self.send_raw(req).await?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(self.status_error(&response, query_of(req)))
        }
    }

    /// Sends the request and decodes a JSON body; `what` names the endpoint in errors.
    pub async fn fetch_json<T: DeserializeOwned>(
        &self,
        req: &ApiRequest,
        what: &'static str,
    ) -> Result<T, ExecuteError> {
        let response = self.send(req).await?;
        self.decode(&response.body, what)
    }

    /// [`PeerClient::fetch_json`] through the response cache (query endpoints).
    pub async fn fetch_json_cached<T>(
        &self,
        req: &ApiRequest,
        what: &'static str,
    ) -> Result<Arc<T>, ExecuteError>
    where
        T: DeserializeOwned + Send + Sync + 'static,
    {
        let this = self.clone();
        let owned = req.clone();
        self.cached(req, what, async move {
            let response = this.send(&owned).await?;
            let value: T = this.decode(&response.body, what)?;
            Ok((value, response.body.len()))
        })
        .await
    }

    pub fn decode<T: DeserializeOwned>(
        &self,
        body: &[u8],
        what: &'static str,
    ) -> Result<T, ExecuteError> {
        serde_json::from_slice(body).map_err(|e| ExecuteError::Decode {
            peer: self.peer(),
            what,
            reason: e.to_string(),
        })
    }

    pub fn status_error(&self, response: &RawResponse, query: Option<String>) -> ExecuteError {
        ExecuteError::Status {
            peer: self.peer(),
            status: response.status,
            message: server_message(response.status, &response.body),
            query,
        }
    }

    fn transport_error(&self, err: &reqwest::Error) -> ExecuteError {
        let peer = self.peer();
        if err.is_timeout() {
            ExecuteError::Timeout {
                peer,
                after: self.inner.timeout,
            }
        } else if err.is_connect() {
            ExecuteError::Connect {
                peer,
                url: self.inner.settings.url.to_string(),
                reason: root_cause(err),
            }
        } else {
            ExecuteError::Request {
                peer,
                reason: root_cause(err),
            }
        }
    }

    /// A failure while the body was arriving: a timeout, or the answer breaking off.
    fn body_error(&self, err: &reqwest::Error, received: usize) -> ExecuteError {
        if err.is_timeout() {
            return self.transport_error(err);
        }
        ExecuteError::Incomplete {
            peer: self.peer(),
            received,
            reason: root_cause(err),
        }
    }
}

fn outcome_of(err: &ExecuteError) -> Outcome {
    match err {
        ExecuteError::Timeout { .. } => Outcome::Timeout,
        ExecuteError::Status { .. } => Outcome::Status,
        _ => Outcome::Failed,
    }
}

/// `Retry-After` in seconds (`120`) or as an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// What identifies a peer's answers: URL, tenant, credentials and headers (hashed, never kept).
fn identity_of(settings: &PeerSettings) -> u128 {
    let mut text = String::new();
    text.push_str(settings.url.as_str());
    text.push('\0');
    text.push_str(settings.tenant.as_deref().unwrap_or(""));
    text.push('\0');
    match &settings.auth {
        Auth::None => text.push('n'),
        Auth::Basic { user, password } => {
            text.push_str(user);
            text.push('\u{1}');
            text.push_str(password.expose());
        }
        Auth::Bearer { token } => text.push_str(token.expose()),
    }
    for (name, value) in &settings.headers {
        text.push('\0');
        text.push_str(name);
        text.push('\u{1}');
        text.push_str(value.expose());
    }
    xxhash_rust::xxh3::xxh3_128(text.as_bytes())
}

/// Adds the request's standard `Accept: application/json`.
pub fn accept_json(req: ApiRequest) -> ApiRequest {
    req.header(ACCEPT.as_str(), "application/json")
}

/// The LogQL/TraceQL text of a request, for error messages.
fn query_of(req: &ApiRequest) -> Option<String> {
    req.params
        .iter()
        .find(|(k, _)| *k == "query" || *k == "q")
        .map(|(_, v)| v.clone())
}

/// The innermost error message of a chain: `Connection refused (os error 111)` rather than
/// `error sending request for url (...)`. Never contains credentials (they are headers, not URL parts).
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// What the server said: Loki's/Tempo's plain text, a JSON `message`/`error` field, or the reason phrase
/// for an empty body. Cut to one readable paragraph.
pub fn server_message(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let from_json = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| {
            ["message", "error"]
                .iter()
                .find_map(|k| v.get(k).and_then(|m| m.as_str()).map(str::to_string))
        });
    let message = match from_json {
        Some(m) => m,
        None if text.is_empty() => reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("no message")
            .to_string(),
        None => text.to_string(),
    };
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if message.chars().count() > MAX_MESSAGE_CHARS {
        let cut: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
        format!("{cut}…")
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_keeps_base_path_prefix_and_encodes_params() {
        let req = ApiRequest::get("/loki/api/v1/query_range")
            .param("query", r#"{a="b"} |= "x y""#)
            .param("limit", "5");
        let base = Url::parse("http://gw:8080/loki-tenant/").unwrap();
        assert_eq!(
            req.url(&base).as_str(),
            "http://gw:8080/loki-tenant/loki/api/v1/query_range?query=%7Ba%3D%22b%22%7D+%7C%3D+%22x+y%22&limit=5"
        );
        let bare = Url::parse("http://loki:3100").unwrap();
        assert_eq!(
            ApiRequest::get("/ready").url(&bare).as_str(),
            "http://loki:3100/ready"
        );
    }

    #[test]
    fn server_message_prefers_plain_text_then_json_then_reason() {
        assert_eq!(
            server_message(400, b"parse error at line 1\n"),
            "parse error at line 1"
        );
        assert_eq!(
            server_message(500, br#"{"status":"error","message":"boom"}"#),
            "boom"
        );
        assert_eq!(server_message(404, b""), "Not Found");
        let long = "x".repeat(2000);
        assert!(server_message(502, long.as_bytes()).chars().count() <= MAX_MESSAGE_CHARS + 1);
    }
}
