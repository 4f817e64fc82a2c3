//! The printer panel's temperature chart: the last minutes of nozzle and
//! bed temperatures as one value per history step, which the bridge draws
//! with `charts` (embedded-graphics) into an image, grid lines included, and
//! the caption that says what the chart shows. The caption names the grid
//! lines from [`TEMPERATURE_GRID_C`], the constant the image draws them
//! from, so the words and the lines cannot disagree.

use serde::Serialize;

use crate::charts::{TEMPERATURE_GRID_C, Window};
use crate::core::history::{CAPACITY, STEP_S, WINDOW_S};
use crate::core::{TempHistory, TempSample};

/// The chart's top, °C (hotter readings are drawn at the top).
pub const CHART_MAX_C: f64 = 300.0;
/// Readings are rounded to this many °C (a 40th of the chart's range, the
/// resolution the path chart had), so a steady printer yields the same
/// chart poll after poll and nothing is redrawn.
pub const CHART_RESOLUTION_C: f64 = 7.5;

/// The temperature chart: one slot per history step ([`STEP_S`]) of the
/// last [`CAPACITY`] steps, oldest first, the newest sample in the last
/// slot; `None` where there was no sample. Both empty when there is no
/// history (the panel shows no chart).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ChartVm {
    pub extruder: Vec<Option<f32>>,
    pub bed: Vec<Option<f32>>,
}

/// The caption above the chart: "LAST 10 MIN · LINES AT 100 AND 200 °C",
/// from the history's window and the grid lines the chart image draws.
pub fn caption() -> String {
    let lines: Vec<String> = TEMPERATURE_GRID_C
        .iter()
        .map(|c| format!("{c:.0}"))
        .collect();
    let lines = match lines.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} AND {last}", rest.join(", ")),
        None => String::new(),
    };
    format!("LAST {} MIN · LINES AT {lines} °C", WINDOW_S / 60)
}

impl ChartVm {
    /// Whether there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.extruder.iter().chain(&self.bed).all(Option::is_none)
    }
}

/// The chart's slots for `history`.
pub fn chart(history: &TempHistory) -> ChartVm {
    let Some(newest) = history.last() else {
        return ChartVm::default();
    };
    let window = Window {
        end_s: newest.at_s,
        step_s: STEP_S,
        count: CAPACITY,
    };
    let slots = |pick: fn(&TempSample) -> f32| {
        window.slots(history.samples().map(|s| (s.at_s, rounded(pick(s)))))
    };
    ChartVm {
        extruder: slots(|s| s.extruder),
        bed: slots(|s| s.bed),
    }
}

/// `c` clamped to the chart and rounded to [`CHART_RESOLUTION_C`].
fn rounded(c: f32) -> f32 {
    let c = f64::from(c).clamp(0.0, CHART_MAX_C);
    ((c / CHART_RESOLUTION_C).round() * CHART_RESOLUTION_C) as f32
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
        assert_eq!(a.extruder, vec![Some(240.0); CAPACITY]);
        assert_eq!(a.bed, vec![Some(82.5); CAPACITY]);
    }

    #[test]
    fn heating_shows_as_a_rising_line_and_an_empty_history_draws_nothing() {
        assert!(chart(&TempHistory::default()).is_empty());
        let mut h = TempHistory::default();
        for t in 0..100 {
            h.record(t * 5, 20.0 + 2.0 * t as f64, 60.0);
        }
        let c = chart(&h);
        let values: Vec<f32> = c.extruder.iter().flatten().copied().collect();
        assert_eq!(values.len(), 100);
        assert!(values.windows(2).all(|w| w[1] >= w[0]), "{values:?}");
        assert_eq!(c.extruder.last(), Some(&Some(217.5)), "218 °C, rounded");
        let mut one = TempHistory::default();
        one.record(0, 200.0, 60.0);
        let one = chart(&one);
        assert_eq!(one.bed.iter().flatten().count(), 1);
        assert_eq!(one.bed.last(), Some(&Some(60.0)));
        assert!(!one.is_empty());
    }

    #[test]
    fn the_caption_names_the_window_and_the_grid_lines_the_image_draws() {
        use crate::charts::{Rgb888, RuleStyle, TemperatureColours, Temperatures, temperature};
        assert_eq!(caption(), "LAST 10 MIN · LINES AT 100 AND 200 °C");
        let grey = Rgb888::new(1, 2, 3);
        let colours = TemperatureColours {
            grid: grey,
            extruder: grey,
            bed: grey,
        };
        let t = Temperatures {
            extruder: &[],
            bed: &[],
            extruder_target: None,
            bed_target: None,
        };
        let drawn: Vec<String> = temperature(&t, &colours)
            .rules
            .iter()
            .filter(|r| r.style == RuleStyle::Solid)
            .map(|r| format!("{:.0}", r.value))
            .collect();
        assert_eq!(drawn, ["100", "200"], "the image's grid lines");
        assert!(caption().contains(&format!("AT {} AND {} °C", drawn[0], drawn[1])));
    }
}
