//! The display's power on the glass: what the UI loop does with the view
//! model's [`Power`] (`ViewModel::display`), and the two pieces of hardware
//! behind small traits, [`Backlight`] and [`MotionSensor`], with fakes.
//!
//! How the display goes dark, in the order the owner configures it:
//!
//! 1. `[display.backlight] gpio = N` switches a backlight supply on and off,
//!    `pwm = 0 | 1` sets its brightness (the drivers, over rppal and
//!    linux-embedded-hal, come with the next part; today [`LogBacklight`]
//!    stands in and logs what it would set);
//! 2. always, as the fallback every display can do: a black frame and no
//!    redraws. [`Glass`] tells the platform that it is dark; [`show`], the
//!    UI loop's one way onto the window, puts up the `.slint`'s black cover
//!    (`Dash.asleep`, with the simulator's one line "asleep: … · click to
//!    wake") and then holds the view models instead of applying them (so
//!    nothing is redrawn and no frame is counted); `--headless` stores one
//!    black frame for `/screenshot.png` and draws nothing until the glass
//!    is lit again. The sources go on
//!    polling and the hub on building view models, so the first frame after
//!    a wake shows the data of that moment. An LCD whose backlight stays on
//!    still glows grey when it shows black.
//!
//! The wake itself is decided in the core (`core::night`); the touch that
//! wakes is swallowed by the hub, so the glass only follows the view model.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use slint::ComponentHandle as _;

use crate::bridge::UiBridge;
use crate::bridge::ui::MainWindow;
use crate::core::{Input, Power};
use crate::platform::Inputs;
use crate::view::ViewModel;

/// A backlight piboard can switch (and perhaps dim).
pub trait Backlight: Send {
    /// Sets the backlight to `power` ([`Power::Dim`] on a switched
    /// backlight means on).
    fn set(&mut self, power: Power) -> Result<(), HardwareError>;
}

/// A motion sensor (a PIR on a GPIO input line).
pub trait MotionSensor: Send {
    /// Blocks until the next motion (debounced by the sensor); an error
    /// ends the watch ([`watch_motion`]).
    fn wait(&mut self) -> Result<(), HardwareError>;
}

/// Watches `sensor` on its own thread: each motion goes to the hub as
/// [`Input::Motion`], the input path a touch takes (the hub wakes the
/// display; motion opens nothing). The first error is logged once and ends
/// the watch; the display still sleeps and wakes on touch.
pub fn watch_motion(
    mut sensor: Box<dyn MotionSensor>,
    inputs: Inputs,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("piboard-motion".into())
        .stack_size(256 * 1024)
        .spawn(move || {
            loop {
                if let Err(e) = sensor.wait() {
                    tracing::error!("the motion sensor stopped: {e}");
                    return;
                }
                tracing::info!("motion");
                inputs.send(Input::Motion);
            }
        })
}

/// Why the hardware could not be driven; the cause and the fix in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HardwareError(pub String);

/// A backlight that only logs: the fallback without `[display.backlight]`,
/// and the simulator's.
#[derive(Debug, Default)]
pub struct LogBacklight;

impl Backlight for LogBacklight {
    fn set(&mut self, power: Power) -> Result<(), HardwareError> {
        tracing::info!(power = power.word(), "backlight");
        Ok(())
    }
}

/// A backlight for tests: remembers every setting in order.
#[derive(Debug, Clone, Default)]
pub struct FakeBacklight(Arc<Mutex<Vec<Power>>>);

impl FakeBacklight {
    /// Every power set so far.
    pub fn history(&self) -> Vec<Power> {
        self.0.lock().map(|h| h.clone()).unwrap_or_default()
    }
}

impl Backlight for FakeBacklight {
    fn set(&mut self, power: Power) -> Result<(), HardwareError> {
        self.0
            .lock()
            .map_err(|_| HardwareError("the fake's lock is poisoned".into()))?
            .push(power);
        Ok(())
    }
}

/// A motion sensor for tests: each [`FakeMotion::trigger`] is one motion;
/// dropping every trigger ends the sensor (its `wait` errs).
#[derive(Debug)]
pub struct FakeMotion(std::sync::mpsc::Receiver<()>);

/// Someone walking past a [`FakeMotion`].
#[derive(Debug, Clone)]
pub struct MotionTrigger(std::sync::mpsc::Sender<()>);

impl FakeMotion {
    /// A sensor and its trigger.
    pub fn new() -> (Self, MotionTrigger) {
        let (tx, rx) = std::sync::mpsc::channel();
        (Self(rx), MotionTrigger(tx))
    }
}

impl MotionTrigger {
    /// Someone walks past.
    pub fn trigger(&self) {
        let _ = self.0.send(());
    }
}

impl MotionSensor for FakeMotion {
    fn wait(&mut self) -> Result<(), HardwareError> {
        self.0
            .recv()
            .map_err(|_| HardwareError("the fake sensor was unplugged".into()))
    }
}

/// The glass: whether it is dark, and the backlight that makes it so.
/// Shared by the UI loop (which applies the view model's power) and the
/// platform that draws (which draws nothing while it is dark).
#[derive(Clone)]
pub struct Glass(Arc<Inner>);

