//! The words of each page beyond the overview, one view model per page.
//!
//! A page shows the rows the overview already has where it can (the
//! services, the nodes, the storage pools and the firing alerts are the
//! view model's own lists, which the bridge keeps as one Slint model each),
//! and adds what only the page shows: its section titles, what it says when
//! it has no rows, the Proxmox guests one by one, the printer's filament,
//! chart targets and last jobs,
//! and which row the page is focused on. [`build`] makes them from the
//! dashboard; [`ViewModel::on_page`](super::ViewModel::on_page) sets the
//! focused row from the navigation. `/api/status` serves them as `pages`.
//!
//! The services and nodes carry a sparkline each (`sparklines.rs`): their
//! last hour as slots, one list per page parallel to the view model's
//! `services` and `nodes`, so the overview's rows (the same Slint models)
//! do not change when only a chart does.

mod printer;
mod proxmox;
mod sparklines;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use crate::core::{Dashboard, Page, SourceKind};

use super::{AlertsVm, NodeVm, ServiceVm};

pub use printer::{JobRowVm, PrinterPageVm};
pub use proxmox::{GuestRowVm, NodeRowVm, ProxmoxPageVm};
pub use sparklines::SparklineVm;

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
    /// Each service's response time over the last hour in ms, with its
    /// slow threshold: one per row of the view model's `services`.
    pub sparklines: Vec<SparklineVm>,
}

/// The alerts page: the view model's `alerts.items`, most severe first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct AlertsPageVm {
    /// The line above the rows: "1 firing · 2 silenced".
    pub summary: String,
    /// What the page says without a row: none firing, not known (the query
    /// failed, and why), or no data yet.
    pub empty: String,
}

/// The pages' view models for `d` at `now`, from the panels already built.
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
            sparklines: services
                .iter()
                .map(|s| service_sparkline(d, &s.name, now))
                .collect(),
        },
        proxmox: proxmox::page(d.proxmox(), d.histories(), now),
        printer: printer::page(d.source(SourceKind::Moonraker), now, offset),
        alerts: AlertsPageVm {
            summary: match alerts.held.as_str() {
                "" => alerts.text.clone(),
                held => format!("{} · {held}", alerts.text),
            },
            empty: alerts_empty(alerts),
        },
    }
}

/// A service's sparkline at `now`, with the slow threshold of its last
/// report (none before Prometheus answers).
fn service_sparkline(d: &Dashboard, name: &str, now: DateTime<Utc>) -> SparklineVm {
    let slow = d
        .prometheus()
        .and_then(|p| p.services.iter().find(|s| s.name == name))
        .map(|s| s.slow_after_s);
    sparklines::service(d.histories().service(name), slow, now)
}

/// What the alerts page says when it has no row.
fn alerts_empty(alerts: &AlertsVm) -> String {
    let from = alerts.source.map_or("Prometheus", SourceKind::label);
    match (&alerts.error, alerts.text.is_empty()) {
        (Some(e), _) => format!("Alerts unknown: {e}"),
        // No text: nothing heard from the alerts' source yet.
        (None, true) => format!("No data from {from} yet"),
        (None, false) if alerts.items.is_empty() => "No alert is firing".to_owned(),
        (None, false) => String::new(),
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
