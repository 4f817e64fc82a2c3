//! The built-in demo homelab: the seed's five Proxmox nodes, the services
//! behind Traefik and the Ender 5 Pro, following a scripted timeline that
//! loops every [`PERIOD_S`] seconds and shows every state the screen has.
//!
//! | seconds  | what happens                                                   |
//! |----------|----------------------------------------------------------------|
//! | 0–19     | all healthy, a print at 55 % and progressing                   |
//! | 20–49    | Overseerr down (a critical alert from 24 s); Jellyfin slow 36–47 |
//! | 50–94    | node tower1 offline, its guests unknown (alert from 56 s)      |
//! | 70–99    | Prometheus unreachable: the overlay from the second failure    |
//! | 100–119  | everything recovered, the print finishing                      |
//! | 120–139  | print complete                                                 |
//! | 140–154  | printer idle                                                   |
//! | 155–169  | Moonraker unreachable: printer offline                         |
//! | 170–179  | the next print heating up                                      |
//!
//! The detail pages' data (`detail.rs`): alerts with since when and a
//! summary, the printer's last jobs, and at second 0 the last hour of the
//! services' response times and the nodes' CPU and memory as seeds (the
//! printer's ten minutes of temperatures likewise), so every chart is full
//! from the first frame.
//!
//! The display sleeps in every other loop (`night.rs`: seconds 180–359 of
//! every six minutes are quiet hours, and the demo's trouble wakes it).
//!
//! Every source "polls" every [`STEP_S`] seconds. A frame at second `t` is the
//! result of replaying every step up to `t` through the real core, so the
//! frozen frames of `--demo --at` are exactly what the live demo shows,
//! the display's night included.

mod detail;
mod homelab;
mod night;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use tokio::sync::mpsc;

use crate::core::night::causes;
use crate::core::*;
use crate::telemetry::Telemetry;
use crate::view::{self, DisplayVm, ViewModel};
#[cfg(test)]
use homelab::wobble;
use homelab::{printer, prometheus, proxmox};
pub use night::{CYCLE_S, WAKE_FOR_S, is_night, sleep};

/// Length of the loop, seconds.
pub const PERIOD_S: u32 = 180;
/// Seconds between two demo polls.
pub const STEP_S: u32 = 2;

/// The fixed start of the timeline in frozen frames: 2026-11-21 09:00:00 UTC.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The demo's three sources, as if configured with the homelab's addresses.
pub fn settings() -> Vec<SourceSettings> {
    let s = |kind, name: &str, url: &str| SourceSettings {
        kind,
        name: name.to_owned(),
        url: url.to_owned(),
        interval: Duration::from_secs(u64::from(STEP_S)),
        lost_after: 2,
    };
    vec![
        s(
            SourceKind::Prometheus,
            "Prometheus",
            "http://192.168.86.25:9090",
        ),
        s(SourceKind::Proxmox, "Proxmox", "https://192.168.86.29:8006"),
        s(
            SourceKind::Moonraker,
            "Ender 5 Pro",
            "http://192.168.86.136:7125",
        ),
    ]
}

/// The demo's PromQL tiles.
pub fn rules() -> Rules {
    let tile =
        |name: &str, unit, decimals, warn, critical, label: Option<&str>, fraction| TileSpec {
            name: name.to_owned(),
            unit,
            decimals,
            warn,
            critical,
            direction: Direction::Above,
            label: label.map(str::to_owned),
            max_series: 3,
            percent_is_fraction: fraction,
        };
    Rules {
        tiles: vec![
            tile(
                "Cluster CPU",
                Unit::Percent,
                0,
                Some(0.8),
                Some(0.95),
                None,
                true,
            ),
            tile(
                "CPU temp",
                Unit::Celsius,
                0,
                Some(75.0),
                Some(85.0),
                Some("node"),
                false,
            ),
            tile(
                "Glucose",
                Unit::Suffix("mg/dL".into()),
                0,
                Some(180.0),
                Some(250.0),
                None,
                false,
            ),
        ],
        ..Rules::default()
    }
}

