//! The Tempo client against the byte-exact responses of a real Tempo 3.0.3 (`../shared/fixtures/tempo`):
//! searches (31-character ids padded), trace by id (base64 ids, v2 with v1 fallback, not-found forms),
//! tags, TraceQL metrics (omitted zero values) and plain-text errors.

mod common;

use common::{Replay, fixture, fixture_range};
use querent::execute::tempo::{self, TempoClient};
use querent::execute::{self, Clients, ExecuteError, QueryResult, TimeRange};
use querent::plan::QueryDuration;
use querent::settings::{RawSettings, Settings};
use querent::{Plan, PlanKind};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn tempo_clients(uri: &str) -> Clients {
    let raw = RawSettings::from_grafana(
        json!({ "tempoUrl": uri }).to_string().as_bytes(),
        &Default::default(),
    )
    .unwrap();
    Clients::new(
        &Settings::from_raw(&raw).unwrap(),
        &execute::http_client().unwrap(),
    )
}

fn tempo(clients: &Clients) -> &TempoClient {
    clients.tempo().unwrap()
}

fn range() -> TimeRange {
    let (start, end) = fixture_range();
    TimeRange::new(start, end).unwrap()
}

fn recorded_json(file: &str) -> Value {
    serde_json::from_slice(&fixture("tempo", file)).unwrap()
}

