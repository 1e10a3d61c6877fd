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

mod browse;
mod checkout;
mod jobs;
mod login;
mod payment;

pub use jobs::job_line;
use payment::PaymentCall;

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
        RequestKind::Checkout => checkout::checkout(&mut b, start_ns, Outcome::Ok),
        RequestKind::CheckoutPaymentTimeout => {
            checkout::checkout(&mut b, start_ns, Outcome::PaymentTimeout)
        }
        RequestKind::CheckoutOrderDbError => {
            checkout::checkout(&mut b, start_ns, Outcome::DbPoolExhausted)
        }
        RequestKind::Browse => browse::browse(&mut b, start_ns, false),
        RequestKind::BrowseSlow => browse::browse(&mut b, start_ns, true),
        RequestKind::Login => login::login(&mut b, start_ns, env, false),
        RequestKind::Login401 => login::login(&mut b, start_ns, env, true),
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
