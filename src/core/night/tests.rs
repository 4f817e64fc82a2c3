//! The night's table tests: the schedule across midnight and both daylight
//! saving changes (Europe/Berlin from chrono-tz), and the wake rules.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Europe::Berlin;

use super::*;

fn hm(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").expect("a test time")
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("a test instant")
        .with_timezone(&Utc)
}

fn quiet(from: &str, until: &str) -> QuietHours {
    QuietHours {
        from: hm(from),
        until: hm(until),
    }
}

fn settings(from: &str, until: &str) -> SleepSettings {
    SleepSettings {
        quiet: Some(quiet(from, until)),
        ..SleepSettings::default()
    }
}

fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

fn trouble(text: &str, critical: bool) -> Cause {
    Cause {
        kind: CauseKind::Trouble,
        critical,
        text: text.to_owned(),
    }
}

fn set(causes: &[Cause]) -> BTreeSet<Cause> {
    causes.iter().cloned().collect()
}

#[test]
fn quiet_hours_across_midnight_and_both_dst_changes() {
    // (window, instant in UTC, expected (start, end) in UTC or none)
    let cases = [
        // Winter, CET (+1): 23:00 to 07:00 is 22:00 to 06:00 UTC.
        (("23:00", "07:00"), "2026-01-10T21:59:00Z", None),
        (
            ("23:00", "07:00"),
            "2026-01-10T22:00:00Z",
            Some(("2026-01-10T22:00:00Z", "2026-01-11T06:00:00Z")),
        ),
        (
            ("23:00", "07:00"),
            "2026-01-11T03:00:00Z",
            Some(("2026-01-10T22:00:00Z", "2026-01-11T06:00:00Z")),
        ),
        (("23:00", "07:00"), "2026-01-11T06:00:00Z", None),
        // Within a day.
        (
            ("13:00", "15:00"),
            "2026-01-11T12:30:00Z",
            Some(("2026-01-11T12:00:00Z", "2026-01-11T14:00:00Z")),
        ),
        (("13:00", "15:00"), "2026-01-11T22:30:00Z", None),
        // Spring forward (29 March 2026, 02:00 CET -> 03:00 CEST): the night is 7 h.
        (
            ("23:00", "07:00"),
            "2026-03-29T04:59:00Z",
            Some(("2026-03-28T22:00:00Z", "2026-03-29T05:00:00Z")),
        ),
        (("23:00", "07:00"), "2026-03-29T05:00:00Z", None),
        // A start in the gap (02:30 does not exist) starts at 03:00 CEST.
        (("02:30", "07:00"), "2026-03-29T00:59:00Z", None),
        (
            ("02:30", "07:00"),
            "2026-03-29T01:00:00Z",
            Some(("2026-03-29T01:00:00Z", "2026-03-29T05:00:00Z")),
        ),
        // Fall back (25 October 2026, 03:00 CEST -> 02:00 CET): the night is 9 h.
        (
            ("23:00", "07:00"),
            "2026-10-25T05:59:00Z",
            Some(("2026-10-24T21:00:00Z", "2026-10-25T06:00:00Z")),
        ),
        // A start in the repeated hour is its first occurrence (02:30 CEST).
        (
            ("02:30", "07:00"),
            "2026-10-25T00:30:00Z",
            Some(("2026-10-25T00:30:00Z", "2026-10-25T06:00:00Z")),
        ),
        (("02:30", "07:00"), "2026-10-25T00:29:00Z", None),
    ];
    for ((from, until), now, want) in cases {
        let got = quiet(from, until).current(&Berlin, utc(now));
        let want = want.map(|(s, e)| Window {
            start: utc(s),
            end: utc(e),
        });
        assert_eq!(got, want, "{from}-{until} at {now}");
    }
}

