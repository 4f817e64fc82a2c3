//! Histories for the charts: bounded rings of timed samples, at most one per
//! step, covering a window. Pure: times are Unix seconds passed in by the
//! caller (the core stamps live samples with the update's `at`).
//!
//! How a ring behaves:
//! - a sample in the same step as the newest one replaces it (the last
//!   reading of a step is the step's value);
//! - a sample older than the newest is ignored, unless it is older by more
//!   than the whole window: then the clock was set back (NTP after a boot
//!   without a real-time clock), the ring's samples are from a future that
//!   did not happen, and the ring starts over from this sample;
//! - samples whose step is `capacity` or more steps behind the newest are
//!   dropped, so the ring never holds more than `capacity` samples and
//!   never allocates again after its first sample;
//! - a seed (history fetched from a server at start) is merged: it fills
//!   the steps that have no live sample, live samples win.
//!
//! [`TempHistory`] is the printer's two heaters over ten minutes (one
//! sample per 5 s); [`Point`] rings hold one value (a service's response
//! time), [`NodeSample`] rings a node's CPU and memory.

use std::collections::VecDeque;

/// How far back the printer's chart looks, seconds.
pub const WINDOW_S: i64 = 600;
/// One printer sample per this many seconds.
pub const STEP_S: i64 = 5;
/// The most samples the printer's ring holds.
pub const CAPACITY: usize = (WINDOW_S / STEP_S) as usize;

/// A sample that knows when it was taken.
pub trait Timed: Copy {
    /// Unix seconds.
    fn at_s(&self) -> i64;
}

/// One value at one time (a response time in seconds, a fraction).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Unix seconds.
    pub at_s: i64,
    pub value: f32,
}

/// One reading of both heaters, °C.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempSample {
    /// Unix seconds.
    pub at_s: i64,
    pub extruder: f32,
    pub bed: f32,
}

/// One reading of a Proxmox node: CPU and memory, fractions 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeSample {
    /// Unix seconds.
    pub at_s: i64,
    pub cpu: f32,
    pub mem: f32,
}

impl Timed for Point {
    fn at_s(&self) -> i64 {
        self.at_s
    }
}

impl Timed for TempSample {
    fn at_s(&self) -> i64 {
        self.at_s
    }
}

impl Timed for NodeSample {
    fn at_s(&self) -> i64 {
        self.at_s
    }
}

/// A bounded ring of samples, one per step, covering `capacity` steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Ring<S> {
    step_s: i64,
    capacity: usize,
    samples: VecDeque<S>,
}

impl<S: Timed> Ring<S> {
    /// An empty ring of one sample per `step_s` seconds over `window_s`
    /// seconds (at least one step). Allocates nothing until the first sample.
    pub fn new(step_s: i64, window_s: i64) -> Self {
        let step_s = step_s.max(1);
        Self {
            step_s,
            capacity: usize::try_from(window_s / step_s).unwrap_or(1).max(1),
            samples: VecDeque::new(),
        }
    }

    /// The step a time falls in.
    pub fn step_of(&self, at_s: i64) -> i64 {
        at_s.div_euclid(self.step_s)
    }

    /// Seconds per step.
    pub fn step_s(&self) -> i64 {
        self.step_s
    }

    /// The most samples the ring holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The window covered, seconds.
    pub fn window_s(&self) -> i64 {
        self.step_s * self.capacity as i64
    }

    /// Adds a sample (see the module's rules).
    pub fn record(&mut self, sample: S) {
        let at_s = sample.at_s();
        let step = self.step_of(at_s);
        match self.samples.back().map(|l| l.at_s()) {
            Some(last) if at_s < last.saturating_sub(self.window_s()) => self.samples.clear(),
            Some(last) if at_s < last => return,
            Some(last) if step == self.step_of(last) => {
                if let Some(l) = self.samples.back_mut() {
                    *l = sample;
                }
                return;
            }
            _ => {}
        }
        self.trim(step);
        if self.samples.capacity() == 0 {
            self.samples.reserve_exact(self.capacity);
        }
        self.samples.push_back(sample);
    }

