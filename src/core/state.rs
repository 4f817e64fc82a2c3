//! The dashboard's memory: the last good data of every source, how fresh it
//! is, and what went wrong since. Pure and synchronous: time comes in as an
//! argument, so tests drive it with a fake clock.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::histories::Histories;
use super::model::{
    Failure, PrinterData, PrometheusData, ProxmoxData, SourceData, SourceKind, SourceUpdate,
};

/// What the core needs to know about a configured source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSettings {
    pub kind: SourceKind,
    /// Display name ("Prometheus", or the printer's name).
    pub name: String,
    /// The URL, already stripped of credentials.
    pub url: String,
    /// How often the source polls when all is well.
    pub interval: Duration,
    /// Consecutive failed cycles before the source counts as lost.
    pub lost_after: u32,
}

/// A source's health, as `/api/status` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Recent data, last poll succeeded.
    Ok,
    /// Data older than expected, or a failure not yet counted as lost, or no
    /// answer yet.
    Stale,
    /// Unreachable for `lost_after` cycles in a row.
    Lost,
    /// Reachable but refusing us (auth, TLS, bad answers) for `lost_after` cycles.
    Error,
    /// Not configured.
    Disabled,
}

/// One source's record.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceState {
    pub settings: SourceSettings,
    pub last_success: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    /// Failed cycles in a row; 0 after a success.
    pub failures: u32,
    pub last_failure: Option<Failure>,
    pub next_poll: Option<DateTime<Utc>>,
    /// The last good data, kept through failures so the screen can show it as stale.
    pub data: Option<SourceData>,
}

impl SourceState {
    fn new(settings: SourceSettings) -> Self {
        Self {
            settings,
            last_success: None,
            last_attempt: None,
            failures: 0,
            last_failure: None,
            next_poll: None,
            data: None,
        }
    }

    /// Data older than this is stale even without a reported failure (a stuck
    /// poller must not leave old data looking live).
    pub fn stale_after(&self) -> Duration {
        self.settings.interval * 2 + Duration::from_secs(5)
    }

    /// The source's health at `now`.
    pub fn health(&self, now: DateTime<Utc>) -> Health {
        if self.failures >= self.settings.lost_after.max(1) {
            let connectivity = self
                .last_failure
                .as_ref()
                .is_none_or(|f| f.kind.is_connectivity());
            return if connectivity {
                Health::Lost
            } else {
                Health::Error
            };
        }
        if self.failures > 0 {
            return Health::Stale;
        }
        match self.data_age(now) {
            Some(age) if age <= self.stale_after() => Health::Ok,
            _ => Health::Stale,
        }
    }

    /// How old the last good data is, if there is any.
    pub fn data_age(&self, now: DateTime<Utc>) -> Option<Duration> {
        let at = self.last_success?;
        Some((now - at).to_std().unwrap_or(Duration::ZERO))
    }

    /// The reason in words for the current health, if it is not ok.
    pub fn reason(&self, now: DateTime<Utc>) -> Option<String> {
        match self.health(now) {
            Health::Ok | Health::Disabled => None,
            Health::Lost | Health::Error => self.last_failure.as_ref().map(|f| f.message.clone()),
            Health::Stale => Some(match (&self.last_failure, self.last_success) {
                (Some(f), _) if self.failures > 0 => format!("retrying: {}", f.message),
                (_, None) => "waiting for the first answer".to_owned(),
                (_, Some(_)) => "no answer for longer than expected".to_owned(),
            }),
        }
    }

    fn apply(&mut self, update: SourceUpdate) {
        self.last_attempt = Some(update.at);
        self.next_poll = update.next_poll;
        match update.outcome {
            Ok(data) => {
                self.failures = 0;
                self.last_failure = None;
                self.last_success = Some(update.at);
                self.data = Some(data);
            }
            Err(failure) => {
                self.failures = self.failures.saturating_add(1);
                self.last_failure = Some(failure);
            }
        }
    }
}

