//! Loki's HTTP API (`/loki/api/v1/*`): pure `build_*` request constructors, then [`LokiClient`]'s
//! `fetch_*` methods that send them and decode the answer.
//!
//! Times go to Loki as epoch nanoseconds, steps as seconds, exactly as Grafana's Loki datasource sends
//! them (and as recorded in `../shared/fixtures/loki`).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::http::{ApiRequest, PeerClient};
use super::loki_stream::LokiAnswer;
use super::loki_types::{
    BuildInfo, DetectedFieldValues, DetectedFields, Envelope, IndexStats, Pattern, QueryData,
};
use super::{ExecuteError, TimeRange, check_path_segment};
use crate::plan::QueryDuration;

/// Order of log lines in a log query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Newest first (Loki's and Grafana's default).
    #[default]
    Backward,
    Forward,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Backward => "backward",
            Direction::Forward => "forward",
        }
    }
}

fn ns(t: &DateTime<Utc>) -> String {
    // Out of range only after the year 2262.
    t.timestamp_nanos_opt().unwrap_or(i64::MAX).to_string()
}

/// A step in Loki's syntax: whole seconds as an integer (`300`), else decimal seconds (`0.5`).
pub fn step_seconds(step: QueryDuration) -> String {
    let ns = step.as_nanos();
    if ns.is_multiple_of(1_000_000_000) {
        (ns / 1_000_000_000).to_string()
    } else {
        format!("{}", step.as_secs_f64())
    }
}

fn with_range(req: ApiRequest, range: &TimeRange) -> ApiRequest {
    req.param("start", ns(&range.start))
        .param("end", ns(&range.end))
}

/// A LogQL log query over a range (`resultType: streams`).
pub fn build_log_query(
    query: &str,
    range: &TimeRange,
    limit: u32,
    direction: Direction,
) -> ApiRequest {
    let req = ApiRequest::get("/loki/api/v1/query_range")
        .param("query", query)
        .param("direction", direction.as_str())
        .param("limit", limit.to_string());
    with_range(req, range)
}

/// A LogQL metric query over a range (`resultType: matrix`); without `step` Loki picks one.
pub fn build_metric_query_range(
    query: &str,
    range: &TimeRange,
    step: Option<QueryDuration>,
) -> ApiRequest {
    let req = ApiRequest::get("/loki/api/v1/query_range")
        .param("query", query)
        .opt_param("step", step.map(step_seconds));
    with_range(req, range)
}

/// A LogQL instant query at `time` (`resultType: vector`).
pub fn build_instant_query(query: &str, time: &DateTime<Utc>, limit: Option<u32>) -> ApiRequest {
    ApiRequest::get("/loki/api/v1/query")
        .param("query", query)
        .param("time", ns(time))
        .opt_param("limit", limit.map(|l| l.to_string()))
}

/// Label names, optionally only those of streams matching `query`.
pub fn build_labels(range: Option<&TimeRange>, query: Option<&str>) -> ApiRequest {
    let req = ApiRequest::get("/loki/api/v1/labels").opt_param("query", query);
    match range {
        Some(r) => with_range(req, r),
        None => req,
    }
}

/// Values of one label, optionally restricted by a stream selector.
pub fn build_label_values(
    name: &str,
    range: Option<&TimeRange>,
    query: Option<&str>,
) -> Result<ApiRequest, ExecuteError> {
    check_path_segment("label name", name)?;
    let req =
        ApiRequest::get(format!("/loki/api/v1/label/{name}/values")).opt_param("query", query);
    Ok(match range {
        Some(r) => with_range(req, r),
        None => req,
    })
}

/// Label sets of the streams matching any of `matchers`.
pub fn build_series(matchers: &[&str], range: &TimeRange) -> ApiRequest {
    let req = matchers
        .iter()
        .fold(ApiRequest::get("/loki/api/v1/series"), |req, m| {
            req.param("match[]", *m)
        });
    with_range(req, range)
}

/// Fields Loki detects in the lines of `query` (with the parser that finds each).
pub fn build_detected_fields(query: &str, range: &TimeRange, limit: Option<u32>) -> ApiRequest {
    let req = ApiRequest::get("/loki/api/v1/detected_fields")
        .param("query", query)
        .opt_param("limit", limit.map(|l| l.to_string()));
    with_range(req, range)
}

/// Values of one detected field.
pub fn build_detected_field_values(
    name: &str,
    query: &str,
    range: &TimeRange,
    limit: Option<u32>,
) -> Result<ApiRequest, ExecuteError> {
    check_path_segment("field name", name)?;
    let req = ApiRequest::get(format!("/loki/api/v1/detected_field/{name}/values"))
        .param("query", query)
        .opt_param("limit", limit.map(|l| l.to_string()));
    Ok(with_range(req, range))
}

