//! Logins (`POST /api/v1/login`) and rejected tokens (`GET /api/v1/users/me` → 401).

use super::*;

/// `POST /api/v1/login` (or, rejected, `GET /api/v1/users/me` answering 401): gateway → user-service →
/// SELECT users / sessions. A 401 is an error on the gateway's client span only (OTel semantics).
pub(super) fn login(b: &mut Builder<'_>, start: u64, env: Env, rejected: bool) -> u64 {
    let api = b.pick_origin(API_GATEWAY, env);
    let user = b.pick_origin(USER_SERVICE, env);
    let edge = Edge::new(b.rng);
    let user_id = format!("u-{}", b.rng.int(10_000, 99_999));
    let method = *b.rng.pick(&shop::LOGIN_METHODS);
    let reason = *b.rng.pick(&shop::TOKEN_REJECT_REASONS);

    let api_c0 = start + ms(b.range(0.3, 1.0));
    let us0 = api_c0 + ms(b.range(0.3, 0.9));
    let sel0 = us0 + ms(b.range(0.5, 2.0));
    let sel1 = sel0 + ms(b.range(1.5, 6.0));
    let us1 = sel1
        + ms(if rejected {
            b.range(30.0, 85.0)
        } else {
            b.range(18.0, 90.0)
        });
    let api_c1 = us1 + ms(b.range(0.3, 0.8));
    let end = api_c1 + ms(b.range(0.5, 2.5));

    let (name, path, route_client, status) = if rejected {
        (
            "GET /api/v1/users/me",
            "/api/v1/users/me",
            "/users/me",
            401u16,
        )
    } else {
        ("POST /api/v1/login", "/api/v1/login", "/login", 200u16)
    };
    let method_http = if rejected { "GET" } else { "POST" };
    let root = b.span(
        SpanSpec {
            origin: &api,
            parent: None,
            name,
            kind: SpanKind::Server,
            start,
            end,
        },
        server_attrs(
            method_http,
            path,
            path,
            status,
            API_GATEWAY,
            edge.root_extra(),
        ),
        SpanStatus::Unset,
    );
    let client_name = format!("{method_http} {route_client}");
    let client = b.span(
        SpanSpec {
            origin: &api,
            parent: Some(&root),
            name: &client_name,
            kind: SpanKind::Client,
            start: api_c0,
            end: api_c1,
        },
        client_attrs(method_http, USER_SERVICE, route_client, status),
        if rejected {
            error("401 Unauthorized")
        } else {
            SpanStatus::Unset
        },
    );
    let server = b.span(
        SpanSpec {
            origin: &user,
            parent: Some(&client),
            name: &client_name,
            kind: SpanKind::Server,
            start: us0,
            end: us1,
        },
        server_attrs(
            method_http,
            route_client,
            route_client,
            status,
            USER_SERVICE,
            Vec::new(),
        ),
        SpanStatus::Unset,
    );
    let (db_name, table, statement) = if rejected {
        ("SELECT sessions", "sessions", shop::SQL_SESSION_BY_TOKEN)
    } else {
        ("SELECT users", "users", shop::SQL_USER_BY_EMAIL)
    };
    b.span(
        SpanSpec {
            origin: &user,
            parent: Some(&server),
            name: db_name,
            kind: SpanKind::Client,
            start: sel0,
            end: sel1,
        },
        db_attrs("user", "SELECT", table, statement, "postgres-user"),
        SpanStatus::Unset,
    );
    let line = if rejected {
        JsonLine::new()
            .str("time", &iso_millis(us1))
            .str("level", "warn")
            .str("msg", "invalid token")
            .str("user_id", &user_id)
            .str("reason", reason)
            .int("status", 401)
    } else {
        JsonLine::new()
            .str("time", &iso_millis(us1))
            .str("level", "info")
            .str("msg", "user login succeeded")
            .str("user_id", &user_id)
            .str("method", method)
            .int("duration_ms", ((us1 - us0) as f64 / 1e6).round() as i64)
    }
    .str("trace_id", &b.trace_id)
    .str("span_id", &server)
    .finish();
    b.log(
        us1,
        &user,
        if rejected { Level::Warn } else { Level::Info },
        line,
    );
    access_log(
        b,
        &edge,
        Access {
            origin: &api,
            start,
            end,
            method: method_http,
            target: path,
            status,
            bytes: if rejected { 64 } else { 318 },
            upstream: USER_SERVICE,
            root_span: &root,
        },
    );
    end
}
