//! Time expressions in English and Korean → an absolute range.
//!
//! Covers rolling windows ("last 3 hours", "past 90 minutes", "지난 3시간", "최근 30분"), days ("today",
//! "yesterday", "어제", "Nov 25", "2026-11-25"), clock ranges ("between 06:00 and 07:00 today",
//! "6am to 7am", "오늘 06시부터 07시까지", "2026-11-25 07:50 to 08:10"), "since" forms ("since midnight",
//! "since 6am", "3시간 전부터") and parts of the day. Clock times are read in the question's time zone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::numbers::{duration_at, is_window_unit};
use super::text::{Token, TokenKind};
use crate::plan::QueryDuration;

/// A time range found in the question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeFinding {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Token indices that made the expression.
    pub tokens: Vec<usize>,
    /// How it was understood, for the user ("last 3 hours").
    pub meaning: String,
}

/// Words that make a following duration a threshold rather than a window ("slower than 2 seconds").
const COMPARATORS: [&str; 22] = [
    "than",
    "over",
    "above",
    "exceeding",
    "exceeds",
    "exceed",
    "under",
    "below",
    "least",
    "most",
    ">",
    ">=",
    "<",
    "<=",
    "=",
    "longer",
    "shorter",
    "slower",
    "faster",
    "beyond",
    "within_threshold",
    "took",
];

/// Korean words after a duration that make it a threshold (`1초 이상`, `2초보다`, `500ms 넘는`).
fn korean_threshold_after(rest: &str, next: Option<&Token>) -> bool {
    let marks = [
        "이상",
        "초과",
        "넘",
        "보다",
        "이하",
        "미만",
        "걸린",
        "걸리",
        "지연",
        "느린",
        "이내로",
    ];
    marks.iter().any(|m| rest.starts_with(m))
        || next.is_some_and(|t| {
            t.kind == TokenKind::Hangul && marks.iter().any(|m| t.text.starts_with(m))
        })
}

struct Ctx<'a> {
    tokens: &'a [Token],
    now: DateTime<Utc>,
    tz: Tz,
}

impl Ctx<'_> {
    fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.tz).date_naive()
    }

    /// Midnight starting `date` in the question's zone, in UTC.
    fn at(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let local = date.and_time(time);
        match self.tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
            chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            // A time skipped by a DST change: take the same wall time an hour later.
            chrono::LocalResult::None => self
                .tz
                .from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
                .map_or(self.now, |t| t.with_timezone(&Utc)),
        }
    }

    fn midnight(&self, date: NaiveDate) -> DateTime<Utc> {
        self.at(date, NaiveTime::MIN)
    }

    fn tok(&self, i: usize) -> Option<&Token> {
        self.tokens.get(i)
    }

    fn is(&self, i: usize, words: &[&str]) -> bool {
        self.tok(i).is_some_and(|t| t.is_any(words))
    }

    fn hangul_starts(&self, i: usize, prefixes: &[&str]) -> bool {
        self.tok(i).is_some_and(|t| {
            t.kind == TokenKind::Hangul && prefixes.iter().any(|p| t.text.starts_with(p))
        })
    }

    fn zone_note(&self) -> String {
        if self.tz == chrono_tz::UTC {
            "UTC".to_string()
        } else {
            self.tz.name().to_string()
        }
    }
}

/// Finds the time range a question names, if any.
pub fn find_time(tokens: &[Token], now: DateTime<Utc>, tz: Tz) -> Option<TimeFinding> {
    let ctx = Ctx { tokens, now, tz };
    let day = find_day(&ctx);
    if let Some(found) = find_clock_range(&ctx, day.as_ref()) {
        return Some(found);
    }
    if let Some(found) = find_date_range(&ctx) {
        return Some(found);
    }
    if let Some(found) = find_since(&ctx, day.as_ref()) {
        return Some(found);
    }
    if let Some(found) = find_window(&ctx) {
        // "어제 하루 동안", "yesterday, the whole day": the day named, not the last 24 hours
        let one_day = found.end - found.start == Duration::days(1);
        if !(one_day && day.as_ref().is_some_and(|d| d.explicit)) {
            return Some(found);
        }
        if let Some(d) = &day {
            let start = ctx.midnight(d.date);
            let end = ctx.midnight(d.date + Duration::days(1)).min(now);
            let mut tokens = d.tokens.clone();
            tokens.extend(found.tokens);
            return Some(TimeFinding {
                start,
                end,
                tokens,
                meaning: format!("{} ({})", d.label, ctx.zone_note()),
            });
        }
    }
    if let Some(found) = find_part_of_day(&ctx, day.as_ref()) {
        return Some(found);
    }
    day.map(|d| {
        let start = ctx.midnight(d.date);
        let end = ctx.midnight(d.date + Duration::days(1)).min(now);
        TimeFinding {
            start,
            end,
            tokens: d.tokens,
            meaning: format!("{} ({})", d.label, ctx.zone_note()),
        }
    })
}

