//! One websocket session with Moonraker, from the upgrade to the end:
//!
//! 1. open the socket ([`connect`]); with an API key, ask
//!    `/access/oneshot_token` first and connect with `?token=` (the key
//!    also goes in the upgrade's `X-Api-Key` and in the identify);
//! 2. `server.connection.identify` as a display ("piboard", its version);
//!    a server that accepts and never answers is a Timeout;
//! 3. `server.info`, again every [`READY_POLL`] until Klippy is ready (or
//!    `notify_klippy_ready` comes), the panel showing Klipper's state and
//!    `printer.info`'s message meanwhile;
//! 4. `printer.objects.subscribe` for the panel's objects: the answer is
//!    the base state ([`live`]); then `notify_status_update` diffs are
//!    merged in, and an update goes out at most every
//!    [`PUBLISH_GAP`] after a change and at least every
//!    idle interval; the file's metadata, thumbnail, the job history and
//!    the temperature store come over HTTP as for the poller
//!    (`MoonrakerSource::complete`);
//! 5. `notify_klippy_shutdown`/`notify_klippy_disconnected`: back to 3;
//!    `notify_history_changed`: the last jobs asked again (a finished job
//!    published at once); `notify_filelist_changed`/`notify_metadata_update`
//!    on the current file: its metadata and thumbnail fetched again.
//!
//! Notifications that arrive while a request waits for its answer are kept
//! for later, at most [`MAX_PENDING`] of them and [`MAX_PENDING_BYTES`] of
//! their frames (the oldest dropped). A frame that
//! is not JSON-RPC is counted, logged (the 1st, 2nd, 4th, 8th... with the
//! count, [`logged`]) and ignored. The
//! session ends on a close, a frame over the cap, or silence: with no frame
//! for an idle interval a ping goes out, and no answer within the timeout
//! ends it as a Timeout. What was merged before the end stays the last
//! whole state the core has.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::connect::{self, Opened, Socket};
use super::live::{self, Live};
use super::rpc::{self, Incoming, Rpc, RpcError};
use super::{Gone, PUBLISH_GAP, Publisher};
use crate::core::{Failure, FailureKind, KlippyState};
use crate::sources::http::first_line;
use crate::sources::moonraker::{
    JSON_CAP, MoonrakerSource, Settings, not_ready_reason, parse::ServerInfo,
};

/// How often `server.info` is asked again while Klippy is not ready (as
/// Moonraker's docs suggest).
pub const READY_POLL: Duration = Duration::from_secs(2);

/// The most notifications kept while a request waits for its answer;
/// more drop the oldest. Moonraker sends some whatever we asked
/// (`notify_proc_stat_update` every second), and while Klippy is not ready
/// the session only asks `server.info` and `printer.info` and never takes
/// them off, for as long as the printer stays off.
pub const MAX_PENDING: usize = 64;
/// The most frame text those notifications may have come in (a status
/// diff or a `notify_proc_stat_update` is under 1 KiB; a frame may be
/// 2 MiB, and parsed it takes up to 16 times that).
pub const MAX_PENDING_BYTES: usize = 64 * 1024;

/// Whether the `n`th of a repeated warning is logged: the 1st, 2nd, 4th,
/// 8th..., each with its count, so a server that repeats a fault forever
/// costs one line per doubling (20 lines for a million).
fn logged(n: u64) -> bool {
    n.is_power_of_two()
}

/// What waits to be handled, oldest first: at most [`MAX_PENDING`] items
/// and [`MAX_PENDING_BYTES`] of the frames they came in.
#[derive(Debug)]
struct Pending<T> {
    items: VecDeque<(T, usize)>,
    bytes: usize,
}

impl<T> Pending<T> {
    fn new() -> Self {
        Self {
            items: VecDeque::new(),
            bytes: 0,
        }
    }

    /// Keeps `item`, which came in a frame of `len` bytes, dropping the
    /// oldest (this one too, when it alone is over) to stay within the
    /// bounds; returns how many were dropped.
    fn keep(&mut self, item: T, len: usize) -> u64 {
        self.items.push_back((item, len));
        self.bytes += len;
        let mut dropped = 0;
        while self.items.len() > MAX_PENDING || self.bytes > MAX_PENDING_BYTES {
            let Some((_, len)) = self.items.pop_front() else {
                break;
            };
            self.bytes -= len;
            dropped += 1;
        }
        dropped
    }

    /// The oldest item.
    fn take(&mut self) -> Option<T> {
        let (item, len) = self.items.pop_front()?;
        self.bytes -= len;
        Some(item)
    }
}

