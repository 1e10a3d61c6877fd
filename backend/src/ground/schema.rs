//! The user's data, as far as translating questions needs it: Loki labels and values, the fields each
//! service's lines carry (with the parser that reads them), and Tempo tags and values.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::fuzzy::NameIndex;
use crate::plan::logql::Parser;

/// What kind of values a log field holds (from Loki's `detected_fields`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    String,
    Int,
    Float,
    Duration,
    Bytes,
    Boolean,
}

impl FieldKind {
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldKind::Int | FieldKind::Float | FieldKind::Duration | FieldKind::Bytes
        )
    }
}

/// How a field is read from a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldSource {
    Logfmt,
    Json,
    /// Structured metadata (or another label Loki attaches without a parser).
    Metadata,
}

impl FieldSource {
    pub fn parser(self) -> Option<Parser> {
        match self {
            FieldSource::Logfmt => Some(Parser::Logfmt),
            FieldSource::Json => Some(Parser::Json),
            FieldSource::Metadata => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogField {
    pub name: String,
    pub kind: FieldKind,
    pub source: FieldSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LokiSchema {
    /// Stream label → its values (empty when there were too many to keep).
    pub labels: BTreeMap<String, Vec<String>>,
    /// The label that names services (`service_name`).
    pub service_label: Option<String>,
    /// The label that carries the log level (`level`).
    pub level_label: Option<String>,
    /// Service → the fields its lines carry.
    pub fields: BTreeMap<String, Vec<LogField>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct TempoSchema {
    /// `resource.service.name` values.
    pub services: Vec<String>,
    /// Tag names by scope (`resource`, `span`, `event`, `link`).
    pub tags: BTreeMap<String, Vec<String>>,
    /// Values of a few tags worth recognising in questions (`name`, `span.http.route`,
    /// `span.peer.service`, `span.http.response.status_code`, ...), keyed by the TraceQL attribute.
    pub values: BTreeMap<String, Vec<String>>,
}

/// Everything the translator grounds a question in. Serialises to the `--schema` file format.
///
/// Treat a schema as immutable once built: lookups use an index computed on first use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Schema {
    pub loki: LokiSchema,
    pub tempo: TempoSchema,
    #[serde(skip)]
    index: IndexCell,
}

/// Lookups the translator makes for every word, prepared once per schema.
#[derive(Debug, Default)]
pub struct SchemaIndex {
    /// Loki and Tempo service names.
    pub services: NameIndex,
    /// Lower-case value → (label, value) for the other low-cardinality stream labels.
    pub label_values: HashMap<String, Vec<(String, String)>>,
    /// Lower-case span name → span name.
    pub span_names: HashMap<String, String>,
    /// Lower-case value of a Tempo attribute that names things (peer, database, operation, category) →
    /// (attribute as TraceQL writes it, value).
    pub attribute_values: HashMap<String, Vec<(String, String)>>,
    /// Attribute name as people may write it (`error.type`, `span.error.type`) → TraceQL attribute.
    pub attribute_names: HashMap<String, String>,
}

/// The lazily built index; compares equal and clones empty so that schemas compare by their data.
#[derive(Default)]
struct IndexCell(OnceLock<Arc<SchemaIndex>>);

impl Clone for IndexCell {
    fn clone(&self) -> Self {
        IndexCell::default()
    }
}

impl PartialEq for IndexCell {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for IndexCell {}

impl std::fmt::Debug for IndexCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SchemaIndex")
    }
}

impl Schema {
    pub fn new(loki: LokiSchema, tempo: TempoSchema) -> Self {
        Schema {
            loki,
            tempo,
            index: IndexCell::default(),
        }
    }

    /// The lookup index, built on first use.
    pub fn index(&self) -> &SchemaIndex {
        self.index.0.get_or_init(|| Arc::new(self.build_index()))
    }

    fn build_index(&self) -> SchemaIndex {
        let mut label_values: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let skip = [
            self.loki.service_label.as_deref(),
            self.loki.level_label.as_deref(),
            Some("app"),
        ];
        for (label, values) in &self.loki.labels {
            if skip.contains(&Some(label.as_str())) || values.len() > 200 {
                continue;
            }
            for v in values {
                label_values
                    .entry(v.to_lowercase())
                    .or_default()
                    .push((label.clone(), v.clone()));
            }
        }
        let span_names = self
            .tempo
            .values
            .get("name")
            .into_iter()
            .flatten()
            .map(|n| (n.to_lowercase(), n.clone()))
            .collect();
        // Attributes read another way: services, span names, status codes, methods, routes, environments.
        const READ_OTHERWISE: [&str; 7] = [
            "name",
            "resource.service.name",
            "span.http.response.status_code",
            "span.http.request.method",
            "span.http.route",
            "resource.deployment.environment",
            "resource.deployment.environment.name",
        ];
        let mut attribute_values: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (attr, values) in &self.tempo.values {
            if READ_OTHERWISE.contains(&attr.as_str()) {
                continue;
            }
            for v in values.iter().filter(|v| v.len() >= 3 && v.len() <= 64) {
                attribute_values
                    .entry(v.to_lowercase())
                    .or_default()
                    .push((attr.clone(), v.clone()));
            }
        }
        for hits in attribute_values.values_mut() {
            // span attributes before resource attributes
            hits.sort_by_key(|(attr, _)| !attr.starts_with("span."));
        }
        let mut attribute_names = HashMap::new();
        for scope in ["span", "resource", "event"] {
            for tag in self.tempo.tags.get(scope).into_iter().flatten() {
                let full = format!("{scope}.{tag}");
                attribute_names.insert(full.to_lowercase(), full.clone());
                attribute_names.entry(tag.to_lowercase()).or_insert(full);
            }
        }
        SchemaIndex {
            services: NameIndex::new(&self.services()),
            label_values,
            span_names,
            attribute_values,
            attribute_names,
        }
    }

    /// Service names known to Loki or Tempo, sorted and without duplicates.
    pub fn services(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .loki
            .service_label
            .as_ref()
            .and_then(|l| self.loki.labels.get(l))
            .cloned()
            .unwrap_or_default();
        all.extend(self.tempo.services.iter().cloned());
        all.sort();
        all.dedup();
        all
    }

    pub fn label_values(&self, label: &str) -> &[String] {
        self.loki.labels.get(label).map_or(&[], Vec::as_slice)
    }

    /// The level label and whether it has `value` (e.g. `error`).
    pub fn level_value(&self, wanted: &[&str]) -> Option<(String, String)> {
        let label = self.loki.level_label.as_ref()?;
        let values = self.loki.labels.get(label)?;
        wanted.iter().find_map(|w| {
            values
                .iter()
                .find(|v| v.eq_ignore_ascii_case(w))
                .map(|v| (label.clone(), v.clone()))
        })
    }

    /// Fields of one service, or of every service when `service` is `None`.
    pub fn fields_of<'a>(
        &'a self,
        service: Option<&'a str>,
    ) -> Box<dyn Iterator<Item = (&'a str, &'a LogField)> + 'a> {
        match service {
            Some(s) => Box::new(
                self.loki
                    .fields
                    .get(s)
                    .into_iter()
                    .flatten()
                    .map(move |f| (s, f)),
            ),
            None => Box::new(
                self.loki
                    .fields
                    .iter()
                    .flat_map(|(s, fs)| fs.iter().map(move |f| (s.as_str(), f))),
            ),
        }
    }

    pub fn has_tempo_tag(&self, scope: &str, name: &str) -> bool {
        self.tempo
            .tags
            .get(scope)
            .is_some_and(|t| t.iter().any(|n| n == name))
    }

    /// A stable fingerprint, so caches can key on the schema version.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        serde_json::to_string(self).unwrap_or_default().hash(&mut h);
        h.finish()
    }
}
