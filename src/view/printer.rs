//! The printer panel: a full panel while a print runs, a compact strip when
//! the printer is idle, done or offline, so the tiles get the room.
//!
//! The panel's state ([`PrinterState`]) is decided once, from the source's
//! health, Klipper's state and the job's; its symbol, words, tone and form
//! follow from it in one table (`looks`).

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::chart::{ChartVm, chart};
use super::heater::{TemperatureVm, temperature};
use super::{Tone, format};
use crate::core::printer::time_left_s;
use crate::core::{
    Health, KlippyState, PrintState, PrinterData, SourceData, SourceState, TempHistory, Thumbnail,
};

/// What the printer panel shows, as one word in `/api/status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterState {
    /// No printer is configured: an empty word in `/api/status`, as schema
    /// 1 has it.
    #[default]
    #[serde(rename = "")]
    Unconfigured,
    /// Configured, but no answer yet.
    Waiting,
    /// Moonraker is lost or refuses us.
    Offline,
    /// Klipper is ready and no job runs.
    Standby,
    Printing,
    Paused,
    Complete,
    Cancelled,
    /// The print failed.
    Error,
    /// Klipper is not ready: starting up, shut down, halted on an error, or
    /// not talking to Moonraker.
    KlippyStartup,
    KlippyShutdown,
    KlippyError,
    KlippyDisconnected,
}

/// The printer panel.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PrinterVm {
    /// Whether a printer is configured at all.
    pub configured: bool,
    pub name: String,
    /// The strip form (idle, done, offline) instead of the full panel.
    pub compact: bool,
    /// The state's symbol, so it is never colour alone: ▶ printing, ‖ paused,
    /// ✓ complete, ■ cancelled, × error or offline, ○ idle.
    pub glyph: String,
    /// Whether the job's details (progress, times, temperatures) apply:
    /// Klipper is ready.
    pub job: bool,
    /// The last minutes of temperatures; empty when there is no history.
    pub chart: ChartVm,
    pub state: PrinterState,
    pub klippy_state: Option<KlippyState>,
    /// The state in words: "Printing", "Klipper shutdown", "Offline".
    pub state_text: String,
    pub tone: Tone,
    /// The file's name without folders or `.gcode`; empty when none.
    pub filename: String,
    pub progress: f64,
    pub progress_text: String,
    pub elapsed: String,
    pub time_left_s: Option<f64>,
    /// "48 min", or "–".
    pub time_left: String,
    pub eta: Option<DateTime<Utc>>,
    /// "10:29", or "–".
    pub eta_text: String,
    pub extruder: TemperatureVm,
    pub bed: TemperatureVm,
    /// "Layer 114 / 180", "Layer 114", "Layer –".
    pub layer: String,
    /// "Fan 60% · Speed 100%", either part left out when unknown.
    pub fan_speed: String,
    /// The display or print message; empty when none.
    pub message: String,
    /// The message as drawn, in quotes: "“Layer 3 of 180”"; empty when none.
    pub quoted_message: String,
    /// Why it is offline or not ready, in words.
    pub detail: String,
    /// What the strip shows after the state: the `detail` if there is one,
    /// else the `filename`.
    pub strip_detail: String,
    /// The heaters on the strip: "Nozzle 240 / 240 °C   Bed 80 / 80 °C";
    /// empty without a reading.
    pub strip_temperatures: String,
    /// What to do about Klipper not being ready.
    pub hint: String,
    #[serde(skip)]
    pub thumbnail: Option<Thumbnail>,
}

/// The state's symbol (Inter has each of these), its words and its tone.
fn looks(state: PrinterState) -> (&'static str, &'static str, Tone) {
    use PrinterState as S;
    match state {
        S::Unconfigured => ("", "", Tone::Unknown),
        S::Waiting => ("…", "Connecting", Tone::Unknown),
        S::Offline => ("×", "Offline", Tone::Bad),
        S::Standby => ("○", "Idle", Tone::Ok),
        S::Printing => ("▶", "Printing", Tone::Info),
        S::Paused => ("‖", "Paused", Tone::Warn),
        S::Complete => ("✓", "Complete", Tone::Ok),
        S::Cancelled => ("■", "Cancelled", Tone::Warn),
        S::Error => ("×", "Print failed", Tone::Bad),
        S::KlippyStartup => ("●", "Klipper startup", Tone::Info),
        S::KlippyShutdown => ("×", "Klipper shutdown", Tone::Bad),
        S::KlippyError => ("×", "Klipper error", Tone::Bad),
        S::KlippyDisconnected => ("?", "Klipper disconnected", Tone::Bad),
    }
}