#[derive(Debug, Clone)]
struct DayRef {
    date: NaiveDate,
    tokens: Vec<usize>,
    label: String,
    explicit: bool,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_of(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.');
    if w.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS
        .iter()
        .zip(full.iter())
        .position(|(short, long)| {
            w == *short || (long.starts_with(w) && w.len() >= 3) || w == "sept" && *short == "sep"
        })
        .map(|p| p as u32 + 1)
}

fn day_number(word: &str) -> Option<u32> {
    let digits = word
        .trim_end_matches("st")
        .trim_end_matches("nd")
        .trim_end_matches("rd")
        .trim_end_matches("th");
    let d: u32 = digits.parse().ok()?;
    (1..=31).contains(&d).then_some(d)
}

fn year_number(word: &str) -> Option<i32> {
    let y: i32 = word.parse().ok()?;
    (1970..=2200).contains(&y).then_some(y)
}

/// `2026-11-25`, `2026/11/25`, `2026.11.25`, and `2026-11-25T07:50[:00][Z]` (date part).
fn iso_date(word: &str) -> Option<(NaiveDate, Option<NaiveTime>)> {
    let (date_part, time_part) = match word.split_once(['t', 'T']) {
        Some((d, t)) if d.len() == 10 => (d, Some(t)),
        _ => (word, None),
    };
    let parts: Vec<&str> = date_part.split(['-', '/', '.']).collect();
    if parts.len() != 3 || parts[0].len() != 4 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        parts[0].parse().ok()?,
        parts[1].parse().ok()?,
        parts[2].parse().ok()?,
    )?;
    let time = time_part.and_then(|t| parse_clock_text(t.trim_end_matches(['z', 'Z'])));
    Some((date, time))
}

fn find_day(ctx: &Ctx) -> Option<DayRef> {
    let today = ctx.today();
    let t = ctx.tokens;
    for i in 0..t.len() {
        let tok = &t[i];
        if tok.is("today") || ctx.hangul_starts(i, &["오늘"]) {
            return Some(DayRef {
                date: today,
                tokens: vec![i],
                label: "today".into(),
                explicit: true,
            });
        }
        if tok.is("yesterday") || ctx.hangul_starts(i, &["어제", "어젯"]) {
            let mut tokens = vec![i];
            // "the day before yesterday"
            if i >= 3 && t[i - 1].is("before") && t[i - 2].is("day") {
                tokens.extend([i - 2, i - 1]);
                return Some(DayRef {
                    date: today - Duration::days(2),
                    tokens,
                    label: "the day before yesterday".into(),
                    explicit: true,
                });
            }
            return Some(DayRef {
                date: today - Duration::days(1),
                tokens,
                label: "yesterday".into(),
                explicit: true,
            });
        }
        if ctx.hangul_starts(i, &["그저께", "그제"]) {
            return Some(DayRef {
                date: today - Duration::days(2),
                tokens: vec![i],
                label: "the day before yesterday".into(),
                explicit: true,
            });
        }
        if let Some((date, _)) = iso_date(&tok.lower) {
            return Some(DayRef {
                date,
                tokens: vec![i],
                label: date.to_string(),
                explicit: true,
            });
        }
        // "Nov 25", "November 25th, 2026", "25 Nov", "25th of November"
        if let Some(month) = month_of(&tok.lower) {
            if let Some(day) = ctx.tok(i + 1).and_then(|n| day_number(&n.lower)) {
                let mut tokens = vec![i, i + 1];
                let mut year = today.year();
                if let Some(y) = ctx.tok(i + 2).and_then(|n| year_number(&n.lower)) {
                    year = y;
                    tokens.push(i + 2);
                }
                if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
                    let date = if date > today
                        && ctx
                            .tok(i + 2)
                            .is_none_or(|n| year_number(&n.lower).is_none())
                    {
                        NaiveDate::from_ymd_opt(year - 1, month, day).unwrap_or(date)
                    } else {
                        date
                    };
                    return Some(DayRef {
                        date,
                        tokens,
                        label: date.to_string(),
                        explicit: true,
                    });
                }
            }
            if i >= 1 {
                let (back, of) = if i >= 2 && t[i - 1].is("of") {
                    (i - 2, true)
                } else {
                    (i - 1, false)
                };
                if let Some(day) = day_number(&t[back].lower)
                    && let Some(date) = NaiveDate::from_ymd_opt(today.year(), month, day)
                {
                    let mut tokens = vec![back, i];
                    if of {
                        tokens.push(i - 1);
                    }
                    return Some(DayRef {
                        date,
                        tokens,
                        label: date.to_string(),
                        explicit: true,
                    });
                }
            }
        }
        // Korean: `11월 25일`
        if tok.is_number()
            && ctx.hangul_starts(i + 1, &["월"])
            && let (Some(m), Some(d)) = (tok.number(), ctx.tok(i + 2).and_then(|n| n.number()))
            && ctx.hangul_starts(i + 3, &["일"])
            && let Some(date) = NaiveDate::from_ymd_opt(today.year(), m as u32, d as u32)
        {
            return Some(DayRef {
                date,
                tokens: vec![i, i + 1, i + 2, i + 3],
                label: date.to_string(),
                explicit: true,
            });
        }
        // "on monday"
        if let Some(wd) = weekday(&tok.lower) {
            let mut date = today;
            while date.weekday() != wd {
                date -= Duration::days(1);
            }
            return Some(DayRef {
                date,
                tokens: vec![i],
                label: tok.lower.clone(),
                explicit: true,
            });
        }
    }
    None
}

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word {
        "monday" | "월요일" => Weekday::Mon,
        "tuesday" | "화요일" => Weekday::Tue,
        "wednesday" | "수요일" => Weekday::Wed,
        "thursday" | "목요일" => Weekday::Thu,
        "friday" | "금요일" => Weekday::Fri,
        "saturday" | "토요일" => Weekday::Sat,
        "sunday" | "일요일" => Weekday::Sun,
        _ => return None,
    })
}

