//! Counters the sinks report and the :8080 server exposes: polls, frames and
//! the UI loop's heartbeat. Cheap to update from any thread.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use crate::core::{FailureKind, SourceKind};

/// Shared counters. One per process, behind an `Arc`.
#[derive(Debug, Default)]
pub struct Telemetry {
    frames_drawn: AtomicU64,
    first_frame: AtomicBool,
    /// Unix time in milliseconds of the UI loop's last sign of life.
    ui_heartbeat_ms: AtomicI64,
    polls: AtomicU64,
    poll_failures: AtomicU64,
}

impl Telemetry {
    pub fn new() -> Self {
        Self::default()
    }

    /// A poll cycle of `kind` finished after `took`, failing with `failure`.
    pub fn poll_finished(&self, kind: SourceKind, took: Duration, failure: Option<FailureKind>) {
        let _ = (kind, took);
        self.polls.fetch_add(1, Ordering::Relaxed);
        if failure.is_some() {
            self.poll_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The UI drew a frame.
    pub fn frame_drawn(&self, took: Duration) {
        let _ = took;
        self.frames_drawn.fetch_add(1, Ordering::Relaxed);
        self.first_frame.store(true, Ordering::Relaxed);
    }

    /// The UI loop is alive at `unix_ms`.
    pub fn ui_heartbeat(&self, unix_ms: i64) {
        self.ui_heartbeat_ms.store(unix_ms, Ordering::Relaxed);
    }

    pub fn frames_drawn(&self) -> u64 {
        self.frames_drawn.load(Ordering::Relaxed)
    }

    pub fn has_drawn(&self) -> bool {
        self.first_frame.load(Ordering::Relaxed)
    }

    pub fn last_heartbeat_ms(&self) -> i64 {
        self.ui_heartbeat_ms.load(Ordering::Relaxed)
    }

    pub fn polls(&self) -> (u64, u64) {
        (
            self.polls.load(Ordering::Relaxed),
            self.poll_failures.load(Ordering::Relaxed),
        )
    }
}
