//! MCP over streamable HTTP, twice: `querent mcp --http ADDR` (a small hyper server with rmcp's
//! stateful streamable HTTP service at `/mcp`), and inside Grafana, where the datasource resource route
//! `mcp` hands each request to the same service in stateless mode with JSON answers ([`handle_once`]),
//! behind Grafana's own authentication.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;

use super::server::QuerentMcp;

/// The path of the endpoint on `querent mcp --http`.
pub const MCP_PATH: &str = "/mcp";
/// Largest request body accepted (a tool call is a few hundred bytes).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// Largest answer a resource call collects.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// How long one resource call may take (the Loki/Tempo timeouts end it much sooner).
const RESOURCE_CALL_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Why the MCP server could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum McpServeError {
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
    #[error("the MCP connection failed: {reason}")]
    Transport { reason: String },
}

/// Serves MCP on `addr` until Ctrl-C or SIGTERM; `ready` gets the bound address (port 0 picks one).
pub async fn serve_http(
    server: QuerentMcp,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), McpServeError> {
    let listen_err = |e: std::io::Error| McpServeError::Listen {
        addr: addr.to_string(),
        reason: e.to_string(),
    };
    let listener = TcpListener::bind(addr).await.map_err(listen_err)?;
    let local = listener.local_addr().map_err(listen_err)?;
    // DNS-rebinding protection: only Host headers naming this server are served.
    let mut hosts = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if !local.ip().is_loopback() {
        hosts.push(local.ip().to_string());
    }
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_max_request_body_bytes(MAX_REQUEST_BYTES);
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    ready(local);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Answers end with small writes (SSE events, chunk terminators): without TCP_NODELAY they can
        // wait for a delayed ACK, as the plugin's gRPC answers did (BENCHMARKS.md, issue 9 target 1).
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY refused");
        }
        let service = service.clone();
        tokio::spawn(async move {
            let handler = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let service = service.clone();
                async move {
                    if req.uri().path() == MCP_PATH {
                        Ok::<_, Infallible>(service.handle(req).await)
                    } else {
                        Ok(not_found())
                    }
                }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), handler)
                .await
            {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
    tracing::info!("MCP server stopping");
    Ok(())
}

fn not_found() -> hyper::Response<http_body_util::combinators::BoxBody<Bytes, Infallible>> {
    let mut response = hyper::Response::new(
        Full::new(Bytes::from_static(b"not found: the MCP endpoint is /mcp\n")).boxed(),
    );
    *response.status_mut() = hyper::StatusCode::NOT_FOUND;
    response
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// One HTTP answer of [`handle_once`].
#[derive(Debug, Clone, PartialEq)]
pub struct OnceResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// Request headers passed on to the MCP service (the rest — cookies, Grafana's own — are not).
const PASSED_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "mcp-protocol-version",
    "mcp-session-id",
    "last-event-id",
];

/// Answers one MCP HTTP request in stateless mode (a JSON body, or a short SSE body when the service
/// chooses one): the Grafana resource route. Never fails: problems are HTTP answers.
pub async fn handle_once(
    server: QuerentMcp,
    method: &str,
    headers: &HashMap<String, Vec<String>>,
    body: Bytes,
) -> OnceResponse {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_sse_retry(None)
        .with_max_request_body_bytes(MAX_REQUEST_BYTES)
        // Grafana is the front door (it authenticated the user); the Host is Grafana's.
        .disable_allowed_hosts();
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let mut request = http::Request::builder()
        .method(method.to_ascii_uppercase().as_str())
        .uri(MCP_PATH)
        .header(http::header::HOST, "localhost");
    let has = |name: &str| headers.keys().any(|k| k.eq_ignore_ascii_case(name));
    let default_accept = !has("accept");
    let default_type = !has("content-type");
    for (name, values) in headers {
        let lower = name.to_ascii_lowercase();
        if PASSED_HEADERS.contains(&lower.as_str()) {
            for v in values {
                request = request.header(lower.as_str(), v.as_str());
            }
        }
    }
    if default_accept {
        request = request.header(http::header::ACCEPT, "application/json, text/event-stream");
    }
    if default_type && !body.is_empty() {
        request = request.header(http::header::CONTENT_TYPE, "application/json");
    }
    let request = match request.body(Full::new(body)) {
        Ok(r) => r,
        Err(e) => return plain(400, &format!("bad MCP request: {e}")),
    };
    let response = match tokio::time::timeout(RESOURCE_CALL_TIMEOUT, service.handle(request)).await
    {
        Ok(r) => r,
        Err(_) => return plain(504, "the MCP request took too long"),
    };
    let (parts, body) = response.into_parts();
    let collected = tokio::time::timeout(
        RESOURCE_CALL_TIMEOUT,
        Limited::new(body, MAX_RESPONSE_BYTES).collect(),
    )
    .await;
    let body = match collected {
        Ok(Ok(c)) => c.to_bytes(),
        Ok(Err(e)) => return plain(500, &format!("the MCP answer could not be read: {e}")),
        Err(_) => return plain(504, "the MCP answer took too long"),
    };
    OnceResponse {
        status: parts.status.as_u16(),
        headers: parts
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        body,
    }
}

fn plain(status: u16, message: &str) -> OnceResponse {
    OnceResponse {
        status,
        headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
        body: Bytes::from(format!("{message}\n")),
    }
}
