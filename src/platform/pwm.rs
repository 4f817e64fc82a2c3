//! A dimmable backlight on the Pi's hardware PWM (`[display.backlight]
//! pwm = 0 | 1`: channel 0 on GPIO 12 or 18, channel 1 on GPIO 13 or 19),
//! through `rppal`, the one thing piboard uses it for.
//!
//! rppal finds the Pi's PWM chip for its model and drives the kernel's
//! sysfs PWM (`/sys/class/pwm/pwmchipN/pwmM`: export, period, duty cycle,
//! enable), which the `pwm` or `pwm-2chan` overlay in
//! `/boot/firmware/config.txt` creates (deploy/setup-pi.sh adds it). Its
//! author retired it in July 2025, so it stays in this one file behind the
//! [`Backlight`](crate::platform::Backlight) trait, at a pinned version
//! (`=0.22.1`); if it ever breaks, the same few sysfs writes replace it
//! (ARCHITECTURE.md, "Night").
//!
//! The backlight runs at [`FREQUENCY`]; on is a duty cycle of 1, dim at
//! `level` is `level`/100, off is 0 ([`duty`]). Failing to open (no overlay,
//! no permission, not a Pi) is a [`HardwareError`] with the fix
//! ([`explain`]).

use crate::core::Power;
use crate::platform::power::HardwareError;

/// The PWM frequency: above hearing (a backlight's inductor can whine at a
/// few kHz) and well within what a backlight driver's PWM input takes.
pub const FREQUENCY: f64 = 20_000.0;

/// The duty cycle for `power`, 0 to 1.
pub fn duty(power: Power) -> f64 {
    match power {
        Power::On => 1.0,
        Power::Dim(level) => f64::from(level.min(100)) / 100.0,
        Power::Off => 0.0,
    }
}

/// Why `channel` cannot be driven, with the fix. `missing` says the PWM
/// chip's sysfs files are absent; `denied` that the user may not write them.
pub fn explain(channel: u8, missing: bool, denied: bool, detail: &str) -> HardwareError {
    HardwareError(if missing {
        format!(
            "[display.backlight]: no PWM channel {channel} ({detail}): add \
             dtoverlay=pwm-2chan to /boot/firmware/config.txt (deploy/setup-pi.sh does) and reboot"
        )
    } else if denied {
        format!(
            "[display.backlight]: permission denied on PWM channel {channel}: add the piboard \
             user to the gpio group (deploy/setup-pi.sh does) and restart piboard"
        )
    } else {
        format!("[display.backlight]: cannot drive PWM channel {channel}: {detail}")
    })
}

#[cfg(piboard_kms)]
pub use driver::PwmBacklight;

#[cfg(piboard_kms)]
mod driver {
    use std::io::ErrorKind;

    use rppal::pwm::{Channel, Error, Polarity, Pwm};

    use super::{FREQUENCY, duty, explain};
    use crate::core::Power;
    use crate::platform::power::{Backlight, HardwareError};

    /// The Pi's hardware PWM driving a backlight's brightness input.
    #[derive(Debug)]
    pub struct PwmBacklight {
        pwm: Pwm,
        channel: u8,
    }

    fn error(channel: u8, e: &Error) -> HardwareError {
        let (missing, denied) = match e {
            Error::Io(io) => (
                io.kind() == ErrorKind::NotFound,
                io.kind() == ErrorKind::PermissionDenied,
            ),
            Error::InvalidChannel => (true, false),
            Error::UnknownModel => (false, false),
        };
        explain(channel, missing, denied, &e.to_string())
    }

    impl PwmBacklight {
        /// Opens `channel` (0 or 1) at full brightness.
        pub fn open(channel: u8) -> Result<Self, HardwareError> {
            let ch = Channel::try_from(channel).map_err(|e| error(channel, &e))?;
            let pwm = Pwm::with_frequency(ch, FREQUENCY, 1.0, Polarity::Normal, true)
                .map_err(|e| error(channel, &e))?;
            Ok(Self { pwm, channel })
        }
    }

    impl Backlight for PwmBacklight {
        fn set(&mut self, power: Power) -> Result<(), HardwareError> {
            self.pwm
                .set_duty_cycle(duty(power))
                .map_err(|e| error(self.channel, &e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_is_full_dim_is_its_level_off_is_nothing() {
        assert_eq!(duty(Power::On), 1.0);
        assert_eq!(duty(Power::Dim(10)), 0.1);
        assert_eq!(duty(Power::Dim(250)), 1.0, "a level above 100 is full");
        assert_eq!(duty(Power::Off), 0.0);
    }

    #[test]
    fn each_failure_says_its_fix() {
        assert!(
            explain(0, true, false, "x")
                .0
                .contains("dtoverlay=pwm-2chan")
        );
        assert!(explain(1, false, true, "x").0.contains("gpio group"));
        let other = explain(1, false, false, "Unknown Raspberry Pi model").0;
        assert!(
            other.contains("channel 1: Unknown Raspberry Pi model"),
            "{other}"
        );
    }
}
