//! Support for the MCP tests: the recorded Loki/Tempo the tools run against, and a minimal JSON-RPC
//! client for `querent mcp` over stdio (the real clients — the official TypeScript SDK and the
//! conformance suite — are in `tests/mcp/`, driven by `tests/mcp_clients.rs`).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use querent::plan::canonical::canonical_text;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

use crate::common;

/// The data's "now" (the recorded demo data ends here).
pub const NOW: &str = "2026-11-25T08:38:56Z";

pub fn schema_file() -> String {
    format!(
        "{}/tests/fixtures/demo-schema.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Matches a request whose `query` (Loki) or `q` (Tempo) parameter is this query, canonically; the
/// other parameters (range, limit, step) are free.
struct QueryIs {
    key: &'static str,
    canonical: String,
}

impl Match for QueryIs {
    fn matches(&self, request: &Request) -> bool {
        request.url.query_pairs().any(|(k, v)| {
            k == self.key
                && canonical_text(&v, self.key == "query").unwrap_or_else(|_| v.to_string())
                    == self.canonical
        })
    }
}

/// Serves a recorded body (from `diagnosis/`) for any request running `query` on `api_path`.
async fn mount_query(server: &MockServer, api_path: &str, query: &str, file: &str) {
    let key = if api_path.starts_with("/loki") {
        "query"
    } else {
        "q"
    };
    let canonical = canonical_text(query, key == "query").unwrap_or_else(|_| query.to_string());
    Mock::given(method("GET"))
        .and(path(api_path))
        .and(QueryIs { key, canonical })
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(common::fixture("diagnosis", file), "application/json"),
        )
        .with_priority(8)
        .mount(server)
        .await;
}

/// Queries the MCP tests run, with the recorded answer each gets whatever its range and limit.
pub const PAYMENT_ERRORS: &str = "{service_name=\"payment-service\", level=\"error\"}";
pub const ERRORS_BY_SERVICE_5M: &str =
    "sum by (service_name) (count_over_time({level=\"error\"}[5m]))";
pub const PAYMENT_FAILED_TRACES: &str =
    "{ resource.service.name = \"payment-service\" && status = error }";
/// A failed payment trace that Tempo's recorded search finds and whose whole trace is recorded.
pub const PAYMENT_TRACE: &str = "e5ae288f5942339503d301cf19a12723";

/// One server standing in for Loki and Tempo: the dev set's recorded answers (exact requests), every
/// recorded trace by id, schema discovery, and the recorded diagnosis answers for the queries above.
pub async fn peers() -> MockServer {
    let replay = common::Replay {
        server: common::replay_eval_dev_canonical().await,
    };
    for row in common::recorded("diagnosis") {
        if row.file.starts_with("traces/") {
            Mock::given(method("GET"))
                .and(path(row.path.as_str()))
                .respond_with(ResponseTemplate::new(row.status).set_body_raw(
                    common::fixture("diagnosis", &row.file),
                    row.content_type.as_str(),
                ))
                .mount(&replay.server)
                .await;
        }
    }
    let server = &replay.server;
    mount_query(
        server,
        "/loki/api/v1/query_range",
        PAYMENT_ERRORS,
        "loki_errors_payment_service.json",
    )
    .await;
    mount_query(
        server,
        "/loki/api/v1/query_range",
        ERRORS_BY_SERVICE_5M,
        "loki_metric_error_count_by_service_5m.json",
    )
    .await;
    mount_query(
        server,
        "/api/search",
        PAYMENT_FAILED_TRACES,
        "tempo_search_payment_service_errors.json",
    )
    .await;
    replay.mount_discovery().await;
    replay.server
}

/// `querent mcp` on stdio, spoken to line by line.
pub struct StdioMcp {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl StdioMcp {
    /// Starts `querent mcp <args>` and initializes the session.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_querent"))
            .arg("mcp")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("querent mcp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut mcp = StdioMcp {
            child,
            stdin,
            stdout,
            next_id: 1,
        };
        let init = mcp.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "querent-tests", "version": "1"}}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "querent", "{init}");
        mcp.send_line(
            &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
        );
        mcp
    }

    /// Starts against `peers` with the demo schema at the data's now.
    pub fn with_peers(uri: &str, extra: &[&str]) -> Self {
        let schema = schema_file();
        let mut args = vec![
            "--loki", uri, "--tempo", uri, "--schema", &schema, "--now", NOW,
        ];
        args.extend_from_slice(extra);
        Self::start(&args)
    }

    pub fn send_line(&mut self, line: &str) {
        self.stdin.write_all(line.as_bytes()).expect("write");
        self.stdin.write_all(b"\n").expect("write");
        self.stdin.flush().expect("flush");
    }

    /// Sends a request and returns the whole JSON-RPC response with its id.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send_line(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        self.response(id)
    }

    /// Reads lines until the response with `id` (notifications are skipped).
    pub fn response(&mut self, id: u64) -> Value {
        loop {
            let mut line = String::new();
            let n = self.stdout.read_line(&mut line).expect("read");
            assert!(n > 0, "the server closed stdout");
            let v: Value = serde_json::from_str(&line).expect("one JSON-RPC message a line");
            if v["id"] == json!(id) {
                return v;
            }
        }
    }

    /// Calls a tool: `Ok(parsed JSON of the text result)` or `Err(error text)` for `isError` results.
    pub fn call(&mut self, tool: &str, arguments: Value) -> Result<Value, String> {
        let v = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        let result = &v["result"];
        assert!(result.is_object(), "no result: {v}");
        let text = result["content"][0]["text"]
            .as_str()
            .expect("text content")
            .to_string();
        if result["isError"] == json!(true) {
            Err(text)
        } else {
            Ok(serde_json::from_str(&text).expect("JSON text"))
        }
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for StdioMcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `querent mcp --http 127.0.0.1:0 <args>`: the child and its endpoint URL (read from stderr).
pub fn spawn_http(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_querent"))
        .args(["mcp", "--http", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("querent mcp --http starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("the listening line");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in `{line}`"))
        .to_string();
    // keep draining stderr so the server never blocks on it
    std::thread::spawn(move || {
        let mut sink = String::new();
        while stderr.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    (child, url)
}
