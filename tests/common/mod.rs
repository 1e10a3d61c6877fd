//! Shared test support: a local HTTP server replaying the recorded Loki/Tempo responses, a harness that
//! launches the `gpx_querent` plugin binary exactly as Grafana does, and an independent Arrow decoder.
//!
//! - [`Replay`] mounts every fixture of `../shared/fixtures/{loki,tempo,diagnosis}/requests.json` (and,
//!   on request, `eval-dev/*.json`) on one `wiremock` server: a request matches only with the same
//!   method, path, exact multiset of query parameters and the recorded headers, and gets the recorded
//!   status, content type and byte-exact body. Loki paths (`/loki/...`) and Tempo paths (`/api/...`)
//!   do not overlap, so one server stands in for both.
//! - [`Plugin`] spawns the binary, reads the go-plugin handshake line from its stdout, and connects the
//!   SDK's public `pluginv2` gRPC clients and the gRPC health client.
//! - [`decode_frame`] reads Arrow IPC frames with arrow-rs (a different implementation from the arrow2
//!   encoder), the check Grafana's Go reader makes.
#![allow(dead_code)]

pub mod faulty;
pub mod synth;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use arrow_array::{
    Array, BinaryArray, BooleanArray, Float64Array, Int64Array, StringArray,
    TimestampNanosecondArray,
};
use arrow_schema::DataType;
use grafana_plugin_sdk::pluginv2;
use querent::plan::QueryDuration;
use querent::plan::canonical::canonical_text;
use serde::Deserialize;
use serde_json::Value;
use tonic::transport::Channel;
use wiremock::matchers::{header, method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

/// `../shared/fixtures`, resolved from the package root (never from the working directory). A checkout
/// that does not sit next to `shared/` (a git worktree elsewhere) can point `QUERENT_SHARED_DIR` at it.
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("QUERENT_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir).join("fixtures"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"),
    }
}

/// The bytes of one recorded body, e.g. `fixture("loki", "labels.json")`.
pub fn fixture(folder: &str, file: &str) -> Vec<u8> {
    let p = fixtures_dir().join(folder).join(file);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// One row of a fixture folder's `requests.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Recorded {
    pub file: String,
    pub method: String,
    pub path: String,
    pub params: Vec<(String, String)>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub status: u16,
    /// `-` when the server sent none.
    pub content_type: String,
}

/// The rows of `<folder>/requests.json`.
pub fn recorded(folder: &str) -> Vec<Recorded> {
    serde_json::from_slice(&fixture(folder, "requests.json"))
        .unwrap_or_else(|e| panic!("{folder}/requests.json: {e}"))
}

/// The row of `<folder>/requests.json` that recorded `file`.
pub fn recorded_file(folder: &str, file: &str) -> Recorded {
    recorded(folder)
        .into_iter()
        .find(|r| r.file == file)
        .unwrap_or_else(|| panic!("{folder}/{file} is not in requests.json"))
}

/// Matches when the query string holds exactly these parameters (any order, duplicates counted).
struct ExactParams(Vec<(String, String)>);

impl Match for ExactParams {
    fn matches(&self, request: &Request) -> bool {
        let mut got: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut want = self.0.clone();
        got.sort();
        want.sort();
        got == want
    }
}

/// A wiremock server replaying recorded responses.
pub struct Replay {
    pub server: MockServer,
}

impl Replay {
    /// Loki, Tempo and diagnosis fixtures.
    pub async fn start() -> Self {
        Self::start_with(&["loki", "tempo", "diagnosis"]).await
    }

    /// The given folders; `eval-dev` is read from its per-case files. The first folder wins when two
    /// record the same request.
    pub async fn start_with(folders: &[&str]) -> Self {
        let server = MockServer::start().await;
        let replay = Replay { server };
        for folder in folders {
            if *folder == "eval-dev" {
                replay.mount_eval_dev().await;
            } else {
                for row in recorded(folder) {
                    replay.mount_recorded(folder, &row).await;
                }
            }
        }
        replay
    }

