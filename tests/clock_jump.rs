//! The wall clock stepping by months, as NTP steps it on a Pi without a
//! real-time clock (issue 19): the live hub fed the demo homelab's updates
//! on a fake clock, the clock set forwards and backwards by 90 days
//! between two polls, and the words the screen shows read back from the
//! view model (`/api/status` is the same structure).
//!
//! `core::Clock` has no monotonic part: piboard's polling is scheduled on
//! tokio's monotonic timers, and only the times stamped on the data move.
//! So here the polls go on every 2 s of the fake clock, as they do on the
//! monotonic clock through a step, and the step itself happens between two
//! polls.
//!
//! The sleep schedule is read in `chrono::Local`, as the hub reads it, so
//! the times below are local wall-clock times and the test holds in any
//! time zone the machine is in.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local, NaiveDate, NaiveTime, TimeZone, Utc};

use piboard::core::night::QuietHours;
use piboard::core::{
    Clock, Dashboard, FakeClock, Health, Input, Nav, NavSettings, Page, ServiceHealth,
    SleepSettings, SourceData,
};
use piboard::demo;
use piboard::hub::Hub;
use piboard::server::status::Status;
use piboard::view::ViewModel;

/// 90 days, the kind of step a Pi without a real-time clock takes at boot.
const STEP: chrono::Duration = chrono::Duration::days(90);

/// A local wall-clock time as an instant (the earliest, should the zone
/// repeat it).
fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    let naive = NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|day| day.and_hms_opt(h, min, 0))
        .expect("a valid date");
    Local
        .from_local_datetime(&naive)
        .earliest()
        .expect("a local time that exists")
        .with_timezone(&Utc)
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("a valid time")
}

/// Quiet hours 22:00 to 06:00, local.
fn night_settings(idle_after: Option<Duration>) -> SleepSettings {
    SleepSettings {
        quiet: Some(QuietHours {
            from: hm(22, 0),
            until: hm(6, 0),
        }),
        idle_after,
        ..SleepSettings::default()
    }
}

/// The live demo homelab on a fake clock: every source reports every 2 s.
struct Rig {
    clock: FakeClock,
    hub: Hub,
    /// The demo timeline's second (what the sources report).
    t: u32,
    /// When (on the fake clock) the last poll was.
    last_poll: DateTime<Utc>,
    /// An alert's `activeAt` as the server's own (correct) clock says it,
    /// if the test sets one: the Pi's clock does not move it.
    alert_since: Option<DateTime<Utc>>,
}

impl Rig {
    fn start(at: DateTime<Utc>, sleep: SleepSettings) -> Self {
        let clock = FakeClock::at(at);
        let nav = Nav::new(NavSettings::default(), clock.now());
        let hub = Hub::live(
            Dashboard::new(demo::settings()),
            demo::rules(),
            nav,
            Arc::new(clock.clone()),
        )
        .with_sleep(sleep);
        let mut rig = Self {
            clock,
            hub,
            t: 0,
            last_poll: at,
            alert_since: None,
        };
        rig.poll();
        rig
    }

    /// One poll of every source now, stamped with the clock's time. The
    /// timeline stops at second 40 (Overseerr down, tower1 up, the print
    /// running, Prometheus answering), so a long run keeps that state.
    fn poll(&mut self) {
        let now = self.clock.now();
        for mut u in demo::updates(self.t.min(40), now) {
            if let (Some(since), Ok(SourceData::Prometheus(p))) =
                (self.alert_since, u.outcome.as_mut())
            {
                for a in &mut p.alerts {
                    a.since = Some(since);
                }
            }
            self.hub.apply(u);
        }
        self.last_poll = now;
    }

    /// `n` more polls, 2 s apart, the hub following the clock every second.
    fn play(&mut self, n: u32) {
        for _ in 0..n {
            for _ in 0..demo::STEP_S {
                self.clock.advance(Duration::from_secs(1));
                self.hub.tick();
            }
            self.t += demo::STEP_S;
            self.poll();
        }
    }

    /// The wall clock steps by `by` (no poll in between).
    fn step(&mut self, by: chrono::Duration) {
        self.clock.set(self.clock.now() + by);
        self.hub.tick();
    }

