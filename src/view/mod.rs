//! The view model: plain data that says exactly what the screen shows, built
//! from the core's state at a given time. The Slint UI, `/api/status` and the
//! screenshots all read this one structure, so they cannot disagree.

pub mod format;
mod panels;
mod printer;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use crate::core::{Dashboard, Health, Overall, Rules, SourceKind, SourceState};

pub use panels::{
    AlertVm, AlertsVm, GuestsVm, NodeVm, PoolVm, SeriesVm, ServiceVm, StorageVm, TileVm,
};
pub use printer::{ChartVm, PrinterVm, TemperatureVm, chart as printer_chart};

/// How a value should be coloured. Never the only carrier of meaning: every
/// tone comes with a word or a symbol on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    Ok,
    Warn,
    Bad,
    #[default]
    Unknown,
    /// Informational (a print in progress, a value without thresholds).
    Info,
}

/// Everything on the screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewModel {
    pub overall: Overall,
    pub header: HeaderVm,
    pub sources: Vec<SourceVm>,
    pub overlay: OverlayVm,
    pub badges: BadgesVm,
    pub services: Vec<ServiceVm>,
    pub nodes: Vec<NodeVm>,
    pub guests: GuestsVm,
    pub storage: StorageVm,
    pub alerts: AlertsVm,
    pub tiles: Vec<TileVm>,
    pub printer: PrinterVm,
}

/// The header's right-hand side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderVm {
    pub clock: String,
    pub date: String,
    /// Age of the newest data from any source, coarse ("data <1 min old").
    pub data_age: String,
}

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
    pub title: String,
    pub url: String,
    pub reason: String,
    pub data_age_s: Option<u64>,
    /// "Data shown is 3 min old".
    pub data_age: String,
    pub next_retry_s: Option<u64>,
    /// "Next retry at 09:14:20".
    pub next_retry: String,
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
}

/// Builds the view model at `now`, showing times in `offset`.
pub fn build(d: &Dashboard, rules: &Rules, now: DateTime<Utc>, offset: FixedOffset) -> ViewModel {
    let prom = d.prometheus();
    let pve = d.proxmox();
    ViewModel {
        overall: crate::core::status::overall(d, rules, now),
        header: header(d, now, offset),
        sources: d.sources().map(|s| source(s, now)).collect(),
        overlay: overlay(d, now, offset),
        badges: BadgesVm {
            prometheus: badge(d.source(SourceKind::Prometheus), now),
            proxmox: badge(d.source(SourceKind::Proxmox), now),
            moonraker: badge(d.source(SourceKind::Moonraker), now),
        },
        services: panels::services(prom, &rules.services),
        nodes: panels::nodes(pve, rules),
        guests: panels::guests(pve),
        storage: panels::storage(pve, rules),
        alerts: panels::alerts(prom),
        tiles: panels::tiles(prom, rules),
        printer: printer::panel(d.source(SourceKind::Moonraker), now, offset),
    }
}

fn age_s(s: &SourceState, now: DateTime<Utc>) -> Option<u64> {
    s.data_age(now).map(|a| a.as_secs())
}

fn header(d: &Dashboard, now: DateTime<Utc>, offset: FixedOffset) -> HeaderVm {
    let data_age = match d.newest_data() {
        Some(t) => format!(
            "data {} old",
            format::age((now - t).num_seconds().max(0) as u64)
        ),
        None if d.sources().next().is_none() => "no sources".to_owned(),
        None => "waiting for data".to_owned(),
    };
    HeaderVm {
        clock: format::clock(now, offset),
        date: format::date(now, offset),
        data_age,
    }
}

fn source(s: &SourceState, now: DateTime<Utc>) -> SourceVm {
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

fn overlay(d: &Dashboard, now: DateTime<Utc>, offset: FixedOffset) -> OverlayVm {
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
        title,
        url: s.settings.url.clone(),
        reason: s.reason(now).unwrap_or_default(),
        data_age_s,
        data_age,
        next_retry_s,
        next_retry,
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

#[cfg(test)]
mod tests;
