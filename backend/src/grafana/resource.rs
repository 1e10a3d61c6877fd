//! CallResource: a small allow-listed router for the editor and app pages. Paths never start with
//! `/`; bodies are JSON; failures answer `{ "error": "..." }` with a 4xx/5xx status.
//!
//! | route | answer |
//! |---|---|
//! | `GET labels?start&end` | `{ "labels": [...] }` (Loki label names) |
//! | `GET label/{name}/values?start&end&query` | `{ "values": [...] }` |
//! | `GET services?start&end` | `{ "services": [{ "name", "sources": ["loki", "tempo"] }] }` |
//! | `GET schema` | the discovered schema: labels and values, fields per service, Tempo tags and values |
//! | `GET examples` | `{ "examples": [...] }`: questions that work on the connected data |
//! | `POST translate` `{question, from?, to?, tz?}` | `{ "plan", "understood", "timeSource", "warnings"? }` |
//! | `POST diagnose` `{question \| service, from?, to?, tz?}` | `{ "summary", "hypotheses", "evidence", ... }` |
//! | `POST mcp` (and `GET`/`DELETE`, answered 405) | MCP streamable HTTP, stateless, JSON answers (`grafana/mcp.rs`) |

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{TimeZone, Utc};
use grafana_plugin_sdk::pluginv2;
use serde_json::{Value, json};

use super::instance::{Instance, InstanceCache};
use super::status::http_status;
use crate::error::Error;
use crate::execute::{ExecuteError, TimeRange};

/// Answers one resource call (never fails: errors are JSON bodies with a status).
pub async fn call_resource(
    cache: &InstanceCache,
    request: &pluginv2::CallResourceRequest,
) -> pluginv2::CallResourceResponse {
    if request.path.trim_matches('/') == "mcp" {
        return super::mcp::call_mcp(cache, request).await;
    }
    let (status, body) = match cache.get(request.plugin_context.as_ref()) {
        Ok(instance) => route(&instance, request).await,
        Err(e) => (http_status(&e), error_body(&e.user_message())),
    };
    if status >= 400 {
        tracing::warn!(path = %request.path, status, "resource call failed");
    }
    pluginv2::CallResourceResponse {
        code: status,
        headers: HashMap::from([(
            "Content-Type".to_string(),
            pluginv2::StringList {
                values: vec!["application/json".to_string()],
            },
        )]),
        body: body.to_string().into_bytes().into(),
    }
}

fn error_body(message: &str) -> Value {
    json!({ "error": message })
}

fn failure(err: Error) -> (i32, Value) {
    (http_status(&err), error_body(&err.user_message()))
}

/// Query parameters of the request URL (`labels?start=1&end=2` → {start: 1, end: 2}).
fn query_params(url: &str) -> BTreeMap<String, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// `start`/`end` in epoch milliseconds, when both are given.
fn range(params: &BTreeMap<String, String>) -> Result<Option<TimeRange>, Error> {
    let ms = |key: &str| -> Result<Option<i64>, Error> {
        params
            .get(key)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    Error::from(ExecuteError::InvalidArgument {
                        what: "epoch-millisecond time",
                        value: v.clone(),
                    })
                })
            })
            .transpose()
    };
    match (ms("start")?, ms("end")?) {
        (Some(start), Some(end)) => {
            let t = |ms: i64| Utc.timestamp_millis_opt(ms).single().unwrap_or_default();
            Ok(Some(TimeRange::new(t(start), t(end))?))
        }
        _ => Ok(None),
    }
}

async fn route(instance: &Instance, request: &pluginv2::CallResourceRequest) -> (i32, Value) {
    let path = request.path.trim_matches('/');
    let segments: Vec<&str> = path.split('/').collect();
    let method = request.method.to_ascii_uppercase();
    let params = query_params(&request.url);
    let result = match (method.as_str(), segments.as_slice()) {
        ("GET", ["labels"]) => labels(instance, &params).await,
        ("GET", ["label", name, "values"]) => label_values(instance, name, &params).await,
        ("GET", ["services"]) => services(instance, &params).await,
        ("GET", ["schema"]) => schema(instance).await,
        ("GET", ["examples"]) => examples(instance).await,
        ("POST", ["translate"]) => translate_route(instance, &request.body).await,
        ("POST", ["diagnose"]) => super::analysis::diagnose_route(instance, &request.body).await,
        (_, ["translate"] | ["diagnose"]) => {
            return (
                405,
                error_body(&format!("`{method} {path}` is not allowed; use POST")),
            );
        }
        (_, ["labels"] | ["label", _, "values"] | ["services"] | ["schema"] | ["examples"]) => {
            return (
                405,
                error_body(&format!("`{method} {path}` is not allowed; use GET")),
            );
        }
        _ => return (404, error_body(&format!("unknown resource `{path}`"))),
    };
    result.unwrap_or_else(failure)
}

async fn labels(
    instance: &Instance,
    params: &BTreeMap<String, String>,
) -> Result<(i32, Value), Error> {
    let range = range(params)?;
    let labels = instance
        .clients
        .loki()?
        .fetch_labels(range.as_ref(), params.get("query").map(String::as_str))
        .await?;
    Ok((200, json!({ "labels": labels })))
}

