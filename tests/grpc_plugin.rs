//! The plugin binary driven exactly as Grafana drives it: launched as a go-plugin (handshake line on
//! stdout), called over gRPC with the SDK's public `pluginv2` clients, answers decoded with arrow-rs.
//! Loki and Tempo are the replay server (recorded responses of real servers) or purpose-built faults.

mod common;

use std::time::Duration;

use arrow_schema::{DataType, TimeUnit};
use common::{
    FIXTURE_END_S, FIXTURE_START_S, Plugin, Replay, closed_port, data_query, datasource,
    decode_frame, fixture, plugin_context,
};
use grafana_plugin_sdk::pluginv2;
use pluginv2::check_health_response::HealthStatus;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TS: DataType = DataType::Timestamp(TimeUnit::Nanosecond, None);

fn both_at(uri: &str) -> pluginv2::DataSourceInstanceSettings {
    datasource(json!({ "lokiUrl": uri, "tempoUrl": uri }), &[])
}

async fn query(
    plugin: &Plugin,
    ds: pluginv2::DataSourceInstanceSettings,
    queries: Vec<pluginv2::DataQuery>,
) -> pluginv2::QueryDataResponse {
    plugin
        .data()
        .query_data(pluginv2::QueryDataRequest {
            plugin_context: Some(plugin_context(ds)),
            headers: Default::default(),
            queries,
        })
        .await
        .expect("QueryData answers")
        .into_inner()
}

fn q(ref_id: &str, model: Value) -> pluginv2::DataQuery {
    data_query(ref_id, model, FIXTURE_START_S, FIXTURE_END_S)
}

fn frames_of(response: &pluginv2::QueryDataResponse, ref_id: &str) -> Vec<common::DecodedFrame> {
    let r = &response.responses[ref_id];
    assert!(r.error.is_empty(), "{ref_id}: {}", r.error);
    assert_eq!(r.status, 200, "{ref_id}");
    r.frames.iter().map(|f| decode_frame(f)).collect()
}

fn recorded(folder: &str, file: &str) -> Value {
    serde_json::from_slice(&fixture(folder, file)).unwrap()
}

async fn resource(
    plugin: &Plugin,
    ds: pluginv2::DataSourceInstanceSettings,
    method: &str,
    url: &str,
) -> (i32, Value) {
    let path = url.split('?').next().unwrap().to_string();
    let mut stream = plugin
        .resource()
        .call_resource(pluginv2::CallResourceRequest {
            plugin_context: Some(plugin_context(ds)),
            path,
            method: method.into(),
            url: url.into(),
            headers: Default::default(),
            body: Default::default(),
        })
        .await
        .expect("CallResource answers")
        .into_inner();
    let answer = stream.message().await.unwrap().expect("one response");
    assert_eq!(
        answer.headers["Content-Type"].values,
        vec!["application/json".to_string()]
    );
    (answer.code, serde_json::from_slice(&answer.body).unwrap())
}

async fn health(
    plugin: &Plugin,
    ds: pluginv2::DataSourceInstanceSettings,
) -> pluginv2::CheckHealthResponse {
    plugin
        .diagnostics()
        .check_health(pluginv2::CheckHealthRequest {
            plugin_context: Some(plugin_context(ds)),
            headers: Default::default(),
        })
        .await
        .expect("CheckHealth answers")
        .into_inner()
}

#[tokio::test]
async fn starts_like_a_go_plugin_and_reports_serving() {
    let plugin = Plugin::start().await;
    assert!(plugin.handshake.starts_with("1|2|tcp|127.0.0.1:"));
    let mut health = plugin.health();
    for service in [
        "plugin",
        "pluginv2.Data",
        "pluginv2.Resource",
        "pluginv2.Diagnostics",
    ] {
        let status = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(
            status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32,
            "{service}"
        );
    }
}

#[tokio::test]
async fn check_health_reports_versions() {
    let replay = Replay::start().await;
    let plugin = Plugin::start().await;
    let answer = health(&plugin, both_at(&replay.uri())).await;
    assert_eq!(answer.status, HealthStatus::Ok as i32, "{}", answer.message);
    assert!(
        answer.message.contains("Loki v3.7.6 is reachable"),
        "{}",
        answer.message
    );
    assert!(
        answer.message.contains("Tempo v3.0.3 is reachable"),
        "{}",
        answer.message
    );
    let details: Value = serde_json::from_slice(&answer.json_details).unwrap();
    assert_eq!(details["loki"]["version"], "v3.7.6");
    assert_eq!(details["tempo"]["ok"], true);
}

