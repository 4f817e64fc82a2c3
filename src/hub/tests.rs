//! The hub with a fake clock: inputs change the page in the view model, the
//! idle timer brings the overview back, and a frozen frame navigates too.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::Hub;
use crate::core::{
    Alert, Clock, Dashboard, DisplayState, Failure, FailureKind, FakeClock, Input, Nav,
    NavSettings, Page, Power, PrometheusData, Rules, Severity, SleepSettings, SourceData,
    SourceKind, SourceSettings, SourceUpdate,
};
use crate::view::{DisplayVm, ViewModel};

fn proxmox_at(node: &str) -> Input {
    Input::Open {
        page: Page::Proxmox,
        focus: Some(node.to_owned()),
    }
}

/// A hub over a Prometheus that has not answered yet.
fn live(clock: &FakeClock) -> Hub {
    let nav = Nav::new(NavSettings::default(), clock.now());
    let prometheus = SourceSettings {
        kind: SourceKind::Prometheus,
        name: "Prometheus".to_owned(),
        url: "http://prometheus.lan:9090".to_owned(),
        interval: Duration::from_secs(20),
        lost_after: 1,
    };
    Hub::live(
        Dashboard::new([prometheus]),
        Rules::default(),
        nav,
        Arc::new(clock.clone()),
    )
}

#[test]
fn an_input_changes_the_page_and_the_idle_timer_brings_the_overview_back() {
    let clock = FakeClock::default();
    let mut hub = live(&clock);
    assert_eq!(hub.view().page.name, Page::Overview);
    assert!(hub.input(proxmox_at("tower1")));
    let page = hub.view().page;
    assert_eq!(
        (page.name, page.focus.as_deref()),
        (Page::Proxmox, Some("tower1"))
    );
    clock.advance(Duration::from_secs(59));
    assert!(!hub.tick());
    assert_eq!(hub.view().page.name, Page::Proxmox);
    clock.advance(Duration::from_secs(1));
    assert!(hub.tick());
    assert_eq!(hub.view().page.name, Page::Overview);
}

#[test]
fn a_frozen_frame_keeps_its_data_and_changes_only_its_page() {
    let clock = FakeClock::default();
    let frame = live(&clock).view();
    let nav = Nav::new(NavSettings::default(), clock.now());
    let mut hub = Hub::frozen(frame.clone(), nav, Arc::new(clock.clone()));
    assert!(!hub.ages());
    assert!(hub.input(Input::Open {
        page: Page::Alerts,
        focus: None
    }));
    let shown = hub.view();
    assert_eq!(shown.page.name, Page::Alerts);
    hub.apply(SourceUpdate {
        kind: SourceKind::Prometheus,
        at: clock.now(),
        outcome: Err(Failure::new(FailureKind::Unreachable, "refused")),
        next_poll: None,
    });
    clock.advance(Duration::from_secs(600));
    let later = hub.view();
    assert_eq!(later, shown, "no update and no clock reach a frozen frame");
    assert_eq!(
        ViewModel {
            page: frame.page.clone(),
            ..later
        },
        frame
    );
}

/// The running hub: an input sent on the channel reaches the published view
/// model, and a second later (tokio's clock) the idle timer has run.
#[tokio::test(start_paused = true)]
async fn the_running_hub_publishes_the_page_of_each_input() {
    let clock = FakeClock::default();
    let hub = live(&clock);
    let (views_tx, mut views) = watch::channel(Arc::new(hub.view()));
    let (_updates_tx, updates) = mpsc::channel(1);
    let (inputs_tx, inputs) = mpsc::channel(8);
    let task = tokio::spawn(hub.run(updates, inputs, views_tx));
    inputs_tx
        .send(proxmox_at("tower2"))
        .await
        .expect("the hub runs");
    views.changed().await.expect("a view model");
    let page = |v: &watch::Receiver<Arc<ViewModel>>| v.borrow().page.clone();
    assert_eq!(page(&views).focus.as_deref(), Some("tower2"));
    clock.advance(Duration::from_secs(60));
    tokio::time::advance(Duration::from_secs(1)).await;
    views.changed().await.expect("a view model");
    assert_eq!(page(&views).name, Page::Overview);
    drop(views);
    tokio::time::advance(Duration::from_secs(1)).await;
    task.await.expect("the hub stops when nobody watches");
}

/// A good Prometheus poll with these firing alerts.
fn prometheus_poll(clock: &FakeClock, alerts: &[&str]) -> SourceUpdate {
    let alerts = alerts
        .iter()
        .map(|name| Alert {
            name: (*name).to_owned(),
            severity: Severity::Critical,
            instance: None,
            since: None,
            summary: None,
            suppressed: None,
        })
        .collect();
    SourceUpdate {
        kind: SourceKind::Prometheus,
        at: clock.now(),
        outcome: Ok(SourceData::Prometheus(PrometheusData {
            alerts,
            ..PrometheusData::default()
        })),
        next_poll: None,
    }
}

