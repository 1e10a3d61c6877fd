//! Numbers with a meaning: quantiles, duration thresholds, intervals, top-N and limits, HTTP status codes.

use super::*;

pub(super) fn read_quantiles(r: &mut Reading) {
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        // p95, p99.9, p50
        if let Some(rest) = t.lower.strip_prefix('p')
            && let Ok(v) = rest.parse::<f64>()
            && v > 0.0
            && v < 100.0
            && !rest.is_empty()
        {
            r.quantile = Some(v / 100.0);
            r.claim([i]);
            r.note("quantile", i, i + 1, format!("{}th percentile", rest));
            continue;
        }
        if t.is_any(&["median"]) {
            r.quantile = Some(0.5);
            r.claim([i]);
            r.note("quantile", i, i + 1, "median (50th percentile)");
            continue;
        }
        // 95th percentile / 95 percentile / percentile 95 / 95%
        let ordinal = t
            .lower
            .trim_end_matches("th")
            .trim_end_matches("st")
            .trim_end_matches("nd")
            .trim_end_matches("rd");
        let pct_next = r.tok(i + 1).is_some_and(|n| {
            n.is_any(&["percentile", "pct", "%", "%ile"]) || ko(n, &["퍼센타일", "백분위", "분위"])
        });
        if let Ok(v) = ordinal.trim_end_matches('%').parse::<f64>() {
            let is_pct_sign =
                t.lower.ends_with('%') && r.tok(i + 1).is_some_and(|n| any(n, lx::LATENCY_WORDS));
            if (pct_next || is_pct_sign) && v > 0.0 && v < 100.0 {
                r.quantile = Some(v / 100.0);
                let end = if pct_next { i + 2 } else { i + 1 };
                r.claim(i..end);
                r.note("quantile", i, end, format!("{v}th percentile"));
                continue;
            }
        }
        if t.is("percentile")
            && let Some(v) = r
                .tok(i + 1)
                .and_then(Token::number)
                .filter(|v| *v > 0.0 && *v < 100.0)
        {
            r.quantile = Some(v / 100.0);
            r.claim([i, i + 1]);
            r.note("quantile", i, i + 2, format!("{v}th percentile"));
        }
    }
    // average / max / min / total as aggregations of a value
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let t = &r.tokens[i];
        // "5 min" is a duration, not a minimum
        if t.is_any(&["min", "mins", "max"]) && i > 0 && r.tokens[i - 1].is_number() {
            continue;
        }
        let agg = if t.is_any(&["average", "avg", "mean"]) || ko(t, &["평균"]) {
            Aggregate::Avg
        } else if t.is_any(&["max", "maximum", "peak", "worst"]) || ko(t, &["최대", "최고"]) {
            Aggregate::Max
        } else if t.is_any(&["min", "minimum", "best", "fastest"]) || ko(t, &["최소"]) {
            Aggregate::Min
        } else if t.is_any(&["sum"]) || ko(t, &["합계"]) {
            Aggregate::Sum
        } else {
            continue;
        };
        r.aggregate = Some(agg);
        r.claim([i]);
        r.note("aggregate", i, i + 1, format!("{agg:?}").to_lowercase());
    }
}

pub(super) const MORE: &[&str] = &[
    "over",
    "above",
    "exceeding",
    "exceeds",
    "exceed",
    "exceeded",
    "surpassing",
    "surpassed",
    "topping",
    "beyond",
    "slower",
    "longer",
    "greater",
    "more",
    "higher",
    ">",
    "past",
];

pub(super) const LESS: &[&str] = &[
    "under", "below", "faster", "shorter", "less", "fewer", "lower", "<", "within",
];

