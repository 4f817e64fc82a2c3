//! The hub: owns the core's [`Dashboard`] and [`Nav`], applies every source
//! update and every input from the screen, and publishes a fresh view model
//! whenever what it shows has changed.
//!
//! Inputs (a tap turned into an [`Input`] by the UI thread, which does
//! nothing else with it) arrive on their own channel and are applied with
//! the injected clock's `now`, so the idle timer and page rotation are as
//! testable as the rest of the core. A frozen frame (`--demo --at N`) has
//! no sources but still navigates: its view model is fixed, the page is not.
//!
//! The hub also keeps the display's [`Night`] (quiet hours, idle sleep,
//! wakes): each update's causes go to [`Night::observe`], each input to
//! [`Night::touch`] first, and an input that only woke the screen never
//! reaches navigation (the touch that wakes opens nothing). The view model
//! carries the display's state ([`ViewModel::display`]), which the glass
//! applies. The local time zone is `chrono::Local`. A frozen demo frame
//! keeps the display of its second (`demo::frame` replays the demo's
//! night); a touch on a frozen frame that is dark only lights it.
//!
//! A reloaded config arrives as a [`Control`] on a third channel
//! (`control.rs`): the new sources table, rules, navigation and sleep
//! settings, or why the file was refused (the banner). Before each source
//! update the hub takes every control message already sent, so the
//! reconfiguration that starts a new source is applied before its first
//! update, which a dashboard without that source would drop.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use tokio::sync::{mpsc, watch};

use crate::core::night::{self, Night, Touch};
use crate::core::{Clock, Dashboard, Input, Nav, Power, Rules, SleepSettings, SourceUpdate};
use crate::view::{self, ConfigVm, DisplayVm, ViewModel};

mod control;

pub use control::{Control, Reconfig};

/// The local time zone's offset at `now` (follows daylight saving changes).
pub fn local_offset(now: DateTime<Utc>) -> FixedOffset {
    chrono::Local
        .offset_from_utc_datetime(&now.naive_utc())
        .fix()
}

/// What the view models are made from.
#[derive(Debug)]
enum Model {
    /// The sources' data, rebuilt at every change and every second.
    Live { dash: Box<Dashboard>, rules: Rules },
    /// One fixed view model (a frozen demo frame); only the page changes.
    Frozen(Box<ViewModel>),
}

/// The one owner of the state: the data, the navigation and the clock.
#[derive(Debug)]
pub struct Hub {
    model: Model,
    nav: Nav,
    night: Night,
    clock: Arc<dyn Clock>,
    hardware: Vec<String>,
    config: ConfigVm,
}

impl Hub {
    /// A hub over live data from the sources.
    pub fn live(dash: Dashboard, rules: Rules, nav: Nav, clock: Arc<dyn Clock>) -> Self {
        Self {
            model: Model::Live {
                dash: Box::new(dash),
                rules,
            },
            night: Night::new(SleepSettings::default(), clock.now()),
            nav,
            clock,
            hardware: Vec::new(),
            config: ConfigVm::default(),
        }
    }

    /// The same hub, sleeping and waking by `settings` from now on.
    #[must_use]
    pub fn with_sleep(mut self, settings: SleepSettings) -> Self {
        self.night = Night::new(settings, self.clock.now());
        self
    }

    /// The same hub, saying in the display's state which configured
    /// hardware could not be opened (`platform::hardware`).
    #[must_use]
    pub fn with_hardware(mut self, problems: Vec<String>) -> Self {
        self.hardware = problems;
        self
    }

    /// A hub over one frozen view model: only the page can change.
    pub fn frozen(vm: ViewModel, nav: Nav, clock: Arc<dyn Clock>) -> Self {
        Self {
            model: Model::Frozen(Box::new(vm)),
            night: Night::new(SleepSettings::default(), clock.now()),
            nav,
            clock,
            hardware: Vec::new(),
            config: ConfigVm::default(),
        }
    }

    /// Applies a source's update (a frozen hub has no sources and ignores it).
    pub fn apply(&mut self, update: SourceUpdate) {
        if let Model::Live { dash, .. } = &mut self.model {
            dash.apply(update);
            let now = self.clock.now();
            let causes = night::causes(dash, now);
            if self.night.observe(&chrono::Local, causes, now) {
                tracing::info!(display = ?self.night.state(&chrono::Local, now), "woken by the data");
            }
        }
    }

