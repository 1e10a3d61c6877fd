//! Builds the spans and log lines of one request (or one background job) of the shop.
//!
//! Every request starts at the gateway; each service logs at the moment its span ends, with the ids of
//! its own span, so logs and traces agree to the nanosecond: order- and payment-service write
//! `trace_id=`/`span_id=` into their logfmt lines, product- and user-service into their JSON lines, and
//! the gateway's access lines carry them only as structured metadata.

use super::lines::{AccessLine, JsonLine, Logfmt, iso_millis};
use super::model::{
    Attr, Env, Level, LogRecord, Origin, RequestKind, Span, SpanEvent, SpanKind, SpanStatus,
    TraceSummary,
};
use super::rng::Rng;
use super::scenario::Job;
use super::shop::{
    self, API_GATEWAY, ORDER_SERVICE, PAYMENT_SERVICE, PRODUCT_SERVICE, USER_SERVICE,
};

/// Milliseconds (fractional) to nanoseconds.
fn ms(x: f64) -> u64 {
    (x.max(0.0) * 1e6).round() as u64
}

/// One request's trace while it is being built.
pub struct Request {
    pub spans: Vec<Span>,
    pub logs: Vec<LogRecord>,
    pub summary: TraceSummary,
}

struct Builder<'r> {
    rng: &'r mut Rng,
    trace_id: String,
    spans: Vec<Span>,
    logs: Vec<LogRecord>,
}

/// A span's place and timing, before it gets an id.
struct SpanSpec<'a> {
    origin: &'a Origin,
    parent: Option<&'a str>,
    name: &'a str,
    kind: SpanKind,
    start: u64,
    end: u64,
}

impl Builder<'_> {
    fn span(&mut self, spec: SpanSpec<'_>, attributes: Vec<Attr>, status: SpanStatus) -> String {
        let span_id = self.rng.span_id();
        self.spans.push(Span {
            origin: spec.origin.clone(),
            trace_id: self.trace_id.clone(),
            span_id: span_id.clone(),
            parent_span_id: spec.parent.map(str::to_owned),
            name: spec.name.to_owned(),
            kind: spec.kind,
            start_ns: spec.start,
            end_ns: spec.end,
            attributes,
            status,
            events: Vec::new(),
        });
        span_id
    }

    fn log(&mut self, ts_ns: u64, origin: &Origin, level: Level, line: String) {
        self.logs.push(LogRecord {
            ts_ns,
            origin: origin.clone(),
            level,
            line,
            metadata: Vec::new(),
        });
    }

    fn pick_origin(&mut self, service: &'static str, env: Env) -> Origin {
        let idx = self.rng.int(0, 7);
        shop::origin(service, env, idx)
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        self.rng.range(lo, hi)
    }
}

/// Attributes of an HTTP server span.
fn server_attrs(
    method: &str,
    path: &str,
    route: &str,
    status: u16,
    server: &str,
    extra: Vec<Attr>,
) -> Vec<Attr> {
    let mut attrs = vec![
        Attr::str("url.scheme", "http"),
        Attr::int("http.response.status_code", i64::from(status)),
        Attr::str("network.protocol.version", "1.1"),
    ];
    attrs.extend(extra);
    attrs.extend([
        Attr::str("http.request.method", method),
        Attr::str("url.path", path),
        Attr::str("server.address", server),
        Attr::str("http.route", route),
        Attr::str("http.method", method),
        Attr::int("http.status_code", i64::from(status)),
    ]);
    attrs
}

/// Attributes of an HTTP client span to another service of the shop (port 8080).
fn client_attrs(method: &str, peer: &str, path: &str, status: u16) -> Vec<Attr> {
    vec![
        Attr::str("url.full", format!("http://{peer}:8080{path}")),
        Attr::int("server.port", 8080),
        Attr::str("peer.service", peer),
        Attr::int("http.response.status_code", i64::from(status)),
        Attr::str("http.request.method", method),
        Attr::str("server.address", peer),
        Attr::str("http.method", method),
        Attr::int("http.status_code", i64::from(status)),
    ]
}

