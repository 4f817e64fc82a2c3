//! The endurance run of issue 19: a month on the wall in an afternoon.
//!
//! The real release binary, `--headless`, every source polled each second
//! (the test-only PIBOARD_TEST_POLL_INTERVAL_MS) against loopback servers
//! that never stop changing:
//!
//! - Prometheus and Proxmox (TLS) and a polled Moonraker: fault servers
//!   (tests/common/fault_server.rs) switching every 2 to 6 s between good
//!   answers and every fault of the fault matrix ([`Fault::ALL`]);
//! - a websocket Moonraker (tests/moonraker_ws/fake.rs) that drops its
//!   connection every one to two minutes and prints a new file, with a
//!   thumbnail of its own, every 20 to 40 s;
//! - Debian's real Alertmanager, given alerts that fire and end and
//!   silences that are made and expired through its API;
//! - the config rewritten every 2.5 to 3.5 minutes, in turn valid (the
//!   printer on the websocket, then on the polled server) and invalid
//!   (three different mistakes), in place or by rename as editors do; each
//!   valid one sets quiet hours starting a minute later, so the display
//!   sleeps (quiet hours, then `after_mins = 1` of idleness; the polled
//!   printer's configs wake only for prints) and wakes (a tap, the data's
//!   trouble) many times an hour;
//! - someone at the screen for three to seven taps or drags, 3 to 8 s
//!   apart, then away for 1.5 to 3.5 minutes; the gestures go through the
//!   window's real pointer path (the test-only PIBOARD_TEST_TAPS pipe,
//!   src/platform/test_taps.rs), opening pages and going back;
//! - clients on /api/events that connect, read for 0 to 20 s and vanish,
//!   and every two minutes or so a burst of ten more held for 10 s (the
//!   server holds eight: some are refused); a /screenshot.png every 30 s.
//!
//! Every 5 s: /api/health, and the memory where it lives: the live heap
//! from piboard's own counting allocator (`piboard_heap_*` on /metrics,
//! src/telemetry/heap.rs), the resident size, descriptors and threads from
//! /proc. At the end every fault is cleared and every source must be ok
//! again; the samples go to a CSV, the events covered and the figures to a
//! Markdown table, both under PIBOARD_ENDURANCE_OUT (default
//! `target/endurance`), and the run fails if the live heap after the
//! warm-up (the first fifth) exceeds [`HEAP_BUDGET`] or, for a run of half
//! an hour or more, its least-squares slope over the last 80 % exceeds
//! [`SLOPE_BUDGET`]. tests/perf/endurance.sh runs it and plots the CSV.
//!
//! `PIBOARD_ENDURANCE_SECS=3600 cargo test --release --test endurance -- --ignored --nocapture`

mod common;
#[path = "endurance/memory.rs"]
mod memory;
#[allow(
    dead_code,
    reason = "the websocket suite's fake: this run uses part of it"
)]
#[path = "moonraker_ws/fake.rs"]
mod moonraker_fake;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use chrono::{Local, TimeDelta, Timelike, Utc};
use serde_json::{Value, json};

use common::alertmanager::{ALERTMANAGER, Running};
use common::fault_server::{Fault, FaultServer, Flavor};
use common::piboard::{Piboard, ProcFigures, config as base_config, mib};
use common::tls::make_pki;
use memory::Sample;
use moonraker_fake::{Fake, Mode};
use piboard::sources::http::{Tls, client};

/// The live heap after the warm-up stays under this (ARCHITECTURE.md,
/// "Bounds": what the bounds allow in all, with room to spare).
const HEAP_BUDGET: u64 = 24 << 20;
/// Growth of the live heap the run tolerates, bytes per hour of the run,
/// over its last 80 % (ARCHITECTURE.md, "Bounds").
const SLOPE_BUDGET: f64 = 512.0 * 1024.0;
/// Runs shorter than this report the slope but do not judge it: the fit
/// over a few minutes is mostly the warm-up's tail.
const SLOPE_JUDGED_FROM: Duration = Duration::from_secs(30 * 60);

