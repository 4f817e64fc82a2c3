//! Touch through the real event path, in process: synthetic pointer events
//! dispatched to the offscreen dashboard (`platform::input::tap`, what
//! Slint's backends do with a touch or a click) reach a target, which sends
//! an `Input` on the hub's channel; the hub, with a fake clock, puts the page
//! in the view model, the window shows it, and the idle timer brings the
//! overview back when nobody touches.
//!
//! The coordinates are those of the frozen demo at second 40, 800x480 (the
//! `service-down` golden): a tap on a target's middle.

use std::sync::Arc;
use std::time::Duration;

use piboard::core::{Clock, FakeClock, Input, Nav, NavSettings, Page};
use piboard::demo::frame as demo_frame;
use piboard::hub::Hub;
use piboard::platform::Offscreen;
use piboard::platform::input::{self, Inputs};
use slint::ComponentHandle;
use tokio::sync::mpsc::Receiver;

/// The header, beside every target.
const HEADER: (f32, f32) = (500.0, 26.0);
/// The node tile of tower1, the fourth of five.
const TOWER1: (f32, f32) = (378.0, 282.0);
/// A page's back button.
const BACK: (f32, f32) = (60.0, 84.0);

/// The inputs waiting on the hub's channel.
fn drain(rx: &mut Receiver<Input>) -> Vec<Input> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// The offscreen dashboard at 800x480 showing the frozen demo, its taps
/// going to `inputs`.
fn dashboard(inputs: Inputs) -> Offscreen {
    let mut screen = Offscreen::new(800, 480).expect("the offscreen renderer");
    screen.frame(&demo_frame(40));
    input::connect(screen.ui(), inputs);
    screen
}

fn open(page: Page, focus: Option<&str>) -> Input {
    Input::Open {
        page,
        focus: focus.map(str::to_owned),
    }
}

#[test]
fn a_tap_beside_every_target_reaches_the_hub_as_a_touch() {
    let (inputs, mut rx) = Inputs::channel();
    let screen = dashboard(inputs);
    screen.tap(HEADER.0, HEADER.1);
    assert_eq!(drain(&mut rx), [Input::Touch]);
    // The screen's centre, where tests/pi/emulated_boot.py taps and waits
    // for the "tap x=.. y=.." line: the node row's title, beside every target.
    screen.tap(400.0, 240.0);
    assert_eq!(drain(&mut rx), [Input::Touch]);
    // A finger dragged across the header is someone using the screen too.
    input::drag(screen.ui().window(), (300.0, 20.0), (600.0, 30.0), 8);
    assert_eq!(drain(&mut rx), [Input::Touch]);
}

#[test]
fn every_overview_panel_opens_its_page() {
    let (inputs, mut rx) = Inputs::channel();
    let screen = dashboard(inputs);
    let cases = [
        (
            "a service tile",
            (337.0, 100.0),
            open(Page::Services, Some("Overseerr")),
        ),
        ("a node tile", TOWER1, open(Page::Proxmox, Some("tower1"))),
        ("the guests card", (60.0, 355.0), open(Page::Proxmox, None)),
        (
            "the storage card",
            (225.0, 355.0),
            open(Page::Proxmox, None),
        ),
        ("the alerts card", (430.0, 355.0), open(Page::Alerts, None)),
        (
            "the printer panel",
            (670.0, 200.0),
            open(Page::Printer, None),
        ),
    ];
    for (what, (x, y), expected) in cases {
        screen.tap(x, y);
        assert_eq!(drain(&mut rx), [expected], "a tap on {what} at ({x}, {y})");
    }
    // The gap between two rows of service tiles (y 122 to 128) belongs to
    // the tiles beside it: no dead strip.
    screen.tap(337.0, 125.0);
    let got = drain(&mut rx);
    assert!(
        matches!(
            got.as_slice(),
            [Input::Open {
                page: Page::Services,
                focus: Some(_)
            }]
        ),
        "the gap under a tile is a target: {got:?}"
    );
}

