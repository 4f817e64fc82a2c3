//! No key figure is ever cut off on the overview: every text with a number
//! in it ends on the glass, at the three sizes and in every state of the
//! demo's timeline.
//!
//! How it is seen without reading pixels as words: the text's last
//! character is swapped for another and the frame drawn again. A text drawn
//! in full changes where its last character is; one cut off ("16 / 17
//! run…") draws the same ellipsis either way, and the frame stays the same.
//! A swap to a character of another width can move the layout around it
//! (a row of cards sized by their words), which tells nothing: then the
//! next character is tried, until one changes only a glyph's box.

use piboard::demo::frame as demo_frame;
use piboard::platform::Offscreen;
use piboard::view::ViewModel;

/// The sizes the goldens cover: the Waveshare 5", the 7" and the 3.5".
const SIZES: [(u32, u32); 3] = [(800, 480), (1024, 600), (480, 320)];
/// A second of each state of the demo's timeline (src/demo/mod.rs).
const SECONDS: [u32; 7] = [10, 40, 60, 75, 130, 150, 174];

/// Picks the `usize`th of a kind of text out of a view model.
type FieldFn = fn(&mut ViewModel, usize) -> Option<&mut String>;

/// Every text the overview draws at `(w, h)` that holds a figure: the
/// header's reason, the section summaries, the service tiles' response
/// times (not in the small layout's one-line tiles), the nodes' status
/// and meters, each card's headline, the tiles' lines in the tall layout,
/// and the printer strip's heaters (not in the small layout).
fn fields(vm: &ViewModel, (w, h): (u32, u32)) -> Vec<(String, usize, FieldFn)> {
    let small = w < 600 || h < 400;
    let tall = h >= 560;
    let mut out: Vec<(String, usize, FieldFn)> = Vec::new();
    let mut add = |name: &str, i: usize, f: FieldFn| out.push((name.to_owned(), i, f));
    add("header reason", 0, |vm, _| Some(&mut vm.overall.reason));
    add("services summary", 0, |vm, _| {
        Some(&mut vm.summaries.services)
    });
    add("nodes summary", 0, |vm, _| Some(&mut vm.summaries.nodes));
    add("guests", 0, |vm, _| Some(&mut vm.cards.guests.value));
    add("storage", 0, |vm, _| Some(&mut vm.cards.storage.value));
    add("alerts", 0, |vm, _| Some(&mut vm.cards.alerts.value));
    for i in 0..vm.nodes.len() {
        add("node status", i, |vm, i| {
            vm.nodes.get_mut(i).map(|n| &mut n.status)
        });
        add("node cpu", i, |vm, i| {
            vm.nodes.get_mut(i).map(|n| &mut n.cpu_text)
        });
        add("node mem", i, |vm, i| {
            vm.nodes.get_mut(i).map(|n| &mut n.mem_text)
        });
    }
    if small {
        return out;
    }
    for i in 0..vm.services.len() {
        add("service", i, |vm, i| {
            vm.services.get_mut(i).map(|s| &mut s.detail)
        });
    }
    for i in 0..vm.cards.tiles.len() {
        add("tile", i, |vm, i| {
            vm.cards.tiles.get_mut(i).map(|t| &mut t.value)
        });
        if tall {
            add("tile detail", i, |vm, i| {
                vm.cards.tiles.get_mut(i).map(|t| &mut t.detail)
            });
        }
    }
    if vm.printer.compact {
        add("printer heaters", 0, |vm, _| {
            Some(&mut vm.printer.strip_temperatures)
        });
    }
    out
}

/// Characters to swap a text's last one for, some of each width.
const SWAPS: &str = "qdbpnuhoeacsxzkv0123456789CGODQUHNRBEKPSXZ↑↓";

/// `text` with its last character swapped for the `n`th of [`SWAPS`] that
/// differs from it.
fn last_changed(text: &str, n: usize) -> Option<String> {
    let mut t: String = text.to_owned();
    let last = t.pop();
    let swap = SWAPS.chars().filter(|c| Some(*c) != last).nth(n)?;
    t.push(swap);
    Some(t)
}

