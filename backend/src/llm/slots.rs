//! The *slots* mode: the model fills a plan's fields ([`Slots`]) through a JSON schema whose enums come
//! from the user's schema (services, levels, labels, fields), and our builder (`build.rs`) prints the
//! query following the same conventions as the rules translator. Small models manage this far better than writing
//! LogQL. Empty strings and zeros mean "not given" (no nullable types: simpler for small models and for
//! strict structured output).

use chrono::{DateTime, Duration as ChronoDuration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::ground::Schema;
use crate::plan::{QueryDuration, TimeSource};

/// Longest range a model-written plan may cover.
pub const MAX_RANGE: ChronoDuration = ChronoDuration::days(31);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct FieldSlot {
    pub name: String,
    pub op: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct LabelSlot {
    pub name: String,
    pub value: String,
}

/// A plan as fields. Every field is always present in the model's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Slots {
    pub kind: String,
    pub services: Vec<String>,
    pub levels: Vec<String>,
    pub labels: Vec<LabelSlot>,
    pub contains: Vec<String>,
    pub not_contains: Vec<String>,
    pub fields: Vec<FieldSlot>,
    /// `3h`, `30m`, `2d`.
    pub last: String,
    /// `today`, `yesterday`.
    pub day: String,
    /// `06:00`.
    pub from_time: String,
    pub to_time: String,
    /// `count`, `rate`, `p50`, `p90`, `p95`, `p99`.
    pub metric: String,
    /// `service`, `level` or a label name.
    pub group_by: Vec<String>,
    /// `5m` for "per 5 minutes".
    pub step: String,
    pub top: u32,
    pub limit: u32,
    /// `1s`, `500ms`.
    pub min_duration: String,
    pub whole_trace: bool,
    pub status_error: bool,
    /// `500` or `5xx`.
    pub http_status: String,
    pub span_name: String,
    /// Why no query fits (kind `clarify`).
    pub reason: String,
}

pub(crate) const KINDS: [&str; 6] = [
    "logs",
    "metrics",
    "traces",
    "trace_metrics",
    "correlate",
    "clarify",
];
const METRICS: [&str; 7] = ["", "count", "rate", "p50", "p90", "p95", "p99"];
pub(crate) const FIELD_OPS: [&str; 6] = ["=", "!=", ">", ">=", "<", "<="];

fn str_enum(values: &[String]) -> Value {
    if values.is_empty() {
        json!({"type": "string", "maxLength": 64})
    } else {
        json!({"type": "string", "enum": values})
    }
}

fn text(max: u32) -> Value {
    json!({"type": "string", "maxLength": max})
}

/// The slots without the fields left at their defaults (`kind` and `last` always kept): the compact form the
/// examples show.
pub fn compact(slots: &Slots) -> Value {
    let mut v = serde_json::to_value(slots).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.retain(|k, v| {
            k == "kind"
                || k == "last"
                || !matches!(v, Value::Null | Value::Bool(false))
                    && v.as_str() != Some("")
                    && v.as_array().is_none_or(|a| !a.is_empty())
                    && v.as_u64() != Some(0)
        });
    }
    v
}

