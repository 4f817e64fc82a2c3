//! The real binary, run headless with a config, for the reliability tests:
//! start it, find its address, read /api/status, /api/health, /metrics and
//! its /proc figures, kill it on drop.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use piboard::sources::http::{Tls, client};
use serde_json::Value;

use super::fault_server::FaultServer;
use super::wait;

/// The running binary; killed when dropped.
pub struct Piboard {
    child: Child,
    pub base: String,
    output: Arc<Mutex<String>>,
    http: reqwest::Client,
}

/// The config for three fault servers, polled as fast as the config allows
/// (the test-only interval knob makes it faster), each source lost or in
/// error after one failed cycle. `ca_file` holds the CA that signed the TLS
/// servers' certificate.
pub fn config(prom: &FaultServer, pve: &FaultServer, moon: &FaultServer, ca_file: &Path) -> String {
    let ca = ca_file.display();
    let prom_ca = if prom.tls {
        format!("ca_file = \"{ca}\"\n")
    } else {
        String::new()
    };
    format!(
        r#"[prometheus]
url = "{}"
poll_interval_secs = 5
timeout_secs = 1
lost_after = 1
{prom_ca}
# A service and two tiles, so a cycle runs five queries, four at a time, as
# a real config does.
[[services]]
name = "nas"
target = "http://nas.lan:5000"

[[tiles]]
name = "load"
query = "node_load1"

[[tiles]]
name = "mem"
query = "node_memory_MemAvailable_bytes"
unit = "B"

[proxmox]
endpoints = ["{}"]
token_id = "piboard@pve!dashboard"
token_secret = {{ env = "PIBOARD_TEST_PVE_SECRET" }}
poll_interval_secs = 5
timeout_secs = 1
lost_after = 1
ca_file = "{ca}"

[moonraker]
url = "{}"
poll_interval_printing_secs = 1
poll_interval_idle_secs = 1
timeout_secs = 1
lost_after = 1
"#,
        prom.url(),
        pve.url(),
        moon.url()
    )
}

impl Piboard {
    /// Writes `config` into `dir` and starts
    /// `piboard --headless --listen 127.0.0.1:0 --config FILE` with every
    /// source polled every `interval`.
    pub fn start(dir: &Path, config: &str, interval: Duration) -> Self {
        let path = dir.join("piboard.toml");
        std::fs::write(&path, config).expect("write the config");
        Self::spawn(Self::command(&path, interval))
    }

