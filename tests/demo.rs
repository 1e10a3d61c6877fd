//! `querent demo` against local HTTP servers standing in for Loki and Tempo: the payloads it pushes
//! (Loki push JSON with structured metadata, OTLP/HTTP JSON), ids matching between logs and traces,
//! the shape of the recorded demo data in `../shared/fixtures`, retries and error reporting.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The recorded data's "now" (seed 42, 6 h): the incident windows of expected.json are relative to it.
const NOW: &str = "2026-11-25T08:38:56Z";
const NOW_S: u64 = 1_795_595_936;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

fn fixture(rel: &str) -> Value {
    let path = fixtures().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_querent"))
            .args(args)
            .output()
            .expect("querent runs")
    })
    .await
    .expect("join")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Loki and Tempo stand-ins that accept everything and are ready.
async fn peers() -> (MockServer, MockServer) {
    let loki = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ready"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ready"))
        .mount(&loki)
        .await;
    Mock::given(method("POST"))
        .and(path("/loki/api/v1/push"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&loki)
        .await;
    let tempo = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ready"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ready"))
        .mount(&tempo)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/traces"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&tempo)
        .await;
    (loki, tempo)
}

async fn bodies(server: &MockServer, route: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == route)
        .map(|r| {
            assert_eq!(
                r.headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/json")
            );
            serde_json::from_slice(&r.body).expect("JSON body")
        })
        .collect()
}

/// One pushed log line.
#[derive(Debug, Clone)]
struct Line {
    labels: BTreeMap<String, String>,
    ts: u64,
    text: String,
    metadata: BTreeMap<String, String>,
}

impl Line {
    fn service(&self) -> &str {
        &self.labels["service_name"]
    }
    fn level(&self) -> &str {
        &self.labels["level"]
    }
    /// The trace id: structured metadata (gateway) or in the line (logfmt / JSON).
    fn trace_id(&self) -> Option<String> {
        self.metadata
            .get("trace_id")
            .cloned()
            .or_else(|| self.field("trace_id"))
    }
    fn span_id(&self) -> Option<String> {
        self.metadata
            .get("span_id")
            .cloned()
            .or_else(|| self.field("span_id"))
    }
    fn field(&self, key: &str) -> Option<String> {
        field(&self.text, key)
    }
}

fn field(text: &str, key: &str) -> Option<String> {
    if text.starts_with('{') {
        let v: Value = serde_json::from_str(text).ok()?;
        return v.get(key).map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string())
        });
    }
    logfmt_pairs(text)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// logfmt key/value pairs in order (quoted values may hold spaces).
fn logfmt_pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().to_owned();
        let after = &rest[eq + 1..];
        let (value, next) = if let Some(stripped) = after.strip_prefix('"') {
            let end = stripped.find('"').unwrap_or(stripped.len());
            (
                stripped[..end].to_owned(),
                stripped.get(end + 1..).unwrap_or(""),
            )
        } else {
            let end = after.find(' ').unwrap_or(after.len());
            (after[..end].to_owned(), &after[end..])
        };
        out.push((key, value));
        rest = next.trim_start();
    }
    out
}

fn parse_loki(bodies: &[Value]) -> Vec<Line> {
    let mut lines = Vec::new();
    for body in bodies {
        for stream in body["streams"].as_array().expect("streams") {
            let labels: BTreeMap<String, String> = stream["stream"]
                .as_object()
                .expect("stream labels")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("string label").to_owned()))
                .collect();
            let mut last = 0;
            for value in stream["values"].as_array().expect("values") {
                let entry = value.as_array().expect("[ts, line, metadata]");
                assert_eq!(entry.len(), 3);
                let ts: u64 = entry[0]
                    .as_str()
                    .expect("ts string")
                    .parse()
                    .expect("ns digits");
                assert!(ts >= last, "entries of a stream are in time order");
                last = ts;
                let metadata = entry[2]
                    .as_object()
                    .expect("structured metadata object")
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().expect("string metadata").to_owned()))
                    .collect();
                lines.push(Line {
                    labels: labels.clone(),
                    ts,
                    text: entry[1].as_str().expect("line").to_owned(),
                    metadata,
                });
            }
        }
    }
    lines
}

