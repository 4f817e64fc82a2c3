//! Moonraker over its websocket: the driver that
//! [`crate::app`] spawns for `[moonraker]` instead of the generic poller.
//!
//! How it runs (`[moonraker] transport`):
//! - `auto` (the default): the websocket ([`session`]); while the endpoint
//!   is refused (an HTTP answer instead of the upgrade: an old Moonraker, a
//!   proxy that cannot upgrade) HTTP polling ([`MoonrakerSource::poll`],
//!   unchanged) takes over, and the websocket is tried again every
//!   [`FALLBACK_SPAN`]; the switch is logged once each way;
//! - `websocket`: the websocket only, a refusal is a failure like any other;
//! - `http`: the generic poller ([`crate::sources::run`]) as before.
//!
//! A session that ends (the socket closed, a silent server, a frame over the
//! cap) is a failed cycle: its update carries the reason, and the next try
//! waits [`crate::sources::retry_delay`] of the idle interval, forever. While
//! the socket is up, an update goes out at most every [`PUBLISH_GAP`] when
//! something changed, and at least every idle interval when nothing did,
//! each stamped `next_poll` = now + idle interval: the core's staleness
//! (two intervals and 5 s without an update) stays truthful, so a socket
//! that dies quietly leaves the panel stale and then offline as the HTTP
//! poller did.
//!
//! Files: [`rpc`] (JSON-RPC), [`live`] (the live state), [`connect`]
//! (opening the socket), [`session`] (one connection's life).

pub mod connect;
pub mod live;
pub mod rpc;
pub mod session;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::{MoonrakerSource, Settings, Transport};
use crate::core::{Clock, Failure, FailureKind, PrinterData, SourceData, SourceKind, SourceUpdate};
use crate::sources::{self, Source};
use crate::telemetry::Telemetry;

/// The shortest wait between two updates while the socket is up: diffs
/// arrive about four times a second while printing; a change still reaches
/// the core within this (well inside the 500 ms the screen has).
pub const PUBLISH_GAP: Duration = Duration::from_millis(200);
/// How long HTTP polling stands in before the websocket is tried again.
pub const FALLBACK_SPAN: Duration = Duration::from_secs(300);

/// Runs the Moonraker source over `settings.transport` until the receiver
/// of `updates` is gone; never gives up on the server.
pub async fn run(
    settings: Settings,
    clock: Arc<dyn Clock>,
    updates: mpsc::Sender<SourceUpdate>,
    telemetry: Arc<Telemetry>,
) {
    let source = MoonrakerSource::new(settings.clone());
    if settings.transport == Transport::Http {
        return sources::run(source, clock, updates, telemetry).await;
    }
    let mut driver = Driver {
        out: Publisher {
            clock,
            updates,
            telemetry,
            idle: sources::test_interval().unwrap_or(settings.idle_interval),
            failures: 0,
        },
        source,
        settings,
    };
    driver.run().await;
}

/// Where updates go, and the count of failed cycles in a row.
#[derive(Debug)]
pub struct Publisher {
    clock: Arc<dyn Clock>,
    updates: mpsc::Sender<SourceUpdate>,
    telemetry: Arc<Telemetry>,
    /// The idle interval: the promised gap between updates.
    idle: Duration,
    failures: u32,
}

/// The receiver of the updates is gone: stop.
#[derive(Debug)]
pub struct Gone;

impl Publisher {
    /// The injected clock's time.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The idle interval: the longest promised gap between updates.
    pub fn idle(&self) -> Duration {
        self.idle
    }

    /// Sends good data; the next update comes within `next`.
    pub async fn data(
        &mut self,
        data: PrinterData,
        took: Duration,
        next: Duration,
    ) -> Result<(), Gone> {
        self.failures = 0;
        let data = SourceData::Moonraker(Box::new(data));
        self.send(Ok(data), took, next).await
    }

    /// Sends a failure; returns the wait before the next try.
    pub async fn failure(&mut self, failure: Failure, took: Duration) -> Result<Duration, Gone> {
        self.failures = self.failures.saturating_add(1);
        let delay = sources::retry_delay(self.idle, self.failures, fastrand::f64());
        tracing::warn!(source = "moonraker", reason = %failure.message, failures = self.failures, "websocket session failed");
        self.send(Err(failure), took, delay).await.map(|()| delay)
    }

    async fn send(
        &mut self,
        outcome: Result<SourceData, Failure>,
        took: Duration,
        next: Duration,
    ) -> Result<(), Gone> {
        let err = outcome.as_ref().err().map(|f| f.kind);
        self.telemetry
            .poll_finished(SourceKind::Moonraker, took, err);
        let now = self.clock.now();
        let update = SourceUpdate {
            kind: SourceKind::Moonraker,
            at: now,
            outcome,
            next_poll: chrono::Duration::from_std(next).ok().map(|d| now + d),
        };
        self.updates.send(update).await.map_err(|_| Gone)
    }
}

struct Driver {
    out: Publisher,
    source: MoonrakerSource,
    settings: Settings,
}

impl Driver {
    async fn run(&mut self) {
        let mut logged = false;
        loop {
            let started = Instant::now();
            let end = session::run(&self.settings, &mut self.source, &mut self.out).await;
            let failure = match end {
                session::End::Gone => return,
                session::End::Refused(f) if self.settings.transport == Transport::Auto => {
                    if !logged {
                        tracing::warn!(source = "moonraker", reason = %f.message, "no websocket: polling over HTTP, trying the websocket again every {} s", FALLBACK_SPAN.as_secs());
                        logged = true;
                    }
                    if self.poll_http(FALLBACK_SPAN).await.is_err() {
                        return;
                    }
                    continue;
                }
                session::End::Refused(f) | session::End::Failed(f) => f,
            };
            if logged {
                logged = false;
            }
            match self.out.failure(failure, started.elapsed()).await {
                Ok(delay) => tokio::time::sleep(delay).await,
                Err(Gone) => return,
            }
        }
    }

    /// HTTP polling for `span`, as the generic poller does it.
    async fn poll_http(&mut self, span: Duration) -> Result<(), Gone> {
        let until = Instant::now() + span;
        while Instant::now() < until {
            let started = Instant::now();
            let deadline = self.source.deadline();
            let now = self.out.now();
            let outcome = tokio::time::timeout(deadline, self.source.poll(now))
                .await
                .unwrap_or_else(|_| {
                    Err(Failure::new(
                        FailureKind::Timeout,
                        format!("no complete answer within {} s", deadline.as_secs()),
                    ))
                });
            let delay = match outcome {
                Ok(SourceData::Moonraker(d)) => {
                    let next = sources::test_interval().unwrap_or_else(|| self.source.interval());
                    self.out.data(*d, started.elapsed(), next).await?;
                    next
                }
                Ok(_) => self.out.idle,
                Err(f) => self.out.failure(f, started.elapsed()).await?,
            };
            tokio::time::sleep(delay).await;
        }
        Ok(())
    }
}
