//! The LLM layer's own settings beyond `settings::LlmSettings`: when to call the model, which
//! translation mode, cost limits, redaction patterns, Azure and fake-provider details. They are read from
//! the same `jsonData` (kept in `RawSettings::extra`), so the config editor, provisioning and the CLI set
//! them the same way; bad values are reported with the option's name.

use std::num::NonZeroU32;
use std::time::Duration;

use serde_json::Value;

use crate::settings::{RawSettings, SettingsError};

/// Prompt tokens per request unless `llmMaxPromptTokens` says otherwise: the target, small
/// enough for a 0.5B model with a 4k context to answer quickly.
pub const DEFAULT_MAX_PROMPT_TOKENS: u32 = 2_000;
/// Tokens (prompt + completion) per datasource per UTC day: about 300 translations with summaries.
pub const DEFAULT_DAILY_TOKEN_BUDGET: u64 = 1_000_000;
/// LLM calls in flight per datasource: local servers answer one or two at a time anyway.
pub const DEFAULT_MAX_CONCURRENCY: u32 = 2;
/// Requests per minute per datasource.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 30;
/// Retries after a 429/503 that named a `Retry-After` within the call's deadline.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// How long a translation or summary is reused for the same question, schema and time bucket.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(600);
/// Azure OpenAI's GA data-plane API version with structured outputs.
pub const DEFAULT_AZURE_API_VERSION: &str = "2024-10-21";
/// Completion tokens when `llmMaxTokens` is not set: a plan or a short summary fits easily.
pub const DEFAULT_MAX_COMPLETION_TOKENS: u32 = 400;

/// How the model helps translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TranslateMode {
    /// The model fills the plan's fields through a JSON schema; our builders print the query.
    #[default]
    Slots,
    /// The model writes LogQL/TraceQL, which we parse, validate and repair.
    Query,
    /// Slots first; the query mode when the slots cannot express the question.
    Auto,
}

impl TranslateMode {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "slots" => TranslateMode::Slots,
            "query" => TranslateMode::Query,
            "auto" => TranslateMode::Auto,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TranslateMode::Slots => "slots",
            TranslateMode::Query => "query",
            TranslateMode::Auto => "auto",
        }
    }
}

/// When the LLM translator is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TranslateWhen {
    /// Only when the rules answer `clarify` or leave words of the question unexplained (or the
    /// query asks for the LLM).
    #[default]
    Fallback,
    /// Every question (the rules' plan is kept when the model's answer is rejected).
    Always,
    /// Never: the LLM only narrates.
    Never,
}

/// One step of the fake provider's script (`llmFakeScript`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FakeStep {
    /// Answer only requests whose last user message contains this text; steps without it are used in
    /// order.
    #[serde(default)]
    pub when: Option<String>,
    /// The assistant's text (a JSON value is sent as its JSON text).
    #[serde(default)]
    pub reply: Option<Value>,
    /// An HTTP-like failure instead of a reply (401, 429, 500, ...).
    #[serde(default)]
    pub status: Option<u16>,
    /// Wait this long before answering (timeouts).
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

/// Everything the LLM layer reads from the settings besides `LlmSettings`.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmOptions {
    pub mode: TranslateMode,
    pub when: TranslateWhen,
    /// Whether answers get an LLM-written summary (when the provider is configured).
    pub narrate: bool,
    pub max_prompt_tokens: u32,
    pub max_completion_tokens: u32,
    pub daily_token_budget: u64,
    pub max_concurrency: NonZeroU32,
    pub requests_per_minute: NonZeroU32,
    pub max_retries: u32,
    /// `None`: no cache.
    pub cache_ttl: Option<Duration>,
    /// Extra redaction patterns (regular expressions) for the `redacted` privacy mode.
    pub redact_patterns: Vec<String>,
    pub azure_api_version: String,
    pub azure_deployment: Option<String>,
    pub fake_script: Vec<FakeStep>,
}

