//! What the lines must (not) contain when the question does not quote it: after a cue ("containing too many
//! clients", "not mentioning cache", "excluding cache"), the object of "how many" ("how many timeouts"), a
//! word qualifying a log noun ("timeout errors"), English words inside a Korean sentence ("timeout 포함",
//! "session cleanup 빼고"), and regular expressions after "regex"/"pattern".

use super::*;

/// After these, the next words are what the lines contain, whatever they are.
const STRONG_CUES: &[&str] = &[
    "containing",
    "contains",
    "contain",
    "contained",
    "mentioning",
    "mentions",
    "mention",
    "mentioned",
    "including",
    "includes",
    "include",
    "saying",
    "says",
    "say",
    "grep",
    "matching",
    "matches",
    "match",
    "showing",
    "reading",
];
/// After these, the next words are what the lines must not contain.
const EXCLUDING_CUES: &[&str] = &[
    "excluding",
    "exclude",
    "excludes",
    "excluded",
    "except",
    "without",
    "ignoring",
    "ignore",
    "omitting",
    "omit",
    "minus",
    "sans",
    "lacking",
    "filter-out",
];
/// After these, only words the translator reads no other way are a phrase ("with timeout", but not "with
/// errors" or "with status 500").
const WEAK_CUES: &[&str] = &[
    "with",
    "about",
    "regarding",
    "having",
    "has",
    "where",
    "for",
];
/// Words that end an unquoted phrase.
const BOUNDARY: &[&str] = &[
    "in",
    "from",
    "for",
    "and",
    "or",
    "but",
    "with",
    "without",
    "during",
    "since",
    "between",
    "where",
    "which",
    "that",
    "last",
    "past",
    "within",
    "over",
    "today",
    "yesterday",
    "logs",
    "log",
    "lines",
    "line",
    "entries",
    "messages",
    "traces",
    "spans",
    "please",
    "only",
    "did",
    "does",
    "do",
    "was",
    "were",
    "will",
    "would",
    "can",
    "could",
    "should",
    "are",
];
/// Fillers between a cue and its phrase ("containing the word timeout").
const FILLER: &[&str] = &[
    "the", "a", "an", "word", "words", "text", "string", "term", "phrase", "keyword", "any",
    "lines", "line", "logs", "message", "messages", "ones", "those",
];
const KOREAN_PARTICLES: &[&str] = &[
    "이",
    "가",
    "을",
    "를",
    "은",
    "는",
    "라는",
    "이라는",
    "란",
    "도",
    "만",
];

/// A word that could be part of an unquoted phrase.
fn phrase_word(r: &Reading, j: usize) -> bool {
    r.free(j)
        && r.tok(j)
            .is_some_and(|t| t.kind == TokenKind::Word && !t.is_any(BOUNDARY))
}

/// A word that is nothing else the translator reads.
fn plain_word(r: &Reading, services: &NameIndex, j: usize) -> bool {
    let Some(t) = r.tok(j) else { return false };
    r.free(j)
        && t.kind == TokenKind::Word
        && !lx::is_vocabulary(&t.lower)
        && !t.is_number()
        && http_status(&t.lower).is_none()
        && !service_shaped(&t.lower)
        && services
            .resolve(&t.text)
            .is_none_or(|(_, q)| matches!(q, MatchQuality::Typo(_)) && t.lower.len() < 5)
}

/// "per minute", "every 5 minutes", "each hour": an interval, which ends a phrase.
fn interval_at(r: &Reading, j: usize) -> bool {
    r.is(j, &["per", "every", "each"])
        && r.tok(j + 1).is_some_and(|u| {
            u.is_number() || crate::understand::numbers::unit_nanos(&u.lower).is_some()
        })
}

