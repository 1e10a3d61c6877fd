//! Tokens of a question: words, numbers, quoted phrases and operators, with their place in the text.
//!
//! Hangul and Latin runs are split apart (`order-service에서` → `order-service`, `에서`) because Korean
//! particles attach to the word before them; a digit run followed by Hangul splits too (`3시간` → `3`,
//! `시간`). Hand-written rather than a regex: one pass over the chars, no allocation beyond the tokens.

/// What a token looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters, digits and `-_./:%` (service names, paths, durations, times).
    Word,
    /// A run of Hangul syllables.
    Hangul,
    /// Text between quotes, without the quotes.
    Quoted,
    /// `>`, `>=`, `<`, `<=`, `=`, `==`, `!=`, `~`, `,`, `(`, `)`, `+`, `?`, `!`.
    Symbol,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// The text as written (quotes removed for `Quoted`).
    pub text: String,
    /// Lower-case form used for matching.
    pub lower: String,
    /// Byte range in the question (quotes included for `Quoted`).
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn is(&self, word: &str) -> bool {
        self.lower == word
    }
    pub fn is_any(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.lower == *w)
    }
    pub fn is_number(&self) -> bool {
        self.kind == TokenKind::Word && parse_plain_number(&self.lower).is_some()
    }
    pub fn number(&self) -> Option<f64> {
        if self.kind == TokenKind::Word {
            parse_plain_number(&self.lower)
        } else {
            None
        }
    }
}

