//! What kind of failure a hypothesis describes and what it failed against: a [`Cause`] read from status
//! messages, error lines and span attributes (`error.type`, HTTP status codes), and the [`Dependency`] a
//! failing client span talks to (a database from `db.system`, an external service from `peer.service`
//! or `server.address` when no traced service has that name, a queue, another service).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// The kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// A connection pool or connection limit is exhausted (`too many clients`, `pool exhausted`).
    ConnectionPoolExhausted,
    /// Calls time out (`deadline exceeded`, `timed out`, 504).
    Timeout,
    /// Connections fail (`connection refused`, `no such host`, resets).
    ConnectionFailed,
    /// The dependency throttles (429, `rate limit`).
    RateLimited,
    /// Memory, disk or other resources ran out.
    ResourceExhausted,
    /// 401/403, `unauthorized`, `permission denied`.
    AuthFailure,
    /// 404, `not found`.
    NotFound,
    /// 5xx and other server-side errors.
    ServerError,
    /// No error, but slow: a span takes most of the request's time.
    Latency,
    /// Errors without a recognisable kind.
    Unknown,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::ConnectionPoolExhausted => "connection_pool_exhausted",
            Cause::Timeout => "timeout",
            Cause::ConnectionFailed => "connection_failed",
            Cause::RateLimited => "rate_limited",
            Cause::ResourceExhausted => "resource_exhausted",
            Cause::AuthFailure => "auth_failure",
            Cause::NotFound => "not_found",
            Cause::ServerError => "server_error",
            Cause::Latency => "latency",
            Cause::Unknown => "unknown",
        }
    }
}

const RULES: &[(Cause, &[&str])] = &[
    (
        Cause::ConnectionPoolExhausted,
        &[
            "too many clients",
            "too many connections",
            "pool exhausted",
            "connection pool",
            "remaining connection slots",
            "max_connections",
            "no available connection",
        ],
    ),
    (
        Cause::Timeout,
        &["timeout", "timed out", "deadline exceeded", "time out"],
    ),
    (
        Cause::ConnectionFailed,
        &[
            "connection refused",
            "no such host",
            "connection reset",
            "unreachable",
            "broken pipe",
            "econnrefused",
            "dial tcp",
        ],
    ),
    (
        Cause::RateLimited,
        &[
            "rate limit",
            "too many requests",
            "throttl",
            "quota exceeded",
        ],
    ),
    (
        Cause::ResourceExhausted,
        &[
            "out of memory",
            "oomkilled",
            "no space left",
            "disk full",
            "resource exhausted",
        ],
    ),
    (
        Cause::AuthFailure,
        &[
            "unauthorized",
            "forbidden",
            "permission denied",
            "invalid token",
            "authentication failed",
        ],
    ),
    (Cause::NotFound, &["not found"]),
    (
        Cause::ServerError,
        &["internal server error", "panic", "exception", "bad gateway"],
    ),
];

fn from_status(code: u16) -> Option<Cause> {
    Some(match code {
        408 | 504 => Cause::Timeout,
        429 => Cause::RateLimited,
        401 | 403 => Cause::AuthFailure,
        404 => Cause::NotFound,
        500..=599 => Cause::ServerError,
        _ => return None,
    })
}

/// The cause told by texts (most specific first: the failing span's own status message, then the
/// spans above it, then log lines) and the failing span's attributes.
pub fn classify(texts: &[&str], attributes: &BTreeMap<String, String>) -> Cause {
    if attributes
        .get("error.type")
        .is_some_and(|t| t.eq_ignore_ascii_case("timeout"))
    {
        return Cause::Timeout;
    }
    for text in texts {
        let lower = text.to_lowercase();
        if let Some((cause, _)) = RULES
            .iter()
            .find(|(_, words)| words.iter().any(|w| lower.contains(w)))
        {
            return *cause;
        }
    }
    let status = ["http.response.status_code", "http.status_code"]
        .iter()
        .find_map(|k| attributes.get(*k))
        .and_then(|s| s.parse::<u16>().ok());
    status.and_then(from_status).unwrap_or(Cause::Unknown)
}

