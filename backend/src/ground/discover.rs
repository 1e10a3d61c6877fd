//! Live discovery: the [`Schema`] of a Loki and a Tempo, asked over HTTP, and the TTL cache that keeps it.
//!
//! Loki: label names and their values, then per service the fields its lines carry (`detected_fields`;
//! where that API is missing, as before Loki 3.3, a sample of lines read by our own logfmt/JSON detection).
//! Tempo: tag names by scope and the values of the few tags questions name. Requests run concurrently and
//! are bounded; a peer that fails leaves its half of the schema empty and a warning, never an error.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use tokio::sync::Mutex;

use super::learn::{self, SchemaBuilder};
use super::schema::{FieldKind, FieldSource, LogField, Schema};
use crate::execute::loki::{Direction, build_log_query};
use crate::execute::loki_types::QueryData;
use crate::execute::{Clients, ExecuteError, TimeRange};

/// How far back discovery looks for labels, values and fields.
pub const DISCOVERY_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// How long a discovered schema is used before it is asked again.
pub const SCHEMA_TTL: Duration = Duration::from_secs(300);
/// Labels whose values are fetched (the rest keep their name only): enough for any real selector set.
const MAX_LABELS: usize = 40;
/// Services whose fields are fetched.
const MAX_SERVICES: usize = 60;
/// Lines sampled per service when `detected_fields` is not available.
const SAMPLE_LINES: u32 = 50;
/// Labels that hold ids, not values anyone names in a question.
const ID_LABELS: [&str; 6] = [
    "trace_id", "span_id", "traceID", "spanID", "filename", "instance",
];
/// Tempo attributes whose values are fetched, at most.
const MAX_TEMPO_TAGS: usize = 60;
/// Tempo attributes whose values questions name (span names, routes, peers, status codes, environment).
const TEMPO_VALUE_TAGS: [&str; 8] = [
    "resource.service.name",
    "name",
    "span.http.route",
    "span.peer.service",
    "span.http.response.status_code",
    "span.http.request.method",
    "resource.deployment.environment",
    "resource.deployment.environment.name",
];

/// A discovered schema and what could not be discovered.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub schema: Schema,
    pub warnings: Vec<String>,
    /// Whether each configured peer answered at all.
    pub loki_reached: bool,
    pub tempo_reached: bool,
}

/// Asks Loki and Tempo (those configured) for the schema over `[now - DISCOVERY_WINDOW, now]`.
pub async fn discover(clients: &Clients, now: DateTime<Utc>) -> Discovery {
    let range = TimeRange {
        start: now - DISCOVERY_WINDOW,
        end: now,
    };
    let mut builder = SchemaBuilder::new();
    let mut warnings = Vec::new();
    let (loki, tempo) = tokio::join!(
        discover_loki(clients, &range),
        discover_tempo(clients, &range)
    );
    let loki_reached = match loki {
        Some(Ok(part)) => {
            part.apply(&mut builder);
            warnings.extend(part.warnings);
            true
        }
        Some(Err(e)) => {
            warnings.push(format!("Loki: {e}"));
            false
        }
        None => false,
    };
    let tempo_reached = match tempo {
        Some(Ok(part)) => {
            part.apply(&mut builder);
            warnings.extend(part.warnings);
            true
        }
        Some(Err(e)) => {
            warnings.push(format!("Tempo: {e}"));
            false
        }
        None => false,
    };
    Discovery {
        schema: builder.finish(),
        warnings,
        loki_reached,
        tempo_reached,
    }
}

#[derive(Default)]
struct LokiPart {
    labels: Vec<(String, Vec<String>)>,
    fields: Vec<(String, Vec<LogField>)>,
    warnings: Vec<String>,
}

impl LokiPart {
    fn apply(&self, b: &mut SchemaBuilder) {
        b.label_names(self.labels.iter().map(|(l, _)| l.clone()));
        for (label, values) in &self.labels {
            b.label_values(label, values.iter().cloned());
        }
        for (service, fields) in &self.fields {
            b.service_fields(service, fields.iter().cloned());
        }
    }
}

