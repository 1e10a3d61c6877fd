//! Connection flags shared by every command that talks to Loki, Tempo or an LLM. They fill the same
//! [`RawSettings`] Grafana's `jsonData`/`secureJsonData` give, so both paths share one validation.
//! Secrets never go on the command line: they come from `QUERENT_LOKI_PASSWORD`, `QUERENT_LOKI_TOKEN`,
//! `QUERENT_TEMPO_PASSWORD`, `QUERENT_TEMPO_TOKEN` and `QUERENT_LLM_API_KEY`.

use anyhow::Context;

use crate::settings::{Lenient, RawSettings, Secret, Settings};

/// Environment variables holding secrets, and the `secureJsonData` key each fills.
pub const SECRET_ENV: &[(&str, &str)] = &[
    ("QUERENT_LOKI_PASSWORD", "lokiPassword"),
    ("QUERENT_LOKI_TOKEN", "lokiToken"),
    ("QUERENT_TEMPO_PASSWORD", "tempoPassword"),
    ("QUERENT_TEMPO_TOKEN", "tempoToken"),
    ("QUERENT_LLM_API_KEY", "llmApiKey"),
];

/// Where Loki, Tempo and the LLM are, and how to reach them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConnectionArgs {
    /// Loki base URL, e.g. http://localhost:3100
    #[arg(long, value_name = "URL", env = "QUERENT_LOKI_URL")]
    pub loki: Option<String>,
    /// Tempo base URL, e.g. http://localhost:3200
    #[arg(long, value_name = "URL", env = "QUERENT_TEMPO_URL")]
    pub tempo: Option<String>,
    /// Loki basic-auth user (password from QUERENT_LOKI_PASSWORD; a bearer token from QUERENT_LOKI_TOKEN)
    #[arg(long, value_name = "USER")]
    pub loki_user: Option<String>,
    /// Tempo basic-auth user (password from QUERENT_TEMPO_PASSWORD; a bearer token from QUERENT_TEMPO_TOKEN)
    #[arg(long, value_name = "USER")]
    pub tempo_user: Option<String>,
    /// Loki tenant, sent as X-Scope-OrgID
    #[arg(long, value_name = "TENANT")]
    pub loki_tenant: Option<String>,
    /// Tempo tenant, sent as X-Scope-OrgID
    #[arg(long, value_name = "TENANT")]
    pub tempo_tenant: Option<String>,
    /// Extra header for Loki, `Name: value` (repeatable)
    #[arg(long, value_name = "HEADER")]
    pub loki_header: Vec<String>,
    /// Extra header for Tempo, `Name: value` (repeatable)
    #[arg(long, value_name = "HEADER")]
    pub tempo_header: Vec<String>,
    /// Seconds per request to Loki/Tempo [default: 30]
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Log line limit when a query gives none [default: 1000]
    #[arg(long, value_name = "N")]
    pub max_lines: Option<u32>,
    /// Trace limit when a query gives none [default: 20]
    #[arg(long, value_name = "N")]
    pub max_traces: Option<u32>,
    /// LLM provider: none, openai, azure, openai-compatible, grafana-llm-app
    #[arg(long, value_name = "PROVIDER")]
    pub llm_provider: Option<String>,
    /// OpenAI-compatible endpoint (API key from QUERENT_LLM_API_KEY)
    #[arg(long, value_name = "URL")]
    pub llm_base_url: Option<String>,
    /// LLM model name
    #[arg(long, value_name = "NAME")]
    pub llm_model: Option<String>,
    /// What the LLM may see: off, metadata, redacted, full [default: metadata]
    #[arg(long, value_name = "MODE")]
    pub privacy: Option<String>,
    /// LLM translation mode: slots, query, auto [default: slots]
    #[arg(long, value_name = "MODE")]
    pub llm_mode: Option<String>,
    /// When the LLM translates: fallback (rules clarify or miss words), always, never [default: fallback]
    #[arg(long, value_name = "WHEN")]
    pub llm_translate: Option<String>,
    /// Seconds per LLM call [default: 120]
    #[arg(long, value_name = "SECONDS")]
    pub llm_timeout: Option<f64>,
    /// Completion token limit per LLM call [default: 400]
    #[arg(long, value_name = "N")]
    pub llm_max_tokens: Option<u32>,
    /// Extra header for the LLM endpoint, `Name: value` (repeatable; e.g. a gateway key)
    #[arg(long, value_name = "HEADER")]
    pub llm_header: Vec<String>,
}

