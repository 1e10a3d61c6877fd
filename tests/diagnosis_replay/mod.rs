//! A local Loki + Tempo that answers from `../shared/fixtures/diagnosis` the way the real servers would
//! answer a narrower time range: the recordings cover the whole data window
//! (start=1795574276 end=1795596352), so a ranged request with the same query (compared in canonical
//! form; steps `300` and `5m` are equal) gets the recorded body cut to the requested range — log
//! entries, metric samples and search hits outside it are dropped, as Loki and Tempo drop them. Trace
//! bodies are served by exact path and `Accept` header, as recorded. The traces → logs queries get the
//! recorded error and warning lines that carry the asked ids. Schema discovery is mounted too
//! (`Replay::mount_discovery`), so questions can be asked of it.
#![allow(dead_code)]

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Match, Mock, Request, Respond, ResponseTemplate};

use crate::common::{Recorded, Replay, fixture, normalise_params, recorded};

/// The data's "now" (the end of the demo data).
pub const DATA_NOW: &str = "2026-11-25T08:38:56Z";
pub const DATA_NOW_S: i64 = 1_795_595_936;

/// Parameters equal to the recorded ones except `start`/`end`, the query canonicalised.
struct SameQueryAnyRange(Vec<(String, String)>);

fn normalise(params: &[(String, String)]) -> Vec<(String, String)> {
    let ranged: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "start" && k != "end")
        .cloned()
        .collect();
    normalise_params(&ranged)
}

impl Match for SameQueryAnyRange {
    fn matches(&self, request: &Request) -> bool {
        let got: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        normalise(&got) == normalise(&self.0)
    }
}

/// The requested range in nanoseconds (Loki: ns; Tempo: seconds).
fn requested_range_ns(request: &Request) -> (i128, i128) {
    let get = |key: &str| {
        request
            .url
            .query_pairs()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.parse::<i128>().ok())
    };
    let to_ns = |v: i128| {
        if v > 100_000_000_000_000 {
            v
        } else {
            v * 1_000_000_000
        }
    };
    (
        get("start").map(to_ns).unwrap_or(i128::MIN),
        get("end").map(to_ns).unwrap_or(i128::MAX),
    )
}

#[derive(Clone, Copy)]
enum Cut {
    Streams,
    Matrix,
    Search,
    TempoMetrics,
    None,
}

struct CutToRange {
    body: Value,
    raw: Vec<u8>,
    content_type: String,
    cut: Cut,
}

fn num(v: &Value) -> Option<i128> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_f64().map(|f| f as i128),
        _ => None,
    }
}

impl Respond for CutToRange {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let (start, end) = requested_range_ns(request);
        let inside = |ns: i128| ns >= start && ns <= end;
        let mut body = self.body.clone();
        match self.cut {
            Cut::None => {
                return ResponseTemplate::new(200)
                    .set_body_raw(self.raw.clone(), &self.content_type);
            }
            Cut::Streams => {
                if let Some(result) = body["data"]["result"].as_array_mut() {
                    for stream in result.iter_mut() {
                        if let Some(values) = stream["values"].as_array_mut() {
                            values.retain(|v| num(&v[0]).is_some_and(inside));
                        }
                    }
                    result.retain(|s| s["values"].as_array().is_some_and(|v| !v.is_empty()));
                }
            }
            Cut::Matrix => {
                if let Some(result) = body["data"]["result"].as_array_mut() {
                    for series in result.iter_mut() {
                        if let Some(values) = series["values"].as_array_mut() {
                            values.retain(|v| {
                                v[0].as_f64().is_some_and(|s| inside((s * 1e9) as i128))
                            });
                        }
                    }
                    result.retain(|s| s["values"].as_array().is_some_and(|v| !v.is_empty()));
                }
            }
            Cut::Search => {
                if let Some(traces) = body["traces"].as_array_mut() {
                    traces.retain(|t| num(&t["startTimeUnixNano"]).is_some_and(inside));
                }
            }
            Cut::TempoMetrics => {
                if let Some(series) = body["series"].as_array_mut() {
                    for s in series.iter_mut() {
                        if let Some(samples) = s["samples"].as_array_mut() {
                            samples.retain(|p| {
                                num(&p["timestampMs"]).is_some_and(|ms| inside(ms * 1_000_000))
                            });
                        }
                    }
                }
            }
        }
        ResponseTemplate::new(200).set_body_raw(body.to_string(), &self.content_type)
    }
}