/// The whole dashboard: one record per configured source, and the
/// histories of what they reported.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dashboard {
    sources: BTreeMap<SourceKind, SourceState>,
    histories: Histories,
}

impl Dashboard {
    /// A dashboard for these sources, none of which has answered yet.
    pub fn new(sources: impl IntoIterator<Item = SourceSettings>) -> Self {
        let sources = sources
            .into_iter()
            .map(|s| (s.kind, SourceState::new(s)))
            .collect();
        Self {
            sources,
            histories: Histories::default(),
        }
    }

    /// Records the outcome of one poll: a good one also feeds the
    /// histories (stamped with the update's `at`), which take its seed out
    /// of the data kept. Updates from unconfigured sources are ignored.
    pub fn apply(&mut self, mut update: SourceUpdate) {
        if let Some(state) = self.sources.get_mut(&update.kind) {
            if let Ok(data) = &mut update.outcome {
                self.histories.observe(data, update.at);
            }
            state.apply(update);
        }
    }

    /// Follows a reloaded config: a source still configured keeps its
    /// record (its last good data, failures and histories) under its new
    /// settings; a new one waits for its first answer; one no longer
    /// configured is dropped. The histories stay: they follow the data,
    /// which the next good poll of each source replaces.
    pub fn reconfigure(&mut self, sources: impl IntoIterator<Item = SourceSettings>) {
        let mut old = std::mem::take(&mut self.sources);
        for settings in sources {
            let state = match old.remove(&settings.kind) {
                Some(kept) => SourceState { settings, ..kept },
                None => SourceState::new(settings),
            };
            self.sources.insert(state.settings.kind, state);
        }
    }

    /// The histories and since-when of services, nodes and the printer.
    pub fn histories(&self) -> &Histories {
        &self.histories
    }

    /// The record of one source, if it is configured.
    pub fn source(&self, kind: SourceKind) -> Option<&SourceState> {
        self.sources.get(&kind)
    }

    /// Every configured source, in display order.
    pub fn sources(&self) -> impl Iterator<Item = &SourceState> {
        self.sources.values()
    }

    /// The time of the newest successful poll of any source.
    pub fn newest_data(&self) -> Option<DateTime<Utc>> {
        self.sources.values().filter_map(|s| s.last_success).max()
    }

    /// The last good Prometheus data.
    pub fn prometheus(&self) -> Option<&PrometheusData> {
        match self.source(SourceKind::Prometheus)?.data.as_ref()? {
            SourceData::Prometheus(d) => Some(d),
            _ => None,
        }
    }

    /// The last good Proxmox data.
    pub fn proxmox(&self) -> Option<&ProxmoxData> {
        match self.source(SourceKind::Proxmox)?.data.as_ref()? {
            SourceData::Proxmox(d) => Some(d),
            _ => None,
        }
    }

