//! What the model may see (`llmPrivacy`):
//!
//! - `off`: nothing; the LLM is never called.
//! - `metadata` (default): the schema's names (labels, fields and their parsers, Tempo tag names), the
//!   service and level values, counts, time windows, ids, and *patterns*: log lines reduced to their
//!   keys and message text with every value masked ([`pattern`]). Never a raw log line or an attribute
//!   value.
//! - `redacted`: log lines and attribute values after [`Redactor::redact`] (e-mails, IP addresses,
//!   tokens, keys, card numbers and the configured patterns).
//! - `full`: everything as it is.

use std::sync::OnceLock;

use regex::{Captures, Regex};

use super::error::LlmError;
use crate::settings::Privacy;

/// The LLM may be called at all.
pub fn check(privacy: Privacy) -> Result<(), LlmError> {
    match privacy {
        Privacy::Off => Err(LlmError::PrivacyOff),
        _ => Ok(()),
    }
}

/// Raw values (log lines, attribute and label values) may be shown, after [`Redactor::redact`] in
/// `redacted` mode.
pub fn allows_values(privacy: Privacy) -> bool {
    matches!(privacy, Privacy::Redacted | Privacy::Full)
}

/// A value prepared for a prompt: `None` in `metadata` (and `off`) mode, redacted in `redacted` mode.
pub fn value_for_prompt(privacy: Privacy, redactor: &Redactor, value: &str) -> Option<String> {
    match privacy {
        Privacy::Off | Privacy::Metadata => None,
        Privacy::Redacted => Some(redactor.redact(value)),
        Privacy::Full => Some(value.to_string()),
    }
}

/// Replaces secrets and personal data in text sent to the model.
#[derive(Debug, Clone)]
pub struct Redactor {
    custom: Vec<Regex>,
}

struct Builtin {
    keyed: Regex,
    jwt: Regex,
    bearer: Regex,
    keys: Regex,
    email: Regex,
    ipv4: Regex,
    ipv6: Regex,
    card: Regex,
}

