//! Spikes: windows of a series that stand out from the series' own baseline.
//!
//! The baseline is the median and the spread the median absolute deviation (scaled by 1.4826 to match a
//! standard deviation for normal data): both ignore the spike itself, unlike a mean and a standard
//! deviation, which a burst drags up until it no longer stands out. A point is anomalous when its robust
//! z-score `(v - median) / spread` reaches the threshold (3.5, Iglewicz and Hoaglin's cut-off) *and* it is
//! clearly above the baseline in absolute and relative terms (so that a count of 1 over a baseline of 0,
//! or one log2 histogram bucket of p95 latency, is not a spike). Consecutive anomalous points form one
//! window, widened to neighbours that are still well above the baseline. Counts (Loki `count_over_time`,
//! TraceQL `count_over_time`) fill missing samples with 0 — both servers leave empty buckets out —
//! while gauges such as p95 latency treat them as unknown.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::execute::{Point, Series};

/// How to judge a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeOptions {
    /// Robust z-score a point must reach.
    pub threshold: f64,
    /// Neighbours with at least this z-score join a window.
    pub extend: f64,
    /// A point must be at least this many times the baseline (when the baseline is above zero).
    pub min_ratio: f64,
    /// ... and at least this much above it.
    pub min_delta: f64,
    /// Smallest spread, in the series' unit (a flat series of counts still varies by one).
    pub min_spread: f64,
    /// The value of a missing sample: `Some(0.0)` for counts, `None` for gauges.
    pub fill_missing: Option<f64>,
}

impl SpikeOptions {
    /// Event counts per bucket (log lines, error spans).
    pub fn counts() -> Self {
        SpikeOptions {
            threshold: 3.5,
            extend: 1.0,
            min_ratio: 2.0,
            min_delta: 3.0,
            min_spread: 1.0,
            fill_missing: Some(0.0),
        }
    }

    /// Latencies (p95 seconds); log2 histogram buckets make 2x steps noise, so ask for more.
    pub fn latency() -> Self {
        SpikeOptions {
            threshold: 3.5,
            extend: 3.5,
            min_ratio: 2.5,
            min_delta: 0.0,
            min_spread: 0.0,
            fill_missing: None,
        }
    }
}

/// Fewer points than this give no baseline to stand out from.
const MIN_POINTS: usize = 5;

/// One window that stands out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spike {
    pub labels: BTreeMap<String, String>,
    /// Start of the window: the start of the first anomalous bucket (a sample at T covers (T-step, T]).
    pub start_ms: i64,
    /// End of the window: the last anomalous sample's time.
    pub end_ms: i64,
    pub peak_ms: i64,
    pub peak: f64,
    /// The series' median.
    pub baseline: f64,
    /// The scaled median absolute deviation (at least `min_spread`).
    pub spread: f64,
    /// Robust z-score of the peak.
    pub score: f64,
    /// Sum of the window's values (events in the window, for counts).
    pub total: f64,
    pub points: usize,
}