impl ConnectionArgs {
    /// The settings these flags and the process environment describe.
    pub fn raw_settings(&self) -> anyhow::Result<RawSettings> {
        self.raw_settings_with(|name| std::env::var(name).ok())
    }

    /// As [`ConnectionArgs::raw_settings`], reading secrets through `env` (tests pass a map).
    pub fn raw_settings_with(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<RawSettings> {
        let mut raw = RawSettings {
            loki_url: self.loki.clone(),
            tempo_url: self.tempo.clone(),
            loki_user: self.loki_user.clone(),
            tempo_user: self.tempo_user.clone(),
            loki_tenant: self.loki_tenant.clone(),
            tempo_tenant: self.tempo_tenant.clone(),
            timeout_seconds: self.timeout.map(|t| Lenient(t.to_string())),
            max_lines: self.max_lines.map(|n| Lenient(n.to_string())),
            max_traces: self.max_traces.map(|n| Lenient(n.to_string())),
            llm_provider: self.llm_provider.clone(),
            llm_base_url: self.llm_base_url.clone(),
            llm_model: self.llm_model.clone(),
            llm_privacy: self.privacy.clone(),
            llm_timeout_seconds: self.llm_timeout.map(|t| Lenient(t.to_string())),
            llm_max_tokens: self.llm_max_tokens.map(|n| Lenient(n.to_string())),
            ..RawSettings::default()
        };
        for (key, value) in [
            ("llmMode", &self.llm_mode),
            ("llmTranslate", &self.llm_translate),
        ] {
            if let Some(v) = value {
                raw.extra
                    .insert(key.to_string(), serde_json::Value::String(v.clone()));
            }
        }
        for (var, key) in SECRET_ENV {
            if let Some(value) = env(var).filter(|v| !v.is_empty()) {
                raw.set_secure(key, Secret::new(value));
            }
        }
        for (prefix, headers, flag) in [
            ("loki", &self.loki_header, "--loki-header"),
            ("tempo", &self.tempo_header, "--tempo-header"),
            ("llm", &self.llm_header, "--llm-header"),
        ] {
            for header in headers {
                let (name, value) = header
                    .split_once(':')
                    .or_else(|| header.split_once('='))
                    .with_context(|| format!("{flag} `{header}` must look like `Name: value`"))?;
                raw.push_header(prefix, name.trim(), Secret::new(value.trim()));
            }
        }
        Ok(raw)
    }

    /// The LLM these flags describe (none without `--llm-provider`/`--llm-base-url`, or with
    /// `--privacy off`). `--llm-base-url` alone means an OpenAI-compatible server.
    pub fn llm(&self) -> anyhow::Result<Option<std::sync::Arc<crate::llm::Llm>>> {
        let mut raw = self.raw_settings()?;
        if raw.llm_provider.is_none() && raw.llm_base_url.is_some() {
            raw.llm_provider = Some("openai-compatible".into());
        }
        let settings = Settings::from_raw(&raw)
            .map_err(|e| anyhow::anyhow!("{}", in_cli_words(&e.to_string())))?;
        Ok(crate::llm::Llm::from_settings(&raw, &settings)
            .map_err(|e| anyhow::anyhow!("{}", in_cli_words(&e.to_string())))?
            .map(std::sync::Arc::new))
    }

    /// Validated settings; the message names the flag's setting when something is wrong.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let raw = self.raw_settings()?;
        Settings::from_raw(&raw).map_err(|e| anyhow::anyhow!("{}", in_cli_words(&e.to_string())))
    }
}

