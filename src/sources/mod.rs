//! Data sources. Each one is thin: fetch, parse into the core's domain types,
//! and report one [`SourceUpdate`] per poll cycle.
//!
//! A source implements [`Source`] (one poll, and how long to wait after a good
//! one); [`run`] drives any source: it polls, stamps the update with the time
//! of the next try, and backs off with jitter after failures without ever
//! waiting longer than the poll interval.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use crate::core::{Clock, Failure, FailureKind, SourceData, SourceKind, SourceUpdate};
use crate::telemetry::Telemetry;

pub mod alertmanager;
pub mod http;
pub mod moonraker;
pub mod prometheus;
pub mod proxmox;

/// One data source: a poll, and the wait after a good one.
pub trait Source: Send + 'static {
    /// Which panel this source feeds.
    fn kind(&self) -> SourceKind;

    /// The wait before the next poll after a successful one. May depend on
    /// what the last poll saw (Moonraker polls fast only while printing).
    fn interval(&self) -> Duration;

    /// The longest a whole poll cycle may take before it counts as a timeout.
    /// A safety net: each request has its own, shorter, timeout.
    fn deadline(&self) -> Duration {
        self.interval().max(Duration::from_secs(10))
    }

    /// Fetches and parses one snapshot. `now` is the injected clock's time
    /// when the poll starts: a source that stamps what it keeps (Moonraker's
    /// chart history) uses it, never the system clock.
    fn poll(
        &mut self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<SourceData, Failure>> + Send;
}

/// The wait before retry number `failures` (1 for the first retry) of a
/// source polled every `interval`: exponential from one second (or the
/// interval, if shorter), with "equal jitter" (`random` in 0..1 picks a point
/// in the upper half), and never longer than the interval.
pub fn retry_delay(interval: Duration, failures: u32, random: f64) -> Duration {
    let base = interval.min(Duration::from_secs(1));
    let exp = failures.saturating_sub(1).min(16);
    let ceiling = base.saturating_mul(1u32 << exp).min(interval);
    let jitter = 0.5 + 0.5 * random.clamp(0.0, 1.0);
    ceiling.mul_f64(jitter).min(interval)
}

/// The environment variable that replaces every source's poll interval, in
/// milliseconds (at least 100). TEST-ONLY: the fault-injection suite and the
/// soak (tests/faults.rs, tests/soak.rs) use it to poll faster than the
/// config's minimums (5 s for Prometheus and Proxmox), which stay as they are.
/// It is read here and nowhere else, and logged as a warning when set.
pub const TEST_INTERVAL_ENV: &str = "PIBOARD_TEST_POLL_INTERVAL_MS";

pub(crate) fn test_interval() -> Option<Duration> {
    std::env::var(TEST_INTERVAL_ENV)
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|ms| *ms >= 100)
        .map(Duration::from_millis)
}

