//! The pages' sparklines as Slint images: each service's last hour of
//! response times (`Dash.service-charts`) and each node's CPU and memory
//! (`Dash.node-rows`), drawn by `charts::sparkline` (embedded-graphics)
//! with the theme's colours.
//!
//! Each list is one Slint model parallel to the overview's rows
//! (`Dash.services`, `Dash.nodes`), not a field of them, so a chart that
//! moves changes neither the overview's rows nor the page's other words.
//! The images exist only while their page is shown: on any other page the
//! model is emptied and the pixels freed, and opening the page draws them
//! all (its drawing time is not measured yet). While shown, a
//! row's image is drawn again only when that row's slots or the size
//! changed; a node whose load alone changed keeps its images.

use std::rc::Rc;

use slint::{
    Color, ComponentHandle as _, Image, Model, ModelRc, Rgba8Pixel, SharedPixelBuffer, VecModel,
};

use super::ui;
use crate::charts::{self, Rgb888, SparklineColours};
use crate::core::Page;
use crate::view::{Layout, NodeRowVm, SparklineVm, ViewModel};

/// A service's chart, pixels: the width and height of its `Image` in
/// `ui/pages/services.slint`. None in the small layout (no room).
pub(super) const SERVICE: (u32, u32) = (150, 36);
/// A node's CPU or memory chart, pixels: the `Image` under each meter in
/// `ui/pages/proxmox.slint`. None in the small layout.
pub(super) const NODE: (u32, u32) = (240, 22);

/// A chart's size for `layout`: `full`, or nothing in the small layout.
fn size(layout: Layout, full: (u32, u32)) -> (u32, u32) {
    if layout.small { (0, 0) } else { full }
}

/// One list of chart rows: what each row shows, at which size, and the
/// Slint model, kept for the window's lifetime.
struct Drawn<V, T> {
    shown: Vec<V>,
    size: (u32, u32),
    model: Option<Rc<VecModel<T>>>,
}

impl<V, T> Default for Drawn<V, T> {
    fn default() -> Self {
        Self {
            shown: Vec::new(),
            size: (0, 0),
            model: None,
        }
    }
}

impl<V: PartialEq + Clone, T: Clone + 'static> Drawn<V, T> {
    /// Makes the model show `items` at `size`: a row whose item (and the
    /// size) is what it shows is left alone; `make` builds a changed row
    /// from its item, the size and the row it replaces.
    fn sync(
        &mut self,
        items: &[V],
        size: (u32, u32),
        make: impl Fn(&V, (u32, u32), Option<(&V, T)>) -> T,
        install: impl FnOnce(ModelRc<T>),
    ) {
        let model = match &self.model {
            Some(m) => m.clone(),
            None => {
                let m = Rc::new(VecModel::default());
                install(ModelRc::from(m.clone()));
                self.model = Some(m.clone());
                m
            }
        };
        let resized = size != self.size;
        for (i, item) in items.iter().enumerate() {
            let old = self.shown.get(i).filter(|_| !resized);
            match (old, model.row_data(i)) {
                (Some(o), _) if o == item => {}
                (o, Some(row)) => model.set_row_data(i, make(item, size, o.map(|o| (o, row)))),
                (_, None) => model.push(make(item, size, None)),
            }
        }
        while model.row_count() > items.len() {
            model.remove(model.row_count() - 1);
        }
        self.shown = items.to_vec();
        self.size = size;
    }
}

/// What the pages' charts last showed.
#[derive(Default)]
pub(super) struct Sparklines {
    services: Drawn<SparklineVm, Image>,
    nodes: Drawn<NodeRowVm, ui::NodePageData>,
}

impl Sparklines {
    /// Shows the charts of `vm`'s page in `window`, and frees the others.
    pub(super) fn sync(&mut self, window: &ui::MainWindow, vm: &ViewModel, layout: Layout) {
        let colours = colours(&window.global::<ui::Theme>());
        let dash = window.global::<ui::Dash>();
        let on = |page: Page| vm.page.name == page;
        let services: &[SparklineVm] = if on(Page::Services) {
            &vm.pages.services.sparklines
        } else {
            &[]
        };
        self.services.sync(
            services,
            size(layout, SERVICE),
            |line, size, _| draw(line, size, &colours),
            |m| dash.set_service_charts(m),
        );
        let nodes: &[NodeRowVm] = if on(Page::Proxmox) {
            &vm.pages.proxmox.nodes
        } else {
            &[]
        };
        self.nodes.sync(
            nodes,
            size(layout, NODE),
            |row, size, old| node_row(row, size, old, &colours),
            |m| dash.set_node_rows(m),
        );
    }
}

/// A node's row: its load, and each chart drawn again only if it changed.
fn node_row(
    row: &NodeRowVm,
    size: (u32, u32),
    old: Option<(&NodeRowVm, ui::NodePageData)>,
    colours: &SparklineColours,
) -> ui::NodePageData {
    let redraw = |line: &SparklineVm, kept: Option<(&SparklineVm, Image)>| match kept {
        Some((was, image)) if was == line => image,
        _ => draw(line, size, colours),
    };
    let (cpu_was, mem_was) = match old {
        Some((o, data)) => (
            Some((&o.cpu, data.cpu_chart)),
            Some((&o.mem, data.mem_chart)),
        ),
        None => (None, None),
    };
    ui::NodePageData {
        load: row.load.as_str().into(),
        cpu_chart: redraw(&row.cpu, cpu_was),
        mem_chart: redraw(&row.mem, mem_was),
    }
}

/// The sparklines' colours from the theme (`ui/theme.slint`): the line in
/// the info colour, a slow threshold in the warning colour.
fn colours(theme: &ui::Theme<'_>) -> SparklineColours {
    let rgb = |c: Color| Rgb888::new(c.red(), c.green(), c.blue());
    SparklineColours {
        line: rgb(theme.get_info()),
        threshold: rgb(theme.get_warn()),
    }
}

/// `line` drawn at `(width, height)`, transparent where nothing is drawn;
/// an empty image for an empty line or size.
fn draw(line: &SparklineVm, (width, height): (u32, u32), colours: &SparklineColours) -> Image {
    if line.is_empty() || width == 0 || height == 0 {
        return Image::default();
    }
    let values: Vec<Option<f32>> = line.values.iter().map(|v| v.map(|v| v as f32)).collect();
    let chart = charts::sparkline(
        &values,
        (0.0, line.max as f32),
        line.threshold.map(|t| t as f32),
        colours,
    );
    let canvas = charts::render(&chart, width, height, None);
    Image::from_rgba8(SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(
        canvas.rgba(),
        width,
        height,
    ))
}
