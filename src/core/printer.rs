//! Time left for a print: three estimates blended the way the best printer
//! front-ends do it (see ARCHITECTURE.md, "Print time left").
//!
//! - *slicer*: the slicer's `estimated_time` minus the time printed so far;
//! - *file*: the rate measured from file progress (`print_duration / progress`);
//! - *filament*: the rate measured from filament used against the slicer's total.
//!
//! Early in a print the measured rates are dominated by heating and the first
//! slow layers, so the slicer is trusted up to 10 % progress; from 10 % to 30 %
//! the weight moves linearly to the measured rate; after 30 % the measured rate
//! alone is used. Filament is preferred over file position when both exist,
//! because file position races ahead through travel-heavy gcode.

use super::model::{PrintState, PrinterData};

/// Progress below which the slicer's estimate is trusted alone.
const TRUST_SLICER_UNTIL: f64 = 0.10;
/// Progress from which the measured rate is trusted alone.
const TRUST_MEASURED_FROM: f64 = 0.30;

/// Seconds left, or `None` when nothing sensible can be said (no print,
/// no progress and no slicer estimate).
pub fn time_left_s(p: &PrinterData) -> Option<f64> {
    if !matches!(p.state, PrintState::Printing | PrintState::Paused) {
        return None;
    }
    let elapsed = p.print_duration_s.max(0.0);
    let slicer = p
        .slicer_estimate_s
        .filter(|e| *e > 0.0)
        .map(|e| (e - elapsed).max(0.0));
    let measured = measured_left(p, elapsed);
    let progress = p.progress.clamp(0.0, 1.0);
    let left = match (slicer, measured) {
        (Some(s), Some(m)) => {
            let w = ((progress - TRUST_SLICER_UNTIL) / (TRUST_MEASURED_FROM - TRUST_SLICER_UNTIL))
                .clamp(0.0, 1.0);
            s * (1.0 - w) + m * w
        }
        (Some(s), None) => s,
        (None, Some(m)) => m,
        (None, None) => return None,
    };
    left.is_finite().then_some(left.max(0.0))
}

/// Layer `N / total` from the nozzle's Z, for files whose slicer does not
/// emit `SET_PRINT_STATS_INFO` (so `print_stats.info` is null). Mainsail's
/// formula: `ceil((z − first) / h + 1)`, and the same for the object's height;
/// the current layer never exceeds the total. `None` where nothing sensible
/// can be said (no layer height, Z not above the bed).
pub fn layers_from_z(
    z: Option<f64>,
    layer_height: Option<f64>,
    first_layer_height: Option<f64>,
    object_height: Option<f64>,
) -> (Option<u32>, Option<u32>) {
    let Some(h) = layer_height.filter(|h| h.is_finite() && *h > 0.0) else {
        return (None, None);
    };
    let first = first_layer_height
        .filter(|f| f.is_finite() && *f > 0.0)
        .unwrap_or(h);
    let count = |height: f64| {
        let n = ((height - first) / h + 1.0 - 1e-6).ceil();
        (n.is_finite() && n >= 1.0).then(|| n.min(f64::from(u32::MAX)) as u32)
    };
    let total = object_height.filter(|o| *o > 0.0).and_then(count);
    let current = z
        .filter(|z| *z > 0.0)
        .and_then(count)
        .map(|c| total.map_or(c, |t| c.min(t)));
    (current, total)
}

fn measured_left(p: &PrinterData, elapsed: f64) -> Option<f64> {
    let filament = p
        .filament_total_mm
        .filter(|t| *t > 0.0)
        .map(|t| p.filament_used_mm / t)
        .filter(|f| *f > 0.01 && *f <= 1.0);
    let fraction = filament.or_else(|| Some(p.progress).filter(|f| *f > 0.01 && *f <= 1.0))?;
    if elapsed <= 0.0 {
        return None;
    }
    Some(elapsed / fraction - elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::KlippyState;

    fn printing(progress: f64, elapsed: f64) -> PrinterData {
        PrinterData {
            klippy: KlippyState::Ready,
            state: PrintState::Printing,
            filename: Some("part.gcode".into()),
            progress,
            print_duration_s: elapsed,
            total_duration_s: elapsed,
            slicer_estimate_s: Some(3600.0),
            ..PrinterData::default()
        }
    }

    #[test]
    fn layers_follow_z_like_mainsail() {
        // 0.2 mm layers, 0.3 mm first layer, 20.1 mm object: 100 layers.
        let l = |z| layers_from_z(Some(z), Some(0.2), Some(0.3), Some(20.1));
        assert_eq!(l(0.3), (Some(1), Some(100)));
        assert_eq!(l(0.5), (Some(2), Some(100)));
        assert_eq!(l(10.1), (Some(50), Some(100)));
        // Z hop or a parked head above the part: never past the total.
        assert_eq!(l(35.0), (Some(100), Some(100)));
        assert_eq!(
            layers_from_z(Some(1.0), None, None, Some(20.0)),
            (None, None)
        );
        assert_eq!(
            layers_from_z(Some(0.0), Some(0.2), None, None),
            (None, None)
        );
        assert_eq!(
            layers_from_z(Some(0.4), Some(0.2), None, None),
            (Some(2), None)
        );
    }

    #[test]
    fn early_in_a_print_the_slicer_is_trusted() {
        // 5 % after 600 s would measure 11,400 s left; the slicer says 3,000.
        let left = time_left_s(&printing(0.05, 600.0)).expect("estimate");
        assert!((left - 3000.0).abs() < 1e-6, "{left}");
    }

    #[test]
    fn late_in_a_print_the_measured_rate_is_trusted() {
        // 50 % after 2,000 s: 2,000 s left, whatever the slicer said.
        let left = time_left_s(&printing(0.5, 2000.0)).expect("estimate");
        assert!((left - 2000.0).abs() < 1e-6, "{left}");
    }

    #[test]
    fn in_between_the_two_are_blended() {
        // 20 %: halfway between the slicer (3600-1000=2600) and measured (4000).
        let left = time_left_s(&printing(0.2, 1000.0)).expect("estimate");
        assert!((left - 3300.0).abs() < 1e-6, "{left}");
    }

    #[test]
    fn filament_is_preferred_to_file_position() {
        let p = PrinterData {
            filament_used_mm: 500.0,
            filament_total_mm: Some(1000.0),
            slicer_estimate_s: None,
            ..printing(0.8, 1000.0)
        };
        let left = time_left_s(&p).expect("estimate");
        assert!((left - 1000.0).abs() < 1e-6, "{left}");
    }

    #[test]
    fn nothing_to_say_when_idle_or_without_data() {
        let mut idle = printing(0.5, 100.0);
        idle.state = PrintState::Complete;
        assert_eq!(time_left_s(&idle), None);
        let blind = PrinterData {
            slicer_estimate_s: None,
            ..printing(0.0, 0.0)
        };
        assert_eq!(time_left_s(&blind), None);
    }
}
