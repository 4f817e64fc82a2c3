//! The :8080 endpoints, against the real binary running headless: every
//! route, the status schema, the event stream, `promtool check metrics`, the
//! security headers, secrets never leaking, and the page in headless Chromium.
//!
//! `promtool` (Debian: prometheus) and `chromium` are optional: their tests
//! say so and pass when the tool is missing, unless
//! `PIBOARD_REQUIRE_REAL_SERVERS=1`, which CI sets.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use piboard::sources::http::{Tls, client};

mod common;

use common::piboard::Piboard;
use common::wait;

/// Starts `piboard --headless --listen 127.0.0.1:0 ARGS` and waits for the
/// address it logs.
fn start(args: &[&str], env: &[(&str, &str)]) -> Piboard {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_piboard"));
    cmd.args(["--headless", "--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .envs(env.iter().copied())
        .env("PIBOARD_LOG", "debug");
    Piboard::spawn(cmd)
}

fn http() -> reqwest::Client {
    client(&Tls::System, Duration::from_secs(20)).expect("an HTTP client")
}

async fn get(url: &str) -> reqwest::Response {
    http().get(url).send().await.expect("the server answers")
}

/// Waits until `/api/health` says 200 (the first frame is drawn).
async fn wait_healthy(p: &Piboard) {
    let healthy = wait::until(
        Duration::from_secs(20),
        Duration::from_millis(200),
        async || {
            let r = get(&p.url("/api/health")).await;
            if r.status() == 200 {
                return Ok(());
            }
            Err(format!(
                "{} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            ))
        },
    )
    .await;
    if let Err(last) = healthy {
        panic!("not healthy within 20 s: {last}");
    }
}

/// Whether `tool` can run; if not, says so (or fails when it is required).
fn have(tool: &str, package: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found || !common::require_real_servers(),
        "{tool} is missing (apt-get install {package}) and PIBOARD_REQUIRE_REAL_SERVERS=1"
    );
    if !found {
        eprintln!("SKIPPED: {tool} not found (apt-get install {package})");
    }
    found
}

fn assert_security_headers(r: &reqwest::Response) {
    let h = r.headers();
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(get("x-content-type-options"), "nosniff", "{}", r.url());
    assert_eq!(get("x-frame-options"), "DENY", "{}", r.url());
    assert!(
        get("content-security-policy").starts_with("default-src 'self'"),
        "{}: CSP {:?}",
        r.url(),
        get("content-security-policy")
    );
    assert_eq!(get("referrer-policy"), "no-referrer", "{}", r.url());
}

#[tokio::test]
async fn every_endpoint_answers_read_only_with_security_headers() {
    let p = start(&["--demo"], &[]);
    wait_healthy(&p).await;
    for (path, kind) in [
        ("/", "text/html"),
        ("/page.js", "text/javascript"),
        ("/page.css", "text/css"),
        ("/api/health", "application/json"),
        ("/api/status", "application/json"),
        ("/metrics", "text/plain; version=0.0.4"),
        ("/screenshot.png", "image/png"),
    ] {
        let r = get(&p.url(path)).await;
        assert_eq!(r.status(), 200, "GET {path}");
        assert_security_headers(&r);
        let ct = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(ct.starts_with(kind), "GET {path}: content-type {ct}");
        let status = http()
            .post(p.url(path))
            .body("x")
            .send()
            .await
            .expect("answers");
        assert_eq!(status.status(), 405, "POST {path} must be refused");
        let del = http().delete(p.url(path)).send().await.expect("answers");
        assert_eq!(del.status(), 405, "DELETE {path} must be refused");
    }
    assert_eq!(get(&p.url("/nope")).await.status(), 404);

    let health: serde_json::Value = get(&p.url("/api/health")).await.json().await.expect("JSON");
    assert_eq!(health["status"], "ok");
    assert!(health["frames_drawn"].as_u64().is_some_and(|n| n >= 1));

    let shot = p.screenshot().await;
    assert_eq!(shot.dimensions(), (800, 480));
    let first = shot.get_pixel(0, 0);
    assert!(
        shot.pixels().filter(|px| *px != first).count() > 10_000,
        "the screenshot is blank"
    );

    let page = get(&p.url("/")).await.text().await.expect("a body");
    assert!(page.contains("<img id=\"screen\" src=\"/screenshot.png\""));
    assert!(page.contains("<td>Ender 5 Pro</td><td>moonraker</td>"));

    let om = http()
        .get(p.url("/metrics"))
        .header("accept", "application/openmetrics-text; version=1.0.0")
        .send()
        .await
        .expect("answers");
    assert!(
        om.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/openmetrics-text"))
    );
    assert!(om.text().await.expect("a body").ends_with("# EOF\n"));
}

#[tokio::test]
async fn status_has_the_documented_schema() {
    let p = start(&["--demo"], &[]);
    wait_healthy(&p).await;
    let v: serde_json::Value = get(&p.url("/api/status")).await.json().await.expect("JSON");
    for key in piboard::server::status::TOP_LEVEL_KEYS {
        assert!(v.get(key).is_some(), "no `{key}` in {v}");
    }
    assert_eq!(v["schema"], 1);
    assert_eq!(
        v["display"]["state"], "on",
        "the demo is awake in its day loop (its first 180 s)"
    );
    assert_eq!(v["display"]["reason"], "on");
    assert!(
        ["healthy", "degraded", "critical"]
            .contains(&v["overall"]["status"].as_str().unwrap_or(""))
    );
    assert!(v["overall"]["reason"].is_string());
    let sources = v["sources"].as_array().expect("sources is a list");
    assert_eq!(sources.len(), 3, "one entry per configured source");
    for s in sources {
        for key in [
            "name",
            "kind",
            "state",
            "url",
            "last_success",
            "data_age_s",
            "error",
        ] {
            assert!(s.get(key).is_some(), "no sources[].{key} in {s}");
        }
        let state = s["state"].as_str().unwrap_or("");
        assert!(
            ["ok", "stale", "lost", "error", "disabled"].contains(&state),
            "state {state}"
        );
        if let Some(t) = s["last_success"].as_str() {
            chrono::DateTime::parse_from_rfc3339(t).expect("last_success is RFC 3339");
        }
    }
    for key in [
        "visible",
        "source",
        "reason",
        "data_age_s",
        "next_retry_s",
        "heading",
        "footer",
    ] {
        assert!(v["overlay"].get(key).is_some(), "no overlay.{key}");
    }
    for key in [
        "state",
        "klippy_state",
        "filename",
        "progress",
        "eta",
        "temperatures",
        "quoted_message",
        "strip_detail",
        "strip_temperatures",
    ] {
        assert!(v["printer"].get(key).is_some(), "no printer.{key}");
    }
    for key in [
        "services_title",
        "nodes_title",
        "cpu",
        "mem",
        "no_data",
        "no_preview",
        "elapsed",
        "left",
        "eta",
        "chart_caption",
        "back",
    ] {
        assert!(v["labels"][key].is_string(), "no labels.{key}");
    }
    assert!(v["nodes"][0]["status"].is_string(), "no nodes[].status");
    assert!(
        v["cards"]["alerts"]["symbol"].is_boolean(),
        "no card.symbol"
    );
    assert!(v["printer"]["temperatures"]["bed"]["target"].is_number());
    assert!(v["services"].as_array().is_some_and(|s| s.len() == 12));
    assert!(v["nodes"].as_array().is_some_and(|s| s.len() == 5));
}

#[tokio::test]
async fn status_names_the_page_on_the_glass() {
    // A frozen frame navigates too: --page opens it, /api/status says so.
    let p = start(&["--demo", "--at", "40", "--page", "alerts"], &[]);
    wait_healthy(&p).await;
    let v: serde_json::Value = get(&p.url("/api/status")).await.json().await.expect("JSON");
    assert_eq!(v["page"]["name"], "alerts", "{}", v["page"]);
    assert_eq!(v["page"]["title"], "Alerts");
    assert_eq!(v["page"]["focus"], serde_json::Value::Null);
    assert_eq!(v["page"]["scroll"], 0);
    // The words of the page on the glass, as the screen shows them.
    assert_eq!(v["alerts"]["items"][0]["label"], "CRITICAL");
    assert_eq!(v["alerts"]["items"][0]["name"], "ProbeFailed");
    assert_eq!(v["pages"]["alerts"]["empty"], "");
    assert_eq!(v["pages"]["proxmox"]["guests_title"], "GUESTS");
    assert_eq!(v["pages"]["proxmox"]["guests"][0]["kind"], "CT");
    assert!(v["pages"]["printer"]["filament"].is_string());
    assert_eq!(v["pages"]["services"]["focus_row"], serde_json::Value::Null);
}

/// Reads server-sent events until `n` `data:` payloads have arrived.
async fn read_events(r: &mut reqwest::Response, n: usize, within: Duration) -> Vec<String> {
    let deadline = Instant::now() + within;
    let mut buf = String::new();
    let mut events = Vec::new();
    while events.len() < n {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, r.chunk())
            .await
            .unwrap_or_else(|_| panic!("only {} event(s) within {within:?}", events.len()))
            .expect("the stream continues")
            .expect("the stream stays open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            if !data.is_empty() {
                events.push(data.join("\n"));
            }
        }
    }
    events
}

#[tokio::test]
async fn the_event_stream_delivers_a_change() {
    let p = start(&["--demo"], &[]);
    wait_healthy(&p).await;
    let mut r = get(&p.url("/api/events")).await;
    assert_eq!(r.status(), 200);
    assert_security_headers(&r);
    assert!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"))
    );
    // The demo changes its data every 2 s: the first event is the state now,
    // the second a different one.
    let events = read_events(&mut r, 2, Duration::from_secs(10)).await;
    let a: serde_json::Value = serde_json::from_str(&events[0]).expect("JSON");
    let b: serde_json::Value = serde_json::from_str(&events[1]).expect("JSON");
    assert!(a.get("overall").is_some() && b.get("sources").is_some());
    assert_ne!(a, b, "the second event must carry a change");
}

