//! Conditions on parsed log fields: "status 500", "duration_ms is over 1000", "msg is \"order created\"",
//! "duration_ms가 1000 이상".

use super::*;

/// Field name as written: exact, or with spaces for underscores (`user id` → `user_id`), or a known
/// synonym (`latency` → `duration_ms`).
pub(super) fn field_at<'a>(
    r: &Reading,
    i: usize,
    fields: &'a [(String, crate::ground::LogField)],
) -> Option<(&'a (String, crate::ground::LogField), usize)> {
    let t = r.tok(i)?;
    if t.kind != TokenKind::Word && t.kind != TokenKind::Quoted {
        return None;
    }
    if let Some(f) = fields
        .iter()
        .find(|(_, f)| f.name.eq_ignore_ascii_case(&t.text))
    {
        return Some((f, i + 1));
    }
    if let Some(next) = r.tok(i + 1) {
        let joined = format!("{}_{}", t.lower, next.lower);
        if let Some(f) = fields
            .iter()
            .find(|(_, f)| f.name.eq_ignore_ascii_case(&joined))
        {
            return Some((f, i + 2));
        }
    }
    None
}

/// Conditions on parsed fields: "status 500", "duration_ms is over 1000", "user_id u-123",
/// "status >= 500", "duration_ms가 1000 이상".
/// Whether a word before token `i` makes the field name there and a value after it a condition even
/// without "is" ("with method password", "where reason timeout"; "for category coffee" about logs, as
/// traces read the value as an attribute's).
pub(super) fn field_cue_before(r: &Reading, i: usize) -> bool {
    i > 0
        && (r.is(i - 1, &["with", "where", "whose", "having", "when"])
            || (r.is(i - 1, &["for"]) && !r.cues.traces))
}

pub(super) fn read_fields(r: &mut Reading, schema: &Schema) {
    // Fields of the services named so far, else of all services.
    let mut fields: Vec<(String, crate::ground::LogField)> = Vec::new();
    let scope: Vec<Option<&str>> = if r.services.is_empty() {
        vec![None]
    } else {
        r.services.iter().map(|s| Some(s.as_str())).collect()
    };
    for s in scope {
        for (svc, f) in schema.fields_of(s) {
            if f.name == "detected_level" || f.name == "level_extracted" {
                continue;
            }
            if !fields.iter().any(|(_, g)| g.name == f.name) {
                fields.push((svc.to_string(), f.clone()));
            }
        }
    }
    let n = r.tokens.len();
    let mut i = 0;
    while i < n {
        if !r.free(i) {
            i += 1;
            continue;
        }
        // "by upstream", "per caller": a grouping, read later
        let grouping = i > 0 && r.is(i - 1, &["by", "per"]);
        let found = if grouping {
            None
        } else {
            field_at(r, i, &fields)
        };
        let Some(((_, field), mut j)) = found else {
            // an unknown `snake_case` word compared with something looks like a field that does not exist
            if let Some(t) = r.tok(i)
                && t.kind == TokenKind::Word
                && t.lower.contains('_')
                && !t.lower.starts_with('_')
                && r.tok(i + 1).is_some_and(|o| {
                    o.is_any(&[
                        ">", ">=", "<", "<=", "=", "!=", "over", "above", "below", "under", "is",
                        "equals",
                    ])
                })
            {
                r.unknown_fields.push(t.text.clone());
                r.claim([i]);
            }
            i += 1;
            continue;
        };
        let field = field.clone();
        // particles and verbs between name and comparison; "is", "equals", "=" count as a written comparison
        let before_particles = j;
        while r.tok(j).is_some_and(|t| {
            t.is_any(&["is", "was", "are", "of", "value", "field", "code", "of:"])
                || (t.kind == TokenKind::Hangul
                    && t.text.chars().count() <= 2
                    && !ko(t, &["이상", "이하", "초과", "미만"]))
        }) {
            j += 1;
        }
        let (op, mut k) = comparison_at(r, j);
        // Fields named like ordinary words (`count`, `error`, `message`) need a written comparison or a
        // number/quoted value after them; otherwise the word is just a word.
        let ordinary = lx::is_vocabulary(&field.name.to_lowercase())
            || lx::ERROR_WORDS.contains(&field.name.as_str());
        // "is", "equals", "with method password", "where reason ...", Korean `method가 X인`
        let written_op = k > j
            || (before_particles..j).any(|p| {
                r.tok(p)
                    .is_some_and(|t| t.is_any(&["is", "was", "equal", "equals"]))
            })
            || field_cue_before(r, i)
            || (before_particles..j).any(|p| {
                r.tok(p).is_some_and(|t| {
                    t.kind == TokenKind::Hangul
                        && ["가", "이", "은", "는"].contains(&t.text.as_str())
                })
            });
        let after_aggregate = i > 0
            && r.tok(i - 1).is_some_and(|p| {
                p.is_any(&[
                    "average", "avg", "mean", "max", "maximum", "min", "minimum", "sum", "total",
                    "median", "of",
                ]) || p.lower.starts_with('p') && p.lower[1..].parse::<f64>().is_ok()
            });
        let value = value_at(r, k, &field).filter(|(v, _)| {
            !ordinary
                || written_op
                || matches!(v, FieldValue::Number(_) | FieldValue::Duration(_))
                || r.tok(k).is_some_and(|t| t.kind == TokenKind::Quoted)
        });
        // Text compares only for (in)equality; "cache over end" is no condition.
        let value = value.filter(|(v, _)| {
            !matches!(v, FieldValue::Text(_))
                || matches!(op, CmpOp::Eq | CmpOp::Neq | CmpOp::Re | CmpOp::Nre)
        });
        let Some((value, end)) = value else {
            if field.kind.is_numeric() && (!ordinary || after_aggregate) {
                let end = field_at(r, i, &fields).map_or(i + 1, |(_, e)| e);
                r.claim(i..end);
                r.note("field", i, end, format!("values of {}", field.name));
                push_unique(&mut r.value_fields, (field.name.clone(), field.source));
                i = end;
            } else {
                i += 1;
            }
            continue;
        };
        k = end;
        // trailing comparison: `1000 이상`, `1000을 넘는`, `500 초과`, "500 or higher"
        let mut op = op;
        let mut after = k;
        while r.tok(after).is_some_and(|t| {
            t.kind == TokenKind::Hangul
                && ["을", "를", "이", "가", "은", "는"].contains(&t.text.as_str())
        }) {
            after += 1;
        }
        if let Some(t) = r.tok(after)
            && let Some(ko_op) = korean_comparison(t)
        {
            op = ko_op;
            k = after + 1;
        } else if r.is(k, &["or"])
            && r.is(k + 1, &["higher", "above", "more", "greater", "over", "up"])
        {
            op = CmpOp::Gte;
            k += 2;
        } else if r.is(k, &["or"]) && r.is(k + 1, &["lower", "below", "less", "fewer", "under"]) {
            op = CmpOp::Lte;
            k += 2;
        }
        let (op, value) = comparable(op, value);
        r.claim(i..k);
        r.note(
            "field",
            i,
            k,
            format!("{} {} {}", field.name, op_text(op), value_display(&value)),
        );
        r.fields.push(FieldCond {
            field: field.name.clone(),
            kind: field.kind,
            source: field.source,
            op,
            value,
        });
        i = k;
    }
    // "500 status", "status code 500" handled above; "with a 500 status" puts the code first:
    for i in 0..n.saturating_sub(1) {
        if !r.free(i) || !r.free(i + 1) {
            continue;
        }
        let Some((code, code_hi)) = r.tok(i).and_then(|t| http_status(&t.lower)) else {
            continue;
        };
        if let Some(((_, field), end)) = field_at(r, i + 1, &fields)
            && field.kind.is_numeric()
        {
            let field = field.clone();
            r.claim(i..end);
            if code == code_hi {
                r.fields.push(FieldCond {
                    field: field.name.clone(),
                    kind: field.kind,
                    source: field.source,
                    op: CmpOp::Eq,
                    value: FieldValue::Number(code as f64),
                });
            } else {
                r.http.push((code, code_hi));
            }
            r.note("field", i, end, format!("{} = {code}", field.name));
        }
    }
}

