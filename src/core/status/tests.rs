use super::*;
use crate::core::clock::{Clock, FakeClock};
use crate::core::model::*;
use crate::core::state::SourceSettings;
use crate::core::{AlertmanagerData, SuppressionKind};
use std::time::Duration;

fn settings(kind: SourceKind) -> SourceSettings {
    SourceSettings {
        kind,
        name: kind.label().into(),
        url: "http://127.0.0.1".into(),
        interval: Duration::from_secs(10),
        lost_after: 2,
    }
}

fn service(name: &str, state: ProbeState, response_s: f64) -> Service {
    Service {
        name: name.into(),
        state,
        response_s: Some(response_s),
        slow_after_s: 3.0,
    }
}

fn dashboard(clock: &FakeClock, prom: PrometheusData, pve: ProxmoxData) -> Dashboard {
    let mut d = Dashboard::new([
        settings(SourceKind::Prometheus),
        settings(SourceKind::Proxmox),
    ]);
    for data in [SourceData::Prometheus(prom), SourceData::Proxmox(pve)] {
        let kind = data.kind();
        d.apply(SourceUpdate {
            kind,
            at: clock.now(),
            outcome: Ok(data),
            next_poll: None,
        });
    }
    d
}

fn node(name: &str, online: bool) -> Node {
    Node {
        name: name.into(),
        online,
        cpu: None,
        mem_used: None,
        mem_total: None,
        uptime_s: None,
        load: None,
    }
}

#[test]
fn all_up_is_healthy_with_counts() {
    let clock = FakeClock::default();
    let prom = PrometheusData {
        services: vec![
            service("Plex", ProbeState::Up, 0.1),
            service("Sonarr", ProbeState::Up, 0.2),
        ],
        ..Default::default()
    };
    let pve = ProxmoxData {
        nodes: vec![node("tower1", true)],
        ..Default::default()
    };
    let o = overall(
        &dashboard(&clock, prom, pve),
        &Rules::default(),
        clock.now(),
    );
    assert_eq!(
        o,
        Overall {
            status: Level::Healthy,
            reason: "All 2 services up · 1 nodes online".into()
        }
    );
}

#[test]
fn a_service_down_is_critical_and_named() {
    let clock = FakeClock::default();
    let prom = PrometheusData {
        services: vec![
            service("Overseerr", ProbeState::Down, 0.0),
            service("Plex", ProbeState::Up, 0.1),
        ],
        ..Default::default()
    };
    let o = overall(
        &dashboard(&clock, prom, ProxmoxData::default()),
        &Rules::default(),
        clock.now(),
    );
    assert_eq!(o.status, Level::Critical);
    assert_eq!(o.reason, "Overseerr down");
}

#[test]
fn many_down_services_are_counted_and_other_reasons_summarised() {
    let clock = FakeClock::default();
    let prom = PrometheusData {
        services: ["A", "B", "C"]
            .iter()
            .map(|n| service(n, ProbeState::Down, 0.0))
            .collect(),
        ..Default::default()
    };
    let pve = ProxmoxData {
        nodes: vec![
            node("tower1", false),
            node("zotac", false),
            node("pve1", true),
        ],
        quorate: Some(false),
        ..Default::default()
    };
    let o = overall(
        &dashboard(&clock, prom, pve),
        &Rules::default(),
        clock.now(),
    );
    assert_eq!(o.status, Level::Critical);
    assert_eq!(
        o.reason,
        "3 services down · tower1 and zotac offline +1 more"
    );
}

#[test]
fn slow_services_and_warning_alerts_are_degraded() {
    let clock = FakeClock::default();
    let prom = PrometheusData {
        services: vec![service("Jellyfin", ProbeState::Up, 3.5)],
        alerts: vec![Alert {
            name: "HighLoad".into(),
            severity: Severity::Warning,
            instance: None,
            since: None,
            summary: None,
            suppressed: None,
        }],
        ..Default::default()
    };
    let o = overall(
        &dashboard(&clock, prom, ProxmoxData::default()),
        &Rules::default(),
        clock.now(),
    );
    assert_eq!(o.status, Level::Degraded);
    assert_eq!(o.reason, "Jellyfin slow · HighLoad firing");
}

#[test]
fn critical_alerts_are_critical_and_counted() {
    let clock = FakeClock::default();
    let alert = |n: &str, s| Alert {
        name: n.into(),
        severity: s,
        instance: None,
        since: None,
        summary: None,
        suppressed: None,
    };
    let prom = PrometheusData {
        alerts: vec![
            alert("ProbeFailed", Severity::Critical),
            alert("DiskFull", Severity::Warning),
        ],
        ..Default::default()
    };
    let o = overall(
        &dashboard(&clock, prom, ProxmoxData::default()),
        &Rules::default(),
        clock.now(),
    );
    assert_eq!(
        o,
        Overall {
            status: Level::Critical,
            reason: "2 alerts firing".into()
        }
    );
}

