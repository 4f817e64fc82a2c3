//! Night: when the display sleeps and what wakes it. Pure like the rest of
//! the core: every answer takes the time (`now`) and the local time zone
//! (any [`chrono::TimeZone`]: production passes `chrono::Local`, the tests
//! a zone with daylight saving).
//!
//! The state machine, in the order [`Night::state`] asks:
//!
//! 1. **Woken**: a wake is running (a touch or motion in quiet hours, or a
//!    new cause from the data): on, "woken by: tower1 offline", until it
//!    ends. A wake during a wake extends it to the later end and adds its
//!    cause.
//! 2. **Quiet hours**: inside the daily window: asleep ([`Power::Off`], or
//!    [`Power::Dim`] when `mode = "dim"`), "quiet hours until 07:00".
//! 3. **Idle**: no touch (nor motion) for `after_mins`: asleep, "idle 10 min".
//! 4. Otherwise on, until the idle timer or the next quiet hours.
//!
//! A touch on a screen that is not on only wakes it: [`Night::touch`] says
//! [`Touch::Swallowed`] and the hub does not pass it on to navigation. In
//! quiet hours a touch wakes for the idle period (`after_mins`, else
//! `wake_for_mins`); outside them it restarts the idle timer. Motion does
//! the same, but in quiet hours only when `quiet_wakes = "all"`.
//!
//! The data wakes the screen through [`Night::observe`]: the [`Cause`]s of
//! one poll (`trouble::causes`: a service down, a node offline, an alert, a
//! source lost, a print that finished or failed) compared with the last
//! poll's; each new one whose kind `wake_on` names wakes for
//! `wake_for_mins`. In quiet hours `quiet_wakes` filters them: "all",
//! "critical" (services down, nodes offline, critical alerts) or "none".
//! The first observation is only remembered: what was already wrong when
//! piboard started wakes nobody.
//!
//! A clock set back (NTP on a Pi without a real-time clock steps it by
//! months) freezes nothing: a wake runs only from the time it began, so
//! one that began in what is now the future is over; and the idle timer
//! never counts from a time after now (the next touch, motion or poll
//! restarts it at the new time).

pub mod schedule;
pub mod trouble;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

pub use schedule::{Cycle, QuietHours, Window};
pub use trouble::{Cause, CauseKind, causes};

/// How bright the display is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "state", content = "level")]
pub enum Power {
    /// Drawn and lit.
    On,
    /// Lit at this brightness, 0 to 100 (a PWM backlight only).
    Dim(u8),
    /// Dark: nothing drawn.
    Off,
}

impl Power {
    /// "on", "dim" or "off".
    pub fn word(self) -> &'static str {
        match self {
            Self::On => "on",
            Self::Dim(_) => "dim",
            Self::Off => "off",
        }
    }
}

/// Which wakes quiet hours let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuietWakes {
    /// Every wake the settings allow at other times.
    All,
    /// Only critical causes (and a touch, which always wakes).
    #[default]
    Critical,
    /// Only a touch.
    None,
}

/// `[display.sleep]`, as the core uses it. The default never sleeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SleepSettings {
    /// The daily quiet window, if any.
    pub quiet: Option<QuietHours>,
    /// A quiet window repeating on a cycle of its own (the demo's night
    /// loop), if any; quiet when either window is.
    pub cycle: Option<Cycle>,
    /// Sleep after this long without a touch, if set.
    pub idle_after: Option<Duration>,
    /// What asleep means: [`Power::Off`] or [`Power::Dim`].
    pub asleep: Power,
    /// Whether a new trouble wakes the screen.
    pub wake_on_trouble: bool,
    /// Whether a print that finished or failed wakes the screen.
    pub wake_on_print: bool,
    /// How long a wake by the data lasts.
    pub wake_for: Duration,
    /// Which wakes quiet hours let through.
    pub quiet_wakes: QuietWakes,
}

impl Default for SleepSettings {
    fn default() -> Self {
        Self {
            quiet: None,
            cycle: None,
            idle_after: None,
            asleep: Power::Off,
            wake_on_trouble: true,
            wake_on_print: true,
            wake_for: Duration::from_secs(5 * 60),
            quiet_wakes: QuietWakes::Critical,
        }
    }
}

