//! Querent: natural-language questions about logs and traces, answered from Loki and Tempo.
//!
//! The stages (see `docs/architecture.md`): understand the question, ground it in the user's schema,
//! plan a typed LogQL/TraceQL query, execute it, turn results into Grafana frames, analyse, answer.
//! [`plan::Plan`] is the seam between translating and everything after it.

pub mod analyse;
pub mod answer;
pub mod cli;
pub mod demo;
pub mod error;
pub mod eval;
pub mod execute;
pub mod frames;
pub mod grafana;
pub mod ground;
pub mod llm;
pub mod mcp;
pub mod pipeline;
pub mod plan;
pub mod session;
pub mod settings;
pub mod translate;
pub mod understand;

pub use error::{Error, ErrorKind};
pub use plan::{Plan, PlanKind, Query};
pub use settings::{RawSettings, Settings};
