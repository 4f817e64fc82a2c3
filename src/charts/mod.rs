//! Charts drawn by `embedded-graphics` into a pixel buffer that Slint shows
//! as an image.
//!
//! # How to use it
//!
//! 1. Put the data into slots: [`Window::slots`] turns (seconds, value)
//!    samples into one value per step, oldest first, `None` where there was
//!    no sample (a gap in the line).
//! 2. Describe the chart: [`sparkline`] (one series over a value range, an
//!    optional threshold as a dashed rule) or [`temperature`] (nozzle and bed
//!    from 0 to 300 °C, grid rules at 100 and 200 °C, optional targets as
//!    dashed rules in each heater's colour), or a [`Chart`] of your own.
//! 3. [`render`] it at the size the layout gives it, with the colours of the
//!    theme passed in: the result is a [`Canvas`], plain RGBA bytes,
//!    transparent where nothing is drawn unless a background is given. The
//!    bridge hands them to Slint with `Image::from_rgba8`, and only when the
//!    chart's data changed, so an unchanged chart costs nothing per frame.
//!
//! Drawing is deterministic and pixel-exact: no anti-aliasing, integer
//! coordinates, the same bytes on every machine (the aarch64 build draws the
//! same chart as the x86_64 one). [`draw`] takes any `DrawTarget`, so the
//! unit tests draw onto `embedded-graphics`' `MockDisplay` and compare the
//! picture with a pattern; `tests/charts.rs` compares whole charts with PNG
//! goldens.
//!
//! The module depends on no other piboard module: its inputs are slices of
//! values and colours, whoever computes them.
//!
//! | file | what it holds |
//! |---|---|
//! | `mod.rs` | the presets ([`sparkline`], [`temperature`]) and [`render`] |
//! | `chart.rs` | [`Chart`], [`Series`], [`Rule`] and the one [`draw`] routine |
//! | `canvas.rs` | the [`Canvas`]: a `DrawTarget` over RGBA bytes |
//! | `slots.rs` | [`Window`]: timestamped samples into slots |
//! | `qr.rs` | [`qr`]: a QR code (the setup screen's link to its own page), whole pixels a module |

mod canvas;
mod chart;
mod qr;
mod slots;

pub use canvas::Canvas;
pub use chart::{Chart, Rule, RuleStyle, Series, draw};
pub use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::Size;
pub use qr::{QUIET_MODULES, qr, qr_modules};
pub use slots::Window;

/// The temperature chart's top, °C (hotter readings are drawn at the top).
pub const TEMPERATURE_MAX_C: f32 = 300.0;
/// Where the temperature chart draws its grid rules, °C.
pub const TEMPERATURE_GRID_C: [f32; 2] = [100.0, 200.0];

/// The colours of a [`temperature`] chart, from the theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemperatureColours {
    pub grid: Rgb888,
    pub extruder: Rgb888,
    pub bed: Rgb888,
}

/// The printer's two heaters, one slot per step (see [`Window`]), and their
/// targets (`None`, or 0, when the heater is off).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Temperatures<'a> {
    pub extruder: &'a [Option<f32>],
    pub bed: &'a [Option<f32>],
    pub extruder_target: Option<f32>,
    pub bed_target: Option<f32>,
}

/// The printer's temperature chart: 0 to [`TEMPERATURE_MAX_C`], grid rules
/// at [`TEMPERATURE_GRID_C`], each target as a dashed rule in its heater's
/// colour, the bed drawn first and the nozzle over it, 2 px lines kept 4 px
/// from the sides and 3 px from the top and bottom.
pub fn temperature<'a>(t: &Temperatures<'a>, colours: &TemperatureColours) -> Chart<'a> {
    let grid = TEMPERATURE_GRID_C.map(|c| Rule {
        value: c,
        colour: colours.grid,
        style: RuleStyle::Solid,
    });
    let targets = [
        (t.bed_target, colours.bed),
        (t.extruder_target, colours.extruder),
    ]
    .into_iter()
    .filter_map(|(target, colour)| {
        target.filter(|c| *c > 0.0).map(|value| Rule {
            value,
            colour,
            style: RuleStyle::Dashed,
        })
    });
    Chart {
        min: 0.0,
        max: TEMPERATURE_MAX_C,
        series: vec![
            Series {
                values: t.bed,
                colour: colours.bed,
            },
            Series {
                values: t.extruder,
                colour: colours.extruder,
            },
        ],
        rules: grid.into_iter().chain(targets).collect(),
        stroke: 2,
        inset: Size::new(4, 3),
    }
}

/// The colours of a [`sparkline`], from the theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SparklineColours {
    pub line: Rgb888,
    pub threshold: Rgb888,
}

/// A sparkline: `values` (one per slot) from `min` at the bottom to `max`
/// at the top, `threshold` as a dashed rule under the line, a 2 px line kept
/// 2 px from every edge.
pub fn sparkline<'a>(
    values: &'a [Option<f32>],
    (min, max): (f32, f32),
    threshold: Option<f32>,
    colours: &SparklineColours,
) -> Chart<'a> {
    Chart {
        min,
        max,
        series: vec![Series {
            values,
            colour: colours.line,
        }],
        rules: threshold
            .map(|value| Rule {
                value,
                colour: colours.threshold,
                style: RuleStyle::Dashed,
            })
            .into_iter()
            .collect(),
        stroke: 2,
        inset: Size::new(2, 2),
    }
}

/// Draws `chart` on a new `width` x `height` canvas filled with
/// `background` (transparent for `None`).
pub fn render(chart: &Chart, width: u32, height: u32, background: Option<Rgb888>) -> Canvas {
    let mut canvas = Canvas::new(width, height, background);
    let Ok(()) = draw(chart, &mut canvas);
    canvas
}

#[cfg(test)]
mod tests;
