//! Trace search hits → one table frame `traces`: `traceID` (a link that opens the trace through this
//! datasource), `traceService`, `traceName`, `startTime`, `traceDuration` (ms).

use super::{Field, FieldConfig, Frame, FrameContext, FrameMeta, Values};
use crate::execute::tempo_types::TraceSummary;

pub(crate) fn build_search_frame(traces: &[TraceSummary], ctx: &FrameContext) -> Frame {
    let mut trace_id = Field::new(
        "traceID",
        Values::Str(traces.iter().map(|t| t.trace_id.clone()).collect()),
    );
    if let Some(link) = ctx.trace_link() {
        trace_id = trace_id.with_config(FieldConfig {
            links: vec![link],
            ..FieldConfig::default()
        });
    }
    let mut frame = Frame::new(
        "traces",
        vec![
            trace_id,
            Field::new(
                "traceService",
                Values::Str(
                    traces
                        .iter()
                        .map(|t| t.root_service_name.clone().unwrap_or_default())
                        .collect(),
                ),
            ),
            Field::new(
                "traceName",
                Values::Str(
                    traces
                        .iter()
                        .map(|t| t.root_trace_name.clone().unwrap_or_default())
                        .collect(),
                ),
            ),
            Field::new(
                "startTime",
                Values::Time(
                    traces
                        .iter()
                        .map(|t| i64::try_from(t.start_time_unix_nano).unwrap_or(i64::MAX))
                        .collect(),
                ),
            ),
            Field::new(
                "traceDuration",
                Values::OptF64(
                    traces
                        .iter()
                        .map(|t| t.duration_ms.map(|d| d as f64))
                        .collect(),
                ),
            )
            .with_config(FieldConfig {
                unit: Some("ms".into()),
                ..FieldConfig::default()
            }),
        ],
    );
    frame.meta = Some(FrameMeta::visualisation("table"));
    frame
}
