//! Domain types: what the sources know about the homelab, free of any UI or
//! HTTP type. Sources produce them; the core keeps them; the view model reads
//! them.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The kinds of data source piboard polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Prometheus HTTP API: probes, alerts, PromQL tiles.
    Prometheus,
    /// Proxmox VE API: nodes, guests, storage.
    Proxmox,
    /// Moonraker (Klipper): the printer panel.
    Moonraker,
    /// Alertmanager's API v2: the alerts, silenced and inhibited ones marked
    /// (in place of Prometheus's own, when configured).
    Alertmanager,
}

impl SourceKind {
    /// Every kind, in display order.
    pub const ALL: [SourceKind; 4] = [
        Self::Prometheus,
        Self::Proxmox,
        Self::Moonraker,
        Self::Alertmanager,
    ];

    /// The default display name of a source of this kind.
    pub fn label(self) -> &'static str {
        match self {
            Self::Prometheus => "Prometheus",
            Self::Proxmox => "Proxmox",
            Self::Moonraker => "Moonraker",
            Self::Alertmanager => "Alertmanager",
        }
    }
}

/// Whether a probed service answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeState {
    /// `probe_success` is 1.
    Up,
    /// `probe_success` is 0.
    Down,
    /// No series for the target: the probe is not configured or not scraped.
    Unknown,
}

/// One blackbox-probed service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    pub name: String,
    pub state: ProbeState,
    /// `probe_duration_seconds`, when known.
    pub response_s: Option<f64>,
    /// Slower answers than this count as degraded.
    pub slow_after_s: f64,
}

/// A service's state with its response time taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceHealth {
    Up,
    /// Up, but slower than its threshold.
    Degraded,
    Down,
    Unknown,
}

impl Service {
    /// Up, degraded, down or unknown.
    pub fn health(&self) -> ServiceHealth {
        match self.state {
            ProbeState::Down => ServiceHealth::Down,
            ProbeState::Unknown => ServiceHealth::Unknown,
            ProbeState::Up if self.response_s.is_some_and(|r| r > self.slow_after_s) => {
                ServiceHealth::Degraded
            }
            ProbeState::Up => ServiceHealth::Up,
        }
    }
}

/// A firing alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub name: String,
    pub severity: Severity,
    /// The `instance` label, or another label that says where it fires.
    pub instance: Option<String>,
    /// Since when it is active (Prometheus' `activeAt`), when known.
    pub since: Option<DateTime<Utc>>,
    /// The `summary` annotation, else the `description`.
    pub summary: Option<String>,
    /// Silenced or inhibited in Alertmanager: shown, but it does not make
    /// the overall status worse. Always `None` from Prometheus.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<super::alerts::Suppression>,
}

/// Alert severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    /// Reads the conventional `severity` label; anything unknown is a warning.
    pub fn from_label(label: Option<&str>) -> Self {
        match label.map(str::to_ascii_lowercase).as_deref() {
            Some("critical" | "page" | "error") => Self::Critical,
            Some("info" | "none") => Self::Info,
            _ => Self::Warning,
        }
    }
}

/// The value of a user-defined PromQL tile: one entry per series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TileReading {
    pub name: String,
    pub series: Vec<SeriesValue>,
    /// Why the query failed, if it did (the other tiles are unaffected).
    pub error: Option<String>,
}

/// One series of a tile: its label and its value (NaN and infinities kept as such).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesValue {
    pub label: String,
    pub value: f64,
}

/// A Proxmox node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    pub name: String,
    pub online: bool,
    /// CPU use as a fraction 0..=1.
    pub cpu: Option<f64>,
    pub mem_used: Option<u64>,
    pub mem_total: Option<u64>,
    pub uptime_s: Option<u64>,
    /// The load average over 1, 5 and 15 minutes (`/nodes/{node}/status`),
    /// `None` when the node is offline or did not say.
    pub load: Option<[f64; 3]>,
}

/// What a guest is doing, as far as we can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GuestState {
    Running,
    Stopped,
    Paused,
    /// On an offline node: the API's last word is stale.
    Unknown,
}