    /// The server's base URL (use it as both `lokiUrl` and `tempoUrl`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    async fn mount_recorded(&self, folder: &str, row: &Recorded) {
        let body = fixture(folder, &row.file);
        let mut template = ResponseTemplate::new(row.status);
        template = if row.content_type == "-" {
            template.set_body_bytes(body)
        } else {
            template.set_body_raw(body, &row.content_type)
        };
        let mut mock = Mock::given(method(row.method.as_str()))
            .and(path(row.path.as_str()))
            .and(ExactParams(row.params.clone()));
        for (name, value) in &row.headers {
            mock = mock.and(header(name.as_str(), value.as_str()));
        }
        mock.respond_with(template).mount(&self.server).await;
    }

    async fn mount_eval_dev(&self) {
        for case in eval_dev_cases() {
            Mock::given(method(case.method.as_str()))
                .and(path(case.path.as_str()))
                .and(ExactParams(case.params.clone()))
                .respond_with(
                    ResponseTemplate::new(case.status)
                        .set_body_raw(case.body.to_string(), "application/json"),
                )
                .mount(&self.server)
                .await;
        }
    }
}

/// One case of `eval-dev/<id>.json`: the gold query's request and the real server's answer.
#[derive(Debug, Clone)]
pub struct EvalDevCase {
    pub id: String,
    /// The case as in `eval/dev.jsonl` (`question`, `expect`).
    pub case: Value,
    pub method: String,
    pub path: String,
    /// The recorded parameters, numbers written as text.
    pub params: Vec<(String, String)>,
    pub status: u16,
    /// The decoded body (re-serialised: whitespace differs from the wire).
    pub body: Value,
}

/// Every `eval-dev/*.json`, sorted by id.
pub fn eval_dev_cases() -> Vec<EvalDevCase> {
    let dir = fixtures_dir().join("eval-dev");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|file| {
            let v: Value = serde_json::from_slice(&std::fs::read(file).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let request = &v["request"];
            let params = request["params"]
                .as_object()
                .expect("params object")
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect();
            EvalDevCase {
                id: v["case"]["id"].as_str().unwrap_or_default().to_string(),
                case: v["case"].clone(),
                method: request["method"].as_str().unwrap_or("GET").to_string(),
                path: request["path"].as_str().expect("path").to_string(),
                params,
                status: v["status"].as_u64().expect("status") as u16,
                body: v["body"].clone(),
            }
        })
        .collect()
}

/// The epoch-second range of every recorded ranged request (2026-11-25T02:37:56Z .. 08:45:52Z).
pub const FIXTURE_START_S: i64 = 1_795_574_276;
pub const FIXTURE_END_S: i64 = 1_795_596_352;

/// That range as chrono times.
pub fn fixture_range() -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    use chrono::TimeZone;
    (
        chrono::Utc.timestamp_opt(FIXTURE_START_S, 0).unwrap(),
        chrono::Utc.timestamp_opt(FIXTURE_END_S, 0).unwrap(),
    )
}

/// A TCP port on 127.0.0.1 that nothing listens on (for "peer down" tests).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The plugin executable, launched as Grafana launches it.
pub struct Plugin {
    child: Child,
    /// `127.0.0.1:PORT` from the handshake line.
    pub addr: String,
    /// The whole handshake line.
    pub handshake: String,
    pub channel: Channel,
}

