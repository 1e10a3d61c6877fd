//! Reading a question against the schema: every token is claimed by at most one finding (a time range,
//! a service, a level, a field condition, a search phrase, a number, ...), in a fixed order of passes so
//! that the more specific reading wins (a quoted service name is a service, not a phrase).

mod cues;
mod entities;
mod fields;
mod phrases;
mod quantities;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::lexicon::{self as lx, any, ko};
use crate::ground::fuzzy::{MatchQuality, NameIndex};
use crate::ground::{FieldKind, FieldSource, Schema};
use crate::plan::logql::CmpOp;
use crate::plan::{QueryDuration, Understood};
use crate::understand::numbers::{self as num, duration_at, http_status, number_at};
use crate::understand::{TimeFinding, Token, TokenKind, find_time, tokenize};

use cues::*;
use entities::*;
use fields::*;
use phrases::*;
use quantities::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Phrase {
    pub text: String,
    pub negative: bool,
    pub regex: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Number(f64),
    Duration(QueryDuration),
    Text(String),
}

/// A condition on a parsed log field (`status = 500`, `duration_ms > 1000`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldCond {
    pub field: String,
    pub kind: FieldKind,
    pub source: FieldSource,
    pub op: CmpOp,
    pub value: FieldValue,
}

/// A condition on a Tempo attribute the user named (`db.system = postgresql`).
#[derive(Debug, Clone, PartialEq)]
pub struct AttrCond {
    pub attr: String,
    pub op: CmpOp,
    pub value: FieldValue,
    /// The word as the question wrote it, when a value was recognised (log lines are searched for it).
    pub typed: Option<String>,
}

/// A duration threshold ("slower than 1s", "1초 이상").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    pub op: CmpOp,
    pub value: QueryDuration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Avg,
    Max,
    Min,
    Sum,
}

/// Cues about what kind of answer is wanted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cues {
    pub traces: bool,
    pub logs: bool,
    pub requests: bool,
    pub latency: bool,
    pub count: bool,
    pub how_many: bool,
    pub rate: bool,
    pub per_second: bool,
    pub over_time: bool,
    pub correlate: bool,
    /// "anomalies", "incident", "장애": an investigation even without a service.
    pub anomaly: bool,
    pub failed: bool,
    pub whole_trace: bool,
    pub ratio: bool,
    pub bytes: bool,
    pub most: bool,
    pub destructive: bool,
    pub server_spans: bool,
    pub client_spans: bool,
    /// "db operations", "database calls", `DB 쿼리`: spans of database clients.
    pub db_calls: bool,
    /// One service calling another ("order-service calls to payment-service").
    pub calls: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// The question as asked.
    pub text: String,
    pub tokens: Vec<Token>,
    pub claimed: Vec<bool>,
    /// What claimed each token (`service`, `field`, `filter`, ...), from the notes.
    pub claimed_as: Vec<&'static str>,
    pub time: Option<TimeFinding>,
    pub services: Vec<String>,
    /// Services a trace starts at ("root service is api-gateway").
    pub root_services: Vec<String>,
    /// Token index where each service was named (same order as `services`).
    pub service_at: Vec<usize>,
    /// Services the question excludes ("every service except api-gateway").
    pub excluded_services: Vec<String>,
    /// Names that looked like services but exist nowhere.
    pub unknown_services: Vec<String>,
    /// Other stream label matchers (`env="staging"`), as (label, value, negated).
    pub labels: Vec<(String, String, bool)>,
    /// Canonical levels: `error`, `warn`, `info`, `debug`.
    pub levels: Vec<&'static str>,
    pub negated_levels: Vec<&'static str>,
    pub phrases: Vec<Phrase>,
    pub fields: Vec<FieldCond>,
    /// A field-like word the schema does not know (`foo_bar > 3`).
    pub unknown_fields: Vec<String>,
    /// Numeric fields named without a condition ("average duration_ms"): values to aggregate.
    pub value_fields: Vec<(String, FieldSource)>,
    pub attrs: Vec<AttrCond>,
    /// HTTP status codes as inclusive ranges (500..=500, 500..=599).
    pub http: Vec<(u16, u16)>,
    /// HTTP status codes left out (`상태 코드 500은 빼고`, "except status 500").
    pub http_excluded: Vec<u16>,
    pub threshold: Option<Threshold>,
    pub limit: Option<u32>,
    /// topk (k, bottom?)
    pub topk: Option<(u32, bool)>,
    pub quantile: Option<f64>,
    pub aggregate: Option<Aggregate>,
    pub interval: Option<QueryDuration>,
    /// Grouping words as canonical names: `service`, `level`, a label, `status`, `name`.
    pub group_by: Vec<String>,
    pub span_names: Vec<String>,
    /// Trace ids named in the question (lower-case hex).
    pub trace_ids: Vec<String>,
    pub routes: Vec<String>,
    pub methods: Vec<String>,
    /// A span status written out ("status ok", "status is not error"): `ok`, `error` or `unset`, negated?
    pub span_status: Option<(&'static str, bool)>,
    pub cues: Cues,
    pub understood: Vec<Understood>,
}

