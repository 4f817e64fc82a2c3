//! The Moonraker source against the real Moonraker: `pip install
//! moonraker`, run on a free loopback port without Klipper
//! ([`real`]), so it reports Klipper `disconnected`.
//!
//! Asserts, through the library's config, source, core and view model:
//! - the printer panel shows Klipper disconnected with the reason Moonraker
//!   gives (`/printer/info` answers 404, and `printer.info` over the
//!   websocket -32601, until Klipper first connects);
//!   Moonraker killed, the source fails as unreachable and the panel goes
//!   offline; Moonraker started again, the panel shows Klipper's state
//!   again; over HTTP and over the websocket (identify accepted, reconnected
//!   after the restart);
//! - with `trusted_clients` off, a request without the API key is refused
//!   (an auth failure naming `moonraker.api_key`) and one with the key
//!   Moonraker generated gets through; over the websocket too.
//!
//! One ignored test is a figure, not a check: the latency from a
//! notification to the frame, against the counting fake Moonraker
//! (tests/moonraker_real/latency.rs, tests/perf/PERFORMANCE.md).
//!
//! Without `moonraker` the tests say "skipped" and pass, unless
//! `PIBOARD_REQUIRE_REAL_SERVERS=1` (CI), where they fail. Moonraker is
//! killed when a test ends, pass or fail.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{FixedOffset, Utc};
use tokio::sync::mpsc;

use piboard::app::sources::moonraker_settings;
use piboard::config::{self, Loaded};
use piboard::core::{
    Clock, Dashboard, FailureKind, KlippyState, SourceData, SourceKind, SourceUpdate, SystemClock,
};
use piboard::sources::Source;
use piboard::sources::http::{Sensitive, Tls, client};
use piboard::sources::moonraker::{self, MoonrakerSource, Settings};
use piboard::telemetry::Telemetry;
use piboard::view::{self, PrinterState, ViewModel};

mod common;
#[path = "moonraker_real/latency.rs"]
mod latency;
#[path = "moonraker_real/moonraker.rs"]
mod real;

use common::wait;
use real::{Access, Moonraker};

/// What Moonraker's `/printer/info` 404 means, in the panel's words.
const NEVER_CONNECTED: &str = "Klipper has not connected since Moonraker started";

/// The `moonraker` executable, or `None` when the test is to be skipped
/// (a failure instead under `PIBOARD_REQUIRE_REAL_SERVERS=1`).
fn moonraker_or_skip() -> Option<PathBuf> {
    let found = real::binary();
    if found.is_none() {
        assert!(
            !common::require_real_servers(),
            "PIBOARD_REQUIRE_REAL_SERVERS=1 but moonraker is missing: \
             python3 -m venv /opt/moonraker && /opt/moonraker/bin/pip install moonraker, \
             then put it on PATH or set {}",
            real::BINARY_ENV
        );
        eprintln!(
            "skipped: pip install moonraker (or set {})",
            real::BINARY_ENV
        );
    }
    found
}

/// The source's settings from a `[moonraker]` section for `base` over
/// `transport`, polling every 300 ms so the test does not wait on the
/// defaults.
fn settings(base: &str, dir: &std::path::Path, transport: &str) -> (Loaded, Settings) {
    let loaded = config::parse(
        &format!(
            "[moonraker]\nurl = \"{base}\"\ntransport = \"{transport}\"\ntimeout_secs = 2\nlost_after = 2\n"
        ),
        &dir.join("piboard.toml"),
    )
    .expect("a valid config");
    let mut s = moonraker_settings(&loaded).expect("a [moonraker] section");
    s.printing_interval = Duration::from_millis(300);
    s.idle_interval = Duration::from_millis(300);
    (loaded, s)
}

/// Feeds the dashboard from the runner until `ok` holds for the view model.
struct Watch {
    dash: Dashboard,
    loaded: Loaded,
    updates: mpsc::Receiver<SourceUpdate>,
}

