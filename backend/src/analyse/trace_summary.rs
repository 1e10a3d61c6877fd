//! One trace in a few lines ([`TraceDigest`]): the critical path (what the request waited on, with each
//! span's own share of the time), the slowest spans by their own time, the error spans with their status
//! messages, and the deepest error span — the service that failed first, whose failure the spans above it
//! only passed on — with the chain of spans from the root down to it. Compact enough for a person and an
//! LLM prompt; built from the OTLP trace Tempo returns (v1 `batches` and v2 `resourceSpans` alike).

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::execute::FetchedTrace;
use crate::execute::tempo_types::{KeyValue, Span};

/// Span attributes that say what a span talks to and how it failed (kept in summaries; statements, user
/// ids and bodies are left out).
const KEPT_ATTRIBUTES: &[&str] = &[
    "peer.service",
    "server.address",
    "server.port",
    "db.system",
    "db.name",
    "db.operation",
    "db.sql.table",
    "http.request.method",
    "http.response.status_code",
    "http.status_code",
    "http.route",
    "url.full",
    "rpc.system",
    "rpc.service",
    "rpc.method",
    "rpc.grpc.status_code",
    "messaging.system",
    "messaging.destination.name",
    "error.type",
    "exception.type",
    "exception.message",
];

/// Slowest spans listed per trace.
const SLOWEST: usize = 3;
/// Error spans listed per trace (all are counted).
const ERRORS_LISTED: usize = 10;

/// One span, as summaries show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpanBrief {
    pub span_id: String,
    pub service: String,
    pub name: String,
    /// `server`, `client`, `internal`, `producer`, `consumer` or empty.
    pub kind: String,
    /// 0 unset, 1 ok, 2 error.
    pub status_code: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status_message: String,
    #[serde(skip)]
    pub start_ns: u64,
    pub duration_ms: f64,
    /// Time spent in the span itself, not in its children (on the critical path: its share of the path).
    pub self_ms: f64,
    /// 0 for a root.
    pub depth: usize,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

impl SpanBrief {
    pub fn is_error(&self) -> bool {
        self.status_code == 2
    }

    /// `service `name``, the way summaries cite a span.
    pub fn label(&self) -> String {
        format!("{} `{}`", self.service, self.name)
    }
}

/// The summary of one trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceDigest {
    pub trace_id: String,
    pub root_service: String,
    pub root_name: String,
    #[serde(skip)]
    pub start_ns: u64,
    pub duration_ms: f64,
    pub span_count: usize,
    /// Services in the order the request reached them.
    pub services: Vec<String>,
    pub error_count: usize,
    /// Error spans, deepest first (at most ten).
    pub errors: Vec<SpanBrief>,
    /// The deepest error span: where the failure started.
    pub culprit: Option<SpanBrief>,
    /// Root → culprit (its ancestors and itself); for a trace without errors, root → the span with the
    /// most own time on the critical path. Only the culprit and the slow span of the critical path carry
    /// their attributes.
    pub chain: Vec<SpanBrief>,
    /// Spans with the most own time (at most three).
    pub slowest: Vec<SpanBrief>,
    /// Root → leaf: the spans the request waited on, `selfMs` being each one's share of the path.
    pub critical_path: Vec<SpanBrief>,
    /// Spans whose parent is not in the trace (partial traces).
    pub orphans: usize,
}

impl TraceDigest {
    /// The span on the critical path with the most own time: where a slow request spent its time.
    pub fn slow_culprit(&self) -> Option<&SpanBrief> {
        self.critical_path
            .iter()
            .max_by(|a, b| a.self_ms.total_cmp(&b.self_ms))
    }
}

struct Node<'a> {
    /// Without attributes: those are read only for the spans a summary keeps ([`Node::full`]).
    brief: SpanBrief,
    span: &'a Span,
    parent: String,
    end_ns: u64,
    children: Vec<usize>,
}

impl Node<'_> {
    /// The brief with the span's kept attributes.
    fn full(&self) -> SpanBrief {
        SpanBrief {
            attributes: kept_attributes(self.span),
            ..self.brief.clone()
        }
    }
}

