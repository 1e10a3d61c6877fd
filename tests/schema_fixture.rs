//! The schema the CI evaluation grounds questions in, built from the recorded Loki/Tempo responses in
//! `../shared/fixtures` (label names and values, detected fields, stream labels and lines, Tempo tags,
//! tag values, span names and attributes of recorded traces).
//!
//! `tests/fixtures/demo-schema.json` is this schema, committed so that `querent eval --schema` can use it.
//! The test fails when the two differ; regenerate on purpose with `QUERENT_REGENERATE=1 cargo test --test
//! schema_fixture`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use querent::ground::Schema;
use querent::ground::learn::{self, SchemaBuilder};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn has_parser(query: &str) -> bool {
    [
        "| json",
        "| logfmt",
        "| pattern",
        "| regexp",
        "| unpack",
        "|json",
        "|logfmt",
    ]
    .iter()
    .any(|p| query.contains(p))
}

/// Feeds the streams of a Loki query response to the builder.
fn learn_streams(b: &mut SchemaBuilder, body: &Value, query: &str) {
    let Some(result) = body.pointer("/data/result").and_then(Value::as_array) else {
        return;
    };
    if body.pointer("/data/resultType").and_then(Value::as_str) != Some("streams") {
        return;
    }
    let parsed = has_parser(query);
    for stream in result {
        let mut labels: BTreeMap<String, String> = stream
            .get("stream")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let values = stream
            .get("values")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // categorize-labels encoding: structured metadata in the third element of each value
        for v in &values {
            if let Some(sm) = v
                .get(2)
                .and_then(|x| x.get("structuredMetadata"))
                .and_then(Value::as_object)
            {
                for (k, val) in sm {
                    if let Some(s) = val.as_str() {
                        labels.entry(k.clone()).or_insert_with(|| s.to_string());
                    }
                }
            }
        }
        let lines: Vec<&str> = values
            .iter()
            .filter_map(|v| v.get(1).and_then(Value::as_str))
            .collect();
        b.stream(&labels, &lines, parsed);
    }
}

/// Span names and a few attribute values from an OTLP trace body (v1 `batches` or v2 `trace`).
fn learn_trace(b: &mut SchemaBuilder, body: &Value) {
    let batches = body
        .get("batches")
        .or_else(|| body.pointer("/trace/resourceSpans"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for rs in batches {
        for attr in rs
            .pointer("/resource/attributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = attr.get("key").and_then(Value::as_str).unwrap_or_default();
            if [
                "deployment.environment",
                "deployment.environment.name",
                "k8s.namespace.name",
                "k8s.cluster.name",
            ]
            .contains(&key)
                && let Some(v) = attr.pointer("/value/stringValue").and_then(Value::as_str)
            {
                b.tempo_values(&format!("resource.{key}"), [v.to_string()]);
            }
        }
        for ss in rs
            .get("scopeSpans")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for span in ss
                .get("spans")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = span.get("name").and_then(Value::as_str) {
                    b.tempo_values("name", [name.to_string()]);
                }
                for attr in span
                    .get("attributes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let key = attr.get("key").and_then(Value::as_str).unwrap_or_default();
                    let named = !learn::UNNAMED_TEMPO_ATTRIBUTES.contains(&key)
                        || ["http.route", "http.request.method"].contains(&key);
                    if named
                        && let Some(v) = attr.pointer("/value/stringValue").and_then(Value::as_str)
                    {
                        b.tempo_values(&format!("span.{key}"), [v.to_string()]);
                    }
                }
            }
        }
    }
}

/// Span names from a search answer (`rootTraceName` and the matched spans).
fn learn_search(b: &mut SchemaBuilder, body: &Value) {
    for t in body
        .get("traces")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(n) = t.get("rootTraceName").and_then(Value::as_str) {
            b.tempo_values("name", [n.to_string()]);
        }
        for set in t
            .get("spanSets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .chain(t.get("spanSet"))
        {
            for s in set
                .get("spans")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(n) = s.get("name").and_then(Value::as_str) {
                    b.tempo_values("name", [n.to_string()]);
                }
            }
        }
    }
}

