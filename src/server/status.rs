//! The `/api/status` document: the view model, in the stable schema that
//! ARCHITECTURE.md documents. Built from the view model only, so it says
//! exactly what the screen shows.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::core::{KlippyState, Overall};
use crate::view::{
    AlertsVm, BadgesVm, CardsVm, ConfigVm, DisplayVm, GuestsVm, HeaderVm, LabelsVm, NodeVm,
    OverlayVm, PageVm, PagesVm, PrinterState, ServiceVm, SetupVm, SourceVm, StorageVm, SummariesVm,
    TemperatureVm, TileVm, Tone, ViewModel,
};

/// Bumped only for incompatible changes to this document.
pub const SCHEMA_VERSION: u32 = 1;

/// The document's top-level keys in schema 1, as ARCHITECTURE.md documents
/// them; the tests hold the served document to exactly these.
pub const TOP_LEVEL_KEYS: [&str; 21] = [
    "schema",
    "overall",
    "header",
    "sources",
    "overlay",
    "badges",
    "summaries",
    "services",
    "nodes",
    "guests",
    "storage",
    "alerts",
    "tiles",
    "cards",
    "printer",
    "labels",
    "page",
    "pages",
    "display",
    "setup",
    "config",
];

/// The whole document.
#[derive(Debug, Serialize)]
pub struct Status<'a> {
    pub schema: u32,
    pub overall: &'a Overall,
    /// The header as drawn: the status word and its tone, clock, date, data age.
    pub header: &'a HeaderVm,
    pub sources: &'a [SourceVm],
    pub overlay: &'a OverlayVm,
    /// Each source's panel badge ("OFFLINE · 3 min old").
    pub badges: &'a BadgesVm,
    /// The section summaries ("7 / 8 up").
    pub summaries: &'a SummariesVm,
    pub services: &'a [ServiceVm],
    pub nodes: &'a [NodeVm],
    pub guests: &'a GuestsVm,
    pub storage: &'a StorageVm,
    pub alerts: &'a AlertsVm,
    pub tiles: &'a [TileVm],
    /// The cards as drawn, from the panels above.
    pub cards: &'a CardsVm,
    pub printer: PrinterStatus<'a>,
    /// The fixed words: section titles, meter and time names, the chart's
    /// caption.
    pub labels: &'a LabelsVm,
    /// The page on the glass: its name, title, focus and scroll.
    pub page: &'a PageVm,
    /// Every page's own words: section titles, empty states, the Proxmox
    /// guests, the printer's filament, the focused row.
    pub pages: &'a PagesVm,
    /// The display's power: `state` ("on", "dim", "off"), `level` (dim
    /// only), `reason` ("quiet hours until 07:00", "woken by: tower1
    /// offline"), `until` (local "HH:MM" or null), `hardware` (the
    /// configured backlight or motion sensor that could not be opened, each
    /// with its fix; empty when all is well).
    pub display: &'a DisplayVm,
    /// The setup screen's words while piboard has no config or its config
    /// does not load (`title`, `tone`, `problem`, `hostname`, `addresses`,
    /// `url`, `qr`, `command`, ...); null when the dashboard runs.
    pub setup: Option<&'a SetupVm>,
    /// The config reload: `banner` (why the file on disk was not applied,
    /// "" when it was) and `needs_restart` (the settings it changed that
    /// only a restart applies).
    pub config: &'a ConfigVm,
}

/// The printer panel's facts and words.
#[derive(Debug, Serialize)]
pub struct PrinterStatus<'a> {
    pub configured: bool,
    pub name: &'a str,
    pub state: PrinterState,
    pub klippy_state: Option<KlippyState>,
    pub state_text: &'a str,
    /// `null` when no file is shown.
    pub filename: Option<&'a str>,
    /// 0.0 to 1.0.
    pub progress: f64,
    pub time_left_s: Option<f64>,
    pub eta: Option<DateTime<Utc>>,
    pub temperatures: Temperatures<'a>,
    /// `null` when no message is shown.
    pub message: Option<&'a str>,
    /// The message as drawn, in quotes; empty when none.
    pub quoted_message: &'a str,
    pub detail: &'a str,
    /// The strip's line after the state: the detail, else the file's name.
    pub strip_detail: &'a str,
    /// The heaters on the strip; empty without a reading.
    pub strip_temperatures: &'a str,
    /// The strip form instead of the full panel.
    pub compact: bool,
    pub glyph: &'a str,
    pub tone: Tone,
    pub progress_text: &'a str,
    pub elapsed: &'a str,
    pub time_left: &'a str,
    pub eta_text: &'a str,
    pub layer: &'a str,
    pub fan_speed: &'a str,
    pub hint: &'a str,
}

