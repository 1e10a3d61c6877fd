//! The tools: names, one-line descriptions and precise input schemas (generated from the argument
//! types below, so what is advertised is exactly what is parsed). Every tool is read-only.

use std::sync::Arc;

use rmcp::handler::server::common::schema_for_input;
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::Deserialize;

/// Rows per page when a call gives no `limit`.
pub const DEFAULT_PAGE_ROWS: u32 = 20;
/// Most rows one page may hold.
pub const MAX_PAGE_ROWS: u32 = 100;
/// Longest LogQL/TraceQL query accepted.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

/// `ask`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AskArgs {
    /// The question, English or Korean.
    pub question: String,
    /// Session id from an earlier answer: follow-ups ("only errors", "what about payment-service?") build on it. Omit to start one.
    #[serde(default)]
    pub session: Option<String>,
    /// Start: RFC 3339 or `now-6h` (default: 1h before `to`).
    #[serde(default)]
    pub from: Option<String>,
    /// End: RFC 3339 or `now` (default).
    #[serde(default)]
    pub to: Option<String>,
    /// Rows per page (default 20).
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// Page number, from 1.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub page: Option<u32>,
}

/// `translate`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslateArgs {
    /// The question, English or Korean.
    pub question: String,
    /// Session id to resolve a follow-up against (read only).
    #[serde(default)]
    pub session: Option<String>,
    /// Start: RFC 3339 or `now-6h` (default: 1h before `to`).
    #[serde(default)]
    pub from: Option<String>,
    /// End: RFC 3339 or `now` (default).
    #[serde(default)]
    pub to: Option<String>,
}

/// `query_logs`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryLogsArgs {
    /// LogQL: a log query (`{service_name="api"} |= "timeout"`) or a metric query.
    pub query: String,
    /// Start: RFC 3339 or `now-6h` (default: 1h before `to`).
    #[serde(default)]
    pub from: Option<String>,
    /// End: RFC 3339 or `now` (default).
    #[serde(default)]
    pub to: Option<String>,
    /// Rows per page (default 20).
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// Page number, from 1.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub page: Option<u32>,
}

/// `query_traces`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryTracesArgs {
    /// TraceQL: a search (`{ resource.service.name = "api" && duration > 1s }`) or a metrics query.
    pub query: String,
    /// Start: RFC 3339 or `now-6h` (default: 1h before `to`).
    #[serde(default)]
    pub from: Option<String>,
    /// End: RFC 3339 or `now` (default).
    #[serde(default)]
    pub to: Option<String>,
    /// Rows per page (default 20).
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// Page number, from 1.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub page: Option<u32>,
}

/// `get_trace`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTraceArgs {
    /// Trace id, hex (up to 32 characters).
    pub trace_id: String,
    /// Spans listed per section (critical path, slowest, errors); default 10, at most 50.
    #[serde(default)]
    #[schemars(range(min = 1, max = 50))]
    pub spans: Option<u32>,
}

/// `diagnose`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiagnoseArgs {
    /// The service to investigate.
    #[serde(default)]
    pub service: Option<String>,
    /// Or the problem in words ("why is checkout failing?").
    #[serde(default)]
    pub question: Option<String>,
    /// Start: RFC 3339 or `now-6h` (default: 1h before `to`).
    #[serde(default)]
    pub from: Option<String>,
    /// End: RFC 3339 or `now` (default).
    #[serde(default)]
    pub to: Option<String>,
}

/// `list_services`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListServicesArgs {}

/// `describe_schema`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribeSchemaArgs {
    /// Only this service's log fields.
    #[serde(default)]
    pub service: Option<String>,
}

/// One tool of the server.
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    schema: fn() -> Result<Arc<JsonObject>, String>,
}

/// Every tool, in the order `tools/list` gives them.
pub const TOOLS: &[ToolSpec] = &[
    ToolSpec {
        name: "ask",
        description: "Answer a question about logs/traces: runs the query, returns a summary, the LogQL/TraceQL and rows. Pass `session` back for follow-ups.",
        schema: schema_for_input::<AskArgs>,
    },
    ToolSpec {
        name: "translate",
        description: "Turn a question into LogQL/TraceQL without running it.",
        schema: schema_for_input::<TranslateArgs>,
    },
    ToolSpec {
        name: "query_logs",
        description: "Run a LogQL query on Loki: log lines or metric series.",
        schema: schema_for_input::<QueryLogsArgs>,
    },
    ToolSpec {
        name: "query_traces",
        description: "Run a TraceQL query on Tempo: matching traces or metric series.",
        schema: schema_for_input::<QueryTracesArgs>,
    },
    ToolSpec {
        name: "get_trace",
        description: "Summarise one trace: services, critical path, slowest and error spans.",
        schema: schema_for_input::<GetTraceArgs>,
    },
    ToolSpec {
        name: "diagnose",
        description: "Investigate why a service is failing: ranked hypotheses (failing span, dependency, callers) with evidence from its error logs and their traces.",
        schema: schema_for_input::<DiagnoseArgs>,
    },
    ToolSpec {
        name: "list_services",
        description: "List services seen in Loki and Tempo.",
        schema: schema_for_input::<ListServicesArgs>,
    },
    ToolSpec {
        name: "describe_schema",
        description: "Labels, log fields per service (with parser) and Tempo attributes, for writing queries.",
        schema: schema_for_input::<DescribeSchemaArgs>,
    },
];

impl ToolSpec {
    /// The MCP tool: name, description, input schema, read-only annotations.
    pub fn tool(&self) -> Tool {
        let schema = (self.schema)().unwrap_or_else(|e| {
            // Cannot happen for the structs above (a test checks each); an empty object is safe.
            tracing::error!(tool = self.name, error = %e, "input schema");
            Arc::new(JsonObject::new())
        });
        let mut tool = Tool::new(self.name, self.description, schema);
        tool.annotations = Some(
            ToolAnnotations::new()
                .read_only(true)
                .destructive(false)
                .idempotent(true)
                .open_world(false),
        );
        tool
    }
}

/// The `tools/list` answer.
pub fn list() -> Vec<Tool> {
    TOOLS.iter().map(ToolSpec::tool).collect()
}

/// Names of every tool, for error messages.
pub fn names() -> String {
    TOOLS.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_is_an_object_with_its_properties() {
        assert!(TOOLS.len() <= 8);
        for spec in TOOLS {
            let schema = (spec.schema)().expect("schema");
            assert_eq!(schema["type"], "object", "{}", spec.name);
        }
        let ask = (TOOLS[0].schema)().unwrap();
        let props = ask["properties"].as_object().unwrap();
        for key in ["question", "session", "from", "to", "limit", "page"] {
            assert!(props.contains_key(key), "ask lacks {key}: {ask:?}");
        }
        assert_eq!(ask["required"], serde_json::json!(["question"]));
    }
}
