//! Pure parsing of Moonraker's answers into the core's [`PrinterData`]: no
//! I/O, so every documented shape (objects answered as `{}`, nulls in
//! `print_stats.info` and `display_status`) is tested here.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::core::printer::layers_from_z;
use crate::core::{Failure, FailureKind, Heater, KlippyState, PrintState, PrinterData, Thumbnail};

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

fn result<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, Failure> {
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
    Some(first_line(&e.error.message)).filter(|m| !m.is_empty())
}

/// The first non-empty line, trimmed.
pub fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_owned()
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
        .map(first_line)
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

/// The thumbnail that best fits a square of `side` pixels: the smallest at
/// least that wide, or else the largest there is.
pub fn best_thumbnail(thumbs: &[ThumbnailRef], side: u32) -> Option<&ThumbnailRef> {
    let fits = thumbs
        .iter()
        .filter(|t| t.width >= side && t.height >= side / 2)
        .min_by_key(|t| t.width);
    fits.or_else(|| thumbs.iter().max_by_key(|t| t.width))
}

/// The path segments of a thumbnail under `/server/files/gcodes/`: the
/// file's folder, then the thumbnail's relative path. `None` if the relative
/// path tries to climb out of the folder.
pub fn thumbnail_segments(filename: &str, relative_path: &str) -> Option<Vec<String>> {
    let mut segments: Vec<String> = filename.split('/').map(str::to_owned).collect();
    segments.pop();
    for part in relative_path.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => segments.push(p.to_owned()),
        }
    }
    segments.retain(|s| !s.is_empty());
    Some(segments)
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
    s.map(|m| first_line(m)).filter(|m| !m.is_empty())
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
/// known). The thumbnail and the history are the caller's.
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
        history: Default::default(),
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

/// The largest image a thumbnail may decode to (each side), so a hostile or
/// broken file cannot exhaust the Pi's memory.
const MAX_DECODED_SIDE: u32 = 1024;

