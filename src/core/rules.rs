//! The user's thresholds, copied out of the configuration so the core can
//! judge values without knowing about TOML.

use serde::Serialize;

/// How a tile's value is shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// A fraction 0..=1 or a percentage 0..=100 shown with "%"; see [`TileSpec::percent_is_fraction`].
    Percent,
    Bytes,
    Seconds,
    Celsius,
    /// A plain number.
    Number,
    /// A plain number followed by this suffix ("mg/dL").
    Suffix(String),
}

/// Which side of a threshold is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Values at or above the threshold are bad (CPU, disk, latency).
    #[default]
    Above,
    /// Values at or below the threshold are bad (free space, battery, glucose low).
    Below,
}

/// How bad a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Judgement {
    Normal,
    Warning,
    Critical,
}

/// A PromQL tile as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct TileSpec {
    pub name: String,
    pub unit: Unit,
    pub decimals: u8,
    pub warn: Option<f64>,
    pub critical: Option<f64>,
    pub direction: Direction,
    /// For multi-series results: the label that names each series.
    pub label: Option<String>,
    /// How many series to show before "and N more".
    pub max_series: usize,
    /// For `Unit::Percent`: the query yields 0..=1 rather than 0..=100.
    pub percent_is_fraction: bool,
}

impl TileSpec {
    /// Judges a value against the thresholds. NaN is never normal or bad: it is unknown,
    /// and the caller shows it as such.
    pub fn judge(&self, value: f64) -> Option<Judgement> {
        if value.is_nan() {
            return None;
        }
        let beyond = |t: f64| match self.direction {
            Direction::Above => value >= t,
            Direction::Below => value <= t,
        };
        Some(if self.critical.is_some_and(beyond) {
            Judgement::Critical
        } else if self.warn.is_some_and(beyond) {
            Judgement::Warning
        } else {
            Judgement::Normal
        })
    }
}

/// Every threshold the core applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub tiles: Vec<TileSpec>,
    /// The configured services' names, in order: shown as unknown until
    /// Prometheus has answered, so the screen shows what it is waiting for.
    pub services: Vec<String>,
    /// Storage fuller than this fraction is a warning.
    pub storage_warn: f64,
    /// Storage fuller than this fraction is critical.
    pub storage_critical: f64,
    /// Node CPU above this fraction is highlighted.
    pub node_cpu_warn: f64,
    /// Node memory above this fraction is highlighted.
    pub node_mem_warn: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            tiles: Vec::new(),
            services: Vec::new(),
            storage_warn: 0.85,
            storage_critical: 0.95,
            node_cpu_warn: 0.9,
            node_mem_warn: 0.9,
        }
    }
}

impl Rules {
    /// The spec of the tile with this name.
    pub fn tile(&self, name: &str) -> Option<&TileSpec> {
        self.tiles.iter().find(|t| t.name == name)
    }

    /// Judges a storage fill fraction.
    pub fn judge_storage(&self, fraction: f64) -> Judgement {
        if fraction >= self.storage_critical {
            Judgement::Critical
        } else if fraction >= self.storage_warn {
            Judgement::Warning
        } else {
            Judgement::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(direction: Direction) -> TileSpec {
        TileSpec {
            name: "t".into(),
            unit: Unit::Number,
            decimals: 0,
            warn: Some(80.0),
            critical: Some(90.0),
            direction,
            label: None,
            max_series: 3,
            percent_is_fraction: false,
        }
    }

    #[test]
    fn thresholds_respect_direction() {
        let above = spec(Direction::Above);
        assert_eq!(above.judge(10.0), Some(Judgement::Normal));
        assert_eq!(above.judge(80.0), Some(Judgement::Warning));
        assert_eq!(above.judge(95.0), Some(Judgement::Critical));
        assert_eq!(above.judge(f64::INFINITY), Some(Judgement::Critical));
        let below = TileSpec {
            warn: Some(20.0),
            critical: Some(10.0),
            ..spec(Direction::Below)
        };
        assert_eq!(below.judge(50.0), Some(Judgement::Normal));
        assert_eq!(below.judge(15.0), Some(Judgement::Warning));
        assert_eq!(below.judge(5.0), Some(Judgement::Critical));
    }

    #[test]
    fn nan_is_not_judged() {
        assert_eq!(spec(Direction::Above).judge(f64::NAN), None);
    }
}
