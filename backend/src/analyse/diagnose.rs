//! Diagnosis: the answer's lines and traces grouped by where the failure starts, each group a ranked
//! [`Hypothesis`] with numbered evidence.
//!
//! Groups, strongest evidence first:
//! - **traces**: traces whose deepest error span is the same (service, span, status message), or, for
//!   traces without errors, whose critical path spends most time (≥ 1 s) in the same span; every line
//!   carrying one of those trace ids belongs to the group, whatever its service, and so do the lines of
//!   requests whose trace was not fetched (cap, deadline) when their first line's template is one that
//!   only this group's lines have;
//! - **log chains** (traces missing, e.g. Tempo down): lines of several services sharing a trace id are
//!   one request; the service that logged first is taken as the origin (a callee logs its failure before
//!   its callers log theirs), the later ones as the affected callers;
//! - **log lines**: the remaining lines by template.
//!
//! Hypotheses are ranked by the lines they explain, then the traces, then the strength of the basis.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::EvidenceLog;
use super::cause::{Cause, classify, dependency_in_fields, dependency_of, headline};
use super::correlate::LogLine;
use super::extract::line_fields;
use super::hypothesis::{
    Basis, ChainStep, Confidence, ExampleLine, FailingSpan, Hypothesis, TemplateCount, add_evidence,
};
use super::patterns::LogPattern;
use super::run::TraceLogs;
use super::spikes::Spike;
use super::trace_summary::{SpanBrief, TraceDigest};
use crate::answer::nanos_rfc3339;
use crate::execute::loki_types::Stream;

/// A trace without errors whose critical path spends this long in one span is a latency case (the
/// design's default meaning of "slow").
pub const SLOW_SPAN_MS: f64 = 1000.0;
/// Hypotheses kept.
const MAX_HYPOTHESES: usize = 5;
const EXAMPLE_TRACES: usize = 5;
const EXAMPLE_LINES: usize = 3;
const TEMPLATES: usize = 5;

/// What a diagnosis looks at.
#[derive(Debug, Clone, Copy)]
pub struct DiagnosisInput<'a> {
    pub streams: &'a [Stream],
    pub lines: &'a [LogLine],
    /// Templates of `lines` (members are indices into `lines`).
    pub patterns: &'a [LogPattern],
    pub digests: &'a [TraceDigest],
    /// Spikes of the lines per service (label `service`).
    pub spikes: &'a [Spike],
    /// Traces → logs for some of the trace ids.
    pub trace_logs: &'a TraceLogs,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Failure {
        service: String,
        name: String,
        message: String,
    },
    Slow {
        service: String,
        name: String,
    },
    LogChain {
        service: String,
        message: String,
    },
    Log {
        pattern: usize,
    },
}

#[derive(Default)]
struct Group {
    digests: Vec<usize>,
    lines: Vec<usize>,
    /// Services of each request in the order they logged (log chains).
    orders: Vec<Vec<String>>,
    /// Lines joined by their template, their traces not fetched (trace-backed groups).
    by_template: usize,
    trace_ids: BTreeSet<String>,
}