#[test]
fn the_state_says_why_and_until_when() {
    let mut s = settings("23:00", "07:00");
    s.idle_after = Some(mins(10));
    let start = utc("2026-01-10T12:00:00Z");
    let night = Night::new(s, start);
    let cases = [
        (
            "2026-01-10T12:05:00Z",
            Power::On,
            "on",
            Some("2026-01-10T12:10:00Z"),
        ),
        ("2026-01-10T12:10:00Z", Power::Off, "idle 10 min", None),
        (
            "2026-01-10T23:00:00Z",
            Power::Off,
            "quiet hours until 07:00",
            Some("2026-01-11T06:00:00Z"),
        ),
    ];
    for (now, power, reason, until) in cases {
        let got = night.state(&Berlin, utc(now));
        assert_eq!(
            (got.power, got.reason.as_str(), got.until),
            (power, reason, until.map(utc)),
            "at {now}"
        );
    }
    // Without idle sleep, "on" lasts until the next quiet hours.
    let night = Night::new(settings("23:00", "07:00"), start);
    let got = night.state(&Berlin, utc("2026-01-10T12:05:00Z"));
    assert_eq!(got.until, Some(utc("2026-01-10T22:00:00Z")));
    // Dim mode dims instead.
    let mut s = settings("23:00", "07:00");
    s.asleep = Power::Dim(15);
    let night = Night::new(s, start);
    assert_eq!(
        night.state(&Berlin, utc("2026-01-10T23:00:00Z")).power,
        Power::Dim(15)
    );
}

#[test]
fn a_touch_in_quiet_hours_only_wakes_for_the_idle_period() {
    let mut s = settings("23:00", "07:00");
    s.idle_after = Some(mins(3));
    let mut night = Night::new(s, utc("2026-01-10T12:00:00Z"));
    let at = utc("2026-01-11T01:00:00Z");
    assert_eq!(night.touch(&Berlin, at), Touch::Swallowed);
    let woke = night.state(&Berlin, at);
    assert_eq!(
        (woke.power, woke.reason.as_str()),
        (Power::On, "woken by: touch")
    );
    assert_eq!(woke.until, Some(at + mins(3)));
    // The next touch, while on, is passed on and extends the wake.
    let later = at + mins(2);
    assert_eq!(night.touch(&Berlin, later), Touch::Passed);
    assert_eq!(night.state(&Berlin, later).until, Some(later + mins(3)));
    // Then back to sleep for the rest of the night.
    let asleep = night.state(&Berlin, later + mins(3));
    assert_eq!(asleep.reason, "quiet hours until 07:00");
    assert_eq!(asleep.power, Power::Off);
}

#[test]
fn a_touch_on_an_idle_screen_is_swallowed_and_restarts_the_timer() {
    let s = SleepSettings {
        idle_after: Some(mins(10)),
        ..SleepSettings::default()
    };
    let start = utc("2026-01-10T12:00:00Z");
    let mut night = Night::new(s, start);
    assert_eq!(night.touch(&Berlin, start + mins(5)), Touch::Passed);
    assert_eq!(night.state(&Berlin, start + mins(14)).power, Power::On);
    assert_eq!(night.touch(&Berlin, start + mins(20)), Touch::Swallowed);
    let on = night.state(&Berlin, start + mins(20));
    assert_eq!((on.power, on.until), (Power::On, Some(start + mins(30))));
}

#[test]
fn new_causes_wake_and_old_ones_do_not() {
    let start = utc("2026-01-10T12:00:00Z");
    let mut s = settings("23:00", "07:00");
    s.idle_after = Some(mins(10));
    let mut night = Night::new(s, start);
    let plex = trouble("Plex down", true);
    let tower = trouble("tower1 offline", true);
    // What is wrong at start is only remembered.
    assert!(!night.observe(&Berlin, set(std::slice::from_ref(&plex)), start));
    let idle = start + mins(30);
    assert_eq!(night.state(&Berlin, idle).power, Power::Off);
    assert!(!night.observe(&Berlin, set(std::slice::from_ref(&plex)), idle));
    assert!(night.observe(&Berlin, set(&[plex.clone(), tower.clone()]), idle));
    let on = night.state(&Berlin, idle);
    assert_eq!(
        (on.power, on.reason.as_str()),
        (Power::On, "woken by: tower1 offline")
    );
    assert_eq!(on.until, Some(idle + mins(5)));
    // Cleared and back: new again.
    assert!(!night.observe(&Berlin, set(&[]), idle + mins(6)));
    assert!(night.observe(&Berlin, set(&[tower]), idle + mins(7)));
}

