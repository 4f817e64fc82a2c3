//! A QR code drawn into a [`Canvas`]: dark modules on a light ground with
//! the four-module quiet zone the standard asks for, each module a square of
//! whole pixels (no scaling blur, so a phone reads it off a 5" panel).

use embedded_graphics::Drawable;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::{Point, Primitive, Size};
use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};
use qrcodegen::{QrCode, QrCodeEcc};

use super::Canvas;

/// The quiet zone around the symbol, in modules (ISO/IEC 18004).
pub const QUIET_MODULES: u32 = 4;

/// The QR code of `text` (medium error correction), as modules per side
/// without the quiet zone; `None` if the text is too long for any version.
pub fn qr_modules(text: &str) -> Option<u32> {
    QrCode::encode_text(text, QrCodeEcc::Medium)
        .ok()
        .and_then(|q| u32::try_from(q.size()).ok())
}

/// The QR code of `text` drawn with the largest whole module that fits in
/// `max_px` (quiet zone included), `dark` on `light`; `None` if the text
/// cannot be encoded or a module would be under 2 px.
pub fn qr(text: &str, max_px: u32, dark: Rgb888, light: Rgb888) -> Option<Canvas> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let modules = u32::try_from(code.size()).ok()?;
    let side = modules + 2 * QUIET_MODULES;
    let module = max_px / side;
    if module < 2 {
        return None;
    }
    let px = side * module;
    let mut canvas = Canvas::new(px, px, Some(light));
    let style = PrimitiveStyle::with_fill(dark);
    for y in 0..code.size() {
        for x in 0..code.size() {
            if !code.get_module(x, y) {
                continue;
            }
            let at = |v: i32| (v.unsigned_abs() + QUIET_MODULES) * module;
            let corner = Point::new(at(x) as i32, at(y) as i32);
            let square = Rectangle::new(corner, Size::new(module, module));
            let Ok(()) = square.into_styled(style).draw(&mut canvas);
        }
    }
    Some(canvas)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DARK: Rgb888 = Rgb888::new(0, 0, 0);
    const LIGHT: Rgb888 = Rgb888::new(255, 255, 255);

    fn dark_at(c: &Canvas, x: u32, y: u32) -> bool {
        let i = ((y * c.width() + x) * 4) as usize;
        c.rgba().get(i) == Some(&0)
    }

    #[test]
    fn the_symbol_has_whole_modules_a_quiet_zone_and_finder_corners() {
        let url = "http://192.168.86.131:8080/";
        let modules = qr_modules(url).expect("encodes");
        let c = qr(url, 240, DARK, LIGHT).expect("fits");
        let module = c.width() / (modules + 2 * QUIET_MODULES);
        assert_eq!(c.width(), (modules + 2 * QUIET_MODULES) * module);
        assert!(module >= 2 && c.width() <= 240);
        let q = QUIET_MODULES * module;
        // The quiet zone is light; the finder pattern's corner is dark, its
        // white ring one module in is light.
        assert!(!dark_at(&c, q - 1, q - 1));
        assert!(dark_at(&c, q, q));
        assert!(!dark_at(&c, q + module, q + module));
        assert!(dark_at(&c, q + 2 * module, q + 2 * module));
        let far = q + (modules - 1) * module;
        assert!(dark_at(&c, far, q) && dark_at(&c, q, far));
    }

    #[test]
    fn too_small_a_space_draws_nothing() {
        assert!(qr("http://10.0.0.2:8080/", 40, DARK, LIGHT).is_none());
    }
}
