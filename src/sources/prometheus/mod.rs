//! The Prometheus source: blackbox probe tiles, firing alerts and PromQL
//! tiles, from the HTTP API's instant queries (`/api/v1/query`) and its
//! alerts (`/api/v1/alerts`).
//!
//! One poll cycle sends, at most four at a time:
//!
//! - `probe_success{instance=~"<every target>"}` and
//!   `probe_duration_seconds{...}`: one query each for all services, matched
//!   to the configured services by `instance` (and `job`, if set) here;
//! - `/api/v1/alerts` ([`alerts`]): the firing alerts with since when and
//!   their summary, which the `ALERTS` series lacks (not asked when an
//!   `[alertmanager]` supplies the alerts: `Settings::alerts`);
//! - one query per `[[tiles]]` entry;
//!
//! and after a good cycle, until it once succeeds, the services' response
//! times of the last hour ([`seed`], `/api/v1/query_range`), sent to the
//! core as the data's `seed`.
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

pub mod alerts;
pub mod parse;
pub mod seed;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use url::Url;

use crate::core::{Alert, Failure, FailureKind, PrometheusData, SourceData, SourceKind};
use crate::sources::Source;
use crate::sources::http::{self, Auth, Body, Endpoint, Header, Setup, Tls, Words};

pub use parse::ServicePlan;
use parse::{NotEnvelope, QueryResult, Reply, Sample};

/// How many queries of one cycle run at the same time.
const CONCURRENCY: usize = 4;

/// The largest answer read for one query: about 20,000 series of a vector
/// with node_exporter-like labels (10,000 are 1.9 MB of JSON).
const BODY_CAP: usize = 4 * 1024 * 1024;

/// What the answers that are not the API's mean here.
const WORDS: Words = Words {
    unauthorized: "not authorised: check bearer_token, basic_auth and headers",
    forbidden: "forbidden: the credentials lack a permission",
    not_found: "is `url` the Prometheus base URL (without /api/v1)?",
    html: "an HTML page instead of the Prometheus API (a login page? check `url` and the credentials)",
    other: &[],
};

/// How the source reaches Prometheus and what it asks.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The base URL (may hold credentials and a path prefix).
    pub url: String,
    /// The wait between good cycles.
    pub interval: Duration,
    /// The timeout of each query.
    pub timeout: Duration,
    /// The CA of a private server; the system's roots without it.
    pub ca_file: Option<PathBuf>,
    /// `Authorization` for every request.
    pub auth: Auth,
    /// Extra headers for every request (a proxy's SSO, a tenant id).
    pub headers: Vec<Header>,
    /// The blackbox probes shown as services.
    pub services: Vec<ServicePlan>,
    /// The PromQL tiles.
    pub tiles: Vec<TilePlan>,
    /// Whether to ask `/api/v1/alerts`: not when Alertmanager supplies
    /// the alerts.
    pub alerts: bool,
}

/// A configured PromQL tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilePlan {
    /// The tile's name.
    pub name: String,
    /// Its PromQL.
    pub query: String,
    /// The label naming each series, if set.
    pub label: Option<String>,
}

/// Polls Prometheus.
#[derive(Debug)]
pub struct PrometheusSource {
    endpoint: Endpoint,
    interval: Duration,
    timeout: Duration,
    services: Vec<ServicePlan>,
    tiles: Vec<TilePlan>,
    /// Whether a cycle asks for the alerts.
    alerts: bool,
    /// Whether the response-time history was fetched.
    seeded: bool,
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

/// What one request of a cycle brought: a query's result or the alerts.
#[derive(Debug)]
enum Payload {
    Query(QueryResult),
    Alerts(Vec<Alert>),
}

impl PrometheusSource {
    /// The source for `settings`. A client that cannot be set up (an
    /// unreadable `ca_file`) fails every poll with the reason.
    pub fn new(settings: Settings) -> Self {
        let tls = settings.ca_file.map_or(Tls::System, Tls::CaFile);
        let setup = Setup {
            body_cap: BODY_CAP,
            idle_per_host: CONCURRENCY,
            auth: settings.auth,
            headers: settings.headers,
            ..Setup::new(tls, settings.timeout)
        };
        Self {
            endpoint: Endpoint::new(&settings.url, setup),
            interval: settings.interval,
            timeout: settings.timeout,
            services: settings.services,
            tiles: settings.tiles,
            alerts: settings.alerts,
            seeded: false,
        }
    }

    /// Every request of one cycle, with what it feeds.
    fn requests(&self) -> Result<Vec<(Feeds, Url)>, Failure> {
        let mut out = Vec::new();
        if !self.services.is_empty() {
            for (feeds, metric) in [
                (Feeds::ProbeSuccess, "probe_success"),
                (Feeds::ProbeDuration, "probe_duration_seconds"),
            ] {
                out.push((feeds, self.query_url(&probe_query(metric, &self.services))?));
            }
        }
        if self.alerts {
            out.push((Feeds::Alerts, self.endpoint.url(&["api", "v1", "alerts"])?));
        }
        for (i, t) in self.tiles.iter().enumerate() {
            out.push((Feeds::Tile(i), self.query_url(&t.query)?));
        }
        Ok(out)
    }

