//! The TOML schema: one struct per section, with its defaults. Unknown keys
//! are refused (`deny_unknown_fields`); what the types cannot say (ranges,
//! URLs, combinations) is checked in `validate`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::{DisplayConfig, Fingerprint, SecretSource};

fn default_lost_after() -> u32 {
    2
}

/// The whole file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub display: DisplayConfig,
    #[serde(default)]
    pub server: ServerConfig,
    pub prometheus: Option<PrometheusConfig>,
    #[serde(default)]
    pub services: Vec<ServiceConfig>,
    #[serde(default)]
    pub tiles: Vec<TileConfig>,
    pub proxmox: Option<ProxmoxConfig>,
    pub moonraker: Option<MoonrakerConfig>,
    pub alertmanager: Option<AlertmanagerConfig>,
}

/// `[server]`: the device's own HTTP endpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(default = "default_true")]
    pub enabled: bool,
    #[serde(default = "default_listen")]
    pub listen: String,
}

fn default_true() -> bool {
    true
}
fn default_listen() -> String {
    "0.0.0.0:8080".to_owned()
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: default_listen(),
        }
    }
}

/// HTTP basic authentication.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    pub password: SecretSource,
}

/// A header's value: plain text, or a secret from the environment or a file.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum HeaderValueConfig {
    Plain(String),
    Secret(SecretSource),
}

/// `[prometheus]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusConfig {
    pub url: String,
    #[serde(default = "default_prom_interval")]
    pub poll_interval_secs: u64,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    pub bearer_token: Option<SecretSource>,
    pub basic_auth: Option<BasicAuth>,
    /// Extra headers for every request (a proxy's SSO, a tenant id): plain
    /// text, or `{ env = ... }` / `{ file = ... }` for secrets.
    #[serde(default)]
    pub headers: BTreeMap<String, HeaderValueConfig>,
    pub ca_file: Option<PathBuf>,
    /// Failed cycles in a row before the connection-lost overlay shows.
    #[serde(default = "default_lost_after")]
    pub lost_after: u32,
    /// Default response time above which a service is degraded.
    #[serde(default = "default_slow")]
    pub slow_after_secs: f64,
    /// The blackbox job name used when a service names none.
    pub job: Option<String>,
}

fn default_prom_interval() -> u64 {
    20
}
fn default_timeout() -> u64 {
    5
}
fn default_slow() -> f64 {
    3.0
}

/// `[[services]]`: one blackbox probe.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub name: String,
    /// The probe's `instance` label.
    pub target: String,
    pub job: Option<String>,
    pub slow_after_secs: Option<f64>,
}

/// `[[tiles]]`: any PromQL.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TileConfig {
    pub name: String,
    pub query: String,
    #[serde(default = "default_unit")]
    pub unit: String,
    #[serde(default)]
    pub decimals: u8,
    pub warn: Option<f64>,
    pub critical: Option<f64>,
    #[serde(default)]
    pub direction: DirectionConfig,
    /// For multi-series results: the label naming each series.
    pub label: Option<String>,
    #[serde(default = "default_max_series")]
    pub max_series: usize,
    /// With `unit = "percent"`: the query yields 0..1 rather than 0..100.
    #[serde(default)]
    pub fraction: bool,
}

fn default_unit() -> String {
    "number".to_owned()
}
fn default_max_series() -> usize {
    3
}

/// Which side of a threshold is bad.
#[derive(Debug, Clone, Copy, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DirectionConfig {
    #[default]
    Above,
    Below,
}

/// `[proxmox]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxmoxConfig {
    pub endpoints: Vec<String>,
    /// `user@realm!tokenid`.
    pub token_id: String,
    pub token_secret: SecretSource,
    #[serde(default = "default_pve_interval")]
    pub poll_interval_secs: u64,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    pub ca_file: Option<PathBuf>,
    /// SHA-256 certificate fingerprints to pin, per endpoint URL.
    #[serde(default)]
    pub fingerprints: BTreeMap<String, Fingerprint>,
    #[serde(default)]
    pub insecure: bool,
    #[serde(default = "default_lost_after")]
    pub lost_after: u32,
}

/// `[alertmanager]`: the alerts from Alertmanager instead of Prometheus,
/// reached with the same options as `[prometheus]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerConfig {
    pub url: String,
    #[serde(default = "default_prom_interval")]
    pub poll_interval_secs: u64,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    pub bearer_token: Option<SecretSource>,
    pub basic_auth: Option<BasicAuth>,
    /// Extra headers for every request, as `prometheus.headers`.
    #[serde(default)]
    pub headers: BTreeMap<String, HeaderValueConfig>,
    pub ca_file: Option<PathBuf>,
    /// Failed cycles in a row before the alerts card says it is offline.
    #[serde(default = "default_lost_after")]
    pub lost_after: u32,
}

fn default_pve_interval() -> u64 {
    15
}

/// `[moonraker]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoonrakerConfig {
    pub url: String,
    #[serde(default = "default_printer_name")]
    pub name: String,
    pub api_key: Option<SecretSource>,
    #[serde(default = "default_printing_interval")]
    pub poll_interval_printing_secs: u64,
    #[serde(default = "default_idle_interval")]
    pub poll_interval_idle_secs: u64,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    #[serde(default = "default_lost_after")]
    pub lost_after: u32,
    /// How piboard talks to Moonraker.
    #[serde(default)]
    pub transport: TransportConfig,
}

/// `moonraker.transport`: the websocket with HTTP polling as fallback
/// (`auto`), the websocket only, or HTTP polling only.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TransportConfig {
    #[default]
    Auto,
    Websocket,
    Http,
}

fn default_printer_name() -> String {
    "Printer".to_owned()
}
fn default_printing_interval() -> u64 {
    2
}
fn default_idle_interval() -> u64 {
    10
}
