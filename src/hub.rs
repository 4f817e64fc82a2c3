//! The hub: owns the core's [`Dashboard`], applies every source update, and
//! publishes a fresh view model whenever what it shows has changed.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use tokio::sync::{mpsc, watch};

use crate::core::{Clock, Dashboard, Rules, SourceUpdate};
use crate::view::{self, ViewModel};

/// The local time zone's offset at `now` (follows daylight saving changes).
pub fn local_offset(now: DateTime<Utc>) -> FixedOffset {
    chrono::Local
        .offset_from_utc_datetime(&now.naive_utc())
        .fix()
}

/// Applies updates from `updates` and publishes view models on `views`,
/// re-checking freshness once a second. Runs until `views` has no receivers.
pub async fn run(
    mut dash: Dashboard,
    rules: Rules,
    clock: Arc<dyn Clock>,
    mut updates: mpsc::Receiver<SourceUpdate>,
    views: watch::Sender<Arc<ViewModel>>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut open = true;
    loop {
        tokio::select! {
            update = updates.recv(), if open => match update {
                Some(u) => dash.apply(u),
                None => open = false,
            },
            _ = tick.tick() => {}
        }
        let now = clock.now();
        let vm = view::build(&dash, &rules, now, local_offset(now));
        views.send_if_modified(|current| {
            let changed = **current != vm;
            if changed {
                *current = Arc::new(vm);
            }
            changed
        });
        if views.is_closed() {
            return;
        }
    }
}
