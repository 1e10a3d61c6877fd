//! Chat completions over the OpenAI API with `async-openai`: OpenAI, Azure OpenAI, any OpenAI-compatible
//! server (Ollama, vLLM, llama.cpp server, LiteLLM) and Grafana's LLM app (an OpenAI-compatible proxy
//! inside Grafana). One request type for all of them ([`ChatRequest`]); structured output through
//! `response_format: json_schema`; streaming through server-sent events.
//!
//! Our own tower service sits under `async-openai` (its `middleware` feature): it adds the extra
//! headers, retries 429/503 when `Retry-After` fits in the call's deadline, and turns every non-2xx
//! answer into a typed failure with its status (the crate's own error keeps no headers and cannot read a
//! plain-text 429). The whole call, retries included, is bounded by the configured timeout.

use std::time::{Duration, Instant};

use async_openai::Client;
use async_openai::config::{AzureConfig, Config, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionStreamOptions, CreateChatCompletionRequest, ResponseFormat,
    ResponseFormatJsonSchema,
};
use futures_util::StreamExt;
use serde_json::Value;

use super::error::{LlmError, snippet};
use super::transport::{HttpFailure, Transport};
use crate::settings::Secret;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(text: impl Into<String>) -> Self {
        Message {
            role: Role::System,
            content: text.into(),
        }
    }
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: text.into(),
        }
    }
    pub fn assistant(text: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            content: text.into(),
        }
    }
}

/// A JSON schema the answer must follow (`response_format: json_schema`). Shapes are constrained with
/// `enum`, `type`, `maxLength` and `maxItems`, never `pattern` (llama.cpp's server answers 500 to a
/// pattern containing `"`).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseSchema {
    pub name: &'static str,
    pub schema: Value,
    /// OpenAI's strict structured output requires every property to be required; our plan schemas
    /// leave unused fields out (small models fill required fields with invented values), so they are
    /// not strict.
    pub strict: bool,
}

/// One chat completion to make.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub schema: Option<ResponseSchema>,
    pub max_tokens: u32,
    pub temperature: Option<f32>,
}

impl ChatRequest {
    /// Every message's text, for token estimates and privacy checks.
    pub fn prompt_text(&self) -> String {
        self.messages
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The model's answer and what it cost.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatReply {
    pub content: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

/// Tokens of a text, estimated (about four characters per token for English and code; Hangul is
/// denser, so those characters count one each). Used for the prompt cap before sending, and for the
/// budget when a server reports no usage.
pub fn estimate_tokens(text: &str) -> u32 {
    let (mut ascii, mut other) = (0u32, 0u32);
    for c in text.chars() {
        if c.is_ascii() {
            ascii += 1;
        } else {
            other += 1;
        }
    }
    ascii.div_ceil(4) + other
}

/// Which API dialect the endpoint speaks.
#[derive(Debug, Clone, PartialEq)]
pub enum Flavor {
    OpenAi,
    Azure {
        deployment: String,
        api_version: String,
    },
    /// Ollama, vLLM, llama.cpp server, LiteLLM, Grafana's LLM app.
    Compatible,
}

/// Where and how to call a chat-completions endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub flavor: Flavor,
    /// API base, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8080/v1` (Azure: the resource URL).
    pub base_url: String,
    pub model: String,
    pub api_key: Option<Secret>,
    pub headers: Vec<(String, Secret)>,
    pub timeout: Duration,
    pub temperature: Option<f32>,
    pub max_retries: u32,
}

/// The client of one endpoint.
pub struct OpenAiClient {
    client: Client<Box<dyn Config>>,
    endpoint: Endpoint,
}

impl std::fmt::Debug for OpenAiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiClient")
            .field("flavor", &self.endpoint.flavor)
            .field("base_url", &self.endpoint.base_url)
            .field("model", &self.endpoint.model)
            .finish_non_exhaustive()
    }
}