    /// How many requests a cycle sends.
    fn request_count(&self) -> usize {
        let probes = if self.services.is_empty() { 0 } else { 2 };
        probes + usize::from(self.alerts) + self.tiles.len()
    }

    /// Prometheus' own timeout for a query: just below ours, so it stops
    /// evaluating before we stop waiting.
    fn prometheus_timeout(&self) -> String {
        format!(
            "{}ms",
            self.timeout.as_millis().saturating_sub(100).max(500)
        )
    }

    /// `/api/v1/query` for `query`.
    fn query_url(&self, query: &str) -> Result<Url, Failure> {
        let mut url = self.endpoint.url(&["api", "v1", "query"])?;
        url.query_pairs_mut()
            .append_pair("query", query)
            .append_pair("timeout", &self.prometheus_timeout());
        Ok(url)
    }

    /// Puts the answers of one cycle together.
    fn assemble(&self, answers: Vec<(Feeds, Result<Payload, String>)>) -> PrometheusData {
        let mut data = PrometheusData::default();
        let mut success: Result<Vec<Sample>, String> = Ok(Vec::new());
        let mut duration: Vec<Sample> = Vec::new();
        for (feeds, answer) in answers {
            if feeds == Feeds::Alerts {
                match answer {
                    Ok(Payload::Alerts(a)) => data.alerts = a,
                    Ok(Payload::Query(_)) => {}
                    Err(e) => data.alerts_error = Some(e),
                }
                continue;
            }
            let answer = answer.map(|p| match p {
                Payload::Query(r) => r,
                Payload::Alerts(_) => QueryResult::Vector(Vec::new()),
            });
            match (feeds, answer) {
                (Feeds::ProbeSuccess, a) => success = a.map(samples),
                (Feeds::ProbeDuration, Ok(r)) => duration = samples(r),
                // Without durations the services still have their state.
                (Feeds::ProbeDuration, Err(e)) => {
                    tracing::warn!(source = "Prometheus", error = %e, "probe_duration_seconds query failed");
                }
                (Feeds::Alerts, _) => {}
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
        // Every query may take the full timeout, CONCURRENCY at a time,
        // and the seed's query one more.
        let rounds = self.request_count().div_ceil(CONCURRENCY).max(1) as u32;
        let seed = u32::from(!self.seeded && !self.services.is_empty());
        (self.timeout * (rounds + seed) + Duration::from_secs(1)).max(self.interval)
    }

    async fn poll(&mut self, now: DateTime<Utc>) -> Result<SourceData, Failure> {
        let requests = self.requests()?;
        let endpoint = &self.endpoint;
        let mut answers = stream::iter(requests.into_iter().enumerate())
            .map(|(i, (feeds, url))| async move {
                let outcome = match (endpoint.get(url).await, feeds) {
                    (Ok(body), Feeds::Alerts) => classify_alerts(&body),
                    (Ok(body), _) => classify(&body).map(|a| a.map(Payload::Query)),
                    (Err(f), _) => Err(f),
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
        drop(answers);
        ok.sort_by_key(|a| a.0);
        let ok = ok.into_iter().map(|(_, feeds, a)| (feeds, a)).collect();
        let mut data = self.assemble(ok);
        data.seed = self.seed(now).await;
        Ok(SourceData::Prometheus(data))
    }
}

fn samples(r: QueryResult) -> Vec<Sample> {
    match r {
        QueryResult::Vector(v) => v,
        _ => Vec::new(),
    }
}

/// Sorts an answer into: a result or a failed query (`Ok`), or Prometheus
/// not answering as the API does (`Err`, which fails the whole cycle).
pub fn classify(body: &Body) -> Result<Answer, Failure> {
    classify_as(body, parse::parse_reply)
}

/// [`classify`] for `/api/v1/alerts`. A server without that endpoint (404
/// without the API's envelope, while its queries work) leaves the alerts
/// unknown with the reason instead of failing the cycle.
fn classify_alerts(body: &Body) -> Result<Result<Payload, String>, Failure> {
    if body.status.as_u16() == 404 && parse::parse_reply(&body.bytes).is_err() {
        return Ok(Err(
            "this server has no /api/v1/alerts (HTTP 404): not Prometheus?".to_owned(),
        ));
    }
    classify_as(body, alerts::reply).map(|a| a.map(Payload::Alerts))
}

/// Sorts an answer read by `parse` (see [`classify`]).
fn classify_as<T>(
    body: &Body,
    parse: impl FnOnce(&[u8]) -> Result<Reply<T>, NotEnvelope>,
) -> Result<Result<T, String>, Failure> {
    let code = body.status.as_u16();
    if code == 401 || code == 403 {
        return Err(http::status_failure(body, None, &WORDS));
    }
    match parse(&body.bytes) {
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
        Err(_) if !body.status.is_success() => Err(http::status_failure(body, None, &WORDS)),
        Err(NotEnvelope::NotJson) if body.is_html() => Err(WORDS.html_failure()),
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
