//! Golden screenshots of the demo timeline: every state the screen has, at
//! three sizes. Compared with a small tolerance; `PIBOARD_BLESS=1` rewrites
//! them; a failure writes `NAME.actual.png` and `NAME.diff.png` beside the
//! golden for review.

use std::path::PathBuf;

use image::{Rgb, RgbImage};
use piboard::demo::frame as demo_frame;
use piboard::platform::Offscreen;

/// Name, demo second, size.
const CASES: &[(&str, u32, (u32, u32))] = &[
    ("healthy", 10, (800, 480)),
    ("service-down", 40, (800, 480)),
    ("node-offline", 60, (800, 480)),
    ("prometheus-lost", 75, (800, 480)),
    ("printer-complete", 130, (800, 480)),
    ("printer-offline", 165, (800, 480)),
    ("printer-heating", 174, (800, 480)),
    ("healthy-1024x600", 10, (1024, 600)),
    ("prometheus-lost-480x320", 75, (480, 320)),
    ("printer-idle-480x320", 150, (480, 320)),
];

/// A channel differing by more than this counts the pixel as different.
const CHANNEL_TOLERANCE: u8 = 24;
/// At most this fraction of pixels may differ (anti-aliasing across machines).
const PIXEL_TOLERANCE: f64 = 0.002;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Differing pixels, and a review image: the golden dimmed, differences red.
fn compare(golden: &RgbImage, actual: &RgbImage) -> (u64, RgbImage) {
    let mut diff = RgbImage::new(actual.width(), actual.height());
    let mut count = 0;
    for (x, y, a) in actual.enumerate_pixels() {
        let g = golden.get_pixel(x, y);
        let differs =
            a.0.iter()
                .zip(g.0)
                .any(|(p, q)| p.abs_diff(q) > CHANNEL_TOLERANCE);
        if differs {
            count += 1;
            diff.put_pixel(x, y, Rgb([255, 0, 0]));
        } else {
            diff.put_pixel(x, y, Rgb(g.0.map(|c| c / 3)));
        }
    }
    (count, diff)
}

fn check(headless: &mut Offscreen, name: &str, at: u32) -> Result<(), String> {
    let actual = headless.frame(&demo_frame(at));
    let path = golden_dir().join(format!("{name}.png"));
    if std::env::var_os("PIBOARD_BLESS").is_some() {
        actual
            .save(&path)
            .map_err(|e| format!("{name}: cannot bless: {e}"))?;
        return Ok(());
    }
    let golden = image::open(&path)
        .map_err(|e| {
            format!(
                "{name}: no golden at {} ({e}); run with PIBOARD_BLESS=1",
                path.display()
            )
        })?
        .to_rgb8();
    if golden.dimensions() != actual.dimensions() {
        return Err(format!(
            "{name}: size {:?} != golden {:?}",
            actual.dimensions(),
            golden.dimensions()
        ));
    }
    let (count, diff) = compare(&golden, &actual);
    let allowed = (f64::from(actual.width() * actual.height()) * PIXEL_TOLERANCE) as u64;
    if count > allowed {
        let _ = actual.save(golden_dir().join(format!("{name}.actual.png")));
        let _ = diff.save(golden_dir().join(format!("{name}.diff.png")));
        return Err(format!(
            "{name}: {count} pixels differ (allowed {allowed}); see {name}.actual.png and {name}.diff.png"
        ));
    }
    Ok(())
}

#[test]
fn golden_screenshots() {
    let mut failures = Vec::new();
    for &(name, at, (w, h)) in CASES {
        // A fresh window per case: each golden is a first frame, as --screenshot draws it.
        let mut headless = Offscreen::new(w, h).expect("headless renderer");
        if let Err(e) = check(&mut headless, name, at) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatches:\n{}",
        failures.join("\n")
    );
}

#[test]
fn frames_are_byte_identical_from_run_to_run() {
    let render = || {
        let mut h = Offscreen::new(800, 480).expect("headless renderer");
        piboard::platform::encode_png(&h.frame(&demo_frame(75))).expect("png")
    };
    assert!(render() == render(), "two renders of the same frame differ");
}

