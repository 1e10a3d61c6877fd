//! The evidence pack a summary may cite: numbered facts (`E1`, `E2`, ...) about what a query returned —
//! counts, time windows, patterns, trace summaries, and the diagnosis engine's hypotheses when there are
//! any. Built under the privacy mode: in `metadata` mode it holds names, counts, windows, ids and masked
//! patterns only; raw lines and attribute values appear (redacted) only in `redacted`/`full` mode.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::privacy::{self, Redactor};
use crate::execute::{Executed, QueryResult};
use crate::ground::Schema;
use crate::settings::Privacy;

/// Patterns kept per answer.
const MAX_PATTERNS: usize = 5;
/// Trace ids listed per evidence item.
const MAX_IDS: usize = 5;

/// One fact with an id the summary cites as `[E1]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub id: String,
    /// `count`, `window`, `pattern`, `traces`, `trace`, `series`, `hypothesis`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub text: String,
    /// Trace ids this fact names (32 hex).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace_ids: Vec<String>,
}

/// What a summary may say, and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct EvidencePack {
    pub question: String,
    pub query: Option<String>,
    pub items: Vec<Evidence>,
    /// Every service the schema knows (claims about other services are not checked against this).
    #[serde(skip)]
    pub known_services: Vec<String>,
}

impl EvidencePack {
    pub fn new(question: &str, schema: &Schema) -> Self {
        let mut known: Vec<String> = schema
            .loki
            .service_label
            .as_ref()
            .and_then(|l| schema.loki.labels.get(l))
            .cloned()
            .unwrap_or_default();
        known.extend(schema.tempo.services.iter().cloned());
        known.sort();
        known.dedup();
        EvidencePack {
            question: question.to_string(),
            query: None,
            items: Vec::new(),
            known_services: known,
        }
    }

    /// Adds a fact and returns its id.
    pub fn push(
        &mut self,
        kind: &'static str,
        service: Option<String>,
        text: impl Into<String>,
        trace_ids: Vec<String>,
    ) -> String {
        let id = format!("E{}", self.items.len() + 1);
        self.items.push(Evidence {
            id: id.clone(),
            kind,
            service,
            text: text.into(),
            trace_ids,
        });
        id
    }

    /// Services named anywhere in the evidence.
    pub fn services(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .items
            .iter()
            .filter_map(|e| e.service.as_deref())
            .collect();
        for s in &self.known_services {
            if self.items.iter().any(|e| e.text.contains(s.as_str())) && !out.contains(&s.as_str())
            {
                out.push(s);
            }
        }
        out
    }

    /// Adds the diagnosis engine's hypotheses (`{title, service, evidence}` objects, ranked).
    pub fn add_hypotheses(&mut self, hypotheses: &[Value], privacy: Privacy, redactor: &Redactor) {
        for (rank, h) in hypotheses.iter().enumerate().take(5) {
            let service = h.get("service").and_then(Value::as_str).map(str::to_string);
            let title = h.get("title").and_then(Value::as_str).unwrap_or("");
            let text = match privacy::value_for_prompt(privacy, redactor, title) {
                Some(t) => format!("hypothesis {}: {t}", rank + 1),
                None => format!(
                    "hypothesis {} concerns {}",
                    rank + 1,
                    service.as_deref().unwrap_or("an unnamed service")
                ),
            };
            self.push("hypothesis", service, text, Vec::new());
        }
    }

