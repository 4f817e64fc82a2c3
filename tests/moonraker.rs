//! The Moonraker source against a fake Moonraker on loopback that serves
//! fixtures modelled on Moonraker's documented answers
//! (`tests/fixtures/moonraker/`), and golden screenshots of the printer panel
//! in each state, rendered from those parsed fixtures through core, view and
//! the headless renderer, compared exactly (tests/common/golden.rs).
//! `PIBOARD_BLESS=1` rewrites the goldens.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use piboard::app::sources::moonraker_settings;
use piboard::core::{
    Dashboard, FailureKind, KlippyState, PrintState, PrinterData, SourceData, SourceKind,
    SourceUpdate,
};
use piboard::sources::Source;
use piboard::sources::moonraker::{MoonrakerSource, Settings};

mod common;

use common::golden::{self, Tolerance};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/moonraker")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// One canned answer.
#[derive(Clone)]
struct Reply(u16, Vec<u8>);

fn ok(name: &str) -> Reply {
    Reply(200, fixture(name))
}

fn err(code: u16) -> Reply {
    Reply(code, fixture(&format!("error_{code}.json")))
}

/// What the fake answers, per endpoint.
#[derive(Clone)]
struct Scenario {
    server_info: Reply,
    printer_info: Reply,
    objects: Reply,
    metadata: Reply,
    thumbnail: Reply,
    store: Reply,
    /// When set, requests without this `X-Api-Key` get a 401.
    api_key: Option<String>,
}

impl Scenario {
    fn printing(objects: &str) -> Self {
        Self {
            server_info: ok("server_info_ready.json"),
            printer_info: Reply(200, b"{}".to_vec()),
            objects: ok(objects),
            metadata: ok("metadata.json"),
            thumbnail: ok("thumb-300x300.png"),
            store: ok("temperature_store.json"),
            api_key: None,
        }
    }

    fn klippy(server_info: &str, printer_info: Reply) -> Self {
        Self {
            server_info: ok(server_info),
            printer_info,
            objects: err(503),
            ..Self::printing("objects_standby.json")
        }
    }
}

/// A request the fake saw: its path and query, and its `X-Api-Key`.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    query: Option<String>,
    api_key: Option<String>,
}