/// Where the screen's targets are at 800x480 with this run's config (a
/// service, two tiles, five nodes, the printer on the right), read off its
/// screenshot: the overview's targets, then a page's back button.
const TARGETS: [(&str, f32, f32); 6] = [
    ("service tile", 60.0, 100.0),
    ("node tile", 265.0, 190.0),
    ("guests card", 90.0, 265.0),
    ("alerts card", 440.0, 265.0),
    ("printer panel", 665.0, 250.0),
    ("header", 500.0, 26.0),
];
const BACK: (f32, f32) = (60.0, 84.0);

/// The run's length, from PIBOARD_ENDURANCE_SECS (default one hour).
fn run_length() -> Duration {
    Duration::from_secs(
        std::env::var("PIBOARD_ENDURANCE_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3600),
    )
}

fn out_dir() -> PathBuf {
    std::env::var_os("PIBOARD_ENDURANCE_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/endurance"))
}

/// Which config the next reload writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// The printer on the websocket fake.
    Websocket,
    /// The printer on the polled fault server.
    Polled,
    /// A TOML syntax error.
    Syntax,
    /// A key that does not exist.
    UnknownKey,
    /// A value out of its range.
    OutOfRange,
}

/// The reloads in turn: an invalid config keeps the one before it, so the
/// printer is polled half the time and on the websocket the other half.
const CYCLE: [Variant; 8] = [
    Variant::Polled,
    Variant::Syntax,
    Variant::Websocket,
    Variant::UnknownKey,
    Variant::Polled,
    Variant::OutOfRange,
    Variant::Websocket,
    Variant::Syntax,
];

impl Variant {
    fn valid(self) -> bool {
        matches!(self, Variant::Websocket | Variant::Polled)
    }
}

/// The servers the run talks to.
struct Rig {
    prom: FaultServer,
    pve: FaultServer,
    moon_polled: FaultServer,
    moon_ws: Fake,
    alertmanager: Running,
    ca_file: PathBuf,
}

impl Rig {
    /// The config of `variant`, with quiet hours from the next minute for
    /// two minutes of local time.
    fn config(&self, variant: Variant) -> String {
        let mut text = base_config(&self.prom, &self.pve, &self.moon_polled, &self.ca_file);
        if variant != Variant::Polled {
            text = text.replace(&self.moon_polled.url(), &self.moon_ws.url);
        }
        let from = Local::now() + TimeDelta::minutes(1);
        let until = from + TimeDelta::minutes(2);
        let hhmm = |t: chrono::DateTime<Local>| format!("{:02}:{:02}", t.hour(), t.minute());
        // The polled printer's configs wake only for prints, so an
        // untouched screen also sleeps outside quiet hours (after_mins).
        let wake_on = if variant == Variant::Polled {
            r#"["print"]"#
        } else {
            r#"["trouble", "print"]"#
        };
        let home_after = if variant == Variant::OutOfRange {
            1
        } else {
            30
        };
        write!(
            text,
            r#"
[alertmanager]
url = "{am}"
timeout_secs = 1
lost_after = 1

[display]
home_after_secs = {home_after}

[display.sleep]
from = "{from}"
until = "{until}"
after_mins = 1
wake_on = {wake_on}
wake_for_mins = 1
quiet_wakes = "none"
"#,
            am = self.alertmanager.base,
            from = hhmm(from),
            until = hhmm(until),
        )
        .expect("writing into a String cannot fail");
        match variant {
            Variant::Syntax => text.push_str("\n[display\n"),
            Variant::UnknownKey => text.push_str("\n[server]\nlisten_adress = \"127.0.0.1:0\"\n"),
            _ => {}
        }
        text
    }
}

/// What the run did and saw, counted.
#[derive(Debug, Default)]
struct Counts {
    faults: BTreeMap<String, u64>,
    recoveries: u64,
    ws_drops: u64,
    files: u64,
    alerts_posted: u64,
    silences_made: u64,
    silences_expired: u64,
    reloads_valid: u64,
    reloads_invalid: u64,
    reloads_by_rename: u64,
    taps: u64,
    drags: u64,
    page_switches: u64,
    sleeps: u64,
    wakes: u64,
    screenshots: u64,
    health_checks: u64,
    health_failures: u64,
    status_reads: u64,
    config_banners_seen: u64,
}

