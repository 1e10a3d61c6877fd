//! The provider factory: `llmProvider` and friends → a client, or none.
//!
//! - `openai`: `https://api.openai.com/v1` unless `llmBaseUrl` says otherwise; model default `gpt-4o-mini`.
//! - `azure`: `llmBaseUrl` is the resource (`https://NAME.openai.azure.com`), the deployment is
//!   `llmAzureDeployment` (default: `llmModel`), `api-version` from `llmAzureApiVersion`; the key goes in
//!   the `api-key` header.
//! - `openai-compatible`: `llmBaseUrl` is required (`http://ollama:11434/v1`, `http://127.0.0.1:8080/v1`).
//! - `grafana-llm-app`: Grafana's LLM app proxies OpenAI-compatible requests at
//!   `<grafana>/api/plugins/grafana-llm-app/resources/openai/v1`. `llmBaseUrl` is Grafana's URL and the
//!   key a Grafana service-account token (`llmApiKey`), or the token Grafana gives plugins with
//!   `GF_PLUGIN_APP_CLIENT_SECRET` when it is set. (The plugin SDK 0.5 protocol drops the
//!   `grafanaConfig` of the plugin context, so Grafana's own URL and token cannot be read from requests;
//!   they must be configured.) Model default `base` (the app's abstract model).
//! - `fake`: the scripted model of `llmFakeScript`.

use std::sync::Arc;

use super::client::{ChatReply, ChatRequest, Endpoint, Flavor, OpenAiClient};
use super::error::LlmError;
use super::fake::FakeModel;
use super::options::LlmOptions;
use crate::settings::{LlmProvider, LlmSettings, Secret, SettingsError};

/// Where Grafana's LLM app answers OpenAI-style requests, below Grafana's URL.
pub const GRAFANA_LLM_APP_PATH: &str = "api/plugins/grafana-llm-app/resources/openai/v1";

/// A configured model.
#[derive(Debug, Clone)]
pub enum Provider {
    OpenAi(Arc<OpenAiClient>),
    Fake(Arc<FakeModel>),
}

impl Provider {
    /// The provider the settings name, or `None` for `none`.
    pub fn from_settings(
        llm: &LlmSettings,
        options: &LlmOptions,
    ) -> Result<Option<Provider>, SettingsError> {
        let base = llm.base_url.as_ref().map(|u| u.as_str().to_string());
        let missing_url = |provider: &str| SettingsError::MissingCredential {
            key: "llmProvider".into(),
            mode: "set",
            missing: format!("llmBaseUrl (the {provider} endpoint)"),
        };
        let (flavor, base_url, model, api_key) = match llm.provider {
            LlmProvider::None => return Ok(None),
            LlmProvider::Fake => {
                return Ok(Some(Provider::Fake(Arc::new(FakeModel::new(
                    options.fake_script.clone(),
                    llm.timeout,
                )))));
            }
            LlmProvider::OpenAi => (
                Flavor::OpenAi,
                base.unwrap_or_else(|| "https://api.openai.com/v1".into()),
                llm.model.clone().unwrap_or_else(|| "gpt-4o-mini".into()),
                llm.api_key.clone(),
            ),
            LlmProvider::Azure => {
                let base = base.ok_or_else(|| missing_url("Azure OpenAI resource"))?;
                let deployment = options
                    .azure_deployment
                    .clone()
                    .or_else(|| llm.model.clone())
                    .ok_or_else(|| SettingsError::MissingCredential {
                        key: "llmProvider".into(),
                        mode: "azure",
                        missing: "llmAzureDeployment (or llmModel)".into(),
                    })?;
                (
                    Flavor::Azure {
                        deployment: deployment.clone(),
                        api_version: options.azure_api_version.clone(),
                    },
                    base,
                    deployment,
                    llm.api_key.clone(),
                )
            }
            LlmProvider::OpenAiCompatible => (
                Flavor::Compatible,
                base.ok_or_else(|| missing_url("OpenAI-compatible"))?,
                llm.model.clone().unwrap_or_else(|| "default".into()),
                llm.api_key.clone(),
            ),
            LlmProvider::GrafanaLlmApp => {
                let grafana = base.ok_or_else(|| missing_url("Grafana"))?;
                let key = llm.api_key.clone().or_else(|| {
                    std::env::var("GF_PLUGIN_APP_CLIENT_SECRET")
                        .ok()
                        .filter(|s| !s.is_empty())
                        .map(Secret::new)
                });
                (
                    Flavor::Compatible,
                    format!("{}/{GRAFANA_LLM_APP_PATH}", grafana.trim_end_matches('/')),
                    llm.model.clone().unwrap_or_else(|| "base".into()),
                    key,
                )
            }
        };
        let endpoint = Endpoint {
            flavor,
            base_url,
            model,
            api_key,
            headers: llm.headers.clone(),
            timeout: llm.timeout,
            temperature: llm.temperature,
            max_retries: options.max_retries,
        };
        let client = OpenAiClient::new(endpoint).map_err(|e| SettingsError::InvalidChoice {
            key: "llmBaseUrl".into(),
            value: e.to_string(),
            expected: "a reachable endpoint configuration",
        })?;
        Ok(Some(Provider::OpenAi(Arc::new(client))))
    }

