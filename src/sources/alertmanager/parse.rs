//! Alertmanager's API v2 answers, read without I/O, as its OpenAPI
//! document (`api/v2/openapi.yaml`) describes them: `/api/v2/alerts` is a
//! list of `gettableAlert`s (`labels`, `annotations`, `startsAt`,
//! `fingerprint`, `status: {state, silencedBy, inhibitedBy}`), and
//! `/api/v2/silences` a list of `gettableSilence`s (`id`, `createdBy`,
//! `endsAt`, `comment`).
//!
//! - An alert's name, severity, place and summary are read as Prometheus's
//!   are ([`from_parts`]); since when is `startsAt`.
//! - `silencedBy` (silence ids) makes it silenced: by the `createdBy` of
//!   the silence that ends last, until its `endsAt`, with its comment; a
//!   silence gone by the time it is asked for leaves the who empty.
//! - Else `inhibitedBy` (fingerprints of other alerts) makes it inhibited:
//!   by the inhibiting alert's name, from the same answer.
//! - `state` `active` and `unprocessed` (just received) count as firing;
//!   `suppressed` without either list is silenced by nobody known.
//! - Fields are read leniently: any may be missing; an answer that is not
//!   a list of objects is refused with the reason.
//!
//! The result is sorted: firing alerts first, then suppressed ones; each
//! group most severe first, then by name and place.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::core::{Alert, Suppression, SuppressionKind};
use crate::sources::prometheus::alerts::{from_parts, timestamp};

/// The longest silence comment kept, in characters.
const COMMENT_MAX: usize = 200;

/// One `gettableAlert`, as far as piboard reads it.
#[derive(Debug, Deserialize)]
struct RawAlert {
    #[serde(default)]
    labels: HashMap<String, String>,
    #[serde(default)]
    annotations: HashMap<String, String>,
    #[serde(rename = "startsAt", default)]
    starts_at: Option<String>,
    #[serde(default)]
    fingerprint: String,
    #[serde(default)]
    status: RawStatus,
}

/// An alert's `status`.
#[derive(Debug, Default, Deserialize)]
struct RawStatus {
    #[serde(default)]
    state: String,
    #[serde(rename = "silencedBy", default)]
    silenced_by: Vec<String>,
    #[serde(rename = "inhibitedBy", default)]
    inhibited_by: Vec<String>,
}

/// The alerts of `/api/v2/alerts`, not yet joined with their silences.
#[derive(Debug)]
pub struct RawAlerts(Vec<RawAlert>);

impl RawAlerts {
    /// Whether any alert is silenced, so the silences are worth asking.
    pub fn silenced(&self) -> bool {
        self.0.iter().any(|a| !a.status.silenced_by.is_empty())
    }

    /// How many alerts the answer held.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the answer held none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One silence: who made it, until when, and why.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Silence {
    /// Its id, as `silencedBy` lists it.
    #[serde(default)]
    pub id: String,
    /// `createdBy`.
    #[serde(rename = "createdBy", default)]
    pub created_by: String,
    /// `endsAt`, RFC 3339.
    #[serde(rename = "endsAt", default)]
    pub ends_at: Option<String>,
    /// Its comment.
    #[serde(default)]
    pub comment: String,
}

impl Silence {
    fn until(&self) -> Option<DateTime<Utc>> {
        self.ends_at.as_deref().and_then(timestamp)
    }
}

/// Reads `/api/v2/alerts`; the error says what was wrong with the answer.
pub fn alerts(bytes: &[u8]) -> Result<RawAlerts, String> {
    list(bytes).map(RawAlerts)
}

/// Reads `/api/v2/silences`.
pub fn silences(bytes: &[u8]) -> Result<Vec<Silence>, String> {
    list(bytes)
}

fn list<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<Vec<T>, String> {
    serde_json::from_slice(bytes).map_err(|e| {
        let what = if e.is_syntax() || e.is_eof() {
            "not JSON"
        } else {
            "not the list the API documents"
        };
        crate::sources::http::shorten(&format!("the answer is {what}: {e}"), 160)
    })
}

/// The core's alerts: each one with its suppression, if any, read from
/// `silences`; firing first, then suppressed, each most severe first.
pub fn join(raw: RawAlerts, silences: &[Silence]) -> Vec<Alert> {
    let names: HashMap<&str, &str> = raw
        .0
        .iter()
        .filter_map(|a| Some((a.fingerprint.as_str(), a.labels.get("alertname")?.as_str())))
        .collect();
    let mut out: Vec<Alert> = raw
        .0
        .iter()
        .map(|a| {
            let since = a.starts_at.as_deref().and_then(timestamp);
            Alert {
                suppressed: suppression(&a.status, silences, &names),
                ..from_parts(&a.labels, &a.annotations, since)
            }
        })
        .collect();
    sort(&mut out);
    out
}

/// Why the alert is held back, if it is.
fn suppression(
    status: &RawStatus,
    silences: &[Silence],
    names: &HashMap<&str, &str>,
) -> Option<Suppression> {
    if !status.silenced_by.is_empty() {
        return Some(silenced(&status.silenced_by, silences));
    }
    if let Some(by) = status.inhibited_by.first() {
        let by = names.get(by.as_str()).copied().unwrap_or("another alert");
        return Some(Suppression {
            kind: SuppressionKind::Inhibited,
            by: by.to_owned(),
            until: None,
            comment: String::new(),
        });
    }
    (status.state == "suppressed").then(|| Suppression {
        kind: SuppressionKind::Silenced,
        by: String::new(),
        until: None,
        comment: String::new(),
    })
}

/// Silenced by the silence among `ids` that ends last.
fn silenced(ids: &[String], silences: &[Silence]) -> Suppression {
    let last = silences
        .iter()
        .filter(|s| ids.contains(&s.id))
        .max_by_key(|s| s.until());
    Suppression {
        kind: SuppressionKind::Silenced,
        by: last
            .map(|s| s.created_by.trim().to_owned())
            .unwrap_or_default(),
        until: last.and_then(Silence::until),
        comment: last
            .map(|s| crate::sources::http::shorten(s.comment.trim(), COMMENT_MAX))
            .unwrap_or_default(),
    }
}

/// Firing first, then suppressed; each most severe first, then by name and
/// by where it fires.
fn sort(alerts: &mut [Alert]) {
    alerts.sort_by(|a, b| {
        a.suppressed
            .is_some()
            .cmp(&b.suppressed.is_some())
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.instance.cmp(&b.instance))
    });
}

#[cfg(test)]
mod tests;
