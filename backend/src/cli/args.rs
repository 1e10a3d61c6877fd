//! clap definitions: one variant per subcommand, each with its own `Args` struct in its module.

use clap::{Parser, Subcommand};

use super::{ask, demo, eval, mcp, query, translate};

/// Natural-language questions about logs (Loki) and traces (Tempo).
#[derive(Debug, Parser)]
#[command(name = "querent", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Translate a question into LogQL/TraceQL without running it.
    Translate(translate::TranslateArgs),
    /// Answer a question end to end: translate, run, analyse.
    Ask(ask::AskArgs),
    /// Score the translator on an evaluation case file.
    Eval(eval::EvalArgs),
    /// Run a LogQL/TraceQL query (or fetch a trace) and print a table.
    Query(query::QueryArgs),
    /// Generate demo data (a microservice shop) and push it to Loki and Tempo.
    Demo(demo::DemoArgs),
    /// Serve Querent's tools over the Model Context Protocol.
    Mcp(mcp::McpArgs),
}
