//! Metric series → one frame per series: `Time` + `Value` (float64) with the series labels on the
//! value field, typed `timeseries-multi` so alert rules and the graph read them natively.

use super::logs::label_string;
use super::{Field, Frame, FrameMeta, Values};
use crate::execute::Series;

pub(crate) fn build_series_frames(series: &[Series]) -> Vec<Frame> {
    if series.is_empty() {
        return vec![series_frame(&Series {
            labels: Default::default(),
            points: Vec::new(),
        })];
    }
    series.iter().map(series_frame).collect()
}

fn series_frame(series: &Series) -> Frame {
    let times = series
        .points
        .iter()
        .map(|p| p.t_ms.saturating_mul(1_000_000))
        .collect();
    let values = series.points.iter().map(|p| p.value).collect();
    let name = if series.labels.is_empty() {
        String::new()
    } else {
        label_string(&series.labels)
    };
    let mut frame = Frame::new(
        name,
        vec![
            Field::new("Time", Values::Time(times)),
            Field::new("Value", Values::F64(values)).with_labels(series.labels.clone()),
        ],
    );
    frame.meta = Some(FrameMeta {
        frame_type: Some("timeseries-multi".into()),
        type_version: Some([0, 1]),
        ..FrameMeta::visualisation("graph")
    });
    frame
}
