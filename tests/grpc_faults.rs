//! Loki and Tempo misbehaving on purpose (a local server that refuses, hangs, rate-limits, fails with
//! and without bodies, cuts bodies short, sends garbage or never stops), driven through the plugin
//! binary over gRPC as Grafana drives it: every fault is a clear error on its own query, safe requests
//! are retried, the plugin keeps answering, and CheckHealth says what is wrong. Also the guardrails
//! and the cache as a user meets them: answers cut at `maxResponseBytes` with a notice, narrowed or
//! refused scans, capped ranges, per-backend concurrency, single-flight, and the CollectMetrics text.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::faulty::{FaultServer, Reply};
use common::{
    FIXTURE_END_S, FIXTURE_START_S, Plugin, closed_port, data_query, datasource, decode_frame,
    fixture, plugin_context,
};
use grafana_plugin_sdk::pluginv2;
use pluginv2::check_health_response::HealthStatus;
use serde_json::{Value, json};

async fn query(
    plugin: &Plugin,
    ds: pluginv2::DataSourceInstanceSettings,
    queries: Vec<pluginv2::DataQuery>,
) -> pluginv2::QueryDataResponse {
    plugin
        .data()
        .max_decoding_message_size(usize::MAX)
        .query_data(pluginv2::QueryDataRequest {
            plugin_context: Some(plugin_context(ds)),
            headers: Default::default(),
            queries,
        })
        .await
        .expect("QueryData answers")
        .into_inner()
}

fn logs(ref_id: &str, expr: &str) -> pluginv2::DataQuery {
    data_query(
        ref_id,
        json!({ "queryType": "logs", "expr": expr }),
        FIXTURE_START_S,
        FIXTURE_END_S,
    )
}

async fn health(plugin: &Plugin, ds: pluginv2::DataSourceInstanceSettings) -> (i32, String) {
    let answer = plugin
        .diagnostics()
        .check_health(pluginv2::CheckHealthRequest {
            plugin_context: Some(plugin_context(ds)),
            headers: Default::default(),
        })
        .await
        .expect("CheckHealth answers")
        .into_inner();
    (answer.status, answer.message)
}

fn loki_logs() -> Vec<u8> {
    fixture("loki", "query_range_streams_forward_limit5.json")
}