/// How a session ended.
#[derive(Debug)]
pub enum End {
    /// The receiver of the updates is gone.
    Gone,
    /// The server answered HTTP instead of upgrading.
    Refused(Failure),
    /// Anything else; the driver retries.
    Failed(Failure),
}

enum Stop {
    Gone,
    Failed(Failure),
}

impl From<Gone> for Stop {
    fn from(_: Gone) -> Self {
        Self::Gone
    }
}

impl From<Failure> for Stop {
    fn from(f: Failure) -> Self {
        Self::Failed(f)
    }
}

/// Runs one session until it ends.
pub async fn run(settings: &Settings, source: &mut MoonrakerSource, out: &mut Publisher) -> End {
    let token = match &settings.api_key {
        Some(_) => connect::oneshot_token(source).await,
        None => None,
    };
    let url = match connect::ws_url(&settings.url, token.as_deref()) {
        Ok(u) => u,
        Err(f) => return End::Failed(f),
    };
    let key = settings.api_key.as_ref();
    let socket = match connect::open(&url, key, JSON_CAP, settings.timeout).await {
        Ok(s) => s,
        Err(Opened::Refused(f)) => return End::Refused(f),
        Err(Opened::Failed(f)) => return End::Failed(f),
    };
    let mut session = Session {
        socket,
        rpc: Rpc::new(),
        pending: Pending::new(),
        frame_len: 0,
        dropped: 0,
        malformed: 0,
        last_frame: Instant::now(),
        ping_sent: None,
        timeout: settings.timeout,
        idle: out.idle(),
    };
    let outcome = session.life(settings, source, out).await;
    let _ = tokio::time::timeout(settings.timeout, session.socket.close(None)).await;
    match outcome {
        Ok(never) => match never {},
        Err(Stop::Gone) => End::Gone,
        Err(Stop::Failed(f)) => End::Failed(f),
    }
}

struct Session {
    socket: Socket,
    rpc: Rpc,
    /// Notifications that arrived while waiting for an answer.
    pending: Pending<(String, Vec<Value>)>,
    /// The length of the last text frame read.
    frame_len: usize,
    /// Notifications dropped at [`MAX_PENDING`].
    dropped: u64,
    malformed: u64,
    last_frame: Instant,
    ping_sent: Option<Instant>,
    timeout: Duration,
    idle: Duration,
}

impl Session {
    async fn life(
        &mut self,
        settings: &Settings,
        source: &mut MoonrakerSource,
        out: &mut Publisher,
    ) -> Result<Infallible, Stop> {
        let mut identify = json!({
            "client_name": "piboard",
            "version": env!("CARGO_PKG_VERSION"),
            "type": "display",
            "url": env!("CARGO_PKG_REPOSITORY"),
        });
        if let Some(key) = &settings.api_key {
            identify["api_key"] = Value::String(key.expose().to_owned());
        }
        self.call("server.connection.identify", identify)
            .await?
            .map_err(|e| {
                Failure::new(
                    FailureKind::Auth,
                    format!(
                        "server.connection.identify: {} (check moonraker.api_key or Moonraker's trusted_clients)",
                        e.message
                    ),
                )
            })?;
        loop {
            self.wait_ready(source, out).await?;
            let mut live = Live::default();
            let answer = self
                .call("printer.objects.subscribe", live::subscribe_params())
                .await?;
            match answer {
                Ok(a) => live.subscribed(&a)?,
                Err(e) => {
                    // Klippy went away between server.info and the
                    // subscription: wait, then ask server.info again.
                    tracing::info!(source = "moonraker", reason = %e.message, "not subscribed");
                    self.pause(source).await?;
                    continue;
                }
            }
            tracing::info!(
                source = "moonraker",
                "following the printer over the websocket"
            );
            self.follow(&mut live, source, out).await?;
        }
    }

    /// Asks `server.info` until Klippy is ready, publishing its state.
    async fn wait_ready(
        &mut self,
        source: &mut MoonrakerSource,
        out: &mut Publisher,
    ) -> Result<(), Stop> {
        let mut shown: Option<(KlippyState, Option<String>)> = None;
        let mut published = Instant::now();
        loop {
            let info = self.call("server.info", json!({})).await?;
            let info = info.map_err(|e| {
                Failure::new(
                    FailureKind::ServerError,
                    format!("server.info: {}", e.message),
                )
            })?;
            let klippy = serde_json::from_value::<ServerInfo>(info)
                .map_err(|e| {
                    Failure::new(
                        FailureKind::BadResponse,
                        format!("server.info: not the documented answer ({e})"),
                    )
                })?
                .klippy();
            if klippy == KlippyState::Ready {
                return Ok(());
            }
            let message = self.klippy_message().await?;
            let now_shown = Some((klippy, message.clone()));
            if shown != now_shown || published.elapsed() >= self.idle {
                let started = std::time::Instant::now();
                let data = source.not_ready_data(klippy, message);
                out.data(data, started.elapsed(), self.idle).await?;
                shown = now_shown;
                published = Instant::now();
            }
            if self.pause(source).await? {
                return Ok(());
            }
        }
    }