#[tokio::test]
async fn check_health_says_what_is_wrong() {
    let plugin = Plugin::start().await;
    let auth = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_raw("no org id\n", "text/plain"))
        .mount(&auth)
        .await;
    let port = closed_port();
    let answer = health(
        &plugin,
        datasource(
            json!({ "lokiUrl": format!("http://127.0.0.1:{port}"), "tempoUrl": auth.uri() }),
            &[("tempoToken", "t0ken-value")],
        ),
    )
    .await;
    assert_eq!(answer.status, HealthStatus::Error as i32);
    let m = &answer.message;
    assert!(
        m.contains(&format!(
            "cannot connect to Loki at `http://127.0.0.1:{port}/`"
        )),
        "{m}"
    );
    assert!(m.contains("Check `lokiUrl`"), "{m}");
    assert!(
        m.contains("Tempo answered 401 Unauthorized: no org id"),
        "{m}"
    );
    assert!(m.contains("`tempoToken`"), "{m}");
    assert!(!m.contains("t0ken-value"), "secrets never appear: {m}");

    let bad = health(&plugin, datasource(json!({ "lokiUrl": "loki:3100" }), &[])).await;
    assert_eq!(bad.status, HealthStatus::Error as i32);
    assert!(
        bad.message.contains("`lokiUrl` is not a valid URL"),
        "{}",
        bad.message
    );

    let empty = health(&plugin, datasource(json!({}), &[])).await;
    assert_eq!(empty.status, HealthStatus::Error as i32);
    assert!(empty.message.contains("`lokiUrl`"), "{}", empty.message);
}

#[tokio::test]
async fn logs_come_back_as_labelled_log_frames() {
    let replay = Replay::start().await;
    let plugin = Plugin::start().await;
    let expr = r#"{service_name="payment-service"} |= "timeout""#;
    let response = query(
        &plugin,
        both_at(&replay.uri()),
        vec![q(
            "A",
            json!({ "queryType": "logs", "expr": expr, "limit": 20 }),
        )],
    )
    .await;
    let frames = frames_of(&response, "A");
    let want = recorded("loki", "query_range_streams_line_filter_backward.json");
    let want = want["data"]["result"].as_array().unwrap();
    assert_eq!(frames.len(), want.len(), "one frame per stream");
    let mut ids = std::collections::HashSet::new();
    for (frame, stream) in frames.iter().zip(want) {
        assert_eq!(frame.ref_id, "A");
        assert_eq!(
            frame.field_names(),
            ["timestamp", "body", "level", "id", "tsNs", "traceID"]
        );
        assert_eq!(frame.meta["preferredVisualisationType"], "logs");
        assert_eq!(frame.meta["executedQueryString"], expr);
        let body = frame.field("body");
        assert_eq!(body.data_type, DataType::Utf8);
        assert!(!body.nullable);
        assert_eq!(
            serde_json::to_value(&body.labels).unwrap(),
            stream["stream"]
        );
        assert!(
            body.config.is_none(),
            "no config on the labelled body field"
        );
        assert_eq!(body.metadata["name"], "body");
        assert_eq!(frame.field("timestamp").data_type, TS);
        let values = stream["values"].as_array().unwrap();
        assert_eq!(frame.rows(), values.len());
        for (row, v) in values.iter().enumerate() {
            let ns = v[0].as_str().unwrap();
            assert_eq!(frame.field("timestamp").values[row].to_string(), ns);
            assert_eq!(frame.field("tsNs").values[row], ns);
            assert_eq!(frame.field("body").values[row], v[1]);
            assert_eq!(frame.field("level").values[row], "error");
            assert!(ids.insert(frame.field("id").values[row].as_str().unwrap().to_string()));
            let line = v[1].as_str().unwrap();
            let trace = frame.field("traceID").values[row].as_str().unwrap();
            assert!(
                line.contains(&format!("trace_id={trace}")),
                "{trace} in {line}"
            );
        }
        let link = &frame.field("traceID").config.as_ref().unwrap()["links"][0];
        assert_eq!(link["internal"]["datasourceUid"], "querent-test");
        assert_eq!(link["internal"]["datasourceName"], "Querent");
        assert_eq!(
            link["internal"]["query"],
            json!({ "queryType": "trace", "expr": "${__value.raw}" })
        );
    }
    // 20 lines and a limit of 20: the frames say so.
    assert_eq!(frames[0].meta["notices"][0]["severity"], "warning");
}

