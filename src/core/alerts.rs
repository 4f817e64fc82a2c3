//! Which alerts the dashboard shows and which of them count. With an
//! `[alertmanager]` configured, the alerts are Alertmanager's (its API v2
//! says which are silenced or inhibited); without one, Prometheus's own
//! (`/api/v1/alerts`), none of them suppressed. Either way the view and the
//! overall status read them through [`Dashboard::alerts`], and only
//! [`AlertSet::firing`] ones (not suppressed) make the status worse.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{Alert, SourceData, SourceKind};
use super::state::Dashboard;

/// Why Alertmanager holds an alert back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    /// A silence matches it (`status.silencedBy`).
    Silenced,
    /// Another firing alert inhibits it (`status.inhibitedBy`).
    Inhibited,
}

/// A silenced or inhibited alert: by whom, until when, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// Who: the silence's `createdBy`, or the name of the inhibiting alert.
    pub by: String,
    /// The silence's `endsAt`; none for an inhibition, which lasts as long
    /// as the inhibiting alert fires.
    pub until: Option<DateTime<Utc>>,
    /// The silence's comment; empty for none and for an inhibition.
    pub comment: String,
}

/// Everything an Alertmanager poll yields.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AlertmanagerData {
    /// Every alert it holds, suppressed ones included (marked), firing ones
    /// first, each group most severe first.
    pub alerts: Vec<Alert>,
}

/// The alerts the screen shows, and where they come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertSet<'a> {
    /// Alertmanager or Prometheus.
    pub from: SourceKind,
    pub alerts: &'a [Alert],
    /// Why the alerts are unknown, not none (Prometheus's alerts request
    /// failed while its queries worked).
    pub error: Option<&'a str>,
}

impl<'a> AlertSet<'a> {
    /// The alerts that count: neither silenced nor inhibited.
    pub fn firing(&self) -> impl Iterator<Item = &'a Alert> + use<'a> {
        self.alerts.iter().filter(|a| a.suppressed.is_none())
    }
}

impl Dashboard {
    /// The last good Alertmanager data.
    pub fn alertmanager(&self) -> Option<&AlertmanagerData> {
        match self.source(SourceKind::Alertmanager)?.data.as_ref()? {
            SourceData::Alertmanager(d) => Some(d),
            _ => None,
        }
    }

    /// Where the alerts come from: Alertmanager when it is configured,
    /// else Prometheus when it is; `None` with neither.
    pub fn alerts_from(&self) -> Option<SourceKind> {
        [SourceKind::Alertmanager, SourceKind::Prometheus]
            .into_iter()
            .find(|k| self.source(*k).is_some())
    }

    /// The alerts shown: those of [`Dashboard::alerts_from`], `None` until
    /// it first answers (Prometheus's are never used in Alertmanager's
    /// place, not even while it is offline: its last good ones stay).
    pub fn alerts(&self) -> Option<AlertSet<'_>> {
        match self.alerts_from()? {
            SourceKind::Alertmanager => Some(AlertSet {
                from: SourceKind::Alertmanager,
                alerts: &self.alertmanager()?.alerts,
                error: None,
            }),
            _ => {
                let p = self.prometheus()?;
                Some(AlertSet {
                    from: SourceKind::Prometheus,
                    alerts: &p.alerts,
                    error: p.alerts_error.as_deref(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::core::clock::{Clock, FakeClock};
    use crate::core::model::{PrometheusData, Severity, SourceUpdate};
    use crate::core::state::SourceSettings;

    fn settings(kind: SourceKind) -> SourceSettings {
        SourceSettings {
            kind,
            name: kind.label().into(),
            url: "http://127.0.0.1".into(),
            interval: Duration::from_secs(10),
            lost_after: 2,
        }
    }

    fn alert(name: &str, suppressed: Option<SuppressionKind>) -> Alert {
        Alert {
            name: name.into(),
            severity: Severity::Critical,
            instance: None,
            since: None,
            summary: None,
            suppressed: suppressed.map(|kind| Suppression {
                kind,
                by: "alice".into(),
                until: None,
                comment: String::new(),
            }),
        }
    }

    fn apply(d: &mut Dashboard, data: SourceData, clock: &FakeClock) {
        d.apply(SourceUpdate {
            kind: data.kind(),
            at: clock.now(),
            outcome: Ok(data),
            next_poll: None,
        });
    }

    fn names(set: Option<AlertSet<'_>>) -> Vec<&str> {
        set.map(|s| s.alerts.iter().map(|a| a.name.as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn without_alertmanager_the_alerts_are_prometheus_s() {
        let clock = FakeClock::default();
        let mut d = Dashboard::new([settings(SourceKind::Prometheus)]);
        assert_eq!(d.alerts_from(), Some(SourceKind::Prometheus));
        assert!(d.alerts().is_none(), "none before the first answer");
        let prom = PrometheusData {
            alerts: vec![alert("ProbeFailed", None)],
            alerts_error: Some("timed out".into()),
            ..Default::default()
        };
        apply(&mut d, SourceData::Prometheus(prom), &clock);
        let set = d.alerts();
        assert_eq!(names(set), ["ProbeFailed"]);
        assert_eq!(set.and_then(|s| s.error), Some("timed out"));
    }

    #[test]
    fn with_alertmanager_its_alerts_replace_prometheus_s_and_suppressed_ones_do_not_count() {
        let clock = FakeClock::default();
        let mut d = Dashboard::new([
            settings(SourceKind::Prometheus),
            settings(SourceKind::Alertmanager),
        ]);
        let prom = PrometheusData {
            alerts: vec![alert("FromPrometheus", None)],
            ..Default::default()
        };
        apply(&mut d, SourceData::Prometheus(prom), &clock);
        assert_eq!(d.alerts_from(), Some(SourceKind::Alertmanager));
        assert!(d.alerts().is_none(), "never Prometheus's in its place");
        let am = AlertmanagerData {
            alerts: vec![
                alert("Firing", None),
                alert("Hushed", Some(SuppressionKind::Silenced)),
                alert("Masked", Some(SuppressionKind::Inhibited)),
            ],
        };
        apply(&mut d, SourceData::Alertmanager(am), &clock);
        let set = d.alerts();
        assert_eq!(names(set), ["Firing", "Hushed", "Masked"]);
        let firing: Vec<&str> = set
            .map(|s| s.firing().map(|a| a.name.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(firing, ["Firing"]);
        assert_eq!(set.map(|s| s.from), Some(SourceKind::Alertmanager));
    }
}
