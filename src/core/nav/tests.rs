//! Table tests: each case is a script of inputs and ticks at times read from
//! a fake clock, with what the screen shows after each step.

use std::time::Duration;

use super::*;
use crate::core::{Clock, FakeClock};
use Page::{Alerts, Overview, Printer, Proxmox, Services};

/// One step of a script: at `t` seconds after the start, do this.
#[derive(Debug, Clone)]
enum Do {
    In(Input),
    Tick,
}

/// What the screen shows after a step, and whether the step changed it.
type Shown = (Page, Option<&'static str>, u32, bool);

fn open(page: Page, focus: Option<&str>) -> Do {
    Do::In(Input::Open {
        page,
        focus: focus.map(str::to_owned),
    })
}

fn settings(home: u64, rotate: Option<u64>) -> NavSettings {
    NavSettings {
        home_after: Duration::from_secs(home),
        rotate_every: rotate.map(Duration::from_secs),
        pages: Page::ALL.to_vec(),
    }
}

/// Runs `script` from a fresh [`Nav`] and checks each step.
fn run(name: &str, settings: NavSettings, script: &[(u64, Do, Shown)]) {
    let clock = FakeClock::default();
    let start = clock.now();
    let mut nav = Nav::new(settings, start);
    for (i, (t, step, want)) in script.iter().enumerate() {
        clock.set(start + chrono::Duration::seconds(*t as i64));
        let changed = match step.clone() {
            Do::In(input) => nav.input(input, clock.now()),
            Do::Tick => nav.tick(clock.now()),
        };
        let got = (nav.page(), nav.focus(), nav.scroll(), changed);
        let want = (want.0, want.1, want.2, want.3);
        assert_eq!(got, want, "{name}, step {i} ({step:?} at {t} s)");
    }
}

#[test]
fn a_tap_opens_a_page_at_its_item_and_back_returns() {
    run(
        "open and back",
        settings(60, None),
        &[
            (0, Do::Tick, (Overview, None, 0, false)),
            (
                5,
                open(Proxmox, Some("tower1")),
                (Proxmox, Some("tower1"), 0, true),
            ),
            (6, Do::In(Input::Touch), (Proxmox, Some("tower1"), 0, false)),
            (
                7,
                open(Proxmox, Some("tower2")),
                (Proxmox, Some("tower2"), 0, true),
            ),
            (8, open(Services, None), (Services, None, 0, true)),
            (9, Do::In(Input::Back), (Overview, None, 0, true)),
            (10, Do::In(Input::Back), (Overview, None, 0, false)),
            (11, open(Overview, Some("x")), (Overview, None, 0, false)),
        ],
    );
}

#[test]
fn the_idle_timer_returns_to_the_overview_and_each_input_restarts_it() {
    run(
        "idle",
        settings(60, None),
        &[
            (10, open(Alerts, None), (Alerts, None, 0, true)),
            (69, Do::Tick, (Alerts, None, 0, false)),
            (60, Do::In(Input::Scroll(2)), (Alerts, None, 2, true)),
            (119, Do::Tick, (Alerts, None, 2, false)),
            (120, Do::Tick, (Overview, None, 0, true)),
            (121, Do::Tick, (Overview, None, 0, false)),
            (500, Do::Tick, (Overview, None, 0, false)),
        ],
    );
}

#[test]
fn a_clock_going_backwards_is_not_idle() {
    run(
        "backwards",
        settings(60, None),
        &[
            (100, open(Printer, None), (Printer, None, 0, true)),
            (0, Do::Tick, (Printer, None, 0, false)),
            // The idle timer runs on from the new time, not from 100.
            (59, Do::Tick, (Printer, None, 0, false)),
            (60, Do::Tick, (Overview, None, 0, true)),
        ],
    );
}

#[test]
fn a_clock_set_back_by_months_still_goes_home() {
    let months = 90 * 86_400;
    run(
        "set back by months",
        settings(60, None),
        &[
            (months, open(Printer, None), (Printer, None, 0, true)),
            (10, Do::Tick, (Printer, None, 0, false)),
            (69, Do::Tick, (Printer, None, 0, false)),
            (70, Do::Tick, (Overview, None, 0, true)),
        ],
    );
}

#[test]
fn scrolling_never_goes_above_the_top_and_a_new_page_starts_at_it() {
    run(
        "scroll",
        settings(60, None),
        &[
            (0, open(Services, None), (Services, None, 0, true)),
            (1, Do::In(Input::Scroll(-1)), (Services, None, 0, false)),
            (2, Do::In(Input::Scroll(3)), (Services, None, 3, true)),
            (3, Do::In(Input::Scroll(-1)), (Services, None, 2, true)),
            (4, Do::In(Input::Next), (Proxmox, None, 0, true)),
        ],
    );
}

#[test]
fn next_and_prev_cycle_through_the_pages_that_exist() {
    let only_proxmox = NavSettings {
        pages: Page::available([SourceKind::Proxmox]),
        ..settings(60, None)
    };
    run(
        "cycle",
        only_proxmox,
        &[
            (0, Do::In(Input::Next), (Proxmox, None, 0, true)),
            (1, Do::In(Input::Next), (Overview, None, 0, true)),
            (2, Do::In(Input::Prev), (Proxmox, None, 0, true)),
            (3, open(Printer, None), (Proxmox, None, 0, false)),
            (4, open(Alerts, Some("x")), (Proxmox, None, 0, false)),
        ],
    );
}

#[test]
fn rotation_cycles_while_idle_and_a_touch_holds_the_page() {
    run(
        "rotate",
        settings(60, Some(10)),
        &[
            // Idle from the start: the cycle begins at home_after.
            (30, Do::Tick, (Overview, None, 0, false)),
            (70, Do::Tick, (Services, None, 0, true)),
            (75, Do::Tick, (Services, None, 0, false)),
            // A missed tick: the page follows the time, not the ticks.
            (101, Do::Tick, (Alerts, None, 0, true)),
            (110, Do::Tick, (Overview, None, 0, true)),
            (111, Do::In(Input::Touch), (Overview, None, 0, false)),
            (112, Do::In(Input::Next), (Services, None, 0, true)),
            (171, Do::Tick, (Services, None, 0, false)),
            // Idle again: the cycle restarts at the overview.
            (172, Do::Tick, (Overview, None, 0, true)),
            (182, Do::Tick, (Services, None, 0, true)),
        ],
    );
}

#[test]
fn pages_exist_for_the_configured_sources() {
    assert_eq!(Page::available([]), vec![Overview]);
    assert_eq!(
        Page::available([SourceKind::Moonraker, SourceKind::Prometheus]),
        vec![Overview, Services, Printer, Alerts]
    );
    assert_eq!(Page::available(SourceKind::ALL), Page::ALL.to_vec());
    // Alertmanager feeds the alerts page too.
    assert_eq!(
        Page::available([SourceKind::Proxmox, SourceKind::Alertmanager]),
        vec![Overview, Proxmox, Alerts]
    );
}

#[test]
fn page_names_parse_and_a_bad_one_lists_the_good_ones() {
    for page in Page::ALL {
        assert_eq!(page.name().parse::<Page>(), Ok(page));
        assert_eq!(page.to_string(), page.name());
    }
    assert_eq!(" Proxmox ".parse::<Page>(), Ok(Proxmox));
    let e = "nodes".parse::<Page>().map_err(|e| e.to_string());
    assert_eq!(
        e,
        Err("\"nodes\" is not a page (overview, services, proxmox, printer, alerts)".to_owned())
    );
}

#[test]
fn a_reload_keeps_the_page_while_it_exists_else_shows_the_overview() {
    let clock = FakeClock::default();
    let mut nav = Nav::new(settings(60, None), clock.now());
    let open = Input::Open {
        page: Proxmox,
        focus: Some("tower1".into()),
    };
    nav.input(open, clock.now());
    let mut fewer = settings(120, None);
    fewer.pages = vec![Overview, Proxmox];
    assert!(!nav.reconfigure(fewer.clone()), "the Proxmox page stays");
    assert_eq!((nav.page(), nav.focus()), (Proxmox, Some("tower1")));
    assert_eq!(nav.pages(), fewer.pages.as_slice());
    fewer.pages = vec![Overview, Services];
    assert!(nav.reconfigure(fewer), "the Proxmox page is gone");
    assert_eq!((nav.page(), nav.focus()), (Overview, None));
}