/// Settings keys and the flag or environment variable that sets each in the CLI.
const CLI_NAMES: &[(&str, &str)] = &[
    ("lokiUrl", "--loki"),
    ("tempoUrl", "--tempo"),
    ("lokiUser", "--loki-user"),
    ("tempoUser", "--tempo-user"),
    ("lokiTenant", "--loki-tenant"),
    ("tempoTenant", "--tempo-tenant"),
    ("timeoutSeconds", "--timeout"),
    ("maxLines", "--max-lines"),
    ("maxTraces", "--max-traces"),
    ("llmProvider", "--llm-provider"),
    ("llmBaseUrl", "--llm-base-url"),
    ("llmPrivacy", "--privacy"),
    ("llmModel", "--llm-model"),
    ("llmMode", "--llm-mode"),
    ("llmTranslate", "--llm-translate"),
    ("llmTimeoutSeconds", "--llm-timeout"),
    ("llmMaxTokens", "--llm-max-tokens"),
    ("lokiPassword", "QUERENT_LOKI_PASSWORD"),
    ("lokiToken", "QUERENT_LOKI_TOKEN"),
    ("tempoPassword", "QUERENT_TEMPO_PASSWORD"),
    ("tempoToken", "QUERENT_TEMPO_TOKEN"),
    ("llmApiKey", "QUERENT_LLM_API_KEY"),
];

/// A settings message in CLI words: `` `lokiUrl` `` becomes `` `--loki` ``.
fn in_cli_words(message: &str) -> String {
    CLI_NAMES.iter().fold(message.to_string(), |m, (key, cli)| {
        m.replace(&format!("`{key}`"), &format!("`{cli}`"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Auth;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        connection: ConnectionArgs,
    }

    fn parse(args: &[&str]) -> ConnectionArgs {
        Cli::try_parse_from(std::iter::once("querent").chain(args.iter().copied()))
            .unwrap()
            .connection
    }

    #[test]
    fn flags_and_env_fill_the_same_settings_as_grafana() {
        let args = parse(&[
            "--loki",
            "http://loki:3100",
            "--tempo",
            "http://tempo:3200",
            "--loki-user",
            "grafana",
            "--tempo-tenant",
            "team-b",
            "--tempo-header",
            "X-Extra: 1",
            "--timeout",
            "2.5",
            "--max-lines",
            "50",
            "--privacy",
            "full",
        ]);
        let env = |name: &str| match name {
            "QUERENT_LOKI_PASSWORD" => Some("pw".to_string()),
            "QUERENT_LLM_API_KEY" => Some("sk".to_string()),
            _ => None,
        };
        let raw = args.raw_settings_with(env).unwrap();
        let s = Settings::from_raw(&raw).unwrap();
        assert_eq!(
            s.loki.unwrap().auth,
            Auth::Basic {
                user: "grafana".into(),
                password: Secret::new("pw")
            }
        );
        let tempo = s.tempo.unwrap();
        assert_eq!(tempo.tenant.as_deref(), Some("team-b"));
        assert_eq!(tempo.headers, vec![("X-Extra".into(), Secret::new("1"))]);
        assert_eq!(s.timeout.as_millis(), 2500);
        assert_eq!(s.limits.max_lines.get(), 50);
        assert_eq!(s.llm.privacy, crate::settings::Privacy::Full);
        assert_eq!(s.llm.api_key, Some(Secret::new("sk")));
    }

    #[test]
    fn bad_values_are_reported_with_the_setting_name() {
        let err = parse(&["--loki", "loki:3100"]).settings().unwrap_err();
        assert!(
            err.to_string().starts_with("`--loki` is not a valid URL"),
            "{err}"
        );
        let err = parse(&["--loki-header", "nonsense"])
            .raw_settings_with(|_| None)
            .unwrap_err();
        assert!(err.to_string().contains("--loki-header"), "{err}");
        assert_eq!(
            in_cli_words("`lokiAuth` is `bearer` but `lokiToken` is not set"),
            "`lokiAuth` is `bearer` but `QUERENT_LOKI_TOKEN` is not set"
        );
    }
}
