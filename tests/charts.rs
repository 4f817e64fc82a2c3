//! The charts drawn by `embedded-graphics` (`src/charts/`), whole, against
//! PNG goldens through the one golden comparison (tests/common/golden.rs):
//! the printer's temperature chart and a service's response-time sparkline,
//! with their gaps, rules and clamped values. The images are composited over
//! the panel colour they sit on in the UI. `PIBOARD_BLESS=1` rewrites them.

mod common;

use common::golden::{self, Tolerance};
use image::{Rgb, RgbImage};
use piboard::charts::{
    self, Canvas, Rgb888, SparklineColours, TemperatureColours, Temperatures, Window,
};

/// The theme's colours (ui/theme.slint): the raised panel behind a chart,
/// the border (grid rules), the two heaters, ok and warn.
const PANEL: [u8; 3] = [0x1f, 0x26, 0x30];
const BORDER: Rgb888 = Rgb888::new(0x30, 0x36, 0x3d);
const NOZZLE: Rgb888 = Rgb888::new(0xf0, 0x88, 0x3e);
const BED: Rgb888 = Rgb888::new(0xbc, 0x8c, 0xff);
const OK: Rgb888 = Rgb888::new(0x3f, 0xb9, 0x50);
const WARN: Rgb888 = Rgb888::new(0xe3, 0xa9, 0x2b);

/// The canvas over the panel: drawn pixels are opaque, the rest clear.
fn over_panel(c: &Canvas) -> RgbImage {
    let mut img = RgbImage::new(c.width(), c.height());
    for (dst, px) in img.pixels_mut().zip(c.rgba().chunks_exact(4)) {
        *dst = Rgb(if px[3] == 0 {
            PANEL
        } else {
            [px[0], px[1], px[2]]
        });
    }
    img
}

/// Ten minutes at one sample per 5 s: the nozzle heats from 25 °C to 240
/// and holds, the bed holds 80; the poller missed a minute in the middle.
fn heating() -> (Vec<Option<f32>>, Vec<Option<f32>>) {
    let window = Window {
        end_s: 600,
        step_s: 5,
        count: 120,
    };
    let missed = |t: &i64| !(300..360).contains(t);
    let nozzle = (0..=600i64)
        .step_by(5)
        .filter(missed)
        .map(|t| (t, (25.0 + t as f32 * 0.9).min(240.0)));
    let bed = (0..=600i64).step_by(5).filter(missed).map(|t| (t, 80.0));
    (window.slots(nozzle), window.slots(bed))
}

#[test]
fn the_temperature_chart_matches_its_golden() {
    let (nozzle, bed) = heating();
    let t = Temperatures {
        extruder: &nozzle,
        bed: &bed,
        extruder_target: Some(240.0),
        bed_target: Some(80.0),
    };
    let colours = TemperatureColours {
        grid: BORDER,
        extruder: NOZZLE,
        bed: BED,
    };
    let canvas = charts::render(&charts::temperature(&t, &colours), 230, 44, None);
    if let Err(e) = golden::check("chart-temperature", &over_panel(&canvas), Tolerance::Exact) {
        panic!("{e}");
    }
}

#[test]
fn the_sparkline_matches_its_golden() {
    // An hour at one sample a minute: about 100 ms, a slow spell above the
    // 3 s threshold (drawn clamped at the top, 4 s), then no samples while
    // the service was down.
    let window = Window {
        end_s: 3_600,
        step_s: 60,
        count: 60,
    };
    let samples = (0..=3_600i64).step_by(60).filter_map(|t| match t / 60 {
        20..=24 => Some((t, 3.2 + (t / 60 - 20) as f32 * 0.4)),
        40..=45 => None,
        m => Some((t, 0.1 + (m % 7) as f32 * 0.02)),
    });
    let values = window.slots(samples);
    let colours = SparklineColours {
        line: OK,
        threshold: WARN,
    };
    let chart = charts::sparkline(&values, (0.0, 4.0), Some(3.0), &colours);
    let canvas = charts::render(&chart, 160, 40, None);
    if let Err(e) = golden::check("chart-sparkline", &over_panel(&canvas), Tolerance::Exact) {
        panic!("{e}");
    }
}
