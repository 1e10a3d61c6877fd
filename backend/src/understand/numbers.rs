//! Numbers as people write them: digits, English number words, Korean native and Sino-Korean numerals,
//! durations with units (`1.5 seconds`, `500ms`, `2초`, `한 시간 반`) and HTTP status codes (`500`, `5xx`).

use super::text::{Token, TokenKind};
use crate::plan::QueryDuration;

/// English number words up to a hundred, plus the indefinite article ("an hour").
pub fn english_number(word: &str) -> Option<f64> {
    Some(match word {
        "a" | "an" | "one" | "single" => 1.0,
        "two" | "couple" => 2.0,
        "three" | "few" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "eleven" => 11.0,
        "twelve" | "dozen" => 12.0,
        "thirteen" => 13.0,
        "fourteen" => 14.0,
        "fifteen" => 15.0,
        "sixteen" => 16.0,
        "seventeen" => 17.0,
        "eighteen" => 18.0,
        "nineteen" => 19.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        "forty" => 40.0,
        "fifty" => 50.0,
        "sixty" => 60.0,
        "seventy" => 70.0,
        "eighty" => 80.0,
        "ninety" => 90.0,
        "hundred" => 100.0,
        "half" => 0.5,
        _ => return None,
    })
}

/// Korean native numerals as they appear before counters (`한 시간`, `두 시간`, `세 개`).
const KOREAN_NATIVE: [(&str, f64); 13] = [
    ("열두", 12.0),
    ("열한", 11.0),
    ("다섯", 5.0),
    ("여섯", 6.0),
    ("일곱", 7.0),
    ("여덟", 8.0),
    ("아홉", 9.0),
    ("한", 1.0),
    ("두", 2.0),
    ("세", 3.0),
    ("네", 4.0),
    ("열", 10.0),
    ("스무", 20.0),
];

/// Sino-Korean numerals (`삼십 분`, `십오 분`, `이 초`).
fn sino_korean(text: &str) -> Option<(f64, usize)> {
    let digit = |c: char| match c {
        '일' => Some(1.0),
        '이' => Some(2.0),
        '삼' => Some(3.0),
        '사' => Some(4.0),
        '오' => Some(5.0),
        '육' => Some(6.0),
        '칠' => Some(7.0),
        '팔' => Some(8.0),
        '구' => Some(9.0),
        _ => None,
    };
    let mut total = 0.0;
    let mut current = 0.0;
    let mut used = 0;
    for c in text.chars() {
        if let Some(d) = digit(c) {
            current = d;
        } else if c == '십' {
            total += if current == 0.0 { 10.0 } else { current * 10.0 };
            current = 0.0;
        } else if c == '백' {
            total += if current == 0.0 {
                100.0
            } else {
                current * 100.0
            };
            current = 0.0;
        } else {
            break;
        }
        used += c.len_utf8();
    }
    let value = total + current;
    (used > 0 && value > 0.0).then_some((value, used))
}

/// A Korean numeral at the start of `text`: its value and byte length.
pub fn korean_number_prefix(text: &str) -> Option<(f64, usize)> {
    for (word, value) in KOREAN_NATIVE {
        if text.starts_with(word) {
            return Some((value, word.len()));
        }
    }
    sino_korean(text)
}

/// Time units, by their English and Korean names.
pub fn unit_nanos(unit: &str) -> Option<u64> {
    const S: u64 = 1_000_000_000;
    Some(match unit {
        "ns" | "nanosecond" | "nanoseconds" => 1,
        "us" | "µs" | "microsecond" | "microseconds" => 1_000,
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" | "millis" | "밀리초" => {
            1_000_000
        }
        "s" | "sec" | "secs" | "second" | "seconds" | "초" => S,
        "m" | "min" | "mins" | "minute" | "minutes" | "분" => 60 * S,
        "h" | "hr" | "hrs" | "hour" | "hours" | "시간" => 3600 * S,
        "d" | "day" | "days" | "일" => 86_400 * S,
        "w" | "wk" | "wks" | "week" | "weeks" | "주" | "주일" => 7 * 86_400 * S,
        _ => return None,
    })
}

/// Whether a unit is a clock-scale unit (minutes and longer), which in a question usually means a time
/// window, against seconds and shorter, which usually mean a latency threshold.
pub fn is_window_unit(nanos: u64) -> bool {
    nanos >= 60 * 1_000_000_000
}

/// `3h`, `1.5s`, `500ms`, `90mins`, `24hrs` as one token.
pub fn compact_duration(word: &str) -> Option<QueryDuration> {
    let split = word.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    if split == 0 {
        return None;
    }
    let number: f64 = word[..split].parse().ok()?;
    let unit = unit_nanos(&word[split..])?;
    Some(QueryDuration::from_nanos(
        (number * unit as f64).round() as u64
    ))
}

