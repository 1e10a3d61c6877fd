//! `querent query` (not implemented yet).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct QueryArgs {}

pub async fn run(_args: QueryArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`querent query` is not available in this build yet")
}
