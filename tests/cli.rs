//! The binary as a person runs it: screenshots, config checks, exit codes.

use std::process::Command;

mod common;

fn piboard() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_piboard"));
    c.env_remove("PIBOARD_CONFIG")
        .env("HOME", "/nonexistent")
        .env_remove("XDG_CONFIG_HOME");
    c
}

#[test]
fn demo_screenshot_matches_the_golden_frame() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.png");
    let status = piboard()
        .args(["--demo", "--at", "75", "--screenshot"])
        .arg(&out)
        .status()
        .expect("runs");
    assert!(status.success());
    let shot = image::open(&out).expect("a PNG").to_rgb8();
    assert_eq!(shot.dimensions(), (800, 480));
    common::golden::assert_exact("prometheus-lost", &shot);
}

#[test]
fn check_config_accepts_the_example_and_rejects_a_broken_file() {
    let ok = piboard()
        .args(["--check-config", "--config", "deploy/piboard.toml"])
        .env("PIBOARD_PROXMOX_TOKEN_SECRET", "s")
        .env("PIBOARD_MOONRAKER_API_KEY", "k")
        .output()
        .expect("runs");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[prometheus]\nurl = \"http://127.0.0.1:9090\"\npoll_interval_secs = 1\n",
    )
    .expect("write");
    let out = piboard()
        .arg("--check-config")
        .arg("--config")
        .arg(&bad)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3")
            && err.contains("prometheus.poll_interval_secs")
            && err.contains("out of range"),
        "{err}"
    );
}

/// `--check-config` and `--screenshot` without a config still exit with 2;
/// a display run shows the setup screen instead (tests/setup.rs).
#[test]
fn without_a_config_it_says_where_it_looked_and_how_to_start_the_demo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shot = dir.path().join("shot.png");
    let runs: [&[&std::ffi::OsStr]; 2] = [
        &["--check-config".as_ref()],
        &["--screenshot".as_ref(), shot.as_os_str()],
    ];
    for args in runs {
        let out = piboard()
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("no config file found") && err.contains("/etc/piboard/piboard.toml"),
            "{err}"
        );
        assert!(err.contains("piboard --demo"), "{err}");
    }
    assert!(!shot.exists());
}

#[test]
fn page_renders_a_screenshot_and_refuses_a_page_without_its_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("page.png");
    let status = piboard()
        .args(["--demo", "--at", "40", "--page", "proxmox", "--screenshot"])
        .arg(&out)
        .status()
        .expect("runs");
    assert!(status.success());
    let shot = image::open(&out).expect("a PNG").to_rgb8();
    assert_eq!(shot.dimensions(), (800, 480));

    let config = dir.path().join("prometheus-only.toml");
    std::fs::write(&config, "[prometheus]\nurl = \"http://127.0.0.1:9090\"\n").expect("write");
    let refused = piboard()
        .arg("--config")
        .arg(&config)
        .args(["--page", "printer", "--screenshot"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("--page printer: no Moonraker source is configured"),
        "{err}"
    );
}
