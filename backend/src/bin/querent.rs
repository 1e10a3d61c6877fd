//! The `querent` CLI: parse, execute, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = querent::cli::Cli::parse();
    match querent::cli::execute(cli).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("querent: {err:#}");
            ExitCode::from(2)
        }
    }
}
