//! Golden screenshots of the demo timeline: every state the screen has, at
//! three sizes. Compared exactly on this machine, with the one tolerance for
//! other machines only where the aarch64 binary drew them
//! (tests/common/golden.rs); `PIBOARD_BLESS=1` rewrites them; a failure
//! writes `NAME.actual.png` and `NAME.diff.png` beside the golden for review.

mod common;

use common::golden::{self, Tolerance};
use piboard::core::{Clock, FakeClock, Input, Nav, NavSettings, Page};
use piboard::demo::frame as demo_frame;
use piboard::platform::Offscreen;
use piboard::view::ViewModel;

use Page::{Alerts, Overview, Printer, Proxmox, Services};

/// Name, demo second, page, size.
const CASES: &[(&str, u32, Page, (u32, u32))] = &[
    ("healthy", 10, Overview, (800, 480)),
    ("service-down", 40, Overview, (800, 480)),
    ("node-offline", 60, Overview, (800, 480)),
    ("prometheus-lost", 75, Overview, (800, 480)),
    ("printer-complete", 130, Overview, (800, 480)),
    ("printer-offline", 165, Overview, (800, 480)),
    ("printer-heating", 174, Overview, (800, 480)),
    ("healthy-1024x600", 10, Overview, (1024, 600)),
    ("prometheus-lost-480x320", 75, Overview, (480, 320)),
    ("printer-idle-480x320", 150, Overview, (480, 320)),
    ("page-services-down", 40, Services, (800, 480)),
    ("page-services-lost", 75, Services, (800, 480)),
    ("page-alerts-firing", 40, Alerts, (800, 480)),
    ("page-alerts-none", 10, Alerts, (800, 480)),
    ("page-alerts-lost", 75, Alerts, (800, 480)),
    ("page-proxmox", 10, Proxmox, (800, 480)),
    ("page-proxmox-node-offline", 60, Proxmox, (800, 480)),
    ("page-printer-printing", 40, Printer, (800, 480)),
    ("page-printer-complete", 130, Printer, (800, 480)),
    ("page-printer-offline", 165, Printer, (800, 480)),
    ("page-services-480x320", 40, Services, (480, 320)),
    ("page-proxmox-480x320", 60, Proxmox, (480, 320)),
    ("page-printer-480x320", 40, Printer, (480, 320)),
    ("page-proxmox-1024x600", 60, Proxmox, (1024, 600)),
    ("page-printer-1024x600", 40, Printer, (1024, 600)),
];

/// The demo's frame at `at` on `page`, as `--demo --at N --page NAME`
/// builds it (the page opened without a focus).
fn frame_on(at: u32, page: Page) -> ViewModel {
    let now = FakeClock::default().now();
    let mut nav = Nav::new(NavSettings::default(), now);
    if page != Overview {
        nav.input(Input::Open { page, focus: None }, now);
    }
    demo_frame(at).on_page(&nav)
}

#[test]
fn golden_screenshots() {
    let mut failures = Vec::new();
    for &(name, at, page, (w, h)) in CASES {
        // A fresh window per case: each golden is a first frame, as --screenshot draws it.
        let mut headless = Offscreen::new(w, h).expect("headless renderer");
        let actual = headless.frame(&frame_on(at, page));
        if let Err(e) = golden::check(name, &actual, Tolerance::Exact) {
            failures.push(e);
        }
    }
    assert_no_mismatch(&failures);
}

/// Fails with every golden mismatch listed, when there is any.
fn assert_no_mismatch(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "golden mismatches:\n{}",
        failures.join("\n")
    );
}

/// A page opened at an item (a tapped tile), which `--page` cannot say:
/// the row scrolled into view and framed. Name, demo second, page, focus.
const FOCUSED: &[(&str, u32, Page, &str)] = &[
    ("page-services-focus-last", 40, Services, "SDR Scanner"),
    ("page-proxmox-focus-zotac", 60, Proxmox, "zotac"),
];

