//! Entities named in the question: the time range, `label=value` syntax, trace ids, quoted text,
//! services (exact, then partial and misspelt), span names, levels and other label values.

use super::*;

pub(super) fn read_time(r: &mut Reading, now: DateTime<Utc>, tz: Tz) {
    if let Some(found) = find_time(&r.tokens, now, tz) {
        let toks = found.tokens.clone();
        let (lo, hi) = (
            toks.iter().min().copied().unwrap_or(0),
            toks.iter().max().copied().unwrap_or(0) + 1,
        );
        r.claim(toks);
        r.note("time", lo, hi, found.meaning.clone());
        r.time = Some(found);
    }
}

/// `env=staging`, `level:error`, `service_name="x"`, `status!=200` typed as in a query.
pub(super) fn read_label_syntax(r: &mut Reading, schema: &Schema) {
    let n = r.tokens.len();
    for i in 0..n {
        let (Some(name), Some(op), Some(value)) = (r.tok(i), r.tok(i + 1), r.tok(i + 2)) else {
            continue;
        };
        if name.kind != TokenKind::Word || !r.free(i) {
            continue;
        }
        let negated = match op.lower.as_str() {
            "=" | "==" => false,
            "!=" => true,
            _ => continue,
        };
        if schema.loki.labels.contains_key(&name.text) && value.kind != TokenKind::Symbol {
            let (label, v) = (name.text.clone(), value.text.clone());
            if Some(&label) == schema.loki.service_label.as_ref() && !negated {
                add_service(r, v.clone(), i);
            } else {
                r.labels.push((label.clone(), v.clone(), negated));
            }
            r.claim(i..i + 3);
            r.note(
                "label",
                i,
                i + 3,
                format!("{label}{}\"{v}\"", if negated { "!=" } else { "=" }),
            );
        }
    }
}

/// Trace ids (16–32 hex characters with digits and letters): what lines mentioning them contain.
pub(super) fn read_ids(r: &mut Reading) {
    for i in 0..r.tokens.len() {
        let t = &r.tokens[i];
        let hex = t.lower.len() >= 16
            && t.lower.len() <= 32
            && t.lower.chars().all(|c| c.is_ascii_hexdigit());
        let mixed = t.lower.chars().any(|c| c.is_ascii_digit())
            && t.lower.chars().any(|c| c.is_ascii_alphabetic());
        if r.free(i) && t.kind == TokenKind::Word && hex && mixed {
            let id = t.lower.clone();
            r.claim([i]);
            r.note("trace", i, i + 1, format!("trace id {id}"));
            r.trace_ids.push(id);
        }
    }
}

pub(super) fn read_quoted(r: &mut Reading, schema: &Schema) {
    let services = &schema.index().services;
    for i in 0..r.tokens.len() {
        let t = &r.tokens[i];
        if t.kind != TokenKind::Quoted || !r.free(i) {
            continue;
        }
        let text = t.text.clone();
        if quoted_field_value(r, schema, i) || bound_value(r, i, schema) {
            continue;
        }
        if let Some((s, MatchQuality::Exact | MatchQuality::Normalised)) = services.resolve(&text) {
            let s = s.to_string();
            r.claim([i]);
            r.note("service", i, i + 1, s.clone());
            add_service(r, s, i);
            continue;
        }
        let span_names = schema
            .tempo
            .values
            .get("name")
            .map_or(&[][..], Vec::as_slice);
        if let Some(name) = span_names.iter().find(|n| n.eq_ignore_ascii_case(&text)) {
            let name = name.clone();
            r.claim([i]);
            r.note("span", i, i + 1, format!("span name \"{name}\""));
            push_unique(&mut r.span_names, name);
            continue;
        }
        let negative = negated_before(r, i) || negated_after(r, i);
        let regex = (i > 0
            && r.is(
                i - 1,
                &["regex", "regexp", "pattern", "matching", "matches"],
            ))
            && looks_like_regex(&text);
        r.claim([i]);
        r.note(
            "filter",
            i,
            i + 1,
            format!(
                "lines {} \"{text}\"",
                if negative { "without" } else { "with" }
            ),
        );
        r.phrases.push(Phrase {
            text,
            negative,
            regex,
        });
    }
}

/// Whether token `i` stands where people name a service: with a dash or "service" after it, after
/// "from/in/of/for/on/by", or before a log, trace or level noun.
fn service_position(r: &Reading, i: usize) -> bool {
    let t = &r.tokens[i];
    t.lower.contains('-')
        || t.lower.contains('_')
        || r.tok(i + 1).is_some_and(is_service_word)
        || (i > 0
            && r.is(
                i - 1,
                &[
                    "from", "in", "of", "for", "on", "by", "the", "and", "or", "about",
                ],
            ))
        || r.tok(i + 1).is_some_and(|n| {
            any(n, lx::LOG_WORDS)
                || any(n, lx::TRACE_WORDS)
                || any(n, lx::ERROR_WORDS)
                || any(n, lx::WARN_WORDS)
                || n.kind == TokenKind::Hangul
        })
        || i == 0
}