/// Duration thresholds: "slower than 1s", "over 500ms", "taking more than 2 seconds", "> 1s", "1초 이상".
pub(super) fn read_thresholds(r: &mut Reading) {
    let n = r.tokens.len();
    for i in 0..n {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        let (op, dur_at) = if any(&t, MORE) || t.is(">=") {
            let mut j = i + 1;
            let mut op = if t.is(">=") { CmpOp::Gte } else { CmpOp::Gt };
            if r.is(j, &["than", "or"]) {
                j += 1;
            }
            if r.is(j, &["equal"]) {
                op = CmpOp::Gte;
                j += 1;
                if r.is(j, &["to"]) {
                    j += 1;
                }
            }
            (op, j)
        } else if any(&t, LESS) || t.is("<=") {
            let mut j = i + 1;
            if r.is(j, &["than"]) {
                j += 1;
            }
            (if t.is("<=") { CmpOp::Lte } else { CmpOp::Lt }, j)
        } else if t.is("at") && r.is(i + 1, &["least"]) {
            (CmpOp::Gte, i + 2)
        } else if t.is("at") && r.is(i + 1, &["most"]) {
            (CmpOp::Lte, i + 2)
        } else if t.is_any(&["took", "taking", "takes", "lasting", "lasted"])
            && r.tok(i + 1).is_some_and(|x| {
                duration_at(&r.tokens, i + 1).is_some() && x.kind == TokenKind::Word
            })
        {
            (CmpOp::Gt, i + 1)
        } else {
            // Korean: `1초 이상`, `2초 넘게`, `500ms 초과`, `1초보다 느린`
            if let Some((d, _, next)) = duration_at(&r.tokens, i) {
                let after = |j: usize| r.tok(j).filter(|x| x.kind == TokenKind::Hangul);
                let unit_rest = r
                    .tok(next - 1)
                    .filter(|x| x.kind == TokenKind::Hangul)
                    .map_or("", |x| {
                        x.text
                            .trim_start_matches(|c: char| "밀리초시간분일주반".contains(c))
                    });
                let mark = |s: &str| -> Option<CmpOp> {
                    if s.starts_with("이상")
                        || s.starts_with("넘")
                        || s.starts_with("보다")
                        || s.starts_with("걸린")
                        || s.starts_with("걸리")
                        || s.starts_with("느린")
                    {
                        Some(if s.starts_with("이상") {
                            CmpOp::Gte
                        } else {
                            CmpOp::Gt
                        })
                    } else if s.starts_with("초과") {
                        Some(CmpOp::Gt)
                    } else if s.starts_with("이하") {
                        Some(CmpOp::Lte)
                    } else if s.starts_with("미만") {
                        Some(CmpOp::Lt)
                    } else {
                        None
                    }
                };
                let found = mark(unit_rest).map(|op| (op, next)).or_else(|| {
                    after(next)
                        .and_then(|x| mark(&x.text))
                        .map(|op| (op, next + 1))
                });
                if let Some((op, end)) = found
                    && !r.claimed[i..end.min(n)].iter().any(|c| *c)
                {
                    r.threshold = Some(Threshold { op, value: d });
                    r.claim(i..end);
                    r.note("threshold", i, end, format!("{} {d}", op_text(op)));
                }
            }
            continue;
        };
        if let Some((d, unit, next)) = duration_at(&r.tokens, dur_at)
            && (dur_at..next).all(|j| r.free(j))
            && (unit < 3_600_000_000_000 || r.cues.latency)
        {
            r.threshold = Some(Threshold { op, value: d });
            r.claim(i..next);
            r.note("threshold", i, next, format!("{} {d}", op_text(op)));
        }
    }
    // "1s+" / "2s or more"
    for i in 0..n {
        if !r.free(i) {
            continue;
        }
        if let Some((d, unit, next)) = duration_at(&r.tokens, i) {
            if unit >= 60_000_000_000 {
                continue;
            }
            let plus = r.is(next, &["+"])
                || (r.is(next, &["or"]) && r.is(next + 1, &["more", "longer", "above"]));
            if plus {
                let end = if r.is(next, &["+"]) {
                    next + 1
                } else {
                    next + 2
                };
                r.threshold = Some(Threshold {
                    op: CmpOp::Gte,
                    value: d,
                });
                r.claim(i..end);
                r.note("threshold", i, end, format!(">= {d}"));
            }
        }
    }
}

