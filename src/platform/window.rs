//! A real display: the winit simulator window on a desktop, or DRM/KMS with
//! libinput on the Pi (whichever Slint backend the build enables; the
//! `SLINT_BACKEND` environment variable can choose).

use std::cell::RefCell;
use std::sync::Arc;

use slint::{ComponentHandle, PlatformError};
use tokio::sync::watch;

use crate::bridge::{MainWindow, UiBridge};
use crate::view::ViewModel;

thread_local! {
    static BRIDGE: RefCell<UiBridge> = RefCell::new(UiBridge::default());
}

/// Opens the dashboard window and runs Slint's event loop on this thread
/// until the window closes. View models arrive on `views`; a task on `rt`
/// forwards each one into the event loop, so the UI never waits on the network.
pub fn run(
    rt: &tokio::runtime::Handle,
    mut views: watch::Receiver<Arc<ViewModel>>,
    size: Option<(u32, u32)>,
) -> Result<(), PlatformError> {
    let ui = MainWindow::new()?;
    if let Some((w, h)) = size {
        ui.window()
            .set_size(slint::LogicalSize::new(w as f32, h as f32));
    }
    let first = views.borrow_and_update().clone();
    BRIDGE.with(|b| b.borrow_mut().apply(&ui, &first));
    let weak = ui.as_weak();
    rt.spawn(async move {
        while views.changed().await.is_ok() {
            let vm = views.borrow_and_update().clone();
            let shown = weak.upgrade_in_event_loop(move |ui| {
                BRIDGE.with(|b| b.borrow_mut().apply(&ui, &vm));
            });
            if shown.is_err() {
                break; // the event loop is gone
            }
        }
    });
    ui.run()
}