#[test]
fn silenced_and_inhibited_alerts_do_not_make_the_status_worse() {
    let clock = FakeClock::default();
    let mut d = Dashboard::new([settings(SourceKind::Alertmanager)]);
    let alert = |n: &str, kind: Option<SuppressionKind>| Alert {
        name: n.into(),
        severity: Severity::Critical,
        instance: None,
        since: None,
        summary: None,
        suppressed: kind.map(|kind| crate::core::Suppression {
            kind,
            by: "alice".into(),
            until: None,
            comment: String::new(),
        }),
    };
    let mut poll = |alerts| {
        d.apply(SourceUpdate {
            kind: SourceKind::Alertmanager,
            at: clock.now(),
            outcome: Ok(SourceData::Alertmanager(AlertmanagerData { alerts })),
            next_poll: None,
        });
        overall(&d, &Rules::default(), clock.now())
    };
    let o = poll(vec![
        alert("Hushed", Some(SuppressionKind::Silenced)),
        alert("Masked", Some(SuppressionKind::Inhibited)),
    ]);
    assert_eq!(o.status, Level::Healthy, "{o:?}");
    let o = poll(vec![
        alert("Firing", None),
        alert("Hushed", Some(SuppressionKind::Silenced)),
    ]);
    assert_eq!(
        o,
        Overall {
            status: Level::Critical,
            reason: "Firing firing".into()
        }
    );
}

#[test]
fn unknown_services_and_failed_queries_are_told() {
    let clock = FakeClock::default();
    let mut unknown = service("Radarr", ProbeState::Unknown, 0.0);
    unknown.response_s = None;
    let prom = PrometheusData {
        services: vec![service("Plex", ProbeState::Up, 0.1), unknown],
        ..Default::default()
    };
    let o = overall(
        &dashboard(&clock, prom.clone(), ProxmoxData::default()),
        &Rules::default(),
        clock.now(),
    );
    assert_eq!(o.status, Level::Healthy);
    assert_eq!(o.reason, "1 of 2 services up, 1 without probe data");
    let failed = PrometheusData {
        alerts_error: Some("query timed out".into()),
        tiles: vec![TileReading {
            name: "Glucose".into(),
            series: Vec::new(),
            error: Some("bad query".into()),
        }],
        ..prom
    };
    let o = overall(
        &dashboard(&clock, failed, ProxmoxData::default()),
        &Rules::default(),
        clock.now(),
    );
    assert_eq!(
        o,
        Overall {
            status: Level::Degraded,
            reason: "Alerts query failed · Glucose query failed".into()
        }
    );
}

#[test]
fn a_lost_source_degrades_and_says_so() {
    let clock = FakeClock::default();
    let mut d = dashboard(&clock, PrometheusData::default(), ProxmoxData::default());
    for _ in 0..2 {
        clock.advance(Duration::from_secs(10));
        d.apply(SourceUpdate {
            kind: SourceKind::Prometheus,
            at: clock.now(),
            outcome: Err(Failure::new(FailureKind::Unreachable, "connection refused")),
            next_poll: None,
        });
    }
    let o = overall(&d, &Rules::default(), clock.now());
    assert_eq!(
        o,
        Overall {
            status: Level::Degraded,
            reason: "Prometheus unreachable".into()
        }
    );
}

#[test]
fn storage_thresholds() {
    let clock = FakeClock::default();
    let pool = |name: &str, used| Storage {
        name: name.into(),
        node: None,
        shared: true,
        available: true,
        used,
        total: 100,
    };
    let pve = ProxmoxData {
        storage: vec![pool("ceph-pool", 90), pool("local-lvm", 10)],
        ..Default::default()
    };
    let o = overall(
        &dashboard(&clock, PrometheusData::default(), pve),
        &Rules::default(),
        clock.now(),
    );
    assert_eq!(
        o,
        Overall {
            status: Level::Degraded,
            reason: "ceph-pool 90% full".into()
        }
    );
}

#[test]
fn guests_on_offline_nodes_are_unknown() {
    let pve = ProxmoxData {
        nodes: vec![node("tower1", false)],
        guests: vec![Guest {
            vmid: 300,
            name: "truenas".into(),
            node: "tower1".into(),
            kind: GuestKind::Qemu,
            state: GuestState::Running,
            template: false,
            cpu: None,
            mem_used: None,
            mem_total: None,
        }],
        ..Default::default()
    };
    assert_eq!(pve.guest_state(&pve.guests[0]), GuestState::Unknown);
}