    /// Waits [`READY_POLL`], acting on the notifications that come; returns
    /// early, with `true`, on `notify_klippy_ready`.
    async fn pause(&mut self, source: &mut MoonrakerSource) -> Result<bool, Stop> {
        let until = Instant::now() + READY_POLL;
        while let Some(incoming) = self.next(until).await? {
            if let Incoming::Notification { method, params } = incoming {
                if method == "notify_klippy_ready" {
                    return Ok(true);
                }
                notice(&method, &params, source);
            }
        }
        Ok(false)
    }

    /// The first line of `printer.info`'s `state_message`, or why it has none.
    async fn klippy_message(&mut self) -> Result<Option<String>, Stop> {
        Ok(match self.call("printer.info", json!({})).await? {
            Ok(v) => v
                .get("state_message")
                .and_then(Value::as_str)
                .map(|m| first_line(m).to_owned())
                .filter(|m| !m.is_empty()),
            // Without Klippy, Moonraker has no `printer.*` methods: the
            // websocket's -32601 is the HTTP API's 404.
            Err(RpcError { code: -32601, .. }) => not_ready_reason(404),
            Err(RpcError { code, message }) => u16::try_from(code)
                .ok()
                .and_then(not_ready_reason)
                .or(Some(message)),
        })
    }

    /// Follows the diffs until Klippy goes away.
    async fn follow(
        &mut self,
        live: &mut Live,
        source: &mut MoonrakerSource,
        out: &mut Publisher,
    ) -> Result<(), Stop> {
        let mut dirty = true;
        let mut published = long_ago(self.idle);
        loop {
            let due = published + if dirty { PUBLISH_GAP } else { self.idle };
            let incoming = match self.pending.take() {
                Some((method, params)) => Some(Incoming::Notification { method, params }),
                None => self.next(due).await?,
            };
            let Some(incoming) = incoming else {
                let started = std::time::Instant::now();
                let data = source.complete(&live.status(), out.now()).await;
                out.data(data, started.elapsed(), self.idle).await?;
                published = Instant::now();
                dirty = false;
                continue;
            };
            let Incoming::Notification { method, params } = incoming else {
                continue;
            };
            match method.as_str() {
                "notify_status_update" => {
                    match live.apply(params.first().unwrap_or(&Value::Null)) {
                        Ok(changed) => dirty |= changed,
                        Err(why) => self.count_malformed(&why),
                    }
                }
                "notify_klippy_shutdown" | "notify_klippy_disconnected" => return Ok(()),
                _ => {
                    if notice(&method, &params, source) {
                        dirty = true;
                        // A finished job shows at once.
                        published = long_ago(self.idle);
                    }
                }
            }
        }
    }

    /// Sends a request and waits for its answer; notifications that arrive
    /// meanwhile are kept for later.
    async fn call(&mut self, method: &str, params: Value) -> Result<Result<Value, RpcError>, Stop> {
        let (id, text) = self.rpc.request(method, params);
        self.socket
            .send(Message::text(text))
            .await
            .map_err(|e| connect::frame_failure(&e))?;
        let until = Instant::now() + self.timeout;
        loop {
            match self.next(until).await? {
                None => {
                    return Err(Stop::Failed(Failure::new(
                        FailureKind::Timeout,
                        format!("no answer to {method} within {} s", self.timeout.as_secs()),
                    )));
                }
                Some(Incoming::Answer { id: got, outcome }) if got == id => return Ok(outcome),
                Some(Incoming::Answer { .. }) => {}
                Some(Incoming::Notification { method, params }) => {
                    for _ in 0..self.pending.keep((method, params), self.frame_len) {
                        self.dropped += 1;
                        if logged(self.dropped) {
                            tracing::warn!(
                                source = "moonraker",
                                dropped = self.dropped,
                                "notifications dropped while waiting for an answer (over {MAX_PENDING} or {} KiB)",
                                MAX_PENDING_BYTES / 1024
                            );
                        }
                    }
                }
            }
        }
    }

