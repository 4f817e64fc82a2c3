//! Wires the pieces together for each way the binary runs: check a config,
//! render a screenshot, or run the dashboard on a display.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{mpsc, watch};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::cli::Cli;
use crate::config::{self, Loaded};
use crate::core::{Clock, Dashboard, Input, Nav, NavSettings, Page, SystemClock};
use crate::demo;
use crate::hub::Hub;
use crate::platform::hardware::Hardware;
use crate::platform::{Glass, Inputs, Offscreen, Screen, encode_png, watch_motion};
use crate::server::{self, AppState};
use crate::telemetry::Telemetry;
use crate::view;

pub mod reload;
pub mod setup;
pub mod sources;

/// Exit status for a bad config or bad arguments.
const EXIT_CONFIG: u8 = 2;

/// The runtime's thread stacks, just under tokio's default of 2 MiB. Where
/// transparent huge pages are `always` (Debian's arm64 kernel on the
/// emulated board), a 2 MiB stack that happens to land 2 MiB-aligned is
/// backed by one huge page: 2 MiB resident for the few kB a stack uses
/// (tests/perf/PERFORMANCE.md, "The emulated board"). A mapping under 2 MiB
/// can never hold one.
const THREAD_STACK: usize = 2 * 1024 * 1024 - 64 * 1024;

