//! The Moonraker source: Klipper's state, the print job, heaters, fan and
//! speed, the file's slicer metadata and thumbnail, and the last minutes of
//! temperatures, from Moonraker's HTTP API.
//!
//! One poll:
//! 1. `GET /server/info`: is Klipper connected, and in which state;
//! 2. not ready: `GET /printer/info` for the first line of `state_message`
//!    (a 404 there means Klipper never connected since Moonraker started, a
//!    503 that it dropped); the panel shows Klipper's state, not a failure;
//! 3. ready: `GET /printer/objects/query` for the panel's objects;
//! 4. once per file (and again when a new job starts and the file's
//!    `modified` changed, or 60 s after a failed request):
//!    `GET /server/files/metadata` and the best-fitting thumbnail
//!    ([`thumbnail`]), decoded and scaled once and kept; a missing or
//!    corrupt one is remembered and leaves the placeholder;
//! 5. at the first ready poll and whenever a job ends, the job history
//!    ([`jobs`], `GET /server/history/list`);
//! 6. once, the first time Klipper is ready: `GET /server/temperature_store`,
//!    sent as the data's `seed` for the core's temperature history (the
//!    core records each poll's temperatures itself, stamped with the
//!    update's time).
//!
//! Time is the `now` each poll is given (the injected clock): it stamps the
//! seed's newest values and times the metadata retry. A 401 means the API key
//! (`X-Api-Key`, sent only when configured, marked sensitive) is wrong or
//! missing. The source polls at the printing interval while a job is
//! printing, and at the idle interval otherwise (paused, idle, failures).
//! The answers are read by [`parse`], which is pure.

pub mod jobs;
pub mod parse;
pub mod thumbnail;
pub mod ws;

use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;

use crate::core::{
    Failure, KlippyState, PrintState, PrinterData, SourceData, SourceKind, TempSeed, Thumbnail,
};
use crate::sources::Source;
use crate::sources::http::{self, Body, Endpoint, Header, Sensitive, Setup, Tls, Words};
use parse::Metadata;

pub use thumbnail::SIDE as THUMBNAIL_SIDE;
pub use ws::run;

/// The most a JSON answer may hold (the temperature store is the largest).
const JSON_CAP: usize = 2 * 1024 * 1024;
/// The most a thumbnail file may hold.
const THUMBNAIL_CAP: usize = 1024 * 1024;
/// After a failed metadata request, wait this long before asking again.
const METADATA_RETRY: TimeDelta = TimeDelta::seconds(60);

/// What the answers of the API that are not its JSON mean here.
const API: Words = Words {
    unauthorized: "the API key is wrong or missing (moonraker.api_key)",
    forbidden: "this client may not use the API (check the API key or trusted_clients)",
    not_found: "is moonraker.url Moonraker's address (http://HOST:7125)?",
    html: "an HTML page instead of Moonraker's JSON API (a proxy or login page? check moonraker.url)",
    other: &[],
};

/// The same for a file's metadata and thumbnail.
const FILES: Words = Words {
    not_found: "the file is not on the printer",
    html: "an HTML page instead of the file (a proxy or login page? check moonraker.url)",
    ..API
};

/// How the source reaches Moonraker.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Moonraker's base URL (`http://HOST:7125`).
    pub url: String,
    /// Sent as `X-Api-Key` when set.
    pub api_key: Option<Sensitive>,
    /// The wait between good polls while a job prints.
    pub printing_interval: Duration,
    /// The wait between good polls otherwise, and between retries.
    pub idle_interval: Duration,
    /// The timeout of each request.
    pub timeout: Duration,
    /// Websocket, HTTP polling, or the websocket with HTTP as fallback.
    pub transport: Transport,
}

/// How the source talks to Moonraker (`[moonraker] transport`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Transport {
    /// The websocket; HTTP polling while the websocket is refused.
    #[default]
    Auto,
    /// The websocket only.
    Websocket,
    /// HTTP polling only.
    Http,
}

impl Transport {
    /// The config's word for it.
    pub fn word(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Websocket => "websocket",
            Self::Http => "http",
        }
    }
}

