//! The TOML configuration: its shape, its defaults, and validation that names
//! the key, the line and the problem. See `deploy/piboard.toml` for a full,
//! commented example.

mod locate;
mod secret;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use secret::{Secret, SecretSource};

use crate::core::{Direction, Rules, SourceKind, SourceSettings, TileSpec, Unit};

/// A configuration problem: which key, on which line, and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A key is missing, unknown, of the wrong type or has a bad value.
    #[error("{}", render_invalid(.path, .key, .line, .message))]
    Invalid {
        path: PathBuf,
        key: String,
        line: Option<usize>,
        message: String,
    },
}

fn render_invalid(path: &Path, key: &str, line: &Option<usize>, message: &str) -> String {
    let at = line.map(|l| format!(", line {l}")).unwrap_or_default();
    let key = if key.is_empty() {
        String::new()
    } else {
        format!("`{key}`: ")
    };
    format!("config error in {}{at}: {key}{message}", path.display())
}

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
}

/// `[display]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayConfig {
    /// Window size for the simulator and headless renders; on KMS the display
    /// mode decides unless `mode` is set.
    #[serde(default = "default_width")]
    pub width: u32,
    #[serde(default = "default_height")]
    pub height: u32,
    /// KMS only: the DRM connector, e.g. "HDMI-A-1" (default: the first
    /// connected one).
    pub connector: Option<String>,
    /// KMS only: the display mode, "800x480@60" or "800x480" (default: the
    /// connector's preferred mode, which a mode forced with `video=` is not).
    pub mode: Option<String>,
    /// KMS only: clockwise rotation of the picture, 0, 90, 180 or 270.
    /// Touch is rotated to match by a udev rule (see deploy/setup-pi.sh).
    #[serde(default)]
    pub rotation: u16,
}

fn default_width() -> u32 {
    800
}
fn default_height() -> u32 {
    480
}

impl Default for DisplayConfig {
    fn default() -> Self {
        Self {
            width: default_width(),
            height: default_height(),
            connector: None,
            mode: None,
            rotation: 0,
        }
    }
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
    pub fingerprints: BTreeMap<String, String>,
    #[serde(default)]
    pub insecure: bool,
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

/// A loaded, validated configuration with its secrets resolved.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub config: Config,
    pub secrets: secret::Secrets,
}

impl Loaded {
    /// The core's view of every configured source.
    pub fn source_settings(&self) -> Vec<SourceSettings> {
        let c = &self.config;
        let mut out = Vec::new();
        if let Some(p) = &c.prometheus {
            out.push(SourceSettings {
                kind: SourceKind::Prometheus,
                name: "Prometheus".into(),
                url: redact_url(&p.url),
                interval: Duration::from_secs(p.poll_interval_secs),
                lost_after: p.lost_after,
            });
        }
        if let Some(p) = &c.proxmox {
            out.push(SourceSettings {
                kind: SourceKind::Proxmox,
                name: "Proxmox".into(),
                url: p
                    .endpoints
                    .first()
                    .map(|u| redact_url(u))
                    .unwrap_or_default(),
                interval: Duration::from_secs(p.poll_interval_secs),
                lost_after: p.lost_after,
            });
        }
        if let Some(m) = &c.moonraker {
            out.push(SourceSettings {
                kind: SourceKind::Moonraker,
                name: m.name.clone(),
                url: redact_url(&m.url),
                interval: Duration::from_secs(m.poll_interval_idle_secs),
                lost_after: m.lost_after,
            });
        }
        out
    }

    /// The thresholds the core applies.
    pub fn rules(&self) -> Rules {
        let tiles = self.config.tiles.iter().map(tile_spec).collect();
        Rules {
            tiles,
            services: self
                .config
                .services
                .iter()
                .map(|s| s.name.clone())
                .collect(),
            ..Rules::default()
        }
    }
}

fn tile_spec(t: &TileConfig) -> TileSpec {
    let unit = match t.unit.as_str() {
        "percent" | "%" => Unit::Percent,
        "bytes" => Unit::Bytes,
        "seconds" => Unit::Seconds,
        "celsius" | "°C" => Unit::Celsius,
        "number" | "" => Unit::Number,
        other => Unit::Suffix(other.to_owned()),
    };
    TileSpec {
        name: t.name.clone(),
        unit,
        decimals: t.decimals,
        warn: t.warn,
        critical: t.critical,
        direction: match t.direction {
            DirectionConfig::Above => Direction::Above,
            DirectionConfig::Below => Direction::Below,
        },
        label: t.label.clone(),
        max_series: t.max_series.max(1),
        percent_is_fraction: t.fraction,
    }
}

/// A URL with any user:password part removed, for display and logs.
pub fn redact_url(raw: &str) -> String {
    match raw.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => raw.to_owned(),
    }
}

/// The places piboard looks for a config file when none is given, in order.
pub fn default_paths() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(p) = std::env::var_os("PIBOARD_CONFIG") {
        paths.push(PathBuf::from(p));
    }
    paths.push(PathBuf::from("piboard.toml"));
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME") {
        paths.push(PathBuf::from(dir).join("piboard/piboard.toml"));
    } else if let Some(home) = std::env::var_os("HOME") {
        paths.push(PathBuf::from(home).join(".config/piboard/piboard.toml"));
    }
    paths.push(PathBuf::from("/etc/piboard/piboard.toml"));
    paths
}

/// Reads, parses and validates the file at `path`.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text, path)
}

/// Parses and validates config text; `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<Loaded, ConfigError> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let (key, line, message) = locate::describe_toml_error(text, &e);
        ConfigError::Invalid {
            path: path.to_owned(),
            key,
            line,
            message,
        }
    })?;
    let invalid = |key: &str, message: String| ConfigError::Invalid {
        path: path.to_owned(),
        key: key.to_owned(),
        line: locate::line_of(text, key),
        message,
    };
    validate::validate(&config).map_err(|(key, message)| invalid(&key, message))?;
    let secrets = secret::resolve(&config).map_err(|(key, message)| invalid(&key, message))?;
    Ok(Loaded {
        path: path.to_owned(),
        config,
        secrets,
    })
}

#[cfg(test)]
mod tests;