/// A name that looks like a service (`inventory-service`, `checkout_svc`, `billing-api`).
/// (Not "per-service", "each-service", "non-service": the part before is an ordinary word.)
pub(super) fn service_shaped(lower: &str) -> bool {
    [
        "-service", "_service", "-svc", "_svc", "-api", "-app", "-server", "-worker", "-gateway",
    ]
    .iter()
    .any(|s| {
        lower.strip_suffix(s).is_some_and(|head| {
            !head.is_empty()
                && ![
                    "per", "each", "every", "all", "any", "by", "non", "multi", "micro", "cross",
                    "inter", "the", "other", "third", "which", "this", "that",
                ]
                .contains(&head)
        })
    })
}

/// `msg is "order created"`, `reason = "x"`: a quoted value the fields pass reads.
fn quoted_field_value(r: &Reading, schema: &Schema, i: usize) -> bool {
    let mut j = i;
    while j > 0
        && r.is(
            j - 1,
            &[
                "is", "=", "==", "!=", ":", "equals", "equal", "to", "was", "not",
            ],
        )
    {
        j -= 1;
    }
    // "category is \"coffee\"", or right after the name when a cue leads to it ("for category \"coffee\"")
    let linked = j < i || (j >= 1 && field_cue_before(r, j - 1));
    j > 0
        && linked
        && r.tok(j - 1).is_some_and(|name| {
            schema
                .fields_of(None)
                .any(|(_, f)| f.name.eq_ignore_ascii_case(&name.text))
        })
}

pub(super) fn looks_like_regex(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '*' | '+' | '?' | '|' | '[' | '(' | '^' | '$' | '\\'))
}

pub(super) fn is_service_word(t: &Token) -> bool {
    any(
        t,
        &[
            "service",
            "services",
            "svc",
            "svcs",
            "microservice",
            "app",
            "application",
        ],
    ) || ko(t, &["서비스"])
}

/// Words that tie a value to the name before it ("upstream is user-service", `peer.service = x`).
const VALUE_LINKS: &[&str] = &["is", "was", "=", "==", ":", "equals", "equal", "!=", "not"];

/// A Tempo attribute written in words that end at token `end` (exclusive): `peer.service`, `peer service`,
/// `payment provider`, `db sql table`. Returns the attribute (as TraceQL writes it) and the first token.
/// Single generic words (`name`, `id`, `type`) are no attribute on their own; the service name is read as
/// a service.
pub(super) fn attribute_words_before(
    r: &Reading,
    end: usize,
    schema: &Schema,
) -> Option<(String, usize)> {
    (1..=3).rev().find_map(|n| {
        let start = end.checked_sub(n)?;
        attribute_words(r, start, n, schema).map(|a| (a, start))
    })
}

/// The attribute that the `n` words from `start` name: the whole name (`peer.service`), or its last
/// components (`payment provider` → `span.app.payment.provider`, `table` → `span.db.sql.table`) when only
/// one attribute ends so.
pub(super) fn attribute_words(
    r: &Reading,
    start: usize,
    n: usize,
    schema: &Schema,
) -> Option<String> {
    const GENERIC: &[&str] = &[
        "name",
        "id",
        "type",
        "version",
        "full",
        "path",
        "query",
        "scheme",
        "original",
        "port",
        "method",
        "route",
        "status_code",
        "language",
        "message",
        "amount",
        "statement",
    ];
    let words: Vec<&Token> = (start..start + n).filter_map(|k| r.tok(k)).collect();
    if words.len() != n
        || words
            .iter()
            .any(|w| !matches!(w.kind, TokenKind::Word | TokenKind::Quoted) || w.is_number())
    {
        return None;
    }
    let joined = words
        .iter()
        .map(|w| w.lower.as_str())
        .collect::<Vec<_>>()
        .join(".");
    let index = schema.index();
    let attr = if let Some(a) = index.attribute_names.get(&joined) {
        // a dotted name as written, or several words that spell one exactly
        (n > 1 || joined.contains('.')).then(|| a.clone())?
    } else {
        if n == 1 && (GENERIC.contains(&joined.as_str()) || lx::is_vocabulary(&joined)) {
            return None;
        }
        let suffix = format!(".{joined}");
        let mut hits = index
            .attribute_names
            .values()
            // (ASCII case folding: attribute names are ASCII, and this runs for every word window)
            .filter(|a| {
                a.len() >= suffix.len()
                    && a.is_char_boundary(a.len() - suffix.len())
                    && a[a.len() - suffix.len()..].eq_ignore_ascii_case(&suffix)
                    && a.contains('.')
            })
            .collect::<Vec<_>>();
        hits.sort();
        hits.dedup();
        match hits.as_slice() {
            [one] => (*one).clone(),
            _ => return None,
        }
    };
    (!attr.ends_with("service.name")).then_some(attr)
}

