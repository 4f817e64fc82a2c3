//! The display's power state as the screen's sinks say it: `/api/status`
//! `display` ("on", "dim" or "off", the level, the reason, until when) and
//! the glass, which goes dark when it is "off". The words are the core's
//! (`core::night`); the time it changes is shown in local minutes. The
//! simulator, which has no backlight, shows [`DisplayVm::line`] on its
//! black window.

use chrono::{FixedOffset, Timelike};
use serde::Serialize;

use crate::core::{DisplayState, Power};

/// Whether the display is on, dimmed or off, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisplayVm {
    /// "on", "dim" or "off".
    pub state: &'static str,
    /// The power the glass applies.
    #[serde(skip)]
    pub power: Power,
    /// The brightness while dimmed, 0 to 100.
    pub level: Option<u8>,
    /// "on", "quiet hours until 07:00", "woken by: tower1 offline", "idle 10 min".
    pub reason: String,
    /// When the state changes by itself, local "HH:MM" (none: only an event
    /// changes it).
    pub until: Option<String>,
    /// The simulator's one line over its black window while off: "asleep:
    /// quiet hours until 07:00 · click to wake" (empty while lit). Not in
    /// `/api/status`, which has the reason.
    #[serde(skip)]
    pub line: String,
    /// The configured backlight or motion sensor piboard could not open,
    /// each with its fix (`platform::hardware`); empty when all is well.
    pub hardware: Vec<String>,
}

impl Default for DisplayVm {
    /// On, for good (a display without `[display.sleep]`).
    fn default() -> Self {
        Self {
            state: Power::On.word(),
            power: Power::On,
            level: None,
            reason: "on".to_owned(),
            until: None,
            line: String::new(),
            hardware: Vec::new(),
        }
    }
}

impl DisplayVm {
    /// The state at `offset` (the local zone's offset now).
    pub fn of(s: &DisplayState, offset: FixedOffset) -> Self {
        let until = s.until.map(|t| {
            let local = t.with_timezone(&offset);
            format!("{:02}:{:02}", local.hour(), local.minute())
        });
        Self {
            state: s.power.word(),
            power: s.power,
            level: match s.power {
                Power::Dim(l) => Some(l),
                Power::On | Power::Off => None,
            },
            reason: s.reason.clone(),
            until,
            line: match s.power {
                Power::Off => format!("asleep: {} · click to wake", s.reason),
                Power::On | Power::Dim(_) => String::new(),
            },
            hardware: Vec::new(),
        }
    }

    /// Whether the glass is dark: nothing is drawn.
    pub fn dark(&self) -> bool {
        self.power == Power::Off
    }
}

impl super::ViewModel {
    /// The same view model with the display's state.
    #[must_use]
    pub fn with_display(mut self, display: DisplayVm) -> Self {
        self.display = display;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    #[test]
    fn the_state_in_words_and_local_minutes() {
        let at: DateTime<Utc> = "2026-01-11T06:00:00Z".parse().expect("an instant");
        let plus_one = FixedOffset::east_opt(3600).expect("an offset");
        let off = DisplayState {
            power: Power::Off,
            reason: "quiet hours until 07:00".into(),
            until: Some(at),
        };
        let vm = DisplayVm::of(&off, plus_one);
        assert_eq!(
            (vm.state, vm.until.as_deref(), vm.dark()),
            ("off", Some("07:00"), true)
        );
        assert_eq!(vm.line, "asleep: quiet hours until 07:00 · click to wake");
        let dim = DisplayState {
            power: Power::Dim(20),
            ..off
        };
        let vm = DisplayVm::of(&dim, plus_one);
        assert_eq!((vm.state, vm.level, vm.dark()), ("dim", Some(20), false));
        assert_eq!(vm.line, "", "a dim screen shows the dashboard");
        assert_eq!(DisplayVm::default().state, "on");
    }
}
