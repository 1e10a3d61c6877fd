//! Reading a question against the schema: every token is claimed by at most one finding (a time range,
//! a service, a level, a field condition, a search phrase, a number, ...), in a fixed order of passes so
//! that the more specific reading wins (a quoted service name is a service, not a phrase).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::lexicon::{self as lx, any, ko};
use crate::ground::fuzzy::{self, MatchQuality};
use crate::ground::{FieldKind, FieldSource, Schema};
use crate::plan::logql::CmpOp;
use crate::plan::{QueryDuration, Understood};
use crate::understand::numbers::{self, duration_at, http_status, number_at};
use crate::understand::{TimeFinding, Token, TokenKind, find_time, tokenize};

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
    pub failed: bool,
    pub whole_trace: bool,
    pub ratio: bool,
    pub bytes: bool,
    pub most: bool,
    pub destructive: bool,
    pub server_spans: bool,
    pub client_spans: bool,
    /// One service calling another ("order-service calls to payment-service").
    pub calls: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Reading {
    pub tokens: Vec<Token>,
    pub claimed: Vec<bool>,
    pub time: Option<TimeFinding>,
    pub services: Vec<String>,
    /// Token index where each service was named (same order as `services`).
    pub service_at: Vec<usize>,
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
    pub cues: Cues,
    pub understood: Vec<Understood>,
}

impl Reading {
    fn claim(&mut self, range: impl IntoIterator<Item = usize>) {
        for i in range {
            if let Some(c) = self.claimed.get_mut(i) {
                *c = true;
            }
        }
    }

    fn free(&self, i: usize) -> bool {
        self.claimed.get(i).is_some_and(|c| !c)
    }

    fn tok(&self, i: usize) -> Option<&Token> {
        self.tokens.get(i)
    }

    fn is(&self, i: usize, words: &[&str]) -> bool {
        self.tok(i).is_some_and(|t| any(t, words))
    }

    fn text_of(&self, from: usize, to: usize) -> String {
        let toks = &self.tokens[from.min(self.tokens.len())..to.min(self.tokens.len())];
        toks.iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn note(&mut self, what: &'static str, from: usize, to: usize, meaning: impl Into<String>) {
        let text = self.text_of(from, to);
        self.understood.push(Understood {
            what,
            text,
            meaning: meaning.into(),
        });
    }
}

/// Reads the question. Never fails: what is not understood stays unclaimed.
pub fn read(question: &str, now: DateTime<Utc>, tz: Tz, schema: &Schema) -> Reading {
    let tokens = tokenize(question);
    let mut r = Reading {
        claimed: vec![false; tokens.len()],
        tokens,
        ..Reading::default()
    };
    read_cues(&mut r);
    read_time(&mut r, now, tz);
    read_label_syntax(&mut r, schema);
    read_ids(&mut r);
    read_quoted(&mut r, schema);
    read_services(&mut r, schema, false);
    read_quantiles(&mut r);
    read_thresholds(&mut r);
    read_intervals(&mut r);
    read_topk_and_limit(&mut r);
    read_fields(&mut r, schema);
    read_http(&mut r);
    read_span_names(&mut r, schema);
    read_levels(&mut r);
    read_label_values(&mut r, schema);
    read_grouping(&mut r, schema);
    read_phrases(&mut r, schema);
    read_services(&mut r, schema, true);
    r
}

fn read_time(r: &mut Reading, now: DateTime<Utc>, tz: Tz) {
    if let Some(found) = find_time(&r.tokens, now, tz) {
        let toks = found.tokens.clone();
        let (lo, hi) = (
            toks.iter().min().copied().unwrap_or(0),
            toks.iter().max().copied().unwrap_or(0) + 1,
        );
        r.claim(toks);
        r.note("time", lo, hi, found.meaning.clone());
        r.time = Some(found);
    }
}

/// `env=staging`, `level:error`, `service_name="x"`, `status!=200` typed as in a query.
fn read_label_syntax(r: &mut Reading, schema: &Schema) {
    let n = r.tokens.len();
    for i in 0..n {
        let (Some(name), Some(op), Some(value)) = (r.tok(i), r.tok(i + 1), r.tok(i + 2)) else {
            continue;
        };
        if name.kind != TokenKind::Word || !r.free(i) {
            continue;
        }
        let negated = match op.lower.as_str() {
            "=" | "==" => false,
            "!=" => true,
            _ => continue,
        };
        if schema.loki.labels.contains_key(&name.text) && value.kind != TokenKind::Symbol {
            let (label, v) = (name.text.clone(), value.text.clone());
            if Some(&label) == schema.loki.service_label.as_ref() && !negated {
                add_service(r, v.clone(), i);
            } else {
                r.labels.push((label.clone(), v.clone(), negated));
            }
            r.claim(i..i + 3);
            r.note(
                "label",
                i,
                i + 3,
                format!("{label}{}\"{v}\"", if negated { "!=" } else { "=" }),
            );
        }
    }
}

/// Trace ids (16–32 hex characters with digits and letters): what lines mentioning them contain.
fn read_ids(r: &mut Reading) {
    for i in 0..r.tokens.len() {
        let t = &r.tokens[i];
        let hex = t.lower.len() >= 16
            && t.lower.len() <= 32
            && t.lower.chars().all(|c| c.is_ascii_hexdigit());
        let mixed = t.lower.chars().any(|c| c.is_ascii_digit())
            && t.lower.chars().any(|c| c.is_ascii_alphabetic());
        if r.free(i) && t.kind == TokenKind::Word && hex && mixed {
            let id = t.lower.clone();
            r.claim([i]);
            r.note("trace", i, i + 1, format!("trace id {id}"));
            r.trace_ids.push(id);
        }
    }
}

fn read_quoted(r: &mut Reading, schema: &Schema) {
    let services = schema.services();
    for i in 0..r.tokens.len() {
        let t = &r.tokens[i];
        if t.kind != TokenKind::Quoted || !r.free(i) {
            continue;
        }
        let text = t.text.clone();
        if let Some((s, MatchQuality::Exact | MatchQuality::Normalised)) =
            fuzzy::resolve(&text, &services)
        {
            let s = s.to_string();
            r.claim([i]);
            r.note("service", i, i + 1, s.clone());
            add_service(r, s, i);
            continue;
        }
        let span_names = schema
            .tempo
            .values
            .get("name")
            .map_or(&[][..], Vec::as_slice);
        if let Some(name) = span_names.iter().find(|n| n.eq_ignore_ascii_case(&text)) {
            let name = name.clone();
            r.claim([i]);
            r.note("span", i, i + 1, format!("span name \"{name}\""));
            push_unique(&mut r.span_names, name);
            continue;
        }
        let negative = negated_before(r, i) || negated_after(r, i);
        let regex = (i > 0
            && r.is(
                i - 1,
                &["regex", "regexp", "pattern", "matching", "matches"],
            ))
            && looks_like_regex(&text);
        r.claim([i]);
        r.note(
            "filter",
            i,
            i + 1,
            format!(
                "lines {} \"{text}\"",
                if negative { "without" } else { "with" }
            ),
        );
        r.phrases.push(Phrase {
            text,
            negative,
            regex,
        });
    }
}

fn looks_like_regex(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '*' | '+' | '?' | '|' | '[' | '(' | '^' | '$' | '\\'))
}

/// A negation within the few words before token `i` ("not containing", "do not mention", "without").
fn negated_before(r: &Reading, i: usize) -> bool {
    let from = i.saturating_sub(4);
    (from..i).any(|j| {
        r.tok(j).is_some_and(|t| {
            any(t, lx::NEGATION_WORDS) || (t.lower == "other" && r.is(j + 1, &["than"]))
        })
    })
}

/// A Korean negation right after token `i` (`cache 제외`, `cache가 없는`).
fn negated_after(r: &Reading, i: usize) -> bool {
    (i + 1..(i + 3).min(r.tokens.len())).any(|j| {
        r.tok(j)
            .is_some_and(|t| lx::ko_contains(t, lx::NEGATION_KO_AFTER))
    })
}