/// The box around the pixels that differ, as (width, height); `None` when
/// none does.
fn changed_box(a: &image::RgbImage, b: &image::RgbImage) -> Option<(u32, u32)> {
    let mut span: Option<(u32, u32, u32, u32)> = None;
    for (x, y, p) in a.enumerate_pixels() {
        if b.get_pixel(x, y) != p {
            let (x0, y0, x1, y1) = span.unwrap_or((x, y, x, y));
            span = Some((x0.min(x), y0.min(y), x1.max(x), y1.max(y)));
        }
    }
    span.map(|(x0, y0, x1, y1)| (x1 - x0 + 1, y1 - y0 + 1))
}

/// What a glyph's swap changes at most: one character's box.
const GLYPH_BOX: u32 = 40;

/// Whether the end of the text `field` picks is on the glass: `Some(true)`
/// when a swap of its last character changes only that glyph's box,
/// `Some(false)` when a swap that moves nothing changes nothing (an
/// ellipsis), `None` when every swap moved the layout.
fn end_shows(
    screen: &mut Offscreen,
    (vm, before): (&ViewModel, &image::RgbImage),
    i: usize,
    field: FieldFn,
) -> Option<bool> {
    let mut verdict = None;
    for n in 0.. {
        let mut changed = vm.clone();
        let text = field(&mut changed, i)?;
        let Some(swapped) = last_changed(text, n) else {
            break;
        };
        *text = swapped;
        // Every pixel drawn again: what is on the glass, not what the
        // dirty region says changed.
        screen.invalidate();
        let after = screen.frame(&changed);
        match changed_box(before, &after) {
            None => verdict = Some(false),
            Some((w, h)) if w <= GLYPH_BOX && h <= GLYPH_BOX => verdict = Some(true),
            Some(_) => continue,
        }
        break;
    }
    verdict
}

/// `vm` drawn whole.
fn drawn(screen: &mut Offscreen, vm: &ViewModel) -> image::RgbImage {
    screen.invalidate();
    screen.frame(vm)
}

#[test]
fn every_figure_on_the_overview_ends_on_the_glass() {
    let mut cut = Vec::new();
    let mut checked = 0;
    for size in SIZES {
        let mut screen = Offscreen::new(size.0, size.1).expect("headless renderer");
        for at in SECONDS {
            let vm = demo_frame(at);
            let before = drawn(&mut screen, &vm);
            for (name, i, field) in fields(&vm, size) {
                let mut probe = vm.clone();
                let Some(shown) = field(&mut probe, i).cloned() else {
                    continue;
                };
                if !shown.chars().any(|c| c.is_ascii_digit()) {
                    continue;
                }
                checked += 1;
                let verdict = end_shows(&mut screen, (&vm, &before), i, field);
                if verdict != Some(true) {
                    let why = if verdict.is_none() {
                        "no swap kept the layout"
                    } else {
                        "cut off"
                    };
                    cut.push(format!(
                        "{}x{} at {at} s: {name} {i} {shown:?}: {why}",
                        size.0, size.1
                    ));
                }
            }
        }
    }
    assert!(checked > 300, "only {checked} figures checked");
    assert!(cut.is_empty(), "figures cut off:\n{}", cut.join("\n"));
}

/// The check itself sees a cut: the end of a line too long for its card
/// (the card's lines are elided, and do not size it).
#[test]
fn a_figure_too_long_for_its_card_is_seen_cut() {
    let mut screen = Offscreen::new(800, 480).expect("headless renderer");
    let mut vm = demo_frame(40);
    vm.cards.alerts.lines = vec![format!("{} 12", "very ".repeat(40))];
    let line: FieldFn = |vm, _| vm.cards.alerts.lines.first_mut();
    let before = drawn(&mut screen, &vm);
    assert_eq!(end_shows(&mut screen, (&vm, &before), 0, line), Some(false));
    vm.cards.alerts.lines = vec!["12".to_owned()];
    let before = drawn(&mut screen, &vm);
    assert_eq!(end_shows(&mut screen, (&vm, &before), 0, line), Some(true));
}