#[test]
fn an_unchanged_view_model_draws_nothing_and_a_change_redraws_only_its_region() {
    let mut h = Offscreen::new(800, 480).expect("headless renderer");
    let first = h.render_frame_stats(&demo_frame(10));
    assert!(first.drawn);
    // The same view model again: no redraw at all.
    h.show(&demo_frame(10));
    assert!(!h.render().drawn, "an unchanged dashboard redrew");
    // Two seconds later a few values moved: a partial redraw, not the whole frame.
    h.show(&demo_frame(12));
    let partial = h.render();
    assert!(partial.drawn);
    assert!(
        partial.dirty_pixels < 800 * 480,
        "expected a partial redraw, got {partial:?}"
    );
}

/// The Pi build draws the same frames: the aarch64 binary, run under
/// qemu-user, renders every golden through `--screenshot`. Run by
/// tests/pi/check.sh with PIBOARD_AARCH64_BIN set (and PIBOARD_QEMU, default
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
    for &(name, at, (w, h)) in CASES {
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
            ])
            .arg("--screenshot")
            .arg(&out)
            .status()
            .expect("run the aarch64 binary under qemu");
        assert!(status.success(), "{name}: {bin} exited with {status}");
        let actual = image::open(&out).expect("the screenshot").to_rgb8();
        let golden = image::open(golden_dir().join(format!("{name}.png")))
            .expect("the golden")
            .to_rgb8();
        if golden.dimensions() != actual.dimensions() {
            failures.push(format!("{name}: size {:?}", actual.dimensions()));
            continue;
        }
        let (count, _) = compare(&golden, &actual);
        let allowed = (f64::from(w * h) * PIXEL_TOLERANCE) as u64;
        println!("{name}: {count} pixels differ (allowed {allowed})");
        if count > allowed {
            let _ = actual.save(golden_dir().join(format!("{name}.aarch64.actual.png")));
            failures.push(format!("{name}: {count} pixels differ (allowed {allowed})"));
        }
    }
    assert!(
        failures.is_empty(),
        "aarch64 frames differ from the goldens:\n{}",
        failures.join("\n")
    );
}

/// The frame the aarch64 binary drew through DRM/KMS on an emulated board
/// (QEMU's screendump, a PPM), against the golden for the frozen demo second.
/// Run by tests/pi/emulated-boot.sh with PIBOARD_EMU_FRAME and
/// PIBOARD_EMU_GOLDEN (the golden's name) set.
#[test]
#[ignore = "needs PIBOARD_EMU_FRAME; run by tests/pi/emulated-boot.sh"]
fn emulated_board_frame_matches_golden() {
    let frame = std::env::var("PIBOARD_EMU_FRAME").expect("set PIBOARD_EMU_FRAME");
    let name = std::env::var("PIBOARD_EMU_GOLDEN").expect("set PIBOARD_EMU_GOLDEN");
    let bytes = std::fs::read(&frame).expect("read the screendump");
    let actual = parse_ppm(&bytes).expect("a binary PPM (P6, maxval 255)");
    let golden = image::open(golden_dir().join(format!("{name}.png")))
        .expect("the golden")
        .to_rgb8();
    assert_eq!(
        actual.dimensions(),
        golden.dimensions(),
        "{frame}: size differs from {name}.png"
    );
    let (count, diff) = compare(&golden, &actual);
    let (w, h) = actual.dimensions();
    let allowed = (f64::from(w * h) * PIXEL_TOLERANCE) as u64;
    println!("{name}: {count} pixels differ (allowed {allowed})");
    if count > allowed {
        let _ = actual.save(golden_dir().join(format!("{name}.emulated.actual.png")));
        let _ = diff.save(golden_dir().join(format!("{name}.emulated.diff.png")));
    }
    assert!(
        count <= allowed,
        "{name}: {count} pixels differ on the emulated board (allowed {allowed}); \
         see tests/golden/{name}.emulated.*.png"
    );
}

/// A binary PPM ("P6", 8-bit), as QEMU's screendump writes it.
fn parse_ppm(bytes: &[u8]) -> Option<RgbImage> {
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while bytes.get(pos)?.is_ascii_whitespace() {
            pos += 1;
        }
        if bytes[pos] == b'#' {
            while *bytes.get(pos)? != b'\n' {
                pos += 1;
            }
            continue;
        }
        let start = pos;
        while !bytes.get(pos)?.is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..pos]).ok()?);
    }
    let pixels = bytes.get(pos + 1..)?;
    let (w, h): (u32, u32) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
    if fields[0] != "P6" || fields[3] != "255" {
        return None;
    }
    RgbImage::from_raw(w, h, pixels.get(..(w * h * 3) as usize)?.to_vec())
}