/// The panel's state when Moonraker answers.
fn state_of(p: &PrinterData) -> PrinterState {
    use PrinterState as S;
    match (p.klippy, p.state) {
        (KlippyState::Startup, _) => S::KlippyStartup,
        (KlippyState::Shutdown, _) => S::KlippyShutdown,
        (KlippyState::Error, _) => S::KlippyError,
        (KlippyState::Disconnected, _) => S::KlippyDisconnected,
        (KlippyState::Ready, PrintState::Standby) => S::Standby,
        (KlippyState::Ready, PrintState::Printing) => S::Printing,
        (KlippyState::Ready, PrintState::Paused) => S::Paused,
        (KlippyState::Ready, PrintState::Complete) => S::Complete,
        (KlippyState::Ready, PrintState::Cancelled) => S::Cancelled,
        (KlippyState::Ready, PrintState::Error) => S::Error,
    }
}

/// Whether the state takes the full panel: a job to follow, or Klipper not
/// ready, which is something to act on (except during its brief startup).
fn full_panel(state: PrinterState) -> bool {
    use PrinterState as S;
    matches!(
        state,
        S::Printing
            | S::Paused
            | S::Error
            | S::KlippyShutdown
            | S::KlippyError
            | S::KlippyDisconnected
    )
}

/// The file's name without folders or the .gcode extension.
fn display_name(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.strip_suffix(".gcode").unwrap_or(base).to_owned()
}

/// "Fan 60% · Speed 100%", leaving out what is unknown.
fn fan_speed(p: &PrinterData) -> String {
    let fan = p.fan.map(|f| format!("Fan {}", format::percent(f)));
    let speed = p
        .speed_factor
        .map(|f| format!("Speed {}", format::percent(f)));
    [fan, speed]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn layer(p: &PrinterData) -> String {
    match (p.current_layer, p.total_layers) {
        (Some(c), Some(t)) => format!("Layer {c} / {t}"),
        (Some(c), None) => format!("Layer {c}"),
        _ => "Layer –".to_owned(),
    }
}

/// What to do about Klipper not being ready.
fn hint(k: KlippyState) -> &'static str {
    match k {
        KlippyState::Ready => "",
        KlippyState::Startup => "Klipper is starting up.",
        KlippyState::Error => "Fix printer.cfg or the MCU link, then FIRMWARE_RESTART.",
        KlippyState::Shutdown => "Fix the cause, then FIRMWARE_RESTART.",
        KlippyState::Disconnected => {
            "Moonraker answers, Klipper does not: is the klipper service running?"
        }
    }
}

/// The heaters as the strip shows them, label before reading; empty
/// without a reading.
fn strip_temperatures(extruder: &TemperatureVm, bed: &TemperatureVm) -> String {
    if extruder.text.is_empty() {
        return String::new();
    }
    format!(
        "{} {}   {} {}",
        extruder.label, extruder.text, bed.label, bed.text
    )
}

/// The panel's state, symbol, words and tone, and the lines joined from
/// its other fields, filled in.
fn with_state(state: PrinterState, vm: PrinterVm) -> PrinterVm {
    let (glyph, words, tone) = looks(state);
    let strip_detail = if vm.detail.is_empty() {
        &vm.filename
    } else {
        &vm.detail
    };
    PrinterVm {
        state,
        glyph: glyph.to_owned(),
        state_text: words.to_owned(),
        tone,
        compact: !full_panel(state),
        quoted_message: if vm.message.is_empty() {
            String::new()
        } else {
            format!("“{}”", vm.message)
        },
        strip_detail: strip_detail.clone(),
        strip_temperatures: strip_temperatures(&vm.extruder, &vm.bed),
        ..vm
    }
}