    fn view(&self) -> ViewModel {
        self.hub.view()
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// Seconds in one of the screen's coarse ages ("<1 min", "4 min", "3 h",
/// "2 d"): the lower bound of what it says. Panics on anything else, so
/// a negative or garbled age fails.
fn age_s(text: &str) -> u64 {
    if text == "<1 min" {
        return 0;
    }
    let (n, unit) = text
        .split_once(' ')
        .unwrap_or_else(|| panic!("not an age: {text:?}"));
    let n: u64 = n
        .parse()
        .unwrap_or_else(|_| panic!("not a number of {unit}: {text:?}"));
    n * match unit {
        "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => panic!("not an age unit: {text:?}"),
    }
}

/// The age at the end of a "since 08:41 · 17 min" text.
fn since_age_s(since: &str) -> u64 {
    let (_, age) = since
        .rsplit_once(" · ")
        .unwrap_or_else(|| panic!("no age in {since:?}"));
    age_s(age)
}

/// The header's "data 3 min old", in seconds.
fn data_age_s(vm: &ViewModel) -> u64 {
    let age = vm
        .header
        .data_age
        .strip_prefix("data ")
        .and_then(|a| a.strip_suffix(" old"))
        .unwrap_or_else(|| panic!("header: {:?}", vm.header.data_age));
    age_s(age)
}

fn service<'a>(vm: &'a ViewModel, name: &str) -> &'a piboard::view::ServiceVm {
    vm.services
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no service {name}"))
}

/// Every source ok, every age under a minute, no badge and no overlay.
fn assert_all_fresh(vm: &ViewModel, when: &str) {
    for s in &vm.sources {
        assert_eq!(s.state, Health::Ok, "{when}: {} is {:?}", s.name, s.state);
        assert!(
            s.data_age_s.is_some_and(|a| a < 60),
            "{when}: {} data age {:?}",
            s.name,
            s.data_age_s
        );
    }
    assert_eq!(vm.header.data_age, "data <1 min old", "{when}");
    assert!(!vm.overlay.visible, "{when}: overlay {:?}", vm.overlay);
    let b = &vm.badges;
    for badge in [&b.prometheus, &b.proxmox, &b.moonraker] {
        assert!(!badge.visible, "{when}: badge {badge:?}");
    }
}

/// How many slots of each service's sparkline (services page) hold a
/// value, and that every sparkline keeps its fixed length.
fn service_points(vm: &ViewModel) -> Vec<usize> {
    vm.pages
        .services
        .sparklines
        .iter()
        .map(|s| {
            assert_eq!(s.values.len(), 120, "a service sparkline's slots");
            s.values.iter().flatten().count()
        })
        .collect()
}

/// How many slots of each node's CPU sparkline hold a value.
fn node_points(vm: &ViewModel) -> Vec<usize> {
    vm.pages
        .proxmox
        .nodes
        .iter()
        .map(|n| {
            assert_eq!(n.cpu.values.len(), 60, "a node sparkline's slots");
            n.cpu.values.iter().flatten().count()
        })
        .collect()
}

/// The printer's ETA is now plus the time left, and its words say that
/// local time.
fn assert_eta_follows_the_clock(vm: &ViewModel, now: DateTime<Utc>, when: &str) {
    let p = &vm.printer;
    let left = p
        .time_left_s
        .unwrap_or_else(|| panic!("{when}: no time left"));
    let eta = p.eta.unwrap_or_else(|| panic!("{when}: no ETA"));
    let ahead = (eta - now).num_seconds();
    assert!(
        (ahead - left.round() as i64).abs() <= 1 && (0..86_400).contains(&ahead),
        "{when}: ETA {eta} is {ahead} s from now {now}, time left {left} s"
    );
    let shown = eta.with_timezone(&Local).format("%H:%M").to_string();
    assert!(
        p.eta_text.contains(&shown),
        "{when}: ETA text {:?} does not say {shown}",
        p.eta_text
    );
}