/// Polls `source` until the receiver of `updates` is gone.
pub async fn run<S: Source>(
    mut source: S,
    clock: Arc<dyn Clock>,
    updates: mpsc::Sender<SourceUpdate>,
    telemetry: Arc<Telemetry>,
) {
    let kind = source.kind();
    let interval_override = test_interval();
    if let Some(i) = interval_override {
        tracing::warn!(
            source = kind.label(),
            interval_ms = i.as_millis() as u64,
            "{TEST_INTERVAL_ENV} is set: test-only poll interval"
        );
    }
    let interval = |s: &S| interval_override.unwrap_or_else(|| s.interval());
    let mut failures: u32 = 0;
    loop {
        let started = Instant::now();
        let deadline = source.deadline();
        let outcome = match tokio::time::timeout(deadline, source.poll(clock.now())).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Failure::new(
                FailureKind::Timeout,
                format!("no complete answer within {} s", deadline.as_secs()),
            )),
        };
        let took = started.elapsed();
        let delay = match &outcome {
            Ok(_) => {
                failures = 0;
                interval(&source)
            }
            Err(failure) => {
                failures = failures.saturating_add(1);
                tracing::warn!(source = kind.label(), reason = %failure.message, failures, "poll failed");
                retry_delay(interval(&source), failures, fastrand::f64())
            }
        };
        telemetry.poll_finished(kind, took, outcome.as_ref().err().map(|f| f.kind));
        let now = clock.now();
        let next_poll = chrono::Duration::from_std(delay).ok().map(|d| now + d);
        let update = SourceUpdate {
            kind,
            at: now,
            outcome,
            next_poll,
        };
        if updates.send(update).await.is_err() {
            return;
        }
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{FakeClock, PrometheusData};

    #[test]
    fn retry_delay_grows_and_never_exceeds_the_interval() {
        let interval = Duration::from_secs(20);
        assert_eq!(retry_delay(interval, 1, 1.0), Duration::from_secs(1));
        assert_eq!(retry_delay(interval, 2, 1.0), Duration::from_secs(2));
        assert_eq!(retry_delay(interval, 3, 1.0), Duration::from_secs(4));
        assert_eq!(retry_delay(interval, 6, 1.0), Duration::from_secs(20));
        assert_eq!(retry_delay(interval, 60, 1.0), Duration::from_secs(20));
        // Jitter picks from the upper half, so retries never bunch at zero.
        assert_eq!(retry_delay(interval, 3, 0.0), Duration::from_secs(2));
        for f in 1..40 {
            for r in [0.0, 0.3, 0.99, 1.0] {
                let d = retry_delay(interval, f, r);
                assert!(
                    d <= interval && d >= Duration::from_millis(500),
                    "{f} {r} {d:?}"
                );
            }
        }
    }

    #[test]
    fn retry_delay_with_a_short_interval_stays_within_it() {
        let interval = Duration::from_millis(300);
        assert_eq!(retry_delay(interval, 1, 1.0), interval);
        assert_eq!(retry_delay(interval, 9, 0.0), Duration::from_millis(150));
    }

    /// A source that fails `fail_first` times, then answers.
    struct Scripted {
        fail_first: u32,
        calls: u32,
    }

    impl Source for Scripted {
        fn kind(&self) -> SourceKind {
            SourceKind::Prometheus
        }
        fn interval(&self) -> Duration {
            Duration::from_secs(20)
        }
        async fn poll(&mut self, _now: DateTime<Utc>) -> Result<SourceData, Failure> {
            self.calls += 1;
            if self.calls <= self.fail_first {
                Err(Failure::new(FailureKind::Unreachable, "connection refused"))
            } else {
                Ok(SourceData::Prometheus(PrometheusData::default()))
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn runner_backs_off_then_returns_to_the_interval() {
        let clock = Arc::new(FakeClock::default());
        let start = clock.now();
        let (tx, mut rx) = mpsc::channel(8);
        let source = Scripted {
            fail_first: 3,
            calls: 0,
        };
        let task = tokio::spawn(run(source, clock.clone(), tx, Arc::new(Telemetry::new())));
        let mut waits = Vec::new();
        for _ in 0..5 {
            let Some(u) = rx.recv().await else {
                panic!("the runner stopped early")
            };
            let wait = u.next_poll.map(|n| (n - start).num_milliseconds());
            waits.push((u.outcome.is_ok(), wait));
        }
        task.abort();
        // The fake clock does not move, so next_poll - start is the delay.
        let oks: Vec<bool> = waits.iter().map(|w| w.0).collect();
        assert_eq!(oks, [false, false, false, true, true]);
        let delays: Vec<i64> = waits.iter().map(|w| w.1.unwrap_or(-1)).collect();
        assert!((500..=1000).contains(&delays[0]), "{delays:?}");
        assert!((1000..=2000).contains(&delays[1]), "{delays:?}");
        assert!((2000..=4000).contains(&delays[2]), "{delays:?}");
        assert_eq!(&delays[3..], [20_000, 20_000]);
    }

    /// Poll cycles of `kind` that `telemetry` counted.
    fn polls_counted(telemetry: &Telemetry, kind: SourceKind) -> u64 {
        let text = telemetry
            .encode()
            .expect("encoding into a String cannot fail");
        let name = format!(
            "piboard_poll_duration_seconds_count{{source=\"{}\"}} ",
            crate::telemetry::kind_label(kind)
        );
        text.lines()
            .find_map(|l| l.strip_prefix(name.as_str()))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn runner_stops_when_nobody_listens() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let source = Scripted {
            fail_first: 0,
            calls: 0,
        };
        let clock = Arc::new(FakeClock::default());
        let telemetry = Arc::new(Telemetry::new());
        // Time is paused and jumps ahead whenever the runtime idles, so a
        // runner that slept and polled on would use up the hour at once.
        let runner = run(source, clock, tx, telemetry.clone());
        let returned = tokio::time::timeout(Duration::from_secs(3600), runner).await;
        assert!(
            returned.is_ok(),
            "the runner kept polling with nobody listening"
        );
        // One poll, whose update found the receiver gone.
        assert_eq!(polls_counted(&telemetry, SourceKind::Prometheus), 1);
    }
}
