//! The Proxmox VE source: nodes, guests and storage straight from the API
//! (`cluster/status` and `cluster/resources`), so the dashboard knows the
//! cluster even when Prometheus is down.
//!
//! Operating manual:
//! - Create an API token (Datacenter > Permissions > API Tokens) and give the
//!   *token* the `PVEAuditor` role on `/` (with privilege separation on, the
//!   default, the user's own roles do not count). The header sent is
//!   `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`.
//! - List several nodes in `endpoints`: any one answers for the cluster. A
//!   node that refuses or times out is skipped for a minute and the next is
//!   asked; a node that reports no quorum is used only if no other answers.
//! - TLS: Proxmox serves self-signed certificates. Prefer `ca_file` (the
//!   cluster's `/etc/pve/pve-root-ca.pem`, which signs every node and
//!   survives renewals), or pin each node's SHA-256 fingerprint
//!   (`fingerprints`), or, knowingly, `insecure = true`. A certificate that
//!   fails the check is an error on screen, never a silent fallback.
//! - 401 means the token id or secret is wrong (Proxmox waits 3 s before it
//!   says so); 403, or a token that sees nodes but no guests or storage,
//!   means it lacks PVEAuditor on `/`.

mod failover;
pub mod parse;

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderValue};

use crate::config::{Loaded, ProxmoxConfig};
use crate::core::{Failure, FailureKind, ProxmoxData, SourceData, SourceKind};
use crate::sources::Source;
use crate::sources::http::{self, Tls};

pub use failover::{Failover, SKIP_FOR};

/// The most a `cluster/resources` answer may hold: the shared default, 4 MiB,
/// about 10,000 guests (an entry is about 400 bytes), far beyond a homelab.
/// Both requests of a cycle run at once, so an endpoint that streams junk
/// costs at most twice this (the fault suite, tests/faults.rs, measures it).
const BODY_CAP: usize = http::DEFAULT_BODY_CAP;

/// One node to ask, with its own client (pins are per endpoint).
#[derive(Debug)]
struct Endpoint {
    /// The URL without a trailing slash.
    base: String,
    /// host:port, for messages.
    label: String,
    /// A client that could not be built (unreadable CA file...) is a failure
    /// at every poll, never a panic.
    client: Result<reqwest::Client, String>,
}

/// Polls the Proxmox VE API.
#[derive(Debug)]
pub struct ProxmoxSource {
    endpoints: Vec<Endpoint>,
    /// The `Authorization` header, marked sensitive so `Debug` hides it.
    auth: Result<HeaderValue, String>,
    interval: Duration,
    timeout: Duration,
    failover: Failover,
}

impl ProxmoxSource {
    /// The source for the config's `[proxmox]` section, if it has one.
    pub fn from_config(loaded: &Loaded) -> Option<Self> {
        let c = loaded.config.proxmox.as_ref()?;
        if c.insecure {
            tracing::warn!(
                "proxmox: insecure = true: the certificates of {} are NOT checked; anyone on the network path can read the API token. Set ca_file to /etc/pve/pve-root-ca.pem instead",
                c.endpoints.join(", ")
            );
        }
        let timeout = Duration::from_secs(c.timeout_secs);
        let endpoints: Vec<Endpoint> = c
            .endpoints
            .iter()
            .map(|url| endpoint(c, url, timeout))
            .collect();
        let auth = match &loaded.secrets.proxmox_token {
            Some(secret) => auth_header(&c.token_id, secret.expose()),
            None => Err("no token secret was read for [proxmox]".to_owned()),
        };
        Some(Self {
            failover: Failover::new(endpoints.len()),
            endpoints,
            auth,
            interval: Duration::from_secs(c.poll_interval_secs),
            timeout,
        })
    }

    /// Asks endpoint `i` for both resources at once and combines them.
    async fn fetch(&self, i: usize, auth: &HeaderValue) -> Result<ProxmoxData, Failure> {
        let (status, resources) = tokio::try_join!(
            self.get(i, "cluster/status", auth),
            self.get(i, "cluster/resources", auth)
        )?;
        let status = parse::cluster_status(&status)?;
        let resources = parse::resources(&resources)?;
        parse::snapshot(&status, resources)
    }