impl Plugin {
    /// Spawns `gpx_querent`, reads `1|2|tcp|ADDR|grpc` from stdout and connects. Plugin logs (stderr)
    /// are shown when `QUERENT_TEST_PLUGIN_LOGS` is set.
    pub async fn start() -> Self {
        let stderr = if std::env::var_os("QUERENT_TEST_PLUGIN_LOGS").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        // `QUERENT_PLUGIN_BIN` runs another build (e.g. the release binary for the load test).
        let bin = std::env::var_os("QUERENT_PLUGIN_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_gpx_querent")));
        let mut child = Command::new(bin)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn gpx_querent");
        let stdout = child.stdout.take().expect("piped stdout");
        let line = tokio::time::timeout(
            Duration::from_secs(30),
            tokio::task::spawn_blocking(move || {
                let mut reader = BufReader::new(stdout);
                let mut line = String::new();
                reader.read_line(&mut line).map(|_| line)
            }),
        )
        .await
        .expect("handshake within 30s")
        .expect("join")
        .expect("read handshake");
        let handshake = line.trim().to_string();
        let parts: Vec<&str> = handshake.split('|').collect();
        assert_eq!(parts.len(), 5, "handshake `{handshake}`");
        assert_eq!(
            (parts[0], parts[1], parts[2], parts[4]),
            ("1", "2", "tcp", "grpc"),
            "handshake `{handshake}`"
        );
        let addr = parts[3].to_string();
        let channel = Channel::from_shared(format!("http://{addr}"))
            .expect("endpoint")
            .connect()
            .await
            .expect("connect to the plugin");
        Plugin {
            child,
            addr,
            handshake,
            channel,
        }
    }

    pub fn data(&self) -> pluginv2::data_client::DataClient<Channel> {
        pluginv2::data_client::DataClient::new(self.channel.clone())
    }

    /// One QueryData request with one query (`refId` "A") over `from..to` (epoch seconds): its response.
    pub async fn query_one(
        &self,
        ctx: &pluginv2::PluginContext,
        model: serde_json::Value,
        from: i64,
        to: i64,
    ) -> pluginv2::DataResponse {
        let mut response = self
            .data()
            .query_data(pluginv2::QueryDataRequest {
                plugin_context: Some(ctx.clone()),
                headers: Default::default(),
                queries: vec![data_query("A", model, from, to)],
            })
            .await
            .expect("QueryData answers")
            .into_inner();
        response.responses.remove("A").expect("a response for A")
    }

    pub fn resource(&self) -> pluginv2::resource_client::ResourceClient<Channel> {
        pluginv2::resource_client::ResourceClient::new(self.channel.clone())
    }

    pub fn diagnostics(&self) -> pluginv2::diagnostics_client::DiagnosticsClient<Channel> {
        pluginv2::diagnostics_client::DiagnosticsClient::new(self.channel.clone())
    }

    pub fn health(&self) -> tonic_health::pb::health_client::HealthClient<Channel> {
        tonic_health::pb::health_client::HealthClient::new(self.channel.clone())
    }

    /// The process id (for reading its memory from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still alive.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM (Unix) and waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        #[cfg(unix)]
        {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
        }
        #[cfg(not(unix))]
        {
            let _ = self.child.kill();
        }
        self.child.wait().expect("wait for the plugin")
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Datasource instance settings as Grafana sends them (uid `querent-test`, name `Querent`). Each call
/// gets a new `lastUpdated`, as if the settings had just been saved, so a running plugin rebuilds its
/// cached instance.
pub fn datasource(
    json_data: Value,
    secure: &[(&str, &str)],
) -> pluginv2::DataSourceInstanceSettings {
    pluginv2::DataSourceInstanceSettings {
        id: 1,
        uid: "querent-test".into(),
        name: "Querent".into(),
        json_data: serde_json::to_vec(&json_data).unwrap(),
        decrypted_secure_json_data: secure
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<HashMap<_, _>>(),
        last_updated_ms: NEXT_UPDATE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        ..Default::default()
    }
}

static NEXT_UPDATE: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);

/// A plugin context for a datasource request.
pub fn plugin_context(ds: pluginv2::DataSourceInstanceSettings) -> pluginv2::PluginContext {
    pluginv2::PluginContext {
        org_id: 1,
        plugin_id: "querent-nlq-datasource".into(),
        user: Some(pluginv2::User {
            login: "admin".into(),
            name: "Admin".into(),
            email: String::new(),
            role: "Admin".into(),
        }),
        app_instance_settings: None,
        data_source_instance_settings: Some(ds),
    }
}

/// One QueryData query with the model JSON and a time range in epoch seconds.
pub fn data_query(ref_id: &str, model: Value, from_s: i64, to_s: i64) -> pluginv2::DataQuery {
    pluginv2::DataQuery {
        ref_id: ref_id.into(),
        max_data_points: 1000,
        interval_ms: 1000,
        time_range: Some(pluginv2::TimeRange {
            from_epoch_ms: from_s * 1000,
            to_epoch_ms: to_s * 1000,
        }),
        query_type: model
            .get("queryType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        json: serde_json::to_vec(&model).unwrap(),
    }
}

/// A frame decoded by arrow-rs.
#[derive(Debug, Clone)]
pub struct DecodedFrame {
    pub name: String,
    pub ref_id: String,
    /// `meta` schema metadata parsed as JSON (`Null` when absent).
    pub meta: Value,
    pub fields: Vec<DecodedField>,
}

#[derive(Debug, Clone)]
pub struct DecodedField {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    pub labels: BTreeMap<String, String>,
    pub config: Option<Value>,
    /// Raw field metadata (`name`, `labels`, `config`).
    pub metadata: HashMap<String, String>,
    /// Values as JSON: strings, numbers (time = epoch ns as i64), booleans, parsed JSON for binary
    /// columns, `Null` for nulls.
    pub values: Vec<Value>,
}

impl DecodedFrame {
    pub fn field(&self, name: &str) -> &DecodedField {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no field `{name}` in frame `{}`", self.name))
    }

    pub fn field_names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }

    pub fn rows(&self) -> usize {
        self.fields.first().map_or(0, |f| f.values.len())
    }
}

