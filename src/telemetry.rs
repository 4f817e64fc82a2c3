//! What the process knows about itself, for `/metrics` and `/api/health`:
//! polls, frames, the UI loop's heartbeat, build and process figures. Held in
//! a `prometheus-client` registry; cheap to update from any thread.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::core::{FailureKind, SourceKind};

pub mod heap;

/// Buckets for poll durations: 10 ms to 30 s.
const POLL_BUCKETS: [f64; 11] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// Buckets for drawing one frame: 1 ms to 1 s (a full 800x480 frame takes
/// tens of milliseconds on a Pi 3B).
const RENDER_BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabel {
    source: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    source: &'static str,
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DisplayLabel {
    state: &'static str,
}

/// The display states `piboard_display_state` has a series for.
const DISPLAY_STATES: [&str; 3] = ["on", "dim", "off"];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

/// The metric label of a source kind.
pub fn kind_label(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Prometheus => "prometheus",
        SourceKind::Proxmox => "proxmox",
        SourceKind::Moonraker => "moonraker",
        SourceKind::Alertmanager => "alertmanager",
    }
}

/// The metric label of a failure class (the same words as the status JSON).
pub fn failure_label(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::Unreachable => "unreachable",
        FailureKind::Timeout => "timeout",
        FailureKind::ServerError => "server_error",
        FailureKind::Auth => "auth",
        FailureKind::Tls => "tls",
        FailureKind::BadResponse => "bad_response",
    }
}

/// Shared telemetry. One per process, behind an `Arc`.
#[derive(Debug)]
pub struct Telemetry {
    registry: Registry,
    source_up: Family<SourceLabel, Gauge>,
    poll_duration: Family<SourceLabel, Histogram>,
    poll_failures: Family<FailureLabels, Counter>,
    render_duration: Histogram,
    frames_drawn: Counter,
    display: Family<DisplayLabel, Gauge>,
    first_frame: AtomicBool,
    /// Unix time in milliseconds of the UI loop's last sign of life.
    ui_heartbeat_ms: AtomicI64,
}

impl Default for Telemetry {
    fn default() -> Self {
        Self::new()
    }
}

impl Telemetry {
    pub fn new() -> Self {
        let source_up = Family::<SourceLabel, Gauge>::default();
        let poll_duration = Family::<SourceLabel, Histogram>::new_with_constructor(
            (|| Histogram::new(POLL_BUCKETS)) as fn() -> Histogram,
        );
        let poll_failures = Family::<FailureLabels, Counter>::default();
        let render_duration = Histogram::new(RENDER_BUCKETS);
        let frames_drawn = Counter::default();
        let mut registry = Registry::default();
        registry.register(
            "piboard_source_up",
            "Whether the last poll of a source succeeded (1) or failed (0)",
            source_up.clone(),
        );
        registry.register(
            "piboard_poll_duration_seconds",
            "How long a whole poll cycle of a source took",
            poll_duration.clone(),
        );
        registry.register(
            "piboard_poll_failures",
            "Failed poll cycles by source and reason",
            poll_failures.clone(),
        );
        registry.register(
            "piboard_render_duration_seconds",
            "How long drawing one frame took",
            render_duration.clone(),
        );
        registry.register(
            "piboard_frames_drawn",
            "Frames the software renderer drew",
            frames_drawn.clone(),
        );
        let display = Family::<DisplayLabel, Gauge>::default();
        registry.register(
            "piboard_display_state",
            "The display's power: 1 for the state it is in (on, dim, off), 0 for the others",
            display.clone(),
        );
        registry.register_collector(Box::new(ProcessCollector));
        let telemetry = Self {
            registry,
            source_up,
            poll_duration,
            poll_failures,
            render_duration,
            frames_drawn,
            display,
            first_frame: AtomicBool::new(false),
            ui_heartbeat_ms: AtomicI64::new(0),
        };
        telemetry.display_state("on");
        telemetry
    }

    /// The glass is now `state` ("on", "dim" or "off").
    pub fn display_state(&self, state: &str) {
        for s in DISPLAY_STATES {
            let on = i64::from(s == state);
            self.display
                .get_or_create(&DisplayLabel { state: s })
                .set(on);
        }
    }