#[derive(Clone)]
struct Fake {
    scenario: Arc<Mutex<Scenario>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn answer(State(fake): State<Fake>, uri: Uri, headers: HeaderMap) -> Response {
    let api_key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let path = uri.path().to_owned();
    fake.seen.lock().expect("lock").push(Seen {
        path: path.clone(),
        query: uri.query().map(str::to_owned),
        api_key: api_key.clone(),
    });
    let s = fake.scenario.lock().expect("lock").clone();
    let reply = if s.api_key.is_some() && s.api_key != api_key {
        err(401)
    } else {
        match path.as_str() {
            "/server/info" => s.server_info,
            "/printer/info" => s.printer_info,
            "/printer/objects/query" => s.objects,
            "/server/files/metadata" => s.metadata,
            "/server/temperature_store" => s.store,
            "/server/history/list" => ok("history_list.json"),
            p if p.starts_with("/server/files/gcodes/") => s.thumbnail,
            _ => err(404),
        }
    };
    let content_type = if reply.1.starts_with(b"{") {
        "application/json"
    } else {
        "image/png"
    };
    Response::builder()
        .status(StatusCode::from_u16(reply.0).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", content_type)
        .body(Body::from(reply.1))
        .unwrap_or_default()
}

impl Fake {
    async fn start(scenario: Scenario) -> (Self, String) {
        let fake = Fake {
            scenario: Arc::new(Mutex::new(scenario)),
            seen: Arc::default(),
        };
        let app = Router::new().fallback(answer).with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("bound address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (fake, format!("http://{addr}"))
    }

    fn set(&self, scenario: Scenario) {
        *self.scenario.lock().expect("lock") = scenario;
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    fn count(&self, path: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.path.starts_with(path))
            .count()
    }
}

fn source(url: &str) -> MoonrakerSource {
    MoonrakerSource::new(Settings {
        url: url.to_owned(),
        api_key: None,
        printing_interval: Duration::from_secs(2),
        idle_interval: Duration::from_secs(10),
        timeout: Duration::from_secs(3),
        transport: piboard::sources::moonraker::Transport::Http,
    })
}

/// The injected clock's time of the polls (2026-11-21 09:00 UTC).
fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_795_251_600, 0).unwrap_or_default()
}

async fn poll(source: &mut MoonrakerSource) -> Result<PrinterData, piboard::core::Failure> {
    poll_at(source, t0()).await
}

async fn poll_at(
    source: &mut MoonrakerSource,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PrinterData, piboard::core::Failure> {
    source.poll(now).await.map(|d| match d {
        SourceData::Moonraker(p) => *p,
        other => panic!("the Moonraker source returned {other:?}"),
    })
}

async fn printer(scenario: Scenario) -> PrinterData {
    let (_fake, url) = Fake::start(scenario).await;
    poll(&mut source(&url)).await.expect("a good poll")
}

#[tokio::test]
async fn printing_with_a_thumbnail() {
    let (fake, url) = Fake::start(Scenario::printing("objects_printing.json")).await;
    let mut s = source(&url);
    let p = poll(&mut s).await.expect("a good poll");
    assert_eq!(
        (p.klippy, p.state),
        (KlippyState::Ready, PrintState::Printing)
    );
    assert_eq!((p.current_layer, p.total_layers), (Some(43), Some(118)));
    assert_eq!(p.slicer_estimate_s, Some(7800.0));
    let thumb = p.thumbnail.as_ref().expect("the thumbnail is decoded");
    assert_eq!((thumb.width, thumb.height), (96, 96));
    // The 300 px thumbnail fits the panel best; it lives beside the file.
    assert!(
        fake.seen().iter().any(|r| r.path
            == "/server/files/gcodes/parts/.thumbs/enclosure-hinge_0.2mm_PETG_2h10m-300x300.png"),
        "{:?}",
        fake.seen()
    );
    let meta = fake
        .seen()
        .into_iter()
        .find(|r| r.path == "/server/files/metadata")
        .expect("metadata asked for");
    assert_eq!(
        meta.query.as_deref(),
        Some("filename=parts%2Fenclosure-hinge_0.2mm_PETG_2h10m.gcode")
    );
    // The temperature store as a seed for the core: its newest values
    // stamped with the poll's time, not the system clock's.
    let seed = p.seed.as_ref().expect("the first poll carries the store");
    assert_eq!((seed.extruder.len(), seed.bed.len()), (1200, 1200));
    assert_eq!(seed.end_s, t0().timestamp());
    assert_eq!(p.jobs.len(), 3);
    assert_eq!(s.interval(), Duration::from_secs(2));
    // Later polls use the cache: metadata, thumbnail and store once each.
    for _ in 0..3 {
        let again = poll(&mut s).await.expect("a good poll");
        assert!(again.thumbnail.is_some());
        assert!(again.seed.is_none(), "the store is sent once");
    }
    assert_eq!(fake.count("/server/files/metadata"), 1);
    assert_eq!(fake.count("/server/files/gcodes/"), 1);
    assert_eq!(fake.count("/server/temperature_store"), 1);
    // The job history at the first ready poll; no job ended since.
    assert_eq!(fake.count("/server/history/list"), 1);
    let history = fake
        .seen()
        .into_iter()
        .find(|r| r.path == "/server/history/list")
        .expect("asked for");
    assert_eq!(history.query.as_deref(), Some("limit=5&order=desc"));
    assert_eq!(fake.count("/printer/objects/query"), 4);
    // No API key configured: none sent.
    assert!(fake.seen().iter().all(|r| r.api_key.is_none()));
}

#[tokio::test]
async fn paused_complete_cancelled_and_failed_jobs() {
    let p = printer(Scenario::printing("objects_paused.json")).await;
    assert_eq!(p.state, PrintState::Paused);
    assert_eq!(p.message.as_deref(), Some("Filament change"));
    let p = printer(Scenario::printing("objects_complete.json")).await;
    assert_eq!((p.state, p.progress), (PrintState::Complete, 1.0));
    let p = printer(Scenario::printing("objects_cancelled.json")).await;
    assert_eq!(p.state, PrintState::Cancelled);
    let p = printer(Scenario::printing("objects_error.json")).await;
    assert_eq!(p.state, PrintState::Error);
    assert!(
        p.message
            .is_some_and(|m| m.starts_with("Move out of range"))
    );
}

#[tokio::test]
async fn null_layer_info_is_derived_from_z() {
    let p = printer(Scenario::printing("objects_printing_null_layers.json")).await;
    assert_eq!((p.current_layer, p.total_layers), (Some(43), Some(118)));
}

#[tokio::test]
async fn klippy_error_shows_the_first_line_of_its_message() {
    let (fake, url) = Fake::start(Scenario::klippy(
        "server_info_error.json",
        ok("printer_info_error.json"),
    ))
    .await;
    let p = poll(&mut source(&url)).await.expect("Moonraker answered");
    assert_eq!(p.klippy, KlippyState::Error);
    assert_eq!(
        p.klippy_message.as_deref(),
        Some("mcu 'mcu': Unable to connect")
    );
    assert_eq!(fake.count("/printer/objects/query"), 0);
}

#[tokio::test]
async fn klippy_disconnected_in_both_forms() {
    let never = printer(Scenario::klippy("server_info_disconnected.json", err(404))).await;
    assert_eq!(never.klippy, KlippyState::Disconnected);
    assert_eq!(
        never.klippy_message.as_deref(),
        Some("Klipper has not connected since Moonraker started")
    );
    let dropped = printer(Scenario::klippy("server_info_disconnected.json", err(503))).await;
    assert_eq!(dropped.klippy, KlippyState::Disconnected);
    assert_eq!(
        dropped.klippy_message.as_deref(),
        Some("Klipper dropped its connection to Moonraker")
    );
    // Ready a moment ago, gone by the objects query: disconnected, not a failure.
    let raced = Scenario {
        objects: err(503),
        printer_info: err(503),
        ..Scenario::printing("objects_printing.json")
    };
    assert_eq!(printer(raced).await.klippy, KlippyState::Disconnected);
}

#[tokio::test]
async fn a_wrong_or_missing_api_key_is_an_auth_failure_and_a_configured_key_is_sent() {
    let scenario = Scenario {
        api_key: Some("s3cret-key".into()),
        ..Scenario::printing("objects_printing.json")
    };
    let (fake, url) = Fake::start(scenario).await;
    let failure = poll(&mut source(&url)).await.expect_err("no key: refused");
    assert_eq!(failure.kind, FailureKind::Auth);
    assert!(failure.message.contains("401"), "{}", failure.message);
    assert!(!failure.message.contains("s3cret"), "{}", failure.message);

    let dir = tempfile::tempdir().expect("temp dir");
    let key_file = dir.path().join("moonraker.key");
    std::fs::write(&key_file, "s3cret-key\n").expect("write the key file");
    let config = format!(
        "[moonraker]\nurl = \"{url}\"\nname = \"Ender 5 Pro\"\napi_key = {{ file = \"{}\" }}\n",
        key_file.display()
    );
    let loaded =
        piboard::config::parse(&config, &dir.path().join("piboard.toml")).expect("a valid config");
    let settings = moonraker_settings(&loaded).expect("[moonraker] is configured");
    let mut keyed = MoonrakerSource::new(settings);
    let p = poll(&mut keyed).await.expect("the key is accepted");
    assert_eq!(p.state, PrintState::Printing);
    let last = fake.seen().pop().expect("requests seen");
    assert_eq!(last.api_key.as_deref(), Some("s3cret-key"));
    assert!(!format!("{keyed:?}").contains("s3cret"));
}

#[tokio::test]
async fn a_corrupt_thumbnail_leaves_the_placeholder_and_is_not_fetched_again() {
    let scenario = Scenario {
        thumbnail: ok("corrupt.png"),
        ..Scenario::printing("objects_printing.json")
    };
    let (fake, url) = Fake::start(scenario).await;
    let mut s = source(&url);
    for _ in 0..3 {
        let p = poll(&mut s).await.expect("the poll still succeeds");
        assert!(p.thumbnail.is_none());
        assert_eq!(p.slicer_estimate_s, Some(7800.0));
    }
    assert!(s.thumbnail_problem().is_some_and(|r| r.contains("decode")));
    assert_eq!(fake.count("/server/files/gcodes/"), 1);
    // A missing one (404) is remembered the same way.
    let missing = Scenario {
        thumbnail: err(404),
        ..Scenario::printing("objects_printing.json")
    };
    let (fake, url) = Fake::start(missing).await;
    let mut s = source(&url);
    for _ in 0..3 {
        assert!(poll(&mut s).await.expect("good poll").thumbnail.is_none());
    }
    assert_eq!(fake.count("/server/files/gcodes/"), 1);
}

#[tokio::test]
async fn a_failed_metadata_request_is_asked_again_a_minute_later_by_the_polls_clock() {
    let scenario = Scenario {
        metadata: err(404),
        ..Scenario::printing("objects_printing.json")
    };
    let (fake, url) = Fake::start(scenario).await;
    let mut s = source(&url);
    let later = |secs| t0() + chrono::TimeDelta::seconds(secs);
    for at in [t0(), later(59)] {
        poll_at(&mut s, at).await.expect("the poll still succeeds");
    }
    assert_eq!(fake.count("/server/files/metadata"), 1);
    poll_at(&mut s, later(60)).await.expect("a good poll");
    assert_eq!(fake.count("/server/files/metadata"), 2);
}

#[tokio::test]
async fn polls_fast_only_while_printing() {
    let (fake, url) = Fake::start(Scenario::printing("objects_standby.json")).await;
    let mut s = source(&url);
    poll(&mut s).await.expect("good poll");
    assert_eq!(s.interval(), Duration::from_secs(10));
    fake.set(Scenario::printing("objects_printing.json"));
    poll(&mut s).await.expect("good poll");
    assert_eq!(s.interval(), Duration::from_secs(2));
    fake.set(Scenario::printing("objects_paused.json"));
    poll(&mut s).await.expect("good poll");
    assert_eq!(s.interval(), Duration::from_secs(10));
    assert_eq!(fake.count("/server/history/list"), 1);
    fake.set(Scenario::printing("objects_complete.json"));
    poll(&mut s).await.expect("good poll");
    assert_eq!(s.interval(), Duration::from_secs(10));
    // The job ended: the job history is asked for again, once.
    assert_eq!(fake.count("/server/history/list"), 2);
    poll(&mut s).await.expect("good poll");
    assert_eq!(fake.count("/server/history/list"), 2);
    // A new job on the same file asks for its metadata again (it may have
    // been re-sliced); the unchanged file keeps its decoded thumbnail.
    fake.set(Scenario::printing("objects_printing.json"));
    poll(&mut s).await.expect("good poll");
    assert_eq!(fake.count("/server/files/metadata"), 2);
    assert_eq!(fake.count("/server/files/gcodes/"), 1);
    // A failure falls back to the idle interval's pace for retries.
    fake.set(Scenario {
        server_info: Reply(500, b"oops".to_vec()),
        ..Scenario::printing("objects_printing.json")
    });
    let failure = poll(&mut s).await.expect_err("a 500 is a failure");
    assert_eq!(failure.kind, FailureKind::ServerError);
    assert_eq!(s.interval(), Duration::from_secs(10));
}

#[tokio::test]
async fn a_re_sliced_file_gets_its_new_thumbnail() {
    let (fake, url) = Fake::start(Scenario::printing("objects_printing.json")).await;
    let mut s = source(&url);
    poll(&mut s).await.expect("good poll");
    fake.set(Scenario::printing("objects_complete.json"));
    poll(&mut s).await.expect("good poll");
    let text = String::from_utf8(fixture("metadata.json")).expect("UTF-8 fixture");
    assert!(text.contains("1763708400.0585904"));
    fake.set(Scenario {
        metadata: Reply(
            200,
            text.replace("1763708400.0585904", "1763712000.5")
                .into_bytes(),
        ),
        ..Scenario::printing("objects_printing.json")
    });
    let p = poll(&mut s).await.expect("good poll");
    assert!(p.thumbnail.is_some());
    assert_eq!(fake.count("/server/files/metadata"), 2);
    assert_eq!(fake.count("/server/files/gcodes/"), 2);
}

#[tokio::test]
async fn an_unreachable_moonraker_is_a_connectivity_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let failure = poll(&mut source(&format!("http://{addr}")))
        .await
        .expect_err("nothing listens");
    assert!(failure.kind.is_connectivity(), "{failure:?}");
}

// ---------------------------------------------------------------- goldens

/// The second of the demo timeline the printer panel goldens show.
const FRAME_AT: u32 = 10;

/// The time of that frame: the fixtures are polled then, as a live source
/// would be, so the core stamps their temperatures with it.
fn frame_now() -> chrono::DateTime<chrono::Utc> {
    piboard::demo::epoch() + chrono::Duration::seconds(i64::from(FRAME_AT))
}

/// The demo homelab at second [`FRAME_AT`] without its printer: the
/// printer's data and its temperature history are what the Moonraker
/// source made of a fixture (or `failures` failed polls after it).
fn frame(data: &PrinterData, failures: u32) -> piboard::view::ViewModel {
    let now = frame_now();
    let mut dash = Dashboard::new(piboard::demo::settings());
    for t in (0..=FRAME_AT).step_by(piboard::demo::STEP_S as usize) {
        let when = piboard::demo::epoch() + chrono::Duration::seconds(i64::from(t));
        for u in piboard::demo::updates(t, when) {
            if u.kind != SourceKind::Moonraker {
                dash.apply(u);
            }
        }
    }
    let update = |at, outcome| SourceUpdate {
        kind: SourceKind::Moonraker,
        at,
        outcome,
        next_poll: Some(now + chrono::Duration::seconds(10)),
    };
    let good_at = now - chrono::Duration::seconds(if failures > 0 { 200 } else { 0 });
    dash.apply(update(
        good_at,
        Ok(SourceData::Moonraker(Box::new(data.clone()))),
    ));
    for i in 0..failures {
        dash.apply(update(
            now - chrono::Duration::seconds(10 * i64::from(failures - i)),
            Err(piboard::core::Failure::new(
                FailureKind::Unreachable,
                "connection refused (192.168.86.136:7125)",
            )),
        ));
    }
    piboard::view::build(
        &dash,
        &piboard::demo::rules(),
        now,
        chrono::FixedOffset::east_opt(0).expect("UTC is a valid offset"),
    )
}

/// The panel as `vm` draws it at `(w, h)`, against the golden `name`, exactly.
fn check(name: &str, vm: &piboard::view::ViewModel, (w, h): (u32, u32)) -> Result<(), String> {
    let mut headless = piboard::platform::Offscreen::new(w, h).map_err(|e| e.to_string())?;
    golden::check(name, &headless.frame(vm), Tolerance::Exact).map(|_| ())
}

#[test]
fn golden_printer_panel_states() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let get = |s: Scenario| {
        rt.block_on(async {
            let (_fake, url) = Fake::start(s).await;
            poll_at(&mut source(&url), frame_now())
                .await
                .expect("a good poll")
        })
    };
    let printing = get(Scenario::printing("objects_printing.json"));
    let cases: Vec<(&str, PrinterData, u32, (u32, u32))> = vec![
        ("moonraker-printing", printing.clone(), 0, (800, 480)),
        (
            "moonraker-printing-1024x600",
            printing.clone(),
            0,
            (1024, 600),
        ),
        (
            "moonraker-paused",
            get(Scenario::printing("objects_paused.json")),
            0,
            (800, 480),
        ),
        (
            "moonraker-complete",
            get(Scenario::printing("objects_complete.json")),
            0,
            (800, 480),
        ),
        (
            "moonraker-cancelled",
            get(Scenario::printing("objects_cancelled.json")),
            0,
            (800, 480),
        ),
        (
            "moonraker-print-error",
            get(Scenario::printing("objects_error.json")),
            0,
            (800, 480),
        ),
        (
            "moonraker-null-layers",
            get(Scenario::printing("objects_printing_null_layers.json")),
            0,
            (800, 480),
        ),
        (
            "moonraker-klippy-error",
            get(Scenario::klippy(
                "server_info_error.json",
                ok("printer_info_error.json"),
            )),
            0,
            (800, 480),
        ),
        (
            "moonraker-klippy-shutdown-480x320",
            get(Scenario::klippy(
                "server_info_shutdown.json",
                ok("printer_info_shutdown.json"),
            )),
            0,
            (480, 320),
        ),
        (
            "moonraker-klippy-disconnected",
            get(Scenario::klippy("server_info_disconnected.json", err(404))),
            0,
            (800, 480),
        ),
        ("moonraker-offline", printing, 3, (800, 480)),
    ];
    let mut failures = Vec::new();
    for (name, data, fails, size) in &cases {
        if let Err(e) = check(name, &frame(data, *fails), *size) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatches:\n{}",
        failures.join("\n")
    );
}