fn builtin() -> &'static Builtin {
    static B: OnceLock<Builtin> = OnceLock::new();
    B.get_or_init(|| {
        let re = |p: &str| Regex::new(p).expect("built-in redaction pattern is valid");
        Builtin {
            // `password=...`, `"api_key": "..."`, `token: ...`: keep the key, hide the value.
            keyed: re(
                r#"(?i)\b((?:password|passwd|pwd|secret|client_secret|token|access_token|refresh_token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|authorization|auth|session(?:id)?|cookie|set-cookie)["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)"#,
            ),
            jwt: re(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),
            bearer: re(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
            keys: re(
                r"\b(?:sk-[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{30,}|glsa_[A-Za-z0-9_]{20,})",
            ),
            email: re(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
            ipv4: re(
                r"\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\b",
            ),
            ipv6: re(
                r"(?i)\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?\b",
            ),
            card: re(r"\b[0-9](?:[ -]?[0-9]){12,18}\b"),
        }
    })
}

/// The Luhn checksum that every payment card number passes.
fn luhn(digits: &str) -> bool {
    let ds: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&ds.len()) {
        return false;
    }
    let sum: u32 = ds
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                *d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl Redactor {
    /// The built-in rules plus `patterns` (already validated by the settings).
    pub fn new(patterns: &[String]) -> Self {
        Redactor {
            custom: patterns.iter().filter_map(|p| Regex::new(p).ok()).collect(),
        }
    }

    pub fn redact(&self, text: &str) -> String {
        let b = builtin();
        let mut out = b
            .keyed
            .replace_all(text, |c: &Captures| format!("{}<redacted>", &c[1]))
            .into_owned();
        out = b.jwt.replace_all(&out, "<token>").into_owned();
        out = b
            .bearer
            .replace_all(&out, |c: &Captures| format!("{} <token>", &c[1]))
            .into_owned();
        out = b.keys.replace_all(&out, "<key>").into_owned();
        out = b.email.replace_all(&out, "<email>").into_owned();
        out = b
            .card
            .replace_all(&out, |c: &Captures| {
                if luhn(&c[0]) {
                    "<card>".to_string()
                } else {
                    c[0].to_string()
                }
            })
            .into_owned();
        out = b.ipv4.replace_all(&out, "<ip>").into_owned();
        out = b.ipv6.replace_all(&out, "<ip>").into_owned();
        for re in &self.custom {
            out = re.replace_all(&out, "<redacted>").into_owned();
        }
        out
    }
}

/// Keys whose value is the line's message: kept (masked) in patterns.
const MESSAGE_KEYS: [&str; 4] = ["msg", "message", "event", "error_message"];

/// A log line reduced to a pattern that shows no data: logfmt and JSON lines keep their keys and their
/// message text (with numbers, ids, quoted and e-mail-like parts masked); any other line keeps only its
/// words without digits. Every value becomes `<_>`, as in Loki's patterns.
pub fn pattern(line: &str) -> String {
    let line = line.trim();
    if line.starts_with('{')
        && let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(line)
    {
        let parts: Vec<String> = map
            .iter()
            .take(24)
            .map(|(k, v)| match v.as_str() {
                Some(text) if MESSAGE_KEYS.contains(&k.as_str()) => {
                    format!("{}={:?}", safe_key(k), mask_words(text))
                }
                _ => format!("{}=<_>", safe_key(k)),
            })
            .collect();
        return parts.join(" ");
    }
    if let Some(fields) = logfmt(line) {
        return fields
            .into_iter()
            .take(24)
            .map(|(k, v)| {
                if MESSAGE_KEYS.contains(&k.as_str()) {
                    format!("{}={:?}", safe_key(&k), mask_words(&v))
                } else {
                    format!("{}=<_>", safe_key(&k))
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    // Unstructured: structure only.
    line.split_whitespace()
        .take(32)
        .map(|w| {
            let bare = w.trim_matches(|c: char| !c.is_alphanumeric());
            if let Some((k, _)) = w.split_once('=')
                && !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                format!("{k}=<_>")
            } else if !bare.is_empty()
                && bare.chars().all(|c| c.is_ascii_alphabetic())
                && bare.len() <= 12
                && !w.contains(['/', '"', '\'', '@', '.', ':', '[', '('])
            {
                w.to_string()
            } else {
                "<_>".to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn safe_key(k: &str) -> String {
    k.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .take(40)
        .collect()
}

/// Message text with every word that carries data masked: digits, `@`, `/`, `=`, quotes, hex-like ids.
fn mask_words(text: &str) -> String {
    text.split_whitespace()
        .take(16)
        .map(|w| {
            let data = w.chars().any(|c| c.is_ascii_digit())
                || w.contains(['@', '/', '=', '"', '\'', ':', '\\'])
                || w.len() > 24;
            if data { "<_>" } else { w }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `key=value key="quoted value"` pairs, or `None` when the line is not logfmt.
fn logfmt(line: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && bytes[i] != b' ' {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            return None;
        }
        let key = &line[key_start..i];
        if key.is_empty() {
            return None;
        }
        i += 1;
        let value = if i < bytes.len() && bytes[i] == b'"' {
            i += 1;
            let start = i;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            let v = line
                .get(start..i.min(bytes.len()))
                .unwrap_or("")
                .to_string();
            i += 1;
            v
        } else {
            let start = i;
            while i < bytes.len() && bytes[i] != b' ' {
                i += 1;
            }
            line[start..i].to_string()
        };
        out.push((key.to_string(), value));
    }
    (out.len() >= 2).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_planted_secrets() {
        let r = Redactor::new(&["ORD-[0-9]+".to_string()]);
        let text = "user alice@example.com from 10.42.0.114 and 2001:db8::ff00:42:8329 paid with \
                    4111 1111 1111 1111 (order ORD-12345) password=hunter2 api_key: sk-abcdefghijklmnop1234 \
                    Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N \
                    AKIAIOSFODNN7EXAMPLE token=abc123def";
        let out = r.redact(text);
        for secret in [
            "alice@example.com",
            "10.42.0.114",
            "2001:db8::ff00:42:8329",
            "4111 1111 1111 1111",
            "ORD-12345",
            "hunter2",
            "sk-abcdefghijklmnop1234",
            "eyJhbGciOiJIUzI1NiJ9",
            "AKIAIOSFODNN7EXAMPLE",
            "abc123def",
        ] {
            assert!(!out.contains(secret), "{secret} survived: {out}");
        }
        assert!(out.contains("<email>") && out.contains("<ip>") && out.contains("<card>"));
        // Ordinary numbers, times and trace ids stay.
        let plain = "took 3055 ms at 08:02:54 trace_id=7397b9875edd3492aac233021a3bc8d8";
        assert_eq!(r.redact(plain), plain);
    }

    #[test]
    fn card_numbers_need_a_valid_checksum() {
        assert!(luhn("4111111111111111"));
        assert!(!luhn("4111111111111112"));
        let r = Redactor::new(&[]);
        assert_eq!(r.redact("id 1234567890123"), "id 1234567890123");
    }

    #[test]
    fn patterns_keep_keys_and_messages_only() {
        let p = pattern(
            r#"ts=2026-11-25T08:02:54.309Z level=error caller=orders/create.go:118 msg="failed to create order" order_id=ord-824679 error="pq: sorry, too many clients already" trace_id=7397b9875edd3492aac233021a3bc8d8"#,
        );
        assert_eq!(
            p,
            r#"ts=<_> level=<_> caller=<_> msg="failed to create order" order_id=<_> error=<_> trace_id=<_>"#
        );
        let j = pattern(
            r#"{"timestamp":"2026-11-25T08:05:24.608Z","level":"warn","message":"slow query","category":"gifts","query":"SELECT id FROM products"}"#,
        );
        assert_eq!(
            j,
            r#"category=<_> level=<_> message="slow query" query=<_> timestamp=<_>"#
        );
        let a = pattern(
            r#"10.42.0.114 - - [25/Nov/2026:06:40:47 +0000] "POST /api/v1/orders HTTP/1.1" 500 87 "-" "okhttp/4.12.0" rt=5.055 upstream=order-service"#,
        );
        assert!(
            !a.contains("10.42") && !a.contains("/api/v1/orders") && !a.contains("order-service"),
            "{a}"
        );
        assert!(a.contains("rt=<_>") && a.contains("upstream=<_>"), "{a}");
    }
}
