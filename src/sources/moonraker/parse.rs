//! Pure parsing of Moonraker's answers into the core's [`PrinterData`]: no
//! I/O, so every documented shape (objects answered as `{}`, nulls in
//! `print_stats.info` and `display_status`) is tested here.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::core::printer::layers_from_z;
use crate::core::{Failure, FailureKind, Heater, KlippyState, PrintState, PrinterData};
use crate::sources::http::first_line;

/// The objects the panel needs, as the query string of
/// `/printer/objects/query` (all fields of each).
pub const OBJECTS_QUERY: &str =
    "webhooks&print_stats&virtual_sdcard&display_status&extruder&heater_bed&fan&gcode_move";

#[derive(Debug, Deserialize)]
struct Envelope<T> {
    result: T,
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
}

pub(super) fn result<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, Failure> {
    serde_json::from_slice::<Envelope<T>>(bytes)
        .map(|e| e.result)
        .map_err(|e| {
            Failure::new(
                FailureKind::BadResponse,
                format!("{what}: not the documented answer ({e})"),
            )
        })
}

/// The message of an error envelope `{"error": {"code", "message"}}`, first
/// line only.
pub fn error_message(bytes: &[u8]) -> Option<String> {
    let e: ErrorEnvelope = serde_json::from_slice(bytes).ok()?;
    Some(first_line(&e.error.message).to_owned()).filter(|m| !m.is_empty())
}

/// `/server/info`: whether Klipper is connected and its state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServerInfo {
    #[serde(default)]
    pub klippy_connected: bool,
    #[serde(default)]
    pub klippy_state: String,
}

impl ServerInfo {
    /// Klipper's state; an unknown word counts as an error, and a
    /// disconnected socket wins over a stale "ready".
    pub fn klippy(&self) -> KlippyState {
        if !self.klippy_connected {
            return KlippyState::Disconnected;
        }
        klippy_state(&self.klippy_state)
    }
}

/// Parses `/server/info`.
pub fn server_info(bytes: &[u8]) -> Result<ServerInfo, Failure> {
    result(bytes, "/server/info")
}

/// Klipper's state word as Moonraker sends it.
pub fn klippy_state(word: &str) -> KlippyState {
    match word {
        "ready" => KlippyState::Ready,
        "startup" => KlippyState::Startup,
        "shutdown" => KlippyState::Shutdown,
        "disconnected" => KlippyState::Disconnected,
        _ => KlippyState::Error,
    }
}

#[derive(Debug, Deserialize)]
struct PrinterInfo {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    state_message: Option<String>,
}

/// Parses `/printer/info`: Klipper's state and the first line of its message.
pub fn printer_info(bytes: &[u8]) -> Result<(Option<KlippyState>, Option<String>), Failure> {
    let info: PrinterInfo = result(bytes, "/printer/info")?;
    let message = info
        .state_message
        .as_deref()
        .map(|m| first_line(m).to_owned())
        .filter(|m| !m.is_empty());
    Ok((info.state.as_deref().map(klippy_state), message))
}