impl OpenAiClient {
    pub fn new(endpoint: Endpoint) -> Result<Self, LlmError> {
        let key = endpoint
            .api_key
            .as_ref()
            .map(|k| k.expose().to_string())
            .unwrap_or_default();
        // Explicit values everywhere: the crate's defaults read OPENAI_API_KEY / OPENAI_BASE_URL from the
        // environment, which must never reach an endpoint the settings did not name.
        let config: Box<dyn Config> = match &endpoint.flavor {
            Flavor::Azure {
                deployment,
                api_version,
            } => Box::new(
                AzureConfig::new()
                    .with_api_base(endpoint.base_url.trim_end_matches('/'))
                    .with_api_key(key)
                    .with_deployment_id(deployment)
                    .with_api_version(api_version),
            ),
            Flavor::OpenAi | Flavor::Compatible => Box::new(
                OpenAIConfig::new()
                    .with_api_base(endpoint.base_url.trim_end_matches('/'))
                    .with_api_key(key)
                    .with_org_id("")
                    .with_project_id(""),
            ),
        };
        let http = reqwest::Client::builder()
            .timeout(endpoint.timeout)
            .connect_timeout(endpoint.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| LlmError::Unreachable {
                reason: e.to_string(),
            })?;
        let transport = Transport {
            http: http.clone(),
            headers: endpoint.headers.clone(),
            drop_auth: endpoint.api_key.is_none(),
            max_retries: endpoint.max_retries,
            deadline: endpoint.timeout,
        };
        let client = Client::build(http, config).with_http_service(transport);
        Ok(OpenAiClient { client, endpoint })
    }

    pub fn model(&self) -> &str {
        &self.endpoint.model
    }

    pub fn base_url(&self) -> &str {
        &self.endpoint.base_url
    }

    fn build_request(
        &self,
        req: &ChatRequest,
        stream: bool,
    ) -> Result<CreateChatCompletionRequest, LlmError> {
        let messages = req
            .messages
            .iter()
            .map(|m| match m.role {
                Role::System => {
                    ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage {
                        content: m.content.clone().into(),
                        name: None,
                    })
                }
                Role::User => {
                    ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage {
                        content: m.content.clone().into(),
                        name: None,
                    })
                }
                Role::Assistant => {
                    ChatCompletionRequestMessage::Assistant(ChatCompletionRequestAssistantMessage {
                        content: Some(m.content.clone().into()),
                        ..Default::default()
                    })
                }
            })
            .collect();
        let mut out = CreateChatCompletionRequest {
            model: self.endpoint.model.clone(),
            messages,
            temperature: req.temperature.or(self.endpoint.temperature),
            response_format: req.schema.as_ref().map(|s| ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: None,
                    name: s.name.to_string(),
                    schema: s.schema.clone(),
                    strict: Some(s.strict),
                },
            }),
            ..Default::default()
        };
        match self.endpoint.flavor {
            // OpenAI and Azure deprecated `max_tokens` (reasoning models reject it).
            Flavor::OpenAi | Flavor::Azure { .. } => {
                out.max_completion_tokens = Some(req.max_tokens);
                if stream {
                    out.stream_options = Some(ChatCompletionStreamOptions {
                        include_usage: Some(true),
                        include_obfuscation: None,
                    });
                }
            }
            // Every compatible server knows `max_tokens`; not all know the newer name.
            Flavor::Compatible => {
                #[allow(deprecated)]
                {
                    out.max_tokens = Some(req.max_tokens);
                }
            }
        }
        if stream {
            out.stream = Some(true);
        }
        Ok(out)
    }

    /// One completion (retries on 429/503 inside the deadline).
    pub async fn complete(&self, req: &ChatRequest) -> Result<ChatReply, LlmError> {
        let request = self.build_request(req, false)?;
        let seconds = self.endpoint.timeout.as_secs();
        let response = tokio::time::timeout(self.endpoint.timeout, async {
            self.client.chat().create(request).await
        })
        .await
        .map_err(|_| LlmError::Timeout { seconds })?
        .map_err(|e| map_error(e, seconds))?;
        let content = response
            .choices
            .first()
            .and_then(|c| c.message.content.clone())
            .ok_or_else(|| LlmError::BadResponse {
                reason: "the completion has no message text".into(),
            })?;
        let (prompt_tokens, completion_tokens) = match &response.usage {
            Some(u) => (u.prompt_tokens, u.completion_tokens),
            None => (
                estimate_tokens(&req.prompt_text()),
                estimate_tokens(&content),
            ),
        };
        Ok(ChatReply {
            content,
            prompt_tokens,
            completion_tokens,
        })
    }

    /// A streamed completion: `on_delta` sees each piece of text as it arrives; the whole text is
    /// returned once the stream ends (`[DONE]`). The deadline covers the whole stream.
    pub async fn stream(
        &self,
        req: &ChatRequest,
        on_delta: &mut (dyn FnMut(&str) + Send),
    ) -> Result<ChatReply, LlmError> {
        let request = self.build_request(req, true)?;
        let seconds = self.endpoint.timeout.as_secs();
        let started = Instant::now();
        let deadline = self.endpoint.timeout;
        let mut stream = tokio::time::timeout(deadline, self.client.chat().create_stream(request))
            .await
            .map_err(|_| LlmError::Timeout { seconds })?
            .map_err(|e| map_error(e, seconds))?;
        let mut content = String::new();
        let mut usage = None;
        loop {
            let left = deadline.saturating_sub(started.elapsed());
            let next = tokio::time::timeout(left, stream.next())
                .await
                .map_err(|_| LlmError::Timeout { seconds })?;
            let Some(chunk) = next else { break };
            let chunk = chunk.map_err(|e| map_error(e, seconds))?;
            for choice in &chunk.choices {
                if let Some(text) = &choice.delta.content {
                    on_delta(text);
                    content.push_str(text);
                }
            }
            if let Some(u) = &chunk.usage {
                usage = Some((u.prompt_tokens, u.completion_tokens));
            }
        }
        let (prompt_tokens, completion_tokens) = usage.unwrap_or_else(|| {
            (
                estimate_tokens(&req.prompt_text()),
                estimate_tokens(&content),
            )
        });
        Ok(ChatReply {
            content,
            prompt_tokens,
            completion_tokens,
        })
    }
}

