//! Datasource settings: what Grafana's `jsonData`/`secureJsonData` (or the CLI flags) say, validated once.
//!
//! [`RawSettings`] mirrors the keys of `docs/architecture.md` one to one, every field optional, so that the
//! config editor, provisioning files and the CLI all fill the same struct. [`Settings::from_raw`] turns it
//! into typed values (`Url`s, `Duration`s, an [`Auth`] enum, non-zero limits) and rejects bad input with
//! a message that names the option. Secrets sit in [`Secret`], whose `Debug` and `Display` print `***`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use url::Url;

/// Per request to Loki or Tempo. Long enough for a 6-hour LogQL metric query on a small cluster, short
/// enough that a dead peer does not hold a Grafana panel for minutes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Log lines when the query gives no limit: Grafana's own Loki default.
pub const DEFAULT_MAX_LINES: NonZeroU32 = NonZeroU32::new(1000).expect("non-zero");
/// Traces per search when the query gives no limit: Grafana's own Tempo default.
pub const DEFAULT_MAX_TRACES: NonZeroU32 = NonZeroU32::new(20).expect("non-zero");
/// Largest response body read from Loki/Tempo. A 5000-line Loki answer with stats is ~3 MiB; this leaves
/// room for big traces while keeping one runaway query from exhausting the plugin's memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: NonZeroUsize =
    NonZeroUsize::new(64 * 1024 * 1024).expect("non-zero");
/// Requests in flight to one backend (Loki or Tempo) per datasource: enough for a busy dashboard, few
/// enough that a refresh storm queues in the plugin instead of piling onto Loki's queriers.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: NonZeroUsize = NonZeroUsize::new(32).expect("non-zero");
/// How long an answer is reused for an identical query: covers the panels of one dashboard refresh
/// and bursts of refreshes, short enough that nobody reads stale data.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(10);
/// Memory the response cache may hold; one answer over an eighth of it is shared but not kept.
pub const DEFAULT_CACHE_MAX_BYTES: usize = 64 * 1024 * 1024;
/// Longest time range a query covers: Loki's own default `max_query_length` (721h), so nothing Loki
/// would have answered is narrowed.
pub const DEFAULT_MAX_QUERY_RANGE: Duration = Duration::from_secs(721 * 3600);
/// LLM calls are slow (local models especially); two minutes matches Grafana's LLM app.
pub const DEFAULT_LLM_TIMEOUT: Duration = Duration::from_secs(120);
/// Upper bound for every timeout option: beyond this Grafana has long given up on the request.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);

/// How many numbered custom headers (`lokiHeaderName1..N`) are read at most.
const MAX_CUSTOM_HEADERS: u32 = 32;

/// A secret value (password, token, API key). Printing it never shows the value.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The value, for the one place that sends it (an HTTP header).
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A number that Grafana's editor may have stored as a JSON number or as a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Lenient(pub String);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(Lenient(s.trim().to_string())),
            Value::Number(n) => Ok(Lenient(n.to_string())),
            Value::Bool(b) => Ok(Lenient(b.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a number, got `{other}`"
            ))),
        }
    }
}

