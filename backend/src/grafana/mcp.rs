//! The datasource resource route `mcp`: Querent's MCP server (streamable HTTP, stateless, JSON
//! answers) behind Grafana's authentication, at
//! `/api/datasources/uid/<uid>/resources/mcp`. Each call runs against that datasource's instance
//! (its Loki/Tempo, limits and schema) and shares the plugin's conversation sessions.

use std::sync::Arc;

use grafana_plugin_sdk::pluginv2;

use super::conversation::sessions;
use super::instance::{Instance, InstanceCache};
use super::status::http_status;
use crate::execute::Clients;
use crate::mcp::{Backend, McpOptions, QuerentMcp, handle_once};
use crate::pipeline::SchemaSource;

impl Backend for Instance {
    fn clients(&self) -> &Clients {
        &self.clients
    }
    fn schema(&self) -> &SchemaSource {
        &self.schema
    }
}

/// Answers one MCP request made to the `mcp` resource route.
pub async fn call_mcp(
    cache: &InstanceCache,
    request: &pluginv2::CallResourceRequest,
) -> pluginv2::CallResourceResponse {
    let instance = match cache.get(request.plugin_context.as_ref()) {
        Ok(i) => i,
        Err(e) => {
            return response(
                http_status(&e),
                vec![("Content-Type".into(), "application/json".into())],
                serde_json::json!({ "error": e.user_message() })
                    .to_string()
                    .into_bytes(),
            );
        }
    };
    let backend: Arc<dyn Backend> = instance;
    let server = QuerentMcp::new(backend, sessions().clone(), McpOptions::default());
    let headers = request
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.values.clone()))
        .collect();
    let answer = handle_once(server, &request.method, &headers, request.body.clone()).await;
    response(
        i32::from(answer.status),
        answer.headers,
        answer.body.to_vec(),
    )
}

fn response(
    code: i32,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> pluginv2::CallResourceResponse {
    let mut map: std::collections::HashMap<String, pluginv2::StringList> = Default::default();
    for (k, v) in headers {
        map.entry(k).or_default().values.push(v);
    }
    pluginv2::CallResourceResponse {
        code,
        headers: map,
        body: body.into(),
    }
}
