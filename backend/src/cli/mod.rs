//! The `querent` command line: arguments parse into a [`Command`], each command runs from its own module.
//!
//! Only `cli/` and `bin/` use `anyhow`; the library returns typed errors.

mod args;
pub mod ask;
pub mod common;
pub mod connection;
pub mod demo;
pub mod eval;
pub mod mcp;
pub mod output;
pub mod query;
pub mod translate;

pub use args::{Cli, Command};

/// Runs a parsed command; the returned code becomes the process exit status.
pub async fn execute(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Translate(args) => translate::run(args).await,
        Command::Ask(args) => ask::run(args).await,
        Command::Eval(args) => eval::run(args).await,
        Command::Query(args) => query::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Mcp(args) => mcp::run(args).await,
    }
}