/// A span id as lowercase hex: Tempo's base64 decoded (without the per-byte formatting of
/// `execute::trace_id`, this runs for every span of every trace), anything else lowercased as it is.
fn hex_id(id: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if id.is_empty() {
        return String::new();
    }
    match STANDARD.decode(id.trim()) {
        Ok(bytes) if !bytes.is_empty() => {
            let mut out = String::with_capacity(bytes.len() * 2);
            for b in bytes {
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0x0f)]));
            }
            out
        }
        _ => id.to_ascii_lowercase(),
    }
}

fn kept_attributes(span: &Span) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = span
        .attributes
        .iter()
        .filter(|kv| KEPT_ATTRIBUTES.contains(&kv.key.as_str()))
        .map(|kv| (kv.key.clone(), attribute_text(kv)))
        .collect();
    // The first exception event says what was thrown.
    if let Some(ev) = span.events.iter().find(|e| e.name == "exception") {
        for kv in &ev.attributes {
            if KEPT_ATTRIBUTES.contains(&kv.key.as_str()) {
                out.entry(kv.key.clone())
                    .or_insert_with(|| attribute_text(kv));
            }
        }
    }
    out
}

fn attribute_text(kv: &KeyValue) -> String {
    let text = kv.value.to_text();
    let text = if kv.key == "url.full" {
        // No query strings: they may carry tokens.
        text.split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        text
    };
    text.chars().take(300).collect()
}

