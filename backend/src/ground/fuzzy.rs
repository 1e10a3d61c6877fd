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
    /// The start of one base name (`pay` for `payment-service`): only with "svc"/"service" after it.
    Prefix,
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
        // A separator before the suffix (`-`, `_`, `.`, space) is not a letter or digit, so
        // `normalise` drops it: no need to try each one (this runs for every word resolved).
        if let Some(stem) = lower.strip_suffix(suffix)
            && !stem.is_empty()
        {
            return normalise(stem);
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

/// Values with their comparison forms computed once (lower-case, letters and digits only, base name,
/// parts), so that resolving a word costs no allocation per value.
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    names: Vec<String>,
    lower: Vec<String>,
    norm: Vec<String>,
    base: Vec<String>,
    parts: Vec<Vec<String>>,
}

impl NameIndex {
    pub fn new(values: &[String]) -> Self {
        let mut index = NameIndex::default();
        for v in values {
            index.names.push(v.clone());
            index.lower.push(v.to_lowercase());
            index.norm.push(normalise(v));
            index.base.push(base_name(v));
            index.parts.push(
                v.to_lowercase()
                    .split(['-', '_', '.', ' '])
                    .map(str::to_string)
                    .collect(),
            );
        }
        index
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Best match of `typed`, if one is close enough and unambiguous.
    pub fn resolve(&self, typed: &str) -> Option<(&str, MatchQuality)> {
        let typed_lower = typed.to_lowercase();
        if let Some(i) = self.lower.iter().position(|v| *v == typed_lower) {
            return Some((&self.names[i], MatchQuality::Exact));
        }
        let typed_norm = normalise(typed);
        if typed_norm.is_empty() {
            return None;
        }
        if let Some(i) = self.norm.iter().position(|v| *v == typed_norm) {
            return Some((&self.names[i], MatchQuality::Normalised));
        }
        let typed_base = base_name(typed);
        // A base name (`payment` for `payment-service`) or one distinctive part (`gateway` for `api-gateway`).
        let distinctive = typed_norm.len() >= 4 && !GENERIC_SUFFIXES.contains(&typed_norm.as_str());
        // a plural of a base name names the service too (`orders` for `order-service`)
        let singular = typed_base
            .strip_suffix('s')
            .filter(|s| s.len() >= 4 && typed_norm == typed_base);
        let mut partial = None;
        let mut partial_count = 0;
        for i in 0..self.names.len() {
            let by_base = (typed_base.len() >= 3 && self.base[i] == typed_base)
                || singular.is_some_and(|s| self.base[i] == s);
            let by_part = distinctive && self.parts[i].contains(&typed_norm);
            if by_base || by_part {
                partial = Some(i);
                partial_count += 1;
            }
        }
        if partial_count == 1 {
            return partial.map(|i| (self.names[i].as_str(), MatchQuality::Partial));
        }
        if typed_base.len() >= 3 {
            let mut prefixed =
                (0..self.names.len()).filter(|&i| self.base[i].starts_with(&typed_base));
            if let (Some(i), None) = (prefixed.next(), prefixed.next()) {
                return Some((&self.names[i], MatchQuality::Prefix));
            }
        }
        // Typos: compare whole names and base names; the best must be unique.
        let mut best: Option<(usize, usize)> = None;
        let mut tie = false;
        for i in 0..self.names.len() {
            let whole_budget = typo_budget(typed_norm.len().min(self.norm[i].len()));
            let base_budget = typo_budget(typed_base.len().min(self.base[i].len()));
            // lengths alone rule most values out without computing a distance
            let whole = if typed_norm.len().abs_diff(self.norm[i].len()) <= whole_budget {
                strsim::damerau_levenshtein(&typed_norm, &self.norm[i])
            } else {
                usize::MAX
            };
            let base = if typed_base.len().abs_diff(self.base[i].len()) <= base_budget {
                strsim::damerau_levenshtein(&typed_base, &self.base[i])
            } else {
                usize::MAX
            };
            let d = if base <= base_budget && base < whole {
                base
            } else if whole <= whole_budget {
                whole
            } else {
                continue;
            };
            match best {
                Some((_, bd)) if d > bd => {}
                Some((_, bd)) if d == bd => tie = true,
                _ => {
                    best = Some((i, d));
                    tie = false;
                }
            }
        }
        match best {
            Some((i, d)) if !tie => Some((&self.names[i], MatchQuality::Typo(d))),
            _ => None,
        }
    }
}

/// Best match of `typed` among `values` (builds a [`NameIndex`]; keep one when resolving many words).
pub fn resolve<'a>(typed: &str, values: &'a [String]) -> Option<(&'a str, MatchQuality)> {
    let index = NameIndex::new(values);
    let found = index
        .resolve(typed)
        .map(|(name, q)| (name.to_string(), q))?;
    values
        .iter()
        .find(|v| **v == found.0)
        .map(|v| (v.as_str(), found.1))
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
    fn plural_of_a_base_name_is_a_partial_match() {
        let s = services();
        assert_eq!(
            resolve("orders", &s),
            Some(("order-service", MatchQuality::Partial))
        );
        assert_eq!(
            resolve("Payments", &s),
            Some(("payment-service", MatchQuality::Partial))
        );
        assert_eq!(resolve("services", &s), None);
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
