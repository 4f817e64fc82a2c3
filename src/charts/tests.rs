//! The charts drawn onto `embedded-graphics`' `MockDisplay` and compared
//! with patterns (one character a pixel: R red, G green, B blue, Y yellow,
//! space for nothing drawn).

use embedded_graphics::mock_display::MockDisplay;
use embedded_graphics::pixelcolor::RgbColor;
use embedded_graphics::prelude::{DrawTargetExt, Point};
use embedded_graphics::primitives::Rectangle;

use super::*;

/// `chart` drawn on a `width` x `height` area of a mock display.
fn drawn(chart: &Chart, width: u32, height: u32) -> MockDisplay<Rgb888> {
    let mut display = MockDisplay::new();
    display.set_allow_overdraw(true);
    let area = Rectangle::new(Point::zero(), Size::new(width, height));
    // Clipped to the area, as the canvas is, then seen as a canvas of its size.
    let Ok(()) = draw(chart, &mut display.clipped(&area).cropped(&area));
    display
}

/// A 1 px chart from 0 to 4 with no inset, so a value v is drawn on row 4 - v.
fn plain<'a>(values: &'a [Option<f32>], rules: Vec<Rule>) -> Chart<'a> {
    Chart {
        min: 0.0,
        max: 4.0,
        series: vec![Series {
            values,
            colour: Rgb888::RED,
        }],
        rules,
        stroke: 1,
        inset: Size::zero(),
    }
}

fn rule(value: f32, style: RuleStyle) -> Rule {
    Rule {
        value,
        colour: Rgb888::BLUE,
        style,
    }
}

#[test]
fn a_line_breaks_at_a_gap_and_lies_over_its_rules() {
    let values = [Some(0.0), Some(1.0), Some(2.0), None, Some(4.0), Some(4.0)];
    let chart = plain(&values, vec![rule(2.0, RuleStyle::Solid)]);
    drawn(&chart, 6, 5).assert_pattern(&[
        "    RR", //
        "      ", "BBRBBB", " R    ", "R     ",
    ]);
}

#[test]
fn a_lone_sample_is_a_short_stroke_and_values_outside_are_clamped() {
    let values = [None, Some(9.0), None, Some(-3.0), None, Some(f32::NAN)];
    drawn(&plain(&values, vec![]), 6, 5).assert_pattern(&[
        "RR    ", // 9 at the top, slot 1: from x = -1 (clipped) to 1
        "      ", "      ", "      ", " RRR  ", // -3 at the bottom, slot 3
    ]);
}

#[test]
fn a_dashed_rule_is_three_on_three_off_inside_the_inset() {
    let mut chart = plain(&[], vec![rule(4.0, RuleStyle::Dashed)]);
    chart.inset = Size::new(1, 0);
    drawn(&chart, 14, 2).assert_pattern(&[
        " BBB   BBB   ", //
    ]);
}

#[test]
fn the_newest_slot_is_at_the_right_edge_and_one_slot_stands_there() {
    let values = [Some(1.0)];
    drawn(&plain(&values, vec![]), 5, 5).assert_pattern(&[
        "     ", //
        "     ", "     ", "  RRR", "     ",
    ]);
}

#[test]
fn a_flat_range_draws_at_the_bottom_not_nowhere() {
    let values = [Some(3.0), Some(3.0)];
    let mut chart = plain(&values, vec![]);
    chart.max = 0.0;
    drawn(&chart, 3, 3).assert_pattern(&["   ", "   ", "RRR"]);
}

const TEMP: TemperatureColours = TemperatureColours {
    grid: Rgb888::BLUE,
    extruder: Rgb888::RED,
    bed: Rgb888::GREEN,
};

#[test]
fn the_temperature_chart_has_its_grid_targets_and_the_nozzle_on_top() {
    let (nozzle, bed) = ([Some(300.0); 4], [Some(300.0); 4]);
    let t = Temperatures {
        extruder: &nozzle,
        bed: &bed,
        extruder_target: Some(150.0),
        bed_target: Some(0.0),
    };
    let chart = temperature(&t, &TEMP);
    assert_eq!(chart.series.last().map(|s| s.colour), Some(Rgb888::RED));
    let values: Vec<(f32, RuleStyle)> = chart.rules.iter().map(|r| (r.value, r.style)).collect();
    // A bed target of 0 is a heater that is off: no rule.
    assert_eq!(
        values,
        [
            (100.0, RuleStyle::Solid),
            (200.0, RuleStyle::Solid),
            (150.0, RuleStyle::Dashed)
        ]
    );
    // 18 px high: rows 3 to 14 are the plot (11 rows of 27.3 °C), 300 °C
    // on row 3, 200 on 7, 150 on 9 (5.5 rounds up), 100 on 10.
    let d = drawn(&chart, 16, 18);
    assert_eq!(d.get_pixel(Point::new(8, 3)), Some(Rgb888::RED));
    assert_eq!(d.get_pixel(Point::new(0, 7)), Some(Rgb888::BLUE), "200 °C");
    assert_eq!(d.get_pixel(Point::new(0, 10)), Some(Rgb888::BLUE), "100 °C");
    assert_eq!(d.get_pixel(Point::new(4, 9)), Some(Rgb888::RED), "target");
    assert_eq!(
        d.get_pixel(Point::new(0, 9)),
        None,
        "targets stay in the plot"
    );
}

#[test]
fn a_sparkline_draws_its_threshold_under_the_line() {
    let values = [Some(1.0), Some(1.0), Some(5.0)];
    let colours = SparklineColours {
        line: Rgb888::GREEN,
        threshold: Rgb888::YELLOW,
    };
    let chart = sparkline(&values, (0.0, 4.0), Some(3.0), &colours);
    assert_eq!(chart.rules.len(), 1);
    let d = drawn(&chart, 20, 9);
    // Plot rows 2..=6: 3.0 is row 3, the clamped 5.0 row 2, 1.0 row 5.
    assert_eq!(d.get_pixel(Point::new(2, 3)), Some(Rgb888::YELLOW));
    assert_eq!(d.get_pixel(Point::new(17, 2)), Some(Rgb888::GREEN));
    assert_eq!(d.get_pixel(Point::new(2, 5)), Some(Rgb888::GREEN));
    assert!(
        sparkline(&values, (0.0, 4.0), None, &colours)
            .rules
            .is_empty()
    );
}

#[test]
fn render_is_deterministic_and_sized_by_the_caller() {
    let (nozzle, bed): (Vec<_>, Vec<_>) = (0..120)
        .map(|i| (Some(20.0 + 2.0 * i as f32), Some(60.0)))
        .unzip();
    let t = Temperatures {
        extruder: &nozzle,
        bed: &bed,
        extruder_target: Some(240.0),
        bed_target: Some(60.0),
    };
    let chart = temperature(&t, &TEMP);
    let a = render(&chart, 230, 44, None);
    assert_eq!(
        (a.width(), a.height(), a.rgba().len()),
        (230, 44, 230 * 44 * 4)
    );
    assert_eq!(a, render(&chart, 230, 44, None));
    let opaque = render(&chart, 230, 44, Some(Rgb888::BLACK));
    assert!(opaque.rgba().chunks(4).all(|p| p[3] == 255));
    assert!(a.rgba().chunks(4).any(|p| p[3] == 0));
}
