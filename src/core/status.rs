//! The overall status in the header: healthy, degraded or critical, with the
//! reason in words, derived from services, alerts, nodes, storage, tiles and
//! the sources' own health.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{Alert, KlippyState, PrintState, ServiceHealth, Severity, SourceKind};
use super::rules::{Judgement, Rules};
use super::state::{Dashboard, Health};

/// The overall level, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Healthy,
    Degraded,
    Critical,
}

/// The header's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overall {
    pub status: Level,
    pub reason: String,
}

/// One thing that is wrong, with how much it matters.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Finding {
    level: Level,
    text: String,
}

impl Finding {
    fn new(level: Level, text: impl Into<String>) -> Self {
        Self {
            level,
            text: text.into(),
        }
    }
}

/// Derives the overall status at `now`.
pub fn overall(d: &Dashboard, rules: &Rules, now: DateTime<Utc>) -> Overall {
    let mut findings = Vec::new();
    source_findings(d, now, &mut findings);
    // Order matters: the first two reasons of the worst level are shown.
    service_findings(d, &mut findings);
    proxmox_findings(d, rules, &mut findings);
    alert_and_tile_findings(d, rules, &mut findings);
    printer_findings(d, &mut findings);
    let Some(worst) = findings.iter().map(|f| f.level).max() else {
        return Overall {
            status: Level::Healthy,
            reason: healthy_reason(d),
        };
    };
    let top: Vec<&str> = findings
        .iter()
        .filter(|f| f.level == worst)
        .map(|f| f.text.as_str())
        .collect();
    Overall {
        status: worst,
        reason: summarise(&top),
    }
}

/// At most two reasons, then "+N more".
fn summarise(texts: &[&str]) -> String {
    let shown = texts
        .iter()
        .take(2)
        .copied()
        .collect::<Vec<_>>()
        .join(" · ");
    match texts.len() {
        0..=2 => shown,
        n => format!("{shown} +{} more", n - 2),
    }
}

fn healthy_reason(d: &Dashboard) -> String {
    let mut parts = Vec::new();
    if let Some(p) = d.prometheus() {
        let n = p.services.len();
        let unknown = p
            .services
            .iter()
            .filter(|s| s.health() == ServiceHealth::Unknown)
            .count();
        match unknown {
            _ if n == 0 => {}
            0 => parts.push(format!("All {n} services up")),
            u => parts.push(format!(
                "{} of {n} services up, {u} without probe data",
                n - u
            )),
        }
    }
    if let Some(p) = d.proxmox() {
        let n = p.nodes.len();
        if n > 0 {
            parts.push(format!("{n} nodes online"));
        }
    }
    if parts.is_empty() {
        "All systems operational".to_owned()
    } else {
        parts.join(" · ")
    }
}

fn source_findings(d: &Dashboard, now: DateTime<Utc>, out: &mut Vec<Finding>) {
    for s in d.sources() {
        // A printer switched off between prints is not a homelab problem; its
        // panel says so on its own.
        if s.settings.kind == SourceKind::Moonraker {
            continue;
        }
        match s.health(now) {
            Health::Lost => out.push(Finding::new(
                Level::Degraded,
                format!("{} unreachable", s.settings.name),
            )),
            Health::Error => out.push(Finding::new(
                Level::Degraded,
                format!("{} error", s.settings.name),
            )),
            Health::Ok | Health::Stale | Health::Disabled => {}
        }
    }
}

/// "Plex down", "Plex and Sonarr down", "3 services down".
fn grouped(names: &[&str], what: &str, verb: &str) -> String {
    match names {
        [one] => format!("{one} {verb}"),
        [a, b] => format!("{a} and {b} {verb}"),
        _ => format!("{} {what} {verb}", names.len()),
    }
}