/// `06:00`, `6:30`, `18:00:30`.
fn parse_clock_text(text: &str) -> Option<NaiveTime> {
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 2 && !p.contains('.'))
    {
        return None;
    }
    let h: u32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let s: u32 = parts
        .get(2)
        .map_or(Some(0), |s| s.split('.').next()?.parse().ok())?;
    NaiveTime::from_hms_opt(h, m, s)
}

/// A clock time at token `i`. `bare` allows a plain hour number ("between 6 and 7").
/// Returns the time, the next index, and whether it was written unambiguously (HH:MM, am/pm, 시).
fn clock_at(ctx: &Ctx, i: usize, bare: bool) -> Option<(NaiveTime, usize, bool)> {
    let t = ctx.tok(i)?;
    let meridiem = |j: usize| -> Option<bool> {
        let m = ctx.tok(j)?;
        if m.is_any(&["am", "a.m"]) {
            Some(false)
        } else if m.is_any(&["pm", "p.m"]) {
            Some(true)
        } else {
            None
        }
    };
    let apply = |time: NaiveTime, pm: bool| -> Option<NaiveTime> {
        use chrono::Timelike;
        let h = time.hour() % 12 + if pm { 12 } else { 0 };
        NaiveTime::from_hms_opt(h, time.minute(), time.second())
    };
    if t.is("noon") || t.is("midday") {
        return Some((NaiveTime::from_hms_opt(12, 0, 0)?, i + 1, true));
    }
    if t.is("midnight") || ctx.hangul_starts(i, &["자정"]) {
        return Some((NaiveTime::MIN, i + 1, true));
    }
    if ctx.hangul_starts(i, &["정오"]) {
        return Some((NaiveTime::from_hms_opt(12, 0, 0)?, i + 1, true));
    }
    // Korean: (오전|오후|새벽|저녁|밤)? N시 (M분|반)?
    let (pm_ko, start) = if ctx.hangul_starts(i, &["오후", "저녁", "밤"]) {
        (Some(true), i + 1)
    } else if ctx.hangul_starts(i, &["오전", "새벽", "아침"]) {
        (Some(false), i + 1)
    } else {
        (None, i)
    };
    if let Some(h) = ctx.tok(start).and_then(Token::number)
        && ctx.hangul_starts(start + 1, &["시"])
        && !ctx.hangul_starts(start + 1, &["시간"])
    {
        let mut h = h as u32;
        if pm_ko == Some(true) && h < 12 {
            h += 12;
        }
        let mut minute = 0;
        let mut next = start + 2;
        let unit = &ctx.tok(start + 1)?.text;
        if unit.starts_with("시반") {
            minute = 30;
        } else if unit == "시" {
            if let Some(m) = ctx.tok(next).and_then(Token::number) {
                if ctx.hangul_starts(next + 1, &["분"]) {
                    minute = m as u32;
                    next += 2;
                }
            } else if ctx.hangul_starts(next, &["반"]) {
                minute = 30;
                next += 1;
            }
        }
        return Some((NaiveTime::from_hms_opt(h, minute, 0)?, next, true));
    }
    if t.kind != TokenKind::Word {
        return None;
    }
    if let Some(time) = parse_clock_text(&t.lower) {
        return match meridiem(i + 1) {
            Some(pm) => Some((apply(time, pm)?, i + 2, true)),
            None => Some((time, i + 1, true)),
        };
    }
    if let Some(h) = t.number().filter(|h| h.fract() == 0.0 && *h <= 24.0) {
        let h = h as u32 % 24;
        if let Some(pm) = meridiem(i + 1) {
            return Some((apply(NaiveTime::from_hms_opt(h, 0, 0)?, pm)?, i + 2, true));
        }
        if ctx.is(i + 1, &["o'clock", "oclock"]) {
            return Some((NaiveTime::from_hms_opt(h, 0, 0)?, i + 2, true));
        }
        if bare {
            return Some((NaiveTime::from_hms_opt(h, 0, 0)?, i + 1, false));
        }
    }
    None
}

/// A date written at token `i` (ISO or month + day), for "from Nov 24 to Nov 25" and date + time pairs.
fn date_at(ctx: &Ctx, i: usize) -> Option<(NaiveDate, Option<NaiveTime>, usize)> {
    let t = ctx.tok(i)?;
    if let Some((d, time)) = iso_date(&t.lower) {
        return Some((d, time, i + 1));
    }
    let month = month_of(&t.lower)?;
    let day = day_number(&ctx.tok(i + 1)?.lower)?;
    let date = NaiveDate::from_ymd_opt(ctx.today().year(), month, day)?;
    Some((date, None, i + 2))
}