#[tokio::test]
async fn search_pads_trace_ids_and_keeps_everything_else() {
    let replay = Replay::start_with(&["tempo"]).await;
    let clients = tempo_clients(&replay.uri());
    let cases = [
        (
            r#"{ resource.service.name = "product-service" && duration > 1s }"#,
            20,
            None,
            "search_product_service_slow.json",
        ),
        ("{ status = error }", 20, None, "search_status_error.json"),
        (
            r#"{ resource.service.name = "payment-service" && status = error } | select(span.http.response.status_code, span.http.status_code)"#,
            5,
            Some(3),
            "search_payment_errors_select_status_code.json",
        ),
        (
            r#"{ resource.service.name = "order-service" } >> { resource.service.name = "payment-service" && status = error }"#,
            5,
            None,
            "search_structural_order_to_payment_error.json",
        ),
        (
            "{ span.http.response.status_code >= 500 }",
            10,
            None,
            "search_http_5xx.json",
        ),
    ];
    for (q, limit, spss, file) in cases {
        let got = tempo(&clients)
            .fetch_search(q, Some(&range()), limit, spss)
            .await
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let want = recorded_json(file);
        let want = want["traces"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{file}");
        for (g, w) in got.iter().zip(want) {
            let raw_id = w["traceID"].as_str().unwrap();
            assert_eq!(g.trace_id.len(), 32, "{file}");
            assert!(
                g.trace_id.ends_with(raw_id),
                "{file}: {} vs {raw_id}",
                g.trace_id
            );
            assert_eq!(
                g.root_service_name.as_deref(),
                w["rootServiceName"].as_str()
            );
            assert_eq!(g.root_trace_name.as_deref(), w["rootTraceName"].as_str());
            assert_eq!(
                g.start_time_unix_nano.to_string(),
                w["startTimeUnixNano"].as_str().unwrap()
            );
            assert_eq!(g.duration_ms, w["durationMs"].as_u64());
        }
    }
    let errors = tempo(&clients)
        .fetch_search("{ status = error }", Some(&range()), 20, None)
        .await
        .unwrap();
    assert_eq!(errors[0].trace_id, "05722bc54b5e4a401a5a897790ba1d38");
    let select = tempo(&clients)
        .fetch_search(cases[2].0, Some(&range()), 5, Some(3))
        .await
        .unwrap();
    let span = &select[0].span_sets[0].spans[0];
    assert_eq!(span.span_id, "0dfc73c1e990ff49");
    assert_eq!(span.duration_nanos, 5_008_415_721);
    assert!(
        span.attributes
            .iter()
            .any(|a| a.key == "http.response.status_code" && a.value.to_json() == json!(504))
    );
}

#[tokio::test]
async fn empty_and_invalid_searches() {
    let replay = Replay::start_with(&["tempo"]).await;
    let clients = tempo_clients(&replay.uri());
    let none = tempo(&clients)
        .fetch_search(
            r#"{ resource.service.name = "does-not-exist" }"#,
            Some(&range()),
            20,
            None,
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    let err = tempo(&clients)
        .fetch_search("{ resource.service.name = }", Some(&range()), 20, None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Tempo answered 400 Bad Request: invalid TraceQL query: parse error at line 1, col 27: \
         syntax error: unexpected } (query: `{ resource.service.name = }`)"
    );
}

#[tokio::test]
async fn trace_by_id_v2_decodes_base64_ids() {
    let replay = Replay::start_with(&["tempo"]).await;
    let clients = tempo_clients(&replay.uri());
    let fetched = tempo(&clients)
        .fetch_trace("dbb464a3cec79642a13a9da294e7eb2a")
        .await
        .unwrap();
    assert_eq!(fetched.trace_id, "dbb464a3cec79642a13a9da294e7eb2a");
    assert_eq!(fetched.trace.span_count(), 9);
    let first = &fetched.trace.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(first.trace_id, "27Rko87HlkKhOp2ilOfrKg==");
    assert_eq!(first.kind_name(), "server");
    assert_eq!(first.status.code_number(), 2);
    assert_eq!(first.status.message, "upstream order-service returned 500");
    let services: Vec<String> = fetched
        .trace
        .resource_spans
        .iter()
        .map(|r| {
            r.resource
                .attributes
                .iter()
                .find(|a| a.key == "service.name")
                .unwrap()
                .value
                .to_text()
        })
        .collect();
    assert_eq!(
        services,
        [
            "api-gateway",
            "order-service",
            "product-service",
            "payment-service"
        ]
    );
    // The same trace by base64 id and by an uppercase id.
    for id in [
        "27Rko87HlkKhOp2ilOfrKg==",
        "DBB464A3CEC79642A13A9DA294E7EB2A",
    ] {
        assert_eq!(
            tempo(&clients).fetch_trace(id).await.unwrap().trace_id,
            "dbb464a3cec79642a13a9da294e7eb2a"
        );
    }
    let slow = tempo(&clients)
        .fetch_trace("6d77959500fa0eb45c5f48d40df407b8")
        .await
        .unwrap();
    assert_eq!(slow.trace.span_count(), 4);
}

#[tokio::test]
async fn trace_by_id_falls_back_to_v1_when_v2_is_missing() {
    // Only the v1 answer is recorded for this trace: v2 gets the replay server's 404.
    let replay = Replay::start_with(&["tempo"]).await;
    let clients = tempo_clients(&replay.uri());
    let fetched = tempo(&clients)
        .fetch_trace("3ae8cc938dcdcd03969b666205628059")
        .await
        .unwrap();
    assert_eq!(fetched.trace.span_count(), 10);
    let v1: Value = recorded_json("trace_v1_checkout_ok.json");
    assert_eq!(
        fetched.trace.resource_spans.len(),
        v1["batches"].as_array().unwrap().len()
    );
}

#[tokio::test]
async fn trace_not_found_in_v2_and_v1_forms() {
    let replay = Replay::start_with(&["tempo"]).await;
    let clients = tempo_clients(&replay.uri());
    // v2: 200 {"trace":{},"metrics":{}}
    let err = tempo(&clients)
        .fetch_trace("0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ExecuteError::TraceNotFound {
            id: "0123456789abcdef0123456789abcdef".into()
        }
    );
    // v1 only (an older Tempo): v2 404, then v1's 404 with an empty body.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/traces/0123456789abcdef0123456789abcdef"))
        .respond_with(
            ResponseTemplate::new(404).set_body_bytes(fixture("tempo", "trace_not_found.txt")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let old = tempo_clients(&server.uri());
    let err = tempo(&old)
        .fetch_trace("123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "trace `0123456789abcdef0123456789abcdef` was not found in Tempo"
    );
}

#[tokio::test]
async fn invalid_trace_ids() {
    let replay = Replay::start_with(&["tempo"]).await;
    let clients = tempo_clients(&replay.uri());
    // Refused before anything is sent.
    let err = tempo(&clients)
        .fetch_trace("not-a-trace-id")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ExecuteError::InvalidTraceId { .. }),
        "{err:?}"
    );
    // And Tempo's own answer when it does get one.
    let err = tempo(&clients)
        .peer()
        .send(&tempo::build_trace_v1("not-a-trace-id"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Tempo answered 400 Bad Request: trace IDs can only contain hex characters: invalid \
         character 'n' at position 1"
    );
}

#[tokio::test]
async fn tags_and_tag_values() {
    let replay = Replay::start_with(&["tempo"]).await;
    let clients = tempo_clients(&replay.uri());
    let all = tempo(&clients)
        .fetch_tags(None, Some(&range()))
        .await
        .unwrap();
    let scopes: Vec<&str> = all.scopes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(scopes, ["event", "resource", "intrinsic", "span"]);
    let resource = tempo(&clients)
        .fetch_tags(Some("resource"), Some(&range()))
        .await
        .unwrap();
    assert_eq!(resource.scopes.len(), 1);
    assert!(
        resource.scopes[0]
            .tags
            .contains(&"service.name".to_string())
    );
    let services = tempo(&clients)
        .fetch_tag_values("resource.service.name", Some(&range()), None)
        .await
        .unwrap();
    let mut names: Vec<&str> = services
        .tag_values
        .iter()
        .map(|v| v.value.as_str())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "api-gateway",
            "order-service",
            "payment-service",
            "product-service",
            "user-service"
        ]
    );
    let codes = tempo(&clients)
        .fetch_tag_values("span.http.response.status_code", Some(&range()), None)
        .await
        .unwrap();
    assert!(codes.tag_values.iter().all(|v| v.kind == "int"));
    assert_eq!(codes.tag_values.len(), 5);
}

