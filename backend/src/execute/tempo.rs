//! Tempo's HTTP API (`/api/*`): pure `build_*` request constructors, then [`TempoClient`]'s `fetch_*`
//! methods. Times go to Tempo as epoch seconds, steps in Tempo's duration syntax (`15m`).
//!
//! Version tolerance lives here: trace by id asks v2 first and falls back to v1 when v2 is missing
//! (404); "not found" is v1's 404 with an empty body or v2's `{"trace":{}}`.

use super::http::{ApiRequest, PeerClient, accept_json};
use super::loki_types::BuildInfo;
use super::results::FetchedTrace;
use super::tempo_types::{
    MetricsResponse, SearchResponse, TagScopes, TagValues, TraceByIdV1, TraceByIdV2, TraceSummary,
};
use super::trace_id::{pad_trace_id, parse_trace_id};
use super::{ExecuteError, TimeRange, check_path_segment};
use crate::plan::QueryDuration;

fn with_range(req: ApiRequest, range: Option<&TimeRange>) -> ApiRequest {
    match range {
        Some(r) => req
            .param("start", r.start.timestamp().to_string())
            .param("end", r.end.timestamp().to_string()),
        None => req,
    }
}

/// A TraceQL search; `spss` is the number of spans returned per span set.
pub fn build_search(
    query: &str,
    range: Option<&TimeRange>,
    limit: u32,
    spss: Option<u32>,
) -> ApiRequest {
    let req = ApiRequest::get("/api/search")
        .param("q", query)
        .param("limit", limit.to_string())
        .opt_param("spss", spss.map(|s| s.to_string()));
    with_range(req, range)
}

/// Trace by id, v2 (`{"trace": ...}`); `id` is 32 hex characters.
pub fn build_trace_v2(id: &str) -> ApiRequest {
    accept_json(ApiRequest::get(format!("/api/v2/traces/{id}")))
}

/// Trace by id, v1 (`{"batches": ...}`), for Tempo versions without v2.
pub fn build_trace_v1(id: &str) -> ApiRequest {
    accept_json(ApiRequest::get(format!("/api/traces/{id}")))
}

/// Tag names by scope (`resource`, `span`, `event`, `intrinsic`, ...); all scopes when `None`.
pub fn build_search_tags_v2(scope: Option<&str>, range: Option<&TimeRange>) -> ApiRequest {
    with_range(
        ApiRequest::get("/api/v2/search/tags").opt_param("scope", scope),
        range,
    )
}

/// Typed values of one tag (`resource.service.name`), optionally filtered by a TraceQL query.
pub fn build_tag_values_v2(
    tag: &str,
    range: Option<&TimeRange>,
    query: Option<&str>,
) -> Result<ApiRequest, ExecuteError> {
    check_path_segment("tag name", tag)?;
    Ok(with_range(
        ApiRequest::get(format!("/api/v2/search/tag/{tag}/values")).opt_param("q", query),
        range,
    ))
}

/// A TraceQL metrics query over a range; without `step` Tempo picks one.
pub fn build_metrics_query_range(
    query: &str,
    range: &TimeRange,
    step: Option<QueryDuration>,
) -> ApiRequest {
    let req = ApiRequest::get("/api/metrics/query_range")
        .param("q", query)
        .opt_param("step", step.map(|s| s.to_string()));
    with_range(req, Some(range))
}

/// A TraceQL metrics query with one value per series over the whole range.
pub fn build_metrics_query_instant(query: &str, range: &TimeRange) -> ApiRequest {
    with_range(
        ApiRequest::get("/api/metrics/query").param("q", query),
        Some(range),
    )
}

/// Version and revision.
pub fn build_buildinfo() -> ApiRequest {
    ApiRequest::get("/api/status/buildinfo")
}

/// Liveness: answers the plain text `echo`.
pub fn build_echo() -> ApiRequest {
    ApiRequest::get("/api/echo")
}

/// A Tempo client: one configured peer.
#[derive(Debug, Clone)]
pub struct TempoClient {
    peer: PeerClient,
}

impl TempoClient {
    pub fn new(peer: PeerClient) -> Self {
        TempoClient { peer }
    }

    pub fn peer(&self) -> &PeerClient {
        &self.peer
    }

    /// TraceQL search; trace ids come back padded to 32 hex characters.
    pub async fn fetch_search(
        &self,
        query: &str,
        range: Option<&TimeRange>,
        limit: u32,
        spss: Option<u32>,
    ) -> Result<Vec<TraceSummary>, ExecuteError> {
        let response: std::sync::Arc<SearchResponse> = self
            .peer
            .fetch_json_cached(&build_search(query, range, limit, spss), "search result")
            .await?;
        Ok(response
            .traces
            .iter()
            .cloned()
            .map(|mut t| {
                if let Some(padded) = pad_trace_id(&t.trace_id) {
                    t.trace_id = padded;
                }
                t
            })
            .collect())
    }

    /// Trace by id (hex with or without leading zeros, or base64): v2, falling back to v1. Shared
    /// through the response cache.
    pub async fn fetch_trace(&self, id: &str) -> Result<FetchedTrace, ExecuteError> {
        let trace_id = parse_trace_id(id)?;
        let this = self.clone();
        let key = build_trace_v2(&trace_id);
        let fetched = self
            .peer
            .cached(&key, "trace", async move {
                let trace = this.fetch_trace_uncached(trace_id).await?;
                let weight = trace.trace.span_count() * 1024 + 1024;
                Ok((trace, weight))
            })
            .await?;
        Ok(std::sync::Arc::unwrap_or_clone(fetched))
    }

