//! The demo's night, headless, through the real event path and with the
//! clock injected: the live demo's hub (`demo::sleep`: seconds 180–359 of
//! every six minutes are quiet hours) fed the demo's updates second by
//! second, its view models shown in the offscreen dashboard behind a
//! `Glass` as every UI loop shows them (`platform::power::show`), and taps
//! dispatched to the window as synthetic pointer events (`Offscreen::tap`)
//! whose `Input`s go to the hub, as in tests/touch.rs.
//!
//! Asleep, nothing is drawn for a minute while the data goes on changing;
//! the tap that wakes the screen is swallowed; the demo's trouble wakes it
//! and `/api/status` says why. Wake latencies are printed (`--nocapture`),
//! never asserted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use piboard::bridge::ui::Dash;
use piboard::core::{Clock, Dashboard, FakeClock, Input, Nav, NavSettings, Page};
use piboard::demo;
use piboard::hub::Hub;
use piboard::platform::input::Inputs;
use piboard::platform::power::Shown;
use piboard::platform::{FakeBacklight, Glass, Offscreen};
use piboard::server::status::Status;
use piboard::view::ViewModel;
use slint::ComponentHandle;
use tokio::sync::mpsc::Receiver;

/// The node tile of tower1 at 800x480 (tests/touch.rs).
const TOWER1: (f32, f32) = (378.0, 282.0);

/// The live demo as `piboard --demo --headless` runs it, on a fake clock
/// at the timeline's second 0.
struct Night {
    clock: FakeClock,
    hub: Hub,
    screen: Offscreen,
    glass: Glass,
    taps: Receiver<Input>,
    /// The timeline's second the clock is at.
    at: u32,
    /// Frames drawn so far.
    frames: u32,
}

impl Night {
    fn start() -> Self {
        let clock = FakeClock::at(demo::epoch());
        let nav = Nav::new(NavSettings::default(), clock.now());
        let dash = Dashboard::new(demo::settings());
        let hub = Hub::live(dash, demo::rules(), nav, Arc::new(clock.clone()))
            .with_sleep(demo::sleep(clock.now()));
        let (inputs, taps) = Inputs::channel();
        let screen = Offscreen::new(800, 480).expect("the offscreen renderer");
        piboard::platform::input::connect(screen.ui(), inputs);
        let mut night = Self {
            clock,
            hub,
            screen,
            glass: Glass::new(Box::new(FakeBacklight::default())),
            taps,
            at: 0,
            frames: 0,
        };
        night.poll();
        night
    }

    /// The demo's polls at this second (every 2 s), then the view shown.
    fn poll(&mut self) {
        if self.at.is_multiple_of(demo::STEP_S) {
            for u in demo::updates(self.at, self.clock.now()) {
                self.hub.apply(u);
            }
        }
        self.show();
    }

    /// The hub's view model now, through the glass onto the window, drawn.
    fn show(&mut self) -> Shown {
        let shown = self.screen.show_behind(&self.glass, &self.hub.view());
        if self.screen.render().drawn {
            self.frames += 1;
        }
        shown
    }

    /// Plays the timeline on, second by second, up to second `to`.
    fn play_to(&mut self, to: u32) {
        while self.at < to {
            self.clock.advance(Duration::from_secs(1));
            self.at += 1;
            self.hub.tick();
            self.poll();
        }
    }

    /// A finger on the glass at (x, y): the window's inputs to the hub, and
    /// the view model that comes back shown. Returns how long from the tap
    /// to the frame drawn.
    fn tap(&mut self, (x, y): (f32, f32)) -> Duration {
        let started = Instant::now();
        self.screen.tap(x, y);
        while let Ok(input) = self.taps.try_recv() {
            self.hub.input(input);
        }
        self.show();
        started.elapsed()
    }

    fn view(&self) -> ViewModel {
        self.hub.view()
    }
}