#[test]
fn overlapping_causes_and_a_wake_during_a_wake_extend_it() {
    let mut night = Night::new(settings("23:00", "07:00"), utc("2026-01-10T12:00:00Z"));
    let at = utc("2026-01-11T01:00:00Z");
    night.observe(&Berlin, set(&[]), at);
    let two = set(&[trouble("Plex down", true), trouble("tower1 offline", true)]);
    assert!(night.observe(&Berlin, two.clone(), at));
    assert_eq!(
        night.state(&Berlin, at).reason,
        "woken by: Plex down · tower1 offline"
    );
    let mut three = two;
    three.insert(trouble("Sonarr down", true));
    let later = at + mins(4);
    assert!(night.observe(&Berlin, three, later));
    let on = night.state(&Berlin, later);
    assert_eq!(on.reason, "woken by: Plex down · tower1 offline +1 more");
    assert_eq!(on.until, Some(later + mins(5)));
    assert_eq!(night.state(&Berlin, later + mins(5)).power, Power::Off);
}

#[test]
fn a_wake_names_at_most_its_bound_of_causes_and_counts_the_rest() {
    let mut night = Night::new(settings("23:00", "07:00"), utc("2026-01-10T12:00:00Z"));
    let at = utc("2026-01-11T01:00:00Z");
    night.observe(&Berlin, set(&[]), at);
    // An alert whose instance changes at every poll keeps one wake going.
    let polls = 1000;
    for i in 0..polls {
        let alert = trouble(&format!("alert ProbeFailed on pod-{i}"), true);
        let now = at + Duration::from_secs(i * 20);
        assert!(night.observe(&Berlin, set(&[alert]), now), "poll {i}");
    }
    let wake = night.wake.as_ref().expect("still woken");
    assert_eq!(
        (wake.causes.len(), wake.more),
        (MAX_WAKE_CAUSES, 1000 - MAX_WAKE_CAUSES)
    );
    let last = at + Duration::from_secs((polls - 1) * 20);
    assert_eq!(
        night.state(&Berlin, last).reason,
        "woken by: alert ProbeFailed on pod-0 · alert ProbeFailed on pod-1 +998 more"
    );
}

#[test]
fn quiet_hours_keep_the_wakes_they_are_told_to() {
    let at = utc("2026-01-11T01:00:00Z");
    let minor = trouble("Prometheus lost", false);
    let print = Cause {
        kind: CauseKind::Print,
        critical: false,
        text: "benchy.gcode finished".into(),
    };
    let node = trouble("tower1 offline", true);
    // (quiet_wakes, wake_on_print, cause, wakes in quiet hours)
    let cases = [
        (QuietWakes::Critical, true, node.clone(), true),
        (QuietWakes::Critical, true, minor.clone(), false),
        (QuietWakes::Critical, true, print.clone(), false),
        (QuietWakes::All, true, print.clone(), true),
        (QuietWakes::All, false, print, false),
        (QuietWakes::None, true, node, false),
        (QuietWakes::All, true, minor, true),
    ];
    for (quiet_wakes, wake_on_print, cause, wakes) in cases {
        let mut s = settings("23:00", "07:00");
        s.quiet_wakes = quiet_wakes;
        s.wake_on_print = wake_on_print;
        let mut night = Night::new(s, at);
        night.observe(&Berlin, set(&[]), at);
        let text = cause.text.clone();
        assert_eq!(
            night.observe(&Berlin, set(&[cause]), at),
            wakes,
            "{text} {quiet_wakes:?}"
        );
        let power = night.state(&Berlin, at).power;
        assert_eq!(power == Power::On, wakes, "{text}");
    }
}

#[test]
fn motion_wakes_like_a_touch_but_not_in_critical_only_quiet_hours() {
    let mut s = settings("23:00", "07:00");
    s.idle_after = Some(mins(10));
    let start = utc("2026-01-10T12:00:00Z");
    let mut night = Night::new(s.clone(), start);
    assert!(night.motion(&Berlin, start + mins(15)));
    assert_eq!(night.state(&Berlin, start + mins(15)).power, Power::On);
    assert!(!night.motion(&Berlin, utc("2026-01-11T01:00:00Z")));
    s.quiet_wakes = QuietWakes::All;
    let mut night = Night::new(s, start);
    assert!(night.motion(&Berlin, utc("2026-01-11T01:00:00Z")));
    let on = night.state(&Berlin, utc("2026-01-11T01:00:00Z"));
    assert_eq!(on.reason, "woken by: motion");
}

