//! `--headless`: the whole live dashboard (hub, sources or demo, server)
//! with the software renderer drawing into memory instead of a window. Used
//! by CI (no display), the integration tests and the benchmarks.
//!
//! A Slint platform of its own: its event loop runs timers and the
//! callbacks sent with `invoke_from_event_loop`, and draws only when the
//! window asks for a redraw, so frames are counted honestly and an idle
//! dashboard draws nothing.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use image::RgbImage;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{EventLoopProxy, Platform, WindowAdapter};
use slint::{ComponentHandle, EventLoopError, PhysicalSize, PlatformError, Rgb8Pixel};
use tokio::sync::watch;

use crate::bridge::ui::MainWindow;
use crate::platform::ui_loop::{Frames, UiLoop, notify_ready};
use crate::platform::{Glass, Inputs, Screen};
use crate::telemetry::Telemetry;
use crate::view::ViewModel;

/// How often the loop looks again while an animation runs (none do today).
const ANIMATION_FRAME: Duration = Duration::from_millis(16);

enum Event {
    Invoke(Box<dyn FnOnce() + Send>),
    Quit,
}

struct Proxy(mpsc::Sender<Event>);

impl EventLoopProxy for Proxy {
    fn quit_event_loop(&self) -> Result<(), EventLoopError> {
        self.0
            .send(Event::Quit)
            .map_err(|_| EventLoopError::EventLoopTerminated)
    }

    fn invoke_from_event_loop(
        &self,
        event: Box<dyn FnOnce() + Send>,
    ) -> Result<(), EventLoopError> {
        self.0
            .send(Event::Invoke(event))
            .map_err(|_| EventLoopError::EventLoopTerminated)
    }
}

struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
    size: PhysicalSize,
    sender: mpsc::Sender<Event>,
    events: RefCell<Option<mpsc::Receiver<Event>>>,
    telemetry: Arc<Telemetry>,
    screen: Arc<Screen>,
    glass: Glass,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }

    fn new_event_loop_proxy(&self) -> Option<Box<dyn EventLoopProxy>> {
        Some(Box::new(Proxy(self.sender.clone())))
    }

    fn run_event_loop(&self) -> Result<(), PlatformError> {
        let events = self.events.borrow_mut().take().ok_or_else(|| {
            PlatformError::Other("the headless event loop can only run once".into())
        })?;
        let width = self.size.width as usize;
        let mut buffer = vec![Rgb8Pixel::default(); width * self.size.height as usize];
        let (mut ready, mut black) = (false, false);
        loop {
            slint::platform::update_timers_and_animations();
            let started = Instant::now();
            // Dark: one black frame for the screenshot, then nothing drawn.
            let dark = self.glass.is_dark();
            let drawn = if dark {
                let first = !black;
                if first {
                    self.screen
                        .store_frame(RgbImage::new(self.size.width, self.size.height));
                }
                first
            } else {
                self.window.draw_if_needed(|renderer| {
                    renderer.render(&mut buffer, width);
                })
            };
            let relit = black && !dark;
            black = dark;
            if drawn && !dark {
                self.screen.store_frame(to_image(&buffer, self.size));
            }
            if drawn && relit {
                // The wake's end: tests/perf/night.sh times it from the hub's line.
                tracing::info!("lit again: first frame drawn");
            }
            if drawn {
                self.telemetry.frame_drawn(started.elapsed());
                if !ready {
                    ready = true;
                    notify_ready();
                }
            }
            let wait = if self.window.has_active_animations() && !dark {
                Some(ANIMATION_FRAME)
            } else {
                slint::platform::duration_until_next_timer_update()
            };
            let event = match wait {
                Some(d) => events.recv_timeout(d),
                None => events.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match event {
                Ok(Event::Invoke(f)) => f(),
                Ok(Event::Quit) | Err(RecvTimeoutError::Disconnected) => return Ok(()),
                Err(RecvTimeoutError::Timeout) => {}
            }
            // Run everything else already queued before drawing once.
            while let Ok(event) = events.try_recv() {
                match event {
                    Event::Invoke(f) => f(),
                    Event::Quit => return Ok(()),
                }
            }
        }
    }
}

fn to_image(buffer: &[Rgb8Pixel], size: PhysicalSize) -> RgbImage {
    let mut img = RgbImage::new(size.width, size.height);
    for (dst, src) in img.pixels_mut().zip(buffer) {
        *dst = image::Rgb([src.r, src.g, src.b]);
    }
    img
}

/// Runs the live dashboard at `width` x `height` in memory on this thread
/// until the process is stopped. Every frame drawn goes to `screen`; taps
/// (none come without a display, unless dispatched) go to `inputs`. While
/// `glass` is dark it stores one black frame and draws nothing.
pub fn run(
    rt: &tokio::runtime::Handle,
    views: watch::Receiver<Arc<ViewModel>>,
    inputs: Inputs,
    (width, height): (u32, u32),
    telemetry: Arc<Telemetry>,
    (screen, glass): (Arc<Screen>, Glass),
) -> Result<(), PlatformError> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
    let size = PhysicalSize::new(width, height);
    window.set_size(size);
    let (sender, events) = mpsc::channel();
    slint::platform::set_platform(Box::new(HeadlessPlatform {
        window,
        size,
        sender,
        events: RefCell::new(Some(events)),
        telemetry: telemetry.clone(),
        screen,
        glass: glass.clone(),
    }))
    .map_err(|e| PlatformError::Other(format!("cannot install the headless platform: {e}")))?;
    let ui = MainWindow::new()?;
    crate::platform::test_taps::start(&ui);
    let _alive = UiLoop::start(
        rt,
        views,
        &ui,
        inputs,
        telemetry,
        (Frames::ByPlatform, glass),
    );
    ui.run()
}
