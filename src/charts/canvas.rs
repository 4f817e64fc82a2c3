//! The pixel buffer charts are drawn into: an `embedded-graphics`
//! [`DrawTarget`] over plain RGBA bytes, which the bridge hands to Slint as
//! an image (`slint::Image::from_rgba8`) and the tests save as PNG.

use std::convert::Infallible;

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::{Dimensions, DrawTarget, OriginDimensions, Pixel, Point, Size};
use embedded_graphics::primitives::Rectangle;

/// A `width` x `height` RGBA image, rows top to bottom, four bytes a pixel.
/// Drawn pixels are opaque; the rest keep the background it was made with.
#[derive(Clone, PartialEq, Eq)]
pub struct Canvas {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

impl std::fmt::Debug for Canvas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Canvas")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl Canvas {
    /// A canvas filled with `background`, or fully transparent for `None`
    /// (the panel behind the image shows through).
    pub fn new(width: u32, height: u32, background: Option<Rgb888>) -> Self {
        let pixel = background.map_or([0; 4], opaque);
        let rgba = pixel.repeat(width as usize * height as usize);
        Self {
            width,
            height,
            rgba,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixels, RGBA, row by row.
    pub fn rgba(&self) -> &[u8] {
        &self.rgba
    }

    /// The pixels, RGBA, row by row, without a copy.
    pub fn into_rgba(self) -> Vec<u8> {
        self.rgba
    }

    /// The byte offset of `p`, if it is on the canvas.
    fn offset(&self, p: Point) -> Option<usize> {
        let (x, y) = (u32::try_from(p.x).ok()?, u32::try_from(p.y).ok()?);
        (x < self.width && y < self.height)
            .then(|| (y as usize * self.width as usize + x as usize) * 4)
    }
}

/// An opaque RGBA pixel of `c`.
fn opaque(c: Rgb888) -> [u8; 4] {
    [c.r(), c.g(), c.b(), 255]
}

impl OriginDimensions for Canvas {
    fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }
}

impl DrawTarget for Canvas {
    type Color = Rgb888;
    type Error = Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        for Pixel(p, c) in pixels {
            if let Some(i) = self.offset(p) {
                self.rgba[i..i + 4].copy_from_slice(&opaque(c));
            }
        }
        Ok(())
    }

    /// Fills row slices directly (rules and backgrounds are rectangles).
    fn fill_solid(&mut self, area: &Rectangle, color: Self::Color) -> Result<(), Self::Error> {
        let area = area.intersection(&self.bounding_box());
        let Some(bottom_right) = area.bottom_right() else {
            return Ok(());
        };
        let pixel = opaque(color);
        for y in area.top_left.y..=bottom_right.y {
            let start = self.offset(Point::new(area.top_left.x, y));
            let end = self.offset(Point::new(bottom_right.x, y));
            if let (Some(start), Some(end)) = (start, end) {
                for px in self.rgba[start..end + 4].chunks_exact_mut(4) {
                    px.copy_from_slice(&pixel);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use embedded_graphics::prelude::*;
    use embedded_graphics::primitives::{Line, PrimitiveStyle};

    use super::*;

    fn pixel(c: &Canvas, x: usize, y: usize) -> &[u8] {
        let i = (y * c.width() as usize + x) * 4;
        &c.rgba()[i..i + 4]
    }

    #[test]
    fn a_new_canvas_holds_its_background_or_nothing() {
        let c = Canvas::new(3, 2, Some(Rgb888::new(1, 2, 3)));
        assert_eq!(c.rgba().len(), 3 * 2 * 4);
        assert!(c.rgba().chunks(4).all(|p| p == [1, 2, 3, 255]));
        let clear = Canvas::new(3, 2, None);
        assert!(clear.rgba().iter().all(|b| *b == 0));
    }

    #[test]
    fn drawing_off_the_canvas_is_clipped_not_a_panic() {
        let mut c = Canvas::new(4, 3, None);
        let Ok(()) = Line::new(Point::new(-5, 1), Point::new(10, 1))
            .into_styled(PrimitiveStyle::with_stroke(Rgb888::RED, 1))
            .draw(&mut c);
        for x in 0..4 {
            assert_eq!(pixel(&c, x, 1), [255, 0, 0, 255]);
            assert_eq!(pixel(&c, x, 0), [0, 0, 0, 0]);
        }
        let Ok(()) = c.fill_solid(
            &Rectangle::new(Point::new(2, -1), Size::new(9, 3)),
            Rgb888::GREEN,
        );
        assert_eq!(pixel(&c, 3, 0), [0, 255, 0, 255]);
        assert_eq!(pixel(&c, 1, 0), [0, 0, 0, 0]);
        assert_eq!(pixel(&c, 3, 2), [0, 0, 0, 0]);
    }
}
