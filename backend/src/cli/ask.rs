//! `querent ask` (not implemented yet).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct AskArgs {}

pub async fn run(_args: AskArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`querent ask` is not available in this build yet")
}