#[tokio::test]
async fn event_streams_are_capped() {
    let p = start(&["--demo"], &[]);
    wait_healthy(&p).await;
    let mut open = Vec::new();
    for _ in 0..piboard::server::MAX_EVENT_STREAMS {
        let r = get(&p.url("/api/events")).await;
        assert_eq!(r.status(), 200);
        open.push(r);
    }
    let refused = get(&p.url("/api/events")).await;
    assert_eq!(refused.status(), 503, "one stream over the cap");
    drop(open);
    // Closed streams free their places (the server notices on its next write).
    let freed = wait::until(
        Duration::from_secs(15),
        Duration::from_millis(300),
        async || match get(&p.url("/api/events")).await.status() {
            reqwest::StatusCode::OK => Ok(()),
            other => Err(other),
        },
    )
    .await;
    if let Err(last) = freed {
        panic!("places never freed within 15 s: still {last}");
    }
}

#[tokio::test]
async fn metrics_name_every_family_and_pass_promtool() {
    let p = start(&["--demo"], &[]);
    wait_healthy(&p).await;
    // Let the demo report a cycle or two.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let text = get(&p.url("/metrics")).await.text().await.expect("a body");
    for family in [
        "piboard_source_up{source=\"prometheus\"}",
        "piboard_poll_duration_seconds_bucket{",
        "piboard_render_duration_seconds_count ",
        "piboard_frames_drawn_total ",
        "piboard_display_state{state=\"on\"} 1",
        "piboard_display_state{state=\"off\"} 0",
        "piboard_build_info{version=\"",
        "process_resident_memory_bytes ",
        "process_cpu_seconds_total ",
    ] {
        assert!(text.contains(family), "no {family} in:\n{text}");
    }
    promtool_check(&text);
}

