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
//!    `modified` changed): `GET /server/files/metadata` and the best-fitting
//!    thumbnail, decoded and scaled once and kept; a missing or corrupt one
//!    is remembered and leaves the placeholder;
//! 5. once, the first time Klipper is ready: `GET /server/temperature_store`
//!    to seed the temperature chart.
//!
//! A 401 means the API key (`X-Api-Key`, sent only when configured) is wrong
//! or missing. The source polls at the printing interval while a job is
//! printing or paused, and at the idle interval otherwise.

pub mod parse;

use std::time::{Duration, Instant};

use url::Url;

use crate::config::Loaded;
use crate::config::Secret;
use crate::core::{
    Failure, FailureKind, KlippyState, PrintState, PrinterData, SourceData, SourceKind,
    TempHistory, Thumbnail,
};
use crate::sources::Source;
use crate::sources::http::{self, Body, Tls};
use parse::Metadata;

/// Thumbnails are scaled to fit a square of this many pixels (the panel
/// shows them at 84 px).
pub const THUMBNAIL_SIDE: u32 = 96;
/// The most a JSON answer may hold (the temperature store is the largest).
const JSON_CAP: usize = 2 * 1024 * 1024;
/// The most a thumbnail file may hold.
const THUMBNAIL_CAP: usize = 1024 * 1024;
/// After a failed metadata request, wait this long before asking again.
const METADATA_RETRY: Duration = Duration::from_secs(60);

/// How the source reaches Moonraker.
#[derive(Debug, Clone)]
pub struct Settings {
    pub url: String,
    pub api_key: Option<Secret>,
    pub printing_interval: Duration,
    pub idle_interval: Duration,
    pub timeout: Duration,
}

/// What the source knows about the current file.
#[derive(Debug, Clone)]
struct FileEntry {
    filename: String,
    meta: Option<Metadata>,
    /// When the metadata request failed, if it did.
    failed_at: Option<Instant>,
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
    pub metadata: u32,
    pub thumbnails: u32,
}

/// Polls Moonraker.
#[derive(Debug)]
pub struct MoonrakerSource {
    settings: Settings,
    base: Result<Url, String>,
    client: Result<reqwest::Client, String>,
    /// Whether the last poll saw a job printing or paused.
    active: bool,
    /// The last job's state and duration, to see a new job start.
    last_job: Option<(PrintState, f64)>,
    file: Option<FileEntry>,
    history: TempHistory,
    seeded: bool,
    requests: Requests,
}

impl MoonrakerSource {
    /// The source for the config's `[moonraker]` section, if it has one.
    pub fn from_config(loaded: &Loaded) -> Option<Self> {
        let c = loaded.config.moonraker.as_ref()?;
        Some(Self::new(Settings {
            url: c.url.clone(),
            api_key: loaded.secrets.moonraker_api_key.clone(),
            printing_interval: Duration::from_secs(c.poll_interval_printing_secs),
            idle_interval: Duration::from_secs(c.poll_interval_idle_secs),
            timeout: Duration::from_secs(c.timeout_secs),
        }))
    }