#[test]
fn asleep_nothing_is_drawn_for_a_minute_while_the_data_goes_on() {
    let mut night = Night::start();
    night.play_to(179);
    let day = night.frames;
    night.play_to(181);
    assert_eq!(night.frames, day + 1, "one frame, the black cover, at dusk");
    night.play_to(270);
    assert_eq!(
        night.view().display.state,
        "off",
        "{:?}",
        night.view().display
    );
    let (before, frames) = (night.view(), night.frames);
    night.play_to(330);
    let after = night.view();
    assert_eq!(after.display.state, "off", "{:?}", after.display);
    assert_eq!(
        night.frames, frames,
        "frames drawn in a minute asleep (seconds 270 to 330)"
    );
    // The polling went on: the clock and the status moved on (everything
    // recovered at the timeline's second 100, here 280).
    assert_ne!(before.header.clock, after.header.clock);
    assert_ne!(
        (before.header.status.as_str(), after.header.status.as_str()),
        ("CRITICAL", "CRITICAL"),
        "the status never moved"
    );
    assert_eq!(after.header.status, "HEALTHY");
    // Held, not applied: the window still has the words of the last lit
    // second, 265 (awake since the trouble at 200, tower1 offline).
    let shown = night.screen.ui().global::<Dash>().get_header();
    assert_eq!(
        (shown.status.as_str(), shown.clock.as_str()),
        ("CRITICAL", "09:04"),
        "the window was given the view models of the night"
    );
    // The day comes back drawn, with the data of its moment.
    night.play_to(360);
    assert_eq!(night.view().display.state, "on");
    assert_eq!(night.frames, frames + 1, "the first frame of the day");
}

#[test]
fn the_tap_that_wakes_the_screen_is_swallowed_and_the_next_one_opens_a_page() {
    let mut night = Night::start();
    night.play_to(190);
    assert_eq!(night.view().display.state, "off");
    let frames = night.frames;
    let latency = night.tap(TOWER1);
    let woke = night.view();
    assert_eq!(
        (woke.display.state, woke.display.reason.as_str()),
        ("on", "woken by: touch")
    );
    assert_eq!(
        woke.page.name,
        Page::Overview,
        "the waking tap opened a page"
    );
    assert_eq!(night.frames, frames + 1, "the wake's frame");
    eprintln!("a tap that wakes: {latency:?} from the tap to the frame drawn");
    night.tap(TOWER1);
    assert_eq!(night.view().page.name, Page::Proxmox);
}

#[test]
fn the_demo_trouble_wakes_the_screen_and_api_status_says_why() {
    let mut night = Night::start();
    night.play_to(198);
    assert_eq!(night.view().display.state, "off");
    let frames = night.frames;
    // Second 200: Overseerr goes down.
    night.clock.advance(Duration::from_secs(2));
    night.at = 200;
    let started = Instant::now();
    for u in demo::updates(night.at, night.clock.now()) {
        night.hub.apply(u);
    }
    assert_eq!(night.show(), Shown::Relit);
    let latency = started.elapsed();
    assert_eq!(night.frames, frames + 1, "the wake's frame");
    let status: serde_json::Value =
        serde_json::from_str(&Status::to_json(&night.view())).expect("JSON");
    assert_eq!(status["display"]["state"], "on");
    assert_eq!(status["display"]["reason"], "woken by: Overseerr down");
    eprintln!("a wake by the data: {latency:?} from the update to the frame drawn");
    // Asleep again once the wakes (tower1 at 230, its alert at 236) end.
    night.play_to(270);
    let status: serde_json::Value =
        serde_json::from_str(&Status::to_json(&night.view())).expect("JSON");
    assert_eq!(status["display"]["state"], "off");
    assert!(
        status["display"]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("quiet hours until ")),
        "{status}"
    );
}

#[test]
fn only_the_simulator_says_why_its_window_is_black() {
    let mut screen = Offscreen::new(800, 480).expect("the offscreen renderer");
    let vm = demo::frame(190);
    let black = |img: &image::RgbImage| img.pixels().all(|p| p.0 == [0, 0, 0]);
    assert!(black(&screen.frame(&vm)), "off the simulator: black");
    screen.ui().set_simulator(true);
    screen.render();
    assert!(!black(&screen.image()), "the simulator's line is missing");
    assert_eq!(
        vm.display.line,
        "asleep: quiet hours until 09:06 · click to wake"
    );
}
