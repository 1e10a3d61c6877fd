//! The gRPC server Grafana talks to: our own tonic server implementing the SDK's generated `pluginv2`
//! Data, Resource and Diagnostics services directly (so we control the frame bytes), plus gRPC health
//! reporting `SERVING` for `plugin` and each service, and the go-plugin handshake line on stdout.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use grafana_plugin_sdk::pluginv2;
use pluginv2::data_server::{Data, DataServer};
use pluginv2::diagnostics_server::{Diagnostics, DiagnosticsServer};
use pluginv2::resource_server::{Resource, ResourceServer};
use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};
use tonic_health::ServingStatus;

use super::data_service::{AnswerQueries, DataService};
use super::instance::InstanceCache;
use super::{data, health, resource};
use crate::execute::{self, ExecuteError};

/// The go-plugin protocol: core version 1, app protocol 2 (Grafana's), TCP, gRPC.
pub fn handshake_line(addr: SocketAddr) -> String {
    format!("1|2|tcp|{addr}|grpc")
}

/// Why the plugin could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(#[from] std::io::Error),
    #[error(transparent)]
    Http(#[from] ExecuteError),
    #[error("the gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// The datasource backend: thin handlers over the instance cache.
#[derive(Debug)]
pub struct QuerentPlugin {
    instances: InstanceCache,
}

impl QuerentPlugin {
    pub fn new(http: reqwest::Client) -> Self {
        QuerentPlugin {
            instances: InstanceCache::new(http),
        }
    }
}

#[tonic::async_trait]
impl Data for QuerentPlugin {
    async fn query_data(
        &self,
        request: Request<pluginv2::QueryDataRequest>,
    ) -> Result<Response<pluginv2::QueryDataResponse>, Status> {
        let answers = self.answer_queries(request.into_inner()).await;
        Ok(Response::new(pluginv2::QueryDataResponse {
            responses: answers
                .iter()
                .map(|a| (a.ref_id.clone(), a.to_response()))
                .collect(),
        }))
    }
}

/// What the gRPC Data service runs (the `Data` impl above gives the same answers as one message).
impl AnswerQueries for QuerentPlugin {
    async fn answer_queries(&self, request: pluginv2::QueryDataRequest) -> Vec<data::QueryAnswer> {
        let answers = data::answer_queries(&self.instances, request).await;
        for answer in &answers {
            execute::metrics::metrics().query(answer.error.is_empty());
        }
        answers
    }
}

#[tonic::async_trait]
impl Resource for QuerentPlugin {
    type CallResourceStream = tokio_stream::Once<Result<pluginv2::CallResourceResponse, Status>>;

    async fn call_resource(
        &self,
        request: Request<pluginv2::CallResourceRequest>,
    ) -> Result<Response<Self::CallResourceStream>, Status> {
        let answer = resource::call_resource(&self.instances, request.get_ref()).await;
        Ok(Response::new(tokio_stream::once(Ok(answer))))
    }
}

#[tonic::async_trait]
impl Diagnostics for QuerentPlugin {
    async fn check_health(
        &self,
        request: Request<pluginv2::CheckHealthRequest>,
    ) -> Result<Response<pluginv2::CheckHealthResponse>, Status> {
        Ok(Response::new(
            health::check_health(&self.instances, request.get_ref()).await,
        ))
    }

    /// Prometheus text: requests to Loki/Tempo, retries, queueing, the response cache's hit rate and
    /// size, queries answered, and the LLM layer's counters (tokens, latency, fallbacks, cache, retries).
    async fn collect_metrics(
        &self,
        _request: Request<pluginv2::CollectMetricsRequest>,
    ) -> Result<Response<pluginv2::CollectMetricsResponse>, Status> {
        Ok(Response::new(pluginv2::CollectMetricsResponse {
            metrics: Some(pluginv2::collect_metrics_response::Payload {
                prometheus: metrics_text().into_bytes(),
            }),
        }))
    }
}

/// Everything CollectMetrics reports, in Prometheus' text format.
pub fn metrics_text() -> String {
    let mut text = execute::metrics::metrics().prometheus_text();
    text.push_str(&crate::llm::metrics::global().render());
    text
}

/// glibc's allocator, set for a server that answers the same big queries again and again (dashboard
/// refreshes) and must stay within 3 × an answer's size on the wire (issue 9):
/// - blocks under 4 MiB come from the heap and are reused, so a 5,000-line answer does not map, fault
///   in and unmap fresh pages for every buffer on every query (with the former 128 KiB threshold that
///   cost 1.5 ms of its 6.9 ms);
/// - blocks over 4 MiB (the columns of very big answers) get their own mapping, grown with `mremap`
///   and returned to the OS when freed; a fixed threshold also stops glibc from raising it after
///   each big free, which kept big buffers in the heap for good (3.6 × the wire before);
/// - up to 16 MiB free at the top of the heap is kept instead of trimmed after every answer.
///
/// Measured in BENCHMARKS.md (issue 9, targets 1 and 3).
fn tune_the_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // glibc's own settings (MALLOC_*_ or GLIBC_TUNABLES) win: operators can tune it.
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        let set_by_env = |env: &str, tunable: &str| {
            std::env::var_os(env).is_some() || tunables.contains(tunable)
        };
        for (param, value, env, tunable) in [
            (
                libc::M_MMAP_THRESHOLD,
                4 << 20,
                "MALLOC_MMAP_THRESHOLD_",
                "mmap_threshold",
            ),
            (
                libc::M_TRIM_THRESHOLD,
                16 << 20,
                "MALLOC_TRIM_THRESHOLD_",
                "trim_threshold",
            ),
        ] {
            if set_by_env(env, tunable) {
                continue;
            }
            // SAFETY: mallopt only sets an allocator tunable; it is called before the server starts
            // handling requests and has no memory-safety preconditions.
            if unsafe { libc::mallopt(param, value) } != 1 {
                tracing::debug!(env, "mallopt was refused");
            }
        }
    }
}