fn add_service(r: &mut Reading, service: String, at: usize) {
    if !r.services.contains(&service) {
        r.services.push(service);
        r.service_at.push(at);
    }
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn is_service_word(t: &Token) -> bool {
    any(
        t,
        &[
            "service",
            "services",
            "svc",
            "microservice",
            "app",
            "application",
        ],
    ) || ko(t, &["서비스"])
}

/// Services, in two rounds: exact and spacing variants first (`order-service`, `order service`,
/// `api gateway`); then, after phrases took their words, partial names and typos (`payment`, `ordr-service`).
fn read_services(r: &mut Reading, schema: &Schema, loose: bool) {
    let services = schema.services();
    if services.is_empty() {
        return;
    }
    let n = r.tokens.len();
    let mut i = 0;
    while i < n {
        if !r.free(i) {
            i += 1;
            continue;
        }
        let t = r.tokens[i].clone();
        let word_like = matches!(t.kind, TokenKind::Word | TokenKind::Hangul);
        if !word_like {
            i += 1;
            continue;
        }
        // Korean service words: `주문 서비스`
        if t.kind == TokenKind::Hangul {
            if let Some((_, en)) = lx::KOREAN_SERVICE_WORDS
                .iter()
                .find(|(k, _)| t.text.starts_with(k))
            {
                let followed =
                    r.tok(i + 1).is_some_and(is_service_word) || t.text.contains("서비스");
                if followed {
                    let end = if t.text.contains("서비스") {
                        i + 1
                    } else {
                        i + 2
                    };
                    match fuzzy::resolve(en, &services) {
                        Some((s, _)) => {
                            let s = s.to_string();
                            r.claim(i..end);
                            r.note("service", i, end, s.clone());
                            add_service(r, s, i);
                        }
                        None if loose => {
                            r.claim(i..end);
                            push_unique(&mut r.unknown_services, t.text.clone());
                        }
                        None => {}
                    }
                    i = end;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        // Two words joined (`order service`, `api gateway`), then one.
        let next_free = i + 1 < n && r.free(i + 1) && r.tokens[i + 1].kind == TokenKind::Word;
        if next_free {
            let joined = format!("{}-{}", t.lower, r.tokens[i + 1].lower);
            let second = &r.tokens[i + 1].lower;
            // Loosely (partial names, typos) only when the second word could be part of a name:
            // `ordr service`, not `ordr-service in`.
            let second_ok = is_service_word(&r.tokens[i + 1]) || !lx::is_vocabulary(second);
            if let Some((s, q)) = fuzzy::resolve(&joined, &services)
                && (q <= MatchQuality::Normalised
                    || (loose && second_ok && !lx::is_vocabulary(&t.lower)))
            {
                let s = s.to_string();
                r.claim([i, i + 1]);
                let meaning = if q == MatchQuality::Exact || q == MatchQuality::Normalised {
                    s.clone()
                } else {
                    format!("{s} (from \"{} {}\")", t.text, r.tokens[i + 1].text)
                };
                r.note("service", i, i + 2, meaning);
                add_service(r, s, i);
                i += 2;
                continue;
            }
        }
        let followed_by_service = r.tok(i + 1).is_some_and(is_service_word) && r.free(i + 1);
        let vocab = lx::is_vocabulary(&t.lower);
        match fuzzy::resolve(&t.text, &services) {
            Some((s, q)) => {
                let accept = match q {
                    MatchQuality::Exact | MatchQuality::Normalised => true,
                    MatchQuality::Partial => loose && (!vocab || followed_by_service),
                    MatchQuality::Typo(_) => {
                        loose && !vocab && (t.lower.len() >= 5 || followed_by_service)
                    }
                };
                if accept {
                    let s = s.to_string();
                    let end = if followed_by_service { i + 2 } else { i + 1 };
                    r.claim(i..end);
                    r.note(
                        "service",
                        i,
                        end,
                        if q == MatchQuality::Exact {
                            s.clone()
                        } else {
                            format!("{s} (from \"{}\")", t.text)
                        },
                    );
                    add_service(r, s, i);
                    i = end;
                    continue;
                }
            }
            None if loose => {
                // `inventory-service`, `the inventory service`, `service inventory`: a service that is not there.
                let suffixed = ["-service", "_service", "-svc", "-api", "-app"]
                    .iter()
                    .any(|s| t.lower.ends_with(s));
                let named = followed_by_service
                    && !vocab
                    && !lx::is_vocabulary(&t.lower)
                    && t.lower
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                    && t.lower.chars().any(char::is_alphabetic);
                if suffixed || named {
                    let end = if followed_by_service { i + 2 } else { i + 1 };
                    r.claim(i..end);
                    push_unique(&mut r.unknown_services, t.text.clone());
                    i = end;
                    continue;
                }
            }
            None => {}
        }
        i += 1;
    }
}

fn read_quantiles(r: &mut Reading) {
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        // p95, p99.9, p50
        if let Some(rest) = t.lower.strip_prefix('p')
            && let Ok(v) = rest.parse::<f64>()
            && v > 0.0
            && v < 100.0
            && !rest.is_empty()
        {
            r.quantile = Some(v / 100.0);
            r.claim([i]);
            r.note("quantile", i, i + 1, format!("{}th percentile", rest));
            continue;
        }
        if t.is_any(&["median"]) {
            r.quantile = Some(0.5);
            r.claim([i]);
            r.note("quantile", i, i + 1, "median (50th percentile)");
            continue;
        }
        // 95th percentile / 95 percentile / percentile 95 / 95%
        let ordinal = t
            .lower
            .trim_end_matches("th")
            .trim_end_matches("st")
            .trim_end_matches("nd")
            .trim_end_matches("rd");
        let pct_next = r.tok(i + 1).is_some_and(|n| {
            n.is_any(&["percentile", "pct", "%", "%ile"]) || ko(n, &["퍼센타일", "백분위", "분위"])
        });
        if let Ok(v) = ordinal.trim_end_matches('%').parse::<f64>() {
            let is_pct_sign =
                t.lower.ends_with('%') && r.tok(i + 1).is_some_and(|n| any(n, lx::LATENCY_WORDS));
            if (pct_next || is_pct_sign) && v > 0.0 && v < 100.0 {
                r.quantile = Some(v / 100.0);
                let end = if pct_next { i + 2 } else { i + 1 };
                r.claim(i..end);
                r.note("quantile", i, end, format!("{v}th percentile"));
                continue;
            }
        }
        if t.is("percentile")
            && let Some(v) = r
                .tok(i + 1)
                .and_then(Token::number)
                .filter(|v| *v > 0.0 && *v < 100.0)
        {
            r.quantile = Some(v / 100.0);
            r.claim([i, i + 1]);
            r.note("quantile", i, i + 2, format!("{v}th percentile"));
        }
    }
    // average / max / min / total as aggregations of a value
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let t = &r.tokens[i];
        let agg = if t.is_any(&["average", "avg", "mean"]) || ko(t, &["평균"]) {
            Aggregate::Avg
        } else if t.is_any(&["max", "maximum", "peak", "worst"]) || ko(t, &["최대", "최고"]) {
            Aggregate::Max
        } else if t.is_any(&["min", "minimum", "best", "fastest"]) || ko(t, &["최소"]) {
            Aggregate::Min
        } else if t.is_any(&["sum"]) || ko(t, &["합계"]) {
            Aggregate::Sum
        } else {
            continue;
        };
        r.aggregate = Some(agg);
        r.claim([i]);
        r.note("aggregate", i, i + 1, format!("{agg:?}").to_lowercase());
    }
}

const MORE: &[&str] = &[
    "over",
    "above",
    "exceeding",
    "exceeds",
    "exceed",
    "beyond",
    "slower",
    "longer",
    "greater",
    "more",
    "higher",
    ">",
    "past",
];
const LESS: &[&str] = &[
    "under", "below", "faster", "shorter", "less", "fewer", "lower", "<", "within",
];

/// Duration thresholds: "slower than 1s", "over 500ms", "taking more than 2 seconds", "> 1s", "1초 이상".
fn read_thresholds(r: &mut Reading) {
    let n = r.tokens.len();
    for i in 0..n {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        let (op, dur_at) = if any(&t, MORE) || t.is(">=") {
            let mut j = i + 1;
            let mut op = if t.is(">=") { CmpOp::Gte } else { CmpOp::Gt };
            if r.is(j, &["than", "or"]) {
                j += 1;
            }
            if r.is(j, &["equal"]) {
                op = CmpOp::Gte;
                j += 1;
                if r.is(j, &["to"]) {
                    j += 1;
                }
            }
            (op, j)
        } else if any(&t, LESS) || t.is("<=") {
            let mut j = i + 1;
            if r.is(j, &["than"]) {
                j += 1;
            }
            (if t.is("<=") { CmpOp::Lte } else { CmpOp::Lt }, j)
        } else if t.is("at") && r.is(i + 1, &["least"]) {
            (CmpOp::Gte, i + 2)
        } else if t.is("at") && r.is(i + 1, &["most"]) {
            (CmpOp::Lte, i + 2)
        } else if t.is_any(&["took", "taking", "takes", "lasting", "lasted"])
            && r.tok(i + 1).is_some_and(|x| {
                duration_at(&r.tokens, i + 1).is_some() && x.kind == TokenKind::Word
            })
        {
            (CmpOp::Gt, i + 1)
        } else {
            // Korean: `1초 이상`, `2초 넘게`, `500ms 초과`, `1초보다 느린`
            if let Some((d, _, next)) = duration_at(&r.tokens, i) {
                let after = |j: usize| r.tok(j).filter(|x| x.kind == TokenKind::Hangul);
                let unit_rest = r
                    .tok(next - 1)
                    .filter(|x| x.kind == TokenKind::Hangul)
                    .map_or("", |x| {
                        x.text
                            .trim_start_matches(|c: char| "밀리초시간분일주반".contains(c))
                    });
                let mark = |s: &str| -> Option<CmpOp> {
                    if s.starts_with("이상")
                        || s.starts_with("넘")
                        || s.starts_with("보다")
                        || s.starts_with("걸린")
                        || s.starts_with("걸리")
                        || s.starts_with("느린")
                    {
                        Some(if s.starts_with("이상") {
                            CmpOp::Gte
                        } else {
                            CmpOp::Gt
                        })
                    } else if s.starts_with("초과") {
                        Some(CmpOp::Gt)
                    } else if s.starts_with("이하") {
                        Some(CmpOp::Lte)
                    } else if s.starts_with("미만") {
                        Some(CmpOp::Lt)
                    } else {
                        None
                    }
                };
                let found = mark(unit_rest).map(|op| (op, next)).or_else(|| {
                    after(next)
                        .and_then(|x| mark(&x.text))
                        .map(|op| (op, next + 1))
                });
                if let Some((op, end)) = found
                    && !r.claimed[i..end.min(n)].iter().any(|c| *c)
                {
                    r.threshold = Some(Threshold { op, value: d });
                    r.claim(i..end);
                    r.note("threshold", i, end, format!("{} {d}", op_text(op)));
                }
            }
            continue;
        };
        if let Some((d, unit, next)) = duration_at(&r.tokens, dur_at)
            && (dur_at..next).all(|j| r.free(j))
            && (unit < 3_600_000_000_000 || r.cues.latency)
        {
            r.threshold = Some(Threshold { op, value: d });
            r.claim(i..next);
            r.note("threshold", i, next, format!("{} {d}", op_text(op)));
        }
    }
    // "1s+" / "2s or more"
    for i in 0..n {
        if !r.free(i) {
            continue;
        }
        if let Some((d, unit, next)) = duration_at(&r.tokens, i) {
            if unit >= 60_000_000_000 {
                continue;
            }
            let plus = r.is(next, &["+"])
                || (r.is(next, &["or"]) && r.is(next + 1, &["more", "longer", "above"]));
            if plus {
                let end = if r.is(next, &["+"]) {
                    next + 1
                } else {
                    next + 2
                };
                r.threshold = Some(Threshold {
                    op: CmpOp::Gte,
                    value: d,
                });
                r.claim(i..end);
                r.note("threshold", i, end, format!(">= {d}"));
            }
        }
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

/// "per 5 minutes", "every minute", "in 5-minute buckets", "5m step", "5분마다", "5분 단위", "분당";
/// "per second" is a rate.
fn read_intervals(r: &mut Reading) {
    let n = r.tokens.len();
    for i in 0..n {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        if t.is_any(&[
            "per",
            "every",
            "each",
            "by",
            "step",
            "resolution",
            "granularity",
        ]) || (t.is("a") && i > 0)
        {
            let mut j = i + 1;
            if r.is(j, &["of"]) {
                j += 1;
            }
            if let Some((d, _, next)) = duration_at(&r.tokens, j)
                && (j..next).all(|k| r.free(k))
            {
                r.interval = Some(d);
                r.claim(i..next);
                r.note("interval", i, next, format!("every {d}"));
                continue;
            }
            if let Some(unit) = r.tok(j).and_then(|u| numbers::unit_nanos(&u.lower))
                && r.free(j)
                && t.lower != "a"
            {
                if unit == 1_000_000_000 {
                    r.cues.per_second = true;
                    r.cues.rate = true;
                    r.claim(i..=j);
                    r.note("rate", i, j + 1, "per second");
                } else {
                    r.interval = Some(QueryDuration::from_nanos(unit));
                    r.claim(i..=j);
                    r.note(
                        "interval",
                        i,
                        j + 1,
                        format!("every {}", QueryDuration::from_nanos(unit)),
                    );
                }
                continue;
            }
        }
        // "5-minute buckets", "5 minute intervals", "in 5m bins"
        if let Some((d, _, next)) = duration_at(&r.tokens, i) {
            let bucket_word = r.tok(next).is_some_and(|b| {
                b.is_any(&[
                    "buckets",
                    "bucket",
                    "intervals",
                    "interval",
                    "bins",
                    "windows",
                    "steps",
                    "step",
                    "resolution",
                    "granularity",
                ])
            });
            let ko_every = r.tok(next - 1).is_some_and(|u| {
                u.kind == TokenKind::Hangul
                    && (u.text.contains("마다")
                        || u.text.contains("단위")
                        || u.text.contains("간격"))
            }) || r
                .tok(next)
                .is_some_and(|u| ko(u, &["마다", "단위", "간격", "별"]));
            if (bucket_word || ko_every) && (i..next).all(|k| r.free(k)) {
                let end = if bucket_word
                    || r.tok(next)
                        .is_some_and(|u| ko(u, &["마다", "단위", "간격", "별"]))
                {
                    next + 1
                } else {
                    next
                };
                r.interval = Some(d);
                r.claim(i..end);
                r.note("interval", i, end, format!("every {d}"));
                continue;
            }
        }
        // "5-minute" as one word with a dash: "5-minute buckets", "5-minute error counts"
        if t.kind == TokenKind::Word
            && let Some((num, unit)) = t.lower.split_once('-')
            && let (Ok(v), Some(u)) = (num.parse::<f64>(), numbers::unit_nanos(unit))
            && u <= 86_400_000_000_000
        {
            let bucket = r.tok(i + 1).is_some_and(|b| {
                b.is_any(&[
                    "buckets",
                    "bucket",
                    "intervals",
                    "interval",
                    "bins",
                    "windows",
                    "steps",
                    "step",
                ])
            });
            let window = i > 0 && r.tokens[i - 1].is_any(&["last", "past", "previous", "a", "the"]);
            if bucket || !window {
                let d = QueryDuration::from_nanos((v * u as f64) as u64);
                r.interval = Some(d);
                let end = if bucket { i + 2 } else { i + 1 };
                r.claim(i..end);
                r.note("interval", i, end, format!("every {d}"));
                continue;
            }
        }
        if ko(&t, &["초당"]) {
            r.cues.per_second = true;
            r.cues.rate = true;
            r.claim([i]);
            r.note("rate", i, i + 1, "per second");
        } else if ko(&t, &["분당"]) {
            r.interval = Some(QueryDuration::from_mins(1));
            r.claim([i]);
            r.note("interval", i, i + 1, "every 1m");
        } else if ko(&t, &["시간당"]) {
            r.interval = Some(QueryDuration::from_hours(1));
            r.claim([i]);
            r.note("interval", i, i + 1, "every 1h");
        }
    }
}

const LIMIT_NOUNS: &[&str] = &[
    "errors",
    "error",
    "logs",
    "log",
    "lines",
    "line",
    "entries",
    "entry",
    "messages",
    "message",
    "events",
    "traces",
    "trace",
    "spans",
    "span",
    "requests",
    "request",
    "results",
    "records",
    "warnings",
    "failures",
    "exceptions",
    "items",
    "rows",
    "calls",
    "ones",
];

fn read_topk_and_limit(r: &mut Reading) {
    let n = r.tokens.len();
    for i in 0..n {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        // top N / bottom N / 상위 N / 하위 N
        let top = t.is_any(&[
            "top", "highest", "largest", "biggest", "noisiest", "busiest", "worst",
        ]) || ko(&t, &["상위", "가장 많은"]);
        let bottom = t.is_any(&[
            "bottom", "lowest", "smallest", "quietest", "fewest", "least",
        ]) || ko(&t, &["하위"]);
        if (top || bottom) && !r.is(i + 1, &["of"]) {
            if let Some((k, next)) = number_at(&r.tokens, i + 1)
                .filter(|(k, _)| *k >= 1.0 && *k <= 1000.0 && k.fract() == 0.0)
            {
                let is_time = duration_at(&r.tokens, i + 1).is_some();
                if !is_time {
                    r.topk = Some((k as u32, bottom));
                    let mut end = next;
                    if r.tok(end).is_some_and(|x| ko(x, &["개"])) {
                        end += 1;
                    }
                    r.claim(i..end);
                    r.note(
                        "top",
                        i,
                        end,
                        format!("{} {k}", if bottom { "bottom" } else { "top" }),
                    );
                    continue;
                }
            }
            if t.is_any(&["top", "bottom"]) || ko(&t, &["상위", "하위"]) {
                r.topk = Some((5, bottom));
                r.claim([i]);
                r.note(
                    "top",
                    i,
                    i + 1,
                    format!("{} 5", if bottom { "bottom" } else { "top" }),
                );
                continue;
            }
        }
        // "which 3 services logged the most errors", "the 5 services with the most warnings"
        if let Some((k, next)) =
            number_at(&r.tokens, i).filter(|(k, _)| *k >= 1.0 && k.fract() == 0.0 && *k <= 100.0)
        {
            let superlative = r.tokens.iter().any(|x| {
                x.is_any(&["most", "highest", "top", "noisiest", "busiest", "worst"])
                    || ko(x, &["가장"])
            });
            if r.is(next, &["services", "service", "apps", "pods", "endpoints"])
                && superlative
                && t.kind == TokenKind::Word
            {
                r.topk = Some((k as u32, false));
                r.claim([i]);
                r.note("top", i, i + 1, format!("top {k}"));
                continue;
            }
        }
        // "the most errors", "which service logs the most": a single winner
        if t.is_any(&["most"]) && !r.is(i + 1, &["recent"]) && (i == 0 || !r.is(i - 1, &["at"])) {
            r.cues.most = true;
            continue;
        }
        // limits: "20 most recent errors", "last 50 lines", "latest 10 traces", "first 5", "limit 100",
        // "show 100 logs", "최근 20개"
        let limit_cue = t.is_any(lx::LIMIT_CUES) || ko(&t, &["최근", "최신"]);
        if limit_cue
            && let Some((k, next)) = number_at(&r.tokens, i + 1)
            && k >= 1.0
            && k.fract() == 0.0
            && duration_at(&r.tokens, i + 1).is_none()
        {
            let noun =
                r.is(next, LIMIT_NOUNS) || r.tok(next).is_some_and(|x| ko(x, &["개", "건", "줄"]));
            let trailing_ok = t.is_any(&["limit", "max", "first", "latest", "newest", "top"]);
            if noun || trailing_ok {
                r.limit = Some(k as u32);
                let end = if r.tok(next).is_some_and(|x| ko(x, &["개", "건", "줄"])) {
                    next + 1
                } else {
                    next
                };
                r.claim(i..end);
                r.note("limit", i, end, format!("at most {k} results"));
                continue;
            }
        }
        if let Some((k, next)) = number_at(&r.tokens, i)
            .filter(|(k, _)| *k >= 1.0 && k.fract() == 0.0 && *k <= 100_000.0)
        {
            if t.kind != TokenKind::Word
                || duration_at(&r.tokens, i).is_some()
                || http_status(&t.lower).is_some()
                    && !r.is(next, &["most", "latest", "newest", "recent", "last"])
            {
                continue;
            }
            // "20 most recent", "10 latest", "5 newest"
            let mut j = next;
            let recent = if r.is(j, &["most"]) && r.is(j + 1, &["recent"]) {
                j += 2;
                true
            } else if r.is(
                j,
                &["latest", "newest", "recent", "last", "oldest", "earliest"],
            ) {
                j += 1;
                true
            } else {
                false
            };
            let noun = r.is(j, LIMIT_NOUNS) || r.tok(j).is_some_and(|x| ko(x, &["개", "건", "줄"]));
            // a number right before a log noun when the question lists ("show 100 logs")
            let listing = i > 0
                && r.is(
                    i - 1,
                    &[
                        "show", "list", "get", "fetch", "give", "display", "return", "find",
                    ],
                );
            if recent || (noun && listing) || r.tok(j).is_some_and(|x| ko(x, &["개", "건", "줄"]))
            {
                r.limit = Some(k as u32);
                let end = if r.tok(j).is_some_and(|x| ko(x, &["개", "건", "줄"])) {
                    j + 1
                } else {
                    j
                };
                r.claim(i..end);
                r.note("limit", i, end, format!("at most {k} results"));
            }
        }
    }
}

/// Field name as written: exact, or with spaces for underscores (`user id` → `user_id`), or a known
/// synonym (`latency` → `duration_ms`).
fn field_at<'a>(
    r: &Reading,
    i: usize,
    fields: &'a [(String, crate::ground::LogField)],
) -> Option<(&'a (String, crate::ground::LogField), usize)> {
    let t = r.tok(i)?;
    if t.kind != TokenKind::Word && t.kind != TokenKind::Quoted {
        return None;
    }
    if let Some(f) = fields
        .iter()
        .find(|(_, f)| f.name.eq_ignore_ascii_case(&t.text))
    {
        return Some((f, i + 1));
    }
    if let Some(next) = r.tok(i + 1) {
        let joined = format!("{}_{}", t.lower, next.lower);
        if let Some(f) = fields
            .iter()
            .find(|(_, f)| f.name.eq_ignore_ascii_case(&joined))
        {
            return Some((f, i + 2));
        }
    }
    None
}

/// Conditions on parsed fields: "status 500", "duration_ms is over 1000", "user_id u-123",
/// "status >= 500", "duration_ms가 1000 이상".
fn read_fields(r: &mut Reading, schema: &Schema) {
    // Fields of the services named so far, else of all services.
    let mut fields: Vec<(String, crate::ground::LogField)> = Vec::new();
    let scope: Vec<Option<&str>> = if r.services.is_empty() {
        vec![None]
    } else {
        r.services.iter().map(|s| Some(s.as_str())).collect()
    };
    for s in scope {
        for (svc, f) in schema.fields_of(s) {
            if f.name == "detected_level" || f.name == "level_extracted" {
                continue;
            }
            if !fields.iter().any(|(_, g)| g.name == f.name) {
                fields.push((svc.to_string(), f.clone()));
            }
        }
    }
    let n = r.tokens.len();
    let mut i = 0;
    while i < n {
        if !r.free(i) {
            i += 1;
            continue;
        }
        let Some(((_, field), mut j)) = field_at(r, i, &fields) else {
            // an unknown `snake_case` word compared with something looks like a field that does not exist
            if let Some(t) = r.tok(i)
                && t.kind == TokenKind::Word
                && t.lower.contains('_')
                && !t.lower.starts_with('_')
                && r.tok(i + 1).is_some_and(|o| {
                    o.is_any(&[
                        ">", ">=", "<", "<=", "=", "!=", "over", "above", "below", "under", "is",
                        "equals",
                    ])
                })
            {
                r.unknown_fields.push(t.text.clone());
                r.claim([i]);
            }
            i += 1;
            continue;
        };
        let field = field.clone();
        // particles and verbs between name and comparison
        while r.tok(j).is_some_and(|t| {
            t.is_any(&[
                "is", "was", "are", "of", "value", "field", "code", "of:", "equal",
            ]) || (t.kind == TokenKind::Hangul
                && t.text.chars().count() <= 2
                && !ko(t, &["이상", "이하", "초과", "미만"]))
        }) {
            j += 1;
        }
        let (op, mut k) = comparison_at(r, j);
        // Fields named like ordinary words (`count`, `error`, `message`) need a written comparison or a
        // number/quoted value after them; otherwise the word is just a word.
        let ordinary = lx::is_vocabulary(&field.name.to_lowercase())
            || lx::ERROR_WORDS.contains(&field.name.as_str());
        let written_op = k > j;
        let after_aggregate = i > 0
            && r.tok(i - 1).is_some_and(|p| {
                p.is_any(&[
                    "average", "avg", "mean", "max", "maximum", "min", "minimum", "sum", "total",
                    "median", "of",
                ]) || p.lower.starts_with('p') && p.lower[1..].parse::<f64>().is_ok()
            });
        let value = value_at(r, k, &field).filter(|(v, _)| {
            !ordinary
                || written_op
                || matches!(v, FieldValue::Number(_) | FieldValue::Duration(_))
                || r.tok(k).is_some_and(|t| t.kind == TokenKind::Quoted)
        });
        let Some((value, end)) = value else {
            if field.kind.is_numeric() && (!ordinary || after_aggregate) {
                let end = field_at(r, i, &fields).map_or(i + 1, |(_, e)| e);
                r.claim(i..end);
                r.note("field", i, end, format!("values of {}", field.name));
                push_unique(&mut r.value_fields, (field.name.clone(), field.source));
                i = end;
            } else {
                i += 1;
            }
            continue;
        };
        k = end;
        // trailing Korean comparison: `1000 이상`, `500 초과`
        let mut op = op;
        if let Some(t) = r.tok(k)
            && let Some(ko_op) = korean_comparison(t)
        {
            op = ko_op;
            k += 1;
        }
        r.claim(i..k);
        r.note(
            "field",
            i,
            k,
            format!("{} {} {}", field.name, op_text(op), value_display(&value)),
        );
        r.fields.push(FieldCond {
            field: field.name.clone(),
            kind: field.kind,
            source: field.source,
            op,
            value,
        });
        i = k;
    }
    // "500 status", "status code 500" handled above; "with a 500 status" puts the code first:
    for i in 0..n.saturating_sub(1) {
        if !r.free(i) || !r.free(i + 1) {
            continue;
        }
        let Some((code, code_hi)) = r.tok(i).and_then(|t| http_status(&t.lower)) else {
            continue;
        };
        if let Some(((_, field), end)) = field_at(r, i + 1, &fields)
            && field.kind.is_numeric()
        {
            let field = field.clone();
            r.claim(i..end);
            if code == code_hi {
                r.fields.push(FieldCond {
                    field: field.name.clone(),
                    kind: field.kind,
                    source: field.source,
                    op: CmpOp::Eq,
                    value: FieldValue::Number(code as f64),
                });
            } else {
                r.http.push((code, code_hi));
            }
            r.note("field", i, end, format!("{} = {code}", field.name));
        }
    }
}

fn korean_comparison(t: &Token) -> Option<CmpOp> {
    if t.kind != TokenKind::Hangul {
        return None;
    }
    let s = t.text.as_str();
    if s.starts_with("이상") || s.starts_with("넘") {
        Some(if s.starts_with("이상") {
            CmpOp::Gte
        } else {
            CmpOp::Gt
        })
    } else if s.starts_with("초과") || s.starts_with("보다") {
        Some(CmpOp::Gt)
    } else if s.starts_with("이하") {
        Some(CmpOp::Lte)
    } else if s.starts_with("미만") {
        Some(CmpOp::Lt)
    } else if s.starts_with("인") || s.starts_with("이") && s.chars().count() == 1 {
        Some(CmpOp::Eq)
    } else {
        None
    }
}

/// A comparison at `j` ("over", "greater than", ">=", "not", "equals"); `=` when none is written.
fn comparison_at(r: &Reading, j: usize) -> (CmpOp, usize) {
    let Some(t) = r.tok(j) else {
        return (CmpOp::Eq, j);
    };
    let skip_than = |k: usize| if r.is(k, &["than", "to"]) { k + 1 } else { k };
    match t.lower.as_str() {
        ">" => (CmpOp::Gt, j + 1),
        ">=" => (CmpOp::Gte, j + 1),
        "<" => (CmpOp::Lt, j + 1),
        "<=" => (CmpOp::Lte, j + 1),
        "=" | "==" | ":" | "equals" | "equal" | "of" => (CmpOp::Eq, skip_than(j + 1)),
        "!=" | "not" | "isn't" => (CmpOp::Neq, j + 1),
        "=~" => (CmpOp::Re, j + 1),
        "!~" => (CmpOp::Nre, j + 1),
        "over" | "above" | "exceeding" | "exceeds" | "beyond" | "past" => {
            if r.is(j + 1, &["or"]) && r.is(j + 2, &["equal"]) {
                (CmpOp::Gte, skip_than(j + 3))
            } else {
                (CmpOp::Gt, j + 1)
            }
        }
        "greater" | "more" | "higher" | "larger" | "bigger" | "longer" | "slower" => {
            if r.is(j + 1, &["than"]) && r.is(j + 2, &["or"]) && r.is(j + 3, &["equal"]) {
                (CmpOp::Gte, skip_than(j + 4))
            } else {
                (CmpOp::Gt, skip_than(j + 1))
            }
        }
        "under" | "below" | "less" | "lower" | "smaller" | "fewer" | "shorter" | "faster" => {
            (CmpOp::Lt, skip_than(j + 1))
        }
        "at" if r.is(j + 1, &["least"]) => (CmpOp::Gte, j + 2),
        "at" if r.is(j + 1, &["most"]) => (CmpOp::Lte, j + 2),
        _ => (CmpOp::Eq, j),
    }
}

/// The value after a field comparison, converted to the field's unit (`1s` → 1000 for `duration_ms`).
fn value_at(r: &Reading, k: usize, field: &crate::ground::LogField) -> Option<(FieldValue, usize)> {
    let t = r.tok(k)?;
    if !r.free(k) {
        return None;
    }
    if t.kind == TokenKind::Quoted {
        return Some((FieldValue::Text(t.text.clone()), k + 1));
    }
    if t.kind != TokenKind::Word {
        return None;
    }
    if field.kind.is_numeric() {
        if let Some((d, _, next)) = duration_at(&r.tokens, k) {
            let name = field.name.to_lowercase();
            let value = if name.ends_with("_ms")
                || name.ends_with("millis")
                || name.ends_with("milliseconds")
            {
                FieldValue::Number(d.as_nanos() as f64 / 1e6)
            } else if name.ends_with("_s")
                || name.ends_with("_sec")
                || name.ends_with("_seconds")
                || name.ends_with("_secs")
            {
                FieldValue::Number(d.as_secs_f64())
            } else if name.ends_with("_us") || name.ends_with("_micros") {
                FieldValue::Number(d.as_nanos() as f64 / 1e3)
            } else if name.ends_with("_ns") || name.ends_with("_nanos") {
                FieldValue::Number(d.as_nanos() as f64)
            } else {
                FieldValue::Duration(d)
            };
            return Some((value, next));
        }
        if let Some((code, hi)) = http_status(&t.lower)
            && code != hi
        {
            return None;
        }
        let (v, next) = number_at(&r.tokens, k)?;
        if r.tok(k)
            .is_some_and(|x| x.kind == TokenKind::Word && x.number().is_none())
            && v <= 1.0
        {
            // "a" / "an" are not values
            return None;
        }
        return Some((FieldValue::Number(v), next));
    }
    // Strings: one word that is not vocabulary.
    if lx::is_vocabulary(&t.lower) && t.number().is_none() {
        return None;
    }
    Some((FieldValue::Text(t.text.clone()), k + 1))
}

fn value_display(v: &FieldValue) -> String {
    match v {
        FieldValue::Number(n) => crate::plan::logql_number(*n),
        FieldValue::Duration(d) => d.to_string(),
        FieldValue::Text(t) => format!("\"{t}\""),
    }
}

/// HTTP status codes that are not already a field condition: "500s", "5xx", "HTTP 500", "returned 503".
fn read_http(r: &mut Reading) {
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let t = &r.tokens[i];
        let Some((lo, hi)) = http_status(&t.lower) else {
            continue;
        };
        let is_class = lo != hi;
        let context = is_class
            || t.lower.ends_with('s')
            || (i > 0
                && r.tokens[i - 1].is_any(&[
                    "http",
                    "status",
                    "code",
                    "returned",
                    "returning",
                    "return",
                    "returns",
                    "with",
                    "got",
                    "get",
                    "gave",
                    "giving",
                    "answered",
                    "responded",
                ]))
            || r.tok(i + 1).is_some_and(|n| {
                n.is_any(&[
                    "errors",
                    "error",
                    "status",
                    "response",
                    "responses",
                    "code",
                    "codes",
                    "returned",
                ]) || ko(n, &["에러", "오류", "응답", "상태"])
            })
            || (lo >= 400
                && r.tokens
                    .iter()
                    .any(|x| x.is_any(&["http", "status", "returned", "responses", "response"])));
        if !context {
            continue;
        }
        let mut from = i;
        if i > 0 && r.free(i - 1) && r.tokens[i - 1].is_any(&["http", "status"]) {
            from = i - 1;
        }
        let mut to = i + 1;
        let mut hi = hi;
        // "500+", "500 or above"
        if r.is(i + 1, &["+"]) {
            hi = 599;
            to = i + 2;
        } else if r.is(i + 1, &["or"]) && r.is(i + 2, &["above", "higher", "more", "greater"]) {
            hi = 599;
            to = i + 3;
        }
        // "500 errors" are responses, not error-level lines: the word belongs to the code.
        if r.free(to)
            && r.tok(to).is_some_and(|n| {
                n.is_any(&[
                    "status",
                    "response",
                    "responses",
                    "code",
                    "codes",
                    "errors",
                    "error",
                ]) || ko(n, &["에러", "오류", "응답"])
            })
        {
            to += 1;
        }
        r.http.push((lo, hi));
        r.claim(from..to);
        r.note(
            "status",
            from,
            to,
            if lo != hi {
                format!("HTTP {lo}-{hi}")
            } else {
                format!("HTTP {lo}")
            },
        );
    }
}

const METHODS: &[&str] = &["get", "post", "put", "delete", "patch", "head", "options"];

/// Span names ("POST /api/v1/orders"), routes ("/api/v1/orders") and methods ("POST requests").
fn read_span_names(r: &mut Reading, schema: &Schema) {
    let names = schema
        .tempo
        .values
        .get("name")
        .map_or(&[][..], Vec::as_slice);
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        if METHODS.contains(&t.lower.as_str()) && t.text.chars().all(|c| c.is_ascii_uppercase()) {
            if let Some(path) = r
                .tok(i + 1)
                .filter(|p| p.text.starts_with('/') && r.free(i + 1))
            {
                let wanted = format!("{} {}", t.text, path.text);
                let name = names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(&wanted))
                    .cloned()
                    .unwrap_or(wanted);
                r.claim([i, i + 1]);
                r.note("span", i, i + 2, format!("span name \"{name}\""));
                push_unique(&mut r.span_names, name);
                continue;
            }
            r.claim([i]);
            r.note("method", i, i + 1, format!("HTTP method {}", t.text));
            push_unique(&mut r.methods, t.text.clone());
            continue;
        }
        if t.text.starts_with('/') && t.text.len() > 1 && t.kind == TokenKind::Word {
            // a path: a span name ending in it, else a route
            let matching: Vec<&String> = names
                .iter()
                .filter(|n| n.ends_with(&format!(" {}", t.text)))
                .collect();
            r.claim([i]);
            if matching.len() == 1 {
                r.note("span", i, i + 1, format!("span name \"{}\"", matching[0]));
                push_unique(&mut r.span_names, matching[0].clone());
            } else {
                r.note("route", i, i + 1, format!("route {}", t.text));
                push_unique(&mut r.routes, t.text.clone());
            }
            continue;
        }
        // a span name typed without quotes that exists as is (`SELECT products`, `INSERT orders`)
        if t.kind == TokenKind::Word
            && t.text.chars().all(|c| c.is_ascii_uppercase())
            && t.text.len() >= 3
            && let Some(next) = r.tok(i + 1).filter(|_| r.free(i + 1))
        {
            let wanted = format!("{} {}", t.text, next.text);
            if let Some(name) = names.iter().find(|n| **n == wanted) {
                let name = name.clone();
                r.claim([i, i + 1]);
                r.note("span", i, i + 2, format!("span name \"{name}\""));
                push_unique(&mut r.span_names, name);
            }
        }
    }
}