    /// Facts about a query's answer.
    pub fn add_executed(&mut self, executed: &Executed, privacy: Privacy, redactor: &Redactor) {
        self.query = Some(
            match privacy::value_for_prompt(privacy, redactor, &executed.query) {
                Some(q) => q,
                None => "(withheld in metadata mode)".into(),
            },
        );
        match &executed.result {
            QueryResult::Streams(streams) => self.add_streams(streams, privacy, redactor),
            QueryResult::Series { series, instant } => {
                for s in series.iter().take(8) {
                    let service = s
                        .labels
                        .get("service_name")
                        .or_else(|| s.labels.get("resource.service.name"))
                        .cloned();
                    let labels: Vec<String> = s
                        .labels
                        .iter()
                        .map(|(k, v)| {
                            let shown = if matches!(
                                k.as_str(),
                                "service_name"
                                    | "resource.service.name"
                                    | "level"
                                    | "detected_level"
                            ) {
                                Some(v.clone())
                            } else {
                                privacy::value_for_prompt(privacy, redactor, v)
                            };
                            format!("{k}={}", shown.unwrap_or_else(|| "<_>".into()))
                        })
                        .collect();
                    let finite: Vec<&crate::execute::Point> =
                        s.points.iter().filter(|p| p.value.is_finite()).collect();
                    let Some(peak) = finite.iter().max_by(|a, b| a.value.total_cmp(&b.value))
                    else {
                        continue;
                    };
                    let text = if *instant || finite.len() == 1 {
                        format!("series {{{}}} = {}", labels.join(", "), num(peak.value))
                    } else {
                        let total: f64 = finite.iter().map(|p| p.value).sum();
                        format!(
                            "series {{{}}}: peak {} at {}, sum {} over {} samples",
                            labels.join(", "),
                            num(peak.value),
                            time(peak.t_ms),
                            num(total),
                            finite.len()
                        )
                    };
                    self.push("series", service, text, Vec::new());
                }
            }
            QueryResult::TraceSearch(traces) => {
                let mut by_service: BTreeMap<String, usize> = BTreeMap::new();
                for t in traces {
                    *by_service
                        .entry(
                            t.root_service_name
                                .clone()
                                .unwrap_or_else(|| "unknown".into()),
                        )
                        .or_default() += 1;
                }
                self.push(
                    "count",
                    None,
                    format!("{} traces matched", traces.len()),
                    Vec::new(),
                );
                for (service, n) in by_service.iter().take(8) {
                    self.push(
                        "traces",
                        Some(service.clone()),
                        format!("{n} of them have root service {service}"),
                        Vec::new(),
                    );
                }
                let mut slow: Vec<_> = traces.iter().filter(|t| t.duration_ms.is_some()).collect();
                slow.sort_by_key(|t| std::cmp::Reverse(t.duration_ms));
                for t in slow.iter().take(3) {
                    let name = t
                        .root_trace_name
                        .as_deref()
                        .and_then(|n| privacy::value_for_prompt(privacy, redactor, n));
                    self.push(
                        "trace",
                        t.root_service_name.clone(),
                        format!(
                            "trace {} ({}{}) took {} ms",
                            t.trace_id,
                            t.root_service_name.as_deref().unwrap_or("unknown"),
                            name.map(|n| format!(" {n}")).unwrap_or_default(),
                            t.duration_ms.unwrap_or(0)
                        ),
                        vec![t.trace_id.clone()],
                    );
                }
            }
            QueryResult::Trace(t) => {
                let mut services: BTreeMap<String, (usize, usize)> = BTreeMap::new();
                for rs in &t.trace.resource_spans {
                    let service = rs
                        .resource
                        .attributes
                        .iter()
                        .find(|kv| kv.key == "service.name")
                        .and_then(|kv| kv.value.string_value.clone())
                        .unwrap_or_else(|| "unknown".into());
                    for ss in &rs.scope_spans {
                        for span in &ss.spans {
                            let e = services.entry(service.clone()).or_default();
                            e.0 += 1;
                            if span.status.code_number() == 2 {
                                e.1 += 1;
                            }
                        }
                    }
                }
                self.push(
                    "trace",
                    None,
                    format!("trace {} has {} spans", t.trace_id, t.trace.span_count()),
                    vec![t.trace_id.clone()],
                );
                for (service, (spans, errors)) in services {
                    self.push(
                        "trace",
                        Some(service.clone()),
                        format!("{service}: {spans} spans, {errors} with error status"),
                        vec![t.trace_id.clone()],
                    );
                }
            }
        }
    }

