//! The evaluation contract: `querent eval` scores the dev set (and our paraphrase set) at 100 % in
//! structural mode against the schema built from the recorded fixtures, prints per-case failures and the
//! accuracy, and fails with `--min-accuracy` when below it.

use std::process::Command;

const NOW: &str = "2026-11-25T08:38:56Z";

fn querent() -> Command {
    Command::new(env!("CARGO_BIN_EXE_querent"))
}

fn root() -> &'static str {
    env!("CARGO_MANIFEST_DIR")
}

fn eval_json(cases: &str) -> serde_json::Value {
    let out = querent()
        .args(["eval", cases, "--json", "--now", NOW, "--schema"])
        .arg(format!("{}/tests/fixtures/demo-schema.json", root()))
        .output()
        .expect("querent runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

/// Every case of the set at `path` (relative to the crate) passes in structural mode.
fn assert_all_pass(path: &str) -> serde_json::Value {
    let report = eval_json(&format!("{}/{path}", root()));
    assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
    report
}

fn failures(report: &serde_json::Value) -> Vec<String> {
    report["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .filter(|o| o["passed"] == false)
        .map(|o| format!("{} {}: {}", o["id"], o["question"], o["problems"]))
        .collect()
}

#[test]
fn dev_set_scores_100_percent_structurally() {
    let report = assert_all_pass("../shared/eval/dev.jsonl");
    assert_eq!(report["summary"]["cases"], 36);
}

#[test]
fn paraphrase_set_scores_100_percent_structurally() {
    assert_all_pass("tests/eval/paraphrases.jsonl");
}

/// 160 cases written blind by a separate examiner from the design's conventions and the recorded data
/// (it first scored 84.4 %; the misses it found were fixed in general ways, see BENCHMARKS.md).
#[test]
fn examiner_set_scores_100_percent_structurally() {
    assert_all_pass("tests/eval/examiner-1.jsonl");
}

/// 200 more cases by a second blind examiner (first score 87.5 %, see BENCHMARKS.md).
#[test]
fn second_examiner_set_scores_100_percent_structurally() {
    assert_all_pass("tests/eval/examiner-2.jsonl");
}

/// 144 paraphrases of the dev cases (four each) by a third blind examiner (first score 81.2 %).
#[test]
fn third_examiner_set_scores_100_percent_structurally() {
    assert_all_pass("tests/eval/examiner-3.jsonl");
}

/// 150 cases by a fourth blind examiner (first score 90.7 %: groupings by fields and attributes, values
/// bound to a named field, root services, negated levels; two golds given `| __error__=""` after `unwrap`).
#[test]
fn fourth_examiner_set_scores_100_percent_structurally() {
    assert_all_pass("tests/eval/examiner-4.jsonl");
}

/// 120 cases by a fifth blind examiner (first score 91.7 %: Korean two-word negations, counted plural
/// nouns, `<word>별` groupings, limits opening a question, `{id}` routes, `for <field> <value>`, whole-trace
/// durations in Korean, the error.type attribute in words, correlations searching an attribute value,
/// en-dash time ranges). No gold changed.
#[test]
fn fifth_examiner_set_scores_100_percent_structurally() {
    assert_all_pass("tests/eval/examiner-5.jsonl");
}

/// 120 cases by a sixth blind examiner (first score 90.0 %: second grouping labels, Korean loanwords as
/// search words, phrases ending before "per minute", field comparisons in words, span status values,
/// numeric comparisons after dotted attributes, db operations as spans, the `event.` scope). No gold changed.
#[test]
fn sixth_examiner_set_scores_100_percent_structurally() {
    assert_all_pass("tests/eval/examiner-6.jsonl");
}

/// 100 cases by a seventh blind examiner (first score 76.0 %: loose service names such as "orders",
/// "api gw", "product catalog", 결제/주문; Korean exclusions 말고/제외하고/빼고 of phrases and status codes;
/// "leave out <service>"; fillers in excluded phrases; background sentences before a request; a number
/// after "containing"; "보여줄 수 있어" as no count; restart requests). No gold changed.
#[test]
fn seventh_examiner_set_scores_100_percent_structurally() {
    assert_all_pass("tests/eval/examiner-7.jsonl");
}

/// Our own rephrasings (English and Korean) of the fourth to seventh examiners' failure kinds, written after
/// the fix to check that it generalises.
#[test]
fn generalisation_set_scores_100_percent_structurally() {
    assert_all_pass("tests/eval/generalisation.jsonl");
}

#[test]
fn text_report_lists_failures_and_min_accuracy_gates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = dir.path().join("cases.jsonl");
    std::fs::write(
        &cases,
        concat!(
            r#"{"id": "A", "question": "errors from order-service", "expect": {"kind": "logs", "query": "{service_name=\"order-service\", level=\"error\"}", "start": "now-1h", "end": "now"}}"#,
            "\n",
            r#"{"id": "B", "question": "errors from order-service", "expect": {"kind": "traces", "query": "{ status = error }"}}"#,
            "\n"
        ),
    )
    .expect("write cases");
    let out = querent()
        .arg("eval")
        .arg(&cases)
        .args(["--now", NOW, "--min-accuracy", "100", "--schema"])
        .arg(format!("{}/tests/fixtures/demo-schema.json", root()))
        .output()
        .expect("querent runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "below --min-accuracy exits 1");
    assert!(stdout.contains("FAIL B"), "{stdout}");
    assert!(
        stdout.contains("kind `logs` instead of `traces`"),
        "{stdout}"
    );
    assert!(stdout.contains("1/2 = 50.0%"), "{stdout}");
}

#[test]
fn a_wrong_query_fails_the_case() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = dir.path().join("cases.jsonl");
    std::fs::write(
        &cases,
        r#"{"id": "W", "question": "errors from order-service", "expect": {"kind": "logs", "query": "{service_name=\"payment-service\", level=\"error\"}", "start": "now-1h", "end": "now"}}"#,
    )
    .expect("write cases");
    let report = eval_json(cases.to_str().expect("utf-8 path"));
    assert_eq!(report["summary"]["passed"], 0);
    assert!(failures(&report)[0].contains("instead of"));
}
