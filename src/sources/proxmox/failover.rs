//! Which endpoint to ask, in which order. Pure: time is an argument.
//!
//! Any node of a cluster answers for all of it, so the source asks one at a
//! time: first the node that last gave a good (quorate) answer, then the
//! others in config order. A node that refused or timed out is skipped for
//! [`SKIP_FOR`]; skipped nodes still come last in the order, so the source is
//! lost only when every endpoint has failed.

use std::time::{Duration, Instant};

/// How long an endpoint that refused or timed out is left out.
pub const SKIP_FOR: Duration = Duration::from_secs(60);

/// The failover state of a list of endpoints.
#[derive(Debug, Clone)]
pub struct Failover {
    skip_until: Vec<Option<Instant>>,
    preferred: usize,
}

impl Failover {
    /// State for `n` endpoints, none skipped, the first preferred.
    pub fn new(n: usize) -> Self {
        Self {
            skip_until: vec![None; n],
            preferred: 0,
        }
    }

    /// Endpoint indexes in the order to try them at `now`: the preferred one,
    /// then the others in config order, then the skipped ones (soonest back
    /// first).
    pub fn order(&self, now: Instant) -> Vec<usize> {
        let n = self.skip_until.len();
        let rotated = (0..n).map(|k| (self.preferred + k) % n);
        let (mut ready, mut skipped): (Vec<usize>, Vec<usize>) =
            rotated.partition(|&i| !self.is_skipped(i, now));
        skipped.sort_by_key(|&i| self.skip_until[i]);
        ready.append(&mut skipped);
        ready
    }

    /// Whether endpoint `i` is being left out at `now`.
    pub fn is_skipped(&self, i: usize, now: Instant) -> bool {
        self.skip_until
            .get(i)
            .copied()
            .flatten()
            .is_some_and(|until| now < until)
    }

    /// Endpoint `i` refused or timed out at `now`.
    pub fn failed(&mut self, i: usize, now: Instant) {
        if let Some(slot) = self.skip_until.get_mut(i) {
            *slot = Some(now + SKIP_FOR);
        }
    }

    /// Endpoint `i` answered; `use_next_time` when its answer was the one used.
    pub fn answered(&mut self, i: usize, use_next_time: bool) {
        if let Some(slot) = self.skip_until.get_mut(i) {
            *slot = None;
        }
        if use_next_time {
            self.preferred = i;
        }
    }

    /// The endpoint asked first next time.
    pub fn preferred(&self) -> usize {
        self.preferred
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_the_first_endpoint_in_config_order() {
        let f = Failover::new(3);
        assert_eq!(f.order(Instant::now()), [0, 1, 2]);
    }

    #[test]
    fn a_failed_endpoint_goes_last_until_its_time_is_up() {
        let now = Instant::now();
        let mut f = Failover::new(3);
        f.failed(0, now);
        assert_eq!(f.order(now), [1, 2, 0]);
        assert_eq!(f.order(now + SKIP_FOR - Duration::from_secs(1)), [1, 2, 0]);
        assert_eq!(f.order(now + SKIP_FOR), [0, 1, 2]);
    }

    #[test]
    fn skipped_endpoints_are_still_tried_soonest_back_first() {
        let now = Instant::now();
        let mut f = Failover::new(3);
        f.failed(1, now);
        f.failed(0, now + Duration::from_secs(5));
        f.failed(2, now + Duration::from_secs(2));
        // All skipped: every one is still in the order, none is dropped.
        assert_eq!(f.order(now + Duration::from_secs(6)), [1, 2, 0]);
    }

    #[test]
    fn the_endpoint_that_answered_is_asked_first_next_time() {
        let now = Instant::now();
        let mut f = Failover::new(4);
        f.failed(0, now);
        f.answered(2, true);
        assert_eq!(f.order(now), [2, 3, 1, 0]);
        f.answered(0, false);
        assert_eq!(f.order(now), [2, 3, 0, 1]);
        assert_eq!(f.preferred(), 2);
    }
}
