//! `querent translate` (not implemented yet).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct TranslateArgs {}

pub async fn run(_args: TranslateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`querent translate` is not available in this build yet")
}
