//! `[display.sleep]`, `[display.backlight]` and `[display.motion]`: when the
//! display sleeps, what wakes it, and the GPIO lines that switch its
//! backlight and read a PIR sensor. Times ("23:00") parse when the TOML is
//! read; [`check`] says what the types cannot (ranges, pairs, a dim mode
//! without a dimmable backlight), naming the key. The core's
//! [`SleepSettings`] are made here.

use std::time::Duration;

use chrono::NaiveTime;
use serde::Deserialize;

use crate::core::night::{QuietHours, QuietWakes};
use crate::core::{Power, SleepSettings};

/// `[display.sleep]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SleepConfig {
    /// Quiet hours start, local "HH:MM" (with `until`; may cross midnight).
    pub from: Option<ClockTime>,
    /// Quiet hours end, local "HH:MM".
    pub until: Option<ClockTime>,
    /// Sleep after this many minutes without a touch.
    pub after_mins: Option<u64>,
    /// What sleep means: "off" (dark) or "dim" (a PWM backlight at `dim_level`).
    #[serde(default)]
    pub mode: SleepMode,
    /// Brightness while dimmed, 0 to 100 (`mode = "dim"` only).
    pub dim_level: Option<u8>,
    /// What in the data wakes the screen: "trouble", "print" (both by default).
    #[serde(default = "default_wake_on")]
    pub wake_on: Vec<WakeOn>,
    /// How long a wake by the data lasts.
    #[serde(default = "default_wake_for")]
    pub wake_for_mins: u64,
    /// Which wakes quiet hours let through: "critical" (default), "all", "none".
    #[serde(default)]
    pub quiet_wakes: QuietWakesConfig,
}

fn default_wake_on() -> Vec<WakeOn> {
    vec![WakeOn::Trouble, WakeOn::Print]
}
fn default_wake_for() -> u64 {
    5
}

/// `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SleepMode {
    #[default]
    Off,
    Dim,
}

/// One entry of `wake_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WakeOn {
    /// A service down, a node offline, a new alert, a source lost.
    Trouble,
    /// The print finished or failed.
    Print,
}

/// `quiet_wakes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuietWakesConfig {
    All,
    #[default]
    Critical,
    None,
}

/// A local wall-clock time "HH:MM", parsed when the TOML is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ClockTime(pub NaiveTime);

impl TryFrom<String> for ClockTime {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        let ok = s.len() == 5 && s.as_bytes().get(2) == Some(&b':');
        NaiveTime::parse_from_str(&s, "%H:%M")
            .ok()
            .filter(|_| ok)
            .map(Self)
            .ok_or_else(|| format!("\"{s}\" is not a time like 23:00 (24-hour HH:MM)"))
    }
}

/// `[display.backlight]`: how piboard switches the backlight.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacklightConfig {
    /// A GPIO line (BCM number) driving a switched backlight supply: on/off.
    pub gpio: Option<u8>,
    /// A hardware PWM channel (0 or 1: GPIO 12/18 or 13/19): brightness.
    pub pwm: Option<u8>,
    /// The GPIO chip of `gpio` (default "/dev/gpiochip0", the Pi's header).
    pub chip: Option<String>,
}

/// `[display.motion]`: a PIR sensor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MotionConfig {
    /// The GPIO input line (BCM number) the sensor drives high on motion.
    pub gpio: u8,
    /// Its GPIO chip (default "/dev/gpiochip0", the Pi's header).
    pub chip: Option<String>,
}

impl SleepConfig {
    /// The core's settings.
    pub fn settings(&self) -> SleepSettings {
        let quiet = self.from.zip(self.until).map(|(f, u)| QuietHours {
            from: f.0,
            until: u.0,
        });
        SleepSettings {
            quiet,
            cycle: None,
            idle_after: self.after_mins.map(|m| Duration::from_secs(m * 60)),
            asleep: match self.mode {
                SleepMode::Off => Power::Off,
                SleepMode::Dim => Power::Dim(self.dim_level.unwrap_or(DEFAULT_DIM)),
            },
            wake_on_trouble: self.wake_on.contains(&WakeOn::Trouble),
            wake_on_print: self.wake_on.contains(&WakeOn::Print),
            wake_for: Duration::from_secs(self.wake_for_mins * 60),
            quiet_wakes: match self.quiet_wakes {
                QuietWakesConfig::All => QuietWakes::All,
                QuietWakesConfig::Critical => QuietWakes::Critical,
                QuietWakesConfig::None => QuietWakes::None,
            },
        }
    }
}

