//! Touch (and the simulator's mouse) into the hub.
//!
//! Slint turns the touch panel's events (on the Pi: the XPT2046 through the
//! kernel's `ads7846` driver and libinput; in the simulator: winit's mouse)
//! into pointer events and hands a tap to the `TouchArea` under it. A target
//! reports its tap as an [`Input`]; [`Inputs::send`] puts it on the hub's
//! channel and returns at once. Nothing else happens on the UI thread: the
//! hub applies the input with the clock's time, builds the view model, and
//! the page changes when that view model comes back like any other. A full
//! channel (the hub is far behind) drops the tap with a warning rather than
//! ever blocking the screen.
//!
//! The targets are the overview's panels (a service tile opens the services
//! page at it, a node tile the Proxmox page at it, the guests and storage
//! cards the Proxmox page, the alerts card the alerts page, the printer
//! panel or strip the printer page) and each page's back button; they call
//! the UI's `Navigate` global, whose callbacks [`connect`] turns into
//! [`Input::Open`] and [`Input::Back`]. The main window's background target
//! (behind every other) reports [`Input::Touch`]: someone is using the
//! screen, which restarts the idle timer and is logged as `tap x=.. y=..`
//! (the emulated board's boot test looks for that line to see a tap arrive
//! through libinput); so does a drag that scrolls a page.
//!
//! [`tap`] and [`drag`] dispatch synthetic pointer events to any window,
//! through the same path a real touch takes; the tests use them on the
//! offscreen window.

use std::cell::Cell;
use std::time::{Duration, Instant};

use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition, Window};
use tokio::sync::mpsc::{self, error::TrySendError};

use crate::bridge::ui::{self, MainWindow};
use crate::core::{Input, Page};

/// How many inputs may wait for the hub before taps are dropped.
pub const QUEUE: usize = 16;

/// A drag that scrolls a page counts as one touch this often.
const DRAG_TOUCH: Duration = Duration::from_secs(1);

/// The UI's end of the hub's input channel.
#[derive(Debug, Clone)]
pub struct Inputs(mpsc::Sender<Input>);

impl Inputs {
    /// Sends into `tx`; the hub holds the receiving end.
    pub fn new(tx: mpsc::Sender<Input>) -> Self {
        Self(tx)
    }

    /// A channel of [`QUEUE`] inputs: this end for the UI, the other for
    /// the hub.
    pub fn channel() -> (Self, mpsc::Receiver<Input>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Self(tx), rx)
    }

    /// Hands `input` to the hub without waiting.
    pub fn send(&self, input: Input) {
        match self.0.try_send(input) {
            Ok(()) => {}
            Err(TrySendError::Full(input)) => {
                tracing::warn!(?input, "the hub is behind; input dropped");
            }
            Err(TrySendError::Closed(_)) => tracing::debug!("no hub; input dropped"),
        }
    }
}

/// Connects the main window's targets to `inputs`: the background's tap
/// (a touch), and `Navigate`'s open, back and touch (a drag that scrolls a
/// page; at most one a second, as a drag reports every move).
pub fn connect(ui: &MainWindow, inputs: Inputs) {
    let touch = inputs.clone();
    ui.on_tapped(move |x, y| {
        tracing::info!(x, y, "tap");
        touch.send(Input::Touch);
    });
    let navigate = ui.global::<ui::Navigate>();
    let open = inputs.clone();
    navigate.on_open(move |page, focus| {
        let focus = (!focus.is_empty()).then(|| focus.to_string());
        tracing::info!(page = %Page::from(page), ?focus, "tap: open");
        open.send(Input::Open {
            page: page.into(),
            focus,
        });
    });
    let back = inputs.clone();
    navigate.on_back(move || {
        tracing::info!("tap: back");
        back.send(Input::Back);
    });
    let last = Cell::new(None::<Instant>);
    navigate.on_touch(move || {
        let now = Instant::now();
        if last
            .get()
            .is_none_or(|t| now.duration_since(t) >= DRAG_TOUCH)
        {
            last.set(Some(now));
            inputs.send(Input::Touch);
        }
    });
}

/// A tap at `(x, y)` in logical pixels: press and release at one point.
pub fn tap(window: &Window, x: f32, y: f32) {
    let position = LogicalPosition::new(x, y);
    press(window, position);
    release(window, position);
}

/// A drag from `from` to `to` in `steps` moves, as a finger scrolling does.
pub fn drag(window: &Window, from: (f32, f32), to: (f32, f32), steps: u16) {
    let at = |i: u16| {
        let f = f32::from(i) / f32::from(steps.max(1));
        LogicalPosition::new(from.0 + (to.0 - from.0) * f, from.1 + (to.1 - from.1) * f)
    };
    press(window, at(0));
    for i in 1..=steps.max(1) {
        window.dispatch_event(WindowEvent::PointerMoved { position: at(i) });
    }
    release(window, at(steps.max(1)));
}

fn press(window: &Window, position: LogicalPosition) {
    window.dispatch_event(WindowEvent::PointerMoved { position });
    window.dispatch_event(WindowEvent::PointerPressed {
        position,
        button: PointerEventButton::Left,
    });
}

fn release(window: &Window, position: LogicalPosition) {
    window.dispatch_event(WindowEvent::PointerReleased {
        position,
        button: PointerEventButton::Left,
    });
}
