//! The pages' sparklines as plain data: the last hour of a service's
//! response time (whole milliseconds, one slot per 30 s) and of a node's
//! CPU and memory (whole percent, one slot per minute), which the bridge
//! draws with `charts::sparkline` into one image per row.
//!
//! The window ends at the view's `now`, so a service that stopped
//! answering shows its gap growing at the right, and whole units keep the
//! data small in `/api/status` (a slot is `null` or a short integer: about
//! 500 bytes for a service's hour) and equal from poll to poll while the
//! line does not move by a pixel's worth.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::charts::Window;
use crate::core::history::Timed;
use crate::core::{NodeSample, Point, Ring};

/// One sparkline: a value per step of the window, oldest first, `null`
/// where there was no sample, drawn from 0 at the bottom to `max` at the
/// top, with `threshold` (if any) as a dashed rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SparklineVm {
    pub values: Vec<Option<u32>>,
    /// The top of the chart, in the values' unit; at least 1.
    pub max: u32,
    pub threshold: Option<u32>,
}

impl SparklineVm {
    /// Whether there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(Option::is_none)
    }
}

/// The window of `ring` that ends at `now`.
fn window<S: Timed>(ring: &Ring<S>, now: DateTime<Utc>) -> Window {
    Window {
        end_s: now.timestamp(),
        step_s: ring.step_s(),
        count: ring.capacity(),
    }
}

/// Whole units of a non-negative value (a non-finite one is left out).
fn whole(v: f32) -> Option<u32> {
    v.is_finite()
        .then(|| v.max(0.0).round().min(u32::MAX as f32) as u32)
}

/// A service's response times in ms, from 0 to twice its slow threshold
/// (or its slowest sample, if slower), the threshold drawn in.
pub fn service(
    ring: Option<&Ring<Point>>,
    slow_after_s: Option<f64>,
    now: DateTime<Utc>,
) -> SparklineVm {
    let threshold = slow_after_s.and_then(|s| whole((s * 1000.0) as f32));
    let values = ring.map_or_else(Vec::new, |r| {
        window(r, now)
            .slots(r.samples().map(|p| (p.at_s, p.value * 1000.0)))
            .into_iter()
            .map(|v| v.and_then(whole))
            .collect()
    });
    let highest = values.iter().flatten().copied().max().unwrap_or(0);
    let max = threshold.unwrap_or(0).saturating_mul(2).max(highest).max(1);
    SparklineVm {
        values,
        max,
        threshold,
    }
}

/// A node's CPU and memory in percent, 0 to 100, no threshold.
pub fn node(ring: Option<&Ring<NodeSample>>, now: DateTime<Utc>) -> (SparklineVm, SparklineVm) {
    let Some(r) = ring else {
        return (SparklineVm::default(), SparklineVm::default());
    };
    let w = window(r, now);
    let line = |pick: fn(&NodeSample) -> f32| SparklineVm {
        values: w
            .slots(r.samples().map(|s| (s.at_s, pick(s) * 100.0)))
            .into_iter()
            .map(|v| v.and_then(whole))
            .collect(),
        max: 100,
        threshold: None,
    };
    (line(|s| s.cpu), line(|s| s.mem))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(s, 0).single().unwrap_or_default()
    }

    #[test]
    fn a_service_hour_in_whole_ms_scaled_to_twice_its_threshold() {
        let mut r = Ring::new(30, 3600);
        for (at_s, value) in [(0, 0.036), (30, 0.0414), (90, 0.05)] {
            r.record(Point { at_s, value });
        }
        let s = service(Some(&r), Some(0.5), at(90));
        assert_eq!(s.values.len(), 120);
        assert_eq!(s.values[116..], [Some(36), Some(41), None, Some(50)]);
        assert_eq!((s.max, s.threshold), (1000, Some(500)));
        // A sample slower than twice the threshold raises the top to it.
        r.record(Point {
            at_s: 120,
            value: 1.6,
        });
        assert_eq!(service(Some(&r), Some(0.5), at(120)).max, 1600);
        // Later with no sample: the line moves left, a gap grows.
        let later = service(Some(&r), Some(0.5), at(180));
        assert_eq!(later.values[117..], [Some(1600), None, None]);
        assert!(service(None, Some(0.5), at(0)).is_empty());
    }

    #[test]
    fn a_node_hour_in_whole_percent() {
        let mut r = Ring::new(60, 3600);
        r.record(NodeSample {
            at_s: 600,
            cpu: 0.124,
            mem: 0.616,
        });
        let (cpu, mem) = node(Some(&r), at(660));
        assert_eq!(cpu.values.len(), 60);
        assert_eq!(cpu.values[58..], [Some(12), None]);
        assert_eq!(mem.values[58], Some(62));
        assert_eq!((cpu.max, cpu.threshold), (100, None));
        assert!(node(None, at(0)).0.is_empty());
    }
}