/// One pushed span, flattened with its resource's service.
#[derive(Debug, Clone)]
struct PushedSpan {
    service: String,
    pod: String,
    span: Value,
}

impl PushedSpan {
    fn attr(&self, key: &str) -> Option<String> {
        self.span["attributes"]
            .as_array()?
            .iter()
            .find(|a| a["key"] == key)
            .map(|a| {
                let v = &a["value"];
                v["stringValue"]
                    .as_str()
                    .or(v["intValue"].as_str())
                    .map(str::to_owned)
                    .unwrap_or_else(|| v["doubleValue"].to_string())
            })
    }
    fn status_message(&self) -> Option<&str> {
        (self.span["status"]["code"] == 2)
            .then(|| self.span["status"]["message"].as_str().unwrap_or(""))
    }
    fn duration_ms(&self) -> f64 {
        let t = |k: &str| {
            self.span[k]
                .as_str()
                .and_then(|s| s.parse::<u64>().ok())
                .expect("time")
        };
        (t("endTimeUnixNano") - t("startTimeUnixNano")) as f64 / 1e6
    }
    fn id(&self) -> &str {
        self.span["spanId"].as_str().expect("spanId")
    }
    fn trace(&self) -> &str {
        self.span["traceId"].as_str().expect("traceId")
    }
}