/// What the source knows about the current file.
#[derive(Debug, Clone)]
struct FileEntry {
    filename: String,
    meta: Option<Metadata>,
    /// When the metadata request failed, if it did.
    failed_at: Option<DateTime<Utc>>,
    thumbnail: ThumbState,
}

/// A file's thumbnail: loaded, absent, or failed (and not asked for again
/// until the file changes).
#[derive(Debug, Clone)]
enum ThumbState {
    Unknown,
    Loaded(Thumbnail),
    Missing(String),
}

/// Counts of the requests the source made, for tests and telemetry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requests {
    /// `/server/files/metadata` requests.
    pub metadata: u32,
    /// Thumbnail downloads.
    pub thumbnails: u32,
}

/// Polls Moonraker.
#[derive(Debug)]
pub struct MoonrakerSource {
    settings: Settings,
    endpoint: Endpoint,
    /// Whether the last poll saw a job printing or paused.
    active: bool,
    /// The last job's state and duration, to see a new job start.
    last_job: Option<(PrintState, f64)>,
    file: Option<FileEntry>,
    /// Whether the temperature store was asked for.
    seeded: bool,
    /// The last jobs from the job history ([`jobs`]), newest first.
    jobs: Vec<crate::core::Job>,
    /// Whether the job history is to be asked for.
    jobs_due: bool,
    requests: Requests,
}

impl MoonrakerSource {
    /// The source for `settings`. Whatever cannot be set up (a URL that does
    /// not parse, a key HTTP cannot carry) fails every poll with the reason.
    pub fn new(settings: Settings) -> Self {
        let mut setup = Setup::new(Tls::System, settings.timeout);
        setup.body_cap = JSON_CAP;
        if let Some(key) = &settings.api_key {
            setup.headers.push(Header {
                name: "X-Api-Key".into(),
                value: key.clone(),
                what: "moonraker.api_key".into(),
            });
        }
        Self {
            endpoint: Endpoint::new(&settings.url, setup),
            settings,
            active: false,
            last_job: None,
            file: None,
            seeded: false,
            jobs: Vec::new(),
            jobs_due: true,
            requests: Requests::default(),
        }
    }

    /// Why the current file shows no thumbnail, if it has none.
    pub fn thumbnail_problem(&self) -> Option<&str> {
        match self.file.as_ref().map(|f| &f.thumbnail) {
            Some(ThumbState::Missing(reason)) => Some(reason),
            _ => None,
        }
    }

    /// The metadata and thumbnail requests made so far.
    pub fn requests(&self) -> Requests {
        self.requests
    }

    /// `GET` of the API path `segments` (and `query`), any status.
    async fn get(&self, segments: &[&str], query: Option<&str>) -> Result<Body, Failure> {
        let mut url = self.endpoint.url(segments)?;
        url.set_query(query);
        self.endpoint.get(url).await
    }

    async fn not_ready(&self, klippy: KlippyState) -> Result<PrinterData, Failure> {
        let body = self.get(&["printer", "info"], None).await?;
        let message = match body.status.as_u16() {
            200..=299 => parse::printer_info(&body.bytes).ok().and_then(|(_, m)| m),
            401 | 403 => return Err(failure(&body, &API)),
            code => not_ready_reason(code).or_else(|| parse::error_message(&body.bytes)),
        };
        Ok(self.not_ready_data(klippy, message))
    }

    /// A oneshot token for the websocket's `?token=`
    /// (`GET /access/oneshot_token`, with the API key), if Moonraker gives
    /// one; without it the key in the upgrade and the identify must do.
    async fn oneshot_token(&self) -> Option<String> {
        let body = self.get(&["access", "oneshot_token"], None).await.ok()?;
        let body = expect_success(body, &API)
            .inspect_err(|f| tracing::info!(reason = %f.message, "no oneshot token"))
            .ok()?;
        parse::result::<String>(&body.bytes, "/access/oneshot_token").ok()
    }

    /// The panel's data while Klipper is not ready: its state, why, and the
    /// last jobs.
    fn not_ready_data(&self, klippy: KlippyState, message: Option<String>) -> PrinterData {
        let mut data = parse::not_ready(klippy, message);
        data.jobs = self.jobs.clone();
        data
    }

