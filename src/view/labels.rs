//! The fixed words the screen shows whatever the data: section titles, the
//! names of the node meters and of the printer's times, placeholders, the
//! chart's caption and the pages' back control. They are data like the rest, so `/api/status` carries
//! them and the `.slint` files hold no word of their own.

use serde::Serialize;

use super::chart;

/// The screen's fixed words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelsVm {
    /// The services section's title: "SERVICES".
    pub services_title: String,
    /// The node row's title: "PROXMOX NODES".
    pub nodes_title: String,
    /// A node tile's CPU meter: "CPU".
    pub cpu: String,
    /// A node tile's memory meter: "MEM".
    pub mem: String,
    /// What an offline node shows instead of its meters: "no data".
    pub no_data: String,
    /// The thumbnail's place when the file has none: "no\npreview".
    pub no_preview: String,
    /// The printer's times: "ELAPSED", "LEFT", "ETA".
    pub elapsed: String,
    pub left: String,
    pub eta: String,
    /// Above the temperature chart: "LAST 10 MIN · LINES AT 100 AND 200 °C",
    /// from the history's window and the chart's grid lines.
    pub chart_caption: String,
    /// The back control on every page but the overview: "‹ Overview".
    pub back: String,
}

impl Default for LabelsVm {
    fn default() -> Self {
        Self {
            services_title: "SERVICES".to_owned(),
            nodes_title: "PROXMOX NODES".to_owned(),
            cpu: "CPU".to_owned(),
            mem: "MEM".to_owned(),
            no_data: "no data".to_owned(),
            no_preview: "no\npreview".to_owned(),
            elapsed: "ELAPSED".to_owned(),
            left: "LEFT".to_owned(),
            eta: "ETA".to_owned(),
            chart_caption: chart::caption(),
            back: "‹ Overview".to_owned(),
        }
    }
}