/// A dashboard replayed up to second `at` of the timeline, as the frozen
/// frames show it. Returns the dashboard and the time of the frame.
pub fn replay(at: u32) -> (Dashboard, DateTime<Utc>) {
    let (d, _, now) = replay_night(at);
    (d, now)
}

/// [`replay`] with the display's night beside the data: each update's
/// causes observed as the hub observes them, in UTC.
pub fn replay_night(at: u32) -> (Dashboard, Night, DateTime<Utc>) {
    let start = epoch();
    let mut d = Dashboard::new(settings());
    let mut night = Night::new(sleep(start), start);
    for t in (0..=at).step_by(STEP_S as usize) {
        let when = start + chrono::Duration::seconds(i64::from(t));
        for u in updates(t, when) {
            d.apply(u);
            night.observe(&Utc, causes(&d, when), when);
        }
    }
    (d, night, start + chrono::Duration::seconds(i64::from(at)))
}

/// The frame of the demo at second `at`, frozen: the fixed clock and UTC,
/// so it is the same on every machine and every run. In the demo's quiet
/// hours its display is off (a black frame) unless the trouble woke it.
pub fn frame(at: u32) -> ViewModel {
    let (dash, night, now) = replay_night(at);
    let utc = FixedOffset::east_opt(0).unwrap_or_else(|| Utc.fix());
    let display = DisplayVm::of(&night.state(&Utc, now), utc);
    view::build(&dash, &rules(), now, utc).with_display(display)
}

/// Plays the timeline in real time: every source reports every [`STEP_S`]
/// seconds, and the timeline loops. Each scripted update counts as a poll in
/// the metrics. Runs until nobody receives the updates.
pub async fn play(
    tx: mpsc::Sender<SourceUpdate>,
    clock: Arc<dyn Clock>,
    telemetry: Arc<Telemetry>,
) {
    let start = clock.now();
    let mut tick = tokio::time::interval(Duration::from_secs(u64::from(STEP_S)));
    loop {
        tick.tick().await;
        let now = clock.now();
        let t = u32::try_from((now - start).num_seconds().max(0)).unwrap_or(0);
        for update in updates(t - t % STEP_S, now) {
            let failure = update.outcome.as_ref().err().map(|f| f.kind);
            telemetry.poll_finished(update.kind, Duration::ZERO, failure);
            if tx.send(update).await.is_err() {
                return;
            }
        }
    }
}