/// The brightness of `mode = "dim"` without a `dim_level`.
const DEFAULT_DIM: u8 = 10;

/// The highest BCM GPIO number on the Pi's header.
const MAX_GPIO: u8 = 27;

type Problem = (String, String);

fn problem(key: &str, message: impl Into<String>) -> Problem {
    (key.to_owned(), message.into())
}

/// Checks the three sections together (a dim mode needs a PWM backlight;
/// the motion sensor cannot share the backlight's line).
pub(super) fn check(
    sleep: Option<&SleepConfig>,
    backlight: Option<&BacklightConfig>,
    motion: Option<&MotionConfig>,
) -> Result<(), Problem> {
    if let Some(b) = backlight {
        check_backlight(b)?;
    }
    if let Some(m) = motion {
        check_gpio("display.motion.gpio", m.gpio)?;
        if backlight.and_then(|b| b.gpio) == Some(m.gpio) {
            return Err(problem(
                "display.motion.gpio",
                format!("GPIO {} is already the backlight's line", m.gpio),
            ));
        }
    }
    match sleep {
        Some(s) => check_sleep(s, backlight.and_then(|b| b.pwm).is_some()),
        None => Ok(()),
    }
}

fn check_sleep(s: &SleepConfig, dimmable: bool) -> Result<(), Problem> {
    match (s.from, s.until) {
        (Some(_), None) => return Err(problem("display.sleep.until", "`from` needs `until`")),
        (None, Some(_)) => return Err(problem("display.sleep.from", "`until` needs `from`")),
        (Some(f), Some(u)) if f == u => {
            return Err(problem("display.sleep.until", "is the same time as `from`"));
        }
        (None, None) if s.after_mins.is_none() => {
            return Err(problem(
                "display.sleep",
                "sets neither quiet hours (from, until) nor after_mins: it would never sleep",
            ));
        }
        _ => {}
    }
    if let Some(m) = s.after_mins.filter(|m| !(1..=1440).contains(m)) {
        let msg = format!("{m} is out of range (allowed 1 to 1440)");
        return Err(problem("display.sleep.after_mins", msg));
    }
    if !(1..=240).contains(&s.wake_for_mins) {
        let msg = format!("{} is out of range (allowed 1 to 240)", s.wake_for_mins);
        return Err(problem("display.sleep.wake_for_mins", msg));
    }
    check_dim(s, dimmable)
}

fn check_dim(s: &SleepConfig, dimmable: bool) -> Result<(), Problem> {
    match (s.mode, s.dim_level) {
        (SleepMode::Off, Some(_)) => Err(problem(
            "display.sleep.dim_level",
            "applies only with mode = \"dim\"",
        )),
        (SleepMode::Dim, Some(l)) if l > 100 => Err(problem(
            "display.sleep.dim_level",
            format!("{l} is out of range (allowed 0 to 100)"),
        )),
        (SleepMode::Dim, _) if !dimmable => Err(problem(
            "display.sleep.mode",
            "\"dim\" needs a PWM backlight ([display.backlight] pwm = 0 or 1); \
             a switched or absent backlight can only go off",
        )),
        _ => Ok(()),
    }
}

fn check_backlight(b: &BacklightConfig) -> Result<(), Problem> {
    match (b.gpio, b.pwm) {
        (Some(_), Some(_)) => Err(problem(
            "display.backlight.pwm",
            "set either gpio (on/off) or pwm (brightness), not both",
        )),
        (None, None) => Err(problem(
            "display.backlight",
            "needs gpio = N (a switched backlight) or pwm = 0 or 1 (hardware PWM)",
        )),
        (Some(g), None) => check_gpio("display.backlight.gpio", g),
        (None, Some(c)) if c > 1 => Err(problem(
            "display.backlight.pwm",
            format!("{c} is not a PWM channel (0: GPIO 12 or 18, 1: GPIO 13 or 19)"),
        )),
        (None, Some(_)) => Ok(()),
    }
}

fn check_gpio(key: &str, line: u8) -> Result<(), Problem> {
    if line > MAX_GPIO {
        let msg = format!("{line} is not a GPIO of the Pi's header (BCM 0 to {MAX_GPIO})");
        return Err(problem(key, msg));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
