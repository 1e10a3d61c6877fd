//! The HTTP transport under `async-openai` (its `middleware` feature): adds the extra headers, drops an
//! empty `Authorization`, retries 429/503 when `Retry-After` (seconds or an HTTP date) fits in the call's
//! deadline, and turns every non-2xx answer into an [`HttpFailure`] with its status — `async-openai`'s own
//! error keeps no headers and cannot read a plain-text 429.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;

use super::metrics;
use crate::settings::Secret;

/// A failure status from the endpoint, kept typed through `async-openai`'s boxed middleware error.
#[derive(Debug, thiserror::Error)]
#[error("HTTP {status}")]
pub(crate) struct HttpFailure {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: String,
}

/// `Retry-After`: seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// The HTTP transport under `async-openai`.
#[derive(Clone)]
pub(crate) struct Transport {
    pub http: reqwest::Client,
    pub headers: Vec<(String, Secret)>,
    /// No API key configured: send no `Authorization` header at all (not an empty bearer).
    pub drop_auth: bool,
    pub max_retries: u32,
    /// The whole call's budget: a `Retry-After` longer than this is not waited for.
    pub deadline: Duration,
}

type TransportFuture =
    Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send + 'static>>;

impl tower::Service<HttpRequestFactory> for Transport {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = TransportFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let started = Instant::now();
            let mut attempt = 0u32;
            loop {
                let mut request = factory.build().await?;
                let headers = request.headers_mut();
                if this.drop_auth {
                    headers.remove(reqwest::header::AUTHORIZATION);
                }
                for (name, value) in &this.headers {
                    if let (Ok(n), Ok(v)) = (
                        reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                        reqwest::header::HeaderValue::from_str(value.expose()),
                    ) {
                        let mut v = v;
                        v.set_sensitive(true);
                        headers.insert(n, v);
                    }
                }
                let response = this.http.execute(request).await?;
                let status = response.status();
                if status.is_success() {
                    return Ok(response);
                }
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                let retryable = matches!(status.as_u16(), 429 | 503);
                if retryable && attempt < this.max_retries {
                    let wait = retry_after
                        .unwrap_or_else(|| Duration::from_millis(250 * 2u64.pow(attempt)));
                    if started.elapsed() + wait < this.deadline {
                        metrics::global().retry();
                        tracing::info!(
                            status = status.as_u16(),
                            wait_ms = wait.as_millis() as u64,
                            "LLM endpoint asked to retry"
                        );
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                }
                let body = read_limited(response, 8 * 1024).await;
                return Err(OpenAIError::Boxed(Box::new(HttpFailure {
                    status: status.as_u16(),
                    retry_after,
                    body,
                })));
            }
        })
    }
}

/// At most `max` bytes of an error body (a proxy's HTML page can be large).
async fn read_limited(mut response: reqwest::Response, max: usize) -> String {
    let mut buf = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        buf.extend_from_slice(&chunk);
        if buf.len() >= max {
            buf.truncate(max);
            break;
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
