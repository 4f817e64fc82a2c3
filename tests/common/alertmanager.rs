//! Debian's `prometheus-alertmanager` on a free loopback port (no gossip, a
//! temporary storage directory), for tests/alertmanager_real.rs and the
//! endurance run: started, asked whether it is ready, given alerts and
//! silences through its API v2, killed (and reaped) when dropped.

#![allow(dead_code, reason = "each suite uses the part it needs")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use piboard::sources::http::{Tls, client};

use super::wait;

/// Where Debian installs it.
pub const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

/// The server, killed (and reaped) when dropped.
pub struct Running {
    child: Child,
    log: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Running {
    /// Starts it with its config, data and log in `dir`, on a free port.
    pub fn start(dir: &Path) -> Self {
        let port = free_port();
        let config = dir.join("alertmanager.yml");
        std::fs::write(
            &config,
            "route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n",
        )
        .expect("write alertmanager.yml");
        let log = dir.join("alertmanager.log");
        let out = std::fs::File::create(&log).expect("create the log file");
        let err = out.try_clone().expect("clone the log file");
        let child = Command::new(ALERTMANAGER)
            .args([
                format!("--config.file={}", config.display()),
                format!("--storage.path={}", dir.join("data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--cluster.listen-address=".to_owned(),
                "--log.level=warn".to_owned(),
            ])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {ALERTMANAGER}: {e}"));
        Self {
            child,
            log,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits (20 s at most) until `/-/ready` answers 2xx; panics with the
    /// log's tail otherwise.
    pub async fn wait_ready(&self) {
        let ready = format!("{}/-/ready", self.base);
        let http = client(&Tls::System, Duration::from_secs(2)).expect("an HTTP client");
        wait::until(
            Duration::from_secs(20),
            Duration::from_millis(100),
            async || match http.get(&ready).send().await {
                Ok(r) if r.status().is_success() => Ok(()),
                Ok(r) => Err(r.status().to_string()),
                Err(e) => Err(e.to_string()),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("Alertmanager not ready: {e}\n{}", self.log_tail()));
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(15);
        format!("--- alertmanager log ---\n{}", lines[from..].join("\n"))
    }

    /// POSTs `body` to `/api/v2/<what>`; the answer's JSON.
    pub async fn post(&self, what: &str, body: serde_json::Value) -> serde_json::Value {
        let http = client(&Tls::System, Duration::from_secs(5)).expect("an HTTP client");
        let answer = http
            .post(format!("{}/api/v2/{what}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /api/v2/{what}: {e}"));
        let status = answer.status();
        let text = answer.text().await.unwrap_or_default();
        assert!(status.is_success(), "POST /api/v2/{what}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// Expires the silence `id` (`DELETE /api/v2/silence/{id}`).
    pub async fn expire(&self, id: &str) {
        let http = client(&Tls::System, Duration::from_secs(5)).expect("an HTTP client");
        let answer = http
            .delete(format!("{}/api/v2/silence/{id}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("DELETE /api/v2/silence/{id}: {e}"));
        assert!(
            answer.status().is_success(),
            "DELETE /api/v2/silence/{id}: {}",
            answer.status()
        );
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    l.local_addr().expect("bound").port()
}