struct Inner {
    dark: AtomicBool,
    power: Mutex<Power>,
    backlight: Mutex<Box<dyn Backlight>>,
    /// The backlight's last failure, so each one is logged once.
    failed: Mutex<Option<HardwareError>>,
}

impl std::fmt::Debug for Glass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Glass")
            .field("dark", &self.is_dark())
            .finish_non_exhaustive()
    }
}

impl Default for Glass {
    fn default() -> Self {
        Self::new(Box::new(LogBacklight))
    }
}

impl Glass {
    /// Lit glass behind `backlight`.
    pub fn new(backlight: Box<dyn Backlight>) -> Self {
        Self(Arc::new(Inner {
            dark: AtomicBool::new(false),
            power: Mutex::new(Power::On),
            backlight: Mutex::new(backlight),
            failed: Mutex::new(None),
        }))
    }

    /// Applies `power`; returns whether it changed. A backlight that fails
    /// is logged once (until its failure changes): the black frame still
    /// darkens the screen.
    pub fn apply(&self, power: Power) -> bool {
        let Ok(mut current) = self.0.power.lock() else {
            return false;
        };
        if *current == power {
            return false;
        }
        *current = power;
        if let Ok(mut b) = self.0.backlight.lock() {
            self.note(b.set(power).err());
        }
        self.0.dark.store(power == Power::Off, Ordering::SeqCst);
        true
    }

    /// Logs a backlight failure once (until it changes or clears).
    fn note(&self, outcome: Option<HardwareError>) {
        let Ok(mut failed) = self.0.failed.lock() else {
            return;
        };
        match &outcome {
            Some(e) if failed.as_ref() != Some(e) => {
                tracing::warn!("cannot set the backlight: {e}; the black frame still darkens it");
            }
            None if failed.is_some() => tracing::info!("the backlight answers again"),
            _ => {}
        }
        *failed = outcome;
    }

    /// Whether nothing is to be drawn.
    pub fn is_dark(&self) -> bool {
        self.0.dark.load(Ordering::SeqCst)
    }
}

/// What [`show`] did with a view model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Lit: applied, redrawn where it changed.
    Applied,
    /// Lit again (or dimmed) after another power: applied, the whole frame
    /// to be redrawn.
    Relit,
    /// Just went dark: only the black cover was put up (one frame).
    Darkened,
    /// Dark: held; only the display's words follow (no redraw unless the
    /// simulator's line changes).
    Held,
}

/// Shows `vm` in `ui` behind `glass`, as every UI loop does: its power goes
/// to the glass first; while dark only the display's state reaches the
/// window (the black cover, drawn once), otherwise the whole view model.
pub fn show(glass: &Glass, bridge: &mut UiBridge, ui: &MainWindow, vm: &ViewModel) -> Shown {
    let changed = glass.apply(vm.display.power);
    if glass.is_dark() {
        UiBridge::display(ui, &vm.display);
        return if changed {
            Shown::Darkened
        } else {
            Shown::Held
        };
    }
    bridge.apply(ui, vm);
    if changed {
        ui.window().request_redraw();
        Shown::Relit
    } else {
        Shown::Applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glass_follows_the_power_and_tells_the_backlight_once() {
        let backlight = FakeBacklight::default();
        let glass = Glass::new(Box::new(backlight.clone()));
        assert!(!glass.is_dark());
        assert!(!glass.apply(Power::On));
        assert!(glass.apply(Power::Off));
        assert!(!glass.apply(Power::Off));
        assert!(glass.is_dark());
        assert!(glass.apply(Power::Dim(10)));
        assert!(!glass.is_dark());
        assert_eq!(backlight.history(), vec![Power::Off, Power::Dim(10)]);
    }

    struct Broken;

    impl Backlight for Broken {
        fn set(&mut self, _: Power) -> Result<(), HardwareError> {
            Err(HardwareError("the line is gone".into()))
        }
    }

    #[test]
    fn a_failing_backlight_never_stops_the_glass() {
        let glass = Glass::new(Box::new(Broken));
        assert!(glass.apply(Power::Off));
        assert!(glass.is_dark(), "the black frame darkens it all the same");
        assert!(glass.apply(Power::On));
        assert!(!glass.is_dark());
        let failed = glass.0.failed.lock().map(|f| f.clone()).ok().flatten();
        assert_eq!(failed, Some(HardwareError("the line is gone".into())));
    }

    #[test]
    fn each_motion_reaches_the_hub_as_an_input_until_the_sensor_fails() {
        let (sensor, pir) = FakeMotion::new();
        let (inputs, mut rx) = Inputs::channel();
        let watch = watch_motion(Box::new(sensor), inputs).expect("a thread");
        pir.trigger();
        pir.trigger();
        drop(pir);
        watch.join().expect("the watch ends when the sensor fails");
        assert_eq!(rx.try_recv().ok(), Some(Input::Motion));
        assert_eq!(rx.try_recv().ok(), Some(Input::Motion));
        assert!(rx.try_recv().is_err(), "two motions, two inputs");
    }
}