async fn mount_row(replay: &Replay, row: &Recorded, group: &str) {
    let file = fixture("diagnosis", &row.file);
    let mut mock = Mock::given(method(row.method.as_str())).and(path(row.path.as_str()));
    for (name, value) in &row.headers {
        mock = mock.and(header(name.as_str(), value.as_str()));
    }
    let cut = match group {
        "logs" => Cut::Streams,
        "log_metrics" => Cut::Matrix,
        "trace_search" => Cut::Search,
        "trace_metrics" => Cut::TempoMetrics,
        _ => Cut::None,
    };
    let body = serde_json::from_slice(&file).unwrap_or(Value::Null);
    mock.and(SameQueryAnyRange(row.params.clone()))
        .respond_with(CutToRange {
            body,
            raw: file,
            content_type: row.content_type.clone(),
            cut,
        })
        .mount(&replay.server)
        .await;
}

#[derive(serde::Deserialize)]
struct Row {
    group: String,
    file: String,
}

/// Which recorded groups to serve.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Peers {
    /// Loki and Tempo.
    Both,
    /// Loki only: Tempo requests get wiremock's 404 (use a closed port as `tempoUrl` for "Tempo down").
    LokiOnly,
}

/// Loki's answer to the traces → logs queries (`{service_name=~".+"} |~ "id|id"` and
/// `{service_name=~".+"} | trace_id =~ "id|id"`): the recorded error and warning lines that carry one of
/// the ids (in the line, or as the structured-metadata label), cut to the range.
struct TraceLogsQuery;

impl Match for TraceLogsQuery {
    fn matches(&self, request: &Request) -> bool {
        request.url.path() == "/loki/api/v1/query_range"
            && request.url.query_pairs().any(|(k, v)| {
                k == "query" && v.starts_with(r#"{service_name=~".+"}"#) && v.contains("~ \"")
            })
    }
}

struct TraceLogsAnswer {
    streams: Vec<Value>,
}

impl Respond for TraceLogsAnswer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "query")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let ids: Vec<&str> = query
            .split(|c: char| !c.is_ascii_hexdigit())
            .filter(|t| t.len() == 32)
            .collect();
        let by_label = query.contains("trace_id");
        let (start, end) = requested_range_ns(request);
        let mut result = Vec::new();
        for stream in &self.streams {
            let label = stream["stream"]["trace_id"].as_str().unwrap_or_default();
            let mut s = stream.clone();
            if let Some(values) = s["values"].as_array_mut() {
                values.retain(|v| {
                    let ts = num(&v[0]).unwrap_or(0);
                    let line = v[1].as_str().unwrap_or_default();
                    let hit = if by_label {
                        ids.contains(&label)
                    } else {
                        ids.iter().any(|id| line.contains(id))
                    };
                    hit && ts >= start && ts <= end
                });
            }
            if s["values"].as_array().is_some_and(|v| !v.is_empty()) {
                result.push(s);
            }
        }
        let body =
            json!({"status": "success", "data": {"resultType": "streams", "result": result}});
        ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json")
    }
}

/// The diagnosis recordings (range-aware) plus schema discovery, on one server for Loki and Tempo.
pub async fn start(peers: Peers) -> Replay {
    let replay = Replay::start_with(&[]).await;
    let groups: Vec<Row> =
        serde_json::from_slice(&fixture("diagnosis", "requests.json")).expect("requests.json");
    for row in recorded("diagnosis") {
        let group = groups
            .iter()
            .find(|g| g.file == row.file)
            .map(|g| g.group.clone())
            .unwrap_or_default();
        let tempo = row.path.starts_with("/api/");
        if peers == Peers::LokiOnly && tempo {
            continue;
        }
        mount_row(&replay, &row, &group).await;
    }
    let mut streams = Vec::new();
    for file in [
        "loki_errors_all_services.json",
        "loki_warn_product_service.json",
    ] {
        let body: Value = serde_json::from_slice(&fixture("diagnosis", file)).expect("JSON");
        streams.extend(
            body["data"]["result"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
    }
    Mock::given(method("GET"))
        .and(TraceLogsQuery)
        .respond_with(TraceLogsAnswer { streams })
        .mount(&replay.server)
        .await;
    replay.mount_discovery().await;
    replay
}

/// The ground truth of the incidents.
pub fn expected() -> Value {
    serde_json::from_slice(&fixture("diagnosis", "expected.json")).expect("expected.json")
}

/// One incident of `expected.json` by id.
pub fn incident(id: &str) -> Value {
    expected()["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no incident {id}"))
}

/// `{"lokiUrl": uri, "tempoUrl": uri}`.
pub fn settings(loki: &str, tempo: &str) -> Value {
    json!({ "lokiUrl": loki, "tempoUrl": tempo })
}
