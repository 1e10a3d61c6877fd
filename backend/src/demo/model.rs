//! The generated data before it is encoded: spans (OTLP's data model, trimmed to what the demo uses),
//! log records (a Loki stream's labels, one line, structured metadata) and a summary per trace.

use serde::Serialize;

/// One attribute value; the OTLP `AnyValue` variants the demo uses.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Str(String),
    Int(i64),
    Double(f64),
}

/// A key/value attribute of a resource, span or event.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub key: &'static str,
    pub value: AttrValue,
}

impl Attr {
    pub fn str(key: &'static str, value: impl Into<String>) -> Self {
        Self {
            key,
            value: AttrValue::Str(value.into()),
        }
    }
    pub fn int(key: &'static str, value: i64) -> Self {
        Self {
            key,
            value: AttrValue::Int(value),
        }
    }
    pub fn double(key: &'static str, value: f64) -> Self {
        Self {
            key,
            value: AttrValue::Double(value),
        }
    }
}

/// OTLP span kinds (the numbers are OTLP's enum values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    Server = 2,
    Client = 3,
}

/// OTLP status: unset, or error with a message (the demo never sets `OK`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpanStatus {
    Unset,
    Error(String),
}

/// A span event (the demo only records `exception` events).
#[derive(Debug, Clone, PartialEq)]
pub struct SpanEvent {
    pub time_ns: u64,
    pub name: &'static str,
    pub attributes: Vec<Attr>,
}

/// Which process emitted a span or a log line: service, environment and pod.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub service: &'static str,
    pub env: Env,
    pub pod: &'static str,
}

/// Deployment environment; staging lives in its own namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Env {
    Prod,
    Staging,
}

impl Env {
    pub fn as_str(self) -> &'static str {
        match self {
            Env::Prod => "prod",
            Env::Staging => "staging",
        }
    }
    /// The Kubernetes namespace (`namespace` stream label, `k8s.namespace.name`).
    pub fn namespace(self) -> &'static str {
        match self {
            Env::Prod => "shop",
            Env::Staging => "shop-staging",
        }
    }
}

/// One span, ids in lowercase hex as OTLP/JSON wants them.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub origin: Origin,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: Option<String>,
    pub name: String,
    pub kind: SpanKind,
    pub start_ns: u64,
    pub end_ns: u64,
    pub attributes: Vec<Attr>,
    pub status: SpanStatus,
    pub events: Vec<SpanEvent>,
}

impl Span {
    pub fn duration_ms(&self) -> f64 {
        (self.end_ns.saturating_sub(self.start_ns)) as f64 / 1e6
    }
}

/// Log level, also the `level` stream label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// One log line with the labels of its stream and its structured metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    pub ts_ns: u64,
    pub origin: Origin,
    pub level: Level,
    pub line: String,
    /// Structured metadata besides `pod` (api-gateway access lines: `trace_id`, `span_id`).
    pub metadata: Vec<(&'static str, String)>,
}

/// What kind of request a trace is (as in the recorded `seed_summary.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Browse,
    BrowseSlow,
    Checkout,
    CheckoutPaymentTimeout,
    CheckoutOrderDbError,
    Login,
    #[serde(rename = "login_401")]
    Login401,
}

/// One trace of the data set, as listed in `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceSummary {
    pub trace_id: String,
    pub kind: RequestKind,
    /// RFC 3339 with milliseconds.
    pub start: String,
    pub duration_ms: f64,
    pub env: Env,
    pub error: bool,
    pub slow: bool,
}

/// Everything generated for one time window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// Spans grouped by trace, traces in start order.
    pub traces: Vec<Vec<Span>>,
    pub summaries: Vec<TraceSummary>,
    /// Sorted by timestamp.
    pub logs: Vec<LogRecord>,
}

impl Dataset {
    pub fn span_count(&self) -> usize {
        self.traces.iter().map(Vec::len).sum()
    }
}