/// "per 5 minutes", "every minute", "in 5-minute buckets", "5m step", "5분마다", "5분 단위", "분당";
/// "per second" is a rate.
pub(super) fn read_intervals(r: &mut Reading) {
    let n = r.tokens.len();
    for i in 0..n {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        if t.is_any(&[
            "per",
            "every",
            "each",
            "by",
            "step",
            "resolution",
            "granularity",
        ]) || (t.is("a") && i > 0)
        {
            let mut j = i + 1;
            if r.is(j, &["of"]) {
                j += 1;
            }
            if let Some((d, _, next)) = duration_at(&r.tokens, j)
                && (j..next).all(|k| r.free(k))
            {
                r.interval = Some(d);
                r.claim(i..next);
                r.note("interval", i, next, format!("every {d}"));
                continue;
            }
            if let Some(unit) = r.tok(j).and_then(|u| num::unit_nanos(&u.lower))
                && r.free(j)
                && t.lower != "a"
            {
                if unit == 1_000_000_000 {
                    r.cues.per_second = true;
                    r.cues.rate = true;
                    r.claim(i..=j);
                    r.note("rate", i, j + 1, "per second");
                } else {
                    r.interval = Some(QueryDuration::from_nanos(unit));
                    r.claim(i..=j);
                    r.note(
                        "interval",
                        i,
                        j + 1,
                        format!("every {}", QueryDuration::from_nanos(unit)),
                    );
                }
                continue;
            }
        }
        // "5-minute buckets", "5 minute intervals", "in 5m bins"
        if let Some((d, _, next)) = duration_at(&r.tokens, i) {
            let bucket_word = r.tok(next).is_some_and(|b| {
                b.is_any(&[
                    "buckets",
                    "bucket",
                    "intervals",
                    "interval",
                    "bins",
                    "windows",
                    "steps",
                    "step",
                    "resolution",
                    "granularity",
                ])
            });
            let ko_every = r.tok(next - 1).is_some_and(|u| {
                u.kind == TokenKind::Hangul
                    && (u.text.contains("마다")
                        || u.text.contains("단위")
                        || u.text.contains("간격"))
            }) || r
                .tok(next)
                .is_some_and(|u| ko(u, &["마다", "단위", "간격", "별"]));
            if (bucket_word || ko_every) && (i..next).all(|k| r.free(k)) {
                let end = if bucket_word
                    || r.tok(next)
                        .is_some_and(|u| ko(u, &["마다", "단위", "간격", "별"]))
                {
                    next + 1
                } else {
                    next
                };
                r.interval = Some(d);
                r.claim(i..end);
                r.note("interval", i, end, format!("every {d}"));
                continue;
            }
        }
        // "5-minute" as one word with a dash: "5-minute buckets", "5-minute error counts"
        if t.kind == TokenKind::Word
            && let Some((num, unit)) = t.lower.split_once('-')
            && let (Ok(v), Some(u)) = (num.parse::<f64>(), num::unit_nanos(unit))
            && u <= 86_400_000_000_000
        {
            let bucket = r.tok(i + 1).is_some_and(|b| {
                b.is_any(&[
                    "buckets",
                    "bucket",
                    "intervals",
                    "interval",
                    "bins",
                    "windows",
                    "steps",
                    "step",
                ])
            });
            let window = i > 0 && r.tokens[i - 1].is_any(&["last", "past", "previous", "a", "the"]);
            if bucket || !window {
                let d = QueryDuration::from_nanos((v * u as f64) as u64);
                r.interval = Some(d);
                let end = if bucket { i + 2 } else { i + 1 };
                r.claim(i..end);
                r.note("interval", i, end, format!("every {d}"));
                continue;
            }
        }
        // "hourly", "daily", "시간별", "일별": buckets of one unit
        let bucket = if t.is("hourly") || ko(&t, &["시간별", "매시간", "시간마다", "시간 단위"])
        {
            Some(QueryDuration::from_hours(1))
        } else if t.is("daily") || ko(&t, &["일별", "날짜별", "일자별", "매일"]) {
            Some(QueryDuration::from_hours(24))
        } else if t.is("minutely") || ko(&t, &["분별", "매분"]) {
            Some(QueryDuration::from_mins(1))
        } else {
            None
        };
        if let Some(d) = bucket {
            r.interval = Some(d);
            r.claim([i]);
            r.note("interval", i, i + 1, format!("every {d}"));
            continue;
        }
        if ko(&t, &["초당"]) {
            r.cues.per_second = true;
            r.cues.rate = true;
            r.claim([i]);
            r.note("rate", i, i + 1, "per second");
        } else if ko(&t, &["분당"]) {
            r.interval = Some(QueryDuration::from_mins(1));
            r.claim([i]);
            r.note("interval", i, i + 1, "every 1m");
        } else if ko(&t, &["시간당"]) {
            r.interval = Some(QueryDuration::from_hours(1));
            r.claim([i]);
            r.note("interval", i, i + 1, "every 1h");
        }
    }
}

