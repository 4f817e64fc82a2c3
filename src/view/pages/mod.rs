//! The words of each page beyond the overview, one view model per page.
//!
//! A page shows the rows the overview already has where it can (the
//! services, the nodes, the storage pools and the firing alerts are the
//! view model's own lists, which the bridge keeps as one Slint model each),
//! and adds what only the page shows: its section titles, what it says when
//! it has no rows, the Proxmox guests one by one, the printer's filament,
//! and which row the page is focused on. [`build`] makes them from the
//! dashboard; [`ViewModel::on_page`](super::ViewModel::on_page) sets the
//! focused row from the navigation. `/api/status` serves them as `pages`.
//!
//! Left for the histories and charts being added beside this (issue 15):
//! a service's "since" text ([`super::ServiceVm::since`]) and an alert's
//! since and summary ([`super::AlertVm`]) are empty until the core keeps
//! them; the sparklines and the job history have their places in the
//! `.slint` pages, not yet any data.

mod printer;
mod proxmox;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use crate::core::{Dashboard, Page, SourceKind};

use super::{AlertsVm, NodeVm, ServiceVm};

pub use printer::{JobRowVm, PrinterPageVm};
pub use proxmox::{GuestRowVm, ProxmoxPageVm};

/// Every page's own words.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PagesVm {
    pub services: ServicesPageVm,
    pub proxmox: ProxmoxPageVm,
    pub printer: PrinterPageVm,
    pub alerts: AlertsPageVm,
}

/// The services page: the view model's `services`, one row each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ServicesPageVm {
    /// The row the page opened at (a tapped tile), scrolled into view and
    /// marked; `null` for none.
    pub focus_row: Option<usize>,
    /// What the page says without a service: "No services configured".
    pub empty: String,
}

/// The alerts page: the view model's `alerts.items`, most severe first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct AlertsPageVm {
    /// What the page says without a row: none firing, not known (the query
    /// failed, and why), or no data yet.
    pub empty: String,
}

/// The pages' view models for `d`, from the panels already built.
pub(super) fn build(
    d: &Dashboard,
    services: &[ServiceVm],
    alerts: &AlertsVm,
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> PagesVm {
    PagesVm {
        services: ServicesPageVm {
            focus_row: None,
            empty: if services.is_empty() {
                "No services configured".to_owned()
            } else {
                String::new()
            },
        },
        proxmox: proxmox::page(d.proxmox()),
        printer: printer::page(d.source(SourceKind::Moonraker), now, offset),
        alerts: AlertsPageVm {
            empty: alerts_empty(d, alerts),
        },
    }
}

/// What the alerts page says when it has no row.
fn alerts_empty(d: &Dashboard, alerts: &AlertsVm) -> String {
    match (&alerts.error, d.prometheus()) {
        (Some(e), _) => format!("Alerts unknown: {e}"),
        (None, None) => "No data from Prometheus yet".to_owned(),
        (None, Some(_)) if alerts.items.is_empty() => "No alert is firing".to_owned(),
        (None, Some(_)) => String::new(),
    }
}

impl PagesVm {
    /// Marks the row `focus` names on `page`: a service on the services
    /// page, a node on the Proxmox page; every other focus row cleared.
    pub(super) fn focus(
        &mut self,
        page: Page,
        focus: Option<&str>,
        services: &[ServiceVm],
        nodes: &[NodeVm],
    ) {
        let focus = |on: Page| focus.filter(|_| page == on);
        self.services.focus_row =
            focus(Page::Services).and_then(|f| services.iter().position(|s| s.name == f));
        self.proxmox.focus_row =
            focus(Page::Proxmox).and_then(|f| nodes.iter().position(|n| n.name == f));
    }
}