#[test]
fn a_tap_on_a_node_opens_its_page_back_returns_and_the_idle_timer_brings_the_overview_back() {
    let (inputs, mut rx) = Inputs::channel();
    let mut screen = dashboard(inputs);
    let clock = FakeClock::default();
    let nav = Nav::new(NavSettings::default(), clock.now());
    let mut hub = Hub::frozen(demo_frame(40), nav, Arc::new(clock.clone()));
    // What the hub's loop and the UI loop do with each input on the channel:
    // apply it, and show the view model that comes back.
    let mut deliver = |hub: &mut Hub, screen: &mut Offscreen| {
        let applied: Vec<_> = drain(&mut rx)
            .into_iter()
            .map(|i| (hub.input(i.clone()), i))
            .collect();
        screen.frame(&hub.view());
        applied
    };

    screen.tap(TOWER1.0, TOWER1.1);
    let tower1 = open(Page::Proxmox, Some("tower1"));
    assert_eq!(deliver(&mut hub, &mut screen), [(true, tower1)]);
    let page = hub.view().page;
    assert_eq!(
        (page.name, page.focus.as_deref()),
        (Page::Proxmox, Some("tower1"))
    );
    // The page marks tower1, the fourth node, as the one it opened at.
    assert_eq!(hub.view().pages.proxmox.focus_row, Some(3));

    // On the page, the header is still beside every target; the back
    // button brings the overview.
    screen.tap(HEADER.0, HEADER.1);
    assert_eq!(deliver(&mut hub, &mut screen), [(false, Input::Touch)]);
    screen.tap(BACK.0, BACK.1);
    assert_eq!(deliver(&mut hub, &mut screen), [(true, Input::Back)]);
    assert_eq!(hub.view().page.name, Page::Overview);

    // Open again, then nobody touches: 60 s later the overview is back.
    screen.tap(TOWER1.0, TOWER1.1);
    assert_eq!(deliver(&mut hub, &mut screen).len(), 1);
    clock.advance(Duration::from_secs(59));
    assert!(!hub.tick());
    // A touch on the page restarts the idle timer.
    screen.tap(HEADER.0, HEADER.1);
    assert_eq!(deliver(&mut hub, &mut screen), [(false, Input::Touch)]);
    clock.advance(Duration::from_secs(59));
    assert!(!hub.tick(), "59 s after the touch");
    assert_eq!(hub.view().page.name, Page::Proxmox);
    clock.advance(Duration::from_secs(1));
    assert!(hub.tick());
    assert_eq!(hub.view().page.name, Page::Overview);
    // The window follows: the node tile is a target again.
    screen.frame(&hub.view());
    screen.tap(TOWER1.0, TOWER1.1);
    assert_eq!(deliver(&mut hub, &mut screen).len(), 1);
    assert_eq!(hub.view().page.name, Page::Proxmox);
}

#[test]
fn a_drag_scrolls_a_long_page_and_counts_as_one_touch() {
    let (inputs, mut rx) = Inputs::channel();
    let mut screen = dashboard(inputs);
    let clock = FakeClock::default();
    let nav = Nav::new(NavSettings::default(), clock.now());
    let mut hub = Hub::frozen(demo_frame(40), nav, Arc::new(clock));
    // The services page (twelve 52 px rows, six in view), from the first tile.
    screen.tap(60.0, 100.0);
    for i in drain(&mut rx) {
        hub.input(i);
    }
    let before = screen.frame(&hub.view());
    assert_eq!(hub.view().page.name, Page::Services);
    // A finger drags the list up by 250 px, in many small moves.
    input::drag(screen.ui().window(), (400.0, 420.0), (400.0, 170.0), 25);
    screen.render();
    let after = screen.image();
    assert_ne!(before, after, "the list did not scroll");
    assert_eq!(
        drain(&mut rx),
        [Input::Touch],
        "a drag is one touch for the idle timer, and opens nothing"
    );
}

/// The least size of a touch target, each way: what a finger hits
/// reliably on the resistive panel.
const TARGET_PX: u32 = 48;

