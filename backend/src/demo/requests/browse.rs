//! `GET /api/v1/products`: catalog browsing, with the slow-query incident.

use super::*;

/// `GET /api/v1/products?category=…`: gateway → product-service → SELECT products (slow: > 1 s).
pub(super) fn browse(b: &mut Builder<'_>, start: u64, slow: bool) -> u64 {
    let api = b.pick_origin(API_GATEWAY, Env::Prod);
    let product = b.pick_origin(PRODUCT_SERVICE, Env::Prod);
    let edge = Edge::new(b.rng);
    let category = *b.rng.pick(&shop::CATEGORIES);
    let rows = b.rng.int(12, 50);
    let bytes = rows * 420 + b.rng.int(0, 2_000);

    let api_c0 = start + ms(b.range(0.3, 0.8));
    let ps0 = api_c0 + ms(b.range(0.3, 0.8));
    let sel0 = ps0 + ms(b.range(0.8, 1.6));
    let sel_ms = if slow {
        b.range(1229.3, 3380.9)
    } else {
        b.range(3.0, 38.0)
    };
    let sel1 = sel0 + ms(sel_ms);
    let ps1 = sel1
        + ms(if slow {
            b.range(3.0, 12.0)
        } else {
            b.range(1.0, 8.0)
        });
    let api_c1 = ps1 + ms(b.range(0.3, 0.6));
    let end = api_c1 + ms(b.range(0.3, 2.0));

    let query = format!("category={category}");
    let mut root_extra = vec![Attr::str("url.query", query.clone())];
    root_extra.extend(edge.root_extra());
    let root = b.span(
        SpanSpec {
            origin: &api,
            parent: None,
            name: "GET /api/v1/products",
            kind: SpanKind::Server,
            start,
            end,
        },
        server_attrs(
            "GET",
            "/api/v1/products",
            "/api/v1/products",
            200,
            API_GATEWAY,
            root_extra,
        ),
        SpanStatus::Unset,
    );
    let client = b.span(
        SpanSpec {
            origin: &api,
            parent: Some(&root),
            name: "GET /products",
            kind: SpanKind::Client,
            start: api_c0,
            end: api_c1,
        },
        client_attrs("GET", PRODUCT_SERVICE, "/products", 200),
        SpanStatus::Unset,
    );
    let server = b.span(
        SpanSpec {
            origin: &product,
            parent: Some(&client),
            name: "GET /products",
            kind: SpanKind::Server,
            start: ps0,
            end: ps1,
        },
        server_attrs(
            "GET",
            "/products",
            "/products",
            200,
            PRODUCT_SERVICE,
            vec![Attr::str("app.catalog.category", category)],
        ),
        SpanStatus::Unset,
    );
    b.span(
        SpanSpec {
            origin: &product,
            parent: Some(&server),
            name: "SELECT products",
            kind: SpanKind::Client,
            start: sel0,
            end: sel1,
        },
        db_attrs(
            "product",
            "SELECT",
            "products",
            shop::SQL_PRODUCTS_BY_CATEGORY,
            "postgres-product",
        ),
        SpanStatus::Unset,
    );
    if slow {
        let line = JsonLine::new()
            .str("timestamp", &iso_millis(sel1))
            .str("level", "warn")
            .str("logger", "catalog.repository")
            .str("message", "slow query")
            .str("category", category)
            .int("duration_ms", sel_ms.round() as i64)
            .int("threshold_ms", shop::SLOW_QUERY_THRESHOLD_MS as i64)
            .int("rows", rows as i64)
            .str("query", shop::SQL_PRODUCTS_BY_CATEGORY)
            .str("trace_id", &b.trace_id)
            .str("span_id", &server)
            .finish();
        b.log(sel1, &product, Level::Warn, line);
    }
    let listed = JsonLine::new()
        .str("timestamp", &iso_millis(ps1))
        .str("level", "info")
        .str("logger", "catalog.http")
        .str("message", "products listed")
        .str("category", category)
        .int("count", rows as i64)
        .int("duration_ms", ((ps1 - ps0) as f64 / 1e6).round() as i64)
        .str("trace_id", &b.trace_id)
        .str("span_id", &server)
        .finish();
    b.log(ps1, &product, Level::Info, listed);
    let target = format!("/api/v1/products?{query}");
    access_log(
        b,
        &edge,
        Access {
            origin: &api,
            start,
            end,
            method: "GET",
            target: &target,
            status: 200,
            bytes,
            upstream: PRODUCT_SERVICE,
            root_span: &root,
        },
    );
    end
}
