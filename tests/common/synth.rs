//! Large answers built from the recorded ones, for the memory, load and overhead measurements: an
//! N-line Loki log answer made of the recorded lines (with their stream labels), a trace of N spans
//! made of a recorded trace's spans, and an N-series Loki matrix made of a recorded series. Bytes are
//! written the way Loki and Tempo write them (compact JSON).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    match std::env::var_os("QUERENT_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir).join("fixtures"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"),
    }
}

fn read_json(path: &str) -> Value {
    let p = fixtures().join(path);
    serde_json::from_slice(&std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .expect("recorded JSON")
}

/// Every distinct recorded log line with its stream's labels (about 640 lines, 5 services).
pub fn recorded_lines() -> Vec<(BTreeMap<String, String>, String)> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for folder in ["loki", "diagnosis"] {
        let dir = fixtures().join(folder);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let Ok(v) = serde_json::from_slice::<Value>(&std::fs::read(&file).unwrap()) else {
                continue;
            };
            if v["data"]["resultType"] != "streams" {
                continue;
            }
            for stream in v["data"]["result"].as_array().into_iter().flatten() {
                let labels: BTreeMap<String, String> =
                    serde_json::from_value(stream["stream"].clone()).unwrap_or_default();
                for entry in stream["values"].as_array().into_iter().flatten() {
                    let line = entry[1].as_str().unwrap_or_default().to_string();
                    if seen.insert((labels.clone(), line.clone())) {
                        out.push((labels.clone(), line));
                    }
                }
            }
        }
    }
    assert!(out.len() > 100, "recorded lines: {}", out.len());
    out
}

/// A Loki `query_range` answer of `n` log lines: the recorded lines in turn, newest first, one
/// nanosecond-distinct timestamp each, grouped into their streams; with a `stats` block like Loki's.
pub fn loki_log_answer(n: usize) -> Vec<u8> {
    let lines = recorded_lines();
    let mut streams: BTreeMap<BTreeMap<String, String>, Vec<Value>> = BTreeMap::new();
    let end_ns: i64 = 1_795_596_352_000_000_000;
    for i in 0..n {
        let (labels, line) = &lines[i % lines.len()];
        let ts = end_ns - (i as i64) * 1_000_003;
        streams
            .entry(labels.clone())
            .or_default()
            .push(json!([ts.to_string(), line]));
    }
    let result: Vec<Value> = streams
        .into_iter()
        .map(|(labels, values)| json!({ "stream": labels, "values": values }))
        .collect();
    let body = json!({
        "status": "success",
        "data": {
            "resultType": "streams",
            "result": result,
            "stats": { "summary": { "bytesProcessedPerSecond": 123456789, "linesProcessedPerSecond": 654321,
                "totalBytesProcessed": 1234567, "totalLinesProcessed": n, "execTime": 0.01, "queueTime": 0.001,
                "subqueries": 0, "totalEntriesReturned": n, "splits": 1, "shards": 1 } }
        }
    });
    serde_json::to_vec(&body).expect("JSON")
}

/// A Tempo v2 trace-by-id answer with `n` spans: the recorded payment-timeout trace's spans repeated
/// with fresh span ids (parents kept inside each copy).
pub fn tempo_trace_answer(n: usize) -> Vec<u8> {
    let mut trace = read_json("tempo/trace_v2_payment_timeout.json");
    let resource_spans = trace["trace"]["resourceSpans"].as_array().cloned().unwrap();
    let per_copy: usize = resource_spans
        .iter()
        .flat_map(|r| r["scopeSpans"].as_array().cloned().unwrap_or_default())
        .map(|s| s["spans"].as_array().map_or(0, Vec::len))
        .sum();
    let copies = n.div_ceil(per_copy);
    let mut out = Vec::new();
    let mut made = 0;
    for copy in 0..copies {
        for rs in &resource_spans {
            let mut rs = rs.clone();
            for ss in rs["scopeSpans"].as_array_mut().unwrap() {
                let spans = ss["spans"].as_array_mut().unwrap();
                let mut kept = Vec::new();
                for span in spans.iter() {
                    if made == n {
                        break;
                    }
                    let mut span = span.clone();
                    for key in ["spanId", "parentSpanId"] {
                        if let Some(id) = span[key].as_str().filter(|s| !s.is_empty()) {
                            span[key] = json!(respan(id, copy));
                        }
                    }
                    kept.push(span);
                    made += 1;
                }
                *spans = kept;
            }
            out.push(rs);
        }
    }
    trace["trace"]["resourceSpans"] = Value::Array(out);
    serde_json::to_vec(&trace).expect("JSON")
}

/// A different base64 span id per copy (same length: 8 bytes).
fn respan(id: &str, copy: usize) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut bytes = engine.decode(id).unwrap_or_else(|_| vec![0; 8]);
    bytes.resize(8, 0);
    let tail = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) ^ (copy as u32);
    bytes[4..8].copy_from_slice(&tail.to_be_bytes());
    engine.encode(bytes)
}

/// A Loki `query_range` matrix answer of `n` series (the recorded error-count series, relabelled).
pub fn loki_matrix_answer(n: usize) -> Vec<u8> {
    let recorded = read_json("loki/query_range_matrix_error_count_by_service.json");
    let series = recorded["data"]["result"].as_array().cloned().unwrap();
    let result: Vec<Value> = (0..n)
        .map(|i| {
            let mut s = series[i % series.len()].clone();
            s["metric"]["pod"] = json!(format!("pod-{i:04}"));
            s
        })
        .collect();
    serde_json::to_vec(&json!({
        "status": "success",
        "data": { "resultType": "matrix", "result": result, "stats": {} }
    }))
    .expect("JSON")
}
