//! The config reload (ARCHITECTURE.md, "Config reload"), in process with
//! the library: a hub, the real sources against loopback fake servers, and
//! the [`Reloader`] reading a config file in a scratch directory. A new
//! service appears; a changed Prometheus URL restarts that source only (the
//! Moonraker task keeps its id and goes on polling); an invalid or vanished
//! file is a banner while the old config keeps polling; a file replaced by
//! rename, as editors do, is picked up by the directory watch. One test
//! runs the debug binary and reloads it with SIGHUP.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::fault_server::{FaultServer, Flavor};
use common::piboard::Piboard;
use common::wait;
use piboard::app::reload::{Change, Reloader, trigger};
use piboard::app::sources::Feeds;
use piboard::config;
use piboard::core::{Clock, Dashboard, Nav, SourceKind, SystemClock};
use piboard::hub::Hub;
use piboard::sources::http::{Tls, client};
use piboard::telemetry::Telemetry;
use piboard::view::ViewModel;
use tokio::sync::{mpsc, watch};

/// The config: Prometheus at `prom` with `services`, Moonraker at `moon`.
fn config_text(prom: &str, moon: &FaultServer, services: &[&str]) -> String {
    let mut text = format!(
        "[prometheus]\nurl = \"{prom}\"\npoll_interval_secs = 5\ntimeout_secs = 1\n\
         [moonraker]\nurl = \"{}\"\npoll_interval_printing_secs = 1\n\
         poll_interval_idle_secs = 1\ntimeout_secs = 1\n",
        moon.url()
    );
    for name in services {
        text.push_str(&format!(
            "[[services]]\nname = \"{name}\"\ntarget = \"http://{name}.lan\"\n"
        ));
    }
    text
}

/// A hub and a reloader over the config at `path`.
struct Rig {
    views: watch::Receiver<Arc<ViewModel>>,
    reloader: Reloader,
}

impl Rig {
    fn start(path: &Path) -> Self {
        let loaded = config::load(path).unwrap_or_else(|e| panic!("{e}"));
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let nav = Nav::new(loaded.nav_settings(), clock.now());
        let dash = Dashboard::new(loaded.source_settings());
        let hub = Hub::live(dash, loaded.rules(), nav, clock.clone());
        let (views_tx, views) = watch::channel(Arc::new(hub.view()));
        let (updates, updates_rx) = mpsc::channel(64);
        let (_inputs, inputs_rx) = mpsc::channel(16);
        let (control, control_rx) = mpsc::channel(4);
        tokio::spawn(hub.run_controlled((updates_rx, inputs_rx, control_rx), views_tx));
        let feeds = Feeds {
            clock,
            updates,
            telemetry: Arc::new(Telemetry::new()),
        };
        let rt = tokio::runtime::Handle::current();
        let reloader = Reloader::start(&rt, &loaded, feeds, control);
        Self { views, reloader }
    }

    /// The id of `kind`'s task.
    fn task(&self, kind: SourceKind) -> tokio::task::Id {
        let tasks = self.reloader.tasks();
        let found = tasks.iter().find(|(k, _)| *k == kind);
        found.map(|(_, id)| *id).expect("the source runs")
    }
}

/// Waits up to `within` for a published view model that `holds`.
async fn view_until(
    views: &watch::Receiver<Arc<ViewModel>>,
    within: Duration,
    holds: impl Fn(&ViewModel) -> bool,
) -> Result<Arc<ViewModel>, Arc<ViewModel>> {
    wait::until(within, Duration::from_millis(10), async || {
        let vm = views.borrow().clone();
        if holds(&vm) { Ok(vm) } else { Err(vm) }
    })
    .await
}

fn names(vm: &ViewModel) -> Vec<String> {
    vm.services.iter().map(|s| s.name.clone()).collect()
}

fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let path = dir.path().join("piboard.toml");
    (dir, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_service_appears_and_a_new_url_restarts_prometheus_only() {
    let prom = FaultServer::start(Flavor::Prometheus, None).await;
    let moved = FaultServer::start(Flavor::Prometheus, None).await;
    let moon = FaultServer::start(Flavor::Moonraker, None).await;
    let (_dir, path) = scratch();
    std::fs::write(&path, config_text(&prom.url(), &moon, &["nas"])).expect("write");
    let mut rig = Rig::start(&path);
    let moon_task = rig.task(SourceKind::Moonraker);

    std::fs::write(&path, config_text(&prom.url(), &moon, &["nas", "plex"])).expect("write");
    let plan = rig.reloader.reload().await.expect("a valid config");
    assert!(
        plan.contains(&(SourceKind::Moonraker, Change::Keep)),
        "{plan:?}"
    );
    let vm = view_until(&rig.views, Duration::from_secs(5), |vm| {
        names(vm) == ["nas", "plex"]
    })
    .await
    .unwrap_or_else(|vm| panic!("plex never appeared: {:?}", names(&vm)));
    assert_eq!(vm.config.banner, "");

    let prom_task = rig.task(SourceKind::Prometheus);
    let moon_before = moon.requests.load(Ordering::SeqCst);
    std::fs::write(&path, config_text(&moved.url(), &moon, &["nas", "plex"])).expect("write");
    let plan = rig.reloader.reload().await.expect("a valid config");
    assert_eq!(
        plan,
        [
            (SourceKind::Prometheus, Change::Restart),
            (SourceKind::Moonraker, Change::Keep)
        ]
    );
    assert_ne!(rig.task(SourceKind::Prometheus), prom_task, "restarted");
    assert_eq!(rig.task(SourceKind::Moonraker), moon_task, "untouched");
    wait::until(
        Duration::from_secs(5),
        Duration::from_millis(20),
        async || {
            let (new, moon_now) = (
                moved.requests.load(Ordering::SeqCst),
                moon.requests.load(Ordering::SeqCst),
            );
            if new > 0 && moon_now > moon_before {
                Ok(())
            } else {
                Err((new, moon_now))
            }
        },
    )
    .await
    .unwrap_or_else(|seen| panic!("the moved Prometheus and Moonraker polled: {seen:?}"));
    let url = |vm: &ViewModel| vm.sources.iter().any(|s| s.url == moved.url());
    view_until(&rig.views, Duration::from_secs(5), url)
        .await
        .unwrap_or_else(|vm| panic!("the sources table kept the old URL: {:?}", vm.sources));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_or_vanished_file_is_a_banner_and_the_old_config_keeps_polling() {
    let prom = FaultServer::start(Flavor::Prometheus, None).await;
    let moon = FaultServer::start(Flavor::Moonraker, None).await;
    let (_dir, path) = scratch();
    let good = config_text(&prom.url(), &moon, &["nas"]);
    std::fs::write(&path, &good).expect("write");
    let mut rig = Rig::start(&path);
    let tasks = rig.reloader.tasks();

    let bad = format!("{good}[[services]]\nname = \"plex\"\n");
    std::fs::write(&path, &bad).expect("write");
    let refusal = rig
        .reloader
        .reload()
        .await
        .expect_err("a service without a target");
    assert!(refusal.key.starts_with("services[1]"), "{refusal:?}");
    let banner = |vm: &ViewModel| {
        vm.config
            .banner
            .starts_with("config not reloaded: services[1]")
    };
    let vm = view_until(&rig.views, Duration::from_secs(5), banner)
        .await
        .unwrap_or_else(|vm| panic!("no banner: {:?}", vm.config));
    assert!(vm.config.banner.contains("line "), "{}", vm.config.banner);
    assert_eq!(names(&vm), ["nas"], "the old services stay");
    assert_eq!(rig.reloader.tasks(), tasks, "no source was touched");
    let before = moon.requests.load(Ordering::SeqCst);
    wait::until(
        Duration::from_secs(5),
        Duration::from_millis(50),
        async || {
            let now = moon.requests.load(Ordering::SeqCst);
            if now > before { Ok(()) } else { Err(now) }
        },
    )
    .await
    .unwrap_or_else(|n| panic!("Moonraker stopped polling at {n} requests"));

    std::fs::remove_file(&path).expect("remove");
    let refusal = rig.reloader.reload().await.expect_err("no file");
    assert!(refusal.message.starts_with("cannot read "), "{refusal:?}");
    let gone = |vm: &ViewModel| vm.config.banner.contains("cannot read ");
    view_until(&rig.views, Duration::from_secs(5), gone)
        .await
        .unwrap_or_else(|vm| panic!("no banner for a vanished file: {:?}", vm.config));

    std::fs::write(&path, &good).expect("write");
    rig.reloader.reload().await.expect("valid again");
    view_until(&rig.views, Duration::from_secs(5), |vm| {
        vm.config.banner.is_empty()
    })
    .await
    .unwrap_or_else(|vm| panic!("the banner stayed: {:?}", vm.config));
    assert_eq!(
        rig.reloader.tasks(),
        tasks,
        "the same config touches nothing"
    );
}

/// Replaces `path` as editors and `sed -i` do: a new file renamed over it.
fn replace_by_rename(path: &Path, text: &str) {
    let tmp = path.with_file_name(".piboard.toml.swp");
    std::fs::write(&tmp, text).expect("write the new file");
    std::fs::rename(&tmp, path).expect("rename it over the config");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_replaced_by_rename_or_written_in_place_is_picked_up() {
    let prom = FaultServer::start(Flavor::Prometheus, None).await;
    let moon = FaultServer::start(Flavor::Moonraker, None).await;
    let (_dir, path) = scratch();
    std::fs::write(&path, config_text(&prom.url(), &moon, &["nas"])).expect("write");
    let rig = Rig::start(&path);
    let (tx, rx) = mpsc::channel(4);
    let watch = trigger::watch_file(&path, tx).expect("watch the directory");
    let views = rig.views.clone();
    tokio::spawn(watch);
    tokio::spawn(rig.reloader.run(rx));

    let mut took = Vec::new();
    for round in 1..=5 {
        let name = format!("svc{round}");
        let text = config_text(&prom.url(), &moon, &["nas", &name]);
        let start = Instant::now();
        if round % 2 == 1 {
            replace_by_rename(&path, &text);
        } else {
            std::fs::write(&path, &text).expect("write in place");
        }
        view_until(&views, Duration::from_secs(5), |vm| {
            names(vm).contains(&name)
        })
        .await
        .unwrap_or_else(|vm| panic!("round {round}: {:?}", names(&vm)));
        took.push(start.elapsed());
    }
    took.sort();
    println!(
        "file write to the new view model: median {:?} (of {:?}), debounce {:?}",
        took[2],
        took,
        trigger::DEBOUNCE
    );
    assert!(took[2] >= trigger::DEBOUNCE, "the debounce is waited for");
}

/// The debug binary, headless, on the config at `path`, polling every 500 ms.
fn start_binary(path: &Path) -> Piboard {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_piboard"));
    cmd.args(["--headless", "--listen", "127.0.0.1:0", "--config"])
        .arg(path)
        .env_remove("NOTIFY_SOCKET")
        .env(piboard::sources::TEST_INTERVAL_ENV, "500")
        .env("PIBOARD_LOG", "info");
    Piboard::spawn(cmd)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_running_binary() {
    let prom = FaultServer::start(Flavor::Prometheus, None).await;
    let moon = FaultServer::start(Flavor::Moonraker, None).await;
    let dir = tempfile::tempdir().expect("a scratch directory");
    // The config is a link to a file elsewhere: editing the target is not
    // seen by the watch on the link's directory, so only SIGHUP reloads.
    let real = tempfile::tempdir().expect("another directory");
    let target = real.path().join("real.toml");
    std::fs::write(&target, config_text(&prom.url(), &moon, &["nas"])).expect("write");
    let link = dir.path().join("piboard.toml");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let p = start_binary(&link);
    let http = client(&Tls::System, Duration::from_secs(5)).expect("an HTTP client");
    let status = async || -> serde_json::Value {
        let r = http.get(p.url("/api/status")).send().await.expect("status");
        r.json().await.expect("JSON")
    };
    let services = |s: &serde_json::Value| -> Vec<String> {
        let list = s["services"].as_array().cloned().unwrap_or_default();
        list.iter()
            .filter_map(|v| v["name"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(services(&status().await), ["nas"]);
    std::fs::write(&target, config_text(&prom.url(), &moon, &["nas", "plex"])).expect("write");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        services(&status().await),
        ["nas"],
        "no reload without SIGHUP"
    );

    let pid = p.pid().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status();
    assert!(kill.is_ok_and(|s| s.success()), "kill -HUP {pid}");
    let seen = wait::until(
        Duration::from_secs(5),
        Duration::from_millis(50),
        async || {
            let s = status().await;
            if services(&s) == ["nas", "plex"] {
                Ok(s)
            } else {
                Err(s)
            }
        },
    )
    .await
    .unwrap_or_else(|s| panic!("SIGHUP did not reload: {:?}", services(&s)));
    assert_eq!(seen["config"]["banner"], "");
    assert_eq!(seen["config"]["needs_restart"], serde_json::json!([]));

    let listen = "[server]\nlisten = \"127.0.0.1:1\"\n";
    let text = format!("{}{listen}", config_text(&prom.url(), &moon, &["nas"]));
    std::fs::write(&target, text).expect("write");
    assert!(
        std::process::Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .is_ok()
    );
    let seen = wait::until(
        Duration::from_secs(5),
        Duration::from_millis(50),
        async || {
            let s = status().await;
            if services(&s) == ["nas"] {
                Ok(s)
            } else {
                Err(s)
            }
        },
    )
    .await
    .unwrap_or_else(|s| panic!("the second SIGHUP: {:?}", services(&s)));
    assert_eq!(
        seen["config"]["needs_restart"],
        serde_json::json!(["server.listen"])
    );
    assert!(
        p.output().contains("need a restart: server.listen"),
        "{}",
        p.output()
    );
}