#[test]
fn a_page_opened_at_an_item_shows_it_framed_and_in_view() {
    let mut failures = Vec::new();
    for &(name, at, page, focus) in FOCUSED {
        let now = FakeClock::default().now();
        let mut nav = Nav::new(NavSettings::default(), now);
        let focus = Some(focus.to_owned());
        nav.input(Input::Open { page, focus }, now);
        let mut headless = Offscreen::new(800, 480).expect("headless renderer");
        let actual = headless.frame(&demo_frame(at).on_page(&nav));
        if let Err(e) = golden::check(name, &actual, Tolerance::Exact) {
            failures.push(e);
        }
    }
    assert_no_mismatch(&failures);
}

#[test]
fn a_page_whose_data_does_not_change_draws_nothing() {
    for page in [Services, Proxmox, Printer, Alerts] {
        let vm = frame_on(40, page);
        let mut h = Offscreen::new(800, 480).expect("headless renderer");
        assert!(h.render_frame_stats(&vm).drawn, "{page}: the first frame");
        h.show(&vm.clone());
        let again = h.render();
        assert!(!again.drawn, "{page}: an unchanged page redrew: {again:?}");
    }
}

/// A second in the demo's quiet hours (`demo::is_night`) renders the
/// black frame, as `--demo --at 190 --screenshot` does: the `.slint`'s
/// cover over everything, and no simulator line off the simulator.
#[test]
fn a_second_in_the_demo_night_renders_the_black_frame() {
    let vm = demo_frame(190);
    assert_eq!(vm.display.state, "off", "{:?}", vm.display);
    let actual = Offscreen::new(800, 480)
        .expect("headless renderer")
        .frame(&vm);
    assert!(
        actual.pixels().all(|p| p.0 == [0, 0, 0]),
        "an asleep frame shows something"
    );
    if let Err(e) = golden::check("night-asleep", &actual, Tolerance::Exact) {
        panic!("{e}");
    }
}

#[test]
fn frames_are_byte_identical_from_run_to_run() {
    let render = || {
        let mut h = Offscreen::new(800, 480).expect("headless renderer");
        piboard::platform::encode_png(&h.frame(&demo_frame(75))).expect("png")
    };
    assert!(render() == render(), "two renders of the same frame differ");
}

/// Pixels of `a` and `b` (the same size) that differ at all.
fn changed_pixels(a: &image::RgbImage, b: &image::RgbImage) -> u64 {
    golden::compare(a, b, Tolerance::Exact).differing
}

#[test]
fn an_unchanged_view_model_draws_nothing_and_a_change_redraws_only_its_region() {
    const FRAME: u64 = 800 * 480;
    let vm = demo_frame(10);
    let mut h = Offscreen::new(800, 480).expect("headless renderer");
    let first = h.render_frame_stats(&vm);
    assert_eq!((first.drawn, first.dirty_pixels), (true, FRAME));
    let before = h.image();
    // The same view model again: no redraw at all.
    h.show(&vm);
    let again = h.render();
    assert!(!again.drawn, "an unchanged dashboard redrew: {again:?}");
    // One service's response time changes: its tile is redrawn and little
    // else (about 1.3 % of the frame).
    let mut one_tile = vm.clone();
    one_tile.services[0].response_s = Some(0.999);
    one_tile.services[0].detail = "999 ms".to_owned();
    h.show(&one_tile);
    let partial = h.render();
    let after = h.image();
    let fresh = Offscreen::new(800, 480)
        .expect("headless renderer")
        .frame(&one_tile);
    let changed = changed_pixels(&before, &fresh);
    assert!(
        changed > 0,
        "the changed tile looks the same: nothing to redraw"
    );
    assert!(
        partial.drawn && partial.dirty_pixels >= changed && partial.dirty_pixels < FRAME / 20,
        "expected a redraw of at least the {changed} changed pixels and under 5 % of the \
         frame ({} pixels), got {partial:?}",
        FRAME / 20
    );
    // The region covered the whole change: the partly redrawn frame is the
    // frame drawn from scratch.
    let stale = changed_pixels(&after, &fresh);
    assert_eq!(
        stale, 0,
        "{stale} pixels the partial redraw left stale (dirty region {partial:?})"
    );
}