impl Reading {
    pub(super) fn claim(&mut self, range: impl IntoIterator<Item = usize>) {
        for i in range {
            if let Some(c) = self.claimed.get_mut(i) {
                *c = true;
            }
        }
    }

    pub(super) fn free(&self, i: usize) -> bool {
        self.claimed.get(i).is_some_and(|c| !c)
    }

    pub(super) fn tok(&self, i: usize) -> Option<&Token> {
        self.tokens.get(i)
    }

    pub(super) fn is(&self, i: usize, words: &[&str]) -> bool {
        self.tok(i).is_some_and(|t| any(t, words))
    }

    pub(super) fn text_of(&self, from: usize, to: usize) -> String {
        let toks = &self.tokens[from.min(self.tokens.len())..to.min(self.tokens.len())];
        toks.iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub(super) fn note(
        &mut self,
        what: &'static str,
        from: usize,
        to: usize,
        meaning: impl Into<String>,
    ) {
        let text = self.text_of(from, to);
        for i in from..to.min(self.tokens.len()) {
            if self.claimed[i] && self.claimed_as[i].is_empty() {
                self.claimed_as[i] = what;
            }
        }
        self.understood.push(Understood {
            what,
            text,
            meaning: meaning.into(),
        });
    }
}

/// Reads the question. Never fails: what is not understood stays unclaimed.
pub fn read(question: &str, now: DateTime<Utc>, tz: Tz, schema: &Schema) -> Reading {
    let mut tokens = split_compounds(tokenize(question), schema);
    correct_typos(&mut tokens, schema);
    let mut r = Reading {
        text: question.to_string(),
        claimed: vec![false; tokens.len()],
        claimed_as: vec![""; tokens.len()],
        tokens,
        ..Reading::default()
    };
    read_cues(&mut r, false);
    let tz = read_zone(&mut r).unwrap_or(tz);
    read_time(&mut r, now, tz);
    read_background(&mut r, schema);
    read_label_syntax(&mut r, schema);
    read_ids(&mut r);
    read_regex(&mut r);
    read_quoted(&mut r, schema);
    read_root_services(&mut r, schema);
    read_services(&mut r, schema, false);
    read_cued_phrases(&mut r, schema);
    read_korean_cued_phrases(&mut r, schema);
    read_quantiles(&mut r);
    read_thresholds(&mut r);
    read_intervals(&mut r);
    read_fields(&mut r, schema);
    read_span_status(&mut r);
    read_topk_and_limit(&mut r);
    read_http(&mut r);
    read_span_names(&mut r, schema);
    read_levels(&mut r);
    read_label_values(&mut r, schema);
    read_tempo_attributes(&mut r, schema);
    read_grouping(&mut r, schema);
    read_phrases(&mut r, schema);
    read_services(&mut r, schema, true);
    read_korean_exclusions(&mut r);
    read_korean_phrases(&mut r, schema);
    // Cues again, now without the words that named things: `amount` as a field is not a count, `INSERT
    // orders` as a span name is not a write, `reason` as a field asks for no investigation.
    let set_by_passes = r.cues.clone();
    r.cues = Cues::default();
    read_cues(&mut r, true);
    r.cues.per_second |= set_by_passes.per_second;
    r.cues.rate |= set_by_passes.per_second;
    r.cues.most |= set_by_passes.most;
    r.cues.failed |= set_by_passes.failed;
    r
}

/// A negation within the few words before token `i` ("not containing", "do not mention", "without").
pub(super) fn negated_before(r: &Reading, i: usize) -> bool {
    let from = i.saturating_sub(4);
    (from..i).any(|j| {
        r.tok(j).is_some_and(|t| {
            any(t, lx::NEGATION_WORDS) || (t.lower == "other" && r.is(j + 1, &["than"]))
        })
    })
}

/// Words that open a request ("Show me ...", "Can you find ...").
const REQUEST_OPENERS: &[&str] = &[
    "show", "find", "give", "list", "get", "pull", "fetch", "display", "can", "could", "would",
    "please", "search", "count",
];
/// Words in a request that point back to an earlier sentence ("Give me its error count").
const BACK_REFERENCES: &[&str] = &[
    "it", "its", "it's", "they", "their", "them", "those", "that", "this", "these", "same",
];

/// "Users say product pages are slow. Can you find GET /products/{id} spans ...": sentences before the
/// request that the request does not point back to are background; their words (other than times) ask
/// for nothing.
fn read_background(r: &mut Reading, schema: &Schema) {
    let bytes = r.text.as_bytes();
    // the start of each sentence after the first: after `. `, `? `, `! ` and before a capital letter
    let starts: Vec<usize> = (2..bytes.len())
        .filter(|&k| {
            matches!(bytes[k - 2], b'.' | b'?' | b'!')
                && bytes[k - 1] == b' '
                && bytes[k].is_ascii_uppercase()
        })
        .collect();
    let Some(&request) = starts.iter().rev().find(|&&at| {
        r.tokens
            .iter()
            .find(|t| t.start >= at)
            .is_some_and(|t| t.is_any(REQUEST_OPENERS))
    }) else {
        return;
    };
    let first_of_request = r
        .tokens
        .iter()
        .position(|t| t.start >= request)
        .unwrap_or(r.tokens.len());
    if r.tokens[first_of_request..]
        .iter()
        .any(|t| t.is_any(BACK_REFERENCES))
    {
        return;
    }
    // a service written out in the background stays when the request names none ("order-service is
    // down. Show me the errors")
    let services = &schema.index().services;
    let exact = |t: &Token| {
        matches!(
            services.resolve(&t.text),
            Some((_, MatchQuality::Exact | MatchQuality::Normalised))
        )
    };
    let request_names_one = r.tokens[first_of_request..].iter().any(exact);
    let background: Vec<usize> = (0..first_of_request)
        .filter(|&k| r.free(k) && (request_names_one || !exact(&r.tokens[k])))
        .collect();
    if background.is_empty() {
        return;
    }
    r.claim(background.iter().copied());
    r.note("context", 0, first_of_request, "background to the request");
}

/// A Korean negation right after token `i` (`cache 제외`, `cache가 없는`).
pub(super) fn negated_after(r: &Reading, i: usize) -> bool {
    (i + 1..(i + 3).min(r.tokens.len())).any(|j| {
        r.tok(j)
            .is_some_and(|t| lx::ko_contains(t, lx::NEGATION_KO_AFTER))
    })
}

/// Records a service the question names, or excludes ("except api-gateway", "other than order-service",
/// "not payment-service").
pub(super) fn add_service(r: &mut Reading, service: String, at: usize) {
    let mut k = at;
    while k > 0 && r.is(k - 1, &["the", "for", "from", "in"]) {
        k -= 1;
    }
    let excluded = k > 0
        && (r.is(
            k - 1,
            &[
                "except",
                "excluding",
                "exclude",
                "without",
                "not",
                "but",
                "besides",
            ],
        ) || (k > 1 && r.is(k - 1, &["than"]) && r.is(k - 2, &["other"]))
            || (k > 1 && r.is(k - 1, &["from"]) && r.is(k - 2, &["apart", "aside"])));
    // "leave out user-service", "leaving out", "minus", "skip"
    let left_out = !excluded
        && k > 0
        && (r.is(
            k - 1,
            &[
                "minus", "skip", "skipping", "ignore", "ignoring", "omit", "omitting",
            ],
        ) || (k > 1
            && r.is(k - 1, &["out"])
            && r.is(k - 2, &["leave", "leaving", "left", "leaves"])));
    if excluded || left_out {
        if k > 0 {
            r.claim([k - 1]);
        }
        if left_out && k > 1 && r.is(k - 1, &["out"]) {
            r.claim([k - 2]);
        }
        push_unique(&mut r.excluded_services, service);
    } else if !r.services.contains(&service) {
        r.services.push(service);
        r.service_at.push(at);
    }
}

pub(super) fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

pub fn op_text(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Neq => "!=",
        CmpOp::Gt => ">",
        CmpOp::Gte => ">=",
        CmpOp::Lt => "<",
        CmpOp::Lte => "<=",
        CmpOp::Re => "=~",
        CmpOp::Nre => "!~",
    }
}