fn service_findings(d: &Dashboard, out: &mut Vec<Finding>) {
    let Some(p) = d.prometheus() else { return };
    let by_health = |h: ServiceHealth| -> Vec<&str> {
        p.services
            .iter()
            .filter(|s| s.health() == h)
            .map(|s| s.name.as_str())
            .collect()
    };
    let down = by_health(ServiceHealth::Down);
    if !down.is_empty() {
        out.push(Finding::new(
            Level::Critical,
            grouped(&down, "services", "down"),
        ));
    }
    let slow = by_health(ServiceHealth::Degraded);
    if !slow.is_empty() {
        out.push(Finding::new(
            Level::Degraded,
            grouped(&slow, "services", "slow"),
        ));
    }
    if p.services_error.is_some() {
        out.push(Finding::new(Level::Degraded, "Probe query failed"));
    }
}

fn alert_and_tile_findings(d: &Dashboard, rules: &Rules, out: &mut Vec<Finding>) {
    alert_findings(d, out);
    let Some(p) = d.prometheus() else { return };
    for tile in &p.tiles {
        if tile.error.is_some() {
            out.push(Finding::new(
                Level::Degraded,
                format!("{} query failed", tile.name),
            ));
            continue;
        }
        let Some(spec) = rules.tile(&tile.name) else {
            continue;
        };
        let worst = tile.series.iter().filter_map(|s| spec.judge(s.value)).max();
        match worst {
            Some(Judgement::Critical) => out.push(Finding::new(
                Level::Critical,
                format!("{} critical", tile.name),
            )),
            Some(Judgement::Warning) => {
                out.push(Finding::new(Level::Degraded, format!("{} high", tile.name)))
            }
            _ => {}
        }
    }
}

/// The firing alerts; silenced and inhibited ones do not count.
fn alert_findings(d: &Dashboard, out: &mut Vec<Finding>) {
    let Some(set) = d.alerts() else { return };
    if set.error.is_some() {
        out.push(Finding::new(Level::Degraded, "Alerts query failed"));
    }
    let firing: Vec<&Alert> = set.firing().collect();
    let Some(worst) = firing.iter().map(|a| a.severity).max() else {
        return;
    };
    let level = if worst == Severity::Critical {
        Level::Critical
    } else {
        Level::Degraded
    };
    let text = match firing.as_slice() {
        [one] => format!("{} firing", one.name),
        many => format!("{} alerts firing", many.len()),
    };
    out.push(Finding::new(level, text));
}

fn proxmox_findings(d: &Dashboard, rules: &Rules, out: &mut Vec<Finding>) {
    let Some(p) = d.proxmox() else { return };
    let offline: Vec<&str> = p
        .nodes
        .iter()
        .filter(|n| !n.online)
        .map(|n| n.name.as_str())
        .collect();
    if !offline.is_empty() {
        out.push(Finding::new(
            Level::Critical,
            grouped(&offline, "nodes", "offline"),
        ));
    }
    if p.quorate == Some(false) {
        out.push(Finding::new(Level::Critical, "Cluster not quorate"));
    }
    for s in &p.storage {
        let Some(f) = s.fraction() else { continue };
        let level = match rules.judge_storage(f) {
            Judgement::Critical => Level::Critical,
            Judgement::Warning => Level::Degraded,
            Judgement::Normal => continue,
        };
        out.push(Finding::new(
            level,
            format!("{} {:.0}% full", s.name, f * 100.0),
        ));
    }
}

fn printer_findings(d: &Dashboard, out: &mut Vec<Finding>) {
    let Some(p) = d.printer() else { return };
    if p.state == PrintState::Error {
        out.push(Finding::new(Level::Degraded, "Print failed"));
    }
    // Klipper halted on an error needs a person; disconnected or starting
    // up is how a printer that is switched off or booting looks.
    match p.klippy {
        KlippyState::Error => out.push(Finding::new(Level::Degraded, "Klipper error")),
        KlippyState::Shutdown => out.push(Finding::new(Level::Degraded, "Klipper shutdown")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
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
}
