//! `POST /api/v1/orders`: the checkout, with the payment-timeout and DB-pool incidents.

use super::*;

/// `POST /api/v1/orders`: gateway → order-service → product-service (+ SELECT), payment-service
/// (→ acmepay), INSERT orders.
pub(super) fn checkout(b: &mut Builder<'_>, start: u64, outcome: Outcome) -> u64 {
    let api = b.pick_origin(API_GATEWAY, Env::Prod);
    let order = b.pick_origin(ORDER_SERVICE, Env::Prod);
    let product = b.pick_origin(PRODUCT_SERVICE, Env::Prod);
    let payment = b.pick_origin(PAYMENT_SERVICE, Env::Prod);
    let edge = Edge::new(b.rng);
    let order_id = format!("ord-{}", b.rng.int(100_000, 999_999));
    let user_id = format!("u-{}", b.rng.int(10_000, 99_999));
    let amount = b.rng.int(1_200, 48_000) as f64 / 100.0;
    let items = b.rng.int(1, 4);
    let slug = *b.rng.pick(&shop::PRODUCTS);
    let cache_hit = b.rng.chance(0.8);

    // Timeline, inside out.
    let api_c0 = start + ms(b.range(0.4, 2.0));
    let ord0 = api_c0 + ms(b.range(0.3, 1.2));
    let pf_c0 = ord0 + ms(b.range(1.0, 4.0));
    let pf_dur = b.range(10.0, 40.0);
    let pf_c1 = pf_c0 + ms(pf_dur);
    let pf_s0 = pf_c0 + ms(b.range(0.3, 0.7));
    let pf_s1 = pf_c1 - ms(b.range(0.2, 0.5));
    let sel0 = pf_s0 + ms(b.range(0.4, 1.0));
    let sel1 = sel0 + ms(b.range(2.0, pf_dur * 0.5));
    let mut cursor = pf_c1 + ms(b.range(0.5, 2.5));
    let payment_times = (outcome != Outcome::DbPoolExhausted).then(|| {
        let pc0 = cursor;
        let charge = match outcome {
            Outcome::PaymentTimeout => b.range(5001.7, 5011.9),
            _ => b.range(70.0, 360.0),
        };
        let ps0 = pc0 + ms(b.range(0.3, 0.9));
        let ch0 = ps0 + ms(b.range(0.5, 1.7));
        let ch1 = ch0 + ms(charge);
        let ps1 = ch1 + ms(b.range(0.5, 3.0));
        let pc1 = ps1 + ms(b.range(0.3, 1.0));
        cursor = pc1 + ms(b.range(1.0, 3.0));
        [pc0, ps0, ch0, ch1, ps1, pc1]
    });
    let insert_times = (outcome != Outcome::PaymentTimeout).then(|| {
        let dur = match outcome {
            Outcome::DbPoolExhausted => b.range(3003.9, 3099.2),
            _ => b.range(4.0, 15.0),
        };
        let in0 = cursor;
        let in1 = in0 + ms(dur);
        cursor = in1 + ms(b.range(0.5, 2.0));
        [in0, in1]
    });
    let ord1 = cursor + ms(b.range(0.3, 1.5));
    let api_c1 = ord1 + ms(b.range(0.2, 0.6));
    let end = api_c1 + ms(b.range(0.5, 2.0));

    let (status, api_status, order_status) = match outcome {
        Outcome::Ok => (201, SpanStatus::Unset, SpanStatus::Unset),
        Outcome::PaymentTimeout => (
            500,
            error("500 Internal Server Error"),
            error("payment failed: upstream timeout"),
        ),
        Outcome::DbPoolExhausted => (
            500,
            error("500 Internal Server Error"),
            error("failed to persist order: connection pool exhausted"),
        ),
    };
    let root_status = if status >= 500 {
        error("upstream order-service returned 500")
    } else {
        SpanStatus::Unset
    };

    let root = b.span(
        SpanSpec {
            origin: &api,
            parent: None,
            name: "POST /api/v1/orders",
            kind: SpanKind::Server,
            start,
            end,
        },
        server_attrs(
            "POST",
            "/api/v1/orders",
            "/api/v1/orders",
            status,
            API_GATEWAY,
            edge.root_extra(),
        ),
        root_status,
    );
    let api_client = b.span(
        SpanSpec {
            origin: &api,
            parent: Some(&root),
            name: "POST /orders",
            kind: SpanKind::Client,
            start: api_c0,
            end: api_c1,
        },
        client_attrs("POST", ORDER_SERVICE, "/orders", status),
        api_status,
    );
    let order_server = b.span(
        SpanSpec {
            origin: &order,
            parent: Some(&api_client),
            name: "POST /orders",
            kind: SpanKind::Server,
            start: ord0,
            end: ord1,
        },
        server_attrs(
            "POST",
            "/orders",
            "/orders",
            status,
            ORDER_SERVICE,
            vec![
                Attr::str("app.order.id", order_id.clone()),
                Attr::str("enduser.id", user_id.clone()),
            ],
        ),
        order_status,
    );
    let product_path = format!("/products/{slug}");
    let pf_client = b.span(
        SpanSpec {
            origin: &order,
            parent: Some(&order_server),
            name: "GET /products/{id}",
            kind: SpanKind::Client,
            start: pf_c0,
            end: pf_c1,
        },
        client_attrs("GET", PRODUCT_SERVICE, &product_path, 200),
        SpanStatus::Unset,
    );
    let pf_server = b.span(
        SpanSpec {
            origin: &product,
            parent: Some(&pf_client),
            name: "GET /products/{id}",
            kind: SpanKind::Server,
            start: pf_s0,
            end: pf_s1,
        },
        server_attrs(
            "GET",
            &product_path,
            "/products/{id}",
            200,
            PRODUCT_SERVICE,
            Vec::new(),
        ),
        SpanStatus::Unset,
    );
    b.span(
        SpanSpec {
            origin: &product,
            parent: Some(&pf_server),
            name: "SELECT products",
            kind: SpanKind::Client,
            start: sel0,
            end: sel1,
        },
        db_attrs(
            "product",
            "SELECT",
            "products",
            shop::SQL_PRODUCT_BY_SLUG,
            "postgres-product",
        ),
        SpanStatus::Unset,
    );
    let fetched = JsonLine::new()
        .str("timestamp", &iso_millis(pf_s1))
        .str("level", "info")
        .str("logger", "catalog.http")
        .str("message", "product fetched")
        .str("product", slug)
        .int("duration_ms", ((pf_s1 - pf_s0) as f64 / 1e6).round() as i64)
        .str("cache", if cache_hit { "hit" } else { "miss" })
        .str("trace_id", &b.trace_id)
        .str("span_id", &pf_server)
        .finish();
    b.log(pf_s1, &product, Level::Info, fetched);

    if let Some(times) = payment_times {
        payment::call(
            b,
            &PaymentCall {
                order: &order,
                payment: &payment,
                parent: &order_server,
                times,
                timeout: outcome == Outcome::PaymentTimeout,
                order_id: &order_id,
                amount,
            },
        );
    }

    if let Some([in0, in1]) = insert_times {
        let exhausted = outcome == Outcome::DbPoolExhausted;
        let mut attrs = db_attrs(
            "order",
            "INSERT",
            "orders",
            shop::SQL_INSERT_ORDER,
            "postgres-order",
        );
        if exhausted {
            attrs.insert(6, Attr::str("error.type", "pq.Error"));
        }
        b.span(
            SpanSpec {
                origin: &order,
                parent: Some(&order_server),
                name: "INSERT orders",
                kind: SpanKind::Client,
                start: in0,
                end: in1,
            },
            attrs,
            if exhausted {
                error("pq: sorry, too many clients already")
            } else {
                SpanStatus::Unset
            },
        );
    }

    let order_ms = ((ord1 - ord0) as f64 / 1e6).round() as u64;
    let order_line = match outcome {
        Outcome::Ok => Logfmt::new()
            .kv("ts", iso_millis(ord1))
            .kv("level", "info")
            .kv("caller", "orders/create.go:142")
            .quoted("msg", "order created")
            .kv("order_id", &order_id)
            .kv("user_id", &user_id)
            .kv("items", items)
            .kv("amount", format!("{amount:.2}"))
            .kv("currency", "EUR")
            .kv("status", 201)
            .kv("duration_ms", order_ms),
        Outcome::PaymentTimeout => Logfmt::new()
            .kv("ts", iso_millis(ord1))
            .kv("level", "error")
            .kv("caller", "orders/checkout.go:203")
            .quoted("msg", "checkout failed")
            .kv("order_id", &order_id)
            .kv("user_id", &user_id)
            .kv("status", 500)
            .kv("error", "payment-service: 504 Gateway Timeout")
            .kv("duration_ms", order_ms),
        Outcome::DbPoolExhausted => Logfmt::new()
            .kv("ts", iso_millis(ord1))
            .kv("level", "error")
            .kv("caller", "orders/create.go:118")
            .quoted("msg", "failed to create order")
            .kv("order_id", &order_id)
            .kv("user_id", &user_id)
            .kv("status", 500)
            .kv("error", "pq: sorry, too many clients already")
            .kv("db_pool_in_use", shop::DB_POOL_MAX)
            .kv("db_pool_max", shop::DB_POOL_MAX)
            .kv("duration_ms", order_ms),
    }
    .kv("trace_id", &b.trace_id)
    .kv("span_id", &order_server)
    .finish();
    let order_level = if outcome == Outcome::Ok {
        Level::Info
    } else {
        Level::Error
    };
    b.log(ord1, &order, order_level, order_line);

    access_log(
        b,
        &edge,
        Access {
            origin: &api,
            start,
            end,
            method: "POST",
            target: "/api/v1/orders",
            status,
            bytes: if status == 201 { 412 } else { 87 },
            upstream: ORDER_SERVICE,
            root_span: &root,
        },
    );
    end
}