#[tokio::test]
async fn metric_queries_come_back_as_labelled_series() {
    let replay = Replay::start().await;
    let plugin = Plugin::start().await;
    let range_q = "sum by (service_name) (count_over_time({level=\"error\"}[5m]))";
    let instant_q = "sum by (service_name) (count_over_time({level=\"error\"}[6h]))";
    let response = query(
        &plugin,
        both_at(&replay.uri()),
        vec![
            q("R", json!({ "queryType": "metrics", "expr": range_q, "step": "5m" })),
            q("I", json!({ "queryType": "metrics", "expr": instant_q, "instant": true })),
            q(
                "T",
                json!({ "queryType": "trace_metrics", "expr": "{ } | rate() by (resource.service.name)", "step": "15m" }),
            ),
        ],
    )
    .await;
    let range = frames_of(&response, "R");
    let want = recorded("loki", "query_range_matrix_error_count_by_service.json");
    let want = want["data"]["result"].as_array().unwrap();
    assert_eq!(range.len(), want.len());
    for (frame, series) in range.iter().zip(want) {
        assert_eq!(frame.field_names(), ["Time", "Value"]);
        assert_eq!(frame.field("Time").data_type, TS);
        let value = frame.field("Value");
        assert_eq!(value.data_type, DataType::Float64);
        assert_eq!(
            serde_json::to_value(&value.labels).unwrap(),
            series["metric"]
        );
        assert_eq!(frame.meta["type"], "timeseries-multi");
        assert_eq!(frame.meta["typeVersion"], json!([0, 1]));
        assert_eq!(frame.meta["executedQueryString"], range_q);
        let points = series["values"].as_array().unwrap();
        assert_eq!(frame.rows(), points.len());
        for (row, p) in points.iter().enumerate() {
            assert_eq!(
                frame.field("Time").values[row],
                json!(p[0].as_i64().unwrap() * 1_000_000_000)
            );
            assert_eq!(
                value.values[row].as_f64().unwrap(),
                p[1].as_str().unwrap().parse::<f64>().unwrap()
            );
        }
    }

    let instant = frames_of(&response, "I");
    assert_eq!(instant.len(), 4);
    assert_eq!(instant[0].rows(), 1);
    assert_eq!(
        instant[0].field("Value").labels["service_name"],
        "api-gateway"
    );
    assert_eq!(instant[0].field("Value").values[0], json!(68.0));
    assert_eq!(
        instant[0].field("Time").values[0],
        json!(FIXTURE_END_S * 1_000_000_000)
    );

    let tempo = frames_of(&response, "T");
    assert_eq!(tempo.len(), 5);
    assert_eq!(
        tempo[0].field("Value").labels["resource.service.name"],
        "api-gateway"
    );
    assert_eq!(tempo[0].rows(), 26);
    assert_eq!(
        tempo[0].field("Value").values[0],
        json!(0.0),
        "omitted zero"
    );
}

