//! `querent mcp` (not implemented yet).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct McpArgs {}

pub async fn run(_args: McpArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`querent mcp` is not available in this build yet")
}
