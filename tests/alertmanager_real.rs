//! The Alertmanager source against the real server: Debian's
//! `prometheus-alertmanager` on a free loopback port (no gossip, a temporary
//! storage directory).
//!
//! Asserts, through the library's config, source, core and view model,
//! that an alert posted to Alertmanager's API shows firing (counted, the
//! status degraded), then, once a silence is posted through the API, shows
//! silenced with the silence's `createdBy` and `endsAt` (not counted, the
//! status healthy again); and that Alertmanager stopped is the alerts
//! card's badge and a degraded status, never the Prometheus overlay.
//!
//! Without the binary the test says "skipped" and passes, unless
//! `PIBOARD_REQUIRE_REAL_SERVERS=1` (CI), where it fails. The server is
//! killed when the test ends, pass or fail.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{FixedOffset, SubsecRound, TimeDelta, Utc};
use serde_json::json;
use tokio::sync::mpsc;

use piboard::app::sources::alertmanager_settings;
use piboard::config::{self, Loaded};
use piboard::core::{Clock, Dashboard, Level, SourceUpdate, SuppressionKind, SystemClock};
use piboard::sources::alertmanager::AlertmanagerSource;
use piboard::sources::{self};
use piboard::telemetry::Telemetry;
use piboard::view::{self, ViewModel};

mod common;

use common::alertmanager::{ALERTMANAGER, Running};

/// Feeds the dashboard from the runner until `ok` holds for the view model.
struct Watch {
    dash: Dashboard,
    loaded: Loaded,
    updates: mpsc::Receiver<SourceUpdate>,
}

impl Watch {
    async fn until(&mut self, what: &str, log: &str, ok: impl Fn(&ViewModel) -> bool) -> ViewModel {
        let deadline = Instant::now() + Duration::from_secs(30);
        let rules = self.loaded.rules();
        let utc = FixedOffset::east_opt(0).expect("UTC is a valid offset");
        loop {
            let vm = view::build(&self.dash, &rules, SystemClock.now(), utc);
            if ok(&vm) {
                return vm;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.updates.recv()).await {
                Ok(Some(u)) => self.dash.apply(u),
                Ok(None) => panic!("the poller stopped while waiting for {what}"),
                Err(_) => panic!(
                    "timed out waiting for {what}; last alerts {:?}, badge {:?}, sources {:?}\n{log}",
                    vm.alerts, vm.badges.alertmanager, vm.sources
                ),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_shows_firing_then_silenced_and_a_stopped_alertmanager_is_its_badge() {
    if !Path::new(ALERTMANAGER).exists() {
        assert!(
            !common::require_real_servers(),
            "PIBOARD_REQUIRE_REAL_SERVERS=1 but {ALERTMANAGER} is missing: apt-get install prometheus-alertmanager"
        );
        eprintln!("skipped: apt-get install prometheus-alertmanager");
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = Running::start(dir.path());
    let base = server.base.clone();
    server.wait_ready().await;

    // A printer that is never there keeps the config valid (one of the
    // three sources is required) and changes nothing on the alerts.
    let loaded = config::parse(
        &format!(
            "[moonraker]\nurl = \"http://127.0.0.1:1\"\n[alertmanager]\nurl = \"{base}\"\ntimeout_secs = 2\nlost_after = 2\n"
        ),
        &dir.path().join("piboard.toml"),
    )
    .expect("a valid config");
    let mut settings = alertmanager_settings(&loaded).expect("an [alertmanager] section");
    settings.interval = Duration::from_millis(500);
    let (tx, rx) = mpsc::channel(16);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let source = AlertmanagerSource::new(settings);
    let poller = tokio::spawn(sources::run(source, clock, tx, Arc::new(Telemetry::new())));
    let mut watch = Watch {
        dash: Dashboard::new(loaded.source_settings()),
        loaded,
        updates: rx,
    };

    // Firing.
    let now = Utc::now();
    server
        .post(
        "alerts",
        json!([{
            "labels": {"alertname": "DiskFilling", "severity": "warning", "instance": "truenas:9100"},
            "annotations": {"summary": "Pool tank is 91 % full"},
            "startsAt": (now - TimeDelta::minutes(2)).to_rfc3339(),
            "endsAt": (now + TimeDelta::hours(1)).to_rfc3339(),
        }]),
    )
    .await;
    let vm = watch
        .until("the alert firing", &server.log_tail(), |vm| {
            vm.alerts.count == 1
        })
        .await;
    let a = &vm.alerts.items[0];
    assert_eq!(
        (a.name.as_str(), a.label.as_str(), a.suppressed.as_str()),
        ("DiskFilling", "WARNING", "")
    );
    assert_eq!(a.summary, "Pool tank is 91 % full");
    assert!(a.since.starts_with("since "), "{}", a.since);
    assert_eq!(vm.overall.status, Level::Degraded);
    assert_eq!(vm.overall.reason, "DiskFilling firing");
    assert_eq!(vm.cards.alerts.value, "1 firing");

    // Silenced through the API: shown, dimmed, with who and until when.
    let ends = (Utc::now() + TimeDelta::hours(2)).trunc_subsecs(0);
    let answer = server
        .post(
        "silences",
        json!({
            "matchers": [{"name": "alertname", "value": "DiskFilling", "isRegex": false, "isEqual": true}],
            "startsAt": Utc::now().to_rfc3339(),
            "endsAt": ends.to_rfc3339(),
            "createdBy": "alice",
            "comment": "replacing the disk",
        }),
    )
    .await;
    assert!(answer["silenceID"].is_string(), "{answer}");
    let vm = watch
        .until("the alert silenced", &server.log_tail(), |vm| {
            vm.alerts
                .items
                .first()
                .is_some_and(|a| !a.suppressed.is_empty())
        })
        .await;
    let a = &vm.alerts.items[0];
    let until = view::format::clock(ends, FixedOffset::east_opt(0).expect("UTC"));
    assert!(
        a.suppressed.starts_with("silenced by alice until ") && a.suppressed.ends_with(&until),
        "{a:?}"
    );
    assert_eq!(a.label, "SILENCED");
    assert_eq!(
        (vm.alerts.count, vm.alerts.held.as_str()),
        (0, "1 silenced")
    );
    assert_eq!(vm.overall.status, Level::Healthy, "{:?}", vm.overall);
    assert_eq!(vm.cards.alerts.dim_from, Some(0));
    let held = watch
        .dash
        .alertmanager()
        .and_then(|d| d.alerts.first())
        .and_then(|a| a.suppressed.clone())
        .expect("the core holds the silence");
    assert_eq!(
        (
            held.kind,
            held.by.as_str(),
            held.until,
            held.comment.as_str()
        ),
        (
            SuppressionKind::Silenced,
            "alice",
            Some(ends),
            "replacing the disk"
        )
    );

    // Stopped: the alerts card's badge, the last alerts kept, no overlay.
    server.kill();
    let vm = watch
        .until("Alertmanager offline", "(stopped)", |vm| {
            vm.badges.alertmanager.visible && vm.badges.alertmanager.text.starts_with("OFFLINE")
        })
        .await;
    assert!(!vm.overlay.visible, "never the Prometheus overlay");
    assert_eq!(vm.alerts.items.len(), 1, "the last alerts stay");
    assert_eq!(vm.overall.status, Level::Degraded);
    assert_eq!(vm.overall.reason, "Alertmanager unreachable");

    poller.abort();
    eprintln!(
        "alertmanager real-server test: done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