/// A VM or container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Guest {
    pub vmid: u32,
    pub name: String,
    pub node: String,
    pub kind: GuestKind,
    pub state: GuestState,
    pub template: bool,
    /// CPU use as a fraction of the guest's own cores, 0..=1.
    pub cpu: Option<f64>,
    /// Memory in use and allotted, bytes.
    pub mem_used: Option<u64>,
    pub mem_total: Option<u64>,
}

/// QEMU VM or LXC container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GuestKind {
    Qemu,
    Lxc,
}

/// A storage pool (shared pools counted once).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Storage {
    pub name: String,
    pub node: Option<String>,
    pub shared: bool,
    pub available: bool,
    pub used: u64,
    pub total: u64,
}

impl Storage {
    /// Fraction used, 0..=1; `None` for an empty or unknown pool.
    pub fn fraction(&self) -> Option<f64> {
        (self.total > 0).then(|| self.used as f64 / self.total as f64)
    }
}

/// Everything a Prometheus poll yields.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PrometheusData {
    pub services: Vec<Service>,
    pub alerts: Vec<Alert>,
    pub tiles: Vec<TileReading>,
    /// Why the probe query failed, if it did (the services are then unknown).
    pub services_error: Option<String>,
    /// Why the alerts query failed, if it did (the alerts are then unknown, not none).
    pub alerts_error: Option<String>,
    /// The services' response times of the last hour, once after a start
    /// (merged and dropped by the core).
    #[serde(skip)]
    pub seed: Vec<super::seed::ServiceSeed>,
}

/// Everything a Proxmox poll yields.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProxmoxData {
    pub nodes: Vec<Node>,
    pub guests: Vec<Guest>,
    pub storage: Vec<Storage>,
    pub quorate: Option<bool>,
    /// A problem that is not a failure (a token that sees nodes but no guests).
    pub warning: Option<String>,
    /// Nodes' CPU and memory of the last hour, once per node after a start
    /// (merged and dropped by the core).
    #[serde(skip)]
    pub seed: Vec<super::seed::NodeSeed>,
}

/// Klipper's own state as Moonraker reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KlippyState {
    #[default]
    Ready,
    Startup,
    Shutdown,
    Error,
    Disconnected,
}

/// The print job's state (`print_stats.state`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PrintState {
    #[default]
    Standby,
    Printing,
    Paused,
    Complete,
    Cancelled,
    Error,
}

/// A heater: current and target temperature in °C, power 0..=1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Heater {
    pub temperature: f64,
    pub target: f64,
    pub power: Option<f64>,
}

/// Everything a Moonraker poll yields.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PrinterData {
    pub klippy: KlippyState,
    /// Klipper's state message when it is not ready (first line).
    pub klippy_message: Option<String>,
    pub state: PrintState,
    pub filename: Option<String>,
    /// File progress 0..=1.
    pub progress: f64,
    pub print_duration_s: f64,
    pub total_duration_s: f64,
    pub filament_used_mm: f64,
    pub current_layer: Option<u32>,
    pub total_layers: Option<u32>,
    pub extruder: Heater,
    pub bed: Heater,
    /// Part-cooling fan 0..=1.
    pub fan: Option<f64>,
    pub speed_factor: Option<f64>,
    /// The M117 display message or the print_stats message.
    pub message: Option<String>,
    /// The slicer's estimate for the whole print, seconds.
    pub slicer_estimate_s: Option<f64>,
    /// The slicer's filament total, mm.
    pub filament_total_mm: Option<f64>,
    /// Decoded thumbnail (RGBA8, width, height), if the file has one.
    #[serde(skip)]
    pub thumbnail: Option<Thumbnail>,
    /// The last print jobs, newest first (Moonraker's job history).
    pub jobs: Vec<Job>,
    /// The temperature store, once after a start (merged into the core's
    /// temperature history and dropped).
    #[serde(skip)]
    pub seed: Option<super::seed::TempSeed>,
}

/// How a print job ended, as Moonraker's job history says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    InProgress,
    Completed,
    Cancelled,
    Error,
    /// Klipper shut down during the job.
    KlippyShutdown,
    /// Klipper lost its connection during the job.
    KlippyDisconnect,
    /// Moonraker found the job unfinished at its start.
    Interrupted,
    /// Moonraker stopped during the job.
    ServerExit,
    /// A status this version does not know.
    Other,
}

