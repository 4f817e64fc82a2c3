//! Render and view-model benchmarks (issue: performance).
//!
//! `cargo bench --bench render` measures, with the real Slint software
//! renderer drawing into memory:
//! - a full 800x480 frame (everything invalidated);
//! - a partial update where one service tile's response time changes (the
//!   dirty area is printed once, to show partial rendering is used);
//! - building the view model from a full demo snapshot;
//! - the printer's temperature chart (`charts/*`): a full frame with the
//!   chart, the partial redraw when the chart gains one sample (its dirty
//!   area is printed), and the `embedded-graphics` drawing of the chart
//!   alone. ARCHITECTURE.md, "Charts", compares the two ways of drawing it;
//! - switching pages (`pages/*`): from the overview to each page and back,
//!   as a tap on a panel and a tap on back do (the bridge copies the page's
//!   view model, the renderer draws what changed: the area is printed once).
//!
//! Figures, dated, with the machine: tests/perf/PERFORMANCE.md.

use std::hint::black_box;

use chrono::FixedOffset;
use criterion::{Criterion, criterion_group, criterion_main};
use piboard::charts::{self, Rgb888, TemperatureColours, Temperatures, Window};
use piboard::core::{Clock, FakeClock, Input, Nav, NavSettings, Page, TempHistory};
use piboard::demo;
use piboard::demo::frame as demo_frame;
use piboard::platform::Offscreen;
use piboard::view::{self, ViewModel};

/// The healthy demo frame, and a copy where only one service's response time
/// (and so one tile's text) differs.
fn one_tile_apart() -> (ViewModel, ViewModel) {
    let a = demo_frame(10);
    let mut b = a.clone();
    if let Some(s) = b.services.first_mut() {
        s.response_s = Some(0.999);
        s.detail = "999 ms".to_owned();
    }
    assert_ne!(a, b, "the two frames must differ in one tile");
    (a, b)
}

fn render(c: &mut Criterion) {
    let mut h = Offscreen::new(800, 480).expect("headless renderer");
    let vm = demo_frame(10);
    h.show(&vm);
    h.render();
    c.bench_function("render/full_frame_800x480", |b| {
        b.iter(|| {
            h.invalidate();
            black_box(h.render())
        })
    });

    let (a, b2) = one_tile_apart();
    h.show(&a);
    h.render();
    let stats = h.render_frame_stats(&b2);
    eprintln!(
        "partial update: drawn={} dirty={} px of {} ({:.2}% of the frame)",
        stats.drawn,
        stats.dirty_pixels,
        800 * 480,
        stats.dirty_pixels as f64 * 100.0 / (800.0 * 480.0)
    );
    let mut flip = false;
    c.bench_function("render/partial_one_tile", |bench| {
        bench.iter(|| {
            flip = !flip;
            black_box(h.render_frame_stats(if flip { &a } else { &b2 }))
        })
    });
    c.bench_function("render/idle_nothing_changed", |bench| {
        bench.iter(|| black_box(h.render()))
    });
}

fn build_view_model(c: &mut Criterion) {
    let (dash, now) = demo::replay(30);
    let rules = demo::rules();
    let utc = FixedOffset::east_opt(0).expect("UTC is a valid offset");
    c.bench_function("view/build_full_snapshot", |b| {
        b.iter(|| black_box(view::build(&dash, &rules, now, utc)))
    });
}

/// A printer heating for ten minutes, one sample per 5 s step: every new
/// sample moves the whole line, as a real heating does.
fn heating(samples: i64) -> TempHistory {
    let mut h = TempHistory::default();
    for i in 0..samples {
        h.record(i * 5, 25.0 + i as f64 * 1.8, 20.0 + i as f64 * 0.5);
    }
    h
}

/// The heating demo frame with the chart of `samples` samples.
fn heating_frame(samples: i64) -> ViewModel {
    let mut vm = demo_frame(174);
    vm.printer.chart = view::printer_chart(&heating(samples));
    vm
}

fn chart(c: &mut Criterion) {
    let mut h = Offscreen::new(800, 480).expect("headless renderer");
    let (a, b) = (heating_frame(119), heating_frame(120));
    assert_ne!(
        a.printer.chart, b.printer.chart,
        "one more sample must change the chart"
    );
    h.show(&a);
    h.render();
    c.bench_function("charts/full_frame_printing", |bench| {
        bench.iter(|| {
            h.invalidate();
            black_box(h.render())
        })
    });
    let stats = h.render_frame_stats(&b);
    eprintln!(
        "chart gains one sample: drawn={} dirty={} px ({:.2}% of the frame)",
        stats.drawn,
        stats.dirty_pixels,
        stats.dirty_pixels as f64 * 100.0 / (800.0 * 480.0)
    );
    let mut flip = false;
    c.bench_function("charts/one_sample_added", |bench| {
        bench.iter(|| {
            flip = !flip;
            black_box(h.render_frame_stats(if flip { &a } else { &b }))
        })
    });
    eg_draw(c);
}

/// `embedded-graphics` drawing the same ten minutes at the 800x480
/// panel's chart size, 230 x 44 px.
fn eg_draw(c: &mut Criterion) {
    let history = heating(120);
    let window = Window {
        end_s: 119 * 5,
        step_s: 5,
        count: 120,
    };
    let nozzle = window.slots(history.samples().map(|s| (s.at_s, s.extruder)));
    let bed = window.slots(history.samples().map(|s| (s.at_s, s.bed)));
    let t = Temperatures {
        extruder: &nozzle,
        bed: &bed,
        extruder_target: Some(240.0),
        bed_target: Some(80.0),
    };
    let colours = TemperatureColours {
        grid: Rgb888::new(0x30, 0x36, 0x3d),
        extruder: Rgb888::new(0xf0, 0x88, 0x3e),
        bed: Rgb888::new(0xbc, 0x8c, 0xff),
    };
    c.bench_function("charts/eg_draw_temperature_230x44", |bench| {
        bench.iter(|| {
            black_box(charts::render(
                &charts::temperature(&t, &colours),
                230,
                44,
                None,
            ))
        })
    });
}

/// The demo's frame at second 40 on `page`, as a tap on its panel (without
/// a focus) shows it.
fn on_page(page: Page) -> ViewModel {
    let now = FakeClock::default().now();
    let mut nav = Nav::new(NavSettings::default(), now);
    if page != Page::Overview {
        nav.input(Input::Open { page, focus: None }, now);
    }
    demo_frame(40).on_page(&nav)
}

/// One iteration: the overview to `page` and back, each a frame drawn.
fn pages(c: &mut Criterion) {
    let mut h = Offscreen::new(800, 480).expect("headless renderer");
    let overview = on_page(Page::Overview);
    for page in [Page::Services, Page::Proxmox, Page::Printer, Page::Alerts] {
        let shown = on_page(page);
        h.render_frame_stats(&overview);
        let to = h.render_frame_stats(&shown);
        let back = h.render_frame_stats(&overview);
        eprintln!(
            "overview -> {page}: dirty {:.0}% of the frame; back: {:.0}%",
            to.dirty_pixels as f64 * 100.0 / (800.0 * 480.0),
            back.dirty_pixels as f64 * 100.0 / (800.0 * 480.0)
        );
        c.bench_function(&format!("pages/overview_to_{page}_and_back"), |bench| {
            bench.iter(|| {
                black_box(h.render_frame_stats(&shown));
                black_box(h.render_frame_stats(&overview))
            })
        });
    }
}

criterion_group!(benches, render, build_view_model, chart, pages);
criterion_main!(benches);
