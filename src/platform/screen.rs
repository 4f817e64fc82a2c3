//! What the display shows now, for `/screenshot.png`: the last frame the
//! headless renderer drew, or a snapshot taken on the UI thread of a real
//! window. Shared between the UI thread and the server.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use image::RgbImage;
use slint::ComponentHandle;

use crate::bridge::ui::MainWindow;

/// Why there is no screenshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScreenError {
    /// Nothing has been drawn yet.
    #[error("no frame has been drawn yet")]
    NotYet,
    /// The UI loop did not answer in time: it is stuck or very busy.
    #[error("the UI loop did not answer within {0:?}")]
    Stuck(Duration),
    /// The window is gone or could not render.
    #[error("cannot take a snapshot: {0}")]
    Failed(String),
}

/// The screen's contents, as the sinks see them.
#[derive(Default)]
pub struct Screen {
    /// The last frame drawn by the headless renderer.
    frame: Mutex<Option<RgbImage>>,
    /// A real window, snapshotted on demand on its own thread.
    window: OnceLock<slint::Weak<MainWindow>>,
}

impl std::fmt::Debug for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screen")
            .field("window", &self.window.get().is_some())
            .finish_non_exhaustive()
    }
}

impl Screen {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The headless renderer drew `frame`.
    pub fn store_frame(&self, frame: RgbImage) {
        *self.frame.lock().unwrap_or_else(|e| e.into_inner()) = Some(frame);
    }

    /// Snapshots come from this window from now on.
    pub fn attach_window(&self, window: slint::Weak<MainWindow>) {
        let _ = self.window.set(window);
    }

    /// What the display shows now. A window is asked on its UI thread and
    /// given `timeout` to answer, so a frozen UI gives an error, not a hang.
    pub async fn capture(&self, timeout: Duration) -> Result<RgbImage, ScreenError> {
        let Some(window) = self.window.get() else {
            let frame = self.frame.lock().unwrap_or_else(|e| e.into_inner());
            return frame.clone().ok_or(ScreenError::NotYet);
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        window
            .upgrade_in_event_loop(move |ui| {
                let shot = ui
                    .window()
                    .take_snapshot()
                    .map(|buf| rgba_to_rgb(&buf))
                    .map_err(|e| ScreenError::Failed(e.to_string()));
                let _ = tx.send(shot);
            })
            .map_err(|e| ScreenError::Failed(e.to_string()))?;
        match tokio::time::timeout(timeout, rx).await {
            Err(_) => Err(ScreenError::Stuck(timeout)),
            Ok(Err(_)) => Err(ScreenError::Failed("the window is gone".into())),
            Ok(Ok(shot)) => shot,
        }
    }
}

fn rgba_to_rgb(buf: &slint::SharedPixelBuffer<slint::Rgba8Pixel>) -> RgbImage {
    let mut img = RgbImage::new(buf.width(), buf.height());
    for (dst, src) in img.pixels_mut().zip(buf.as_slice()) {
        *dst = image::Rgb([src.r, src.g, src.b]);
    }
    img
}