    /// A poll cycle of `kind` finished after `took`, failing with `failure`.
    pub fn poll_finished(&self, kind: SourceKind, took: Duration, failure: Option<FailureKind>) {
        let source = kind_label(kind);
        let label = SourceLabel { source };
        self.poll_duration
            .get_or_create(&label)
            .observe(took.as_secs_f64());
        self.source_up
            .get_or_create(&label)
            .set(i64::from(failure.is_none()));
        if let Some(f) = failure {
            let reason = failure_label(f);
            self.poll_failures
                .get_or_create(&FailureLabels { source, reason })
                .inc();
        }
    }

    /// The UI drew a frame, which took `took`.
    pub fn frame_drawn(&self, took: Duration) {
        self.render_duration.observe(took.as_secs_f64());
        self.frames_drawn.inc();
        self.first_frame_shown();
    }

    /// Logs the first frame once: the line `tests/perf/whole-process.sh` and
    /// the emulated board read.
    fn first_frame_shown(&self) {
        if !self.first_frame.swap(true, Ordering::Relaxed) {
            tracing::info!(
                since_start_ms = since_start().as_millis() as u64,
                "first frame drawn"
            );
        }
    }

    /// The UI loop is alive at `unix_ms`.
    pub fn ui_heartbeat(&self, unix_ms: i64) {
        self.ui_heartbeat_ms.store(unix_ms, Ordering::Relaxed);
    }

    pub fn frames_drawn(&self) -> u64 {
        self.frames_drawn.get()
    }

    pub fn has_drawn(&self) -> bool {
        self.first_frame.load(Ordering::Relaxed)
    }

    pub fn last_heartbeat_ms(&self) -> i64 {
        self.ui_heartbeat_ms.load(Ordering::Relaxed)
    }

    /// The whole registry in the OpenMetrics text format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::with_capacity(4096);
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }

    /// The whole registry in Prometheus' classic text format (0.0.4), for
    /// scrapers and tools (`promtool check metrics`) that do not read
    /// OpenMetrics.
    pub fn encode_classic(&self) -> Result<String, std::fmt::Error> {
        Ok(openmetrics_to_classic(&self.encode()?))
    }
}

/// Rewrites OpenMetrics text as the classic format. The two differ, for what
/// piboard exports, only in counters (OpenMetrics names the family without
/// `_total`, the classic format names it like its sample) and the `# EOF`
/// line.
pub fn openmetrics_to_classic(text: &str) -> String {
    let counters: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(&name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        match renamed {
            Some(l) => out.push_str(&l),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Build info and, on Linux, the process's memory and CPU time, read from
/// `/proc` on each scrape.
#[derive(Debug)]
struct ProcessCollector;

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let build = ConstGauge::new(1i64);
        let labels = BuildLabels {
            version: env!("CARGO_PKG_VERSION"),
        };
        let mut family = encoder.encode_descriptor(
            "piboard_build_info",
            "The running piboard's version; always 1",
            None,
            build.metric_type(),
        )?;
        build.encode(family.encode_family(&labels)?)?;
        if let Some(rss) = proc::resident_bytes() {
            let gauge = ConstGauge::new(rss as i64);
            let m = encoder.encode_descriptor(
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                None,
                gauge.metric_type(),
            )?;
            gauge.encode(m)?;
        }
        if let Some(heap) = heap::snapshot() {
            for (name, help, value) in [
                (
                    "piboard_heap_live_bytes",
                    "Bytes in live heap blocks (the counting allocator; a leak shows here first)",
                    heap.live_bytes,
                ),
                (
                    "piboard_heap_live_blocks",
                    "Live heap blocks",
                    heap.live_blocks,
                ),
            ] {
                let gauge = ConstGauge::new(value as i64);
                let m = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
                gauge.encode(m)?;
            }
            let counter = ConstCounter::new(heap.allocations);
            let m = encoder.encode_descriptor(
                "piboard_heap_allocations",
                "Heap allocations and reallocations since start",
                None,
                counter.metric_type(),
            )?;
            counter.encode(m)?;
        }
        if let Some(cpu) = proc::cpu_seconds() {
            let counter = ConstCounter::new(cpu);
            let m = encoder.encode_descriptor(
                "process_cpu_seconds",
                "Total user and system CPU time spent in seconds",
                None,
                counter.metric_type(),
            )?;
            counter.encode(m)?;
        }
        Ok(())
    }
}

/// Reading the process's own figures from procfs (Linux only).
mod proc {
    /// Clock ticks per second in `/proc/self/stat`: USER_HZ, 100 on every
    /// Linux architecture piboard runs on.
    const USER_HZ: f64 = 100.0;

    /// Resident set size, from `VmRSS` in `/proc/self/status`.
    pub fn resident_bytes() -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        parse_vm_rss(&status)
    }

    pub fn parse_vm_rss(status: &str) -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }

    /// User plus system CPU time, from `/proc/self/stat`.
    pub fn cpu_seconds() -> Option<f64> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        parse_cpu_seconds(&stat)
    }

    /// Fields 14 and 15 (utime, stime) of `stat`; the command name in
    /// parentheses may contain spaces, so counting starts after its `)`.
    pub fn parse_cpu_seconds(stat: &str) -> Option<f64> {
        let rest = &stat[stat.rfind(')')? + 1..];
        let mut fields = rest.split_whitespace().skip(11);
        let utime: u64 = fields.next()?.parse().ok()?;
        let stime: u64 = fields.next()?.parse().ok()?;
        Some((utime + stime) as f64 / USER_HZ)
    }
}