/// A text value compares only for (in)equality (a trailing "이상" after a quoted word does not make it
/// an ordering). (`=~`/`!~` with a number are made strings where queries are written:
/// `translate::logs` and TraceQL's `Cond::cmp`.)
fn comparable(op: CmpOp, value: FieldValue) -> (CmpOp, FieldValue) {
    match (op, value) {
        (CmpOp::Gt | CmpOp::Gte | CmpOp::Lt | CmpOp::Lte, v @ FieldValue::Text(_)) => {
            (CmpOp::Eq, v)
        }
        (op, v) => (op, v),
    }
}

pub(super) fn korean_comparison(t: &Token) -> Option<CmpOp> {
    if t.kind != TokenKind::Hangul {
        return None;
    }
    let s = t.text.as_str();
    if s.starts_with("이상") || s.starts_with("넘") {
        Some(if s.starts_with("이상") {
            CmpOp::Gte
        } else {
            CmpOp::Gt
        })
    } else if s.starts_with("초과") || s.starts_with("보다") {
        Some(CmpOp::Gt)
    } else if s.starts_with("이하") {
        Some(CmpOp::Lte)
    } else if s.starts_with("미만") {
        Some(CmpOp::Lt)
    } else if s.starts_with("인") || s.starts_with("이") && s.chars().count() == 1 {
        Some(CmpOp::Eq)
    } else {
        None
    }
}

