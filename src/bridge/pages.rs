//! The pages' own rows and words into the UI. The services and nodes the
//! pages show are the overview's lists (`Dash.services`, `Dash.nodes`); this
//! copies what only the pages have: the alerts one by one, the guests, the
//! storage pools, and each page's words and focused row. The lists are kept
//! as one model each and diffed by row (`rows.rs`), like the overview's.

use slint::SharedString;

use super::rows::Rows;
use super::ui;
use crate::view::{AlertVm, GuestRowVm, JobRowVm, PoolVm, ViewModel};

/// A page's focused row for Slint: its index, or -1 for none.
fn row(focus: Option<usize>) -> i32 {
    focus.and_then(|i| i32::try_from(i).ok()).unwrap_or(-1)
}

fn s(text: &str) -> SharedString {
    SharedString::from(text)
}

/// What the pages last showed.
#[derive(Default)]
pub(super) struct PageRows {
    alerts: Rows<AlertVm, ui::AlertData>,
    guests: Rows<GuestRowVm, ui::GuestData>,
    pools: Rows<PoolVm, ui::PoolData>,
    jobs: Rows<JobRowVm, ui::JobData>,
}

impl PageRows {
    /// Copies the pages' rows and words of `vm` into `dash`.
    pub(super) fn apply(&mut self, dash: &ui::Dash<'_>, vm: &ViewModel) {
        let pages = &vm.pages;
        self.alerts
            .sync(&vm.alerts.items, |m| dash.set_alert_rows(m));
        self.guests
            .sync(&pages.proxmox.guests, |m| dash.set_guest_rows(m));
        self.pools.sync(&vm.storage.pools, |m| dash.set_pools(m));
        dash.set_services_page(ui::ServicesPageData {
            focus_row: row(pages.services.focus_row),
            empty: s(&pages.services.empty),
        });
        dash.set_alerts_page(ui::AlertsPageData {
            summary: s(&pages.alerts.summary),
            tone: vm.alerts.tone.into(),
            empty: s(&pages.alerts.empty),
        });
        let p = &pages.proxmox;
        dash.set_proxmox_page(ui::ProxmoxPageData {
            nodes_title: s(&p.nodes_title),
            guests_title: s(&p.guests_title),
            guests_summary: s(&vm.guests.text),
            storage_title: s(&p.storage_title),
            no_guests: s(&p.no_guests),
            focus_row: row(p.focus_row),
        });
        dash.set_printer_page((&pages.printer).into());
        self.jobs
            .sync(&pages.printer.jobs, |m| dash.set_job_rows(m));
    }
}

impl From<&AlertVm> for ui::AlertData {
    fn from(a: &AlertVm) -> Self {
        Self {
            label: s(&a.label),
            tone: a.tone.into(),
            name: s(&a.name),
            instance: s(a.instance.as_deref().unwrap_or_default()),
            since: s(&a.since),
            detail: s(&a.detail),
        }
    }
}

impl From<&GuestRowVm> for ui::GuestData {
    fn from(g: &GuestRowVm) -> Self {
        Self {
            vmid: s(&g.vmid),
            name: s(&g.name),
            kind: s(&g.kind),
            node: s(&g.node),
            state: s(&g.state),
            tone: g.tone.into(),
            cpu: s(&g.cpu),
            mem: s(&g.mem),
        }
    }
}

impl From<&PoolVm> for ui::PoolData {
    fn from(p: &PoolVm) -> Self {
        Self {
            name: s(&p.name),
            text: s(&p.text),
            tone: p.tone.into(),
            fraction: p.used_fraction as f32,
        }
    }
}
