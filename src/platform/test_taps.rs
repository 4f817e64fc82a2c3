//! TEST-ONLY: taps for a `--headless` process from a named pipe, so a
//! whole-process run (the endurance run, tests/endurance.rs) can switch
//! pages and wake the display through the same pointer path a finger takes
//! ([`crate::platform::input::tap`] into the window, the window's targets
//! into the hub), with no display and no libinput.
//!
//! [`TEST_TAPS_ENV`] names a FIFO; each line is `tap X Y` or
//! `drag X1 Y1 X2 Y2` in logical pixels. Unset (as everywhere but a test),
//! nothing is started; set, it is logged as a warning, like the test-only
//! poll interval (`sources::TEST_INTERVAL_ENV`). One thread blocks on the
//! pipe and hands each gesture to the event loop; a line it cannot read is
//! logged and skipped.

use std::io::{BufRead, BufReader};

use slint::ComponentHandle;

use crate::bridge::ui::MainWindow;
use crate::platform::input;

/// The environment variable naming the FIFO of gestures.
pub const TEST_TAPS_ENV: &str = "PIBOARD_TEST_TAPS";

/// One gesture of the pipe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gesture {
    Tap(f32, f32),
    Drag((f32, f32), (f32, f32)),
}

/// The gesture of one line, if it is one.
pub fn parse(line: &str) -> Option<Gesture> {
    let mut words = line.split_whitespace();
    let verb = words.next()?;
    let numbers: Vec<f32> = words.map(str::parse).collect::<Result<_, _>>().ok()?;
    match (verb, numbers.as_slice()) {
        ("tap", [x, y]) => Some(Gesture::Tap(*x, *y)),
        ("drag", [x1, y1, x2, y2]) => Some(Gesture::Drag((*x1, *y1), (*x2, *y2))),
        _ => None,
    }
}

/// Starts reading the pipe [`TEST_TAPS_ENV`] names, when it is set.
pub fn start(ui: &MainWindow) {
    let Some(path) = std::env::var_os(TEST_TAPS_ENV) else {
        return;
    };
    tracing::warn!(path = %path.to_string_lossy(), "{TEST_TAPS_ENV} is set: test-only taps from a pipe");
    let weak = ui.as_weak();
    let spawned = std::thread::Builder::new()
        .name("test-taps".into())
        .spawn(move || {
            // A FIFO ends when its writer closes it: open it again.
            loop {
                let file = match std::fs::File::open(&path) {
                    Ok(f) => f,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot open the test taps pipe");
                        return;
                    }
                };
                for line in BufReader::new(file).lines().map_while(Result::ok) {
                    let Some(gesture) = parse(&line) else {
                        tracing::warn!(line, "not a gesture: tap X Y | drag X1 Y1 X2 Y2");
                        continue;
                    };
                    let sent = weak.upgrade_in_event_loop(move |ui| match gesture {
                        Gesture::Tap(x, y) => input::tap(ui.window(), x, y),
                        Gesture::Drag(from, to) => input::drag(ui.window(), from, to, 8),
                    });
                    if sent.is_err() {
                        return;
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the test taps thread");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_gestures_or_nothing() {
        assert_eq!(parse("tap 378 282"), Some(Gesture::Tap(378.0, 282.0)));
        assert_eq!(
            parse(" drag 400 400 400 100 "),
            Some(Gesture::Drag((400.0, 400.0), (400.0, 100.0)))
        );
        for bad in [
            "",
            "tap",
            "tap 1",
            "tap 1 2 3",
            "tap x 2",
            "poke 1 2",
            "drag 1 2 3",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
