//! Loki's JSON answers as typed values (shapes as recorded from Loki 3.7 in `../shared/fixtures/loki`).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::results::{Point, Series};

/// `{"status": "success", "data": ...}` around most Loki answers.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope<T> {
    #[serde(default)]
    pub status: String,
    pub data: T,
}

/// `data` of `/query_range` and `/query`.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryData {
    Streams(Vec<Stream>),
    Matrix(Vec<Series>),
    Vector(Vec<Series>),
    Scalar(Point),
}

impl<'de> Deserialize<'de> for QueryData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            result_type: String,
            #[serde(default)]
            result: Box<serde_json::value::RawValue>,
        }
        let raw = Raw::deserialize(d)?;
        let text = raw.result.get();
        let parse_err = |e: serde_json::Error| de::Error::custom(e.to_string());
        Ok(match raw.result_type.as_str() {
            "streams" => QueryData::Streams(serde_json::from_str(text).map_err(parse_err)?),
            "matrix" => {
                let raw: Vec<MatrixSeries> = serde_json::from_str(text).map_err(parse_err)?;
                QueryData::Matrix(
                    raw.into_iter()
                        .map(|s| Series {
                            labels: s.metric,
                            points: s.values.into_iter().map(Point::from).collect(),
                        })
                        .collect(),
                )
            }
            "vector" => {
                let raw: Vec<VectorSample> = serde_json::from_str(text).map_err(parse_err)?;
                QueryData::Vector(
                    raw.into_iter()
                        .map(|s| Series {
                            labels: s.metric,
                            points: vec![Point::from(s.value)],
                        })
                        .collect(),
                )
            }
            "scalar" => QueryData::Scalar(
                serde_json::from_str::<Sample>(text)
                    .map_err(parse_err)?
                    .into(),
            ),
            other => {
                return Err(de::Error::custom(format!("unknown resultType `{other}`")));
            }
        })
    }
}

/// One log stream: its label set and entries (in the order Loki sent them).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Stream {
    #[serde(rename = "stream", default)]
    pub labels: BTreeMap<String, String>,
    #[serde(rename = "values", default)]
    pub entries: Vec<Entry>,
}

/// One log line. With the `categorize-labels` encoding flag an entry also carries its structured metadata
/// and parsed labels; without it they are merged into the stream's labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Epoch nanoseconds.
    pub ts_ns: i64,
    pub line: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub structured_metadata: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub parsed: BTreeMap<String, String>,
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = Entry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a log entry [\"<ns>\", \"<line>\", {metadata}?]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entry, A::Error> {
                let ts: String = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let ts_ns = ts
                    .parse()
                    .map_err(|_| de::Error::custom(format!("invalid timestamp `{ts}`")))?;
                let line: String = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                #[derive(Deserialize, Default)]
                #[serde(rename_all = "camelCase")]
                struct Categories {
                    #[serde(default)]
                    structured_metadata: BTreeMap<String, String>,
                    #[serde(default)]
                    parsed: BTreeMap<String, String>,
                }
                let categories: Categories = seq.next_element()?.unwrap_or_default();
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Entry {
                    ts_ns,
                    line,
                    structured_metadata: categories.structured_metadata,
                    parsed: categories.parsed,
                })
            }
        }
        d.deserialize_seq(EntryVisitor)
    }
}

#[derive(Deserialize)]
struct MatrixSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<Sample>,
}

#[derive(Deserialize)]
struct VectorSample {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    value: Sample,
}

/// `[<epoch seconds>, "<value>"]`.
#[derive(Deserialize)]
struct Sample(f64, String);

impl From<Sample> for Point {
    fn from(Sample(t, v): Sample) -> Self {
        Point {
            t_ms: (t * 1000.0).round() as i64,
            value: parse_sample_value(&v),
        }
    }
}

/// Prometheus-style sample values: numbers, `NaN`, `+Inf`, `-Inf`.
pub fn parse_sample_value(text: &str) -> f64 {
    match text {
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().unwrap_or(f64::NAN),
    }
}

/// `/loki/api/v1/detected_fields`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct DetectedFields {
    #[serde(default)]
    pub fields: Vec<DetectedField>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct DetectedField {
    pub label: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub cardinality: u64,
    /// `logfmt`, `json`; `null` for structured metadata.
    #[serde(default)]
    pub parsers: Option<Vec<String>>,
}

/// `/loki/api/v1/detected_field/{name}/values`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct DetectedFieldValues {
    #[serde(default)]
    pub values: Vec<String>,
}

/// One pattern of `/loki/api/v1/patterns`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Pattern {
    pub pattern: String,
    #[serde(default)]
    pub level: Option<String>,
    /// `[epoch seconds, count]`.
    #[serde(default)]
    pub samples: Vec<(i64, u64)>,
}

/// `/loki/api/v1/index/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub struct IndexStats {
    #[serde(default)]
    pub streams: u64,
    #[serde(default)]
    pub chunks: u64,
    #[serde(default)]
    pub bytes: u64,
    #[serde(default)]
    pub entries: u64,
}

/// `/loki/api/v1/status/buildinfo` (Tempo's `/api/status/buildinfo` has the same shape).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    pub version: String,
    #[serde(default)]
    pub revision: String,
    #[serde(default)]
    pub branch: String,
    #[serde(default)]
    pub go_version: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_categorized_entries() {
        let plain: Entry = serde_json::from_str(r#"["1795587886417359148","hello"]"#).unwrap();
        assert_eq!(plain.ts_ns, 1_795_587_886_417_359_148);
        assert_eq!(plain.line, "hello");
        let cat: Entry = serde_json::from_str(
            r#"["1","l",{"structuredMetadata":{"trace_id":"ab"},"parsed":{"rt":"3.1"}}]"#,
        )
        .unwrap();
        assert_eq!(cat.structured_metadata["trace_id"], "ab");
        assert_eq!(cat.parsed["rt"], "3.1");
        assert!(serde_json::from_str::<Entry>(r#"["x","l"]"#).is_err());
    }

    #[test]
    fn reads_special_sample_values() {
        assert!(parse_sample_value("NaN").is_nan());
        assert_eq!(parse_sample_value("+Inf"), f64::INFINITY);
        assert_eq!(parse_sample_value("-Inf"), f64::NEG_INFINITY);
        assert_eq!(parse_sample_value("12.5"), 12.5);
        let p: Point = serde_json::from_str::<Sample>(r#"[1795587900.5, "2"]"#)
            .unwrap()
            .into();
        assert_eq!(
            p,
            Point {
                t_ms: 1_795_587_900_500,
                value: 2.0
            }
        );
    }

    #[test]
    fn unknown_result_type_is_an_error() {
        let err =
            serde_json::from_str::<QueryData>(r#"{"resultType":"table","result":[]}"#).unwrap_err();
        assert!(err.to_string().contains("table"));
    }
}