/// Log patterns of the pattern ingester.
pub fn build_patterns(query: &str, range: &TimeRange, step: Option<QueryDuration>) -> ApiRequest {
    let req = ApiRequest::get("/loki/api/v1/patterns")
        .param("query", query)
        .opt_param("step", step.map(step_seconds));
    with_range(req, range)
}

/// Index statistics (streams, chunks, bytes, entries) of a selector.
pub fn build_index_stats(query: &str, range: &TimeRange) -> ApiRequest {
    with_range(
        ApiRequest::get("/loki/api/v1/index/stats").param("query", query),
        range,
    )
}

/// Loki's own pretty-printer for a LogQL query.
pub fn build_format_query(query: &str) -> ApiRequest {
    ApiRequest::get("/loki/api/v1/format_query").param("query", query)
}

/// Version and revision.
pub fn build_buildinfo() -> ApiRequest {
    ApiRequest::get("/loki/api/v1/status/buildinfo")
}

/// A Loki client: one configured peer.
#[derive(Debug, Clone)]
pub struct LokiClient {
    peer: PeerClient,
}

impl LokiClient {
    pub fn new(peer: PeerClient) -> Self {
        LokiClient { peer }
    }

    pub fn peer(&self) -> &PeerClient {
        &self.peer
    }

    /// Runs a prepared `query_range`/`query` request.
    pub async fn fetch_query(&self, req: &ApiRequest) -> Result<QueryData, ExecuteError> {
        let envelope: Envelope<QueryData> = self.peer.fetch_json(req, "query result").await?;
        Ok(envelope.data)
    }

    /// [`LokiClient::fetch_query`] through the response cache: identical requests in flight are sent
    /// once, and an answer is reused for `cacheTtlSeconds`.
    pub async fn fetch_query_cached(
        &self,
        req: &ApiRequest,
    ) -> Result<Arc<QueryData>, ExecuteError> {
        let peer = self.peer.clone();
        let owned = req.clone();
        self.peer
            .cached(req, "query result", async move {
                let response = peer.send(&owned).await?;
                let envelope: Envelope<QueryData> = peer.decode(&response.body, "query result")?;
                Ok((envelope.data, response.body.len()))
            })
            .await
    }

    /// A log query, decoded while its answer arrives (cut at `maxResponseBytes` with `cut_at` set)
    /// and shared through the response cache.
    pub async fn fetch_logs(&self, req: &ApiRequest) -> Result<Arc<LokiAnswer>, ExecuteError> {
        let peer = self.peer.clone();
        let owned = req.clone();
        self.peer
            .cached(req, "log answer", async move {
                let answer = peer.fetch_log_answer(&owned).await?;
                let weight = match &answer {
                    LokiAnswer::Streams(batch) => batch.weight(),
                    LokiAnswer::Other(_) => 4096,
                };
                Ok((answer, weight))
            })
            .await
    }

    pub async fn fetch_labels(
        &self,
        range: Option<&TimeRange>,
        query: Option<&str>,
    ) -> Result<Vec<String>, ExecuteError> {
        self.fetch_string_list(&build_labels(range, query), "label names")
            .await
    }

    pub async fn fetch_label_values(
        &self,
        name: &str,
        range: Option<&TimeRange>,
        query: Option<&str>,
    ) -> Result<Vec<String>, ExecuteError> {
        self.fetch_string_list(&build_label_values(name, range, query)?, "label values")
            .await
    }

    async fn fetch_string_list(
        &self,
        req: &ApiRequest,
        what: &'static str,
    ) -> Result<Vec<String>, ExecuteError> {
        // An empty answer may come as `"data": null` or without `data`.
        #[derive(serde::Deserialize)]
        struct List {
            #[serde(default)]
            data: Option<Vec<String>>,
        }
        let list: List = self.peer.fetch_json(req, what).await?;
        Ok(list.data.unwrap_or_default())
    }

    pub async fn fetch_series(
        &self,
        matchers: &[&str],
        range: &TimeRange,
    ) -> Result<Vec<std::collections::BTreeMap<String, String>>, ExecuteError> {
        #[derive(serde::Deserialize)]
        struct SeriesList {
            #[serde(default)]
            data: Option<Vec<std::collections::BTreeMap<String, String>>>,
        }
        let list: SeriesList = self
            .peer
            .fetch_json(&build_series(matchers, range), "series")
            .await?;
        Ok(list.data.unwrap_or_default())
    }

    pub async fn fetch_detected_fields(
        &self,
        query: &str,
        range: &TimeRange,
        limit: Option<u32>,
    ) -> Result<DetectedFields, ExecuteError> {
        self.peer
            .fetch_json(
                &build_detected_fields(query, range, limit),
                "detected fields",
            )
            .await
    }

    pub async fn fetch_detected_field_values(
        &self,
        name: &str,
        query: &str,
        range: &TimeRange,
        limit: Option<u32>,
    ) -> Result<Vec<String>, ExecuteError> {
        let values: DetectedFieldValues = self
            .peer
            .fetch_json(
                &build_detected_field_values(name, query, range, limit)?,
                "detected field values",
            )
            .await?;
        Ok(values.values)
    }

