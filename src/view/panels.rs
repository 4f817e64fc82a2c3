//! The tile panels: services, nodes, guests, storage, alerts, PromQL tiles.

use serde::Serialize;

use super::{Tone, format};
use crate::core::{
    GuestState, Judgement, PrometheusData, ProxmoxData, Rules, ServiceHealth, Severity,
};

/// One probed service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceVm {
    pub name: String,
    pub state: ServiceHealth,
    pub tone: Tone,
    /// "UP", "SLOW", "DOWN", "UNKNOWN".
    pub label: String,
    pub response_s: Option<f64>,
    /// "142 ms", or why there is no number.
    pub detail: String,
}

/// One Proxmox node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeVm {
    pub name: String,
    pub online: bool,
    pub tone: Tone,
    pub label: String,
    pub cpu: Option<f64>,
    pub cpu_text: String,
    pub cpu_tone: Tone,
    pub mem: Option<f64>,
    pub mem_text: String,
    pub mem_tone: Tone,
    pub uptime_s: Option<u64>,
    pub uptime: String,
}

/// Guests running against the total.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct GuestsVm {
    pub running: usize,
    pub total: usize,
    pub unknown: usize,
    /// Stopped guests that are not templates, by name.
    pub stopped: Vec<String>,
    pub text: String,
    pub detail: String,
    pub tone: Tone,
}

/// One storage pool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolVm {
    pub name: String,
    pub used_fraction: f64,
    pub used_bytes: u64,
    pub total_bytes: u64,
    pub text: String,
    pub tone: Tone,
}

/// Storage: every pool, and the fullest one the screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct StorageVm {
    pub fullest: Option<PoolVm>,
    pub pools: Vec<PoolVm>,
}

/// A firing alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertVm {
    pub name: String,
    pub severity: Severity,
    pub instance: Option<String>,
    pub text: String,
}

/// Firing alerts, most severe first.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct AlertsVm {
    pub count: usize,
    /// Why the alerts query failed, if it did.
    pub error: Option<String>,
    pub items: Vec<AlertVm>,
    pub text: String,
    pub tone: Tone,
}

/// One series of a PromQL tile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesVm {
    pub label: String,
    /// The raw value; `null` in JSON for NaN and infinities, whose `text` says which.
    pub value: Option<f64>,
    pub text: String,
    pub tone: Tone,
}

/// A PromQL tile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TileVm {
    pub name: String,
    /// The main value: the single series, or the worst of several.
    pub value: String,
    pub tone: Tone,
    pub series: Vec<SeriesVm>,
    /// "+4 more", "no data", or the query's error.
    pub detail: String,
    pub error: Option<String>,
}

fn judgement_tone(j: Option<Judgement>) -> Tone {
    match j {
        Some(Judgement::Normal) => Tone::Ok,
        Some(Judgement::Warning) => Tone::Warn,
        Some(Judgement::Critical) => Tone::Bad,
        None => Tone::Unknown,
    }
}

pub(super) fn services(p: Option<&PrometheusData>, configured: &[String]) -> Vec<ServiceVm> {
    let Some(p) = p else {
        // Nothing heard from Prometheus yet: show what is expected.
        return configured
            .iter()
            .map(|name| ServiceVm {
                name: name.clone(),
                state: ServiceHealth::Unknown,
                tone: Tone::Unknown,
                label: "UNKNOWN".to_owned(),
                response_s: None,
                detail: "no data yet".to_owned(),
            })
            .collect();
    };
    p.services
        .iter()
        .map(|s| {
            let state = s.health();
            let (label, tone) = match state {
                ServiceHealth::Up => ("UP", Tone::Ok),
                ServiceHealth::Degraded => ("SLOW", Tone::Warn),
                ServiceHealth::Down => ("DOWN", Tone::Bad),
                ServiceHealth::Unknown => ("UNKNOWN", Tone::Unknown),
            };
            let detail = match (state, s.response_s) {
                (ServiceHealth::Unknown, _) if p.services_error.is_some() => {
                    "probe query failed".to_owned()
                }
                (ServiceHealth::Unknown, _) => "no probe data".to_owned(),
                (ServiceHealth::Down, _) => "probe failed".to_owned(),
                (_, Some(r)) => format::response(r),
                (_, None) => String::new(),
            };
            ServiceVm {
                name: s.name.clone(),
                state,
                tone,
                label: label.to_owned(),
                response_s: s.response_s,
                detail,
            }
        })
        .collect()
}

