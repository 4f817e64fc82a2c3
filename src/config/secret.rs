//! Secrets (tokens, passwords, API keys) come from an environment variable or
//! a file, never inline in the config, and never reach logs or status output:
//! [`Secret`] prints as `***`.

use std::path::PathBuf;

use serde::Deserialize;

use super::Config;

/// Where a secret comes from: `{ env = "VAR" }` or `{ file = "/path" }`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(try_from = "RawSource")]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSource {
    Inline(
        #[expect(
            dead_code,
            reason = "only its presence matters: inline secrets are refused"
        )]
        String,
    ),
    Table {
        env: Option<String>,
        file: Option<PathBuf>,
    },
}

impl TryFrom<RawSource> for SecretSource {
    type Error = String;
    fn try_from(raw: RawSource) -> Result<Self, String> {
        match raw {
            RawSource::Inline(_) => Err("secrets are not written inline: use { env = \"VARIABLE\" } or { file = \"/etc/piboard/secret\" }".into()),
            RawSource::Table { env: Some(e), file: None } => Ok(Self::Env(e)),
            RawSource::Table { env: None, file: Some(f) } => Ok(Self::File(f)),
            RawSource::Table { .. } => Err("give exactly one of `env` or `file`".into()),
        }
    }
}

/// A resolved secret. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    #[cfg(test)]
    pub(crate) fn for_tests(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The value, for building a request header. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Every secret the config refers to, read at start.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    pub prometheus_bearer: Option<Secret>,
    pub prometheus_password: Option<Secret>,
    /// `prometheus.headers`, plain and secret values alike (all shown as `***`).
    pub prometheus_headers: Vec<(String, Secret)>,
    pub proxmox_token: Option<Secret>,
    pub moonraker_api_key: Option<Secret>,
    pub alertmanager_bearer: Option<Secret>,
    pub alertmanager_password: Option<Secret>,
    /// `alertmanager.headers`, as `prometheus_headers`.
    pub alertmanager_headers: Vec<(String, Secret)>,
}

fn read(key: &str, source: &SecretSource) -> Result<Secret, (String, String)> {
    let value = match source {
        SecretSource::Env(var) => std::env::var(var).map_err(|_| {
            (
                key.to_owned(),
                format!("environment variable {var} is not set (or not valid UTF-8)"),
            )
        })?,
        SecretSource::File(path) => std::fs::read_to_string(path).map_err(|e| {
            (
                key.to_owned(),
                format!("cannot read secret file {}: {e}", path.display()),
            )
        })?,
    };
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Err((key.to_owned(), "the secret is empty".into()));
    }
    Ok(Secret(value))
}

/// The secrets of a section reached over HTTP like `[prometheus]`: its
/// bearer token, its basic-auth password, its headers' values.
type HttpSecrets = (Option<Secret>, Option<Secret>, Vec<(String, Secret)>);

/// Reads the secrets of `section` (`prometheus`, `alertmanager`).
fn http_secrets(
    section: &str,
    bearer: Option<&SecretSource>,
    basic: Option<&super::BasicAuth>,
    headers: &std::collections::BTreeMap<String, super::HeaderValueConfig>,
) -> Result<HttpSecrets, (String, String)> {
    let bearer = match bearer {
        Some(src) => Some(read(&format!("{section}.bearer_token"), src)?),
        None => None,
    };
    let password = match basic {
        Some(b) => Some(read(
            &format!("{section}.basic_auth.password"),
            &b.password,
        )?),
        None => None,
    };
    let mut values = Vec::new();
    for (name, value) in headers {
        let value = match value {
            super::HeaderValueConfig::Plain(v) => Secret(v.clone()),
            super::HeaderValueConfig::Secret(src) => {
                read(&format!("{section}.headers.{name}"), src)?
            }
        };
        values.push((name.clone(), value));
    }
    Ok((bearer, password, values))
}

/// Reads every secret the config names.
pub(super) fn resolve(c: &Config) -> Result<Secrets, (String, String)> {
    let mut s = Secrets::default();
    if let Some(p) = &c.prometheus {
        let headers = &p.headers;
        (
            s.prometheus_bearer,
            s.prometheus_password,
            s.prometheus_headers,
        ) = http_secrets(
            "prometheus",
            p.bearer_token.as_ref(),
            p.basic_auth.as_ref(),
            headers,
        )?;
    }
    if let Some(a) = &c.alertmanager {
        let headers = &a.headers;
        (
            s.alertmanager_bearer,
            s.alertmanager_password,
            s.alertmanager_headers,
        ) = http_secrets(
            "alertmanager",
            a.bearer_token.as_ref(),
            a.basic_auth.as_ref(),
            headers,
        )?;
    }
    if let Some(p) = &c.proxmox {
        s.proxmox_token = Some(read("proxmox.token_secret", &p.token_secret)?);
    }
    if let Some(m) = &c.moonraker
        && let Some(src) = &m.api_key
    {
        s.moonraker_api_key = Some(read("moonraker.api_key", src)?);
    }
    Ok(s)
}