fn mask_digits(text: &str) -> String {
    text.split_whitespace()
        .map(|w| {
            if w.bytes().any(|b| b.is_ascii_digit()) {
                "<_>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn digest_key(d: &TraceDigest) -> Option<Key> {
    if let Some(c) = &d.culprit {
        return Some(Key::Failure {
            service: c.service.clone(),
            name: c.name.clone(),
            message: mask_digits(&c.status_message),
        });
    }
    d.slow_culprit()
        .filter(|s| s.self_ms >= SLOW_SPAN_MS)
        .map(|s| Key::Slow {
            service: s.service.clone(),
            name: s.name.clone(),
        })
}

/// Groups, ranks and explains; evidence goes to `log` in rank order.
pub fn diagnose(input: &DiagnosisInput<'_>, log: &mut EvidenceLog) -> Vec<Hypothesis> {
    let mut pattern_of = vec![None; input.lines.len()];
    for (pi, p) in input.patterns.iter().enumerate() {
        for &m in &p.members {
            if let Some(slot) = pattern_of.get_mut(m) {
                *slot = Some(pi);
            }
        }
    }
    let digest_by_id: HashMap<&str, usize> = input
        .digests
        .iter()
        .enumerate()
        .map(|(i, d)| (d.trace_id.as_str(), i))
        .collect();
    let mut groups: Vec<(Key, Group)> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut group = |key: Key, groups: &mut Vec<(Key, Group)>| -> usize {
        *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Group::default()));
            groups.len() - 1
        })
    };
    let digest_keys: Vec<Option<Key>> = input.digests.iter().map(digest_key).collect();
    for (di, key) in digest_keys.iter().enumerate() {
        if let Some(key) = key {
            let g = group(key.clone(), &mut groups);
            groups[g].1.digests.push(di);
        }
    }
    // Templates whose lines all belong to one trace-backed group: lines of the same template whose
    // trace was not fetched (cap, deadline, Tempo error) are the same failure.
    let mut template_owner: HashMap<usize, Option<usize>> = HashMap::new();
    let mut by_trace: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut plain: Vec<usize> = Vec::new();
    for (li, line) in input.lines.iter().enumerate() {
        let traced = line
            .trace_id
            .as_deref()
            .and_then(|id| digest_by_id.get(id))
            .and_then(|&di| digest_keys[di].clone());
        match (traced, line.trace_id.as_deref()) {
            (Some(key), _) => {
                let g = group(key, &mut groups);
                groups[g].1.lines.push(li);
            }
            (None, Some(id)) => by_trace.entry(id).or_default().push(li),
            (None, None) => plain.push(li),
        }
    }
    for (gi, (key, g)) in groups.iter().enumerate() {
        if matches!(key, Key::Failure { .. } | Key::Slow { .. }) {
            for p in g.lines.iter().filter_map(|&l| pattern_of[l]) {
                template_owner
                    .entry(p)
                    .and_modify(|owner| {
                        if *owner != Some(gi) {
                            *owner = None;
                        }
                    })
                    .or_insert(Some(gi));
            }
        }
    }
    let owner_of =
        |li: usize| pattern_of[li].and_then(|p| template_owner.get(&p).copied().flatten());
    for (id, mut members) in by_trace {
        members.sort_by_key(|&l| (input.lines[l].ts_ns, l));
        if !digest_by_id.contains_key(id)
            && let Some(gi) = owner_of(members[0])
        {
            groups[gi].1.by_template += members.len();
            groups[gi].1.lines.extend(members);
            continue;
        }
        let services: BTreeSet<&str> = members
            .iter()
            .map(|&l| input.lines[l].service.as_str())
            .collect();
        if services.len() < 2 {
            plain.extend(members);
            continue;
        }
        let origin = &input.lines[members[0]];
        let message = pattern_of[members[0]]
            .map(|p| input.patterns[p].message.clone())
            .unwrap_or_else(|| line_text(input, origin).chars().take(120).collect());
        let key = Key::LogChain {
            service: origin.service.clone(),
            message,
        };
        let mut order: Vec<String> = Vec::new();
        for &l in &members {
            let s = &input.lines[l].service;
            if !order.contains(s) {
                order.push(s.clone());
            }
        }
        let g = group(key, &mut groups);
        groups[g].1.lines.extend(members);
        groups[g].1.orders.push(order);
        groups[g].1.trace_ids.insert(id.to_string());
    }
    for li in plain {
        let key = Key::Log {
            pattern: pattern_of[li].unwrap_or(usize::MAX),
        };
        let g = group(key, &mut groups);
        groups[g].1.lines.push(li);
        if let Some(id) = &input.lines[li].trace_id {
            groups[g].1.trace_ids.insert(id.clone());
        }
    }

    let traced: BTreeSet<String> = input
        .digests
        .iter()
        .flat_map(|d| d.services.iter().cloned())
        .collect();
    let total_lines = input.lines.len();
    let total_traces: usize = groups.iter().map(|(_, g)| g.digests.len()).sum();
    let mut hypotheses: Vec<Hypothesis> = groups
        .iter()
        .map(|(key, g)| {
            build(
                input,
                key,
                g,
                &pattern_of,
                &traced,
                total_lines,
                total_traces,
            )
        })
        .collect();
    hypotheses.sort_by(|a, b| {
        b.lines
            .cmp(&a.lines)
            .then(b.traces.cmp(&a.traces))
            .then(a.basis.cmp(&b.basis))
            .then(a.title.cmp(&b.title))
    });
    hypotheses.truncate(MAX_HYPOTHESES);
    for (i, h) in hypotheses.iter_mut().enumerate() {
        h.rank = i + 1;
        h.id = format!("H{}", i + 1);
        add_evidence(h, log);
    }
    hypotheses
}