/// What kind of thing a dependency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencyKind {
    Database,
    /// A service that sends no traces of its own (a third-party API).
    External,
    /// A traced service.
    Service,
    Queue,
}

/// What a failing client span talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    pub name: String,
    pub kind: DependencyKind,
    /// `postgresql`, `kafka`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The host it was called at, when that differs from the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl Dependency {
    /// `the postgresql database postgres-order`, `the external service acmepay (api.acmepay.example)`.
    pub fn describe(&self) -> String {
        let address = self
            .address
            .as_ref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
        match self.kind {
            DependencyKind::Database => match &self.system {
                Some(system) => format!("the {system} database {}{address}", self.name),
                None => format!("the database {}{address}", self.name),
            },
            DependencyKind::External => format!("the external service {}{address}", self.name),
            DependencyKind::Service => format!("{}{address}", self.name),
            DependencyKind::Queue => format!("the queue {}{address}", self.name),
        }
    }
}

/// The dependency of a span, from its attributes; `traced` is every service seen in the traces.
pub fn dependency_of(
    kind: &str,
    attributes: &BTreeMap<String, String>,
    traced: &BTreeSet<String>,
) -> Option<Dependency> {
    let get = |k: &str| attributes.get(k).filter(|v| !v.is_empty()).cloned();
    let address = get("server.address");
    if let Some(system) = get("db.system") {
        let name = address.clone().or_else(|| get("db.name"))?;
        return Some(Dependency {
            name,
            kind: DependencyKind::Database,
            system: Some(system),
            address: None,
        });
    }
    if let Some(system) = get("messaging.system") {
        return Some(Dependency {
            name: get("messaging.destination.name").unwrap_or_else(|| system.clone()),
            kind: DependencyKind::Queue,
            system: Some(system),
            address,
        });
    }
    if !matches!(kind, "client" | "producer") {
        return None;
    }
    let name = get("peer.service")
        .or_else(|| get("rpc.service"))
        .or_else(|| address.clone())?;
    let kind = if traced.contains(&name) {
        DependencyKind::Service
    } else {
        DependencyKind::External
    };
    Some(Dependency {
        address: address.filter(|a| *a != name && kind == DependencyKind::External),
        name,
        kind,
        system: None,
    })
}

/// A dependency named in a log line's fields (`provider=acmepay`, `upstream=order-service`, `mailer=smtp`).
pub fn dependency_in_fields(fields: &[(String, String)]) -> Option<Dependency> {
    const KEYS: &[&str] = &[
        "peer.service",
        "peer",
        "provider",
        "upstream",
        "dependency",
        "db",
        "database",
        "mailer",
    ];
    KEYS.iter().find_map(|k| {
        fields
            .iter()
            .find(|(f, v)| f == k && !v.is_empty() && v.len() <= 80)
            .map(|(f, v)| Dependency {
                name: v.clone(),
                kind: if matches!(f.as_str(), "db" | "database") {
                    DependencyKind::Database
                } else {
                    DependencyKind::Service
                },
                system: None,
                address: None,
            })
    })
}

