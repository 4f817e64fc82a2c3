//! A heater on the printer panel: its reading against its target and which
//! way it is going ([`Trend`]), with an arrow and a tone to say so.

use serde::Serialize;

use super::{Tone, format};
use crate::core::Heater;

/// Which way a heater is going against its target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    /// More than 2 °C below a set target.
    Heating,
    /// More than 2 °C above a set target, or still hot (over 45 °C) with
    /// the heater off.
    Cooling,
    Steady,
    /// No reading (no printer, or no data): an empty word in `/api/status`,
    /// as schema 1 has it.
    #[default]
    #[serde(rename = "")]
    Unknown,
}

/// A heater against its target.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct TemperatureVm {
    /// "Nozzle" or "Bed".
    pub label: String,
    pub current: f64,
    pub target: f64,
    pub trend: Trend,
    /// "238 / 240 °C ↑".
    pub text: String,
    /// Warn while heating, info while cooling, ok when steady.
    pub tone: Tone,
}

/// Which way `h` is going.
fn trend(h: &Heater) -> Trend {
    if h.target > 0.0 && h.temperature < h.target - 2.0 {
        Trend::Heating
    } else if (h.target == 0.0 && h.temperature > 45.0)
        || h.temperature > h.target + 2.0 && h.target > 0.0
    {
        Trend::Cooling
    } else {
        Trend::Steady
    }
}

/// The heater `h`, called `label` on screen, as the panel shows it.
pub(super) fn temperature(label: &str, h: &Heater) -> TemperatureVm {
    let trend = trend(h);
    let (arrow, tone) = match trend {
        Trend::Heating => (" ↑", Tone::Warn),
        Trend::Cooling => (" ↓", Tone::Info),
        Trend::Steady => ("", Tone::Ok),
        Trend::Unknown => ("", Tone::Unknown),
    };
    TemperatureVm {
        label: label.to_owned(),
        current: h.temperature,
        target: h.target,
        trend,
        text: format!("{}{arrow}", format::temperature(h.temperature, h.target)),
        tone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heater(temperature: f64, target: f64) -> Heater {
        Heater {
            temperature,
            target,
            power: None,
        }
    }

    #[test]
    fn a_heater_trend_sets_its_arrow_and_tone() {
        let t = |c, target| {
            let vm = temperature("Nozzle", &heater(c, target));
            (vm.trend, vm.text, vm.tone)
        };
        assert_eq!(
            t(120.0, 240.0),
            (Trend::Heating, "120 / 240 °C ↑".into(), Tone::Warn)
        );
        assert_eq!(
            t(239.0, 240.0),
            (Trend::Steady, "239 / 240 °C".into(), Tone::Ok)
        );
        assert_eq!(
            t(180.0, 0.0),
            (Trend::Cooling, "180 °C ↓".into(), Tone::Info)
        );
        assert_eq!(t(30.0, 0.0), (Trend::Steady, "30 °C".into(), Tone::Ok));
        assert_eq!(temperature("Bed", &heater(60.0, 60.0)).label, "Bed");
    }

    #[test]
    fn no_reading_is_an_empty_word_as_schema_1_has_it() {
        assert_eq!(
            serde_json::to_value(Trend::Unknown).expect("serializable"),
            ""
        );
        assert_eq!(
            serde_json::to_value(Trend::Heating).expect("serializable"),
            "heating"
        );
    }
}