impl Default for LlmOptions {
    fn default() -> Self {
        LlmOptions {
            mode: TranslateMode::default(),
            when: TranslateWhen::default(),
            narrate: true,
            max_prompt_tokens: DEFAULT_MAX_PROMPT_TOKENS,
            max_completion_tokens: DEFAULT_MAX_COMPLETION_TOKENS,
            daily_token_budget: DEFAULT_DAILY_TOKEN_BUDGET,
            max_concurrency: NonZeroU32::new(DEFAULT_MAX_CONCURRENCY).expect("non-zero"),
            requests_per_minute: NonZeroU32::new(DEFAULT_REQUESTS_PER_MINUTE).expect("non-zero"),
            max_retries: DEFAULT_MAX_RETRIES,
            cache_ttl: Some(DEFAULT_CACHE_TTL),
            redact_patterns: Vec::new(),
            azure_api_version: DEFAULT_AZURE_API_VERSION.to_string(),
            azure_deployment: None,
            fake_script: Vec::new(),
        }
    }
}

impl LlmOptions {
    /// Reads the `llm*` keys of `jsonData` that `Settings` does not type.
    pub fn from_raw(raw: &RawSettings) -> Result<Self, SettingsError> {
        let mut o = LlmOptions::default();
        if let Some(text) = string(raw, "llmMode") {
            o.mode = TranslateMode::parse(&text).ok_or_else(|| SettingsError::InvalidChoice {
                key: "llmMode".into(),
                value: text.clone(),
                expected: "`slots`, `query`, `auto`",
            })?;
        }
        if let Some(text) = string(raw, "llmTranslate") {
            o.when = match text.as_str() {
                "fallback" => TranslateWhen::Fallback,
                "always" => TranslateWhen::Always,
                "never" => TranslateWhen::Never,
                _ => {
                    return Err(SettingsError::InvalidChoice {
                        key: "llmTranslate".into(),
                        value: text,
                        expected: "`fallback`, `always`, `never`",
                    });
                }
            };
        }
        if let Some(v) = raw.extra.get("llmNarrate") {
            o.narrate = match v {
                Value::Bool(b) => *b,
                Value::String(s) if s == "true" => true,
                Value::String(s) if s == "false" => false,
                other => {
                    return Err(SettingsError::InvalidChoice {
                        key: "llmNarrate".into(),
                        value: other.to_string(),
                        expected: "`true`, `false`",
                    });
                }
            };
        }
        if let Some(n) = number(raw, "llmMaxPromptTokens", 200, 100_000)? {
            o.max_prompt_tokens = n as u32;
        }
        if let Some(n) = raw
            .llm_max_tokens
            .as_ref()
            .and_then(|l| l.0.parse::<u32>().ok())
        {
            o.max_completion_tokens = n.max(1);
        }
        if let Some(n) = number(raw, "llmDailyTokenBudget", 1, u64::MAX / 2)? {
            o.daily_token_budget = n;
        }
        if let Some(n) = number(raw, "llmMaxConcurrency", 1, 64)? {
            o.max_concurrency = NonZeroU32::new(n as u32).expect("at least 1");
        }
        if let Some(n) = number(raw, "llmRequestsPerMinute", 1, 100_000)? {
            o.requests_per_minute = NonZeroU32::new(n as u32).expect("at least 1");
        }
        if let Some(n) = number(raw, "llmMaxRetries", 0, 5)? {
            o.max_retries = n as u32;
        }
        if let Some(n) = number(raw, "llmCacheSeconds", 0, 86_400)? {
            o.cache_ttl = (n > 0).then(|| Duration::from_secs(n));
        }
        o.redact_patterns = match raw.extra.get("llmRedactPatterns") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(other) => {
                return Err(SettingsError::InvalidChoice {
                    key: "llmRedactPatterns".into(),
                    value: other.to_string(),
                    expected: "one regular expression per line, or a list of them",
                });
            }
        };
        for p in &o.redact_patterns {
            if let Err(e) = regex::Regex::new(p) {
                return Err(SettingsError::InvalidChoice {
                    key: "llmRedactPatterns".into(),
                    value: p.clone(),
                    expected: leak_reason(&e),
                });
            }
        }
        if let Some(v) = string(raw, "llmAzureApiVersion") {
            o.azure_api_version = v;
        }
        o.azure_deployment = string(raw, "llmAzureDeployment");
        o.fake_script = match raw.extra.get("llmFakeScript") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => parse_script(s)?,
            Some(v) => parse_script(&v.to_string())?,
        };
        Ok(o)
    }
}

