//! Grafana-like relative times: `now`, `now-3h`, `now-150m`, `now/d`, `now-1d/d`, `now/d+6h30m`, or an
//! RFC 3339 time. `/d` rounds down to midnight UTC (`/h`, `/w` likewise; weeks start on Monday).

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

use crate::plan::QueryDuration;

pub fn resolve_relative(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let mut rest = text
        .strip_prefix("now")
        .ok_or_else(|| format!("`{text}` is neither `now…` nor RFC 3339"))?;
    let mut t = now;
    while !rest.is_empty() {
        let (op, tail) = rest.split_at(1);
        let end = tail.find(['+', '-', '/']).unwrap_or(tail.len());
        let arg = &tail[..end];
        rest = &tail[end..];
        match op {
            "+" | "-" => {
                let d = QueryDuration::parse(arg)
                    .ok_or_else(|| format!("bad duration `{arg}` in `{text}`"))?;
                let d = d.as_chrono();
                t = if op == "+" { t + d } else { t - d };
            }
            "/" => {
                t = match arg {
                    "d" => t
                        .date_naive()
                        .and_hms_opt(0, 0, 0)
                        .map(|n| n.and_utc())
                        .ok_or("bad date")?,
                    "h" => t
                        .with_minute(0)
                        .and_then(|t| t.with_second(0))
                        .and_then(|t| t.with_nanosecond(0))
                        .ok_or("bad hour")?,
                    "m" => t
                        .with_second(0)
                        .and_then(|t| t.with_nanosecond(0))
                        .ok_or("bad minute")?,
                    "w" => {
                        let midnight = t
                            .date_naive()
                            .and_hms_opt(0, 0, 0)
                            .map(|n| n.and_utc())
                            .ok_or("bad date")?;
                        midnight - Duration::days(midnight.weekday().num_days_from_monday() as i64)
                    }
                    other => return Err(format!("unknown rounding `/{other}` in `{text}`")),
                };
            }
            _ => return Err(format!("unexpected `{op}` in `{text}`")),
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_grafana_syntax() {
        let now: DateTime<Utc> = "2026-11-25T08:38:56Z".parse().unwrap();
        let r = |s: &str| crate::plan::rfc3339(&resolve_relative(s, now).unwrap());
        assert_eq!(r("now"), "2026-11-25T08:38:56Z");
        assert_eq!(r("now-3h"), "2026-11-25T05:38:56Z");
        assert_eq!(r("now-150m"), "2026-11-25T06:08:56Z");
        assert_eq!(r("now/d"), "2026-11-25T00:00:00Z");
        assert_eq!(r("now-1d/d"), "2026-11-24T00:00:00Z");
        assert_eq!(r("now/d+6h30m"), "2026-11-25T06:30:00Z");
        assert_eq!(r("2026-11-25T07:50:00Z"), "2026-11-25T07:50:00Z");
        assert!(resolve_relative("yesterday", now).is_err());
        assert!(resolve_relative("now/x", now).is_err());
    }
}