    /// The last good printer data.
    pub fn printer(&self) -> Option<&PrinterData> {
        match self.source(SourceKind::Moonraker)?.data.as_ref()? {
            SourceData::Moonraker(d) => Some(d),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::{Clock, FakeClock};
    use crate::core::model::{FailureKind, SourceData};

    fn settings() -> SourceSettings {
        SourceSettings {
            kind: SourceKind::Prometheus,
            name: "Prometheus".into(),
            url: "http://127.0.0.1:9090".into(),
            interval: Duration::from_secs(20),
            lost_after: 2,
        }
    }

    fn ok(at: DateTime<Utc>) -> SourceUpdate {
        SourceUpdate {
            kind: SourceKind::Prometheus,
            at,
            outcome: Ok(SourceData::Prometheus(PrometheusData::default())),
            next_poll: None,
        }
    }

    fn fail(at: DateTime<Utc>, kind: FailureKind) -> SourceUpdate {
        SourceUpdate {
            kind: SourceKind::Prometheus,
            at,
            outcome: Err(Failure::new(kind, "connection refused")),
            next_poll: None,
        }
    }

    fn health(d: &Dashboard, clock: &FakeClock) -> Health {
        d.source(SourceKind::Prometheus)
            .map(|s| s.health(clock.now()))
            .unwrap_or(Health::Disabled)
    }

    #[test]
    fn waiting_for_the_first_answer_is_stale_with_a_reason() {
        let clock = FakeClock::default();
        let d = Dashboard::new([settings()]);
        assert_eq!(health(&d, &clock), Health::Stale);
        let reason = d
            .source(SourceKind::Prometheus)
            .and_then(|s| s.reason(clock.now()));
        assert_eq!(reason.as_deref(), Some("waiting for the first answer"));
    }

    #[test]
    fn fresh_data_is_ok_and_goes_stale_after_two_intervals() {
        let clock = FakeClock::default();
        let mut d = Dashboard::new([settings()]);
        d.apply(ok(clock.now()));
        assert_eq!(health(&d, &clock), Health::Ok);
        clock.advance(Duration::from_secs(45));
        assert_eq!(health(&d, &clock), Health::Ok);
        clock.advance(Duration::from_secs(1));
        assert_eq!(health(&d, &clock), Health::Stale);
    }

    #[test]
    fn one_failure_is_stale_and_lost_after_the_configured_count() {
        let clock = FakeClock::default();
        let mut d = Dashboard::new([settings()]);
        d.apply(ok(clock.now()));
        clock.advance(Duration::from_secs(20));
        d.apply(fail(clock.now(), FailureKind::Unreachable));
        assert_eq!(health(&d, &clock), Health::Stale);
        clock.advance(Duration::from_secs(20));
        d.apply(fail(clock.now(), FailureKind::Unreachable));
        assert_eq!(health(&d, &clock), Health::Lost);
        // The last good data survives the failures, with its age.
        let s = d.source(SourceKind::Prometheus).expect("configured");
        assert!(s.data.is_some());
        assert_eq!(s.data_age(clock.now()), Some(Duration::from_secs(40)));
        // The first good cycle clears it.
        d.apply(ok(clock.now()));
        assert_eq!(health(&d, &clock), Health::Ok);
    }

    #[test]
    fn auth_failures_are_errors_not_lost() {
        let clock = FakeClock::default();
        let mut d = Dashboard::new([settings()]);
        d.apply(fail(clock.now(), FailureKind::Auth));
        d.apply(fail(clock.now(), FailureKind::Auth));
        assert_eq!(health(&d, &clock), Health::Error);
    }

    #[test]
    fn updates_for_unconfigured_sources_are_ignored() {
        let clock = FakeClock::default();
        let mut d = Dashboard::new([]);
        d.apply(ok(clock.now()));
        assert!(d.source(SourceKind::Prometheus).is_none());
        assert_eq!(d.newest_data(), None);
    }

    #[test]
    fn reconfigure_keeps_what_stays_and_drops_what_went() {
        let clock = FakeClock::default();
        let mut d = Dashboard::new([settings()]);
        d.apply(ok(clock.now()));
        d.apply(fail(clock.now(), FailureKind::Timeout));
        let moved = SourceSettings {
            url: "http://10.0.0.9:9090".into(),
            ..settings()
        };
        let printer = SourceSettings {
            kind: SourceKind::Moonraker,
            name: "Voron".into(),
            ..settings()
        };
        d.reconfigure([moved.clone(), printer]);
        let kept = d.source(SourceKind::Prometheus).expect("still configured");
        assert_eq!(kept.settings, moved);
        assert_eq!((kept.failures, kept.last_success), (1, Some(clock.now())));
        assert!(kept.data.is_some(), "the last good data stays");
        let new = d.source(SourceKind::Moonraker).expect("newly configured");
        assert_eq!((new.last_success, new.data.is_none()), (None, true));
        d.reconfigure([]);
        assert_eq!(d.sources().count(), 0);
    }
}
