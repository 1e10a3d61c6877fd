//! Summaries written by the model from an [`EvidencePack`]: short, citing evidence ids (`[E2]`). The
//! prompt allows no claim without evidence and the answer is checked: it must cite, every cited id must
//! exist, and every service or trace id it names must appear in the evidence. Without an LLM, or when the
//! call fails, times out or the check rejects the text, the template summary is used and the answer says
//! so.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use serde::Serialize;

use super::client::ChatRequest;
use super::{EvidencePack, Llm, budget, metrics, prompt};

/// Who wrote the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SummarySource {
    Llm,
    Template,
}

/// A summary and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Narration {
    pub text: String,
    pub source: SummarySource,
    /// Evidence ids the summary cites.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cited: Vec<String>,
    /// Why the template was used although an LLM is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Narration {
    /// The template summary (no LLM configured).
    pub fn template(text: impl Into<String>) -> Self {
        Narration {
            text: text.into(),
            source: SummarySource::Template,
            cited: Vec::new(),
            note: None,
        }
    }

    /// The template, with why; `reason` is the metrics label (a fixed word, never free text).
    fn fallback(template: &str, reason: &str, why: &str) -> Self {
        metrics::global().fallback(reason);
        Narration {
            text: template.to_string(),
            source: SummarySource::Template,
            cited: Vec::new(),
            note: Some(format!(
                "The LLM summary is not shown ({why}); this is the template summary."
            )),
        }
    }
}

fn citation_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\[(E[0-9]+)\]").expect("valid pattern"))
}

fn hex_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\b[0-9a-fA-F]{16,32}\b").expect("valid pattern"))
}

/// Checks a summary against the evidence; returns the cited ids.
pub fn check_claims(text: &str, pack: &EvidencePack) -> Result<Vec<String>, String> {
    if text.trim().is_empty() {
        return Err("the summary is empty".into());
    }
    let mut cited: Vec<String> = Vec::new();
    for c in citation_re().captures_iter(text) {
        let id = c[1].to_string();
        if !pack.items.iter().any(|e| e.id == id) {
            return Err(format!("it cites `{id}`, which is not in the evidence"));
        }
        if !cited.contains(&id) {
            cited.push(id);
        }
    }
    if cited.is_empty() {
        return Err("it cites no evidence".into());
    }
    let lower = text.to_lowercase();
    let in_evidence = pack.services();
    for s in &pack.known_services {
        if lower.contains(&s.to_lowercase()) && !in_evidence.contains(&s.as_str()) {
            return Err(format!("it names `{s}`, which is not in the evidence"));
        }
    }
    for m in hex_re().find_iter(text) {
        let id = m.as_str().to_lowercase();
        let known = pack.items.iter().any(|e| {
            e.trace_ids
                .iter()
                .any(|t| t.trim_start_matches('0') == id.trim_start_matches('0'))
                || e.text.to_lowercase().contains(&id)
        });
        if !known {
            return Err(format!(
                "it names the id `{id}`, which is not in the evidence"
            ));
        }
    }
    Ok(cited)
}

impl Llm {
    /// A summary of the evidence, or the template with a note. `on_delta` (when given) receives the
    /// text as the model streams it; a rejected text is still replaced by the template afterwards.
    pub async fn narrate(
        &self,
        pack: &EvidencePack,
        template: &str,
        now: DateTime<Utc>,
        on_delta: Option<&mut (dyn FnMut(&str) + Send)>,
    ) -> Narration {
        if !self.options.narrate {
            return Narration::template(template);
        }
        if pack.items.is_empty() {
            return Narration::fallback(
                template,
                "no_evidence",
                "there is no evidence to summarise",
            );
        }
        let key = budget::cache_key("narrate", &pack.question, budget::version_of(pack), now);
        if let Some(text) = self.cache().get(key)
            && let Ok(cited) = check_claims(&text, pack)
        {
            metrics::global().cache(true);
            return Narration {
                text,
                source: SummarySource::Llm,
                cited,
                note: None,
            };
        }
        metrics::global().cache(false);
        let request = ChatRequest {
            messages: prompt::narration_messages(pack, now),
            schema: None,
            max_tokens: self.options.max_completion_tokens.min(300),
            temperature: Some(0.2),
        };
        let reply = match on_delta {
            Some(f) => self.chat_stream("narrate", &request, now, f).await,
            None => self.chat("narrate", &request, now).await,
        };
        let reply = match reply {
            Ok(r) => r,
            Err(e) => {
                metrics::global().fallback(e.reason());
                return Narration {
                    note: Some(format!(
                        "The LLM summary is not available ({e}); this is the template summary."
                    )),
                    ..Narration::template(template)
                };
            }
        };
        let text = reply.content.trim().to_string();
        match check_claims(&text, pack) {
            Ok(cited) => {
                self.cache().put(key, text.clone());
                Narration {
                    text,
                    source: SummarySource::Llm,
                    cited,
                    note: None,
                }
            }
            Err(why) => {
                tracing::info!(%why, "LLM summary rejected");
                Narration::fallback(template, "rejected", &format!("rejected: {why}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ground::Schema;

    fn pack() -> EvidencePack {
        let mut schema = Schema::default();
        schema.tempo.services = vec![
            "order-service".into(),
            "payment-service".into(),
            "user-service".into(),
        ];
        let mut p = EvidencePack::new("why is payment failing", &schema);
        p.push(
            "count",
            Some("payment-service".into()),
            "payment-service: 45 lines (error 45)",
            vec![],
        );
        p.push(
            "traces",
            None,
            "45 distinct trace ids, e.g. 0c519fd783348eda0aa57c6e4a753297",
            vec!["0c519fd783348eda0aa57c6e4a753297".into()],
        );
        p
    }

    #[test]
    fn summaries_must_cite_existing_evidence() {
        let p = pack();
        assert_eq!(
            check_claims("payment-service logged 45 errors [E1], e.g. trace c519fd783348eda0aa57c6e4a753297 [E2].", &p)
                .unwrap(),
            vec!["E1", "E2"]
        );
        assert!(
            check_claims("payment-service logged errors.", &p)
                .unwrap_err()
                .contains("cites no evidence")
        );
        assert!(check_claims("Errors [E9].", &p).unwrap_err().contains("E9"));
        assert!(
            check_claims("user-service is down [E1].", &p)
                .unwrap_err()
                .contains("user-service")
        );
        assert!(
            check_claims("see trace deadbeefdeadbeefdeadbeefdeadbeef [E2]", &p)
                .unwrap_err()
                .contains("deadbeef")
        );
    }
}