/// The JSON schema of [`Slots`] for this user schema: services, levels, labels and fields as enums.
/// No `pattern` anywhere (llama.cpp's server answers 500 to a pattern containing `"`).
pub fn json_schema(schema: &Schema, services: &[String], fields: &[String]) -> Value {
    let levels: Vec<String> = schema
        .loki
        .level_label
        .as_ref()
        .and_then(|l| schema.loki.labels.get(l))
        .cloned()
        .unwrap_or_default();
    let labels = other_labels(schema);
    let mut group: Vec<String> = vec!["service".into(), "level".into()];
    group.extend(labels.iter().cloned());
    let array = |items: Value, max: u32| json!({"type": "array", "items": items, "maxItems": max});
    let props = json!({
        "kind": {"type": "string", "enum": KINDS},
        "services": array(str_enum(services), 4),
        "levels": array(str_enum(&levels), 3),
        "labels": array(json!({
            "type": "object",
            "properties": {"name": str_enum(&labels), "value": text(64)},
            "required": ["name", "value"], "additionalProperties": false
        }), 2),
        "contains": array(text(64), 3),
        "not_contains": array(text(64), 3),
        "fields": array(json!({
            "type": "object",
            "properties": {"name": str_enum(fields), "op": {"type": "string", "enum": FIELD_OPS}, "value": text(64)},
            "required": ["name", "op", "value"], "additionalProperties": false
        }), 3),
        "last": text(8),
        "day": {"type": "string", "enum": ["", "today", "yesterday"]},
        "from_time": text(5),
        "to_time": text(5),
        "metric": {"type": "string", "enum": METRICS},
        "group_by": array(str_enum(&group), 2),
        "step": text(6),
        "top": {"type": "integer", "minimum": 0, "maximum": 100},
        "limit": {"type": "integer", "minimum": 0, "maximum": 5000},
        "min_duration": text(8),
        "whole_trace": {"type": "boolean"},
        "status_error": {"type": "boolean"},
        "http_status": text(3),
        "span_name": text(80),
        "reason": text(200),
    });
    // Only `kind` is required: a field the question does not mention is left out rather than filled
    // with an invented value (which small models do when every field is required).
    // `last` stays required: the time range is easy to forget and matters in almost every question.
    json!({"type": "object", "properties": props, "required": ["kind", "last"], "additionalProperties": false})
}

/// Stream labels other than the service and level labels (and `app`, a copy of the service).
pub fn other_labels(schema: &Schema) -> Vec<String> {
    schema
        .loki
        .labels
        .keys()
        .filter(|l| {
            Some(l.as_str()) != schema.loki.service_label.as_deref()
                && Some(l.as_str()) != schema.loki.level_label.as_deref()
                && l.as_str() != "app"
        })
        .cloned()
        .collect()
}

/// Where a plan's time range comes from.
#[derive(Debug, Clone, Copy)]
pub struct TimeContext {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub dashboard: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// The time range of the slots, checked for sanity.
pub fn time_range(
    last: &str,
    day: &str,
    from_time: &str,
    to_time: &str,
    ctx: &TimeContext,
) -> Result<(DateTime<Utc>, DateTime<Utc>, TimeSource), String> {
    let now = ctx.now;
    let (start, end, source) = if !last.trim().is_empty() {
        let d = QueryDuration::parse(last.trim())
            .ok_or_else(|| format!("`last` must be a duration like 3h or 30m, not `{last}`"))?;
        (now - d.as_chrono(), now, TimeSource::Question)
    } else if !day.is_empty() || !from_time.is_empty() || !to_time.is_empty() {
        let local_now = now.with_timezone(&ctx.tz);
        let midnight = ctx
            .tz
            .from_local_datetime(&local_now.date_naive().and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or("the time zone has no midnight today")?;
        let (day_start, day_end) = match day {
            "yesterday" => (midnight - ChronoDuration::days(1), midnight),
            "" | "today" => (midnight, now),
            other => return Err(format!("`day` must be today or yesterday, not `{other}`")),
        };
        let clock = |t: &str| -> Result<Option<DateTime<Utc>>, String> {
            if t.trim().is_empty() {
                return Ok(None);
            }
            let time = NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map_err(|_| format!("times must look like 06:00, not `{t}`"))?;
            Ok(Some(day_start + (time - NaiveTime::MIN)))
        };
        let start = clock(from_time)?.unwrap_or(day_start);
        let end = clock(to_time)?.unwrap_or(day_end);
        (start, end, TimeSource::Question)
    } else if let Some((s, e)) = ctx.dashboard {
        (s, e, TimeSource::Dashboard)
    } else {
        (
            now - crate::translate::DEFAULT_RANGE,
            now,
            TimeSource::Default,
        )
    };
    if end <= start {
        return Err("the time range ends before it starts".into());
    }
    if end - start > MAX_RANGE {
        return Err("the time range is longer than 31 days".into());
    }
    if start > now {
        return Err("the time range starts in the future".into());
    }
    Ok((start, end, source))
}
