//! Cues about the kind of answer (logs, traces, counts, rates, correlation, ...) and grouping words.

use super::*;

/// "per service", "by level", "for each service", "grouped by env", "서비스별", "레벨별".
pub(super) fn read_grouping(r: &mut Reading, schema: &Schema) {
    let n = r.tokens.len();
    for i in 0..n {
        if !r.free(i) {
            continue;
        }
        let t = r.tokens[i].clone();
        if t.kind == TokenKind::Hangul {
            // `서비스별`, `라우트별로`, `상태코드마다`: a grouping word with the suffix attached
            let stem = ["별로", "별", "마다"]
                .iter()
                .find_map(|suffix| t.text.strip_suffix(suffix))
                .filter(|s| !s.is_empty());
            if let Some(g) = stem.and_then(|s| korean_group_word(s, schema)) {
                push_unique(&mut r.group_by, g.clone());
                r.claim([i]);
                r.note("group", i, i + 1, format!("by {g}"));
            } else if (t.text == "별" || t.text.starts_with("별로"))
                && i > 0
                && let Some(g) = group_target(&r.tokens[i - 1], schema)
                    .or_else(|| named_group_target(r, i - 1, schema).map(|(g, _)| g))
            {
                push_unique(&mut r.group_by, g.clone());
                r.claim([i - 1, i]);
                r.note("group", i - 1, i + 1, format!("by {g}"));
            } else if t.text == "각"
                && let Some(g) = r.tok(i + 1).and_then(|n| group_target(n, schema))
            {
                // `각 서비스의 에러 수`: each service
                push_unique(&mut r.group_by, g.clone());
                r.claim([i, i + 1]);
                r.note("group", i, i + 2, format!("by {g}"));
            }
            continue;
        }
        // "for each of order-service and payment-service": one series per service
        // (or loosely named ones, read later: "each of orders and payments")
        let loose_service_next = r.tok(i + 2).is_some_and(|x| {
            matches!(
                schema.index().services.resolve(&x.text),
                Some((_, crate::ground::fuzzy::MatchQuality::Partial))
            )
        });
        if t.is("each")
            && r.is(i + 1, &["of"])
            && (r.service_at.iter().any(|&a| a > i) || loose_service_next)
        {
            push_unique(&mut r.group_by, "service".to_string());
            r.claim([i, i + 1]);
            r.note("group", i, i + 2, "by service");
            continue;
        }
        // "per-service", "by-level"
        if let Some((cue, target)) = t.lower.split_once('-')
            && ["per", "by", "each"].contains(&cue)
        {
            let mut target_token = t.clone();
            target_token.lower = target.to_string();
            if let Some(g) = group_target(&target_token, schema) {
                push_unique(&mut r.group_by, g.clone());
                r.claim([i]);
                r.note("group", i, i + 1, format!("by {g}"));
            }
            continue;
        }
        if !(t.is_any(&["per", "by", "each", "across", "every"])
            || (t.is("for") && r.is(i + 1, &["each", "every"])))
        {
            continue;
        }
        // "errors from every service" lists them; "error count across every service" groups them.
        let weak = t.is_any(&["every", "across"]) || (t.is("for") && r.is(i + 1, &["every"]));
        let c = &r.cues;
        let counting = c.count
            || c.how_many
            || c.rate
            || c.per_second
            || c.over_time
            || c.ratio
            || c.bytes
            || r.interval.is_some()
            || r.topk.is_some()
            || c.most;
        if weak && !counting {
            continue;
        }
        let mut j = i + 1;
        while r.is(j, &["each", "every", "the", "a", "their", "its"]) {
            j += 1;
        }
        // "each order-service pod": the service scopes, the word after it groups
        if r.claimed_as.get(j) == Some(&"service") && r.tok(j + 1).is_some() && r.free(j + 1) {
            j += 1;
        }
        // "grouped by", "broken down by", "split by"
        let Some(target) = r.tok(j) else { continue };
        if !r.free(j) {
            continue;
        }
        // a name the schema knows, written as is or in words ("db.sql.table", "http route",
        // "upstream"), before the generic words ("route" → span name)
        let found = named_group_target(r, j, schema)
            .or_else(|| group_target(target, schema).map(|g| (g, j + 1)));
        if let Some((g, mut end)) = found {
            // "status code"
            if g == "status" && r.is(end, &["code", "codes"]) {
                end += 1;
            }
            push_unique(&mut r.group_by, g.clone());
            // "by service and level", "by service, level": more grouping words joined on
            while r.is(end, &["and", ","])
                && r.free(end + 1)
                && let Some(more) = r.tok(end + 1).and_then(|t| group_target(t, schema))
            {
                push_unique(&mut r.group_by, more);
                end += 2;
            }
            r.claim(i..end);
            r.note("group", i, end, format!("by {}", r.group_by.join(", ")));
        }
    }
    // "the top 2 levels by line count": the counted-over word right after top N is grouped
    if r.topk.is_some() {
        for i in 1..n {
            if r.free(i)
                && r.claimed_as.get(i - 1) == Some(&"top")
                && !r.tokens[i].is_any(&["span", "spans", "name", "names", "services"])
                && let Some(g) = group_target(&r.tokens[i], schema)
            {
                push_unique(&mut r.group_by, g.clone());
                r.claim([i]);
                r.note("group", i, i + 1, format!("by {g}"));
            }
        }
    }
    // "services by error count" / "which service": the subject is grouped
    for i in 0..n {
        if r.free(i)
            && r.tokens[i].is_any(&["services", "which"])
            && (r.cues.most || r.topk.is_some() || r.tokens[i].is("services"))
        {
            let service_next = r.tokens[i].is("which")
                && r.tok(i + 1)
                    .is_some_and(|t| t.is_any(&["service", "services", "app"]));
            if r.tokens[i].is("services") && (r.topk.is_some() || r.cues.most) || service_next {
                push_unique(&mut r.group_by, "service".to_string());
                r.note("group", i, i + 1, "by service");
            }
        }
    }
}