/// Whether token `i` is the value of a field or attribute named right before it ("upstream is
/// user-service", "peer.service = payment-service"): then it is that value, even when it names a service.
pub(super) fn bound_value(r: &Reading, i: usize, schema: &Schema) -> bool {
    let mut j = i;
    while j > 0
        && (r.is(j - 1, VALUE_LINKS)
            || r.tok(j - 1).is_some_and(|t| {
                // `upstream이 product-service인`
                t.kind == TokenKind::Hangul && ["가", "이", "은", "는"].contains(&t.text.as_str())
            }))
    {
        j -= 1;
    }
    if j == 0 {
        return false;
    }
    let service_label = schema
        .loki
        .service_label
        .as_deref()
        .unwrap_or("service_name");
    let named_field = || {
        r.tok(j - 1).is_some_and(|name| {
            name.lower != service_label
                && schema
                    .fields_of(None)
                    .any(|(_, f)| f.name.eq_ignore_ascii_case(&name.text))
        })
    };
    if j == i {
        // no link word: an attribute written out right before ("with peer service payment-service"), or
        // a field after a cue ("with upstream user-service", "for upstream user-service")
        return (field_cue_before(r, j - 1) && named_field())
            || attribute_words_before(r, j, schema).is_some_and(|(_, start)| {
                start + 1 < j || r.tok(start).is_some_and(|t| t.lower.contains('.'))
            });
    }
    named_field() || attribute_words_before(r, j, schema).is_some()
}

/// The service a trace starts at: "root service is api-gateway", "root service api-gateway", "rooted at
/// api-gateway", "api-gateway as (the) root", `루트 서비스가 api-gateway인`.
pub(super) fn read_root_services(r: &mut Reading, schema: &Schema) {
    let services = &schema.index().services;
    let service_at = |r: &Reading, k: usize| -> Option<String> {
        let t = r.tok(k).filter(|_| r.free(k))?;
        match services.resolve(&t.text) {
            Some((s, MatchQuality::Exact | MatchQuality::Normalised)) => Some(s.to_string()),
            _ => None,
        }
    };
    let is_root = |t: &Token| t.is_any(&["root", "rooted", "root-service"]) || ko(t, &["루트"]);
    let is_link = |t: &Token| {
        t.is_any(&[
            "is", "was", "=", "==", ":", "of", "at", "in", "being", "equals",
        ]) || (t.kind == TokenKind::Hangul && ["가", "이", "는", "은"].contains(&t.text.as_str()))
    };
    for i in 0..r.tokens.len() {
        if !r.free(i) || !r.tok(i).is_some_and(is_root) {
            continue;
        }
        // forwards: root [service|서비스가] [is|=|at] NAME [인]
        let mut k = i + 1;
        if r.tok(k)
            .is_some_and(|t| is_service_word(t) || t.text.starts_with("서비스"))
        {
            k += 1;
        }
        while r.tok(k).is_some_and(is_link) {
            k += 1;
        }
        let mut found = service_at(r, k).map(|s| (s, i, k + 1));
        // backwards: NAME as (the) root [service]
        if found.is_none() {
            let mut b = i;
            while b > 0 && r.is(b - 1, &["the", "a", "its"]) {
                b -= 1;
            }
            if b > 1 && r.is(b - 1, &["as"]) {
                let end = if r.tok(i + 1).is_some_and(is_service_word) {
                    i + 2
                } else {
                    i + 1
                };
                found = service_at(r, b - 2).map(|s| (s, b - 2, end));
            }
        }
        let Some((service, from, mut to)) = found else {
            continue;
        };
        // `api-gateway인`: the particle after the name
        if r.tok(to)
            .is_some_and(|t| t.kind == TokenKind::Hangul && t.text.starts_with('인'))
        {
            to += 1;
        }
        r.claim(from..to);
        r.note("service", from, to, format!("root service {service}"));
        push_unique(&mut r.root_services, service);
    }
}

/// Short forms of words in service names (`api gw` for `api-gateway`).
fn abbreviation(word: &str) -> &str {
    match word {
        "gw" => "gateway",
        _ => word,
    }
}

/// Nouns that, after a service's base name, name the service (`product catalog`, `payment system`).
const SERVICE_NOUNS: &[&str] = &["catalog", "system"];

/// What may follow a Korean service word in the same token (`주문이`, `결제의`).
const KOREAN_PARTICLES: &[&str] = &["", "이", "가", "은", "는", "을", "를", "의", "에서", "쪽"];