fn find_clock_range(ctx: &Ctx, day: Option<&DayRef>) -> Option<TimeFinding> {
    let t = ctx.tokens;
    for i in 0..t.len() {
        let opener = ctx.is(i, &["between", "from"]);
        let first_at = if opener { i + 1 } else { i };
        // A date may stand right before the first clock ("2026-11-25 07:50 to 08:10").
        let (first_date, first_clock_at) = match date_at(ctx, first_at) {
            Some((d, None, next)) => (Some(d), next),
            Some((d, Some(time), next)) => {
                if let Some(found) = finish_range(ctx, day, i, opener, Some(d), time, true, next) {
                    return Some(found);
                }
                continue;
            }
            None => (None, first_at),
        };
        let Some((c1, next, strong1)) = clock_at(ctx, first_clock_at, opener) else {
            continue;
        };
        if let Some(found) = finish_range(ctx, day, i, opener, first_date, c1, strong1, next) {
            return Some(found);
        }
    }
    None
}

#[allow(clippy::too_many_arguments)]
fn finish_range(
    ctx: &Ctx,
    day: Option<&DayRef>,
    begin: usize,
    opener: bool,
    first_date: Option<NaiveDate>,
    c1: NaiveTime,
    strong1: bool,
    next: usize,
) -> Option<TimeFinding> {
    // Separator: and / to / until / till / through / - / ~ / 부터 ... 까지 / 에서
    let sep_en = ctx.is(
        next,
        &["and", "to", "until", "till", "through", "thru", "-", "~"],
    );
    let sep_ko = ctx.tok(next - 1).is_some_and(|t| {
        t.kind == TokenKind::Hangul && (t.text.ends_with("부터") || t.text.ends_with("에서"))
    }) || ctx.hangul_starts(next, &["부터", "에서"]);
    let after_sep = if sep_en || ctx.hangul_starts(next, &["부터", "에서"]) {
        next + 1
    } else {
        next
    };
    if !(sep_en || sep_ko) {
        return None;
    }
    let (second_date, second_clock_at) = match date_at(ctx, after_sep) {
        Some((d, None, n)) => (Some(d), n),
        Some((d, Some(time), n)) => {
            return Some(build_range(
                ctx,
                day,
                begin,
                n,
                first_date,
                c1,
                Some(d),
                time,
            ));
        }
        None => (None, after_sep),
    };
    let (c2, end_idx, strong2) = clock_at(ctx, second_clock_at, opener || strong1)?;
    if !(strong1 || strong2 || opener) {
        return None;
    }
    let mut end_idx = end_idx;
    if ctx.hangul_starts(end_idx, &["까지", "사이"]) {
        end_idx += 1;
    }
    Some(build_range(
        ctx,
        day,
        begin,
        end_idx,
        first_date,
        c1,
        second_date,
        c2,
    ))
}

#[allow(clippy::too_many_arguments)]
fn build_range(
    ctx: &Ctx,
    day: Option<&DayRef>,
    begin: usize,
    end_idx: usize,
    first_date: Option<NaiveDate>,
    c1: NaiveTime,
    second_date: Option<NaiveDate>,
    c2: NaiveTime,
) -> TimeFinding {
    let explicit_day = first_date.or(day.filter(|d| d.explicit).map(|d| d.date));
    let mut date1 = explicit_day.unwrap_or_else(|| ctx.today());
    let mut start = ctx.at(date1, c1);
    // No day named and the range has not started yet today: the most recent one is yesterday's.
    if explicit_day.is_none() && start > ctx.now {
        date1 -= Duration::days(1);
        start = ctx.at(date1, c1);
    }
    let date2 = second_date.unwrap_or(if c2 <= c1 {
        date1 + Duration::days(1)
    } else {
        date1
    });
    let end = ctx.at(date2, c2);
    let mut tokens: Vec<usize> = (begin..end_idx).collect();
    if let Some(d) = day {
        tokens.extend(d.tokens.iter().copied());
    }
    let meaning = format!(
        "{} {}–{} {}",
        date1,
        c1.format("%H:%M"),
        if date2 != date1 {
            format!("{} {}", date2, c2.format("%H:%M"))
        } else {
            c2.format("%H:%M").to_string()
        },
        ctx.zone_note()
    );
    TimeFinding {
        start,
        end,
        tokens,
        meaning,
    }
}

/// "from Nov 24 to Nov 25", "between 2026-11-20 and 2026-11-22".
fn find_date_range(ctx: &Ctx) -> Option<TimeFinding> {
    for i in 0..ctx.tokens.len() {
        let start_at = if ctx.is(i, &["between", "from"]) {
            i + 1
        } else {
            continue;
        };
        let Some((d1, _, next)) = date_at(ctx, start_at) else {
            continue;
        };
        if !ctx.is(next, &["and", "to", "until", "till", "through", "-"]) {
            continue;
        }
        let Some((d2, _, end_idx)) = date_at(ctx, next + 1) else {
            continue;
        };
        let start = ctx.midnight(d1);
        let end = ctx.midnight(d2 + Duration::days(1)).min(ctx.now);
        return Some(TimeFinding {
            start,
            end,
            tokens: (i..end_idx).collect(),
            meaning: format!("{d1} – {d2} ({})", ctx.zone_note()),
        });
    }
    None
}

