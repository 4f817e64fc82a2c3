//! The Prometheus source. NOT BUILT YET: its issue replaces this placeholder.

use std::time::Duration;

use crate::config::Loaded;
use crate::core::{Failure, FailureKind, SourceData, SourceKind};
use crate::sources::Source;

/// Polls Prometheus.
#[derive(Debug)]
pub struct PrometheusSource {
    interval: Duration,
}

impl PrometheusSource {
    /// The source for the config's `[prometheus]` section, if it has one.
    pub fn from_config(loaded: &Loaded) -> Option<Self> {
        let c = loaded.config.prometheus.as_ref()?;
        Some(Self {
            interval: Duration::from_secs(c.poll_interval_secs),
        })
    }
}

impl Source for PrometheusSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Prometheus
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn poll(&mut self) -> Result<SourceData, Failure> {
        Err(Failure::new(
            FailureKind::BadResponse,
            "the Prometheus client is not built yet",
        ))
    }
}