fn read_levels(r: &mut Reading) {
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let mut t = r.tokens[i].clone();
        // "error-level", "info-only", "warn-logs"
        if let Some((base, rest)) = t.lower.split_once('-')
            && [
                "level", "levels", "only", "logs", "log", "lines", "messages", "severity", "events",
            ]
            .contains(&rest)
        {
            t.lower = base.to_string();
        }
        let level = if any(&t, lx::ERROR_WORDS)
            || lx::ko_contains(&t, &["에러", "오류", "예외", "익셉션"])
        {
            Some("error")
        } else if any(&t, lx::FAILED_WORDS) || lx::ko_contains(&t, &["실패", "장애"]) {
            r.cues.failed = true;
            Some("error")
        } else if any(&t, lx::WARN_WORDS) || lx::ko_contains(&t, lx::WARN_KO) {
            Some("warn")
        } else if any(&t, lx::INFO_WORDS) || ko(&t, lx::INFO_KO) {
            Some("info")
        } else if t.is("debug") || ko(&t, lx::DEBUG_KO) {
            Some("debug")
        } else {
            None
        };
        let Some(level) = level else { continue };
        // Korean tokens also carry log/trace nouns (`에러로그`): let cues see them too.
        if t.kind != TokenKind::Hangul {
            r.claim([i]);
        }
        let negated = (i > 0
            && (r.tokens[i - 1].is_any(&["non", "not", "excluding", "except", "without", "no"])))
            || t.lower.starts_with("non-");
        if negated {
            r.claim([i - 1]);
            push_unique(&mut r.negated_levels, level);
            r.note("level", i - 1, i + 1, format!("level is not {level}"));
        } else {
            push_unique(&mut r.levels, level);
            r.note("level", i, i + 1, format!("level {level}"));
        }
    }
}

