//! The demo's night: the display sleeps and wakes in the demo as it would on
//! a wall, squeezed into the timeline. The demo alternates a day loop and a
//! night loop of [`PERIOD_S`] seconds each, the same homelab in both; the
//! night loop is quiet hours ([`sleep`]: a [`Cycle`] from the demo's start),
//! so in seconds 180–359 of every six minutes:
//!
//! | seconds  | the display                                                    |
//! |----------|----------------------------------------------------------------|
//! | 180–199  | asleep: "quiet hours until …" (black, nothing drawn)           |
//! | 200      | woken by: Overseerr down (critical), then its alert at 204     |
//! | 230      | woken by: tower1 offline, then its alert at 236; awake to 266  |
//! | 266–359  | asleep again; Prometheus lost (250) and the print finished (300) are not critical and wake nobody in quiet hours |
//! | 360      | day: on                                                        |
//!
//! A touch in quiet hours only wakes the screen, for [`WAKE_FOR_S`]
//! seconds. The day loop (0–179, and every frozen golden second) is never
//! asleep: trouble "wakes" a screen that is on anyway.
//!
//! A frozen frame (`--demo --at N`) replays the night with the data
//! (`super::frame`), so `--at 190` is the black frame of quiet hours and
//! `--at 40` the awake dashboard; a tap on a frozen black frame only wakes
//! it (`Hub::frozen`).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::PERIOD_S;
use crate::core::SleepSettings;
use crate::core::night::Cycle;

/// How long a wake lasts in the demo (a minute would outlast the night).
pub const WAKE_FOR_S: u64 = 30;

/// The length of a day and a night, seconds.
pub const CYCLE_S: u32 = 2 * PERIOD_S;

/// The demo's `[display.sleep]`: quiet hours in the second half of every
/// [`CYCLE_S`] counted from `start` (the timeline's second 0), critical
/// trouble wakes for [`WAKE_FOR_S`] seconds.
pub fn sleep(start: DateTime<Utc>) -> SleepSettings {
    let s = |secs: u32| Duration::from_secs(u64::from(secs));
    SleepSettings {
        cycle: Some(Cycle {
            epoch: start,
            period: s(CYCLE_S),
            from: s(PERIOD_S),
            until: s(CYCLE_S),
        }),
        wake_for: Duration::from_secs(WAKE_FOR_S),
        ..SleepSettings::default()
    }
}

/// Whether second `at` of the demo is in its quiet hours (the night loop).
pub fn is_night(at: u32) -> bool {
    at % CYCLE_S >= PERIOD_S
}

#[cfg(test)]
mod tests {
    use super::super::frame;
    use super::*;

    fn display(at: u32) -> (&'static str, String) {
        let d = frame(at).display;
        (d.state, d.reason)
    }

    #[test]
    fn the_day_loop_never_sleeps_so_the_goldens_stay_awake() {
        for t in 0..PERIOD_S {
            assert!(!is_night(t));
            assert_eq!(display(t).0, "on", "second {t}");
        }
    }

    #[test]
    fn the_night_plays_out_as_the_table_says() {
        assert_eq!(display(190), ("off", "quiet hours until 09:06".into()));
        assert_eq!(display(200), ("on", "woken by: Overseerr down".into()));
        let tower1 = display(230);
        assert!(
            tower1.0 == "on" && tower1.1.ends_with("+1 more"),
            "{tower1:?}"
        );
        assert_eq!(display(264).0, "on", "tower1's alert at 236 woke it to 266");
        for t in (266..CYCLE_S).step_by(2) {
            assert!(is_night(t));
            assert_eq!(
                display(t).0,
                "off",
                "second {t}: lost and finished are not critical"
            );
        }
        assert_eq!(display(CYCLE_S), ("on", "on".into()), "day again");
    }
}
