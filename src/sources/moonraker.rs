//! The Moonraker source. NOT BUILT YET: its issue replaces this placeholder.

use std::time::Duration;

use crate::config::Loaded;
use crate::core::{Failure, FailureKind, SourceData, SourceKind};
use crate::sources::Source;

/// Polls Moonraker.
#[derive(Debug)]
pub struct MoonrakerSource {
    interval: Duration,
}

impl MoonrakerSource {
    /// The source for the config's `[moonraker]` section, if it has one.
    pub fn from_config(loaded: &Loaded) -> Option<Self> {
        let c = loaded.config.moonraker.as_ref()?;
        Some(Self {
            interval: Duration::from_secs(c.poll_interval_idle_secs),
        })
    }
}

impl Source for MoonrakerSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Moonraker
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn poll(&mut self) -> Result<SourceData, Failure> {
        Err(Failure::new(
            FailureKind::BadResponse,
            "the Moonraker client is not built yet",
        ))
    }
}