#[test]
fn a_step_forward_by_months_ages_the_data_until_the_next_poll_and_nothing_longer() {
    // Midday, then Overseerr goes down (timeline 20..50), the print runs.
    let start = local(2026, 11, 21, 12, 0);
    let mut rig = Rig::start(start, night_settings(None));
    rig.play(15);
    let before = rig.view();
    assert_all_fresh(&before, "before the step");
    assert_eq!(before.display.state, "on", "{:?}", before.display);
    assert_eq!(service(&before, "Overseerr").state, ServiceHealth::Down);
    assert!(
        service_points(&before).iter().all(|&n| n >= 119),
        "the seeded hour: {:?}",
        service_points(&before)
    );
    assert_eta_follows_the_clock(&before, rig.now(), "before the step");

    // NTP: +90 days, to 23:30 local, inside quiet hours.
    let target = local(2027, 2, 19, 23, 30);
    rig.step(target - rig.now());
    let stepped = rig.view();
    // Until the next poll the wall clock says the data is 90 days old:
    // never more than the step, never negative.
    let gap = (rig.now() - rig.last_poll).num_seconds() as u64;
    assert!(gap >= 89 * 86_400, "{gap}");
    assert_eq!(data_age_s(&stepped), gap / 86_400 * 86_400);
    for s in &stepped.sources {
        assert_eq!(s.data_age_s, Some(gap), "{}", s.name);
    }
    assert_eq!(stepped.display.state, "off", "{:?}", stepped.display);
    assert_eq!(stepped.display.reason, "quiet hours until 06:00");

    // The next poll (2 s later on the monotonic timers): all is fresh.
    rig.play(1);
    let after = rig.view();
    assert_all_fresh(&after, "one poll after the step");
    assert_eq!(
        after.header.clock,
        rig.now().with_timezone(&Local).format("%H:%M").to_string()
    );
    // The charts start over at the new time: the hour before the step is
    // not an hour of this window, and only the new sample is drawn.
    assert!(
        service_points(&after).iter().all(|&n| n <= 1),
        "services: {:?}",
        service_points(&after)
    );
    assert!(
        node_points(&after).iter().all(|&n| n <= 1),
        "{:?}",
        node_points(&after)
    );
    let chart = &after.printer.chart;
    assert_eq!(chart.extruder.len(), 120);
    assert_eq!(chart.extruder.iter().flatten().count(), 1, "{chart:?}");
    assert_eta_follows_the_clock(&after, rig.now(), "one poll after the step");
    // A state that began before the step keeps its time: the core cannot
    // tell a step from a long silence, so it reads older by the step, as
    // the wall clock says (ARCHITECTURE.md, "Faults of the process
    // itself"), and never more than that.
    let overseerr = service(&after, "Overseerr");
    let age = since_age_s(&overseerr.since);
    assert!(
        overseerr.since.starts_with("since ") && age == gap / 86_400 * 86_400,
        "{:?} against a step of {gap} s",
        overseerr.since
    );
    // The alerts' since (the demo stamps them from the data's time).
    for a in &after.alerts.items {
        assert!(since_age_s(&a.since) < 3600, "{a:?}");
    }
    // Quiet hours follow the new local time: asleep until 06:00.
    assert_eq!(after.display.state, "off");

    // A minute on: the charts grow from the new time, the ages tick on.
    rig.play(30);
    let later = rig.view();
    assert_all_fresh(&later, "a minute after the step");
    let points = service_points(&later);
    let down = |k: usize| later.services[k].state == ServiceHealth::Down;
    assert!(
        points.iter().enumerate().all(|(k, &n)| if down(k) {
            n == 0
        } else {
            (1..=3).contains(&n)
        }),
        "{points:?}"
    );
    let drawn = later.printer.chart.extruder.iter().flatten().count();
    assert!((12..=13).contains(&drawn), "62 s of 5 s steps: {drawn}");
}

#[test]
fn a_step_back_by_months_keeps_no_future_and_freezes_nothing() {
    // Late evening in quiet hours; Overseerr goes down at timeline second
    // 20, a critical cause: it wakes the screen for 5 minutes.
    let start = local(2026, 11, 21, 23, 0);
    let mut rig = Rig::start(start, night_settings(None));
    rig.play(8);
    assert_eq!(rig.view().display.state, "off");
    // Overseerr down (20), its alert (24): both wake the screen.
    rig.play(7);
    let woken = rig.view();
    assert_eq!(woken.display.state, "on");
    assert!(
        woken.display.reason.starts_with("woken by: Overseerr down"),
        "{:?}",
        woken.display
    );
    // Someone opens a page just before the step.
    rig.hub.input(Input::Open {
        page: Page::Proxmox,
        focus: None,
    });
    assert_eq!(rig.view().page.name, Page::Proxmox);
    let before = rig.view();
    let overseerr_before = service(&before, "Overseerr").since.clone();
    assert!(
        overseerr_before.starts_with("since "),
        "{overseerr_before:?}"
    );

    // NTP: -90 days, to 23:10 local, still inside quiet hours.
    let target = local(2026, 8, 23, 23, 10);
    rig.step(target - rig.now());
    let stepped = rig.view();
    // Data stamped in the future is no older than now: "<1 min", never
    // negative.
    assert_eq!(stepped.header.data_age, "data <1 min old");
    for s in &stepped.sources {
        assert_eq!(s.data_age_s, Some(0), "{}", s.name);
    }
    // The wake that ran at the step ends with it: a wake that, by the
    // clock, has not started yet does not keep the screen on for 90 days.
    assert_eq!(
        (stepped.display.state, stepped.display.reason.as_str()),
        ("off", "quiet hours until 06:00"),
        "{:?}",
        stepped.display
    );

    rig.play(1);
    let after = rig.view();
    assert_all_fresh(&after, "one poll after the step back");
    // No sample from the future stays in a chart: each starts over.
    assert!(
        service_points(&after).iter().all(|&n| n <= 1),
        "{:?}",
        service_points(&after)
    );
    assert!(
        node_points(&after).iter().all(|&n| n <= 1),
        "{:?}",
        node_points(&after)
    );
    assert_eq!(after.printer.chart.extruder.iter().flatten().count(), 1);
    assert_eta_follows_the_clock(&after, rig.now(), "one poll after the step back");
    // Since when: re-stamped at the first poll after the step, "seen since".
    let since = &service(&after, "Overseerr").since;
    assert!(
        since.starts_with("seen since ") && since_age_s(since) < 60,
        "{since:?}"
    );

    // Two minutes on: the age moves (it is not frozen at "<1 min" until
    // the clock catches up with the future), the page went home after its
    // 60 s, the screen sleeps in quiet hours.
    rig.play(60);
    let later = rig.view();
    assert_all_fresh(&later, "two minutes after the step back");
    let since = &service(&later, "Overseerr").since;
    assert_eq!(since_age_s(since), 120, "{since:?}");
    assert_eq!(later.page.name, Page::Overview, "the page never went home");
    assert_eq!(later.display.state, "off", "{:?}", later.display);
    // Up services: a sample every 30 s since the step. Overseerr is down
    // (no samples), and the hour it had before is in the future now: not
    // drawn.
    let points = service_points(&later);
    let down = |k: usize| later.services[k].state == ServiceHealth::Down;
    assert!(
        points.iter().enumerate().all(|(k, &n)| if down(k) {
            n == 0
        } else {
            (4..=5).contains(&n)
        }),
        "{points:?}"
    );
}

