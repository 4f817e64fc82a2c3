//! Temperature history of the extruder and the bed: a bounded ring of samples,
//! at most one per [`STEP_S`] seconds, covering the last [`WINDOW_S`] seconds.
//! Seeded from Moonraker's `/server/temperature_store` at start, then fed with
//! every polled value. Pure: times are Unix seconds passed in by the caller.

use std::collections::VecDeque;

/// How far back the chart looks, seconds.
pub const WINDOW_S: i64 = 600;
/// One sample per this many seconds; later readings in the same step replace it.
pub const STEP_S: i64 = 5;
/// The most samples the ring holds.
pub const CAPACITY: usize = (WINDOW_S / STEP_S) as usize;

/// One reading of both heaters, °C.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempSample {
    /// Unix seconds.
    pub at_s: i64,
    pub extruder: f32,
    pub bed: f32,
}

/// The last minutes of heater temperatures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TempHistory {
    samples: VecDeque<TempSample>,
}

impl TempHistory {
    /// Adds a reading taken at `at_s`. A reading in the same step as the last
    /// one replaces it; one older than the last is ignored; non-finite values
    /// are ignored.
    pub fn record(&mut self, at_s: i64, extruder: f64, bed: f64) {
        if !extruder.is_finite() || !bed.is_finite() {
            return;
        }
        let sample = TempSample {
            at_s,
            extruder: extruder as f32,
            bed: bed as f32,
        };
        match self.samples.back_mut() {
            Some(last) if at_s < last.at_s => return,
            Some(last) if at_s.div_euclid(STEP_S) == last.at_s.div_euclid(STEP_S) => {
                *last = sample;
            }
            _ => self.samples.push_back(sample),
        }
        while self
            .samples
            .front()
            .is_some_and(|s| s.at_s <= at_s - WINDOW_S)
            || self.samples.len() > CAPACITY
        {
            self.samples.pop_front();
        }
    }

    /// Fills the history from Moonraker's temperature store: one value a
    /// second, oldest first, the last taken at `end_s`. The two series may
    /// differ in length; they are aligned on their newest value.
    pub fn seed(&mut self, end_s: i64, extruder: &[f64], bed: &[f64]) {
        let n = extruder.len().min(bed.len()).min(WINDOW_S as usize);
        let (e, b) = (&extruder[extruder.len() - n..], &bed[bed.len() - n..]);
        for (i, (e, b)) in e.iter().zip(b).enumerate() {
            self.record(end_s - (n - 1 - i) as i64, *e, *b);
        }
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> impl ExactSizeIterator<Item = &TempSample> {
        self.samples.iter()
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The newest sample.
    pub fn last(&self) -> Option<&TempSample> {
        self.samples.back()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_in_one_step_replace_each_other() {
        let mut h = TempHistory::default();
        h.record(100, 20.0, 20.0);
        h.record(101, 21.0, 20.0);
        h.record(104, 22.0, 20.0);
        assert_eq!(h.len(), 1);
        assert_eq!(h.last().map(|s| s.extruder), Some(22.0));
        h.record(105, 23.0, 20.0);
        assert_eq!(h.len(), 2);
        // Older than the newest: ignored.
        h.record(90, 99.0, 99.0);
        assert_eq!(h.len(), 2);
        h.record(110, f64::NAN, 20.0);
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn the_ring_is_bounded_by_the_window() {
        let mut h = TempHistory::default();
        for t in 0..10_000 {
            h.record(t, 200.0, 60.0);
        }
        assert!(h.len() <= CAPACITY, "{}", h.len());
        let first = h.samples().next().map(|s| s.at_s).unwrap_or_default();
        assert!(first > 9_999 - WINDOW_S, "{first}");
    }

    #[test]
    fn seeding_aligns_on_the_newest_value() {
        let mut h = TempHistory::default();
        let extruder: Vec<f64> = (0..1200).map(f64::from).collect();
        let bed = vec![60.0; 1000];
        h.seed(10_000, &extruder, &bed);
        assert_eq!(
            h.last().map(|s| (s.at_s, s.extruder)),
            Some((10_000, 1199.0))
        );
        assert!(
            h.len() <= CAPACITY && h.len() >= CAPACITY - 1,
            "{}",
            h.len()
        );
        h.seed(10_000, &[], &[1.0]);
        assert!(!h.is_empty());
    }
}
