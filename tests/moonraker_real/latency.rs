//! A figure, not a check: the time from a Moonraker notification to the
//! frame that shows it.
//!
//! The counting fake Moonraker (tests/perf/moonraker_fake.py) flips
//! `print_stats.state` between printing and paused every second and pushes
//! each flip as `notify_status_update`, printing the moment it sent it
//! (`toggle N STATE UNIX_NS`). On this side the library's own pieces run as
//! the binary wires them: the Moonraker driver (`moonraker::run`, the
//! transport at its default) feeds the [`Hub`], whose view models go to an
//! [`Offscreen`] window that draws each one with the software renderer. A
//! flip's latency is from its send to the end of the first frame drawn
//! that shows its state. [`measure`] gives each flip's latency.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{mpsc, watch};

use piboard::app::sources::moonraker_settings;
use piboard::config;
use piboard::core::{Clock, Dashboard, Nav, SystemClock};
use piboard::hub::Hub;
use piboard::platform::Offscreen;
use piboard::sources::moonraker;
use piboard::telemetry::Telemetry;
use piboard::view::PrinterState;

/// The Python that runs the fake: `$PYTHON`, else the Moonraker venv's.
pub fn python() -> PathBuf {
    std::env::var_os("PYTHON").map_or_else(|| "/opt/moonraker/bin/python".into(), PathBuf::from)
}

/// One state change the fake pushed: its state and when it was sent.
#[derive(Debug, Clone)]
struct Flip {
    state: PrinterState,
    at: SystemTime,
}

/// The fake, killed when dropped.
struct Fake(Child);

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the fake flipping every second; its port, and its flips as they
/// come.
fn start_fake(python: &Path) -> (Fake, u16, std::sync::mpsc::Receiver<Flip>) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/perf/moonraker_fake.py");
    let mut child = Command::new(python)
        .arg(script)
        .args(["--toggle", "1", "--diffs", "4"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the fake with {}: {e}", python.display()));
    let out = child.stdout.take().expect("the fake's stdout");
    let fake = Fake(child);
    let mut lines = BufReader::new(out).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let port = first
        .strip_prefix("listening ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("the fake said {first:?}, not its port"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Some(flip) = parse_flip(&line) {
                let _ = tx.send(flip);
            }
        }
    });
    (fake, port, rx)
}

/// `toggle N STATE UNIX_NS`.
fn parse_flip(line: &str) -> Option<Flip> {
    let mut words = line.split_whitespace().skip(2);
    let state = match words.next()? {
        "printing" => PrinterState::Printing,
        "paused" => PrinterState::Paused,
        _ => return None,
    };
    let ns: u64 = words.next()?.parse().ok()?;
    Some(Flip {
        state,
        at: SystemTime::UNIX_EPOCH + Duration::from_nanos(ns),
    })
}

/// Runs the driver, the hub and an 800x480 offscreen window against the
/// fake until `flips` flips have been sent and drawn (or a minute passed);
/// each flip's latency, in the order sent. Must run on a thread of its own
/// (the window's Slint platform).
pub fn measure(python: &Path, flips: usize) -> Vec<Duration> {
    let (_fake, port, sent) = start_fake(python);
    let dir = tempfile::tempdir().expect("temp dir");
    let loaded = config::parse(
        &format!("[moonraker]\nurl = \"http://127.0.0.1:{port}\"\n"),
        &dir.path().join("piboard.toml"),
    )
    .expect("a valid config");
    let settings = moonraker_settings(&loaded).expect("a [moonraker] section");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let nav = Nav::new(loaded.nav_settings(), clock.now());
    let hub = Hub::live(
        Dashboard::new(loaded.source_settings()),
        loaded.rules(),
        nav,
        clock.clone(),
    );
    let (views_tx, mut views) = watch::channel(Arc::new(hub.view()));
    let (updates_tx, updates) = mpsc::channel(64);
    let (_inputs_tx, inputs) = mpsc::channel(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.spawn(moonraker::run(
        settings,
        clock,
        updates_tx,
        Arc::new(Telemetry::new()),
    ));
    rt.spawn(hub.run(updates, inputs, views_tx));

    let mut window = Offscreen::new(800, 480).expect("an offscreen window");
    let mut drawn: Vec<(PrinterState, SystemTime)> = Vec::new();
    let mut flipped: Vec<Flip> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && answered(&flipped, &drawn) < flips {
        let left = deadline.saturating_duration_since(Instant::now());
        let changed = rt.block_on(async { tokio::time::timeout(left, views.changed()).await });
        if !matches!(changed, Ok(Ok(()))) {
            break;
        }
        let vm = views.borrow_and_update().clone();
        window.show(&vm);
        window.render();
        let at = SystemTime::now();
        if drawn.last().is_none_or(|(s, _)| *s != vm.printer.state) {
            drawn.push((vm.printer.state, at));
        }
        flipped.extend(sent.try_iter());
    }
    rt.shutdown_timeout(Duration::from_secs(1));
    latencies(&flipped, &drawn)
}

/// How many flips have a frame that shows them.
fn answered(flipped: &[Flip], drawn: &[(PrinterState, SystemTime)]) -> usize {
    latencies(flipped, drawn).len()
}

/// Each flip's latency: from its send to the first frame drawn after it
/// that shows its state (flips not yet drawn are left out). The flip
/// before the first drawn printing frame (the connection was not up) does
/// not count.
fn latencies(flipped: &[Flip], drawn: &[(PrinterState, SystemTime)]) -> Vec<Duration> {
    let Some(live) = drawn.iter().find(|(s, _)| *s == PrinterState::Printing) else {
        return Vec::new();
    };
    flipped
        .iter()
        .filter(|f| f.at > live.1)
        .map_while(|f| {
            let (_, at) = drawn.iter().find(|(s, at)| *s == f.state && *at >= f.at)?;
            at.duration_since(f.at).ok()
        })
        .collect()
}
