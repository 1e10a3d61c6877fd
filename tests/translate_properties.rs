//! Property tests of the translator: any input — empty, huge, control characters, quotes, braces,
//! Hangul, emoji, or a jumble of the words it knows — gives a plan without panicking, and every query in
//! a plan reads back with the project's own LogQL/TraceQL reader to the same text (so quoting held).
//! Every query produced is also written to `target/translated-queries.jsonl`, which `make test` feeds to
//! Grafana's own lezer grammars (`tests/lezer/check.mjs`).

use std::io::Write;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use querent::ground::Schema;
use querent::plan::{Plan, PlanKind, logql, traceql};
use querent::translate::{Question, translate};

fn schema() -> &'static Schema {
    static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/demo-schema.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("demo schema"))
            .expect("valid schema")
    })
}

fn now() -> DateTime<Utc> {
    "2026-11-25T08:38:56Z".parse().expect("valid time")
}

static OUT: Mutex<Option<std::fs::File>> = Mutex::new(None);

fn record(plan: &Plan) {
    let Some(q) = plan.query_text() else { return };
    let mut guard = OUT.lock().unwrap_or_else(|e| e.into_inner());
    if guard.is_none() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        let _ = std::fs::create_dir_all(&dir);
        *guard = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("translated-queries.jsonl"))
            .ok();
    }
    if let Some(f) = guard.as_mut() {
        let lang = if plan.kind.is_loki() {
            "logql"
        } else {
            "traceql"
        };
        let _ = writeln!(f, "{}", serde_json::json!({ "lang": lang, "query": q }));
    }
}

/// The invariants every plan keeps.
fn check(question: &str) -> Plan {
    let plan = translate(&Question::new(question, now()), schema());
    match plan.kind {
        PlanKind::Clarify => {
            let c = plan
                .clarification
                .as_ref()
                .expect("a clarification has a reason");
            assert!(!c.reason.is_empty());
            assert!(plan.query.is_none());
        }
        kind => {
            let text = plan
                .query_text()
                .expect("a plan other than clarify has a query");
            let reparsed = if kind.is_loki() {
                logql::parse(&text)
            } else {
                traceql::parse(&text)
            };
            let reparsed = reparsed
                .unwrap_or_else(|e| panic!("{question:?} → {text} does not read back: {e}"));
            assert_eq!(
                reparsed.to_string(),
                text,
                "{question:?}: the query does not print back the same"
            );
            match plan.start {
                Some(start) => assert!(start <= plan.end, "{question:?}: start after end"),
                None => assert!(plan.instant, "{question:?}: no start but not instant"),
            }
            record(&plan);
        }
    }
    // The contract object always serialises.
    let json = plan.to_contract_json();
    assert!(json.get("kind").is_some());
    plan
}

const WORDS: &[&str] = &[
    "show",
    "errors",
    "error",
    "logs",
    "traces",
    "spans",
    "from",
    "in",
    "the",
    "last",
    "past",
    "3",
    "hours",
    "minutes",
    "30m",
    "1h",
    "today",
    "yesterday",
    "since",
    "midnight",
    "between",
    "06:00",
    "and",
    "07:00",
    "order-service",
    "payment-service",
    "product-service",
    "user-service",
    "api-gateway",
    "ordr-service",
    "payment",
    "order service",
    "containing",
    "timeout",
    "not",
    "mentioning",
    "cache",
    "status",
    "500",
    "5xx",
    "duration_ms",
    ">",
    "1000",
    "over",
    "slower",
    "than",
    "1s",
    "500ms",
    "p95",
    "latency",
    "how",
    "many",
    "per",
    "service",
    "5",
    "top",
    "rate",
    "second",
    "count",
    "by",
    "level",
    "why",
    "is",
    "failing",
    "related",
    "what",
    "caused",
    "staging",
    "prod",
    "warnings",
    "info",
    "20",
    "most",
    "recent",
    "지난",
    "3시간",
    "에러",
    "로그",
    "트레이스",
    "관련된",
    "원인",
    "서비스별",
    "개수",
    "최근",
    "30분",
    "오늘",
    "어제",
    "포함",
    "제외",
    "\"",
    "'",
    "`",
    "{",
    "}",
    "|",
    "=~",
    "\\",
    "\n",
    "🚀",
    "POST",
    "/api/v1/orders",
    "traceDuration",
    "overall",
    "inventory-service",
    "delete",
    "every",
    "5 minutes",
    "env=staging",
    "|=",
    "dbb464a3cec79642a13a9da294e7eb2a",
    "end to end",
    "a",
    "an",
    "hour",
    "half",
    "p99",
    "average",
];

