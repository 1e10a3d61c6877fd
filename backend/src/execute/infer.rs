//! Which kind of query a raw expression is, when nobody said (Grafana query without `queryType`,
//! `querent query` without `--type`).

use super::trace_id::pad_trace_id;
use crate::plan::PlanKind;

/// TraceQL intrinsics that can open a span-set filter (`{ duration > 1s }`).
const TRACEQL_INTRINSICS: &[&str] = &[
    "duration",
    "name",
    "status",
    "statusMessage",
    "kind",
    "rootName",
    "rootServiceName",
    "traceDuration",
    "nestedSetParent",
    "nestedSetLeft",
    "nestedSetRight",
    "true",
    "false",
];

/// TraceQL metrics functions (after a `|`).
const TRACEQL_METRICS: &[&str] = &[
    "rate(",
    "count_over_time(",
    "sum_over_time(",
    "avg_over_time(",
    "min_over_time(",
    "max_over_time(",
    "quantile_over_time(",
    "histogram_over_time(",
    "compare(",
];

/// Guesses the kind of a raw expression:
/// - 16 to 32 hex characters: a trace id (`trace`);
/// - a `{ ... }` block whose first name has a dot or colon (`resource.service.name`, `span.x`,
///   `event:name`), is a TraceQL intrinsic, or that is empty: TraceQL (`trace_metrics` when a metrics
///   function follows a `|`, else `traces`) — LogQL label names never contain dots and `{}` is not LogQL;
/// - any other `{ ... }`: a LogQL log query (`logs`);
/// - anything else (`sum(...)`, `rate(...)`): a LogQL metric query (`metrics`).
pub fn infer_kind(expr: &str) -> PlanKind {
    let text = expr.trim();
    if text.len() >= 16 && pad_trace_id(text).is_some() {
        return PlanKind::Trace;
    }
    let Some(rest) = text.strip_prefix('{') else {
        return PlanKind::Metrics;
    };
    let inner = rest.split('}').next().unwrap_or_default().trim();
    let first_name: String = inner
        .trim_start_matches(['!', '('])
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | ':'))
        .collect();
    let traceql = inner.is_empty()
        || first_name.contains('.')
        || first_name.contains(':')
        || TRACEQL_INTRINSICS.contains(&first_name.as_str());
    if !traceql {
        return PlanKind::Logs;
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let is_metrics = compact
        .split('|')
        .skip(1)
        .any(|stage| TRACEQL_METRICS.iter().any(|f| stage.starts_with(f)));
    if is_metrics {
        PlanKind::TraceMetrics
    } else {
        PlanKind::Traces
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_every_kind_from_fixture_queries() {
        let cases = [
            (
                r#"{service_name="payment-service"} |= "timeout""#,
                PlanKind::Logs,
            ),
            (
                r#"{service_name=~"a|b", level="error"} | logfmt"#,
                PlanKind::Logs,
            ),
            (
                r#"sum by (service_name) (count_over_time({level="error"}[5m]))"#,
                PlanKind::Metrics,
            ),
            (
                r#"{ resource.service.name = "product-service" && duration > 1s }"#,
                PlanKind::Traces,
            ),
            ("{ status = error }", PlanKind::Traces),
            ("{ .http.status_code >= 500 }", PlanKind::Traces),
            (
                "{ } | rate() by (resource.service.name)",
                PlanKind::TraceMetrics,
            ),
            (
                "{ status = error } | count_over_time() by (resource.service.name)",
                PlanKind::TraceMetrics,
            ),
            (
                r#"{ resource.service.name = "p" } | quantile_over_time(duration, .95)"#,
                PlanKind::TraceMetrics,
            ),
            ("dbb464a3cec79642a13a9da294e7eb2a", PlanKind::Trace),
            ("5722bc54b5e4a401a5a897790ba1d38", PlanKind::Trace),
        ];
        for (expr, kind) in cases {
            assert_eq!(infer_kind(expr), kind, "{expr}");
        }
    }
}