/// Summarises one fetched trace.
pub fn digest_trace(fetched: &FetchedTrace) -> TraceDigest {
    let mut nodes: Vec<Node> = Vec::with_capacity(fetched.trace.span_count());
    for rs in &fetched.trace.resource_spans {
        let service = rs
            .resource
            .attributes
            .iter()
            .find(|kv| kv.key == "service.name")
            .map(|kv| kv.value.to_text())
            .unwrap_or_else(|| "unknown".to_string());
        for span in rs.scope_spans.iter().flat_map(|s| &s.spans) {
            let start = span.start_time_unix_nano;
            let end = span.end_time_unix_nano.max(start);
            nodes.push(Node {
                brief: SpanBrief {
                    span_id: hex_id(&span.span_id),
                    service: service.clone(),
                    name: span.name.clone(),
                    kind: span.kind_name().to_string(),
                    status_code: span.status.code_number(),
                    status_message: span.status.message.chars().take(500).collect(),
                    start_ns: start,
                    duration_ms: (end - start) as f64 / 1e6,
                    self_ms: 0.0,
                    depth: 0,
                    attributes: BTreeMap::new(),
                },
                span,
                parent: hex_id(&span.parent_span_id),
                end_ns: end,
                children: Vec::new(),
            });
        }
    }
    let by_id: HashMap<String, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.brief.span_id.clone(), i))
        .collect();
    let mut roots = Vec::new();
    let mut orphans = 0;
    let mut parent_of = vec![None; nodes.len()];
    for i in 0..nodes.len() {
        match by_id.get(&nodes[i].parent) {
            Some(&p) if p != i => {
                parent_of[i] = Some(p);
                nodes[p].children.push(i);
            }
            _ => {
                if !nodes[i].parent.is_empty() {
                    orphans += 1;
                }
                roots.push(i);
            }
        }
    }
    // Depths from the roots, breadth first; spans caught in a parent cycle become roots.
    let mut depth: Vec<Option<usize>> = vec![None; nodes.len()];
    let mut queue: std::collections::VecDeque<usize> = roots.iter().copied().collect();
    for &r in &roots {
        depth[r] = Some(0);
    }
    loop {
        while let Some(i) = queue.pop_front() {
            let d = depth[i].unwrap_or(0);
            for c in nodes[i].children.clone() {
                if depth[c].is_none() {
                    depth[c] = Some(d + 1);
                    queue.push_back(c);
                }
            }
        }
        match depth.iter().position(Option::is_none) {
            Some(i) => {
                depth[i] = Some(0);
                roots.push(i);
                queue.push_back(i);
            }
            None => break,
        }
    }
    for (i, node) in nodes.iter_mut().enumerate() {
        node.brief.depth = depth[i].unwrap_or(0);
    }
    for i in 0..nodes.len() {
        let mut children = std::mem::take(&mut nodes[i].children);
        children.sort_by_key(|&c| (nodes[c].brief.start_ns, c));
        nodes[i].brief.self_ms = own_time(&nodes, i, &children);
        nodes[i].children = children;
    }

    // The main root: the one covering the most time.
    let main_root = roots.iter().copied().max_by_key(|&r| {
        (
            nodes[r].end_ns - nodes[r].brief.start_ns,
            std::cmp::Reverse(r),
        )
    });
    let trace_start = nodes.iter().map(|n| n.brief.start_ns).min().unwrap_or(0);
    let trace_end = nodes.iter().map(|n| n.end_ns).max().unwrap_or(0);

    let mut critical_path = Vec::new();
    if let Some(root) = main_root {
        let mut segments: Vec<(usize, u64)> = Vec::new();
        walk_critical(&nodes, root, nodes[root].end_ns, &mut segments, 0);
        let mut share: BTreeMap<usize, u64> = BTreeMap::new();
        for (i, ns) in segments {
            *share.entry(i).or_default() += ns;
        }
        let mut on_path: Vec<usize> = share.keys().copied().collect();
        on_path.sort_by_key(|&i| (nodes[i].brief.depth, nodes[i].brief.start_ns));
        critical_path = on_path
            .into_iter()
            .map(|i| {
                let mut b = nodes[i].brief.clone();
                b.self_ms = share[&i] as f64 / 1e6;
                b
            })
            .collect();
    }

    // Attributes only where a hypothesis reads them: the slow span of the path and the culprit.
    if let Some(slow) = critical_path
        .iter_mut()
        .max_by(|a, b| a.self_ms.total_cmp(&b.self_ms))
        && let Some(&i) = by_id.get(&slow.span_id)
    {
        slow.attributes = kept_attributes(nodes[i].span);
    }
    let mut errors: Vec<&Node> = nodes.iter().filter(|n| n.brief.is_error()).collect();
    errors.sort_by(|a, b| {
        b.brief
            .depth
            .cmp(&a.brief.depth)
            .then(a.end_ns.cmp(&b.end_ns))
            .then(a.brief.start_ns.cmp(&b.brief.start_ns))
    });
    let culprit_index = errors
        .first()
        .and_then(|n| by_id.get(&n.brief.span_id).copied());
    let slow_index = critical_path
        .iter()
        .max_by(|a, b| a.self_ms.total_cmp(&b.self_ms))
        .and_then(|b| by_id.get(&b.span_id).copied());
    let chain = culprit_index
        .or(slow_index)
        .map(|i| ancestors(&nodes, &parent_of, i))
        .unwrap_or_default();

    let mut slowest: Vec<&Node> = nodes.iter().collect();
    slowest.sort_by(|a, b| b.brief.self_ms.total_cmp(&a.brief.self_ms));
    let mut services: Vec<(usize, u64, String)> = Vec::new();
    for n in &nodes {
        match services.iter_mut().find(|(_, _, s)| *s == n.brief.service) {
            Some(entry) => {
                if (n.brief.depth, n.brief.start_ns) < (entry.0, entry.1) {
                    entry.0 = n.brief.depth;
                    entry.1 = n.brief.start_ns;
                }
            }
            None => services.push((n.brief.depth, n.brief.start_ns, n.brief.service.clone())),
        }
    }
    services.sort();
    let root = main_root.map(|r| &nodes[r].brief);
    TraceDigest {
        trace_id: fetched.trace_id.clone(),
        root_service: root.map(|b| b.service.clone()).unwrap_or_default(),
        root_name: root.map(|b| b.name.clone()).unwrap_or_default(),
        start_ns: trace_start,
        duration_ms: trace_end.saturating_sub(trace_start) as f64 / 1e6,
        span_count: nodes.len(),
        services: services.into_iter().map(|(_, _, s)| s).collect(),
        error_count: errors.len(),
        culprit: errors.first().map(|n| n.full()),
        errors: errors
            .iter()
            .take(ERRORS_LISTED)
            .map(|n| n.brief.clone())
            .collect(),
        chain,
        slowest: slowest
            .iter()
            .take(SLOWEST)
            .map(|n| n.brief.clone())
            .collect(),
        critical_path,
        orphans,
    }
}

