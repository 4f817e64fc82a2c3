//! The Prometheus source against real servers: the Debian packages
//! `prometheus` and `prometheus-blackbox-exporter` on loopback ports, with a
//! 1 s scrape interval, probing an HTTP server this test starts and stops.
//!
//! Asserts, through the library's state and view model, that the service
//! goes up -> down -> up as the test stops and starts its server, that the
//! alert rule's alert shows while it is down, and that the connection-lost
//! overlay appears when Prometheus is stopped and goes when it is back.
//!
//! Without the binaries the test says "skipped" and passes, unless
//! `PIBOARD_REQUIRE_REAL_SERVERS=1` (CI), where it fails. Every process it
//! starts is killed when the test ends, pass or fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::FixedOffset;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use piboard::app::sources::prometheus_settings;
use piboard::config::{self, Loaded};
use piboard::core::ServiceHealth;
use piboard::core::{Clock, Dashboard, Health, Severity, SourceKind, SourceUpdate, SystemClock};
use piboard::sources::{self, prometheus::PrometheusSource};
use piboard::telemetry::Telemetry;
use piboard::view::{self, ViewModel};

mod common;

use common::wait;

const PROMETHEUS: &str = "/usr/bin/prometheus";
const BLACKBOX: &str = "/usr/bin/prometheus-blackbox-exporter";

/// A child process killed (and reaped) when dropped.
struct Running {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Running {
    fn start(name: &'static str, dir: &Path, program: &str, args: &[String]) -> Self {
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("create the log file");
        let err = out.try_clone().expect("clone the log file");
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        Self { name, child, log }
    }

    fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(15);
        format!("--- {} log ---\n{}", self.name, lines[from..].join("\n"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The HTTP server the blackbox exporter probes; stopped means the port is closed.
struct Target {
    port: u16,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Target {
    async fn start(&mut self) {
        let addr = format!("127.0.0.1:{}", self.port);
        let listener = wait::until(
            Duration::from_secs(5),
            Duration::from_millis(100),
            async || TcpListener::bind(&addr).await,
        )
        .await
        .unwrap_or_else(|e| panic!("cannot bind {addr} again: {e}"));
        self.task = Some(tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf).await;
                    let _ = stream
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                        )
                        .await;
                });
            }
        }));
    }

    async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    l.local_addr().expect("bound").port()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a config file");
    path
}