/// A server whose `/loki/api/v1/query_range` answers by the query's `{app="..."}` name, counting
/// requests per query.
async fn faulty_loki() -> (FaultServer, Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let ok = Arc::new(loki_logs());
    let flaky_429 = Arc::new(AtomicUsize::new(0));
    let flaky_502 = Arc::new(AtomicUsize::new(0));
    let server = FaultServer::start(move |req| {
        let q = req.param("query").unwrap_or_default().to_string();
        log.lock().unwrap().push(q.clone());
        let name = q
            .split('"')
            .nth(1)
            .unwrap_or_default()
            .to_string();
        match name.as_str() {
            "hang" => Reply::Hang,
            "close" => Reply::Close,
            "r429" => Reply::status(429, "").with_header("Retry-After", "0"),
            "flaky429" => {
                if flaky_429.fetch_add(1, Ordering::SeqCst) == 0 {
                    Reply::status(429, "too many outstanding requests").with_header("Retry-After", "1")
                } else {
                    Reply::shared_json(ok.clone())
                }
            }
            "flaky502" => {
                if flaky_502.fetch_add(1, Ordering::SeqCst) == 0 {
                    Reply::status(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
                } else {
                    Reply::shared_json(ok.clone())
                }
            }
            "r500body" => Reply::status(500, "rpc error: code = Internal desc = ingester unhealthy\n"),
            "r500" => Reply::status(500, ""),
            "r502" => Reply::status(502, "<html><body><h1>502 Bad Gateway</h1>\n</body></html>"),
            "r503" => Reply::status(503, ""),
            // Cut inside the log lines (a cut in the trailing `stats` loses nothing and is not an
            // error).
            "truncated" => Reply::Truncated {
                declared: ok.len(),
                body: Arc::new(ok[..ok.len() / 5].to_vec()),
            },
            "notjson" => Reply::Full {
                status: 200,
                headers: vec![("Content-Type".into(), "text/html".into())],
                body: Arc::new(b"<html>maintenance</html>".to_vec()),
            },
            "halfjson" => Reply::json(&ok[..ok.len() / 5]),
            "endless" => Reply::Endless {
                first: Arc::new(br#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{"app":"endless"},"values":["#.to_vec()),
                chunk: Arc::new(br#"["1795596352000000000","level=info msg=\"still going\" trace_id=dbb464a3cec79642a13a9da294e7eb2a"],"#.repeat(50)),
                every: Duration::from_millis(5),
            },
            "endless_garbage" => Reply::Endless {
                first: Arc::new(b"[".to_vec()),
                chunk: Arc::new(b"garbage ".repeat(100)),
                every: Duration::from_millis(5),
            },
            _ => Reply::shared_json(ok.clone()),
        }
    })
    .await;
    (server, seen)
}

fn count(seen: &std::sync::Mutex<Vec<String>>, name: &str) -> usize {
    let needle = format!("\"{name}\"");
    seen.lock()
        .unwrap()
        .iter()
        .filter(|q| q.contains(&needle))
        .count()
}

#[tokio::test]
async fn each_loki_fault_is_a_clear_error_on_its_own_query() {
    let (server, seen) = faulty_loki().await;
    let plugin = Plugin::start().await;
    let ds = datasource(
        json!({ "lokiUrl": server.uri(), "timeoutSeconds": 2, "cacheTtlSeconds": 0 }),
        &[],
    );
    let names = [
        "hang",
        "close",
        "r429",
        "flaky429",
        "flaky502",
        "r500body",
        "r500",
        "r502",
        "r503",
        "truncated",
        "notjson",
        "halfjson",
        "endless_garbage",
        "fine",
    ];
    let queries = names
        .iter()
        .map(|n| logs(n, &format!("{{app=\"{n}\"}}")))
        .collect();
    let started = std::time::Instant::now();
    let response = query(&plugin, ds, queries).await;
    let elapsed = started.elapsed();
    let r = |name: &str| &response.responses[name];
    let expect = |name: &str, status: i32, message: &str| {
        assert_eq!(r(name).status, status, "{name}: {}", r(name).error);
        assert!(
            r(name).error.contains(message),
            "{name}: `{}` lacks `{message}`",
            r(name).error
        );
        assert!(r(name).frames.is_empty(), "{name}");
    };
    expect(
        "hang",
        504,
        "Loki did not answer within 2s (`timeoutSeconds`)",
    );
    expect("close", 502, "the request to Loki failed");
    expect(
        "r429",
        429,
        "Loki answered 429 Too Many Requests: Too Many Requests (query: `{app=\"r429\"}`)",
    );
    expect(
        "r500body",
        500,
        "Loki answered 500 Internal Server Error: rpc error: code = Internal desc = ingester unhealthy",
    );
    expect(
        "r500",
        500,
        "Loki answered 500 Internal Server Error: Internal Server Error",
    );
    expect(
        "r502",
        502,
        "Loki answered 502 Bad Gateway: <html><body><h1>502 Bad Gateway</h1> </body></html>",
    );
    expect("r503", 503, "Loki answered 503 Service Unavailable");
    expect("truncated", 502, "Loki's answer broke off after");
    expect(
        "notjson",
        502,
        "Loki sent a query result that could not be read",
    );
    expect("halfjson", 502, "the answer ends in the middle");
    expect(
        "endless_garbage",
        502,
        "Loki sent a query result that could not be read",
    );
    // Retried where safe: 429 with `Retry-After`, 502 and 503 (three tries in all); not 500.
    for (name, tries) in [
        ("r429", 3),
        ("r502", 3),
        ("r503", 3),
        ("r500", 1),
        ("r500body", 1),
        ("notjson", 1),
        ("flaky429", 2),
        ("flaky502", 2),
    ] {
        assert_eq!(count(&seen, name), tries, "{name}");
    }
    // The retried ones that recovered answered with their lines.
    for name in ["flaky429", "flaky502", "fine"] {
        assert_eq!(r(name).status, 200, "{name}: {}", r(name).error);
        let rows: usize = r(name).frames.iter().map(|f| decode_frame(f).rows()).sum();
        assert_eq!(rows, 5, "{name}");
    }
    // The hang costs its own timeout, not everyone's.
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
}

#[tokio::test]
async fn an_endless_answer_is_cut_at_the_cap_with_a_notice() {
    let (server, _) = faulty_loki().await;
    let plugin = Plugin::start().await;
    let ds = datasource(
        json!({ "lokiUrl": server.uri(), "timeoutSeconds": 10, "maxResponseBytes": 200000 }),
        &[],
    );
    let response = query(&plugin, ds, vec![logs("A", "{app=\"endless\"}")]).await;
    let a = &response.responses["A"];
    assert_eq!(a.status, 200, "{}", a.error);
    let frame = decode_frame(&a.frames[0]);
    assert!(frame.rows() > 1000, "{}", frame.rows());
    let notices = frame.meta["notices"].to_string();
    assert!(
        notices.contains("larger than 195 KiB (`maxResponseBytes`) and was cut there"),
        "{notices}"
    );
    assert_eq!(
        frame.field("traceID").values[0],
        "dbb464a3cec79642a13a9da294e7eb2a"
    );

    // With a short timeout instead, it is a timeout.
    let ds = datasource(json!({ "lokiUrl": server.uri(), "timeoutSeconds": 1 }), &[]);
    let response = query(&plugin, ds, vec![logs("A", "{app=\"endless\"}")]).await;
    assert_eq!(
        response.responses["A"].status, 504,
        "{}",
        response.responses["A"].error
    );
}

#[tokio::test]
async fn a_large_answer_is_cut_at_the_cap_not_buffered() {
    let body = Arc::new(common::synth::loki_log_answer(5_000));
    let served = body.clone();
    let server = FaultServer::start(move |_| Reply::shared_json(served.clone())).await;
    let plugin = Plugin::start().await;
    let cap = body.len() / 4;
    let ds = datasource(
        json!({ "lokiUrl": server.uri(), "maxResponseBytes": cap, "maxLines": 5000 }),
        &[],
    );
    let response = query(&plugin, ds, vec![logs("A", "{namespace=\"shop\"}")]).await;
    let a = &response.responses["A"];
    assert_eq!(a.status, 200, "{}", a.error);
    let frames: Vec<_> = a.frames.iter().map(|f| decode_frame(f)).collect();
    let rows: usize = frames.iter().map(|f| f.rows()).sum();
    assert!(
        (500..2_000).contains(&rows),
        "{rows} of 5000 lines in a quarter"
    );
    let notices = frames[0].meta["notices"].to_string();
    assert!(
        notices.contains(&format!("showing the {rows} lines read")),
        "{notices}"
    );

    // A metric answer cannot be cut: it fails with the size in the message.
    let matrix = Arc::new(common::synth::loki_matrix_answer(500));
    let m = matrix.clone();
    let server = FaultServer::start(move |_| Reply::shared_json(m.clone())).await;
    let ds = datasource(
        json!({ "lokiUrl": server.uri(), "maxResponseBytes": matrix.len() / 2 }),
        &[],
    );
    let response = query(
        &plugin,
        ds,
        vec![data_query(
            "M",
            json!({ "queryType": "metrics", "expr": "sum by (pod) (count_over_time({a=\"b\"}[5m]))", "step": "5m" }),
            FIXTURE_START_S,
            FIXTURE_END_S,
        )],
    )
    .await;
    assert_eq!(response.responses["M"].status, 413);
    assert!(response.responses["M"].error.contains("`maxResponseBytes`"));
}

#[tokio::test]
async fn tempo_faults_stay_on_their_queries() {
    let ok_trace = Arc::new(fixture("tempo", "trace_v2_payment_timeout.json"));
    let server = FaultServer::start(move |req| match req.path.as_str() {
        p if p.ends_with("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") => Reply::status(500, "boom"),
        p if p.ends_with("/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb") => Reply::Full {
            status: 200,
            headers: vec![],
            body: Arc::new(b"not json".to_vec()),
        },
        p if p.ends_with("/cccccccccccccccccccccccccccccccc") => Reply::Hang,
        "/api/search" => Reply::status(429, "").with_header("Retry-After", "0"),
        _ => Reply::shared_json(ok_trace.clone()),
    })
    .await;
    let plugin = Plugin::start().await;
    let ds = datasource(
        json!({ "tempoUrl": server.uri(), "timeoutSeconds": 1 }),
        &[],
    );
    let trace = |id: &str| {
        data_query(
            id,
            json!({ "queryType": "trace", "expr": id }),
            FIXTURE_START_S,
            FIXTURE_END_S,
        )
    };
    let response = query(
        &plugin,
        ds,
        vec![
            trace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            trace("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
            trace("cccccccccccccccccccccccccccccccc"),
            trace("dbb464a3cec79642a13a9da294e7eb2a"),
            data_query(
                "search",
                json!({ "queryType": "traces", "expr": "{ status = error }" }),
                FIXTURE_START_S,
                FIXTURE_END_S,
            ),
        ],
    )
    .await;
    let r = |k: &str| &response.responses[k];
    assert_eq!(r("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").status, 500);
    assert!(
        r("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
            .error
            .contains("Tempo answered 500 Internal Server Error: boom")
    );
    assert_eq!(r("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").status, 502);
    assert!(
        r("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
            .error
            .contains("Tempo sent a trace that could not be read")
    );
    assert_eq!(r("cccccccccccccccccccccccccccccccc").status, 504);
    assert_eq!(r("dbb464a3cec79642a13a9da294e7eb2a").status, 200);
    assert_eq!(r("search").status, 429);
    assert_eq!(server.hits("/api/search"), 3, "429 retried twice");
}

#[tokio::test]
async fn check_health_says_what_each_fault_is() {
    let plugin = Plugin::start().await;
    let limited = FaultServer::start(|_| Reply::status(429, "too many outstanding requests")).await;
    let failing = FaultServer::start(|_| Reply::status(502, "")).await;
    let hanging = FaultServer::start(|_| Reply::Hang).await;
    let garbage = FaultServer::start(|_| Reply::json("<html>hello</html>")).await;
    let down = format!("http://127.0.0.1:{}", closed_port());
    let cases = [
        (
            limited.uri(),
            "Loki answered 429 Too Many Requests: too many outstanding requests",
            "rate-limiting",
        ),
        (failing.uri(), "Loki answered 502 Bad Gateway", "a proxy"),
        (
            hanging.uri(),
            "Loki did not answer within 1s",
            "Raise `timeoutSeconds`",
        ),
        (
            garbage.uri(),
            "Loki sent a build info that could not be read",
            "really a Loki server",
        ),
        (down.clone(), "cannot connect to Loki", "Check `lokiUrl`"),
    ];
    for (url, what, hint) in cases {
        let (status, message) = health(
            &plugin,
            datasource(json!({ "lokiUrl": url, "timeoutSeconds": 1 }), &[]),
        )
        .await;
        assert_eq!(status, HealthStatus::Error as i32, "{message}");
        assert!(message.contains(what), "`{message}` lacks `{what}`");
        assert!(message.contains(hint), "`{message}` lacks `{hint}`");
    }
    // Tempo down, Loki fine: the message names the one that is wrong.
    let fine = FaultServer::start(|_| Reply::json(fixture("loki", "buildinfo.json"))).await;
    let (status, message) = health(
        &plugin,
        datasource(
            json!({ "lokiUrl": fine.uri(), "tempoUrl": down, "timeoutSeconds": 1 }),
            &[],
        ),
    )
    .await;
    assert_eq!(status, HealthStatus::Error as i32);
    assert!(message.contains("Loki v3.7.6 is reachable"), "{message}");
    assert!(message.contains("cannot connect to Tempo"), "{message}");
}

#[tokio::test]
async fn identical_queries_hit_loki_once_and_metrics_say_so() {
    let body = Arc::new(loki_logs());
    let served = body.clone();
    let server = FaultServer::start(move |_| Reply::Delayed {
        delay: Duration::from_millis(300),
        body: served.clone(),
    })
    .await;
    let plugin = Plugin::start().await;
    let ds = datasource(json!({ "lokiUrl": server.uri() }), &[]);
    // Twelve panels of one dashboard asking the same thing in one request, and eight more requests at
    // the same time (a refresh storm).
    let panels: Vec<_> = (0..12)
        .map(|i| logs(&format!("P{i}"), "{app=\"same\"}"))
        .collect();
    let mut calls = vec![query(&plugin, ds.clone(), panels)];
    for _ in 0..8 {
        calls.push(query(
            &plugin,
            ds.clone(),
            vec![logs("A", "{app=\"same\"}")],
        ));
    }
    let answers = futures_util::future::join_all(calls).await;
    for answer in &answers {
        for (ref_id, r) in &answer.responses {
            assert_eq!(r.status, 200, "{ref_id}: {}", r.error);
            let rows: usize = r.frames.iter().map(|f| decode_frame(f).rows()).sum();
            assert_eq!(rows, 5);
        }
    }
    assert_eq!(server.hits("/loki/api/v1/query_range"), 1, "single flight");
    // Within the TTL: answered from the cache.
    let again = query(&plugin, ds.clone(), vec![logs("A", "{app=\"same\"}")]).await;
    assert_eq!(again.responses["A"].status, 200);
    assert_eq!(server.hits("/loki/api/v1/query_range"), 1, "cached");
    // A different query is asked.
    query(&plugin, ds, vec![logs("A", "{app=\"other\"}")]).await;
    assert_eq!(server.hits("/loki/api/v1/query_range"), 2);

    let metrics = plugin
        .diagnostics()
        .collect_metrics(pluginv2::CollectMetricsRequest {
            plugin_context: None,
        })
        .await
        .expect("CollectMetrics answers")
        .into_inner();
    let text = String::from_utf8(metrics.metrics.expect("metrics").prometheus).unwrap();
    let sample = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no `{name}` in\n{text}"))
    };
    assert_eq!(sample("querent_cache_requests_total{result=\"miss\"}"), 2.0);
    assert_eq!(
        sample("querent_cache_requests_total{result=\"coalesced\"}")
            + sample("querent_cache_requests_total{result=\"hit\"}"),
        20.0
    );
    assert!((sample("querent_cache_hit_ratio") - 20.0 / 22.0).abs() < 1e-6);
    assert_eq!(
        sample("querent_upstream_requests_total{peer=\"loki\",outcome=\"ok\"}"),
        2.0
    );
    assert_eq!(sample("querent_queries_total{outcome=\"ok\"}"), 22.0);
}

#[tokio::test]
async fn no_more_than_max_concurrent_requests_reach_loki() {
    let body = Arc::new(loki_logs());
    let served = body.clone();
    let server = FaultServer::start(move |_| Reply::Delayed {
        delay: Duration::from_millis(100),
        body: served.clone(),
    })
    .await;
    let plugin = Plugin::start().await;
    let ds = datasource(
        json!({ "lokiUrl": server.uri(), "maxConcurrentRequests": 2, "timeoutSeconds": 10 }),
        &[],
    );
    let queries = (0..10)
        .map(|i| logs(&format!("Q{i}"), &format!("{{app=\"q{i}\"}}")))
        .collect();
    let response = query(&plugin, ds, queries).await;
    assert!(response.responses.values().all(|r| r.status == 200));
    assert_eq!(server.total(), 10);
    assert_eq!(server.max_in_flight(), 2);
}

#[tokio::test]
async fn scan_budget_narrows_or_refuses_and_long_ranges_are_capped() {
    // Loki says 10 GiB for the whole range and 1 GiB for any shorter one.
    let whole = (FIXTURE_END_S - FIXTURE_START_S).to_string();
    let body = Arc::new(loki_logs());
    let server = FaultServer::start(move |req| {
        if req.path == "/loki/api/v1/index/stats" {
            let start: i64 = req.param("start").unwrap().parse().unwrap();
            let end: i64 = req.param("end").unwrap().parse().unwrap();
            let span = ((end - start) / 1_000_000_000).to_string();
            let bytes: u64 = if span == whole { 10 << 30 } else { 1 << 30 };
            assert_eq!(req.param("query"), Some("{app=\"big\"}"));
            return Reply::json(format!(
                r#"{{"streams":3,"chunks":10,"bytes":{bytes},"entries":100}}"#
            ));
        }
        Reply::shared_json(body.clone())
    })
    .await;
    let plugin = Plugin::start().await;
    let budget = 2u64 << 30;
    let narrow = datasource(
        json!({ "lokiUrl": server.uri(), "maxScanBytes": budget }),
        &[],
    );
    let response = query(&plugin, narrow, vec![logs("A", "{app=\"big\"} |= \"x\"")]).await;
    let a = &response.responses["A"];
    assert_eq!(a.status, 200, "{}", a.error);
    let notices = decode_frame(&a.frames[0]).meta["notices"].to_string();
    assert!(
        notices.contains("Loki would scan 10 GiB over the whole time range, more than the 2 GiB budget (`maxScanBytes`): showing the last"),
        "{notices}"
    );
    assert_eq!(server.hits("/loki/api/v1/index/stats"), 2);

    let refuse = datasource(
        json!({ "lokiUrl": server.uri(), "maxScanBytes": budget, "scanBudgetAction": "refuse" }),
        &[],
    );
    let response = query(&plugin, refuse, vec![logs("A", "{app=\"big\"}")]).await;
    let a = &response.responses["A"];
    assert_eq!(a.status, 400);
    assert_eq!(
        a.error,
        "Loki would scan 10 GiB for this query, more than the 2 GiB budget (`maxScanBytes`); add \
         labels to the stream selector or narrow the time range (query: `{app=\"big\"}`)"
    );

    // A six-hour range with a one-hour cap keeps its last hour.
    let capped = datasource(
        json!({ "lokiUrl": server.uri(), "maxQueryRangeHours": 1 }),
        &[],
    );
    let response = query(&plugin, capped, vec![logs("A", "{app=\"small\"}")]).await;
    let frame = decode_frame(&response.responses["A"].frames[0]);
    assert!(
        frame.meta["notices"]
            .to_string()
            .contains("narrowed to the last 1h (`maxQueryRangeHours`)"),
        "{}",
        frame.meta
    );
}

#[tokio::test]
async fn the_plugin_keeps_answering_after_every_fault() {
    let (server, _) = faulty_loki().await;
    let plugin = Plugin::start().await;
    let bad = datasource(json!({ "lokiUrl": server.uri(), "timeoutSeconds": 1 }), &[]);
    for name in [
        "hang",
        "close",
        "truncated",
        "notjson",
        "r502",
        "endless_garbage",
    ] {
        let r = query(
            &plugin,
            bad.clone(),
            vec![logs("A", &format!("{{app=\"{name}\"}}"))],
        )
        .await;
        assert_ne!(r.responses["A"].status, 200, "{name}");
    }
    let good = query(&plugin, bad, vec![logs("A", "{app=\"fine\"}")]).await;
    assert_eq!(good.responses["A"].status, 200);
    let frame: Value = decode_frame(&good.responses["A"].frames[0]).meta;
    assert_eq!(frame["executedQueryString"], "{app=\"fine\"}");
}

/// Sends whatever bytes it is given as the gRPC message, and reads the answer's bytes back: requests
/// Grafana would never send, to check our own QueryData request decoding.
#[derive(Clone, Copy, Default)]
struct RawCodec;

struct RawEncoder;
struct RawDecoder;

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawEncoder;
    type Decoder = RawDecoder;
    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }
    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

impl tonic::codec::Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(
        &mut self,
        item: Vec<u8>,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        use bytes::BufMut;
        dst.put_slice(&item);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawDecoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<Vec<u8>>, tonic::Status> {
        use bytes::Buf;
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

/// The plugin decodes QueryData requests itself (it answers from the frames' own buffers): a
/// request that is not a `QueryDataRequest` gets a gRPC error, and the plugin goes on answering.
#[tokio::test]
async fn a_garbled_query_data_request_is_an_error_not_a_crash() {
    let plugin = Plugin::start().await;
    let mut raw = tonic::client::Grpc::new(plugin.channel.clone());
    for garbage in [
        vec![0xff; 7],
        b"not protobuf at all".to_vec(),
        vec![0x0a, 0x80],
    ] {
        raw.ready().await.expect("ready");
        let status = raw
            .unary(
                tonic::Request::new(garbage.clone()),
                http::uri::PathAndQuery::from_static("/pluginv2.Data/QueryData"),
                RawCodec,
            )
            .await
            .expect_err("garbage is refused");
        assert_eq!(
            status.code(),
            tonic::Code::Internal,
            "{garbage:?}: {status:?}"
        );
        assert!(status.message().contains("request"), "{status:?}");
    }
    // An empty message is a valid, empty request: no queries, no answers.
    raw.ready().await.expect("ready");
    let empty = raw
        .unary(
            tonic::Request::new(Vec::new()),
            http::uri::PathAndQuery::from_static("/pluginv2.Data/QueryData"),
            RawCodec,
        )
        .await
        .expect("an empty request is answered");
    assert!(empty.into_inner().is_empty());
    let (server, _) = faulty_loki().await;
    let ds = datasource(json!({ "lokiUrl": server.uri() }), &[]);
    let good = query(&plugin, ds, vec![logs("A", "{app=\"fine\"}")]).await;
    assert_eq!(good.responses["A"].status, 200);
}