/// Binds 127.0.0.1 on a free port, prints the handshake line, serves until SIGTERM/SIGINT.
pub async fn serve() -> Result<(), ServeError> {
    tune_the_allocator();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let plugin = Arc::new(QuerentPlugin::new(execute::http_client()?));

    let (mut reporter, health_service) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("plugin", ServingStatus::Serving)
        .await;
    reporter.set_serving::<DataServer<QuerentPlugin>>().await;
    reporter
        .set_serving::<ResourceServer<QuerentPlugin>>()
        .await;
    reporter
        .set_serving::<DiagnosticsServer<QuerentPlugin>>()
        .await;

    // Listen for signals before Grafana learns the address, so an early SIGTERM is handled too.
    let shutdown = shutdown_signal()?;
    let router = tonic::transport::Server::builder()
        .add_service(health_service)
        // Our own Data service (same protocol): it frees each frame as it is written out.
        .add_service(DataService::from_arc(plugin.clone()))
        .add_service(ResourceServer::from_arc(plugin.clone()))
        .add_service(DiagnosticsServer::from_arc(plugin));

    // Grafana reads this line before anything else on stdout.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", handshake_line(addr))?;
    stdout.flush()?;
    drop(stdout);
    tracing::info!(%addr, version = env!("CARGO_PKG_VERSION"), "querent datasource serving");

    // After the signal, in-flight queries get a grace period; Grafana keeps its connection open, so
    // waiting for every connection to close could take forever.
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    // TCP_NODELAY on Grafana's connection: without it the small frame that ends a big answer (the
    // gRPC trailers) waits for the ACK of the data before it, and Linux delays that ACK by 40 ms.
    let incoming = TcpIncoming::from_listener(listener, true, None)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let server = router.serve_with_incoming_shutdown(incoming, async {
        shutdown.await;
        tracing::info!("querent datasource stopping");
        let _ = stopping_tx.send(());
    });
    tokio::select! {
        result = server => result?,
        _ = async {
            if stopping_rx.await.is_ok() {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => tracing::info!("grace period over"),
    }
    tracing::info!("querent datasource stopped");
    Ok(())
}

/// How long in-flight requests may finish after SIGTERM.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// SIGTERM (Grafana stopping the plugin) or Ctrl-C, registered now and awaited later. Stdin is
/// deliberately not watched: Grafana may start plugins with a closed stdin.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_follows_go_plugin() {
        let addr: SocketAddr = "127.0.0.1:40123".parse().unwrap();
        assert_eq!(handshake_line(addr), "1|2|tcp|127.0.0.1:40123|grpc");
    }
}
