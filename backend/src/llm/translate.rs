//! Translation with the LLM, used when the rules answer `clarify`, leave words of the question
//! unexplained, or the user asks for it. Two modes: *slots* (the model fills [`Slots`] through a JSON
//! schema; our builder prints the query) and *query* (the model writes LogQL/TraceQL; we parse it).
//! Either answer is validated — syntax, labels/services/fields/attributes exist, time range sane — and
//! a rejected answer goes back to the model with the error, at most twice. What still fails is no plan:
//! the caller keeps the rules' answer (a clarification when the rules had none).

use std::time::Instant;

use super::client::{ChatRequest, Message, ResponseSchema};
use super::options::{TranslateMode, TranslateWhen};
use super::slots::{TimeContext, json_schema};
use super::validate::{plan_from_query, plan_from_slots, query_schema};
use super::{Llm, LlmError, budget, metrics, prompt};
use crate::ground::Schema;
use crate::plan::{Plan, PlanKind, Understood};
use crate::translate::Question;

/// Repair rounds after the first answer.
pub const MAX_REPAIRS: u32 = 2;

/// What the LLM translator did.
#[derive(Debug, Clone, Default)]
pub struct LlmTranslation {
    /// The validated plan; `None` when the model failed or every answer was rejected.
    pub plan: Option<Plan>,
    pub mode: Option<TranslateMode>,
    /// Answers the model gave (1 + repairs).
    pub answers: u32,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub latency_ms: u64,
    pub cached: bool,
    /// Why there is no plan (the last validation error or the call's failure).
    pub error: Option<String>,
    /// The call failed (as opposed to answers being rejected).
    pub failure: Option<LlmError>,
}

/// Whether the LLM should translate this question, given the rules' plan.
pub fn should_translate(
    rules: &Plan,
    unexplained: &[String],
    when: TranslateWhen,
    forced: bool,
) -> bool {
    if forced {
        return true;
    }
    match when {
        TranslateWhen::Never => false,
        TranslateWhen::Always => true,
        TranslateWhen::Fallback => rules.kind == PlanKind::Clarify || unexplained.len() >= 2,
    }
}

impl Llm {
    /// Asks the model for a plan (`mode` overrides the configured mode). Never fails: a failure or a
    /// rejected answer is reported in the result.
    pub async fn translate(
        &self,
        question: &Question<'_>,
        schema: &Schema,
        mode: Option<TranslateMode>,
    ) -> LlmTranslation {
        let mode = mode.unwrap_or(self.options.mode);
        let modes: &[TranslateMode] = match mode {
            TranslateMode::Auto => &[TranslateMode::Slots, TranslateMode::Query],
            TranslateMode::Slots => &[TranslateMode::Slots],
            TranslateMode::Query => &[TranslateMode::Query],
        };
        let mut total = LlmTranslation::default();
        for m in modes {
            let one = self.translate_in(question, schema, *m).await;
            total.answers += one.answers;
            total.prompt_tokens += one.prompt_tokens;
            total.completion_tokens += one.completion_tokens;
            total.latency_ms += one.latency_ms;
            total.mode = Some(*m);
            total.cached = one.cached;
            total.error = one.error;
            total.failure = one.failure.clone();
            if one.plan.is_some() {
                total.plan = one.plan;
                break;
            }
            if one.failure.is_some() {
                // The endpoint failed: asking again in another mode would fail the same way.
                break;
            }
        }
        total
    }

