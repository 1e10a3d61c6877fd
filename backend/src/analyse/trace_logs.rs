//! Traces → logs: the log lines of every service that carry a set of trace ids. Services write the id
//! in the line (`trace_id=…`, `"trace_id":"…"`) or attach it as structured metadata (a label, not in
//! the line), and one LogQL query cannot ask for either, so two run side by side and their answers are
//! merged: `{service_name=~".+"} |~ "id1|id2"` and `{service_name=~".+"} | trace_id=~"id1|id2"` (with the
//! service label the answer's streams use).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::extract::{service_of, trace_id_in_entry};
use crate::execute::loki::{Direction, build_log_query};
use crate::execute::loki_types::{QueryData, Stream};
use crate::execute::{ExecuteError, LokiClient, TimeRange};
use crate::plan::escape::regex_literal;
use crate::plan::logql::{CmpOp, LabelFilter, LabelName, LineOp, LogQuery, Matcher, Stage, Value};

/// Trace ids asked for in one pair of queries (each id adds 33 characters to the regex).
pub const MAX_TRACE_LOG_IDS: usize = 20;

/// The two queries (line text, structured metadata) for `ids` (at most [`MAX_TRACE_LOG_IDS`]) over every
/// stream with a `service_label` (`service_name` unless the answer's streams name services otherwise).
pub fn build_trace_logs_queries(service_label: &str, ids: &[String]) -> Vec<String> {
    let alternatives: Vec<String> = ids
        .iter()
        .take(MAX_TRACE_LOG_IDS)
        .map(|id| regex_literal(id))
        .collect();
    if alternatives.is_empty() {
        return Vec::new();
    }
    let regex = alternatives.join("|");
    let service = LabelName::new(service_label).or_else(|| LabelName::new("service_name"));
    let (Some(service), Some(trace_id)) = (service, LabelName::new("trace_id")) else {
        return Vec::new();
    };
    let any_service = Matcher {
        label: service,
        op: crate::plan::logql::MatchOp::Re,
        value: ".+".into(),
    };
    vec![
        LogQuery::new(vec![any_service.clone()])
            .with(Stage::Line {
                op: LineOp::Matches,
                value: regex.clone(),
            })
            .to_string(),
        LogQuery::new(vec![any_service])
            .with(Stage::Filter(LabelFilter::Cmp {
                label: trace_id,
                op: CmpOp::Re,
                value: Value::String(regex),
            }))
            .to_string(),
    ]
}

/// A line of a trace, from the traces → logs queries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceLine {
    pub trace_id: String,
    pub service: String,
    #[serde(skip)]
    pub ts_ns: i64,
    pub time: String,
    pub line: String,
}

/// The lines of every service carrying `ids` within `range` (at most `limit` per query), by trace id,
/// each trace's lines oldest first. Fails only when both queries fail.
pub async fn fetch_trace_logs(
    loki: &LokiClient,
    service_label: &str,
    ids: &[String],
    range: &TimeRange,
    limit: u32,
) -> Result<BTreeMap<String, Vec<TraceLine>>, ExecuteError> {
    let queries = build_trace_logs_queries(service_label, ids);
    let answers = futures_util::future::join_all(queries.iter().map(|q| {
        let req = build_log_query(q, range, limit, Direction::Backward);
        async move { loki.fetch_query(&req).await }
    }))
    .await;
    let mut streams: Vec<Stream> = Vec::new();
    let mut last_error = None;
    let mut answered = 0;
    for answer in answers {
        match answer {
            Ok(QueryData::Streams(s)) => {
                answered += 1;
                streams.extend(s);
            }
            Ok(_) => answered += 1,
            Err(e) => last_error = Some(e),
        }
    }
    if answered == 0
        && let Some(e) = last_error
    {
        return Err(e);
    }
    Ok(group_by_trace(&streams, ids))
}

/// The lines of `streams` whose trace id is one of `ids`, deduplicated, by trace id, oldest first.
pub fn group_by_trace(streams: &[Stream], ids: &[String]) -> BTreeMap<String, Vec<TraceLine>> {
    let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let mut seen: HashMap<(String, i64, String), ()> = HashMap::new();
    let mut out: BTreeMap<String, Vec<TraceLine>> = BTreeMap::new();
    for stream in streams {
        let service = service_of(&stream.labels)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| "unknown".into());
        for entry in &stream.entries {
            let Some(found) = trace_id_in_entry(&stream.labels, entry) else {
                continue;
            };
            if !wanted.contains(found.trace_id.as_str()) {
                continue;
            }
            let key = (service.clone(), entry.ts_ns, entry.line.clone());
            if seen.insert(key, ()).is_some() {
                continue;
            }
            out.entry(found.trace_id.clone())
                .or_default()
                .push(TraceLine {
                    trace_id: found.trace_id,
                    service: service.clone(),
                    ts_ns: entry.ts_ns,
                    time: crate::answer::nanos_rfc3339(entry.ts_ns),
                    line: entry.line.chars().take(1000).collect(),
                });
        }
    }
    for lines in out.values_mut() {
        lines.sort_by(|a, b| a.ts_ns.cmp(&b.ts_ns).then(a.service.cmp(&b.service)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::loki_types::Entry;

    #[test]
    fn two_queries_cover_lines_and_structured_metadata() {
        let ids = vec![
            "05722bc54b5e4a401a5a897790ba1d38".to_string(),
            "dbb464a3cec79642a13a9da294e7eb2a".to_string(),
        ];
        assert_eq!(
            build_trace_logs_queries("service_name", &ids),
            vec![
                r#"{service_name=~".+"} |~ "05722bc54b5e4a401a5a897790ba1d38|dbb464a3cec79642a13a9da294e7eb2a""#,
                r#"{service_name=~".+"} | trace_id =~ "05722bc54b5e4a401a5a897790ba1d38|dbb464a3cec79642a13a9da294e7eb2a""#,
            ]
        );
        assert!(build_trace_logs_queries("service_name", &[]).is_empty());
        assert!(build_trace_logs_queries("app", &ids)[0].starts_with(r#"{app=~".+"}"#));
        assert!(
            build_trace_logs_queries("service.name", &ids)[0]
                .starts_with(r#"{service_name=~".+"}"#)
        );
        let many: Vec<String> = (0..50).map(|i| format!("{i:032x}")).collect();
        assert_eq!(
            build_trace_logs_queries("service_name", &many)[0]
                .matches('|')
                .count(),
            MAX_TRACE_LOG_IDS
        );
    }

    #[test]
    fn lines_are_grouped_by_trace_and_deduplicated() {
        let id = "dbb464a3cec79642a13a9da294e7eb2a";
        let entry = |ts: i64, line: &str| Entry {
            ts_ns: ts,
            line: line.into(),
            structured_metadata: Default::default(),
            parsed: Default::default(),
        };
        let order = Stream {
            labels: BTreeMap::from([("service_name".into(), "order-service".into())]),
            entries: vec![
                entry(2, &format!("msg=b trace_id={id}")),
                entry(3, "msg=c trace_id=0af7651916cd43dd8448eb211c80319c"),
            ],
        };
        let gateway = Stream {
            labels: BTreeMap::from([
                ("service_name".into(), "api-gateway".into()),
                ("trace_id".into(), id.into()),
            ]),
            entries: vec![entry(1, "POST /api/v1/orders 500")],
        };
        // Both queries may return the same line.
        let grouped = group_by_trace(&[order.clone(), gateway, order], &[id.to_string()]);
        let lines = &grouped[id];
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].service, "api-gateway");
        assert_eq!(lines[1].service, "order-service");
        assert_eq!(grouped.len(), 1);
    }
}
