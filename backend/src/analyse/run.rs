//! One analysis end to end: the log query, its trace ids, the traces (concurrently with Loki's
//! patterns), templates, spikes, hypotheses and the summary. A `traces` plan is analysed from the traces
//! its search finds.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::future::join_all;
use serde_json::json;

use super::correlate::{
    CorrelateLimits, FetchReport, LogLine, fetch_traces, link_lines, select_trace_ids,
};
use super::diagnose::{DiagnosisInput, diagnose};
use super::hypothesis::Hypothesis;
use super::patterns::{LogPattern, PatternLine, assign_loki_patterns, cluster_lines};
use super::spikes::{Spike, SpikeOptions, bucket_counts, detect_spikes, step_for_range};
use super::summary::{Scope, write_summary};
use super::trace_logs::{MAX_TRACE_LOG_IDS, TraceLine, fetch_trace_logs};
use super::trace_summary::{TraceDigest, digest_trace};
use super::{AnalyseError, EvidenceKind, EvidenceLog, extract::service_of};
use crate::execute::loki_types::{Pattern, Stream};
use crate::execute::{self, Clients, Executed, LokiClient, QueryResult, TimeRange, guardrails};
use crate::plan::logql::{LabelName, LogQuery, Matcher};
use crate::plan::{Plan, PlanKind, QueryDuration};

/// Services whose Loki patterns are asked for (one request each).
const PATTERN_SERVICES: usize = 5;

/// The log side of an analysis: every line with its trace id, and what fetching the traces gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Correlation {
    /// Lines of the answer within the plan's range, newest first.
    pub lines: Vec<LogLine>,
    pub with_trace_id: usize,
    pub distinct_trace_ids: usize,
    /// Ids asked of Tempo (at most the trace cap).
    pub requested: Vec<String>,
    /// Distinct ids left out by the cap.
    pub left_out: usize,
    pub report: FetchReport,
}

impl Correlation {
    /// Lines whose trace was fetched.
    pub fn lines_with_fetched_trace(&self) -> usize {
        let fetched: BTreeSet<&str> = self
            .report
            .traces
            .iter()
            .map(|t| t.trace_id.as_str())
            .collect();
        self.lines
            .iter()
            .filter(|l| l.trace_id.as_deref().is_some_and(|id| fetched.contains(id)))
            .count()
    }
}

/// Everything an analysis found.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub plan: Plan,
    /// The log query (or trace search) that ran.
    pub executed: Executed,
    pub correlation: Correlation,
    pub digests: Vec<TraceDigest>,
    pub patterns: Vec<LogPattern>,
    pub spikes: Vec<Spike>,
    /// Bucket width of the spike series.
    pub step_ms: i64,
    pub hypotheses: Vec<Hypothesis>,
    /// Traces → logs (the lines of every service for some of the traces).
    pub trace_logs: TraceLogs,
    pub evidence: EvidenceLog,
    pub summary: String,
    /// Things the user should know (traces that could not be fetched, caps that applied).
    pub notices: Vec<String>,
}

impl Analysis {
    /// The streams of the log query (empty for a trace search).
    pub fn streams(&self) -> &[Stream] {
        match &self.executed.result {
            QueryResult::Streams(s) => s,
            _ => &[],
        }
    }

    /// `{summary, hypotheses, evidence}`: the `diagnose` resource's answer and the evidence pack.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "summary": self.summary,
            "hypotheses": self.hypotheses,
            "evidence": self.evidence.items,
            "stats": self.stats(),
            "traces": self.digests,
            "patterns": self.patterns,
            "traceLogs": self.trace_logs.lines,
            "spikes": self.spikes,
            "notices": self.notices,
        })
    }

    /// The key numbers (`meta.custom.stats`).
    pub fn stats(&self) -> serde_json::Value {
        let c = &self.correlation;
        let mut stats = vec![
            json!({ "label": "log lines", "value": c.lines.len() }),
            json!({ "label": "lines with a trace id", "value": c.with_trace_id }),
            json!({ "label": "traces fetched", "value": self.correlation.report.traces.len() }),
        ];
        let failed = c.report.failures.len() + c.report.not_fetched.len();
        if failed > 0 {
            stats.push(json!({ "label": "traces not fetched", "value": failed }));
        }
        stats.push(json!({ "label": "hypotheses", "value": self.hypotheses.len() }));
        json!(stats)
    }
}

