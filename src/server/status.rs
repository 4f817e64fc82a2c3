//! The `/api/status` document: the view model, in the stable schema that
//! ARCHITECTURE.md documents. Built from the view model only, so it says
//! exactly what the screen shows.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::core::{KlippyState, Overall};
use crate::view::{
    AlertsVm, GuestsVm, NodeVm, OverlayVm, ServiceVm, SourceVm, StorageVm, TemperatureVm, TileVm,
    ViewModel,
};

/// Bumped only for incompatible changes to this document.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Serialize)]
pub struct Status<'a> {
    pub schema: u32,
    pub overall: &'a Overall,
    pub sources: &'a [SourceVm],
    pub overlay: &'a OverlayVm,
    pub services: &'a [ServiceVm],
    pub nodes: &'a [NodeVm],
    pub guests: &'a GuestsVm,
    pub storage: &'a StorageVm,
    pub alerts: &'a AlertsVm,
    pub tiles: &'a [TileVm],
    pub printer: PrinterStatus<'a>,
}

/// The printer panel's facts.
#[derive(Debug, Serialize)]
pub struct PrinterStatus<'a> {
    pub configured: bool,
    pub name: &'a str,
    pub state: &'a str,
    pub klippy_state: Option<KlippyState>,
    pub state_text: &'a str,
    pub filename: Option<&'a str>,
    /// 0.0 to 1.0.
    pub progress: f64,
    pub time_left_s: Option<f64>,
    pub eta: Option<DateTime<Utc>>,
    pub temperatures: Temperatures<'a>,
    pub message: Option<&'a str>,
    pub detail: &'a str,
}

/// Heaters against their targets, in °C.
#[derive(Debug, Serialize)]
pub struct Temperatures<'a> {
    pub extruder: &'a TemperatureVm,
    pub bed: &'a TemperatureVm,
}

impl<'a> Status<'a> {
    pub fn new(vm: &'a ViewModel) -> Self {
        let p = &vm.printer;
        Self {
            schema: SCHEMA_VERSION,
            overall: &vm.overall,
            sources: &vm.sources,
            overlay: &vm.overlay,
            services: &vm.services,
            nodes: &vm.nodes,
            guests: &vm.guests,
            storage: &vm.storage,
            alerts: &vm.alerts,
            tiles: &vm.tiles,
            printer: PrinterStatus {
                configured: p.configured,
                name: &p.name,
                state: &p.state,
                klippy_state: p.klippy_state,
                state_text: &p.state_text,
                filename: p.filename.as_deref(),
                progress: p.progress,
                time_left_s: p.time_left_s,
                eta: p.eta,
                temperatures: Temperatures {
                    extruder: &p.extruder,
                    bed: &p.bed,
                },
                message: p.message.as_deref(),
                detail: &p.detail,
            },
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
        for key in [
            "schema", "overall", "sources", "overlay", "services", "nodes", "guests", "storage",
            "alerts", "tiles", "printer",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
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
        ] {
            assert!(v["printer"].get(key).is_some(), "missing printer.{key}");
        }
        assert!(v["printer"]["temperatures"]["extruder"]["current"].is_number());
    }
}
