//! Seeds: history a server already has, fetched by a source at start so the
//! charts are full right after a restart. A seed travels to the core inside
//! the source's data (`PrometheusData::seed`, `ProxmoxData::seed`,
//! `PrinterData::seed`); the core merges it into its rings
//! ([`super::histories`]) and drops it from the data it keeps, so a seed is
//! held only while it is applied.

use super::history::{NodeSample, Point};

/// A service's response times over the last hour, from Prometheus'
/// `/api/v1/query_range` of `probe_duration_seconds`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSeed {
    /// The configured service's name.
    pub service: String,
    /// Seconds, oldest first.
    pub points: Vec<Point>,
}

/// A node's CPU and memory over the last hour, from Proxmox's
/// `/nodes/{node}/rrddata?timeframe=hour&cf=AVERAGE`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSeed {
    pub node: String,
    /// Oldest first.
    pub samples: Vec<NodeSample>,
}

/// The heaters' last minutes from Moonraker's `/server/temperature_store`:
/// one value a second, oldest first, the last taken at `end_s`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TempSeed {
    /// Unix seconds of the newest value.
    pub end_s: i64,
    pub extruder: Vec<f64>,
    pub bed: Vec<f64>,
}