/// Takes the phrase that starts at `start`: up to five words until a boundary; `None` unless at least one
/// word is a plain word (or the phrase is one level word, "containing error").
fn phrase_at(
    r: &Reading,
    services: &NameIndex,
    start: usize,
    allow_level: bool,
) -> Option<(String, usize)> {
    let mut j = start;
    while j < r.tokens.len() && j - start < 5 && phrase_word(r, j) && !interval_at(r, j) {
        j += 1;
    }
    // trailing question words are not part of it ("containing timeout recently")
    while j > start
        && r.tok(j - 1)
            .is_some_and(|t| lx::PHRASE_STOP.contains(&t.lower.as_str()))
    {
        j -= 1;
    }
    if j == start {
        return None;
    }
    let plain = (start..j).any(|k| plain_word(r, services, k));
    let single_level = allow_level
        && j == start + 1
        && r.tok(start).is_some_and(|t| {
            any(t, lx::ERROR_WORDS) || any(t, lx::WARN_WORDS) || any(t, lx::FAILED_WORDS)
        });
    if !(plain || single_level) {
        return None;
    }
    // a lone level word in plural reads as the word lines carry ("containing errors" → "error")
    let text = if single_level {
        singular(&r.tokens[start].lower)
    } else {
        r.text_of(start, j)
    };
    Some((text, j))
}

/// A number on its own after a contain cue ("anything containing 502 in the last hour"): the text searched.
fn number_phrase(r: &Reading, j: usize) -> Option<(String, usize)> {
    let t = r.tok(j)?;
    let alone = r
        .tok(j + 1)
        .is_none_or(|n| n.is_any(BOUNDARY) || n.is_any(&[",", ".", "?", "!"]));
    (r.free(j) && t.kind == TokenKind::Word && t.is_number() && alone)
        .then(|| (t.text.clone(), j + 1))
}

