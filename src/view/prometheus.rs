//! The Prometheus panels: the service grid and the user's PromQL tiles
//! (the alerts, Prometheus's or Alertmanager's, are `alerts.rs`'s).

use serde::Serialize;

use super::{Tone, format};
use crate::core::{
    Direction, PrometheusData, Rules, Service, ServiceHealth, TileReading, TileSpec,
};

/// One probed service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceVm {
    pub name: String,
    pub state: ServiceHealth,
    pub tone: Tone,
    /// "UP", "SLOW", "DOWN", "UNKNOWN".
    pub label: String,
    pub response_s: Option<f64>,
    /// "142 ms", or why there is no number.
    pub detail: String,
    /// Since when it is in this state, for the services page ("down since
    /// 08:41, 17 min"); empty until the core keeps when states change.
    pub since: String,
}

/// One series of a PromQL tile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesVm {
    pub label: String,
    /// The raw value; `null` in JSON for NaN and infinities, whose `text` says which.
    pub value: Option<f64>,
    pub text: String,
    pub tone: Tone,
}

/// A PromQL tile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TileVm {
    pub name: String,
    /// The main value: the single series, or the worst of several.
    pub value: String,
    pub tone: Tone,
    pub series: Vec<SeriesVm>,
    /// "+4 more", "no data", or the query's error.
    pub detail: String,
    pub error: Option<String>,
}

/// The service grid: the configured names until Prometheus first answers.
pub fn services(
    p: Option<&PrometheusData>,
    configured: &[String],
    when: &When<'_>,
) -> Vec<ServiceVm> {
    let Some(p) = p else {
        // Nothing heard from Prometheus yet: show what is expected.
        return configured
            .iter()
            .map(|name| ServiceVm {
                name: name.clone(),
                state: ServiceHealth::Unknown,
                tone: Tone::Unknown,
                label: "UNKNOWN".to_owned(),
                response_s: None,
                detail: "no data yet".to_owned(),
                since: String::new(),
            })
            .collect();
    };
    let query_failed = p.services_error.is_some();
    p.services
        .iter()
        .map(|s| service(s, query_failed, when))
        .collect()
}

fn service(s: &Service, query_failed: bool, when: &When<'_>) -> ServiceVm {
    let state = s.health();
    let (label, tone) = match state {
        ServiceHealth::Up => ("UP", Tone::Ok),
        ServiceHealth::Degraded => ("SLOW", Tone::Warn),
        ServiceHealth::Down => ("DOWN", Tone::Bad),
        ServiceHealth::Unknown => ("UNKNOWN", Tone::Unknown),
    };
    let detail = match (state, s.response_s) {
        (ServiceHealth::Unknown, _) if query_failed => "probe query failed".to_owned(),
        (ServiceHealth::Unknown, _) => "no probe data".to_owned(),
        (ServiceHealth::Down, _) => "probe failed".to_owned(),
        (_, Some(r)) => format::response(r),
        (_, None) => String::new(),
    };
    ServiceVm {
        name: s.name.clone(),
        state,
        tone,
        label: label.to_owned(),
        response_s: s.response_s,
        detail,
        since: when
            .histories
            .service_since(&s.name)
            .filter(|since| since.state == state)
            .map(|since| when.since(since.at, since.first_seen))
            .unwrap_or_default(),
    }
}

/// One tile per configured PromQL query that has a reading.
pub fn tiles(p: Option<&PrometheusData>, rules: &Rules) -> Vec<TileVm> {
    let Some(p) = p else { return Vec::new() };
    p.tiles
        .iter()
        .filter_map(|t| Some(tile(t, rules.tile(&t.name)?)))
        .collect()
}

fn tile(t: &TileReading, spec: &TileSpec) -> TileVm {
    let series: Vec<SeriesVm> = t
        .series
        .iter()
        .map(|s| SeriesVm {
            label: s.label.clone(),
            value: s.value.is_finite().then_some(s.value),
            text: format::value(s.value, &spec.unit, spec.decimals, spec.percent_is_fraction),
            tone: Tone::judged(spec.judge(s.value)),
        })
        .collect();
    let (value, tone) = match (&t.error, series.len(), worst(&series, spec.direction)) {
        (Some(_), _, _) => ("error".to_owned(), Tone::Bad),
        (None, 1, Some(s)) => (s.text.clone(), s.tone),
        (None, _, Some(s)) => (format!("{} {}", s.label, s.text), s.tone),
        (None, _, None) => ("empty".to_owned(), Tone::Unknown),
    };
    let detail = match (&t.error, series.len()) {
        (Some(e), _) => e.clone(),
        (None, 0) => "the query returned no series".to_owned(),
        (None, n) if n > spec.max_series => format!("+{} more", n - spec.max_series),
        _ => String::new(),
    };
    TileVm {
        name: t.name.clone(),
        value,
        tone,
        series: series.into_iter().take(spec.max_series).collect(),
        detail,
        error: t.error.clone(),
    }
}

/// The headline of a multi-series tile is its worst series: by judgement
/// first, then by how far it is along the bad direction.
fn worst(series: &[SeriesVm], direction: Direction) -> Option<&SeriesVm> {
    let along = |v: Option<f64>| match direction {
        Direction::Above => v.unwrap_or(f64::NEG_INFINITY),
        Direction::Below => -v.unwrap_or(f64::INFINITY),
    };
    series.iter().max_by(|a, b| {
        tone_rank(a.tone)
            .cmp(&tone_rank(b.tone))
            .then(along(a.value).total_cmp(&along(b.value)))
    })
}

fn tone_rank(t: Tone) -> u8 {
    match t {
        Tone::Bad => 4,
        Tone::Warn => 3,
        Tone::Unknown => 2,
        Tone::Info => 1,
        Tone::Ok => 0,
    }
}

/// What "since when" needs: the core's transitions, the time now and the
/// zone the clock is shown in.
#[derive(Debug, Clone, Copy)]
pub struct When<'a> {
    pub histories: &'a crate::core::Histories,
    pub now: chrono::DateTime<chrono::Utc>,
    pub offset: chrono::FixedOffset,
}

impl When<'_> {
    /// "since 08:41 · 17 min"; "seen since 08:41 · 17 min" when the time is
    /// only when piboard first saw it (after a start), so it may be longer.
    pub fn since(&self, at: chrono::DateTime<chrono::Utc>, first_seen: bool) -> String {
        let age = format::age((self.now - at).num_seconds().max(0) as u64);
        let clock = format::clock(at, self.offset);
        if first_seen {
            format!("seen since {clock} · {age}")
        } else {
            format!("since {clock} · {age}")
        }
    }
}
