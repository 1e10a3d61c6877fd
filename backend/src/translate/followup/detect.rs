//! Telling a follow-up from a new question, and the words that refer back to the previous answer.

use super::super::lexicon::{self as lx, any};
use super::super::reading::Reading;
use crate::understand::TokenKind;

/// Words that refer back to the previous answer.
pub(super) const ANAPHORA: &[&str] = &[
    "those", "these", "them", "same", "previous", "above", "ones", "instead",
];
/// Words that open a follow-up.
const LEADS: &[&str] = &[
    "and",
    "now",
    "also",
    "only",
    "same",
    "then",
    "but",
    "instead",
    "except",
    "exclude",
    "excluding",
    "without",
    "plus",
    "ok",
    "okay",
    "so",
    "as",
    "narrow",
    "zoom",
    "limit",
    "again",
];
/// Words that add a service rather than replace one ("payment-service too").
pub(super) const ADDITIVE: &[&str] = &["also", "too", "plus"];
/// Korean words (whole tokens or stems) that refer back or open a follow-up.
pub(super) const KO_BACK: &[&str] = &[
    "그",
    "그중",
    "그거",
    "그것",
    "그걸",
    "그게",
    "이거",
    "이것",
    "거기",
    "거기서",
    "해당",
    "그럼",
    "그러면",
    "이번엔",
    "이번에는",
    "대신",
    "같은",
    "똑같이",
    "동일",
    "말고",
    "위",
    "방금",
    "아까",
];

fn is_word(r: &Reading, i: usize, words: &[&str]) -> bool {
    r.tok(i).is_some_and(|t| any(t, words))
}

/// Whether a question reads as a follow-up rather than a new question.
pub(super) fn is_followup(f: &Reading) -> bool {
    let n = f.tokens.len();
    if n == 0 {
        return false;
    }
    // A whole question (a subject, a kind of answer and a time) stands on its own.
    if !f.services.is_empty() && (f.cues.logs || f.cues.traces) && f.time.is_some() {
        return false;
    }
    // "what about X", "how about X", "and for X?"
    if (is_word(f, 0, &["what", "how"]) && is_word(f, 1, &["about"])) || is_word(f, 0, LEADS) {
        return true;
    }
    for (i, t) in f.tokens.iter().enumerate() {
        let free = f.free(i);
        if free && any(t, ANAPHORA) {
            return true;
        }
        if t.kind == TokenKind::Hangul {
            if KO_BACK.contains(&t.text.as_str())
                || lx::ko(
                    t,
                    &[
                        "그중",
                        "그거",
                        "그것",
                        "거기",
                        "해당",
                        "이번엔",
                        "대신",
                        "말고",
                    ],
                )
            {
                return true;
            }
            // "지난 1시간만", "에러만": only …
            if t.text.chars().count() >= 2 && t.text.ends_with('만') {
                return true;
            }
        }
    }
    if f.tokens.iter().any(|t| any(t, ADDITIVE)) {
        return true;
    }
    let named = !f.services.is_empty() || !f.unknown_services.is_empty();
    let subject =
        named || !f.trace_ids.is_empty() || !f.span_names.is_empty() || !f.routes.is_empty();
    let kind_words = f.cues.logs || f.cues.traces || f.cues.requests || f.cues.correlate;
    // A service and little else: "payment-service?", "payment-service는?", "order-service then".
    if named && n <= 4 && !kind_words && f.time.is_none() {
        return true;
    }
    // A fragment: a few words that name no subject and no kind of answer ("last 30 minutes",
    // "errors only", "per 5 minutes").
    n <= 6 && !subject && !kind_words && (!f.understood.is_empty() || asks_a_number(f))
}

/// "all services", "every service", "전체 서비스", "모든 서비스": the follow-up widens to every service.
pub(super) fn all_services(f: &Reading) -> bool {
    f.tokens.windows(2).any(|w| {
        (any(&w[0], &["all", "every", "any"]) && any(&w[1], &["services", "service"]))
            || (w[0].kind == TokenKind::Hangul
                && lx::ko(&w[0], &["전체", "모든"])
                && lx::ko(&w[1], &["서비스"]))
    }) || f
        .tokens
        .iter()
        .any(|t| lx::ko(t, &["전체서비스", "모든서비스"]))
}

/// "how many?", "as a graph", "rate?": words about the shape of the answer, which note nothing.
fn asks_a_number(f: &Reading) -> bool {
    let c = &f.cues;
    c.count || c.how_many || c.rate || c.per_second || c.over_time || c.ratio
}