    /// Forgets the current file's metadata and thumbnail, so the next
    /// update fetches them again (the file changed on the printer).
    fn forget_file(&mut self, filename: &str) {
        if self.file.as_ref().is_some_and(|f| f.filename == filename) {
            self.file = None;
        }
    }

    /// Fetches the file's metadata and thumbnail when the file is new to us,
    /// when a new job on it started, or when a failed request may be retried.
    async fn refresh_file(
        &mut self,
        filename: Option<&str>,
        job: (PrintState, f64),
        now: DateTime<Utc>,
    ) {
        let Some(filename) = filename.filter(|f| !f.is_empty()) else {
            self.file = None;
            return;
        };
        let restarted = self.last_job.is_some_and(|(state, duration)| {
            let was_active = matches!(state, PrintState::Printing | PrintState::Paused);
            (job.0 == PrintState::Printing && !was_active) || job.1 + 1.0 < duration
        });
        let known = self.file.as_ref().filter(|f| f.filename == filename);
        let retry = known.is_some_and(|f| f.failed_at.is_some_and(|at| now - at >= METADATA_RETRY));
        if known.is_some() && !restarted && !retry {
            return;
        }
        let previous = self.file.take().filter(|f| f.filename == filename);
        let meta = self.fetch_metadata(filename).await;
        let failed_at = meta.is_err().then_some(now);
        let meta = meta
            .ok()
            .or_else(|| previous.as_ref().and_then(|p| p.meta.clone()));
        let same_version = previous.as_ref().is_some_and(|p| {
            p.meta.as_ref().map(|m| m.modified) == meta.as_ref().map(|m| m.modified)
        });
        let thumbnail = match previous {
            Some(p) if same_version && !matches!(p.thumbnail, ThumbState::Unknown) => p.thumbnail,
            _ => match &meta {
                Some(m) => self.fetch_thumbnail(filename, m).await,
                None => ThumbState::Unknown,
            },
        };
        self.file = Some(FileEntry {
            filename: filename.to_owned(),
            meta,
            failed_at,
            thumbnail,
        });
    }

    async fn fetch_metadata(&mut self, filename: &str) -> Result<Metadata, Failure> {
        self.requests.metadata += 1;
        let mut url = self.endpoint.url(&["server", "files", "metadata"])?;
        url.query_pairs_mut().append_pair("filename", filename);
        let body = self.endpoint.get(url).await?;
        let body = expect_success(body, &FILES).inspect_err(|f| {
            tracing::info!(file = filename, reason = %f.message, "no metadata for the file");
        })?;
        parse::metadata(&body.bytes)
    }

    async fn fetch_thumbnail(&mut self, filename: &str, meta: &Metadata) -> ThumbState {
        let thumbs = meta.thumbnails.as_deref().unwrap_or_default();
        let Some(best) = thumbnail::best(thumbs, THUMBNAIL_SIDE) else {
            return ThumbState::Missing("the file has no thumbnail".into());
        };
        let Some(segments) = thumbnail::segments(filename, &best.relative_path) else {
            return ThumbState::Missing("the thumbnail path leaves the file's folder".into());
        };
        self.requests.thumbnails += 1;
        let mut all = vec!["server", "files", "gcodes"];
        all.extend(segments.iter().map(String::as_str));
        let fetched = match self.endpoint.url(&all) {
            Ok(url) => self.endpoint.get_capped(url, THUMBNAIL_CAP).await,
            Err(f) => Err(f),
        };
        let outcome = fetched
            .and_then(|body| expect_success(body, &FILES))
            .map_err(|f| f.message)
            .and_then(|body| thumbnail::decode(&body.bytes, THUMBNAIL_SIDE));
        match outcome {
            Ok(t) => ThumbState::Loaded(t),
            Err(reason) => {
                tracing::info!(file = filename, %reason, "thumbnail not shown");
                ThumbState::Missing(reason)
            }
        }
    }

    /// Moonraker's temperature store, once, as a seed for the core's
    /// chart history; its newest values are taken at `now_s`. A failure
    /// only means the chart starts empty.
    async fn seed(&mut self, now_s: i64) -> Option<TempSeed> {
        if self.seeded {
            return None;
        }
        self.seeded = true;
        match self.get(&["server", "temperature_store"], None).await {
            Ok(body) if body.status.is_success() => {
                let (extruder, bed) = parse::temperature_store(&body.bytes).ok()?;
                Some(TempSeed {
                    end_s: now_s,
                    extruder,
                    bed,
                })
            }
            Ok(body) => {
                tracing::info!(status = %body.status, "no temperature store");
                None
            }
            Err(f) => {
                tracing::info!(reason = %f.message, "no temperature store");
                None
            }
        }
    }

