//! Annotation events (dashboard annotation queries, `queryType: "annotations"`): metric answers become
//! their spike windows as regions ("payment-service error spikes"), log answers one point per line
//! (as Grafana's own Loki annotations), trace answers one region per trace. One frame: `time`,
//! `timeEnd`, `text`, `tags` (comma separated), see docs/architecture.md.

use std::collections::BTreeSet;

use super::extract::service_of;
use super::spikes::{SpikeOptions, detect_spikes};
use crate::execute::{Executed, QueryResult, TimeRange};
use crate::frames::{Field, Frame, FrameMeta, Values};
use crate::plan::logql::{LogQuery, MatchOp};
use crate::plan::{Plan, Query};

/// Events kept in one answer.
const MAX_EVENTS: usize = 1000;
/// Characters of a log line shown in an event.
const TEXT_CHARS: usize = 300;

/// One annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotationEvent {
    pub start_ms: i64,
    /// Equal to `start_ms` for a point.
    pub end_ms: i64,
    pub text: String,
    pub tags: Vec<String>,
}

/// Services and the error status named by a TraceQL query (`resource.service.name = "x"`, `status = error`).
fn traceql_tags(plan: &Plan) -> Vec<String> {
    use crate::plan::traceql::{Attribute, Cond, Intrinsic, Op, Spanset, Static, Status};
    fn walk(c: &Cond, out: &mut Vec<String>) {
        match c {
            Cond::Cmp {
                attr,
                op: Op::Eq,
                value,
            } => match (attr, value) {
                (Attribute::Scoped { name, .. }, Static::String(v)) if name == "service.name" => {
                    push_unique(out, v)
                }
                (Attribute::Intrinsic(Intrinsic::Status), Static::Status(Status::Error)) => {
                    push_unique(out, "error")
                }
                _ => {}
            },
            Cond::And(all) | Cond::Or(all) => all.iter().for_each(|c| walk(c, out)),
            Cond::Cmp { .. } => {}
        }
    }
    fn spanset(s: &Spanset, out: &mut Vec<String>) {
        match s {
            Spanset::Filter(Some(c)) => walk(c, out),
            Spanset::Filter(None) => {}
            Spanset::Binary { lhs, rhs, .. } => {
                spanset(lhs, out);
                spanset(rhs, out);
            }
        }
    }
    let parsed;
    let query = match &plan.query {
        Some(Query::Trace(q)) => Some(q),
        Some(Query::Raw(text)) if !plan.kind.is_loki() => {
            parsed = crate::plan::traceql::parse(text).ok();
            match &parsed {
                Some(Query::Trace(q)) => Some(q),
                _ => None,
            }
        }
        _ => None,
    };
    let mut out = Vec::new();
    if let Some(q) = query {
        spanset(&q.spanset, &mut out);
    }
    out
}

/// Labels of the query's stream selector that make good tags (`service_name`, `level`, ...); for
/// TraceQL, the services and error status it names.
fn selector_tags(plan: &Plan) -> Vec<String> {
    if !plan.kind.is_loki() {
        return traceql_tags(plan);
    }
    let parsed;
    let log: Option<&LogQuery> = match &plan.query {
        Some(Query::Log(q)) => Some(q),
        Some(Query::LogMetric(m)) => m.log_query(),
        Some(Query::Raw(text)) if plan.kind.is_loki() => {
            parsed = crate::plan::logql::parse(text).ok();
            match &parsed {
                Some(Query::Log(q)) => Some(q),
                Some(Query::LogMetric(m)) => m.log_query(),
                _ => None,
            }
        }
        _ => None,
    };
    const TAG_LABELS: &[&str] = &[
        "service_name",
        "service",
        "app",
        "job",
        "namespace",
        "level",
        "detected_level",
    ];
    log.map(|q| {
        q.matchers
            .iter()
            .filter(|m| m.op == MatchOp::Eq && TAG_LABELS.contains(&m.label.as_str()))
            .map(|m| m.value.clone())
            .collect()
    })
    .unwrap_or_default()
}

fn push_unique(tags: &mut Vec<String>, tag: &str) {
    if !tag.is_empty() && !tags.iter().any(|t| t == tag) {
        tags.push(tag.to_string());
    }
}

fn number(v: f64) -> String {
    crate::plan::logql_number((v * 100.0).round() / 100.0)
}

