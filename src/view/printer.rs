//! The printer panel: a full panel while a print runs, a compact strip when
//! the printer is idle, done or offline, so the tiles get the room.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::{Tone, format};
use crate::core::printer::time_left_s;
use crate::core::{Health, KlippyState, PrintState, PrinterData, SourceState, Thumbnail};

/// A heater against its target.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct TemperatureVm {
    pub current: f64,
    pub target: f64,
    /// "heating", "cooling" or "steady".
    pub trend: String,
    /// "238 / 240 °C ↑".
    pub text: String,
}

/// The printer panel.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PrinterVm {
    /// Whether a printer is configured at all.
    pub configured: bool,
    pub name: String,
    /// The strip form (idle, done, offline) instead of the full panel.
    pub compact: bool,
    /// "printing", "paused", "complete", "cancelled", "error", "standby",
    /// "offline", or "klippy_<state>" when Klipper is not ready.
    pub state: String,
    pub klippy_state: Option<KlippyState>,
    /// The state in words: "Printing", "Klipper shutdown", "Offline".
    pub state_text: String,
    pub tone: Tone,
    pub filename: Option<String>,
    pub progress: f64,
    pub progress_text: String,
    pub elapsed: String,
    pub time_left_s: Option<f64>,
    pub time_left: String,
    pub eta: Option<DateTime<Utc>>,
    pub eta_text: String,
    pub extruder: TemperatureVm,
    pub bed: TemperatureVm,
    pub layer: String,
    pub fan: String,
    pub speed: String,
    pub message: Option<String>,
    /// Why it is offline or not ready, in words.
    pub detail: String,
    #[serde(skip)]
    pub thumbnail: Option<Thumbnail>,
}

fn temperature(h: &crate::core::Heater) -> TemperatureVm {
    let trend = if h.target > 0.0 && h.temperature < h.target - 2.0 {
        "heating"
    } else if (h.target == 0.0 && h.temperature > 45.0)
        || h.temperature > h.target + 2.0 && h.target > 0.0
    {
        "cooling"
    } else {
        "steady"
    };
    let arrow = match trend {
        "heating" => " ↑",
        "cooling" => " ↓",
        _ => "",
    };
    TemperatureVm {
        current: h.temperature,
        target: h.target,
        trend: trend.to_owned(),
        text: format!("{}{arrow}", format::temperature(h.temperature, h.target)),
    }
}

/// The file's name without folders or the .gcode extension.
fn display_name(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.strip_suffix(".gcode").unwrap_or(base).to_owned()
}

fn state_words(p: &PrinterData) -> (String, String, Tone) {
    if p.klippy != KlippyState::Ready {
        let k = match p.klippy {
            KlippyState::Startup => "startup",
            KlippyState::Shutdown => "shutdown",
            KlippyState::Error => "error",
            KlippyState::Disconnected => "disconnected",
            KlippyState::Ready => "ready",
        };
        let tone = if p.klippy == KlippyState::Startup {
            Tone::Info
        } else {
            Tone::Bad
        };
        return (format!("klippy_{k}"), format!("Klipper {k}"), tone);
    }
    let (id, words, tone) = match p.state {
        PrintState::Standby => ("standby", "Idle", Tone::Ok),
        PrintState::Printing => ("printing", "Printing", Tone::Info),
        PrintState::Paused => ("paused", "Paused", Tone::Warn),
        PrintState::Complete => ("complete", "Complete", Tone::Ok),
        PrintState::Cancelled => ("cancelled", "Cancelled", Tone::Warn),
        PrintState::Error => ("error", "Print failed", Tone::Bad),
    };
    (id.to_owned(), words.to_owned(), tone)
}

/// Builds the panel from the Moonraker source's record.
pub(super) fn panel(s: Option<&SourceState>, now: DateTime<Utc>, offset: FixedOffset) -> PrinterVm {
    let Some(s) = s else {
        return PrinterVm::default();
    };
    let name = s.settings.name.clone();
    let health = s.health(now);
    let data = match s.data.as_ref() {
        Some(crate::core::SourceData::Moonraker(p)) => Some(p.as_ref()),
        _ => None,
    };
    if matches!(health, Health::Lost | Health::Error) || data.is_none() {
        let age = s
            .data_age(now)
            .map(|a| format!(" · data {} old", format::age(a.as_secs())));
        let reason = s
            .reason(now)
            .unwrap_or_else(|| "waiting for the first answer".into());
        let offline = matches!(health, Health::Lost | Health::Error);
        return PrinterVm {
            configured: true,
            name,
            compact: true,
            state: if offline { "offline" } else { "waiting" }.to_owned(),
            state_text: if offline { "Offline" } else { "Connecting" }.to_owned(),
            tone: if offline { Tone::Bad } else { Tone::Unknown },
            detail: format!("{reason}{}", age.unwrap_or_default()),
            ..PrinterVm::default()
        };
    }
    let Some(p) = data else {
        return PrinterVm::default();
    };
    let (state, state_text, tone) = state_words(p);
    let active = p.klippy == KlippyState::Ready
        && matches!(
            p.state,
            PrintState::Printing | PrintState::Paused | PrintState::Error
        );
    let left = time_left_s(p);
    let eta = left
        .and_then(|l| chrono::Duration::try_seconds(l.round() as i64))
        .map(|d| now + d);
    let layer = match (p.current_layer, p.total_layers) {
        (Some(c), Some(t)) => format!("Layer {c} / {t}"),
        (Some(c), None) => format!("Layer {c}"),
        _ => "Layer –".to_owned(),
    };
    PrinterVm {
        configured: true,
        name,
        compact: !active,
        state,
        klippy_state: Some(p.klippy),
        state_text,
        tone,
        filename: p
            .filename
            .as_deref()
            .filter(|f| !f.is_empty())
            .map(display_name),
        progress: p.progress.clamp(0.0, 1.0),
        progress_text: format::percent(p.progress.clamp(0.0, 1.0)),
        elapsed: format::duration(p.print_duration_s),
        time_left_s: left,
        time_left: left.map(format::duration).unwrap_or_else(|| "–".to_owned()),
        eta,
        eta_text: eta
            .map(|t| format::clock(t, offset))
            .unwrap_or_else(|| "–".to_owned()),
        extruder: temperature(&p.extruder),
        bed: temperature(&p.bed),
        layer,
        fan: p
            .fan
            .map(|f| format!("Fan {}", format::percent(f)))
            .unwrap_or_default(),
        speed: p
            .speed_factor
            .map(|f| format!("Speed {}", format::percent(f)))
            .unwrap_or_default(),
        message: p.message.clone().filter(|m| !m.is_empty()),
        detail: p.klippy_message.clone().unwrap_or_default(),
        thumbnail: p.thumbnail.clone(),
    }
}
