//! `[display]`: the window size, and on the Pi the DRM connector, mode and
//! rotation; how long a page stays without a touch and whether pages rotate
//! on a screen nobody touches. The mode is parsed when the TOML is read, so a
//! bad one is a config error naming `display.mode` and its line.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::sleep::{BacklightConfig, MotionConfig, SleepConfig};
use crate::core::{NavSettings, Page, SleepSettings, SourceKind};

/// `[display]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayConfig {
    /// Window size for the simulator and headless renders; on KMS the display
    /// mode decides unless `mode` is set.
    #[serde(default = "default_width")]
    pub width: u32,
    #[serde(default = "default_height")]
    pub height: u32,
    /// KMS only: the DRM connector, e.g. "HDMI-A-1" (default: the first
    /// connected one).
    pub connector: Option<String>,
    /// KMS only: the display mode, "800x480@60" or "800x480" (default: the
    /// connector's preferred mode, which a mode forced with `video=` is not).
    pub mode: Option<DisplayMode>,
    /// KMS only: clockwise rotation of the picture, 0, 90, 180 or 270.
    /// Touch is rotated to match by a udev rule (see deploy/setup-pi.sh).
    #[serde(default)]
    pub rotation: u16,
    /// Back to the overview after this many seconds without a touch.
    #[serde(default = "default_home_after")]
    pub home_after_secs: u64,
    /// If set, a screen nobody touches cycles through its pages, each shown
    /// this many seconds (from `home_after_secs` after the last touch).
    pub rotate_pages_secs: Option<u64>,
    /// `[display.sleep]`: quiet hours, idle sleep and what wakes the screen.
    pub sleep: Option<SleepConfig>,
    /// `[display.backlight]`: the GPIO or PWM line that darkens the panel.
    pub backlight: Option<BacklightConfig>,
    /// `[display.motion]`: a PIR sensor's GPIO line.
    pub motion: Option<MotionConfig>,
}

fn default_width() -> u32 {
    800
}
fn default_height() -> u32 {
    480
}
fn default_home_after() -> u64 {
    60
}

impl Default for DisplayConfig {
    fn default() -> Self {
        Self {
            width: default_width(),
            height: default_height(),
            connector: None,
            mode: None,
            rotation: 0,
            home_after_secs: default_home_after(),
            rotate_pages_secs: None,
            sleep: None,
            backlight: None,
            motion: None,
        }
    }
}

impl DisplayConfig {
    /// How navigation behaves with these settings and these sources.
    pub fn nav(&self, sources: impl IntoIterator<Item = SourceKind>) -> NavSettings {
        NavSettings {
            home_after: Duration::from_secs(self.home_after_secs),
            rotate_every: self.rotate_pages_secs.map(Duration::from_secs),
            pages: Page::available(sources),
        }
    }
}

impl DisplayConfig {
    /// When the display sleeps and what wakes it (never, without `[display.sleep]`).
    pub fn sleep_settings(&self) -> SleepSettings {
        self.sleep
            .as_ref()
            .map(SleepConfig::settings)
            .unwrap_or_default()
    }
}

/// A configured display mode: "800x480@60" or "800x480".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct DisplayMode {
    pub width: u16,
    pub height: u16,
    /// Vertical refresh in Hz; `None` accepts any.
    pub refresh: Option<u32>,
}

impl DisplayMode {
    /// Parses "WIDTHxHEIGHT" or "WIDTHxHEIGHT@HZ".
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("\"{s}\" is not a mode like 800x480@60 or 800x480");
        let (size, refresh) = match s.split_once('@') {
            Some((size, hz)) => (size, Some(hz.trim().parse::<u32>().map_err(|_| bad())?)),
            None => (s, None),
        };
        let (w, h) = size.split_once(['x', 'X']).ok_or_else(bad)?;
        let width = w.trim().parse::<u16>().map_err(|_| bad())?;
        let height = h.trim().parse::<u16>().map_err(|_| bad())?;
        if width == 0 || height == 0 || refresh == Some(0) {
            return Err(bad());
        }
        Ok(Self {
            width,
            height,
            refresh,
        })
    }
}

impl fmt::Display for DisplayMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)?;
        if let Some(hz) = self.refresh {
            write!(f, "@{hz}")?;
        }
        Ok(())
    }
}

impl TryFrom<String> for DisplayMode {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_specs_parse() {
        assert_eq!(
            DisplayMode::parse("800x480@60"),
            Ok(DisplayMode {
                width: 800,
                height: 480,
                refresh: Some(60)
            })
        );
        assert_eq!(
            DisplayMode::parse("1024X600").map(|m| m.to_string()),
            Ok("1024x600".to_owned())
        );
        for bad in [
            "800",
            "800x",
            "x480",
            "800x480@",
            "800x480@0",
            "0x480",
            "big",
        ] {
            assert!(DisplayMode::parse(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn a_mode_is_parsed_when_the_toml_is_read() {
        let d: DisplayConfig = toml::from_str("mode = \"800x480@60\"").expect("valid");
        assert_eq!(d.mode.map(|m| m.to_string()).as_deref(), Some("800x480@60"));
        let e = toml::from_str::<DisplayConfig>("mode = \"huge\"").map(|_| ());
        let message = e.map_err(|e| e.message().to_owned());
        assert_eq!(
            message,
            Err("\"huge\" is not a mode like 800x480@60 or 800x480".to_owned())
        );
    }
}