pub(super) fn nodes(p: Option<&ProxmoxData>, rules: &Rules) -> Vec<NodeVm> {
    let Some(p) = p else { return Vec::new() };
    p.nodes
        .iter()
        .map(|n| {
            let mem = match (n.mem_used, n.mem_total) {
                (Some(u), Some(t)) if t > 0 => Some(u as f64 / t as f64),
                _ => None,
            };
            let level = |v: Option<f64>, warn: f64| match v {
                Some(v) if n.online && v >= warn => Tone::Warn,
                Some(_) if n.online => Tone::Ok,
                _ => Tone::Unknown,
            };
            let shown = |v: Option<f64>| match v {
                Some(v) if n.online => format::percent(v),
                _ => "–".to_owned(),
            };
            NodeVm {
                name: n.name.clone(),
                online: n.online,
                tone: if n.online { Tone::Ok } else { Tone::Bad },
                label: if n.online { "ONLINE" } else { "OFFLINE" }.to_owned(),
                cpu: n.cpu,
                cpu_text: shown(n.cpu),
                cpu_tone: level(n.cpu, rules.node_cpu_warn),
                mem,
                mem_text: shown(mem),
                mem_tone: level(mem, rules.node_mem_warn),
                uptime_s: n.uptime_s,
                uptime: match n.uptime_s {
                    Some(u) if n.online => format!("up {}", format::uptime(u)),
                    _ => "down".to_owned(),
                },
            }
        })
        .collect()
}

pub(super) fn guests(p: Option<&ProxmoxData>) -> GuestsVm {
    let Some(p) = p else {
        return GuestsVm::default();
    };
    let real = p.guests.iter().filter(|g| !g.template);
    let (mut running, mut unknown, mut total) = (0, 0, 0);
    let mut stopped = Vec::new();
    for g in real {
        total += 1;
        match p.guest_state(g) {
            GuestState::Running => running += 1,
            GuestState::Unknown => unknown += 1,
            GuestState::Stopped | GuestState::Paused => stopped.push(g.name.clone()),
        }
    }
    stopped.sort();
    let detail = match (stopped.as_slice(), unknown) {
        ([], 0) => "all running".to_owned(),
        ([], u) => format!("{u} unknown (node offline)"),
        (names, 0) => format!("stopped: {}", names.join(", ")),
        (names, u) => format!("{u} unknown · stopped: {}", names.join(", ")),
    };
    let tone = if unknown > 0 {
        Tone::Warn
    } else if stopped.is_empty() {
        Tone::Ok
    } else {
        Tone::Info
    };
    GuestsVm {
        running,
        total,
        unknown,
        text: format!("{running} / {total} running"),
        stopped,
        detail,
        tone,
    }
}

pub(super) fn storage(p: Option<&ProxmoxData>, rules: &Rules) -> StorageVm {
    let Some(p) = p else {
        return StorageVm::default();
    };
    let pools: Vec<PoolVm> = p
        .storage
        .iter()
        .filter_map(|s| {
            let f = s.fraction()?;
            Some(PoolVm {
                // Local pools share a name across nodes: say which node.
                name: match (&s.node, s.shared) {
                    (Some(node), false) => format!("{} · {node}", s.name),
                    _ => s.name.clone(),
                },
                used_fraction: f,
                used_bytes: s.used,
                total_bytes: s.total,
                text: format!(
                    "{} of {}",
                    format::percent(f),
                    format::bytes(s.total as f64)
                ),
                tone: judgement_tone(Some(rules.judge_storage(f))),
            })
        })
        .collect();
    let fullest = pools
        .iter()
        .max_by(|a, b| a.used_fraction.total_cmp(&b.used_fraction))
        .cloned();
    StorageVm { fullest, pools }
}

