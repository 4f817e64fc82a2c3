//! The Alertmanager source: every alert Alertmanager holds, silenced and
//! inhibited ones marked with who silenced them and until when, from its
//! API v2. Configured with `[alertmanager] url`, it replaces Prometheus's
//! `/api/v1/alerts` as the alerts' source (Prometheus then does not ask for
//! them); without it nothing changes.
//!
//! One poll:
//! 1. `GET /api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true`:
//!    every alert, with `status.state`, `silencedBy` and `inhibitedBy`;
//! 2. only when an alert is silenced: `GET /api/v2/silences`, all of them
//!    in one request, matched to the alerts by id here (who: `createdBy`,
//!    until: `endsAt`, why: `comment`). An inhibited alert names the alert
//!    that inhibits it, found by fingerprint in the first answer.
//!
//! [`parse`] reads both answers without I/O. Failures are the sources'
//! usual ones ([`crate::sources::http`]): refused, timeouts and 5xx count
//! towards **lost** (the alerts card's badge, "Alertmanager offline · 3 min
//! old", never the Prometheus overlay); 401/403, an HTML page (a login
//! proxy) or an answer that is not the API's are **error**. Authentication
//! and trust are Prometheus's: `bearer_token` or `basic_auth`, extra
//! `headers`, `ca_file`; every secret is marked sensitive and never printed.

pub mod parse;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::core::{AlertmanagerData, Failure, FailureKind, SourceData, SourceKind};
use crate::sources::Source;
use crate::sources::http::{self, Auth, Body, Endpoint, Header, Setup, Tls, Words};

/// The most an answer may hold: about 5,000 alerts with their labels.
const BODY_CAP: usize = 4 * 1024 * 1024;

/// The alerts asked for: all of them, suppressed ones included (the API's
/// defaults, said out loud).
const FILTERS: [(&str, &str); 4] = [
    ("active", "true"),
    ("silenced", "true"),
    ("inhibited", "true"),
    ("unprocessed", "true"),
];

/// What the answers that are not the API's mean here.
const WORDS: Words = Words {
    unauthorized: "not authorised: check alertmanager.bearer_token, basic_auth and headers",
    forbidden: "forbidden: the credentials lack a permission",
    not_found: "is `alertmanager.url` the Alertmanager base URL (without /api/v2)?",
    html: "an HTML page instead of the Alertmanager API (a login page? check `alertmanager.url` and the credentials)",
    other: &[],
};

/// How the source reaches Alertmanager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The base URL (may hold credentials and a path prefix).
    pub url: String,
    /// The wait between good polls.
    pub interval: Duration,
    /// The timeout of each request.
    pub timeout: Duration,
    /// The CA of a private server; the system's roots without it.
    pub ca_file: Option<PathBuf>,
    /// `Authorization` for every request.
    pub auth: Auth,
    /// Extra headers for every request (a proxy's SSO, a tenant id).
    pub headers: Vec<Header>,
}

/// Polls Alertmanager.
#[derive(Debug)]
pub struct AlertmanagerSource {
    endpoint: Endpoint,
    interval: Duration,
    timeout: Duration,
}

impl AlertmanagerSource {
    /// The source for `settings`. A client that cannot be set up (an
    /// unreadable `ca_file`) fails every poll with the reason.
    pub fn new(settings: Settings) -> Self {
        let tls = settings.ca_file.map_or(Tls::System, Tls::CaFile);
        let setup = Setup {
            body_cap: BODY_CAP,
            auth: settings.auth,
            headers: settings.headers,
            ..Setup::new(tls, settings.timeout)
        };
        Self {
            endpoint: Endpoint::new(&settings.url, setup),
            interval: settings.interval,
            timeout: settings.timeout,
        }
    }

    /// GETs `/api/v2/<what>` with `query`: a success's body, or the failure.
    async fn get(&self, what: &str, query: &[(&str, &str)]) -> Result<Body, Failure> {
        let mut url = self.endpoint.url(&["api", "v2", what])?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let body = self.endpoint.get(url).await?;
        http::expect_success(body, &WORDS, said)
    }
}

impl Source for AlertmanagerSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Alertmanager
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    fn deadline(&self) -> Duration {
        // The alerts, then the silences, each within the timeout.
        (self.timeout * 2 + Duration::from_secs(1)).max(self.interval)
    }

    async fn poll(&mut self, _now: DateTime<Utc>) -> Result<SourceData, Failure> {
        let body = self.get("alerts", &FILTERS).await?;
        let raw = parse::alerts(&body.bytes).map_err(bad)?;
        let silences = if raw.silenced() {
            let body = self.get("silences", &[]).await?;
            parse::silences(&body.bytes).map_err(bad)?
        } else {
            Vec::new()
        };
        let alerts = parse::join(raw, &silences);
        Ok(SourceData::Alertmanager(AlertmanagerData { alerts }))
    }
}

/// An answer that is not the API's.
fn bad(reason: String) -> Failure {
    Failure::new(FailureKind::BadResponse, reason)
}

/// What Alertmanager's error body says: a JSON string (its handlers'), or
/// `{"code", "message"}` (its request validation's).
fn said(body: &Body) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Validation {
        message: String,
    }
    serde_json::from_slice::<String>(&body.bytes)
        .ok()
        .or_else(|| {
            serde_json::from_slice::<Validation>(&body.bytes)
                .ok()
                .map(|v| v.message)
        })
        .map(|s| http::first_line(&s).to_owned())
}

#[cfg(test)]
mod tests;