    fn add_streams(
        &mut self,
        streams: &[crate::execute::loki_types::Stream],
        privacy: Privacy,
        redactor: &Redactor,
    ) {
        let total: usize = streams.iter().map(|s| s.entries.len()).sum();
        let mut per_service: BTreeMap<String, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
        let mut patterns: BTreeMap<String, (usize, String, String)> = BTreeMap::new();
        let mut first = i64::MAX;
        let mut last = i64::MIN;
        let mut ids: Vec<String> = Vec::new();
        for s in streams {
            let service = s
                .labels
                .get("service_name")
                .cloned()
                .unwrap_or_else(|| "unknown".into());
            let level = s
                .labels
                .get("level")
                .or_else(|| s.labels.get("detected_level"))
                .cloned()
                .unwrap_or_else(|| "unknown".into());
            for e in &s.entries {
                first = first.min(e.ts_ns);
                last = last.max(e.ts_ns);
                let slot = per_service.entry(service.clone()).or_default();
                slot.0 += 1;
                *slot.1.entry(level.clone()).or_default() += 1;
                let shape = privacy::pattern(&e.line);
                let p = patterns
                    .entry(format!("{service}\u{0}{shape}"))
                    .or_insert_with(|| (0, service.clone(), e.line.clone()));
                p.0 += 1;
                if let Some(id) =
                    trace_id_in_line(&e.line).or_else(|| s.labels.get("trace_id").cloned())
                    && !ids.contains(&id)
                {
                    ids.push(id);
                }
            }
        }
        self.push(
            "count",
            None,
            format!("{total} log lines matched"),
            Vec::new(),
        );
        if total > 0 {
            self.push(
                "window",
                None,
                format!(
                    "first line at {}, last at {}",
                    time_ns(first),
                    time_ns(last)
                ),
                Vec::new(),
            );
        }
        for (service, (n, levels)) in per_service.iter().take(10) {
            let levels: Vec<String> = levels.iter().map(|(l, c)| format!("{l} {c}")).collect();
            self.push(
                "count",
                Some(service.clone()),
                format!("{service}: {n} lines ({})", levels.join(", ")),
                Vec::new(),
            );
        }
        let mut ranked: Vec<(String, (usize, String, String))> = patterns.into_iter().collect();
        ranked.sort_by_key(|r| std::cmp::Reverse(r.1.0));
        for (key, (n, service, example)) in ranked.into_iter().take(MAX_PATTERNS) {
            let shape = key.split('\u{0}').nth(1).unwrap_or("").to_string();
            let text = match privacy::value_for_prompt(privacy, redactor, &example) {
                Some(line) => format!("{n} lines like: {line}"),
                None => format!("{n} lines with pattern: {shape}"),
            };
            self.push("pattern", Some(service), text, Vec::new());
        }
        if !ids.is_empty() {
            let shown: Vec<String> = ids.iter().take(MAX_IDS).cloned().collect();
            self.push(
                "traces",
                None,
                format!(
                    "{} distinct trace ids in the lines, e.g. {}",
                    ids.len(),
                    shown.join(", ")
                ),
                shown,
            );
        }
    }

    /// The pack as prompt lines: `[E1] (service) text`.
    pub fn to_prompt_lines(&self) -> String {
        self.items
            .iter()
            .map(|e| match &e.service {
                Some(s) => format!("[{}] ({s}) {}", e.id, e.text),
                None => format!("[{}] {}", e.id, e.text),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `trace_id=<hex>` (logfmt) or `"trace_id":"<hex>"` (JSON), padded to 32 hex.
fn trace_id_in_line(line: &str) -> Option<String> {
    let at = line.find("trace_id")? + "trace_id".len();
    let rest = line[at..].trim_start_matches(['"', ':', '=', ' ']);
    let hex: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    if hex.len() < 16 {
        return None;
    }
    crate::execute::trace_id::pad_trace_id(&hex.to_ascii_lowercase())
}

fn num(v: f64) -> String {
    crate::plan::logql_number(v)
}

fn time(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn time_ns(ns: i64) -> String {
    time(ns.div_euclid(1_000_000))
}