#[tokio::test]
async fn trace_search_is_a_table_linking_to_traces() {
    let replay = Replay::start().await;
    let plugin = Plugin::start().await;
    let response = query(
        &plugin,
        both_at(&replay.uri()),
        vec![q(
            "S",
            json!({ "queryType": "traces", "expr": "{ status = error }" }),
        )],
    )
    .await;
    let frames = frames_of(&response, "S");
    assert_eq!(frames.len(), 1);
    let table = &frames[0];
    assert_eq!(table.name, "traces");
    assert_eq!(
        table.field_names(),
        [
            "traceID",
            "traceService",
            "traceName",
            "startTime",
            "traceDuration"
        ]
    );
    assert_eq!(table.meta["preferredVisualisationType"], "table");
    assert_eq!(table.meta["executedQueryString"], "{ status = error }");
    assert_eq!(table.field("startTime").data_type, TS);
    assert_eq!(table.field("traceDuration").data_type, DataType::Float64);
    assert_eq!(
        table.field("traceDuration").config.as_ref().unwrap()["unit"],
        "ms"
    );
    let want = recorded("tempo", "search_status_error.json");
    let want = want["traces"].as_array().unwrap();
    assert_eq!(table.rows(), want.len());
    for (row, t) in want.iter().enumerate() {
        let id = table.field("traceID").values[row].as_str().unwrap();
        assert_eq!(id.len(), 32);
        assert!(id.ends_with(t["traceID"].as_str().unwrap()));
        assert_eq!(
            table.field("traceService").values[row],
            t["rootServiceName"]
        );
        assert_eq!(table.field("traceName").values[row], t["rootTraceName"]);
        assert_eq!(
            table.field("startTime").values[row].to_string(),
            t["startTimeUnixNano"].as_str().unwrap()
        );
        assert_eq!(
            table.field("traceDuration").values[row],
            json!(t["durationMs"].as_f64().unwrap())
        );
    }
    assert_eq!(
        table.field("traceID").values[0],
        "05722bc54b5e4a401a5a897790ba1d38"
    );
    let link = &table.field("traceID").config.as_ref().unwrap()["links"][0]["internal"];
    assert_eq!(link["query"]["queryType"], "trace");
    assert_eq!(link["datasourceUid"], "querent-test");
}

#[tokio::test]
async fn trace_by_id_is_a_grafana_trace_frame() {
    let replay = Replay::start().await;
    let plugin = Plugin::start().await;
    let response = query(
        &plugin,
        both_at(&replay.uri()),
        vec![q(
            "T",
            json!({ "queryType": "trace", "expr": "dbb464a3cec79642a13a9da294e7eb2a" }),
        )],
    )
    .await;
    let frames = frames_of(&response, "T");
    assert_eq!(frames.len(), 1);
    let trace = &frames[0];
    assert_eq!(trace.name, "Trace");
    assert_eq!(trace.meta["preferredVisualisationType"], "trace");
    let types: Vec<(&str, DataType)> = trace
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.data_type.clone()))
        .collect();
    assert_eq!(
        types,
        vec![
            ("traceID", DataType::Utf8),
            ("spanID", DataType::Utf8),
            ("parentSpanID", DataType::Utf8),
            ("operationName", DataType::Utf8),
            ("serviceName", DataType::Utf8),
            ("kind", DataType::Utf8),
            ("statusCode", DataType::Int64),
            ("statusMessage", DataType::Utf8),
            ("instrumentationLibraryName", DataType::Utf8),
            ("instrumentationLibraryVersion", DataType::Utf8),
            ("traceState", DataType::Utf8),
            ("serviceTags", DataType::Binary),
            ("startTime", DataType::Float64),
            ("duration", DataType::Float64),
            ("logs", DataType::Binary),
            ("references", DataType::Binary),
            ("tags", DataType::Binary),
        ]
    );
    assert_eq!(trace.rows(), 9);
    // Row 0 is the api-gateway root span of the recorded trace.
    let at = |name: &str| trace.field(name).values[0].clone();
    assert_eq!(at("traceID"), "dbb464a3cec79642a13a9da294e7eb2a");
    assert_eq!(at("spanID").as_str().unwrap().len(), 16);
    assert_eq!(at("parentSpanID"), "");
    assert_eq!(at("operationName"), "POST /api/v1/orders");
    assert_eq!(at("serviceName"), "api-gateway");
    assert_eq!(at("kind"), "server");
    assert_eq!(at("statusCode"), 2);
    assert_eq!(at("statusMessage"), "upstream order-service returned 500");
    assert_eq!(at("instrumentationLibraryName"), "demo-shop/otelhttp");
    assert_eq!(at("startTime"), json!(1_795_587_881_371.0));
    assert!((at("duration").as_f64().unwrap() - 5047.923236).abs() < 1e-6);
    assert!(
        at("serviceTags")
            .as_array()
            .unwrap()
            .contains(&json!({"key": "service.name", "value": "api-gateway"}))
    );
    assert!(
        at("tags")
            .as_array()
            .unwrap()
            .contains(&json!({"key": "http.response.status_code", "value": 500}))
    );
    // Parent links resolve within the frame.
    let span_ids: Vec<&Value> = trace.field("spanID").values.iter().collect();
    for parent in &trace.field("parentSpanID").values {
        assert!(parent == "" || span_ids.contains(&parent), "{parent}");
    }
    // The payment span's exception event shows up as a log with its attributes.
    let logs: Vec<&Value> = trace
        .field("logs")
        .values
        .iter()
        .filter(|l| !l.as_array().unwrap().is_empty())
        .collect();
    assert!(!logs.is_empty());
    let event = &logs[0][0];
    assert_eq!(event["name"], "exception");
    assert!(
        event["fields"]
            .as_array()
            .unwrap()
            .contains(&json!({"key": "exception.message", "value": "context deadline exceeded"}))
    );
}