/// What every source reports at second `t` of the timeline (taken modulo the
/// period), stamped with the wall time `now`.
pub fn updates(t: u32, now: DateTime<Utc>) -> Vec<SourceUpdate> {
    let t = t % PERIOD_S;
    let next = Some(now + chrono::Duration::seconds(i64::from(STEP_S)));
    let update = |kind, outcome| SourceUpdate {
        kind,
        at: now,
        outcome,
        next_poll: next,
    };
    let prometheus = if (70..100).contains(&t) {
        Err(Failure::new(
            FailureKind::Unreachable,
            "connection refused (192.168.86.25:9090)",
        ))
    } else {
        let mut data = prometheus(t);
        detail::alerts(&mut data.alerts, t, now);
        if t == 0 {
            data.seed = detail::service_seed(now);
        }
        Ok(SourceData::Prometheus(data))
    };
    let mut pve = proxmox(t);
    if t == 0 {
        pve.seed = detail::node_seed(now);
    }
    let moonraker = if (155..170).contains(&t) {
        Err(Failure::new(FailureKind::Timeout, "no answer within 5 s"))
    } else {
        let mut p = printer(t, now.timestamp());
        p.jobs = detail::jobs(t, now);
        Ok(SourceData::Moonraker(Box::new(p)))
    };
    vec![
        update(SourceKind::Prometheus, prometheus),
        update(SourceKind::Proxmox, Ok(SourceData::Proxmox(pve))),
        update(SourceKind::Moonraker, moonraker),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::status::{Level, overall};

    fn health(d: &Dashboard, kind: SourceKind, now: DateTime<Utc>) -> Health {
        d.source(kind)
            .map(|s| s.health(now))
            .unwrap_or(Health::Disabled)
    }

    #[test]
    fn the_timeline_shows_every_state() {
        let rules = rules();
        let at = |t| {
            let (d, now) = replay(t);
            (overall(&d, &rules, now), d, now)
        };
        let (o, _, _) = at(10);
        assert_eq!(o.status, Level::Healthy, "{o:?}");
        let (o, _, _) = at(40);
        assert_eq!(o.status, Level::Critical);
        assert!(o.reason.contains("Overseerr down"), "{o:?}");
        let (o, d, now) = at(60);
        assert!(o.reason.contains("tower1 offline"), "{o:?}");
        assert_eq!(health(&d, SourceKind::Prometheus, now), Health::Ok);
        let (_, d, now) = at(70);
        assert_eq!(health(&d, SourceKind::Prometheus, now), Health::Stale);
        let (_, d, now) = at(75);
        assert_eq!(health(&d, SourceKind::Prometheus, now), Health::Lost);
        let (o, d, _) = at(110);
        assert_eq!(o.status, Level::Healthy, "{o:?}");
        assert_eq!(d.printer().map(|p| p.state), Some(PrintState::Printing));
        let (_, d, _) = at(130);
        assert_eq!(d.printer().map(|p| p.state), Some(PrintState::Complete));
        let (_, d, now) = at(165);
        assert_eq!(health(&d, SourceKind::Moonraker, now), Health::Lost);
        assert_eq!(health(&d, SourceKind::Proxmox, now), Health::Ok);
    }

    /// The figure `core::histories` states for the seed homelab: 12
    /// services, 5 nodes and the printer; a ring takes its full size at its
    /// first sample.
    #[test]
    fn the_seed_homelab_holds_29760_bytes_of_samples() {
        let (d, _) = replay(PERIOD_S - 1);
        assert_eq!(d.histories().heap_bytes(), 12 * 1920 + 5 * 960 + 1920);
        assert_eq!(d.histories().heap_bytes(), 29_760);
    }

    #[test]
    fn every_detail_page_has_something_to_show() {
        let (d, now) = replay(40);
        let h = d.histories();
        assert_eq!(h.service("Plex").map(|r| r.len()), Some(120));
        assert_eq!(h.node("zotac").map(|r| r.len()), Some(60));
        assert_eq!(h.printer_temps().len(), 120);
        let down = h.service_since("Overseerr").expect("tracked");
        assert_eq!(down.state, ServiceHealth::Down);
        assert_eq!((now - down.at).num_seconds(), 20);
        assert!(!down.first_seen);
        let alert = d
            .prometheus()
            .and_then(|p| p.alerts.first())
            .expect("firing");
        assert_eq!(alert.since.map(|t| (now - t).num_seconds()), Some(16));
        assert!(alert.summary.is_some());
        assert!(
            d.prometheus().is_some_and(|p| p.seed.is_empty()),
            "seeds are not kept"
        );
        let jobs = |at| {
            replay(at)
                .0
                .printer()
                .map(|p| p.jobs.clone())
                .unwrap_or_default()
        };
        assert_eq!(jobs(40).len(), 4);
        assert_eq!(jobs(130)[0].status, JobStatus::Completed);
        assert!(jobs(130)[0].filename.starts_with("enclosure-hinge"));
    }

    #[test]
    fn the_timeline_loops() {
        let now = epoch();
        assert_eq!(updates(5, now), updates(5 + PERIOD_S, now));
    }

    #[test]
    fn wobble_stays_in_range_and_repeats() {
        for t in 0..PERIOD_S {
            for i in 0..20 {
                let w = wobble(t, i);
                assert!((-1.0..=1.0).contains(&w));
                assert_eq!(w, wobble(t, i));
            }
        }
    }
}