/// One job of the printer's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    /// The file, with its folders.
    pub filename: String,
    pub status: JobStatus,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// From start to end, pauses included, seconds.
    pub total_duration_s: Option<f64>,
    /// Filament used, mm.
    pub filament_used_mm: Option<f64>,
}

/// A decoded gcode thumbnail, shared cheaply between snapshots.
#[derive(Debug, Clone, PartialEq)]
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    pub rgba: std::sync::Arc<Vec<u8>>,
}

/// The payload of one successful poll.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceData {
    Prometheus(PrometheusData),
    Proxmox(ProxmoxData),
    Moonraker(Box<PrinterData>),
    Alertmanager(super::alerts::AlertmanagerData),
}

impl SourceData {
    /// The kind of source that produces this data.
    pub fn kind(&self) -> SourceKind {
        match self {
            Self::Prometheus(_) => SourceKind::Prometheus,
            Self::Proxmox(_) => SourceKind::Proxmox,
            Self::Moonraker(_) => SourceKind::Moonraker,
            Self::Alertmanager(_) => SourceKind::Alertmanager,
        }
    }
}

/// Why a poll failed, in classes a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Connection refused, host unreachable, DNS failure.
    Unreachable,
    /// No answer within the timeout.
    Timeout,
    /// The server answered with a 5xx or is starting up.
    ServerError,
    /// 401 or 403: the credentials are wrong or lack a permission.
    Auth,
    /// TLS handshake failed or a pinned certificate did not match.
    Tls,
    /// The answer was not what the API documents.
    BadResponse,
}

impl FailureKind {
    /// Whether this failure means the server cannot be reached at all (the
    /// source is "lost") rather than reached and refusing us ("error").
    pub fn is_connectivity(self) -> bool {
        matches!(self, Self::Unreachable | Self::Timeout | Self::ServerError)
    }
}

/// The longest reason a [`Failure`] keeps, in characters; a longer one is
/// cut, ending in "…". Most reasons are one line (a server's own words are
/// shortened to 160 where they enter), but some quote a server whole (a
/// JSON-RPC error's first line, every Proxmox endpoint's reason) and each
/// goes to the screen, `/api/status` and a log line at every retry.
pub const REASON_MAX_CHARS: usize = 1000;

/// A failed poll: its class and a reason in words (at most
/// [`REASON_MAX_CHARS`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        let mut message = message.into();
        if message.chars().count() > REASON_MAX_CHARS {
            let cut = message
                .char_indices()
                .nth(REASON_MAX_CHARS - 1)
                .map_or(message.len(), |(i, _)| i);
            message.truncate(cut);
            message.push('…');
        }
        Self { kind, message }
    }
}

/// What a source reports after one poll cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceUpdate {
    pub kind: SourceKind,
    /// When the poll finished.
    pub at: DateTime<Utc>,
    pub outcome: Result<SourceData, Failure>,
    /// When the source will try again.
    pub next_poll: Option<DateTime<Utc>>,
}

impl ProxmoxData {
    /// A guest's state as far as we can tell: the API keeps reporting the last
    /// status of guests on an offline node for minutes, so those are unknown.
    pub fn guest_state(&self, guest: &Guest) -> GuestState {
        let node_online = self
            .nodes
            .iter()
            .find(|n| n.name == guest.node)
            .is_none_or(|n| n.online);
        if node_online {
            guest.state
        } else {
            GuestState::Unknown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_keeps_at_most_the_longest_reason() {
        let huge = "é".repeat(2 * 1024 * 1024);
        let f = Failure::new(FailureKind::ServerError, format!("server.info: {huge}"));
        assert_eq!(f.message.chars().count(), REASON_MAX_CHARS);
        assert!(f.message.starts_with("server.info: éé"));
        assert!(f.message.ends_with('…'));
        let exact = "x".repeat(REASON_MAX_CHARS);
        assert_eq!(
            Failure::new(FailureKind::Timeout, exact.clone()).message,
            exact
        );
        let short = Failure::new(FailureKind::Timeout, "timed out");
        assert_eq!(short.message, "timed out");
    }
}