    /// The model name, for answers that say which model wrote them.
    pub fn model(&self) -> &str {
        match self {
            Provider::OpenAi(c) => c.model(),
            Provider::Fake(_) => "fake",
        }
    }

    pub async fn complete(&self, req: &ChatRequest) -> Result<ChatReply, LlmError> {
        match self {
            Provider::OpenAi(c) => c.complete(req).await,
            Provider::Fake(f) => f.complete(req).await,
        }
    }

    pub async fn stream(
        &self,
        req: &ChatRequest,
        on_delta: &mut (dyn FnMut(&str) + Send),
    ) -> Result<ChatReply, LlmError> {
        match self {
            Provider::OpenAi(c) => c.stream(req, on_delta).await,
            Provider::Fake(f) => f.stream(req, on_delta).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{RawSettings, Settings};
    use serde_json::json;

    fn build(v: serde_json::Value) -> Result<Option<Provider>, SettingsError> {
        let raw: RawSettings = serde_json::from_value(v).unwrap();
        let settings = Settings::from_raw(&raw)?;
        Provider::from_settings(&settings.llm, &LlmOptions::from_raw(&raw)?)
    }

    #[test]
    fn factory_builds_each_provider() {
        assert!(build(json!({})).unwrap().is_none());
        let p = build(json!({"llmProvider": "openai"})).unwrap().unwrap();
        assert_eq!(p.model(), "gpt-4o-mini");
        let Provider::OpenAi(c) = &p else { panic!() };
        assert_eq!(c.base_url(), "https://api.openai.com/v1");
        let p =
            build(json!({"llmProvider": "grafana-llm-app", "llmBaseUrl": "http://grafana:3000/"}))
                .unwrap()
                .unwrap();
        let Provider::OpenAi(c) = &p else { panic!() };
        assert_eq!(
            c.base_url(),
            "http://grafana:3000/api/plugins/grafana-llm-app/resources/openai/v1"
        );
        assert_eq!(p.model(), "base");
        let p = build(json!({"llmProvider": "azure", "llmBaseUrl": "https://x.openai.azure.com", "llmModel": "gpt4o"}))
            .unwrap()
            .unwrap();
        assert_eq!(p.model(), "gpt4o");
        assert!(matches!(
            build(json!({"llmProvider": "fake"})).unwrap(),
            Some(Provider::Fake(_))
        ));
    }

    #[test]
    fn compatible_and_azure_need_a_url() {
        let err = build(json!({"llmProvider": "openai-compatible"})).unwrap_err();
        assert!(err.to_string().contains("llmBaseUrl"), "{err}");
        let err = build(json!({"llmProvider": "azure", "llmModel": "m"})).unwrap_err();
        assert!(err.to_string().contains("llmBaseUrl"), "{err}");
    }
}