/// Heaters against their targets, in °C.
#[derive(Debug, Serialize)]
pub struct Temperatures<'a> {
    pub extruder: &'a TemperatureVm,
    pub bed: &'a TemperatureVm,
}

/// `None` for text the screen leaves empty (schema 1 has `null` there).
fn shown(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

impl<'a> PrinterStatus<'a> {
    fn new(p: &'a crate::view::PrinterVm) -> Self {
        Self {
            configured: p.configured,
            name: &p.name,
            state: p.state,
            klippy_state: p.klippy_state,
            state_text: &p.state_text,
            filename: shown(&p.filename),
            progress: p.progress,
            time_left_s: p.time_left_s,
            eta: p.eta,
            temperatures: Temperatures {
                extruder: &p.extruder,
                bed: &p.bed,
            },
            message: shown(&p.message),
            quoted_message: &p.quoted_message,
            detail: &p.detail,
            strip_detail: &p.strip_detail,
            strip_temperatures: &p.strip_temperatures,
            compact: p.compact,
            glyph: &p.glyph,
            tone: p.tone,
            progress_text: &p.progress_text,
            elapsed: &p.elapsed,
            time_left: &p.time_left,
            eta_text: &p.eta_text,
            layer: &p.layer,
            fan_speed: &p.fan_speed,
            hint: &p.hint,
        }
    }
}

impl<'a> Status<'a> {
    /// The document for `vm`.
    pub fn new(vm: &'a ViewModel) -> Self {
        Self {
            schema: SCHEMA_VERSION,
            overall: &vm.overall,
            header: &vm.header,
            sources: &vm.sources,
            overlay: &vm.overlay,
            badges: &vm.badges,
            summaries: &vm.summaries,
            services: &vm.services,
            nodes: &vm.nodes,
            guests: &vm.guests,
            storage: &vm.storage,
            alerts: &vm.alerts,
            tiles: &vm.tiles,
            cards: &vm.cards,
            printer: PrinterStatus::new(&vm.printer),
            labels: &vm.labels,
            page: &vm.page,
            pages: &vm.pages,
            display: &vm.display,
            setup: vm.setup.as_ref(),
            config: &vm.config,
        }
    }

    /// The document as JSON text.
    pub fn to_json(vm: &ViewModel) -> String {
        // Plain data with string keys: serializing cannot fail.
        serde_json::to_string(&Status::new(vm)).unwrap_or_else(|e| {
            tracing::error!("cannot serialize the status: {e}");
            "{}".to_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_has_every_documented_key() {
        let vm = crate::demo::frame(75);
        let v: serde_json::Value =
            serde_json::from_str(&Status::to_json(&vm)).expect("the status is JSON");
        let keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut documented = TOP_LEVEL_KEYS.to_vec();
        documented.sort_unstable();
        assert_eq!(
            keys, documented,
            "the document's keys are the documented ones"
        );
        assert_eq!(v["page"]["name"], "overview");
        assert_eq!(v["page"]["focus"], serde_json::Value::Null);
        // The words the screen shows, as the bridge copies them.
        assert_eq!(v["header"]["status"], "CRITICAL");
        assert_eq!(v["header"]["tone"], "bad");
        assert_eq!(v["summaries"]["nodes"], "4 / 5 online");
        assert_eq!(v["cards"]["guests"]["title"], "GUESTS");
        assert_eq!(v["badges"]["proxmox"]["visible"], false);
        assert_eq!(
            v["badges"]["prometheus"]["visible"], false,
            "the overlay covers the Prometheus panels, not a badge"
        );
        assert_eq!(v["overlay"]["visible"], true);
        let prom = &v["sources"][0];
        assert_eq!(prom["kind"], "prometheus");
        assert_eq!(prom["state"], "lost");
        assert!(
            prom["last_success"]
                .as_str()
                .is_some_and(|s| s.contains('T'))
        );
        for key in [
            "state",
            "klippy_state",
            "filename",
            "progress",
            "eta",
            "temperatures",
            "glyph",
            "fan_speed",
            "eta_text",
            "quoted_message",
            "strip_detail",
            "strip_temperatures",
        ] {
            assert!(v["printer"].get(key).is_some(), "missing printer.{key}");
        }
        assert!(v["printer"]["temperatures"]["extruder"]["current"].is_number());
        // The fixed words and the joined lines, as drawn.
        assert_eq!(v["labels"]["nodes_title"], "PROXMOX NODES");
        assert_eq!(
            v["labels"]["chart_caption"],
            crate::view::LabelsVm::default().chart_caption
        );
        assert!(
            v["overlay"]["footer"]
                .as_str()
                .is_some_and(|f| f.starts_with("Data shown is") && f.contains(" · Next retry")),
            "{}",
            v["overlay"]
        );
        assert!(
            v["nodes"][0]["status"]
                .as_str()
                .is_some_and(|s| s.starts_with("up "))
        );
    }
}