    /// Applies an input from the screen now; returns whether the page or
    /// the display changed. An input on a screen that is not on only wakes
    /// it; [`Input::Motion`] (a PIR sensor) only ever goes to the night.
    pub fn input(&mut self, input: Input) -> bool {
        let now = self.clock.now();
        if let Model::Frozen(vm) = &mut self.model
            && vm.display.power != Power::On
        {
            tracing::info!(?input, "a touch woke the frozen frame (swallowed)");
            vm.display = DisplayVm::default();
            return true;
        }
        if input == Input::Motion {
            return self.motion();
        }
        if self.night.touch(&chrono::Local, now) == Touch::Swallowed {
            tracing::info!(?input, "a touch woke the screen (swallowed)");
            return true;
        }
        tracing::debug!(?input, "input");
        self.nav.input(input, now)
    }

    /// Motion (a PIR sensor) now; returns whether the display changed.
    pub fn motion(&mut self) -> bool {
        self.night.motion(&chrono::Local, self.clock.now())
    }

    /// Follows the clock (idle timer, rotation); returns whether the page changed.
    pub fn tick(&mut self) -> bool {
        self.nav.tick(self.clock.now())
    }

    /// The display's state now, as the view model carries it (a frozen
    /// frame's is its own, fixed until a touch wakes it).
    pub fn display(&self) -> DisplayVm {
        let mut display = if let Model::Frozen(vm) = &self.model {
            vm.display.clone()
        } else {
            let now = self.clock.now();
            DisplayVm::of(&self.night.state(&chrono::Local, now), local_offset(now))
        };
        display.hardware.clone_from(&self.hardware);
        display
    }

    /// The view model now, on the page shown.
    pub fn view(&self) -> ViewModel {
        match &self.model {
            Model::Live { dash, rules } => {
                let now = self.clock.now();
                view::build(dash, rules, now, local_offset(now))
            }
            Model::Frozen(vm) => (**vm).clone(),
        }
        .on_page(&self.nav)
        .with_display(self.display())
        .with_config(self.config.clone())
    }

    /// Whether the view can change without an update or an input: a live
    /// view ages with the clock, and so does the display of one that sleeps;
    /// a frozen one that never sleeps does not.
    fn ages(&self) -> bool {
        matches!(self.model, Model::Live { .. })
            || self.night.settings() != &SleepSettings::default()
    }

    /// Applies updates from `updates` and inputs from `inputs`, and publishes
    /// view models on `views`, following the clock once a second. Runs until
    /// `views` has no receivers.
    pub async fn run(
        self,
        updates: mpsc::Receiver<SourceUpdate>,
        inputs: mpsc::Receiver<Input>,
        views: watch::Sender<Arc<ViewModel>>,
    ) {
        let (_, control) = mpsc::channel(1);
        self.run_controlled((updates, inputs, control), views).await;
    }

    /// [`Hub::run`], also following the config reload's messages on
    /// `control` (applied before any update sent after them).
    pub async fn run_controlled(
        mut self,
        (mut updates, mut inputs, mut control): Channels,
        views: watch::Sender<Arc<ViewModel>>,
    ) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let (mut updates_open, mut inputs_open, mut control_open) = (true, true, true);
        loop {
            let changed = tokio::select! {
                update = updates.recv(), if updates_open => match update {
                    Some(u) => { self.take_control(&mut control); self.apply(u); true }
                    None => { updates_open = false; false }
                },
                c = control.recv(), if control_open => match c {
                    Some(c) => self.control(c),
                    None => { control_open = false; false }
                },
                input = inputs.recv(), if inputs_open => match input {
                    Some(i) => self.input(i),
                    None => { inputs_open = false; false }
                },
                _ = tick.tick() => self.tick(),
            };
            if changed || self.ages() {
                publish(&views, self.view());
            }
            if views.is_closed() {
                return;
            }
        }
    }
}

/// The hub's inputs: source updates, inputs from the screen, and the
/// config reload's messages.
pub type Channels = (
    mpsc::Receiver<SourceUpdate>,
    mpsc::Receiver<Input>,
    mpsc::Receiver<Control>,
);

impl Hub {
    /// Applies every control message already sent.
    fn take_control(&mut self, control: &mut mpsc::Receiver<Control>) {
        while let Ok(c) = control.try_recv() {
            self.control(c);
        }
    }
}

/// Sends `vm` on `views` if it differs from the one shown.
fn publish(views: &watch::Sender<Arc<ViewModel>>, vm: ViewModel) {
    views.send_if_modified(|current| {
        let changed = **current != vm;
        if changed {
            *current = Arc::new(vm);
        }
        changed
    });
}

#[cfg(test)]
mod tests;