    /// Merges a seed: its samples fill the steps without a live sample
    /// (one per step, the last of each step), live samples win, and the
    /// whole is cut to the window of the newest sample.
    pub fn merge(&mut self, seed: impl IntoIterator<Item = S>) {
        let mut seed: Vec<S> = seed.into_iter().collect();
        seed.sort_by_key(|s| s.at_s());
        let mut seeded = Self::new(self.step_s, self.window_s());
        for s in seed {
            seeded.record(s);
        }
        let live = std::mem::take(&mut self.samples);
        let newest = [seeded.last(), live.back()]
            .into_iter()
            .flatten()
            .map(|s| self.step_of(s.at_s()))
            .max();
        let Some(newest) = newest else { return };
        let oldest_kept = newest.saturating_sub(self.capacity as i64 - 1);
        let mut out = VecDeque::with_capacity(self.capacity);
        let mut seed = seeded.samples.into_iter().peekable();
        let mut live = live.into_iter().peekable();
        loop {
            let take_live = match (seed.peek(), live.peek()) {
                (None, None) => break,
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some(s), Some(l)) => {
                    let (ss, ls) = (self.step_of(s.at_s()), self.step_of(l.at_s()));
                    if ss == ls {
                        seed.next();
                    }
                    ls <= ss
                }
            };
            let next = if take_live { live.next() } else { seed.next() };
            out.extend(next.filter(|s| self.step_of(s.at_s()) >= oldest_kept));
        }
        self.samples = out;
    }

    /// Drops the samples that a sample in step `newest` pushes out.
    fn trim(&mut self, newest: i64) {
        let oldest_kept = newest.saturating_sub(self.capacity as i64 - 1);
        while self
            .samples
            .front()
            .is_some_and(|s| self.step_of(s.at_s()) < oldest_kept)
        {
            self.samples.pop_front();
        }
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> impl DoubleEndedIterator<Item = &S> + ExactSizeIterator {
        self.samples.iter()
    }

    /// How many samples the ring holds.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether the ring holds no sample.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The newest sample.
    pub fn last(&self) -> Option<&S> {
        self.samples.back()
    }

    /// The bytes the ring holds on the heap: its allocated slots.
    pub fn heap_bytes(&self) -> usize {
        self.samples.capacity() * std::mem::size_of::<S>()
    }
}

/// The last ten minutes of heater temperatures, one sample per [`STEP_S`].
#[derive(Debug, Clone, PartialEq)]
pub struct TempHistory(Ring<TempSample>);

impl Default for TempHistory {
    fn default() -> Self {
        Self(Ring::new(STEP_S, WINDOW_S))
    }
}

impl TempHistory {
    /// Adds a reading taken at `at_s`; non-finite values are ignored.
    pub fn record(&mut self, at_s: i64, extruder: f64, bed: f64) {
        if extruder.is_finite() && bed.is_finite() {
            self.0.record(TempSample {
                at_s,
                extruder: extruder as f32,
                bed: bed as f32,
            });
        }
    }

    /// Merges Moonraker's temperature store: one value a second, oldest
    /// first, the last taken at `end_s`. The two series may differ in
    /// length; they are aligned on their newest value.
    pub fn seed(&mut self, end_s: i64, extruder: &[f64], bed: &[f64]) {
        let n = extruder.len().min(bed.len()).min(WINDOW_S as usize);
        let (e, b) = (&extruder[extruder.len() - n..], &bed[bed.len() - n..]);
        let samples = e.iter().zip(b).enumerate().filter_map(|(i, (e, b))| {
            (e.is_finite() && b.is_finite()).then_some(TempSample {
                at_s: end_s - (n - 1 - i) as i64,
                extruder: *e as f32,
                bed: *b as f32,
            })
        });
        self.0.merge(samples);
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> impl ExactSizeIterator<Item = &TempSample> {
        self.0.samples()
    }

    /// How many samples the history holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the history holds no sample.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The newest sample.
    pub fn last(&self) -> Option<&TempSample> {
        self.0.last()
    }

    /// The ring underneath.
    pub fn ring(&self) -> &Ring<TempSample> {
        &self.0
    }
}

#[cfg(test)]
mod tests;