fn find_since(ctx: &Ctx, day: Option<&DayRef>) -> Option<TimeFinding> {
    let t = ctx.tokens;
    for i in 0..t.len() {
        // English: since / after / starting (from)
        if ctx.is(i, &["since", "after"])
            || (ctx.is(i, &["starting"]) && ctx.is(i + 1, &["from", "at"]))
        {
            let at = if ctx.is(i, &["starting"]) {
                i + 2
            } else {
                i + 1
            };
            if let Some(found) = since_target(ctx, day, i, at) {
                return Some(found);
            }
        }
        // English "from 6am" without an end
        if ctx.is(i, &["from"])
            && let Some((c, next, true)) = clock_at(ctx, i + 1, false)
        {
            return Some(since_clock(ctx, day, c, (i..next).collect()));
        }
        // Korean: `<clock>부터`, `<clock> 이후`, `자정부터`, `N시간 전부터`
        if let Some((c, next, true)) = clock_at(ctx, i, false) {
            let marker = ctx.tok(next - 1).is_some_and(|t| {
                t.kind == TokenKind::Hangul
                    && (t.text.ends_with("부터") || t.text.ends_with("이후"))
            }) || ctx.hangul_starts(next, &["부터", "이후"]);
            if marker {
                let end = if ctx.hangul_starts(next, &["부터", "이후"]) {
                    next + 1
                } else {
                    next
                };
                return Some(since_clock(ctx, day, c, (i..end).collect()));
            }
        }
        if let Some((d, _, next)) = duration_at(t, i) {
            // `3시간 전부터`, `3 hours ago`
            let ago = ctx.is(next, &["ago"]) || ctx.hangul_starts(next, &["전"]);
            if ago {
                let start = ctx.now - d.as_chrono();
                return Some(TimeFinding {
                    start,
                    end: ctx.now,
                    tokens: (i
                        .saturating_sub(usize::from(i > 0 && ctx.is(i - 1, &["since", "from"])))
                        ..next + 1)
                        .collect(),
                    meaning: format!("since {d} ago"),
                });
            }
        }
    }
    None
}

fn since_target(ctx: &Ctx, day: Option<&DayRef>, begin: usize, at: usize) -> Option<TimeFinding> {
    if ctx.is(at, &["yesterday"]) {
        let date = ctx.today() - Duration::days(1);
        return Some(TimeFinding {
            start: ctx.midnight(date),
            end: ctx.now,
            tokens: vec![begin, at],
            meaning: format!("since yesterday 00:00 {}", ctx.zone_note()),
        });
    }
    if ctx.is(at, &["today", "this"]) && !ctx.is(at + 1, &["week"]) {
        let mut tokens = vec![begin, at];
        if ctx.is(at, &["this"]) && ctx.is(at + 1, &["morning"]) {
            tokens.push(at + 1);
        }
        return Some(TimeFinding {
            start: ctx.midnight(ctx.today()),
            end: ctx.now,
            tokens,
            meaning: format!("since 00:00 today {}", ctx.zone_note()),
        });
    }
    if let Some((d, _, next)) = duration_at(ctx.tokens, at)
        && ctx.is(next, &["ago"])
    {
        return Some(TimeFinding {
            start: ctx.now - d.as_chrono(),
            end: ctx.now,
            tokens: (begin..=next).collect(),
            meaning: format!("since {d} ago"),
        });
    }
    if let Some((d, _, next)) = date_at(ctx, at) {
        return Some(TimeFinding {
            start: ctx.midnight(d),
            end: ctx.now,
            tokens: (begin..next).collect(),
            meaning: format!("since {d}"),
        });
    }
    if let Some((c, next, _)) = clock_at(ctx, at, true) {
        return Some(since_clock(ctx, day, c, (begin..next).collect()));
    }
    None
}

fn since_clock(
    ctx: &Ctx,
    day: Option<&DayRef>,
    c: NaiveTime,
    mut tokens: Vec<usize>,
) -> TimeFinding {
    let mut date = day.map_or_else(|| ctx.today(), |d| d.date);
    let mut start = ctx.at(date, c);
    // "since 8pm (today)" before 8pm: the most recent 8pm
    if start > ctx.now && date == ctx.today() {
        date -= Duration::days(1);
        start = ctx.at(date, c);
    }
    if let Some(d) = day {
        tokens.extend(d.tokens.iter().copied());
    }
    TimeFinding {
        start,
        end: ctx.now,
        tokens,
        meaning: format!("since {} {} {}", date, c.format("%H:%M"), ctx.zone_note()),
    }
}

