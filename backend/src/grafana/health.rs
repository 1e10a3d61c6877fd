//! CheckHealth: asks each configured peer for its build info and says exactly what is wrong — bad URL,
//! credentials, timeout — with a hint naming the setting to change.

use grafana_plugin_sdk::pluginv2;
use pluginv2::check_health_response::HealthStatus;
use serde_json::{Value, json};

use super::instance::InstanceCache;
use crate::execute::{Clients, ExecuteError};
use crate::settings::Peer;

/// The result of checking one peer.
struct PeerHealth {
    peer: Peer,
    url: String,
    result: Result<String, ExecuteError>,
}

pub async fn check_health(
    cache: &InstanceCache,
    request: &pluginv2::CheckHealthRequest,
) -> pluginv2::CheckHealthResponse {
    let instance = match cache.get(request.plugin_context.as_ref()) {
        Ok(i) => i,
        Err(e) => return response(HealthStatus::Error, e.user_message(), Value::Null),
    };
    let clients = &instance.clients;
    if !clients.has_loki() && !clients.has_tempo() {
        return response(
            HealthStatus::Error,
            "Neither Loki nor Tempo is configured: set `lokiUrl` and/or `tempoUrl`.".into(),
            Value::Null,
        );
    }
    let (loki, tempo) = futures_util::future::join(check_loki(clients), check_tempo(clients)).await;
    let checks: Vec<PeerHealth> = [loki, tempo].into_iter().flatten().collect();
    let ok = checks.iter().all(|c| c.result.is_ok());
    let message = checks
        .iter()
        .map(|c| match &c.result {
            Ok(version) => format!("{} {version} is reachable at {}.", c.peer, c.url),
            Err(e) => format!("{}{}", e, hint(c.peer, e)),
        })
        .collect::<Vec<_>>()
        .join(" ");
    let details: serde_json::Map<String, Value> = checks
        .iter()
        .map(|c| {
            let detail = match &c.result {
                Ok(version) => json!({ "ok": true, "url": c.url, "version": version }),
                Err(e) => json!({ "ok": false, "url": c.url, "error": e.to_string() }),
            };
            (c.peer.name().to_ascii_lowercase(), detail)
        })
        .collect();
    let status = if ok {
        HealthStatus::Ok
    } else {
        HealthStatus::Error
    };
    tracing::info!(ok, "health check");
    response(status, message, Value::Object(details))
}

async fn check_loki(clients: &Clients) -> Option<PeerHealth> {
    let loki = clients.loki().ok()?;
    Some(PeerHealth {
        peer: Peer::Loki,
        url: loki.peer().base_url().to_string(),
        result: loki.fetch_buildinfo().await.map(|b| b.version),
    })
}

async fn check_tempo(clients: &Clients) -> Option<PeerHealth> {
    let tempo = clients.tempo().ok()?;
    let result = match tempo.fetch_buildinfo().await {
        Ok(b) => Ok(b.version),
        // Tempo versions without buildinfo still answer the echo endpoint.
        Err(ExecuteError::Status { status: 404, .. }) => tempo
            .fetch_echo()
            .await
            .map(|_| "(version unknown)".to_string()),
        Err(e) => Err(e),
    };
    Some(PeerHealth {
        peer: Peer::Tempo,
        url: tempo.peer().base_url().to_string(),
        result,
    })
}

/// What to change, in the settings' own words.
fn hint(peer: Peer, err: &ExecuteError) -> String {
    let key = peer.name().to_ascii_lowercase();
    match err {
        ExecuteError::Status {
            status: 401 | 403, ..
        } => format!(
            " Check the credentials (`{key}User`/`{key}Password` or `{key}Token`) and the tenant (`{key}Tenant`)."
        ),
        ExecuteError::Status { status: 404, .. } => format!(
            " Is `{key}Url` the {peer} base URL (e.g. `http://{key}:{}`, without an API path)?",
            if peer == Peer::Loki { 3100 } else { 3200 }
        ),
        ExecuteError::Status { status: 429, .. } => format!(
            " {peer} is rate-limiting Querent: lower `maxConcurrentRequests` or raise {peer}'s limits."
        ),
        ExecuteError::Status {
            status: 500..=599, ..
        } => format!(
            " {peer} (or a proxy in front of it) is failing: check its logs and that `{key}Url` points at it."
        ),
        ExecuteError::Incomplete { .. } => {
            format!(" The connection broke off: check {peer} and any proxy between Grafana and it.")
        }
        ExecuteError::Connect { .. } => {
            format!(" Check `{key}Url` and that {peer} is running and reachable from Grafana.")
        }
        ExecuteError::Timeout { .. } => {
            " Raise `timeoutSeconds` or check the network between Grafana and the server.".into()
        }
        ExecuteError::Decode { .. } => {
            format!(" Is `{key}Url` really a {peer} server?")
        }
        _ => String::new(),
    }
}

fn response(
    status: HealthStatus,
    message: String,
    details: Value,
) -> pluginv2::CheckHealthResponse {
    pluginv2::CheckHealthResponse {
        status: status as i32,
        message,
        json_details: if details.is_null() {
            Vec::new()
        } else {
            details.to_string().into_bytes()
        },
    }
}
