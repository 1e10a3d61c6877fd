//! MCP: Querent's tools for any AI agent, on the official Rust SDK (`rmcp`), tools only.
//!
//! Eight read-only tools ([`tools`]) over the same engine the Grafana UI uses: `ask` (question →
//! summary, query, one page of rows; sessions for follow-ups), `translate`, `query_logs`,
//! `query_traces`, `get_trace` (a bounded summary), `diagnose`, `list_services`, `describe_schema`.
//! Served over stdio ([`serve_stdio`], `querent mcp`), streamable HTTP ([`serve_http`],
//! `querent mcp --http ADDR`) and inside Grafana as the datasource resource route `mcp`
//! ([`handle_once`]). The whole `tools/list` answer stays under 12,000 characters (a test measures it).

mod answers;
mod catalog;
mod compact;
mod diagnose;
mod http;
mod server;
pub mod tools;
mod trace_summary;

pub use http::{MAX_REQUEST_BYTES, MCP_PATH, McpServeError, OnceResponse, handle_once, serve_http};
pub use server::{Backend, McpOptions, QuerentMcp, ToolError};
pub use trace_summary::summarise_trace;

use rmcp::ServiceExt;

/// Serves MCP on stdin/stdout until the client closes the connection.
pub async fn serve_stdio(server: QuerentMcp) -> Result<(), McpServeError> {
    let running =
        server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| McpServeError::Transport {
                reason: e.to_string(),
            })?;
    running
        .waiting()
        .await
        .map_err(|e| McpServeError::Transport {
            reason: e.to_string(),
        })?;
    Ok(())
}