    async fn translate_in(
        &self,
        question: &Question<'_>,
        schema: &Schema,
        mode: TranslateMode,
    ) -> LlmTranslation {
        let started = Instant::now();
        let ctx = TimeContext {
            now: question.now,
            tz: question.tz,
            dashboard: question.dashboard,
        };
        let validate = |content: &str| match mode {
            TranslateMode::Query => plan_from_query(content, schema, &ctx),
            _ => plan_from_slots(content, schema, &ctx),
        };
        let mut out = LlmTranslation {
            mode: Some(mode),
            ..Default::default()
        };
        let key = budget::cache_key(
            &format!("translate:{}", mode.as_str()),
            &format!(
                "{}\u{0}{}\u{0}{:?}",
                question.text,
                question.tz.name(),
                question.dashboard
            ),
            schema.fingerprint(),
            question.now,
        );
        if let Some(content) = self.cache().get(key)
            && let Ok(plan) = validate(&content)
        {
            metrics::global().cache(true);
            out.cached = true;
            out.plan = Some(self.mark(plan, mode));
            return out;
        }
        metrics::global().cache(false);
        let response_schema = match mode {
            TranslateMode::Query => query_schema(),
            _ => {
                let services = schema.services();
                let mut fields: Vec<String> = schema
                    .loki
                    .fields
                    .values()
                    .flatten()
                    .filter(|f| f.source.parser().is_some())
                    .map(|f| f.name.clone())
                    .collect();
                fields.sort();
                fields.dedup();
                json_schema(schema, &services, &fields)
            }
        };
        let mut messages: Vec<Message> = prompt::translation_messages(
            mode,
            question.text,
            schema,
            &ctx,
            self.privacy,
            self.redactor(),
            self.budget_cap(),
        );
        for round in 0..=MAX_REPAIRS {
            let request = ChatRequest {
                messages: messages.clone(),
                schema: Some(ResponseSchema {
                    name: "plan",
                    schema: response_schema.clone(),
                    strict: false,
                }),
                max_tokens: self.options.max_completion_tokens,
                temperature: Some(0.0),
            };
            let reply = match self.chat("translate", &request, question.now).await {
                Ok(r) => r,
                Err(e) => {
                    out.error = Some(e.to_string());
                    out.failure = Some(e);
                    break;
                }
            };
            out.answers += 1;
            out.prompt_tokens += reply.prompt_tokens;
            out.completion_tokens += reply.completion_tokens;
            match validate(&reply.content) {
                Ok(plan) => {
                    self.cache().put(key, reply.content.clone());
                    out.plan = Some(self.mark(plan, mode));
                    out.error = None;
                    break;
                }
                Err(problem) => {
                    tracing::info!(round, %problem, "LLM answer rejected");
                    out.error = Some(problem.clone());
                    if round < MAX_REPAIRS {
                        metrics::global().repair();
                        messages.push(Message::assistant(reply.content));
                        messages.push(prompt::repair_message(&problem));
                    }
                }
            }
        }
        out.latency_ms = started.elapsed().as_millis() as u64;
        out
    }

    fn budget_cap(&self) -> u32 {
        self.options.max_prompt_tokens
    }

    fn mark(&self, mut plan: Plan, mode: TranslateMode) -> Plan {
        plan.understood.push(Understood {
            what: "llm",
            text: String::new(),
            meaning: format!(
                "translated by the LLM `{}` ({} mode)",
                self.model(),
                mode.as_str()
            ),
        });
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::ctx;
    use super::*;

    #[test]
    fn translation_is_asked_only_when_needed() {
        let end = ctx().now;
        let clarify = Plan::clarify("?", vec![], end);
        let mut fine = Plan::raw(PlanKind::Logs, "{a=\"b\"}", end, end);
        fine.time_source = Default::default();
        assert!(should_translate(
            &clarify,
            &[],
            TranslateWhen::Fallback,
            false
        ));
        assert!(!should_translate(
            &fine,
            &[],
            TranslateWhen::Fallback,
            false
        ));
        assert!(should_translate(
            &fine,
            &["foo".into(), "bar".into()],
            TranslateWhen::Fallback,
            false
        ));
        assert!(should_translate(&fine, &[], TranslateWhen::Never, true));
        assert!(!should_translate(
            &clarify,
            &[],
            TranslateWhen::Never,
            false
        ));
        assert!(should_translate(&fine, &[], TranslateWhen::Always, false));
    }
}