impl Spike {
    /// How many times the baseline the peak is (`None` over a zero baseline).
    pub fn ratio(&self) -> Option<f64> {
        (self.baseline > 0.0).then(|| self.peak / self.baseline)
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The series on a regular grid of `step_ms` over `range_ms` (when given), missing samples filled as the
/// options say; non-finite values are dropped.
fn regular(
    points: &[Point],
    step_ms: i64,
    range_ms: Option<(i64, i64)>,
    fill: Option<f64>,
) -> Vec<Point> {
    let mut by_t: BTreeMap<i64, f64> = points
        .iter()
        .filter(|p| p.value.is_finite())
        .map(|p| (p.t_ms, p.value))
        .collect();
    if let (Some(fill), true) = (fill, step_ms > 0) {
        let first = range_ms
            .map(|(s, _)| {
                s.div_euclid(step_ms) * step_ms + if s % step_ms == 0 { 0 } else { step_ms }
            })
            .or_else(|| by_t.keys().next().copied());
        let last = range_ms
            .map(|(_, e)| {
                e.div_euclid(step_ms) * step_ms + if e % step_ms == 0 { 0 } else { step_ms }
            })
            .or_else(|| by_t.keys().next_back().copied());
        if let (Some(first), Some(last)) = (first, last) {
            let anchor = by_t.keys().next().copied().unwrap_or(first);
            // Keep the grid in phase with the samples (Loki aligns them to the step, Tempo as well).
            let offset = anchor.rem_euclid(step_ms);
            let mut t = first - first.rem_euclid(step_ms) + offset;
            if t < first {
                t += step_ms;
            }
            let mut guard = 0;
            while t <= last && guard < 100_000 {
                by_t.entry(t).or_insert(fill);
                t += step_ms;
                guard += 1;
            }
        }
    }
    by_t.into_iter()
        .map(|(t_ms, value)| Point { t_ms, value })
        .collect()
}

/// The windows of `series` that stand out. `step_ms` is the series' step (the width of one bucket).
pub fn detect_spikes(
    series: &Series,
    step_ms: i64,
    range_ms: Option<(i64, i64)>,
    opts: &SpikeOptions,
) -> Vec<Spike> {
    let points = regular(&series.points, step_ms, range_ms, opts.fill_missing);
    if points.len() < MIN_POINTS {
        return Vec::new();
    }
    let mut values: Vec<f64> = points.iter().map(|p| p.value).collect();
    values.sort_by(f64::total_cmp);
    let base = median(&values);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - base).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let spread = (1.4826 * median(&deviations))
        .max(opts.min_spread)
        .max(0.1 * base.abs())
        .max(f64::MIN_POSITIVE);
    let z = |v: f64| (v - base) / spread;
    let anomalous = |v: f64| {
        z(v) >= opts.threshold
            && v - base >= opts.min_delta
            && (base <= 0.0 || v >= base * opts.min_ratio)
    };
    let mut spikes = Vec::new();
    let mut i = 0;
    while i < points.len() {
        if !anomalous(points[i].value) {
            i += 1;
            continue;
        }
        let mut first = i;
        let mut last = i;
        while last + 1 < points.len() && anomalous(points[last + 1].value) {
            last += 1;
        }
        // Widen to neighbours still well above the baseline.
        let high = |v: f64| v > base && z(v) >= opts.extend;
        while first > 0 && high(points[first - 1].value) {
            first -= 1;
        }
        while last + 1 < points.len() && high(points[last + 1].value) {
            last += 1;
        }
        let window = &points[first..=last];
        let peak = window
            .iter()
            .max_by(|a, b| a.value.total_cmp(&b.value))
            .copied()
            .unwrap_or(points[i]);
        spikes.push(Spike {
            labels: series.labels.clone(),
            start_ms: window[0].t_ms - step_ms.max(0),
            end_ms: window[window.len() - 1].t_ms,
            peak_ms: peak.t_ms,
            peak: peak.value,
            baseline: base,
            spread,
            score: z(peak.value),
            total: window.iter().map(|p| p.value).sum(),
            points: window.len(),
        });
        i = last + 1;
    }
    spikes
}

/// Counts of events per bucket as a series: the sample at T counts the events in (T - step, T], T a
/// multiple of the step (Loki's convention), over `range_ms`.
pub fn bucket_counts(
    times_ms: impl IntoIterator<Item = i64>,
    step_ms: i64,
    labels: BTreeMap<String, String>,
) -> Series {
    let step = step_ms.max(1);
    let mut counts: BTreeMap<i64, f64> = BTreeMap::new();
    for t in times_ms {
        let bucket = if t.rem_euclid(step) == 0 {
            t
        } else {
            (t.div_euclid(step) + 1) * step
        };
        *counts.entry(bucket).or_default() += 1.0;
    }
    Series {
        labels,
        points: counts
            .into_iter()
            .map(|(t_ms, value)| Point { t_ms, value })
            .collect(),
    }
}

/// A bucket width for about 72 buckets over a range (5 minutes for 6 hours), from a list of round steps.
pub fn step_for_range(range_ms: i64) -> i64 {
    const MINUTE: i64 = 60_000;
    const STEPS: &[i64] = &[
        MINUTE,
        2 * MINUTE,
        5 * MINUTE,
        10 * MINUTE,
        15 * MINUTE,
        30 * MINUTE,
        60 * MINUTE,
        120 * MINUTE,
        360 * MINUTE,
        720 * MINUTE,
        1440 * MINUTE,
    ];
    let want = range_ms / 72;
    STEPS
        .iter()
        .copied()
        .find(|s| *s >= want)
        .unwrap_or(1440 * MINUTE)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: i64 = 300_000;

    fn series(values: &[f64]) -> Series {
        Series {
            labels: BTreeMap::from([("service_name".into(), "payment-service".into())]),
            points: values
                .iter()
                .enumerate()
                .map(|(i, v)| Point {
                    t_ms: (i as i64 + 1) * STEP,
                    value: *v,
                })
                .collect(),
        }
    }

    #[test]
    fn a_burst_over_a_quiet_series_is_one_window() {
        let mut v = vec![1.0, 0.0, 2.0, 1.0, 0.0, 1.0, 1.0, 0.0, 2.0, 1.0];
        v.extend([3.0, 11.0, 12.0, 10.0, 2.0]);
        v.extend([1.0, 0.0, 1.0, 1.0, 0.0]);
        let spikes = detect_spikes(&series(&v), STEP, None, &SpikeOptions::counts());
        assert_eq!(spikes.len(), 1, "{spikes:?}");
        let s = &spikes[0];
        assert_eq!(s.peak, 12.0);
        assert_eq!(s.peak_ms, 13 * STEP);
        assert_eq!(s.baseline, 1.0);
        // The window widens to the 3 before the burst; the trailing 2 is too close to the baseline.
        assert_eq!(s.start_ms, 10 * STEP);
        assert_eq!(s.end_ms, 14 * STEP);
        assert_eq!(s.total, 36.0);
        assert!(s.score > 3.5);
        assert_eq!(s.ratio(), Some(12.0));
    }

    #[test]
    fn flat_and_noisy_series_have_no_spikes() {
        let flat = series(&[5.0; 30]);
        assert!(detect_spikes(&flat, STEP, None, &SpikeOptions::counts()).is_empty());
        let noisy: Vec<f64> = (0..60).map(|i| 20.0 + ((i * 7) % 5) as f64).collect();
        assert!(detect_spikes(&series(&noisy), STEP, None, &SpikeOptions::counts()).is_empty());
        let tiny = series(&[0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0]);
        assert!(
            detect_spikes(&tiny, STEP, None, &SpikeOptions::counts()).is_empty(),
            "one or two events over nothing are not a spike"
        );
        assert!(
            detect_spikes(&series(&[0.0, 50.0]), STEP, None, &SpikeOptions::counts()).is_empty()
        );
        assert!(detect_spikes(&series(&[]), STEP, None, &SpikeOptions::counts()).is_empty());
    }

    #[test]
    fn missing_count_samples_are_zeros_over_the_range() {
        // Loki leaves empty buckets out: only the burst is in the answer.
        let sparse = Series {
            labels: BTreeMap::new(),
            points: vec![
                Point {
                    t_ms: 20 * STEP,
                    value: 9.0,
                },
                Point {
                    t_ms: 21 * STEP,
                    value: 14.0,
                },
            ],
        };
        let spikes = detect_spikes(
            &sparse,
            STEP,
            Some((STEP / 2, 40 * STEP)),
            &SpikeOptions::counts(),
        );
        assert_eq!(spikes.len(), 1);
        assert_eq!(spikes[0].baseline, 0.0);
        assert_eq!(spikes[0].start_ms, 19 * STEP);
        assert_eq!(spikes[0].end_ms, 21 * STEP);
        assert_eq!(spikes[0].ratio(), None);
        // Without the range there is nothing to compare with.
        assert!(detect_spikes(&sparse, STEP, None, &SpikeOptions::counts()).is_empty());
    }

    #[test]
    fn latency_needs_more_than_a_histogram_bucket() {
        let mut v = vec![0.067; 40];
        v[5] = 0.134; // one log2 bucket up: noise
        v[20] = 4.29;
        v[21] = 4.29;
        v[22] = 2.1;
        let spikes = detect_spikes(&series(&v), STEP, None, &SpikeOptions::latency());
        assert_eq!(spikes.len(), 1, "{spikes:?}");
        assert_eq!(spikes[0].peak, 4.29);
        assert_eq!(spikes[0].points, 3);
        assert!(spikes[0].ratio().unwrap() > 60.0);
        // Gaps in a gauge are unknown, not zero.
        let mut gappy = series(&v);
        gappy
            .points
            .retain(|p| p.t_ms % (2 * STEP) == 0 || p.value > 1.0);
        assert_eq!(
            detect_spikes(&gappy, STEP, Some((0, 41 * STEP)), &SpikeOptions::latency()).len(),
            1
        );
    }

    #[test]
    fn buckets_follow_lokis_convention() {
        let s = bucket_counts([1, STEP, STEP + 1, 3 * STEP - 1], STEP, BTreeMap::new());
        let got: Vec<(i64, f64)> = s.points.iter().map(|p| (p.t_ms, p.value)).collect();
        assert_eq!(got, vec![(STEP, 2.0), (2 * STEP, 1.0), (3 * STEP, 1.0)]);
        assert_eq!(step_for_range(6 * 3_600_000), STEP);
        assert_eq!(step_for_range(3_600_000), 60_000);
        assert_eq!(step_for_range(0), 60_000);
    }
}