pub(super) const LIMIT_NOUNS: &[&str] = &[
    "errors",
    "error",
    "logs",
    "log",
    "lines",
    "line",
    "entries",
    "entry",
    "messages",
    "message",
    "events",
    "traces",
    "trace",
    "spans",
    "span",
    "requests",
    "request",
    "results",
    "records",
    "warnings",
    "failures",
    "exceptions",
    "items",
    "rows",
    "calls",
    "ones",
];

pub(super) fn read_topk_and_limit(r: &mut Reading) {
    let n = r.tokens.len();
    for i in 0..n {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        // top N / bottom N / 상위 N / 하위 N
        let top = t.is_any(&[
            "top", "highest", "largest", "biggest", "noisiest", "busiest", "worst",
        ]) || ko(&t, &["상위", "가장 많은"]);
        // ("at least 200" is a comparison, no bottom 200)
        let bottom = (t.is_any(&["bottom", "lowest", "smallest", "quietest", "fewest"])
            || (t.is("least") && !(i > 0 && r.is(i - 1, &["at"]))))
            || ko(&t, &["하위"]);
        if (top || bottom) && !r.is(i + 1, &["of"]) {
            if let Some((k, next)) = number_at(&r.tokens, i + 1)
                .filter(|(k, _)| *k >= 1.0 && *k <= 1000.0 && k.fract() == 0.0)
            {
                let is_time = duration_at(&r.tokens, i + 1).is_some();
                if !is_time {
                    r.topk = Some((k as u32, bottom));
                    let mut end = next;
                    if r.tok(end).is_some_and(|x| ko(x, &["개"])) {
                        end += 1;
                    }
                    r.claim(i..end);
                    r.note(
                        "top",
                        i,
                        end,
                        format!("{} {k}", if bottom { "bottom" } else { "top" }),
                    );
                    continue;
                }
            }
            if t.is_any(&["top", "bottom"]) || ko(&t, &["상위", "하위"]) {
                r.topk = Some((5, bottom));
                r.claim([i]);
                r.note(
                    "top",
                    i,
                    i + 1,
                    format!("{} 5", if bottom { "bottom" } else { "top" }),
                );
                continue;
            }
        }
        // "which 3 services logged the most errors", "the 5 services with the most warnings"
        if let Some((k, next)) =
            number_at(&r.tokens, i).filter(|(k, _)| *k >= 1.0 && k.fract() == 0.0 && *k <= 100.0)
        {
            let superlative = r.tokens.iter().any(|x| {
                x.is_any(&["most", "highest", "top", "noisiest", "busiest", "worst"])
                    || ko(x, &["가장"])
            });
            if r.is(next, &["services", "service", "apps", "pods", "endpoints"])
                && superlative
                && t.kind == TokenKind::Word
            {
                r.topk = Some((k as u32, false));
                r.claim([i]);
                r.note("top", i, i + 1, format!("top {k}"));
                continue;
            }
        }
        // "the most errors", "which service logs the most": a single winner
        if t.is_any(&["most"]) && !r.is(i + 1, &["recent"]) && (i == 0 || !r.is(i - 1, &["at"])) {
            r.cues.most = true;
            continue;
        }
        // limits: "20 most recent errors", "last 50 lines", "latest 10 traces", "first 5", "limit 100",
        // "show 100 logs", "최근 20개"
        let limit_cue = t.is_any(lx::LIMIT_CUES) || ko(&t, &["최근", "최신"]);
        if limit_cue
            && let Some((k, next)) = number_at(&r.tokens, i + 1)
            && k >= 1.0
            && k.fract() == 0.0
            && duration_at(&r.tokens, i + 1).is_none()
        {
            // the noun may come after a service or a level: "last 20 payment-service log lines"
            let noun = (next..(next + 3).min(r.tokens.len()))
                .take_while(|&k| k == next || !r.is(k - 1, LIMIT_NOUNS))
                .any(|k| r.is(k, LIMIT_NOUNS))
                || r.tok(next).is_some_and(|x| ko(x, &["개", "건", "줄"]));
            let trailing_ok = t.is_any(&["limit", "max", "first", "latest", "newest", "top"]);
            if noun || trailing_ok {
                r.limit = Some(k as u32);
                let end = if r.tok(next).is_some_and(|x| ko(x, &["개", "건", "줄"])) {
                    next + 1
                } else {
                    next
                };
                r.claim(i..end);
                r.note("limit", i, end, format!("at most {k} results"));
                continue;
            }
        }
        if let Some((k, next)) = number_at(&r.tokens, i)
            .filter(|(k, _)| *k >= 1.0 && k.fract() == 0.0 && *k <= 100_000.0)
        {
            if t.kind != TokenKind::Word
                || duration_at(&r.tokens, i).is_some()
                || http_status(&t.lower).is_some()
                    && !r.is(next, &["most", "latest", "newest", "recent", "last"])
            {
                continue;
            }
            // "20 most recent", "10 latest", "5 newest"
            let mut j = next;
            let recent = if r.is(j, &["most"]) && r.is(j + 1, &["recent"]) {
                j += 2;
                true
            } else if r.free(j)
                && r.is(
                    j,
                    &["latest", "newest", "recent", "last", "oldest", "earliest"],
                )
            {
                j += 1;
                true
            } else {
                false
            };
            // the noun may follow a level, a service or an adjective: "show 5 failed traces"
            let noun = (j..(j + 3).min(r.tokens.len()))
                .take_while(|&k| k == j || !r.is(k - 1, LIMIT_NOUNS))
                .any(|k| r.is(k, LIMIT_NOUNS))
                || r.tok(j).is_some_and(|x| ko(x, &["개", "건", "줄"]));
            // a number right before a log noun when the question lists ("show 100 logs") or starts
            // with it ("10 failed traces from order-service")
            let listing = i == 0
                || r.tok(i - 1).is_some_and(|p| {
                    p.kind == TokenKind::Symbol
                        || p.is_any(&[
                            "show", "list", "get", "fetch", "give", "display", "return", "find",
                            "me", "pull", "grab",
                        ])
                });
            if recent || (noun && listing) || r.tok(j).is_some_and(|x| ko(x, &["개", "건", "줄"]))
            {
                r.limit = Some(k as u32);
                let end = if r.tok(j).is_some_and(|x| ko(x, &["개", "건", "줄"])) {
                    j + 1
                } else {
                    j
                };
                r.claim(i..end);
                r.note("limit", i, end, format!("at most {k} results"));
            }
        }
    }
}