/// [`investigate_with`] with the default caps.
pub async fn investigate(plan: &Plan, clients: &Clients) -> Result<Analysis, AnalyseError> {
    investigate_with(plan, clients, &CorrelateLimits::default()).await
}

/// What an analysis fetched: the log query's (or search's) answer, the lines, the trace ids asked for
/// and what Tempo gave, and Loki's patterns per service. [`analyse_fetched`] needs nothing else.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub executed: Executed,
    /// [`link_lines`] of the answer's streams (empty for a trace search).
    pub lines: Vec<LogLine>,
    pub requested: Vec<String>,
    pub left_out: usize,
    pub report: FetchReport,
    pub loki_patterns: Vec<(String, Vec<Pattern>)>,
    /// Traces → logs: the lines of every service carrying some of the requested ids.
    pub trace_logs: TraceLogs,
}

/// The answer of the traces → logs queries: the ids asked for and their lines by trace id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceLogs {
    pub asked: Vec<String>,
    pub lines: BTreeMap<String, Vec<TraceLine>>,
}

/// The lines of an answer and the trace ids to fetch for them (at most `max_traces`).
pub fn lines_and_ids(
    executed: &Executed,
    range: &TimeRange,
    max_traces: usize,
) -> (Vec<LogLine>, Vec<String>, usize) {
    match &executed.result {
        QueryResult::Streams(streams) => {
            let lines = link_lines(streams, Some(range));
            let (ids, left_out) = select_trace_ids(&lines, max_traces);
            (lines, ids, left_out)
        }
        QueryResult::TraceSearch(hits) => {
            let ids: Vec<String> = hits.iter().map(|h| h.trace_id.clone()).collect();
            let kept = ids.len().min(max_traces);
            (Vec::new(), ids[..kept].to_vec(), ids.len() - kept)
        }
        _ => (Vec::new(), Vec::new(), 0),
    }
}

/// Runs the plan and analyses what it returns (`correlate`/`logs`: lines → traces; `traces`: the traces
/// the search finds). The I/O half; [`analyse_fetched`] is the rest.
pub async fn investigate_with(
    plan: &Plan,
    clients: &Clients,
    limits: &CorrelateLimits,
) -> Result<Analysis, AnalyseError> {
    if !matches!(
        plan.kind,
        PlanKind::Correlate | PlanKind::Logs | PlanKind::Traces
    ) {
        return Err(AnalyseError::NotDiagnosable {
            kind: plan.kind.as_str(),
        });
    }
    let executed = execute::execute(plan, clients).await?;
    let range = TimeRange::of_plan(plan)?;
    let (lines, ids, left_out) = lines_and_ids(&executed, &range, limits.max_traces);
    let step_ms = step_for_range(range.end.timestamp_millis() - range.start.timestamp_millis());
    let streams: &[Stream] = match &executed.result {
        QueryResult::Streams(s) => s,
        _ => &[],
    };
    let traces = async {
        match clients.tempo() {
            Ok(tempo) if !ids.is_empty() => fetch_traces(tempo, &ids, limits).await,
            Ok(_) => FetchReport::default(),
            Err(e) => FetchReport::unavailable(&ids, e.to_string()),
        }
    };
    let patterns = fetch_loki_patterns(clients, streams, &range, step_ms);
    let trace_logs = fetch_trace_logs_of(clients, streams, &ids, &range);
    let (report, loki_patterns, trace_logs) =
        futures_util::future::join3(traces, patterns, trace_logs).await;
    Ok(analyse_fetched(
        plan,
        Fetched {
            executed,
            lines,
            requested: ids,
            left_out,
            report,
            loki_patterns,
            trace_logs,
        },
        limits,
    ))
}