pub(super) fn group_target(t: &Token, schema: &Schema) -> Option<String> {
    let w = t.lower.trim_end_matches("'s");
    let canonical = match w {
        "service" | "services" | "svc" | "svcs" | "app" | "apps" | "application"
        | "applications" | "microservice" | "microservices" => "service",
        "level" | "levels" | "severity" | "severities" | "loglevel" | "log-level" => "level",
        "env" | "envs" | "environment" | "environments" => "env",
        "status" | "statuses" | "code" | "codes" | "status-code" => "status",
        "endpoint" | "endpoints" | "operation" | "operations" | "route" | "routes" | "span"
        | "spans" | "name" | "names" => {
            // a route is the HTTP route attribute when Tempo has one
            if matches!(w, "route" | "routes") {
                return Some(route_group(schema));
            }
            "name"
        }
        "pod" | "pods" | "instance" | "instances" | "host" | "hosts" => "pod",
        "method" | "methods" => "method",
        "namespace" | "namespaces" => "namespace",
        "cluster" | "clusters" => "cluster",
        _ if t.kind == TokenKind::Hangul => return korean_group_word(&t.text, schema),
        other => {
            return schema
                .loki
                .labels
                .contains_key(other)
                .then(|| other.to_string());
        }
    };
    Some(canonical.to_string())
}

/// The HTTP route attribute Tempo reports (`span.http.route`), else the span name.
fn route_group(schema: &Schema) -> String {
    schema
        .index()
        .attribute_names
        .get("http.route")
        .cloned()
        .unwrap_or_else(|| "name".to_string())
}

/// A Korean grouping word (its particle or `별` suffix already gone): `서비스`, `라우트`, `상태코드`.
fn korean_group_word(word: &str, schema: &Schema) -> Option<String> {
    let starts = |stems: &[&str]| stems.iter().any(|s| word.starts_with(s));
    let g = if starts(&["서비스", "앱"]) {
        "service"
    } else if starts(&["레벨", "수준", "로그레벨", "로그 레벨"]) {
        "level"
    } else if starts(&["환경"]) {
        "env"
    } else if starts(&["상태", "응답코드", "응답 코드", "코드"]) {
        "status"
    } else if starts(&["라우트", "경로"]) {
        return Some(route_group(schema));
    } else if starts(&["엔드포인트", "오퍼레이션", "스팬 이름", "스팬이름"]) {
        "name"
    } else if starts(&["파드", "인스턴스", "호스트"]) {
        "pod"
    } else if starts(&["메서드", "메소드"]) {
        "method"
    } else if starts(&["네임스페이스"]) {
        "namespace"
    } else if starts(&["클러스터"]) {
        "cluster"
    } else {
        return None;
    };
    Some(g.to_string())
}

