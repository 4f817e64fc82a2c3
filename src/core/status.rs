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
mod tests;
