//! The printer's temperature charts as Slint images: the view's slots drawn
//! by `charts` (embedded-graphics) at the chart's size on screen, with the
//! theme's colours. There are two: the printer panel's on the overview
//! (`Dash.temp-chart`, no targets) and the printer page's, larger and with
//! the heaters' targets dashed (`Dash.page-chart`). Each is drawn only
//! while it is on the glass (its size is zero elsewhere, and the image is
//! emptied, freeing its pixels), and handed over only when its data,
//! targets or size changed, so a steady printer costs neither a drawing
//! nor a redraw.

use slint::{Color, ComponentHandle as _, Image, Rgba8Pixel, SharedPixelBuffer};

use super::ui;
use crate::charts::{self, Rgb888, TemperatureColours, Temperatures};
use crate::core::Page;
use crate::view::{ChartVm, Layout, ViewModel};

/// The page chart's height at 800x480: what the page's right column has
/// left beside the heaters, the message and four jobs (`ui/pages/printer.slint`).
const PAGE_HEIGHT: u32 = 110;
/// In the tall layout (600 px and more): 120 px more of window, 60 of them
/// to the chart.
const PAGE_HEIGHT_TALL: u32 = 170;
/// In the small layout, where the page is one column that scrolls.
const PAGE_HEIGHT_SMALL: u32 = 96;

/// The panel chart's size in pixels for a layout, zero where it is not
/// shown: the printer column's inner width (`ui/main.slint`: 300 px wide,
/// else 250, less 10 px of padding on each side) and the height the path
/// chart had for it. The small layout, a compact printer (idle, done,
/// offline: a strip) and every page but the overview show no panel chart.
pub(super) fn panel_size(layout: Layout, vm: &ViewModel) -> (u32, u32) {
    let column = vm.printer.configured && !vm.printer.compact;
    panel_size_on(layout, vm.page.name, column)
}

/// [`panel_size`] on `page`, with or without the printer's full column.
fn panel_size_on(layout: Layout, page: Page, column: bool) -> (u32, u32) {
    let shown = page == Page::Overview && column;
    match (shown && !layout.small, layout.wide) {
        (false, _) => (0, 0),
        (true, true) => (280, 51),
        (true, false) => (230, 43),
    }
}

/// The page chart's size for a window `width` logical px wide, zero on
/// every other page. Its width is the page's right column
/// (`ui/pages/printer.slint`): the window less the page's padding (8 px
/// each side, `ui/blocks/page.slint`) and the columns' 16 px gap, of which
/// the right column takes 52 %; in the small layout, one column, the window
/// less 4 px of padding on each side. The heights are the constants above.
pub(super) fn page_size(layout: Layout, width: f32, vm: &ViewModel) -> (u32, u32) {
    page_size_on(layout, width, vm.page.name)
}

/// [`page_size`] on `page`.
fn page_size_on(layout: Layout, width: f32, page: Page) -> (u32, u32) {
    if page != Page::Printer || !width.is_finite() {
        return (0, 0);
    }
    let px = |w: f32| w.max(0.0).floor() as u32;
    match (layout.small, layout.tall) {
        (true, _) => (px(width - 8.0), PAGE_HEIGHT_SMALL),
        (false, tall) => (
            px((width - 16.0 - 16.0) * 0.52),
            if tall { PAGE_HEIGHT_TALL } else { PAGE_HEIGHT },
        ),
    }
}

/// What one chart is drawn from: the slots, the targets, the size.
#[derive(Debug, Clone, PartialEq)]
struct Drawn {
    chart: ChartVm,
    targets: (Option<f32>, Option<f32>),
    size: (u32, u32),
}

/// What the UI shows now in one chart, so an unchanged chart is neither
/// drawn nor set.
#[derive(Debug, Default)]
pub(super) struct ChartImage {
    shown: Option<Drawn>,
}

/// Which of the two charts.
#[derive(Debug, Clone, Copy)]
pub(super) enum Which {
    /// The printer panel's, on the overview.
    Panel,
    /// The printer page's, with targets.
    Page,
}

impl ChartImage {
    /// Shows `chart` with the `(nozzle, bed)` targets at `size` as the
    /// `which` chart of `window`, if that is not what it shows.
    pub(super) fn sync(
        &mut self,
        window: &ui::MainWindow,
        which: Which,
        chart: &ChartVm,
        targets: (Option<f32>, Option<f32>),
        size: (u32, u32),
    ) {
        let visible = size.0 > 0 && size.1 > 0 && !chart.is_empty();
        let wanted = Drawn {
            chart: if visible {
                chart.clone()
            } else {
                ChartVm::default()
            },
            targets: if visible { targets } else { (None, None) },
            size: if visible { size } else { (0, 0) },
        };
        if self.shown.as_ref() == Some(&wanted) {
            return;
        }
        let image = if visible {
            draw(&wanted, &colours(&window.global::<ui::Theme>()))
        } else {
            Image::default()
        };
        let dash = window.global::<ui::Dash>();
        match which {
            Which::Panel => dash.set_temp_chart(image),
            Which::Page => dash.set_page_chart(image),
        }
        self.shown = Some(wanted);
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

/// The chart drawn at its size, transparent where nothing is drawn (the
/// panel behind it shows through).
fn draw(d: &Drawn, colours: &TemperatureColours) -> Image {
    let (width, height) = d.size;
    let t = Temperatures {
        extruder: &d.chart.extruder,
        bed: &d.chart.bed,
        extruder_target: d.targets.0,
        bed_target: d.targets.1,
    };
    let canvas = charts::render(&charts::temperature(&t, colours), width, height, None);
    Image::from_rgba8(SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(
        canvas.rgba(),
        width,
        height,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_chart_has_a_size_only_where_it_is_on_the_glass() {
        use Page::{Overview, Printer};
        let panel = Layout::for_size(800.0, 480.0);
        let wide = Layout::for_size(1024.0, 600.0);
        let small = Layout::for_size(480.0, 320.0);
        assert_eq!(panel_size_on(panel, Overview, true), (230, 43));
        assert_eq!(panel_size_on(wide, Overview, true), (280, 51));
        assert_eq!(panel_size_on(small, Overview, true), (0, 0), "a strip");
        assert_eq!(panel_size_on(panel, Overview, false), (0, 0), "compact");
        assert_eq!(panel_size_on(panel, Printer, true), (0, 0));
        assert_eq!(page_size_on(panel, 800.0, Overview), (0, 0));
        assert_eq!(page_size_on(panel, 800.0, Printer), (399, PAGE_HEIGHT));
        assert_eq!(page_size_on(wide, 1024.0, Printer), (515, PAGE_HEIGHT_TALL));
        assert_eq!(
            page_size_on(small, 480.0, Printer),
            (472, PAGE_HEIGHT_SMALL)
        );
        assert_eq!(page_size_on(panel, f32::NAN, Printer), (0, 0));
    }
}
