//! Why an LLM call gave no usable answer. Every variant ends in the rules' plan or the template summary
//! (the LLM is never a single point of failure); messages never carry the API key or prompt text.

use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum LlmError {
    #[error("no LLM is configured")]
    NotConfigured,
    #[error("the LLM is switched off by the privacy setting `off`")]
    PrivacyOff,
    #[error("the LLM endpoint refused the credentials (HTTP {status})")]
    Unauthorized { status: u16 },
    #[error("the LLM endpoint is rate limiting (HTTP 429{})", retry_after.map(|d| format!(", retry after {} s", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    #[error("the LLM endpoint failed (HTTP {status}): {message}")]
    Status { status: u16, message: String },
    #[error("the LLM did not answer within {} s", seconds)]
    Timeout { seconds: u64 },
    #[error("cannot reach the LLM endpoint: {reason}")]
    Unreachable { reason: String },
    #[error("the LLM's answer is not usable: {reason}")]
    BadResponse { reason: String },
    #[error("the daily LLM token budget ({budget} tokens) is used up")]
    BudgetExhausted { budget: u64 },
    #[error("the prompt needs {tokens} tokens, more than the {cap} allowed per request")]
    PromptTooLong { tokens: u32, cap: u32 },
    #[error("too many LLM requests right now (the rate limit of this datasource)")]
    Busy,
}

impl LlmError {
    /// A short label for metrics (`reason` of the fallback counter).
    pub fn reason(&self) -> &'static str {
        match self {
            LlmError::NotConfigured => "not_configured",
            LlmError::PrivacyOff => "privacy_off",
            LlmError::Unauthorized { .. } => "unauthorized",
            LlmError::RateLimited { .. } => "rate_limited",
            LlmError::Status { .. } => "status",
            LlmError::Timeout { .. } => "timeout",
            LlmError::Unreachable { .. } => "unreachable",
            LlmError::BadResponse { .. } => "bad_response",
            LlmError::BudgetExhausted { .. } => "budget",
            LlmError::PromptTooLong { .. } => "prompt_too_long",
            LlmError::Busy => "busy",
        }
    }
}

/// At most `max` characters of a peer's error body, on one line.
pub(crate) fn snippet(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = one_line.trim();
    match trimmed.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &trimmed[..i]),
        None => trimmed.to_string(),
    }
}