    async fn poll_once(&mut self, now: DateTime<Utc>) -> Result<PrinterData, Failure> {
        let body = self.get(&["server", "info"], None).await?;
        let body = expect_success(body, &API)?;
        let klippy = parse::server_info(&body.bytes)?.klippy();
        if klippy != KlippyState::Ready {
            return self.not_ready(klippy).await;
        }
        let query = Some(parse::OBJECTS_QUERY);
        let body = self.get(&["printer", "objects", "query"], query).await?;
        if matches!(body.status.as_u16(), 404 | 503) {
            // Klipper went away between the two requests.
            return self.not_ready(KlippyState::Disconnected).await;
        }
        let status = parse::objects(&expect_success(body, &API)?.bytes)?;
        Ok(self.complete(&status, now).await)
    }

    /// The panel's data from the printer objects' `status` (however they
    /// arrived: an HTTP query or the websocket's live state), with the
    /// file's metadata and thumbnail, the last jobs and, once, the
    /// temperature store, fetched over HTTP as needed.
    async fn complete(&mut self, status: &parse::Status, now: DateTime<Utc>) -> PrinterData {
        let seed = self.seed(now.timestamp()).await;
        let stats = status.print_stats.as_ref();
        let job = (
            parse::printer_data(status, None).state,
            stats.and_then(|s| s.print_duration).unwrap_or(0.0),
        );
        let filename = stats.and_then(|s| s.filename.clone());
        self.refresh_file(filename.as_deref(), job, now).await;
        if jobs::ended(self.last_job.map(|j| j.0), job.0) {
            self.jobs_due = true;
        }
        self.refresh_jobs().await;
        self.last_job = Some(job);
        let file = self.file.as_ref();
        let mut data = parse::printer_data(status, file.and_then(|f| f.meta.as_ref()));
        data.thumbnail = match file.map(|f| &f.thumbnail) {
            Some(ThumbState::Loaded(t)) => Some(t.clone()),
            _ => None,
        };
        data.seed = seed;
        data.jobs = self.jobs.clone();
        data
    }
}

/// Why Klipper is not ready, from the status Moonraker answers
/// `printer.info` with (over HTTP, or as a JSON-RPC error's code).
fn not_ready_reason(code: u16) -> Option<String> {
    match code {
        404 => Some("Klipper has not connected since Moonraker started".to_owned()),
        503 => Some("Klipper dropped its connection to Moonraker".to_owned()),
        _ => None,
    }
}

/// A non-success answer in words: Moonraker's error envelope quoted, and
/// what the status means here.
fn failure(body: &Body, words: &Words) -> Failure {
    http::status_failure(body, parse::error_message(&body.bytes).as_deref(), words)
}

/// The body of a success that is not an HTML page, or the failure in words.
fn expect_success(body: Body, words: &Words) -> Result<Body, Failure> {
    http::expect_success(body, words, |b| parse::error_message(&b.bytes))
}

impl Source for MoonrakerSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Moonraker
    }

    fn interval(&self) -> Duration {
        if self.active {
            self.settings.printing_interval
        } else {
            self.settings.idle_interval
        }
    }

    fn deadline(&self) -> Duration {
        // Up to six requests in a cycle that fetches a new file's details
        // and the job history.
        (self.settings.timeout * 3).max(Duration::from_secs(10))
    }

    async fn poll(&mut self, now: DateTime<Utc>) -> Result<SourceData, Failure> {
        let outcome = self.poll_once(now).await;
        // Fast only while printing: a paused job changes only when someone
        // resumes it, and the idle interval shows that soon enough.
        self.active = outcome
            .as_ref()
            .is_ok_and(|d| d.klippy == KlippyState::Ready && d.state == PrintState::Printing);
        outcome.map(|d| SourceData::Moonraker(Box::new(d)))
    }
}

#[cfg(test)]
mod tests;