fn param(row: &Value, name: &str) -> String {
    row.get("params")
        .and_then(Value::as_array)
        .and_then(|ps| {
            ps.iter()
                .find(|p| p.get(0).and_then(Value::as_str) == Some(name))
        })
        .and_then(|p| p.get(1).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string()
}

pub fn build() -> Schema {
    let f = fixtures();
    let mut b = SchemaBuilder::new();
    b.label_names(learn::loki_strings(&read(&f.join("loki/labels.json"))));
    b.label_values(
        "service_name",
        learn::loki_strings(&read(&f.join("loki/label_service_name_values.json"))),
    );
    b.label_values(
        "level",
        learn::loki_strings(&read(&f.join("loki/label_level_values_with_query.json"))),
    );
    b.service_fields(
        "order-service",
        learn::detected_fields(&read(&f.join("loki/detected_fields_order_service.json"))),
    );
    b.service_fields(
        "product-service",
        learn::detected_fields(&read(&f.join("loki/detected_fields_product_service.json"))),
    );
    // Recorded query answers: label values (env, namespace, ...), structured metadata, fields of the
    // services that have no detected_fields recording.
    for folder in ["loki", "diagnosis"] {
        let rows = read(&f.join(folder).join("requests.json"));
        for row in rows.as_array().into_iter().flatten() {
            let file = row.get("file").and_then(Value::as_str).unwrap_or_default();
            let path = row.get("path").and_then(Value::as_str).unwrap_or_default();
            if !file.ends_with(".json") || row.get("status").and_then(Value::as_u64) != Some(200) {
                continue;
            }
            let body = read(&f.join(folder).join(file));
            if path.ends_with("/query_range") || path.ends_with("/query") {
                learn_streams(&mut b, &body, &param(row, "query"));
            } else if path == "/api/search" {
                learn_search(&mut b, &body);
            } else if path.starts_with("/api/v2/traces/") || path.starts_with("/api/traces/") {
                learn_trace(&mut b, &body);
            }
        }
    }
    let mut dev: Vec<PathBuf> = std::fs::read_dir(f.join("eval-dev"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    dev.sort();
    for p in dev {
        let v = read(&p);
        let path = v
            .pointer("/request/path")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let body = v.get("body").cloned().unwrap_or(Value::Null);
        if path.starts_with("/loki/") {
            let query = v
                .pointer("/request/params/query")
                .and_then(Value::as_str)
                .unwrap_or_default();
            learn_streams(&mut b, &body, query);
        } else if path == "/api/search" {
            learn_search(&mut b, &body);
        }
    }
    // Tempo tags and values.
    b.tempo_tags(learn::tempo_tags_v2(&read(
        &f.join("tempo/search_tags_v2.json"),
    )));
    b.tempo_services(learn::tempo_tag_values_v2(&read(
        &f.join("tempo/search_tag_values_v2_resource_service_name.json"),
    )));
    b.tempo_values(
        "span.http.response.status_code",
        learn::tempo_tag_values_v2(&read(
            &f.join("tempo/search_tag_values_v2_status_code.json"),
        )),
    );
    for file in [
        "trace_v2_payment_timeout.json",
        "trace_v2_slow_browse.json",
        "trace_v1_checkout_ok.json",
        "trace_v1_payment_timeout.json",
    ] {
        learn_trace(&mut b, &read(&f.join("tempo").join(file)));
    }
    for file in [
        "search_status_error.json",
        "search_product_service_slow.json",
        "search_http_5xx.json",
    ] {
        learn_search(&mut b, &read(&f.join("tempo").join(file)));
    }
    b.finish()
}

#[test]
fn committed_schema_matches_the_fixtures() {
    let built = build();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo-schema.json");
    let text = serde_json::to_string_pretty(&built).unwrap() + "\n";
    if std::env::var_os("QUERENT_REGENERATE").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed: Schema = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .expect("tests/fixtures/demo-schema.json exists (QUERENT_REGENERATE=1 writes it)"),
    )
    .unwrap();
    assert_eq!(
        committed, built,
        "demo-schema.json is stale: regenerate with QUERENT_REGENERATE=1"
    );
}

#[test]
fn fixture_schema_knows_the_shop() {
    let s = build();
    assert_eq!(s.loki.service_label.as_deref(), Some("service_name"));
    assert_eq!(s.loki.level_label.as_deref(), Some("level"));
    assert_eq!(
        s.services(),
        vec![
            "api-gateway",
            "order-service",
            "payment-service",
            "product-service",
            "user-service"
        ]
    );
    assert!(s.label_values("env").contains(&"staging".to_string()));
    let order: Vec<&str> = s.loki.fields["order-service"]
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert!(order.contains(&"status") && order.contains(&"trace_id"));
    let payment = &s.loki.fields["payment-service"];
    assert!(
        payment
            .iter()
            .any(|f| f.name == "provider" && f.source == querent::ground::FieldSource::Logfmt)
    );
    assert!(s.tempo.values["name"].contains(&"POST /api/v1/orders".to_string()));
}
