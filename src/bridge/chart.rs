//! The printer's temperature chart as a Slint image: the view's slots drawn
//! by `charts` (embedded-graphics) at the chart's size on screen, with the
//! theme's colours, and handed over only when the chart's data or size
//! changed, so a steady printer costs neither a drawing nor a redraw.

use slint::{Color, ComponentHandle as _, Image, Rgba8Pixel, SharedPixelBuffer};

use super::ui;
use crate::charts::{self, Rgb888, TemperatureColours, Temperatures};
use crate::view::{ChartVm, Layout};

/// The chart's size in pixels for a layout: the printer column's inner
/// width (`ui/main.slint`: 300 px wide, else 250, less 10 px of padding on
/// each side) and the height the path chart had for it. The small layout
/// shows the printer as a strip, without a chart.
pub(super) fn size(layout: Layout) -> (u32, u32) {
    match (layout.small, layout.wide) {
        (true, _) => (0, 0),
        (false, true) => (280, 51),
        (false, false) => (230, 43),
    }
}

/// What the UI shows now, so an unchanged chart is neither drawn nor set.
#[derive(Debug, Default)]
pub(super) struct ChartImage {
    shown: Option<(ChartVm, (u32, u32))>,
}

impl ChartImage {
    /// Shows `chart` at `size` in `window`, if that is not what it shows.
    pub(super) fn sync(&mut self, window: &ui::MainWindow, chart: &ChartVm, size: (u32, u32)) {
        if self
            .shown
            .as_ref()
            .is_some_and(|(c, s)| c == chart && *s == size)
        {
            return;
        }
        let image = if chart.is_empty() || size.0 == 0 || size.1 == 0 {
            Image::default()
        } else {
            draw(chart, size, &colours(&window.global::<ui::Theme>()))
        };
        window.global::<ui::Dash>().set_temp_chart(image);
        self.shown = Some((chart.clone(), size));
    }
}

/// The chart's colours from the theme (`ui/theme.slint`).
fn colours(theme: &ui::Theme<'_>) -> TemperatureColours {
    let rgb = |c: Color| Rgb888::new(c.red(), c.green(), c.blue());
    TemperatureColours {
        grid: rgb(theme.get_border()),
        extruder: rgb(theme.get_chart_nozzle()),
        bed: rgb(theme.get_chart_bed()),
    }
}

/// The chart drawn at `(width, height)`, transparent where nothing is drawn
/// (the panel behind it shows through).
fn draw(chart: &ChartVm, (width, height): (u32, u32), colours: &TemperatureColours) -> Image {
    let t = Temperatures {
        extruder: &chart.extruder,
        bed: &chart.bed,
        extruder_target: None,
        bed_target: None,
    };
    let canvas = charts::render(&charts::temperature(&t, colours), width, height, None);
    Image::from_rgba8(SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(
        canvas.rgba(),
        width,
        height,
    ))
}
