//! The Loki client against the byte-exact responses of a real Loki 3.7.6 (`../shared/fixtures/loki`),
//! served by the replay server, including its plain-text errors; plus auth, timeout, size and
//! transport failures against purpose-built wiremock answers.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{Replay, fixture, fixture_range};
use querent::execute::loki::{self, Direction};
use querent::execute::loki_types::{QueryData, Stream};
use querent::execute::{self, Clients, ExecuteError, QueryResult, TimeRange};
use querent::settings::{RawSettings, Settings};
use querent::{Plan, PlanKind};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn clients(json_data: Value, secure: &[(&str, &str)]) -> Clients {
    let secure = secure
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let raw = RawSettings::from_grafana(json_data.to_string().as_bytes(), &secure).unwrap();
    let settings = Settings::from_raw(&raw).unwrap();
    Clients::new(&settings, &execute::http_client().unwrap())
}

fn loki_at(uri: &str) -> Clients {
    clients(json!({ "lokiUrl": uri }), &[])
}

fn range() -> TimeRange {
    let (start, end) = fixture_range();
    TimeRange::new(start, end).unwrap()
}

fn end() -> DateTime<Utc> {
    fixture_range().1
}

/// The recorded body, parsed independently with serde_json.
fn recorded_json(file: &str) -> Value {
    serde_json::from_slice(&fixture("loki", file)).unwrap()
}

fn streams(data: QueryData) -> Vec<Stream> {
    match data {
        QueryData::Streams(s) => s,
        other => panic!("expected streams, got {other:?}"),
    }
}

#[tokio::test]
async fn log_query_returns_streams_as_recorded() {
    let replay = Replay::start_with(&["loki"]).await;
    let loki = loki_at(&replay.uri());
    let req = loki::build_log_query(
        r#"{service_name="payment-service"} |= "timeout""#,
        &range(),
        20,
        Direction::Backward,
    );
    let got = streams(loki.loki().unwrap().fetch_query(&req).await.unwrap());
    let want = recorded_json("query_range_streams_line_filter_backward.json");
    let want_streams = want["data"]["result"].as_array().unwrap();
    assert_eq!(got.len(), want_streams.len());
    for (g, w) in got.iter().zip(want_streams) {
        assert_eq!(serde_json::to_value(&g.labels).unwrap(), w["stream"]);
        let w_values = w["values"].as_array().unwrap();
        assert_eq!(g.entries.len(), w_values.len());
        for (e, v) in g.entries.iter().zip(w_values) {
            assert_eq!(e.ts_ns.to_string(), v[0].as_str().unwrap());
            assert_eq!(e.line, v[1].as_str().unwrap());
        }
    }
    assert_eq!(got.iter().map(|s| s.entries.len()).sum::<usize>(), 20);
    assert_eq!(got[0].labels["service_name"], "payment-service");
    assert_eq!(got[0].entries[0].ts_ns, 1_795_588_962_427_806_931);
    assert!(got[0].entries[0].line.contains("payment gateway timeout"));
}

#[tokio::test]
async fn forward_log_query_keeps_oldest_first() {
    let replay = Replay::start_with(&["loki"]).await;
    let loki = loki_at(&replay.uri());
    let req = loki::build_log_query(
        r#"{service_name="order-service", level="error"}"#,
        &range(),
        5,
        Direction::Forward,
    );
    let got = streams(loki.loki().unwrap().fetch_query(&req).await.unwrap());
    assert_eq!(got.iter().map(|s| s.entries.len()).sum::<usize>(), 5);
    for stream in &got {
        let ts: Vec<i64> = stream.entries.iter().map(|e| e.ts_ns).collect();
        assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
    }
}

