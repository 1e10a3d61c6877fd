//! A scriptable model inside the plugin (`llmProvider: "fake"`, `llmFakeScript: [...]`), like the Grafana
//! LLM app's test provider: the real plugin binary and the CLI can run the whole LLM path without a model
//! server. Steps with `when` answer any request whose last user message contains that text; the others
//! are used once each, in order. Every request is recorded for tests.

use std::sync::Mutex;
use std::time::Duration;

use super::client::{ChatReply, ChatRequest, Role, estimate_tokens};
use super::error::LlmError;
use super::options::FakeStep;

#[derive(Debug)]
pub struct FakeModel {
    steps: Vec<FakeStep>,
    state: Mutex<FakeState>,
    timeout: Duration,
}

#[derive(Debug, Default)]
struct FakeState {
    next: usize,
    requests: Vec<ChatRequest>,
}

impl FakeModel {
    pub fn new(steps: Vec<FakeStep>, timeout: Duration) -> Self {
        FakeModel {
            steps,
            state: Mutex::new(FakeState::default()),
            timeout,
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<ChatRequest> {
        self.state
            .lock()
            .map(|s| s.requests.clone())
            .unwrap_or_default()
    }

    fn pick(&self, req: &ChatRequest) -> Option<FakeStep> {
        let last_user = req
            .messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(|m| m.content.as_str())
            .unwrap_or("");
        let mut state = self.state.lock().ok()?;
        state.requests.push(req.clone());
        if let Some(step) = self
            .steps
            .iter()
            .find(|s| s.when.as_deref().is_some_and(|w| last_user.contains(w)))
        {
            return Some(step.clone());
        }
        let ordered: Vec<&FakeStep> = self.steps.iter().filter(|s| s.when.is_none()).collect();
        let step = ordered.get(state.next).map(|s| (*s).clone());
        if step.is_some() {
            state.next += 1;
        }
        step
    }

    pub async fn complete(&self, req: &ChatRequest) -> Result<ChatReply, LlmError> {
        let step = self.pick(req).ok_or_else(|| LlmError::BadResponse {
            reason: "the fake model's script has no reply for this request".into(),
        })?;
        if let Some(ms) = step.delay_ms {
            let delay = Duration::from_millis(ms);
            if delay >= self.timeout {
                tokio::time::sleep(self.timeout).await;
                return Err(LlmError::Timeout {
                    seconds: self.timeout.as_secs(),
                });
            }
            tokio::time::sleep(delay).await;
        }
        if let Some(status) = step.status {
            return Err(match status {
                401 | 403 => LlmError::Unauthorized { status },
                429 => LlmError::RateLimited { retry_after: None },
                _ => LlmError::Status {
                    status,
                    message: "scripted failure".into(),
                },
            });
        }
        let content = match step.reply {
            Some(serde_json::Value::String(s)) => s,
            Some(v) => v.to_string(),
            None => String::new(),
        };
        Ok(ChatReply {
            prompt_tokens: estimate_tokens(&req.prompt_text()),
            completion_tokens: estimate_tokens(&content),
            content,
        })
    }

    /// The scripted reply, delivered word by word.
    pub async fn stream(
        &self,
        req: &ChatRequest,
        on_delta: &mut (dyn FnMut(&str) + Send),
    ) -> Result<ChatReply, LlmError> {
        let reply = self.complete(req).await?;
        for piece in reply.content.split_inclusive(' ') {
            on_delta(piece);
        }
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::client::Message;
    use serde_json::json;

    fn req(text: &str) -> ChatRequest {
        ChatRequest {
            messages: vec![Message::system("sys"), Message::user(text)],
            schema: None,
            max_tokens: 10,
            temperature: None,
        }
    }

    #[tokio::test]
    async fn follows_the_script_in_order_and_by_match() {
        let steps: Vec<FakeStep> = serde_json::from_value(json!([
            {"reply": "first"},
            {"when": "summary", "reply": {"summary": "x"}},
            {"status": 500},
        ]))
        .unwrap();
        let fake = FakeModel::new(steps, Duration::from_secs(5));
        assert_eq!(fake.complete(&req("a")).await.unwrap().content, "first");
        assert_eq!(
            fake.complete(&req("write a summary"))
                .await
                .unwrap()
                .content,
            r#"{"summary":"x"}"#
        );
        assert!(matches!(
            fake.complete(&req("b")).await,
            Err(LlmError::Status { status: 500, .. })
        ));
        assert!(matches!(
            fake.complete(&req("c")).await,
            Err(LlmError::BadResponse { .. })
        ));
        assert_eq!(fake.requests().len(), 4);
    }

    #[tokio::test]
    async fn a_delay_past_the_timeout_times_out() {
        let steps: Vec<FakeStep> =
            serde_json::from_value(json!([{"reply": "late", "delayMs": 5000}])).unwrap();
        let fake = FakeModel::new(steps, Duration::from_millis(50));
        assert!(matches!(
            fake.complete(&req("a")).await,
            Err(LlmError::Timeout { .. })
        ));
    }
}