fn leak_reason(_e: &regex::Error) -> &'static str {
    "a valid regular expression"
}

fn parse_script(text: &str) -> Result<Vec<FakeStep>, SettingsError> {
    serde_json::from_str(text).map_err(|e| SettingsError::InvalidChoice {
        key: "llmFakeScript".into(),
        value: e.to_string(),
        expected: "a JSON list of steps ({when?, reply?, status?, delayMs?})",
    })
}

fn string(raw: &RawSettings, key: &str) -> Option<String> {
    raw.extra
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn number(
    raw: &RawSettings,
    key: &'static str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, SettingsError> {
    let text = match raw.extra.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(other) => other.to_string(),
    };
    match text.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(SettingsError::InvalidNumber {
            key,
            value: text,
            expected: "a whole number in the allowed range",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(v: Value) -> RawSettings {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let o = LlmOptions::from_raw(&RawSettings::default()).unwrap();
        assert_eq!(o, LlmOptions::default());
        assert_eq!(o.max_prompt_tokens, 2000);
        assert_eq!(o.mode, TranslateMode::Slots);
    }

    #[test]
    fn reads_every_option() {
        let o = LlmOptions::from_raw(&raw(json!({
            "llmMode": "query", "llmTranslate": "always", "llmNarrate": false,
            "llmMaxPromptTokens": "1500", "llmDailyTokenBudget": 5000, "llmMaxConcurrency": 1,
            "llmRequestsPerMinute": 10, "llmMaxRetries": 1, "llmCacheSeconds": 0,
            "llmRedactPatterns": "ORD-[0-9]+\ncust_[a-z]+", "llmAzureApiVersion": "2025-01-01",
            "llmAzureDeployment": "gpt4o", "llmMaxTokens": 100,
            "llmFakeScript": [{"reply": "hi"}, {"when": "x", "status": 500}]
        })))
        .unwrap();
        assert_eq!(o.mode, TranslateMode::Query);
        assert_eq!(o.when, TranslateWhen::Always);
        assert!(!o.narrate);
        assert_eq!(o.max_prompt_tokens, 1500);
        assert_eq!(o.daily_token_budget, 5000);
        assert_eq!(o.max_concurrency.get(), 1);
        assert_eq!(o.cache_ttl, None);
        assert_eq!(o.redact_patterns, vec!["ORD-[0-9]+", "cust_[a-z]+"]);
        assert_eq!(o.azure_deployment.as_deref(), Some("gpt4o"));
        assert_eq!(o.max_completion_tokens, 100);
        assert_eq!(o.fake_script.len(), 2);
        assert_eq!(o.fake_script[1].status, Some(500));
    }

    #[test]
    fn bad_values_name_the_option() {
        for (v, key) in [
            (json!({"llmMode": "magic"}), "llmMode"),
            (json!({"llmMaxPromptTokens": "lots"}), "llmMaxPromptTokens"),
            (
                json!({"llmRedactPatterns": "(unclosed"}),
                "llmRedactPatterns",
            ),
            (json!({"llmFakeScript": "not json"}), "llmFakeScript"),
            (json!({"llmMaxRetries": 99}), "llmMaxRetries"),
        ] {
            let err = LlmOptions::from_raw(&raw(v)).unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
        }
    }
}
