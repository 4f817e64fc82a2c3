//! The Pi's touch rotation: deploy/setup-pi.sh writes libinput's calibration
//! matrix for `[display] rotation`; here each matrix is checked against the
//! rotation Slint's software renderer applies to the picture, so a touch
//! lands on what is drawn under the finger.

use std::process::Command;

/// Where Slint's renderer draws window point (u, v) on the panel, both
/// normalised to 0..1: i-slint-renderer-software's `RenderingRotation`
/// (Rotate90 mirrors y then transposes: "90° to the right", clockwise).
fn panel_point(rotation: u16, (u, v): (f64, f64)) -> (f64, f64) {
    match rotation {
        0 => (u, v),
        90 => (1.0 - v, u),
        180 => (1.0 - u, 1.0 - v),
        270 => (v, 1.0 - u),
        other => panic!("no rotation {other}"),
    }
}

/// The matrix the setup script writes for `rotation` (and `calibration`).
fn script_matrix(rotation: u16, calibration: Option<&str>) -> [f64; 6] {
    let root = tempfile::tempdir().expect("temp root");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/setup-pi.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(script)
        .args(["--dry-run", "--rotation", &rotation.to_string()])
        .env("PIBOARD_ROOT", root.path());
    if let Some(c) = calibration {
        cmd.args(["--calibration", c]);
    }
    let out = cmd.output().expect("run setup-pi.sh");
    assert!(out.status.success(), "setup-pi.sh failed: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(rule) = text
        .lines()
        .find(|l| l.contains("LIBINPUT_CALIBRATION_MATRIX"))
    else {
        panic!("no udev rule in:\n{text}");
    };
    let values = rule
        .rsplit("LIBINPUT_CALIBRATION_MATRIX}=\"")
        .next()
        .and_then(|s| s.split('"').next())
        .expect("quoted matrix");
    let numbers: Vec<f64> = values
        .split_whitespace()
        .map(|n| n.parse().expect("a number"))
        .collect();
    numbers.try_into().expect("six numbers")
}

fn apply(m: &[f64; 6], (x, y): (f64, f64)) -> (f64, f64) {
    (m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5])
}

const POINTS: [(f64, f64); 5] = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.25, 0.75)];

#[test]
fn touch_lands_where_the_rotated_picture_is() {
    for rotation in [0, 90, 180, 270] {
        let m = script_matrix(rotation, None);
        for p in POINTS {
            let touched = apply(&m, panel_point(rotation, p));
            assert!(
                (touched.0 - p.0).abs() < 1e-9 && (touched.1 - p.1).abs() < 1e-9,
                "rotation {rotation}: window point {p:?} drawn at {:?} reads back as {touched:?}",
                panel_point(rotation, p)
            );
        }
    }
}

#[test]
fn a_calibration_applies_before_the_rotation() {
    // A panel whose touch reads x squeezed into 0.1..0.9 and y shifted by 0.05.
    let calibration = [1.25, 0.0, -0.125, 0.0, 1.0, -0.05];
    let cal_text = calibration.map(|c| c.to_string()).join(" ");
    let raw = |(x, y): (f64, f64)| (0.1 + 0.8 * x, y + 0.05);
    for rotation in [0, 90, 180, 270] {
        let m = script_matrix(rotation, Some(&cal_text));
        for p in POINTS {
            let touched = apply(&m, raw(panel_point(rotation, p)));
            assert!(
                (touched.0 - p.0).abs() < 1e-6 && (touched.1 - p.1).abs() < 1e-6,
                "rotation {rotation}: {p:?} reads back as {touched:?}"
            );
        }
    }
}

#[test]
fn a_bad_rotation_is_refused() {
    let root = tempfile::tempdir().expect("temp root");
    let out = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/setup-pi.sh"))
        .args(["--dry-run", "--rotation", "45"])
        .env("PIBOARD_ROOT", root.path())
        .output()
        .expect("run setup-pi.sh");
    assert_eq!(out.status.code(), Some(2));
}
