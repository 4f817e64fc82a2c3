//! Touch through the real event path, in process: synthetic pointer events
//! dispatched to an offscreen window (`platform::input::tap`, what Slint's
//! backends do with a touch or a click) reach a target, which sends an
//! `Input` on the hub's channel; the hub, with a fake clock, puts the page in
//! the view model and brings the overview back when nobody touches.
//!
//! The overview's panels are not targets yet: its background reports a plain
//! touch, and a small test-only window stands in for a panel that opens a
//! page at an item.

use std::sync::Arc;
use std::time::Duration;

use piboard::core::{Clock, FakeClock, Input, Nav, NavSettings, Page};
use piboard::demo::frame as demo_frame;
use piboard::hub::Hub;
use piboard::platform::Offscreen;
use piboard::platform::input::{self, Inputs};
use slint::ComponentHandle;
use tokio::sync::mpsc::Receiver;

slint::slint! {
    // A stand-in for a panel on the overview: a node tile opening its page,
    // and a back button. 48 px and more, as a resistive panel needs.
    export component Targets inherits Window {
        width: 200px;
        height: 100px;
        callback open(string, string);
        callback back();
        TouchArea {
            x: 0; y: 0; width: 100px; height: 100px;
            clicked => { root.open("proxmox", "tower1"); }
        }
        TouchArea {
            x: 140px; y: 20px; width: 48px; height: 48px;
            clicked => { root.back(); }
        }
    }
}

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

/// The test-only targets, wired as a page's targets will be.
fn targets(inputs: Inputs) -> Targets {
    let ui = Targets::new().expect("the test window");
    ui.window().set_size(slint::LogicalSize::new(200.0, 100.0));
    ui.show().expect("shown");
    let open = inputs.clone();
    ui.on_open(move |page, focus| {
        let page: Page = page.parse().expect("a page name");
        open.send(Input::Open {
            page,
            focus: Some(focus.to_string()),
        });
    });
    ui.on_back(move || inputs.send(Input::Back));
    ui
}

#[test]
fn a_tap_on_the_overview_reaches_the_hub_as_a_touch() {
    let (inputs, mut rx) = Inputs::channel();
    let screen = dashboard(inputs);
    screen.tap(400.0, 300.0);
    assert_eq!(drain(&mut rx), [Input::Touch]);
    // A finger dragged across the background is someone using the screen too.
    input::drag(screen.ui().window(), (400.0, 400.0), (400.0, 100.0), 8);
    assert_eq!(drain(&mut rx), [Input::Touch]);
}

#[test]
fn a_tap_on_a_target_opens_its_page_and_the_idle_timer_brings_the_overview_back() {
    let (inputs, mut rx) = Inputs::channel();
    let screen = dashboard(inputs.clone());
    let ui = targets(inputs);
    let clock = FakeClock::default();
    let nav = Nav::new(NavSettings::default(), clock.now());
    let mut hub = Hub::frozen(demo_frame(40), nav, Arc::new(clock.clone()));
    // What the hub's loop does with each input on the channel.
    let mut deliver = |hub: &mut Hub| {
        drain(&mut rx)
            .into_iter()
            .map(|i| (hub.input(i.clone()), i))
            .collect::<Vec<_>>()
    };

    input::tap(ui.window(), 50.0, 50.0);
    let open = Input::Open {
        page: Page::Proxmox,
        focus: Some("tower1".to_owned()),
    };
    assert_eq!(deliver(&mut hub), [(true, open)]);
    let page = hub.view().page;
    assert_eq!(
        (page.name, page.focus.as_deref()),
        (Page::Proxmox, Some("tower1"))
    );

    // Beside both targets: nothing. On the back button: the overview.
    input::tap(ui.window(), 120.0, 90.0);
    assert_eq!(deliver(&mut hub), []);
    input::tap(ui.window(), 160.0, 40.0);
    assert_eq!(deliver(&mut hub), [(true, Input::Back)]);
    assert_eq!(hub.view().page.name, Page::Overview);

    // Open again, then nobody touches: 60 s later the overview is back.
    input::tap(ui.window(), 10.0, 10.0);
    assert_eq!(deliver(&mut hub).len(), 1);
    clock.advance(Duration::from_secs(59));
    assert!(!hub.tick());
    // A touch on the dashboard's background restarts the idle timer.
    screen.tap(400.0, 300.0);
    assert_eq!(deliver(&mut hub), [(false, Input::Touch)]);
    clock.advance(Duration::from_secs(59));
    assert!(!hub.tick(), "59 s after the touch");
    assert_eq!(hub.view().page.name, Page::Proxmox);
    clock.advance(Duration::from_secs(1));
    assert!(hub.tick());
    assert_eq!(hub.view().page.name, Page::Overview);
}