async fn label_values(
    instance: &Instance,
    name: &str,
    params: &BTreeMap<String, String>,
) -> Result<(i32, Value), Error> {
    let range = range(params)?;
    let values = instance
        .clients
        .loki()?
        .fetch_label_values(
            name,
            range.as_ref(),
            params.get("query").map(String::as_str),
        )
        .await?;
    Ok((200, json!({ "values": values })))
}

/// The union of Loki `service_name` values and Tempo `resource.service.name` values. A configured peer
/// that fails is reported under `warnings` as long as the other answered.
async fn services(
    instance: &Instance,
    params: &BTreeMap<String, String>,
) -> Result<(i32, Value), Error> {
    let range = range(params)?;
    let clients = &instance.clients;
    if !clients.has_loki() && !clients.has_tempo() {
        return Err(clients.loki().err().map(Error::from).unwrap_or_else(|| {
            Error::from(ExecuteError::NothingToRun {
                reason: "no Loki or Tempo configured".into(),
            })
        }));
    }
    let loki = async {
        match clients.loki() {
            Ok(loki) => Some(
                loki.fetch_label_values("service_name", range.as_ref(), None)
                    .await,
            ),
            Err(_) => None,
        }
    };
    let tempo = async {
        match clients.tempo() {
            Ok(tempo) => Some(
                tempo
                    .fetch_tag_values("resource.service.name", range.as_ref(), None)
                    .await
                    .map(|v| {
                        v.tag_values
                            .into_iter()
                            .map(|t| t.value)
                            .collect::<Vec<_>>()
                    }),
            ),
            Err(_) => None,
        }
    };
    let (loki, tempo) = futures_util::future::join(loki, tempo).await;
    let mut sources: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut last_error = None;
    for (source, answer) in [("loki", loki), ("tempo", tempo)] {
        match answer {
            Some(Ok(names)) => {
                for name in names.into_iter().filter(|n| !n.is_empty()) {
                    sources.entry(name).or_default().insert(source);
                }
            }
            Some(Err(e)) => {
                warnings.push(e.to_string());
                last_error = Some(e);
            }
            None => {}
        }
    }
    let answered =
        usize::from(clients.has_loki()) + usize::from(clients.has_tempo()) - warnings.len();
    if answered == 0
        && let Some(e) = last_error
    {
        return Err(e.into());
    }
    let services: Vec<Value> = sources
        .into_iter()
        .map(
            |(name, from)| json!({ "name": name, "sources": from.into_iter().collect::<Vec<_>>() }),
        )
        .collect();
    let mut body = json!({ "services": services });
    if !warnings.is_empty() {
        body["warnings"] = json!(warnings);
    }
    Ok((200, body))
}

/// The schema questions are grounded in (discovered live, cached with a TTL).
async fn schema(instance: &Instance) -> Result<(i32, Value), Error> {
    let discovery = instance.schema.get(&instance.clients, Utc::now()).await;
    let mut body = serde_json::to_value(&discovery.schema).unwrap_or_default();
    body["services"] = json!(discovery.schema.services());
    if !discovery.warnings.is_empty() {
        body["warnings"] = json!(discovery.warnings);
    }
    Ok((200, body))
}

/// Example questions that work on the connected data.
async fn examples(instance: &Instance) -> Result<(i32, Value), Error> {
    let discovery = instance.schema.get(&instance.clients, Utc::now()).await;
    Ok((
        200,
        json!({ "examples": crate::translate::examples(&discovery.schema) }),
    ))
}

#[derive(serde::Deserialize)]
struct TranslateRequest {
    #[serde(default)]
    question: String,
    /// Explore's range in epoch milliseconds; used unless the question names a time.
    from: Option<i64>,
    to: Option<i64>,
    tz: Option<String>,
}

/// The plan for a question without running it (the editor's live preview).
async fn translate_route(instance: &Instance, body: &[u8]) -> Result<(i32, Value), Error> {
    let request: TranslateRequest = serde_json::from_slice(body).map_err(|e| {
        Error::from(ExecuteError::InvalidArgument {
            what: "translate request (JSON with a `question`)",
            value: e.to_string(),
        })
    })?;
    let now = Utc::now();
    let mut question = crate::translate::Question::new(&request.question, now);
    if let (Some(from), Some(to)) = (request.from, request.to) {
        let t = |ms: i64| Utc.timestamp_millis_opt(ms).single().unwrap_or(now);
        if from <= to {
            question.dashboard = Some((t(from), t(to)));
        }
    }
    if let Some(tz) = request.tz.as_deref().and_then(|t| t.parse().ok()) {
        question.tz = tz;
    }
    let discovery = instance.schema.get(&instance.clients, now).await;
    let translation = crate::pipeline::Translation {
        plan: crate::translate::translate(&question, &discovery.schema),
        warnings: discovery.warnings.clone(),
    };
    Ok((
        200,
        crate::pipeline::custom_meta(&request.question, &translation, None),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_query_params_from_the_url() {
        let p = query_params("label/level/values?start=1&end=2&query=%7Ba%3D%22b%22%7D");
        assert_eq!(p["start"], "1");
        assert_eq!(p["query"], "{a=\"b\"}");
        assert!(query_params("labels").is_empty());
        let r = range(&p).unwrap().unwrap();
        assert_eq!(r.end.timestamp_millis(), 2);
        assert!(range(&query_params("x?start=a&end=2")).is_err());
        assert!(range(&query_params("x?start=5&end=2")).is_err());
    }
}