/// Decodes one Arrow IPC file as Grafana's Go reader would: schema metadata, field metadata, columns.
pub fn decode_frame(bytes: &[u8]) -> DecodedFrame {
    let reader = arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes.to_vec()), None)
        .expect("a valid Arrow IPC file");
    let schema = reader.schema();
    let md = schema.metadata();
    let mut fields: Vec<DecodedField> = schema
        .fields()
        .iter()
        .map(|f| DecodedField {
            name: f.name().clone(),
            data_type: f.data_type().clone(),
            nullable: f.is_nullable(),
            labels: f
                .metadata()
                .get("labels")
                .map(|l| serde_json::from_str(l).expect("labels JSON"))
                .unwrap_or_default(),
            config: f
                .metadata()
                .get("config")
                .map(|c| serde_json::from_str(c).expect("config JSON")),
            metadata: f.metadata().clone().into(),
            values: Vec::new(),
        })
        .collect();
    for batch in reader {
        let batch = batch.expect("record batch");
        for (i, field) in fields.iter_mut().enumerate() {
            let col = batch.column(i);
            for row in 0..col.len() {
                field.values.push(cell(col.as_ref(), row));
            }
        }
    }
    DecodedFrame {
        name: md.get("name").cloned().unwrap_or_default(),
        ref_id: md.get("refId").cloned().unwrap_or_default(),
        meta: md
            .get("meta")
            .map(|m| serde_json::from_str(m).expect("meta JSON"))
            .unwrap_or(Value::Null),
        fields,
    }
}

fn cell(col: &dyn Array, row: usize) -> Value {
    if col.is_null(row) {
        return Value::Null;
    }
    let any = col.as_any();
    match col.data_type() {
        DataType::Utf8 => Value::from(any.downcast_ref::<StringArray>().unwrap().value(row)),
        DataType::Float64 => {
            let v = any.downcast_ref::<Float64Array>().unwrap().value(row);
            serde_json::Number::from_f64(v)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(v.to_string()))
        }
        DataType::Int64 => Value::from(any.downcast_ref::<Int64Array>().unwrap().value(row)),
        DataType::Boolean => Value::from(any.downcast_ref::<BooleanArray>().unwrap().value(row)),
        DataType::Timestamp(arrow_schema::TimeUnit::Nanosecond, None) => Value::from(
            any.downcast_ref::<TimestampNanosecondArray>()
                .unwrap()
                .value(row),
        ),
        DataType::Binary => {
            serde_json::from_slice(any.downcast_ref::<BinaryArray>().unwrap().value(row))
                .expect("binary columns hold JSON")
        }
        other => panic!("unexpected Arrow type {other:?}"),
    }
}

/// The demo schema built from the recordings (`tests/fixtures/demo-schema.json`).
pub fn demo_schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo-schema.json");
    serde_json::from_slice(&std::fs::read(&path).expect("demo schema")).expect("valid JSON")
}