/// Attributes of a PostgreSQL client span.
fn db_attrs(db: &str, operation: &str, table: &str, statement: &str, server: &str) -> Vec<Attr> {
    vec![
        Attr::str("db.system", "postgresql"),
        Attr::str("db.name", db),
        Attr::str("db.operation", operation),
        Attr::str("db.sql.table", table),
        Attr::str("db.statement", statement),
        Attr::int("server.port", 5432),
        Attr::str("server.address", server),
    ]
}

fn error(message: &str) -> SpanStatus {
    SpanStatus::Error(message.to_owned())
}

/// The gateway's view of a request: client details, access line and root span attributes.
struct Edge {
    user_agent: &'static str,
    client_address: String,
    ingress_ip: String,
}

impl Edge {
    fn new(rng: &mut Rng) -> Self {
        Self {
            user_agent: *rng.pick(&shop::USER_AGENTS),
            client_address: format!("203.0.113.{}", rng.int(2, 250)),
            ingress_ip: format!("10.42.{}.{}", rng.int(0, 7), rng.int(1, 254)),
        }
    }

    fn root_extra(&self) -> Vec<Attr> {
        vec![
            Attr::str("user_agent.original", self.user_agent),
            Attr::str("client.address", self.client_address.clone()),
        ]
    }
}

/// What the gateway logs for a request: level from the status, ids as structured metadata.
struct Access<'a> {
    origin: &'a Origin,
    start: u64,
    end: u64,
    method: &'a str,
    target: &'a str,
    status: u16,
    bytes: u64,
    upstream: &'a str,
    root_span: &'a str,
}

fn access_log(b: &mut Builder<'_>, edge: &Edge, access: Access<'_>) {
    let line = AccessLine {
        client_ip: &edge.ingress_ip,
        ts_ns: access.end,
        method: access.method,
        target: access.target,
        status: access.status,
        bytes: access.bytes,
        user_agent: edge.user_agent,
        rt_s: (access.end - access.start) as f64 / 1e9,
        upstream: access.upstream,
    }
    .format();
    let level = match access.status {
        500.. => Level::Error,
        400.. => Level::Warn,
        _ => Level::Info,
    };
    b.logs.push(LogRecord {
        ts_ns: access.end,
        origin: access.origin.clone(),
        level,
        line,
        metadata: vec![
            ("trace_id", b.trace_id.clone()),
            ("span_id", access.root_span.to_owned()),
        ],
    });
}