/// Runs `promtool check metrics` on `text`, if promtool is installed.
fn promtool_check(text: &str) {
    if !have("promtool", "prometheus") {
        return;
    }
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    promtool
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(text.as_bytes())
        .expect("promtool reads");
    let out = promtool.wait_with_output().expect("promtool finishes");
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}\n--- metrics:\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A loopback port with nothing listening.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[tokio::test]
async fn no_secret_appears_in_any_response_or_log_line() {
    let secrets = [
        ("PIBOARD_TEST_PROM_PASSWORD", "Zq7-prom-pass-9f3e1c"),
        ("PIBOARD_TEST_PVE_SECRET", "5e0c2a9b-pve-secret-7d41"),
        ("PIBOARD_TEST_MOON_KEY", "Mk-moon-key-b81f0e33"),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("piboard.toml");
    let (a, b, c) = (closed_port(), closed_port(), closed_port());
    std::fs::write(
        &config,
        format!(
            r#"
[prometheus]
url = "http://127.0.0.1:{a}"
poll_interval_secs = 5
timeout_secs = 1
basic_auth = {{ username = "piboard", password = {{ env = "PIBOARD_TEST_PROM_PASSWORD" }} }}

[proxmox]
endpoints = ["https://127.0.0.1:{b}"]
token_id = "piboard@pve!dashboard"
token_secret = {{ env = "PIBOARD_TEST_PVE_SECRET" }}
poll_interval_secs = 5
timeout_secs = 1

[moonraker]
url = "http://127.0.0.1:{c}"
api_key = {{ env = "PIBOARD_TEST_MOON_KEY" }}
timeout_secs = 1
"#
        ),
    )
    .expect("write the config");
    let config = config.to_str().expect("a UTF-8 temp path");
    let p = start(&["--config", config], &secrets);
    wait_healthy(&p).await;
    // Let every source fail a few times, so failures are logged and shown.
    let failing = wait::until(
        Duration::from_secs(20),
        Duration::from_millis(500),
        async || {
            let v: serde_json::Value = get(&p.url("/api/status")).await.json().await.expect("JSON");
            let failing = v["sources"]
                .as_array()
                .is_some_and(|s| s.len() == 3 && s.iter().all(|s| s["error"].is_string()));
            if failing { Ok(()) } else { Err(v) }
        },
    )
    .await;
    if let Err(last) = failing {
        panic!("sources never failed within 20 s: {last}");
    }
    let mut seen = String::new();
    for path in ["/", "/api/status", "/api/health", "/metrics"] {
        seen.push_str(&get(&p.url(path)).await.text().await.expect("a body"));
    }
    let mut r = get(&p.url("/api/events")).await;
    seen.push_str(
        &read_events(&mut r, 1, Duration::from_secs(10))
            .await
            .join("\n"),
    );
    let png = get(&p.url("/screenshot.png"))
        .await
        .bytes()
        .await
        .expect("a body");
    assert!(png.starts_with(b"\x89PNG"));
    // The failures show in the metrics, which still pass promtool.
    let metrics = get(&p.url("/metrics")).await.text().await.expect("a body");
    for source in ["prometheus", "proxmox", "moonraker"] {
        assert!(metrics.contains(&format!("piboard_source_up{{source=\"{source}\"}} 0")));
        assert!(metrics.contains(&format!(
            "piboard_poll_failures_total{{source=\"{source}\",reason=\""
        )));
    }
    promtool_check(&metrics);
    let logs = p.output();
    assert!(logs.contains("listening on"), "the log was captured");
    for (_, secret) in secrets {
        assert!(!seen.contains(secret), "a response contains {secret}");
        assert!(!logs.contains(secret), "the log contains {secret}:\n{logs}");
        let raw = png.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!raw, "the PNG contains {secret}");
    }
}