/// A grouping target the schema names at token `j`: a Tempo attribute written as is (`db.sql.table`,
/// `span.http.route`) or in words (`http route`, `payment provider`), a parsed log field (`upstream`,
/// `user id`), or an HTTP status code in words (`HTTP status code`). Returns the name and the end token.
pub(super) fn named_group_target(
    r: &Reading,
    j: usize,
    schema: &Schema,
) -> Option<(String, usize)> {
    let t = r.tok(j)?;
    if !matches!(t.kind, TokenKind::Word | TokenKind::Quoted) {
        return None;
    }
    // "HTTP status code", "response status": the status
    let mut k = j;
    while r.is(k, &["http", "response"]) {
        k += 1;
    }
    if k > j && r.is(k, &["status", "code", "codes", "statuses"]) {
        return Some(("status".to_string(), k + 1));
    }
    if t.lower == "http" && r.is(j + 1, &["method", "methods"]) {
        return Some(("method".to_string(), j + 2));
    }
    let index = schema.index();
    let words_free = |n: usize| {
        (j..j + n).all(|x| {
            r.free(x)
                && r.tok(x)
                    .is_some_and(|w| matches!(w.kind, TokenKind::Word | TokenKind::Quoted))
        })
    };
    // several words: an attribute (`http route` → span.http.route) or a field (`user id` → user_id)
    for n in [3, 2] {
        if !words_free(n) {
            continue;
        }
        let words: Vec<&str> = (j..j + n)
            .filter_map(|x| r.tok(x).map(|w| w.lower.as_str()))
            .collect();
        if let Some(attr) = index.attribute_names.get(&words.join(".")) {
            return Some((attr.clone(), j + n));
        }
        let joined = words.join("_");
        if let Some((_, f)) = schema
            .fields_of(None)
            .find(|(_, f)| f.name.eq_ignore_ascii_case(&joined))
        {
            return Some((f.name.clone(), j + n));
        }
    }
    let w = t.lower.trim_end_matches("'s");
    if w.contains('.')
        && let Some(attr) = index.attribute_names.get(w)
    {
        return Some((attr.clone(), j + 1));
    }
    // a field of the log lines, when the word is no generic grouping word
    if group_target(t, schema).is_none()
        && let Some((_, f)) = schema
            .fields_of(None)
            .find(|(_, f)| f.name.eq_ignore_ascii_case(w) && f.name != "detected_level")
    {
        return Some((f.name.clone(), j + 1));
    }
    None
}

/// Words that named something (a service, a field, a phrase, ...) and so carry no cue.
const NAMING: [&str; 10] = [
    "service", "field", "filter", "label", "span", "route", "method", "trace", "time", "context",
];

/// Korean words for how long something took starting at token `j`, after `전체`/`총`: `소요 시간`,
/// `걸린 시간`, or `트레이스 (소요) 시간`; `시간` alone only when a trace word comes just before it or
/// just before `전체` (`트레이스 전체 시간`).
fn korean_trace_time(r: &Reading, j: usize) -> bool {
    const TOOK: &[&str] = &["소요", "지속", "걸린", "걸리"];
    // not `스팬`: a span's time is its own duration
    const TRACE: &[&str] = &["트레이스", "추적"];
    let Some(next) = r.tok(j) else { return false };
    if lx::ko_contains(next, TOOK) {
        return true;
    }
    let trace_before = j >= 2 && r.tok(j - 2).is_some_and(|p| lx::ko_contains(p, TRACE));
    if trace_before && lx::ko_contains(next, &["시간", "길이"]) {
        return true;
    }
    lx::ko_contains(next, TRACE)
        && r.tok(j + 1)
            .is_some_and(|n| lx::ko_contains(n, TOOK) || lx::ko_contains(n, &["시간", "길이"]))
}

