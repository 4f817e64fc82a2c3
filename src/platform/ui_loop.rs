//! What every live UI loop shares, on a window or `--headless`: forwarding
//! view models into Slint's event loop (the UI never waits on the network),
//! taps out of it to the hub ([`crate::platform::input`]),
//! counting frames, the heartbeat that `/api/health` reads, and systemd's
//! notifications (`READY=1` after the first frame, `WATCHDOG=1` from the UI
//! loop, so systemd restarts a frozen screen when the unit sets
//! `WatchdogSec=`).

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sd_notify::NotifyState;
use slint::{ComponentHandle, Timer, TimerMode};
use tokio::sync::watch;

use crate::bridge::UiBridge;
use crate::bridge::ui::MainWindow;
use crate::platform::input::{self, Inputs};
use crate::platform::power::{self, Glass, Shown};
use crate::telemetry::Telemetry;
use crate::view::ViewModel;

thread_local! {
    static BRIDGE: RefCell<UiBridge> = RefCell::new(UiBridge::default());
}

/// How often the UI loop proves it is alive.
const HEARTBEAT: Duration = Duration::from_secs(1);

/// Who counts the frames for `/metrics` and `READY=1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frames {
    /// The platform draws itself and counts each frame (`--headless`).
    ByPlatform,
    /// A Slint backend draws (winit, linuxkms). Its software renderer has no
    /// after-draw hook, so each view change the UI applies counts as one
    /// frame, timed from the change until after the loop pass that draws it.
    AfterDraw,
}

/// Runs `f` on the UI thread after the backend has drawn what the current
/// callback changed. Both backends draw in the same loop pass as the
/// callbacks sent by `invoke_from_event_loop` (linuxkms: timers, callbacks,
/// draw; winit: the redraw follows in the next pass) and run due timers at the
/// start of a pass, so the second of two chained zero timers fires after that
/// draw. Zero timers keep the loop from sleeping in between.
pub(super) fn after_draw(f: impl FnOnce() + 'static) {
    Timer::single_shot(Duration::ZERO, move || {
        Timer::single_shot(Duration::ZERO, f)
    });
}

/// Tells systemd the service is up (`Type=notify`); a no-op without systemd.
pub fn notify_ready() {
    if let Err(e) = sd_notify::notify(false, &[NotifyState::Ready]) {
        tracing::warn!("cannot notify systemd: {e}");
    }
}

/// What keeps a UI loop connected and watched; drop it to stop.
#[must_use = "the heartbeat stops when this is dropped"]
pub struct UiLoop {
    _heartbeat: Timer,
}

impl std::fmt::Debug for UiLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UiLoop").finish_non_exhaustive()
    }
}

impl UiLoop {
    /// Shows the current view model in `ui`, forwards every later one into
    /// the event loop, sends the window's taps to `inputs`, and starts the
    /// heartbeat (and systemd's watchdog, when
    /// `WATCHDOG_USEC` is set) on this thread's event loop. Each view
    /// model goes through [`power::show`]: while `glass` is dark only the
    /// black cover is put up, once, and the view models are held, so
    /// nothing more is redrawn.
    pub fn start(
        rt: &tokio::runtime::Handle,
        mut views: watch::Receiver<Arc<ViewModel>>,
        ui: &MainWindow,
        inputs: Inputs,
        telemetry: Arc<Telemetry>,
        (frames, glass): (Frames, Glass),
    ) -> Self {
        input::connect(ui, inputs);
        let first = views.borrow_and_update().clone();
        BRIDGE.with(|b| power::show(&glass, &mut b.borrow_mut(), ui, &first));
        telemetry.display_state(first.display.state);
        let weak = ui.as_weak();
        let counter = telemetry.clone();
        rt.spawn(async move {
            while views.changed().await.is_ok() {
                let vm = views.borrow_and_update().clone();
                let (counter, glass) = (counter.clone(), glass.clone());
                let shown = weak.upgrade_in_event_loop(move |ui| {
                    let started = Instant::now();
                    let shown = BRIDGE.with(|b| power::show(&glass, &mut b.borrow_mut(), &ui, &vm));
                    if matches!(shown, Shown::Darkened | Shown::Relit) {
                        counter.display_state(vm.display.state);
                    }
                    if shown == Shown::Held {
                        return; // nothing is drawn while dark
                    }
                    if frames == Frames::AfterDraw {
                        let relit = shown == Shown::Relit;
                        after_draw(move || {
                            counter.frame_drawn(started.elapsed());
                            if relit {
                                tracing::info!("lit again: first frame drawn");
                            }
                        });
                    }
                });
                if shown.is_err() {
                    break; // the event loop is gone
                }
            }
        });
        Self {
            _heartbeat: heartbeat(telemetry),
        }
    }
}

/// Milliseconds on the monotonic clock since its first reading in this
/// process: the heartbeat's time. The wall clock would make a step of it
/// (NTP, by months on a Pi without a real-time clock) look like a stuck UI
/// loop on `/api/health` until the next beat.
pub fn monotonic_ms() -> i64 {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    i64::try_from(ORIGIN.get_or_init(Instant::now).elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// A timer on the UI loop: records a heartbeat every second and pings
/// systemd's watchdog at half its timeout. If the loop freezes, both stop.
fn heartbeat(telemetry: Arc<Telemetry>) -> Timer {
    let mut usec = 0;
    let watchdog = sd_notify::watchdog_enabled(false, &mut usec)
        .then(|| (Duration::from_micros(usec) / 2).max(Duration::from_millis(100)));
    if let Some(every) = watchdog {
        tracing::info!("systemd watchdog: pinging every {} ms", every.as_millis());
    }
    let tick = watchdog.map_or(HEARTBEAT, |w| w.min(HEARTBEAT));
    let mut since_ping = Duration::ZERO;
    let mut beat = move || {
        telemetry.ui_heartbeat(monotonic_ms());
        if let Some(every) = watchdog {
            since_ping += tick;
            if since_ping >= every && telemetry.has_drawn() {
                since_ping = Duration::ZERO;
                let _ = sd_notify::notify(false, &[NotifyState::Watchdog]);
            }
        }
    };
    beat();
    let timer = Timer::default();
    timer.start(TimerMode::Repeated, tick, beat);
    timer
}
