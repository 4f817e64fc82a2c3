//! Builds and starts the configured sources.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::config::Loaded;
use crate::core::Clock;
use crate::sources;
use crate::sources::moonraker::MoonrakerSource;
use crate::sources::prometheus::PrometheusSource;
use crate::sources::proxmox::ProxmoxSource;
use crate::telemetry::Telemetry;

/// Starts one poller per configured source.
pub(super) fn spawn(
    rt: &tokio::runtime::Handle,
    loaded: &Loaded,
    clock: &Arc<dyn Clock>,
    updates: &mpsc::Sender<crate::core::SourceUpdate>,
    telemetry: &Arc<Telemetry>,
) {
    if let Some(s) = PrometheusSource::from_config(loaded) {
        rt.spawn(sources::run(
            s,
            clock.clone(),
            updates.clone(),
            telemetry.clone(),
        ));
    }
    if let Some(s) = ProxmoxSource::from_config(loaded) {
        rt.spawn(sources::run(
            s,
            clock.clone(),
            updates.clone(),
            telemetry.clone(),
        ));
    }
    if let Some(s) = MoonrakerSource::from_config(loaded) {
        rt.spawn(sources::run(
            s,
            clock.clone(),
            updates.clone(),
            telemetry.clone(),
        ));
    }
}
