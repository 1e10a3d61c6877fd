//! Escaping of user text inside LogQL and TraceQL string literals.
//!
//! Both languages read double-quoted strings with Go's `strconv.Unquote` rules, so one escaper serves
//! both. Every user-supplied value goes through [`quote`]; nothing else produces a string literal.

use std::fmt::Write;

/// Writes `value` as a double-quoted Go string literal: backslash, quote and every control character
/// are escaped, so no input can end the string early or start a new stage.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Escapes RE2 metacharacters so that `value` matches itself literally inside a regex.
pub fn regex_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(
            c,
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Reads back a string literal written by [`quote`] (used by the query reader and tests).
pub fn unquote(literal: &str) -> Option<String> {
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return None,
            '\\' => match chars.next()? {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                _ => return None,
            },
            c if c.is_control() => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_backslashes_and_newlines() {
        assert_eq!(quote(r#"say "hi"\now"#), r#""say \"hi\"\\now""#);
        assert_eq!(quote("a\nb\tc"), r#""a\nb\tc""#);
        assert_eq!(quote("\u{7}"), r#""\u0007""#);
        assert_eq!(quote("{`}|="), r#""{`}|=""#);
        assert_eq!(quote("에러 🚀"), "\"에러 🚀\"");
    }

    #[test]
    fn quote_round_trips() {
        for s in [
            "",
            "plain",
            "\"\"\\\\",
            "new\nline",
            "\u{0}\u{1f}",
            "중국 `x` {y}",
        ] {
            assert_eq!(unquote(&quote(s)).as_deref(), Some(s));
        }
    }

    #[test]
    fn regex_literal_escapes_metacharacters() {
        assert_eq!(regex_literal("a.b|c"), r"a\.b\|c");
        assert_eq!(regex_literal("order-service"), "order-service");
    }
}