/// Services, in two rounds: exact and spacing variants first (`order-service`, `order service`,
/// `api gateway`); then, after phrases took their words, partial names and typos (`payment`, `ordr-service`).
pub(super) fn read_services(r: &mut Reading, schema: &Schema, loose: bool) {
    let services = &schema.index().services;
    let n = r.tokens.len();
    let mut i = 0;
    while i < n {
        if !r.free(i) {
            i += 1;
            continue;
        }
        let t = r.tokens[i].clone();
        let word_like = matches!(t.kind, TokenKind::Word | TokenKind::Hangul);
        if !word_like || bound_value(r, i, schema) {
            i += 1;
            continue;
        }
        // Korean service words: `주문 서비스`
        if t.kind == TokenKind::Hangul {
            if let Some((_, en)) = lx::KOREAN_SERVICE_WORDS
                .iter()
                .find(|(k, _)| t.text.starts_with(k))
            {
                let word = lx::KOREAN_SERVICE_WORDS
                    .iter()
                    .find(|(k, _)| t.text.starts_with(k))
                    .map_or("", |(k, _)| k);
                // on its own (`주문이 실패해`, `결제 쪽`), in the second round only
                let alone = loose
                    && KOREAN_PARTICLES.contains(&&t.text[word.len()..])
                    && services.resolve(en).is_some();
                let followed =
                    r.tok(i + 1).is_some_and(is_service_word) || t.text.contains("서비스") || alone;
                if followed {
                    let end = if t.text.contains("서비스")
                        || !r.tok(i + 1).is_some_and(is_service_word)
                    {
                        i + 1
                    } else {
                        i + 2
                    };
                    match services.resolve(en) {
                        Some((s, _)) => {
                            let s = s.to_string();
                            r.claim(i..end);
                            r.note("service", i, end, s.clone());
                            add_service(r, s, i);
                        }
                        None if loose => {
                            r.claim(i..end);
                            push_unique(&mut r.unknown_services, t.text.clone());
                        }
                        None => {}
                    }
                    i = end;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        // Two words joined (`order service`, `api gateway`), then one.
        let next_free = i + 1 < n && r.free(i + 1) && r.tokens[i + 1].kind == TokenKind::Word;
        if next_free {
            let second_word = abbreviation(&r.tokens[i + 1].lower);
            // "the product catalog", "the payment system": the service of that name
            let second_word = if SERVICE_NOUNS.contains(&second_word) {
                "service"
            } else {
                second_word
            };
            let joined = format!("{}-{}", abbreviation(&t.lower), second_word);
            let second = &r.tokens[i + 1].lower;
            // Loosely (partial names, typos) only when the second word could be part of a name:
            // `ordr service`, not `ordr-service in`.
            let second_ok = is_service_word(&r.tokens[i + 1]) || !lx::is_vocabulary(second);
            let prefix_ok = is_service_word(&r.tokens[i + 1]);
            if let Some((s, q)) = services.resolve(&joined)
                && (q <= MatchQuality::Normalised
                    || (loose
                        && second_ok
                        && !lx::is_vocabulary(&t.lower)
                        && (q != MatchQuality::Prefix || prefix_ok)))
            {
                let s = s.to_string();
                r.claim([i, i + 1]);
                let meaning = if q == MatchQuality::Exact || q == MatchQuality::Normalised {
                    s.clone()
                } else {
                    format!("{s} (from \"{} {}\")", t.text, r.tokens[i + 1].text)
                };
                r.note("service", i, i + 2, meaning);
                add_service(r, s, i);
                i += 2;
                continue;
            }
        }
        let followed_by_service = r.tok(i + 1).is_some_and(is_service_word) && r.free(i + 1);
        let vocab = lx::is_vocabulary(&t.lower);
        match services.resolve(&t.text) {
            Some((s, q)) => {
                let accept = match q {
                    MatchQuality::Exact | MatchQuality::Normalised => true,
                    // "payment" for payment-service, but not "Gateway" in "Gateway Timeout" (a phrase
                    // in Title Case: the next word is capitalised too and is nothing else).
                    MatchQuality::Partial => {
                        let title_phrase = t.text.chars().next().is_some_and(char::is_uppercase)
                            && !t.text.chars().all(|c| !c.is_lowercase())
                            && r.tok(i + 1).is_some_and(|n| {
                                n.kind == TokenKind::Word
                                    && n.text.chars().next().is_some_and(char::is_uppercase)
                                    && !lx::is_vocabulary(&n.lower)
                            });
                        loose && (!vocab || followed_by_service) && !title_phrase
                    }
                    MatchQuality::Prefix => loose && followed_by_service,
                    // A misspelt name only where a service goes: "from paymnet", "paymnet errors",
                    // "ordr-service", "prodcut service" (not "did api-gateway produce").
                    // (a misspelt name with a "-service" ending is unmistakable: taken in the first round)
                    MatchQuality::Typo(_) => {
                        (loose || service_shaped(&t.lower))
                            && !vocab
                            && (t.lower.len() >= 5 || followed_by_service)
                            && service_position(r, i)
                    }
                };
                if accept {
                    let s = s.to_string();
                    let end = if followed_by_service { i + 2 } else { i + 1 };
                    r.claim(i..end);
                    r.note(
                        "service",
                        i,
                        end,
                        if q == MatchQuality::Exact {
                            s.clone()
                        } else {
                            format!("{s} (from \"{}\")", t.text)
                        },
                    );
                    add_service(r, s, i);
                    i = end;
                    continue;
                }
            }
            None if loose => {
                // `inventory-service`, `the inventory service`, `service inventory`: a service that is not there.
                let suffixed = service_shaped(&t.lower);
                let named = followed_by_service
                    && !vocab
                    && !lx::is_vocabulary(&t.lower)
                    && t.lower
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                    && t.lower.chars().any(char::is_alphabetic);
                if suffixed || named {
                    let end = if followed_by_service { i + 2 } else { i + 1 };
                    r.claim(i..end);
                    if services.names().is_empty() && suffixed {
                        // No services known at all (no schema, Loki unreachable): a name written as a
                        // service is taken as written rather than refused.
                        r.note(
                            "service",
                            i,
                            end,
                            format!("{} (as written: no services are known)", t.lower),
                        );
                        add_service(r, t.lower.clone(), i);
                    } else {
                        push_unique(&mut r.unknown_services, t.text.clone());
                    }
                    i = end;
                    continue;
                }
            }
            None => {}
        }
        i += 1;
    }
}

pub(super) const METHODS: &[&str] = &["get", "post", "put", "delete", "patch", "head", "options"];

/// Span names ("POST /api/v1/orders"), routes ("/api/v1/orders") and methods ("POST requests").
pub(super) fn read_span_names(r: &mut Reading, schema: &Schema) {
    let names = schema
        .tempo
        .values
        .get("name")
        .map_or(&[][..], Vec::as_slice);
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        if METHODS.contains(&t.lower.as_str()) && t.text.chars().all(|c| c.is_ascii_uppercase()) {
            if let Some(path) = r
                .tok(i + 1)
                .filter(|p| p.text.starts_with('/') && r.free(i + 1))
            {
                let wanted = format!("{} {}", t.text, path.text);
                let name = names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(&wanted))
                    .cloned()
                    .unwrap_or(wanted);
                r.claim([i, i + 1]);
                r.note("span", i, i + 2, format!("span name \"{name}\""));
                push_unique(&mut r.span_names, name);
                continue;
            }
            r.claim([i]);
            r.note("method", i, i + 1, format!("HTTP method {}", t.text));
            push_unique(&mut r.methods, t.text.clone());
            continue;
        }
        if t.text.starts_with('/') && t.text.len() > 1 && t.kind == TokenKind::Word {
            // a path: a span name ending in it, else a route ("route /x" is always the route)
            let matching: Vec<&String> = names
                .iter()
                .filter(|n| n.ends_with(&format!(" {}", t.text)))
                .collect();
            let said_route = (i > 0 && r.is(i - 1, &["route", "path", "url", "endpoint"]))
                || r.tok(i + 1).is_some_and(|n| ko(n, &["라우트", "경로"]));
            r.claim([i]);
            if matching.len() == 1 && !said_route {
                r.note("span", i, i + 1, format!("span name \"{}\"", matching[0]));
                push_unique(&mut r.span_names, matching[0].clone());
            } else {
                r.note("route", i, i + 1, format!("route {}", t.text));
                push_unique(&mut r.routes, t.text.clone());
            }
            continue;
        }
        // a span name typed without quotes that exists as is (`SELECT products`, `INSERT orders`)
        if t.kind == TokenKind::Word
            && t.text.chars().all(|c| c.is_ascii_uppercase())
            && t.text.len() >= 3
            && let Some(next) = r.tok(i + 1).filter(|_| r.free(i + 1))
        {
            let wanted = format!("{} {}", t.text, next.text);
            if let Some(name) = names.iter().find(|n| **n == wanted) {
                let name = name.clone();
                r.claim([i, i + 1]);
                r.note("span", i, i + 2, format!("span name \"{name}\""));
                push_unique(&mut r.span_names, name);
            }
        }
    }
}

/// "error type", `에러 타입`, `오류 유형`, `에러타입`: the word names the kind of error (the `error.type`
/// attribute), not erroneous spans or lines.
fn names_error_kind(r: &Reading, i: usize) -> bool {
    const KIND_KO: &[&str] = &["타입", "유형", "종류"];
    let t = &r.tokens[i];
    (t.kind == TokenKind::Hangul && lx::ko_contains(t, KIND_KO))
        || r.tok(i + 1)
            .is_some_and(|n| n.is_any(&["type", "types", "kind"]) || ko(n, KIND_KO))
}

pub(super) fn read_levels(r: &mut Reading) {
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let mut t = r.tokens[i].clone();
        // "non-error", "non_error": every level but this one
        let non = ["non-", "non_"]
            .iter()
            .find_map(|p| t.lower.strip_prefix(p).map(str::to_string));
        if let Some(rest) = &non {
            t.lower = rest.clone();
        }
        // "error-level", "info-only", "warn-logs"
        if let Some((base, rest)) = t.lower.split_once('-')
            && [
                "level", "levels", "only", "logs", "log", "lines", "messages", "severity", "events",
            ]
            .contains(&rest)
        {
            t.lower = base.to_string();
        }
        let level = if any(&t, lx::ERROR_WORDS)
            || lx::ko_contains(&t, &["에러", "오류", "예외", "익셉션"])
        {
            Some("error")
        } else if (any(&t, lx::FAILED_WORDS) && !(t.is("broken") && r.is(i + 1, &["down", "out"])))
            || lx::ko_contains(&t, &["실패", "장애"])
        {
            r.cues.failed = true;
            Some("error")
        } else if any(&t, lx::WARN_WORDS) || lx::ko_contains(&t, lx::WARN_KO) {
            Some("warn")
        } else if any(&t, lx::INFO_WORDS) || ko(&t, lx::INFO_KO) {
            Some("info")
        } else if t.is("debug") || ko(&t, lx::DEBUG_KO) {
            Some("debug")
        } else {
            None
        };
        let Some(level) = level else { continue };
        if level == "error" && names_error_kind(r, i) {
            continue;
        }
        // Korean tokens also carry log/trace nouns (`에러로그`): let cues see them too.
        if t.kind != TokenKind::Hangul {
            r.claim([i]);
        }
        let before = i > 0
            && r.tokens[i - 1].is_any(&["non", "not", "excluding", "except", "without", "no"]);
        // `에러 아닌`, `에러가 아닌`, `에러 제외한`, `경고 빼고`: the negation follows (a particle between)
        let after = (t.kind == TokenKind::Hangul)
            .then(|| {
                let mut k = i + 1;
                while r.tok(k).is_some_and(|x| {
                    x.kind == TokenKind::Hangul
                        && ["가", "이", "는", "은", "를", "을"].contains(&x.text.as_str())
                }) {
                    k += 1;
                }
                r.tok(k)
                    .filter(|x| {
                        x.kind == TokenKind::Hangul
                            && ["아닌", "아니", "제외", "빼고", "말고"]
                                .iter()
                                .any(|w| x.text.starts_with(w))
                    })
                    .map(|_| k)
            })
            .flatten();
        if before || non.is_some() || after.is_some() {
            let from = if before { i - 1 } else { i };
            let to = after.map_or(i + 1, |k| k + 1);
            r.claim(from..to);
            if t.kind == TokenKind::Hangul {
                // the level word itself may carry a log noun (`에러로그`): cues still see it
                r.claimed[i] = false;
            }
            push_unique(&mut r.negated_levels, level);
            r.note("level", from, to, format!("level is not {level}"));
        } else {
            push_unique(&mut r.levels, level);
            r.note("level", i, i + 1, format!("level {level}"));
        }
    }
}