/// A number at token `i`: digits or an English number word. Returns the value and the next index.
pub fn number_at(tokens: &[Token], i: usize) -> Option<(f64, usize)> {
    let t = tokens.get(i)?;
    if let Some(n) = t.number() {
        return Some((n, i + 1));
    }
    if t.kind != TokenKind::Word {
        return None;
    }
    // "a couple of", "a few"
    if t.is_any(&["a", "an"])
        && let Some(next) = tokens.get(i + 1)
        && next.is_any(&["couple", "few"])
    {
        let skip = if tokens.get(i + 2).is_some_and(|t| t.is("of")) {
            3
        } else {
            2
        };
        return Some((english_number(&next.lower)?, i + skip));
    }
    // "twenty five"
    let first = english_number(&t.lower)?;
    if (20.0..100.0).contains(&first)
        && first % 10.0 == 0.0
        && let Some(second) = tokens.get(i + 1).and_then(|n| english_number(&n.lower))
        && (1.0..10.0).contains(&second)
    {
        return Some((first + second, i + 2));
    }
    Some((first, i + 1))
}

/// A duration starting at token `i` (`3 hours`, `3h`, `an hour`, `half an hour`, `1.5 seconds`,
/// `an hour and a half`, `3시간`, `한 시간 반`, `30분`, `하루`). Returns the duration, the unit's size in
/// nanoseconds and the next index.
pub fn duration_at(tokens: &[Token], i: usize) -> Option<(QueryDuration, u64, usize)> {
    let t = tokens.get(i)?;
    // Korean first: digits followed by a Hangul unit, or a Hangul numeral+unit word.
    if let Some(found) = korean_duration_at(tokens, i) {
        return Some(found);
    }
    if t.kind != TokenKind::Word {
        return None;
    }
    if let Some(d) = compact_duration(&t.lower) {
        let unit = unit_nanos(
            t.lower
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.'),
        )?;
        return Some((d, unit, i + 1));
    }
    // "half an hour" / "half hour"
    // "half an hour", "half hour", "a quarter hour", "quarter of an hour"
    let fraction = if t.is("half") {
        Some((1, 2, i + 1))
    } else if t.is("quarter") {
        Some((1, 4, i + 1))
    } else if t.is_any(&["a", "the"]) && tokens.get(i + 1).is_some_and(|n| n.is("quarter")) {
        Some((1, 4, i + 2))
    } else {
        None
    };
    if let Some((num, den, mut j)) = fraction {
        while tokens.get(j).is_some_and(|t| t.is_any(&["a", "an", "of"])) {
            j += 1;
        }
        let unit = unit_nanos(&tokens.get(j)?.lower)?;
        return Some((QueryDuration::from_nanos(unit * num / den), unit, j + 1));
    }
    let (n, j) = number_at(tokens, i)?;
    let unit = unit_nanos(&tokens.get(j)?.lower)?;
    let mut total = n * unit as f64;
    let mut next = j + 1;
    // "an hour and a half", "2 hours and 30 minutes"
    if tokens.get(next).is_some_and(|t| t.is("and")) {
        if tokens.get(next + 1).is_some_and(|t| t.is("a"))
            && tokens.get(next + 2).is_some_and(|t| t.is("half"))
        {
            total += unit as f64 / 2.0;
            next += 3;
        } else if let Some((extra, _, after)) = duration_at(tokens, next + 1)
            && (extra.as_nanos() as f64) < unit as f64
        {
            total += extra.as_nanos() as f64;
            next = after;
        }
    }
    if !total.is_finite() || total <= 0.0 || total > u64::MAX as f64 / 2.0 {
        return None;
    }
    Some((QueryDuration::from_nanos(total.round() as u64), unit, next))
}

/// Strips a Korean unit from the start of a Hangul word: (`시간동안` → 시간, rest `동안`).
fn korean_unit_prefix(text: &str) -> Option<(u64, &str)> {
    for unit in ["밀리초", "시간", "주일", "초", "분", "일", "주"] {
        if let Some(rest) = text.strip_prefix(unit) {
            return Some((unit_nanos(unit)?, rest));
        }
    }
    None
}