/// `jsonData` + `secureJsonData` of the datasource (or the CLI flags), unvalidated. Every key of
/// `docs/architecture.md`; unknown keys are kept in `extra` (Grafana adds its own).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawSettings {
    /// Loki base URL, e.g. `http://loki:3100` (a path prefix is kept).
    pub loki_url: Option<String>,
    /// Tempo base URL, e.g. `http://tempo:3200`.
    pub tempo_url: Option<String>,
    /// `none`, `basic` or `bearer`; absent: inferred from which secret is set.
    pub loki_auth: Option<String>,
    /// `none`, `basic` or `bearer`; absent: inferred from which secret is set.
    pub tempo_auth: Option<String>,
    /// Basic-auth user for Loki.
    pub loki_user: Option<String>,
    /// Basic-auth user for Tempo.
    pub tempo_user: Option<String>,
    /// Sent to Loki as `X-Scope-OrgID` (multi-tenant Loki).
    pub loki_tenant: Option<String>,
    /// Sent to Tempo as `X-Scope-OrgID` (multi-tenant Tempo).
    pub tempo_tenant: Option<String>,
    /// Seconds per request to Loki/Tempo (default 30; fractions allowed).
    pub timeout_seconds: Option<Lenient>,
    /// Log line limit when a query gives none (default 1000).
    pub max_lines: Option<Lenient>,
    /// Trace search limit when a query gives none (default 20).
    pub max_traces: Option<Lenient>,
    /// Largest Loki/Tempo response body read, in bytes (default 64 MiB); a larger log answer is cut.
    pub max_response_bytes: Option<Lenient>,
    /// Requests in flight to each of Loki and Tempo at most (default 32).
    pub max_concurrent_requests: Option<Lenient>,
    /// Seconds an answer is reused for an identical query (default 10; 0 turns the cache off).
    pub cache_ttl_seconds: Option<Lenient>,
    /// Bytes the response cache may hold (default 64 MiB).
    pub cache_max_bytes: Option<Lenient>,
    /// Bytes a log or LogQL metric query may make Loki scan, from `index/stats` (default: no check).
    pub max_scan_bytes: Option<Lenient>,
    /// Over `maxScanBytes`: `narrow` the time range to what fits (default) or `refuse` the query.
    pub scan_budget_action: Option<String>,
    /// Longest time range of a query, in hours (default 721); a longer one keeps its end.
    pub max_query_range_hours: Option<Lenient>,
    /// `none` (default), `openai`, `azure`, `openai-compatible`, `grafana-llm-app`, `fake` (tests).
    pub llm_provider: Option<String>,
    /// OpenAI-compatible endpoint base, e.g. `http://ollama:11434/v1`.
    pub llm_base_url: Option<String>,
    /// Model name sent to the LLM endpoint.
    pub llm_model: Option<String>,
    /// Seconds per LLM call (default 120).
    pub llm_timeout_seconds: Option<Lenient>,
    /// What the LLM may see: `off`, `metadata` (default), `redacted`, `full`.
    pub llm_privacy: Option<String>,
    /// Generation limit passed to the LLM.
    pub llm_max_tokens: Option<Lenient>,
    /// Sampling temperature passed to the LLM (0..=2).
    pub llm_temperature: Option<Lenient>,
    /// Everything else in `jsonData`, including `lokiHeaderName1..N`, `tempoHeaderName1..N` and
    /// `llmHeaderName1..N`.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,

    /// `secureJsonData.lokiPassword`.
    #[serde(skip)]
    pub loki_password: Option<Secret>,
    /// `secureJsonData.lokiToken` (bearer).
    #[serde(skip)]
    pub loki_token: Option<Secret>,
    /// `secureJsonData.tempoPassword`.
    #[serde(skip)]
    pub tempo_password: Option<Secret>,
    /// `secureJsonData.tempoToken` (bearer).
    #[serde(skip)]
    pub tempo_token: Option<Secret>,
    /// `secureJsonData.llmApiKey`.
    #[serde(skip)]
    pub llm_api_key: Option<Secret>,
    /// Every other `secureJsonData` key, including `lokiHeaderValue1..N` and friends.
    #[serde(skip)]
    pub secure_extra: BTreeMap<String, Secret>,
}

impl RawSettings {
    /// Reads Grafana's `jsonData` bytes (empty means `{}`) and decrypted `secureJsonData`.
    pub fn from_grafana(
        json_data: &[u8],
        secure: &HashMap<String, String>,
    ) -> Result<Self, SettingsError> {
        let mut raw: RawSettings = if json_data.iter().all(u8::is_ascii_whitespace) {
            RawSettings::default()
        } else {
            serde_json::from_slice(json_data).map_err(|e| SettingsError::JsonData {
                reason: e.to_string(),
            })?
        };
        for (key, value) in secure {
            raw.set_secure(key, Secret::new(value.clone()));
        }
        Ok(raw)
    }

    /// Stores one `secureJsonData` key in its field.
    pub fn set_secure(&mut self, key: &str, value: Secret) {
        let slot = match key {
            "lokiPassword" => &mut self.loki_password,
            "lokiToken" => &mut self.loki_token,
            "tempoPassword" => &mut self.tempo_password,
            "tempoToken" => &mut self.tempo_token,
            "llmApiKey" => &mut self.llm_api_key,
            _ => {
                self.secure_extra.insert(key.to_string(), value);
                return;
            }
        };
        *slot = Some(value);
    }