impl Replay {
    /// Answers for schema discovery whatever its time range: the recorded label, field and tag answers
    /// where they exist, and the recorded schema's values in the same shapes elsewhere. Mounted below the
    /// exact recordings, so a recorded request still gets its recorded answer.
    pub async fn mount_discovery(&self) {
        let schema = demo_schema();
        let loki_list =
            |values: Vec<Value>| serde_json::json!({ "status": "success", "data": values });
        Mock::given(method("GET"))
            .and(path("/loki/api/v1/labels"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture("loki", "labels.json"), "application/json"),
            )
            .with_priority(10)
            .mount(&self.server)
            .await;
        for (label, values) in schema["loki"]["labels"].as_object().expect("labels") {
            let body = loki_list(values.as_array().cloned().unwrap_or_default());
            Mock::given(method("GET"))
                .and(path(format!("/loki/api/v1/label/{label}/values")))
                .respond_with(
                    ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json"),
                )
                .with_priority(10)
                .mount(&self.server)
                .await;
        }
        for (service, fields) in schema["loki"]["fields"].as_object().expect("fields") {
            let recorded = match service.as_str() {
                "order-service" => Some(fixture("loki", "detected_fields_order_service.json")),
                "product-service" => Some(fixture("loki", "detected_fields_product_service.json")),
                _ => None,
            };
            let body = recorded.unwrap_or_else(|| {
                let fields: Vec<Value> = fields
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|f| {
                        let parsers = match f["source"].as_str() {
                            Some("logfmt") => serde_json::json!(["logfmt"]),
                            Some("json") => serde_json::json!(["json"]),
                            _ => Value::Null,
                        };
                        serde_json::json!({ "label": f["name"], "type": f["kind"], "cardinality": 1, "parsers": parsers })
                    })
                    .collect();
                serde_json::json!({ "fields": fields, "limit": 1000 }).to_string().into_bytes()
            });
            let selector = format!("{{service_name=\"{service}\"}}");
            Mock::given(method("GET"))
                .and(path("/loki/api/v1/detected_fields"))
                .and(wiremock::matchers::query_param("query", selector.as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
                .with_priority(10)
                .mount(&self.server)
                .await;
        }
        Mock::given(method("GET"))
            .and(path("/api/v2/search/tags"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture("tempo", "search_tags_v2.json"), "application/json"),
            )
            .with_priority(10)
            .mount(&self.server)
            .await;
        let mut tempo_values: Vec<(String, Vec<u8>)> = vec![
            (
                "resource.service.name".into(),
                fixture("tempo", "search_tag_values_v2_resource_service_name.json"),
            ),
            (
                "span.http.response.status_code".into(),
                fixture("tempo", "search_tag_values_v2_status_code.json"),
            ),
        ];
        for (tag, values) in schema["tempo"]["values"].as_object().expect("tempo values") {
            if tempo_values.iter().any(|(t, _)| t == tag) {
                continue;
            }
            let typed: Vec<Value> = values
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| serde_json::json!({ "type": "string", "value": v }))
                .collect();
            tempo_values.push((
                tag.clone(),
                serde_json::json!({ "tagValues": typed })
                    .to_string()
                    .into_bytes(),
            ));
        }
        for (tag, body) in tempo_values {
            Mock::given(method("GET"))
                .and(path(format!("/api/v2/search/tag/{tag}/values")))
                .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
                .with_priority(10)
                .mount(&self.server)
                .await;
        }
    }
}

/// Query parameters equal after canonicalising the query and the step (and Tempo's default `spss=3`).
pub struct SameRequest(pub Vec<(String, String)>);

pub fn normalise_params(params: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| {
            let v = match k.as_str() {
                "query" => canonical_text(v, true).unwrap_or_else(|_| v.clone()),
                "q" => canonical_text(v, false).unwrap_or_else(|_| v.clone()),
                "step" => v
                    .parse::<f64>()
                    .map(QueryDuration::from_secs_f64)
                    .ok()
                    .or_else(|| QueryDuration::parse(v))
                    .map_or_else(|| v.clone(), |d| d.to_string()),
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        // Tempo's default spans per span set: asking for 3 and not asking are the same request
        .filter(|(k, v)| !(k == "spss" && v == "3"))
        .collect();
    out.sort();
    out
}

impl Match for SameRequest {
    fn matches(&self, request: &Request) -> bool {
        let got: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        normalise_params(&got) == normalise_params(&self.0)
    }
}

/// A server answering the dev gold queries with their recorded responses, matching requests by
/// [`SameRequest`].
pub async fn replay_eval_dev_canonical() -> MockServer {
    let server = MockServer::start().await;
    for case in eval_dev_cases() {
        Mock::given(method(case.method.as_str()))
            .and(path(case.path.as_str()))
            .and(SameRequest(case.params.clone()))
            .respond_with(
                ResponseTemplate::new(case.status)
                    .set_body_raw(case.body.to_string(), "application/json"),
            )
            .mount(&server)
            .await;
    }
    server
}
