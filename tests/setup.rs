//! The first boot without a config: the setup screen as goldens (no config,
//! an invalid one; 800x480, 480x320, 1024x600, with fixed addresses), and
//! the real binary run `--headless` with nothing to load: it serves the
//! setup words on /api/status and says "setup" on /api/health, then starts
//! the dashboard on its own once a valid config is written where it looks.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use chrono::{FixedOffset, TimeZone, Utc};
use piboard::platform::Offscreen;
use piboard::view::{SetupFacts, SetupReason, ViewModel, setup::setup};

mod common;
use common::golden::{self, Tolerance};

/// The example Pi: one IPv4 address on the home network and a ULA.
fn addresses() -> Vec<IpAddr> {
    ["192.168.86.131", "fd00::2"]
        .iter()
        .filter_map(|a| a.parse().ok())
        .collect()
}

/// The setup screen for `reason` as the binary builds it, at a fixed time.
fn screen(reason: SetupReason) -> ViewModel {
    let target = Path::new("/etc/piboard/piboard.toml");
    let a = addresses();
    let facts = SetupFacts {
        reason,
        target,
        hostname: "kitchen-pi",
        addresses: &a,
        port: Some(8080),
        check: "piboard: no config file found.",
    };
    let now = Utc
        .with_ymd_and_hms(2026, 11, 21, 9, 41, 0)
        .single()
        .expect("a time");
    let utc = FixedOffset::east_opt(0).expect("an offset");
    ViewModel::setup_screen(setup(&facts), now, utc)
}

/// The error a real broken config gives (a poll interval out of range).
fn invalid() -> SetupReason {
    let text = "[prometheus]\nurl = \"http://192.168.86.20:9090\"\npoll_interval_secs = 1\n";
    let path = Path::new("/etc/piboard/piboard.toml");
    let Err(e) = piboard::config::parse(text, path) else {
        panic!("the broken config loads");
    };
    SetupReason::Invalid {
        error: e.to_string(),
    }
}

#[test]
fn setup_screens_match_their_goldens() {
    let missing = || SetupReason::Missing {
        looked: vec![PathBuf::from("/etc/piboard/piboard.toml")],
    };
    let cases: [(&str, SetupReason, (u32, u32)); 6] = [
        ("setup-missing", missing(), (800, 480)),
        ("setup-missing-480x320", missing(), (480, 320)),
        ("setup-missing-1024x600", missing(), (1024, 600)),
        ("setup-invalid", invalid(), (800, 480)),
        ("setup-invalid-480x320", invalid(), (480, 320)),
        ("setup-invalid-1024x600", invalid(), (1024, 600)),
    ];
    let mut failures = Vec::new();
    for (name, reason, (w, h)) in cases {
        let mut headless = Offscreen::new(w, h).expect("headless renderer");
        let actual = headless.frame(&screen(reason));
        if let Err(e) = golden::check(name, &actual, Tolerance::Exact) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatches:\n{}",
        failures.join("\n")
    );
}

/// The binary with no config anywhere it looks (`PIBOARD_CONFIG`, the
/// working directory, `HOME`, all in an empty temp dir), headless on a free
/// port; every address it announces ("listening on http://...") is sent on
/// the channel, once per start (it re-executes itself with the same PID).
struct Running {
    child: std::process::Child,
    bases: std::sync::mpsc::Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_without_config(dir: &Path, config: &Path) -> Running {
    start(dir, config, &[])
}

/// As [`start_without_config`], with more arguments.
fn start(dir: &Path, config: &Path, args: &[&std::ffi::OsStr]) -> Running {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_piboard"))
        .args(["--headless", "--listen", "127.0.0.1:0"])
        .args(args)
        .current_dir(dir)
        .env("PIBOARD_CONFIG", config)
        .env("HOME", dir)
        .env_remove("XDG_CONFIG_HOME")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("piboard starts");
    let stderr = child.stderr.take().expect("its stderr");
    let (tx, bases) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("piboard: {line}");
            if let Some(at) = line.find("listening on http://") {
                let base = line[at + "listening on ".len()..].trim().to_owned();
                let _ = tx.send(base);
            }
        }
    });
    Running { child, bases }
}