#[derive(Default)]
struct TempoPart {
    tags: std::collections::BTreeMap<String, Vec<String>>,
    values: Vec<(String, Vec<String>)>,
    warnings: Vec<String>,
}

impl TempoPart {
    fn apply(&self, b: &mut SchemaBuilder) {
        b.tempo_tags(self.tags.clone());
        for (tag, values) in &self.values {
            if tag == "resource.service.name" {
                b.tempo_services(values.iter().cloned());
            } else {
                b.tempo_values(tag, values.iter().cloned());
            }
        }
    }
}

async fn discover_loki(
    clients: &Clients,
    range: &TimeRange,
) -> Option<Result<LokiPart, ExecuteError>> {
    let loki = clients.loki().ok()?;
    Some(
        async {
            let mut names = loki.fetch_labels(Some(range), None).await?;
            names.retain(|n| !n.starts_with("__"));
            let mut part = LokiPart::default();
            let wanted: Vec<&String> = names
                .iter()
                .filter(|n| !ID_LABELS.contains(&n.as_str()))
                .take(MAX_LABELS)
                .collect();
            let values = join_all(
                wanted
                    .iter()
                    .map(|name| loki.fetch_label_values(name, Some(range), None)),
            )
            .await;
            for (name, result) in wanted.iter().zip(values) {
                match result {
                    Ok(values) => part.labels.push(((*name).clone(), values)),
                    Err(e) => part.warnings.push(format!("Loki: values of `{name}`: {e}")),
                }
            }
            for name in &names {
                if !part.labels.iter().any(|(l, _)| l == name) {
                    part.labels.push((name.clone(), Vec::new()));
                }
            }
            // Fields per service, from detected_fields or else a sample of lines.
            let service_label = learn::SERVICE_LABELS
                .iter()
                .find(|l| names.iter().any(|n| n == *l))
                .copied();
            if let Some(label) = service_label {
                let services: Vec<String> = part
                    .labels
                    .iter()
                    .find(|(l, _)| l == label)
                    .map(|(_, v)| v.iter().take(MAX_SERVICES).cloned().collect())
                    .unwrap_or_default();
                let fetched = join_all(
                    services
                        .iter()
                        .map(|s| fields_of_service(clients, label, s, range)),
                )
                .await;
                for (service, result) in services.into_iter().zip(fetched) {
                    match result {
                        Ok(fields) => part.fields.push((service, fields)),
                        Err(e) => part
                            .warnings
                            .push(format!("Loki: fields of `{service}`: {e}")),
                    }
                }
            }
            Ok(part)
        }
        .await,
    )
}

async fn fields_of_service(
    clients: &Clients,
    label: &str,
    service: &str,
    range: &TimeRange,
) -> Result<Vec<LogField>, ExecuteError> {
    let loki = clients.loki()?;
    let selector = format!("{{{label}={}}}", crate::plan::escape::quote(service));
    match loki
        .fetch_detected_fields(&selector, range, Some(1000))
        .await
    {
        Ok(detected) => Ok(detected
            .fields
            .into_iter()
            .map(|f| {
                let parsers = f.parsers.unwrap_or_default();
                let source = if parsers.iter().any(|p| p == "logfmt") {
                    FieldSource::Logfmt
                } else if parsers.iter().any(|p| p == "json") {
                    FieldSource::Json
                } else {
                    FieldSource::Metadata
                };
                LogField {
                    name: f.label,
                    kind: learn::field_kind(&f.kind),
                    source,
                }
            })
            .collect()),
        // Older Loki: read a few lines and detect the fields ourselves.
        Err(ExecuteError::Status {
            status: 404 | 400 | 501,
            ..
        }) => {
            let req = build_log_query(&selector, range, SAMPLE_LINES, Direction::Backward);
            let mut fields: Vec<LogField> = Vec::new();
            if let QueryData::Streams(streams) = loki.fetch_query(&req).await? {
                for stream in streams {
                    for entry in &stream.entries {
                        for f in learn::detect_line_fields(&entry.line) {
                            if !fields.iter().any(|g| g.name == f.name) {
                                fields.push(f);
                            }
                        }
                        for k in entry.structured_metadata.keys() {
                            if !fields.iter().any(|g| &g.name == k) {
                                fields.push(LogField {
                                    name: k.clone(),
                                    kind: FieldKind::String,
                                    source: FieldSource::Metadata,
                                });
                            }
                        }
                    }
                }
            }
            Ok(fields)
        }
        Err(e) => Err(e),
    }
}

