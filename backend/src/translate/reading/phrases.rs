//! What the lines must (not) contain when the question does not quote it: after a cue ("containing too many
//! clients", "not mentioning cache"), the object of "how many" ("how many timeouts"), a word qualifying a
//! log noun ("timeout errors"), or English words inside a Korean sentence ("timeout 포함").

use super::*;

/// Unquoted search phrases: after a cue ("containing timeout", "not mentioning cache", "without
/// retries"), the object of "how many" ("how many timeouts"), a word qualifying a log noun ("timeout
/// errors"), or a word before a Korean cue ("timeout 포함", "cache 제외").
pub(super) fn read_phrases(r: &mut Reading, schema: &Schema) {
    let services = &schema.index().services;
    let n = r.tokens.len();
    let candidate = |r: &Reading, j: usize| -> bool {
        let Some(t) = r.tok(j) else { return false };
        r.free(j)
            && t.kind == TokenKind::Word
            && !lx::is_vocabulary(&t.lower)
            && !t.is_number()
            && http_status(&t.lower).is_none()
            && services
                .resolve(&t.text)
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