/// Values of other stream labels (`staging`, `prod`, `shop`) and their common synonyms.
fn read_label_values(r: &mut Reading, schema: &Schema) {
    let synonyms: &[(&str, &str)] = &[
        ("production", "prod"),
        ("prd", "prod"),
        ("stage", "staging"),
        ("stg", "staging"),
        ("development", "dev"),
        ("운영", "prod"),
        ("스테이징", "staging"),
        ("개발", "dev"),
    ];
    let skip: Vec<&str> = [
        schema.loki.service_label.as_deref(),
        schema.loki.level_label.as_deref(),
        Some("app"),
    ]
    .into_iter()
    .flatten()
    .collect();
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        if t.lower.len() < 3
            || lx::is_vocabulary(&t.lower) && !synonyms.iter().any(|(s, _)| *s == t.lower)
        {
            continue;
        }
        let wanted: Vec<String> = std::iter::once(t.lower.clone())
            .chain(
                synonyms
                    .iter()
                    .filter(|(s, _)| {
                        t.lower == *s || (t.kind == TokenKind::Hangul && t.text.starts_with(s))
                    })
                    .map(|(_, v)| v.to_string()),
            )
            .collect();
        let found = schema
            .loki
            .labels
            .iter()
            .filter(|(l, vs)| !skip.contains(&l.as_str()) && vs.len() <= 200)
            .find_map(|(label, values)| {
                values
                    .iter()
                    .find(|v| wanted.iter().any(|w| v.eq_ignore_ascii_case(w)))
                    .map(|v| (label.clone(), v.clone()))
            });
        if let Some((label, value)) = found {
            r.claim([i]);
            r.note("label", i, i + 1, format!("{label}=\"{value}\""));
            r.labels.push((label, value, false));
        }
    }
}