/// A comparison at `j` ("over", "greater than", ">=", "not", "equals"); `=` when none is written.
pub(super) fn comparison_at(r: &Reading, j: usize) -> (CmpOp, usize) {
    let Some(t) = r.tok(j) else {
        return (CmpOp::Eq, j);
    };
    let skip_than = |k: usize| if r.is(k, &["than", "to"]) { k + 1 } else { k };
    match t.lower.as_str() {
        ">" => (CmpOp::Gt, j + 1),
        ">=" => (CmpOp::Gte, j + 1),
        "<" => (CmpOp::Lt, j + 1),
        "<=" => (CmpOp::Lte, j + 1),
        "=" | "==" | ":" | "equals" | "equal" | "of" => (CmpOp::Eq, skip_than(j + 1)),
        // "no more than 10", "not less than 5": the bound itself is allowed
        "no" | "not" | "isn't"
            if r.is(
                j + 1,
                &[
                    "more", "greater", "higher", "larger", "bigger", "over", "above",
                ],
            ) =>
        {
            (CmpOp::Lte, skip_than(j + 2))
        }
        "no" | "not" | "isn't"
            if r.is(
                j + 1,
                &["less", "fewer", "lower", "smaller", "under", "below"],
            ) =>
        {
            (CmpOp::Gte, skip_than(j + 2))
        }
        "!=" | "not" | "isn't" => (CmpOp::Neq, j + 1),
        "=~" => (CmpOp::Re, j + 1),
        "!~" => (CmpOp::Nre, j + 1),
        "over" | "above" | "exceeding" | "exceeds" | "beyond" | "past" => {
            if r.is(j + 1, &["or"]) && r.is(j + 2, &["equal"]) {
                (CmpOp::Gte, skip_than(j + 3))
            } else {
                (CmpOp::Gt, j + 1)
            }
        }
        "greater" | "more" | "higher" | "larger" | "bigger" | "longer" | "slower" => {
            if r.is(j + 1, &["than"]) && r.is(j + 2, &["or"]) && r.is(j + 3, &["equal"]) {
                (CmpOp::Gte, skip_than(j + 4))
            } else {
                (CmpOp::Gt, skip_than(j + 1))
            }
        }
        "under" | "below" | "less" | "lower" | "smaller" | "fewer" | "shorter" | "faster" => {
            if r.is(j + 1, &["than"]) && r.is(j + 2, &["or"]) && r.is(j + 3, &["equal"]) {
                (CmpOp::Lte, skip_than(j + 4))
            } else {
                (CmpOp::Lt, skip_than(j + 1))
            }
        }
        "at" if r.is(j + 1, &["least"]) => (CmpOp::Gte, j + 2),
        "at" if r.is(j + 1, &["most"]) => (CmpOp::Lte, j + 2),
        _ => (CmpOp::Eq, j),
    }
}

/// The value after a field comparison, converted to the field's unit (`1s` → 1000 for `duration_ms`).
pub(super) fn value_at(
    r: &Reading,
    k: usize,
    field: &crate::ground::LogField,
) -> Option<(FieldValue, usize)> {
    let t = r.tok(k)?;
    if !r.free(k) {
        return None;
    }
    if t.kind == TokenKind::Quoted {
        return Some((FieldValue::Text(t.text.clone()), k + 1));
    }
    if t.kind != TokenKind::Word {
        return None;
    }
    if field.kind.is_numeric() {
        if let Some((d, _, next)) = duration_at(&r.tokens, k) {
            let name = field.name.to_lowercase();
            let value = if name.ends_with("_ms")
                || name.ends_with("millis")
                || name.ends_with("milliseconds")
            {
                FieldValue::Number(d.as_nanos() as f64 / 1e6)
            } else if name.ends_with("_s")
                || name.ends_with("_sec")
                || name.ends_with("_seconds")
                || name.ends_with("_secs")
            {
                FieldValue::Number(d.as_secs_f64())
            } else if name.ends_with("_us") || name.ends_with("_micros") {
                FieldValue::Number(d.as_nanos() as f64 / 1e3)
            } else if name.ends_with("_ns") || name.ends_with("_nanos") {
                FieldValue::Number(d.as_nanos() as f64)
            } else {
                FieldValue::Duration(d)
            };
            return Some((value, next));
        }
        if let Some((code, hi)) = http_status(&t.lower)
            && code != hi
        {
            return None;
        }
        let (v, next) = number_at(&r.tokens, k)?;
        if r.tok(k)
            .is_some_and(|x| x.kind == TokenKind::Word && x.number().is_none())
            && v <= 1.0
        {
            // "a" / "an" are not values
            return None;
        }
        return Some((FieldValue::Number(v), next));
    }
    // Strings: words up to a boundary ("msg retrying acmepay charge over the last 3h"), starting with one
    // that is not vocabulary.
    if lx::is_vocabulary(&t.lower) && t.number().is_none() {
        return None;
    }
    const BOUNDARY: &[&str] = &[
        "in",
        "from",
        "for",
        "and",
        "or",
        "but",
        "with",
        "during",
        "since",
        "between",
        "where",
        "which",
        "that",
        "last",
        "past",
        "within",
        "over",
        "logs",
        "lines",
        "entries",
        "today",
        "yesterday",
    ];
    let mut end = k + 1;
    while end < k + 5
        && r.free(end)
        && r.tok(end).is_some_and(|w| {
            w.kind == TokenKind::Word && !w.is_any(BOUNDARY) && !lx::is_vocabulary(&w.lower)
        })
    {
        end += 1;
    }
    Some((FieldValue::Text(r.text_of(k, end)), end))
}