/// The display's state now: how bright, why, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisplayState {
    pub power: Power,
    /// "on", "quiet hours until 07:00", "woken by: tower1 offline", "idle 10 min".
    pub reason: String,
    /// When this state changes by itself (`None`: only an event changes it).
    pub until: Option<DateTime<Utc>>,
}

/// What became of a touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    /// The screen was on: the touch does what it touches.
    Passed,
    /// The screen was asleep or dim: the touch only woke it.
    Swallowed,
}

/// The most causes a wake names; later ones are only counted in its
/// "+N more". A wake that new causes keep extending (an alert whose
/// instance changes at every poll) would otherwise keep every cause it
/// ever saw for as long as it lasts.
pub const MAX_WAKE_CAUSES: usize = 16;

/// A running wake: until when, and what caused it (oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wake {
    /// When it began: a clock set back before it ends it.
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    /// At most [`MAX_WAKE_CAUSES`].
    causes: Vec<String>,
    /// The causes past [`MAX_WAKE_CAUSES`]: counted, not kept.
    more: usize,
}

/// The night's state machine (see the module docs).
#[derive(Debug, Clone)]
pub struct Night {
    settings: SleepSettings,
    last_activity: DateTime<Utc>,
    wake: Option<Wake>,
    seen: Option<BTreeSet<Cause>>,
}

impl Night {
    /// A display switched on at `now` (the idle timer starts then).
    pub fn new(settings: SleepSettings, now: DateTime<Utc>) -> Self {
        Self {
            settings,
            last_activity: now,
            wake: None,
            seen: None,
        }
    }

    /// Follows a reloaded config: the new settings from now on, with the
    /// idle timer, a running wake and the causes already seen kept (a
    /// reload wakes nobody).
    pub fn reconfigure(&mut self, settings: SleepSettings) {
        self.settings = settings;
    }

    /// The settings it follows.
    pub fn settings(&self) -> &SleepSettings {
        &self.settings
    }

    /// The display's state at `now`.
    pub fn state<Tz: TimeZone>(&self, tz: &Tz, now: DateTime<Utc>) -> DisplayState {
        if let Some(w) = self.running(now) {
            return state(Power::On, woken_by(&w.causes, w.more), Some(w.until));
        }
        if let Some(win) = self.quiet(tz, now) {
            let end = win.end.with_timezone(tz).naive_local().format("%H:%M");
            let reason = format!("quiet hours until {end}");
            return state(self.settings.asleep, reason, Some(win.end));
        }
        let idle_at = self.idle_at(now);
        if let Some(idle) = self.settings.idle_after
            && idle_at.is_some_and(|at| now >= at)
        {
            let reason = format!("idle {} min", idle.as_secs().div_ceil(60));
            return state(self.settings.asleep, reason, None);
        }
        let daily = self.settings.quiet.and_then(|q| q.next_start(tz, now));
        let cycle = self.settings.cycle.and_then(|c| c.next_start(now));
        let until = [idle_at, daily, cycle].into_iter().flatten().min();
        state(Power::On, "on".to_owned(), until)
    }

    /// A touch at `now`: wakes a screen that is not on (and is swallowed),
    /// restarts the idle timer, and in quiet hours wakes for the idle period.
    pub fn touch<Tz: TimeZone>(&mut self, tz: &Tz, now: DateTime<Utc>) -> Touch {
        self.follow(now);
        let was = self.state(tz, now).power;
        self.activity(tz, now, "touch");
        if was == Power::On {
            Touch::Passed
        } else {
            Touch::Swallowed
        }
    }

    /// Motion at `now` (a PIR sensor): like a touch that presses nothing,
    /// but in quiet hours only with `quiet_wakes = "all"`. Returns whether
    /// it changed the display's state.
    pub fn motion<Tz: TimeZone>(&mut self, tz: &Tz, now: DateTime<Utc>) -> bool {
        self.follow(now);
        if self.quiet(tz, now).is_some() && self.settings.quiet_wakes != QuietWakes::All {
            return false;
        }
        let before = self.state(tz, now);
        self.activity(tz, now, "motion");
        self.state(tz, now) != before
    }