    /// Adds a custom header the way Grafana stores it: the name in `jsonData.<prefix>HeaderNameN`, the
    /// value in `secureJsonData.<prefix>HeaderValueN` (`prefix` is `loki`, `tempo` or `llm`).
    pub fn push_header(&mut self, prefix: &str, name: &str, value: Secret) {
        let n = (1..)
            .find(|n| !self.extra.contains_key(&format!("{prefix}HeaderName{n}")))
            .unwrap_or(1);
        self.extra.insert(
            format!("{prefix}HeaderName{n}"),
            Value::String(name.to_string()),
        );
        self.secure_extra
            .insert(format!("{prefix}HeaderValue{n}"), value);
    }
}

/// Which peer an option belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    Loki,
    Tempo,
}

impl Peer {
    pub fn name(self) -> &'static str {
        match self {
            Peer::Loki => "Loki",
            Peer::Tempo => "Tempo",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Peer::Loki => "loki",
            Peer::Tempo => "tempo",
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to authenticate to a peer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Auth {
    #[default]
    None,
    Basic {
        user: String,
        password: Secret,
    },
    Bearer {
        token: Secret,
    },
}

/// Connection settings of one peer (Loki or Tempo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerSettings {
    pub peer: Peer,
    /// Base URL without credentials; API paths are appended to its path.
    pub url: Url,
    pub auth: Auth,
    /// Sent as `X-Scope-OrgID`.
    pub tenant: Option<String>,
    /// Extra headers (validated names; values are secrets).
    pub headers: Vec<(String, Secret)>,
}

/// Guardrails on what one query may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_lines: NonZeroU32,
    pub max_traces: NonZeroU32,
    pub max_response_bytes: NonZeroUsize,
    /// Per backend.
    pub max_concurrent_requests: NonZeroUsize,
    /// Zero: no cache.
    pub cache_ttl: Duration,
    pub cache_max_bytes: usize,
    /// `None`: no `index/stats` check.
    pub max_scan_bytes: Option<u64>,
    pub scan_budget_action: ScanBudgetAction,
    /// `None`: any range.
    pub max_query_range: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_lines: DEFAULT_MAX_LINES,
            max_traces: DEFAULT_MAX_TRACES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            cache_ttl: DEFAULT_CACHE_TTL,
            cache_max_bytes: DEFAULT_CACHE_MAX_BYTES,
            max_scan_bytes: None,
            scan_budget_action: ScanBudgetAction::Narrow,
            max_query_range: Some(DEFAULT_MAX_QUERY_RANGE),
        }
    }
}

/// What a query over `maxScanBytes` gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScanBudgetAction {
    /// Runs over the most recent part of the range that fits, with a notice.
    #[default]
    Narrow,
    /// Fails with a message giving the bytes and the budget.
    Refuse,
}

/// Which LLM endpoint flavour to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LlmProvider {
    #[default]
    None,
    OpenAi,
    Azure,
    OpenAiCompatible,
    GrafanaLlmApp,
    /// A scriptable model inside the plugin (`llmFakeScript`), for tests of the real binary.
    Fake,
}

/// What an LLM may see of the user's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Privacy {
    /// The LLM is not used at all.
    Off,
    /// Only schema metadata (label names, services), never log lines.
    #[default]
    Metadata,
    /// Log lines with identifiers and numbers masked.
    Redacted,
    /// Everything.
    Full,
}

impl Privacy {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "off" => Privacy::Off,
            "metadata" => Privacy::Metadata,
            "redacted" => Privacy::Redacted,
            "full" => Privacy::Full,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Privacy::Off => "off",
            Privacy::Metadata => "metadata",
            Privacy::Redacted => "redacted",
            Privacy::Full => "full",
        }
    }
}

/// LLM settings (used by the optional LLM translator).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LlmSettings {
    pub provider: LlmProvider,
    pub base_url: Option<Url>,
    pub model: Option<String>,
    pub timeout: Duration,
    pub privacy: Privacy,
    pub max_tokens: Option<NonZeroU32>,
    pub temperature: Option<f32>,
    pub api_key: Option<Secret>,
    pub headers: Vec<(String, Secret)>,
}

/// Validated settings of one datasource instance (or one CLI run).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub loki: Option<PeerSettings>,
    pub tempo: Option<PeerSettings>,
    /// Per request to Loki/Tempo.
    pub timeout: Duration,
    pub limits: Limits,
    pub llm: LlmSettings,
}

