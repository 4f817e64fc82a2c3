//! The Proxmox panels: the node row, the guests and the storage pools.

use serde::Serialize;

use super::{Tone, format};
use crate::core::{GuestState, Node, ProxmoxData, Rules};

/// One Proxmox node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeVm {
    pub name: String,
    pub online: bool,
    pub tone: Tone,
    /// "ONLINE" or "OFFLINE".
    pub label: String,
    pub cpu: Option<f64>,
    /// How full the CPU bar is drawn: the CPU use, or 0 (an empty bar) when
    /// it is unknown, which `cpu_text` then says ("–").
    pub cpu_bar: f64,
    pub cpu_text: String,
    pub cpu_tone: Tone,
    pub mem: Option<f64>,
    /// How full the memory bar is drawn; 0 when unknown, like `cpu_bar`.
    pub mem_bar: f64,
    pub mem_text: String,
    pub mem_tone: Tone,
    pub uptime_s: Option<u64>,
    /// "up 12 d", or "down".
    pub uptime: String,
    /// The line under the name: its uptime while online ("up 12 d"), else
    /// its label ("OFFLINE").
    pub status: String,
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

/// The node row: one tile per node, in the order Proxmox lists them.
pub fn nodes(p: Option<&ProxmoxData>, rules: &Rules) -> Vec<NodeVm> {
    let Some(p) = p else { return Vec::new() };
    p.nodes.iter().map(|n| node(n, rules)).collect()
}

fn node(n: &Node, rules: &Rules) -> NodeVm {
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
    let label = if n.online { "ONLINE" } else { "OFFLINE" };
    let uptime = match n.uptime_s {
        Some(u) if n.online => format!("up {}", format::uptime(u)),
        _ => "down".to_owned(),
    };
    NodeVm {
        name: n.name.clone(),
        online: n.online,
        tone: if n.online { Tone::Ok } else { Tone::Bad },
        status: if n.online { &uptime } else { label }.to_owned(),
        label: label.to_owned(),
        cpu: n.cpu,
        cpu_bar: n.cpu.unwrap_or(0.0),
        cpu_text: shown(n.cpu),
        cpu_tone: level(n.cpu, rules.node_cpu_warn),
        mem,
        mem_bar: mem.unwrap_or(0.0),
        mem_text: shown(mem),
        mem_tone: level(mem, rules.node_mem_warn),
        uptime_s: n.uptime_s,
        uptime,
    }
}

/// Guests that are not templates: running against the total, and which
/// are stopped or unknown (on an offline node).
pub fn guests(p: Option<&ProxmoxData>) -> GuestsVm {
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

/// Every pool with a known size, and the fullest of them.
pub fn storage(p: Option<&ProxmoxData>, rules: &Rules) -> StorageVm {
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
                tone: Tone::judged(Some(rules.judge_storage(f))),
            })
        })
        .collect();
    let fullest = pools
        .iter()
        .max_by(|a, b| a.used_fraction.total_cmp(&b.used_fraction))
        .cloned();
    StorageVm { fullest, pools }
}