#[tokio::test]
async fn traceql_metrics_range_and_instant() {
    let replay = Replay::start_with(&["tempo"]).await;
    let clients = tempo_clients(&replay.uri());
    let rate = tempo(&clients)
        .fetch_metrics_range(
            "{ } | rate() by (resource.service.name)",
            &range(),
            Some(QueryDuration::from_mins(15)),
        )
        .await
        .unwrap();
    assert_eq!(rate.series.len(), 5);
    let first = rate.series[0].to_series();
    assert_eq!(first.labels["resource.service.name"], "api-gateway");
    assert_eq!(first.points.len(), 26);
    // Tempo omits zero values: the first sample has none.
    assert_eq!(first.points[0].t_ms, 1_795_573_800_000);
    assert_eq!(first.points[0].value, 0.0);
    assert_eq!(first.points[1].value, 0.011111111111111112);

    let errors = tempo(&clients)
        .fetch_metrics_range(
            "{ status = error } | count_over_time() by (resource.service.name)",
            &range(),
            Some(QueryDuration::from_mins(15)),
        )
        .await
        .unwrap();
    assert_eq!(errors.series.len(), 3);

    let p95 = tempo(&clients)
        .fetch_metrics_range(
            r#"{ resource.service.name = "product-service" && kind = server } | quantile_over_time(duration, .95)"#,
            &range(),
            Some(QueryDuration::from_mins(30)),
        )
        .await
        .unwrap();
    assert_eq!(p95.series[0].to_series().labels["p"], "0.95");

    let instant = tempo(&clients)
        .fetch_metrics_instant("{ } | rate() by (resource.service.name)", &range())
        .await
        .unwrap();
    let series = instant.series[0].to_instant_series(42);
    assert_eq!(series.points[0].t_ms, 42);
    assert_eq!(series.points[0].value, 0.04303315818082986);

    let err = tempo(&clients)
        .fetch_metrics_range(
            "{ } | rate( by (resource.service.name)",
            &range(),
            Some(QueryDuration::from_mins(15)),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "Tempo answered 400 Bad Request: parse error at line 1, col 13: syntax error: unexpected by"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn buildinfo_and_echo() {
    let replay = Replay::start_with(&["tempo"]).await;
    let clients = tempo_clients(&replay.uri());
    let info = tempo(&clients).fetch_buildinfo().await.unwrap();
    assert_eq!(
        (info.version.as_str(), info.revision.as_str()),
        ("v3.0.3", "1900ed7b")
    );
    assert_eq!(tempo(&clients).fetch_echo().await.unwrap(), "echo");
}

#[tokio::test]
async fn server_errors_keep_tempo_words() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503).set_body_raw("too many outstanding requests", "text/plain"),
        )
        .mount(&server)
        .await;
    let clients = tempo_clients(&server.uri());
    let err = tempo(&clients)
        .fetch_search("{ }", None, 20, None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Tempo answered 503 Service Unavailable: too many outstanding requests (query: `{ }`)"
    );
}

#[tokio::test]
async fn trace_and_search_plans_run_through_execute() {
    let replay = Replay::start_with(&["tempo"]).await;
    let clients = tempo_clients(&replay.uri());
    let (start, end) = fixture_range();
    let trace = execute::execute(
        &Plan::raw(
            PlanKind::Trace,
            "dbb464a3cec79642a13a9da294e7eb2a",
            start,
            end,
        ),
        &clients,
    )
    .await
    .unwrap();
    assert!(matches!(trace.result, QueryResult::Trace(_)));
    assert_eq!(trace.row_count(), 9);

    let search = execute::execute(
        &Plan::raw(PlanKind::Traces, "{ status = error }", start, end),
        &clients,
    )
    .await
    .unwrap();
    assert_eq!(search.limit, Some(20), "the default maxTraces");
    assert_eq!(search.row_count(), 20);

    let mut metrics = Plan::raw(
        PlanKind::TraceMetrics,
        "{ } | rate() by (resource.service.name)",
        start,
        end,
    );
    metrics.step = Some(QueryDuration::from_mins(15));
    let executed = execute::execute(&metrics, &clients).await.unwrap();
    let QueryResult::Series { series, instant } = executed.result else {
        panic!("expected series")
    };
    assert!(!instant);
    assert_eq!(series.len(), 5);
}
