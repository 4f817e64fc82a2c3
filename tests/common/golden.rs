//! The one golden comparison: a frame against `tests/golden/NAME.png`.
//!
//! On the machine that made the goldens a frame must be the golden exactly
//! ([`Tolerance::Exact`]: every channel of every pixel equal), since the
//! software renderer draws the same bytes from run to run. Only frames drawn
//! elsewhere, by the aarch64 binary under qemu-user or on the emulated board,
//! are compared with [`Tolerance::OtherMachine`], which forgives a few
//! anti-aliased edges and nothing the size of a digit.
//!
//! `PIBOARD_BLESS=1` makes [`check`] rewrite the goldens of exact comparisons
//! (never from another machine, never through [`verify`]). A mismatch writes `NAME[.TAG].actual.png` and
//! `NAME[.TAG].diff.png` (the golden dimmed, differing pixels red) beside the
//! golden for review.

#![allow(dead_code, reason = "each suite uses the part it needs")]

use std::path::PathBuf;

use image::{Rgb, RgbImage};

/// How closely a frame must match its golden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tolerance {
    /// Every channel of every pixel equal: the machine that made the goldens.
    Exact,
    /// A frame from another build on another (emulated) machine, named by
    /// the tag its review files carry ("aarch64", "emulated"): a pixel
    /// differs only when a channel differs by more than
    /// [`OTHER_MACHINE_CHANNEL`], and at most [`OTHER_MACHINE_PIXELS`] of
    /// the pixels may differ.
    OtherMachine(&'static str),
}

/// A channel of a frame from another machine may be off by this much
/// (anti-aliasing coverage rounded another way).
pub const OTHER_MACHINE_CHANNEL: u8 = 24;
/// The fraction of pixels of a frame from another machine that may differ
/// by more (0.2 %: 768 pixels at 800x480, a few glyph edges).
pub const OTHER_MACHINE_PIXELS: f64 = 0.002;

impl Tolerance {
    /// The largest channel difference that still counts as equal.
    fn channel(self) -> u8 {
        match self {
            Tolerance::Exact => 0,
            Tolerance::OtherMachine(_) => OTHER_MACHINE_CHANNEL,
        }
    }

    /// How many of `pixels` pixels may differ.
    pub fn allowed(self, pixels: u64) -> u64 {
        match self {
            Tolerance::Exact => 0,
            Tolerance::OtherMachine(_) => (pixels as f64 * OTHER_MACHINE_PIXELS) as u64,
        }
    }

    /// The file name of a review image: `NAME.KIND.png` or `NAME.TAG.KIND.png`.
    fn review_name(self, name: &str, kind: &str) -> String {
        match self {
            Tolerance::Exact => format!("{name}.{kind}.png"),
            Tolerance::OtherMachine(tag) => format!("{name}.{tag}.{kind}.png"),
        }
    }
}

/// How a frame compared with its golden.
#[derive(Debug)]
pub struct Comparison {
    /// Pixels that differ beyond the tolerance's channel difference.
    pub differing: u64,
    /// How many may.
    pub allowed: u64,
    /// The golden dimmed, differing pixels red.
    pub diff: RgbImage,
}

impl Comparison {
    pub fn matches(&self) -> bool {
        self.differing <= self.allowed
    }
}

/// `tests/golden/`.
pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The golden `NAME.png`, decoded.
pub fn load(name: &str) -> Result<RgbImage, String> {
    let path = golden_dir().join(format!("{name}.png"));
    image::open(&path).map(|i| i.to_rgb8()).map_err(|e| {
        format!(
            "{name}: no golden at {} ({e}); run with PIBOARD_BLESS=1",
            path.display()
        )
    })
}

/// Compares two frames of the same size.
pub fn compare(golden: &RgbImage, actual: &RgbImage, tolerance: Tolerance) -> Comparison {
    let channel = tolerance.channel();
    let mut diff = RgbImage::new(actual.width(), actual.height());
    let mut differing = 0;
    for (x, y, a) in actual.enumerate_pixels() {
        let g = golden.get_pixel(x, y);
        let differs = a.0.iter().zip(g.0).any(|(p, q)| p.abs_diff(q) > channel);
        if differs {
            differing += 1;
            diff.put_pixel(x, y, Rgb([255, 0, 0]));
        } else {
            diff.put_pixel(x, y, Rgb(g.0.map(|c| c / 3)));
        }
    }
    let pixels = u64::from(actual.width()) * u64::from(actual.height());
    Comparison {
        differing,
        allowed: tolerance.allowed(pixels),
        diff,
    }
}

/// Checks `actual` against the golden `name` (or, for an exact comparison
/// with `PIBOARD_BLESS` set, rewrites the golden); returns how many pixels
/// differ within the tolerance. On a mismatch the review images are written
/// and the error says where.
pub fn check(name: &str, actual: &RgbImage, tolerance: Tolerance) -> Result<u64, String> {
    if tolerance == Tolerance::Exact && std::env::var_os("PIBOARD_BLESS").is_some() {
        let path = golden_dir().join(format!("{name}.png"));
        actual
            .save(&path)
            .map_err(|e| format!("{name}: cannot bless {}: {e}", path.display()))?;
        return Ok(0);
    }
    verify(name, actual, tolerance)
}

/// [`check`] without blessing: for frames that must equal a golden another
/// suite renders (the binary's `--screenshot`, its `/screenshot.png`).
pub fn verify(name: &str, actual: &RgbImage, tolerance: Tolerance) -> Result<u64, String> {
    let golden = load(name)?;
    if golden.dimensions() != actual.dimensions() {
        return Err(format!(
            "{name}: size {:?} != golden {:?}",
            actual.dimensions(),
            golden.dimensions()
        ));
    }
    let c = compare(&golden, actual, tolerance);
    if c.matches() {
        return Ok(c.differing);
    }
    let (actual_name, diff_name) = (
        tolerance.review_name(name, "actual"),
        tolerance.review_name(name, "diff"),
    );
    let _ = actual.save(golden_dir().join(&actual_name));
    let _ = c.diff.save(golden_dir().join(&diff_name));
    Err(format!(
        "{name}: {} pixels differ (allowed {}, {tolerance:?}); see tests/golden/{actual_name} and {diff_name}",
        c.differing, c.allowed
    ))
}

/// Panics unless `actual` is the golden `name` exactly (never blesses).
pub fn assert_exact(name: &str, actual: &RgbImage) {
    if let Err(e) = verify(name, actual, Tolerance::Exact) {
        panic!("{e}");
    }
}

/// A binary PPM ("P6", 8-bit), as QEMU's screendump writes it.
pub fn parse_ppm(bytes: &[u8]) -> Option<RgbImage> {
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while bytes.get(pos)?.is_ascii_whitespace() {
            pos += 1;
        }
        if *bytes.get(pos)? == b'#' {
            while *bytes.get(pos)? != b'\n' {
                pos += 1;
            }
            continue;
        }
        let start = pos;
        while !bytes.get(pos)?.is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(std::str::from_utf8(bytes.get(start..pos)?).ok()?);
    }
    let pixels = bytes.get(pos + 1..)?;
    let (w, h): (u32, u32) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
    if fields[0] != "P6" || fields[3] != "255" {
        return None;
    }
    RgbImage::from_raw(w, h, pixels.get(..(w * h * 3) as usize)?.to_vec())
}