/// A span's own time: its duration minus the union of its children's intervals inside it.
fn own_time(nodes: &[Node], i: usize, children_by_start: &[usize]) -> f64 {
    let (start, end) = (nodes[i].brief.start_ns, nodes[i].end_ns);
    let mut covered = 0u64;
    let mut cursor = start;
    for &c in children_by_start {
        let cs = nodes[c].brief.start_ns.clamp(start, end).max(cursor);
        let ce = nodes[c].end_ns.clamp(start, end);
        if ce > cs {
            covered += ce - cs;
            cursor = ce;
        }
    }
    (end - start).saturating_sub(covered) as f64 / 1e6
}

/// The critical path below span `i`, up to time `until`: the child that finished last (before the
/// cursor) is what the span waited on; the time between is the span's own. Appends `(span, ns)` shares.
fn walk_critical(
    nodes: &[Node],
    i: usize,
    until: u64,
    segments: &mut Vec<(usize, u64)>,
    level: usize,
) {
    let start = nodes[i].brief.start_ns;
    let mut cursor = nodes[i].end_ns.min(until);
    if level > 512 {
        segments.push((i, cursor.saturating_sub(start)));
        return;
    }
    let mut children: Vec<usize> = nodes[i].children.clone();
    children.sort_by_key(|&c| std::cmp::Reverse((nodes[c].end_ns, nodes[c].brief.start_ns)));
    for c in children {
        if cursor <= start {
            break;
        }
        if nodes[c].brief.depth <= nodes[i].brief.depth {
            continue; // a parent cycle, not a child
        }
        let child_start = nodes[c].brief.start_ns.max(start);
        if child_start >= cursor {
            continue;
        }
        let child_end = nodes[c].end_ns.min(cursor);
        if cursor > child_end {
            segments.push((i, cursor - child_end));
        }
        walk_critical(nodes, c, child_end, segments, level + 1);
        cursor = child_start;
    }
    if cursor > start {
        segments.push((i, cursor - start));
    }
}