/// Values of other stream labels (`staging`, `prod`, `shop`) and their common synonyms.
pub(super) fn read_label_values(r: &mut Reading, schema: &Schema) {
    let synonyms: &[(&str, &str)] = &[
        ("production", "prod"),
        ("prd", "prod"),
        ("stage", "staging"),
        ("stg", "staging"),
        ("development", "dev"),
        ("운영", "prod"),
        ("스테이징", "staging"),
        ("개발", "dev"),
    ];
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        if t.lower.len() < 3
            || lx::is_vocabulary(&t.lower) && !synonyms.iter().any(|(s, _)| *s == t.lower)
        {
            continue;
        }
        let wanted: Vec<String> = std::iter::once(t.lower.clone())
            .chain(
                synonyms
                    .iter()
                    .filter(|(s, _)| {
                        t.lower == *s || (t.kind == TokenKind::Hangul && t.text.starts_with(s))
                    })
                    .map(|(_, v)| v.to_string()),
            )
            .collect();
        let index = &schema.index().label_values;
        let found = wanted.iter().find_map(|w| {
            index
                .get(&w.to_lowercase())
                .and_then(|hits| hits.first())
                .cloned()
        });
        if let Some((label, value)) = found {
            r.claim([i]);
            r.note("label", i, i + 1, format!("{label}=\"{value}\""));
            r.labels.push((label, value, false));
        }
    }
}