/// Builds the panel from the Moonraker source's record.
pub(super) fn panel(
    s: Option<&SourceState>,
    temps: &TempHistory,
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> PrinterVm {
    let Some(s) = s else {
        return PrinterVm::default();
    };
    let health = s.health(now);
    match s.data.as_ref() {
        Some(SourceData::Moonraker(p)) if !matches!(health, Health::Lost | Health::Error) => {
            job_panel(&s.settings.name, p, temps, now, offset)
        }
        _ => no_data_panel(s, health, now),
    }
}

/// Waiting for the first answer, or offline: why, and how old the data is.
fn no_data_panel(s: &SourceState, health: Health, now: DateTime<Utc>) -> PrinterVm {
    let age = s
        .data_age(now)
        .map(|a| format!(" · data {} old", format::age(a.as_secs())));
    let reason = s
        .reason(now)
        .unwrap_or_else(|| "waiting for the first answer".into());
    let state = if matches!(health, Health::Lost | Health::Error) {
        PrinterState::Offline
    } else {
        PrinterState::Waiting
    };
    let vm = PrinterVm {
        configured: true,
        name: s.settings.name.clone(),
        detail: format!("{reason}{}", age.unwrap_or_default()),
        ..PrinterVm::default()
    };
    with_state(state, vm)
}

/// Moonraker answers: the job, the heaters, Klipper's state.
fn job_panel(
    name: &str,
    p: &PrinterData,
    temps: &TempHistory,
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> PrinterVm {
    let left = time_left_s(p);
    let eta = left
        .and_then(|l| chrono::Duration::try_seconds(l.round() as i64))
        .map(|d| now + d);
    let progress = p.progress.clamp(0.0, 1.0);
    let vm = PrinterVm {
        configured: true,
        name: name.to_owned(),
        job: p.klippy == KlippyState::Ready,
        chart: chart(temps),
        klippy_state: Some(p.klippy),
        filename: p.filename.as_deref().map(display_name).unwrap_or_default(),
        progress,
        progress_text: format::percent(progress),
        elapsed: format::duration(p.print_duration_s),
        time_left_s: left,
        time_left: left.map(format::duration).unwrap_or_else(|| "–".to_owned()),
        eta,
        eta_text: eta
            .map(|t| format::clock(t, offset))
            .unwrap_or_else(|| "–".to_owned()),
        extruder: temperature("Nozzle", &p.extruder),
        bed: temperature("Bed", &p.bed),
        layer: layer(p),
        fan_speed: fan_speed(p),
        message: p.message.clone().unwrap_or_default(),
        detail: p.klippy_message.clone().unwrap_or_default(),
        hint: hint(p.klippy).to_owned(),
        thumbnail: p.thumbnail.clone(),
        ..PrinterVm::default()
    };
    with_state(state_of(p), vm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Heater;

    #[test]
    fn klipper_not_ready_wins_over_the_job_state_and_takes_the_full_panel() {
        let p = |klippy, state| PrinterData {
            klippy,
            state,
            ..PrinterData::default()
        };
        let shutdown = state_of(&p(KlippyState::Shutdown, PrintState::Printing));
        assert_eq!(shutdown, PrinterState::KlippyShutdown);
        assert_eq!(looks(shutdown), ("×", "Klipper shutdown", Tone::Bad));
        assert!(full_panel(shutdown));
        let startup = state_of(&p(KlippyState::Startup, PrintState::Standby));
        assert_eq!(looks(startup), ("●", "Klipper startup", Tone::Info));
        assert!(!full_panel(startup), "a brief startup keeps the strip");
        let idle = state_of(&p(KlippyState::Ready, PrintState::Standby));
        assert_eq!(looks(idle), ("○", "Idle", Tone::Ok));
        assert!(!full_panel(idle));
        assert!(full_panel(state_of(&p(
            KlippyState::Ready,
            PrintState::Paused
        ))));
    }

    #[test]
    fn the_state_words_in_json_are_those_of_schema_1() {
        let word = |s: PrinterState| serde_json::to_value(s).expect("serializable");
        assert_eq!(word(PrinterState::Unconfigured), "");
        assert_eq!(word(PrinterState::Printing), "printing");
        assert_eq!(word(PrinterState::KlippyShutdown), "klippy_shutdown");
    }

    #[test]
    fn fan_and_speed_join_only_what_is_known() {
        let p = |fan, speed_factor| PrinterData {
            fan,
            speed_factor,
            ..PrinterData::default()
        };
        assert_eq!(fan_speed(&p(Some(0.6), Some(1.0))), "Fan 60% · Speed 100%");
        assert_eq!(fan_speed(&p(None, Some(1.0))), "Speed 100%");
        assert_eq!(fan_speed(&p(Some(0.6), None)), "Fan 60%");
        assert_eq!(fan_speed(&p(None, None)), "");
    }

    #[test]
    fn the_strip_and_the_message_are_joined_here_not_in_the_ui() {
        let named = |filename: &str, detail: &str, message: &str| PrinterVm {
            filename: filename.into(),
            detail: detail.into(),
            message: message.into(),
            extruder: temperature("Nozzle", &Heater::default()),
            bed: temperature("Bed", &Heater::default()),
            ..PrinterVm::default()
        };
        let job = with_state(PrinterState::Complete, named("hinge", "", "Done"));
        assert_eq!(job.strip_detail, "hinge");
        assert_eq!(job.quoted_message, "“Done”");
        assert_eq!(job.strip_temperatures, "Nozzle 0 °C   Bed 0 °C");
        let why = with_state(PrinterState::Offline, named("hinge", "refused", ""));
        assert_eq!(why.strip_detail, "refused");
        assert_eq!(why.quoted_message, "");
        let none = with_state(PrinterState::Offline, PrinterVm::default());
        assert_eq!(none.strip_temperatures, "", "no reading, no heaters");
    }
}
