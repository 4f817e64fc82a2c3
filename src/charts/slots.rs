//! From timestamped samples to the slots a chart draws: one slot per step of
//! a window that ends at a given time, empty where no sample fell.

/// The slots of a window: `count` steps of `step_s` seconds, the last one
/// holding `end_s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub end_s: i64,
    pub step_s: i64,
    pub count: usize,
}

impl Window {
    /// The slot of a sample taken at `at_s`, if it falls in the window.
    fn slot(&self, at_s: i64) -> Option<usize> {
        let step = self.step_s.max(1);
        let back = self.end_s.div_euclid(step) - at_s.div_euclid(step);
        let back = usize::try_from(back).ok()?;
        (back < self.count).then(|| self.count - 1 - back)
    }

    /// One value per slot, oldest first: each slot holds the last of the
    /// `samples` (seconds, value) that fell in it, `None` where none did.
    /// Samples outside the window, or not finite, are left out.
    pub fn slots(&self, samples: impl IntoIterator<Item = (i64, f32)>) -> Vec<Option<f32>> {
        let mut out = vec![None; self.count];
        for (at_s, v) in samples {
            if let Some(i) = self.slot(at_s).filter(|_| v.is_finite()) {
                out[i] = Some(v);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_land_in_their_step_and_the_newest_at_the_right() {
        let w = Window {
            end_s: 1_000,
            step_s: 10,
            count: 4,
        };
        // Steps 97 to 100; a later sample in a step replaces the earlier one.
        let slots = w.slots([(969, 0.0), (971, 1.0), (975, 2.0), (990, 3.0), (1_009, 4.0)]);
        assert_eq!(slots, [Some(2.0), None, Some(3.0), Some(4.0)]);
    }

    #[test]
    fn old_future_and_broken_samples_are_left_out() {
        let w = Window {
            end_s: 100,
            step_s: 5,
            count: 3,
        };
        let slots = w.slots([(84, 1.0), (95, f32::NAN), (105, 9.0), (-3, 2.0)]);
        assert_eq!(slots, [None, None, None]);
        let none = Window { count: 0, ..w };
        assert!(none.slots([(100, 1.0)]).is_empty());
    }
}