async fn discover_tempo(
    clients: &Clients,
    range: &TimeRange,
) -> Option<Result<TempoPart, ExecuteError>> {
    let tempo = clients.tempo().ok()?;
    Some(
        async {
            let scopes = tempo.fetch_tags(None, Some(range)).await?;
            let mut part = TempoPart::default();
            for scope in scopes.scopes {
                part.tags.insert(scope.name, scope.tags);
            }
            let has = |tag: &str| -> bool {
                match tag.split_once('.') {
                    Some((scope, name)) if scope == "resource" || scope == "span" => part
                        .tags
                        .get(scope)
                        .is_some_and(|t| t.iter().any(|n| n == name)),
                    _ => true, // intrinsics such as `name`
                }
            };
            // The fixed list plus every span and resource attribute whose values are names (peers,
            // databases, operations, categories...), bounded.
            let mut wanted: Vec<String> = TEMPO_VALUE_TAGS
                .iter()
                .copied()
                .filter(|t| has(t))
                .map(str::to_string)
                .collect();
            for scope in ["span", "resource"] {
                for tag in part.tags.get(scope).into_iter().flatten() {
                    let full = format!("{scope}.{tag}");
                    if !learn::UNNAMED_TEMPO_ATTRIBUTES.contains(&tag.as_str())
                        && !wanted.contains(&full)
                        && wanted.len() < MAX_TEMPO_TAGS
                    {
                        wanted.push(full);
                    }
                }
            }
            let values = join_all(
                wanted
                    .iter()
                    .map(|t| tempo.fetch_tag_values(t, Some(range), None)),
            )
            .await;
            for (tag, result) in wanted.iter().zip(values) {
                match result {
                    Ok(v) => part.values.push((
                        tag.to_string(),
                        v.tag_values.into_iter().map(|v| v.value).collect(),
                    )),
                    Err(e) => part.warnings.push(format!("Tempo: values of `{tag}`: {e}")),
                }
            }
            Ok(part)
        }
        .await,
    )
}

/// A discovered schema kept for [`SCHEMA_TTL`]; one refresh at a time, and a failed refresh keeps the last
/// good schema.
#[derive(Debug)]
pub struct SchemaCache {
    ttl: Duration,
    state: Mutex<Option<(Instant, Arc<Discovery>)>>,
}

impl Default for SchemaCache {
    fn default() -> Self {
        SchemaCache::new(SCHEMA_TTL)
    }
}

impl SchemaCache {
    pub fn new(ttl: Duration) -> Self {
        SchemaCache {
            ttl,
            state: Mutex::new(None),
        }
    }

    /// The cached discovery, asking Loki and Tempo again once the TTL has passed.
    pub async fn get(&self, clients: &Clients, now: DateTime<Utc>) -> Arc<Discovery> {
        let mut state = self.state.lock().await;
        if let Some((at, found)) = state.as_ref()
            && at.elapsed() < self.ttl
        {
            return found.clone();
        }
        let fresh = discover(clients, now).await;
        let reached = fresh.loki_reached
            || fresh.tempo_reached
            || !(clients.has_loki() || clients.has_tempo());
        let keep_old = !reached && state.is_some();
        if keep_old {
            let (_, old) = state.as_ref().expect("checked above");
            let mut stale = (**old).clone();
            stale.warnings = fresh.warnings;
            stale
                .warnings
                .push("using the schema discovered earlier".into());
            let stale = Arc::new(stale);
            *state = Some((Instant::now(), stale.clone()));
            return stale;
        }
        let fresh = Arc::new(fresh);
        *state = Some((Instant::now(), fresh.clone()));
        fresh
    }
}