    pub async fn fetch_patterns(
        &self,
        query: &str,
        range: &TimeRange,
        step: Option<QueryDuration>,
    ) -> Result<Vec<Pattern>, ExecuteError> {
        #[derive(serde::Deserialize)]
        struct Patterns {
            #[serde(default)]
            data: Option<Vec<Pattern>>,
        }
        let patterns: Patterns = self
            .peer
            .fetch_json(&build_patterns(query, range, step), "patterns")
            .await?;
        Ok(patterns.data.unwrap_or_default())
    }

    pub async fn fetch_index_stats(
        &self,
        query: &str,
        range: &TimeRange,
    ) -> Result<IndexStats, ExecuteError> {
        self.peer
            .fetch_json(&build_index_stats(query, range), "index stats")
            .await
    }

    pub async fn fetch_format_query(&self, query: &str) -> Result<String, ExecuteError> {
        let envelope: Envelope<String> = self
            .peer
            .fetch_json(&build_format_query(query), "formatted query")
            .await?;
        Ok(envelope.data)
    }

    pub async fn fetch_buildinfo(&self) -> Result<BuildInfo, ExecuteError> {
        self.peer.fetch_json(&build_buildinfo(), "build info").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn range() -> TimeRange {
        TimeRange::new(
            Utc.timestamp_opt(1_795_574_276, 0).unwrap(),
            Utc.timestamp_opt(1_795_596_352, 0).unwrap(),
        )
        .unwrap()
    }

    fn params(req: &ApiRequest) -> Vec<(&str, &str)> {
        req.params.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    #[test]
    fn log_query_sends_direction_limit_and_nanosecond_range() {
        let req = build_log_query(
            r#"{service_name="payment-service"} |= "timeout""#,
            &range(),
            20,
            Direction::Backward,
        );
        assert_eq!(req.path, "/loki/api/v1/query_range");
        assert_eq!(
            params(&req),
            vec![
                ("query", r#"{service_name="payment-service"} |= "timeout""#),
                ("direction", "backward"),
                ("limit", "20"),
                ("start", "1795574276000000000"),
                ("end", "1795596352000000000"),
            ]
        );
    }

    #[test]
    fn metric_range_query_sends_step_in_seconds() {
        let q = "sum by (service_name) (count_over_time({level=\"error\"}[5m]))";
        let req = build_metric_query_range(q, &range(), Some(QueryDuration::from_mins(5)));
        assert_eq!(
            params(&req),
            vec![
                ("query", q),
                ("step", "300"),
                ("start", "1795574276000000000"),
                ("end", "1795596352000000000"),
            ]
        );
        assert_eq!(step_seconds(QueryDuration::from_millis(500)), "0.5");
        let no_step = build_metric_query_range(q, &range(), None);
        assert!(no_step.params.iter().all(|(k, _)| *k != "step"));
    }

    #[test]
    fn instant_query_sends_time() {
        let t = Utc.timestamp_opt(1_795_596_352, 0).unwrap();
        let req = build_instant_query("sum(rate({a=\"b\"}[5m]))", &t, None);
        assert_eq!(req.path, "/loki/api/v1/query");
        assert_eq!(
            params(&req),
            vec![
                ("query", "sum(rate({a=\"b\"}[5m]))"),
                ("time", "1795596352000000000")
            ]
        );
    }

    #[test]
    fn metadata_requests_have_exact_paths() {
        let r = range();
        assert_eq!(build_labels(Some(&r), None).path, "/loki/api/v1/labels");
        let lv = build_label_values("level", Some(&r), Some("{service_name=\"x\"}")).unwrap();
        assert_eq!(lv.path, "/loki/api/v1/label/level/values");
        assert_eq!(lv.params[0], ("query", "{service_name=\"x\"}".to_string()));
        assert!(build_label_values("../admin", None, None).is_err());
        let s = build_series(&["{namespace=\"shop\", level=\"error\"}"], &r);
        assert_eq!(s.params[0].0, "match[]");
        assert_eq!(
            build_detected_fields("{a=\"b\"}", &r, Some(1000)).params[1],
            ("limit", "1000".to_string())
        );
        assert_eq!(
            build_detected_field_values("status", "{a=\"b\"}", &r, None)
                .unwrap()
                .path,
            "/loki/api/v1/detected_field/status/values"
        );
        assert_eq!(
            build_patterns("{a=\"b\"}", &r, None).path,
            "/loki/api/v1/patterns"
        );
        assert_eq!(
            build_index_stats("{a=\"b\"}", &r).path,
            "/loki/api/v1/index/stats"
        );
        assert_eq!(
            build_format_query("{a=\"b\"}").path,
            "/loki/api/v1/format_query"
        );
        assert_eq!(build_buildinfo().path, "/loki/api/v1/status/buildinfo");
    }
}
