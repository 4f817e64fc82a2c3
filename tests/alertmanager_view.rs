//! Golden screenshots of the alerts when Alertmanager supplies them: the
//! demo homelab at second 40 (a service down) with an `[alertmanager]`
//! beside its three sources, holding one firing, one silenced and one
//! inhibited alert; then Alertmanager unreachable for three minutes (its
//! badge on the alerts card, never the overlay). Compared exactly
//! (tests/common/golden.rs); `PIBOARD_BLESS=1` rewrites them.

mod common;

use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use common::golden::{self, Tolerance};
use piboard::core::{
    Alert, AlertmanagerData, Dashboard, Failure, FailureKind, Input, Nav, NavSettings, Page,
    Severity, SourceData, SourceKind, SourceSettings, SourceUpdate, Suppression, SuppressionKind,
};
use piboard::demo;
use piboard::platform::Offscreen;
use piboard::view::{self, ViewModel};

/// The demo's second the cases start from: ProbeFailed on Overseerr.
const AT: u32 = 40;

fn alert(name: &str, severity: Severity, instance: &str, since: DateTime<Utc>) -> Alert {
    Alert {
        name: name.to_owned(),
        severity,
        instance: Some(instance.to_owned()),
        since: Some(since),
        summary: Some(format!("{instance} needs a look")),
        suppressed: None,
    }
}

/// One firing, one silenced by alice for two hours, one inhibited.
fn held_back(now: DateTime<Utc>) -> AlertmanagerData {
    let ago = |m| now - TimeDelta::minutes(m);
    let mut silenced = alert("DiskFilling", Severity::Warning, "nas", ago(90));
    silenced.suppressed = Some(Suppression {
        kind: SuppressionKind::Silenced,
        by: "alice".into(),
        until: Some(now + TimeDelta::hours(2)),
        comment: "new disks on order".into(),
    });
    let mut inhibited = alert("GuestDown", Severity::Critical, "jellyfin", ago(3));
    inhibited.suppressed = Some(Suppression {
        kind: SuppressionKind::Inhibited,
        by: "ProxmoxNodeDown".into(),
        until: None,
        comment: String::new(),
    });
    let firing = alert(
        "ProbeFailed",
        Severity::Critical,
        "requests.woodhead.tech",
        ago(4),
    );
    AlertmanagerData {
        alerts: vec![firing, silenced, inhibited],
    }
}

/// The demo's dashboard at [`AT`] with Alertmanager configured, and the
/// time of that frame.
fn dashboard() -> (Dashboard, DateTime<Utc>) {
    let mut settings = demo::settings();
    settings.push(SourceSettings {
        kind: SourceKind::Alertmanager,
        name: "Alertmanager".into(),
        url: "http://192.168.86.25:9093".into(),
        interval: Duration::from_secs(u64::from(demo::STEP_S)),
        lost_after: 2,
    });
    let mut d = Dashboard::new(settings);
    let start = demo::epoch();
    for t in (0..=AT).step_by(demo::STEP_S as usize) {
        let when = start + TimeDelta::seconds(i64::from(t));
        for u in demo::updates(t, when) {
            d.apply(u);
        }
        d.apply(alertmanager(
            when,
            Ok(SourceData::Alertmanager(held_back(when))),
        ));
    }
    (d, start + TimeDelta::seconds(i64::from(AT)))
}

fn alertmanager(at: DateTime<Utc>, outcome: Result<SourceData, Failure>) -> SourceUpdate {
    SourceUpdate {
        kind: SourceKind::Alertmanager,
        at,
        outcome,
        next_poll: Some(at + TimeDelta::seconds(i64::from(demo::STEP_S))),
    }
}

/// The frame at `now` on `page`, in UTC.
fn frame(d: &Dashboard, now: DateTime<Utc>, page: Page) -> ViewModel {
    let utc = FixedOffset::east_opt(0).expect("UTC is an offset");
    let mut nav = Nav::new(NavSettings::default(), now);
    if page != Page::Overview {
        nav.input(Input::Open { page, focus: None }, now);
    }
    view::build(d, &demo::rules(), now, utc).on_page(&nav)
}

#[test]
fn alertmanager_goldens() {
    let (mut d, now) = dashboard();
    let mut cases = vec![
        ("am-held-back", frame(&d, now, Page::Overview), (800, 480)),
        (
            "am-held-back-480x320",
            frame(&d, now, Page::Overview),
            (480, 320),
        ),
        (
            "am-held-back-1024x600",
            frame(&d, now, Page::Overview),
            (1024, 600),
        ),
        (
            "page-alerts-held-back",
            frame(&d, now, Page::Alerts),
            (800, 480),
        ),
    ];
    // Three minutes later, Alertmanager refused twice: its badge, no overlay.
    let later = now + TimeDelta::minutes(3);
    for _ in 0..2 {
        let refused = Failure::new(FailureKind::Unreachable, "connection refused");
        d.apply(alertmanager(later, Err(refused)));
    }
    let offline = frame(&d, later, Page::Overview);
    assert!(!offline.overlay.visible, "never the Prometheus overlay");
    assert_eq!(offline.badges.alertmanager.text, "OFFLINE · 3 min old");
    cases.push(("am-offline", offline, (800, 480)));
    cases.push((
        "page-alerts-am-offline",
        frame(&d, later, Page::Alerts),
        (800, 480),
    ));

    let mut failures = Vec::new();
    for (name, vm, (w, h)) in cases {
        let mut headless = Offscreen::new(w, h).expect("headless renderer");
        if let Err(e) = golden::check(name, &headless.frame(&vm), Tolerance::Exact) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatches:\n{}",
        failures.join("\n")
    );
}
