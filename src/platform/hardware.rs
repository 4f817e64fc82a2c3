//! The display's hardware as `[display]` configures it: the backlight
//! (`[display.backlight] gpio = N` through [`gpio`](super::gpio), `pwm = C`
//! through [`pwm`](super::pwm), else [`LogBacklight`]: the black frame
//! alone) and the motion sensor (`[display.motion] gpio = N`).
//!
//! [`Hardware::open`] never fails: what cannot be opened is logged once
//! and kept in [`Hardware::problems`] (the hub puts them in `/api/status`'s
//! `display.hardware`), and the display goes on without it, dark by the
//! black frame and woken by touch. A build without the drivers (the
//! simulator, a non-Linux system) says so there when the config asks for
//! them.

use crate::config::DisplayConfig;
use crate::platform::power::{Backlight, HardwareError, LogBacklight, MotionSensor};

/// What piboard could open of the configured hardware.
pub struct Hardware {
    /// The backlight (a [`LogBacklight`] without one).
    pub backlight: Box<dyn Backlight>,
    /// The motion sensor, if one is configured and opened.
    pub motion: Option<Box<dyn MotionSensor>>,
    /// What could not be opened, each with its fix.
    pub problems: Vec<String>,
}

impl std::fmt::Debug for Hardware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hardware")
            .field("motion", &self.motion.is_some())
            .field("problems", &self.problems)
            .finish_non_exhaustive()
    }
}

impl Hardware {
    /// Opens what `display` configures; logs each failure once.
    pub fn open(display: &DisplayConfig) -> Self {
        let mut problems = Vec::new();
        let backlight = display
            .backlight
            .as_ref()
            .and_then(|b| kept(drivers::backlight(b), &mut problems))
            .unwrap_or_else(|| Box::new(LogBacklight));
        let motion = display
            .motion
            .as_ref()
            .and_then(|m| kept(drivers::motion(m), &mut problems));
        Self {
            backlight,
            motion,
            problems,
        }
    }
}

/// The driver, or its failure logged and added to `problems`.
fn kept<T>(opened: Result<T, HardwareError>, problems: &mut Vec<String>) -> Option<T> {
    match opened {
        Ok(driver) => Some(driver),
        Err(e) => {
            tracing::error!("{e}; the display darkens by a black frame only");
            problems.push(e.0);
            None
        }
    }
}

#[cfg(piboard_kms)]
mod drivers {
    use crate::config::{BacklightConfig, MotionConfig};
    use crate::platform::gpio::{CdevBacklight, CdevMotion, DEFAULT_CHIP, LineAt};
    use crate::platform::power::{Backlight, HardwareError, MotionSensor};
    use crate::platform::pwm::PwmBacklight;

    fn at(section: &'static str, chip: Option<&String>, line: u8) -> LineAt {
        LineAt {
            section,
            chip: chip.map_or(DEFAULT_CHIP, String::as_str).to_owned(),
            line: u32::from(line),
        }
    }

    pub fn backlight(b: &BacklightConfig) -> Result<Box<dyn Backlight>, HardwareError> {
        match (b.gpio, b.pwm) {
            (_, Some(channel)) => Ok(Box::new(PwmBacklight::open(channel)?)),
            (Some(line), None) => {
                let at = at("display.backlight", b.chip.as_ref(), line);
                Ok(Box::new(CdevBacklight::open(at)?))
            }
            (None, None) => Err(HardwareError("[display.backlight]: no gpio or pwm".into())),
        }
    }

    pub fn motion(m: &MotionConfig) -> Result<Box<dyn MotionSensor>, HardwareError> {
        let at = at("display.motion", m.chip.as_ref(), m.gpio);
        Ok(Box::new(CdevMotion::open(at)?))
    }
}

#[cfg(not(piboard_kms))]
mod drivers {
    use crate::config::{BacklightConfig, MotionConfig};
    use crate::platform::power::{Backlight, HardwareError, MotionSensor};

    fn absent(section: &str) -> HardwareError {
        HardwareError(format!(
            "[{section}]: this build has no GPIO drivers (they come with the Pi's \
             KMS build: Linux on ARM)"
        ))
    }

    pub fn backlight(_: &BacklightConfig) -> Result<Box<dyn Backlight>, HardwareError> {
        Err(absent("display.backlight"))
    }

    pub fn motion(_: &MotionConfig) -> Result<Box<dyn MotionSensor>, HardwareError> {
        Err(absent("display.motion"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BacklightConfig, MotionConfig};

    fn configured(chip: &str) -> DisplayConfig {
        let chip = Some(chip.to_owned());
        DisplayConfig {
            backlight: Some(BacklightConfig {
                gpio: Some(5),
                pwm: None,
                chip: chip.clone(),
            }),
            motion: Some(MotionConfig { gpio: 3, chip }),
            ..DisplayConfig::default()
        }
    }

    #[test]
    fn nothing_configured_is_the_black_frame_without_a_problem() {
        let hw = Hardware::open(&DisplayConfig::default());
        assert!(hw.motion.is_none());
        assert!(hw.problems.is_empty());
    }

    #[cfg(not(piboard_kms))]
    #[test]
    fn a_build_without_drivers_says_so_for_each_configured_part() {
        let hw = Hardware::open(&configured("/dev/gpiochip0"));
        assert!(hw.motion.is_none());
        assert_eq!(hw.problems.len(), 2, "{:?}", hw.problems);
        assert!(hw.problems[1].starts_with("[display.motion]: this build has no GPIO"));
    }

    #[cfg(piboard_kms)]
    #[test]
    fn a_missing_chip_is_a_problem_with_its_fix_not_a_panic() {
        let hw = Hardware::open(&configured("/dev/gpiochip-none"));
        assert!(hw.motion.is_none());
        assert_eq!(hw.problems.len(), 2, "{:?}", hw.problems);
        for p in &hw.problems {
            assert!(p.contains("no GPIO chip /dev/gpiochip-none"), "{p}");
        }
    }
}