fn ancestors(nodes: &[Node], parent_of: &[Option<usize>], i: usize) -> Vec<SpanBrief> {
    let mut chain = vec![i];
    let mut cur = i;
    while let Some(p) = parent_of[cur] {
        if chain.contains(&p) || chain.len() > nodes.len() {
            break;
        }
        chain.push(p);
        cur = p;
    }
    chain.reverse();
    chain.into_iter().map(|i| nodes[i].brief.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::tempo_types::{Trace, TraceByIdV1, TraceByIdV2};

    fn fixture(path: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/fixtures")
            .join(path);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn v2(path: &str, id: &str) -> FetchedTrace {
        let body: TraceByIdV2 = serde_json::from_slice(&fixture(path)).unwrap();
        FetchedTrace {
            trace_id: id.into(),
            trace: body.trace.unwrap(),
        }
    }

    #[test]
    fn payment_timeout_trace_fails_first_at_the_acmepay_call() {
        let id = "dbb464a3cec79642a13a9da294e7eb2a";
        let d = digest_trace(&v2("tempo/trace_v2_payment_timeout.json", id));
        assert_eq!(d.trace_id, id);
        assert_eq!(d.root_service, "api-gateway");
        assert_eq!(d.root_name, "POST /api/v1/orders");
        assert_eq!(
            d.services,
            [
                "api-gateway",
                "order-service",
                "product-service",
                "payment-service"
            ]
        );
        let culprit = d.culprit.as_ref().unwrap();
        assert_eq!(culprit.service, "payment-service");
        assert_eq!(culprit.name, "POST /v2/charges");
        assert_eq!(culprit.kind, "client");
        assert!(culprit.status_message.contains("context deadline exceeded"));
        assert_eq!(culprit.attributes["peer.service"], "acmepay");
        assert_eq!(culprit.attributes["error.type"], "timeout");
        assert_eq!(d.error_count, 6);
        let chain: Vec<String> = d.chain.iter().map(SpanBrief::label).collect();
        assert_eq!(
            chain,
            [
                "api-gateway `POST /api/v1/orders`",
                "api-gateway `POST /orders`",
                "order-service `POST /orders`",
                "order-service `POST /payments`",
                "payment-service `POST /payments`",
                "payment-service `POST /v2/charges`",
            ]
        );
        // The request waited ~5 s on the charge call: it dominates the critical path.
        let slow = d.slow_culprit().unwrap();
        assert_eq!(slow.name, "POST /v2/charges");
        assert!(slow.self_ms > 4_900.0, "{slow:?}");
        assert_eq!(d.slowest[0].name, "POST /v2/charges");
        let path_total: f64 = d.critical_path.iter().map(|s| s.self_ms).sum();
        assert!(
            (path_total - d.duration_ms).abs() < 1.0,
            "{path_total} vs {}",
            d.duration_ms
        );
        assert_eq!(d.critical_path[0].name, "POST /api/v1/orders");
        assert_eq!(d.orphans, 0);
    }

    #[test]
    fn v1_bodies_give_the_same_summary() {
        let id = "dbb464a3cec79642a13a9da294e7eb2a";
        let body: TraceByIdV1 =
            serde_json::from_slice(&fixture("tempo/trace_v1_payment_timeout.json")).unwrap();
        let v1 = digest_trace(&FetchedTrace {
            trace_id: id.into(),
            trace: Trace {
                resource_spans: body.batches,
            },
        });
        let v2 = digest_trace(&v2("tempo/trace_v2_payment_timeout.json", id));
        assert_eq!(v1, v2);
    }

    #[test]
    fn slow_trace_has_no_errors_and_waits_on_the_select() {
        let id = "6d77959500fa0eb45c5f48d40df407b8";
        let d = digest_trace(&v2("tempo/trace_v2_slow_browse.json", id));
        assert_eq!(d.error_count, 0);
        assert!(d.culprit.is_none());
        let slow = d.slow_culprit().unwrap();
        assert_eq!(slow.label(), "product-service `SELECT products`");
        assert!(slow.self_ms > 1_000.0);
        assert_eq!(slow.attributes["db.system"], "postgresql");
        let chain: Vec<String> = d.chain.iter().map(|s| s.service.clone()).collect();
        assert_eq!(
            chain,
            [
                "api-gateway",
                "api-gateway",
                "product-service",
                "product-service"
            ]
        );
    }

    #[test]
    fn ok_trace_has_no_culprit() {
        let body: TraceByIdV1 =
            serde_json::from_slice(&fixture("tempo/trace_v1_checkout_ok.json")).unwrap();
        let d = digest_trace(&FetchedTrace {
            trace_id: "3ae8cc938dcdcd03969b666205628059".into(),
            trace: Trace {
                resource_spans: body.batches,
            },
        });
        assert_eq!(d.error_count, 0);
        assert!(d.culprit.is_none());
        assert!(d.span_count > 5);
        assert!(!d.critical_path.is_empty());
    }

    #[test]
    fn partial_and_empty_traces_do_not_panic() {
        let json = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},
            "scopeSpans":[{"spans":[
              {"spanId":"AAAAAAAAAAE=","parentSpanId":"AAAAAAAAAAk=","name":"orphan","startTimeUnixNano":"10","endTimeUnixNano":"5",
               "status":{"code":"STATUS_CODE_ERROR","message":"boom"}},
              {"spanId":"AAAAAAAAAAI=","parentSpanId":"AAAAAAAAAAM=","name":"x","startTimeUnixNano":"1","endTimeUnixNano":"2"},
              {"spanId":"AAAAAAAAAAM=","parentSpanId":"AAAAAAAAAAI=","name":"y","startTimeUnixNano":"1","endTimeUnixNano":"3"}
            ]}]}]}"#;
        let trace: Trace = serde_json::from_str(json).unwrap();
        let d = digest_trace(&FetchedTrace {
            trace_id: "1".repeat(32),
            trace,
        });
        assert_eq!(d.span_count, 3);
        assert_eq!(d.orphans, 1);
        assert_eq!(d.culprit.as_ref().unwrap().name, "orphan");
        assert_eq!(d.culprit.as_ref().unwrap().duration_ms, 0.0);
        let empty = digest_trace(&FetchedTrace {
            trace_id: "2".repeat(32),
            trace: Trace::default(),
        });
        assert_eq!(empty.span_count, 0);
        assert!(empty.critical_path.is_empty());
    }
}