fn plural(d: QueryDuration) -> String {
    let units: [(u64, &str); 5] = [
        (7 * 86_400_000_000_000, "week"),
        (86_400_000_000_000, "day"),
        (3_600_000_000_000, "hour"),
        (60_000_000_000, "minute"),
        (1_000_000_000, "second"),
    ];
    for (size, name) in units {
        if d.as_nanos().is_multiple_of(size) && d.as_nanos() >= size {
            let n = d.as_nanos() / size;
            return if n == 1 {
                name.to_string()
            } else {
                format!("{n} {name}s")
            };
        }
    }
    d.to_string()
}

fn window(ctx: &Ctx, d: QueryDuration, tokens: Vec<usize>) -> TimeFinding {
    TimeFinding {
        start: ctx.now - d.as_chrono(),
        end: ctx.now,
        tokens,
        meaning: format!("last {}", plural(d)),
    }
}

fn find_window(ctx: &Ctx) -> Option<TimeFinding> {
    let t = ctx.tokens;
    for i in 0..t.len() {
        // "last/past/previous/recent [N] unit", "지난/최근/과거 N unit"
        let marker_en = ctx.is(
            i,
            &["last", "past", "previous", "recent", "trailing", "latest"],
        );
        let marker_ko = ctx.hangul_starts(i, &["지난", "최근", "과거", "직전"]);
        if marker_en || marker_ko {
            let mut j = i + 1;
            if ctx.is(j, &["the"]) {
                j += 1;
            }
            if let Some((d, _, next)) = duration_at(t, j) {
                let mut end = next;
                if ctx.hangul_starts(end, &["동안", "간", "이내", "내", "사이"]) {
                    end += 1;
                }
                return Some(window(ctx, d, (i..end).collect()));
            }
            // "last hour", "past day", "last minute", "지난 주" / "지난주"
            if let Some(unit) = ctx
                .tok(j)
                .and_then(|u| super::numbers::unit_nanos(&u.lower))
                && (marker_en || ctx.tok(j).is_some_and(|u| u.kind == TokenKind::Hangul))
            {
                return Some(window(
                    ctx,
                    QueryDuration::from_nanos(unit),
                    (i..=j).collect(),
                ));
            }
            if marker_ko && ctx.tok(i).is_some_and(|m| m.text.ends_with('주')) {
                return Some(window(ctx, QueryDuration::from_hours(24 * 7), vec![i]));
            }
        }
        // "this week" / "이번 주"
        if (ctx.is(i, &["this"]) && ctx.is(i + 1, &["week"]))
            || (ctx.hangul_starts(i, &["이번"]) && ctx.hangul_starts(i + 1, &["주"]))
            || ctx.hangul_starts(i, &["이번주"])
        {
            let today = ctx.today();
            let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
            let end_tok = if ctx.hangul_starts(i, &["이번주"]) {
                i
            } else {
                i + 1
            };
            return Some(TimeFinding {
                start: ctx.midnight(monday),
                end: ctx.now,
                tokens: (i..=end_tok).collect(),
                meaning: "this week".into(),
            });
        }
    }
    // Then durations without a marker: "within/for/during/in/over N unit", "3h", "3시간", "30분 동안".
    let latency_words = t.iter().any(|x| {
        x.is_any(&[
            "slow",
            "slower",
            "slowest",
            "latency",
            "duration",
            "took",
            "taking",
            "longer",
            "faster",
            "exceeds",
            "exceeding",
        ])
    });
    for i in 0..t.len() {
        let Some((d, unit, next)) = duration_at(t, i) else {
            continue;
        };
        // an interval ("5분마다", "5분 단위", "5m buckets") is not a window
        let interval_after = ctx.is(
            next,
            &[
                "buckets",
                "bucket",
                "intervals",
                "interval",
                "bins",
                "windows",
                "steps",
                "step",
                "resolution",
            ],
        ) || ctx.hangul_starts(next, &["마다", "단위", "간격", "별"])
            || ctx.tok(next - 1).is_some_and(|u| {
                u.kind == TokenKind::Hangul
                    && (u.text.contains("마다")
                        || u.text.contains("단위")
                        || u.text.contains("간격"))
            });
        if interval_after {
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| ctx.tok(p));
        let prev2 = i.checked_sub(2).and_then(|p| ctx.tok(p));
        let after_ago = ctx.is(next, &["ago"]) || ctx.hangul_starts(next, &["전"]);
        if after_ago {
            continue;
        }
        // "over 6 hours" is a window; "over 500ms" or "over 2 minutes" in a latency question a threshold.
        let over_window = prev.is_some_and(|p| p.is("over"))
            && (unit >= 3_600_000_000_000 || (is_window_unit(unit) && !latency_words));
        let compared = !over_window
            && (prev.is_some_and(|p| p.is_any(&COMPARATORS))
                || (prev.is_some_and(|p| p.is("the"))
                    && prev2.is_some_and(|p| p.is_any(&COMPARATORS))));
        let hangul_rest = ctx
            .tok(next - 1)
            .filter(|u| u.kind == TokenKind::Hangul)
            .map_or("", |u| {
                // the text after the unit inside the same Hangul token (`시간동안` → `동안`)
                u.text
                    .trim_start_matches(|c: char| "밀리초시간분일주반".contains(c))
            });
        let ko_threshold = korean_threshold_after(hangul_rest, ctx.tok(next));
        let is_korean = ctx
            .tok(next - 1)
            .is_some_and(|u| u.kind == TokenKind::Hangul);
        let time_prep =
            over_window || prev.is_some_and(|p| p.is_any(&["within", "for", "during", "in"]));
        let ko_window_mark = ["동안", "간", "이내", "내", "사이"]
            .iter()
            .any(|m| hangul_rest.starts_with(m))
            || ctx.hangul_starts(next, &["동안", "간", "이내", "내", "사이"]);
        let accept = if is_korean {
            !ko_threshold && (is_window_unit(unit) || ko_window_mark)
        } else {
            !compared
                && is_window_unit(unit)
                && (time_prep
                    || prev.is_none_or(|p| !p.is_any(&["every", "per", "each", "by", "a"])))
        };
        if accept {
            let mut end = next;
            if ctx.hangul_starts(end, &["동안", "간", "이내", "내", "사이"]) {
                end += 1;
            }
            let begin = if time_prep { i - 1 } else { i };
            return Some(window(ctx, d, (begin..end).collect()));
        }
    }
    None
}

