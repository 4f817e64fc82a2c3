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
//! - Once per node (again after a failure, at the next poll), the node's
//!   last hour of CPU and memory from its RRD ([`rrd`]) seeds the core's
//!   history, so the Proxmox page's sparklines are full after a start.
//! - On every good poll, each online node's load average ([`load`]); a
//!   node whose load cannot be read shows none, never a failure.
//! - 401 means the token id or secret is wrong (Proxmox waits 3 s before it
//!   says so); 403, or a token that sees nodes but no guests or storage,
//!   means it lacks PVEAuditor on `/`.

/// The permission hint every auth failure carries (a macro, so that the
/// failure words can be one `concat!`ed constant).
macro_rules! auditor_hint {
    () => {
        "the token needs the PVEAuditor role on / (Datacenter > Permissions > Add > API Token Permission, path /, propagate)"
    };
}

mod failover;
pub mod load;
pub mod parse;
pub mod rrd;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::core::{Failure, FailureKind, ProxmoxData, SourceData, SourceKind};
use crate::sources::Source;
use crate::sources::http::{self, Endpoint, Header, Sensitive, Setup, Tls, Words};

pub use failover::{Failover, SKIP_FOR};

/// What the answers that are not the API's mean here.
const WORDS: Words = Words {
    unauthorized: concat!(
        "the API token was refused: check token_id and the secret; ",
        auditor_hint!()
    ),
    forbidden: concat!("permission denied: ", auditor_hint!()),
    not_found: "is the endpoint a Proxmox VE node's address (https://HOST:8006)?",
    html: "an HTML page instead of the Proxmox API (a proxy or login page? check the endpoint URL)",
    other: &[(595, FORWARDING), (596, FORWARDING)],
};

/// What Proxmox's own 595 and 596 mean.
const FORWARDING: &str = "the node could not reach the cluster node it forwarded the request to";

/// How the source reaches the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Node URLs (`https://HOST:8006`); any one answers for the cluster.
    pub endpoints: Vec<String>,
    /// `USER@REALM!TOKENID`.
    pub token_id: String,
    /// The token's secret.
    pub token_secret: Sensitive,
    /// The wait between good polls.
    pub interval: Duration,
    /// The timeout of each request.
    pub timeout: Duration,
    /// How the nodes' certificates are checked.
    pub trust: Trust,
}

/// How the nodes' certificates are checked (one mode for the source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// The system's roots: certificates from a public CA (ACME).
    System,
    /// The cluster's CA (`/etc/pve/pve-root-ca.pem`).
    CaFile(PathBuf),
    /// Each node's certificate by its SHA-256 fingerprint, per node URL.
    Pinned(Vec<(String, [u8; 32])>),
    /// Nothing is checked; a warning is logged at every start.
    Insecure,
}

/// Polls the Proxmox VE API.
#[derive(Debug)]
pub struct ProxmoxSource {
    /// One per node, each with its own client (pins are per node).
    endpoints: Vec<Endpoint>,
    interval: Duration,
    timeout: Duration,
    failover: Failover,
    /// The nodes whose hour of CPU and memory was fetched ([`rrd`]).
    seeded: std::collections::BTreeSet<String>,
    /// The nodes whose load could not be read at the last poll ([`load`]).
    unread: load::Unread,
}

impl ProxmoxSource {
    /// The source for `settings`. Whatever cannot be set up (an unreadable
    /// CA file, a secret HTTP cannot carry) fails every poll with the reason.
    pub fn new(settings: Settings) -> Self {
        if settings.trust == Trust::Insecure {
            tracing::warn!(
                "proxmox: insecure = true: the certificates of {} are NOT checked; anyone on the network path can read the API token. Set ca_file to /etc/pve/pve-root-ca.pem instead",
                settings.endpoints.join(", ")
            );
        }
        let token = auth_header(&settings.token_id, &settings.token_secret);
        let endpoints: Vec<Endpoint> = settings
            .endpoints
            .iter()
            .map(|url| match tls_mode(&settings.trust, url) {
                Ok(tls) => {
                    let mut setup = Setup::new(tls, settings.timeout);
                    setup.headers.push(token.clone());
                    Endpoint::new(url, setup)
                }
                Err(f) => Endpoint::failed(url, f),
            })
            .collect();
        Self {
            failover: Failover::new(endpoints.len()),
            endpoints,
            interval: settings.interval,
            timeout: settings.timeout,
            seeded: std::collections::BTreeSet::new(),
            unread: load::Unread::default(),
        }
    }