/// What a tap at each point of a line across the screen opens: `None`
/// beside every target (a plain touch).
fn taps_along(
    screen: &Offscreen,
    rx: &mut Receiver<Input>,
    points: impl Iterator<Item = (f32, f32)>,
) -> Vec<Option<Input>> {
    points
        .map(|(x, y)| {
            screen.tap(x, y);
            match drain(rx).as_slice() {
                [Input::Touch] | [] => None,
                [one] => Some(one.clone()),
                more => panic!("one tap at ({x}, {y}) gave {more:?}"),
            }
        })
        .collect()
}

/// Each run of one target along a line, as (where it starts, its length).
fn runs(line: &[Option<Input>]) -> Vec<(usize, usize, Input)> {
    let mut out: Vec<(usize, usize, Input)> = Vec::new();
    for (i, hit) in line.iter().enumerate() {
        match (hit, out.last_mut()) {
            (None, _) => {}
            (Some(h), Some((start, len, last))) if last == h && *start + *len == i => *len += 1,
            (Some(h), _) => out.push((i, 1, h.clone())),
        }
    }
    out
}

/// Every target the lines through `screen` cross is at least
/// [`TARGET_PX`] tall and wide: lines down the screen every `step` px, and
/// across it; a tap at every pixel of each. Returns what was too small.
fn small_targets(screen: &Offscreen, rx: &mut Receiver<Input>, (w, h): (u32, u32)) -> Vec<String> {
    // Under 48 px, so every target is crossed each way.
    const STEP: usize = 40;
    let mut small = Vec::new();
    for x in (4..w).step_by(STEP) {
        let down = taps_along(screen, rx, (0..h).map(|y| (x as f32, y as f32 + 0.5)));
        for (y, len, target) in runs(&down) {
            if len < TARGET_PX as usize {
                small.push(format!(
                    "{w}x{h}: {target:?} is {len} px tall at x {x}, from y {y}"
                ));
            }
        }
    }
    for y in (4..h).step_by(STEP) {
        let across = taps_along(screen, rx, (0..w).map(|x| (x as f32 + 0.5, y as f32)));
        for (x, len, target) in runs(&across) {
            if len < TARGET_PX as usize {
                small.push(format!(
                    "{w}x{h}: {target:?} is {len} px wide at y {y}, from x {x}"
                ));
            }
        }
    }
    small
}

#[test]
fn every_target_is_at_least_48_px_each_way_at_every_size() {
    let mut small = Vec::new();
    // A print running (the printer's column) and an idle printer (its
    // strip), at the three sizes; and a page's back button.
    for (w, h) in [(800, 480), (1024, 600), (480, 320)] {
        for (at, page) in [(40, None), (150, None), (40, Some(Page::Printer))] {
            let (inputs, mut rx) = Inputs::channel();
            let mut screen = Offscreen::new(w, h).expect("the offscreen renderer");
            let mut vm = demo_frame(at);
            if let Some(page) = page {
                let now = FakeClock::default().now();
                let mut nav = Nav::new(NavSettings::default(), now);
                nav.input(Input::Open { page, focus: None }, now);
                vm = vm.on_page(&nav);
            }
            screen.frame(&vm);
            input::connect(screen.ui(), inputs);
            small.extend(small_targets(&screen, &mut rx, (w, h)));
        }
    }
    assert!(
        small.is_empty(),
        "targets under {TARGET_PX} px:\n{}",
        small.join("\n")
    );
}

#[test]
fn the_scan_sees_a_target_of_46_px() {
    let hit = |on: bool| on.then_some(Input::Back);
    let line: Vec<Option<Input>> = (0..100).map(|y| hit((10..56).contains(&y))).collect();
    assert_eq!(runs(&line), [(10, 46, Input::Back)]);
    let two = [
        None,
        Some(Input::Back),
        Some(Input::Back),
        None,
        Some(Input::Back),
    ];
    assert_eq!(runs(&two), [(1, 2, Input::Back), (4, 1, Input::Back)]);
}