    async fn get(&self, i: usize, path: &str, auth: &HeaderValue) -> Result<Vec<u8>, Failure> {
        let Some(ep) = self.endpoints.get(i) else {
            return Err(Failure::new(FailureKind::BadResponse, "no such endpoint"));
        };
        let client = ep
            .client
            .as_ref()
            .map_err(|e| Failure::new(FailureKind::Tls, e.clone()))?;
        let request = client
            .get(format!("{}/api2/json/{path}", ep.base))
            .header(AUTHORIZATION, auth.clone());
        let (body, reason) = http::send_with_reason(request, BODY_CAP).await?;
        if body.status.is_success() && http::looks_like_html(&body) {
            // A reverse proxy's login or error page, not the API.
            Err(Failure::new(
                FailureKind::BadResponse,
                format!(
                    "{path}: an HTML page instead of the Proxmox API (a proxy or login page? check the endpoint URL)"
                ),
            ))
        } else if body.status.is_success() {
            Ok(body.bytes)
        } else {
            Err(parse::http_failure(
                body.status.as_u16(),
                reason.as_deref(),
                &body.bytes,
            ))
        }
    }

    fn label(&self, i: usize) -> &str {
        self.endpoints.get(i).map_or("?", |e| e.label.as_str())
    }
}

/// Builds the client for one endpoint with its TLS mode.
fn endpoint(c: &ProxmoxConfig, url: &str, timeout: Duration) -> Endpoint {
    let base = url.trim_end_matches('/').to_owned();
    let label = url::Url::parse(&base)
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        .unwrap_or_else(|| base.clone());
    let client = tls_mode(c, &base).and_then(|tls| http::client(&tls, timeout));
    Endpoint {
        base,
        label,
        client,
    }
}

/// The trust mode for the endpoint `base`: validation makes the modes
/// exclusive and requires a pin for every endpoint once one is pinned.
fn tls_mode(c: &ProxmoxConfig, base: &str) -> Result<Tls, String> {
    if c.insecure {
        return Ok(Tls::Insecure);
    }
    if !c.fingerprints.is_empty() {
        let pinned = c
            .fingerprints
            .iter()
            .find(|(url, _)| url.trim_end_matches('/') == base)
            .map(|(_, fp)| fp);
        let Some(fp) = pinned else {
            return Err(format!("no fingerprint pinned for {base}"));
        };
        return http::parse_fingerprint(fp).map(Tls::Pin).ok_or_else(|| {
            format!("the fingerprint for {base} is not 32 colon-separated hex bytes")
        });
    }
    Ok(match &c.ca_file {
        Some(path) => Tls::CaFile(path.clone()),
        None => Tls::System,
    })
}

