//! The backlight and the motion sensor on a GPIO line, through the kernel's
//! GPIO character device (`/dev/gpiochipN`) with `linux-embedded-hal`
//! (embedded-hal 1.0 pins over `gpio-cdev`): the same code on any Linux
//! board, and testable on the emulated one (QEMU's PL061).
//!
//! - [`CdevBacklight`] (`[display.backlight] gpio = N`): an output line
//!   driving the switch on the backlight's supply, high while the display
//!   is on or dimmed (a switched backlight cannot dim), low while off.
//! - [`CdevMotion`] (`[display.motion] gpio = N`): an input line a PIR
//!   sensor drives high; each rising edge the kernel timestamps is one
//!   motion, [`Debounce`]d ([`DEBOUNCE`]: a PIR re-triggers and long wires
//!   pick up spikes; one wake a second is plenty).
//!
//! The chip is `chip = "/dev/gpiochipN"` under either section, by default
//! [`DEFAULT_CHIP`] (the Pi's header on every model, the Pi 5 on kernels
//! from 6.6.45; before that its header was `/dev/gpiochip4`). Line numbers
//! are the chip's offsets, which on a Pi are the BCM numbers.
//!
//! Every failure to open a line is a [`HardwareError`] in words a person
//! can act on ([`explain`]: no such chip, permission denied, line busy, no
//! such line); the caller logs it once and shows it in `/api/status`, and
//! the black frame keeps darkening the screen. The drivers exist only in
//! the KMS build (the `piboard_kms` cfg: Linux on ARM, or the `kms`
//! feature); the wording and the debounce are pure and tested everywhere.

use std::io::ErrorKind;
use std::time::Duration;

use crate::platform::power::HardwareError;

/// The GPIO chip without `chip = ...`: the Pi's header.
pub const DEFAULT_CHIP: &str = "/dev/gpiochip0";

/// The shortest gap between two motions (rising edges) that both count.
pub const DEBOUNCE: Duration = Duration::from_secs(1);

/// Keeps one rising edge per [`DEBOUNCE`]: edges closer than that to the
/// last one kept are dropped. Times are the kernel's event timestamps (ns).
#[derive(Debug, Clone, Default)]
pub struct Debounce {
    last: Option<u64>,
}

impl Debounce {
    /// Whether an edge at `at_ns` is a new motion.
    pub fn accept(&mut self, at_ns: u64) -> bool {
        let gap = DEBOUNCE.as_nanos() as u64;
        let new = self
            .last
            .is_none_or(|last| at_ns < last || at_ns - last >= gap);
        if new {
            self.last = Some(at_ns);
        }
        new
    }
}

/// What went wrong opening or driving a line, as far as piboard can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The chip's device file does not exist.
    NoChip,
    /// The user may not open the chip.
    Denied,
    /// A driver or another program holds the line.
    Busy,
    /// The chip has no such line.
    NoLine,
    /// Anything else (the error's own words follow).
    Other,
}

impl Cause {
    /// Classifies an error by its I/O kind (if it was one) and its words.
    pub fn of(kind: Option<ErrorKind>, text: &str) -> Self {
        match kind {
            Some(ErrorKind::NotFound) => Self::NoChip,
            Some(ErrorKind::PermissionDenied) => Self::Denied,
            _ if text.contains("EBUSY") || text.contains("busy") => Self::Busy,
            _ if text.contains("out of range") || text.contains("EINVAL") => Self::NoLine,
            _ if text.contains("EACCES") || text.contains("EPERM") => Self::Denied,
            _ => Self::Other,
        }
    }
}

/// Where a line is configured: the section (`display.backlight`), the chip
/// and the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineAt {
    /// The config section, for the fix ("display.motion").
    pub section: &'static str,
    /// The chip's device file.
    pub chip: String,
    /// The line's offset on the chip.
    pub line: u32,
}

/// The error for `cause` at `at`, with the fix: `detail` is the system's
/// own words.
pub fn explain(at: &LineAt, cause: Cause, detail: &str) -> HardwareError {
    let LineAt {
        section,
        chip,
        line,
    } = at;
    HardwareError(match cause {
        Cause::NoChip => format!(
            "[{section}]: no GPIO chip {chip} ({detail}); the Pi's header is {DEFAULT_CHIP} \
             (a Pi 5 on a kernel before 6.6.45: /dev/gpiochip4), set chip = \"/dev/gpiochipN\""
        ),
        Cause::Denied => format!(
            "[{section}]: permission denied on {chip}: add the piboard user to the gpio \
             group (deploy/setup-pi.sh does) and restart piboard"
        ),
        Cause::Busy => format!(
            "[{section}]: GPIO {line} on {chip} is in use (by a driver, an overlay in \
             config.txt or another program: `gpioinfo` says which); free it or choose another line"
        ),
        Cause::NoLine => format!("[{section}]: {chip} has no line {line} ({detail})"),
        Cause::Other => format!("[{section}]: cannot use GPIO {line} on {chip}: {detail}"),
    })
}