/// `12`, `1.5`, `1,000` as a number; anything else is not.
pub fn parse_plain_number(text: &str) -> Option<f64> {
    if text.is_empty() || !text.chars().next()?.is_ascii_digit() {
        return None;
    }
    if !text
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    let cleaned: String = text.chars().filter(|c| *c != ',').collect();
    if cleaned.matches('.').count() > 1 || cleaned.ends_with('.') {
        return None;
    }
    cleaned.parse().ok()
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

fn is_word_char(c: char) -> bool {
    (c.is_alphanumeric() && !is_hangul(c))
        || matches!(c, '_' | '-' | '.' | '/' | ':' | '%' | '@' | '#' | '$')
}

/// Opening quote → closing quote.
fn closing_quote(c: char) -> Option<char> {
    match c {
        '"' => Some('"'),
        '`' => Some('`'),
        '\'' => Some('\''),
        '“' => Some('”'),
        '‘' => Some('’'),
        '「' => Some('」'),
        '『' => Some('』'),
        _ => None,
    }
}

/// Splits a question into tokens. Never fails; unknown characters (emoji, symbols) are skipped.
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |(b, _)| *b);
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (_, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // Quoted phrase. A `'` only opens a quote at a word start, so "don't" and "service's" stay words.
        if let Some(close) = closing_quote(c) {
            let opens = c != '\'' || i == 0 || !chars[i - 1].1.is_alphanumeric();
            // A backslash escapes the closing quote inside a quoted phrase (`"say \"hi\""`).
            let escaped = |j: usize| {
                close == '"'
                    && (i + 1..j).rev().take_while(|&k| chars[k].1 == '\\').count() % 2 == 1
            };
            if opens
                && let Some(j) = (i + 1..chars.len()).find(|&j| {
                    chars[j].1 == close
                        && !escaped(j)
                        && (close != '\''
                            || chars.get(j + 1).is_none_or(|(_, n)| !n.is_alphanumeric()))
                })
            {
                let raw = &text[byte_at(i + 1)..byte_at(j)];
                let inner = if close == '"' {
                    raw.replace("\\\"", "\"").replace("\\\\", "\\")
                } else {
                    raw.to_string()
                };
                if !inner.trim().is_empty() {
                    tokens.push(Token {
                        kind: TokenKind::Quoted,
                        lower: inner.to_lowercase(),
                        text: inner,
                        start: byte_at(i),
                        end: byte_at(j + 1),
                    });
                }
                i = j + 1;
                continue;
            }
            i += 1;
            continue;
        }
        if is_hangul(c) {
            let j = (i..chars.len())
                .find(|&j| !is_hangul(chars[j].1))
                .unwrap_or(chars.len());
            let word = &text[byte_at(i)..byte_at(j)];
            tokens.push(Token {
                kind: TokenKind::Hangul,
                text: word.to_string(),
                lower: word.to_string(),
                start: byte_at(i),
                end: byte_at(j),
            });
            i = j;
            continue;
        }
        if is_word_char(c) {
            let mut j = i;
            // a path keeps its template parameters: "/products/{id}"
            let path = chars[i].1 == '/';
            while j < chars.len()
                && (is_word_char(chars[j].1)
                    || (path && matches!(chars[j].1, '{' | '}'))
                    // an apostrophe inside a word: "don't", "service's"
                    || (matches!(chars[j].1, '\'' | '’')
                        && j > i
                        && chars.get(j + 1).is_some_and(|(_, n)| n.is_alphanumeric())))
            {
                j += 1;
            }
            // Trailing sentence punctuation is not part of the word ("failing?" "service." "time:").
            let mut end = j;
            while end > i + 1 && matches!(chars[end - 1].1, '.' | ':' | '-' | ',' | '/') {
                end -= 1;
            }
            if end == i + 1 && matches!(chars[i].1, '.' | ':' | '-' | '/') {
                // A lone dash between numbers is a range ("07:50 - 08:10"), like `~`; any other lone
                // punctuation mark is not a word.
                let between_numbers = chars[i].1 == '-'
                    && j == i + 1
                    && tokens
                        .last()
                        .is_some_and(|t: &Token| t.text.ends_with(|c: char| c.is_ascii_digit()))
                    && chars[j..]
                        .iter()
                        .find(|(_, c)| !c.is_whitespace())
                        .is_some_and(|(_, c)| c.is_ascii_digit());
                if between_numbers {
                    tokens.push(Token {
                        kind: TokenKind::Symbol,
                        text: "-".to_string(),
                        lower: "~".to_string(),
                        start: byte_at(i),
                        end: byte_at(j),
                    });
                }
                i = j;
                continue;
            }
            let word = &text[byte_at(i)..byte_at(end)];
            // shorthand: "w/" is with, "w/o" is without
            let raw = &text[byte_at(i)..byte_at(j)];
            if raw.eq_ignore_ascii_case("w/") || word.eq_ignore_ascii_case("w/o") {
                let meaning = if word.eq_ignore_ascii_case("w/o") {
                    "without"
                } else {
                    "with"
                };
                tokens.push(Token {
                    kind: TokenKind::Word,
                    text: raw.to_string(),
                    lower: meaning.to_string(),
                    start: byte_at(i),
                    end: byte_at(j),
                });
                i = j;
                continue;
            }
            push_word(&mut tokens, word, byte_at(i));
            i = j;
            continue;
        }
        // Operators: two-character ones first.
        let next = chars.get(i + 1).map(|(_, n)| *n);
        let two = matches!(
            (c, next),
            ('>', Some('='))
                | ('<', Some('='))
                | ('!', Some('='))
                | ('=', Some('='))
                | ('=', Some('~'))
                | ('!', Some('~'))
        );
        if two {
            let op = &text[byte_at(i)..byte_at(i + 2)];
            tokens.push(Token {
                kind: TokenKind::Symbol,
                text: op.to_string(),
                lower: op.to_string(),
                start: byte_at(i),
                end: byte_at(i + 2),
            });
            i += 2;
            continue;
        }
        let symbol = match c {
            '≥' => Some(">="),
            '≤' => Some("<="),
            // an en or em dash between two times or dates is a range, like `~`: "07:50–08:10"
            '–' | '—' => Some("~"),
            '>' | '<' | '=' | '~' | ',' | '(' | ')' | '+' | '?' | '!' | '|' | '&' | '{' | '}' => {
                None
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let text_of = symbol.map_or_else(|| c.to_string(), str::to_string);
        tokens.push(Token {
            kind: TokenKind::Symbol,
            lower: text_of.clone(),
            text: text_of,
            start: byte_at(i),
            end: byte_at(i + 1),
        });
        i += 1;
    }
    split_number_units(tokens)
}

/// Pushes a word, splitting clock ranges written as one word (`07:50-08:10`, `6:00~7:00`).
fn push_word(tokens: &mut Vec<Token>, word: &str, start: usize) {
    // possessive: "order-service's" is about order-service
    let word = word
        .strip_suffix("'s")
        .or_else(|| word.strip_suffix("’s"))
        .filter(|w| !w.is_empty())
        .unwrap_or(word);
    let word_token = |text: &str, at: usize| Token {
        kind: TokenKind::Word,
        text: text.to_string(),
        lower: text.to_lowercase(),
        start: at,
        end: at + text.len(),
    };
    // "rate/sec", "req/s", "errors/min": a rate per unit
    if let Some(pos) = word.find('/') {
        let (a, b) = (&word[..pos], &word[pos + 1..]);
        if pos > 0
            && a.chars().all(char::is_alphabetic)
            && crate::understand::numbers::unit_nanos(&b.to_lowercase()).is_some()
        {
            tokens.push(word_token(a, start));
            tokens.push(Token {
                kind: TokenKind::Word,
                text: "/".into(),
                lower: "per".into(),
                start: start + pos,
                end: start + pos + 1,
            });
            tokens.push(word_token(b, start + pos + 1));
            return;
        }
    }
    // "top3", "top10", "last20": the number apart
    for prefix in ["top", "bottom", "last", "first", "latest"] {
        if let Some(rest) = word.to_lowercase().strip_prefix(prefix)
            && !rest.is_empty()
            && rest.chars().all(|c| c.is_ascii_digit())
        {
            tokens.push(word_token(&word[..prefix.len()], start));
            tokens.push(word_token(&word[prefix.len()..], start + prefix.len()));
            return;
        }
    }
    if let Some(pos) = word.find(['-', '~']) {
        let (a, b) = (&word[..pos], &word[pos + 1..]);
        let clockish =
            |s: &str| s.contains(':') && s.chars().all(|c| c.is_ascii_digit() || c == ':');
        if clockish(a) && clockish(b) {
            tokens.push(word_token(a, start));
            tokens.push(Token {
                kind: TokenKind::Symbol,
                text: word[pos..pos + 1].to_string(),
                lower: word[pos..pos + 1].to_string(),
                start: start + pos,
                end: start + pos + 1,
            });
            tokens.push(word_token(b, start + pos + 1));
            return;
        }
    }
    tokens.push(word_token(word, start));
}

/// Splits `10am`/`6:30pm` into number + meridiem so that time parsing sees one shape.
fn split_number_units(tokens: Vec<Token>) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        match meridiem_split(&t) {
            Some((number, meridiem)) => {
                out.push(number);
                out.push(meridiem);
            }
            None => out.push(t),
        }
    }
    out
}

