//! One lexer for LogQL and TraceQL text: both use Go string literals, numbers, durations, names and a
//! handful of operators. Hand-written: the grammars are small and we need exact error positions.

use super::QueryDuration;
use super::escape::unquote;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name. In TraceQL mode dots join parts (`resource.service.name`, `.foo`).
    Ident(String),
    Str(String),
    Number(f64),
    Duration(QueryDuration),
    /// Operators and punctuation: `{ } ( ) [ ] , | |= != |~ !~ = == =~ > >= < <= && || >> << ~ + - * / % !`.
    Sym(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lexed {
    pub tok: Tok,
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {at}: {message}")]
pub struct SyntaxError {
    pub at: usize,
    pub message: String,
}

pub fn error(at: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        at,
        message: message.into(),
    }
}

const SYMBOLS: [&str; 30] = [
    "|=", "!=", "|~", "!~", "=~", "==", ">=", "<=", "&&", "||", ">>", "<<", "!>>", "!<<", "{", "}",
    "(", ")", "[", "]", ",", "|", "=", ">", "<", "~", "+", "-", "*", "/",
];

/// Splits `text` into tokens. `dotted` joins `a.b.c` and `.a` into one name (TraceQL).
pub fn lex(text: &str, dotted: bool) -> Result<Vec<Lexed>, SyntaxError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c == b'"' || c == b'`' {
            let quote = c;
            i += 1;
            while i < bytes.len() && bytes[i] != quote {
                if quote == b'"' && bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            if i >= bytes.len() {
                return Err(error(start, "unterminated string"));
            }
            i += 1;
            let literal = &text[start..i];
            let value = if quote == b'`' {
                literal[1..literal.len() - 1].to_string()
            } else {
                unquote(literal).ok_or_else(|| error(start, "invalid escape in string"))?
            };
            out.push(Lexed {
                tok: Tok::Str(value),
                at: start,
            });
            continue;
        }
        let starts_number = c.is_ascii_digit()
            || (c == b'.'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
                && !dotted_name_follows(bytes, i, dotted));
        if starts_number {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'.'
                    || bytes[i] == b'_'
                    || bytes[i] == 0xC2
                    || bytes[i] == 0xB5)
            {
                i += 1;
            }
            let word = &text[start..i];
            if let Ok(n) = word.replace('_', "").parse::<f64>() {
                out.push(Lexed {
                    tok: Tok::Number(n),
                    at: start,
                });
            } else if let Some(d) = QueryDuration::parse(word) {
                out.push(Lexed {
                    tok: Tok::Duration(d),
                    at: start,
                });
            } else if let Some(n) = parse_bytes(word) {
                out.push(Lexed {
                    tok: Tok::Number(n),
                    at: start,
                });
            } else {
                return Err(error(
                    start,
                    format!("`{word}` is not a number or a duration"),
                ));
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || (dotted && c == b'.') {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || (dotted && (bytes[i] == b'.' || bytes[i] == b':')))
            {
                i += 1;
            }
            // `span."quoted name"`
            if dotted && i < bytes.len() && bytes[i] == b'"' && text[start..i].ends_with('.') {
                let q = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= bytes.len() {
                    return Err(error(q, "unterminated attribute name"));
                }
                i += 1;
                let name =
                    unquote(&text[q..i]).ok_or_else(|| error(q, "invalid attribute name"))?;
                out.push(Lexed {
                    tok: Tok::Ident(format!("{}{}", &text[start..q], name)),
                    at: start,
                });
                continue;
            }
            out.push(Lexed {
                tok: Tok::Ident(text[start..i].to_string()),
                at: start,
            });
            continue;
        }
        let rest = &text[i..];
        match SYMBOLS
            .iter()
            .filter(|s| rest.starts_with(**s))
            .max_by_key(|s| s.len())
        {
            Some(sym) => {
                out.push(Lexed {
                    tok: Tok::Sym(sym),
                    at: start,
                });
                i += sym.len();
            }
            None => {
                let ch = rest.chars().next().unwrap_or('?');
                return Err(error(start, format!("unexpected `{ch}`")));
            }
        }
    }
    Ok(out)
}

fn dotted_name_follows(bytes: &[u8], i: usize, dotted: bool) -> bool {
    // In TraceQL `.5` is a number but `.foo` a name; digits after the dot decide.
    dotted && bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic())
}

fn parse_bytes(word: &str) -> Option<f64> {
    let split = word.find(|c: char| c.is_ascii_alphabetic())?;
    let n: f64 = word[..split].parse().ok()?;
    let scale = match word[split..].to_ascii_uppercase().as_str() {
        "B" => 1.0,
        "KB" | "KIB" => 1024.0,
        "MB" | "MIB" => 1024.0 * 1024.0,
        "GB" | "GIB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(n * scale)
}

/// A cursor over tokens with the small helpers both parsers need.
pub struct Cursor {
    pub toks: Vec<Lexed>,
    pub pos: usize,
    pub len: usize,
}

impl Cursor {
    pub fn new(toks: Vec<Lexed>, len: usize) -> Self {
        Self { toks, pos: 0, len }
    }
    pub fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|l| &l.tok)
    }
    pub fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n).map(|l| &l.tok)
    }
    pub fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.len, |l| l.at)
    }
    pub fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|l| l.tok.clone());
        self.pos += 1;
        t
    }
    pub fn eat(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    pub fn eat_ident(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(s)) if s == word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    pub fn expect(&mut self, sym: &str) -> Result<(), SyntaxError> {
        if self.eat(sym) {
            Ok(())
        } else {
            Err(error(
                self.at(),
                format!("expected `{sym}`, found {}", self.describe()),
            ))
        }
    }
    pub fn describe(&self) -> String {
        match self.peek() {
            None => "the end".to_string(),
            Some(Tok::Ident(s)) => format!("`{s}`"),
            Some(Tok::Str(s)) => format!("the string {}", super::escape::quote(s)),
            Some(Tok::Number(n)) => format!("`{n}`"),
            Some(Tok::Duration(d)) => format!("`{d}`"),
            Some(Tok::Sym(s)) => format!("`{s}`"),
        }
    }
    pub fn done(&self) -> bool {
        self.pos >= self.toks.len()
    }
}