/// What is wrong with the settings; each message names the option.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum SettingsError {
    #[error("the datasource's jsonData is not a valid JSON object: {reason}")]
    JsonData { reason: String },
    #[error("`{key}` is not a valid URL (`{value}`): {reason}")]
    InvalidUrl {
        key: &'static str,
        value: String,
        reason: String,
    },
    #[error(
        "`{key}` must not contain a user name or password; use `{peer}User` and `{peer}Password` instead"
    )]
    CredentialsInUrl {
        key: &'static str,
        peer: &'static str,
    },
    #[error("`{key}` must be one of {expected}, not `{value}`")]
    InvalidChoice {
        key: String,
        value: String,
        expected: &'static str,
    },
    #[error("`{key}` must be {expected}, not `{value}`")]
    InvalidNumber {
        key: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("`{key}` is `{mode}` but `{missing}` is not set")]
    MissingCredential {
        key: String,
        mode: &'static str,
        missing: String,
    },
    #[error("`{key}` is not a valid HTTP header name: `{name}`")]
    InvalidHeaderName { key: String, name: String },
    #[error("`{key}` is not a valid HTTP header value (control characters are not allowed)")]
    InvalidHeaderValue { key: String },
    #[error("`{key}` contains characters that cannot be sent in an HTTP header")]
    InvalidTenant { key: String },
}

impl Settings {
    /// Validates everything once; the first problem found is returned.
    pub fn from_raw(raw: &RawSettings) -> Result<Settings, SettingsError> {
        let loki = peer_settings(raw, Peer::Loki)?;
        let tempo = peer_settings(raw, Peer::Tempo)?;
        let timeout = parse_timeout("timeoutSeconds", raw.timeout_seconds.as_ref())?
            .unwrap_or(DEFAULT_TIMEOUT);
        let limits = Limits {
            max_lines: parse_non_zero_u32("maxLines", raw.max_lines.as_ref())?
                .unwrap_or(DEFAULT_MAX_LINES),
            max_traces: parse_non_zero_u32("maxTraces", raw.max_traces.as_ref())?
                .unwrap_or(DEFAULT_MAX_TRACES),
            max_response_bytes: match raw.max_response_bytes.as_ref() {
                None => DEFAULT_MAX_RESPONSE_BYTES,
                Some(v) => {
                    v.0.parse::<NonZeroUsize>()
                        .map_err(|_| SettingsError::InvalidNumber {
                            key: "maxResponseBytes",
                            value: v.0.clone(),
                            expected: "a positive whole number of bytes",
                        })?
                }
            },
            max_concurrent_requests: parse_non_zero_u32(
                "maxConcurrentRequests",
                raw.max_concurrent_requests.as_ref(),
            )?
            .and_then(|n| NonZeroUsize::new(n.get() as usize))
            .unwrap_or(DEFAULT_MAX_CONCURRENT_REQUESTS),
            cache_ttl: parse_seconds_or_zero("cacheTtlSeconds", raw.cache_ttl_seconds.as_ref())?
                .unwrap_or(DEFAULT_CACHE_TTL),
            cache_max_bytes: parse_u64("cacheMaxBytes", raw.cache_max_bytes.as_ref())?
                .map_or(DEFAULT_CACHE_MAX_BYTES, |n| n as usize),
            max_scan_bytes: parse_u64("maxScanBytes", raw.max_scan_bytes.as_ref())?
                .filter(|n| *n > 0),
            scan_budget_action: match non_empty(raw.scan_budget_action.as_ref()) {
                None | Some("narrow") => ScanBudgetAction::Narrow,
                Some("refuse") => ScanBudgetAction::Refuse,
                Some(other) => {
                    return Err(SettingsError::InvalidChoice {
                        key: "scanBudgetAction".into(),
                        value: other.to_string(),
                        expected: "`narrow`, `refuse`",
                    });
                }
            },
            max_query_range: match parse_u64(
                "maxQueryRangeHours",
                raw.max_query_range_hours.as_ref(),
            )? {
                None => Some(DEFAULT_MAX_QUERY_RANGE),
                Some(0) => None,
                Some(h) => Some(Duration::from_secs(h.saturating_mul(3600))),
            },
        };
        let llm = llm_settings(raw)?;
        Ok(Settings {
            loki,
            tempo,
            timeout,
            limits,
            llm,
        })
    }

    pub fn peer(&self, peer: Peer) -> Option<&PeerSettings> {
        match peer {
            Peer::Loki => self.loki.as_ref(),
            Peer::Tempo => self.tempo.as_ref(),
        }
    }
}

