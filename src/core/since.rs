//! Since when: the time each thing entered its current state (a service up,
//! slow, down or unknown; a node online or offline), so the view can say
//! "down since 08:41, 17 min". Pure: the time is the update's `at`.
//!
//! A thing first seen gets the time it was first seen, marked
//! [`Since::first_seen`]: it may have been in that state for longer (the
//! view says "since start" or "at least"). A thing no longer reported is
//! forgotten, so the map is bounded by what is configured or reported.
//!
//! A poll stamped before a thing's time (the clock was set back, as NTP
//! does by months on a Pi without a real-time clock) makes that time
//! unknown: the thing is first seen again at the poll's time, so its age
//! counts from there instead of staying "<1 min" until the clock catches
//! up with the old time.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

/// A state and the time it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Since<S> {
    pub state: S,
    /// When the state was first seen.
    pub at: DateTime<Utc>,
    /// Whether `at` is only when piboard first saw the thing (after a start,
    /// or when it appeared), not a change of state it saw happen.
    pub first_seen: bool,
}

/// The current state of each named thing, with since when.
#[derive(Debug, Clone, PartialEq)]
pub struct Transitions<S> {
    map: BTreeMap<String, Since<S>>,
}

impl<S> Default for Transitions<S> {
    fn default() -> Self {
        Self {
            map: BTreeMap::new(),
        }
    }
}

impl<S: Copy + PartialEq> Transitions<S> {
    /// Records what one good poll reported at `at`: every thing in `seen`
    /// with its state; things not in `seen` are forgotten.
    pub fn observe<'a>(&mut self, seen: impl IntoIterator<Item = (&'a str, S)>, at: DateTime<Utc>) {
        let mut next = BTreeMap::new();
        for (name, state) in seen {
            let since = match self.map.remove(name) {
                Some(s) if s.state == state && s.at <= at => s,
                Some(s) if s.state == state => Since {
                    state,
                    at,
                    first_seen: true,
                },
                Some(_) => Since {
                    state,
                    at,
                    first_seen: false,
                },
                None => Since {
                    state,
                    at,
                    first_seen: true,
                },
            };
            next.insert(name.to_owned(), since);
        }
        self.map = next;
    }

    /// The state of `name` and since when, if it is reported.
    pub fn get(&self, name: &str) -> Option<&Since<S>> {
        self.map.get(name)
    }

    /// How many things are tracked.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is tracked.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Clock, FakeClock};
    use std::time::Duration;

    #[test]
    fn a_change_restarts_the_time_and_a_steady_state_keeps_it() {
        let clock = FakeClock::default();
        let start = clock.now();
        let mut t = Transitions::default();
        t.observe([("plex", 'u'), ("nas", 'u')], clock.now());
        assert_eq!(
            t.get("plex"),
            Some(&Since {
                state: 'u',
                at: start,
                first_seen: true
            })
        );
        clock.advance(Duration::from_secs(60));
        t.observe([("plex", 'd'), ("nas", 'u')], clock.now());
        let down = clock.now();
        clock.advance(Duration::from_secs(60));
        t.observe([("plex", 'd'), ("nas", 'u')], clock.now());
        assert_eq!(
            t.get("plex"),
            Some(&Since {
                state: 'd',
                at: down,
                first_seen: false
            })
        );
        assert_eq!(
            t.get("nas").map(|s| (s.at, s.first_seen)),
            Some((start, true))
        );
    }

    #[test]
    fn a_clock_set_back_makes_the_time_first_seen_again() {
        let clock = FakeClock::default();
        let mut t = Transitions::default();
        t.observe([("plex", 'u')], clock.now());
        clock.advance(Duration::from_secs(60));
        t.observe([("plex", 'd')], clock.now());
        let down = clock.now();
        // NTP sets the clock back 90 days: "since" cannot be in the future.
        clock.set(down - chrono::Duration::days(90));
        t.observe([("plex", 'd')], clock.now());
        let back = clock.now();
        assert_eq!(
            t.get("plex"),
            Some(&Since {
                state: 'd',
                at: back,
                first_seen: true
            })
        );
        // From there it ages as usual.
        clock.advance(Duration::from_secs(120));
        t.observe([("plex", 'd')], clock.now());
        assert_eq!(t.get("plex").map(|s| s.at), Some(back));
    }

    #[test]
    fn what_is_no_longer_reported_is_forgotten() {
        let clock = FakeClock::default();
        let mut t = Transitions::default();
        t.observe([("a", true), ("b", false)], clock.now());
        t.observe([("b", false)], clock.now());
        assert_eq!(t.len(), 1);
        assert!(t.get("a").is_none());
        // Back again: first seen anew.
        clock.advance(Duration::from_secs(5));
        t.observe([("a", true)], clock.now());
        assert_eq!(
            t.get("a").map(|s| (s.at, s.first_seen)),
            Some((clock.now(), true))
        );
        t.observe(std::iter::empty(), clock.now());
        assert!(t.is_empty());
    }
}