fn line_text<'a>(input: &DiagnosisInput<'a>, line: &LogLine) -> &'a str {
    input
        .streams
        .get(line.stream)
        .and_then(|s| s.entries.get(line.entry))
        .map(|e| e.line.as_str())
        .unwrap_or_default()
}

fn chain_step(s: &SpanBrief) -> ChainStep {
    ChainStep {
        service: s.service.clone(),
        name: s.name.clone(),
        kind: s.kind.clone(),
        status_message: s.status_message.clone(),
        error: s.is_error(),
    }
}

fn chain_label(chain: &[SpanBrief]) -> Vec<String> {
    chain.iter().map(SpanBrief::label).collect()
}

fn build(
    input: &DiagnosisInput<'_>,
    key: &Key,
    g: &Group,
    pattern_of: &[Option<usize>],
    traced: &BTreeSet<String>,
    total_lines: usize,
    total_traces: usize,
) -> Hypothesis {
    let lines: Vec<&LogLine> = g.lines.iter().map(|&l| &input.lines[l]).collect();
    let mut by_service: BTreeMap<String, usize> = BTreeMap::new();
    for l in &lines {
        *by_service.entry(l.service.clone()).or_default() += 1;
    }
    let mut digests: Vec<&TraceDigest> = g.digests.iter().map(|&d| &input.digests[d]).collect();
    digests.sort_by(|a, b| {
        b.start_ns
            .cmp(&a.start_ns)
            .then(a.trace_id.cmp(&b.trace_id))
    });
    // The window of the lines; of the traces' starts when there are no lines (a trace search).
    let times: Vec<i64> = if lines.is_empty() {
        digests
            .iter()
            .map(|d| i64::try_from(d.start_ns).unwrap_or(i64::MAX))
            .collect()
    } else {
        lines.iter().map(|l| l.ts_ns).collect()
    };
    let start_ns = times.iter().copied().min().unwrap_or(0);
    let end_ns = times.iter().copied().max().unwrap_or(0);
    let templates = templates_of(input, g, pattern_of);

    let Blame {
        service,
        failing,
        chain,
        consistent,
    } = blame(key, &digests, &lines);

    let message = match key {
        Key::LogChain { message, .. } => message.clone(),
        Key::Log { pattern } => input
            .patterns
            .get(*pattern)
            .map(|p| p.message.clone())
            .unwrap_or_default(),
        _ => String::new(),
    };
    let origin_fields = lines
        .iter()
        .find(|l| l.service == service)
        .map(|l| line_fields(line_text(input, l)))
        .unwrap_or_default();
    let dependency = match &failing {
        Some(f) => dependency_of(&f.kind, &f.attributes, traced),
        None => dependency_in_fields(&origin_fields),
    };
    let cause = match (key, &failing) {
        (Key::Slow { .. }, _) => Cause::Latency,
        (_, Some(f)) => {
            let mut texts: Vec<&str> = vec![f.status_message.as_str()];
            texts.extend(chain.iter().rev().map(|s| s.status_message.as_str()));
            classify(&texts, &f.attributes)
        }
        _ => classify(&[message.as_str()], &BTreeMap::new()),
    };

    let upstream: Vec<String> = match key {
        Key::LogChain { .. } => most_common(&g.orders)
            .map(|o| o.iter().skip(1).cloned().collect())
            .unwrap_or_default(),
        _ => {
            let mut up: Vec<String> = Vec::new();
            for s in chain.iter().rev() {
                if s.service != service && !up.contains(&s.service) {
                    up.push(s.service.clone());
                }
            }
            up
        }
    };

    let mut title = headline(cause, dependency.as_ref(), &service);
    match &failing {
        Some(f) if f.error => {
            title.push_str(&format!(" — {} `{}`", f.service, f.name));
            if !f.status_message.is_empty() {
                title.push_str(&format!(": {}", f.status_message));
            }
        }
        Some(f) => title.push_str(&format!(
            " — {} `{}` takes {} s",
            f.service,
            f.name,
            seconds_range(f.duration_ms_min, f.duration_ms_max)
        )),
        None if !message.is_empty() => title.push_str(&format!(" — {service}: {message}")),
        None => {}
    }

    let trace_ids: Vec<String> = if digests.is_empty() {
        g.trace_ids.iter().take(EXAMPLE_TRACES).cloned().collect()
    } else {
        digests
            .iter()
            .take(EXAMPLE_TRACES)
            .map(|d| d.trace_id.clone())
            .collect()
    };
    let traces = if digests.is_empty() {
        g.trace_ids.len()
    } else {
        digests.len()
    };
    let basis = match key {
        Key::Failure { .. } | Key::Slow { .. } => Basis::Traces,
        Key::LogChain { .. } => Basis::LogChain,
        Key::Log { .. } => Basis::LogLines,
    };
    let confidence = match basis {
        Basis::Traces if traces >= 3 && consistent * 10 >= traces * 8 => Confidence::High,
        Basis::Traces => Confidence::Medium,
        _ if lines.len() >= 3 => Confidence::Medium,
        _ => Confidence::Low,
    };
    let score = if total_lines > 0 {
        lines.len() as f64 / total_lines as f64
    } else if total_traces > 0 {
        digests.len() as f64 / total_traces as f64
    } else {
        0.0
    };
    let mut examples: Vec<&LogLine> = lines.clone();
    examples.sort_by_key(|l| (l.service != service, std::cmp::Reverse(l.ts_ns)));
    let example_lines = examples
        .iter()
        .take(EXAMPLE_LINES)
        .map(|l| ExampleLine {
            time: nanos_rfc3339(l.ts_ns),
            service: l.service.clone(),
            line: line_text(input, l).chars().take(500).collect(),
        })
        .collect();
    let services: BTreeSet<&str> = by_service.keys().map(String::as_str).collect();
    let spike = input
        .spikes
        .iter()
        .filter(|s| {
            s.labels
                .get("service")
                .is_some_and(|sv| services.contains(sv.as_str()))
                && s.start_ms * 1_000_000 <= end_ns
                && s.end_ms * 1_000_000 >= start_ns
        })
        .max_by(|a, b| a.score.total_cmp(&b.score))
        .cloned();
    let supporting: Vec<String> = if digests.is_empty() {
        g.trace_ids.iter().cloned().collect()
    } else {
        digests.iter().map(|d| d.trace_id.clone()).collect()
    };
    let (related_by_service, related_traces, related_examples) =
        related_lines(input, &supporting, &lines);
    Hypothesis {
        id: String::new(),
        rank: 0,
        title,
        service,
        cause,
        basis,
        dependency,
        score: (score * 1000.0).round() / 1000.0,
        confidence,
        start: nanos_rfc3339(start_ns),
        end: nanos_rfc3339(end_ns),
        start_ns,
        end_ns,
        lines: lines.len(),
        lines_by_template: g.by_template,
        lines_by_service: by_service,
        traces,
        trace_ids,
        supporting_trace_ids: supporting,
        failing_span: failing,
        chain: chain.iter().map(chain_step).collect(),
        upstream_services: upstream,
        templates,
        example_lines,
        spike,
        related_lines: related_by_service.values().sum(),
        related_lines_by_service: related_by_service,
        related_traces,
        related_examples,
        evidence: Vec::new(),
        evidence_ids: Vec::new(),
    }
}