/// Builds one request of `kind` starting at `start_ns` (epoch nanoseconds).
pub fn build(rng: &mut Rng, kind: RequestKind, env: Env, start_ns: u64) -> Request {
    let trace_id = rng.trace_id();
    let mut b = Builder {
        rng,
        trace_id,
        spans: Vec::new(),
        logs: Vec::new(),
    };
    let end = match kind {
        RequestKind::Checkout => checkout(&mut b, start_ns, Outcome::Ok),
        RequestKind::CheckoutPaymentTimeout => checkout(&mut b, start_ns, Outcome::PaymentTimeout),
        RequestKind::CheckoutOrderDbError => checkout(&mut b, start_ns, Outcome::DbPoolExhausted),
        RequestKind::Browse => browse(&mut b, start_ns, false),
        RequestKind::BrowseSlow => browse(&mut b, start_ns, true),
        RequestKind::Login => login(&mut b, start_ns, env, false),
        RequestKind::Login401 => login(&mut b, start_ns, env, true),
    };
    let summary = TraceSummary {
        trace_id: b.trace_id.clone(),
        kind,
        start: iso_millis(start_ns),
        duration_ms: ((end - start_ns) as f64 / 1e5).round() / 10.0,
        env,
        error: matches!(
            kind,
            RequestKind::CheckoutPaymentTimeout | RequestKind::CheckoutOrderDbError
        ),
        slow: kind == RequestKind::BrowseSlow,
    };
    Request {
        spans: b.spans,
        logs: b.logs,
        summary,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    PaymentTimeout,
    DbPoolExhausted,
}

/// `POST /api/v1/orders`: gateway → order-service → product-service (+ SELECT), payment-service
/// (→ acmepay), INSERT orders.
fn checkout(b: &mut Builder<'_>, start: u64, outcome: Outcome) -> u64 {
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

    if let Some([pc0, ps0, ch0, ch1, ps1, pc1]) = payment_times {
        let timeout = outcome == Outcome::PaymentTimeout;
        let (pay_status, pay_client_status, pay_server_status) = if timeout {
            (
                504,
                error("504 Gateway Timeout"),
                error("acmepay charge timed out after 5s"),
            )
        } else {
            (200, SpanStatus::Unset, SpanStatus::Unset)
        };
        let pay_client = b.span(
            SpanSpec {
                origin: &order,
                parent: Some(&order_server),
                name: "POST /payments",
                kind: SpanKind::Client,
                start: pc0,
                end: pc1,
            },
            client_attrs("POST", PAYMENT_SERVICE, "/payments", pay_status),
            pay_client_status,
        );
        let pay_server = b.span(
            SpanSpec {
                origin: &payment,
                parent: Some(&pay_client),
                name: "POST /payments",
                kind: SpanKind::Server,
                start: ps0,
                end: ps1,
            },
            server_attrs(
                "POST",
                "/payments",
                "/payments",
                pay_status,
                PAYMENT_SERVICE,
                vec![
                    Attr::str("app.payment.provider", "acmepay"),
                    Attr::double("app.payment.amount", amount),
                ],
            ),
            pay_server_status,
        );
        let mut charge_attrs = vec![
            Attr::str("url.full", shop::ACMEPAY_URL),
            Attr::str("peer.service", "acmepay"),
        ];
        if timeout {
            charge_attrs.push(Attr::str("error.type", "timeout"));
        } else {
            charge_attrs.push(Attr::int("http.response.status_code", 200));
        }
        charge_attrs.extend([
            Attr::str("http.request.method", "POST"),
            Attr::str("server.address", shop::ACMEPAY_HOST),
            Attr::str("http.method", "POST"),
        ]);
        if !timeout {
            charge_attrs.push(Attr::int("http.status_code", 200));
        }
        b.span(
            SpanSpec {
                origin: &payment,
                parent: Some(&pay_server),
                name: "POST /v2/charges",
                kind: SpanKind::Client,
                start: ch0,
                end: ch1,
            },
            charge_attrs,
            if timeout {
                error("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
            } else {
                SpanStatus::Unset
            },
        );
        if timeout {
            if let Some(charge) = b.spans.last_mut() {
                charge.events.push(SpanEvent {
                    time_ns: ch1,
                    name: "exception",
                    attributes: vec![
                        Attr::str("exception.type", "net/http.httpError"),
                        Attr::str("exception.message", "context deadline exceeded"),
                    ],
                });
            }
            for (attempt, backoff) in [(1u64, 200u64), (2, 400)] {
                let at = ps0 + attempt * 1_600_000_000;
                let line = Logfmt::new()
                    .kv("ts", iso_millis(at))
                    .kv("level", "warn")
                    .kv("caller", "gateway/client.go:77")
                    .quoted("msg", "retrying acmepay charge")
                    .kv("order_id", &order_id)
                    .kv("attempt", attempt)
                    .kv("provider", "acmepay")
                    .kv("backoff_ms", backoff)
                    .kv("trace_id", &b.trace_id)
                    .kv("span_id", &pay_server)
                    .finish();
                b.log(at, &payment, Level::Warn, line);
            }
            let at = ch1 + ms(b.range(0.5, 1.5));
            let line = Logfmt::new()
                .kv("ts", iso_millis(at))
                .kv("level", "error")
                .kv("caller", "gateway/client.go:91")
                .quoted("msg", "payment gateway timeout")
                .kv("order_id", &order_id)
                .kv("amount", format!("{amount:.2}"))
                .kv("currency", "EUR")
                .kv("provider", "acmepay")
                .kv("timeout_ms", shop::ACMEPAY_TIMEOUT_MS)
                .kv("error", "context deadline exceeded")
                .kv("status", 504)
                .kv("trace_id", &b.trace_id)
                .kv("span_id", &pay_server)
                .finish();
            b.log(at, &payment, Level::Error, line);
        } else {
            let line = Logfmt::new()
                .kv("ts", iso_millis(ps1))
                .kv("level", "info")
                .kv("caller", "payments/charge.go:58")
                .quoted("msg", "payment captured")
                .kv("order_id", &order_id)
                .kv("amount", format!("{amount:.2}"))
                .kv("currency", "EUR")
                .kv("provider", "acmepay")
                .kv("duration_ms", ((ps1 - ps0) as f64 / 1e6).round() as u64)
                .kv("trace_id", &b.trace_id)
                .kv("span_id", &pay_server)
                .finish();
            b.log(ps1, &payment, Level::Info, line);
        }
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

/// `GET /api/v1/products?category=…`: gateway → product-service → SELECT products (slow: > 1 s).
fn browse(b: &mut Builder<'_>, start: u64, slow: bool) -> u64 {
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

/// `POST /api/v1/login` (or, rejected, `GET /api/v1/users/me` answering 401): gateway → user-service →
/// SELECT users / sessions. A 401 is an error on the gateway's client span only (OTel semantics).
fn login(b: &mut Builder<'_>, start: u64, env: Env, rejected: bool) -> u64 {
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

/// The log line of a background job (no trace).
pub fn job_line(rng: &mut Rng, job: Job, at: u64) -> LogRecord {
    let pod_index = rng.int(0, 7);
    let (service, level, line) = match job {
        Job::HealthProbe => {
            let ip = format!("10.42.{}.{}", rng.int(0, 7), rng.int(1, 254));
            let line = AccessLine {
                client_ip: &ip,
                ts_ns: at,
                method: "GET",
                target: "/healthz",
                status: 200,
                bytes: 2,
                user_agent: shop::PROBE_USER_AGENT,
                rt_s: rng.int(1, 3) as f64 / 1000.0,
                upstream: "-",
            }
            .format();
            (API_GATEWAY, Level::Info, line)
        }
        Job::SessionCleanup => (
            USER_SERVICE,
            Level::Info,
            JsonLine::new()
                .str("time", &iso_millis(at))
                .str("level", "info")
                .str("msg", "session cleanup")
                .int("expired", rng.int(0, 40) as i64)
                .int("active", rng.int(420, 880) as i64)
                .finish(),
        ),
        Job::OutboxFlush => (
            ORDER_SERVICE,
            Level::Info,
            Logfmt::new()
                .kv("ts", iso_millis(at))
                .kv("level", "info")
                .kv("caller", "outbox/relay.go:64")
                .quoted("msg", "outbox flushed")
                .kv("events", rng.int(1, 14))
                .kv("topic", "orders.v1")
                .finish(),
        ),
        Job::CacheRefresh => (
            PRODUCT_SERVICE,
            Level::Info,
            JsonLine::new()
                .str("timestamp", &iso_millis(at))
                .str("level", "info")
                .str("logger", "catalog.cache")
                .str("message", "cache refreshed")
                .str("cache", "catalog")
                .int("entries", rng.int(1_150, 1_260) as i64)
                .int("duration_ms", rng.int(18, 90) as i64)
                .finish(),
        ),
        Job::StockRetry => (
            ORDER_SERVICE,
            Level::Warn,
            Logfmt::new()
                .kv("ts", iso_millis(at))
                .kv("level", "warn")
                .kv("caller", "inventory/reserve.go:57")
                .quoted("msg", "stock reservation retried")
                .kv("sku", rng.pick(&shop::SKUS))
                .kv("attempt", 1)
                .kv("reason", "row lock contention")
                .finish(),
        ),
        Job::WelcomeEmailFailure => (
            USER_SERVICE,
            Level::Error,
            JsonLine::new()
                .str("time", &iso_millis(at))
                .str("level", "error")
                .str("msg", "failed to send welcome email")
                .str("error", "dial tcp 10.43.12.7:587: i/o timeout")
                .str("mailer", "smtp")
                .int("retry_in_s", 60)
                .finish(),
        ),
    };
    LogRecord {
        ts_ns: at,
        origin: shop::origin(service, Env::Prod, pod_index),
        level,
        line,
        metadata: Vec::new(),
    }
}