pub(super) fn value_display(v: &FieldValue) -> String {
    match v {
        FieldValue::Number(n) => crate::plan::logql_number(*n),
        FieldValue::Duration(d) => d.to_string(),
        FieldValue::Text(t) => format!("\"{t}\""),
    }
}

/// Words worth correcting when misspelt: the ones that decide what a question asks for.
const KEY_WORDS: &[&str] = &[
    "error",
    "errors",
    "warning",
    "warnings",
    "service",
    "services",
    "trace",
    "traces",
    "span",
    "spans",
    "logs",
    "latency",
    "failed",
    "failure",
    "failures",
    "failing",
    "mentioning",
    "containing",
    "contains",
    "excluding",
    "including",
    "minutes",
    "seconds",
    "hours",
    "yesterday",
    "today",
    "requests",
    "request",
    "percentile",
    "average",
    "between",
    "slower",
    "longer",
    "duration",
    "status",
    "count",
    "number",
    "related",
    "caused",
    "exceptions",
    "exception",
    "critical",
    "messages",
    "entries",
    "correlate",
    "throughput",
    "response",
];

/// Reads misspelt key words as the word meant ("erors" → errors, "warnigns" → warnings, "servce" →
/// service): one edit for words of five to seven letters, two for longer ones, and only when one key word
/// is closest and the word is nothing the schema knows.
fn correct_typos(tokens: &mut [Token], schema: &Schema) {
    let index = schema.index();
    for t in tokens.iter_mut() {
        let w = t.lower.as_str();
        if t.kind != TokenKind::Word
            || w.len() < 4
            || !w.chars().all(|c| c.is_ascii_lowercase())
            || lx::is_vocabulary(w)
            || index
                .services
                .resolve(w)
                .is_some_and(|(_, q)| !matches!(q, MatchQuality::Typo(_)))
            || index.label_values.contains_key(w)
            || schema.fields_of(None).any(|(_, f)| f.name == w)
        {
            continue;
        }
        let budget = if w.len() >= 8 { 2 } else { 1 };
        let mut best: Option<(&str, usize)> = None;
        let mut tie = false;
        for k in KEY_WORDS {
            // four-letter words only by a missing letter ("eror" → error, "trce" → trace)
            if k.len().abs_diff(w.len()) > budget || (w.len() == 4 && k.len() != 5) {
                continue;
            }
            let d = strsim::damerau_levenshtein(w, k);
            if d == 0 || d > budget {
                continue;
            }
            match best {
                Some((_, bd)) if d > bd => {}
                // "erros" is one edit from both "error" and "errors": the same word either way
                Some((b, bd)) if d == bd && !same_word(b, k) => tie = true,
                Some((_, bd)) if d == bd => {}
                _ => {
                    best = Some((k, d));
                    tie = false;
                }
            }
        }
        if let (Some((k, _)), false) = (best, tie) {
            t.lower = k.to_string();
        }
    }
}