fn find_part_of_day(ctx: &Ctx, day: Option<&DayRef>) -> Option<TimeFinding> {
    let today = ctx.today();
    for i in 0..ctx.tokens.len() {
        let (date, from, to, tokens, label) = if ctx.is(i, &["this"]) && ctx.is(i + 1, &["morning"])
        {
            (today, 0, 12, vec![i, i + 1], "this morning")
        } else if ctx.is(i, &["this"]) && ctx.is(i + 1, &["afternoon"]) {
            (today, 12, 18, vec![i, i + 1], "this afternoon")
        } else if ctx.is(i, &["this", "tonight"])
            && (ctx.is(i + 1, &["evening"]) || ctx.is(i, &["tonight"]))
        {
            (today, 18, 24, vec![i, i + 1], "this evening")
        } else if ctx.is(i, &["last"]) && ctx.is(i + 1, &["night"])
            || ctx.hangul_starts(i, &["어젯밤"])
        {
            (
                today - Duration::days(1),
                18,
                30,
                vec![i, i + 1],
                "last night",
            )
        } else if ctx.hangul_starts(i, &["오전"])
            && day.is_some()
            && !ctx.tok(i + 1).is_some_and(Token::is_number)
        {
            (day.map_or(today, |d| d.date), 0, 12, vec![i], "morning")
        } else if ctx.hangul_starts(i, &["아침"]) && !ctx.tok(i + 1).is_some_and(Token::is_number)
        {
            (day.map_or(today, |d| d.date), 0, 12, vec![i], "morning")
        } else if ctx.hangul_starts(i, &["오후"])
            && day.is_some()
            && !ctx.tok(i + 1).is_some_and(Token::is_number)
        {
            (day.map_or(today, |d| d.date), 12, 18, vec![i], "afternoon")
        } else {
            continue;
        };
        let mut tokens = tokens;
        if let Some(d) = day {
            tokens.extend(d.tokens.iter().copied());
        }
        let start = ctx.midnight(date) + Duration::hours(from);
        let end = (ctx.midnight(date) + Duration::hours(to)).min(ctx.now);
        if start >= ctx.now {
            continue;
        }
        return Some(TimeFinding {
            start,
            end,
            tokens,
            meaning: format!("{label} ({})", ctx.zone_note()),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::text::tokenize;

    fn now() -> DateTime<Utc> {
        "2026-11-25T08:38:56Z".parse().unwrap()
    }

    fn range(q: &str) -> Option<(String, String)> {
        range_tz(q, chrono_tz::UTC)
    }

    fn range_tz(q: &str, tz: Tz) -> Option<(String, String)> {
        let t = tokenize(q);
        find_time(&t, now(), tz).map(|f| (f.start.to_rfc3339(), f.end.to_rfc3339()))
    }

    fn r(start: &str, end: &str) -> Option<(String, String)> {
        let p = |s: &str| s.parse::<DateTime<Utc>>().unwrap().to_rfc3339();
        Some((p(start), p(end)))
    }

    #[test]
    fn rolling_windows() {
        let end = "2026-11-25T08:38:56Z";
        assert_eq!(
            range("errors in the last 3 hours"),
            r("2026-11-25T05:38:56Z", end)
        );
        assert_eq!(range("past 90 minutes"), r("2026-11-25T07:08:56Z", end));
        assert_eq!(range("last hour"), r("2026-11-25T07:38:56Z", end));
        assert_eq!(range("over the past day"), r("2026-11-24T08:38:56Z", end));
        assert_eq!(
            range("during the last 4 hours"),
            r("2026-11-25T04:38:56Z", end)
        );
        assert_eq!(range("last 30m"), r("2026-11-25T08:08:56Z", end));
        assert_eq!(
            range("in the last half hour"),
            r("2026-11-25T08:08:56Z", end)
        );
        assert_eq!(range("지난 3시간 동안"), r("2026-11-25T05:38:56Z", end));
        assert_eq!(range("최근 30분"), r("2026-11-25T08:08:56Z", end));
        assert_eq!(range("최근 한 시간"), r("2026-11-25T07:38:56Z", end));
        assert_eq!(
            range("서비스별 에러 로그 개수 지난 1시간"),
            r("2026-11-25T07:38:56Z", end)
        );
        assert_eq!(range("2시간 동안의 에러"), r("2026-11-25T06:38:56Z", end));
        assert_eq!(range("errors 3h"), r("2026-11-25T05:38:56Z", end));
    }

    #[test]
    fn thresholds_are_not_windows() {
        assert_eq!(range("traces slower than 1 second"), None);
        assert_eq!(range("slow requests over 500ms"), None);
        assert_eq!(range("1초 이상 걸린 트레이스"), None);
        assert_eq!(range("requests longer than 2 minutes"), None);
        assert_eq!(range("error count per 5 minutes"), None);
    }

    #[test]
    fn days() {
        assert_eq!(
            range("all user-service logs today"),
            r("2026-11-25T00:00:00Z", "2026-11-25T08:38:56Z")
        );
        assert_eq!(
            range("어제 user-service 에러 로그"),
            r("2026-11-24T00:00:00Z", "2026-11-25T00:00:00Z")
        );
        assert_eq!(
            range("errors yesterday"),
            r("2026-11-24T00:00:00Z", "2026-11-25T00:00:00Z")
        );
        assert_eq!(
            range("logs on Nov 24"),
            r("2026-11-24T00:00:00Z", "2026-11-25T00:00:00Z")
        );
        assert_eq!(
            range("logs from 2026-11-23"),
            r("2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z")
        );
    }

    #[test]
    fn clock_ranges() {
        // en and em dashes, and a spaced hyphen between times, are ranges
        for q in [
            "Nov 25 07:50–08:10",
            "25 Nov 07:50 — 08:10",
            "07:50 - 08:10",
        ] {
            assert_eq!(
                range(q),
                r("2026-11-25T07:50:00Z", "2026-11-25T08:10:00Z"),
                "{q}"
            );
        }
        assert_eq!(
            range("api-gateway logs between 06:00 and 07:00 today"),
            r("2026-11-25T06:00:00Z", "2026-11-25T07:00:00Z")
        );
        assert_eq!(
            range("from 6am to 7am"),
            r("2026-11-25T06:00:00Z", "2026-11-25T07:00:00Z")
        );
        assert_eq!(
            range("2026-11-25 07:50 to 08:10"),
            r("2026-11-25T07:50:00Z", "2026-11-25T08:10:00Z")
        );
        assert_eq!(
            range("Nov 25 from 7:50 to 8:10"),
            r("2026-11-25T07:50:00Z", "2026-11-25T08:10:00Z")
        );
        assert_eq!(
            range("yesterday between 10pm and 11pm"),
            r("2026-11-24T22:00:00Z", "2026-11-24T23:00:00Z")
        );
        assert_eq!(
            range("between 23:00 and 23:30"),
            r("2026-11-24T23:00:00Z", "2026-11-24T23:30:00Z")
        );
        assert_eq!(
            range("오늘 06시부터 07시까지"),
            r("2026-11-25T06:00:00Z", "2026-11-25T07:00:00Z")
        );
        assert_eq!(
            range("오늘 오전 6시부터 7시까지"),
            r("2026-11-25T06:00:00Z", "2026-11-25T07:00:00Z")
        );
        assert_eq!(
            range("between 6 and 7 today"),
            r("2026-11-25T06:00:00Z", "2026-11-25T07:00:00Z")
        );
        assert_eq!(
            range("07:50-08:10"),
            r("2026-11-25T07:50:00Z", "2026-11-25T08:10:00Z")
        );
    }

    #[test]
    fn since_forms() {
        let end = "2026-11-25T08:38:56Z";
        assert_eq!(
            range("errors since midnight"),
            r("2026-11-25T00:00:00Z", end)
        );
        assert_eq!(range("since 6am"), r("2026-11-25T06:00:00Z", end));
        assert_eq!(range("since 06:30"), r("2026-11-25T06:30:00Z", end));
        assert_eq!(range("since yesterday"), r("2026-11-24T00:00:00Z", end));
        assert_eq!(range("자정부터"), r("2026-11-25T00:00:00Z", end));
        assert_eq!(range("3시간 전부터"), r("2026-11-25T05:38:56Z", end));
        assert_eq!(range("since 2 hours ago"), r("2026-11-25T06:38:56Z", end));
    }

    #[test]
    fn clock_times_use_the_time_zone() {
        let seoul: Tz = "Asia/Seoul".parse().unwrap();
        // 08:38:56Z is 17:38:56 in Seoul; "today" starts at 15:00Z the day before.
        assert_eq!(
            range_tz("today", seoul),
            r("2026-11-24T15:00:00Z", "2026-11-25T08:38:56Z")
        );
        assert_eq!(
            range_tz("between 06:00 and 07:00 today", seoul),
            r("2026-11-24T21:00:00Z", "2026-11-24T22:00:00Z")
        );
    }

    #[test]
    fn no_time_named() {
        assert_eq!(range("show error logs from order-service"), None);
        assert_eq!(range("top 3 services by error count"), None);
        assert_eq!(range("status 500"), None);
    }
}
