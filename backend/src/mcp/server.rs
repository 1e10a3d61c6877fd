//! The MCP server handler on rmcp: `initialize` advertises tools only, `tools/list` the eight tools of
//! [`super::tools`], `tools/call` parses the arguments and runs the tool in [`super::answers`].
//!
//! Errors: an unknown tool is a protocol error (`-32602`, listing the tools). Everything that goes wrong
//! inside a known tool — arguments of the wrong type or size, an expired session, Loki or Tempo failing
//! — is a tool result with `isError: true` and one sentence saying what to change, so the model sees it
//! and can correct itself (the MCP spec's "tool execution errors").

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::answers::{self, Call};
use super::tools::{self, TOOLS};
use super::{catalog, diagnose};
use crate::execute::Clients;
use crate::pipeline::{Engine, SchemaSource};
use crate::session::{SessionError, SessionStore};

/// What the tools run against: the Loki/Tempo clients and where the schema comes from. The CLI's
/// [`Engine`] and Grafana's datasource instance both provide it.
pub trait Backend: Send + Sync {
    fn clients(&self) -> &Clients;
    fn schema(&self) -> &SchemaSource;
}

impl Backend for Engine {
    fn clients(&self) -> &Clients {
        &self.clients
    }
    fn schema(&self) -> &SchemaSource {
        &self.schema
    }
}

/// How the server answers.
#[derive(Debug, Clone, Default)]
pub struct McpOptions {
    /// A fixed "now" for questions and default ranges (reproducible answers about a recorded data
    /// set); `None` uses the clock.
    pub now: Option<DateTime<Utc>>,
    /// Time zone for days and clock times in questions (UTC when `None`).
    pub tz: Option<Tz>,
}

/// What a tool can get wrong. Each message names the argument and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    #[error("invalid arguments for `{tool}`: {reason}")]
    Arguments { tool: &'static str, reason: String },
    #[error("`{name}` {reason}")]
    Argument { name: &'static str, reason: String },
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("{message}")]
    Run { message: String },
}

impl From<crate::Error> for ToolError {
    fn from(e: crate::Error) -> Self {
        ToolError::Run {
            message: e.user_message(),
        }
    }
}

impl From<crate::execute::ExecuteError> for ToolError {
    fn from(e: crate::execute::ExecuteError) -> Self {
        crate::Error::from(e).into()
    }
}

/// The MCP server: cheap to clone (one per HTTP request or stdio connection), sharing the backend and
/// the conversation sessions.
#[derive(Clone)]
pub struct QuerentMcp {
    backend: Arc<dyn Backend>,
    sessions: Arc<SessionStore>,
    options: Arc<McpOptions>,
}

impl std::fmt::Debug for QuerentMcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuerentMcp")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

const INSTRUCTIONS: &str = "Querent answers questions about logs (Loki) and traces (Tempo). Start with `ask`; \
pass the `session` it returns to ask follow-ups. Use `query_logs`/`query_traces` for exact LogQL/TraceQL, \
`get_trace` for one trace, `diagnose` for a failing service. Results are paged (`limit`, `page`).";

impl QuerentMcp {
    pub fn new(
        backend: Arc<dyn Backend>,
        sessions: Arc<SessionStore>,
        options: McpOptions,
    ) -> Self {
        QuerentMcp {
            backend,
            sessions,
            options: Arc::new(options),
        }
    }

    /// Runs one tool by name; `Err` only for a tool that does not exist.
    pub async fn call(
        &self,
        name: &str,
        arguments: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let call = Call {
            backend: self.backend.as_ref(),
            sessions: &self.sessions,
            now: self.options.now.unwrap_or_else(Utc::now),
            tz: self.options.tz.unwrap_or(chrono_tz::UTC),
        };
        let result: Result<Value, ToolError> = match name {
            "ask" => async { answers::ask(&call, parse("ask", arguments)?).await }.await,
            "translate" => {
                async { answers::translate(&call, parse("translate", arguments)?).await }.await
            }
            "query_logs" => {
                async { answers::query_logs(&call, parse("query_logs", arguments)?).await }.await
            }
            "query_traces" => {
                async { answers::query_traces(&call, parse("query_traces", arguments)?).await }
                    .await
            }
            "get_trace" => {
                async { answers::get_trace(&call, parse("get_trace", arguments)?).await }.await
            }
            "diagnose" => {
                async { diagnose::diagnose(&call, parse("diagnose", arguments)?).await }.await
            }
            "list_services" => {
                async { catalog::list_services(&call, parse("list_services", arguments)?).await }
                    .await
            }
            "describe_schema" => {
                async {
                    catalog::describe_schema(&call, parse("describe_schema", arguments)?).await
                }
                .await
            }
            _ => {
                return Err(ErrorData::invalid_params(
                    format!(
                        "unknown tool `{}`; the tools are: {}",
                        name.chars().take(64).collect::<String>(),
                        tools::names()
                    ),
                    None,
                ));
            }
        };
        Ok(match result {
            Ok(value) => CallToolResult::success(vec![ContentBlock::text(value.to_string())]),
            Err(e) => {
                tracing::info!(tool = name, error = %e, "tool error");
                CallToolResult::error(vec![ContentBlock::text(e.to_string())])
            }
        })
    }
}

/// Parses a tool's arguments; a failure becomes a tool error result (not a protocol error) so the
/// model reads which argument to fix.
fn parse<T: DeserializeOwned>(tool: &'static str, arguments: JsonObject) -> Result<T, ToolError> {
    serde_json::from_value(Value::Object(arguments)).map_err(|e| ToolError::Arguments {
        tool,
        reason: e.to_string(),
    })
}

impl ServerHandler for QuerentMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("querent", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools::list()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        Ok(self.call(&request.name, arguments).await?.into())
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        TOOLS.iter().find(|t| t.name == name).map(|t| t.tool())
    }
}