/// The /api/events clients' counts, shared with their tasks.
#[derive(Debug, Default)]
struct SseCounts {
    connected: AtomicU64,
    refused: AtomicU64,
    failed: AtomicU64,
    bytes: AtomicU64,
    live: AtomicU64,
}

/// One metric's value in an exposition's text (the first sample line of
/// that name, labels or not).
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// The sum of a metric over its label sets whose labels contain `label`.
fn metric_with(text: &str, name: &str, label: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l.contains(label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// [`metric_with`] as a count.
fn count_with(text: &str, name: &str, label: &str) -> u64 {
    metric_with(text, name, label).max(0.0) as u64
}

/// Writes `text` as the config, in place or, as editors do, by rename.
fn write_config(path: &Path, text: &str, by_rename: bool) {
    if by_rename {
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).expect("write the new config");
        std::fs::rename(&tmp, path).expect("rename it over the config");
    } else {
        std::fs::write(path, text).expect("write the config in place");
    }
}

/// A client on /api/events that reads for `hold` and vanishes.
async fn sse_client(http: reqwest::Client, url: String, hold: Duration, counts: Arc<SseCounts>) {
    counts.live.fetch_add(1, Relaxed);
    match http.get(&url).send().await {
        Ok(r) if r.status().is_success() => {
            counts.connected.fetch_add(1, Relaxed);
            let mut r = r;
            let _ = tokio::time::timeout(hold, async {
                while let Ok(Some(chunk)) = r.chunk().await {
                    counts.bytes.fetch_add(chunk.len() as u64, Relaxed);
                }
            })
            .await;
        }
        Ok(r) if r.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE => {
            counts.refused.fetch_add(1, Relaxed);
        }
        _ => {
            counts.failed.fetch_add(1, Relaxed);
        }
    }
    counts.live.fetch_sub(1, Relaxed);
}

/// `/api/status`, parsed.
async fn status(http: &reqwest::Client, p: &Piboard) -> Option<Value> {
    http.get(p.url("/api/status"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()
}

/// Waits (30 s at most) until `/api/status` lists every source `ok`; the
/// sources it last saw otherwise.
async fn all_ok(http: &reqwest::Client, p: &Piboard) -> Result<(), Value> {
    common::wait::until(
        Duration::from_secs(30),
        Duration::from_millis(200),
        async || {
            let v = status(http, p).await.unwrap_or_default();
            let sources = v["sources"].as_array().cloned().unwrap_or_default();
            if sources.len() >= 3 && sources.iter().all(|s| s["state"] == "ok") {
                Ok(())
            } else {
                Err(v["sources"].clone())
            }
        },
    )
    .await
}

/// The next moment after now, `lo..hi` ms away.
fn after(lo: u64, hi: u64) -> Instant {
    Instant::now() + Duration::from_millis(fastrand::u64(lo..hi))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "an hour: tests/perf/endurance.sh, or PIBOARD_ENDURANCE_SECS=N cargo test --release --test endurance -- --ignored --nocapture"]
async fn a_month_on_the_wall() {
    assert!(
        Path::new(ALERTMANAGER).exists(),
        "the endurance run needs the real Alertmanager: apt-get install prometheus-alertmanager"
    );
    let length = run_length();
    let dir = tempfile::tempdir().expect("a temp dir");
    let pki = make_pki("piboard endurance CA");
    let ca_file = dir.path().join("ca.pem");
    pki.write_ca(&ca_file);
    let am_dir = dir.path().join("alertmanager");
    std::fs::create_dir_all(&am_dir).expect("a directory for Alertmanager");
    let rig = Rig {
        prom: FaultServer::start(Flavor::Prometheus, Some(&pki)).await,
        pve: FaultServer::start(Flavor::Proxmox, Some(&pki)).await,
        moon_polled: FaultServer::start(Flavor::Moonraker, None).await,
        moon_ws: Fake::start(Mode::Normal).await,
        alertmanager: Running::start(&am_dir),
        ca_file,
    };
    rig.alertmanager.wait_ready().await;
    let interval = Duration::from_secs(1);
    let faulty = [&rig.prom, &rig.pve, &rig.moon_polled];
    for s in faulty {
        s.set_flap_period(interval);
    }
    rig.moon_ws.set_file("parts/endurance-0.gcode");

    // The taps' pipe, made before piboard starts so it opens it at once.
    let pipe = dir.path().join("taps");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", pipe.display());
    let config_path = dir.path().join("piboard.toml");
    std::fs::write(&config_path, rig.config(Variant::Websocket)).expect("write the config");
    let mut cmd = Piboard::command(&config_path, interval);
    cmd.env(piboard::platform::test_taps::TEST_TAPS_ENV, &pipe);
    let mut p = Piboard::spawn(cmd);
    // Opening a FIFO for writing waits for its reader: piboard's thread.
    let pipe_path = pipe.clone();
    let mut taps = tokio::task::spawn_blocking(move || {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&pipe_path)
            .expect("open the taps pipe")
    })
    .await
    .expect("the pipe opens");

    let http = client(&Tls::System, Duration::from_secs(5)).expect("an HTTP client");
    // Up: every source answering before the faults begin.
    let up = all_ok(&http, &p).await;
    if let Err(last) = up {
        panic!("not every source ok at the start: {last}\n{}", p.output());
    }

    let began = Instant::now();
    let end = began + length;
    let mut counts = Counts::default();
    let sse = Arc::new(SseCounts::default());
    let mut samples: Vec<Sample> = Vec::new();
    let mut csv = memory::CsvFile::create(&out_dir().join("endurance.csv"));
    let first = p.at_rest(2 * interval).await;
    let mut worst = first;
    let mut next_fault = [Instant::now(); 3];
    let mut next_ws_drop = after(60_000, 120_000);
    let mut next_file = after(20_000, 40_000);
    let mut next_alerts = Instant::now();
    let mut next_silence = after(10_000, 30_000);
    let mut next_reload = after(60_000, 90_000);
    let mut next_burst = after(90_000, 150_000);
    let mut printer_polled = false;
    let mut next_tap = after(3_000, 8_000);
    let mut next_session = Instant::now();
    let mut session_left = fastrand::u32(3..8);
    let mut next_sse = Instant::now();
    let mut next_shot = Instant::now();
    let mut next_sample = Instant::now();
    let mut next_status = Instant::now();
    let mut next_log = Instant::now() + Duration::from_secs(60);
    let mut reload_turn = 0usize;
    let mut silences: Vec<String> = Vec::new();
    let mut file_no = 0u64;
    let mut on_page = false;
    let (mut last_page, mut last_power) = (String::from("overview"), String::from("on"));
    let names = ["DiskFilling", "HighLoad", "BackupFailed", "CertExpiring"];
    eprintln!(
        "endurance: {} s, every source polled every {interval:?}; out: {}",
        length.as_secs(),
        out_dir().display()
    );

    while Instant::now() < end {
        let now = Instant::now();
        // Faults on the three polled servers; good a third of the time.
        for (i, server) in faulty.iter().enumerate() {
            if now >= next_fault[i] {
                // The polled printer's server misbehaves only while the
                // config polls it.
                if server.flavor == Flavor::Moonraker && !printer_polled {
                    server.set(Fault::Good);
                } else if fastrand::u8(0..3) == 0 {
                    server.set(Fault::Good);
                    counts.recoveries += 1;
                } else {
                    let f = Fault::ALL[fastrand::usize(0..Fault::ALL.len())];
                    server.set(f);
                    *counts
                        .faults
                        .entry(format!("{} {}", server.flavor.label(), f.label()))
                        .or_default() += 1;
                }
                next_fault[i] = after(2_000, 6_000);
            }
        }
        if now >= next_ws_drop {
            if rig.moon_ws.drop_connection() {
                counts.ws_drops += 1;
            }
            next_ws_drop = after(60_000, 120_000);
        }
        if now >= next_file {
            file_no += 1;
            rig.moon_ws
                .set_file(&format!("parts/endurance-{file_no}.gcode"));
            counts.files += 1;
            next_file = after(20_000, 40_000);
        }
        if now >= next_alerts {
            // One to four alerts, each ending three minutes on unless sent again.
            let n = fastrand::usize(1..=names.len());
            let t = Utc::now();
            let alerts: Vec<Value> = names[..n]
                .iter()
                .map(|name| {
                    json!({
                        "labels": {"alertname": name, "severity": if fastrand::bool() { "critical" } else { "warning" }, "instance": "nas:9100"},
                        "annotations": {"summary": format!("{name} on nas")},
                        "startsAt": (t - TimeDelta::minutes(1)).to_rfc3339(),
                        "endsAt": (t + TimeDelta::minutes(3)).to_rfc3339(),
                    })
                })
                .collect();
            rig.alertmanager.post("alerts", Value::Array(alerts)).await;
            counts.alerts_posted += n as u64;
            next_alerts = after(15_000, 30_000);
        }
        if now >= next_silence {
            if silences.len() >= 2 || (!silences.is_empty() && fastrand::bool()) {
                let id = silences.remove(0);
                rig.alertmanager.expire(&id).await;
                counts.silences_expired += 1;
            } else {
                let t = Utc::now();
                let answer = rig
                    .alertmanager
                    .post(
                        "silences",
                        json!({
                            "matchers": [{"name": "alertname", "value": names[fastrand::usize(0..names.len())], "isRegex": false, "isEqual": true}],
                            "startsAt": t.to_rfc3339(),
                            "endsAt": (t + TimeDelta::minutes(fastrand::i64(1..6))).to_rfc3339(),
                            "createdBy": "endurance",
                            "comment": "a silence that comes and goes",
                        }),
                    )
                    .await;
                if let Some(id) = answer["silenceID"].as_str() {
                    silences.push(id.to_owned());
                }
                counts.silences_made += 1;
            }
            next_silence = after(20_000, 40_000);
        }
        if now >= next_reload {
            let variant = CYCLE[reload_turn % CYCLE.len()];
            reload_turn += 1;
            let by_rename = fastrand::bool();
            write_config(&config_path, &rig.config(variant), by_rename);
            if variant.valid() {
                printer_polled = variant == Variant::Polled;
                counts.reloads_valid += 1;
            } else {
                counts.reloads_invalid += 1;
            }
            counts.reloads_by_rename += u64::from(by_rename);
            next_reload = after(150_000, 210_000);
        }
        if now >= next_tap && now >= next_session {
            let line = if on_page && fastrand::u8(0..3) > 0 {
                format!("tap {} {}\n", BACK.0, BACK.1)
            } else if on_page {
                counts.drags += 1;
                "drag 400 400 400 150\n".to_owned()
            } else {
                let (_, x, y) = TARGETS[fastrand::usize(0..TARGETS.len())];
                format!("tap {x} {y}\n")
            };
            taps.write_all(line.as_bytes())
                .expect("write to the taps pipe");
            counts.taps += u64::from(line.starts_with("tap"));
            next_tap = after(3_000, 8_000);
            session_left = session_left.saturating_sub(1);
            if session_left == 0 {
                // Someone walks away: a minute and a half to three and a
                // half untouched, long enough for the screen to sleep.
                session_left = fastrand::u32(3..8);
                next_session = after(90_000, 210_000);
            }
        }
        if now >= next_sse {
            if sse.live.load(Relaxed) < 6 {
                let hold = Duration::from_millis(fastrand::u64(0..20_000));
                tokio::spawn(sse_client(
                    http.clone(),
                    p.url("/api/events"),
                    hold,
                    sse.clone(),
                ));
            }
            next_sse = after(1_000, 5_000);
        }
        if now >= next_burst {
            // Ten clients at once, each holding on for 10 s: the server
            // serves eight and refuses the rest.
            for _ in 0..10 {
                tokio::spawn(sse_client(
                    http.clone(),
                    p.url("/api/events"),
                    Duration::from_secs(10),
                    sse.clone(),
                ));
            }
            next_burst = after(90_000, 150_000);
        }
        if now >= next_shot {
            let shot = p.screenshot().await;
            assert_eq!(shot.dimensions(), (800, 480));
            counts.screenshots += 1;
            next_shot = now + Duration::from_secs(30);
        }
        if now >= next_status {
            next_status = now + Duration::from_secs(1);
            if let Some(v) = status(&http, &p).await {
                counts.status_reads += 1;
                let page = v["page"]["name"].as_str().unwrap_or("?").to_owned();
                let power = v["display"]["state"].as_str().unwrap_or("?").to_owned();
                if page != last_page {
                    counts.page_switches += 1;
                }
                on_page = page != "overview";
                match (last_power.as_str(), power.as_str()) {
                    ("on", "off" | "dim") => counts.sleeps += 1,
                    ("off" | "dim", "on") => counts.wakes += 1,
                    _ => {}
                }
                if v["config"]["banner"]
                    .as_str()
                    .is_some_and(|b| !b.is_empty())
                {
                    counts.config_banners_seen += 1;
                }
                (last_page, last_power) = (page, power);
            }
        }
        if now >= next_sample {
            next_sample = now + Duration::from_secs(5);
            assert!(p.alive(), "piboard exited; it wrote:\n{}", p.output());
            counts.health_checks += 1;
            if p.health().await != Some(200) {
                counts.health_failures += 1;
            }
            let text = match http.get(p.url("/metrics")).send().await {
                Ok(r) => r.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            let figures = p.proc_figures();
            worst = worst.max(figures);
            let heap = |name| metric(&text, name).map(|v| v as u64);
            if let (Some(live), Some(blocks), Some(allocations)) = (
                heap("piboard_heap_live_bytes"),
                heap("piboard_heap_live_blocks"),
                heap("piboard_heap_allocations_total"),
            ) {
                let sample = Sample {
                    t: began.elapsed().as_secs_f64(),
                    heap: live,
                    blocks,
                    allocations,
                    rss: figures.rss,
                    hwm: figures.hwm,
                    fds: figures.fds,
                    threads: figures.threads,
                };
                csv.push(&sample);
                samples.push(sample);
            }
        }
        if now >= next_log {
            next_log = now + Duration::from_secs(300);
            if let Some(s) = samples.last() {
                eprintln!(
                    "  t={:>5.0} s heap {:.2} MiB ({} blocks), RSS {:.1} MiB, fds {}, threads {}, page switches {}, sleeps {}",
                    s.t,
                    mib(s.heap),
                    s.blocks,
                    mib(s.rss),
                    s.fds,
                    s.threads,
                    counts.page_switches,
                    counts.sleeps
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Every fault cleared, the printer back on the websocket with a valid
    // config: every source ok again.
    for s in faulty {
        s.set(Fault::Good);
    }
    write_config(&config_path, &rig.config(Variant::Websocket), false);
    let recovered = all_ok(&http, &p).await;
    let last_metrics = match http.get(p.url("/metrics")).send().await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let end_figures = p.at_rest(2 * interval).await;
    worst = worst.max(end_figures);
    let dir_out = out_dir();
    let report = report(
        length,
        &counts,
        &sse,
        &rig,
        &samples,
        (first, worst, end_figures),
        &last_metrics,
    );
    std::fs::write(dir_out.join("endurance.md"), &report).expect("write the report");
    eprintln!("\n{report}");

    if let Err(last) = recovered {
        panic!("not every source ok 30 s after the faults cleared: {last}");
    }
    assert!(p.alive(), "piboard exited");
    assert_eq!(counts.health_failures, 0, "/api/health was not always 200");
    // What even a few minutes covers; the rest from ten minutes on (the
    // first reload comes after one to one and a half minutes, quiet hours a
    // minute after a valid one, a burst of event streams after two).
    let mut covered = vec![
        ("page switches", counts.page_switches),
        ("valid reloads", counts.reloads_valid),
        ("event streams connected", sse.connected.load(Relaxed)),
        ("thumbnails fetched", thumbnails(&rig.moon_ws)),
        ("silences made", counts.silences_made),
    ];
    if length >= Duration::from_secs(600) {
        covered.extend([
            ("sleeps", counts.sleeps),
            ("wakes", counts.wakes),
            ("websocket drops", counts.ws_drops),
            ("invalid reloads", counts.reloads_invalid),
            ("config banners seen", counts.config_banners_seen),
            ("event streams refused", sse.refused.load(Relaxed)),
        ]);
    }
    for (what, n) in covered {
        assert!(n > 0, "no {what} in the run: the run did not cover it");
    }
    // A heap read as nothing would pass every budget: each sample must
    // have read the counter (the default `heap-stats` feature) and /proc.
    assert!(
        samples.len() >= 10
            && samples
                .iter()
                .all(|s| s.heap > 0 && s.blocks > 0 && s.rss > 0),
        "the heap was not read from /metrics at every sample ({} samples): is the `heap-stats` feature off?",
        samples.len()
    );
    let after_warm_up = memory::last_share(&samples, 0.8);
    let peak_heap = after_warm_up.iter().map(|s| s.heap).max().unwrap_or(0);
    assert!(
        peak_heap <= HEAP_BUDGET,
        "the live heap after the warm-up reached {:.2} MiB, over the budget of {:.0} MiB",
        mib(peak_heap),
        mib(HEAP_BUDGET)
    );
    let slope = memory::heap_slope_per_hour(after_warm_up).expect("enough samples for a slope");
    if length >= SLOPE_JUDGED_FROM {
        assert!(
            slope <= SLOPE_BUDGET,
            "the live heap grows {:.0} KiB per hour over the last 80 % (budget {:.0} KiB/h)",
            slope / 1024.0,
            SLOPE_BUDGET / 1024.0
        );
    }
    end_figures.assert_no_growth(&first, 4, 2);
}

/// Thumbnails piboard fetched from the websocket fake.
fn thumbnails(fake: &Fake) -> u64 {
    fake.lock()
        .http
        .iter()
        .filter(|p| p.starts_with("/server/files/gcodes/") && p.contains("endurance-"))
        .count() as u64
}

/// The run's figures as Markdown.
fn report(
    length: Duration,
    c: &Counts,
    sse: &SseCounts,
    rig: &Rig,
    samples: &[Sample],
    (first, worst, end): (ProcFigures, ProcFigures, ProcFigures),
    metrics: &str,
) -> String {
    let mut r = String::new();
    let polls = |source: &str| {
        count_with(
            metrics,
            "piboard_poll_duration_seconds_count",
            &format!("source=\"{source}\""),
        )
    };
    let failures = |source: &str| {
        count_with(
            metrics,
            "piboard_poll_failures_total",
            &format!("source=\"{source}\""),
        )
    };
    let thumbnails = thumbnails(&rig.moon_ws);
    let connections = rig.moon_ws.lock().connections;
    let _ = writeln!(r, "## Endurance run: {} s\n", length.as_secs());
    let _ = writeln!(r, "| Event | Count |\n|---|---|");
    for source in ["prometheus", "proxmox", "moonraker", "alertmanager"] {
        let _ = writeln!(
            r,
            "| {source} poll cycles (failed) | {} ({}) |",
            polls(source),
            failures(source)
        );
    }
    let faults: u64 = c.faults.values().sum();
    let kinds = c.faults.len();
    let _ = writeln!(
        r,
        "| faults injected ({kinds} server x fault kinds) / back to good | {faults} / {} |",
        c.recoveries
    );
    let _ = writeln!(
        r,
        "| Moonraker websocket connections / drops by the server | {} / {} |",
        connections, c.ws_drops
    );
    let _ = writeln!(
        r,
        "| printed files changed / thumbnails fetched | {} / {thumbnails} |",
        c.files
    );
    let _ = writeln!(
        r,
        "| Alertmanager alerts posted / silences made / expired | {} / {} / {} |",
        c.alerts_posted, c.silences_made, c.silences_expired
    );
    let _ = writeln!(
        r,
        "| config reloads valid / invalid (by rename) / banner seen | {} / {} ({}) / {} s |",
        c.reloads_valid, c.reloads_invalid, c.reloads_by_rename, c.config_banners_seen
    );
    let _ = writeln!(
        r,
        "| taps / drags / page switches seen | {} / {} / {} |",
        c.taps, c.drags, c.page_switches
    );
    let _ = writeln!(r, "| sleeps / wakes seen | {} / {} |", c.sleeps, c.wakes);
    let _ = writeln!(
        r,
        "| /api/events clients connected / refused (8 at most) / failed, bytes read | {} / {} / {}, {} |",
        sse.connected.load(Relaxed),
        sse.refused.load(Relaxed),
        sse.failed.load(Relaxed),
        sse.bytes.load(Relaxed)
    );
    let _ = writeln!(
        r,
        "| screenshots / status reads / health checks (failed) | {} / {} / {} ({}) |",
        c.screenshots, c.status_reads, c.health_checks, c.health_failures
    );
    let frames = metric(metrics, "piboard_frames_drawn_total").unwrap_or(0.0);
    let _ = writeln!(r, "| frames drawn | {frames} |");
    let after_warm_up = memory::last_share(samples, 0.8);
    let warm = after_warm_up.first();
    let last = samples.last();
    let slope = memory::heap_slope_per_hour(after_warm_up);
    let _ = writeln!(r, "\n| Memory | Figure |\n|---|---|");
    if let (Some(w), Some(l)) = (warm, last) {
        let _ = writeln!(
            r,
            "| live heap at warm-up's end (t = {:.0} s) / at the end | {:.2} MiB / {:.2} MiB |",
            w.t,
            mib(w.heap),
            mib(l.heap)
        );
        let (lo, hi) = after_warm_up.iter().fold((u64::MAX, 0), |(lo, hi), s| {
            (lo.min(s.heap), hi.max(s.heap))
        });
        let _ = writeln!(
            r,
            "| live heap after warm-up: min / max | {:.2} MiB / {:.2} MiB (budget {:.0} MiB) |",
            mib(lo),
            mib(hi),
            mib(HEAP_BUDGET)
        );
        let _ = writeln!(
            r,
            "| live blocks at warm-up / end | {} / {} |",
            w.blocks, l.blocks
        );
        let _ = writeln!(
            r,
            "| allocations over the run | {} ({:.0} per second) |",
            l.allocations,
            l.allocations as f64 / l.t.max(1.0)
        );
    }
    if let Some(s) = slope {
        let _ = writeln!(
            r,
            "| live heap slope over the last 80 % | {:+.1} KiB/h (budget {:.0} KiB/h{}) |",
            s / 1024.0,
            SLOPE_BUDGET / 1024.0,
            if length >= SLOPE_JUDGED_FROM {
                ""
            } else {
                ", not judged under 30 min"
            }
        );
    }
    let rss_slope = memory::fit(
        &after_warm_up
            .iter()
            .map(|s| (s.t, s.rss as f64))
            .collect::<Vec<_>>(),
    );
    let _ = writeln!(
        r,
        "| RSS start / end / peak (VmHWM) | {:.1} / {:.1} / {:.1} MiB |",
        mib(first.rss),
        mib(end.rss),
        mib(worst.hwm)
    );
    if let Some(l) = rss_slope {
        let _ = writeln!(
            r,
            "| RSS slope over the last 80 % | {:+.1} KiB/h |",
            l.slope * 3600.0 / 1024.0
        );
    }
    let _ = writeln!(
        r,
        "| descriptors start / end / max | {} / {} / {} |",
        first.fds, end.fds, worst.fds
    );
    let _ = writeln!(
        r,
        "| threads start / end / max | {} / {} / {} |",
        first.threads, end.threads, worst.threads
    );
    let _ = writeln!(r, "| samples | {} |", samples.len());
    let _ = writeln!(r, "\nFaults injected by server and kind:\n");
    for (k, n) in &c.faults {
        let _ = writeln!(r, "- {k}: {n}");
    }
    r
}
