//! The alerts, as the alerts card and the alerts page show them:
//! Alertmanager's when it is configured, else Prometheus's
//! ([`crate::core::Dashboard::alerts`]). Firing ones come first, most
//! severe first; silenced and inhibited ones after them, dimmed (the
//! unknown tone) with who holds them back and until when ("silenced by
//! alice until 14:00"). Only firing ones give the tone and the count.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::prometheus::When;
use super::{Tone, format};
use crate::core::{Alert, AlertSet, Severity, SourceKind, Suppression, SuppressionKind};

/// An alert, firing or held back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertVm {
    pub name: String,
    pub severity: Severity,
    /// The severity as the alerts page shows it: "CRITICAL", "WARNING",
    /// "INFO"; "SILENCED" or "INHIBITED" when held back.
    pub label: String,
    /// The severity's tone; unknown (dimmed) when held back.
    pub tone: Tone,
    pub instance: Option<String>,
    /// "ProbeFailed · requests.woodhead.tech".
    pub text: String,
    /// Since when it fires, for the alerts page; empty until the core has
    /// the alert's `activeAt` (or Alertmanager's `startsAt`).
    pub since: String,
    /// Its summary annotation; empty without one.
    pub summary: String,
    /// Who holds it back and until when: "silenced by alice until 14:00",
    /// "inhibited by ProxmoxNodeDown"; empty while it fires.
    pub suppressed: String,
    /// The alerts page's second line: the summary, after the suppression
    /// and its comment when held back ("silenced by alice until 14:00:
    /// moving Overseerr · Overseerr does not answer").
    pub detail: String,
}

/// The alerts: firing ones first, most severe first, then held-back ones.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct AlertsVm {
    /// How many fire (held-back ones not counted).
    pub count: usize,
    /// Why the alerts query failed, if it did.
    pub error: Option<String>,
    pub items: Vec<AlertVm>,
    /// "2 firing", "none firing", "unknown".
    pub text: String,
    /// The held-back ones counted: "1 silenced · 1 inhibited"; empty for none.
    pub held: String,
    /// The worst firing severity's tone; ok when none fires.
    pub tone: Tone,
    /// Where they come from (`prometheus`, `alertmanager`), `null` with
    /// neither configured.
    pub source: Option<SourceKind>,
    /// Whether the Prometheus connection-lost overlay dims them: only when
    /// they are Prometheus's.
    pub under_overlay: bool,
}

/// The alerts of `set`, whose source is `source`; unknown (not "none")
/// when the query failed.
pub fn alerts(set: Option<AlertSet<'_>>, source: Option<SourceKind>, when: &When<'_>) -> AlertsVm {
    let under_overlay = source == Some(SourceKind::Prometheus);
    let Some(set) = set else {
        return AlertsVm {
            source,
            under_overlay,
            ..AlertsVm::default()
        };
    };
    if let Some(e) = set.error {
        return AlertsVm {
            text: "unknown".to_owned(),
            tone: Tone::Unknown,
            error: Some(e.to_owned()),
            source,
            under_overlay,
            ..AlertsVm::default()
        };
    }
    let mut items: Vec<AlertVm> = set.alerts.iter().map(|a| alert(a, when)).collect();
    items.sort_by(|a, b| {
        (!a.suppressed.is_empty())
            .cmp(&!b.suppressed.is_empty())
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.text.cmp(&b.text))
    });
    let count = set.firing().count();
    let worst = set.firing().map(|a| a.severity).max();
    AlertsVm {
        error: None,
        count,
        text: match count {
            0 => "none firing".to_owned(),
            n => format!("{n} firing"),
        },
        held: held(set.alerts),
        tone: worst.map_or(Tone::Ok, severity_tone),
        items,
        source,
        under_overlay,
    }
}

fn alert(a: &Alert, when: &When<'_>) -> AlertVm {
    let summary = a.summary.clone().unwrap_or_default();
    let suppressed = a
        .suppressed
        .as_ref()
        .map(|s| suppression(s, when.now, when.offset))
        .unwrap_or_default();
    let (label, tone) = match a.suppressed.as_ref().map(|s| s.kind) {
        Some(SuppressionKind::Silenced) => ("SILENCED", Tone::Unknown),
        Some(SuppressionKind::Inhibited) => ("INHIBITED", Tone::Unknown),
        None => (severity_label(a.severity), severity_tone(a.severity)),
    };
    let comment = a.suppressed.as_ref().map_or("", |s| s.comment.as_str());
    let held = match comment {
        "" => suppressed.clone(),
        c => format!("{suppressed}: {c}"),
    };
    let detail = [held.as_str(), summary.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    AlertVm {
        name: a.name.clone(),
        severity: a.severity,
        label: label.to_owned(),
        tone,
        instance: a.instance.clone(),
        since: a.since.map(|t| when.since(t, false)).unwrap_or_default(),
        summary,
        suppressed,
        detail,
        text: match &a.instance {
            Some(i) => format!("{} · {i}", a.name),
            None => a.name.clone(),
        },
    }
}

/// "silenced by alice until 14:00" (with the day when it is not today's),
/// "inhibited by ProxmoxNodeDown", "silenced" when nobody is known.
fn suppression(s: &Suppression, now: DateTime<Utc>, offset: FixedOffset) -> String {
    let mut words = match s.kind {
        SuppressionKind::Silenced => "silenced".to_owned(),
        SuppressionKind::Inhibited => "inhibited".to_owned(),
    };
    if !s.by.is_empty() {
        words += &format!(" by {}", s.by);
    }
    if let Some(until) = s.until {
        let day = |t: DateTime<Utc>| t.with_timezone(&offset).date_naive();
        let clock = format::clock(until, offset);
        words += &if day(until) == day(now) {
            format!(" until {clock}")
        } else {
            format!(" until {} {clock}", format::date(until, offset))
        };
    }
    words
}

/// "1 silenced · 1 inhibited"; empty when nothing is held back.
fn held(alerts: &[Alert]) -> String {
    let count = |kind| {
        alerts
            .iter()
            .filter(|a| a.suppressed.as_ref().is_some_and(|s| s.kind == kind))
            .count()
    };
    [
        (count(SuppressionKind::Silenced), "silenced"),
        (count(SuppressionKind::Inhibited), "inhibited"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| format!("{n} {word}"))
    .collect::<Vec<_>>()
    .join(" · ")
}

/// A severity as a word.
fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

/// A severity's tone: critical is bad, anything less a warning (as the
/// alerts card counts them).
fn severity_tone(s: Severity) -> Tone {
    match s {
        Severity::Critical => Tone::Bad,
        _ => Tone::Warn,
    }
}

#[cfg(test)]
mod tests;