#[tokio::test]
async fn matrix_and_vector_become_series() {
    let replay = Replay::start_with(&["loki"]).await;
    let clients = loki_at(&replay.uri());
    let loki = clients.loki().unwrap();
    let q = "sum by (service_name) (count_over_time({level=\"error\"}[5m]))";
    let req = loki::build_metric_query_range(
        q,
        &range(),
        Some(querent::plan::QueryDuration::from_mins(5)),
    );
    let QueryData::Matrix(series) = loki.fetch_query(&req).await.unwrap() else {
        panic!("expected a matrix")
    };
    let want = recorded_json("query_range_matrix_error_count_by_service.json");
    let want = want["data"]["result"].as_array().unwrap();
    assert_eq!(series.len(), want.len());
    for (s, w) in series.iter().zip(want) {
        assert_eq!(serde_json::to_value(&s.labels).unwrap(), w["metric"]);
        let points = w["values"].as_array().unwrap();
        assert_eq!(s.points.len(), points.len());
        for (p, wp) in s.points.iter().zip(points) {
            assert_eq!(p.t_ms, wp[0].as_i64().unwrap() * 1000);
            assert_eq!(p.value, wp[1].as_str().unwrap().parse::<f64>().unwrap());
        }
    }
    assert_eq!(series[0].labels["service_name"], "api-gateway");
    assert_eq!(series[0].points[0].t_ms, 1_795_587_900_000);
    assert_eq!(series[0].points[0].value, 2.0);

    let p95 = "quantile_over_time(0.95, {service_name=\"product-service\"} | json | unwrap duration_ms [15m]) by (service_name)";
    let req = loki::build_metric_query_range(
        p95,
        &range(),
        Some(querent::plan::QueryDuration::from_mins(15)),
    );
    let QueryData::Matrix(series) = loki.fetch_query(&req).await.unwrap() else {
        panic!("expected a matrix")
    };
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].points[0].value, 47.2);

    let req = loki::build_instant_query(q.replace("[5m]", "[6h]").as_str(), &end(), None);
    let QueryData::Vector(vector) = loki.fetch_query(&req).await.unwrap() else {
        panic!("expected a vector")
    };
    let counts: Vec<(String, f64)> = vector
        .iter()
        .map(|s| (s.labels["service_name"].clone(), s.points[0].value))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("api-gateway".into(), 68.0),
            ("order-service".into(), 68.0),
            ("payment-service".into(), 45.0),
            ("user-service".into(), 4.0),
        ]
    );
    assert!(vector.iter().all(|s| s.points[0].t_ms == FIXTURE_END_MS));
}

const FIXTURE_END_MS: i64 = common::FIXTURE_END_S * 1000;