fn non_empty(value: Option<&String>) -> Option<&str> {
    value.map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn non_empty_secret(value: Option<&Secret>) -> Option<&Secret> {
    value.filter(|s| !s.is_empty())
}

fn peer_settings(raw: &RawSettings, peer: Peer) -> Result<Option<PeerSettings>, SettingsError> {
    let (url_key, url, auth_key, auth, user, password, token, tenant_key, tenant) = match peer {
        Peer::Loki => (
            "lokiUrl",
            &raw.loki_url,
            "lokiAuth",
            &raw.loki_auth,
            &raw.loki_user,
            &raw.loki_password,
            &raw.loki_token,
            "lokiTenant",
            &raw.loki_tenant,
        ),
        Peer::Tempo => (
            "tempoUrl",
            &raw.tempo_url,
            "tempoAuth",
            &raw.tempo_auth,
            &raw.tempo_user,
            &raw.tempo_password,
            &raw.tempo_token,
            "tempoTenant",
            &raw.tempo_tenant,
        ),
    };
    let Some(url_text) = non_empty(url.as_ref()) else {
        return Ok(None);
    };
    let url = parse_http_url(url_key, url_text)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(SettingsError::CredentialsInUrl {
            key: url_key,
            peer: peer.key(),
        });
    }
    let user = non_empty(user.as_ref());
    let password = non_empty_secret(password.as_ref());
    let token = non_empty_secret(token.as_ref());
    let mode = match non_empty(auth.as_ref()) {
        Some(mode) => mode.to_ascii_lowercase(),
        None if token.is_some() => "bearer".into(),
        None if user.is_some() && password.is_some() => "basic".into(),
        None => "none".into(),
    };
    let auth = match mode.as_str() {
        "none" | "" => Auth::None,
        "basic" => {
            let missing = |what: &str| SettingsError::MissingCredential {
                key: auth_key.to_string(),
                mode: "basic",
                missing: format!("{}{what}", peer.key()),
            };
            Auth::Basic {
                user: user.ok_or_else(|| missing("User"))?.to_string(),
                password: password.ok_or_else(|| missing("Password"))?.clone(),
            }
        }
        "bearer" => Auth::Bearer {
            token: token
                .ok_or_else(|| SettingsError::MissingCredential {
                    key: auth_key.to_string(),
                    mode: "bearer",
                    missing: format!("{}Token", peer.key()),
                })?
                .clone(),
        },
        other => {
            return Err(SettingsError::InvalidChoice {
                key: auth_key.to_string(),
                value: other.to_string(),
                expected: "`none`, `basic`, `bearer`",
            });
        }
    };
    let tenant = match non_empty(tenant.as_ref()) {
        Some(t) if reqwest::header::HeaderValue::from_str(t).is_err() => {
            return Err(SettingsError::InvalidTenant {
                key: tenant_key.to_string(),
            });
        }
        t => t.map(str::to_string),
    };
    let headers = custom_headers(raw, peer.key())?;
    Ok(Some(PeerSettings {
        peer,
        url,
        auth,
        tenant,
        headers,
    }))
}

fn parse_http_url(key: &'static str, text: &str) -> Result<Url, SettingsError> {
    let invalid = |reason: String| SettingsError::InvalidUrl {
        key,
        value: redact_userinfo(text),
        reason,
    };
    let url = Url::parse(text).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "the scheme must be http or https, not `{}`",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "a base URL cannot carry a query (`?`) or fragment (`#`)".into(),
        ));
    }
    Ok(url)
}

/// `http://user:pass@host` → `http://***@host`, for messages about invalid URLs.
fn redact_userinfo(text: &str) -> String {
    match (text.find("://"), text.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}***{}", &text[..scheme_end + 3], &text[at..])
        }
        _ => text.to_string(),
    }
}

fn custom_headers(raw: &RawSettings, prefix: &str) -> Result<Vec<(String, Secret)>, SettingsError> {
    let mut headers = Vec::new();
    for n in 1..=MAX_CUSTOM_HEADERS {
        let name_key = format!("{prefix}HeaderName{n}");
        let Some(name) = raw.extra.get(&name_key).and_then(Value::as_str) else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(SettingsError::InvalidHeaderName {
                key: name_key,
                name: name.to_string(),
            });
        }
        let value_key = format!("{prefix}HeaderValue{n}");
        let value = raw
            .secure_extra
            .get(&value_key)
            .cloned()
            .unwrap_or_default();
        if reqwest::header::HeaderValue::from_str(value.expose()).is_err() {
            return Err(SettingsError::InvalidHeaderValue { key: value_key });
        }
        headers.push((name.to_string(), value));
    }
    Ok(headers)
}

