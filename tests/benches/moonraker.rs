//! How long parsing one Moonraker poll takes: the objects query of a print in
//! progress into the panel's data, and the chart's paths from a full history.
//! Run: `cargo bench --bench moonraker`.
//!
//! Figures, dated, with the machine: tests/perf/PERFORMANCE.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use piboard::core::TempHistory;
use piboard::sources::moonraker::parse;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/moonraker")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

fn parsing(c: &mut Criterion) {
    let objects = fixture("objects_printing.json");
    let meta = parse::metadata(&fixture("metadata.json")).expect("documented metadata");
    c.bench_function("objects query to PrinterData", |b| {
        b.iter(|| {
            let status = parse::objects(black_box(&objects)).expect("documented answer");
            black_box(parse::printer_data(&status, Some(&meta)))
        })
    });
    let mut history = TempHistory::default();
    for t in 0..600 {
        history.record(t, 200.0 + f64::from((t % 40) as i32), 60.0);
    }
    c.bench_function("temperature chart paths", |b| {
        b.iter(|| black_box(piboard::view::printer_chart(black_box(&history))))
    });
}

criterion_group!(benches, parsing);
criterion_main!(benches);
