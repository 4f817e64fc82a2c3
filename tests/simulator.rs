//! The simulator: the default build's winit window on a real X server (Xvfb).
//! It opens, draws the live demo, counts the frames Slint's backend draws
//! (`platform::window::after_draw`), tells systemd it is ready only after the
//! first one, and serves a screenshot of the window.
//!
//! Needs `Xvfb` (Debian: xvfb). Without it the test says so and passes,
//! unless `PIBOARD_REQUIRE_REAL_SERVERS=1` (exactly "1"), which CI sets.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod common;

use common::notify::NotifySocket;
use common::piboard::Piboard;
use common::wait;

/// An X server on a display number it chose itself; killed when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn xvfb() -> Option<Xvfb> {
    // `-displayfd 1`: Xvfb picks a free display and writes its number to
    // stdout once it accepts connections.
    let spawned = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1024x768x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            assert!(
                !common::require_real_servers(),
                "Xvfb is required here (PIBOARD_REQUIRE_REAL_SERVERS=1): {e}"
            );
            eprintln!("skipped: no Xvfb ({e}); apt-get install xvfb");
            return None;
        }
    };
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    let read = BufReader::new(stdout).read_line(&mut line);
    let number = line.trim();
    if read.is_err() || number.is_empty() {
        let _ = child.kill();
        panic!("Xvfb did not say which display it took");
    }
    Some(Xvfb {
        display: format!(":{number}"),
        child,
    })
}

#[tokio::test]
async fn the_window_draws_counts_its_frames_and_serves_what_it_shows() {
    let Some(x) = xvfb() else { return };
    let notify = NotifySocket::bind(Duration::from_secs(30));

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_piboard"));
    cmd.args(["--demo", "--listen", "127.0.0.1:0"])
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("SLINT_BACKEND")
        .env("NOTIFY_SOCKET", &notify.path)
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .env("PIBOARD_LOG", "info");
    let p = Piboard::spawn(cmd);

    // READY=1 comes only once the first frame is counted as drawn.
    let ready = notify.recv().unwrap_or_else(|e| {
        panic!(
            "no READY=1 within 30 s ({e}); piboard wrote:\n{}",
            p.output()
        )
    });
    assert_eq!(ready, "READY=1");
    assert_eq!(p.health().await, Some(200), "healthy once drawn");
    assert!(p.output().contains("first frame drawn"), "{}", p.output());

    // The live demo changes every 2 s: frames keep being counted and timed.
    let first = p.metric("piboard_frames_drawn_total").await.unwrap_or(0.0);
    assert!(first >= 1.0, "the first frame counts: {first}");
    let counted = wait::until(
        Duration::from_secs(20),
        Duration::from_millis(500),
        async || {
            let now = p.metric("piboard_frames_drawn_total").await.unwrap_or(0.0);
            if now >= first + 2.0 {
                Ok(now)
            } else {
                Err(now)
            }
        },
    )
    .await;
    let now = counted.unwrap_or_else(|now| panic!("frames {first} -> {now} in 20 s"));
    let timed = p
        .metric("piboard_render_duration_seconds_count")
        .await
        .unwrap_or(0.0);
    assert!(
        timed >= now,
        "every counted frame is timed: {timed} < {now}"
    );

    // The screenshot is the window's own pixels: 800x480, not a blank.
    let img = p.screenshot().await;
    assert_eq!(img.dimensions(), (800, 480));
    let mut colours: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 50, "only {} colours", colours.len());
}