/// Traces → logs for up to [`MAX_TRACE_LOG_IDS`] of the ids (spread over them); nothing when Loki has
/// no answer (the analysis goes on without).
async fn fetch_trace_logs_of(
    clients: &Clients,
    streams: &[Stream],
    ids: &[String],
    range: &TimeRange,
) -> TraceLogs {
    let Ok(loki) = clients.loki() else {
        return TraceLogs::default();
    };
    if ids.is_empty() {
        return TraceLogs::default();
    }
    let n = ids.len();
    let keep = n.min(MAX_TRACE_LOG_IDS);
    let asked: Vec<String> = (0..keep).map(|i| ids[i * n / keep].clone()).collect();
    let limit = guardrails::line_limit(None, clients.limits());
    // The service label the answer's streams use (`service_name` for Loki's OTLP and default setups).
    let mut labels: BTreeMap<&str, usize> = BTreeMap::new();
    for s in streams {
        if let Some((label, _)) = service_of(&s.labels) {
            *labels.entry(label).or_default() += 1;
        }
    }
    let label = labels
        .into_iter()
        .max_by_key(|(l, n)| (*n, *l == "service_name"))
        .map_or("service_name", |(l, _)| l);
    match fetch_trace_logs(loki, label, &asked, range, limit).await {
        Ok(lines) => TraceLogs { asked, lines },
        Err(e) => {
            tracing::debug!(error = %e, "traces → logs failed");
            TraceLogs::default()
        }
    }
}

/// Everything after fetching, without I/O: trace summaries, templates, spikes, hypotheses, summary.
pub fn analyse_fetched(plan: &Plan, fetched: Fetched, limits: &CorrelateLimits) -> Analysis {
    let Fetched {
        executed,
        lines,
        requested: ids,
        left_out,
        report,
        loki_patterns,
        trace_logs,
    } = fetched;
    let range = TimeRange::of_plan(plan).unwrap_or(TimeRange {
        start: plan.end,
        end: plan.end,
    });
    let range_ms = (range.start.timestamp_millis(), range.end.timestamp_millis());
    let step_ms = step_for_range(range_ms.1 - range_ms.0);
    let streams: &[Stream] = match &executed.result {
        QueryResult::Streams(s) => s,
        _ => &[],
    };
    let digests: Vec<TraceDigest> = report.traces.iter().map(digest_trace).collect();
    let pattern_lines: Vec<PatternLine<'_>> = lines
        .iter()
        .map(|l| PatternLine {
            service: &l.service,
            level: l.level.as_deref(),
            ts_ns: l.ts_ns,
            line: streams
                .get(l.stream)
                .and_then(|s| s.entries.get(l.entry))
                .map_or("", |e| e.line.as_str()),
        })
        .collect();
    let patterns = if loki_patterns.iter().any(|(_, p)| !p.is_empty()) {
        assign_loki_patterns(&pattern_lines, &loki_patterns)
    } else {
        cluster_lines(&pattern_lines)
    };
    let mut by_service: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for l in &lines {
        by_service
            .entry(&l.service)
            .or_default()
            .push(l.ts_ns.div_euclid(1_000_000));
    }
    let spikes: Vec<Spike> = by_service
        .into_iter()
        .flat_map(|(service, times)| {
            let series = bucket_counts(
                times,
                step_ms,
                BTreeMap::from([("service".to_string(), service.to_string())]),
            );
            detect_spikes(&series, step_ms, Some(range_ms), &SpikeOptions::counts())
        })
        .collect();

    let with_trace_id = lines.iter().filter(|l| l.trace_id.is_some()).count();
    let distinct_trace_ids = lines
        .iter()
        .filter_map(|l| l.trace_id.as_deref())
        .collect::<BTreeSet<_>>()
        .len();
    let correlation = Correlation {
        lines,
        with_trace_id,
        distinct_trace_ids,
        requested: ids,
        left_out,
        report,
    };
    let mut evidence = EvidenceLog::default();
    let subject = subject_of(plan, &executed);
    let range_text = super::window_text(
        range.start.timestamp_nanos_opt().unwrap_or(0),
        range.end.timestamp_nanos_opt().unwrap_or(0),
    );
    evidence.add(
        EvidenceKind::Overview,
        None,
        overview_text(&subject, &range_text, &correlation, &executed),
        json!({
            "query": executed.query,
            "lines": correlation.lines.len(),
            "linesWithTraceId": correlation.with_trace_id,
            "linesWithFetchedTrace": correlation.lines_with_fetched_trace(),
            "distinctTraceIds": correlation.distinct_trace_ids,
            "tracesRequested": correlation.requested.len(),
            "tracesFetched": correlation.report.traces.len(),
            "traceIdsLeftOut": correlation.left_out,
        }),
    );
    let mut notices = Vec::new();
    if let Some(problem) = correlation.report.problem() {
        evidence.add(
            EvidenceKind::Missing,
            None,
            problem.clone(),
            json!({ "failures": correlation.report.failures,
                    "notFetched": correlation.report.not_fetched.len() }),
        );
        notices.push(problem);
    }
    if correlation.left_out > 0 {
        notices.push(format!(
            "{} more trace ids were not looked up (at most {} traces are fetched per answer).",
            correlation.left_out, limits.max_traces
        ));
    }
    let hypotheses = diagnose(
        &DiagnosisInput {
            streams,
            lines: &correlation.lines,
            patterns: &patterns,
            digests: &digests,
            spikes: &spikes,
            trace_logs: &trace_logs,
        },
        &mut evidence,
    );
    let summary = write_summary(
        &Scope {
            subject,
            range: range_text,
        },
        &hypotheses,
        &evidence,
    );
    Analysis {
        plan: plan.clone(),
        executed,
        correlation,
        digests,
        patterns,
        spikes,
        step_ms,
        hypotheses,
        trace_logs,
        evidence,
        summary,
        notices,
    }
}