#[test]
fn the_default_never_sleeps() {
    let start = utc("2026-01-10T12:00:00Z");
    let night = Night::new(SleepSettings::default(), start);
    for h in [0, 3, 12, 23] {
        let at = start + Duration::from_secs(h * 3600);
        let s = night.state(&Berlin, at);
        assert_eq!((s.power, s.until), (Power::On, None));
    }
}

/// The demo's kind of quiet hours: a window repeating on its own cycle, in
/// any zone; before the epoch it repeats backwards.
#[test]
fn a_cycle_is_quiet_in_its_window_of_every_period() {
    let epoch = utc("2026-11-21T09:00:00Z");
    let s = |secs| Duration::from_secs(secs);
    let cycle = Cycle {
        epoch,
        period: s(360),
        from: s(180),
        until: s(360),
    };
    let at = |secs: i64| epoch + chrono::Duration::seconds(secs);
    // (seconds from the epoch, the window it is in as seconds, the next start)
    let cases = [
        (0, None, 180),
        (179, None, 180),
        (180, Some((180, 360)), 540),
        (359, Some((180, 360)), 540),
        (360, None, 540),
        (-10, Some((-180, 0)), 180),
    ];
    for (t, window, next) in cases {
        let want = window.map(|(a, b)| Window {
            start: at(a),
            end: at(b),
        });
        assert_eq!(cycle.current(at(t)), want, "second {t}");
        assert_eq!(cycle.next_start(at(t)), Some(at(next)), "second {t}");
    }
    let never = Cycle {
        from: s(360),
        ..cycle
    };
    assert_eq!(
        (never.current(at(0)), never.next_start(at(0))),
        (None, None)
    );
    let night = Night::new(
        SleepSettings {
            cycle: Some(cycle),
            ..SleepSettings::default()
        },
        epoch,
    );
    let asleep = night.state(&Berlin, at(200));
    assert_eq!(
        (asleep.power, asleep.reason.as_str(), asleep.until),
        (Power::Off, "quiet hours until 10:06", Some(at(360)))
    );
    assert_eq!(night.state(&Berlin, at(10)).until, Some(at(180)));
}

#[test]
fn a_clock_set_back_by_months_ends_the_wake_and_keeps_the_idle_timer_going() {
    let months = chrono::Duration::days(90);
    let idle = SleepSettings {
        idle_after: Some(mins(10)),
        ..settings("23:00", "07:00")
    };
    // A new trouble at 01:00 Berlin wakes the screen for 5 minutes.
    let at = utc("2026-01-11T00:00:00Z");
    let mut night = Night::new(idle, at);
    night.observe(&Berlin, set(&[]), at);
    assert!(night.observe(&Berlin, set(&[trouble("NAS down", true)]), at));
    assert_eq!(night.state(&Berlin, at).power, Power::On);
    // NTP sets the clock back 90 days, to 01:01 Berlin, in quiet hours:
    // the wake began in what is now the future, so it is over.
    let back = at - months + Duration::from_secs(60);
    let state = night.state(&Berlin, back);
    assert_eq!(
        (state.power, state.reason.as_str()),
        (Power::Off, "quiet hours until 07:00")
    );
    // By day, the idle timer runs from the new time: asleep 10 minutes
    // after the first poll that follows the step, not 90 days later.
    let day = utc("2025-10-13T10:00:00Z");
    night.observe(&Berlin, set(&[trouble("NAS down", true)]), day);
    assert_eq!(night.state(&Berlin, day + mins(9)).power, Power::On);
    let idle = night.state(&Berlin, day + mins(10));
    assert_eq!(
        (idle.power, idle.reason.as_str()),
        (Power::Off, "idle 10 min")
    );
    // Even before a poll, the timer never counts from the future.
    let mut fresh = Night::new(night.settings().clone(), at);
    assert_eq!(fresh.state(&Berlin, day).until, Some(day + mins(10)));
    assert_eq!(fresh.touch(&Berlin, day + mins(1)), Touch::Passed);
    assert_eq!(fresh.state(&Berlin, day + mins(10)).power, Power::On);
    assert_eq!(fresh.state(&Berlin, day + mins(11)).power, Power::Off);
}