#[tokio::test]
async fn the_page_renders_in_headless_chromium() {
    if !have("chromium", "chromium") {
        return;
    }
    let p = start(&["--demo"], &[]);
    wait_healthy(&p).await;
    let url = p.url("/");
    let dom = tokio::task::spawn_blocking(move || {
        Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1000,900",
                "--dump-dom",
                &url,
            ])
            .stderr(Stdio::null())
            .output()
            .expect("chromium runs")
    })
    .await
    .expect("the thread finishes");
    assert!(dom.status.success(), "chromium failed");
    let dom = String::from_utf8_lossy(&dom.stdout);
    // The script (allowed by the CSP) marks the body once the screenshot
    // has loaded with its real size.
    assert!(
        dom.contains("<body data-screen=\"800x480\">"),
        "the screenshot did not load:\n{dom}"
    );
    for name in ["Prometheus", "Proxmox", "Ender 5 Pro"] {
        assert!(
            dom.contains(&format!("<td>{name}</td>")),
            "no row for {name}:\n{dom}"
        );
    }
}

async fn health_json(p: &Piboard) -> serde_json::Value {
    get(&p.url("/api/health")).await.json().await.expect("JSON")
}

#[tokio::test]
async fn an_idle_dashboard_draws_nothing_but_stays_healthy() {
    // A frozen demo frame never changes: after the first frame, no redraws,
    // while the UI loop keeps its heartbeat.
    let p = start(&["--demo", "--at", "75"], &[]);
    wait_healthy(&p).await;
    let before = health_json(&p).await["frames_drawn"].as_u64();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = health_json(&p).await;
    assert_eq!(after["status"], "ok");
    assert!(after["heartbeat_age_s"].as_f64().is_some_and(|a| a < 2.0));
    assert_eq!(before, Some(1), "one frame for a frozen dashboard");
    assert_eq!(
        after["frames_drawn"].as_u64(),
        before,
        "idle must draw nothing"
    );
    // The live /screenshot.png is that frame: the golden image of second 75.
    common::golden::assert_exact("prometheus-lost", &p.screenshot().await);
}

#[tokio::test]
async fn systemd_hears_ready_after_the_first_frame_and_watchdog_pings() {
    let notify = common::notify::NotifySocket::bind(Duration::from_secs(20));
    // WATCHDOG_USEC of 0.4 s: a ping every 0.2 s. systemd also sets
    // WATCHDOG_PID to the service's PID: `exec` keeps the shell's.
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "WATCHDOG_PID=$$ exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_piboard"))
        .args([
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--demo",
            "--at",
            "5",
        ])
        .env("NOTIFY_SOCKET", &notify.path)
        .env("WATCHDOG_USEC", "400000")
        .env("PIBOARD_LOG", "debug");
    let p = Piboard::spawn(cmd);
    let mut messages = Vec::new();
    let started = Instant::now();
    while messages.iter().filter(|m| *m == "WATCHDOG=1").count() < 3 {
        messages.push(notify.recv().expect("a notification within 20 s"));
        assert!(started.elapsed() < Duration::from_secs(20), "{messages:?}");
    }
    assert_eq!(messages[0], "READY=1", "READY comes first: {messages:?}");
    let health = health_json(&p).await;
    assert_eq!(health["status"], "ok", "READY=1 only once drawn");
    assert!(health["frames_drawn"].as_u64().is_some_and(|n| n >= 1));
}