/// The exact comparison sees a single changed digit: one service's response
/// time, 44 ms read as 45 ms, which the other machines' tolerance lets
/// through (about 90 pixels differ by more than its channel difference; it
/// allows 768).
#[test]
fn one_changed_digit_fails_the_exact_comparison() {
    let mut vm = demo_frame(10);
    assert_eq!(vm.services[0].detail, "44 ms", "the demo's first service");
    vm.services[0].detail = "45 ms".to_owned();
    let actual = Offscreen::new(800, 480)
        .expect("headless renderer")
        .frame(&vm);
    let golden = golden::load("healthy").expect("the golden");
    let exact = golden::compare(&golden, &actual, Tolerance::Exact);
    assert!(
        exact.differing > 0 && !exact.matches(),
        "a changed digit passed the exact comparison: {} pixels differ",
        exact.differing
    );
    let loose = golden::compare(&golden, &actual, Tolerance::OtherMachine("digit"));
    eprintln!(
        "one digit: {} pixels differ exactly, {} beyond the other machines' tolerance (allowed {})",
        exact.differing, loose.differing, loose.allowed
    );
}

/// The Pi build draws the same frames: the aarch64 binary, run under
/// qemu-user, renders every golden through `--screenshot`, compared with the
/// other machines' tolerance. Run by tests/pi/check.sh with
/// PIBOARD_AARCH64_BIN set (and PIBOARD_QEMU, default
/// `qemu-aarch64 -L /usr/aarch64-linux-gnu`).
#[test]
#[ignore = "needs PIBOARD_AARCH64_BIN and qemu-user; run by tests/pi/check.sh"]
fn aarch64_binary_matches_goldens_under_qemu() {
    let bin = std::env::var("PIBOARD_AARCH64_BIN").expect("set PIBOARD_AARCH64_BIN");
    let qemu = std::env::var("PIBOARD_QEMU")
        .unwrap_or_else(|_| "qemu-aarch64 -L /usr/aarch64-linux-gnu".to_owned());
    let mut qemu = qemu.split_whitespace();
    let program = qemu.next().expect("PIBOARD_QEMU names a program");
    let qemu_args: Vec<&str> = qemu.collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    for &(name, at, page, (w, h)) in CASES {
        let out = dir.path().join(format!("{name}.png"));
        let status = std::process::Command::new(program)
            .args(&qemu_args)
            .arg(&bin)
            .args([
                "--demo",
                "--at",
                &at.to_string(),
                "--size",
                &format!("{w}x{h}"),
                "--page",
                page.name(),
            ])
            .arg("--screenshot")
            .arg(&out)
            .status()
            .expect("run the aarch64 binary under qemu");
        assert!(status.success(), "{name}: {bin} exited with {status}");
        let actual = image::open(&out).expect("the screenshot").to_rgb8();
        match golden::verify(name, &actual, Tolerance::OtherMachine("aarch64")) {
            Ok(differing) => println!("{name}: {differing} pixels differ, within the tolerance"),
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "aarch64 frames differ from the goldens:\n{}",
        failures.join("\n")
    );
}

/// The frames the aarch64 binary drew through DRM/KMS on an emulated board
/// (QEMU's screendumps, PPMs: the overview, the alerts page opened by a tap,
/// the overview again after a tap on back), each against the golden for the
/// frozen demo second on that page, with the other machines' tolerance. Run
/// by tests/pi/emulated-boot.sh with PIBOARD_EMU_FRAMES set to
/// space-separated `GOLDEN=PATH` pairs.
#[test]
#[ignore = "needs PIBOARD_EMU_FRAMES; run by tests/pi/emulated-boot.sh"]
fn emulated_board_frames_match_goldens() {
    let frames = std::env::var("PIBOARD_EMU_FRAMES").expect("set PIBOARD_EMU_FRAMES");
    let mut failures = Vec::new();
    for pair in frames.split_whitespace() {
        let (name, frame) = pair.split_once('=').expect("GOLDEN=PATH");
        let bytes = std::fs::read(frame).expect("read the screendump");
        let actual = golden::parse_ppm(&bytes).expect("a binary PPM (P6, maxval 255)");
        match golden::verify(name, &actual, Tolerance::OtherMachine("emulated")) {
            Ok(differing) => {
                println!("{frame}: {differing} pixels differ from {name}, within the tolerance")
            }
            Err(e) => failures.push(format!("{frame} on the emulated board: {e}")),
        }
    }
    assert!(!frames.trim().is_empty(), "no frames in PIBOARD_EMU_FRAMES");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