/// "per service", "by level", "for each service", "grouped by env", "서비스별", "레벨별".
fn read_grouping(r: &mut Reading, schema: &Schema) {
    let n = r.tokens.len();
    for i in 0..n {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        if t.kind == TokenKind::Hangul {
            let ko_group = [
                ("서비스별", "service"),
                ("서비스마다", "service"),
                ("레벨별", "level"),
                ("수준별", "level"),
                ("환경별", "env"),
                ("상태별", "status"),
                ("엔드포인트별", "name"),
                ("파드별", "pod"),
            ];
            if let Some((_, g)) = ko_group.iter().find(|(k, _)| t.text.starts_with(k)) {
                push_unique(&mut r.group_by, g.to_string());
                r.claim([i]);
                r.note("group", i, i + 1, format!("by {g}"));
            } else if (t.text == "별" || t.text.starts_with("별로"))
                && i > 0
                && let Some(g) = group_target(&r.tokens[i - 1], schema)
            {
                push_unique(&mut r.group_by, g.clone());
                r.claim([i - 1, i]);
                r.note("group", i - 1, i + 1, format!("by {g}"));
            }
            continue;
        }
        // "per-service", "by-level"
        if let Some((cue, target)) = t.lower.split_once('-')
            && ["per", "by", "each"].contains(&cue)
        {
            let mut target_token = t.clone();
            target_token.lower = target.to_string();
            if let Some(g) = group_target(&target_token, schema) {
                push_unique(&mut r.group_by, g.clone());
                r.claim([i]);
                r.note("group", i, i + 1, format!("by {g}"));
            }
            continue;
        }
        if !(t.is_any(&["per", "by", "each", "across", "every"])
            || (t.is("for") && r.is(i + 1, &["each", "every"])))
        {
            continue;
        }
        let mut j = i + 1;
        while r.is(j, &["each", "every", "the", "a", "their", "its"]) {
            j += 1;
        }
        // "grouped by", "broken down by", "split by"
        let Some(target) = r.tok(j) else { continue };
        if !r.free(j) {
            continue;
        }
        if let Some(g) = group_target(target, schema) {
            let mut end = j + 1;
            // "status code"
            if g == "status" && r.is(end, &["code", "codes"]) {
                end += 1;
            }
            push_unique(&mut r.group_by, g.clone());
            r.claim(i..end);
            r.note("group", i, end, format!("by {g}"));
        }
    }
    // "services by error count" / "which service": the subject is grouped
    for i in 0..n {
        if r.free(i)
            && r.tokens[i].is_any(&["services", "which"])
            && (r.cues.most || r.topk.is_some() || r.tokens[i].is("services"))
        {
            let service_next = r.tokens[i].is("which")
                && r.tok(i + 1)
                    .is_some_and(|t| t.is_any(&["service", "services", "app"]));
            if r.tokens[i].is("services") && (r.topk.is_some() || r.cues.most) || service_next {
                push_unique(&mut r.group_by, "service".to_string());
                r.note("group", i, i + 1, "by service");
            }
        }
    }
}