fn push_phrase(r: &mut Reading, from: usize, to: usize, text: String, negative: bool, regex: bool) {
    r.claim(from..to);
    r.note(
        "filter",
        from,
        to,
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

/// Phrases after strong and excluding cues, read early so that their words are not taken for levels,
/// fields or services ("containing checkout failed", "excluding cache").
pub(super) fn read_cued_phrases(r: &mut Reading, schema: &Schema) {
    let services = &schema.index().services;
    let search_verb = r.tokens.iter().position(|t| {
        t.is_any(&[
            "search",
            "grep",
            "look",
            "scan",
            "hunt",
            "searching",
            "looking",
            "find",
        ])
    });
    let mut i = 0;
    while i < r.tokens.len() {
        let t = r.tokens[i].clone();
        // "but not retry", "and not timeout"
        let but_not = t.is_any(&["not", "no"]) && i > 0 && r.is(i - 1, &["but", "and", ","]);
        let excluding = any(&t, EXCLUDING_CUES) || but_not;
        let search_for =
            t.is("for") && search_verb.is_some_and(|v| v < i) && !r.is(i + 1, &["the", "a"]);
        if !(r.free(i) && (any(&t, STRONG_CUES) || excluding || search_for)) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        // fillers, and a contain cue after an excluding one ("but not mentioning coffee")
        // ... and "that"/"which" before a contain cue ("but not the ones that mention cache")
        while (r.is(j, FILLER)
            || (excluding && r.is(j, STRONG_CUES))
            || (excluding && r.is(j, &["that", "which"]) && r.is(j + 1, STRONG_CUES)))
            && r.free(j)
        {
            j += 1;
        }
        let negative = excluding || negated_before(r, i);
        let Some((text, mut end)) = phrase_at(r, services, j, true).or_else(|| number_phrase(r, j))
        else {
            i += 1;
            continue;
        };
        // "containing timeout or refused": one regular expression; "... and refused": two filters
        let mut alternatives = vec![text];
        let mut also = Vec::new();
        loop {
            let joined = if r.is(end, &["or"]) {
                Some(true)
            } else if r.is(end, &["and"]) {
                Some(false)
            } else {
                None
            };
            let Some(or) = joined else { break };
            let Some((next, after)) = phrase_at(r, services, end + 1, false) else {
                break;
            };
            if or {
                alternatives.push(next)
            } else {
                also.push(next)
            }
            end = after;
        }
        push_alternatives(r, i, end, alternatives, negative);
        for text in also {
            r.phrases.push(Phrase {
                text,
                negative,
                regex: false,
            });
        }
        i = end;
    }
}

fn push_alternatives(
    r: &mut Reading,
    from: usize,
    to: usize,
    alternatives: Vec<String>,
    negative: bool,
) {
    if alternatives.len() == 1 {
        let text = alternatives.into_iter().next().unwrap_or_default();
        push_phrase(r, from, to, text, negative, false);
    } else if !alternatives.is_empty() {
        let pattern: Vec<String> = alternatives
            .iter()
            .map(|a| crate::plan::escape::regex_literal(a))
            .collect();
        push_phrase(r, from, to, pattern.join("|"), negative, true);
    }
}

/// English words followed by a Korean cue ("token expired가 포함된", "cache 제외"), read early for the same
/// reason as English cues.
pub(super) fn read_korean_cued_phrases(r: &mut Reading, schema: &Schema) {
    if !r.tokens.iter().any(|t| t.kind == TokenKind::Hangul) {
        return;
    }
    let services = &schema.index().services;
    let n = r.tokens.len();
    let mut i = 0;
    while i < n {
        let start = i;
        while i < n && phrase_word(r, i) && i - start < 5 {
            i += 1;
        }
        if i == start {
            i += 1;
            continue;
        }
        let mut cue = i;
        while r.tok(cue).is_some_and(|x| {
            x.kind == TokenKind::Hangul && KOREAN_PARTICLES.contains(&x.text.as_str())
        }) {
            cue += 1;
        }
        let Some(cue_token) = r.tok(cue) else {
            continue;
        };
        let contain_verb = lx::ko_contains(cue_token, &["포함", "들어"]);
        let two_word_negation = korean_negated_contain(r, cue);
        let negative = lx::ko_contains(cue_token, lx::NEGATION_KO_AFTER)
            || cue_token.text.starts_with('없')
            || two_word_negation;
        let positive = lx::ko_contains(cue_token, lx::CONTAIN_KO_AFTER) || contain_verb;
        // `retry 포함된 것 말고`, `timeout 들어간 건 제외하고`: the lines that contain it, left out
        let left_out = positive && !negative && korean_left_out(r, cue + 1);
        let negative = negative || left_out;
        if (negative || positive) && (start..i).any(|k| plain_word(r, services, k)) {
            let text = r.text_of(start, i);
            let end = if two_word_negation {
                cue + 2
            } else if left_out {
                cue + 3
            } else {
                cue + 1
            };
            push_phrase(r, start, end, text, negative, false);
            i = end;
        }
    }
}

/// `것 말고`, `건 제외하고`, `거 빼고` at token `i`: the thing just described is left out.
fn korean_left_out(r: &Reading, i: usize) -> bool {
    r.tok(i)
        .is_some_and(|t| ["것", "건", "거", "것은", "건은", "거는"].contains(&t.text.as_str()))
        && r.tok(i + 1).is_some_and(|t| {
            t.kind == TokenKind::Hangul
                && ["말고", "제외", "빼고", "빼"]
                    .iter()
                    .any(|w| t.text.starts_with(w))
        })
}

/// "regex /api/v1/(orders|login)", "matching the pattern ^GET": the written pattern, as one chunk of the
/// question up to the next space.
pub(super) fn read_regex(r: &mut Reading) {
    for i in 0..r.tokens.len() {
        if !(r.free(i) && r.tokens[i].is_any(&["regex", "regexp", "pattern", "re"])) {
            continue;
        }
        let mut j = i + 1;
        while r.is(j, &["the", "a"]) {
            j += 1;
        }
        let Some(first) = r.tok(j) else { continue };
        if first.kind == TokenKind::Quoted {
            continue; // read_quoted takes it, as a regex
        }
        let start = first.start;
        let end = r.text[start..]
            .find(char::is_whitespace)
            .map_or(r.text.len(), |e| start + e);
        let pattern = r.text[start..end].trim_end_matches([',', ';']).to_string();
        if pattern.is_empty() {
            continue;
        }
        let last = (j..r.tokens.len())
            .take_while(|&k| r.tokens[k].start < end)
            .last()
            .unwrap_or(j);
        let negative = negated_before(r, i);
        let cue_from = if i > 0 && r.is(i - 1, &["matching", "matches", "match"]) {
            i - 1
        } else {
            i
        };
        push_phrase(r, cue_from, last + 1, pattern, negative, true);
    }
}

/// Phrases found late, once levels, fields and services took their words: after weak cues, the object of
/// "how many", a word qualifying a log noun.
pub(super) fn read_phrases(r: &mut Reading, schema: &Schema) {
    let services = &schema.index().services;
    let n = r.tokens.len();
    let mut i = 0;
    while i < n {
        if !r.free(i) {
            i += 1;
            continue;
        }
        let t = r.tokens[i].clone();
        // "time out" / "timed out" / "times out": the word lines carry is `timeout`
        if t.is_any(&["time", "timed", "times", "timing"]) && r.is(i + 1, &["out"]) && r.free(i + 1)
        {
            let negative = negated_before(r, i);
            push_phrase(r, i, i + 2, "timeout".into(), negative, false);
            i += 2;
            continue;
        }
        if any(&t, WEAK_CUES) {
            let mut j = i + 1;
            while r.is(j, FILLER) && r.free(j) {
                j += 1;
            }
            let start = j;
            while j < n && j - start < 4 && plain_word(r, services, j) {
                j += 1;
            }
            if j > start {
                let text = r.text_of(start, j);
                let negative = negated_before(r, i);
                push_phrase(r, i, j, text, negative, false);
                i = j;
                continue;
            }
        }
        // "how many timeouts", "number of timeouts", "count of retries"
        let count_of = (t.is("many") && i > 0 && r.is(i - 1, &["how"]))
            || (t.is_any(&["number", "count"]) && r.is(i + 1, &["of"]))
            || (t.is_any(&["count", "counting"]) && plain_word(r, services, i + 1));
        if count_of {
            let j = if r.is(i + 1, &["of"]) { i + 2 } else { i + 1 };
            if plain_word(r, services, j) {
                let word = singular(&r.tokens[j].text);
                push_phrase(r, j, j + 1, word, false, false);
                i = j + 1;
                continue;
            }
        }
        // "payment-service timeouts per 5 minutes", "retries from order-service": a plural noun the
        // translator reads no other way, next to a service, is what the lines carry
        if plain_word(r, services, i) && counted_noun_of_service(r, i) {
            let word = singular(&t.text);
            push_phrase(r, i, i + 1, word, false, false);
            i += 1;
            continue;
        }
        // "timeout errors", "retry warnings", "auth logs"
        let qualifies_noun = r.tok(i + 1).is_some_and(|n| {
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
        });
        // (not verbs: "throwing errors", "getting warnings")
        if plain_word(r, services, i) && qualifies_noun && !r.tokens[i].lower.ends_with("ing") {
            // a few words together when they lead up to the noun: "slow query warnings"
            let mut from = i;
            while from > 0
                && i - from < 2
                && phrase_word(r, from - 1)
                && !lx::PHRASE_STOP.contains(&r.tokens[from - 1].lower.as_str())
                && !r.tokens[from - 1].lower.ends_with("ing")
            {
                from -= 1;
            }
            let text = r.text_of(from, i + 1);
            push_phrase(r, from, i + 1, text, false, false);
            i += 1;
            continue;
        }
        i += 1;
    }
}

/// English words inside a Korean question are what the lines carry ("timeout 포함된 로그",
/// "session cleanup 빼고", "slow query 로그 몇 건"), negated by a Korean cue after them.
pub(super) fn read_korean_phrases(r: &mut Reading, schema: &Schema) {
    if !r.tokens.iter().any(|t| t.kind == TokenKind::Hangul) {
        return;
    }
    let services = &schema.index().services;
    let n = r.tokens.len();
    let mut i = 0;
    while i < n {
        let start = i;
        // `타임아웃`, `커넥션이`: an English word written in Hangul is searched for in English
        let loanword = if r.free(i) {
            lx::korean_loanword(&r.tokens[i], KOREAN_PARTICLES)
        } else {
            None
        };
        if loanword.is_some() {
            i += 1;
        }
        while loanword.is_none()
            && i < n
            && r.free(i)
            && r.tokens[i].kind == TokenKind::Word
            && i - start < 5
        {
            i += 1;
        }
        if i == start {
            i += 1;
            continue;
        }
        if loanword.is_none() && !(start..i).any(|k| plain_word(r, services, k)) {
            continue;
        }
        let mut cue = i;
        while r.tok(cue).is_some_and(|x| {
            x.kind == TokenKind::Hangul && KOREAN_PARTICLES.contains(&x.text.as_str())
        }) {
            cue += 1;
        }
        let cue_token = r.tok(cue);
        let two_word_negation = korean_negated_contain(r, cue);
        let negative = two_word_negation
            || cue_token.is_some_and(|c| {
                lx::ko_contains(c, lx::NEGATION_KO_AFTER) || c.text.starts_with('없')
            });
        let positive_cue = cue_token.is_some_and(|c| lx::ko_contains(c, lx::CONTAIN_KO_AFTER));
        let end = if two_word_negation {
            cue + 2
        } else if negative || positive_cue {
            cue + 1
        } else {
            i
        };
        let text = loanword.map_or_else(|| r.text_of(start, i), str::to_string);
        push_phrase(r, start, end, text, negative, false);
        i = end.max(i);
    }
}

/// A contain verb negated over two words at token `cue`: `포함되지 않은`, `들어가지 않은` (verb, then
/// `않`), or `안 들어간`, `안 나오는`, `못 찾은` (`안`/`못`, then the verb).
fn korean_negated_contain(r: &Reading, cue: usize) -> bool {
    const VERBS: &[&str] = &["포함", "들어", "나오", "나온", "찍", "있", "찾"];
    let (Some(a), Some(b)) = (r.tok(cue), r.tok(cue + 1)) else {
        return false;
    };
    if a.kind != TokenKind::Hangul || b.kind != TokenKind::Hangul {
        return false;
    }
    (lx::ko_contains(a, VERBS) && (b.text.starts_with('않') || b.text.starts_with('안')))
        || ((a.text == "안" || a.text == "못") && VERBS.iter().any(|v| b.text.starts_with(v)))
}

/// A plural noun right after a service ("payment-service timeouts") or right before "from/of/in/on <service>"
/// ("retries from order-service"), not followed by another plain word (then it starts a longer phrase
/// or names something else).
fn counted_noun_of_service(r: &Reading, i: usize) -> bool {
    let t = &r.tokens[i];
    let plural = t.lower.len() > 4
        && t.lower.ends_with('s')
        && !t.lower.ends_with("ss")
        && t.lower.bytes().all(|b| b.is_ascii_lowercase());
    if !plural {
        return false;
    }
    let after_service = i > 0 && r.service_at.contains(&(i - 1));
    let before_service =
        r.is(i + 1, &["from", "of", "in", "on"]) && r.service_at.contains(&(i + 2));
    // what follows ends the noun phrase: the question, a comma, a time or an interval ("records
    // containing X", "logins with method password" are log lines described, not counted)
    let ends = r.tok(i + 1).is_none_or(|n| {
        matches!(n.kind, TokenKind::Symbol | TokenKind::Hangul)
            || n.is_any(&[
                "per",
                "every",
                "each",
                "last",
                "past",
                "in",
                "over",
                "during",
                "since",
                "today",
                "yesterday",
                "this",
                "within",
                "between",
                "by",
            ])
    }) || before_service;
    (after_service || before_service)
        && ends
        && !t.is_any(&[
            "records", "events", "entries", "rows", "outputs", "results", "items",
        ])
}

/// English plural to singular for search words ("timeouts" → "timeout", "retries" → "retry"). Only the
/// final `s` goes (not `es`): `caches` → `cache`, and a stem that is too long still matches as a substring
/// more often than one that is cut too short.
pub(super) fn singular(word: &str) -> String {
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