pub(super) fn alerts(p: Option<&PrometheusData>) -> AlertsVm {
    let Some(p) = p else {
        return AlertsVm::default();
    };
    let mut items: Vec<AlertVm> = p
        .alerts
        .iter()
        .map(|a| AlertVm {
            name: a.name.clone(),
            severity: a.severity,
            instance: a.instance.clone(),
            text: match &a.instance {
                Some(i) => format!("{} · {i}", a.name),
                None => a.name.clone(),
            },
        })
        .collect();
    items.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.text.cmp(&b.text))
    });
    let worst = items.first().map(|a| a.severity);
    if let Some(e) = &p.alerts_error {
        // Unknown, not "none firing": the query failed.
        return AlertsVm {
            count: 0,
            items: Vec::new(),
            text: "unknown".to_owned(),
            tone: Tone::Unknown,
            error: Some(e.clone()),
        };
    }
    AlertsVm {
        error: None,
        count: items.len(),
        text: match items.len() {
            0 => "none firing".to_owned(),
            n => format!("{n} firing"),
        },
        tone: match worst {
            None => Tone::Ok,
            Some(Severity::Critical) => Tone::Bad,
            Some(_) => Tone::Warn,
        },
        items,
    }
}

pub(super) fn tiles(p: Option<&PrometheusData>, rules: &Rules) -> Vec<TileVm> {
    let Some(p) = p else { return Vec::new() };
    p.tiles
        .iter()
        .filter_map(|t| {
            let spec = rules.tile(&t.name)?;
            let series: Vec<SeriesVm> = t
                .series
                .iter()
                .map(|s| SeriesVm {
                    label: s.label.clone(),
                    value: s.value.is_finite().then_some(s.value),
                    text: format::value(
                        s.value,
                        &spec.unit,
                        spec.decimals,
                        spec.percent_is_fraction,
                    ),
                    tone: judgement_tone(spec.judge(s.value)),
                })
                .collect();
            // The headline of a multi-series tile is its worst series: by
            // judgement first, then by how far it is along the bad direction.
            let worst = series.iter().max_by(|a, b| {
                let along = |v: Option<f64>| match spec.direction {
                    crate::core::Direction::Above => v.unwrap_or(f64::NEG_INFINITY),
                    crate::core::Direction::Below => -v.unwrap_or(f64::INFINITY),
                };
                tone_rank(a.tone)
                    .cmp(&tone_rank(b.tone))
                    .then(along(a.value).total_cmp(&along(b.value)))
            });
            let (value, tone) = match (&t.error, series.len(), worst) {
                (Some(_), _, _) => ("error".to_owned(), Tone::Bad),
                (None, 1, Some(s)) => (s.text.clone(), s.tone),
                (None, _, Some(s)) => (format!("{} {}", s.label, s.text), s.tone),
                (None, _, None) => ("empty".to_owned(), Tone::Unknown),
            };
            let detail = match (&t.error, series.len()) {
                (Some(e), _) => e.clone(),
                (None, 0) => "the query returned no series".to_owned(),
                (None, n) if n > spec.max_series => format!("+{} more", n - spec.max_series),
                _ => String::new(),
            };
            let shown = series.into_iter().take(spec.max_series).collect();
            Some(TileVm {
                name: t.name.clone(),
                value,
                tone,
                series: shown,
                detail,
                error: t.error.clone(),
            })
        })
        .collect()
}

fn tone_rank(t: Tone) -> u8 {
    match t {
        Tone::Bad => 4,
        Tone::Warn => 3,
        Tone::Unknown => 2,
        Tone::Info => 1,
        Tone::Ok => 0,
    }
}
