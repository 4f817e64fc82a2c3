//! Navigation: which page the screen shows, what it is focused on, and when
//! it goes back to the overview by itself. Pure, like the rest of the core:
//! every change is an [`Input`] or a [`Nav::tick`] with the time passed in.
//!
//! How it behaves:
//!
//! - A tap on a target becomes an [`Input`] (open a page at an item, back,
//!   scroll, next or previous page); a tap beside every target is
//!   [`Input::Touch`], which changes nothing on screen but says someone is
//!   using it. Every input restarts the idle timer.
//! - After [`NavSettings::home_after`] without an input, [`Nav::tick`] goes
//!   back to the overview (focus and scroll cleared).
//! - With [`NavSettings::rotate_every`], a screen nobody touches cycles
//!   through its pages instead: the overview first, then each page for that
//!   long. The page is a function of the time since the screen went idle, so
//!   a late or missed tick cannot skew the cycle; a touch holds the page
//!   shown.
//! - A clock that goes backwards counts as no time passing, never as idle;
//!   the idle timer then runs on from the new time.
//!
//! Only pages whose source is configured exist ([`Page::available`]);
//! opening any other is ignored (the touch still counts).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::SourceKind;

/// A page of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Page {
    /// Everything at a glance; each panel opens its page.
    #[default]
    Overview,
    /// Every service: state, response time, since when, a sparkline.
    Services,
    /// Nodes, guests and storage.
    Proxmox,
    /// The print, the temperature chart, the last jobs.
    Printer,
    /// Every firing alert, most severe first.
    Alerts,
}

impl Page {
    /// Every page, in the order the screen cycles through them.
    pub const ALL: [Page; 5] = [
        Self::Overview,
        Self::Services,
        Self::Proxmox,
        Self::Printer,
        Self::Alerts,
    ];

    /// The page's name on the command line and in `/api/status`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Overview => "overview",
            Self::Services => "services",
            Self::Proxmox => "proxmox",
            Self::Printer => "printer",
            Self::Alerts => "alerts",
        }
    }

    /// The source whose data the page shows (none for the overview).
    pub fn source(self) -> Option<SourceKind> {
        match self {
            Self::Overview => None,
            Self::Services | Self::Alerts => Some(SourceKind::Prometheus),
            Self::Proxmox => Some(SourceKind::Proxmox),
            Self::Printer => Some(SourceKind::Moonraker),
        }
    }

    /// Whether this is the alerts page and Alertmanager, which feeds it
    /// too, is among `sources`.
    fn alerts_from(self, sources: &[SourceKind]) -> bool {
        self == Self::Alerts && sources.contains(&SourceKind::Alertmanager)
    }

    /// The pages that exist with these sources configured, in cycle order:
    /// always the overview, then each page whose source is among them.
    pub fn available(sources: impl IntoIterator<Item = SourceKind>) -> Vec<Page> {
        let sources: Vec<SourceKind> = sources.into_iter().collect();
        Self::ALL
            .into_iter()
            .filter(|p| p.source().is_none_or(|s| sources.contains(&s)) || p.alerts_from(&sources))
            .collect()
    }
}