    /// `piboard --headless --listen 127.0.0.1:0 --config PATH`, outside
    /// systemd, logging at `info`, the test Proxmox secret set and every
    /// source polled every `interval`: for [`Piboard::spawn`], once the
    /// caller has added what else it needs.
    pub fn command(config: &Path, interval: Duration) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_piboard"));
        cmd.args(["--headless", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .env(
                "PIBOARD_TEST_PVE_SECRET",
                "5f3c1a2b-0000-4000-8000-123456789abc",
            )
            .env(
                piboard::sources::TEST_INTERVAL_ENV,
                interval.as_millis().to_string(),
            )
            .env("PIBOARD_LOG", "info");
        cmd
    }

    /// Runs `cmd`, which starts piboard with `--listen 127.0.0.1:0`, keeps
    /// the tail of what it writes, and waits for the address it logs.
    pub fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("stderr is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        for (pipe, tx) in [
            (Box::new(stderr) as Box<dyn std::io::Read + Send>, Some(tx)),
            (Box::new(stdout), None),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if let (Some(tx), Some(at)) = (&tx, line.find("listening on http://")) {
                        let addr = line
                            .get(at + "listening on ".len()..)
                            .unwrap_or_default()
                            .trim()
                            .to_owned();
                        let _ = tx.send(addr);
                    }
                    let mut out = output.lock().unwrap_or_else(|e| e.into_inner());
                    // Keep the tail only: a soak logs for a long time.
                    if out.len() > 1 << 20 {
                        let cut = out.len() - (1 << 19);
                        let cut = (cut..out.len())
                            .find(|i| out.is_char_boundary(*i))
                            .unwrap_or(0);
                        out.drain(..cut);
                    }
                    out.push_str(&line);
                    out.push('\n');
                }
            });
        }
        let Ok(base) = rx.recv_timeout(Duration::from_secs(30)) else {
            let _ = child.kill();
            let out = output.lock().unwrap_or_else(|e| e.into_inner()).clone();
            panic!("piboard did not log its address within 30 s; it wrote:\n{out}");
        };
        Self {
            child,
            base,
            output,
            http: client(&Tls::System, Duration::from_secs(5)).expect("an HTTP client"),
        }
    }

    /// The full URL of `path` on the running server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub async fn health(&self) -> Option<u16> {
        let r = self
            .http
            .get(format!("{}/api/health", self.base))
            .send()
            .await
            .ok()?;
        Some(r.status().as_u16())
    }

    /// `/api/status` → name → (state, error).
    pub async fn sources(&self) -> Option<Vec<(String, String, Option<String>)>> {
        let r = self
            .http
            .get(format!("{}/api/status", self.base))
            .send()
            .await
            .ok()?;
        let v: Value = r.json().await.ok()?;
        let list = v.get("sources")?.as_array()?;
        Some(
            list.iter()
                .map(|s| {
                    let kind = s
                        .get("kind")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_owned();
                    let state = s
                        .get("state")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_owned();
                    let error = s.get("error").and_then(Value::as_str).map(str::to_owned);
                    (kind, state, error)
                })
                .collect(),
        )
    }

    /// `/screenshot.png`, decoded.
    pub async fn screenshot(&self) -> image::RgbImage {
        let png = self
            .http
            .get(format!("{}/screenshot.png", self.base))
            .send()
            .await
            .expect("the server answers")
            .bytes()
            .await
            .expect("a body");
        image::load_from_memory(&png).expect("a PNG").to_rgb8()
    }

    /// One sample of a metric from /metrics (the first line with this name).
    pub async fn metric(&self, name: &str) -> Option<f64> {
        let r = self
            .http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .ok()?;
        let text = r.text().await.ok()?;
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .find(|l| {
                l.starts_with(name)
                    && l.get(name.len()..name.len() + 1)
                        .is_some_and(|c| c == " " || c == "{")
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    /// Resident memory (bytes), threads and open descriptors, from /proc.
    /// Panics, naming the file, when a figure cannot be read: a bound
    /// checked against a figure that was never measured proves nothing.
    pub fn proc_figures(&self) -> ProcFigures {
        ProcFigures::read(self.pid()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The process's figures at rest: sampled every 50 ms for `over` (a
    /// poll interval or more), with the fewest descriptors and threads seen,
    /// so that a poll's connections and a blocking thread in flight at one
    /// instant do not count as growth; the memory of the last sample.
    pub async fn at_rest(&self, over: Duration) -> ProcFigures {
        let mut rest = self.proc_figures();
        let until = Instant::now() + over;
        while Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let now = self.proc_figures();
            rest = ProcFigures {
                fds: rest.fds.min(now.fds),
                threads: rest.threads.min(now.threads),
                ..now
            };
        }
        rest
    }

    /// Waits until `/api/status` lists three sources, all `ok`; returns how
    /// long that took.
    pub async fn wait_all_ok(&self, within: Duration) -> Duration {
        let start = Instant::now();
        let all_ok = wait::until(within, Duration::from_millis(100), async || {
            let sources = self.sources().await.unwrap_or_default();
            if sources.len() == 3 && sources.iter().all(|s| s.1 == "ok") {
                Ok(())
            } else {
                Err(sources)
            }
        })
        .await;
        if let Err(last) = all_ok {
            panic!(
                "not all sources ok within {within:?}: {last:?}\n{}",
                self.output()
            );
        }
        start.elapsed()
    }
}

/// A process's resident memory, threads and open descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcFigures {
    pub rss: u64,
    /// The highest RSS so far.
    pub hwm: u64,
    pub threads: u64,
    pub fds: u64,
}

impl ProcFigures {
    /// Reads `/proc/PID/status` and counts `/proc/PID/fd`; an unreadable
    /// file or a missing or unparsable field is an error naming the file.
    pub fn read(pid: u32) -> Result<Self, String> {
        let status_path = format!("/proc/{pid}/status");
        let status = std::fs::read_to_string(&status_path)
            .map_err(|e| format!("cannot read {status_path}: {e}"))?;
        let fd_path = format!("/proc/{pid}/fd");
        let fds = std::fs::read_dir(&fd_path)
            .map_err(|e| format!("cannot list {fd_path}: {e}"))?
            .count() as u64;
        Self::parse(&status, fds).map_err(|e| format!("{status_path}: {e}"))
    }

    /// The figures in the text of a `/proc/PID/status` file, with `fds`
    /// open descriptors.
    pub fn parse(status: &str, fds: u64) -> Result<Self, String> {
        let field = |name: &str| -> Result<u64, String> {
            let line = status
                .lines()
                .find(|l| l.starts_with(name))
                .ok_or_else(|| format!("no `{name}` line"))?;
            line.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("cannot read a number in {line:?}"))
        };
        Ok(Self {
            rss: field("VmRSS:")? * 1024,
            hwm: field("VmHWM:")? * 1024,
            threads: field("Threads:")?,
            fds,
        })
    }

    /// The larger of each figure.
    pub fn max(self, other: ProcFigures) -> ProcFigures {
        ProcFigures {
            rss: self.rss.max(other.rss),
            hwm: self.hwm.max(other.hwm),
            threads: self.threads.max(other.threads),
            fds: self.fds.max(other.fds),
        }
    }

    /// Asserts that descriptors and threads grew by at most the slack
    /// between `start` and `self` (the end of a run).
    pub fn assert_no_growth(&self, start: &ProcFigures, fd_slack: u64, thread_slack: u64) {
        assert!(
            self.fds <= start.fds + fd_slack,
            "descriptors grew: {} -> {}",
            start.fds,
            self.fds
        );
        assert!(
            self.threads <= start.threads + thread_slack,
            "threads grew: {} -> {}",
            start.threads,
            self.threads
        );
    }
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

impl Drop for Piboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