    /// The next JSON-RPC message before `until` (`None` then). Pings a
    /// quiet server and ends the session when it does not answer.
    async fn next(&mut self, until: Instant) -> Result<Option<Incoming>, Stop> {
        loop {
            let ping_at = self.last_frame + self.idle;
            let dead_at = self.ping_sent.map(|p| p + self.timeout);
            let wake = until.min(dead_at.unwrap_or(ping_at));
            let frame = tokio::select! {
                frame = self.socket.next() => frame,
                () = tokio::time::sleep_until(wake) => {
                    let now = Instant::now();
                    if dead_at.is_some_and(|d| now >= d) {
                        return Err(Stop::Failed(Failure::new(
                            FailureKind::Timeout,
                            format!("the websocket went silent: no answer to a ping within {} s", self.timeout.as_secs()),
                        )));
                    }
                    if self.ping_sent.is_none() && now >= ping_at {
                        self.socket.send(Message::Ping(Vec::new().into())).await.map_err(|e| connect::frame_failure(&e))?;
                        self.ping_sent = Some(now);
                    }
                    if now >= until {
                        return Ok(None);
                    }
                    continue;
                }
            };
            self.last_frame = Instant::now();
            self.ping_sent = None;
            match frame {
                None => return Err(closed("the websocket ended")),
                Some(Err(e)) => return Err(Stop::Failed(connect::frame_failure(&e))),
                Some(Ok(Message::Close(_))) => {
                    return Err(closed("Moonraker closed the websocket"));
                }
                Some(Ok(Message::Text(text))) => {
                    self.frame_len = text.len();
                    match rpc::read(&text) {
                        Ok(incoming) => return Ok(Some(incoming)),
                        Err(rpc::Malformed(why)) => self.count_malformed(&why),
                    }
                }
                Some(Ok(Message::Binary(_))) => self.count_malformed("a binary frame"),
                Some(Ok(_)) => {}
            }
        }
    }

    fn count_malformed(&mut self, why: &str) {
        self.malformed += 1;
        if logged(self.malformed) {
            tracing::warn!(
                source = "moonraker",
                malformed = self.malformed,
                reason = why,
                "websocket frame ignored"
            );
        }
    }
}

/// Acts on a notification other than the status diffs and Klippy's state;
/// returns whether the panel's data is due again at once.
fn notice(method: &str, params: &[Value], source: &mut MoonrakerSource) -> bool {
    let first = params.first().unwrap_or(&Value::Null);
    match method {
        "notify_history_changed" => {
            source.jobs_due = true;
            true
        }
        "notify_filelist_changed" => {
            for key in ["item", "source_item"] {
                if let Some(path) = first[key]["path"].as_str() {
                    source.forget_file(path);
                }
            }
            true
        }
        "notify_metadata_update" => {
            if let Some(name) = first["filename"].as_str() {
                source.forget_file(name);
            }
            true
        }
        _ => false,
    }
}

/// An instant `ago` in the past (now, if the clock cannot go back that far).
fn long_ago(ago: Duration) -> Instant {
    let now = Instant::now();
    now.checked_sub(ago).unwrap_or(now)
}

fn closed(why: &str) -> Stop {
    Stop::Failed(Failure::new(FailureKind::Unreachable, why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_kept_while_waiting_stop_at_the_bound_dropping_the_oldest() {
        let mut pending = Pending::new();
        let dropped: u64 = (0..10_000).map(|i| pending.keep(i, 100)).sum();
        assert_eq!(pending.items.len(), MAX_PENDING);
        assert_eq!(dropped, 10_000 - MAX_PENDING as u64);
        assert_eq!(pending.take(), Some(10_000 - MAX_PENDING));
        // By bytes: large frames keep fewer.
        let mut pending = Pending::new();
        for i in 0..100 {
            pending.keep(i, 10 * 1024);
        }
        assert!(pending.bytes <= MAX_PENDING_BYTES);
        assert_eq!(pending.items.len(), MAX_PENDING_BYTES / (10 * 1024));
        assert_eq!(pending.items.back().map(|(i, _)| *i), Some(99));
        // One frame over the bound alone is not kept.
        assert_eq!(pending.keep(100, 2 * 1024 * 1024), 7);
        assert_eq!((pending.take(), pending.bytes), (None, 0));
    }

    #[test]
    fn a_repeated_warning_is_logged_once_per_doubling() {
        let lines: Vec<u64> = (1..=1_000_000).filter(|n| logged(*n)).collect();
        assert_eq!(lines.len(), 20);
        assert_eq!(lines[..4], [1, 2, 4, 8]);
    }
}