/// `PVEAPIToken=USER@REALM!TOKENID=SECRET`, marked sensitive.
fn auth_header(token_id: &str, secret: &str) -> Result<HeaderValue, String> {
    let mut value =
        HeaderValue::from_str(&format!("PVEAPIToken={token_id}={secret}")).map_err(|_| {
            "the token id or secret holds characters not allowed in an HTTP header".to_owned()
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Failures that asking another node cannot fix: the token is the same on
/// every node, and a certificate that fails its check must be seen, not
/// routed around.
fn stops_failover(f: &Failure) -> bool {
    matches!(f.kind, FailureKind::Auth | FailureKind::Tls)
}

/// One failure for a poll in which every endpoint failed.
fn all_failed(failures: Vec<(String, Failure)>) -> Failure {
    let n = failures.len();
    let kind = failures
        .iter()
        .map(|(_, f)| f.kind)
        .find(|k| !k.is_connectivity())
        .or_else(|| failures.last().map(|(_, f)| f.kind))
        .unwrap_or(FailureKind::Unreachable);
    let each: Vec<String> = failures
        .into_iter()
        .map(|(label, f)| format!("{label}: {}", f.message))
        .collect();
    let message = if n == 1 {
        each.join("")
    } else {
        format!("all {n} endpoints failed; {}", each.join("; "))
    };
    Failure::new(kind, message)
}

impl Source for ProxmoxSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Proxmox
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    /// Room to try every endpoint in turn, each with its own timeout.
    fn deadline(&self) -> Duration {
        let n = u32::try_from(self.endpoints.len()).unwrap_or(u32::MAX);
        let all = self
            .timeout
            .saturating_mul(n)
            .saturating_add(Duration::from_secs(2));
        all.max(self.interval).max(Duration::from_secs(10))
    }

    async fn poll(&mut self) -> Result<SourceData, Failure> {
        let auth = self
            .auth
            .clone()
            .map_err(|e| Failure::new(FailureKind::Auth, e))?;
        let order = self.failover.order(Instant::now());
        let mut failures = Vec::new();
        let mut no_quorum: Option<(usize, ProxmoxData)> = None;
        for (pos, &i) in order.iter().enumerate() {
            let label = self.label(i).to_owned();
            match self.fetch(i, &auth).await {
                Ok(mut data) => {
                    let last = pos + 1 == order.len();
                    if data.quorate == Some(false) && !last {
                        // A node outside the quorum may hold old data: use it
                        // only if no other node answers.
                        self.failover.answered(i, false);
                        if no_quorum.is_none() {
                            data.warning = Some(no_quorum_warning(&label));
                            no_quorum = Some((i, data));
                        }
                        continue;
                    }
                    if data.quorate == Some(false) {
                        data.warning = Some(no_quorum_warning(&label));
                    }
                    self.failover.answered(i, true);
                    return Ok(SourceData::Proxmox(data));
                }
                Err(f) if stops_failover(&f) => {
                    self.failover.answered(i, false);
                    return Err(Failure::new(f.kind, format!("{label}: {}", f.message)));
                }
                Err(f) => {
                    tracing::debug!(endpoint = %label, reason = %f.message, "proxmox endpoint failed, trying the next");
                    if f.kind.is_connectivity() {
                        self.failover.failed(i, Instant::now());
                    }
                    failures.push((label, f));
                }
            }
        }
        if let Some((i, data)) = no_quorum {
            self.failover.answered(i, true);
            return Ok(SourceData::Proxmox(data));
        }
        Err(all_failed(failures))
    }
}

fn no_quorum_warning(label: &str) -> String {
    format!("{label} has no quorum and no other node answered: the data may be out of date")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auth_header_has_the_documented_form_and_hides_the_secret() {
        let h = auth_header("piboard@pve!dash", "0123-abcd").expect("valid header");
        assert_eq!(
            h.to_str().ok(),
            Some("PVEAPIToken=piboard@pve!dash=0123-abcd")
        );
        assert!(h.is_sensitive());
        assert!(!format!("{h:?}").contains("0123-abcd"));
        assert!(auth_header("a@b!c", "bad\nsecret").is_err());
    }

    #[test]
    fn all_failed_names_every_endpoint_and_keeps_the_telling_kind() {
        let f = all_failed(vec![
            (
                "a:8006".into(),
                Failure::new(FailureKind::Unreachable, "connection refused"),
            ),
            (
                "b:8006".into(),
                Failure::new(FailureKind::Timeout, "timed out"),
            ),
        ]);
        assert_eq!(f.kind, FailureKind::Timeout);
        assert_eq!(
            f.message,
            "all 2 endpoints failed; a:8006: connection refused; b:8006: timed out"
        );
        let f = all_failed(vec![
            (
                "a:8006".into(),
                Failure::new(FailureKind::BadResponse, "not JSON"),
            ),
            (
                "b:8006".into(),
                Failure::new(FailureKind::Unreachable, "refused"),
            ),
        ]);
        assert_eq!(f.kind, FailureKind::BadResponse);
    }
}