/// Sets the cues from the words of the question; with `skip_named`, words that named a thing are left out.
pub(super) fn read_cues(r: &mut Reading, skip_named: bool) {
    let n = r.tokens.len();
    let mut c = r.cues.clone();
    for i in 0..n {
        if skip_named && NAMING.contains(&r.claimed_as[i]) {
            continue;
        }
        let t = &r.tokens[i];
        if any(t, lx::TRACE_WORDS) || lx::ko_contains(t, lx::TRACE_KO) {
            c.traces = true;
        }
        if any(t, lx::LOG_WORDS) || lx::ko_contains(t, lx::LOG_KO) {
            c.logs = true;
        }
        if any(t, lx::REQUEST_WORDS) || lx::ko_contains(t, lx::REQUEST_KO) || t.lower == "api" {
            c.requests = true;
        }
        if any(t, lx::LATENCY_WORDS)
            || lx::ko_contains(t, lx::LATENCY_KO)
            || (t.is("response") && r.is(i + 1, &["time", "times"]))
        {
            c.latency = true;
        }
        const TIME_WORDS: &[&str] = &[
            "duration", "latency", "time", "response", "runtime", "elapsed",
        ];
        let total_of_time = (t.is("total")
            && (r.is(i + 1, TIME_WORDS)
                || r.is(i + 1, lx::WHOLE_TRACE_WORDS)
                // "total trace duration", "total request time"
                || (r.is(i + 1, &["trace", "traces", "request", "requests"])
                    && r.is(i + 2, TIME_WORDS))))
            // `전체 소요 시간`, `총 소요 시간`, `전체 트레이스 시간`, `트레이스 전체 시간`: the whole trace
            || (ko(t, &["전체", "총"]) && korean_trace_time(r, i + 1));
        if total_of_time {
            c.whole_trace = true;
        } else if any(t, lx::COUNT_WORDS) || lx::ko_contains(t, lx::COUNT_KO) {
            c.count = true;
        }
        // "end to end", "start to finish", "from start to end"
        if t.is_any(&["end", "start", "beginning"])
            && r.is(i + 1, &["to"])
            && r.is(i + 2, &["end", "finish"])
        {
            c.whole_trace = true;
        }
        // "# of timeouts"
        if t.is("#") || (t.is("no") && r.is(i + 1, &["."])) {
            c.count = true;
        }
        // `로그 수`, `에러 수`: a count
        if t.kind == TokenKind::Hangul
            && (t.text == "수"
                || t.text.starts_with("수가")
                || t.text.starts_with("수는")
                || t.text.starts_with("수를"))
            && i > 0
            && r.tokens[i - 1].kind == TokenKind::Hangul
            // `보여줄 수 있어`: "can", after a verb in -ㄹ
            && !(t.text == "수"
                && r.tok(i + 1).is_some_and(|n| n.text.starts_with('있') || n.text.starts_with('없')))
        {
            c.count = true;
        }
        if t.is_any(&[
            "call",
            "calls",
            "called",
            "calling",
            "invoke",
            "invokes",
            "invoked",
            "invoking",
            "->",
            "→",
            "downstream",
        ]) {
            c.calls = true;
        }
        if t.is("many") && i > 0 && r.tokens[i - 1].is("how") {
            c.count = true;
            c.how_many = true;
        }
        if any(t, lx::RATE_WORDS) || lx::ko_contains(t, lx::RATE_KO) {
            c.rate = true;
        }
        if any(t, lx::OVER_TIME_WORDS)
            || lx::ko_contains(t, lx::OVER_TIME_KO)
            || (t.is("over") && r.is(i + 1, &["time"]))
        {
            c.over_time = true;
        }
        if any(t, lx::CORRELATE_WORDS)
            || lx::ko_contains(t, lx::CORRELATE_KO)
            || (t.is("what") && r.is(i + 1, &["happened"]))
            || (t.is("went") && r.is(i + 1, &["wrong"]))
        {
            c.correlate = true;
        }
        if any(t, lx::ANOMALY_WORDS) || lx::ko_contains(t, lx::ANOMALY_KO) {
            c.anomaly = true;
            c.correlate = true;
        }
        if any(t, lx::FAILED_WORDS) && !(t.is("broken") && r.is(i + 1, &["down", "out"])) {
            c.failed = true;
        }
        if any(t, lx::WHOLE_TRACE_WORDS) && !t.is("total") {
            c.whole_trace = true;
        }
        if t.is_any(&[
            "ratio",
            "percentage",
            "percent",
            "proportion",
            "share",
            "fraction",
            "%",
        ]) || lx::ko_contains(t, &["비율", "퍼센트", "비중"])
        {
            c.ratio = true;
        }
        if t.is_any(&["bytes", "size", "kb", "mb", "gb"])
            || (t.is("volume") && r.is(i + 1, &["in"]) && r.is(i + 2, &["bytes"]))
        {
            c.bytes = true;
        }
        // A request to change data: a verb that starts the request ("delete all logs", "please drop the
        // traces"), not an SQL word inside a question ("DB INSERT spans").
        let command_position = i == 0
            || r.tokens[..i].iter().all(|p| {
                p.is_any(&[
                    "please", "can", "could", "you", "i", "want", "to", "let's", "lets", "now",
                    "go", "and",
                ])
            });
        if (t.is_any(&[
            "delete", "drop", "remove", "purge", "truncate", "wipe", "erase", "insert", "ingest",
            "push", "write", "clear", "reset", "update", "modify", "restart", "reboot", "kill",
            "scale", "redeploy", "rollback", "deploy", "stop", "shutdown",
        ]) && command_position
            && !t.text.chars().all(|ch| ch.is_ascii_uppercase()))
            || lx::ko_contains(t, &["삭제", "지워", "지우", "재시작", "재부팅"])
        {
            c.destructive = true;
        }
        if t.is_any(&["server", "inbound", "incoming"]) && r.is(i + 1, &["spans", "span", "side"]) {
            c.server_spans = true;
        }
        if t.is_any(&["client", "outbound", "outgoing"])
            && r.is(
                i + 1,
                &["spans", "span", "calls", "call", "side", "requests"],
            )
        {
            c.client_spans = true;
        }
        if t.is_any(&["db", "database", "sql"])
            && r.tok(i + 1).is_some_and(|x| {
                x.is_any(&[
                    "operation",
                    "operations",
                    "call",
                    "calls",
                    "query",
                    "queries",
                    "statement",
                    "statements",
                ]) || lx::ko_contains(x, &["작업", "쿼리", "호출", "연산"])
            })
        {
            c.db_calls = true;
        }
        if t.is("trace") && r.is(i + 1, &["duration"]) {
            c.whole_trace = true;
        }
    }
    // "traceDuration"-style words
    if r.tokens
        .iter()
        .any(|t| t.lower == "traceduration" || t.lower == "trace-duration")
    {
        c.whole_trace = true;
    }
    r.cues = c;
}

