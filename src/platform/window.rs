//! A real display: the winit simulator window on a desktop, or DRM/KMS with
//! libinput on the Pi (whichever Slint backend the build enables; the
//! `SLINT_BACKEND` environment variable can choose).
//! The loop it runs is [`crate::platform::ui_loop`]'s, shared with
//! `--headless`.

use std::sync::Arc;
use std::time::Instant;

use slint::{ComponentHandle, PlatformError};
use tokio::sync::watch;

use crate::bridge::ui::MainWindow;
use crate::platform::ui_loop::{Frames, UiLoop, after_draw, notify_ready};
use crate::platform::{Glass, Inputs, Screen};
use crate::telemetry::Telemetry;
use crate::view::ViewModel;

/// Opens the dashboard window and runs Slint's event loop on this thread
/// until the window closes. View models arrive on `views`; a task on `rt`
/// forwards each one into the event loop, so the UI never waits on the network.
/// Taps go to `inputs`. `glass` darkens the display (its backlight, and
/// the black cover) while it sleeps.
pub fn run(
    rt: &tokio::runtime::Handle,
    views: watch::Receiver<Arc<ViewModel>>,
    inputs: Inputs,
    size: Option<(u32, u32)>,
    telemetry: Arc<Telemetry>,
    (screen, glass): (Arc<Screen>, Glass),
) -> Result<(), PlatformError> {
    let ui = MainWindow::new()?;
    // The simulator has no backlight: its black window says why in a line.
    ui.set_simulator(cfg!(not(piboard_kms)));
    if let Some((w, h)) = size {
        ui.window()
            .set_size(slint::LogicalSize::new(w as f32, h as f32));
    }
    screen.attach_window(ui.as_weak());
    let _alive = UiLoop::start(
        rt,
        views,
        &ui,
        inputs,
        telemetry.clone(),
        (Frames::AfterDraw, glass),
    );
    // The first frame: drawn in the loop's first pass, counted after it.
    let started = Instant::now();
    after_draw(move || {
        telemetry.frame_drawn(started.elapsed());
        notify_ready();
    });
    ui.run()
}