    async fn fetch_trace_uncached(&self, trace_id: String) -> Result<FetchedTrace, ExecuteError> {
        let not_found = || ExecuteError::TraceNotFound {
            id: trace_id.clone(),
        };
        let v2_req = build_trace_v2(&trace_id);
        let v2 = self.peer.send_raw(&v2_req).await?;
        let trace = match v2.status {
            200..=299 => {
                let body: TraceByIdV2 = self.peer.decode(&v2.body, "trace")?;
                body.trace.unwrap_or_default()
            }
            404 => {
                let v1 = self.peer.send_raw(&build_trace_v1(&trace_id)).await?;
                match v1.status {
                    200..=299 => {
                        let body: TraceByIdV1 = self.peer.decode(&v1.body, "trace")?;
                        super::tempo_types::Trace {
                            resource_spans: body.batches,
                        }
                    }
                    404 => return Err(not_found()),
                    _ => return Err(self.peer.status_error(&v1, Some(trace_id.clone()))),
                }
            }
            _ => return Err(self.peer.status_error(&v2, Some(trace_id.clone()))),
        };
        if trace.span_count() == 0 {
            return Err(not_found());
        }
        Ok(FetchedTrace { trace_id, trace })
    }

    pub async fn fetch_tags(
        &self,
        scope: Option<&str>,
        range: Option<&TimeRange>,
    ) -> Result<TagScopes, ExecuteError> {
        self.peer
            .fetch_json(&build_search_tags_v2(scope, range), "tag names")
            .await
    }

    pub async fn fetch_tag_values(
        &self,
        tag: &str,
        range: Option<&TimeRange>,
        query: Option<&str>,
    ) -> Result<TagValues, ExecuteError> {
        self.peer
            .fetch_json(&build_tag_values_v2(tag, range, query)?, "tag values")
            .await
    }

    pub async fn fetch_metrics_range(
        &self,
        query: &str,
        range: &TimeRange,
        step: Option<QueryDuration>,
    ) -> Result<MetricsResponse, ExecuteError> {
        let response = self
            .peer
            .fetch_json_cached(
                &build_metrics_query_range(query, range, step),
                "metrics result",
            )
            .await?;
        Ok(std::sync::Arc::unwrap_or_clone(response))
    }

    pub async fn fetch_metrics_instant(
        &self,
        query: &str,
        range: &TimeRange,
    ) -> Result<MetricsResponse, ExecuteError> {
        let response = self
            .peer
            .fetch_json_cached(&build_metrics_query_instant(query, range), "metrics result")
            .await?;
        Ok(std::sync::Arc::unwrap_or_clone(response))
    }

    pub async fn fetch_buildinfo(&self) -> Result<BuildInfo, ExecuteError> {
        self.peer.fetch_json(&build_buildinfo(), "build info").await
    }

    /// `Ok` when Tempo answers its echo endpoint.
    pub async fn fetch_echo(&self) -> Result<String, ExecuteError> {
        let response = self.peer.send(&build_echo()).await?;
        Ok(String::from_utf8_lossy(&response.body).trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

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
    fn search_sends_q_limit_spss_and_second_range() {
        let q = "{ status = error }";
        let req = build_search(q, Some(&range()), 5, Some(3));
        assert_eq!(req.path, "/api/search");
        assert_eq!(
            params(&req),
            vec![
                ("q", q),
                ("limit", "5"),
                ("spss", "3"),
                ("start", "1795574276"),
                ("end", "1795596352"),
            ]
        );
    }

    #[test]
    fn trace_by_id_asks_for_json() {
        let req = build_trace_v2("dbb464a3cec79642a13a9da294e7eb2a");
        assert_eq!(req.path, "/api/v2/traces/dbb464a3cec79642a13a9da294e7eb2a");
        assert_eq!(req.headers, vec![("accept", "application/json")]);
        assert!(req.params.is_empty());
        assert_eq!(
            build_trace_v1("dbb464a3cec79642a13a9da294e7eb2a").path,
            "/api/traces/dbb464a3cec79642a13a9da294e7eb2a"
        );
    }

    #[test]
    fn metrics_queries_send_duration_steps() {
        let q = "{ } | rate() by (resource.service.name)";
        let req = build_metrics_query_range(q, &range(), Some(QueryDuration::from_mins(15)));
        assert_eq!(req.path, "/api/metrics/query_range");
        assert_eq!(
            params(&req),
            vec![
                ("q", q),
                ("step", "15m"),
                ("start", "1795574276"),
                ("end", "1795596352")
            ]
        );
        let instant = build_metrics_query_instant(q, &range());
        assert_eq!(instant.path, "/api/metrics/query");
        assert_eq!(params(&instant).len(), 3);
    }

    #[test]
    fn tag_requests_have_exact_paths() {
        let r = range();
        let tags = build_search_tags_v2(Some("resource"), Some(&r));
        assert_eq!(tags.path, "/api/v2/search/tags");
        assert_eq!(tags.params[0], ("scope", "resource".to_string()));
        assert_eq!(
            build_tag_values_v2("resource.service.name", Some(&r), None)
                .unwrap()
                .path,
            "/api/v2/search/tag/resource.service.name/values"
        );
        assert!(build_tag_values_v2("a/b", None, None).is_err());
        assert_eq!(build_buildinfo().path, "/api/status/buildinfo");
        assert_eq!(build_echo().path, "/api/echo");
    }
}
