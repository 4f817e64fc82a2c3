//! The setup screen in the UI: `view::SetupVm`'s words copied into
//! `Dash.setup`, and its QR code drawn by `charts::qr` into `Dash.setup-qr`
//! at the layout's size (big enough to scan from a phone on the 800x480
//! panel, and still a whole number of pixels a module at 480x320). The
//! image is drawn only when the URL or the size changes, so a setup screen
//! that stays costs nothing.

use slint::{Image, Rgba8Pixel, SharedPixelBuffer};

use super::ui;
use crate::charts::{self, Rgb888};
use crate::view::{Layout, SetupVm};

/// The QR code's largest side, quiet zone included, per layout: the
/// right-hand column of `ui/setup.slint`.
fn qr_px(layout: Layout) -> u32 {
    match (layout.small, layout.tall) {
        (true, _) => 150,
        (false, true) => 300,
        (false, false) => 240,
    }
}

/// Dark modules in the theme's background colour, on white.
const DARK: Rgb888 = Rgb888::new(0x0d, 0x11, 0x17);
const LIGHT: Rgb888 = Rgb888::new(0xff, 0xff, 0xff);

/// What the QR image was last drawn from: the text and the size.
#[derive(Debug, Default)]
pub(super) struct SetupScreen {
    drawn: Option<(Option<String>, u32)>,
}

impl SetupScreen {
    /// Shows `setup` (or hides the screen for `None`) in the layout.
    pub(super) fn sync(&mut self, dash: &ui::Dash<'_>, setup: Option<&SetupVm>, layout: Layout) {
        dash.set_setup(setup.map(data).unwrap_or_default());
        let qr = setup.and_then(|s| s.qr.clone());
        let key = (qr, qr_px(layout));
        if self.drawn.as_ref() == Some(&key) {
            return;
        }
        let image = key
            .0
            .as_deref()
            .and_then(|text| charts::qr(text, key.1, DARK, LIGHT))
            .map(|c| {
                let (w, h) = (c.width(), c.height());
                Image::from_rgba8(SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(
                    c.rgba(),
                    w,
                    h,
                ))
            })
            .unwrap_or_default();
        dash.set_setup_qr(image);
        self.drawn = Some(key);
    }
}

fn data(s: &SetupVm) -> ui::SetupData {
    ui::SetupData {
        shown: true,
        title: s.title.as_str().into(),
        tone: s.tone.into(),
        problem: s.problem.as_str().into(),
        host_title: s.host_title.as_str().into(),
        hostname: s.hostname.as_str().into(),
        addresses: s.addresses_line.as_str().into(),
        url_title: s.url_title.as_str().into(),
        url: s.url.as_str().into(),
        qr_caption: s.qr_caption.as_str().into(),
        command_title: s.command_title.as_str().into(),
        command_hint: s.command_hint.as_str().into(),
        command: s.command.as_str().into(),
        alternative: s.alternative.as_str().into(),
        watching: s.watching.as_str().into(),
    }
}