/// Night: an idle screen sleeps; the touch that wakes it opens nothing; a
/// new alert wakes it and says so.
#[test]
fn the_waking_touch_is_swallowed_and_a_new_alert_wakes_the_screen() {
    let clock = FakeClock::default();
    let sleep = SleepSettings {
        idle_after: Some(Duration::from_secs(60)),
        ..SleepSettings::default()
    };
    let mut hub = live(&clock).with_sleep(sleep);
    hub.apply(prometheus_poll(&clock, &[]));
    assert_eq!(hub.view().display.state, "on");
    clock.advance(Duration::from_secs(60));
    let asleep = hub.view().display;
    assert_eq!(
        (asleep.state, asleep.reason.as_str()),
        ("off", "idle 1 min")
    );
    assert!(hub.input(proxmox_at("tower1")), "the wake is a change");
    let woke = hub.view();
    assert_eq!((woke.display.state, woke.page.name), ("on", Page::Overview));
    assert!(hub.input(proxmox_at("tower1")));
    assert_eq!(hub.view().page.name, Page::Proxmox);
    clock.advance(Duration::from_secs(120));
    hub.apply(prometheus_poll(&clock, &[]));
    assert_eq!(hub.view().display.state, "off");
    hub.apply(prometheus_poll(&clock, &["DiskFull"]));
    let display = hub.view().display;
    assert_eq!(
        (display.state, display.reason.as_str()),
        ("on", "woken by: alert DiskFull")
    );
}

/// A frozen frame keeps its display (a demo second in quiet hours is
/// dark); a touch on a dark one only lights it, the next one navigates.
#[test]
fn a_frozen_dark_frame_stays_dark_until_a_touch_that_only_lights_it() {
    let clock = FakeClock::default();
    let quiet = DisplayState {
        power: Power::Off,
        reason: "quiet hours until 09:06".to_owned(),
        until: None,
    };
    let utc = chrono::FixedOffset::east_opt(0).expect("UTC");
    let dark = live(&clock).view().with_display(DisplayVm::of(&quiet, utc));
    let nav = Nav::new(NavSettings::default(), clock.now());
    let mut hub = Hub::frozen(dark, nav, Arc::new(clock.clone()));
    clock.advance(Duration::from_secs(3600));
    assert_eq!(hub.view().display.state, "off");
    assert!(hub.input(proxmox_at("tower1")), "the wake is a change");
    let woke = hub.view();
    assert_eq!((woke.display.state, woke.page.name), ("on", Page::Overview));
    assert!(hub.input(proxmox_at("tower1")));
    assert_eq!(hub.view().page.name, Page::Proxmox);
}

/// Motion (a PIR sensor) takes the touch's path: it wakes an idle screen,
/// opens nothing and restarts nothing in navigation; the hardware that
/// could not be opened is in the display's state.
#[test]
fn motion_wakes_the_screen_and_opens_nothing() {
    let clock = FakeClock::default();
    let sleep = SleepSettings {
        idle_after: Some(Duration::from_secs(60)),
        ..SleepSettings::default()
    };
    let problem = "[display.motion]: no GPIO chip /dev/gpiochip9".to_owned();
    let mut hub = live(&clock)
        .with_sleep(sleep)
        .with_hardware(vec![problem.clone()]);
    assert!(hub.input(proxmox_at("tower1")));
    clock.advance(Duration::from_secs(60));
    assert_eq!(hub.view().display.state, "off");
    assert!(hub.input(Input::Motion), "the wake is a change");
    let woke = hub.view();
    assert_eq!((woke.display.state, woke.page.name), ("on", Page::Proxmox));
    assert!(
        !hub.input(Input::Motion),
        "motion on a lit screen changes nothing"
    );
    assert_eq!(woke.display.hardware, vec![problem]);
}

/// A reload reaches the running hub before the update sent after it: the
/// new source's first poll is not dropped; a refusal is a banner only.
#[tokio::test(start_paused = true)]
async fn a_reload_is_applied_before_the_updates_sent_after_it() {
    use super::{Control, Reconfig};
    let clock = FakeClock::default();
    let hub = live(&clock);
    let (views_tx, views) = watch::channel(Arc::new(hub.view()));
    let (updates_tx, updates) = mpsc::channel(4);
    let (_inputs_tx, inputs) = mpsc::channel(1);
    let (control_tx, control) = mpsc::channel(4);
    tokio::spawn(hub.run_controlled((updates, inputs, control), views_tx));
    let alertmanager = SourceSettings {
        kind: SourceKind::Alertmanager,
        name: "Alertmanager".to_owned(),
        url: "http://am.lan:9093".to_owned(),
        interval: Duration::from_secs(20),
        lost_after: 1,
    };
    let config = Box::new(Reconfig {
        sources: vec![alertmanager],
        rules: Rules::default(),
        nav: NavSettings::default(),
        sleep: SleepSettings::default(),
    });
    let needs_restart = vec!["server.listen".to_owned()];
    let apply = Control::Apply {
        config,
        needs_restart,
    };
    control_tx.send(apply).await.expect("the hub runs");
    let poll = SourceUpdate {
        kind: SourceKind::Alertmanager,
        at: clock.now(),
        outcome: Ok(SourceData::Alertmanager(Default::default())),
        next_poll: None,
    };
    updates_tx.send(poll).await.expect("the hub runs");
    tokio::time::sleep(Duration::from_millis(10)).await;
    let vm = views.borrow().clone();
    let names: Vec<_> = vm.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Alertmanager"], "Prometheus is gone");
    assert!(vm.sources[0].last_success.is_some(), "{:?}", vm.sources);
    assert_eq!(vm.config.needs_restart, ["server.listen"]);

    let refusal = crate::view::Refusal {
        key: "services[3].target".to_owned(),
        line: Some(14),
        message: "missing field `target`".to_owned(),
    };
    control_tx
        .send(Control::Refuse(refusal))
        .await
        .expect("the hub runs");
    tokio::time::sleep(Duration::from_millis(10)).await;
    let vm = views.borrow().clone();
    assert!(
        vm.config
            .banner
            .starts_with("config not reloaded: services[3].target")
    );
    assert_eq!(vm.config.needs_restart, ["server.listen"], "still");
    assert_eq!(vm.sources.len(), 1, "nothing else changed");
}
