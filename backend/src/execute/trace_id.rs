//! Trace and span ids: Tempo search drops leading zeros (31-character ids), trace-by-id bodies carry
//! base64 of the raw bytes; everything else in Querent uses 32 (trace) / 16 (span) lowercase hex.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::ExecuteError;

/// Lowercases and left-pads a hex trace id to 32 characters (`5722bc5...` → `05722bc5...`).
/// Returns `None` for anything that is not 1..=32 hex characters.
pub fn pad_trace_id(hex: &str) -> Option<String> {
    let hex = hex.trim();
    if hex.is_empty() || hex.len() > 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(format!("{:0>32}", hex.to_ascii_lowercase()))
}

/// Base64 of raw id bytes (as in Tempo's trace-by-id bodies) → lowercase hex. Empty input → empty
/// output (a root span has no parent).
pub fn base64_id_to_hex(b64: &str) -> Option<String> {
    if b64.is_empty() {
        return Some(String::new());
    }
    let bytes = STANDARD.decode(b64.trim()).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A trace id as a user typed it: hex (leading zeros optional, any case) or base64 of 16 bytes.
pub fn parse_trace_id(input: &str) -> Result<String, ExecuteError> {
    let text = input.trim();
    if let Some(hex) = pad_trace_id(text) {
        return Ok(hex);
    }
    if let Ok(bytes) = STANDARD.decode(text)
        && bytes.len() == 16
    {
        return Ok(bytes.iter().map(|b| format!("{b:02x}")).collect());
    }
    Err(ExecuteError::InvalidTraceId {
        id: text.chars().take(80).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_31_character_search_ids() {
        assert_eq!(
            pad_trace_id("5722bc54b5e4a401a5a897790ba1d38").as_deref(),
            Some("05722bc54b5e4a401a5a897790ba1d38")
        );
        assert_eq!(pad_trace_id("ABC").unwrap().len(), 32);
        assert_eq!(pad_trace_id("xyz"), None);
        assert_eq!(pad_trace_id(&"a".repeat(33)), None);
    }

    #[test]
    fn decodes_base64_ids_from_trace_bodies() {
        assert_eq!(
            base64_id_to_hex("27Rko87HlkKhOp2ilOfrKg==").as_deref(),
            Some("dbb464a3cec79642a13a9da294e7eb2a")
        );
        assert_eq!(base64_id_to_hex("LX/+I+Kf8Zw=").unwrap().len(), 16);
        assert_eq!(base64_id_to_hex("").as_deref(), Some(""));
        assert_eq!(base64_id_to_hex("!!"), None);
    }

    #[test]
    fn user_trace_ids_accept_hex_and_base64() {
        assert_eq!(
            parse_trace_id(" DBB464A3CEC79642A13A9DA294E7EB2A ").unwrap(),
            "dbb464a3cec79642a13a9da294e7eb2a"
        );
        assert_eq!(
            parse_trace_id("27Rko87HlkKhOp2ilOfrKg==").unwrap(),
            "dbb464a3cec79642a13a9da294e7eb2a"
        );
        assert!(matches!(
            parse_trace_id("not-a-trace-id"),
            Err(ExecuteError::InvalidTraceId { .. })
        ));
    }
}