/// The events of an executed plan.
pub fn annotation_events(plan: &Plan, executed: &Executed) -> Vec<AnnotationEvent> {
    let base_tags = selector_tags(plan);
    let mut events = Vec::new();
    match &executed.result {
        QueryResult::Series { series, instant } => {
            if *instant {
                return events;
            }
            let step_ms = plan
                .step
                .map(|s| i64::try_from(s.as_nanos() / 1_000_000).unwrap_or(i64::MAX))
                .unwrap_or(60_000)
                .max(1);
            let range = TimeRange::of_plan(plan)
                .ok()
                .map(|r| (r.start.timestamp_millis(), r.end.timestamp_millis()));
            let query = executed.query.to_ascii_lowercase();
            let latency = ["quantile", "duration", "avg_over_time", "max_over_time"]
                .iter()
                .any(|w| query.contains(w));
            let is_rate = query.contains("rate(");
            for s in series {
                let (mut series_counts, opts) = (
                    s.clone(),
                    if latency {
                        SpikeOptions::latency()
                    } else {
                        SpikeOptions::counts()
                    },
                );
                if is_rate && !latency {
                    // Per-second rates → events per bucket, so that the count thresholds apply.
                    let secs = step_ms as f64 / 1000.0;
                    for p in &mut series_counts.points {
                        p.value *= secs;
                    }
                }
                // The quantile label (`p`) names no series.
                let label_values: Vec<&str> = s
                    .labels
                    .iter()
                    .filter(|(k, _)| k.as_str() != "p")
                    .map(|(_, v)| v.as_str())
                    .collect();
                let name = if label_values.is_empty() {
                    base_tags
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "series".into())
                } else {
                    label_values.join(", ")
                };
                for spike in detect_spikes(&series_counts, step_ms, range, &opts) {
                    let scale = if is_rate && !latency {
                        step_ms as f64 / 1000.0
                    } else {
                        1.0
                    };
                    let ratio = spike
                        .ratio()
                        .map(|r| {
                            format!(
                                "{}× the baseline of {}",
                                number(r),
                                number(spike.baseline / scale)
                            )
                        })
                        .unwrap_or_else(|| format!("baseline {}", number(spike.baseline / scale)));
                    let mut tags = base_tags.clone();
                    for v in &label_values {
                        push_unique(&mut tags, v);
                    }
                    if latency {
                        push_unique(&mut tags, "latency");
                    }
                    push_unique(&mut tags, "spike");
                    events.push(AnnotationEvent {
                        start_ms: spike.start_ms,
                        end_ms: spike.end_ms,
                        text: format!(
                            "{name} spike: peak {} at {} ({ratio})",
                            number(spike.peak / scale),
                            super::clock_ns(spike.peak_ms * 1_000_000)
                        ),
                        tags,
                    });
                }
            }
        }
        QueryResult::Streams(streams) => {
            for s in streams {
                let mut tags = base_tags.clone();
                if let Some((_, service)) = service_of(&s.labels) {
                    push_unique(&mut tags, service);
                }
                if let Some(level) = s
                    .labels
                    .get("level")
                    .or_else(|| s.labels.get("detected_level"))
                {
                    push_unique(&mut tags, level);
                }
                for e in &s.entries {
                    let ms = e.ts_ns.div_euclid(1_000_000);
                    events.push(AnnotationEvent {
                        start_ms: ms,
                        end_ms: ms,
                        text: e.line.chars().take(TEXT_CHARS).collect(),
                        tags: tags.clone(),
                    });
                }
            }
        }
        QueryResult::TraceSearch(traces) => {
            for t in traces {
                let start = i64::try_from(t.start_time_unix_nano / 1_000_000).unwrap_or(i64::MAX);
                let end = start + i64::try_from(t.duration_ms.unwrap_or(0)).unwrap_or(0);
                let service = t.root_service_name.clone().unwrap_or_default();
                let mut tags = Vec::new();
                push_unique(&mut tags, &service);
                push_unique(&mut tags, "trace");
                events.push(AnnotationEvent {
                    start_ms: start,
                    end_ms: end,
                    text: format!(
                        "{service} {} ({} ms), trace {}",
                        t.root_trace_name.as_deref().unwrap_or_default(),
                        t.duration_ms.unwrap_or(0),
                        t.trace_id
                    ),
                    tags,
                });
            }
        }
        QueryResult::Trace(t) => {
            let digest = super::trace_summary::digest_trace(t);
            let start = i64::try_from(digest.start_ns / 1_000_000).unwrap_or(i64::MAX);
            let services: BTreeSet<&str> = digest.services.iter().map(String::as_str).collect();
            events.push(AnnotationEvent {
                start_ms: start,
                end_ms: start + digest.duration_ms.round() as i64,
                text: format!(
                    "trace {} {} `{}` ({:.0} ms)",
                    t.trace_id, digest.root_service, digest.root_name, digest.duration_ms
                ),
                tags: services.into_iter().map(String::from).collect(),
            });
        }
    }
    events.sort_by_key(|e| (e.start_ms, e.end_ms));
    if events.len() > MAX_EVENTS {
        // Keep the newest.
        events.drain(..events.len() - MAX_EVENTS);
    }
    events
}

