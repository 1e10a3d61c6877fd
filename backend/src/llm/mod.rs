//! The optional LLM layer: it answers what the rules cannot and narrates evidence the engine found, and
//! it is never a single point of failure — every failure ends in the rules' plan or the template summary.
//!
//! Takes the datasource's settings ([`Llm::from_settings`]) and offers two things:
//! [`Llm::translate`] (a question → a validated [`crate::Plan`], in the *slots* mode — `slots.rs` and the
//! builder `build.rs` — or the *query* mode; answers are checked by `validate.rs` and repaired at most
//! twice) and [`Llm::narrate`] (an [`EvidencePack`] → a short summary citing evidence ids, checked
//! against the evidence). Prompts: `prompt.rs` (schema slice, conventions) and `examples.rs` (worked
//! examples by similarity). Around every call: the privacy mode (`privacy.rs`), cost control
//! (`budget.rs`), metrics (`metrics.rs`). Providers: `client.rs` (`async-openai`) over `transport.rs`,
//! `provider.rs` (the factory), `fake.rs` (a scripted model for tests).

mod budget;
mod build;
pub mod client;
mod error;
mod evidence;
mod examples;
pub mod fake;
pub mod metrics;
mod narrate;
mod options;
pub mod privacy;
mod prompt;
mod provider;
mod slots;
mod translate;
mod transport;
mod validate;

/// What the LLM layer's unit tests share: the recorded demo schema and the data's "now".
#[cfg(test)]
mod test_support {
    use super::slots::TimeContext;
    use crate::ground::Schema;

    pub fn schema() -> Schema {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/demo-schema.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    pub fn ctx() -> TimeContext {
        TimeContext {
            now: "2026-11-25T08:38:56Z".parse().unwrap(),
            tz: chrono_tz::UTC,
            dashboard: None,
        }
    }
}

use std::time::Instant;

use chrono::{DateTime, Utc};

pub use budget::{Budget, Cache, cache_key, version_of};
pub use client::{ChatReply, ChatRequest, Message, estimate_tokens};
pub use error::LlmError;
pub use evidence::{Evidence, EvidencePack};
pub use narrate::{Narration, SummarySource, check_claims};
pub use options::{FakeStep, LlmOptions, TranslateMode, TranslateWhen};
pub use privacy::Redactor;
pub use provider::Provider;
pub use translate::{LlmTranslation, should_translate};
pub use validate::{check_grounding, plan_from_query, plan_from_slots};

use crate::settings::{LlmSettings, Privacy, RawSettings, Settings, SettingsError};

/// The LLM of one datasource (or CLI run), with its limits, cache and privacy mode.
#[derive(Debug)]
pub struct Llm {
    provider: Provider,
    pub options: LlmOptions,
    pub privacy: Privacy,
    budget: Budget,
    cache: Cache,
    redactor: Redactor,
}

impl Llm {
    /// The LLM the settings describe, or `None` when no provider is configured or privacy is `off`.
    pub fn from_settings(
        raw: &RawSettings,
        settings: &Settings,
    ) -> Result<Option<Llm>, SettingsError> {
        let options = LlmOptions::from_raw(raw)?;
        Self::new(&settings.llm, options)
    }

    pub fn new(llm: &LlmSettings, options: LlmOptions) -> Result<Option<Llm>, SettingsError> {
        if llm.privacy == Privacy::Off {
            return Ok(None);
        }
        let Some(provider) = Provider::from_settings(llm, &options)? else {
            return Ok(None);
        };
        Ok(Some(Llm {
            provider,
            privacy: llm.privacy,
            budget: Budget::new(&options),
            cache: Cache::new(options.cache_ttl),
            redactor: Redactor::new(&options.redact_patterns),
            options,
        }))
    }

    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    pub fn model(&self) -> &str {
        self.provider.model()
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// One call to the model with every guard: privacy, prompt cap, daily budget, concurrency and rate
    /// limits; its latency, tokens and outcome are counted.
    pub async fn chat(
        &self,
        purpose: &str,
        request: &ChatRequest,
        now: DateTime<Utc>,
    ) -> Result<ChatReply, LlmError> {
        self.guarded(purpose, request, now, None).await
    }

    /// As [`Llm::chat`], streaming the text to `on_delta` as it arrives.
    pub async fn chat_stream(
        &self,
        purpose: &str,
        request: &ChatRequest,
        now: DateTime<Utc>,
        on_delta: &mut (dyn FnMut(&str) + Send),
    ) -> Result<ChatReply, LlmError> {
        self.guarded(purpose, request, now, Some(on_delta)).await
    }

    async fn guarded(
        &self,
        purpose: &str,
        request: &ChatRequest,
        now: DateTime<Utc>,
        on_delta: Option<&mut (dyn FnMut(&str) + Send)>,
    ) -> Result<ChatReply, LlmError> {
        privacy::check(self.privacy)?;
        let tokens = estimate_tokens(&request.prompt_text());
        self.budget.admit(tokens, now)?;
        let _slot = self.budget.slot().await?;
        let started = Instant::now();
        let result = match on_delta {
            Some(f) => self.provider.stream(request, f).await,
            None => self.provider.complete(request).await,
        };
        let m = metrics::global();
        match &result {
            Ok(reply) => {
                m.request(purpose, "ok", started.elapsed());
                m.tokens(reply.prompt_tokens, reply.completion_tokens);
                self.budget.spend(
                    u64::from(reply.prompt_tokens) + u64::from(reply.completion_tokens),
                    now,
                );
            }
            Err(e) => {
                m.request(purpose, e.reason(), started.elapsed());
                // A failed call still cost its prompt when the server read it; count the estimate.
                self.budget.spend(u64::from(tokens), now);
                tracing::warn!(purpose, error = %e, "LLM call failed");
            }
        }
        result
    }
}
