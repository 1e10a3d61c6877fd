//! Error patterns: log lines grouped into templates (`msg="checkout failed" order_id=<_> ...`) with
//! counts and first/last seen.
//!
//! Loki's `/patterns` endpoint is asked first ([`assign_loki_patterns`]); it answers only for the
//! streams its pattern ingester saw pushed since it started (after a restart it answers `[]`, see
//! `../shared/fixtures/diagnosis/README.md`), so lines it does not cover are clustered here
//! ([`cluster_lines`]). The clustering is a small Drain (He et al., ICWS 2017): lines are tokenised,
//! obviously variable tokens masked, routed by service, token count and leading tokens, and merged into
//! the most similar template above a threshold, differing positions becoming `<_>` (Loki's wildcard).
//! We write our own rather than port Drain3 because three things differ from free-text logs and matter
//! here: quoted logfmt values and bracketed access-log fields are one token each, JSON lines are
//! clustered by their fields, and the line's own message (`msg`, `message`, an access log's request
//! and status) anchors the template — structured lines share all their keys, so Drain's positional
//! similarity alone would merge "checkout failed" with "failed to create order".

use std::collections::HashMap;

use serde::Serialize;

use super::extract::line_fields;
use crate::execute::loki_types::Pattern;

/// Loki's wildcard, also used in our templates.
pub const WILDCARD: &str = "<_>";
/// Share of equal tokens for a line to join a template.
const SIMILARITY: f64 = 0.5;
/// Leading tokens used to route a line (Drain's tree depth).
const ROUTE_DEPTH: usize = 2;
/// Lines kept as examples per pattern.
const EXAMPLES: usize = 3;

/// Where a template came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternSource {
    /// Loki's pattern ingester.
    Loki,
    /// Our clustering of the answer's lines.
    Drain,
}

/// One line to cluster.
#[derive(Debug, Clone, Copy)]
pub struct PatternLine<'a> {
    pub service: &'a str,
    pub level: Option<&'a str>,
    pub ts_ns: i64,
    pub line: &'a str,
}

/// A template and the lines it covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogPattern {
    pub service: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    pub template: String,
    /// What the lines say, in short: `msg`/`message` (with `error` when present), or an access log's
    /// request and status.
    pub message: String,
    pub count: usize,
    pub first_ns: i64,
    pub last_ns: i64,
    /// Up to three lines, newest first.
    pub examples: Vec<String>,
    pub source: PatternSource,
    /// Indices of the member lines in the slice that was clustered.
    #[serde(skip)]
    pub members: Vec<usize>,
}

/// The short message of a line: `msg`/`message` of logfmt or JSON with its `error`, or the request line
/// and status of an access log (`POST /api/v1/orders 500`); `None` for other text.
pub fn line_message(line: &str) -> Option<String> {
    let fields = line_fields(line);
    let get = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            fields
                .iter()
                .find(|(f, _)| f.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        })
    };
    if let Some(msg) = get(&["msg", "message", "event", "log.message"]) {
        return Some(match get(&["error", "err", "exception", "error.message"]) {
            Some(err) if !msg.contains(&err) => format!("{msg}: {err}"),
            _ => msg,
        });
    }
    access_log_request(line)
}

/// `"METHOD /path HTTP/1.1" STATUS` in an access log line → `METHOD /path STATUS`.
fn access_log_request(line: &str) -> Option<String> {
    const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    let start = line.find('"')?;
    let rest = &line[start + 1..];
    let end = rest.find('"')?;
    let mut request = rest[..end].split_whitespace();
    let method = request.next()?;
    if !METHODS.contains(&method) {
        return None;
    }
    let path = request.next()?.split('?').next().unwrap_or_default();
    let status = rest[end + 1..]
        .split_whitespace()
        .next()
        .filter(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))?;
    Some(format!("{method} {path} {status}"))
}

