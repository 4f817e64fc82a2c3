//! The printer panel: a full panel while a print runs, a compact strip when
//! the printer is idle, done or offline, so the tiles get the room.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::{Tone, format};
use crate::core::history::{CAPACITY, STEP_S};
use crate::core::printer::time_left_s;
use crate::core::{
    Health, KlippyState, PrintState, PrinterData, SourceState, TempHistory, Thumbnail,
};

/// The chart's coordinate space: two x units per history step, the newest
/// at the right edge; y from 0 °C at the bottom to [`CHART_MAX_C`] at the
/// top. Slint keeps a path's aspect ratio, so the panel sizes the chart to
/// this box's 238:40.
pub const CHART_WIDTH: i64 = 2 * (CAPACITY as i64 - 1);
pub const CHART_HEIGHT: f64 = 40.0;
/// The chart's top, °C (hotter readings are drawn at the top).
pub const CHART_MAX_C: f64 = 300.0;

/// The temperature chart as two SVG-style paths (`M x y L x y …`) in the
/// [`CHART_WIDTH`] × [`CHART_HEIGHT`] box. Coordinates are whole units
/// (7.5 °C per unit) and flat runs collapse into one segment, so a steady
/// printer yields the same strings poll after poll and the chart is not
/// redrawn.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ChartVm {
    pub extruder: String,
    pub bed: String,
}

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
    /// The state's symbol, so it is never colour alone: ▶ printing, ‖ paused,
    /// ✓ complete, ■ cancelled, × error or offline, ○ idle.
    pub glyph: String,
    /// Whether the job's details (progress, times, temperatures) apply:
    /// Klipper is ready.
    pub job: bool,
    /// The last minutes of temperatures; empty paths when there is no history.
    pub chart: ChartVm,
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
    /// What to do about Klipper not being ready.
    pub hint: String,
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

/// The chart's paths for `history`.
pub fn chart(history: &TempHistory) -> ChartVm {
    let Some(newest) = history.last().map(|s| s.at_s.div_euclid(STEP_S)) else {
        return ChartVm::default();
    };
    let points = |pick: fn(&crate::core::TempSample) -> f32| {
        history
            .samples()
            .filter_map(|s| {
                let x = CHART_WIDTH - 2 * (newest - s.at_s.div_euclid(STEP_S));
                let c = f64::from(pick(s)).clamp(0.0, CHART_MAX_C);
                let y = (CHART_HEIGHT - c / CHART_MAX_C * CHART_HEIGHT).round() as i64;
                (x >= 0).then_some((x, y))
            })
            .collect::<Vec<_>>()
    };
    ChartVm {
        extruder: path(&points(|s| s.extruder)),
        bed: path(&points(|s| s.bed)),
    }
}

/// `M x y L x y …` through `points`, keeping only the ends of flat runs.
fn path(points: &[(i64, i64)]) -> String {
    let mut kept: Vec<(i64, i64)> = Vec::new();
    for (i, &p) in points.iter().enumerate() {
        let next_same = points.get(i + 1).is_some_and(|n| n.1 == p.1);
        let prev_same = i > 0 && points.get(i - 1).is_some_and(|q| q.1 == p.1);
        if !(prev_same && next_same) {
            kept.push(p);
        }
    }
    if kept.len() == 1 {
        // A single reading: a short flat stroke so it shows.
        let (x, y) = kept[0];
        kept.insert(0, ((x - 2).max(0), y));
    }
    kept.iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{} {x} {y}", if i == 0 { "M" } else { "L" }))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The state's symbol (Inter has each of these).
fn glyph(p: &PrinterData) -> &'static str {
    if p.klippy != KlippyState::Ready {
        return match p.klippy {
            KlippyState::Startup => "●",
            KlippyState::Disconnected => "?",
            _ => "×",
        };
    }
    match p.state {
        PrintState::Standby => "○",
        PrintState::Printing => "▶",
        PrintState::Paused => "‖",
        PrintState::Complete => "✓",
        PrintState::Cancelled => "■",
        PrintState::Error => "×",
    }
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
            glyph: if offline { "×" } else { "…" }.to_owned(),
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
    let ready = p.klippy == KlippyState::Ready;
    // Klipper not ready is something to act on: the full panel shows why
    // (except during its brief startup).
    let active = matches!(
        p.klippy,
        KlippyState::Error | KlippyState::Shutdown | KlippyState::Disconnected
    ) || ready
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
        glyph: glyph(p).to_owned(),
        job: ready,
        chart: chart(&p.history),
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
        hint: match p.klippy {
            KlippyState::Ready => "",
            KlippyState::Startup => "Klipper is starting up.",
            KlippyState::Error => "Fix printer.cfg or the MCU link, then FIRMWARE_RESTART.",
            KlippyState::Shutdown => "Fix the cause, then FIRMWARE_RESTART.",
            KlippyState::Disconnected => {
                "Moonraker answers, Klipper does not: is the klipper service running?"
            }
        }
        .to_owned(),
        thumbnail: p.thumbnail.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_printer_draws_the_same_chart_poll_after_poll() {
        let mut h = TempHistory::default();
        for t in 0..2000 {
            h.record(t, 240.0 + f64::from((t % 3) as i32) * 0.4, 80.0);
        }
        let a = chart(&h);
        h.record(2003, 240.3, 80.1);
        h.record(2006, 239.8, 80.0);
        assert_eq!(
            chart(&h),
            a,
            "small noise or a slid window redrew the chart"
        );
        // A flat run is one segment: the newest point at the right edge.
        assert_eq!(a.bed, format!("M 0 29 L {CHART_WIDTH} 29"));
        assert_eq!(a.extruder, format!("M 0 8 L {CHART_WIDTH} 8"));
    }

    #[test]
    fn heating_shows_as_a_rising_line_and_an_empty_history_draws_nothing() {
        assert_eq!(chart(&TempHistory::default()), ChartVm::default());
        let mut h = TempHistory::default();
        for t in 0..100 {
            h.record(t * 5, 20.0 + 2.0 * t as f64, 60.0);
        }
        let c = chart(&h);
        let ys: Vec<i64> = c
            .extruder
            .split(' ')
            .collect::<Vec<_>>()
            .chunks(3)
            .filter_map(|p| p.get(2).and_then(|y| y.parse().ok()))
            .collect();
        assert!(ys.windows(2).all(|w| w[1] <= w[0]), "{ys:?}");
        assert!(ys.len() > 10);
        let mut one = TempHistory::default();
        one.record(0, 200.0, 60.0);
        assert_eq!(
            chart(&one).bed,
            format!("M {} 32 L {CHART_WIDTH} 32", CHART_WIDTH - 2)
        );
    }
}
