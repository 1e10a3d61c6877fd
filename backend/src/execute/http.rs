//! One HTTP peer (Loki or Tempo): auth, tenant and custom headers, timeouts, a size cap on bodies, and
//! status codes turned into [`ExecuteError`]s that keep the server's own (plain-text) message.

use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use url::Url;

use super::ExecuteError;
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

/// A configured peer sharing the process-wide pooled [`reqwest::Client`].
#[derive(Debug, Clone)]
pub struct PeerClient {
    settings: PeerSettings,
    headers: HeaderMap,
    http: reqwest::Client,
    timeout: Duration,
    max_bytes: usize,
}

impl PeerClient {
    /// Settings were validated by `Settings::from_raw`, so header names and values are valid here;
    /// anything that is not is skipped rather than sent half-formed.
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
        PeerClient {
            settings,
            headers,
            http,
            timeout,
            max_bytes,
        }
    }

    pub fn peer(&self) -> Peer {
        self.settings.peer
    }

    pub fn base_url(&self) -> &Url {
        &self.settings.url
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends the request and returns whatever status came back (for callers that treat some non-2xx
    /// answers as meaningful, like Tempo's v1 404 = trace not found).
    pub async fn send_raw(&self, req: &ApiRequest) -> Result<RawResponse, ExecuteError> {
        let url = req.url(&self.settings.url);
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self
            .http
            .request(method, url)
            .timeout(self.timeout)
            .headers(self.headers.clone());
        for (name, value) in &req.headers {
            builder = builder.header(*name, *value);
        }
        builder = match &self.settings.auth {
            Auth::None => builder,
            Auth::Basic { user, password } => builder.basic_auth(user, Some(password.expose())),
            Auth::Bearer { token } => builder.bearer_auth(token.expose()),
        };
        let mut response = builder.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let Some(len) = response.content_length()
            && len > self.max_bytes as u64
        {
            return Err(ExecuteError::TooLarge {
                peer: self.peer(),
                limit: self.max_bytes,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(&e))?
        {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(ExecuteError::TooLarge {
                    peer: self.peer(),
                    limit: self.max_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            content_type,
            body,
        })
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
                after: self.timeout,
            }
        } else if err.is_connect() {
            ExecuteError::Connect {
                peer,
                url: self.settings.url.to_string(),
                reason: root_cause(err),
            }
        } else {
            ExecuteError::Request {
                peer,
                reason: root_cause(err),
            }
        }
    }
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
