//! `querent eval` (not implemented yet).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct EvalArgs {}

pub async fn run(_args: EvalArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`querent eval` is not available in this build yet")
}