    /// The causes in the data at `now` (`trouble::causes`); each one new
    /// since the last call that the settings let through wakes the screen.
    /// Returns whether it woke (or kept awake) the screen.
    pub fn observe<Tz: TimeZone>(
        &mut self,
        tz: &Tz,
        causes: BTreeSet<Cause>,
        now: DateTime<Utc>,
    ) -> bool {
        self.follow(now);
        let Some(seen) = self.seen.replace(causes) else {
            return false;
        };
        let quiet = self.quiet(tz, now).is_some();
        let new: Vec<String> = self
            .seen
            .iter()
            .flatten()
            .filter(|c| !seen.contains(c) && self.lets_through(c, quiet))
            .map(|c| c.text.clone())
            .collect();
        if new.is_empty() {
            return false;
        }
        let until = now + self.settings.wake_for;
        self.wake(now, until, new);
        true
    }

    /// Whether the settings let this new cause wake the screen.
    fn lets_through(&self, c: &Cause, quiet: bool) -> bool {
        let wanted = match c.kind {
            CauseKind::Trouble => self.settings.wake_on_trouble,
            CauseKind::Print => self.settings.wake_on_print,
        };
        wanted
            && (!quiet
                || match self.settings.quiet_wakes {
                    QuietWakes::All => true,
                    QuietWakes::Critical => c.critical,
                    QuietWakes::None => false,
                })
    }

    /// Someone is there: the idle timer restarts; in quiet hours (or
    /// during a wake) the screen wakes for the idle period.
    fn activity<Tz: TimeZone>(&mut self, tz: &Tz, now: DateTime<Utc>, what: &str) {
        self.last_activity = now;
        let woken = self.running(now).is_some();
        if woken || self.quiet(tz, now).is_some() {
            let period = self.settings.idle_after.unwrap_or(self.settings.wake_for);
            self.wake(now, now + period, vec![what.to_owned()]);
        }
    }

    /// Starts a wake, or extends the running one to the later end; adds
    /// the causes it does not name yet, up to [`MAX_WAKE_CAUSES`].
    fn wake(&mut self, now: DateTime<Utc>, until: DateTime<Utc>, causes: Vec<String>) {
        if self.wake.as_ref().is_none_or(|w| now >= w.until) {
            self.wake = Some(Wake {
                from: now,
                until,
                causes: Vec::new(),
                more: 0,
            });
        }
        let Some(w) = self.wake.as_mut() else { return };
        w.until = w.until.max(until);
        for c in causes {
            if w.causes.contains(&c) {
                continue;
            }
            if w.causes.len() < MAX_WAKE_CAUSES {
                w.causes.push(c);
            } else {
                w.more = w.more.saturating_add(1);
            }
        }
    }

    fn quiet<Tz: TimeZone>(&self, tz: &Tz, now: DateTime<Utc>) -> Option<Window> {
        let daily = self.settings.quiet.and_then(|q| q.current(tz, now));
        daily.or_else(|| self.settings.cycle.and_then(|c| c.current(now)))
    }

    /// The wake running at `now`: begun (by this clock) and not yet over.
    fn running(&self, now: DateTime<Utc>) -> Option<&Wake> {
        self.wake
            .as_ref()
            .filter(|w| w.from <= now && now < w.until)
    }

    /// Follows a clock set back: the idle timer restarts at `now` rather
    /// than at a time that has not come yet, and a wake that began after
    /// `now` is over.
    fn follow(&mut self, now: DateTime<Utc>) {
        self.last_activity = self.last_activity.min(now);
        if self.wake.as_ref().is_some_and(|w| w.from > now) {
            self.wake = None;
        }
    }

    /// When the idle timer runs out, if there is one (counted from `now`
    /// at the latest: the clock may have been set back).
    fn idle_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.settings
            .idle_after
            .map(|d| self.last_activity.min(now) + d)
    }
}

fn state(power: Power, reason: String, until: Option<DateTime<Utc>>) -> DisplayState {
    DisplayState {
        power,
        reason,
        until,
    }
}

/// "woken by: tower1 offline", at most two causes, then "+N more" (the
/// rest of `causes` and `more` not kept).
fn woken_by(causes: &[String], more: usize) -> String {
    let shown: Vec<&str> = causes.iter().take(2).map(String::as_str).collect();
    let more = causes.len().saturating_sub(2).saturating_add(more);
    let tail = if more > 0 {
        format!(" +{more} more")
    } else {
        String::new()
    };
    format!("woken by: {}{tail}", shown.join(" · "))
}

#[cfg(test)]
mod tests;
