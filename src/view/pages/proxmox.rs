//! The Proxmox page's own words: its section titles, what each node row
//! adds to the overview's (its load and its hour of CPU and memory), and
//! every guest as a row with its CPU and memory (the nodes and the storage
//! pools are the view model's own lists).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::sparklines::{self, SparklineVm};
use crate::core::{Guest, GuestKind, GuestState, Histories, Node, ProxmoxData};
use crate::view::{Tone, format};

/// The Proxmox page: nodes, guests, storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxmoxPageVm {
    /// "NODES", "GUESTS", "STORAGE".
    pub nodes_title: String,
    pub guests_title: String,
    pub storage_title: String,
    /// The node the page opened at (a tapped node tile), first in view and
    /// marked: its index in the view model's `nodes`.
    pub focus_row: Option<usize>,
    /// What the page adds to each of the view model's `nodes`, in order.
    pub nodes: Vec<NodeRowVm>,
    /// Every guest but templates, by node (in the API's order) then VMID.
    pub guests: Vec<GuestRowVm>,
    /// What the guests section says without a guest.
    pub no_guests: String,
}

impl Default for ProxmoxPageVm {
    fn default() -> Self {
        Self {
            nodes_title: "NODES".to_owned(),
            guests_title: "GUESTS".to_owned(),
            storage_title: "STORAGE".to_owned(),
            focus_row: None,
            nodes: Vec::new(),
            guests: Vec::new(),
            no_guests: "No guests".to_owned(),
        }
    }
}

/// What a node's row on the Proxmox page shows beyond the overview's tile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeRowVm {
    /// "load 0.42 0.38 0.31" (1, 5 and 15 min), or "load –" when unknown.
    pub load: String,
    /// CPU and memory over the last hour, in percent.
    pub cpu: SparklineVm,
    pub mem: SparklineVm,
}

/// One guest on the Proxmox page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuestRowVm {
    /// "101".
    pub vmid: String,
    pub name: String,
    /// "VM" or "CT".
    pub kind: String,
    pub node: String,
    /// "running", "stopped", "paused", or "unknown" on an offline node (as
    /// the overview counts it).
    pub state: String,
    pub tone: Tone,
    /// "12%" of its cores while running, else "–".
    pub cpu: String,
    /// "1.2 / 4.0 GiB" while running, else "–".
    pub mem: String,
}

/// The page for `p` at `now`; no rows before Proxmox answers.
pub(super) fn page(p: Option<&ProxmoxData>, h: &Histories, now: DateTime<Utc>) -> ProxmoxPageVm {
    let Some(p) = p else {
        return ProxmoxPageVm::default();
    };
    let node_rank = |name: &str| p.nodes.iter().position(|n| n.name == name);
    let mut guests: Vec<_> = p.guests.iter().filter(|g| !g.template).collect();
    guests.sort_by_key(|g| (node_rank(&g.node), g.vmid));
    ProxmoxPageVm {
        nodes: p.nodes.iter().map(|n| node_row(n, h, now)).collect(),
        guests: guests
            .into_iter()
            .map(|g| {
                let running = p.guest_state(g) == GuestState::Running;
                let (state, tone) = match p.guest_state(g) {
                    GuestState::Running => ("running", Tone::Ok),
                    GuestState::Stopped => ("stopped", Tone::Info),
                    GuestState::Paused => ("paused", Tone::Warn),
                    GuestState::Unknown => ("unknown", Tone::Unknown),
                };
                GuestRowVm {
                    vmid: g.vmid.to_string(),
                    name: g.name.clone(),
                    kind: match g.kind {
                        GuestKind::Qemu => "VM",
                        GuestKind::Lxc => "CT",
                    }
                    .to_owned(),
                    node: g.node.clone(),
                    state: state.to_owned(),
                    tone,
                    cpu: g.cpu.filter(|_| running).map_or_else(dash, format::percent),
                    mem: memory(g).filter(|_| running).unwrap_or_else(dash),
                }
            })
            .collect(),
        ..ProxmoxPageVm::default()
    }
}

fn dash() -> String {
    "–".to_owned()
}

/// A node's row: its load while online, and its hour of CPU and memory.
fn node_row(n: &Node, h: &Histories, now: DateTime<Utc>) -> NodeRowVm {
    let load = match n.load.filter(|_| n.online) {
        Some([one, five, fifteen]) => format!("load {one:.2} {five:.2} {fifteen:.2}"),
        None => format!("load {}", dash()),
    };
    let (cpu, mem) = sparklines::node(h.node(&n.name), now);
    NodeRowVm { load, cpu, mem }
}

/// "1.2 / 4.0 GiB": used and allotted in the allotment's unit, one decimal.
fn memory(g: &Guest) -> Option<String> {
    let (used, total) = (g.mem_used?, g.mem_total.filter(|t| *t > 0)?);
    let (unit, size) = if total >= 1 << 30 {
        ("GiB", f64::from(1u32 << 30))
    } else {
        ("MiB", f64::from(1u32 << 20))
    };
    Some(format!(
        "{:.1} / {:.1} {unit}",
        used as f64 / size,
        total as f64 / size
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guest(vmid: u32, node: &str, running: bool) -> Guest {
        Guest {
            vmid,
            name: format!("g{vmid}"),
            node: node.to_owned(),
            kind: GuestKind::Qemu,
            state: if running {
                GuestState::Running
            } else {
                GuestState::Stopped
            },
            template: false,
            cpu: running.then_some(0.123),
            mem_used: running.then_some(1_288_490_189),
            mem_total: Some(4 << 30),
        }
    }

    fn node(name: &str, online: bool) -> Node {
        Node {
            name: name.to_owned(),
            online,
            cpu: None,
            mem_used: None,
            mem_total: None,
            uptime_s: None,
            load: Some([0.42, 0.381, 1.0]),
        }
    }

    #[test]
    fn running_guests_show_cpu_and_memory_and_the_rest_a_dash() {
        let p = ProxmoxData {
            nodes: vec![node("a", true), node("b", false)],
            guests: vec![
                guest(100, "a", true),
                guest(101, "a", false),
                guest(102, "b", true),
            ],
            ..ProxmoxData::default()
        };
        let page = page(Some(&p), &Histories::default(), DateTime::default());
        let rows: Vec<(&str, &str, &str)> = page
            .guests
            .iter()
            .map(|g| (g.state.as_str(), g.cpu.as_str(), g.mem.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("running", "12%", "1.2 / 4.0 GiB"),
                ("stopped", "–", "–"),
                ("unknown", "–", "–"),
            ]
        );
        let loads: Vec<&str> = page.nodes.iter().map(|n| n.load.as_str()).collect();
        assert_eq!(loads, ["load 0.42 0.38 1.00", "load –"]);
        assert!(
            page.nodes
                .iter()
                .all(|n| n.cpu.is_empty() && n.mem.is_empty())
        );
    }

    #[test]
    fn small_allotments_in_mib() {
        let g = Guest {
            mem_used: Some(300 << 20),
            mem_total: Some(512 << 20),
            ..guest(1, "a", true)
        };
        assert_eq!(memory(&g).as_deref(), Some("300.0 / 512.0 MiB"));
        let none = Guest {
            mem_total: Some(0),
            ..guest(1, "a", true)
        };
        assert_eq!(memory(&none), None);
    }
}