fn word_salad() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..14).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_breaks_the_translator(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn known_words_in_any_order_give_well_formed_queries(text in word_salad()) {
        check(&text);
    }

    #[test]
    fn quoted_phrases_survive_any_characters(phrase in "[^\"\\\\\\x00]{1,40}") {
        // the phrase comes back unchanged inside the line filter
        let q = format!("order-service logs containing \"{phrase}\"");
        let plan = check(&q);
        if plan.kind == PlanKind::Logs {
            let text = plan.query_text().unwrap_or_default();
            let reparsed = logql::parse(&text).expect("reads back");
            if let querent::Query::Log(log) = reparsed {
                let values: Vec<String> = log.stages.iter().filter_map(|s| match s {
                    logql::Stage::Line { value, .. } => Some(value.clone()),
                    _ => None,
                }).collect();
                if !phrase.trim().is_empty() {
                    prop_assert!(values.contains(&phrase), "{q} → {text}");
                }
            }
        }
    }
}

#[test]
fn odd_inputs_give_plans() {
    for q in [
        "",
        "   ",
        "\u{0}\u{1}\u{7f}",
        "}}}{{{",
        "\"\"\"",
        "'",
        "`rm -rf /`",
        "errors containing \"\\\" } | json |= \\\"x\"",
        "🚀🚀🚀 로그 🚀",
        "order-service logs containing \"a\nb\"",
        "{service_name=\"x\"} |= \"y\"",
        "sum(rate({a=\"b\"}[5m]))",
        "; DROP TABLE logs; --",
    ] {
        check(q);
    }
}

/// `=~`/`!~` take a string in LogQL and TraceQL: a number or duration written after them is matched
/// as its text (found by the word salad: `duration_ms =~ 1000` failed Grafana's LogQL grammar).
#[test]
fn regex_operators_with_numbers_give_valid_queries() {
    for (q, expected) in [
        (
            "order-service logs where duration_ms =~ 1000",
            r#"duration_ms =~ "1000""#,
        ),
        (
            "topk 5 services by count of logs with duration_ms =~ 1000 in the last hour",
            r#"duration_ms =~ "1000""#,
        ),
        (
            "order-service logs where status !~ 500",
            r#"status !~ "500""#,
        ),
        (
            "product-service traces where span.http.route =~ 500",
            r#"span.http.route =~ "500""#,
        ),
    ] {
        let plan = check(q);
        let text = plan.query_text().unwrap();
        assert!(text.contains(expected), "{q}: {text}");
    }
}

#[test]
fn a_huge_question_is_refused_not_read() {
    let huge = "errors from order-service ".repeat(4_000);
    let plan = check(&huge);
    assert_eq!(plan.kind, PlanKind::Clarify);
    assert!(plan.clarification.unwrap().reason.contains("bytes"));
}

#[test]
fn braces_and_quotes_in_questions_are_escaped() {
    let plan = check(r#"payment-service logs containing "a \"quoted\" {brace} | pipe""#);
    assert_eq!(
        plan.query_text().unwrap(),
        r#"{service_name="payment-service"} |= "a \"quoted\" {brace} | pipe""#
    );
}