/// Tokens of a line: JSON fields as `key=value`, else whitespace-separated words with `"..."` and
/// `[...]` kept whole.
fn tokenize(line: &str) -> Vec<String> {
    let trimmed = line.trim();
    if trimmed.starts_with('{') {
        let fields = line_fields(trimmed);
        if !fields.is_empty() {
            return fields
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
        }
    }
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut closer: Option<char> = None;
    for c in trimmed.chars() {
        match closer {
            Some(close) => {
                current.push(c);
                if c == close {
                    closer = None;
                }
            }
            None if c.is_whitespace() => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            None => {
                if c == '"' {
                    closer = Some('"');
                } else if c == '[' && current.is_empty() {
                    closer = Some(']');
                }
                current.push(c);
            }
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

fn has_digit(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
}

/// Masks tokens that are obviously variable: `key=<value with digits>` → `key=<_>`; unquoted tokens
/// with digits longer than three characters (ids, times, addresses; status codes stay).
fn mask(token: &str) -> String {
    if let Some((key, value)) = token.split_once('=')
        && !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        let quoted_text = value.starts_with('"') && value.bytes().any(|b| b.is_ascii_alphabetic());
        if has_digit(value) && !quoted_text {
            return format!("{key}={WILDCARD}");
        }
        return token.to_string();
    }
    let quoted = token.starts_with('"');
    let bare_len = token
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .len();
    if has_digit(token)
        && (!quoted || !token.bytes().any(|b| b.is_ascii_alphabetic()))
        && bare_len > 3
    {
        return WILDCARD.to_string();
    }
    token.to_string()
}

/// A message with its variable words masked: the routing key of a line.
fn anchor_of(message: Option<&str>) -> String {
    message
        .map(|m| {
            m.split_whitespace()
                .map(|w| if has_digit(w) { WILDCARD } else { w })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

struct Cluster {
    tokens: Vec<Option<String>>,
    anchor: String,
    members: Vec<usize>,
}

impl Cluster {
    fn similarity(&self, tokens: &[String]) -> f64 {
        let same = self
            .tokens
            .iter()
            .zip(tokens)
            .filter(|(t, s)| t.as_deref().is_none_or(|t| t == s.as_str()))
            .count();
        same as f64 / tokens.len().max(1) as f64
    }

    fn merge(&mut self, tokens: &[String]) {
        for (t, s) in self.tokens.iter_mut().zip(tokens) {
            if t.as_deref().is_some_and(|t| t != s.as_str()) {
                *t = None;
            }
        }
    }
}

/// Clusters lines per service into templates (the in-process Drain).
pub fn cluster_lines(lines: &[PatternLine<'_>]) -> Vec<LogPattern> {
    type Route = (String, String, usize, Vec<String>);
    let mut clusters: Vec<(String, Cluster)> = Vec::new();
    let mut routes: HashMap<Route, Vec<usize>> = HashMap::new();
    let messages: Vec<Option<String>> = lines.iter().map(|l| line_message(l.line)).collect();
    for (i, l) in lines.iter().enumerate() {
        let tokens: Vec<String> = tokenize(l.line).iter().map(|t| mask(t)).collect();
        let anchor = anchor_of(messages[i].as_deref());
        // The message, when the line has one, routes better than leading tokens (JSON keys are
        // sorted, so the first token is whatever key sorts first, e.g. a varying `category`).
        let prefix: Vec<String> = if anchor.is_empty() {
            tokens
                .iter()
                .take(ROUTE_DEPTH)
                .map(|t| {
                    if has_digit(t) {
                        WILDCARD.to_string()
                    } else {
                        t.clone()
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let route = (l.service.to_string(), anchor.clone(), tokens.len(), prefix);
        let candidates = routes.entry(route).or_default();
        let best = candidates
            .iter()
            .map(|&c| (c, clusters[c].1.similarity(&tokens)))
            .filter(|(_, s)| *s >= SIMILARITY)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((c, _)) => {
                clusters[c].1.merge(&tokens);
                clusters[c].1.members.push(i);
            }
            None => {
                candidates.push(clusters.len());
                clusters.push((
                    l.service.to_string(),
                    Cluster {
                        tokens: tokens.into_iter().map(Some).collect(),
                        anchor,
                        members: vec![i],
                    },
                ));
            }
        }
    }
    let mut patterns: Vec<LogPattern> = clusters
        .into_iter()
        .map(|(service, c)| {
            let template = c
                .tokens
                .iter()
                .map(|t| t.as_deref().unwrap_or(WILDCARD))
                .collect::<Vec<_>>()
                .join(" ");
            let message = common_message(&messages, &c.members)
                .unwrap_or_else(|| fallback_message(&c.anchor, &template));
            build_pattern(
                lines,
                service,
                template,
                message,
                c.members,
                PatternSource::Drain,
            )
        })
        .collect();
    sort_patterns(&mut patterns);
    patterns
}

/// The message all member lines share, when they do.
fn common_message(messages: &[Option<String>], members: &[usize]) -> Option<String> {
    let first = messages.get(*members.first()?)?.as_ref()?;
    members
        .iter()
        .skip(1)
        .all(|&i| messages.get(i).and_then(Option::as_ref) == Some(first))
        .then(|| first.clone())
}

fn fallback_message(anchor: &str, template: &str) -> String {
    if anchor.is_empty() {
        template.chars().take(120).collect()
    } else {
        anchor.to_string()
    }
}

fn build_pattern(
    lines: &[PatternLine<'_>],
    service: String,
    template: String,
    message: String,
    mut members: Vec<usize>,
    source: PatternSource,
) -> LogPattern {
    members.sort_by_key(|&i| std::cmp::Reverse(lines[i].ts_ns));
    let first_ns = members.iter().map(|&i| lines[i].ts_ns).min().unwrap_or(0);
    let last_ns = members.iter().map(|&i| lines[i].ts_ns).max().unwrap_or(0);
    let level = members
        .first()
        .and_then(|&i| lines[i].level.map(String::from));
    LogPattern {
        service,
        level,
        template,
        message,
        count: members.len(),
        first_ns,
        last_ns,
        examples: members
            .iter()
            .take(EXAMPLES)
            .map(|&i| lines[i].line.chars().take(1000).collect())
            .collect(),
        source,
        members,
    }
}

fn sort_patterns(patterns: &mut [LogPattern]) {
    patterns.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.service.cmp(&b.service))
            .then(a.template.cmp(&b.template))
    });
}

/// Whether a line matches a Loki pattern (`<_>` matches any text, the rest literally).
pub fn pattern_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split(WILDCARD).collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == line;
    };
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(p) => rest = &rest[p + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Lines assigned to Loki's patterns of their service (the most specific matching pattern wins); the
/// rest clustered in process. `loki` holds each service's patterns as the endpoint returned them.
pub fn assign_loki_patterns(
    lines: &[PatternLine<'_>],
    loki: &[(String, Vec<Pattern>)],
) -> Vec<LogPattern> {
    let mut members: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    let mut rest: Vec<usize> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let hit = loki
            .iter()
            .enumerate()
            .filter(|(_, (service, _))| service == l.service)
            .flat_map(|(si, (_, patterns))| {
                patterns.iter().enumerate().map(move |(pi, p)| (si, pi, p))
            })
            .filter(|(_, _, p)| {
                p.level
                    .as_deref()
                    .is_none_or(|lv| l.level.is_none_or(|ll| ll.eq_ignore_ascii_case(lv)))
                    && pattern_matches(&p.pattern, l.line)
            })
            .max_by_key(|(_, _, p)| p.pattern.replace(WILDCARD, "").len());
        match hit {
            Some((si, pi, _)) => members.entry((si, pi)).or_default().push(i),
            None => rest.push(i),
        }
    }
    let messages: Vec<Option<String>> = lines.iter().map(|l| line_message(l.line)).collect();
    let mut patterns: Vec<LogPattern> = members
        .into_iter()
        .map(|((si, pi), m)| {
            let (service, list) = &loki[si];
            let template = list[pi].pattern.clone();
            let message = common_message(&messages, &m).unwrap_or_else(|| {
                fallback_message(&anchor_of(messages[m[0]].as_deref()), &template)
            });
            build_pattern(
                lines,
                service.clone(),
                template,
                message,
                m,
                PatternSource::Loki,
            )
        })
        .collect();
    if !rest.is_empty() {
        let subset: Vec<PatternLine<'_>> = rest.iter().map(|&i| lines[i]).collect();
        for mut p in cluster_lines(&subset) {
            p.members = p.members.iter().map(|&j| rest[j]).collect();
            patterns.push(p);
        }
    }
    sort_patterns(&mut patterns);
    patterns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines<'a>(service: &'a str, raw: &[&'a str]) -> Vec<PatternLine<'a>> {
        raw.iter()
            .enumerate()
            .map(|(i, l)| PatternLine {
                service,
                level: Some("error"),
                ts_ns: i as i64,
                line: l,
            })
            .collect()
    }

    #[test]
    fn logfmt_lines_cluster_by_message() {
        let raw = [
            r#"ts=2026-11-25T08:02:54.309Z level=error caller=orders/create.go:118 msg="failed to create order" order_id=ord-824679 user_id=u-91959 status=500 error="pq: sorry, too many clients already" duration_ms=3055 trace_id=7397b9875edd3492aac233021a3bc8d8"#,
            r#"ts=2026-11-25T08:01:12.001Z level=error caller=orders/create.go:118 msg="failed to create order" order_id=ord-11 user_id=u-2 status=500 error="pq: sorry, too many clients already" duration_ms=3099 trace_id=0af7651916cd43dd8448eb211c80319c"#,
            r#"ts=2026-11-25T06:40:00.000Z level=error caller=orders/checkout.go:203 msg="checkout failed" order_id=ord-1 user_id=u-3 status=500 error="payment-service: 504 Gateway Timeout" duration_ms=5044 trace_id=1af7651916cd43dd8448eb211c80319c"#,
        ];
        let patterns = cluster_lines(&lines("order-service", &raw));
        assert_eq!(patterns.len(), 2, "{patterns:#?}");
        let create = &patterns[0];
        assert_eq!(create.count, 2);
        assert_eq!(
            create.message,
            "failed to create order: pq: sorry, too many clients already"
        );
        assert!(create.template.contains(r#"msg="failed to create order""#));
        assert!(
            create.template.contains("order_id=<_>"),
            "{}",
            create.template
        );
        assert_eq!((create.first_ns, create.last_ns), (0, 1));
        assert_eq!(create.members, vec![1, 0], "newest first");
        assert_eq!(create.source, PatternSource::Drain);
        assert_eq!(
            patterns[1].message,
            "checkout failed: payment-service: 504 Gateway Timeout"
        );
    }

    #[test]
    fn access_lines_with_different_user_agents_are_one_template() {
        let raw = [
            r#"10.42.5.164 - - [25/Nov/2026:06:35:42 +0000] "POST /api/v1/orders HTTP/1.1" 500 87 "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36" rt=5.035 upstream=order-service"#,
            r#"10.42.1.7 - - [25/Nov/2026:06:36:01 +0000] "POST /api/v1/orders HTTP/1.1" 500 87 "-" "DemoShop-Android/4.11.2 okhttp/4.12.0" rt=5.041 upstream=order-service"#,
        ];
        let patterns = cluster_lines(&lines("api-gateway", &raw));
        assert_eq!(patterns.len(), 1, "{patterns:#?}");
        assert_eq!(patterns[0].message, "POST /api/v1/orders 500");
        assert_eq!(
            patterns[0].template,
            r#"<_> - - <_> "POST /api/v1/orders HTTP/1.1" 500 87 "-" <_> rt=<_> upstream=order-service"#
        );
    }

    #[test]
    fn json_lines_cluster_by_fields_and_services_stay_apart() {
        let a = r#"{"time":"2026-11-25T07:27:05.990Z","level":"error","msg":"failed to send welcome email","error":"dial tcp 10.43.12.7:587: i/o timeout","mailer":"smtp","retry_in_s":60}"#;
        let b = r#"{"time":"2026-11-25T07:29:01.100Z","level":"error","msg":"failed to send welcome email","error":"dial tcp 10.43.12.7:587: i/o timeout","mailer":"smtp","retry_in_s":60}"#;
        let mut all = lines("user-service", &[a, b]);
        all.extend(lines("other-service", &[a]));
        let patterns = cluster_lines(&all);
        assert_eq!(patterns.len(), 2);
        assert_eq!(patterns[0].count, 2);
        assert_eq!(patterns[0].service, "user-service");
        assert!(
            patterns[0]
                .message
                .starts_with("failed to send welcome email: dial tcp")
        );
        assert!(patterns[0].template.contains("time=<_>"));
    }

    #[test]
    fn loki_patterns_match_with_wildcards() {
        let p = r#"ts=<_> level=error caller=orders/checkout.go:203 msg="checkout failed" order_id=<_> status=500"#;
        assert!(pattern_matches(
            p,
            r#"ts=1 level=error caller=orders/checkout.go:203 msg="checkout failed" order_id=ord-1 status=500"#
        ));
        assert!(!pattern_matches(
            p,
            r#"ts=1 level=error caller=orders/create.go:118 msg="failed" order_id=ord-1 status=500"#
        ));
        assert!(pattern_matches("<_>", "anything"));
        assert!(pattern_matches("exact", "exact"));
        assert!(!pattern_matches("exact", "exactly"));
        assert!(pattern_matches("a <_> c", "a b c"));
        assert!(!pattern_matches("a <_> c", "a b"));
    }

    #[test]
    fn recorded_loki_patterns_cover_their_lines_and_the_rest_is_clustered() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/fixtures/loki/patterns_order_service.json");
        #[derive(serde::Deserialize)]
        struct Body {
            data: Vec<Pattern>,
        }
        let body: Body = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        assert!(!body.data.is_empty());
        let checkout = r#"ts=2026-11-25T06:40:00.000Z level=error caller=orders/checkout.go:203 msg="checkout failed" order_id=ord-1 user_id=u-3 status=500 error="payment-service: 504 Gateway Timeout" duration_ms=5044 trace_id=1af7651916cd43dd8448eb211c80319c span_id=1234567890abcdef"#;
        let other = r#"ts=2026-11-25T06:40:00.000Z level=error msg="something new" id=1"#;
        let input = lines("order-service", &[checkout, checkout, other]);
        let patterns = assign_loki_patterns(&input, &[("order-service".into(), body.data)]);
        assert_eq!(patterns.len(), 2, "{patterns:#?}");
        assert_eq!(patterns[0].source, PatternSource::Loki);
        assert_eq!(patterns[0].count, 2);
        assert!(patterns[0].template.contains("checkout failed"));
        assert_eq!(patterns[1].source, PatternSource::Drain);
        assert_eq!(patterns[1].members, vec![2]);
    }

    #[test]
    fn tokenizer_keeps_quotes_and_brackets() {
        assert_eq!(
            tokenize(r#"a "b c" [d e] f"#),
            vec!["a", "\"b c\"", "[d e]", "f"]
        );
        assert_eq!(
            tokenize(r#"unterminated "quote here"#),
            vec!["unterminated", "\"quote here"]
        );
        assert_eq!(mask("order_id=ord-1"), "order_id=<_>");
        assert_eq!(mask(r#"msg="failed 2 times""#), r#"msg="failed 2 times""#);
        assert_eq!(mask("500"), "500");
        assert_eq!(mask("10.42.5.164"), "<_>");
        assert_eq!(mask("upstream=order-service"), "upstream=order-service");
    }
}
