//! Durations as Loki and Tempo write them (`5m`, `1h30m`, `500ms`).
//!
//! Hand-written rather than `humantime`: we need the exact Prometheus/Go spelling in both directions
//! (`1h30m`, `1500ms`, no spaces, no `min`) and nothing else; the code is a few lines.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative duration with nanosecond precision, printed in Loki/Tempo syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct QueryDuration(u64);

const NS: u64 = 1;
const US: u64 = 1_000 * NS;
const MS: u64 = 1_000 * US;
const S: u64 = 1_000 * MS;
const M: u64 = 60 * S;
const H: u64 = 60 * M;
const D: u64 = 24 * H;
const W: u64 = 7 * D;

/// Units from largest to smallest, as both servers accept them.
const UNITS: [(&str, u64); 8] = [
    ("w", W),
    ("d", D),
    ("h", H),
    ("m", M),
    ("s", S),
    ("ms", MS),
    ("us", US),
    ("ns", NS),
];

impl QueryDuration {
    pub const fn from_nanos(ns: u64) -> Self {
        Self(ns)
    }
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms * MS)
    }
    pub const fn from_secs(s: u64) -> Self {
        Self(s * S)
    }
    pub const fn from_mins(m: u64) -> Self {
        Self(m * M)
    }
    pub const fn from_hours(h: u64) -> Self {
        Self(h * H)
    }
    /// From a float count of seconds (rounded to the nanosecond); negative and non-finite values give zero.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_finite() && s > 0.0 {
            Self((s * S as f64).round().min(u64::MAX as f64) as u64)
        } else {
            Self(0)
        }
    }
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / S as f64
    }
    pub fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.0)
    }
    pub fn as_chrono(self) -> chrono::Duration {
        chrono::Duration::nanoseconds(self.0.min(i64::MAX as u64) as i64)
    }
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses `5m`, `1h30m`, `1.5s`, `500ms`, `2d` (Go/Prometheus syntax; `µs` accepted for `us`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if text == "0" {
            return Some(Self(0));
        }
        let mut total: f64 = 0.0;
        let mut rest = text;
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            if num_len == 0 {
                return None;
            }
            let number: f64 = rest[..num_len].parse().ok()?;
            rest = &rest[num_len..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(rest.len());
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            let scale = match unit {
                "w" => W,
                "d" => D,
                "h" => H,
                "m" => M,
                "s" => S,
                "ms" => MS,
                "us" | "µs" | "μs" => US,
                "ns" => NS,
                _ => return None,
            };
            total += number * scale as f64;
        }
        if !total.is_finite() || total > u64::MAX as f64 {
            return None;
        }
        Some(Self(total.round() as u64))
    }
}

impl fmt::Display for QueryDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        // A fraction of a second as one number and unit (`1500ms`, not `1s500ms`), as people and both query languages write it
        if !self.0.is_multiple_of(S) {
            let (name, size) = [("ms", MS), ("us", US), ("ns", NS)]
                .into_iter()
                .find(|(_, size)| self.0.is_multiple_of(*size))
                .unwrap_or(("ns", NS));
            return write!(f, "{}{}", self.0 / size, name);
        }
        let mut rest = self.0;
        // Weeks and days only when exact, because `90d` reads better than `12w6d`.
        for (name, size) in UNITS {
            if (name == "w" || name == "d") && !rest.is_multiple_of(size) {
                continue;
            }
            if rest >= size {
                write!(f, "{}{}", rest / size, name)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl QueryDuration {
    /// One number and one unit from `h` down to `ns` (`500s`, `90m`, `36h`), as TraceQL needs:
    /// Tempo reads durations with Go's parser, which has no `d` or `w`, and Grafana's TraceQL
    /// grammar takes a single unit (`8m20s` and `1h30m` are syntax errors in the query editor).
    pub fn single_unit(self) -> impl fmt::Display {
        struct SingleUnit(u64);
        impl fmt::Display for SingleUnit {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if self.0 == 0 {
                    return f.write_str("0s");
                }
                let (name, size) = UNITS[2..]
                    .iter()
                    .copied()
                    .find(|(_, size)| self.0.is_multiple_of(*size))
                    .unwrap_or(("ns", NS));
                write!(f, "{}{}", self.0 / size, name)
            }
        }
        SingleUnit(self.0)
    }
}

impl Serialize for QueryDuration {
    fn serialize<Ser: Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for QueryDuration {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        let text = String::deserialize(d)?;
        QueryDuration::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid duration `{text}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_unit_for_traceql() {
        let text = |d: QueryDuration| d.single_unit().to_string();
        assert_eq!(text(QueryDuration::from_secs(500)), "500s");
        assert_eq!(text(QueryDuration::from_mins(90)), "90m");
        assert_eq!(text(QueryDuration::from_hours(48)), "48h");
        assert_eq!(text(QueryDuration::from_hours(24 * 14)), "336h");
        assert_eq!(text(QueryDuration::from_millis(1500)), "1500ms");
        assert_eq!(text(QueryDuration::from_secs(1)), "1s");
        assert_eq!(text(QueryDuration::default()), "0s");
    }

    #[test]
    fn prints_in_largest_exact_units() {
        assert_eq!(QueryDuration::from_mins(5).to_string(), "5m");
        assert_eq!(QueryDuration::from_mins(90).to_string(), "1h30m");
        assert_eq!(QueryDuration::from_hours(6).to_string(), "6h");
        assert_eq!(QueryDuration::from_hours(24).to_string(), "1d");
        assert_eq!(QueryDuration::from_hours(25).to_string(), "25h");
        assert_eq!(QueryDuration::from_millis(500).to_string(), "500ms");
        assert_eq!(QueryDuration::from_millis(1500).to_string(), "1500ms");
        assert_eq!(
            QueryDuration::from_nanos(61_000_000_500).to_string(),
            "61000000500ns"
        );
        assert_eq!(QueryDuration::from_nanos(0).to_string(), "0s");
    }

    #[test]
    fn parses_go_and_prometheus_spellings() {
        assert_eq!(
            QueryDuration::parse("1h30m"),
            Some(QueryDuration::from_mins(90))
        );
        assert_eq!(
            QueryDuration::parse("1.5s"),
            Some(QueryDuration::from_millis(1500))
        );
        assert_eq!(
            QueryDuration::parse("2d"),
            Some(QueryDuration::from_hours(48))
        );
        assert_eq!(
            QueryDuration::parse("250µs"),
            Some(QueryDuration::from_nanos(250_000))
        );
        assert_eq!(QueryDuration::parse("5 m"), None);
        assert_eq!(QueryDuration::parse("m"), None);
        assert_eq!(QueryDuration::parse(""), None);
        assert_eq!(QueryDuration::parse("5x"), None);
    }

    #[test]
    fn round_trips() {
        for text in [
            "1m", "15m", "1h", "3h", "1d", "1w", "1h1m1s", "100ms", "1001ms",
        ] {
            assert_eq!(QueryDuration::parse(text).unwrap().to_string(), text);
        }
    }
}
