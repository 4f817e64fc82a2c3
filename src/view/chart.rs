//! The printer panel's temperature chart: the last minutes of nozzle and
//! bed temperatures as two SVG-style paths the `.slint` draws with `Path`,
//! the grid lines behind them ([`GRID_C`]) and the caption that says what
//! both are.

use serde::Serialize;

use crate::core::history::{CAPACITY, STEP_S, WINDOW_S};
use crate::core::{TempHistory, TempSample};

/// The chart's coordinate space: two x units per history step, the newest
/// at the right edge; y from 0 °C at the bottom to [`CHART_MAX_C`] at the
/// top. Slint keeps a path's aspect ratio, so the panel sizes the chart to
/// this box's 238:40.
pub const CHART_WIDTH: i64 = 2 * (CAPACITY as i64 - 1);
/// The chart box's height, in the same units.
pub const CHART_HEIGHT: f64 = 40.0;
/// The chart's top, °C (hotter readings are drawn at the top).
pub const CHART_MAX_C: f64 = 300.0;
/// The chart's grid lines, °C, coolest first.
pub const GRID_C: [f64; 2] = [100.0, 200.0];

/// The temperature chart as two SVG-style paths (`M x y L x y …`) in the
/// [`CHART_WIDTH`] × [`CHART_HEIGHT`] box. Coordinates are whole units
/// (7.5 °C per unit) and flat runs collapse into one segment, so a steady
/// printer yields the same strings poll after poll and the chart is not
/// redrawn.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ChartVm {
    pub extruder: String,
    pub bed: String,
    /// The grid lines ([`GRID_C`]) as fractions of the chart's height from
    /// its top; none when there is no chart.
    pub grid: Vec<f64>,
}

/// The caption above the chart: "LAST 10 MIN · LINES AT 100 AND 200 °C".
pub fn caption() -> String {
    let lines: Vec<String> = GRID_C.iter().map(|c| format!("{c:.0}")).collect();
    let lines = match lines.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} AND {last}", rest.join(", ")),
        None => String::new(),
    };
    format!("LAST {} MIN · LINES AT {lines} °C", WINDOW_S / 60)
}

/// The chart's paths for `history`.
pub fn chart(history: &TempHistory) -> ChartVm {
    let Some(newest) = history.last().map(|s| s.at_s.div_euclid(STEP_S)) else {
        return ChartVm::default();
    };
    let points = |pick: fn(&TempSample) -> f32| {
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
        grid: GRID_C.iter().map(|c| 1.0 - c / CHART_MAX_C).collect(),
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
        assert_eq!(c.grid.len(), GRID_C.len(), "the grid comes with the lines");
        let mut one = TempHistory::default();
        one.record(0, 200.0, 60.0);
        assert_eq!(
            chart(&one).bed,
            format!("M {} 32 L {CHART_WIDTH} 32", CHART_WIDTH - 2)
        );
    }

    #[test]
    fn the_caption_names_the_window_and_the_grid_lines_drawn() {
        assert_eq!(caption(), "LAST 10 MIN · LINES AT 100 AND 200 °C");
        let mut h = TempHistory::default();
        h.record(0, 200.0, 60.0);
        let grid = chart(&h).grid;
        let at_c: Vec<f64> = grid.iter().map(|f| (1.0 - f) * CHART_MAX_C).collect();
        assert_eq!(at_c.len(), 2);
        assert!((at_c[0] - 100.0).abs() < 1e-9 && (at_c[1] - 200.0).abs() < 1e-9);
    }
}