fn parse_timeout(
    key: &'static str,
    value: Option<&Lenient>,
) -> Result<Option<Duration>, SettingsError> {
    parse_seconds(
        key,
        value,
        "a number of seconds greater than 0 and at most 600",
        |secs| secs > 0.0 && secs <= MAX_TIMEOUT.as_secs_f64(),
    )
}

/// Seconds (a decimal number) that `allowed` accepts; empty means unset.
fn parse_seconds(
    key: &'static str,
    value: Option<&Lenient>,
    expected: &'static str,
    allowed: impl Fn(f64) -> bool,
) -> Result<Option<Duration>, SettingsError> {
    let Some(Lenient(text)) = value else {
        return Ok(None);
    };
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || SettingsError::InvalidNumber {
        key,
        value: text.clone(),
        expected,
    };
    let secs: f64 = text.parse().map_err(|_| invalid())?;
    if !secs.is_finite() || !allowed(secs) {
        return Err(invalid());
    }
    Ok(Some(Duration::from_secs_f64(secs)))
}

/// A whole number (zero allowed).
fn parse_u64(key: &'static str, value: Option<&Lenient>) -> Result<Option<u64>, SettingsError> {
    match value {
        None => Ok(None),
        Some(Lenient(text)) if text.is_empty() => Ok(None),
        Some(Lenient(text)) => {
            text.parse::<u64>()
                .map(Some)
                .map_err(|_| SettingsError::InvalidNumber {
                    key,
                    value: text.clone(),
                    expected: "a whole number (0 or more)",
                })
        }
    }
}

/// Seconds, zero allowed (zero turns a feature off), at most an hour.
fn parse_seconds_or_zero(
    key: &'static str,
    value: Option<&Lenient>,
) -> Result<Option<Duration>, SettingsError> {
    parse_seconds(key, value, "a number of seconds from 0 to 3600", |secs| {
        (0.0..=3600.0).contains(&secs)
    })
}

fn parse_non_zero_u32(
    key: &'static str,
    value: Option<&Lenient>,
) -> Result<Option<NonZeroU32>, SettingsError> {
    match value {
        None => Ok(None),
        Some(Lenient(text)) if text.is_empty() => Ok(None),
        Some(Lenient(text)) => {
            text.parse::<NonZeroU32>()
                .map(Some)
                .map_err(|_| SettingsError::InvalidNumber {
                    key,
                    value: text.clone(),
                    expected: "a positive whole number",
                })
        }
    }
}