/// HTTP status codes that are not already a field condition: "500s", "5xx", "HTTP 500", "returned 503".
pub(super) fn read_http(r: &mut Reading) {
    for i in 0..r.tokens.len() {
        if !r.free(i) {
            continue;
        }
        let t = &r.tokens[i];
        let Some((lo, hi)) = http_status(&t.lower) else {
            continue;
        };
        let is_class = lo != hi;
        let context = is_class
            || t.lower.ends_with('s')
            || (i > 0
                && r.tokens[i - 1].is_any(&[
                    "http",
                    "status",
                    "code",
                    "returned",
                    "returning",
                    "return",
                    "returns",
                    "with",
                    "got",
                    "get",
                    "gave",
                    "giving",
                    "answered",
                    "responded",
                ]))
            || r.tok(i + 1).is_some_and(|n| {
                n.is_any(&[
                    "errors",
                    "error",
                    "status",
                    "response",
                    "responses",
                    "code",
                    "codes",
                    "returned",
                ]) || ko(n, &["에러", "오류", "응답", "상태"])
            })
            || (lo >= 400
                && r.tokens
                    .iter()
                    .any(|x| x.is_any(&["http", "status", "returned", "responses", "response"])))
            // "401 spans", "500 requests": an error code naming what the spans or requests returned
            || (lo >= 400 && r.tok(i + 1).is_some_and(|n| any(n, lx::TRACE_WORDS) || any(n, lx::REQUEST_WORDS) || lx::ko_contains(n, lx::TRACE_KO) || lx::ko_contains(n, lx::REQUEST_KO)))
                        // "traces with a 504": in a question about requests a bare code is a status
            || (lo >= 200 && (r.cues.traces || r.cues.requests) && i > 0 && r.tokens[i - 1].is_any(&["a", "an", "with"]))
            // `상태 코드 500`, `상태코드 500`
            || (i > 0 && lx::ko_contains(&r.tokens[i - 1], &["상태", "코드"]))
            // `500을 반환한`, `500 응답`: Korean words for returned/response after the particles
            || {
                let mut k = i + 1;
                while r.tok(k).is_some_and(|x| x.kind == TokenKind::Hangul && ["을", "를", "이", "가", "으로", "로"].contains(&x.text.as_str())) {
                    k += 1;
                }
                r.tok(k).is_some_and(|x| lx::ko_contains(x, &["반환", "응답", "리턴", "상태", "코드"]))
            };
        if !context {
            continue;
        }
        let mut from = i;
        if i > 0 && r.free(i - 1) && r.tokens[i - 1].is_any(&["http", "status"]) {
            from = i - 1;
        }
        let mut to = i + 1;
        let mut hi = hi;
        // "500+", "500 or above"
        if r.is(i + 1, &["+"]) {
            hi = 599;
            to = i + 2;
        } else if r.is(i + 1, &["or"]) && r.is(i + 2, &["above", "higher", "more", "greater"]) {
            hi = 599;
            to = i + 3;
        }
        // "500 errors" are responses, not error-level lines: the word belongs to the code.
        if r.free(to)
            && r.tok(to).is_some_and(|n| {
                n.is_any(&[
                    "status",
                    "response",
                    "responses",
                    "code",
                    "codes",
                    "errors",
                    "error",
                ]) || ko(n, &["에러", "오류", "응답"])
            })
        {
            to += 1;
        }
        // `500은 빼고`, `500 제외`, "except status 500": the code left out
        let korean_out = (to..to + 2).any(|k| {
            r.tok(k).is_some_and(|x| {
                x.kind == TokenKind::Hangul
                    && ["빼고", "제외", "말고"]
                        .iter()
                        .any(|w| x.text.starts_with(w))
            })
        }) && r.tok(to).is_some_and(|x| {
            x.kind == TokenKind::Hangul
                && (["은", "는", "을", "를", "이", "가"].contains(&x.text.as_str())
                    || ["빼고", "제외", "말고"]
                        .iter()
                        .any(|w| x.text.starts_with(w)))
        });
        let english_out = (from.saturating_sub(3)..from)
            .any(|k| r.free(k) && r.is(k, &["except", "excluding", "exclude", "besides"]));
        if lo == hi && (korean_out || english_out) {
            r.http_excluded.push(lo);
            r.claim(from..to);
            r.note("status", from, to, format!("not HTTP {lo}"));
            continue;
        }
        r.http.push((lo, hi));
        r.claim(from..to);
        r.note(
            "status",
            from,
            to,
            if lo != hi {
                format!("HTTP {lo}-{hi}")
            } else {
                format!("HTTP {lo}")
            },
        );
    }
}