fn korean_duration_at(tokens: &[Token], i: usize) -> Option<(QueryDuration, u64, usize)> {
    let t = tokens.get(i)?;
    let (value, unit, rest, next) = if let Some(n) = t.number() {
        // `3` `시간` (the tokenizer split digits from Hangul)
        let u = tokens.get(i + 1).filter(|u| u.kind == TokenKind::Hangul)?;
        let (unit, rest) = korean_unit_prefix(&u.text)?;
        (n, unit, rest, i + 2)
    } else if t.kind == TokenKind::Hangul {
        if let Some(rest) = t.text.strip_prefix("하루") {
            (1.0, unit_nanos("일")?, rest, i + 1)
        } else if let Some(rest) = t.text.strip_prefix("이틀") {
            (2.0, unit_nanos("일")?, rest, i + 1)
        } else if let Some(rest) = t.text.strip_prefix("사흘") {
            (3.0, unit_nanos("일")?, rest, i + 1)
        } else {
            let (n, len) = korean_number_prefix(&t.text)?;
            let after = &t.text[len..];
            if after.is_empty() {
                // `한` `시간` written apart
                let u = tokens.get(i + 1).filter(|u| u.kind == TokenKind::Hangul)?;
                let (unit, rest) = korean_unit_prefix(&u.text)?;
                (n, unit, rest, i + 2)
            } else {
                let (unit, rest) = korean_unit_prefix(after)?;
                (n, unit, rest, i + 1)
            }
        }
    } else {
        return None;
    };
    let mut total = value * unit as f64;
    let mut next = next;
    // `1시간 반` / `1시간반`: and a half
    if rest.starts_with('반') {
        total += unit as f64 / 2.0;
    } else if rest.is_empty() && tokens.get(next).is_some_and(|t| t.text.starts_with('반')) {
        total += unit as f64 / 2.0;
        next += 1;
    } else if rest.is_empty() {
        // `1시간 30분`
        if let Some((extra, _, after)) = korean_duration_at(tokens, next)
            && (extra.as_nanos() as f64) < unit as f64
        {
            total += extra.as_nanos() as f64;
            next = after;
        }
    }
    if !total.is_finite() || total <= 0.0 || total > u64::MAX as f64 / 2.0 {
        return None;
    }
    Some((QueryDuration::from_nanos(total.round() as u64), unit, next))
}

/// An HTTP status code or class: `500` → (500, 500), `5xx` → (500, 599).
pub fn http_status(word: &str) -> Option<(u16, u16)> {
    let w = word.to_ascii_lowercase();
    if w.len() == 3 && w.ends_with("xx") {
        let d = w.chars().next()?.to_digit(10)? as u16;
        if (1..=5).contains(&d) {
            return Some((d * 100, d * 100 + 99));
        }
        return None;
    }
    // "500s" (plural of a code)
    let digits = w.strip_suffix('s').unwrap_or(&w);
    if digits.len() == 3 && digits.chars().all(|c| c.is_ascii_digit()) {
        let code: u16 = digits.parse().ok()?;
        if (100..=599).contains(&code) {
            return Some((code, code));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::text::tokenize;

    fn dur(text: &str) -> Option<String> {
        let t = tokenize(text);
        duration_at(&t, 0).map(|(d, _, _)| d.to_string())
    }

    #[test]
    fn reads_english_durations() {
        assert_eq!(dur("3 hours").as_deref(), Some("3h"));
        assert_eq!(dur("3h").as_deref(), Some("3h"));
        assert_eq!(dur("an hour").as_deref(), Some("1h"));
        assert_eq!(dur("half an hour").as_deref(), Some("30m"));
        assert_eq!(dur("1.5 seconds").as_deref(), Some("1500ms"));
        assert_eq!(dur("500ms").as_deref(), Some("500ms"));
        assert_eq!(dur("ninety minutes").as_deref(), Some("1h30m"));
        assert_eq!(dur("an hour and a half").as_deref(), Some("1h30m"));
        assert_eq!(dur("2 hours and 30 minutes").as_deref(), Some("2h30m"));
        assert_eq!(dur("a couple of hours").as_deref(), Some("2h"));
        assert_eq!(dur("twenty five minutes").as_deref(), Some("25m"));
        assert_eq!(dur("hours"), None);
        assert_eq!(dur("500"), None);
    }

    #[test]
    fn reads_korean_durations() {
        assert_eq!(dur("3시간").as_deref(), Some("3h"));
        assert_eq!(dur("30분").as_deref(), Some("30m"));
        assert_eq!(dur("2초").as_deref(), Some("2s"));
        assert_eq!(dur("한 시간").as_deref(), Some("1h"));
        assert_eq!(dur("한시간").as_deref(), Some("1h"));
        assert_eq!(dur("1시간 반").as_deref(), Some("1h30m"));
        assert_eq!(dur("1시간 30분").as_deref(), Some("1h30m"));
        assert_eq!(dur("삼십분").as_deref(), Some("30m"));
        assert_eq!(dur("하루").as_deref(), Some("1d"));
        assert_eq!(dur("3시간동안").as_deref(), Some("3h"));
        assert_eq!(dur("500밀리초").as_deref(), Some("500ms"));
    }

    #[test]
    fn reads_http_codes_and_classes() {
        assert_eq!(http_status("500"), Some((500, 500)));
        assert_eq!(http_status("5xx"), Some((500, 599)));
        assert_eq!(http_status("4XX"), Some((400, 499)));
        assert_eq!(http_status("500s"), Some((500, 500)));
        assert_eq!(http_status("1000"), None);
        assert_eq!(http_status("9xx"), None);
    }
}