#[cfg(piboard_kms)]
pub use driver::{CdevBacklight, CdevMotion};

#[cfg(piboard_kms)]
mod driver {
    use embedded_hal::digital::OutputPin as _;
    use linux_embedded_hal::CdevPin;
    use linux_embedded_hal::gpio_cdev::{
        Chip, EventRequestFlags, EventType, LineEventHandle, LineRequestFlags, errors,
    };

    use super::{Cause, Debounce, LineAt, explain};
    use crate::core::Power;
    use crate::platform::power::{Backlight, HardwareError, MotionSensor};

    /// The name the kernel shows for piboard's lines (`gpioinfo`, debugfs).
    const CONSUMER: &str = "piboard";

    fn error(at: &LineAt, e: &errors::Error) -> HardwareError {
        let io = std::error::Error::source(e)
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .map(std::io::Error::kind);
        let text = format!("{e} ({e:?})");
        explain(at, Cause::of(io, &text), &e.to_string())
    }

    fn line(at: &LineAt) -> Result<linux_embedded_hal::gpio_cdev::Line, HardwareError> {
        let mut chip = Chip::new(&at.chip).map_err(|e| error(at, &e))?;
        chip.get_line(at.line).map_err(|e| error(at, &e))
    }

    /// A switched backlight on an output line (high: on).
    pub struct CdevBacklight {
        pin: CdevPin,
        at: LineAt,
    }

    impl std::fmt::Debug for CdevBacklight {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("CdevBacklight")
                .field("at", &self.at)
                .finish_non_exhaustive()
        }
    }

    impl CdevBacklight {
        /// Takes the line at `at` as an output, high (the display is on
        /// when piboard starts).
        pub fn open(at: LineAt) -> Result<Self, HardwareError> {
            let handle = line(&at)?
                .request(LineRequestFlags::OUTPUT, 1, CONSUMER)
                .map_err(|e| error(&at, &e))?;
            let pin = CdevPin::new(handle).map_err(|e| error(&at, &e))?;
            Ok(Self { pin, at })
        }
    }

    impl Backlight for CdevBacklight {
        fn set(&mut self, power: Power) -> Result<(), HardwareError> {
            let set = match power {
                Power::On | Power::Dim(_) => self.pin.set_high(),
                Power::Off => self.pin.set_low(),
            };
            set.map_err(|e| error(&self.at, e.inner()))
        }
    }

    /// A PIR sensor on an input line: rising edges, debounced.
    #[derive(Debug)]
    pub struct CdevMotion {
        events: LineEventHandle,
        debounce: Debounce,
        at: LineAt,
    }

    impl CdevMotion {
        /// Asks the kernel for the rising edges of the line at `at`.
        pub fn open(at: LineAt) -> Result<Self, HardwareError> {
            let events = line(&at)?
                .events(
                    LineRequestFlags::INPUT,
                    EventRequestFlags::RISING_EDGE,
                    CONSUMER,
                )
                .map_err(|e| error(&at, &e))?;
            Ok(Self {
                events,
                debounce: Debounce::default(),
                at,
            })
        }
    }

    impl MotionSensor for CdevMotion {
        fn wait(&mut self) -> Result<(), HardwareError> {
            loop {
                let event = self.events.get_event().map_err(|e| error(&self.at, &e))?;
                if event.event_type() == EventType::RisingEdge
                    && self.debounce.accept(event.timestamp())
                {
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    #[test]
    fn one_motion_per_second_however_the_line_bounces() {
        let mut d = Debounce::default();
        let kept: Vec<u64> = [0, 1_000, SECOND / 2, SECOND, SECOND + 5, 3 * SECOND]
            .into_iter()
            .filter(|&t| d.accept(t))
            .collect();
        assert_eq!(kept, vec![0, SECOND, 3 * SECOND]);
    }

    #[test]
    fn a_clock_that_went_back_still_counts() {
        let mut d = Debounce::default();
        assert!(d.accept(10 * SECOND));
        assert!(
            d.accept(SECOND),
            "a timestamp before the last is a new edge"
        );
    }

    #[test]
    fn each_cause_is_said_with_its_fix() {
        let at = LineAt {
            section: "display.motion",
            chip: "/dev/gpiochip4".into(),
            line: 17,
        };
        let cases = [
            (Some(ErrorKind::NotFound), "No such file", "set chip = "),
            (Some(ErrorKind::PermissionDenied), "", "gpio group"),
            (None, "Ioctl to get line event  failed: EBUSY", "in use"),
            (None, "Offset 40 is out of range", "has no line 17"),
            (None, "something new", "cannot use GPIO 17"),
        ];
        for (kind, text, fix) in cases {
            let e = explain(&at, Cause::of(kind, text), text).0;
            assert!(e.starts_with("[display.motion]: "), "{e}");
            assert!(e.contains(fix), "{text:?} -> {e}");
            assert!(e.contains("/dev/gpiochip4"), "{e}");
        }
    }
}
