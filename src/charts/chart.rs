//! One drawing routine for every chart: value lines over slots of time,
//! with horizontal rules (grid lines, a threshold, a target), drawn with
//! `embedded-graphics` primitives onto any `DrawTarget` (the [`Canvas`] on
//! screen, `MockDisplay` in the tests).
//!
//! [`Canvas`]: super::Canvas

use embedded_graphics::Drawable;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::{DrawTarget, Point, Primitive, Size};
use embedded_graphics::primitives::{Line, Polyline, PrimitiveStyle, Rectangle};

/// A series: one value per time slot, oldest first, the newest at the right
/// edge. `None` (or a non-finite value) is a gap: no sample in that slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<'a> {
    pub values: &'a [Option<f32>],
    pub colour: Rgb888,
}

/// How a rule is stroked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleStyle {
    /// Solid, across the whole canvas (grid lines).
    Solid,
    /// Dashed, 3 pixels on and 3 off, across the plot (thresholds, targets).
    Dashed,
}

/// A horizontal line at a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    pub value: f32,
    pub colour: Rgb888,
    pub style: RuleStyle,
}

/// What to draw: series over a value range, with rules under them.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart<'a> {
    /// The value at the plot's bottom edge; lower values are drawn there.
    pub min: f32,
    /// The value at the plot's top edge; higher values are drawn there.
    pub max: f32,
    /// Drawn in order, so the last is on top.
    pub series: Vec<Series<'a>>,
    /// Drawn first, under the series.
    pub rules: Vec<Rule>,
    /// Line width of the series, pixels.
    pub stroke: u32,
    /// Space kept clear of the series at the left and right, and at the top
    /// and bottom, pixels (rules still reach the edges).
    pub inset: Size,
}

/// Draws `chart` onto `target`, over whatever it holds (the background).
pub fn draw<D: DrawTarget<Color = Rgb888>>(chart: &Chart, target: &mut D) -> Result<(), D::Error> {
    let full = target.bounding_box();
    let inset = chart.inset;
    let plot = Rectangle::new(
        full.top_left + Point::new(inset.width as i32, inset.height as i32),
        Size::new(
            full.size.width.saturating_sub(2 * inset.width),
            full.size.height.saturating_sub(2 * inset.height),
        ),
    );
    let scale = Scale {
        plot,
        min: chart.min,
        max: chart.max,
    };
    for rule in &chart.rules {
        draw_rule(rule, &scale, full, target)?;
    }
    for series in &chart.series {
        draw_series(series, chart.stroke, &scale, target)?;
    }
    Ok(())
}

/// From slots and values to pixels inside the plot.
struct Scale {
    plot: Rectangle,
    min: f32,
    max: f32,
}

impl Scale {
    /// The row of `value`, clamped into the plot.
    fn y(&self, value: f32) -> i32 {
        let span = self.max - self.min;
        let f = if span > 0.0 {
            ((value - self.min) / span).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let rows = self.plot.size.height.saturating_sub(1) as f32;
        self.plot.top_left.y + ((1.0 - f) * rows).round() as i32
    }

    /// The column of slot `i` of `n`: the oldest at the left, the newest at
    /// the right edge.
    fn x(&self, i: usize, n: usize) -> i32 {
        let cols = self.plot.size.width.saturating_sub(1) as f32;
        let f = if n > 1 {
            i as f32 / (n - 1) as f32
        } else {
            1.0
        };
        self.plot.top_left.x + (f * cols).round() as i32
    }
}

fn draw_rule<D: DrawTarget<Color = Rgb888>>(
    rule: &Rule,
    scale: &Scale,
    full: Rectangle,
    target: &mut D,
) -> Result<(), D::Error> {
    let y = scale.y(rule.value);
    let style = PrimitiveStyle::with_stroke(rule.colour, 1);
    match rule.style {
        RuleStyle::Solid => {
            let right = full.top_left.x + full.size.width as i32 - 1;
            Line::new(Point::new(full.top_left.x, y), Point::new(right, y))
                .into_styled(style)
                .draw(target)
        }
        RuleStyle::Dashed => {
            let left = scale.plot.top_left.x;
            let right = left + scale.plot.size.width as i32 - 1;
            for x in (left..=right).step_by(6) {
                Line::new(Point::new(x, y), Point::new((x + 2).min(right), y))
                    .into_styled(style)
                    .draw(target)?;
            }
            Ok(())
        }
    }
}

/// Each run of consecutive values is one polyline; a lone value is a short
/// flat stroke ending at its slot, so it shows.
fn draw_series<D: DrawTarget<Color = Rgb888>>(
    series: &Series,
    stroke: u32,
    scale: &Scale,
    target: &mut D,
) -> Result<(), D::Error> {
    let style = PrimitiveStyle::with_stroke(series.colour, stroke);
    let n = series.values.len();
    let mut run: Vec<Point> = Vec::new();
    for (i, v) in series.values.iter().enumerate() {
        match v.filter(|v| v.is_finite()) {
            Some(v) => run.push(Point::new(scale.x(i, n), scale.y(v))),
            None => draw_run(&mut run, style, target)?,
        }
    }
    draw_run(&mut run, style, target)
}

/// Draws and empties one run of points.
fn draw_run<D: DrawTarget<Color = Rgb888>>(
    run: &mut Vec<Point>,
    style: PrimitiveStyle<Rgb888>,
    target: &mut D,
) -> Result<(), D::Error> {
    match run.as_slice() {
        [] => {}
        [p] => Line::new(*p - Point::new(2, 0), *p)
            .into_styled(style)
            .draw(target)?,
        points if style.stroke_width == 1 => {
            Polyline::new(points).into_styled(style).draw(target)?;
        }
        // e-g's thick polyline fills each scanline against every segment;
        // thick lines one segment at a time cost a fraction of that.
        points => {
            for pair in points.windows(2) {
                Line::new(pair[0], pair[1])
                    .into_styled(style)
                    .draw(target)?;
            }
        }
    }
    run.clear();
    Ok(())
}
