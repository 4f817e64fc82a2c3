//! The Prometheus source: blackbox probe tiles, firing alerts and PromQL
//! tiles, from the HTTP API's instant queries (`/api/v1/query`).
//!
//! One poll cycle sends, at most four at a time:
//!
//! - `probe_success{instance=~"<every target>"}` and
//!   `probe_duration_seconds{...}`: one query each for all services, matched
//!   to the configured services by `instance` (and `job`, if set) here;
//! - `ALERTS{alertstate="firing"}`;
//! - one query per `[[tiles]]` entry.
//!
//! A query that Prometheus rejects or fails (an error envelope: `bad_data`,
//! `execution`, `timeout`...) marks only its own tiles. Anything that means
//! Prometheus itself is not answering fails the whole cycle, which the core
//! counts towards the connection-lost overlay: refused, DNS, timeouts, 5xx
//! and non-JSON bodies such as the plain-text `503 Service Unavailable` it
//! answers while replaying its write-ahead log. 401/403 and HTML pages (an
//! SSO proxy's login page) are reported as such.
//!
//! Authentication for Prometheus behind a proxy: `bearer_token` or
//! `basic_auth`, and extra `headers` (plain, or `{ env = ... }` / `{ file =
//! ... }` for secrets). Their values are marked sensitive, so they never
//! appear in debug output or logs.

pub mod parse;

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::{StreamExt, stream};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::config::{Loaded, Secret};
use crate::core::{Failure, FailureKind, PrometheusData, SourceData, SourceKind};
use crate::sources::Source;
use crate::sources::http::{self, Body, Tls};

use parse::{NotEnvelope, QueryResult, Reply, Sample, ServicePlan};

/// How many queries of one cycle run at the same time.
const CONCURRENCY: usize = 4;

/// The largest answer read for one query: about 20,000 series of a vector
/// with node_exporter-like labels (10,000 are 1.9 MB of JSON).
const BODY_CAP: usize = 4 * 1024 * 1024;

/// Polls Prometheus.
#[derive(Debug)]
pub struct PrometheusSource {
    /// The base URL without a trailing slash (may hold credentials).
    base: String,
    interval: Duration,
    timeout: Duration,
    /// The HTTP client with the extra headers and authentication, or why it
    /// could not be built (reported by every poll).
    client: Result<reqwest::Client, Failure>,
    auth: Auth,
    services: Vec<ServicePlan>,
    tiles: Vec<TilePlan>,
}

/// How requests authenticate (reqwest marks both headers sensitive).
#[derive(Debug, Clone)]
enum Auth {
    None,
    Bearer(Secret),
    Basic { username: String, password: Secret },
}

/// A configured PromQL tile.
#[derive(Debug, Clone)]
struct TilePlan {
    name: String,
    query: String,
    label: Option<String>,
}

/// Which part of the dashboard a query feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feeds {
    ProbeSuccess,
    ProbeDuration,
    Alerts,
    Tile(usize),
}

/// A query's outcome when Prometheus answered: its result, or why the query
/// failed (which marks only its own tiles).
type Answer = Result<QueryResult, String>;

impl PrometheusSource {
    /// The source for the config's `[prometheus]` section, if it has one.
    pub fn from_config(loaded: &Loaded) -> Option<Self> {
        let c = loaded.config.prometheus.as_ref()?;
        let timeout = Duration::from_secs(c.timeout_secs);
        let client = build_client(loaded, timeout).map_err(|message| {
            tracing::error!(source = "Prometheus", %message, "cannot set up the client");
            Failure::new(FailureKind::Tls, message)
        });
        let services = loaded
            .config
            .services
            .iter()
            .map(|s| ServicePlan {
                name: s.name.clone(),
                target: s.target.clone(),
                job: s.job.clone().or_else(|| c.job.clone()),
                slow_after_s: s.slow_after_secs.unwrap_or(c.slow_after_secs),
            })
            .collect();
        let tiles = loaded
            .config
            .tiles
            .iter()
            .map(|t| TilePlan {
                name: t.name.clone(),
                query: t.query.clone(),
                label: t.label.clone(),
            })
            .collect();
        let secrets = &loaded.secrets;
        let auth = match (&c.basic_auth, &secrets.prometheus_password) {
            (Some(b), Some(password)) => Auth::Basic {
                username: b.username.clone(),
                password: password.clone(),
            },
            _ => secrets
                .prometheus_bearer
                .clone()
                .map_or(Auth::None, Auth::Bearer),
        };
        Some(Self {
            auth,
            base: c.url.trim_end_matches('/').to_owned(),
            interval: Duration::from_secs(c.poll_interval_secs),
            timeout,
            client,
            services,
            tiles,
        })
    }