fn templates_of(
    input: &DiagnosisInput<'_>,
    g: &Group,
    pattern_of: &[Option<usize>],
) -> Vec<TemplateCount> {
    let mut templates: BTreeMap<usize, usize> = BTreeMap::new();
    for &l in &g.lines {
        if let Some(p) = pattern_of[l] {
            *templates.entry(p).or_default() += 1;
        }
    }
    let mut templates: Vec<TemplateCount> = templates
        .into_iter()
        .map(|(p, count)| TemplateCount {
            service: input.patterns[p].service.clone(),
            message: input.patterns[p].message.clone(),
            count,
        })
        .collect();
    templates.sort_by(|a, b| b.count.cmp(&a.count).then(a.service.cmp(&b.service)));
    templates.truncate(TEMPLATES);
    templates
}

/// The span a group blames and the chain above it.
struct Blame {
    /// Where the failure starts.
    service: String,
    failing: Option<FailingSpan>,
    chain: Vec<SpanBrief>,
    /// Traces whose chain is the representative one.
    consistent: usize,
}

/// Trace-backed groups blame the most common chain's culprit (or slow span), with the durations of that
/// span over all their traces; log groups blame the service of their first line.
fn blame(key: &Key, digests: &[&TraceDigest], lines: &[&LogLine]) -> Blame {
    let (service, failing, chain, consistent) = match key {
        Key::Failure { .. } | Key::Slow { .. } => {
            let pick = |d: &TraceDigest| -> Option<SpanBrief> {
                match key {
                    Key::Failure { .. } => d.culprit.clone(),
                    _ => d.slow_culprit().cloned(),
                }
            };
            let mut chains: HashMap<Vec<String>, usize> = HashMap::new();
            for d in digests {
                *chains.entry(chain_label(&d.chain)).or_default() += 1;
            }
            let rep = digests
                .iter()
                .max_by_key(|d| {
                    (
                        chains[&chain_label(&d.chain)],
                        std::cmp::Reverse(d.start_ns),
                    )
                })
                .copied();
            let consistent = rep.map_or(0, |d| chains[&chain_label(&d.chain)]);
            let spans: Vec<SpanBrief> = digests.iter().filter_map(|d| pick(d)).collect();
            let failing = rep.and_then(pick).map(|s| FailingSpan {
                duration_ms_min: spans
                    .iter()
                    .map(|s| s.duration_ms)
                    .fold(f64::INFINITY, f64::min),
                duration_ms_max: spans.iter().map(|s| s.duration_ms).fold(0.0, f64::max),
                service: s.service.clone(),
                name: s.name.clone(),
                kind: s.kind.clone(),
                status_message: s.status_message.clone(),
                error: s.is_error(),
                attributes: s.attributes,
            });
            let chain = rep.map(|d| d.chain.clone()).unwrap_or_default();
            let service = failing
                .as_ref()
                .map(|f| f.service.clone())
                .unwrap_or_default();
            (service, failing, chain, consistent)
        }
        Key::LogChain { service, .. } => (service.clone(), None, Vec::new(), 0),
        Key::Log { .. } => (
            lines.first().map(|l| l.service.clone()).unwrap_or_default(),
            None,
            Vec::new(),
            0,
        ),
    };

    Blame {
        service,
        failing,
        chain,
        consistent,
    }
}

