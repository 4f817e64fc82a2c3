//! What the counting allocator (src/telemetry/heap.rs, the default
//! `heap-stats` feature) adds to an allocation: one allocation and its free,
//! of a small block and of a page, through the system allocator alone and
//! through the counting one. Multiplied by the allocations a second the
//! endurance run counts, it is the feature's CPU cost.
//! Run: `cargo bench --bench heap`.
//!
//! Figures, dated, with the machine: tests/perf/PERFORMANCE.md ("Endurance").

#![allow(
    unsafe_code,
    reason = "the allocators called by hand, each block freed with the layout it was made with"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use piboard::telemetry::heap::Counting;

fn once(alloc: &impl GlobalAlloc, layout: Layout) {
    // SAFETY: `layout` has a non-zero size; the block is freed only when it
    // was made, with the same layout, by the same allocator.
    unsafe {
        let p = alloc.alloc(black_box(layout));
        if !p.is_null() {
            alloc.dealloc(black_box(p), layout);
        }
    }
}

fn allocators(c: &mut Criterion) {
    for size in [64usize, 4096] {
        let layout = Layout::from_size_align(size, 8).expect("a valid layout");
        c.bench_function(&format!("alloc and free {size} B: system"), |b| {
            b.iter(|| once(&System, layout))
        });
        c.bench_function(&format!("alloc and free {size} B: counted"), |b| {
            b.iter(|| once(&Counting, layout))
        });
    }
}

criterion_group!(benches, allocators);
criterion_main!(benches);
