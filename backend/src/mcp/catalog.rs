//! `list_services` and `describe_schema`: what there is to ask about, from the grounded schema (a
//! `--schema` file, or Loki and Tempo discovered with a TTL), bounded in size.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::answers::{Call, bad};
use super::compact::cut;
use super::server::ToolError;
use super::tools::{DescribeSchemaArgs, ListServicesArgs};

pub(crate) async fn list_services(
    call: &Call<'_>,
    _a: ListServicesArgs,
) -> Result<Value, ToolError> {
    let discovery = call
        .backend
        .schema()
        .get(call.backend.clients(), call.now)
        .await;
    let schema = &discovery.schema;
    let loki: Vec<String> = schema
        .loki
        .service_label
        .as_ref()
        .map(|l| schema.label_values(l).to_vec())
        .unwrap_or_default();
    let services: Vec<Value> = schema
        .services()
        .into_iter()
        .map(|name| {
            let mut sources = Vec::new();
            if loki.contains(&name) {
                sources.push("loki");
            }
            if schema.tempo.services.contains(&name) {
                sources.push("tempo");
            }
            json!({ "name": name, "sources": sources })
        })
        .collect();
    let mut out = json!({ "services": services });
    if !discovery.warnings.is_empty() {
        out["warnings"] = json!(discovery.warnings);
    }
    Ok(out)
}

/// Values listed per label or attribute.
const SCHEMA_VALUES: usize = 12;
/// Tempo attribute names listed per scope.
const SCHEMA_TAGS: usize = 40;

fn first<T: Clone>(items: &[T], n: usize) -> Vec<T> {
    items.iter().take(n).cloned().collect()
}

pub(crate) async fn describe_schema(
    call: &Call<'_>,
    a: DescribeSchemaArgs,
) -> Result<Value, ToolError> {
    let discovery = call
        .backend
        .schema()
        .get(call.backend.clients(), call.now)
        .await;
    let schema = &discovery.schema;
    if let Some(s) = &a.service
        && !schema.services().contains(s)
    {
        return Err(bad(
            "service",
            format!(
                "`{}` is not a known service; call list_services",
                cut(s, 80)
            ),
        ));
    }
    let labels: BTreeMap<&String, Vec<String>> = schema
        .loki
        .labels
        .iter()
        .map(|(k, v)| (k, first(v, SCHEMA_VALUES)))
        .collect();
    let fields: BTreeMap<&String, Vec<String>> = schema
        .loki
        .fields
        .iter()
        .filter(|(svc, _)| a.service.as_ref().is_none_or(|s| s == *svc))
        .map(|(svc, fs)| {
            let list = fs
                .iter()
                .map(|f| format!("{} {:?}/{:?}", f.name, f.kind, f.source).to_lowercase())
                .collect();
            (svc, list)
        })
        .collect();
    let tags: BTreeMap<&String, Vec<String>> = schema
        .tempo
        .tags
        .iter()
        .map(|(scope, names)| (scope, first(names, SCHEMA_TAGS)))
        .collect();
    let values: BTreeMap<&String, Vec<String>> = schema
        .tempo
        .values
        .iter()
        .map(|(k, v)| (k, first(v, SCHEMA_VALUES)))
        .collect();
    let mut out = json!({
        "loki": {
            "serviceLabel": schema.loki.service_label,
            "levelLabel": schema.loki.level_label,
            "labels": labels,
            "fields": fields,
            "fieldFormat": "name kind/parser (logfmt|json: `| logfmt | name > 1`; metadata: no parser)",
        },
        "tempo": {
            "serviceAttribute": "resource.service.name",
            "tags": tags,
            "values": values,
        },
    });
    if !discovery.warnings.is_empty() {
        out["warnings"] = json!(discovery.warnings);
    }
    Ok(out)
}