/// A time zone the question names ("06:00 to 07:00 KST", "UTC 기준"): it overrides `--tz` for this question.
fn read_zone(r: &mut Reading) -> Option<Tz> {
    let zones: [(&str, &str); 12] = [
        ("utc", "UTC"),
        ("gmt", "UTC"),
        ("kst", "Asia/Seoul"),
        ("jst", "Asia/Tokyo"),
        ("pst", "America/Los_Angeles"),
        ("pdt", "America/Los_Angeles"),
        ("est", "America/New_York"),
        ("edt", "America/New_York"),
        ("cet", "Europe/Berlin"),
        ("cest", "Europe/Berlin"),
        ("bst", "Europe/London"),
        ("ist", "Asia/Kolkata"),
    ];
    let (i, name) = r.tokens.iter().enumerate().find_map(|(i, t)| {
        if t.kind != TokenKind::Word {
            return None;
        }
        zones
            .iter()
            .find(|(abbr, _)| t.lower == *abbr)
            .map(|(_, name)| (i, *name))
    })?;
    let tz: Tz = name.parse().ok()?;
    r.claim([i]);
    // `UTC 기준`: "in UTC"
    if r.tok(i + 1).is_some_and(|n| ko(n, &["기준"])) {
        r.claim([i + 1]);
    }
    r.note("time", i, i + 1, format!("times in {name}"));
    Some(tz)
}

