//! Rendering on demand, without a display or an event loop: one view model
//! in, one image out. The software renderer draws into memory. Used for
//! `--screenshot`, the golden tests and the render benchmarks.

use std::cell::RefCell;
use std::rc::Rc;

use image::RgbImage;
use slint::Rgb8Pixel;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, PlatformError};

use crate::bridge::UiBridge;
use crate::bridge::ui::MainWindow;
use crate::platform::power::{Glass, Shown};
use crate::view::ViewModel;

/// Where the platform leaves the window it just created.
type WindowSlot = Rc<RefCell<Option<Rc<MinimalSoftwareWindow>>>>;

/// A Slint platform whose windows only render to memory. Each window it
/// creates is handed to the [`Offscreen`] that asked for it.
struct OffscreenPlatform {
    created: WindowSlot,
}

impl Platform for OffscreenPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
        *self.created.borrow_mut() = Some(window.clone());
        Ok(window)
    }
}

thread_local! {
    static CREATED: RefCell<Option<WindowSlot>> = const { RefCell::new(None) };
}

/// Installs the offscreen platform on this thread, once.
fn install() -> Result<WindowSlot, PlatformError> {
    CREATED.with(|slot| {
        if let Some(created) = slot.borrow().as_ref() {
            return Ok(created.clone());
        }
        let created = Rc::new(RefCell::new(None));
        slint::platform::set_platform(Box::new(OffscreenPlatform {
            created: created.clone(),
        }))
        .map_err(|e| PlatformError::Other(format!("cannot install the offscreen renderer: {e}")))?;
        *slot.borrow_mut() = Some(created.clone());
        Ok(created)
    })
}

/// A dashboard window that exists only in memory.
pub struct Offscreen {
    window: Rc<MinimalSoftwareWindow>,
    ui: MainWindow,
    bridge: UiBridge,
    buffer: Vec<Rgb8Pixel>,
    size: PhysicalSize,
    /// The next render repaints every pixel, not only the dirty region.
    full_repaint: bool,
}

impl std::fmt::Debug for Offscreen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Offscreen")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// What one call to [`Offscreen::render`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderStats {
    /// Whether anything was drawn at all.
    pub drawn: bool,
    /// Pixels inside the dirty region that was redrawn.
    pub dirty_pixels: u64,
}

impl Offscreen {
    /// A headless dashboard of `width` x `height` pixels. Only works on the
    /// thread that uses no other Slint platform.
    pub fn new(width: u32, height: u32) -> Result<Self, PlatformError> {
        let created = install()?;
        let ui = MainWindow::new()?;
        // The window adapter is created on first use; make sure it exists.
        let _ = ui.window().size();
        let window = created.borrow_mut().take().ok_or_else(|| {
            PlatformError::Other("the headless platform created no window".into())
        })?;
        let size = PhysicalSize::new(width, height);
        window.set_size(size);
        ui.show()?;
        let buffer = vec![Rgb8Pixel::default(); width as usize * height as usize];
        Ok(Self {
            window,
            ui,
            bridge: UiBridge::default(),
            buffer,
            size,
            full_repaint: false,
        })
    }

    /// Shows a view model (only what changed is updated).
    pub fn show(&mut self, vm: &ViewModel) {
        self.bridge.apply(&self.ui, vm);
    }

    /// Shows a view model as a live UI loop does behind `glass`
    /// ([`crate::platform::power::show`]): while dark only the black cover.
    pub fn show_behind(&mut self, glass: &Glass, vm: &ViewModel) -> Shown {
        crate::platform::power::show(glass, &mut self.bridge, &self.ui, vm)
    }

    /// Draws what changed since the last call into the frame buffer.
    pub fn render(&mut self) -> RenderStats {
        slint::platform::update_timers_and_animations();
        let width = self.size.width as usize;
        let buffer = &mut self.buffer;
        let mut dirty_pixels = 0;
        let full = std::mem::take(&mut self.full_repaint);
        let drawn = self.window.draw_if_needed(|renderer| {
            if full {
                // Changing the buffer type drops the renderer's record of what
                // the buffer holds, so everything is drawn again.
                renderer.set_repaint_buffer_type(RepaintBufferType::NewBuffer);
                renderer.set_repaint_buffer_type(RepaintBufferType::ReusedBuffer);
            }
            let region = renderer.render(buffer, width);
            dirty_pixels = region
                .iter()
                .map(|(_, size)| u64::from(size.width) * u64::from(size.height))
                .sum();
        });
        RenderStats {
            drawn,
            dirty_pixels,
        }
    }

    /// Forces the next [`render`](Self::render) to redraw the whole frame.
    pub fn invalidate(&mut self) {
        self.full_repaint = true;
        self.window.request_redraw();
    }

    /// The current frame buffer as an image.
    pub fn image(&self) -> RgbImage {
        let mut img = RgbImage::new(self.size.width, self.size.height);
        for (dst, src) in img.pixels_mut().zip(&self.buffer) {
            *dst = image::Rgb([src.r, src.g, src.b]);
        }
        img
    }

    /// Shows `vm` and returns the complete frame.
    pub fn frame(&mut self, vm: &ViewModel) -> RgbImage {
        self.show(vm);
        self.render();
        self.image()
    }

    /// Shows `vm` and draws what changed.
    pub fn render_frame_stats(&mut self, vm: &ViewModel) -> RenderStats {
        self.show(vm);
        self.render()
    }

    /// A tap at `(x, y)` in logical pixels, through the window's real
    /// pointer path (see [`crate::platform::input::tap`]).
    pub fn tap(&self, x: f32, y: f32) {
        crate::platform::input::tap(self.ui.window(), x, y);
    }

    /// The Slint component, for tests that need to poke at it.
    pub fn ui(&self) -> &MainWindow {
        &self.ui
    }
}

/// Encodes an image as PNG.
pub fn encode_png(img: &RgbImage) -> Result<Vec<u8>, image::ImageError> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}