/// The printer objects of one `/printer/objects/query` answer. Each may be
/// missing, `null` or `{}` (a printer without that object).
#[derive(Debug, Default, Deserialize)]
pub struct Status {
    #[serde(default)]
    pub webhooks: Option<Webhooks>,
    #[serde(default)]
    pub print_stats: Option<PrintStats>,
    #[serde(default)]
    pub virtual_sdcard: Option<VirtualSdcard>,
    #[serde(default)]
    pub display_status: Option<DisplayStatus>,
    #[serde(default)]
    pub extruder: Option<HeaterObject>,
    #[serde(default)]
    pub heater_bed: Option<HeaterObject>,
    #[serde(default)]
    pub fan: Option<Fan>,
    #[serde(default)]
    pub gcode_move: Option<GcodeMove>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Webhooks {
    pub state: Option<String>,
    pub state_message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PrintStats {
    pub filename: Option<String>,
    pub state: Option<String>,
    pub print_duration: Option<f64>,
    pub total_duration: Option<f64>,
    pub filament_used: Option<f64>,
    pub message: Option<String>,
    pub info: Option<PrintInfo>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PrintInfo {
    pub current_layer: Option<f64>,
    pub total_layer: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct VirtualSdcard {
    pub progress: Option<f64>,
    pub file_position: Option<f64>,
    pub is_active: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DisplayStatus {
    pub progress: Option<f64>,
    pub message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HeaterObject {
    pub temperature: Option<f64>,
    pub target: Option<f64>,
    pub power: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Fan {
    pub speed: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct GcodeMove {
    pub speed_factor: Option<f64>,
    pub gcode_position: Option<Vec<f64>>,
}

#[derive(Debug, Deserialize)]
struct Query {
    status: Status,
}

/// Parses `/printer/objects/query`.
pub fn objects(bytes: &[u8]) -> Result<Status, Failure> {
    result::<Query>(bytes, "/printer/objects/query").map(|q| q.status)
}

/// A thumbnail the metadata lists.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ThumbnailRef {
    #[serde(default)]
    pub width: u32,
    #[serde(default)]
    pub height: u32,
    #[serde(default)]
    pub size: u64,
    pub relative_path: String,
}

/// What `/server/files/metadata` says about a file, as far as the panel cares.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Metadata {
    #[serde(default)]
    pub modified: Option<f64>,
    #[serde(default)]
    pub estimated_time: Option<f64>,
    #[serde(default)]
    pub filament_total: Option<f64>,
    #[serde(default)]
    pub object_height: Option<f64>,
    #[serde(default)]
    pub layer_height: Option<f64>,
    #[serde(default)]
    pub first_layer_height: Option<f64>,
    #[serde(default)]
    pub layer_count: Option<f64>,
    #[serde(default)]
    pub gcode_start_byte: Option<f64>,
    #[serde(default)]
    pub gcode_end_byte: Option<f64>,
    #[serde(default)]
    pub thumbnails: Option<Vec<ThumbnailRef>>,
}

/// Parses `/server/files/metadata`.
pub fn metadata(bytes: &[u8]) -> Result<Metadata, Failure> {
    result(bytes, "/server/files/metadata")
}

#[derive(Debug, Deserialize)]
struct StoreSeries {
    #[serde(default)]
    temperatures: Vec<Option<f64>>,
}

/// Parses `/server/temperature_store`: the extruder's and the bed's
/// temperatures, one a second, oldest first (nulls dropped).
pub fn temperature_store(bytes: &[u8]) -> Result<(Vec<f64>, Vec<f64>), Failure> {
    let mut store: std::collections::HashMap<String, StoreSeries> =
        result(bytes, "/server/temperature_store")?;
    let mut take = |name: &str| {
        store
            .remove(name)
            .map(|s| s.temperatures.into_iter().flatten().collect())
            .unwrap_or_default()
    };
    Ok((take("extruder"), take("heater_bed")))
}

fn print_state(word: Option<&str>) -> PrintState {
    match word {
        Some("printing") => PrintState::Printing,
        Some("paused") => PrintState::Paused,
        Some("complete") => PrintState::Complete,
        Some("cancelled") => PrintState::Cancelled,
        Some("error") => PrintState::Error,
        _ => PrintState::Standby,
    }
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite())
}

fn to_layer(v: Option<f64>) -> Option<u32> {
    finite(v)
        .filter(|v| *v >= 0.0)
        .map(|v| v.min(f64::from(u32::MAX)) as u32)
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.map(|m| first_line(m).to_owned())
        .filter(|m| !m.is_empty())
}

/// File progress 0..=1. Like Mainsail's default: the file position relative
/// to the gcode's first and last byte when the metadata knows them (so a
/// long thumbnail header does not count), else `virtual_sdcard.progress`,
/// else the display's (M73) progress.
fn progress(s: &Status, meta: Option<&Metadata>, state: PrintState) -> f64 {
    if state == PrintState::Complete {
        return 1.0;
    }
    let sd = s.virtual_sdcard.as_ref();
    let relative = meta.and_then(|m| {
        let (start, end) = (finite(m.gcode_start_byte)?, finite(m.gcode_end_byte)?);
        let pos = finite(sd?.file_position)?;
        (end > start && pos > 0.0).then(|| (pos - start) / (end - start))
    });
    relative
        .or_else(|| finite(sd.and_then(|v| v.progress)))
        .or_else(|| finite(s.display_status.as_ref().and_then(|d| d.progress)))
        .unwrap_or(0.0)
        .clamp(0.0, 1.0)
}

/// The panel's data from one objects query and the file's metadata (when
/// known). The thumbnail, the jobs and the seed are the caller's.
pub fn printer_data(s: &Status, meta: Option<&Metadata>) -> PrinterData {
    let ps = s.print_stats.as_ref();
    let state = print_state(ps.and_then(|p| p.state.as_deref()));
    let active = matches!(state, PrintState::Printing | PrintState::Paused);
    let info = ps.and_then(|p| p.info.as_ref());
    let (mut current, mut total) = (
        to_layer(info.and_then(|i| i.current_layer)),
        to_layer(info.and_then(|i| i.total_layer)).filter(|t| *t > 0),
    );
    if let Some(m) = meta {
        let z = s
            .gcode_move
            .as_ref()
            .and_then(|g| g.gcode_position.as_ref())
            .and_then(|p| p.get(2).copied());
        let (zc, zt) = layers_from_z(z, m.layer_height, m.first_layer_height, m.object_height);
        total = total.or(to_layer(m.layer_count).filter(|t| *t > 0)).or(zt);
        current = current.or(zc).map(|c| total.map_or(c, |t| c.min(t)));
    }
    let display = s.display_status.as_ref();
    let message = non_empty(display.and_then(|d| d.message.as_ref()))
        .or_else(|| non_empty(ps.and_then(|p| p.message.as_ref())));
    PrinterData {
        klippy: KlippyState::Ready,
        klippy_message: None,
        state,
        filename: ps
            .and_then(|p| p.filename.clone())
            .filter(|f| !f.is_empty()),
        progress: progress(s, meta, state),
        print_duration_s: finite(ps.and_then(|p| p.print_duration)).unwrap_or(0.0),
        total_duration_s: finite(ps.and_then(|p| p.total_duration)).unwrap_or(0.0),
        filament_used_mm: finite(ps.and_then(|p| p.filament_used)).unwrap_or(0.0),
        current_layer: current.filter(|_| active || state == PrintState::Error),
        total_layers: total.filter(|_| active || state == PrintState::Error),
        extruder: heater_of(s.extruder.as_ref()),
        bed: heater_of(s.heater_bed.as_ref()),
        fan: finite(s.fan.as_ref().and_then(|f| f.speed)).map(|f| f.clamp(0.0, 1.0)),
        speed_factor: finite(s.gcode_move.as_ref().and_then(|g| g.speed_factor)),
        message,
        slicer_estimate_s: meta
            .and_then(|m| finite(m.estimated_time))
            .filter(|e| *e > 0.0),
        filament_total_mm: meta
            .and_then(|m| finite(m.filament_total))
            .filter(|f| *f > 0.0),
        thumbnail: None,
        jobs: Vec::new(),
        seed: None,
    }
}

fn heater_of(h: Option<&HeaterObject>) -> Heater {
    let Some(h) = h else {
        return Heater::default();
    };
    Heater {
        temperature: finite(h.temperature).unwrap_or(0.0),
        target: finite(h.target).unwrap_or(0.0),
        power: finite(h.power).map(|p| p.clamp(0.0, 1.0)),
    }
}

/// The panel's data when Klipper is not ready: its state and the first line
/// of why.
pub fn not_ready(klippy: KlippyState, message: Option<String>) -> PrinterData {
    PrinterData {
        klippy,
        klippy_message: message,
        ..PrinterData::default()
    }
}

#[cfg(test)]
mod tests;