#[tokio::test]
async fn plain_text_errors_quote_loki_and_the_query() {
    let replay = Replay::start_with(&["loki"]).await;
    let clients = loki_at(&replay.uri());
    let loki = clients.loki().unwrap();
    let cases = [
        (
            loki::build_log_query(
                r#"{service_name="payment-service" |= "timeout""#,
                &range(),
                10,
                Direction::Backward,
            ),
            "query_range_invalid_logql.txt",
        ),
        (
            loki::build_metric_query_range(
                "sum by (service_name) (count_over_tme({level=\"error\"}[5m]))",
                &range(),
                Some(querent::plan::QueryDuration::from_mins(5)),
            ),
            "query_range_unknown_function.txt",
        ),
        (
            loki::build_instant_query(r#"{service_name="payment-service"}"#, &end(), Some(5)),
            "query_instant_log_selector_error.txt",
        ),
    ];
    for (mut req, file) in cases {
        // The invalid-LogQL recording asked without a direction.
        if file == "query_range_invalid_logql.txt" {
            req.params.retain(|(k, _)| *k != "direction");
        }
        let err = loki.fetch_query(&req).await.unwrap_err();
        let body = String::from_utf8(fixture("loki", file)).unwrap();
        let query = req.params[0].1.clone();
        match &err {
            ExecuteError::Status {
                status,
                message,
                query: q,
                ..
            } => {
                assert_eq!(*status, 400);
                assert_eq!(message, body.trim());
                assert_eq!(q.as_deref(), Some(query.as_str()));
            }
            other => panic!("{file}: expected a status error, got {other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.starts_with("Loki answered 400 Bad Request: "),
            "{text}"
        );
        assert!(
            text.contains(body.trim()) && text.contains(&query),
            "{text}"
        );
    }
}

#[tokio::test]
async fn metadata_endpoints_decode() {
    let replay = Replay::start_with(&["loki"]).await;
    let clients = loki_at(&replay.uri());
    let loki = clients.loki().unwrap();
    let r = range();
    assert_eq!(
        loki.fetch_labels(Some(&r), None).await.unwrap(),
        [
            "app",
            "cluster",
            "env",
            "level",
            "namespace",
            "service_name"
        ]
    );
    assert_eq!(
        loki.fetch_label_values("service_name", Some(&r), None)
            .await
            .unwrap(),
        [
            "api-gateway",
            "order-service",
            "payment-service",
            "product-service",
            "user-service"
        ]
    );
    assert_eq!(
        loki.fetch_label_values(
            "level",
            Some(&r),
            Some("{service_name=\"payment-service\"}")
        )
        .await
        .unwrap(),
        ["error", "info", "warn"]
    );
    let series = loki
        .fetch_series(&["{namespace=\"shop\", level=\"error\"}"], &r)
        .await
        .unwrap();
    assert_eq!(series.len(), 4);
    assert!(series.iter().all(|s| s["level"] == "error"));

    let fields = loki
        .fetch_detected_fields("{service_name=\"product-service\"}", &r, Some(1000))
        .await
        .unwrap();
    let want = recorded_json("detected_fields_product_service.json");
    assert_eq!(
        fields.fields.len(),
        want["fields"].as_array().unwrap().len()
    );
    let duration = fields
        .fields
        .iter()
        .find(|f| f.label == "duration_ms")
        .unwrap();
    assert_eq!(duration.parsers.as_deref(), Some(&["json".to_string()][..]));
    let pod = fields.fields.iter().find(|f| f.label == "pod").unwrap();
    assert_eq!(pod.parsers, None, "structured metadata has no parser");
    let order_fields = loki
        .fetch_detected_fields("{service_name=\"order-service\"}", &r, Some(1000))
        .await
        .unwrap();
    assert!(
        order_fields
            .fields
            .iter()
            .any(|f| f.label == "status" && f.parsers == Some(vec!["logfmt".into()]))
    );
    assert_eq!(
        loki.fetch_detected_field_values(
            "status",
            "{service_name=\"order-service\"}",
            &r,
            Some(1000)
        )
        .await
        .unwrap(),
        ["500", "201"]
    );

    let patterns = loki
        .fetch_patterns("{service_name=\"order-service\"}", &r, None)
        .await
        .unwrap();
    assert_eq!(patterns.len(), 3);
    assert_eq!(patterns[0].level.as_deref(), Some("error"));
    assert!(patterns[0].pattern.contains("checkout failed"));
    assert_eq!(patterns[0].samples[0], (1_795_587_816, 2));

    let stats = loki
        .fetch_index_stats("{namespace=\"shop\"}", &r)
        .await
        .unwrap();
    assert_eq!(
        (stats.streams, stats.chunks, stats.bytes, stats.entries),
        (14, 28, 839_680, 3364)
    );

    let info = loki.fetch_buildinfo().await.unwrap();
    assert_eq!(info.version, "v3.7.6");
    assert_eq!(info.revision, "5003600d");
}

#[tokio::test]
async fn categorized_entries_carry_structured_metadata() {
    let body: querent::execute::loki_types::Envelope<QueryData> =
        serde_json::from_slice(&fixture("loki", "query_range_categorize_labels.json")).unwrap();
    let streams = streams(body.data);
    let first = &streams[0].entries[0];
    assert_eq!(
        first.structured_metadata["trace_id"],
        "05722bc54b5e4a401a5a897790ba1d38"
    );
    assert_eq!(first.parsed["upstream"], "order-service");
    assert!(!streams[0].labels.contains_key("trace_id"));
}

#[tokio::test]
async fn format_query_returns_loki_text() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/format_query"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"status":"success","data":"{service_name=\"x\"} |= \"y\""}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let clients = loki_at(&server.uri());
    assert_eq!(
        clients
            .loki()
            .unwrap()
            .fetch_format_query("{service_name=\"x\"}|=\"y\"")
            .await
            .unwrap(),
        r#"{service_name="x"} |= "y""#
    );
}

#[tokio::test]
async fn sends_basic_auth_tenant_and_custom_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/prefix/loki/api/v1/status/buildinfo"))
        // base64("grafana:s3cret")
        .and(header("authorization", "Basic Z3JhZmFuYTpzM2NyZXQ="))
        .and(header("x-scope-orgid", "team-a"))
        .and(header("x-extra", "v1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("loki", "buildinfo.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clients = clients(
        json!({
            "lokiUrl": format!("{}/prefix/", server.uri()), "lokiAuth": "basic",
            "lokiUser": "grafana", "lokiTenant": "team-a", "lokiHeaderName1": "X-Extra"
        }),
        &[("lokiPassword", "s3cret"), ("lokiHeaderValue1", "v1")],
    );
    let info = clients.loki().unwrap().fetch_buildinfo().await.unwrap();
    assert_eq!(info.version, "v3.7.6");
}

#[tokio::test]
async fn sends_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/labels"))
        .and(header("authorization", "Bearer tok-123"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("loki", "labels.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clients = clients(
        json!({ "lokiUrl": server.uri() }),
        &[("lokiToken", "tok-123")],
    );
    let labels = clients
        .loki()
        .unwrap()
        .fetch_labels(None, None)
        .await
        .unwrap();
    assert_eq!(labels.len(), 6);
}

#[tokio::test]
async fn unauthorized_keeps_the_server_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_raw("no org id\n", "text/plain"))
        .mount(&server)
        .await;
    let err = loki_at(&server.uri())
        .loki()
        .unwrap()
        .fetch_buildinfo()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Loki answered 401 Unauthorized: no org id");
}

#[tokio::test]
async fn slow_loki_times_out_with_a_clear_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("loki", "buildinfo.json"), "application/json")
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let clients = clients(
        json!({ "lokiUrl": server.uri(), "timeoutSeconds": 0.3 }),
        &[],
    );
    let err = clients.loki().unwrap().fetch_buildinfo().await.unwrap_err();
    assert!(matches!(err, ExecuteError::Timeout { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Loki did not answer within 0.3s (`timeoutSeconds`)"
    );
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"status":"success","data":{"resultType":"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let clients = loki_at(&server.uri());
    let req = loki::build_log_query("{a=\"b\"}", &range(), 10, Direction::Backward);
    let err = clients.loki().unwrap().fetch_query(&req).await.unwrap_err();
    assert!(matches!(err, ExecuteError::Decode { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("Loki sent a query result that could not be read"),
        "{err}"
    );
}

#[tokio::test]
async fn oversized_answers_are_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("loki", "query_range_streams_line_filter_backward.json"),
            "application/json",
        ))
        .mount(&server)
        .await;
    let clients = clients(
        json!({ "lokiUrl": server.uri(), "maxResponseBytes": 1000 }),
        &[],
    );
    let req = loki::build_log_query("{a=\"b\"}", &range(), 10, Direction::Backward);
    let err = clients.loki().unwrap().fetch_query(&req).await.unwrap_err();
    assert!(
        matches!(err, ExecuteError::TooLarge { limit: 1000, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn loki_down_is_a_connect_error_naming_the_url() {
    let port = common::closed_port();
    let clients = loki_at(&format!("http://127.0.0.1:{port}"));
    let err = clients.loki().unwrap().fetch_buildinfo().await.unwrap_err();
    assert!(matches!(err, ExecuteError::Connect { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "cannot connect to Loki at `http://127.0.0.1:{port}/`"
        )),
        "{err}"
    );
}

#[tokio::test]
async fn raw_plans_run_through_execute() {
    let replay = Replay::start_with(&["loki"]).await;
    let clients = loki_at(&replay.uri());
    let (start, end) = fixture_range();
    let mut plan = Plan::raw(
        PlanKind::Logs,
        r#"{service_name="payment-service"} |= "timeout""#,
        start,
        end,
    );
    plan.limit = Some(20);
    let executed = execute::execute(&plan, &clients).await.unwrap();
    assert_eq!(
        executed.query,
        r#"{service_name="payment-service"} |= "timeout""#
    );
    assert_eq!(executed.limit, Some(20));
    assert!(matches!(executed.result, QueryResult::Streams(_)));
    assert_eq!(executed.row_count(), 20);

    let mut metric = Plan::raw(
        PlanKind::Metrics,
        "sum by (service_name) (count_over_time({level=\"error\"}[6h]))",
        start,
        end,
    );
    metric.instant = true;
    let executed = execute::execute(&metric, &clients).await.unwrap();
    assert!(matches!(
        executed.result,
        QueryResult::Series { instant: true, .. }
    ));

    let no_tempo = execute::execute(
        &Plan::raw(PlanKind::Traces, "{ status = error }", start, end),
        &clients,
    )
    .await
    .unwrap_err();
    assert_eq!(
        no_tempo.to_string(),
        "Tempo is not configured: set `tempoUrl` in the datasource settings (or pass --tempo)"
    );
}