/// Runs the binary; returns its exit status.
pub fn run(cli: Cli) -> ExitCode {
    crate::telemetry::mark_start();
    init_tracing();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("piboard: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let spec = std::env::var("PIBOARD_LOG").ok();
    let (filter, bad) = log_filter(spec.as_deref());
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .finish()
        .with(filter)
        .try_init();
    if let Some(problem) = bad {
        tracing::warn!("PIBOARD_LOG ignored, logging at info: {problem}");
    }
}

/// The log filter from `PIBOARD_LOG`: a level (`debug`) or per-module levels
/// (`info,piboard::sources=debug`), info when unset. `Targets` rather than
/// `EnvFilter`: the same syntax for what a user sets here, without the regex
/// engine EnvFilter links in (about 0.4 MB of the Pi binary).
fn log_filter(spec: Option<&str>) -> (Targets, Option<String>) {
    let info = || Targets::new().with_default(tracing::Level::INFO);
    match spec.map(str::trim).filter(|s| !s.is_empty()) {
        None => (info(), None),
        Some(s) => match s.parse::<Targets>() {
            Ok(t) => (t, None),
            Err(e) => (info(), Some(format!("{s:?}: {e}"))),
        },
    }
}

/// What the dashboard shows: the demo timeline or the configured sources.
enum Feed {
    Demo {
        frozen_at: Option<u32>,
    },
    Config(Box<Loaded>),
    /// No config that loads: the setup screen (`app::setup`).
    Setup(Box<setup::Setup>),
}

impl Feed {
    /// How navigation behaves: the config's `[display]`, the demo's defaults.
    fn nav_settings(&self) -> NavSettings {
        match self {
            Feed::Config(l) => l.nav_settings(),
            Feed::Demo { .. } => {
                let kinds = demo::settings().into_iter().map(|s| s.kind);
                config::DisplayConfig::default().nav(kinds)
            }
            Feed::Setup(_) => config::DisplayConfig::default().nav(std::iter::empty()),
        }
    }

    /// Navigation from `now`, on `page` (`--page`) if given: an error when
    /// that page's source is not configured.
    fn nav(&self, page: Option<Page>, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Nav> {
        let settings = self.nav_settings();
        if let Some(page) = page.filter(|p| !settings.pages.contains(p)) {
            let source = page.source().map_or("", |s| s.label());
            anyhow::bail!("--page {page}: no {source} source is configured");
        }
        let mut nav = Nav::new(settings, now);
        if let Some(page) = page {
            nav.input(Input::Open { page, focus: None }, now);
        }
        Ok(nav)
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    if cli.check_config {
        return Ok(check_config(cli.config.as_deref()));
    }
    let feed = if cli.demo {
        Feed::Demo { frozen_at: cli.at }
    } else {
        match setup::find(cli.config.as_deref()) {
            Ok(loaded) => Feed::Config(Box::new(loaded)),
            Err(problem) => {
                eprintln!("{}", problem.message);
                if cli.screenshot.is_some() {
                    return Ok(ExitCode::from(EXIT_CONFIG));
                }
                Feed::Setup(Box::new(setup::Setup::new(&cli, problem)))
            }
        }
    };
    let size = cli.size.or(match &feed {
        Feed::Config(l) => Some((l.config.display.width, l.config.display.height)),
        Feed::Demo { .. } | Feed::Setup(_) => None,
    });
    let nav = match feed.nav(cli.page, SystemClock.now()) {
        Ok(nav) => nav,
        Err(e) => {
            eprintln!("piboard: {e}");
            return Ok(ExitCode::from(EXIT_CONFIG));
        }
    };
    if let Some(out) = cli.screenshot {
        return screenshot(&feed, &nav, &out, size.unwrap_or((800, 480)));
    }
    let server = server_address(&cli, &feed);
    let mode = if cli.headless {
        Display::Headless(size.unwrap_or((800, 480)))
    } else {
        Display::Window(size)
    };
    let wiring = wiring(&cli, &feed);
    run_display(feed, (nav, wiring), mode, server)
}

/// The backlight and motion sensor to open: the config's, with the command
/// line's lines over them (the demo has none of its own).
fn wiring(cli: &Cli, feed: &Feed) -> config::DisplayConfig {
    let mut display = match feed {
        Feed::Config(l) => l.config.display.clone(),
        Feed::Demo { .. } | Feed::Setup(_) => config::DisplayConfig::default(),
    };
    if let Some(gpio) = cli.backlight_gpio {
        let chip = display.backlight.and_then(|b| b.chip);
        display.backlight = Some(config::BacklightConfig {
            gpio: Some(gpio),
            pwm: None,
            chip,
        });
    }
    if let Some(gpio) = cli.motion_gpio {
        let chip = display.motion.and_then(|m| m.chip);
        display.motion = Some(config::MotionConfig { gpio, chip });
    }
    display
}

/// Where the dashboard draws.
enum Display {
    Window(Option<(u32, u32)>),
    Headless((u32, u32)),
}

/// Where to serve the endpoints.
struct Listen {
    addr: String,
    /// Given on the command line: failing to bind it is fatal. From the
    /// config or the default, the screen matters more: the failure is logged
    /// and the dashboard runs without the endpoints.
    required: bool,
}

/// The address to serve the endpoints on, if they are on: `--listen`, else
/// the config's `[server]`, else the default.
fn server_address(cli: &Cli, feed: &Feed) -> Option<Listen> {
    if cli.no_server {
        return None;
    }
    if let Some(addr) = &cli.listen {
        return Some(Listen {
            addr: addr.clone(),
            required: true,
        });
    }
    let addr = match feed {
        Feed::Config(l) if !l.config.server.enabled => return None,
        Feed::Config(l) => l.config.server.listen.clone(),
        Feed::Demo { .. } | Feed::Setup(_) => config::ServerConfig::default().listen,
    };
    Some(Listen {
        addr,
        required: false,
    })
}

fn check_config(path: Option<&Path>) -> ExitCode {
    match load_config(path) {
        Ok(loaded) => {
            println!(
                "{}: valid ({} source(s))",
                loaded.path.display(),
                loaded.source_settings().len()
            );
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

/// Loads the given config, or the first one found in the default places.
/// On failure prints what is wrong (or where it looked) and returns exit status 2.
fn load_config(path: Option<&Path>) -> Result<Loaded, ExitCode> {
    setup::find(path).map_err(|problem| {
        eprintln!("{}", problem.message);
        ExitCode::from(EXIT_CONFIG)
    })
}

fn screenshot(feed: &Feed, nav: &Nav, out: &Path, (w, h): (u32, u32)) -> anyhow::Result<ExitCode> {
    let vm = match feed {
        Feed::Setup(s) => s.view.clone(),
        Feed::Demo { frozen_at } => demo::frame(frozen_at.unwrap_or(0)),
        Feed::Config(loaded) => {
            // Nothing has been polled yet: the frame shows every source waiting.
            let clock = SystemClock;
            let now = clock.now();
            let dash = Dashboard::new(loaded.source_settings());
            view::build(&dash, &loaded.rules(), now, crate::hub::local_offset(now))
        }
    }
    .on_page(nav);
    let mut headless = Offscreen::new(w, h).context("cannot start the headless renderer")?;
    let png = encode_png(&headless.frame(&vm)).context("cannot encode the PNG")?;
    std::fs::write(out, png).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(ExitCode::SUCCESS)
}

fn run_display(
    feed: Feed,
    (nav, wiring): (Nav, config::DisplayConfig),
    mode: Display,
    listen: Option<Listen>,
) -> anyhow::Result<ExitCode> {
    // On KMS: pick connector, mode and rotation (may re-execute; see platform::kms).
    if let (Feed::Config(l), Display::Window { .. }) = (&feed, &mode) {
        crate::platform::kms::apply(&l.config.display).context("display")?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("piboard-io")
        .thread_stack_size(THREAD_STACK)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let telemetry = Arc::new(Telemetry::new());
    // The backlight and the motion sensor: what cannot be opened is a
    // problem in /api/status, never a failure (platform::hardware).
    let hardware = Hardware::open(&wiring);
    let hub = hub_for(&feed, nav, clock.clone()).with_hardware(hardware.problems);
    let glass = Glass::new(hardware.backlight);
    let (views_tx, views_rx) = watch::channel(Arc::new(hub.view()));
    let screen = Screen::new();
    if let Some(listen) = listen {
        let state = AppState::new(views_rx.clone(), telemetry.clone(), screen.clone());
        match rt.block_on(server::bind(&listen.addr, state)) {
            Ok(_) => {}
            Err(e) if listen.required => {
                anyhow::bail!("cannot serve the endpoints on {}: {e}", listen.addr)
            }
            Err(e) => tracing::error!(
                "cannot serve the endpoints on {}: {e}; running without them",
                listen.addr
            ),
        }
    }
    let (updates_tx, updates_rx) = mpsc::channel(64);
    let (inputs, inputs_rx) = Inputs::channel();
    let (control_tx, control_rx) = mpsc::channel(4);
    rt.spawn(hub.run_controlled((updates_rx, inputs_rx, control_rx), views_tx));
    if let Some(sensor) = hardware.motion
        && let Err(e) = watch_motion(sensor, inputs.clone())
    {
        tracing::error!("cannot watch the motion sensor: {e}");
    }
    match feed {
        // A frozen frame has no timeline: only the page changes.
        Feed::Demo { frozen_at: Some(_) } => drop(updates_tx),
        Feed::Demo { frozen_at: None } => {
            rt.spawn(demo::play(updates_tx, clock, telemetry.clone()));
        }
        Feed::Config(loaded) => {
            let feeds = sources::Feeds {
                clock,
                updates: updates_tx,
                telemetry: telemetry.clone(),
            };
            reload::spawn(rt.handle(), &loaded, feeds, control_tx);
        }
        Feed::Setup(s) => {
            setup::watch(rt.handle(), s.watch);
            drop(updates_tx);
        }
    }
    match mode {
        Display::Window(size) => {
            let out = (screen, glass);
            crate::platform::window::run(rt.handle(), views_rx, inputs, size, telemetry, out)
                .context("the display failed")?
        }
        Display::Headless(size) => {
            let out = (screen, glass);
            crate::platform::headless::run(rt.handle(), views_rx, inputs, size, telemetry, out)
                .context("the headless renderer failed")?
        }
    }
    rt.shutdown_timeout(Duration::from_secs(1));
    Ok(ExitCode::SUCCESS)
}

/// The hub for `feed`: live over its sources, or over a frozen demo frame.
fn hub_for(feed: &Feed, nav: Nav, clock: Arc<dyn Clock>) -> Hub {
    let sleep = match feed {
        Feed::Config(l) => l.config.display.sleep_settings(),
        Feed::Demo { frozen_at: None } => demo::sleep(clock.now()),
        Feed::Demo { .. } | Feed::Setup(_) => Default::default(),
    };
    let hub = match feed {
        Feed::Demo {
            frozen_at: Some(at),
        } => Hub::frozen(demo::frame(*at), nav, clock),
        Feed::Demo { frozen_at: None } => {
            Hub::live(Dashboard::new(demo::settings()), demo::rules(), nav, clock)
        }
        Feed::Config(l) => Hub::live(Dashboard::new(l.source_settings()), l.rules(), nav, clock),
        Feed::Setup(s) => Hub::frozen(s.view.clone(), nav, clock),
    };
    hub.with_sleep(sleep)
}

#[cfg(test)]
mod tests {
    use super::log_filter;
    use tracing::Level;

    #[test]
    fn log_filter_takes_levels_and_modules_and_falls_back_to_info() {
        let (t, bad) = log_filter(None);
        assert!(bad.is_none());
        assert!(t.would_enable("piboard", &Level::INFO));
        assert!(!t.would_enable("piboard", &Level::DEBUG));

        let (t, bad) = log_filter(Some("warn,piboard::sources=debug"));
        assert!(bad.is_none());
        assert!(t.would_enable("piboard::sources::proxmox", &Level::DEBUG));
        assert!(!t.would_enable("piboard::server", &Level::INFO));
        assert!(t.would_enable("hyper", &Level::WARN));

        let (t, bad) = log_filter(Some("piboard=loud"));
        assert!(bad.is_some_and(|b| b.contains("piboard=loud")));
        assert!(t.would_enable("piboard", &Level::INFO));
    }
}