impl Watch {
    async fn until(
        &mut self,
        what: &str,
        log: impl Fn() -> String,
        ok: impl Fn(&ViewModel) -> bool,
    ) -> ViewModel {
        let deadline = Instant::now() + Duration::from_secs(30);
        let rules = self.loaded.rules();
        let utc = FixedOffset::east_opt(0).expect("UTC is a valid offset");
        loop {
            let vm = view::build(&self.dash, &rules, SystemClock.now(), utc);
            if ok(&vm) {
                return vm;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.updates.recv()).await {
                Ok(Some(u)) => self.dash.apply(u),
                Ok(None) => panic!("the poller stopped while waiting for {what}"),
                Err(_) => panic!(
                    "timed out waiting for {what}; last printer {:?}, sources {:?}\n{}",
                    vm.printer,
                    vm.sources,
                    log()
                ),
            }
        }
    }

    /// The kind of the source's last failure, if it failed.
    fn failure_kind(&self) -> Option<FailureKind> {
        let s = self.dash.source(SourceKind::Moonraker)?;
        s.last_failure.as_ref().map(|f| f.kind)
    }
}

/// The panel shows Klipper disconnected, with the reason.
fn klippy_disconnected(vm: &ViewModel) -> bool {
    vm.printer.state == PrinterState::KlippyDisconnected
}

