//! The real Moonraker (`pip install moonraker`, run without Klipper) on a
//! free loopback port, with its data path in a temporary directory and
//! `klippy_uds_address` pointing at a socket nobody serves, so it reports
//! Klipper `disconnected` and never `ready`.
//!
//! [`binary`] finds it: `PIBOARD_MOONRAKER` (a path) or `moonraker` on
//! `PATH` (CI links `/opt/moonraker/bin/moonraker` there). [`Moonraker`]
//! starts it with an [`Access`], waits until its HTTP server answers,
//! restarts it on the same data path (the API key survives, as it is kept
//! in Moonraker's database) and kills it when dropped, pass or fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use piboard::sources::http::{Tls, client};

use crate::common::wait;

/// The variable naming the `moonraker` executable, when it is not on `PATH`.
pub const BINARY_ENV: &str = "PIBOARD_MOONRAKER";

/// The `moonraker` executable, if there is one.
pub fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(BINARY_ENV) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("moonraker"))
        .find(|p| p.is_file())
}

/// Who Moonraker lets in without credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `trusted_clients: 127.0.0.1`: loopback needs no key.
    Trusted,
    /// No trusted clients: every request needs the API key (or a oneshot
    /// token).
    KeyOnly,
}

/// A running Moonraker, killed (and reaped) when dropped.
pub struct Moonraker {
    binary: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Moonraker {
    /// Starts `binary` on a free loopback port with its files under `dir`,
    /// and waits until it answers HTTP; the time that took is
    /// [`Moonraker::start`]'s second value.
    pub async fn start(binary: &Path, dir: &Path, access: Access) -> (Self, Duration) {
        let mut m = Self {
            binary: binary.to_owned(),
            dir: dir.to_owned(),
            port: free_port(),
            child: None,
        };
        let took = m.restart(access).await;
        (m, took)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops Moonraker if it runs, then starts it again with `access` on the
    /// same port and data path; how long until it answered HTTP.
    pub async fn restart(&mut self, access: Access) -> Duration {
        self.kill();
        let config = self.dir.join("moonraker.conf");
        std::fs::write(&config, config_text(self.port, &self.dir, access))
            .expect("write moonraker.conf");
        let started = Instant::now();
        let child = Command::new(&self.binary)
            .arg("--datapath")
            .arg(self.dir.join("data"))
            .arg("--configfile")
            .arg(&config)
            .arg("--logfile")
            .arg(self.log())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        self.child = Some(child);
        self.until_answering().await;
        started.elapsed()
    }

    /// Waits until `/server/info` gets any HTTP answer (a 401 counts: the
    /// server is up).
    async fn until_answering(&self) {
        let http = client(&Tls::System, Duration::from_secs(2)).expect("an HTTP client");
        let url = format!("{}/server/info", self.base());
        wait::until(
            Duration::from_secs(30),
            Duration::from_millis(50),
            async || match http.get(&url).send().await {
                Ok(r) => Ok(r.status()),
                Err(e) => Err(e.to_string()),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("Moonraker not answering: {e}\n{}", self.log_tail()));
    }

    /// Kills Moonraker (SIGKILL, as a crash or a power cut would).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn log(&self) -> PathBuf {
        self.dir.join("moonraker.log")
    }

    /// The last lines of Moonraker's log, for a failure message.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(20);
        format!("--- moonraker log ---\n{}", lines[from..].join("\n"))
    }
}

impl Drop for Moonraker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Moonraker's configuration: loopback only, Klipper's socket where no
/// Klipper is, the components that reach the network left at their
/// defaults (they fail quietly offline).
fn config_text(port: u16, dir: &Path, access: Access) -> String {
    let trusted = match access {
        Access::Trusted => "trusted_clients:\n  127.0.0.1\n",
        Access::KeyOnly => "",
    };
    format!(
        "[server]\nhost: 127.0.0.1\nport: {port}\nklippy_uds_address: {}\n\n[authorization]\n{trusted}",
        dir.join("no-klippy.sock").display()
    )
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    l.local_addr().expect("bound").port()
}