/// The annotation frame of the architecture contract.
pub fn build_annotation_frame(events: &[AnnotationEvent]) -> Frame {
    let ns = |ms: i64| ms.saturating_mul(1_000_000);
    let mut frame = Frame::new(
        "annotations",
        vec![
            Field::new(
                "time",
                Values::Time(events.iter().map(|e| ns(e.start_ms)).collect()),
            ),
            Field::new(
                "timeEnd",
                Values::Time(events.iter().map(|e| ns(e.end_ms)).collect()),
            ),
            Field::new(
                "text",
                Values::Str(events.iter().map(|e| e.text.clone()).collect()),
            ),
            Field::new(
                "tags",
                Values::Str(events.iter().map(|e| e.tags.join(",")).collect()),
            ),
        ],
    );
    frame.meta = Some(FrameMeta::default());
    frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::{Point, Series};
    use crate::plan::PlanKind;
    use chrono::{TimeZone, Utc};

    fn metric_plan(query: &str) -> Plan {
        let mut plan = Plan::raw(
            PlanKind::Metrics,
            query,
            Utc.timestamp_opt(0, 0).unwrap(),
            Utc.timestamp_opt(3600, 0).unwrap(),
        );
        plan.step = Some(crate::plan::QueryDuration::from_mins(1));
        plan
    }

    fn executed(plan: &Plan, values: &[(i64, f64)]) -> Executed {
        Executed {
            kind: plan.kind,
            query: plan.query_text().unwrap_or_default(),
            result: QueryResult::Series {
                series: vec![Series {
                    labels: Default::default(),
                    points: values
                        .iter()
                        .map(|(t, v)| Point {
                            t_ms: *t,
                            value: *v,
                        })
                        .collect(),
                }],
                instant: false,
            },
            limit: None,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn error_count_spikes_become_regions_tagged_by_selector() {
        let plan = metric_plan(
            r#"sum(count_over_time({service_name="payment-service", level="error"}[1m]))"#,
        );
        let ex = executed(
            &plan,
            &[(1_200_000, 9.0), (1_260_000, 14.0), (1_320_000, 6.0)],
        );
        let events = annotation_events(&plan, &ex);
        assert_eq!(events.len(), 1, "{events:?}");
        let e = &events[0];
        assert_eq!((e.start_ms, e.end_ms), (1_140_000, 1_320_000));
        assert_eq!(e.tags, ["payment-service", "error", "spike"]);
        assert!(
            e.text
                .starts_with("payment-service spike: peak 14 at 00:21:00"),
            "{}",
            e.text
        );
        let frame = build_annotation_frame(&events);
        assert_eq!(
            frame.field("tags").unwrap().values.text_at(0).unwrap(),
            "payment-service,error,spike"
        );
        assert_eq!(
            frame.field("time").unwrap().values.text_at(0).unwrap(),
            "1140000000000"
        );
        frame.check().unwrap();
    }

    #[test]
    fn flat_series_and_instant_answers_have_no_events() {
        let plan = metric_plan(r#"sum(rate({service_name="x"}[1m]))"#);
        let flat: Vec<(i64, f64)> = (1..=60).map(|i| (i * 60_000, 0.5)).collect();
        assert!(annotation_events(&plan, &executed(&plan, &flat)).is_empty());
        let mut ex = executed(&plan, &[(60_000, 100.0)]);
        if let QueryResult::Series { instant, .. } = &mut ex.result {
            *instant = true;
        }
        assert!(annotation_events(&plan, &ex).is_empty());
    }

    #[test]
    fn rate_spikes_are_judged_as_counts() {
        let plan = metric_plan(r#"sum(rate({service_name="x"}[1m]))"#);
        let mut values: Vec<(i64, f64)> = (1..=60).map(|i| (i * 60_000, 0.0)).collect();
        values[10].1 = 0.2; // 12 lines in that minute
        values[40].1 = 0.02; // ~1 line: not a spike
        let events = annotation_events(&plan, &executed(&plan, &values));
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(events[0].text.contains("peak 0.2"), "{}", events[0].text);
    }
}
