//! The Proxmox page's own words: its section titles and every guest as a
//! row (the nodes and the storage pools are the view model's own lists).

use serde::Serialize;

use crate::core::{GuestKind, GuestState, ProxmoxData};
use crate::view::Tone;

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
            guests: Vec::new(),
            no_guests: "No guests".to_owned(),
        }
    }
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
}

/// The page for `p`; no guests before Proxmox answers.
pub(super) fn page(p: Option<&ProxmoxData>) -> ProxmoxPageVm {
    let Some(p) = p else {
        return ProxmoxPageVm::default();
    };
    let node_rank = |name: &str| p.nodes.iter().position(|n| n.name == name);
    let mut guests: Vec<_> = p.guests.iter().filter(|g| !g.template).collect();
    guests.sort_by_key(|g| (node_rank(&g.node), g.vmid));
    ProxmoxPageVm {
        guests: guests
            .into_iter()
            .map(|g| {
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
                }
            })
            .collect(),
        ..ProxmoxPageVm::default()
    }
}