/// The opening of a hypothesis title: what fails, against what.
pub fn headline(cause: Cause, dependency: Option<&Dependency>, service: &str) -> String {
    let dep = dependency.map(Dependency::describe);
    let is_db = dependency.is_some_and(|d| d.kind == DependencyKind::Database);
    match (cause, dep) {
        (Cause::ConnectionPoolExhausted, Some(d)) if is_db => {
            format!("Database connection pool exhausted at {d}")
        }
        (Cause::ConnectionPoolExhausted, Some(d)) => format!("Connection limit reached at {d}"),
        (Cause::ConnectionPoolExhausted, None) => {
            format!("Connection pool exhausted in {service}")
        }
        (Cause::Timeout, Some(d)) => format!("Timeouts calling {d}"),
        (Cause::Timeout, None) => format!("Timeouts in {service}"),
        (Cause::ConnectionFailed, Some(d)) => format!("Cannot connect to {d}"),
        (Cause::ConnectionFailed, None) => format!("Connection failures in {service}"),
        (Cause::RateLimited, Some(d)) => format!("Rate limited by {d}"),
        (Cause::RateLimited, None) => format!("Rate limiting in {service}"),
        (Cause::ResourceExhausted, _) => format!("Resources exhausted in {service}"),
        (Cause::AuthFailure, Some(d)) => format!("Authorization failures calling {d}"),
        (Cause::AuthFailure, None) => format!("Authorization failures in {service}"),
        (Cause::NotFound, Some(d)) => format!("{d} answers `not found`"),
        (Cause::NotFound, None) => format!("`Not found` errors in {service}"),
        (Cause::ServerError, Some(d)) => format!("Server errors from {d}"),
        (Cause::ServerError, None) => format!("Server errors in {service}"),
        (Cause::Latency, Some(d)) if is_db => format!("Slow queries at {d}"),
        (Cause::Latency, Some(d)) => format!("Slow calls to {d}"),
        (Cause::Latency, None) => format!("Slow processing in {service}"),
        (Cause::Unknown, Some(d)) => format!("Failing calls to {d}"),
        (Cause::Unknown, None) => format!("Errors in {service}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn causes_from_messages_and_attributes() {
        let none = BTreeMap::new();
        assert_eq!(
            classify(&["pq: sorry, too many clients already"], &none),
            Cause::ConnectionPoolExhausted
        );
        assert_eq!(
            classify(
                &["context deadline exceeded (Client.Timeout exceeded while awaiting headers)"],
                &none
            ),
            Cause::Timeout
        );
        assert_eq!(
            classify(&["whatever"], &attrs(&[("error.type", "timeout")])),
            Cause::Timeout
        );
        assert_eq!(
            classify(&["dial tcp 10.0.0.1:5432: connection refused"], &none),
            Cause::ConnectionFailed
        );
        assert_eq!(
            classify(&["boom"], &attrs(&[("http.response.status_code", "429")])),
            Cause::RateLimited
        );
        assert_eq!(
            classify(&["boom"], &attrs(&[("http.status_code", "503")])),
            Cause::ServerError
        );
        assert_eq!(classify(&["boom"], &none), Cause::Unknown);
        // The most specific text decides: the pool message beats the slower request's timeout.
        assert_eq!(
            classify(
                &["pq: sorry, too many clients already", "request timeout"],
                &none
            ),
            Cause::ConnectionPoolExhausted
        );
    }

    #[test]
    fn dependencies_from_span_attributes() {
        let traced: BTreeSet<String> = ["order-service", "payment-service"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let acmepay = dependency_of(
            "client",
            &attrs(&[
                ("peer.service", "acmepay"),
                ("server.address", "api.acmepay.example"),
            ]),
            &traced,
        )
        .unwrap();
        assert_eq!(acmepay.kind, DependencyKind::External);
        assert_eq!(
            acmepay.describe(),
            "the external service acmepay (api.acmepay.example)"
        );
        let db = dependency_of(
            "client",
            &attrs(&[
                ("db.system", "postgresql"),
                ("server.address", "postgres-order"),
            ]),
            &traced,
        )
        .unwrap();
        assert_eq!(db.describe(), "the postgresql database postgres-order");
        let svc = dependency_of(
            "client",
            &attrs(&[
                ("peer.service", "payment-service"),
                ("server.address", "payment-service"),
            ]),
            &traced,
        )
        .unwrap();
        assert_eq!((svc.kind, svc.address), (DependencyKind::Service, None));
        assert_eq!(
            dependency_of("server", &attrs(&[("peer.service", "x")]), &traced),
            None
        );
        assert_eq!(
            headline(Cause::ConnectionPoolExhausted, Some(&db), "order-service"),
            "Database connection pool exhausted at the postgresql database postgres-order"
        );
        assert_eq!(
            headline(Cause::Timeout, Some(&acmepay), "payment-service"),
            "Timeouts calling the external service acmepay (api.acmepay.example)"
        );
        let fields = vec![("provider".to_string(), "acmepay".to_string())];
        assert_eq!(dependency_in_fields(&fields).unwrap().name, "acmepay");
    }
}
