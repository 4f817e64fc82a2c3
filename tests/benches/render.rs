//! Render and view-model benchmarks (issue: performance).
//!
//! `cargo bench --bench render` measures, with the real Slint software
//! renderer drawing into memory:
//! - a full 800x480 frame (everything invalidated);
//! - a partial update where one service tile's response time changes (the
//!   dirty area is printed once, to show partial rendering is used);
//! - building the view model from a full demo snapshot.
//!
//! Figures, dated, with the machine: tests/perf/PERFORMANCE.md.

use std::hint::black_box;

use chrono::FixedOffset;
use criterion::{Criterion, criterion_group, criterion_main};
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

criterion_group!(benches, render, build_view_model);
criterion_main!(benches);