fn llm_settings(raw: &RawSettings) -> Result<LlmSettings, SettingsError> {
    let provider = match non_empty(raw.llm_provider.as_ref()) {
        None | Some("none") => LlmProvider::None,
        Some("openai") => LlmProvider::OpenAi,
        Some("azure") => LlmProvider::Azure,
        Some("openai-compatible") => LlmProvider::OpenAiCompatible,
        Some("grafana-llm-app") => LlmProvider::GrafanaLlmApp,
        Some("fake") => LlmProvider::Fake,
        Some(other) => {
            return Err(SettingsError::InvalidChoice {
                key: "llmProvider".into(),
                value: other.to_string(),
                expected: "`none`, `openai`, `azure`, `openai-compatible`, `grafana-llm-app`, `fake`",
            });
        }
    };
    let base_url = non_empty(raw.llm_base_url.as_ref())
        .map(|u| parse_http_url("llmBaseUrl", u))
        .transpose()?;
    let privacy = match non_empty(raw.llm_privacy.as_ref()) {
        None => Privacy::default(),
        Some(text) => Privacy::parse(text).ok_or_else(|| SettingsError::InvalidChoice {
            key: "llmPrivacy".into(),
            value: text.to_string(),
            expected: "`off`, `metadata`, `redacted`, `full`",
        })?,
    };
    let temperature = match raw.llm_temperature.as_ref() {
        None => None,
        Some(Lenient(text)) if text.is_empty() => None,
        Some(Lenient(text)) => {
            let t: f32 = text
                .parse()
                .ok()
                .filter(|t: &f32| (0.0..=2.0).contains(t))
                .ok_or_else(|| SettingsError::InvalidNumber {
                    key: "llmTemperature",
                    value: text.clone(),
                    expected: "a number from 0 to 2",
                })?;
            Some(t)
        }
    };
    Ok(LlmSettings {
        provider,
        base_url,
        model: non_empty(raw.llm_model.as_ref()).map(str::to_string),
        timeout: parse_timeout("llmTimeoutSeconds", raw.llm_timeout_seconds.as_ref())?
            .unwrap_or(DEFAULT_LLM_TIMEOUT),
        privacy,
        max_tokens: parse_non_zero_u32("llmMaxTokens", raw.llm_max_tokens.as_ref())?,
        temperature,
        api_key: non_empty_secret(raw.llm_api_key.as_ref()).cloned(),
        headers: custom_headers(raw, "llm")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(json: Value, secure: &[(&str, &str)]) -> RawSettings {
        let secure: HashMap<String, String> = secure
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RawSettings::from_grafana(json.to_string().as_bytes(), &secure).unwrap()
    }

    #[test]
    fn empty_json_data_gives_defaults() {
        let s =
            Settings::from_raw(&RawSettings::from_grafana(b"", &HashMap::new()).unwrap()).unwrap();
        assert_eq!(s.loki, None);
        assert_eq!(s.tempo, None);
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
        assert_eq!(s.limits, Limits::default());
        assert_eq!(s.llm.privacy, Privacy::Metadata);
        assert_eq!(s.llm.timeout, DEFAULT_LLM_TIMEOUT);
    }

    #[test]
    fn full_settings_parse_into_typed_values() {
        let r = raw(
            json!({
                "lokiUrl": "http://loki:3100/prefix/", "tempoUrl": "https://tempo.example:3200",
                "lokiAuth": "basic", "lokiUser": "grafana", "lokiTenant": "team-a",
                "tempoTenant": "team-b", "tempoHeaderName1": "X-Extra",
                "timeoutSeconds": "2.5", "maxLines": 500, "maxTraces": "50",
                "llmProvider": "openai-compatible", "llmBaseUrl": "http://ollama:11434/v1",
                "llmModel": "qwen2.5", "llmPrivacy": "redacted", "llmTimeoutSeconds": 60,
                "llmMaxTokens": 800, "llmTemperature": 0.2, "somethingGrafanaAdds": true
            }),
            &[
                ("lokiPassword", "pw"),
                ("tempoToken", "tok"),
                ("tempoHeaderValue1", "v1"),
                ("llmApiKey", "sk-123"),
            ],
        );
        let s = Settings::from_raw(&r).unwrap();
        let loki = s.loki.unwrap();
        assert_eq!(loki.url.as_str(), "http://loki:3100/prefix/");
        assert_eq!(
            loki.auth,
            Auth::Basic {
                user: "grafana".into(),
                password: Secret::new("pw")
            }
        );
        assert_eq!(loki.tenant.as_deref(), Some("team-a"));
        let tempo = s.tempo.unwrap();
        assert_eq!(
            tempo.auth,
            Auth::Bearer {
                token: Secret::new("tok")
            }
        );
        assert_eq!(tempo.headers, vec![("X-Extra".into(), Secret::new("v1"))]);
        assert_eq!(s.timeout, Duration::from_millis(2500));
        assert_eq!(s.limits.max_lines.get(), 500);
        assert_eq!(s.limits.max_traces.get(), 50);
        assert_eq!(s.llm.provider, LlmProvider::OpenAiCompatible);
        assert_eq!(s.llm.privacy, Privacy::Redacted);
        assert_eq!(s.llm.timeout, Duration::from_secs(60));
        assert_eq!(s.llm.max_tokens.map(NonZeroU32::get), Some(800));
        assert_eq!(s.llm.temperature, Some(0.2));
        assert_eq!(s.llm.api_key, Some(Secret::new("sk-123")));
    }

    #[test]
    fn secrets_never_print() {
        let r = raw(
            json!({"lokiUrl": "http://loki:3100"}),
            &[
                ("lokiToken", "super-secret-token"),
                ("llmApiKey", "sk-live-abc"),
            ],
        );
        let s = Settings::from_raw(&r).unwrap();
        for text in [format!("{r:?}"), format!("{s:?}")] {
            assert!(!text.contains("super-secret-token"), "{text}");
            assert!(!text.contains("sk-live-abc"), "{text}");
            assert!(text.contains("***"));
        }
        assert_eq!(Secret::new("x").to_string(), "***");
    }

    #[test]
    fn bad_values_name_the_option() {
        let cases = [
            (json!({"lokiUrl": "loki:3100"}), "`lokiUrl`"),
            (json!({"tempoUrl": "ftp://tempo"}), "`tempoUrl`"),
            (
                json!({"lokiUrl": "http://u:p@loki"}),
                "`lokiUrl` must not contain",
            ),
            (
                json!({"lokiUrl": "http://loki", "lokiAuth": "kerberos"}),
                "`lokiAuth`",
            ),
            (
                json!({"lokiUrl": "http://loki", "lokiAuth": "bearer"}),
                "`lokiToken`",
            ),
            (
                json!({"tempoUrl": "http://t", "tempoAuth": "basic", "tempoUser": "u"}),
                "`tempoPassword`",
            ),
            (json!({"timeoutSeconds": "0"}), "`timeoutSeconds`"),
            (json!({"timeoutSeconds": "soon"}), "`timeoutSeconds`"),
            (json!({"maxLines": -5}), "`maxLines`"),
            (json!({"maxTraces": 0}), "`maxTraces`"),
            (json!({"llmPrivacy": "secret"}), "`llmPrivacy`"),
            (json!({"llmProvider": "skynet"}), "`llmProvider`"),
            (json!({"llmTemperature": 9}), "`llmTemperature`"),
            (
                json!({"lokiUrl": "http://l", "lokiHeaderName1": "bad header"}),
                "`lokiHeaderName1`",
            ),
        ];
        for (json, expected) in cases {
            let err = Settings::from_raw(&raw(json.clone(), &[])).unwrap_err();
            assert!(err.to_string().contains(expected), "{json}: {err}");
        }
    }

    #[test]
    fn invalid_url_message_hides_credentials() {
        let err = Settings::from_raw(&raw(json!({"lokiUrl": "http://u:hunter2@"}), &[]))
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn auth_mode_is_inferred_from_secrets() {
        let s = Settings::from_raw(&raw(
            json!({"lokiUrl": "http://l", "lokiUser": "u", "tempoUrl": "http://t"}),
            &[("lokiPassword", "p")],
        ))
        .unwrap();
        assert!(matches!(s.loki.unwrap().auth, Auth::Basic { .. }));
        assert_eq!(s.tempo.unwrap().auth, Auth::None);
    }

    #[test]
    fn push_header_numbers_like_grafana() {
        let mut r = RawSettings {
            loki_url: Some("http://l".into()),
            ..RawSettings::default()
        };
        r.push_header("loki", "X-A", Secret::new("1"));
        r.push_header("loki", "X-B", Secret::new("2"));
        assert_eq!(r.extra["lokiHeaderName2"], json!("X-B"));
        let s = Settings::from_raw(&r).unwrap();
        assert_eq!(s.loki.unwrap().headers.len(), 2);
    }

    #[test]
    fn malformed_json_data_is_an_error() {
        let err = RawSettings::from_grafana(b"{not json", &HashMap::new()).unwrap_err();
        assert!(err.to_string().contains("jsonData"));
    }

    #[test]
    fn load_and_guardrail_keys_parse_with_defaults() {
        let s = Settings::from_raw(&raw(json!({}), &[])).unwrap();
        assert_eq!(s.limits.max_concurrent_requests.get(), 32);
        assert_eq!(s.limits.cache_ttl, DEFAULT_CACHE_TTL);
        assert_eq!(s.limits.max_scan_bytes, None);
        assert_eq!(s.limits.max_query_range, Some(DEFAULT_MAX_QUERY_RANGE));
        let s = Settings::from_raw(&raw(
            json!({ "maxConcurrentRequests": "4", "cacheTtlSeconds": 0, "cacheMaxBytes": 1000,
                    "maxScanBytes": 5368709120u64, "scanBudgetAction": "refuse", "maxQueryRangeHours": 0 }),
            &[],
        ))
        .unwrap();
        assert_eq!(s.limits.max_concurrent_requests.get(), 4);
        assert!(s.limits.cache_ttl.is_zero());
        assert_eq!(s.limits.cache_max_bytes, 1000);
        assert_eq!(s.limits.max_scan_bytes, Some(5 << 30));
        assert_eq!(s.limits.scan_budget_action, ScanBudgetAction::Refuse);
        assert_eq!(s.limits.max_query_range, None);
        for (key, bad) in [
            ("maxConcurrentRequests", json!(0)),
            ("cacheTtlSeconds", json!(-1)),
            ("maxScanBytes", json!("lots")),
            ("scanBudgetAction", json!("shrug")),
        ] {
            let err = Settings::from_raw(&raw(json!({ key: bad }), &[])).unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
        }
    }
}