static PROCESS_START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Marks the start of `main`, for the time-to-first-frame figure. The first
/// call wins.
pub fn mark_start() {
    PROCESS_START.get_or_init(std::time::Instant::now);
}

/// Time since [`mark_start`] (zero if it was never called).
pub fn since_start() -> Duration {
    PROCESS_START.get().map(|t| t.elapsed()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_parse() {
        let stat = "1234 (pi board) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
        assert_eq!(proc::parse_cpu_seconds(stat), Some(3.0));
        assert_eq!(
            proc::parse_vm_rss("Name:\tpiboard\nVmRSS:\t   2048 kB\n"),
            Some(2 * 1024 * 1024)
        );
        assert_eq!(proc::parse_vm_rss("Name:\tx\n"), None);
    }

    #[test]
    fn polls_and_frames_show_in_the_exposition() {
        let t = Telemetry::new();
        t.poll_finished(SourceKind::Proxmox, Duration::from_millis(30), None);
        t.poll_finished(
            SourceKind::Prometheus,
            Duration::from_millis(5),
            Some(FailureKind::Timeout),
        );
        t.frame_drawn(Duration::from_millis(12));
        let text = t.encode().expect("encoding into a String cannot fail");
        assert!(text.contains("piboard_source_up{source=\"proxmox\"} 1"));
        assert!(text.contains("piboard_source_up{source=\"prometheus\"} 0"));
        assert!(
            text.contains(
                "piboard_poll_failures_total{source=\"prometheus\",reason=\"timeout\"} 1"
            )
        );
        assert!(text.contains("piboard_frames_drawn_total 1"));
        assert!(text.contains("piboard_build_info{version=\""));
        assert!(text.contains("piboard_poll_duration_seconds_count{source=\"proxmox\"} 1"));
        assert_eq!(t.frames_drawn(), 1);
        // The counting allocator (the default `heap-stats` feature): this
        // test's own process has a live heap, so the gauge is above zero.
        if cfg!(feature = "heap-stats") {
            let live = text
                .lines()
                .find_map(|l| l.strip_prefix("piboard_heap_live_bytes "))
                .and_then(|v| v.parse::<u64>().ok());
            assert!(live.is_some_and(|b| b > 0), "{text}");
            assert!(text.contains("piboard_heap_allocations_total "));
            assert!(text.contains("piboard_heap_live_blocks "));
        }
        let classic = t
            .encode_classic()
            .expect("encoding into a String cannot fail");
        assert!(classic.contains("# TYPE piboard_frames_drawn_total counter\n"));
        assert!(classic.contains("# HELP piboard_frames_drawn_total Frames"));
        assert!(!classic.contains("# EOF"));
        assert!(t.has_drawn());
    }
}
