//! Resolving what a person typed to a value that exists: exact, spacing/punctuation variants
//! (`order service`, `orderservice`), partial names (`payment` → `payment-service`) and typos
//! (`ordr-service`, `paymnet`), with `strsim`'s Damerau–Levenshtein distance.

/// How a name matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchQuality {
    Exact,
    /// Same letters and digits, other spacing or punctuation.
    Normalised,
    /// The base name without a generic suffix (`payment` for `payment-service`).
    Partial,
    /// Within a small edit distance.
    Typo(usize),
}

/// Lower-case letters and digits only.
pub fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Generic words services end with; `payment-service` has the base name `payment`.
const GENERIC_SUFFIXES: [&str; 8] = [
    "service", "svc", "api", "app", "server", "srv", "worker", "backend",
];

pub fn base_name(value: &str) -> String {
    let lower = value.to_lowercase();
    for suffix in GENERIC_SUFFIXES {
        for sep in ["-", "_", ".", " ", ""] {
            let tail = format!("{sep}{suffix}");
            if let Some(base) = lower.strip_suffix(&tail)
                && !base.is_empty()
            {
                return normalise(base);
            }
        }
    }
    normalise(&lower)
}

/// The edit distance a typo may have for a word of this length.
fn typo_budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=5 => 1,
        6..=10 => 2,
        _ => 3,
    }
}

/// Best match of `typed` among `values`, if any is close enough and unambiguous.
pub fn resolve<'a>(typed: &str, values: &'a [String]) -> Option<(&'a str, MatchQuality)> {
    let typed_lower = typed.to_lowercase();
    if let Some(v) = values.iter().find(|v| v.to_lowercase() == typed_lower) {
        return Some((v, MatchQuality::Exact));
    }
    let typed_norm = normalise(typed);
    if typed_norm.is_empty() {
        return None;
    }
    if let Some(v) = values.iter().find(|v| normalise(v) == typed_norm) {
        return Some((v, MatchQuality::Normalised));
    }
    let typed_base = base_name(typed);
    // A base name (`payment` for `payment-service`) or one distinctive part (`gateway` for `api-gateway`).
    let partial: Vec<&String> = values
        .iter()
        .filter(|v| {
            (typed_base.len() >= 3 && base_name(v) == typed_base)
                || (typed_norm.len() >= 4
                    && !GENERIC_SUFFIXES.contains(&typed_norm.as_str())
                    && v.to_lowercase()
                        .split(['-', '_', '.', ' '])
                        .any(|part| part == typed_norm))
        })
        .collect();
    if partial.len() == 1 {
        return Some((partial[0], MatchQuality::Partial));
    }
    // Typos: compare whole names and base names; the best must be unique.
    let mut best: Option<(&String, usize)> = None;
    let mut tie = false;
    for v in values {
        let whole = strsim::damerau_levenshtein(&typed_norm, &normalise(v));
        let base = strsim::damerau_levenshtein(&typed_base, &base_name(v));
        let (d, len) = if base < whole {
            (base, typed_base.len().min(base_name(v).len()))
        } else {
            (whole, typed_norm.len().min(normalise(v).len()))
        };
        if d > typo_budget(len) {
            continue;
        }
        match best {
            Some((_, bd)) if d > bd => {}
            Some((_, bd)) if d == bd => tie = true,
            _ => {
                best = Some((v, d));
                tie = false;
            }
        }
    }
    match best {
        Some((v, d)) if !tie => Some((v, MatchQuality::Typo(d))),
        _ => None,
    }
}

/// Values ranked by closeness to `typed`, for "did you mean" suggestions (at most `n`).
pub fn suggestions(typed: &str, values: &[String], n: usize) -> Vec<String> {
    let typed = base_name(typed);
    let mut ranked: Vec<(f64, &String)> = values
        .iter()
        .map(|v| (strsim::jaro_winkler(&typed, &base_name(v)), v))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    ranked.into_iter().take(n).map(|(_, v)| v.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services() -> Vec<String> {
        [
            "api-gateway",
            "order-service",
            "payment-service",
            "product-service",
            "user-service",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    #[test]
    fn service_typo_resolves_to_closest_value() {
        let s = services();
        assert_eq!(
            resolve("ordr-service", &s).map(|m| m.0),
            Some("order-service")
        );
        assert_eq!(resolve("paymnet", &s).map(|m| m.0), Some("payment-service"));
        assert_eq!(
            resolve("prodcut-service", &s).map(|m| m.0),
            Some("product-service")
        );
        assert_eq!(resolve("api gateway", &s).map(|m| m.0), Some("api-gateway"));
        assert_eq!(
            resolve("orderservice", &s).map(|m| m.0),
            Some("order-service")
        );
        assert_eq!(resolve("payment", &s).map(|m| m.0), Some("payment-service"));
        assert_eq!(resolve("gateway", &s).map(|m| m.0), Some("api-gateway"));
        assert_eq!(resolve("service", &s), None);
    }

    #[test]
    fn unknown_names_do_not_resolve() {
        let s = services();
        assert_eq!(resolve("inventory", &s), None);
        assert_eq!(resolve("error", &s), None);
        assert_eq!(resolve("the", &s), None);
        assert_eq!(resolve("", &s), None);
    }

    #[test]
    fn suggestions_rank_by_similarity() {
        let s = services();
        assert_eq!(suggestions("paymnt", &s, 2)[0], "payment-service");
    }
}