    /// Asks endpoint `i` for both resources at once and combines them.
    async fn fetch(&self, i: usize) -> Result<ProxmoxData, Failure> {
        let (status, resources) = tokio::try_join!(
            self.get(i, &["cluster", "status"]),
            self.get(i, &["cluster", "resources"])
        )?;
        let status = parse::cluster_status(&status)?;
        let resources = parse::resources(&resources)?;
        parse::snapshot(&status, resources)
    }

    /// `GET /api2/json/<path>` of endpoint `i`: the body of a success, or
    /// the failure in words. The most a body may hold is the shared default,
    /// 4 MiB: about 10,000 guests (an entry is about 400 bytes), far beyond a
    /// homelab. Both requests of a cycle run at once, so an endpoint that
    /// streams junk costs at most twice this (tests/faults.rs measures it).
    async fn get(&self, i: usize, path: &[&str]) -> Result<Vec<u8>, Failure> {
        self.get_query(i, path, None, None).await
    }

    /// [`Self::get`] with a query string, and a body cap of its own when
    /// `cap` is given.
    async fn get_query(
        &self,
        i: usize,
        path: &[&str],
        query: Option<&str>,
        cap: Option<usize>,
    ) -> Result<Vec<u8>, Failure> {
        let Some(ep) = self.endpoints.get(i) else {
            return Err(Failure::new(FailureKind::BadResponse, "no such endpoint"));
        };
        let mut segments = vec!["api2", "json"];
        segments.extend_from_slice(path);
        let mut url = ep.url(&segments)?;
        url.set_query(query);
        let body = match cap {
            Some(cap) => ep.get_capped(url, cap).await?,
            None => ep.get(url).await?,
        };
        let body = http::expect_success(body, &WORDS, |b| {
            parse::error_detail(b.reason.as_deref(), &b.bytes)
        })?;
        Ok(body.bytes)
    }

    fn label(&self, i: usize) -> &str {
        self.endpoints.get(i).map_or("?", Endpoint::label)
    }
}

/// The trust mode for the node at `url`: validation makes the modes
/// exclusive and requires a pin for every node once one is pinned.
fn tls_mode(trust: &Trust, url: &str) -> Result<Tls, Failure> {
    let same = |a: &str| a.trim_end_matches('/') == url.trim_end_matches('/');
    Ok(match trust {
        Trust::System => Tls::System,
        Trust::CaFile(path) => Tls::CaFile(path.clone()),
        Trust::Insecure => Tls::Insecure,
        Trust::Pinned(pins) => match pins.iter().find(|(u, _)| same(u)) {
            Some((_, pin)) => Tls::Pin(*pin),
            None => {
                return Err(Failure::new(
                    FailureKind::Tls,
                    format!("no fingerprint pinned for {url}"),
                ));
            }
        },
    })
}

/// `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`, sent marked
/// sensitive.
fn auth_header(token_id: &str, secret: &Sensitive) -> Header {
    Header {
        name: "Authorization".into(),
        value: Sensitive::new(format!("PVEAPIToken={token_id}={}", secret.expose())),
        what: "proxmox.token_id or token_secret".into(),
    }
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

    /// Room to try every endpoint in turn, each with its own timeout, and
    /// one more for the nodes' load, asked all at once (up to
    /// [`load::CONCURRENCY`] nodes; a larger cluster whose nodes all time
    /// out can run past it).
    fn deadline(&self) -> Duration {
        let n = u32::try_from(self.endpoints.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        let all = self
            .timeout
            .saturating_mul(n)
            .saturating_add(Duration::from_secs(2));
        all.max(self.interval).max(Duration::from_secs(10))
    }

    async fn poll(&mut self, _now: DateTime<Utc>) -> Result<SourceData, Failure> {
        let order = self.failover.order(Instant::now());
        let mut failures = Vec::new();
        let mut no_quorum: Option<(usize, ProxmoxData)> = None;
        for (pos, &i) in order.iter().enumerate() {
            let label = self.label(i).to_owned();
            match self.fetch(i).await {
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
                    data.seed = self.seed(i, &data).await;
                    self.load(i, &mut data).await;
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
        if let Some((i, mut data)) = no_quorum {
            self.failover.answered(i, true);
            data.seed = self.seed(i, &data).await;
            self.load(i, &mut data).await;
            return Ok(SourceData::Proxmox(data));
        }
        Err(all_failed(failures))
    }
}

fn no_quorum_warning(label: &str) -> String {
    format!("{label} has no quorum and no other node answered: the data may be out of date")
}

#[cfg(test)]
mod tests;
