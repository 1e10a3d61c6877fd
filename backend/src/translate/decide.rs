//! Which kind of answer a question wants: logs, a log metric, traces, a trace metric, or correlation.

use super::reading::Reading;
use crate::plan::PlanKind;

pub fn kind(r: &Reading) -> PlanKind {
    let c = &r.cues;
    let has_log_filters =
        !r.phrases.is_empty() || !r.fields.is_empty() || !r.value_fields.is_empty();
    let metricish = c.count
        || c.how_many
        || c.rate
        || c.per_second
        || c.over_time
        || c.ratio
        || c.bytes
        || r.interval.is_some()
        || r.topk.is_some()
        || !r.group_by.is_empty()
        || r.quantile.is_some()
        || (r.aggregate.is_some() && (c.latency || !r.value_fields.is_empty()))
        || (c.most && !r.group_by.is_empty());

    // "why are there so many requests per service" is a count, not an investigation.
    let counting_only = metricish && !c.traces && !c.logs && r.levels.is_empty();
    if c.correlate && !c.ratio && !counting_only {
        return PlanKind::Correlate;
    }
    // Traces: the words say so, or the question is about requests' latency/status/span names
    // without talking about logs.
    // "request rate", "요청 rate", "throughput": requests are spans when logs are not mentioned
    let request_metric = c.requests && (c.rate || c.per_second) && !c.logs;
    let trace_subject = c.traces
        || request_metric
        || (!c.logs
            && !has_log_filters
            && (((c.requests || c.latency)
                && (r.threshold.is_some() || !r.http.is_empty() || c.latency))
                || !r.span_names.is_empty()
                || !r.routes.is_empty()
                || !r.root_services.is_empty()
                || (r.threshold.is_some() && r.fields.is_empty())
                || (r.quantile.is_some() && r.value_fields.is_empty())
                || c.server_spans
                || c.client_spans
                || c.db_calls));
    let wants_trace_list =
        r.limit.is_some() || (r.topk.is_some() && c.latency && !c.count && r.group_by.is_empty());
    if trace_subject && !c.logs {
        let trace_metric = (metricish && !wants_trace_list)
            && (c.count
                || c.how_many
                || c.rate
                || c.per_second
                || c.over_time
                || r.interval.is_some()
                || !r.group_by.is_empty()
                || r.quantile.is_some()
                || r.aggregate.is_some());
        return if trace_metric {
            PlanKind::TraceMetrics
        } else {
            PlanKind::Traces
        };
    }
    if metricish {
        return PlanKind::Metrics;
    }
    PlanKind::Logs
}