    /// A source with explicit settings.
    pub fn new(settings: Settings) -> Self {
        let base = Url::parse(&settings.url)
            .map_err(|e| format!("moonraker.url {}: {e}", settings.url))
            .and_then(|u| {
                if u.cannot_be_a_base() {
                    Err(format!(
                        "moonraker.url {} is not an http(s) URL",
                        settings.url
                    ))
                } else {
                    Ok(u)
                }
            });
        let tls = match base.as_ref().map(Url::scheme) {
            Ok("https") => Tls::System,
            // Plain HTTP never uses it; skip reading the system's roots.
            _ => Tls::Insecure,
        };
        let client = http::client(&tls, settings.timeout);
        Self {
            settings,
            base,
            client,
            active: false,
            last_job: None,
            file: None,
            history: TempHistory::default(),
            seeded: false,
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

    fn url(&self, segments: &[&str], query: Option<&str>) -> Result<Url, Failure> {
        let mut url = self
            .base
            .clone()
            .map_err(|e| Failure::new(FailureKind::BadResponse, e))?;
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url.set_query(query);
        Ok(url)
    }

    async fn get(&self, url: Url, cap: usize) -> Result<Body, Failure> {
        let client = self
            .client
            .as_ref()
            .map_err(|e| Failure::new(FailureKind::Tls, e.clone()))?;
        let mut request = client.get(url);
        if let Some(key) = &self.settings.api_key {
            request = request.header("X-Api-Key", key.expose());
        }
        http::send(request, cap).await
    }

    async fn not_ready(&self, klippy: KlippyState) -> Result<PrinterData, Failure> {
        let body = self
            .get(self.url(&["printer", "info"], None)?, JSON_CAP)
            .await?;
        let message = match body.status.as_u16() {
            200..=299 => parse::printer_info(&body.bytes).ok().and_then(|(_, m)| m),
            404 => Some("Klipper has not connected since Moonraker started".to_owned()),
            503 => Some("Klipper dropped its connection to Moonraker".to_owned()),
            401 | 403 => return Err(failure(&body)),
            _ => parse::error_message(&body.bytes),
        };
        let mut data = parse::not_ready(klippy, message);
        data.history = self.history.clone();
        Ok(data)
    }

    /// Fetches the file's metadata and thumbnail when the file is new to us,
    /// when a new job on it started, or when a failed request may be retried.
    async fn refresh_file(&mut self, filename: Option<&str>, job: (PrintState, f64)) {
        let Some(filename) = filename.filter(|f| !f.is_empty()) else {
            self.file = None;
            return;
        };
        let restarted = self.last_job.is_some_and(|(state, duration)| {
            let was_active = matches!(state, PrintState::Printing | PrintState::Paused);
            (job.0 == PrintState::Printing && !was_active) || job.1 + 1.0 < duration
        });
        let known = self.file.as_ref().filter(|f| f.filename == filename);
        let retry =
            known.is_some_and(|f| f.failed_at.is_some_and(|at| at.elapsed() >= METADATA_RETRY));
        if known.is_some() && !restarted && !retry {
            return;
        }
        let previous = self.file.take().filter(|f| f.filename == filename);
        let meta = self.fetch_metadata(filename).await;
        let failed_at = meta.is_err().then(Instant::now);
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
        let mut url = self.url(&["server", "files", "metadata"], None)?;
        url.query_pairs_mut().append_pair("filename", filename);
        let body = self.get(url, JSON_CAP).await?;
        if !body.status.is_success() {
            let f = failure(&body);
            tracing::info!(file = filename, reason = %f.message, "no metadata for the file");
            return Err(f);
        }
        parse::metadata(&body.bytes)
    }

    async fn fetch_thumbnail(&mut self, filename: &str, meta: &Metadata) -> ThumbState {
        let thumbs = meta.thumbnails.as_deref().unwrap_or_default();
        let Some(best) = parse::best_thumbnail(thumbs, THUMBNAIL_SIDE) else {
            return ThumbState::Missing("the file has no thumbnail".into());
        };
        let Some(segments) = parse::thumbnail_segments(filename, &best.relative_path) else {
            return ThumbState::Missing("the thumbnail path leaves the file's folder".into());
        };
        self.requests.thumbnails += 1;
        let mut all = vec!["server", "files", "gcodes"];
        all.extend(segments.iter().map(String::as_str));
        let fetched = match self.url(&all, None) {
            Ok(url) => self.get(url, THUMBNAIL_CAP).await,
            Err(f) => Err(f),
        };
        let outcome = match fetched {
            Ok(body) if body.status.is_success() => {
                parse::decode_thumbnail(&body.bytes, THUMBNAIL_SIDE)
            }
            Ok(body) => Err(failure(&body).message),
            Err(f) => Err(f.message),
        };
        match outcome {
            Ok(t) => ThumbState::Loaded(t),
            Err(reason) => {
                tracing::info!(file = filename, %reason, "thumbnail not shown");
                ThumbState::Missing(reason)
            }
        }
    }

    /// Seeds the chart from Moonraker's temperature store, once. A failure
    /// only means the chart starts empty.
    async fn seed_history(&mut self, now_s: i64) {
        if self.seeded {
            return;
        }
        self.seeded = true;
        let Ok(url) = self.url(&["server", "temperature_store"], None) else {
            return;
        };
        match self.get(url, JSON_CAP).await {
            Ok(body) if body.status.is_success() => {
                if let Ok((e, b)) = parse::temperature_store(&body.bytes) {
                    self.history.seed(now_s, &e, &b);
                }
            }
            Ok(body) => tracing::info!(status = %body.status, "no temperature store"),
            Err(f) => tracing::info!(reason = %f.message, "no temperature store"),
        }
    }

    async fn poll_once(&mut self) -> Result<PrinterData, Failure> {
        let body = self
            .get(self.url(&["server", "info"], None)?, JSON_CAP)
            .await?;
        if !body.status.is_success() {
            return Err(failure(&body));
        }
        not_html(&body)?;
        let klippy = parse::server_info(&body.bytes)?.klippy();
        if klippy != KlippyState::Ready {
            return self.not_ready(klippy).await;
        }
        let url = self.url(&["printer", "objects", "query"], Some(parse::OBJECTS_QUERY))?;
        let body = self.get(url, JSON_CAP).await?;
        match body.status.as_u16() {
            200..=299 => {}
            // Klipper went away between the two requests.
            404 | 503 => return self.not_ready(KlippyState::Disconnected).await,
            _ => return Err(failure(&body)),
        }
        not_html(&body)?;
        let status = parse::objects(&body.bytes)?;
        let now_s = chrono::Utc::now().timestamp();
        self.seed_history(now_s).await;
        let stats = status.print_stats.as_ref();
        let job = (
            parse::printer_data(&status, None).state,
            stats.and_then(|s| s.print_duration).unwrap_or(0.0),
        );
        let filename = stats.and_then(|s| s.filename.clone());
        self.refresh_file(filename.as_deref(), job).await;
        self.last_job = Some(job);
        let file = self.file.as_ref();
        let mut data = parse::printer_data(&status, file.and_then(|f| f.meta.as_ref()));
        data.thumbnail = match file.map(|f| &f.thumbnail) {
            Some(ThumbState::Loaded(t)) => Some(t.clone()),
            _ => None,
        };
        self.history
            .record(now_s, data.extruder.temperature, data.bed.temperature);
        data.history = self.history.clone();
        Ok(data)
    }
}

/// A 200 with an HTML page (a reverse proxy's login or error page) is not
/// Moonraker: say so, rather than quote the JSON parser.
fn not_html(body: &Body) -> Result<(), Failure> {
    if http::looks_like_html(body) {
        return Err(Failure::new(
            FailureKind::BadResponse,
            "an HTML page instead of Moonraker's JSON API (a proxy or login page? check moonraker.url)",
        ));
    }
    Ok(())
}

/// A non-success answer in words, keyed on the status as Moonraker documents it.
fn failure(body: &Body) -> Failure {
    let code = body.status.as_u16();
    match code {
        401 => Failure::new(
            FailureKind::Auth,
            "HTTP 401: the API key is wrong or missing (moonraker.api_key)",
        ),
        403 => Failure::new(
            FailureKind::Auth,
            "HTTP 403: this client may not use the API (check the API key or trusted_clients)",
        ),
        _ => {
            let mut f = http::status_failure(body);
            if let Some(m) = parse::error_message(&body.bytes) {
                f.message = format!("HTTP {code}: {m}");
            }
            f
        }
    }
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
        // Up to five requests in a cycle that fetches a new file's details.
        (self.settings.timeout * 3).max(Duration::from_secs(10))
    }

    async fn poll(&mut self) -> Result<SourceData, Failure> {
        let outcome = self.poll_once().await;
        // Fast only while printing: a paused job changes only when someone
        // resumes it, and the idle interval shows that soon enough.
        self.active = outcome
            .as_ref()
            .is_ok_and(|d| d.klippy == KlippyState::Ready && d.state == PrintState::Printing);
        outcome.map(|d| SourceData::Moonraker(Box::new(d)))
    }
}
