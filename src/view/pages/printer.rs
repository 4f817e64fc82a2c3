//! The printer page's own words: the filament used against the slicer's
//! total. The rest of the page is the printer panel's view model, larger.

use serde::Serialize;

use crate::core::{PrinterData, SourceData, SourceState};

/// The printer page beyond the panel's words.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PrinterPageVm {
    /// "Filament 3.21 m of 5.10 m", "Filament 3.21 m" without the slicer's
    /// total; empty before Moonraker answers or when nothing was extruded.
    pub filament: String,
    /// How much of the slicer's total is used, 0..1, for a bar; `null`
    /// without a total.
    pub filament_fraction: Option<f64>,
}

/// The page for the Moonraker source's record (its last good data, as the
/// panel shows).
pub(super) fn page(s: Option<&SourceState>) -> PrinterPageVm {
    match s.and_then(|s| s.data.as_ref()) {
        Some(SourceData::Moonraker(p)) => filament(p),
        _ => PrinterPageVm::default(),
    }
}

fn filament(p: &PrinterData) -> PrinterPageVm {
    let used = p.filament_used_mm;
    if !used.is_finite() || used <= 0.0 {
        return PrinterPageVm::default();
    }
    let metres = |mm: f64| format!("{:.2} m", mm / 1000.0);
    match p.filament_total_mm.filter(|t| t.is_finite() && *t > 0.0) {
        Some(total) => PrinterPageVm {
            filament: format!("Filament {} of {}", metres(used), metres(total)),
            filament_fraction: Some((used / total).clamp(0.0, 1.0)),
        },
        None => PrinterPageVm {
            filament: format!("Filament {}", metres(used)),
            filament_fraction: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filament_is_used_against_the_slicers_total_in_metres() {
        let p = |used, total| PrinterData {
            filament_used_mm: used,
            filament_total_mm: total,
            ..PrinterData::default()
        };
        let half = filament(&p(2555.0, Some(5110.0)));
        assert_eq!(half.filament, "Filament 2.56 m of 5.11 m");
        assert_eq!(half.filament_fraction, Some(0.5));
        let no_total = filament(&p(1200.0, None));
        assert_eq!(
            (no_total.filament.as_str(), no_total.filament_fraction),
            ("Filament 1.20 m", None)
        );
        assert_eq!(filament(&p(0.0, Some(10.0))), PrinterPageVm::default());
        assert_eq!(filament(&p(f64::NAN, None)), PrinterPageVm::default());
    }
}