fn parse_otlp(bodies: &[Value]) -> Vec<PushedSpan> {
    let mut out = Vec::new();
    for body in bodies {
        for rs in body["resourceSpans"].as_array().expect("resourceSpans") {
            let attr = |key: &str| {
                rs["resource"]["attributes"]
                    .as_array()
                    .and_then(|a| a.iter().find(|x| x["key"] == key))
                    .and_then(|x| x["value"]["stringValue"].as_str())
                    .map(str::to_owned)
                    .unwrap_or_else(|| panic!("resource attribute {key}"))
            };
            let (service, pod) = (attr("service.name"), attr("k8s.pod.name"));
            for ss in rs["scopeSpans"].as_array().expect("scopeSpans") {
                assert!(ss["scope"]["name"].is_string());
                for span in ss["spans"].as_array().expect("spans") {
                    out.push(PushedSpan {
                        service: service.clone(),
                        pod: pod.clone(),
                        span: span.clone(),
                    });
                }
            }
        }
    }
    out
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

/// Runs the 6 h backfill of seed 42 at the recorded `now` against stand-ins; returns lines and spans.
async fn backfill_seed_42() -> (Vec<Line>, Vec<PushedSpan>, String) {
    let (loki, tempo) = peers().await;
    let out = run(args(&[
        "demo",
        "--loki",
        &loki.uri(),
        "--tempo",
        &tempo.uri(),
        "--tempo-api",
        &tempo.uri(),
        "--seed",
        "42",
        "--backfill",
        "6h",
        "--now",
        NOW,
    ]))
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    (
        parse_loki(&bodies(&loki, "/loki/api/v1/push").await),
        parse_otlp(&bodies(&tempo, "/v1/traces").await),
        stderr(&out),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn pushes_valid_loki_and_otlp_payloads_whose_ids_match() {
    let (lines, spans, log) = backfill_seed_42().await;
    assert!(log.contains("backfill done"), "{log}");
    assert!(
        log.contains("Loki  ") && log.contains("Tempo "),
        "progress is shown: {log}"
    );

    // Loki: the recorded label set and values.
    let labels: BTreeSet<&str> = lines
        .iter()
        .flat_map(|l| l.labels.keys().map(String::as_str))
        .collect();
    let recorded: BTreeSet<String> = fixture("loki/labels.json")["data"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|v| v.as_str().expect("s").to_owned())
        .collect();
    assert_eq!(labels, recorded.iter().map(String::as_str).collect());
    let services: BTreeSet<&str> = lines.iter().map(Line::service).collect();
    let recorded: Vec<Value> = fixture("loki/label_service_name_values.json")["data"]
        .as_array()
        .expect("values")
        .clone();
    assert_eq!(
        services,
        recorded.iter().filter_map(Value::as_str).collect()
    );
    assert!(
        lines
            .iter()
            .all(|l| l.labels["app"] == l.labels["service_name"]
                && l.labels["cluster"] == "demo-eu-west-1")
    );
    assert!(
        lines
            .iter()
            .all(|l| matches!(l.level(), "info" | "warn" | "error"))
    );
    assert!(lines.iter().all(|l| matches!(
        (l.labels["env"].as_str(), l.labels["namespace"].as_str()),
        ("prod", "shop") | ("staging", "shop-staging")
    )));
    let start_ns = (NOW_S - 6 * 3600) * 1_000_000_000;
    assert!(
        lines
            .iter()
            .all(|l| l.ts >= start_ns && l.ts < (NOW_S + 60) * 1_000_000_000)
    );
    for line in &lines {
        assert!(line.metadata.contains_key("pod"));
        assert!(
            line.metadata
                .keys()
                .all(|k| matches!(k.as_str(), "pod" | "trace_id" | "span_id"))
        );
        if line.metadata.contains_key("trace_id") {
            assert_eq!(
                line.service(),
                "api-gateway",
                "only the gateway carries ids as structured metadata"
            );
        }
    }
    let streams: BTreeSet<&BTreeMap<String, String>> = lines.iter().map(|l| &l.labels).collect();
    assert_eq!(streams.len(), 18, "the recorded data has 18 streams");

    // OTLP: hex ids, enum kinds, string times, children inside parents.
    let by_id: HashMap<(&str, &str), &PushedSpan> =
        spans.iter().map(|s| ((s.trace(), s.id()), s)).collect();
    assert_eq!(by_id.len(), spans.len(), "unique span ids");
    for s in &spans {
        assert!(is_hex(s.trace(), 32) && is_hex(s.id(), 16));
        assert!(matches!(s.span["kind"].as_i64(), Some(2 | 3)));
        if let Some(parent) = s.span["parentSpanId"].as_str() {
            assert!(
                by_id.contains_key(&(s.trace(), parent)),
                "parent {parent} of {} exists",
                s.span["name"]
            );
        }
        assert!(s.duration_ms() > 0.0);
    }

    // Logs and traces agree: every id in a log line names a span of that service and pod.
    let trace_ids: HashSet<&str> = spans.iter().map(PushedSpan::trace).collect();
    let mut logged: HashSet<String> = HashSet::new();
    for line in lines.iter().filter(|l| l.trace_id().is_some()) {
        let (trace, span) = (
            line.trace_id().expect("trace"),
            line.span_id().expect("span id next to the trace id"),
        );
        let pushed = by_id
            .get(&(trace.as_str(), span.as_str()))
            .unwrap_or_else(|| panic!("span {span} of {trace}: {}", line.text));
        assert_eq!(pushed.service, line.service());
        assert_eq!(pushed.pod, line.metadata["pod"]);
        logged.insert(trace);
    }
    assert_eq!(
        logged.len(),
        trace_ids.len(),
        "every trace has log lines and every logged trace was pushed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn data_has_the_shape_of_the_recorded_demo() {
    let (lines, spans, _) = backfill_seed_42().await;

    // Tempo tag names and status codes: exactly what the recorded Tempo reports.
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for s in &spans {
        for a in s.span["attributes"].as_array().into_iter().flatten().chain(
            s.span["events"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|e| e["attributes"].as_array().into_iter().flatten()),
        ) {
            keys.insert(a["key"].as_str().expect("key").to_owned());
        }
    }
    keys.extend(
        [
            "service.name",
            "service.namespace",
            "service.version",
            "deployment.environment",
            "deployment.environment.name",
        ]
        .map(String::from),
    );
    keys.extend(
        [
            "telemetry.sdk.language",
            "telemetry.sdk.name",
            "k8s.cluster.name",
            "k8s.namespace.name",
            "k8s.pod.name",
        ]
        .map(String::from),
    );
    let recorded: BTreeSet<String> = fixture("tempo/search_tags_v1.json")["tagNames"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|v| v.as_str().expect("s").to_owned())
        .collect();
    assert_eq!(keys, recorded);
    let codes: BTreeSet<String> = spans
        .iter()
        .filter_map(|s| s.attr("http.response.status_code"))
        .collect();
    let recorded: BTreeSet<String> =
        fixture("tempo/search_tag_values_v2_status_code.json")["tagValues"]
            .as_array()
            .expect("values")
            .iter()
            .map(|v| v["value"].as_str().expect("s").to_owned())
            .collect();
    assert_eq!(codes, recorded);

    // Line shapes: every recorded error/warning/user-service/gateway line has a twin of the same shape.
    let ours: HashSet<String> = lines.iter().map(|l| shape(l.service(), &l.text)).collect();
    let mut checked = 0;
    for file in [
        "diagnosis/loki_errors_all_services.json",
        "diagnosis/loki_warn_product_service.json",
        "eval-dev/D05.json",
        "eval-dev/D36.json",
    ] {
        let body = fixture(file);
        let data = if body.get("body").is_some() {
            &body["body"]["data"]
        } else {
            &body["data"]
        };
        for stream in data["result"].as_array().expect("result") {
            let service = stream["stream"]["service_name"].as_str().expect("service");
            for value in stream["values"].as_array().expect("values") {
                let recorded = shape(service, value[1].as_str().expect("line"));
                assert!(
                    ours.contains(&recorded),
                    "no generated line shaped like {recorded}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "{checked}");
}

/// A line's shape: service + message + field names (logfmt/JSON), or method/route/status (access log).
fn shape(service: &str, text: &str) -> String {
    if text.starts_with('{') {
        let v: Value = serde_json::from_str(text).expect("JSON line");
        let keys: BTreeSet<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let msg = v
            .get("msg")
            .or(v.get("message"))
            .and_then(Value::as_str)
            .unwrap_or("");
        return format!("{service} json {msg} {keys:?}");
    }
    if text.starts_with("ts=") {
        let pairs = logfmt_pairs(text);
        let msg = pairs
            .iter()
            .find(|(k, _)| k == "msg")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        return format!("{service} logfmt {msg} {keys:?}");
    }
    let request = text.split('"').nth(1).unwrap_or("");
    let mut parts = request.split(' ');
    let (verb, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let route = target.split('?').next().unwrap_or("");
    let status = text
        .split('"')
        .nth(2)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or("");
    let tail: Vec<&str> = text
        .rsplit('"')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .map(|kv| kv.split('=').next().unwrap_or(""))
        .collect();
    format!("{service} access {verb} {route} {status} {tail:?}")
}

fn epoch_ns(rfc3339: &str) -> u64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("time")
        .timestamp_nanos_opt()
        .expect("in range") as u64
}

#[tokio::test(flavor = "multi_thread")]
async fn incidents_match_the_recorded_ground_truth() {
    let (lines, spans, _) = backfill_seed_42().await;
    let expected = fixture("diagnosis/expected.json");
    let by_id: HashMap<(&str, &str), &PushedSpan> =
        spans.iter().map(|s| ((s.trace(), s.id()), s)).collect();
    for incident in expected["incidents"].as_array().expect("incidents") {
        let id = incident["id"].as_str().expect("id");
        let window = &incident["design_window"];
        let (from, to) = (
            epoch_ns(window["start"].as_str().expect("start")),
            epoch_ns(window["end"].as_str().expect("end")),
        );
        let failing = incident
            .get("failing_span")
            .unwrap_or(&incident["slow_span"]);
        let culprits: Vec<&PushedSpan> = spans
            .iter()
            .filter(|s| s.span["name"] == failing["name"] && s.service == failing["service"])
            .filter(|s| match failing["status_message"].as_str() {
                Some(message) => s.status_message() == Some(message),
                None => s.duration_ms() >= 1000.0,
            })
            .filter(|s| {
                let start = s.span["startTimeUnixNano"]
                    .as_str()
                    .and_then(|t| t.parse::<u64>().ok())
                    .expect("start");
                start >= from && start < to + 10_000_000_000
            })
            .collect();
        assert_eq!(
            culprits.len() as u64,
            incident["traces"]["count"].as_u64().expect("count"),
            "{id}"
        );
        let range = &failing["duration_ms"];
        let (min, max) = (
            range["min"].as_f64().expect("min"),
            range["max"].as_f64().expect("max"),
        );
        let chain_key = if incident.get("error_span_chain_root_to_culprit").is_some() {
            "error_span_chain_root_to_culprit"
        } else {
            "slow_span_chain_root_to_culprit"
        };
        let chain: Vec<(String, String)> = incident[chain_key]
            .as_array()
            .expect("chain")
            .iter()
            .map(|c| {
                (
                    c["service"].as_str().expect("s").to_owned(),
                    c["name"].as_str().expect("n").to_owned(),
                )
            })
            .collect();
        for culprit in culprits {
            assert!(
                (min - 0.05..=max + 0.05).contains(&culprit.duration_ms()),
                "{id}: {}",
                culprit.duration_ms()
            );
            for (key, value) in failing["attributes"].as_object().expect("attributes") {
                assert_eq!(culprit.attr(key).as_deref(), value.as_str(), "{id}: {key}");
            }
            // Walk up to the root: the same chain of services and span names as recorded.
            let mut walk = vec![(
                culprit.service.clone(),
                culprit.span["name"].as_str().expect("name").to_owned(),
            )];
            let mut current: &PushedSpan = culprit;
            while let Some(parent) = current.span["parentSpanId"].as_str() {
                current = by_id[&(current.trace(), parent)];
                walk.push((
                    current.service.clone(),
                    current.span["name"].as_str().expect("name").to_owned(),
                ));
            }
            walk.reverse();
            assert_eq!(walk, chain, "{id}");
        }
        // Error lines of the incident's services inside its window.
        let templates = incident["error_log_lines_in_window"]["templates"]
            .as_object()
            .expect("templates");
        for (service, _) in templates {
            let count = lines
                .iter()
                .filter(|l| {
                    l.service() == service
                        && l.level() == "error"
                        && l.ts >= from
                        && l.ts < to + 10_000_000_000
                })
                .count();
            assert_eq!(
                count as u64,
                incident["error_log_lines_in_window"]["by_service"][service]
                    .as_u64()
                    .expect("n"),
                "{id} {service}"
            );
        }
    }
    // The slow-query incident: its `slow query` warnings inside the window.
    let slow = &expected["incidents"][2];
    let (from, to) = (
        epoch_ns(slow["design_window"]["start"].as_str().expect("s")),
        epoch_ns(slow["design_window"]["end"].as_str().expect("e")),
    );
    let warnings: HashSet<String> = lines
        .iter()
        .filter(|l| l.text.contains("\"slow query\"") && l.ts >= from && l.ts < to + 10_000_000_000)
        .filter_map(Line::trace_id)
        .collect();
    assert_eq!(
        warnings.len() as u64,
        slow["distinct_trace_ids_in_window_slow_query_lines"]
            .as_u64()
            .expect("n")
    );
    // Whole-window correlation: the error lines of user-service carry no trace id, all others do.
    for line in lines.iter().filter(|l| l.level() == "error") {
        assert_eq!(
            line.trace_id().is_some(),
            line.service() != "user-service",
            "{}",
            line.text
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_writes_the_same_payloads_for_the_same_seed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = |name: &str| tmp.path().join(name).display().to_string();
    for name in ["a", "b"] {
        let out = run(args(&[
            "demo",
            "--dry-run",
            "--out",
            &dir(name),
            "--now",
            NOW,
            "--backfill",
            "2h",
        ]))
        .await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = run(args(&[
        "demo",
        "--dry-run",
        "--out",
        &dir("c"),
        "--now",
        NOW,
        "--backfill",
        "2h",
        "--seed",
        "7",
    ]))
    .await;
    assert!(out.status.success());
    let files = |name: &str| -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(tmp.path().join(name))
            .expect("dir")
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).expect("file"),
                )
            })
            .collect()
    };
    let (a, b, c) = (files("a"), files("b"), files("c"));
    assert_eq!(a, b);
    assert_ne!(
        a.get("otlp-traces-0001.json"),
        c.get("otlp-traces-0001.json")
    );
    let summary: Value = serde_json::from_slice(&a["summary.json"]).expect("summary");
    assert_eq!(summary["seed"], 42);
    assert_eq!(summary["hours"], 2.0);
    assert_eq!(summary["now"], "2026-11-25T08:38:56.000Z");
    let loki: Vec<Value> = a
        .iter()
        .filter(|(k, _)| k.starts_with("loki-push-"))
        .map(|(_, v)| serde_json::from_slice(v).expect("json"))
        .collect();
    let otlp: Vec<Value> = a
        .iter()
        .filter(|(k, _)| k.starts_with("otlp-traces-"))
        .map(|(_, v)| serde_json::from_slice(v).expect("json"))
        .collect();
    assert_eq!(
        parse_loki(&loki).len() as u64,
        summary["log_lines"].as_u64().expect("n")
    );
    assert_eq!(
        parse_otlp(&otlp).len() as u64,
        summary["spans"].as_u64().expect("n")
    );
    let kinds: BTreeSet<&str> = summary["traces"]
        .as_array()
        .expect("traces")
        .iter()
        .filter_map(|t| t["kind"].as_str())
        .collect();
    assert!(
        kinds.contains("checkout_order_db_error") && kinds.contains("checkout"),
        "{kinds:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_while_loki_answers_503_then_succeeds() {
    let (loki, tempo) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("POST"))
        .and(path("/loki/api/v1/push"))
        .respond_with(ResponseTemplate::new(503).set_body_string("Ingester not ready"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&loki)
        .await;
    Mock::given(method("POST"))
        .and(path("/loki/api/v1/push"))
        .respond_with(ResponseTemplate::new(204))
        .with_priority(2)
        .mount(&loki)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/traces"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&tempo)
        .await;
    let out = run(args(&[
        "demo",
        "--loki",
        &loki.uri(),
        "--tempo",
        &tempo.uri(),
        "--now",
        NOW,
        "--backfill",
        "1h",
        "--retry-delay",
        "10ms",
        "--ready-timeout",
        "0s",
    ]))
    .await;
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    assert_eq!(log.matches("retrying in").count(), 2, "{log}");
    assert!(log.contains("HTTP 503: Ingester not ready"), "{log}");
    assert_eq!(
        bodies(&loki, "/loki/api/v1/push").await.len(),
        3,
        "two failed tries and the successful one"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stops_with_a_clear_message_when_loki_rejects_old_samples() {
    let (loki, tempo) = (MockServer::start().await, MockServer::start().await);
    let body = "entry for stream '{app=\"order-service\"}' has timestamp too old: 2026-11-25T02:39:00Z, oldest acceptable timestamp is: 2026-11-25T05:38:56Z";
    Mock::given(method("POST"))
        .and(path("/loki/api/v1/push"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("content-type", "text/plain; charset=utf-8")
                .set_body_string(body),
        )
        .mount(&loki)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/traces"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&tempo)
        .await;
    let out = run(args(&[
        "demo",
        "--loki",
        &loki.uri(),
        "--tempo",
        &tempo.uri(),
        "--now",
        NOW,
        "--ready-timeout",
        "0s",
    ]))
    .await;
    let log = stderr(&out);
    assert!(!out.status.success());
    assert!(
        log.contains("Loki rejected old samples") && log.contains("timestamp too old"),
        "{log}"
    );
    assert!(
        log.contains("reject_old_samples_max_age"),
        "the hint names the setting: {log}"
    );
    assert_eq!(
        bodies(&loki, "/loki/api/v1/push").await.len(),
        1,
        "not retried"
    );
    assert!(bodies(&tempo, "/v1/traces").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn gives_up_on_an_unreachable_tempo_after_the_configured_attempts() {
    let (loki, _) = peers().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let tempo = format!("http://127.0.0.1:{closed}");
    let out = run(args(&[
        "demo",
        "--loki",
        &loki.uri(),
        "--tempo",
        &tempo,
        "--now",
        NOW,
        "--backfill",
        "30m",
        "--retries",
        "3",
        "--retry-delay",
        "10ms",
        "--ready-timeout",
        "0s",
    ]))
    .await;
    let log = stderr(&out);
    assert!(!out.status.success());
    assert!(
        log.contains("Tempo at")
            && log.contains("still failing after 3 attempts")
            && log.contains("connection failed"),
        "{log}"
    );
    assert_eq!(log.matches("Tempo push failed").count(), 2, "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tempo_rejections_are_reported_and_set_the_exit_code() {
    let (loki, tempo) = (peers().await.0, MockServer::start().await);
    Mock::given(method("POST"))
        .and(path("/v1/traces"))
        .respond_with(ResponseTemplate::new(400).set_body_string("invalid OTLP payload"))
        .mount(&tempo)
        .await;
    let out = run(args(&[
        "demo",
        "--loki",
        &loki.uri(),
        "--tempo",
        &tempo.uri(),
        "--now",
        NOW,
        "--backfill",
        "30m",
        "--ready-timeout",
        "0s",
    ]))
    .await;
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("Tempo rejected the push") && log.contains("HTTP 400: invalid OTLP payload"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn waits_until_loki_and_tempo_are_ready() {
    let (loki, tempo) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("GET"))
        .and(path("/ready"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_string("Ingester not ready: waiting for 15s after being ready"),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&loki)
        .await;
    for server in [&loki, &tempo] {
        Mock::given(method("GET"))
            .and(path("/ready"))
            .respond_with(ResponseTemplate::new(200))
            .with_priority(2)
            .mount(server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/loki/api/v1/push"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&loki)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/traces"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&tempo)
        .await;
    let out = run(args(&[
        "demo",
        "--loki",
        &loki.uri(),
        "--tempo",
        &tempo.uri(),
        "--tempo-api",
        &tempo.uri(),
        "--now",
        NOW,
        "--backfill",
        "30m",
        "--retry-delay",
        "10ms",
    ]))
    .await;
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    assert_eq!(log.matches("waiting for Loki").count(), 2, "{log}");
    assert!(log.contains("Ingester not ready"), "{log}");
    let tempo_ready = tempo
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/ready")
        .count();
    assert_eq!(tempo_ready, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_file_prevents_a_second_backfill() {
    let (loki, tempo) = peers().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = tmp.path().join("state/demo.json").display().to_string();
    let base = [
        "demo",
        "--loki",
        &loki.uri(),
        "--tempo",
        &tempo.uri(),
        "--now",
        NOW,
        "--backfill",
        "30m",
        "--state",
        &state,
        "--ready-timeout",
        "0s",
    ];
    let first = run(args(&base)).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let pushes = bodies(&loki, "/loki/api/v1/push").await.len();
    assert!(pushes > 0);
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("state written"))
            .expect("json");
    assert_eq!(saved["seed"], 42);
    let second = run(args(&base)).await;
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("already backfilled"),
        "{}",
        stderr(&second)
    );
    assert_eq!(
        bodies(&loki, "/loki/api/v1/push").await.len(),
        pushes,
        "nothing pushed twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn live_mode_keeps_pushing_new_traffic() {
    let (loki, tempo) = peers().await;
    let started = chrono::Utc::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_querent"))
        .args([
            "demo",
            "--loki",
            &loki.uri(),
            "--tempo",
            &tempo.uri(),
            "--backfill",
            "0s",
            "--live",
            "--interval",
            "1s",
            "--traffic",
            "300",
            "--ready-timeout",
            "0s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("querent starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let (mut lines, mut spans) = (Vec::new(), Vec::new());
    while std::time::Instant::now() < deadline && (lines.is_empty() || spans.is_empty()) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        lines = parse_loki(&bodies(&loki, "/loki/api/v1/push").await);
        spans = parse_otlp(&bodies(&tempo, "/v1/traces").await);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        !lines.is_empty() && !spans.is_empty(),
        "live traffic arrived"
    );
    let start_ns = started.timestamp_nanos_opt().expect("now") as u64;
    assert!(lines.iter().all(|l| l.ts >= start_ns), "live lines are new");
}