#[test]
fn the_idle_timer_follows_a_step_back() {
    // Daytime, asleep after 10 minutes without a touch.
    let start = local(2026, 11, 21, 12, 0);
    let mut rig = Rig::start(start, night_settings(Some(Duration::from_secs(600))));
    rig.play(2);
    rig.hub.input(Input::Touch);
    assert_eq!(rig.view().display.state, "on");
    rig.step(-STEP);
    assert_eq!(
        rig.view().display.state,
        "on",
        "a step back is no idle time"
    );
    // 11 minutes without a touch on the new clock: asleep, as always.
    rig.play(330);
    let vm = rig.view();
    assert_eq!(
        (vm.display.state, vm.display.reason.as_str()),
        ("off", "idle 10 min"),
        "{:?}",
        vm.display
    );
    // A touch wakes it and restarts the timer at the new time.
    rig.hub.input(Input::Touch);
    assert_eq!(rig.view().display.state, "on");
}

#[test]
fn an_alert_stamped_by_the_server_reads_sanely_before_and_after_ntp() {
    // The Pi boots with its clock 90 days behind; Prometheus's clock is
    // right and its alert has fired for 10 minutes.
    let real = local(2026, 11, 21, 12, 0);
    let mut rig = Rig::start(real - STEP, night_settings(None));
    rig.alert_since = Some(real - chrono::Duration::minutes(10));
    rig.play(15);
    let vm = rig.view();
    assert!(
        !vm.alerts.items.is_empty(),
        "the demo fires an alert by now"
    );
    for a in &vm.alerts.items {
        // An activeAt in the Pi's future: no negative age.
        assert_eq!(since_age_s(&a.since), 0, "{a:?}");
    }
    // NTP steps the Pi's clock to the real time.
    rig.step(STEP);
    rig.play(1);
    let vm = rig.view();
    assert_all_fresh(&vm, "after NTP");
    for a in &vm.alerts.items {
        let age = since_age_s(&a.since);
        assert!((600..=660).contains(&age), "{a:?}");
    }
}

#[test]
fn steps_back_and_forth_leave_the_status_bounded() {
    let start = local(2026, 11, 21, 12, 0);
    let mut rig = Rig::start(start, night_settings(None));
    rig.play(30);
    let size = |vm: &ViewModel| Status::to_json(vm).len();
    let start_vm = rig.view();
    // Overseerr is down throughout: no live sample replaces the hour it
    // was seeded with, which is shown (what of it is still in the last
    // hour) whenever the clock is back near it, and never a slot after now.
    let down = start_vm
        .services
        .iter()
        .position(|s| s.state == ServiceHealth::Down)
        .expect("Overseerr is down");
    let seeded = service_points(&start_vm)[down];
    let mut sizes = Vec::new();
    for i in 0..40 {
        rig.step(if i % 2 == 0 { STEP } else { -STEP });
        rig.play(3);
        let vm = rig.view();
        assert_all_fresh(&vm, &format!("step {i}"));
        let points = service_points(&vm);
        let sane = points
            .iter()
            .enumerate()
            .all(|(k, &n)| n <= 3 || (k == down && n <= seeded));
        assert!(sane, "step {i}: {points:?}");
        sizes.push(size(&vm));
    }
    // Forty steps leave nothing behind: the document after the last ten
    // is no larger than after the first ten.
    let early = sizes[..10].iter().max().copied().unwrap_or_default();
    let late = sizes[30..].iter().max().copied().unwrap_or_default();
    assert!(late <= early, "{late} bytes against {early}: {sizes:?}");
}