#[tokio::test]
async fn each_fault_stays_on_its_own_query_and_the_plugin_keeps_serving() {
    let replay = Replay::start().await;
    let mut plugin = Plugin::start().await;
    let down = format!("http://127.0.0.1:{}", closed_port());

    // Loki down, Tempo up: Tempo's 400 and Loki's absence stay on their queries.
    let response = query(
        &plugin,
        datasource(json!({ "lokiUrl": down, "tempoUrl": replay.uri() }), &[]),
        vec![
            q(
                "bad_traceql",
                json!({ "queryType": "traces", "expr": "{ resource.service.name = }" }),
            ),
            q(
                "good_traces",
                json!({ "queryType": "traces", "expr": "{ status = error }" }),
            ),
            q(
                "loki_down",
                json!({ "queryType": "logs", "expr": "{service_name=\"x\"}" }),
            ),
            q("no_type", json!({ "queryType": "sql", "expr": "select 1" })),
            q("question", json!({ "question": "errors in order-service" })),
        ],
    )
    .await;
    assert_eq!(response.responses.len(), 5);
    let bad = &response.responses["bad_traceql"];
    assert_eq!(bad.status, 400);
    assert!(bad.frames.is_empty());
    assert_eq!(
        bad.error,
        "Tempo answered 400 Bad Request: invalid TraceQL query: parse error at line 1, col 27: \
         syntax error: unexpected } (query: `{ resource.service.name = }`)"
    );
    assert_eq!(frames_of(&response, "good_traces")[0].rows(), 20);
    let loki = &response.responses["loki_down"];
    assert_eq!(loki.status, 502);
    assert!(
        loki.error
            .starts_with(&format!("cannot connect to Loki at `{down}/`")),
        "{}",
        loki.error
    );
    assert_eq!(response.responses["no_type"].status, 400);
    assert!(response.responses["no_type"].error.contains("`queryType`"));
    // With Loki down no service is known, so the name is taken as written; running it says Loki is down.
    let question = &response.responses["question"];
    assert_eq!(question.status, 502, "{}", question.error);
    assert!(
        question.error.starts_with("cannot connect to Loki"),
        "{}",
        question.error
    );

    // A Loki that answers garbage for one query, too slowly for another, and well for a third.
    let faulty = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/query_range"))
        .and(query_param("query", "{app=\"malformed\"}"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"status":"success","data":{"resultType":"streams","result":[{"stream":"#,
            "application/json",
        ))
        .mount(&faulty)
        .await;
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/query_range"))
        .and(query_param("query", "{app=\"slow\"}"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(
                    fixture("loki", "query_range_streams_forward_limit5.json"),
                    "application/json",
                )
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&faulty)
        .await;
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/query_range"))
        .and(query_param("query", "{app=\"fine\"}"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("loki", "query_range_streams_forward_limit5.json"),
            "application/json",
        ))
        .mount(&faulty)
        .await;
    let response = query(
        &plugin,
        datasource(json!({ "lokiUrl": faulty.uri(), "timeoutSeconds": 1 }), &[]),
        vec![
            q(
                "malformed",
                json!({ "queryType": "logs", "expr": "{app=\"malformed\"}" }),
            ),
            q(
                "slow",
                json!({ "queryType": "logs", "expr": "{app=\"slow\"}" }),
            ),
            q(
                "fine",
                json!({ "queryType": "logs", "expr": "{app=\"fine\"}" }),
            ),
        ],
    )
    .await;
    let malformed = &response.responses["malformed"];
    assert_eq!(malformed.status, 502);
    assert!(
        malformed
            .error
            .starts_with("Loki sent a query result that could not be read"),
        "{}",
        malformed.error
    );
    let slow = &response.responses["slow"];
    assert_eq!(slow.status, 504);
    assert_eq!(
        slow.error,
        "Loki did not answer within 1s (`timeoutSeconds`)"
    );
    assert_eq!(
        frames_of(&response, "fine")
            .iter()
            .map(|f| f.rows())
            .sum::<usize>(),
        5
    );

    // Settings that cannot work fail every query with the same clear message.
    let response = query(
        &plugin,
        datasource(
            json!({ "lokiUrl": "http://loki", "lokiAuth": "bearer" }),
            &[],
        ),
        vec![q("A", json!({ "queryType": "logs", "expr": "{a=\"b\"}" }))],
    )
    .await;
    assert_eq!(response.responses["A"].status, 400);
    assert_eq!(
        response.responses["A"].error,
        "invalid datasource settings: `lokiAuth` is `bearer` but `lokiToken` is not set"
    );

    // Still serving after all of that.
    assert!(plugin.is_running());
    let answer = health(&plugin, both_at(&replay.uri())).await;
    assert_eq!(answer.status, HealthStatus::Ok as i32);
}

#[tokio::test]
async fn resources_serve_the_editor() {
    let replay = Replay::start().await;
    let plugin = Plugin::start().await;
    let ds = || both_at(&replay.uri());
    let range = format!(
        "start={}&end={}",
        FIXTURE_START_S * 1000,
        FIXTURE_END_S * 1000
    );

    let (code, body) = resource(&plugin, ds(), "GET", &format!("labels?{range}")).await;
    assert_eq!(code, 200);
    assert_eq!(
        body,
        json!({ "labels": ["app", "cluster", "env", "level", "namespace", "service_name"] })
    );

    let (code, body) = resource(
        &plugin,
        ds(),
        "GET",
        &format!("label/service_name/values?{range}"),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(body["values"].as_array().unwrap().len(), 5);

    let selector = "%7Bservice_name%3D%22payment-service%22%7D";
    let (code, body) = resource(
        &plugin,
        ds(),
        "GET",
        &format!("label/level/values?query={selector}&{range}"),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(body, json!({ "values": ["error", "info", "warn"] }));

    let (code, body) = resource(&plugin, ds(), "GET", &format!("services?{range}")).await;
    assert_eq!(code, 200);
    let services = body["services"].as_array().unwrap();
    assert_eq!(services.len(), 5);
    assert_eq!(
        services[0],
        json!({ "name": "api-gateway", "sources": ["loki", "tempo"] })
    );
    assert!(body.get("warnings").is_none());

    // Tempo down: Loki's services still come, with a warning.
    let half = datasource(
        json!({ "lokiUrl": replay.uri(), "tempoUrl": format!("http://127.0.0.1:{}", closed_port()) }),
        &[],
    );
    let (code, body) = resource(&plugin, half, "GET", &format!("services?{range}")).await;
    assert_eq!(code, 200);
    assert_eq!(
        body["services"][0],
        json!({ "name": "api-gateway", "sources": ["loki"] })
    );
    assert!(
        body["warnings"][0]
            .as_str()
            .unwrap()
            .contains("cannot connect to Tempo")
    );

    let (code, body) = resource(&plugin, ds(), "GET", "nope").await;
    assert_eq!(
        (code, body),
        (404, json!({ "error": "unknown resource `nope`" }))
    );
    let (code, _) = resource(&plugin, ds(), "POST", "labels").await;
    assert_eq!(code, 405);
    let (code, body) = resource(&plugin, ds(), "GET", "label/a b/values").await;
    assert_eq!(code, 400);
    assert_eq!(body["error"], "`a b` is not a valid label name");
    let (code, body) = resource(&plugin, ds(), "GET", "labels?start=soon&end=1").await;
    assert_eq!(code, 400, "{body}");
}

#[tokio::test]
async fn stops_cleanly_on_sigterm() {
    let mut plugin = Plugin::start().await;
    let status = plugin.terminate();
    assert!(status.success(), "{status:?}");
}