fn prometheus_args(dir: &Path, port: u16) -> Vec<String> {
    vec![
        format!("--config.file={}", dir.join("prometheus.yml").display()),
        format!("--storage.tsdb.path={}", dir.join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--log.level=warn".into(),
    ]
}

/// Feeds the dashboard from the runner until `ok` holds for the view model.
struct Watch {
    dash: Dashboard,
    loaded: Loaded,
    updates: mpsc::Receiver<SourceUpdate>,
    failures_seen: Vec<String>,
}

impl Watch {
    async fn until(
        &mut self,
        what: &str,
        logs: &[&Running],
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
            let update = tokio::time::timeout(left, self.updates.recv()).await;
            match update {
                Ok(Some(u)) => {
                    if let Err(f) = &u.outcome {
                        self.failures_seen.push(f.message.clone());
                    }
                    self.dash.apply(u);
                }
                Ok(None) => panic!("the poller stopped while waiting for {what}"),
                Err(_) => {
                    let logs: Vec<String> = logs.iter().map(|r| r.log_tail()).collect();
                    panic!(
                        "timed out waiting for {what}; last view: services {:?}, overlay {:?}\n{}",
                        vm.services,
                        vm.overlay,
                        logs.join("\n")
                    );
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_and_overlay_follow_real_servers() {
    if !Path::new(PROMETHEUS).exists() || !Path::new(BLACKBOX).exists() {
        assert!(
            !common::require_real_servers(),
            "PIBOARD_REQUIRE_REAL_SERVERS=1 but {PROMETHEUS} or {BLACKBOX} is missing: apt-get install prometheus prometheus-blackbox-exporter"
        );
        eprintln!("skipped: apt-get install prometheus prometheus-blackbox-exporter");
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let (target_port, bb_port, prom_port) = (free_port(), free_port(), free_port());
    let target_url = format!("http://127.0.0.1:{target_port}/");

    write(
        dir,
        "blackbox.yml",
        "modules:\n  http_2xx:\n    prober: http\n    timeout: 800ms\n    http:\n      preferred_ip_protocol: ip4\n",
    );
    write(
        dir,
        "rules.yml",
        "groups:\n- name: piboard-test\n  interval: 1s\n  rules:\n  - alert: ProbeFailed\n    expr: probe_success == 0\n    labels:\n      severity: critical\n    annotations:\n      summary: 'probe of {{ $labels.instance }} failed'\n",
    );
    write(
        dir,
        "prometheus.yml",
        &format!(
            r#"global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ["{rules}"]
scrape_configs:
  - job_name: blackbox
    metrics_path: /probe
    params:
      module: [http_2xx]
    static_configs:
      - targets: ["{target_url}"]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:{bb_port}
"#,
            rules = dir.join("rules.yml").display()
        ),
    );

    let mut target = Target {
        port: target_port,
        task: None,
    };
    target.start().await;
    let blackbox = Running::start(
        "blackbox",
        dir,
        BLACKBOX,
        &[
            format!("--config.file={}", dir.join("blackbox.yml").display()),
            format!("--web.listen-address=127.0.0.1:{bb_port}"),
            "--log.level=warn".into(),
        ],
    );
    let prometheus = Running::start(
        "prometheus",
        dir,
        PROMETHEUS,
        &prometheus_args(dir, prom_port),
    );

    let loaded = config::parse(
        &format!(
            r#"
[prometheus]
url = "http://127.0.0.1:{prom_port}"
timeout_secs = 2
lost_after = 2
job = "blackbox"

[[services]]
name = "Web"
target = "{target_url}"

[[services]]
name = "Ghost"
target = "http://127.0.0.1:1/"

[[tiles]]
name = "Probes up"
query = "sum(probe_success)"

[[tiles]]
name = "Ratio"
query = "0/0"

[[tiles]]
name = "Broken"
query = "sum("
"#
        ),
        &dir.join("piboard.toml"),
    )
    .expect("a valid config");
    let mut settings = prometheus_settings(&loaded).expect("a [prometheus] section");
    settings.interval = Duration::from_millis(500);
    let source = PrometheusSource::new(settings);
    let (tx, rx) = mpsc::channel(16);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let poller = tokio::spawn(sources::run(source, clock, tx, Arc::new(Telemetry::new())));
    let mut watch = Watch {
        dash: Dashboard::new(loaded.source_settings()),
        loaded,
        updates: rx,
        failures_seen: Vec::new(),
    };
    let web = |vm: &ViewModel| vm.services.first().map(|s| s.state);

    // Up, with the tiles as Prometheus computes them.
    let vm = watch
        .until("the service up", &[&prometheus, &blackbox], |vm| {
            web(vm) == Some(ServiceHealth::Up)
        })
        .await;
    let first_up = started.elapsed();
    assert!(!vm.overlay.visible);
    assert_eq!(
        vm.services[1].state,
        ServiceHealth::Unknown,
        "no series is unknown, not down"
    );
    let tile = |vm: &ViewModel, name: &str| {
        vm.tiles
            .iter()
            .find(|t| t.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("no tile {name}"))
    };
    assert_eq!(tile(&vm, "Probes up").value, "1");
    assert_eq!(
        tile(&vm, "Ratio").value,
        "NaN",
        "NaN is shown as such, never 0"
    );
    let broken = tile(&vm, "Broken");
    assert!(
        broken
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("bad query")),
        "{broken:?}"
    );

    // Down, with the alert rule's alert firing.
    target.stop().await;
    let vm = watch
        .until(
            "the service down and its alert",
            &[&prometheus, &blackbox],
            |vm| web(vm) == Some(ServiceHealth::Down) && vm.alerts.count == 1,
        )
        .await;
    assert_eq!(vm.alerts.items[0].name, "ProbeFailed");
    assert_eq!(vm.alerts.items[0].severity, Severity::Critical);
    // `/api/v1/alerts` carries since when it fires and its summary.
    let alert = watch
        .dash
        .prometheus()
        .and_then(|p| p.alerts.first().cloned())
        .expect("the alert is in the core");
    assert_eq!(alert.summary, Some(format!("probe of {target_url} failed")));
    let age = alert.since.map(|t| SystemClock.now() - t);
    assert!(
        age.is_some_and(|a| a >= chrono::TimeDelta::zero() && a < chrono::TimeDelta::seconds(60)),
        "activeAt {:?}",
        alert.since
    );
    assert_eq!(vm.overall.reason.split(" · ").next(), Some("Web down"));
    assert!(!vm.overlay.visible);

    // Up again.
    target.start().await;
    watch
        .until("the service up again", &[&prometheus, &blackbox], |vm| {
            web(vm) == Some(ServiceHealth::Up) && vm.alerts.count == 0
        })
        .await;

    // Prometheus gone: the overlay, with the URL and the reason; the last
    // good data stays on screen.
    prometheus.stop();
    let vm = watch
        .until("the overlay", &[&blackbox], |vm| vm.overlay.visible)
        .await;
    assert_eq!(vm.overlay.url, format!("http://127.0.0.1:{prom_port}"));
    assert_eq!(vm.overlay.reason, "connection refused");
    assert!(
        vm.overlay.data_age.starts_with("Data shown is"),
        "{:?}",
        vm.overlay
    );
    assert_eq!(web(&vm), Some(ServiceHealth::Up));
    let health = watch
        .dash
        .source(SourceKind::Prometheus)
        .map(|s| s.health(SystemClock.now()));
    assert_eq!(health, Some(Health::Lost));

    // Back (same storage): the overlay goes on the first good cycle.
    let prometheus = Running::start(
        "prometheus",
        dir,
        PROMETHEUS,
        &prometheus_args(dir, prom_port),
    );
    let vm = watch
        .until("the overlay gone", &[&prometheus, &blackbox], |vm| {
            !vm.overlay.visible && web(vm) == Some(ServiceHealth::Up)
        })
        .await;
    assert_eq!(vm.sources[0].state, Health::Ok);

    poller.abort();
    target.stop().await;
    drop(prometheus);
    drop(blackbox);
    eprintln!(
        "real-server test: first up after {:.1} s, done in {:.1} s; failures seen: {:?}",
        first_up.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        watch.failures_seen
    );
}
