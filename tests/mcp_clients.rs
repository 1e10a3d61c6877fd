//! Real MCP clients from other projects against Querent's MCP servers, over the recorded Loki/Tempo:
//! the official TypeScript SDK (`tests/mcp/client.test.mjs`, every tool over stdio, streamable HTTP and
//! the Grafana datasource route) and the official conformance suite (`tests/mcp/conformance.mjs`).
//!
//! Needs Node and `tests/mcp/node_modules` (`npm ci` there), so it is `#[ignore]`d for plain
//! `cargo test`; `make test-mcp` (part of `make test`) installs them and runs it with `--ignored`.

mod common;
mod mcp_support;

use std::convert::Infallible;
use std::path::Path;
use std::process::Command;

use grafana_plugin_sdk::pluginv2;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use mcp_support::*;
use serde_json::json;

/// Serves HTTP on 127.0.0.1 the way Grafana serves `/api/datasources/uid/<uid>/resources/mcp`: each
/// request becomes a CallResource to the plugin with path `mcp`. Returns the URL.
async fn grafana_front(plugin: &common::Plugin, ctx: pluginv2::PluginContext) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = plugin.resource();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let client = client.clone();
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                    let mut client = client.clone();
                    let ctx = ctx.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let mut headers =
                            std::collections::HashMap::<String, pluginv2::StringList>::new();
                        for (k, v) in &parts.headers {
                            if let Ok(v) = v.to_str() {
                                headers
                                    .entry(k.as_str().to_string())
                                    .or_default()
                                    .values
                                    .push(v.to_string());
                            }
                        }
                        let answer = client
                            .call_resource(pluginv2::CallResourceRequest {
                                plugin_context: Some(ctx),
                                path: "mcp".into(),
                                method: parts.method.to_string(),
                                url: "mcp".into(),
                                headers,
                                body,
                            })
                            .await
                            .expect("CallResource")
                            .into_inner()
                            .message()
                            .await
                            .expect("a response")
                            .expect("one message");
                        let mut response = hyper::Response::new(Full::new(answer.body));
                        *response.status_mut() =
                            hyper::StatusCode::from_u16(answer.code as u16).unwrap();
                        for (k, vs) in answer.headers {
                            for v in vs.values {
                                response.headers_mut().append(
                                    hyper::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                                    v.parse().unwrap(),
                                );
                            }
                        }
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    format!("http://{addr}/api/datasources/uid/querent-test/resources/mcp")
}

fn node(script: &str, args: &[&str], env: &[(&str, String)]) -> (bool, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp");
    assert!(
        dir.join("node_modules/@modelcontextprotocol/sdk").exists(),
        "run `npm ci` in tests/mcp first (make test-mcp does)"
    );
    let mut cmd = Command::new("node");
    cmd.current_dir(&dir).args(args).arg(script);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs Node and tests/mcp/node_modules: run `make test-mcp`"]
async fn official_clients_drive_every_transport() {
    let server = peers().await;
    let uri = server.uri();
    let schema = schema_file();
    let args = vec![
        "--loki", &uri, "--tempo", &uri, "--schema", &schema, "--now", NOW,
    ];
    let (mut http_child, http_url) = spawn_http(&args);
    let plugin = common::Plugin::start().await;
    let ds = common::datasource(json!({"lokiUrl": uri, "tempoUrl": uri}), &[]);
    let grafana_url = grafana_front(&plugin, common::plugin_context(ds)).await;

    let env = vec![
        ("QUERENT_BIN", env!("CARGO_BIN_EXE_querent").to_string()),
        ("QUERENT_MCP_ARGS", serde_json::to_string(&args).unwrap()),
        ("MCP_HTTP_URL", http_url.clone()),
        ("MCP_GRAFANA_URL", grafana_url.clone()),
        (
            "MCP_GRAFANA_RANGE",
            json!(["2026-11-25T05:38:56Z", NOW]).to_string(),
        ),
        (
            "MCP_CONFORMANCE_OUT",
            format!("{}/target/mcp-conformance.json", env!("CARGO_MANIFEST_DIR")),
        ),
    ];
    let (client_ok, client_out) = tokio::task::spawn_blocking({
        let env = env.clone();
        move || node("client.test.mjs", &["--test", "--test-reporter=spec"], &env)
    })
    .await
    .unwrap();
    println!("{client_out}");
    let (conformance_ok, conformance_out) =
        tokio::task::spawn_blocking(move || node("conformance.mjs", &[], &env))
            .await
            .unwrap();
    println!("{conformance_out}");
    let _ = http_child.kill();
    let _ = http_child.wait();
    assert!(client_ok, "the TypeScript SDK client failed");
    assert!(conformance_ok, "conformance checks failed");
}
