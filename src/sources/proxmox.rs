//! The Proxmox source. NOT BUILT YET: its issue replaces this placeholder.

use std::time::Duration;

use crate::config::Loaded;
use crate::core::{Failure, FailureKind, SourceData, SourceKind};
use crate::sources::Source;

/// Polls Proxmox.
#[derive(Debug)]
pub struct ProxmoxSource {
    interval: Duration,
}

impl ProxmoxSource {
    /// The source for the config's `[proxmox]` section, if it has one.
    pub fn from_config(loaded: &Loaded) -> Option<Self> {
        let c = loaded.config.proxmox.as_ref()?;
        Some(Self {
            interval: Duration::from_secs(c.poll_interval_secs),
        })
    }
}

impl Source for ProxmoxSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Proxmox
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn poll(&mut self) -> Result<SourceData, Failure> {
        Err(Failure::new(
            FailureKind::BadResponse,
            "the Proxmox client is not built yet",
        ))
    }
}