fn meridiem_split(t: &Token) -> Option<(Token, Token)> {
    if t.kind != TokenKind::Word {
        return None;
    }
    let (num, suffix) = ["am", "pm"]
        .iter()
        .find_map(|s| t.lower.strip_suffix(s).map(|n| (n, *s)))?;
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == ':') {
        return None;
    }
    let cut = t.start + num.len();
    let number = Token {
        kind: TokenKind::Word,
        text: t.text[..num.len()].to_string(),
        lower: num.to_string(),
        start: t.start,
        end: cut,
    };
    let meridiem = Token {
        kind: TokenKind::Word,
        text: t.text[num.len()..].to_string(),
        lower: suffix.to_string(),
        start: cut,
        end: t.end,
    };
    Some((number, meridiem))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn splits_hangul_from_latin_and_digits() {
        assert_eq!(
            words("지난 3시간 동안 order-service에서 발생한 에러 로그 보여줘"),
            vec![
                "지난",
                "3",
                "시간",
                "동안",
                "order-service",
                "에서",
                "발생한",
                "에러",
                "로그",
                "보여줘"
            ]
        );
    }

    #[test]
    fn keeps_paths_durations_and_times_whole() {
        assert_eq!(
            words("slow POST /api/v1/orders requests over 500ms between 06:00 and 07:00."),
            vec![
                "slow",
                "POST",
                "/api/v1/orders",
                "requests",
                "over",
                "500ms",
                "between",
                "06:00",
                "and",
                "07:00"
            ]
        );
    }

    #[test]
    fn reads_quotes_but_not_apostrophes() {
        let t =
            tokenize(r#"logs containing "connection refused" that don't mention 'cache' or `x`"#);
        let quoted: Vec<&str> = t
            .iter()
            .filter(|t| t.kind == TokenKind::Quoted)
            .map(|t| t.text.as_str())
            .collect();
        assert_eq!(quoted, vec!["connection refused", "cache", "x"]);
        assert!(t.iter().any(|t| t.text == "don't"));
    }

    #[test]
    fn reads_operators() {
        let ops: Vec<String> = tokenize("status>=500 and rt < 2")
            .into_iter()
            .filter(|t| t.kind == TokenKind::Symbol)
            .map(|t| t.text)
            .collect();
        assert_eq!(ops, vec![">=", "<"]);
    }

    #[test]
    fn splits_meridiem() {
        assert_eq!(words("since 6am"), vec!["since", "6", "am"]);
    }

    #[test]
    fn survives_odd_input() {
        for s in [
            "",
            "\"",
            "'''",
            "🚀🚀",
            "\u{0}\u{7}",
            "a\"b",
            "“unclosed",
            "{}|=~!",
        ] {
            let _ = tokenize(s);
        }
    }
}
