//! Grafana: the only module that speaks gRPC. It serves the `pluginv2` Data, Resource and Diagnostics
//! services to Grafana (`plugin.rs`), keeps one cached instance per datasource (`instance.rs`), turns
//! QueryData queries into plans (`query_model.rs`) and runs them concurrently (`data.rs`), answers the
//! editor's resource calls (`resource.rs`) and health checks (`health.rs`), and maps errors to the
//! status Grafana records (`status.rs`).

mod analysis;
pub mod conversation;
mod data;
mod data_service;
mod health;
mod instance;
mod mcp;
mod plugin;
pub mod query_model;
mod resource;
pub mod status;

pub use data::run_plan;
pub use instance::{Instance, InstanceCache};
pub use plugin::{QuerentPlugin, ServeError, handshake_line, metrics_text, serve};
pub use query_model::QueryModelError;