/// Decodes a thumbnail (PNG or JPEG) and scales it to fit a square of
/// `side` pixels, keeping its aspect ratio.
pub fn decode_thumbnail(bytes: &[u8], side: u32) -> Result<Thumbnail, String> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read the thumbnail: {e}"))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(16 * 1024 * 1024);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| format!("cannot decode the thumbnail: {e}"))?
        .to_rgba8();
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return Err("the thumbnail is empty".into());
    }
    let scale = (f64::from(side) / f64::from(w.max(h))).min(1.0);
    let (nw, nh) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    let img = if (nw, nh) == (w, h) {
        img
    } else {
        image::imageops::resize(&img, nw, nh, image::imageops::FilterType::Triangle)
    };
    Ok(Thumbnail {
        width: nw,
        height: nh,
        rgba: std::sync::Arc::new(img.into_raw()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!("../../../tests/fixtures/moonraker/", $name)).as_slice()
        };
    }

    fn data(objects_fixture: &[u8], with_meta: bool) -> PrinterData {
        let status = objects(objects_fixture).expect("documented objects answer");
        let meta = metadata(fixture!("metadata.json")).expect("documented metadata");
        printer_data(&status, with_meta.then_some(&meta))
    }

    #[test]
    fn server_info_gives_the_klippy_state() {
        let ready = server_info(fixture!("server_info_ready.json")).expect("parses");
        assert_eq!(ready.klippy(), KlippyState::Ready);
        let error = server_info(fixture!("server_info_error.json")).expect("parses");
        assert_eq!(error.klippy(), KlippyState::Error);
        let gone = server_info(fixture!("server_info_disconnected.json")).expect("parses");
        assert_eq!(gone.klippy(), KlippyState::Disconnected);
        assert_eq!(klippy_state("something new"), KlippyState::Error);
        assert!(server_info(b"{\"result\": 3}").is_err());
        assert!(server_info(b"<html>").is_err_and(|f| f.kind == FailureKind::BadResponse));
    }

    #[test]
    fn printer_info_keeps_the_first_line_of_the_message() {
        let (state, message) = printer_info(fixture!("printer_info_error.json")).expect("parses");
        assert_eq!(state, Some(KlippyState::Error));
        assert_eq!(message.as_deref(), Some("mcu 'mcu': Unable to connect"));
        let (state, message) =
            printer_info(fixture!("printer_info_shutdown.json")).expect("parses");
        assert_eq!(state, Some(KlippyState::Shutdown));
        assert_eq!(
            message.as_deref(),
            Some("Heater extruder not heating at expected rate")
        );
    }

    #[test]
    fn error_envelopes_give_their_message() {
        assert_eq!(
            error_message(fixture!("error_503.json")).as_deref(),
            Some("Klippy Host not connected")
        );
        assert_eq!(
            error_message(fixture!("error_401.json")).as_deref(),
            Some("Unauthorized")
        );
        assert_eq!(error_message(b"Bad Gateway"), None);
    }

    #[test]
    fn a_print_in_progress() {
        let p = data(fixture!("objects_printing.json"), true);
        assert_eq!(p.state, PrintState::Printing);
        assert_eq!(
            p.filename.as_deref(),
            Some("parts/enclosure-hinge_0.2mm_PETG_2h10m.gcode")
        );
        assert!((p.progress - 0.412).abs() < 1e-3, "{}", p.progress);
        assert_eq!((p.current_layer, p.total_layers), (Some(43), Some(118)));
        assert_eq!(p.extruder.target, 240.0);
        assert_eq!(p.extruder.power, Some(0.48));
        assert_eq!(p.bed.temperature, 80.1);
        assert_eq!(p.fan, Some(0.6));
        assert_eq!(p.speed_factor, Some(1.0));
        assert_eq!(p.message.as_deref(), Some("Layer 43 of 118"));
        assert_eq!(p.slicer_estimate_s, Some(7800.0));
        assert_eq!(p.filament_total_mm, Some(8247.86));
        assert_eq!(p.print_duration_s, 3210.5);
    }

    #[test]
    fn null_layer_info_falls_back_to_z_and_the_layer_height() {
        let p = data(fixture!("objects_printing_null_layers.json"), true);
        // Z 8.6 mm, 0.2 mm layers, 23.6 mm object.
        assert_eq!((p.current_layer, p.total_layers), (Some(43), Some(118)));
        // The fan object answered `{}`: no reading, not 0 %.
        assert_eq!(p.fan, None);
        assert_eq!(p.message, None);
        // Without metadata there is nothing to derive from.
        let p = data(fixture!("objects_printing_null_layers.json"), false);
        assert_eq!((p.current_layer, p.total_layers), (None, None));
    }

    #[test]
    fn every_print_state_is_read() {
        let state = |bytes| data(bytes, true).state;
        assert_eq!(state(fixture!("objects_paused.json")), PrintState::Paused);
        assert_eq!(
            state(fixture!("objects_complete.json")),
            PrintState::Complete
        );
        assert_eq!(
            state(fixture!("objects_cancelled.json")),
            PrintState::Cancelled
        );
        assert_eq!(state(fixture!("objects_error.json")), PrintState::Error);
        assert_eq!(state(fixture!("objects_standby.json")), PrintState::Standby);
        let failed = data(fixture!("objects_error.json"), true);
        assert_eq!(
            failed.message.as_deref(),
            Some("Move out of range: 235.000 117.200 12.200 [2961.412]")
        );
        let done = data(fixture!("objects_complete.json"), true);
        assert_eq!(done.progress, 1.0);
        assert_eq!(done.current_layer, None);
        let idle = data(fixture!("objects_standby.json"), false);
        assert_eq!(idle.filename, None);
    }

    #[test]
    fn missing_and_empty_objects_are_tolerated() {
        let status = objects(br#"{"result": {"eventtime": 1.0, "status": {"print_stats": {}, "extruder": {}, "heater_bed": null}}}"#)
            .expect("objects answered as {} or null still parse");
        let p = printer_data(&status, None);
        assert_eq!(p.state, PrintState::Standby);
        assert_eq!(p.extruder, Heater::default());
        assert_eq!((p.fan, p.speed_factor), (None, None));
        assert!(
            objects(br#"{"result": {"status": {"extruder": {"temperature": "hot"}}}}"#).is_err()
        );
    }

    #[test]
    fn the_best_fitting_thumbnail_is_chosen() {
        let meta = metadata(fixture!("metadata.json")).expect("parses");
        let thumbs = meta.thumbnails.unwrap_or_default();
        assert_eq!(best_thumbnail(&thumbs, 96).map(|t| t.width), Some(300));
        assert_eq!(best_thumbnail(&thumbs, 24).map(|t| t.width), Some(32));
        assert_eq!(best_thumbnail(&thumbs, 500).map(|t| t.width), Some(300));
        assert_eq!(best_thumbnail(&[], 96), None);
    }

    #[test]
    fn thumbnails_live_beside_their_file() {
        assert_eq!(
            thumbnail_segments("parts/a b.gcode", ".thumbs/a b-300x300.png"),
            Some(vec![
                "parts".into(),
                ".thumbs".into(),
                "a b-300x300.png".into()
            ])
        );
        assert_eq!(
            thumbnail_segments("a.gcode", ".thumbs/a.png"),
            Some(vec![".thumbs".into(), "a.png".into()])
        );
        assert_eq!(thumbnail_segments("a.gcode", "../../etc/passwd"), None);
    }

    #[test]
    fn thumbnails_decode_and_scale_and_corrupt_ones_fail_cleanly() {
        let t = decode_thumbnail(fixture!("thumb-300x300.png"), 96).expect("valid PNG");
        assert_eq!((t.width, t.height), (96, 96));
        assert_eq!(t.rgba.len(), 96 * 96 * 4);
        let small = decode_thumbnail(fixture!("thumb-32x32.png"), 96).expect("valid PNG");
        assert_eq!((small.width, small.height), (32, 32));
        assert!(decode_thumbnail(fixture!("corrupt.png"), 96).is_err());
        assert!(decode_thumbnail(b"", 96).is_err());
    }

    #[test]
    fn the_temperature_store_gives_both_heaters() {
        let (e, b) = temperature_store(fixture!("temperature_store.json")).expect("parses");
        assert_eq!((e.len(), b.len()), (1200, 1200));
        assert!(e.last().is_some_and(|t| *t > 239.0));
    }
}