/// Traces → logs of a group: lines of its traces that are not in the answer, by service, the number of
/// its traces that were looked up, and a few examples.
fn related_lines(
    input: &DiagnosisInput<'_>,
    supporting: &[String],
    lines: &[&LogLine],
) -> (BTreeMap<String, usize>, usize, Vec<ExampleLine>) {
    let in_answer: BTreeSet<(&str, i64)> = lines
        .iter()
        .map(|l| (l.service.as_str(), l.ts_ns))
        .collect();
    let asked: BTreeSet<&str> = input.trace_logs.asked.iter().map(String::as_str).collect();
    let mut related_by_service: BTreeMap<String, usize> = BTreeMap::new();
    let mut related_examples = Vec::new();
    let mut related_traces = 0;
    for id in supporting.iter().filter(|id| asked.contains(id.as_str())) {
        related_traces += 1;
        for l in input.trace_logs.lines.get(id).into_iter().flatten() {
            if in_answer.contains(&(l.service.as_str(), l.ts_ns)) {
                continue;
            }
            *related_by_service.entry(l.service.clone()).or_default() += 1;
            if related_examples.len() < EXAMPLE_LINES {
                related_examples.push(ExampleLine {
                    time: l.time.clone(),
                    service: l.service.clone(),
                    line: l.line.chars().take(500).collect(),
                });
            }
        }
    }
    (related_by_service, related_traces, related_examples)
}

fn most_common(orders: &[Vec<String>]) -> Option<&Vec<String>> {
    let mut counts: HashMap<&Vec<String>, usize> = HashMap::new();
    for o in orders {
        *counts.entry(o).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(o, _)| o)
}

fn seconds_range(min_ms: f64, max_ms: f64) -> String {
    let s = |ms: f64| format!("{:.1}", ms / 1000.0);
    if s(min_ms) == s(max_ms) {
        s(max_ms)
    } else {
        format!("{}–{}", s(min_ms), s(max_ms))
    }
}
