//! How each source is doing, as the screen and `/api/status` show it: the
//! sources table, the connection-lost overlay over the Prometheus panels and
//! the small badge on each source's panels ("OFFLINE · 3 min old";
//! Alertmanager's on the alerts card, never the overlay).

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::{Tone, format};
use crate::core::{Dashboard, Health, SourceKind, SourceState};

/// One configured source, as `/api/status` reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceVm {
    pub name: String,
    pub kind: SourceKind,
    pub state: Health,
    pub url: String,
    pub last_success: Option<DateTime<Utc>>,
    pub data_age_s: Option<u64>,
    pub error: Option<String>,
}

/// The connection-lost overlay over the Prometheus panels.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct OverlayVm {
    pub visible: bool,
    pub source: Option<String>,
    /// "Connection to Prometheus lost", "Prometheus refuses our requests".
    pub title: String,
    /// The title as drawn, after the failure's symbol: "×  Connection to
    /// Prometheus lost".
    pub heading: String,
    pub url: String,
    pub reason: String,
    pub data_age_s: Option<u64>,
    /// "Data shown is 3 min old".
    pub data_age: String,
    pub next_retry_s: Option<u64>,
    /// "Next retry at 09:14:20".
    pub next_retry: String,
    /// The last line as drawn: "Data shown is 3 min old · Next retry at
    /// 09:14:20".
    pub footer: String,
}

/// A small badge on a panel: "OFFLINE · 3 min old".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct BadgeVm {
    pub visible: bool,
    pub text: String,
    pub tone: Tone,
}

/// The badge of each source's panels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct BadgesVm {
    pub prometheus: BadgeVm,
    pub proxmox: BadgeVm,
    pub moonraker: BadgeVm,
    /// On the alerts card, when Alertmanager supplies the alerts.
    pub alertmanager: BadgeVm,
}

fn age_s(s: &SourceState, now: DateTime<Utc>) -> Option<u64> {
    s.data_age(now).map(|a| a.as_secs())
}

/// The row of the sources table for `s`.
pub(super) fn source(s: &SourceState, now: DateTime<Utc>) -> SourceVm {
    SourceVm {
        name: s.settings.name.clone(),
        kind: s.settings.kind,
        state: s.health(now),
        url: s.settings.url.clone(),
        last_success: s.last_success,
        data_age_s: age_s(s, now),
        error: s.reason(now),
    }
}

/// The overlay: shown while Prometheus is lost or in error.
pub(super) fn overlay(d: &Dashboard, now: DateTime<Utc>, offset: FixedOffset) -> OverlayVm {
    let Some(s) = d.source(SourceKind::Prometheus) else {
        return OverlayVm::default();
    };
    let health = s.health(now);
    if !matches!(health, Health::Lost | Health::Error) {
        return OverlayVm::default();
    }
    let name = &s.settings.name;
    let title = if health == Health::Lost {
        format!("Connection to {name} lost")
    } else {
        format!("{name} refuses our requests")
    };
    let data_age_s = age_s(s, now);
    let data_age = match data_age_s {
        Some(a) => format!("Data shown is {} old", format::age(a)),
        None => "No data received since start".to_owned(),
    };
    let next_retry_s = s.next_poll.map(|t| (t - now).num_seconds().max(0) as u64);
    let next_retry = match s.next_poll {
        Some(t) if t > now => format!("Next retry at {}", format::clock_seconds(t, offset)),
        _ => "Retrying now".to_owned(),
    };
    OverlayVm {
        visible: true,
        source: Some(name.clone()),
        heading: format!("×  {title}"),
        footer: format!("{data_age} · {next_retry}"),
        title,
        url: s.settings.url.clone(),
        reason: s.reason(now).unwrap_or_default(),
        data_age_s,
        data_age,
        next_retry_s,
        next_retry,
    }
}

/// Every source's badge. The Prometheus panels show no badge while the
/// overlay covers them: the overlay says it all.
pub(super) fn badges(d: &Dashboard, now: DateTime<Utc>, overlay: &OverlayVm) -> BadgesVm {
    let prometheus = if overlay.visible {
        BadgeVm::default()
    } else {
        badge(d.source(SourceKind::Prometheus), now)
    };
    BadgesVm {
        prometheus,
        proxmox: badge(d.source(SourceKind::Proxmox), now),
        moonraker: badge(d.source(SourceKind::Moonraker), now),
        alertmanager: badge(d.source(SourceKind::Alertmanager), now),
    }
}

fn badge(s: Option<&SourceState>, now: DateTime<Utc>) -> BadgeVm {
    let Some(s) = s else {
        return BadgeVm::default();
    };
    let age = age_s(s, now).map(format::age);
    let (text, tone) = match (s.health(now), age) {
        (Health::Ok | Health::Disabled, _) => return BadgeVm::default(),
        (Health::Stale, None) => ("WAITING".to_owned(), Tone::Unknown),
        (Health::Stale, Some(a)) => (format!("STALE · {a} old"), Tone::Warn),
        (Health::Lost, Some(a)) => (format!("OFFLINE · {a} old"), Tone::Bad),
        (Health::Lost, None) => ("OFFLINE".to_owned(), Tone::Bad),
        (Health::Error, _) => ("ERROR".to_owned(), Tone::Bad),
    };
    BadgeVm {
        visible: true,
        text,
        tone,
    }
}
