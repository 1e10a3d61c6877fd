//! `querent mcp`: Querent's tools over the Model Context Protocol, on stdio (default: an agent starts
//! `querent mcp --loki URL --tempo URL` as a subprocess) or streamable HTTP (`--http 127.0.0.1:8765`,
//! endpoint `/mcp`). Logs go to stderr (`QUERENT_LOG=debug` for more); stdout is the protocol's.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use super::common::{SchemaArgs, TimeArgs};
use crate::mcp::{self, McpOptions, QuerentMcp};
use crate::session::{SessionLimits, SessionStore};

#[derive(Debug, clap::Args)]
pub struct McpArgs {
    /// Serve streamable HTTP on this address (endpoint `/mcp`) instead of stdio, e.g. 127.0.0.1:8765
    /// (port 0 picks a free port; the address is printed on stderr).
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
    /// Seconds a conversation session lives after its last question [default: 1800].
    #[arg(long, value_name = "SECONDS")]
    pub session_ttl: Option<u32>,
    #[command(flatten)]
    pub time: TimeArgs,
    #[command(flatten)]
    pub schema: SchemaArgs,
}

pub async fn run(args: McpArgs) -> anyhow::Result<ExitCode> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("QUERENT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let engine = args.schema.engine()?;
    let options = McpOptions {
        now: match &args.time.now {
            Some(_) => Some(args.time.now()?),
            None => None,
        },
        tz: Some(args.time.tz()?),
    };
    let server = QuerentMcp::new(
        Arc::new(engine),
        Arc::new(SessionStore::new(SessionLimits {
            ttl_seconds: args
                .session_ttl
                .map_or(SessionLimits::default().ttl_seconds, i64::from),
            ..SessionLimits::default()
        })),
        options,
    );
    match &args.http {
        None => mcp::serve_stdio(server).await?,
        Some(addr) => {
            let addr: SocketAddr = addr.parse().with_context(|| {
                format!("--http `{addr}` is not an address like 127.0.0.1:8765")
            })?;
            mcp::serve_http(server, addr, |bound| {
                eprintln!(
                    "querent MCP server listening on http://{bound}{}",
                    mcp::MCP_PATH
                );
            })
            .await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
