//! `gpx_querent`: the datasource backend Grafana launches (go-plugin over gRPC).
//!
//! Logs go to stderr in hclog JSON (Grafana's format); stdout carries only the handshake line.

use std::process::ExitCode;

use tracing_subscriber::prelude::*;

#[tokio::main]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::registry()
        .with(grafana_plugin_sdk::backend::layer())
        .with(filter)
        .try_init();
    match querent::grafana::serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "querent datasource failed");
            eprintln!("gpx_querent: {err}");
            ExitCode::FAILURE
        }
    }
}