/// `api-gateway랑 order-service 빼고`: services named before a Korean exclusion are left out.
pub(super) fn read_korean_exclusions(r: &mut Reading) {
    let joins = ["랑", "이랑", "와", "과", "하고", "및", "나", "이나"];
    let mut excluded = Vec::new();
    let positions = r.service_at.clone();
    for (k, &at) in positions.iter().enumerate() {
        let mut j = at + 1;
        while j < r.tokens.len()
            && (r.claimed_as[j] == "service"
                || r.tokens[j].is_any(&["and", "or", ","])
                || (r.tokens[j].kind == TokenKind::Hangul
                    && joins.contains(&r.tokens[j].text.as_str())))
        {
            j += 1;
        }
        let cue = r.tok(j).is_some_and(|c| {
            c.kind == TokenKind::Hangul
                && (lx::ko_contains(c, lx::NEGATION_KO_AFTER)
                    || c.text.starts_with("외")
                    || c.text.starts_with("제외"))
        });
        if cue {
            excluded.push(k);
            r.claim([j]);
        }
    }
    for k in excluded.into_iter().rev() {
        let service = r.services.remove(k);
        r.service_at.remove(k);
        push_unique(&mut r.excluded_services, service);
    }
}

/// Tempo attributes: written by name ("error.type timeout", "db.system = postgresql") or by a value that
/// names something ("calls to acmepay" → `span.peer.service = "acmepay"`, "postgres spans" →
/// `span.db.system = "postgresql"`, "DB INSERT spans" → `span.db.operation = "INSERT"`). Trace plans
/// filter on them; log plans look for the value in the lines.
pub(super) fn read_tempo_attributes(r: &mut Reading, schema: &Schema) {
    let index = schema.index();
    let n = r.tokens.len();
    let mut i = 0;
    while i < n {
        if !r.free(i) {
            i += 1;
            continue;
        }
        let t = r.tokens[i].clone();
        // by name: `error.type timeout`, `span.db.system = "postgresql"`, `peer.service is acmepay`
        // (`by db.sql.table` groups: the grouping pass reads it)
        let grouping = i > 0 && r.is(i - 1, &["by", "per"]);
        if t.kind == TokenKind::Word
            && t.lower.contains('.')
            && !grouping
            && let Some(attr) = index.attribute_names.get(&t.lower).cloned()
        {
            let mut j = i + 1;
            while r.is(j, &["is", "was"]) {
                j += 1;
            }
            // "= x", "not x", "equal to x", "greater than 100", "at most 3", "no more than 10"
            let (op, k) = comparison_at(r, j);
            let j = k;
            let ordering = matches!(op, CmpOp::Gt | CmpOp::Gte | CmpOp::Lt | CmpOp::Lte);
            // without a written comparison, an ordinary word ("over the last hour") is no value
            let written = j > i + 1;
            if let Some(v) = r.tok(j).filter(|v| {
                r.free(j)
                    && matches!(v.kind, TokenKind::Word | TokenKind::Quoted)
                    && (!ordering || v.number().is_some())
                    && (written || v.kind == TokenKind::Quoted || !lx::is_vocabulary(&v.lower))
                    && (written || !v.is_any(&["over", "in", "for", "from", "during", "since"]))
            }) {
                let value = match v.number() {
                    Some(num) => FieldValue::Number(num),
                    None => FieldValue::Text(v.text.clone()),
                };
                r.claim(i..=j);
                r.note(
                    "attribute",
                    i,
                    j + 1,
                    format!("{attr} {} {}", op_text(op), value_display(&value)),
                );
                r.attrs.push(AttrCond {
                    attr,
                    op,
                    value,
                    typed: None,
                });
                i = j + 1;
                continue;
            }
        }
        // in words, with a value the attribute has: "payment provider acmepay", "db system is postgresql",
        // "the products table", "server address = x" (with a written link any value)
        if let Some(found) = worded_attribute(r, i, schema) {
            let (attr, value, from, to) = found;
            r.claim(from..to);
            r.note("attribute", from, to, format!("{attr} = \"{value}\""));
            r.attrs.push(AttrCond {
                attr,
                op: CmpOp::Eq,
                value: FieldValue::Text(value.clone()),
                typed: Some(value),
            });
            i = to;
            continue;
        }
        // by value: exact, or the one value of the best attribute that a longer name starts with
        // ("postgres" → db.system "postgresql"); service names and Loki label values are read as those.
        let word_like = matches!(t.kind, TokenKind::Word | TokenKind::Quoted);
        // (an exact value of an attribute, `postgres-order`, is not a loose match of a service it is no
        // part of, `order-service`)
        let exact_value = index.attribute_values.contains_key(&t.lower);
        let other_thing = index.services.resolve(&t.text).is_some_and(|(s, q)| {
            q <= MatchQuality::Normalised || !exact_value || s.to_lowercase().contains(&t.lower)
        }) || index.label_values.contains_key(&t.lower)
            || plural_service(r, i, schema);
        // a word in the middle of an unquoted phrase ("Gateway Timeout") belongs to the phrase
        let plain_neighbour = |j: Option<usize>| {
            j.and_then(|j| r.tok(j)).is_some_and(|x| {
                x.kind == TokenKind::Word
                    && !lx::is_vocabulary(&x.lower)
                    && !x.is_number()
                    && !matches!(
                        index.services.resolve(&x.text),
                        Some((_, MatchQuality::Exact | MatchQuality::Normalised))
                    )
            })
        };
        // (a name like `postgres-order` that is exactly an attribute's value is an identifier, no phrase word)
        let identifier = exact_value && t.lower.contains(['-', '.', '_']);
        let in_phrase =
            !identifier && (plain_neighbour(i.checked_sub(1)) || plain_neighbour(Some(i + 1)));
        if word_like
            && t.lower.len() >= 3
            && !lx::is_vocabulary(&t.lower)
            && !t.is_number()
            && !other_thing
            && !in_phrase
        {
            let best = |hits: &mut Vec<(String, String)>| {
                hits.sort_by_key(|(attr, _)| attribute_rank(attr));
                hits.first().cloned()
            };
            let hit = index
                .attribute_values
                .get(&t.lower)
                .cloned()
                .and_then(|mut h| best(&mut h))
                .or_else(|| {
                    if t.lower.len() < 6 {
                        return None;
                    }
                    let mut by_attr: std::collections::BTreeMap<String, Vec<String>> =
                        std::collections::BTreeMap::new();
                    for (v, hits) in &index.attribute_values {
                        if v.starts_with(&t.lower) {
                            for (attr, value) in hits {
                                by_attr.entry(attr.clone()).or_default().push(value.clone());
                            }
                        }
                    }
                    let mut unique: Vec<(String, String)> = by_attr
                        .into_iter()
                        .filter(|(_, v)| v.len() == 1)
                        .map(|(a, mut v)| (a, v.remove(0)))
                        .collect();
                    best(&mut unique)
                });
            if let Some((attr, value)) = hit {
                r.claim([i]);
                r.note("attribute", i, i + 1, format!("{attr} = \"{value}\""));
                r.attrs.push(AttrCond {
                    attr,
                    op: CmpOp::Eq,
                    value: FieldValue::Text(value),
                    typed: Some(t.text.clone()),
                });
            }
        }
        i += 1;
    }
}