/// A span status written out: "status ok", "status is not error", "status != unset", `상태가 ok인`,
/// `상태가 error가 아닌`. Read before levels, so that the `error` here is the status value.
pub(super) fn read_span_status(r: &mut Reading) {
    for i in 0..r.tokens.len() {
        let t = &r.tokens[i];
        let korean = t.kind == TokenKind::Hangul && t.text.starts_with("상태");
        if !r.free(i) || !(t.is("status") || korean) {
            continue;
        }
        let mut j = i + 1;
        while r.is(j, &["is", "=", "==", ":", "of", "equals"]) {
            j += 1;
        }
        let mut negated = false;
        if r.is(j, &["not", "!=", "isn't"]) {
            negated = true;
            j += 1;
        }
        let Some(value) = r.tok(j).and_then(|v| match v.lower.as_str() {
            "ok" => Some("ok"),
            "error" => Some("error"),
            "unset" => Some("unset"),
            _ => None,
        }) else {
            continue;
        };
        if !(i + 1..=j).all(|k| r.free(k)) {
            continue;
        }
        let mut end = j + 1;
        // `상태가 error가 아닌`, `상태가 ok인`
        while r.tok(end).is_some_and(|x| {
            x.kind == TokenKind::Hangul
                && ["가", "이", "인", "이고", "인데"].contains(&x.text.as_str())
        }) {
            end += 1;
        }
        if r.tok(end)
            .is_some_and(|x| lx::ko_contains(x, &["아닌", "아니"]))
        {
            negated = !negated;
            end += 1;
        }
        // "status error" is left to the level pass (error spans, error lines alike); in a question about
        // logs, "status is not error" excludes error lines
        if value == "error" && !negated {
            continue;
        }
        if value == "error" && r.cues.logs && !r.cues.traces {
            push_unique(&mut r.negated_levels, "error");
            r.claim(i..end);
            r.note("level", i, end, "level != error");
            continue;
        }
        r.span_status = Some((value, negated));
        r.claim(i..end);
        r.note(
            "status",
            i,
            end,
            format!("status {} {value}", if negated { "!=" } else { "=" }),
        );
    }
}