    /// The same source polling every `interval`. For tests and tools that
    /// need intervals shorter than the config allows (5 s to 300 s).
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Every query of one cycle, with what it feeds.
    fn queries(&self) -> Vec<(Feeds, String)> {
        let mut out = Vec::new();
        if !self.services.is_empty() {
            out.push((
                Feeds::ProbeSuccess,
                probe_query("probe_success", &self.services),
            ));
            out.push((
                Feeds::ProbeDuration,
                probe_query("probe_duration_seconds", &self.services),
            ));
        }
        out.push((Feeds::Alerts, r#"ALERTS{alertstate="firing"}"#.to_owned()));
        for (i, t) in self.tiles.iter().enumerate() {
            out.push((Feeds::Tile(i), t.query.clone()));
        }
        out
    }

    fn request(&self, client: &reqwest::Client, query: &str) -> reqwest::RequestBuilder {
        // Prometheus stops evaluating at its own timeout, just before ours.
        let timeout = format!(
            "{}ms",
            self.timeout.as_millis().saturating_sub(100).max(500)
        );
        let request = client
            .get(format!("{}/api/v1/query", self.base))
            .query(&[("query", query), ("timeout", timeout.as_str())]);
        match &self.auth {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token.expose()),
            Auth::Basic { username, password } => {
                request.basic_auth(username, Some(password.expose()))
            }
        }
    }

    /// Puts the answers of one cycle together.
    fn assemble(&self, answers: Vec<(Feeds, Answer)>) -> PrometheusData {
        let mut data = PrometheusData::default();
        let mut success: Result<Vec<Sample>, String> = Ok(Vec::new());
        let mut duration: Vec<Sample> = Vec::new();
        for (feeds, answer) in answers {
            match (feeds, answer) {
                (Feeds::ProbeSuccess, a) => success = a.map(samples),
                (Feeds::ProbeDuration, Ok(r)) => duration = samples(r),
                // Without durations the services still have their state.
                (Feeds::ProbeDuration, Err(e)) => {
                    tracing::warn!(source = "Prometheus", error = %e, "probe_duration_seconds query failed");
                }
                (Feeds::Alerts, Ok(r)) => data.alerts = parse::alerts(&samples(r)),
                (Feeds::Alerts, Err(e)) => data.alerts_error = Some(e),
                (Feeds::Tile(i), a) => {
                    let Some(t) = self.tiles.get(i) else { continue };
                    data.tiles.push(match a {
                        Ok(r) => parse::tile(&t.name, t.label.as_deref(), &r),
                        Err(e) => parse::failed_tile(&t.name, e),
                    });
                }
            }
        }
        match success {
            Ok(s) => data.services = parse::services(&self.services, &s, &duration),
            Err(e) => {
                data.services = parse::services(&self.services, &[], &[]);
                data.services_error = Some(e);
            }
        }
        data
    }
}

impl Source for PrometheusSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Prometheus
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    fn deadline(&self) -> Duration {
        // Every query may take the full timeout, CONCURRENCY at a time.
        let rounds = self.queries().len().div_ceil(CONCURRENCY).max(1) as u32;
        (self.timeout * rounds + Duration::from_secs(1)).max(self.interval)
    }

    async fn poll(&mut self) -> Result<SourceData, Failure> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let requests: Vec<_> = self
            .queries()
            .into_iter()
            .map(|(feeds, q)| (feeds, self.request(client, &q)))
            .collect();
        let mut answers = stream::iter(requests.into_iter().enumerate())
            .map(|(i, (feeds, request))| async move {
                let outcome = match http::send(request, BODY_CAP).await {
                    Ok(body) => classify(&body),
                    Err(f) => Err(f),
                };
                (i, feeds, outcome)
            })
            .buffer_unordered(CONCURRENCY);
        let mut ok = Vec::new();
        while let Some((i, feeds, outcome)) = answers.next().await {
            // The first answer that shows Prometheus is not answering fails
            // the cycle; the queries still running are dropped (cancelled).
            ok.push((i, feeds, outcome?));
        }
        ok.sort_by_key(|a| a.0);
        let ok = ok.into_iter().map(|(_, feeds, a)| (feeds, a)).collect();
        Ok(SourceData::Prometheus(self.assemble(ok)))
    }
}

fn samples(r: QueryResult) -> Vec<Sample> {
    match r {
        QueryResult::Vector(v) => v,
        _ => Vec::new(),
    }
}