/// Klipper disconnected with its reason; Moonraker killed: unreachable,
/// offline; Moonraker back: Klipper's state again. Over `transport`.
async fn disconnected_killed_back(transport: &str) {
    let Some(binary) = moonraker_or_skip() else {
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut m, up) = Moonraker::start(&binary, dir.path(), Access::Trusted).await;
    let (loaded, s) = settings(&m.base(), dir.path(), transport);
    let (tx, rx) = mpsc::channel(16);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let poller = tokio::spawn(moonraker::run(s, clock, tx, Arc::new(Telemetry::new())));
    let mut watch = Watch {
        dash: Dashboard::new(loaded.source_settings()),
        loaded,
        updates: rx,
    };

    let vm = watch
        .until("Klipper disconnected", || m.log_tail(), klippy_disconnected)
        .await;
    let p = &vm.printer;
    assert_eq!(p.klippy_state, Some(KlippyState::Disconnected));
    assert_eq!(
        (p.state_text.as_str(), p.detail.as_str()),
        ("Klipper disconnected", NEVER_CONNECTED)
    );
    assert!(!p.job, "no job details without Klipper");
    assert!(!p.hint.is_empty(), "what to do about it");
    let sockets = websocket_count(&m.base()).await;
    assert_eq!(sockets, u64::from(transport == "websocket"), "{transport}");

    m.kill();
    let vm = watch
        .until(
            "the printer offline",
            || "(killed)".into(),
            |vm| vm.printer.state == PrinterState::Offline,
        )
        .await;
    assert_eq!(watch.failure_kind(), Some(FailureKind::Unreachable));
    assert!(!vm.printer.detail.is_empty(), "why it is offline");

    let again = m.restart(Access::Trusted).await;
    let vm = watch
        .until(
            "Klipper disconnected again",
            || m.log_tail(),
            klippy_disconnected,
        )
        .await;
    assert_eq!(vm.printer.detail, NEVER_CONNECTED);
    assert_eq!(watch.failure_kind(), None, "recovered");
    if transport == "websocket" {
        let sockets = wait::until(
            Duration::from_secs(10),
            Duration::from_millis(100),
            async || match websocket_count(&m.base()).await {
                1 => Ok(1),
                n => Err(n),
            },
        )
        .await;
        assert_eq!(sockets, Ok(1), "reconnected\n{}", m.log_tail());
        let log = std::fs::read_to_string(dir.path().join("moonraker.log")).unwrap_or_default();
        assert!(
            log.contains("Client Identified - Name: piboard"),
            "identify accepted\n{}",
            m.log_tail()
        );
    }

    poller.abort();
    eprintln!(
        "moonraker real-server test over {transport}: up in {:.2} s, again in {:.2} s, done in {:.1} s",
        up.as_secs_f64(),
        again.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

/// The websockets Moonraker has open (`/server/info`'s `websocket_count`).
async fn websocket_count(base: &str) -> u64 {
    let http = client(&Tls::System, Duration::from_secs(5)).expect("an HTTP client");
    let answer: serde_json::Value = http
        .get(format!("{base}/server/info"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("GET /server/info")
        .json()
        .await
        .expect("JSON from /server/info");
    answer["result"]["websocket_count"]
        .as_u64()
        .unwrap_or_else(|| panic!("no websocket_count in {answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_klipper_disconnected_then_moonraker_killed_then_back() {
    disconnected_killed_back("http").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_websocket_klipper_disconnected_then_moonraker_killed_then_back() {
    disconnected_killed_back("websocket").await;
}

/// Moonraker's API key, asked for while loopback is trusted.
async fn api_key(base: &str) -> String {
    let http = client(&Tls::System, Duration::from_secs(5)).expect("an HTTP client");
    let answer: serde_json::Value = http
        .get(format!("{base}/access/api_key"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("GET /access/api_key")
        .json()
        .await
        .expect("JSON from /access/api_key");
    answer["result"]
        .as_str()
        .unwrap_or_else(|| panic!("no key in {answer}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_trusted_clients_only_the_api_key_gets_in() {
    let Some(binary) = moonraker_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut m, _) = Moonraker::start(&binary, dir.path(), Access::Trusted).await;
    let key = api_key(&m.base()).await;
    m.restart(Access::KeyOnly).await;
    let (_, mut s) = settings(&m.base(), dir.path(), "http");

    let refused = MoonrakerSource::new(s.clone()).poll(Utc::now()).await;
    let failure = refused.expect_err("no key, no answer");
    assert_eq!(
        failure.kind,
        FailureKind::Auth,
        "{failure:?}\n{}",
        m.log_tail()
    );
    assert!(
        failure.message.contains("moonraker.api_key"),
        "{}",
        failure.message
    );

    s.api_key = Some(Sensitive::new(key));
    let answer = MoonrakerSource::new(s).poll(Utc::now()).await;
    match answer {
        Ok(SourceData::Moonraker(p)) => {
            assert_eq!(p.klippy, KlippyState::Disconnected);
            assert_eq!(p.klippy_message.as_deref(), Some(NEVER_CONNECTED));
        }
        other => panic!("with the key: {other:?}\n{}", m.log_tail()),
    }
}

/// The first update of the driver over the websocket with `key`.
async fn first_websocket_update(
    base: &str,
    dir: &std::path::Path,
    key: Option<&str>,
) -> SourceUpdate {
    let (_, mut s) = settings(base, dir, "websocket");
    s.api_key = key.map(Sensitive::new);
    let (tx, mut rx) = mpsc::channel(16);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let driver = tokio::spawn(moonraker::run(s, clock, tx, Arc::new(Telemetry::new())));
    let first = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await;
    driver.abort();
    first.ok().flatten().expect("an update within 20 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_trusted_clients_the_websocket_needs_the_api_key() {
    let Some(binary) = moonraker_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut m, _) = Moonraker::start(&binary, dir.path(), Access::Trusted).await;
    let key = api_key(&m.base()).await;
    m.restart(Access::KeyOnly).await;

    let refused = first_websocket_update(&m.base(), dir.path(), None).await;
    let failure = refused.outcome.expect_err("no key, no state");
    assert_eq!(
        failure.kind,
        FailureKind::Auth,
        "{failure:?}\n{}",
        m.log_tail()
    );

    // With the key (ws/session.rs: a oneshot token for the upgrade, the key
    // in the identify).
    let update = first_websocket_update(&m.base(), dir.path(), Some(&key)).await;
    match update.outcome {
        Ok(SourceData::Moonraker(p)) => {
            assert_eq!(p.klippy, KlippyState::Disconnected);
            assert_eq!(p.klippy_message.as_deref(), Some(NEVER_CONNECTED));
        }
        other => panic!("with the key: {other:?}\n{}", m.log_tail()),
    }
}

/// The figure of tests/perf/PERFORMANCE.md ("Moonraker live"): from a
/// notification to the frame, over 25 flips of the print's state.
#[test]
#[ignore = "a figure, not a check: cargo test --test moonraker_real -- --ignored --nocapture"]
fn figure_latency_from_a_notification_to_the_frame() {
    let python = latency::python();
    assert!(
        python.is_file(),
        "no Python with tornado at {} (set PYTHON)",
        python.display()
    );
    let mut took = latency::measure(&python, 25);
    assert!(
        took.len() >= 20,
        "only {} flips drawn: {took:?}",
        took.len()
    );
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    eprintln!(
        "notification -> frame over {} flips: median {:.1} ms, max {:.1} ms, min {:.1} ms",
        took.len(),
        ms(took[took.len() / 2]),
        ms(took[took.len() - 1]),
        ms(took[0])
    );
}
