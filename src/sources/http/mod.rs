//! What the HTTP sources share: one [`Endpoint`] per server, built once
//! from its URL and a [`Setup`] (trust mode, timeout, body cap,
//! authentication, extra headers), whose requests answer with a [`Body`] or
//! a [`Failure`] in words. Each source keeps only its API's parsing and its
//! own [`Words`] for what a 401, 403 or 404 means there.
//!
//! Operating manual:
//! - Build the endpoint when the source is made. Whatever cannot be set up
//!   (an unreadable CA file, a header value HTTP cannot carry, a URL that
//!   does not parse) is kept as the failure and returned by every request,
//!   so the screen says it at every poll; nothing panics.
//! - `Endpoint::url(&["api", "v1", "query"])` appends escaped path segments
//!   to the base URL (which may have a path of its own); add the query on the
//!   returned URL.
//! - `Endpoint::get` reads the whole body up to the cap (`body`) and returns
//!   any HTTP status as it is; [`expect_success`] turns a non-success into
//!   `HTTP 401 (the server's words): the source's words` and a success that
//!   is an HTML page into the source's words for that (`failure`, which
//!   also reads transport and TLS errors).
//! - Trust modes are in `tls`; a plain `http://` URL with the system's roots
//!   works on a system that has none (a pin that matches nothing keeps a
//!   redirect to https from going unchecked).
//! - Secrets travel as [`Sensitive`] (its `Debug` prints `***`) and are sent
//!   in headers reqwest marks sensitive.

mod body;
mod failure;
mod tls;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::core::{Failure, FailureKind};

pub use body::Body;
pub use failure::{
    Words, chain, expect_success, first_line, shorten, status_failure, transport_failure,
};
pub use tls::{Tls, fingerprint, format_fingerprint, load_ca_file, tls_config};

/// The most a response body may hold unless a source asks for another cap.
pub const DEFAULT_BODY_CAP: usize = 4 * 1024 * 1024;

/// A value that must not be printed: a token, a password, an API key. Its
/// `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive(String);

impl Sensitive {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for building a request header. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// How every request to an endpoint authenticates (reqwest marks the
/// header sensitive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header (extra headers may still carry a key).
    #[default]
    None,
    /// `Authorization: Bearer TOKEN`.
    Bearer(Sensitive),
    /// HTTP basic authentication.
    Basic {
        username: String,
        password: Sensitive,
    },
}

/// A header sent with every request, its value marked sensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header's name, e.g. `X-Api-Key`.
    pub name: String,
    /// Its value.
    pub value: Sensitive,
    /// What the value is, for the message when HTTP cannot carry it (e.g.
    /// `moonraker.api_key`).
    pub what: String,
}

/// How long a source keeps an idle connection: less than the shortest
/// poll interval of the polling sources (5 s for Prometheus and Proxmox),
/// so each poll cycle opens its connections afresh and the resolver is
/// asked again. A server that moves to another address (DNS, /etc/hosts)
/// is then followed at the next poll; with reqwest's default (90 s, reset
/// by every use) a connection used every poll never went idle, and piboard
/// kept talking to the old address for as long as it answered. A cycle's
/// own requests still share their connections.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// Everything about reaching an endpoint but its URL.
#[derive(Debug, Clone)]
pub struct Setup {
    /// How the server's certificate is checked.
    pub tls: Tls,
    /// The timeout of each request (connecting takes at most 3 s of it).
    pub timeout: Duration,
    /// The most a body may hold unless a request asks for another cap.
    pub body_cap: usize,
    /// Idle connections kept per host (a source's concurrency).
    pub idle_per_host: usize,
    /// How long an idle connection is kept ([`IDLE_TIMEOUT`]).
    pub idle_timeout: Duration,
    /// The `Authorization` of every request.
    pub auth: Auth,
    /// Extra headers for every request.
    pub headers: Vec<Header>,
}

impl Setup {
    /// `tls` and `timeout`, the default body cap, two idle connections, no
    /// authentication and no extra headers.
    pub fn new(tls: Tls, timeout: Duration) -> Self {
        Self {
            tls,
            timeout,
            body_cap: DEFAULT_BODY_CAP,
            idle_per_host: 2,
            idle_timeout: IDLE_TIMEOUT,
            auth: Auth::None,
            headers: Vec::new(),
        }
    }
}

/// One server of an HTTP API: its base URL and a client set up for it, or
/// the failure that kept them from being set up.
#[derive(Debug)]
pub struct Endpoint {
    /// `host:port`, for messages.
    label: String,
    ready: Result<(Url, reqwest::Client), Failure>,
    auth: Auth,
    cap: usize,
}

impl Endpoint {
    /// The endpoint at `url` (any trailing slash is ignored).
    pub fn new(url: &str, setup: Setup) -> Self {
        let ready = base_url(url).and_then(|base| {
            let client = build_client(&base, &setup)?;
            Ok((base, client))
        });
        Self::with(url, ready, setup.auth, setup.body_cap)
    }