fn subject_of(plan: &Plan, executed: &Executed) -> String {
    match plan.kind {
        PlanKind::Traces => format!("traces matching `{}`", executed.query),
        _ => format!("log lines of `{}`", executed.query),
    }
}

fn overview_text(subject: &str, range: &str, c: &Correlation, executed: &Executed) -> String {
    if matches!(executed.result, QueryResult::TraceSearch(_)) {
        return format!(
            "{} {subject} {range}; {} fetched",
            c.requested.len() + c.left_out,
            c.report.traces.len()
        );
    }
    format!(
        "{} {subject} {range}, {} with a trace id ({} distinct); {} traces fetched from Tempo",
        c.lines.len(),
        c.with_trace_id,
        c.distinct_trace_ids,
        c.report.traces.len()
    )
}

/// Loki's patterns of each service in the answer (at most a few); a service whose request fails or
/// that has no patterns gets none (the lines are then clustered in process).
async fn fetch_loki_patterns(
    clients: &Clients,
    streams: &[Stream],
    range: &TimeRange,
    step_ms: i64,
) -> Vec<(String, Vec<Pattern>)> {
    let Ok(loki) = clients.loki() else {
        return Vec::new();
    };
    let mut services: Vec<(String, String)> = Vec::new();
    for s in streams {
        if let Some((label, value)) = service_of(&s.labels)
            && !services.iter().any(|(_, v)| v == value)
        {
            services.push((label.to_string(), value.to_string()));
        }
    }
    services.truncate(PATTERN_SERVICES);
    let step = QueryDuration::from_millis(u64::try_from(step_ms).unwrap_or(300_000));
    let mut requests = Vec::new();
    for (label, value) in services {
        if let Some(name) = LabelName::new(&label) {
            let selector = LogQuery::new(vec![Matcher::eq(name, value.clone())]).to_string();
            requests.push(fetch_service_patterns(loki, selector, range, step, value));
        }
    }
    join_all(requests).await
}

async fn fetch_service_patterns(
    loki: &LokiClient,
    selector: String,
    range: &TimeRange,
    step: QueryDuration,
    service: String,
) -> (String, Vec<Pattern>) {
    let patterns = loki
        .fetch_patterns(&selector, range, Some(step))
        .await
        .unwrap_or_else(|e| {
            tracing::debug!(service = %service, error = %e, "no Loki patterns");
            Vec::new()
        });
    (service, patterns)
}
