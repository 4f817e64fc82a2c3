//! The hub: owns the core's [`Dashboard`] and [`Nav`], applies every source
//! update and every input from the screen, and publishes a fresh view model
//! whenever what it shows has changed.
//!
//! Inputs (a tap turned into an [`Input`] by the UI thread, which does
//! nothing else with it) arrive on their own channel and are applied with
//! the injected clock's `now`, so the idle timer and page rotation are as
//! testable as the rest of the core. A frozen frame (`--demo --at N`) has
//! no sources but still navigates: its view model is fixed, the page is not.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use tokio::sync::{mpsc, watch};

use crate::core::{Clock, Dashboard, Input, Nav, Rules, SourceUpdate};
use crate::view::{self, ViewModel};

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
    clock: Arc<dyn Clock>,
}

impl Hub {
    /// A hub over live data from the sources.
    pub fn live(dash: Dashboard, rules: Rules, nav: Nav, clock: Arc<dyn Clock>) -> Self {
        Self {
            model: Model::Live {
                dash: Box::new(dash),
                rules,
            },
            nav,
            clock,
        }
    }

    /// A hub over one frozen view model: only the page can change.
    pub fn frozen(vm: ViewModel, nav: Nav, clock: Arc<dyn Clock>) -> Self {
        Self {
            model: Model::Frozen(Box::new(vm)),
            nav,
            clock,
        }
    }

    /// Applies a source's update (a frozen hub has no sources and ignores it).
    pub fn apply(&mut self, update: SourceUpdate) {
        if let Model::Live { dash, .. } = &mut self.model {
            dash.apply(update);
        }
    }

    /// Applies an input from the screen now; returns whether the page changed.
    pub fn input(&mut self, input: Input) -> bool {
        tracing::debug!(?input, "input");
        self.nav.input(input, self.clock.now())
    }

    /// Follows the clock (idle timer, rotation); returns whether the page changed.
    pub fn tick(&mut self) -> bool {
        self.nav.tick(self.clock.now())
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
    }

    /// Whether the view can change without an update or an input: a live
    /// view ages with the clock; a frozen one does not.
    fn ages(&self) -> bool {
        matches!(self.model, Model::Live { .. })
    }

    /// Applies updates from `updates` and inputs from `inputs`, and publishes
    /// view models on `views`, following the clock once a second. Runs until
    /// `views` has no receivers.
    pub async fn run(
        mut self,
        mut updates: mpsc::Receiver<SourceUpdate>,
        mut inputs: mpsc::Receiver<Input>,
        views: watch::Sender<Arc<ViewModel>>,
    ) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let (mut updates_open, mut inputs_open) = (true, true);
        loop {
            let changed = tokio::select! {
                update = updates.recv(), if updates_open => match update {
                    Some(u) => { self.apply(u); true }
                    None => { updates_open = false; false }
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