/// A plural of a service's base name (`orders` for `order-service`) that is also an attribute's value
/// (the `orders` table) names the service where a service word follows (`the orders service`) or the
/// question is not about spans.
fn plural_service(r: &Reading, i: usize, schema: &Schema) -> bool {
    let Some(t) = r.tok(i) else { return false };
    t.kind == TokenKind::Word
        && t.lower.ends_with('s')
        && matches!(
            schema.index().services.resolve(&t.text),
            Some((_, MatchQuality::Partial))
        )
        && (!r.cues.traces || r.tok(i + 1).is_some_and(is_service_word))
}

/// An attribute named in words at token `i` and its value: (attribute, value, first token, end token).
fn worded_attribute(
    r: &Reading,
    i: usize,
    schema: &Schema,
) -> Option<(String, String, usize, usize)> {
    let (attr, n) = (1..=3)
        .rev()
        .filter(|&n| (i..i + n).all(|k| r.free(k)))
        .find_map(|n| attribute_words(r, i, n, schema).map(|a| (a, n)))?;
    let known = |k: usize| -> Option<String> {
        let v = r.tok(k).filter(|_| r.free(k))?;
        schema
            .tempo
            .values
            .get(&attr)?
            .iter()
            .find(|x| x.eq_ignore_ascii_case(&v.text))
            .cloned()
    };
    // after: NAME [is|=] VALUE
    let mut k = i + n;
    while r.is(k, &["is", "was", "=", "==", ":", "equals", "of"]) {
        k += 1;
    }
    let written = k > i + n;
    if let Some(v) = known(k) {
        return Some((attr, v, i, k + 1));
    }
    if written
        && let Some(v) = r.tok(k).filter(|v| {
            r.free(k)
                && (v.kind == TokenKind::Quoted
                    || (v.kind == TokenKind::Word && !lx::is_vocabulary(&v.lower)))
        })
    {
        return Some((attr, v.text.clone(), i, k + 1));
    }
    // before: "the products table"
    if i > 0
        && let Some(v) = known(i - 1)
    {
        return Some((attr, v, i - 1, i + n));
    }
    None
}

/// Which attribute a value most likely names, best first: the peer called, the database, the operation,
/// the server, then the rest (span attributes before resource attributes).
fn attribute_rank(attr: &str) -> usize {
    const ORDER: [&str; 6] = [
        "span.peer.service",
        "span.db.system",
        "span.db.operation",
        "span.db.name",
        "span.server.address",
        "span.db.sql.table",
    ];
    ORDER
        .iter()
        .position(|a| *a == attr)
        .unwrap_or(if attr.starts_with("span.") {
            ORDER.len()
        } else {
            ORDER.len() + 1
        })
}