/// The client: TLS from `ca_file` (or the system's roots), the request
/// timeout, and authentication and extra headers sent with every request.
fn build_client(loaded: &Loaded, timeout: Duration) -> Result<reqwest::Client, String> {
    let Some(c) = loaded.config.prometheus.as_ref() else {
        return Err("no [prometheus] section".into());
    };
    let tls = match &c.ca_file {
        Some(path) => Tls::CaFile(path.clone()),
        None => Tls::System,
    };
    let headers = headers(loaded)?;
    let config = match http::tls_config(&tls) {
        Ok(config) => config,
        // Plain http needs no roots; a pin that matches nothing keeps a
        // redirect to https from going unchecked.
        Err(_) if tls == Tls::System && c.url.starts_with("http://") => {
            http::tls_config(&Tls::Pin([0; 32]))?
        }
        Err(e) => return Err(e),
    };
    http::builder(config, timeout)
        .pool_max_idle_per_host(CONCURRENCY)
        .default_headers(headers)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", http::chain(&e)))
}

/// The extra headers, every value marked sensitive so it never shows in
/// debug output.
fn headers(loaded: &Loaded) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    for (name, v) in &loaded.secrets.prometheus_headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("prometheus.headers: \"{name}\" is not a valid header name"))?;
        let mut value = HeaderValue::from_str(v.expose()).map_err(|_| {
            format!("prometheus.headers.{name}: the value is not a valid HTTP header value")
        })?;
        value.set_sensitive(true);
        map.insert(header, value);
    }
    Ok(map)
}

/// Sorts an answer into: a result or a failed query (`Ok`), or Prometheus
/// not answering as the API does (`Err`, which fails the whole cycle).
pub fn classify(body: &Body) -> Result<Answer, Failure> {
    let code = body.status.as_u16();
    if code == 401 || code == 403 {
        return Err(http::status_failure(body));
    }
    match parse::parse_reply(&body.bytes) {
        Ok(Reply::Success { result, warnings }) => {
            for w in warnings {
                tracing::debug!(source = "Prometheus", warning = %w, "query warning");
            }
            Ok(Ok(result))
        }
        Ok(Reply::Error { error_type, error }) if error_type == "unavailable" => Err(Failure::new(
            FailureKind::ServerError,
            parse::describe_error(&error_type, &error),
        )),
        Ok(Reply::Error { error_type, error }) => {
            Ok(Err(parse::describe_error(&error_type, &error)))
        }
        Err(_) if body.status.is_server_error() => Err(http::status_failure(body)),
        Err(_) if code == 404 => Err(Failure::new(
            FailureKind::BadResponse,
            "HTTP 404 Not Found: is `url` the Prometheus base URL (without /api/v1)?",
        )),
        Err(_) if !body.status.is_success() => Err(http::status_failure(body)),
        Err(NotEnvelope::NotJson) if http::looks_like_html(body) => Err(Failure::new(
            FailureKind::BadResponse,
            "an HTML page instead of the Prometheus API (a login page? check `url` and the credentials)",
        )),
        Err(NotEnvelope::NotJson) => Err(Failure::new(
            FailureKind::BadResponse,
            format!("the answer is not JSON: {}", body.snippet()),
        )),
        Err(NotEnvelope::Malformed(m)) => Err(Failure::new(
            FailureKind::BadResponse,
            format!(
                "the answer does not match the Prometheus API: {}",
                http::shorten(&m, 100)
            ),
        )),
    }
}

/// `metric{instance=~"a|b"}` for every distinct target, escaped for RE2 and
/// for a PromQL string; `job=~` too when every service names its job.
fn probe_query(metric: &str, services: &[ServicePlan]) -> String {
    let targets: BTreeSet<&str> = services.iter().map(|s| s.target.as_str()).collect();
    let alternatives = |items: BTreeSet<&str>| {
        items
            .into_iter()
            .map(regex_escape)
            .collect::<Vec<_>>()
            .join("|")
    };
    let mut matchers = vec![format!(
        "instance=~\"{}\"",
        promql_string(&alternatives(targets))
    )];
    let jobs: Option<BTreeSet<&str>> = services.iter().map(|s| s.job.as_deref()).collect();
    if let Some(jobs) = jobs {
        matchers.push(format!("job=~\"{}\"", promql_string(&alternatives(jobs))));
    }
    format!("{metric}{{{}}}", matchers.join(","))
}

/// Escapes RE2's special characters.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes text for a double-quoted PromQL string.
fn promql_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
