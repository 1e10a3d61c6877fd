//! Limits on what one query may cost: log lines, traces, response bytes (settings give the defaults),
//! and hard ceilings no query can raise.

use crate::settings::Limits;

/// No query reads more lines than this, whatever it asks for: Loki refuses far less by default
/// (`max_entries_limit_per_query: 5000`), so this only stops absurd requests before they are sent.
pub const HARD_MAX_LINES: u32 = 100_000;
/// No search asks for more traces than this (each hit is a row in Grafana's table).
pub const HARD_MAX_TRACES: u32 = 5_000;

/// The line limit of a log query: the query's own, else the datasource's `maxLines`.
pub fn line_limit(requested: Option<u32>, limits: &Limits) -> u32 {
    requested
        .filter(|n| *n > 0)
        .unwrap_or(limits.max_lines.get())
        .min(HARD_MAX_LINES)
}

/// The trace limit of a search: the query's own, else the datasource's `maxTraces`.
pub fn trace_limit(requested: Option<u32>, limits: &Limits) -> u32 {
    requested
        .filter(|n| *n > 0)
        .unwrap_or(limits.max_traces.get())
        .min(HARD_MAX_TRACES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    #[test]
    fn query_limit_wins_within_ceilings() {
        let limits = Limits {
            max_lines: NonZeroU32::new(1000).unwrap(),
            max_traces: NonZeroU32::new(20).unwrap(),
            ..Limits::default()
        };
        assert_eq!(line_limit(None, &limits), 1000);
        assert_eq!(line_limit(Some(5), &limits), 5);
        assert_eq!(line_limit(Some(0), &limits), 1000);
        assert_eq!(line_limit(Some(u32::MAX), &limits), HARD_MAX_LINES);
        assert_eq!(trace_limit(None, &limits), 20);
        assert_eq!(trace_limit(Some(100), &limits), 100);
        assert_eq!(trace_limit(Some(1_000_000), &limits), HARD_MAX_TRACES);
    }
}