async fn get(url: &str) -> (u16, String) {
    let http = piboard::sources::http::client(
        &piboard::sources::http::Tls::System,
        std::time::Duration::from_secs(5),
    )
    .expect("an HTTP client");
    match http.get(url).send().await {
        Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
        Err(e) => (0, e.to_string()),
    }
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

/// Polls `url` every 100 ms until `done` holds for its JSON, for `secs`.
async fn wait_for(
    url: &str,
    secs: u64,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let v = json(&get(url).await.1);
        if done(&v) || std::time::Instant::now() > until {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn without_a_config_it_serves_the_setup_screen_and_starts_once_one_appears() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("piboard.toml");
    let p = start_without_config(dir.path(), &config);
    let base = p
        .bases
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("it serves its endpoints");

    let health = wait_for(&format!("{base}/api/health"), 20, |v| {
        v["status"] == "setup"
    })
    .await;
    assert_eq!(health["status"], "setup", "{health}");
    let (code, _) = get(&format!("{base}/api/health")).await;
    assert_eq!(code, 503, "setup is not a healthy dashboard");

    let status = json(&get(&format!("{base}/api/status")).await.1);
    let setup = &status["setup"];
    assert_eq!(setup["title"], "No config yet", "{status}");
    let file = config.display().to_string();
    assert!(
        setup["problem"]
            .as_str()
            .is_some_and(|t| t.starts_with("No file at any of: ") && t.contains(&file)),
        "{setup}"
    );
    assert!(
        setup["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(":0/") || u == "port 0, once the Pi has an address"),
        "{setup}"
    );
    assert!(
        setup["command"]
            .as_str()
            .is_some_and(|c| c.starts_with("deploy/deploy.sh pi@"))
    );
    assert!(
        setup["alternative"]
            .as_str()
            .is_some_and(|a| a.contains(&file))
    );
    assert!(
        setup["check"]
            .as_str()
            .is_some_and(|c| c.contains("no config file found"))
    );

    let (code, page) = get(&format!("{base}/")).await;
    assert_eq!(code, 200);
    for words in [
        "No config yet",
        "piboard --check-config",
        "no config file found",
        "[prometheus]",
        "deploy/deploy.sh pi@",
    ] {
        assert!(page.contains(words), "no {words:?} on the page");
    }

    // A valid config appears (written beside, then renamed into place, as
    // an editor or scp does): piboard restarts itself into the dashboard.
    let written = std::time::Instant::now();
    let part = dir.path().join("piboard.toml.part");
    std::fs::write(&part, "[prometheus]\nurl = \"http://127.0.0.1:9\"\n").expect("write");
    std::fs::rename(&part, &config).expect("rename");
    let base = p
        .bases
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("it restarts and serves again");
    let status = wait_for(&format!("{base}/api/status"), 10, |v| {
        v["sources"][0]["kind"] == "prometheus"
    })
    .await;
    eprintln!(
        "the dashboard answered {:?} after the config appeared",
        written.elapsed()
    );
    assert_eq!(status["setup"], serde_json::Value::Null, "{status}");
    assert_eq!(status["sources"][0]["kind"], "prometheus", "{status}");
}

/// As the Pi's unit runs it (`--config FILE`), with a file that does not
/// load: the error on the setup screen, nothing redrawn while nothing
/// changes, a new error shown after the file changes, the dashboard once
/// it is fixed.
#[tokio::test]
async fn an_invalid_given_config_shows_its_error_until_it_is_fixed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("given.toml");
    let replace = |text: &str| {
        let part = dir.path().join("given.toml.part");
        std::fs::write(&part, text).expect("write");
        std::fs::rename(&part, &config).expect("rename");
    };
    replace("[prometheus]\nurl = \"http://127.0.0.1:9\"\npoll_interval_secs = 1\n");
    let p = start(
        dir.path(),
        &config,
        &["--config".as_ref(), config.as_os_str()],
    );
    let base = p
        .bases
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("it serves its endpoints");
    let health = wait_for(&format!("{base}/api/health"), 20, |v| {
        v["status"] == "setup"
    })
    .await;
    let setup = json(&get(&format!("{base}/api/status")).await.1)["setup"].clone();
    assert_eq!(setup["title"], "The config has an error", "{setup}");
    let problem = setup["problem"].as_str().unwrap_or_default().to_owned();
    assert!(
        problem.contains("line 3") && problem.contains("prometheus.poll_interval_secs"),
        "{problem}"
    );
    assert!(
        setup["command"]
            .as_str()
            .is_some_and(|c| c.starts_with("deploy/deploy.sh --force pi@"))
    );

    // Idle: nothing is drawn again while nothing changes.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let later = json(&get(&format!("{base}/api/health")).await.1);
    assert_eq!(
        later["frames_drawn"], health["frames_drawn"],
        "{health} then {later}"
    );

    // Another mistake: the screen shows the new one.
    replace("[prometheus]\nurl = 3\n");
    let base = p
        .bases
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("it restarts on the changed file");
    let v = wait_for(&format!("{base}/api/status"), 10, |v| {
        v["setup"]["problem"]
            .as_str()
            .is_some_and(|t| t.contains("line 2"))
    })
    .await;
    assert!(
        v["setup"]["problem"]
            .as_str()
            .is_some_and(|t| t.contains("line 2")),
        "{v}"
    );

    replace("[prometheus]\nurl = \"http://127.0.0.1:9\"\n");
    let base = p
        .bases
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("it restarts into the dashboard");
    let v = wait_for(&format!("{base}/api/status"), 10, |v| v["setup"].is_null()).await;
    assert_eq!(v["sources"][0]["kind"], "prometheus", "{v}");
}