fn group_target(t: &Token, schema: &Schema) -> Option<String> {
    let w = t.lower.trim_end_matches("'s");
    let canonical = match w {
        "service" | "services" | "svc" | "app" | "apps" | "application" | "applications"
        | "microservice" | "microservices" => "service",
        "level" | "levels" | "severity" | "severities" | "loglevel" | "log-level" => "level",
        "env" | "envs" | "environment" | "environments" => "env",
        "status" | "statuses" | "code" | "codes" | "status-code" => "status",
        "endpoint" | "endpoints" | "operation" | "operations" | "route" | "routes" | "span"
        | "spans" | "name" | "names" => "name",
        "pod" | "pods" | "instance" | "instances" | "host" | "hosts" => "pod",
        "namespace" | "namespaces" => "namespace",
        "cluster" | "clusters" => "cluster",
        _ if t.kind == TokenKind::Hangul => {
            if t.text.starts_with("서비스") {
                "service"
            } else if t.text.starts_with("레벨") || t.text.starts_with("수준") {
                "level"
            } else {
                return None;
            }
        }
        other => {
            return schema
                .loki
                .labels
                .contains_key(other)
                .then(|| other.to_string());
        }
    };
    Some(canonical.to_string())
}

/// Unquoted search phrases: after a cue ("containing timeout", "not mentioning cache", "without
/// retries"), the object of "how many" ("how many timeouts"), a word qualifying a log noun ("timeout
/// errors"), or a word before a Korean cue ("timeout 포함", "cache 제외").
fn read_phrases(r: &mut Reading, schema: &Schema) {
    let services = schema.services();
    let n = r.tokens.len();
    let candidate = |r: &Reading, j: usize| -> bool {
        let Some(t) = r.tok(j) else { return false };
        r.free(j)
            && t.kind == TokenKind::Word
            && !lx::is_vocabulary(&t.lower)
            && !t.is_number()
            && http_status(&t.lower).is_none()
            && fuzzy::resolve(&t.text, &services)
                .is_none_or(|(_, q)| matches!(q, MatchQuality::Typo(_)) && t.lower.len() < 5)
    };
    let search_verb = r.tokens.iter().position(|t| {
        t.is_any(&[
            "search",
            "grep",
            "look",
            "scan",
            "hunt",
            "searching",
            "looking",
        ])
    });
    let mut i = 0;
    while i < n {
        if !r.free(i) && !r.tok(i).is_some_and(|t| any(t, lx::NEGATION_WORDS)) {
            i += 1;
            continue;
        }
        let t = r.tokens[i].clone();
        // "time out" / "timed out" / "times out": the word lines carry is `timeout`
        if t.is_any(&["time", "timed", "times", "timing"])
            && r.is(i + 1, &["out"])
            && r.free(i)
            && r.free(i + 1)
        {
            r.claim([i, i + 1]);
            r.note("filter", i, i + 2, "lines with \"timeout\"");
            r.phrases.push(Phrase {
                text: "timeout".into(),
                negative: negated_before(r, i),
                regex: false,
            });
            i += 2;
            continue;
        }
        let search_for = t.is("for") && search_verb.is_some_and(|v| v < i);
        let cue = any(&t, lx::CONTAIN_CUES)
            || search_for
            || any(&t, lx::NEGATION_WORDS) && !r.is(i + 1, lx::CONTAIN_CUES);
        if cue {
            let mut j = i + 1;
            while r.is(
                j,
                &[
                    "the", "a", "an", "word", "words", "text", "string", "term", "phrase",
                    "keyword", "message", "messages", "any", "lines", "line", "logs",
                ],
            ) {
                j += 1;
            }
            let start = j;
            while j < n && j - start < 4 && candidate(r, j) {
                j += 1;
            }
            if j > start {
                let text = r.text_of(start, j);
                let negative = any(&t, lx::NEGATION_WORDS) || negated_before(r, i);
                r.claim(i..j);
                r.note(
                    "filter",
                    i,
                    j,
                    format!(
                        "lines {} \"{text}\"",
                        if negative { "without" } else { "with" }
                    ),
                );
                r.phrases.push(Phrase {
                    text,
                    negative,
                    regex: false,
                });
                i = j;
                continue;
            }
        }
        // "how many timeouts", "number of timeouts", "count of retries"
        let count_of = (t.is("many") && i > 0 && r.is(i - 1, &["how"]))
            || (t.is_any(&["number", "count"]) && r.is(i + 1, &["of"]))
            || (t.is_any(&["count", "counting"]) && candidate(r, i + 1));
        if count_of {
            let j = if r.is(i + 1, &["of"]) { i + 2 } else { i + 1 };
            if candidate(r, j) {
                let word = singular(&r.tokens[j].text);
                r.claim([j]);
                r.note("filter", j, j + 1, format!("lines with \"{word}\""));
                r.phrases.push(Phrase {
                    text: word,
                    negative: false,
                    regex: false,
                });
                i = j + 1;
                continue;
            }
        }
        // "timeout errors", "retry warnings", "auth logs"
        if candidate(r, i)
            && r.tok(i + 1).is_some_and(|n| {
                any(n, lx::ERROR_WORDS)
                    || any(n, lx::WARN_WORDS)
                    || any(
                        n,
                        &[
                            "logs",
                            "messages",
                            "lines",
                            "entries",
                            "exceptions",
                            "failures",
                        ],
                    )
            })
        {
            let prev_ok = i == 0
                || !r.tokens[i - 1].is_any(&["from", "in", "of", "for"])
                || r.tokens[i].lower.len() > 3;
            if prev_ok {
                let word = r.tokens[i].text.clone();
                r.claim([i]);
                r.note("filter", i, i + 1, format!("lines with \"{word}\""));
                r.phrases.push(Phrase {
                    text: word,
                    negative: false,
                    regex: false,
                });
                i += 1;
                continue;
            }
        }
        // Korean cue after the phrase: `timeout 포함`, `timeout이 포함된`, `cache 제외`
        if candidate(r, i)
            || (r.free(i)
                && t.kind == TokenKind::Word
                && !lx::is_vocabulary(&t.lower)
                && !t.is_number())
        {
            let mut j = i + 1;
            while r.tok(j).is_some_and(|x| {
                x.kind == TokenKind::Hangul
                    && ["이", "가", "을", "를", "은", "는", "라는", "이라는", "란"]
                        .contains(&x.text.as_str())
            }) {
                j += 1;
            }
            if let Some(cue_tok) = r.tok(j) {
                let positive = lx::ko_contains(cue_tok, lx::CONTAIN_KO_AFTER);
                let negative = lx::ko_contains(cue_tok, lx::NEGATION_KO_AFTER)
                    || cue_tok.text.starts_with("없");
                if (positive || negative) && candidate(r, i) {
                    let word = r.tokens[i].text.clone();
                    r.claim(i..=j);
                    r.note(
                        "filter",
                        i,
                        j + 1,
                        format!(
                            "lines {} \"{word}\"",
                            if negative { "without" } else { "with" }
                        ),
                    );
                    r.phrases.push(Phrase {
                        text: word,
                        negative,
                        regex: false,
                    });
                    i = j + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
}

/// English plural to singular for search words ("timeouts" → "timeout", "retries" → "retry"). Only the
/// final `s` goes (not `es`): `caches` → `cache`, and a stem that is too long still matches as a substring
/// more often than one that is cut too short.
fn singular(word: &str) -> String {
    let lower = word.to_lowercase();
    if lower.ends_with("ies") && word.len() > 4 {
        format!("{}y", &word[..word.len() - 3])
    } else if lower.ends_with('s')
        && !lower.ends_with("ss")
        && !lower.ends_with("us")
        && !lower.ends_with("is")
        && word.len() > 3
    {
        word[..word.len() - 1].to_string()
    } else {
        word.to_string()
    }
}

fn read_cues(r: &mut Reading) {
    let n = r.tokens.len();
    let mut c = r.cues.clone();
    for i in 0..n {
        let t = &r.tokens[i];
        if any(t, lx::TRACE_WORDS) || lx::ko_contains(t, lx::TRACE_KO) {
            c.traces = true;
        }
        if any(t, lx::LOG_WORDS) || lx::ko_contains(t, lx::LOG_KO) {
            c.logs = true;
        }
        if any(t, lx::REQUEST_WORDS) || lx::ko_contains(t, lx::REQUEST_KO) || t.lower == "api" {
            c.requests = true;
        }
        if any(t, lx::LATENCY_WORDS)
            || lx::ko_contains(t, lx::LATENCY_KO)
            || (t.is("response") && r.is(i + 1, &["time", "times"]))
        {
            c.latency = true;
        }
        let total_of_time = t.is("total")
            && r.is(
                i + 1,
                &[
                    "duration", "latency", "time", "response", "runtime", "elapsed",
                ],
            );
        if total_of_time {
            c.whole_trace = true;
        } else if any(t, lx::COUNT_WORDS) || lx::ko_contains(t, lx::COUNT_KO) {
            c.count = true;
        }
        if t.is("end") && r.is(i + 1, &["to"]) && r.is(i + 2, &["end"]) {
            c.whole_trace = true;
        }
        if t.is_any(&[
            "call",
            "calls",
            "called",
            "calling",
            "invoke",
            "invokes",
            "invoked",
            "invoking",
            "->",
            "→",
            "downstream",
        ]) {
            c.calls = true;
        }
        if t.is("many") && i > 0 && r.tokens[i - 1].is("how") {
            c.count = true;
            c.how_many = true;
        }
        if any(t, lx::RATE_WORDS) || lx::ko_contains(t, lx::RATE_KO) {
            c.rate = true;
        }
        if any(t, lx::OVER_TIME_WORDS)
            || lx::ko_contains(t, lx::OVER_TIME_KO)
            || (t.is("over") && r.is(i + 1, &["time"]))
        {
            c.over_time = true;
        }
        if any(t, lx::CORRELATE_WORDS)
            || lx::ko_contains(t, lx::CORRELATE_KO)
            || (t.is("what") && r.is(i + 1, &["happened"]))
            || (t.is("went") && r.is(i + 1, &["wrong"]))
        {
            c.correlate = true;
        }
        if any(t, lx::FAILED_WORDS) {
            c.failed = true;
        }
        if any(t, lx::WHOLE_TRACE_WORDS) && !t.is("total") {
            c.whole_trace = true;
        }
        if t.is_any(&[
            "ratio",
            "percentage",
            "percent",
            "proportion",
            "share",
            "fraction",
            "%",
        ]) || lx::ko_contains(t, &["비율", "퍼센트", "비중"])
        {
            c.ratio = true;
        }
        if t.is_any(&["bytes", "size", "kb", "mb", "gb"])
            || (t.is("volume") && r.is(i + 1, &["in"]) && r.is(i + 2, &["bytes"]))
        {
            c.bytes = true;
        }
        if t.is_any(&[
            "delete", "drop", "remove", "purge", "truncate", "wipe", "erase", "insert", "ingest",
            "push", "write",
        ]) && i <= 2
            || lx::ko_contains(t, &["삭제", "지워"])
        {
            c.destructive = true;
        }
        if t.is_any(&["server", "inbound", "incoming"]) && r.is(i + 1, &["spans", "span", "side"]) {
            c.server_spans = true;
        }
        if t.is_any(&["client", "outbound", "outgoing"])
            && r.is(
                i + 1,
                &["spans", "span", "calls", "call", "side", "requests"],
            )
        {
            c.client_spans = true;
        }
        if t.is("trace") && r.is(i + 1, &["duration"]) {
            c.whole_trace = true;
        }
    }
    // "traceDuration"-style words
    if r.tokens
        .iter()
        .any(|t| t.lower == "traceduration" || t.lower == "trace-duration")
    {
        c.whole_trace = true;
    }
    r.cues = c;
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
