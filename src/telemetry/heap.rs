//! The live heap, counted where it lives: a global allocator that wraps the
//! system's and keeps three relaxed atomic counters (bytes live, blocks
//! live, allocations made). `/metrics` reads them on each scrape as
//! `piboard_heap_live_bytes`, `piboard_heap_live_blocks` and
//! `piboard_heap_allocations_total`, so the owner's own Prometheus can watch
//! a wall display's heap for months, and the endurance run
//! (tests/endurance.rs) samples them to fit its slope.
//!
//! Behind the `heap-stats` feature, on by default: the cost is three
//! uncontended atomic additions per allocation and two per free, next to
//! the tens of nanoseconds glibc's `malloc` itself takes
//! (tests/perf/PERFORMANCE.md, "Endurance"). Without the feature the
//! allocator is not installed and [`snapshot`] answers `None`.
//!
//! The resident size (`process_resident_memory_bytes`) counts what glibc
//! keeps from freed blocks and every page the renderer touched once; the
//! live heap counts only what piboard holds. A leak shows in the heap long
//! before it shows in the resident size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

/// Bytes in live blocks, as requested (not glibc's rounded sizes).
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
/// Live blocks.
static LIVE_BLOCKS: AtomicUsize = AtomicUsize::new(0);
/// Allocations since start, reallocations included.
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counting;

// SAFETY (the whole impl): every method hands its arguments unchanged to the
// system allocator, which upholds `GlobalAlloc`'s contract; the counters are
// atomics updated only after a call succeeded, and never allocate.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc`, passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc_zeroed`, passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc`, passed on.
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
        LIVE_BLOCKS.fetch_sub(1, Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc`, passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Relaxed);
            if new_size >= layout.size() {
                LIVE_BYTES.fetch_add(new_size - layout.size(), Relaxed);
            } else {
                LIVE_BYTES.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

fn grew(size: usize) {
    LIVE_BYTES.fetch_add(size, Relaxed);
    LIVE_BLOCKS.fetch_add(1, Relaxed);
    ALLOCATIONS.fetch_add(1, Relaxed);
}

#[cfg(feature = "heap-stats")]
#[global_allocator]
static GLOBAL: Counting = Counting;

/// The heap's figures at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heap {
    /// Bytes in live blocks.
    pub live_bytes: u64,
    /// Live blocks.
    pub live_blocks: u64,
    /// Allocations (and reallocations) since start.
    pub allocations: u64,
}

/// The figures now, when the counting allocator is installed (the
/// `heap-stats` feature).
pub fn snapshot() -> Option<Heap> {
    cfg!(feature = "heap-stats").then(read)
}

fn read() -> Heap {
    Heap {
        live_bytes: LIVE_BYTES.load(Relaxed) as u64,
        live_blocks: LIVE_BLOCKS.load(Relaxed) as u64,
        allocations: ALLOCATIONS.load(Relaxed),
    }
}

#[cfg(all(test, feature = "heap-stats"))]
mod tests {
    use super::*;

    /// Other tests allocate on other threads meanwhile, so the figures are
    /// compared with a margin far smaller than the block this test holds.
    #[test]
    fn a_held_block_is_counted_live_until_it_is_freed() {
        const BLOCK: usize = 64 << 20;
        let before = snapshot().expect("the feature installs the counter");
        let held = std::hint::black_box(vec![1u8; BLOCK]);
        let during = snapshot().expect("counted");
        assert!(
            during.live_bytes >= before.live_bytes + BLOCK as u64 - (8 << 20),
            "{before:?} -> {during:?}"
        );
        assert!(during.allocations > before.allocations);
        drop(held);
        let after = snapshot().expect("counted");
        assert!(
            after.live_bytes + BLOCK as u64 - (8 << 20) <= during.live_bytes,
            "{during:?} -> {after:?}"
        );
    }

    #[test]
    fn a_reallocation_moves_the_live_bytes_both_ways() {
        const BIG: usize = 48 << 20;
        let mut v: Vec<u8> = Vec::with_capacity(1024);
        let small = snapshot().expect("counted");
        v.reserve_exact(BIG);
        let grown = snapshot().expect("counted");
        assert!(grown.live_bytes >= small.live_bytes + BIG as u64 - (8 << 20));
        v.shrink_to(1024);
        let shrunk = snapshot().expect("counted");
        assert!(shrunk.live_bytes + BIG as u64 - (8 << 20) <= grown.live_bytes);
        drop(std::hint::black_box(v));
    }
}
