//! `querent mcp` end to end over stdio and streamable HTTP, and the Grafana resource route `mcp`:
//! the `tools/list` budget, every tool against the recorded Loki/Tempo, sessions and follow-ups, and bad
//! input (unknown tool, wrong types, huge arguments, expired sessions) answered with clear errors while
//! the server keeps serving.

mod common;
mod mcp_support;

use grafana_plugin_sdk::pluginv2;
use mcp_support::*;
use serde_json::{Value, json};

/// The budget: the whole `tools/list` result under 3,000 tokens (≈ 12,000 characters).
const TOOLS_LIST_BUDGET_CHARS: usize = 12_000;

#[test]
fn tools_list_fits_the_budget_and_every_tool_is_read_only() {
    let mut mcp = StdioMcp::start(&["--schema", &schema_file()]);
    let v = mcp.request("tools/list", json!({}));
    let result = &v["result"];
    let size = serde_json::to_string(result).unwrap().chars().count();
    eprintln!("tools/list result: {size} characters");
    assert!(
        size < TOOLS_LIST_BUDGET_CHARS,
        "tools/list is {size} characters"
    );
    let tools = result["tools"].as_array().expect("tools");
    assert!(tools.len() <= 8, "{} tools", tools.len());
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "ask",
            "translate",
            "query_logs",
            "query_traces",
            "get_trace",
            "diagnose",
            "list_services",
            "describe_schema"
        ]
    );
    for t in tools {
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{t}");
        assert_eq!(t["annotations"]["destructiveHint"], false, "{t}");
        assert!(t["description"].as_str().unwrap().len() <= 160, "{t}");
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        assert_eq!(t["inputSchema"]["additionalProperties"], false, "{t}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_answers_from_the_recorded_peers() {
    let server = peers().await;
    let uri = server.uri();
    let mut mcp = tokio::task::spawn_blocking(move || StdioMcp::with_peers(&uri, &[]))
        .await
        .unwrap();
    let mut call = |tool: &str, args: Value| {
        mcp.call(tool, args)
            .unwrap_or_else(|e| panic!("{tool} failed: {e}"))
    };

    // ask: summary, plan, one page of the 68 recorded lines, and a session for follow-ups
    let a = call(
        "ask",
        json!({"question": "show error logs from order-service in the last 3 hours"}),
    );
    assert_eq!(a["plan"]["kind"], "logs");
    assert_eq!(
        a["plan"]["query"],
        "{service_name=\"order-service\", level=\"error\"}"
    );
    assert!(
        a["summary"].as_str().unwrap().contains("68 log lines"),
        "{a}"
    );
    assert_eq!(
        (
            a["total"].clone(),
            a["pages"].clone(),
            a["nextPage"].clone()
        ),
        (json!(68), json!(4), json!(2))
    );
    assert_eq!(a["logs"].as_array().unwrap().len(), 20);
    assert_eq!(a["logs"][0]["service"], "order-service");
    let session = a["session"].as_str().expect("a session id").to_string();
    let page4 = call(
        "ask",
        json!({"question": "show error logs from order-service in the last 3 hours", "page": 4}),
    );
    assert_eq!(page4["logs"].as_array().unwrap().len(), 8);
    assert!(page4.get("nextPage").is_none());

    // a follow-up in the session: the same lines' traces over the last hour (D31's request)
    let f = call(
        "ask",
        json!({"question": "show the traces for those in the last hour", "session": session}),
    );
    assert_eq!(f["followUp"], true, "{f}");
    assert_eq!(f["plan"]["kind"], "correlate");
    assert_eq!(f["plan"]["start"], "2026-11-25T07:38:56Z");
    assert!(
        f["logs"][0]["traceID"]
            .as_str()
            .is_some_and(|t| t.len() == 32),
        "{f}"
    );

    // translate: the plan only
    let t = call(
        "translate",
        json!({"question": "p95 latency of product-service over the last 6 hours"}),
    );
    assert_eq!(t["plan"]["kind"], "trace_metrics");
    assert!(t.get("logs").is_none() && t.get("session").is_none(), "{t}");

    // query_logs: lines and a metric query
    let l = call(
        "query_logs",
        json!({"query": PAYMENT_ERRORS, "from": "now-6h", "limit": 5}),
    );
    assert_eq!(l["kind"], "logs");
    assert_eq!(l["logs"].as_array().unwrap().len(), 5);
    assert_eq!(l["from"], "2026-11-25T02:38:56Z");
    let m = call(
        "query_logs",
        json!({"query": ERRORS_BY_SERVICE_5M, "from": "now-6h"}),
    );
    assert_eq!(m["kind"], "metrics");
    let series = m["series"].as_array().unwrap();
    assert!(
        !series.is_empty() && series[0]["stats"]["max"].is_number(),
        "{m}"
    );
    assert!(series[0]["points"].as_array().unwrap().len() <= 13);

    // query_traces and get_trace: a failed payment trace, summarised
    let s = call(
        "query_traces",
        json!({"query": PAYMENT_FAILED_TRACES, "from": "now-6h"}),
    );
    assert_eq!(s["kind"], "traces");
    let ids: Vec<&str> = s["traces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["traceID"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&PAYMENT_TRACE), "{s}");
    let g = call("get_trace", json!({"trace_id": PAYMENT_TRACE, "spans": 5}));
    assert_eq!(g["traceID"], PAYMENT_TRACE);
    assert!(g["errorCount"].as_u64().unwrap() > 0, "{g}");
    assert!(
        g["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["service"] == "payment-service"),
        "{g}"
    );
    assert!(g["criticalPath"].as_array().unwrap().len() <= 5);
    assert!(g.to_string().len() < 8_000, "a bounded summary, not a dump");

    // diagnose: the payment-service error lines, grouped, with their traces
    let d = call(
        "diagnose",
        json!({"service": "payment-service", "from": "now-6h"}),
    );
    assert_eq!(d["plan"]["kind"], "correlate");
    assert!(
        d["errorLines"]["payment-service"].as_u64().unwrap() > 0,
        "{d}"
    );
    assert!(!d["topErrors"].as_array().unwrap().is_empty());
    assert!(!d["traceIDs"].as_array().unwrap().is_empty(), "{d}");
    // the analysis' top hypothesis: the timeouts calling acmepay, with its evidence sentences
    let top = &d["hypotheses"][0];
    assert_eq!(top["service"], "payment-service", "{d}");
    assert!(top["title"].as_str().unwrap().contains("acmepay"), "{d}");
    assert!(!top["evidence"].as_array().unwrap().is_empty(), "{d}");
    assert!(
        d.to_string().len() < 12_000,
        "a bounded digest: {}",
        d.to_string().len()
    );

    // list_services, describe_schema
    let ls = call("list_services", json!({}));
    assert!(
        ls["services"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == &json!({"name": "payment-service", "sources": ["loki", "tempo"]})),
        "{ls}"
    );
    let ds = call("describe_schema", json!({"service": "order-service"}));
    assert_eq!(ds["loki"]["serviceLabel"], "service_name");
    assert!(
        ds["loki"]["fields"]["order-service"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "status int/logfmt"),
        "{ds}"
    );
    assert!(ds["loki"]["fields"].get("api-gateway").is_none());
}

#[test]
fn bad_input_gets_clear_errors_and_the_server_keeps_serving() {
    let mut mcp = StdioMcp::start(&["--schema", &schema_file(), "--now", NOW]);
    // unknown tool: a protocol error naming the tools
    let v = mcp.request(
        "tools/call",
        json!({"name": "drop_tables", "arguments": {}}),
    );
    assert_eq!(v["error"]["code"], -32602, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown tool `drop_tables`; the tools are: ask,")
    );
    // wrong types, missing and unknown arguments: tool errors that name the problem
    let e = mcp.call("ask", json!({"question": 42})).unwrap_err();
    assert!(
        e.contains("invalid type: integer `42`, expected a string"),
        "{e}"
    );
    let e = mcp.call("ask", json!({})).unwrap_err();
    assert!(e.contains("missing field `question`"), "{e}");
    let e = mcp
        .call("get_trace", json!({"trace_id": "abc", "colour": "red"}))
        .unwrap_err();
    assert!(e.contains("unknown field `colour`"), "{e}");
    let e = mcp
        .call("ask", json!({"question": "errors", "limit": 1000}))
        .unwrap_err();
    assert_eq!(e, "`limit` must be 1 to 100");
    let e = mcp
        .call(
            "query_logs",
            json!({"query": "{a=\"b\"}", "from": "yesterday-ish"}),
        )
        .unwrap_err();
    assert!(e.starts_with("`from` `yesterday-ish` is not a time"), "{e}");
    // huge arguments
    let e = mcp
        .call("ask", json!({"question": "x".repeat(200_000)}))
        .unwrap_err();
    assert!(e.contains("is 200000 bytes; at most 4000"), "{e}");
    let e = mcp
        .call(
            "query_traces",
            json!({"query": format!("{{ name = \"{}\" }}", "y".repeat(100_000))}),
        )
        .unwrap_err();
    assert!(e.contains("at most 16384"), "{e}");
    // wrong tool for the query, not a trace id
    let e = mcp
        .call("query_logs", json!({"query": "{ duration > 1s }"}))
        .unwrap_err();
    assert!(e.contains("use `query_traces`"), "{e}");
    let e = mcp
        .call("get_trace", json!({"trace_id": "not-a-trace"}))
        .unwrap_err();
    assert!(e.contains("is not a trace id"), "{e}");
    // sessions that do not exist, or are not ids
    let e = mcp
        .call(
            "ask",
            json!({"question": "only errors", "session": "0123abcd"}),
        )
        .unwrap_err();
    assert!(e.contains("there is no session `0123abcd`"), "{e}");
    let e = mcp
        .call(
            "ask",
            json!({"question": "only errors", "session": "../../etc"}),
        )
        .unwrap_err();
    assert!(e.contains("is not a session id"), "{e}");
    // Loki not configured: a tool error saying which setting is missing
    let e = mcp
        .call("query_logs", json!({"query": "{a=\"b\"}"}))
        .unwrap_err();
    assert!(e.contains("Loki is not configured"), "{e}");
    // garbage on the wire is skipped
    mcp.send_line("{this is not json");
    // ... and the server still answers
    let v = mcp.request("tools/list", json!({}));
    assert_eq!(v["result"]["tools"].as_array().unwrap().len(), 8);
    assert!(mcp.is_running());
}

#[test]
fn an_expired_session_is_an_error_that_says_so() {
    let mut mcp = StdioMcp::start(&[
        "--schema",
        &schema_file(),
        "--now",
        NOW,
        "--session-ttl",
        "1",
    ]);
    // a clarification needs no Loki: still an answer with a session
    let a = mcp
        .call(
            "ask",
            json!({"question": "show logs from the inventory-service"}),
        )
        .unwrap();
    assert_eq!(a["plan"]["kind"], "clarify", "{a}");
    let session = a["session"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let e = mcp
        .call(
            "ask",
            json!({"question": "what about order-service?", "session": session}),
        )
        .unwrap_err();
    assert!(e.contains("expired"), "{e}");
    assert!(e.contains("leaving the session out"), "{e}");
    let v = mcp.request("tools/list", json!({}));
    assert!(v["result"]["tools"].is_array());
}

/// The same server over streamable HTTP: a session-ful exchange, the Host check against DNS
/// rebinding, an oversized body, and a server that keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamable_http_serves_tools_and_refuses_bad_requests() {
    let server = peers().await;
    let (mut child, url) = spawn_http(&[
        "--loki",
        &server.uri(),
        "--tempo",
        &server.uri(),
        "--schema",
        &schema_file(),
        "--now",
        NOW,
    ]);
    let http = reqwest::Client::new();
    let post = |body: Value, session: Option<String>| {
        let mut req = http
            .post(&url)
            .header("Accept", "application/json, text/event-stream")
            .header("Content-Type", "application/json")
            .body(body.to_string());
        if let Some(s) = session {
            req = req
                .header("Mcp-Session-Id", s)
                .header("Mcp-Protocol-Version", "2025-06-18");
        }
        req.send()
    };
    let init = post(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params":
        {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}), None)
        .await
        .unwrap();
    assert_eq!(init.status(), 200);
    let session = init
        .headers()
        .get("mcp-session-id")
        .expect("a session")
        .to_str()
        .unwrap()
        .to_string();
    let _ = init.text().await.unwrap();
    let ack = post(
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        Some(session.clone()),
    )
    .await
    .unwrap();
    assert_eq!(ack.status(), 202);
    let call = post(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params":
        {"name": "ask", "arguments": {"question": "show error logs from order-service in the last 3 hours", "limit": 3}}}),
        Some(session.clone())).await.unwrap();
    assert_eq!(call.status(), 200);
    let text = call.text().await.unwrap();
    let message = sse_or_json(&text);
    let answer: Value =
        serde_json::from_str(message["result"]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(answer["total"], 68, "{answer}");
    assert_eq!(answer["logs"].as_array().unwrap().len(), 3);

    // DNS rebinding: a foreign Host is refused
    let evil = http
        .post(&url)
        .header("Host", "evil.example:80")
        .header("Accept", "application/json, text/event-stream")
        .header("Content-Type", "application/json")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    // an oversized body is refused before it is read whole
    // (its own client: the server closes that connection without reading the rest)
    let huge = reqwest::Client::new().post(&url).header("Accept", "application/json, text/event-stream")
        .header("Content-Type", "application/json").header("Mcp-Session-Id", &session)
        .body(format!("{{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{{\"name\":\"ask\",\"arguments\":{{\"question\":\"{}\"}}}}}}", "z".repeat(2_000_000)))
        .send().await.unwrap();
    assert_eq!(huge.status(), 413);
    // other paths are not the endpoint
    assert_eq!(
        http.get(url.replace("/mcp", "/other"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // still serving
    let list = post(
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}),
        Some(session),
    )
    .await
    .unwrap();
    assert_eq!(list.status(), 200);
    let list = sse_or_json(&list.text().await.unwrap());
    assert_eq!(list["result"]["tools"].as_array().unwrap().len(), 8);
    let _ = child.kill();
    let _ = child.wait();
}

/// The JSON-RPC message of a response body: plain JSON, or the `data:` line of an SSE stream.
fn sse_or_json(text: &str) -> Value {
    if let Ok(v) = serde_json::from_str(text) {
        return v;
    }
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|v| v.get("id").is_some())
        .unwrap_or_else(|| panic!("no JSON-RPC message in {text}"))
}

/// Inside Grafana: the datasource resource route `mcp` answers MCP in stateless mode, against the
/// datasource's own Loki/Tempo, and keeps conversations in the plugin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grafana_resource_route_serves_mcp() {
    let server = peers().await;
    let plugin = common::Plugin::start().await;
    let ds = common::datasource(
        json!({"lokiUrl": server.uri(), "tempoUrl": server.uri()}),
        &[],
    );
    let ctx = common::plugin_context(ds);
    let call = |method: &str, body: Value| {
        let ctx = ctx.clone();
        let mut client = plugin.resource();
        let method = method.to_string();
        async move {
            let mut headers = std::collections::HashMap::new();
            headers.insert(
                "Accept".to_string(),
                pluginv2::StringList {
                    values: vec!["application/json, text/event-stream".into()],
                },
            );
            headers.insert(
                "Content-Type".to_string(),
                pluginv2::StringList {
                    values: vec!["application/json".into()],
                },
            );
            let mut stream = client
                .call_resource(pluginv2::CallResourceRequest {
                    plugin_context: Some(ctx),
                    path: "mcp".into(),
                    method,
                    url: "mcp".into(),
                    headers,
                    body: if body.is_null() {
                        Vec::new()
                    } else {
                        serde_json::to_vec(&body).unwrap()
                    }
                    .into(),
                })
                .await
                .expect("CallResource answers")
                .into_inner();
            let first = stream.message().await.unwrap().expect("one response");
            (first.code, String::from_utf8_lossy(&first.body).to_string())
        }
    };
    let (code, body) = call("POST", json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params":
        {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "agent", "version": "1"}}})).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        sse_or_json(&body)["result"]["serverInfo"]["name"],
        "querent"
    );
    let (code, body) = call(
        "POST",
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        sse_or_json(&body)["result"]["tools"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    let ask = |question: &str, session: Option<&str>| {
        let mut args = json!({"question": question, "from": "2026-11-25T05:38:56Z", "to": NOW});
        if let Some(s) = session {
            args["session"] = json!(s);
        }
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "ask", "arguments": args}})
    };
    // no time in the question: the agent's range is used (the data's last 3 hours, as recorded)
    let (code, body) = call("POST", ask("show error logs from order-service", None)).await;
    assert_eq!(code, 200, "{body}");
    let text = sse_or_json(&body)["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    let answer: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
    assert_eq!(answer["total"], 68, "{answer}");
    assert_eq!(
        answer["plan"]["query"],
        "{service_name=\"order-service\", level=\"error\"}"
    );
    let session = answer["session"].as_str().unwrap().to_string();
    // the follow-up goes through the plugin's session store (a separate CallResource)
    let (_, body) = call("POST", ask("what about payment-service?", Some(&session))).await;
    let text = sse_or_json(&body)["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    let follow: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(follow["followUp"], true, "{follow}");
    assert_eq!(follow["plan"]["query"], PAYMENT_ERRORS);
    // no server-to-client stream in stateless mode
    let (code, _) = call("GET", Value::Null).await;
    assert_eq!(code, 405);
}