impl fmt::Display for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A page name that is not one of [`Page::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPage(pub String);

impl fmt::Display for UnknownPage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Page::ALL.iter().map(|p| p.name()).collect();
        write!(f, "\"{}\" is not a page ({})", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownPage {}

impl FromStr for Page {
    type Err = UnknownPage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownPage(s.to_owned()))
    }
}

/// What a person did on the screen, as the UI reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A touch that hit no target: nothing changes but the idle timer.
    Touch,
    /// Open `page`, focused on `focus` (a service or node name) if given.
    Open { page: Page, focus: Option<String> },
    /// Back to the overview.
    Back,
    /// Scroll the page by this many screens (negative: up); never above
    /// the top. The page's view keeps it within its rows.
    Scroll(i32),
    /// The next page in cycle order (wrapping).
    Next,
    /// The previous page in cycle order (wrapping).
    Prev,
    /// Motion before a PIR sensor: wakes the display (the hub gives it to
    /// the night, never to navigation).
    Motion,
}

/// How navigation behaves: from `[display]` and the configured sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavSettings {
    /// Back to the overview after this long without an input.
    pub home_after: Duration,
    /// Cycle the pages this often while nobody touches the screen.
    pub rotate_every: Option<Duration>,
    /// The pages that exist, in cycle order; the overview first.
    pub pages: Vec<Page>,
}

impl Default for NavSettings {
    /// 60 s to the overview, no rotation, every page.
    fn default() -> Self {
        Self {
            home_after: Duration::from_secs(60),
            rotate_every: None,
            pages: Page::ALL.to_vec(),
        }
    }
}

/// Where the screen is: the page, its focus and scroll, and since when
/// nobody has touched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nav {
    settings: NavSettings,
    page: Page,
    focus: Option<String>,
    scroll: u32,
    /// The last input, or the start when there was none yet.
    active_at: DateTime<Utc>,
}

impl Nav {
    /// The overview, idle from `now`.
    pub fn new(settings: NavSettings, now: DateTime<Utc>) -> Self {
        Self {
            settings,
            page: Page::Overview,
            focus: None,
            scroll: 0,
            active_at: now,
        }
    }

    /// The page shown.
    pub fn page(&self) -> Page {
        self.page
    }

    /// The item the page is focused on (a service or node name).
    pub fn focus(&self) -> Option<&str> {
        self.focus.as_deref()
    }

    /// How many screens the page is scrolled down.
    pub fn scroll(&self) -> u32 {
        self.scroll
    }

    /// The pages that exist, in cycle order.
    pub fn pages(&self) -> &[Page] {
        &self.settings.pages
    }

    /// Follows a reloaded config: the page shown stays if it still exists,
    /// else the overview; the idle timer runs on. Returns whether what is
    /// shown changed.
    pub fn reconfigure(&mut self, settings: NavSettings) -> bool {
        self.settings = settings;
        if self.settings.pages.contains(&self.page) {
            return false;
        }
        self.show(Page::Overview);
        true
    }

    /// Applies `input` at `now`; returns whether what is shown changed.
    pub fn input(&mut self, input: Input, now: DateTime<Utc>) -> bool {
        self.active_at = now;
        let before = self.shown();
        match input {
            Input::Touch | Input::Motion => {}
            Input::Open { page, focus } => self.open(page, focus),
            Input::Back => self.show(Page::Overview),
            Input::Scroll(by) => {
                self.scroll = self.scroll.saturating_add_signed(by);
            }
            Input::Next => self.show(self.step(1)),
            Input::Prev => self.show(self.step(-1)),
        }
        self.shown() != before
    }

    /// Follows the clock: the overview, or the rotation's page, once the
    /// screen has been idle long enough. Returns whether what is shown changed.
    pub fn tick(&mut self, now: DateTime<Utc>) -> bool {
        // The clock was set back (NTP): the step is no time passing, and
        // the idle timer goes on from the new time rather than waiting for
        // the clock to come back to the old one, months later.
        self.active_at = self.active_at.min(now);
        let Some(idle) = self.idle_for(now) else {
            return false;
        };
        let page = match self.settings.rotate_every {
            Some(every) if !every.is_zero() => self.rotation_at(idle, every),
            _ => Page::Overview,
        };
        let before = self.shown();
        self.show(page);
        self.shown() != before
    }

    /// How long the screen has been idle past `home_after`, if it has.
    fn idle_for(&self, now: DateTime<Utc>) -> Option<Duration> {
        let since = (now - self.active_at).to_std().unwrap_or_default();
        since.checked_sub(self.settings.home_after)
    }

    /// The rotation's page after `idle` past `home_after`.
    fn rotation_at(&self, idle: Duration, every: Duration) -> Page {
        let pages = &self.settings.pages;
        let turns = idle.as_millis() / every.as_millis().max(1);
        let len = pages.len().max(1) as u128;
        let index = usize::try_from(turns % len).unwrap_or_default();
        pages.get(index).copied().unwrap_or_default()
    }

    fn open(&mut self, page: Page, focus: Option<String>) {
        if !self.settings.pages.contains(&page) {
            return;
        }
        self.show(page);
        if page != Page::Overview {
            self.focus = focus;
        }
    }

    /// Shows `page` from its top, without focus.
    fn show(&mut self, page: Page) {
        self.page = page;
        self.focus = None;
        self.scroll = 0;
    }

    /// The page `by` steps from the current one in cycle order.
    fn step(&self, by: isize) -> Page {
        let pages = &self.settings.pages;
        let Some(at) = pages.iter().position(|p| *p == self.page) else {
            return Page::Overview;
        };
        let len = pages.len() as isize;
        let index = (at as isize + by).rem_euclid(len.max(1));
        pages
            .get(usize::try_from(index).unwrap_or_default())
            .copied()
            .unwrap_or_default()
    }

    /// What the screen shows of the navigation: page, focus, scroll.
    fn shown(&self) -> (Page, Option<String>, u32) {
        (self.page, self.focus.clone(), self.scroll)
    }
}

#[cfg(test)]
mod tests;