/// `async-openai`'s error → ours (status, timeout, unreachable, unreadable answer).
fn map_error(e: OpenAIError, seconds: u64) -> LlmError {
    match e {
        OpenAIError::Boxed(inner) => match inner.downcast::<HttpFailure>() {
            Ok(f) => from_status(f.status, f.retry_after, &f.body),
            Err(other) => LlmError::Unreachable {
                reason: snippet(&other.to_string(), 200),
            },
        },
        OpenAIError::Reqwest(e) if e.is_timeout() => LlmError::Timeout { seconds },
        OpenAIError::Reqwest(e) if e.is_connect() => LlmError::Unreachable {
            reason: snippet(&without_url(e), 200),
        },
        OpenAIError::Reqwest(e) if e.is_decode() || e.is_body() => LlmError::BadResponse {
            reason: snippet(&without_url(e), 200),
        },
        OpenAIError::Reqwest(e) => LlmError::Unreachable {
            reason: snippet(&without_url(e), 200),
        },
        OpenAIError::ApiError(api) => {
            from_status(api.status_code.as_u16(), None, &api.api_error.message)
        }
        OpenAIError::JSONDeserialize(err, _) => LlmError::BadResponse {
            reason: format!(
                "the endpoint's answer is not a chat completion ({})",
                snippet(&err.to_string(), 120)
            ),
        },
        OpenAIError::StreamError(e) => LlmError::BadResponse {
            reason: format!("the stream broke: {}", snippet(&e.to_string(), 160)),
        },
        other => LlmError::BadResponse {
            reason: snippet(&other.to_string(), 200),
        },
    }
}

/// reqwest's message without the URL (it reads better; keys are never in URLs here anyway).
fn without_url(e: reqwest::Error) -> String {
    e.without_url().to_string()
}

fn from_status(status: u16, retry_after: Option<Duration>, body: &str) -> LlmError {
    match status {
        401 | 403 => LlmError::Unauthorized { status },
        429 => LlmError::RateLimited { retry_after },
        _ => LlmError::Status {
            status,
            message: error_message(body),
        },
    }
}

/// The `error.message` of an OpenAI-style error body, else the body itself (shortened).
fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.get("error"))
                .or_else(|| v.get("message"))
        })
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| body.to_string());
    snippet(&message, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_give_their_message() {
        assert_eq!(
            error_message(r#"{"error":{"message":"bad key","type":"invalid_request_error"}}"#),
            "bad key"
        );
        assert_eq!(error_message("upstream exploded"), "upstream exploded");
        assert!(matches!(
            from_status(401, None, ""),
            LlmError::Unauthorized { status: 401 }
        ));
        assert!(matches!(
            from_status(429, Some(Duration::from_secs(3)), ""),
            LlmError::RateLimited { .. }
        ));
    }

    #[test]
    fn token_estimate_counts_hangul_densely() {
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
        assert_eq!(estimate_tokens("에러"), 2);
        assert_eq!(estimate_tokens(""), 0);
    }
}
