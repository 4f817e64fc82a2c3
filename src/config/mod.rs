//! The TOML configuration: its shape, its defaults, and validation that names
//! the key, the line and the problem. See `deploy/piboard.toml` for a full,
//! commented example.

mod display;
mod fingerprint;
mod locate;
mod schema;
mod secret;
mod sleep;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use display::{DisplayConfig, DisplayMode};
pub use fingerprint::Fingerprint;
pub use schema::{
    AlertmanagerConfig, BasicAuth, Config, DirectionConfig, HeaderValueConfig, MoonrakerConfig,
    PrometheusConfig, ProxmoxConfig, ServerConfig, ServiceConfig, TileConfig, TransportConfig,
};
pub use secret::{Secret, SecretSource};
pub use sleep::{
    BacklightConfig, ClockTime, MotionConfig, QuietWakesConfig, SleepConfig, SleepMode, WakeOn,
};

use crate::core::{Direction, NavSettings, Rules, SourceKind, SourceSettings, TileSpec, Unit};

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
        if let Some(a) = &c.alertmanager {
            out.push(SourceSettings {
                kind: SourceKind::Alertmanager,
                name: "Alertmanager".into(),
                url: redact_url(&a.url),
                interval: Duration::from_secs(a.poll_interval_secs),
                lost_after: a.lost_after,
            });
        }
        out
    }

    /// How navigation behaves: `[display]`'s timers, the configured sources' pages.
    pub fn nav_settings(&self) -> NavSettings {
        let kinds = self.source_settings().into_iter().map(|s| s.kind);
        self.config.display.nav(kinds)
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