    /// An endpoint that cannot be used: every request fails with `failure`
    /// (a source's own setup problem, such as a node with no pin).
    pub fn failed(url: &str, failure: Failure) -> Self {
        Self::with(url, Err(failure), Auth::None, DEFAULT_BODY_CAP)
    }

    fn with(
        url: &str,
        ready: Result<(Url, reqwest::Client), Failure>,
        auth: Auth,
        cap: usize,
    ) -> Self {
        let label = Url::parse(url.trim())
            .ok()
            .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
            .unwrap_or_else(|| without_credentials(url.trim_end_matches('/')));
        if let Err(f) = &ready {
            tracing::error!(endpoint = %label, reason = %f.message, "cannot set up the client");
        }
        Self {
            label,
            ready,
            auth,
            cap,
        }
    }

    /// `host:port` of the endpoint, for messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The base URL with `segments` appended, each escaped as one segment.
    pub fn url(&self, segments: &[&str]) -> Result<Url, Failure> {
        let (base, _) = self.ready.as_ref().map_err(Clone::clone)?;
        let mut url = base.clone();
        url.path_segments_mut()
            .map_err(|()| Failure::new(FailureKind::BadResponse, format!("{base} has no path")))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// GETs `url` and reads the body up to the endpoint's cap. Any HTTP
    /// status is returned as it is.
    pub async fn get(&self, url: Url) -> Result<Body, Failure> {
        self.get_capped(url, self.cap).await
    }

    /// [`Endpoint::get`] with a cap of its own (a thumbnail, say).
    pub async fn get_capped(&self, url: Url, cap: usize) -> Result<Body, Failure> {
        let (_, client) = self.ready.as_ref().map_err(Clone::clone)?;
        let request = match &self.auth {
            Auth::None => client.get(url),
            Auth::Bearer(token) => client.get(url).bearer_auth(token.expose()),
            Auth::Basic { username, password } => client
                .get(url)
                .basic_auth(username, Some(password.expose())),
        };
        body::send(request, cap).await
    }
}

/// `url` without any `user:password@`, for messages and logs.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    format!("{scheme}://{host}{path}")
}

/// `url` parsed, if it is an http(s) URL.
fn base_url(url: &str) -> Result<Url, Failure> {
    let shown = without_credentials(url);
    let bad = |why: String| Failure::new(FailureKind::BadResponse, format!("{shown} {why}"));
    let base = Url::parse(url.trim()).map_err(|e| bad(format!("is not a valid URL: {e}")))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err(bad("is not an http:// or https:// URL".into()));
    }
    Ok(base)
}

/// The client for `base`: the trust mode, the timeouts, the extra headers.
fn build_client(base: &Url, setup: &Setup) -> Result<reqwest::Client, Failure> {
    let tls_failure = |e: String| Failure::new(FailureKind::Tls, e);
    let config = match tls_config(&setup.tls) {
        Ok(config) => config,
        // Plain http needs no roots; a pin that matches nothing keeps a
        // redirect to https from going unchecked.
        Err(_) if setup.tls == Tls::System && base.scheme() == "http" => {
            tls_config(&Tls::Pin([0; 32])).map_err(tls_failure)?
        }
        Err(e) => return Err(tls_failure(e)),
    };
    builder(config, setup.timeout)
        .pool_max_idle_per_host(setup.idle_per_host)
        .pool_idle_timeout(setup.idle_timeout)
        .default_headers(header_map(&setup.headers)?)
        .build()
        .map_err(|e| {
            Failure::new(
                FailureKind::Unreachable,
                format!("cannot build the HTTP client: {}", chain(&e)),
            )
        })
}

/// The extra headers, every value marked sensitive. A header HTTP cannot
/// carry is a credential that cannot be sent: an auth failure naming it.
fn header_map(headers: &[Header]) -> Result<HeaderMap, Failure> {
    let mut map = HeaderMap::new();
    for h in headers {
        let cannot = |part: &str| {
            Failure::new(
                FailureKind::Auth,
                format!(
                    "{}: the {part} holds characters an HTTP header cannot carry",
                    h.what
                ),
            )
        };
        let name = HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| cannot("name"))?;
        let mut value = HeaderValue::from_str(h.value.expose()).map_err(|_| cannot("value"))?;
        value.set_sensitive(true);
        map.insert(name, value);
    }
    Ok(map)
}

/// A reqwest client: rustls with `tls`, the given per-request timeout, no
/// proxy from the environment, and a connect timeout of at most 3 s. For
/// tools and tests; the sources use an [`Endpoint`].
pub fn client(tls: &Tls, timeout: Duration) -> Result<reqwest::Client, String> {
    builder(tls_config(tls)?, timeout)
        .pool_max_idle_per_host(2)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))
}

/// The client settings every source shares: rustls with `config`, the
/// per-request timeout, a connect timeout of at most 3 s so a dead endpoint
/// is skipped quickly, no proxy from the environment, our user agent.
fn builder(config: rustls::ClientConfig, timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(3)))
        .no_proxy()
        .user_agent(concat!("piboard/", env!("CARGO_PKG_VERSION")))
}

#[cfg(test)]
mod tests;