/// Splits words joined by dashes when every part is a word the translator reads ("errors-per-second",
/// "whole-trace", "start-to-finish"); names (services, label values, fields) stay whole.
fn split_compounds(tokens: Vec<Token>, schema: &Schema) -> Vec<Token> {
    let index = schema.index();
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        let parts: Vec<&str> = t.lower.split('-').collect();
        let splittable = t.kind == TokenKind::Word
            && parts.len() > 1
            && !entities::service_shaped(&t.lower)
            && !lx::is_vocabulary(&t.lower)
            && parts
                .iter()
                .all(|p| !p.is_empty() && (lx::is_vocabulary(p) || num::unit_nanos(p).is_some()))
            && index.services.resolve(&t.lower).is_none()
            && !index.label_values.contains_key(&t.lower);
        if !splittable {
            out.push(t);
            continue;
        }
        let mut at = t.start;
        for p in parts {
            out.push(Token {
                kind: TokenKind::Word,
                text: t
                    .text
                    .get(at - t.start..at - t.start + p.len())
                    .unwrap_or(p)
                    .to_string(),
                lower: p.to_string(),
                start: at,
                end: at + p.len(),
            });
            at += p.len() + 1;
        }
    }
    out
}

/// Singular and plural of one key word.
fn same_word(a: &str, b: &str) -> bool {
    a.trim_end_matches('s') == b.trim_end_matches('s')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_forms() {
        assert_eq!(singular("timeouts"), "timeout");
        assert_eq!(singular("retries"), "retry");
        assert_eq!(singular("caches"), "cache");
        assert_eq!(singular("status"), "status");
        assert_eq!(singular("analysis"), "analysis");
    }
}
