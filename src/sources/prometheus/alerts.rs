//! `/api/v1/alerts`, parsed without I/O: every alert the rules hold,
//! with its labels, its annotations, its state and since when it is active
//! (`activeAt`), documented at
//! <https://prometheus.io/docs/prometheus/latest/querying/api/#alerts>.
//!
//! Only `firing` alerts are kept (`pending` ones have not fired yet). The
//! summary is the `summary` annotation, else the `description`; where it
//! fires is the `instance` label, else `node`, else `job`. Alerts are
//! sorted most severe first, then by name and place.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::parse::{NotEnvelope, Reply, envelope};
use crate::core::{Alert, Severity};

/// The longest summary kept, in characters.
const SUMMARY_MAX: usize = 200;

#[derive(Deserialize)]
struct RawAlerts {
    #[serde(default)]
    alerts: Vec<RawAlert>,
}

#[derive(Deserialize)]
struct RawAlert {
    #[serde(default)]
    labels: HashMap<String, String>,
    #[serde(default)]
    annotations: HashMap<String, String>,
    #[serde(default)]
    state: String,
    #[serde(rename = "activeAt", default)]
    active_at: Option<String>,
}

/// Parses the body of `/api/v1/alerts` into the firing alerts, most severe
/// first.
pub fn reply(bytes: &[u8]) -> Result<Reply<Vec<Alert>>, NotEnvelope> {
    envelope(bytes, |raw: RawAlerts| {
        let mut out: Vec<Alert> = raw
            .alerts
            .into_iter()
            .filter(|a| a.state == "firing")
            .map(alert)
            .collect();
        sort(&mut out);
        Ok(out)
    })
}

fn alert(a: RawAlert) -> Alert {
    let since = a.active_at.as_deref().and_then(timestamp);
    from_parts(&a.labels, &a.annotations, since)
}

/// An alert from its labels and annotations (Prometheus's and
/// Alertmanager's are the same): the name, severity and where it fires from
/// the labels, the summary from the annotations; not suppressed.
pub fn from_parts(
    labels: &HashMap<String, String>,
    annotations: &HashMap<String, String>,
    since: Option<DateTime<Utc>>,
) -> Alert {
    let label = |name: &str| labels.get(name).map(String::as_str);
    let summary = ["summary", "description"]
        .iter()
        .filter_map(|k| annotations.get(*k))
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .map(|s| crate::sources::http::shorten(s, SUMMARY_MAX));
    Alert {
        name: label("alertname").unwrap_or("unnamed alert").to_owned(),
        severity: Severity::from_label(label("severity")),
        instance: ["instance", "node", "job"]
            .iter()
            .find_map(|l| label(l))
            .map(str::to_owned),
        since,
        summary,
        suppressed: None,
    }
}

/// An RFC 3339 time (nanoseconds and any offset allowed) in UTC; Go's zero
/// time (`0001-01-01T00:00:00Z`) means none.
pub fn timestamp(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    (t.timestamp() > 0).then_some(t)
}

/// Most severe first, then by name and by where it fires.
pub fn sort(alerts: &mut [Alert]) {
    alerts.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.instance.cmp(&b.instance))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../tests/fixtures/prometheus/alerts.json");

    #[test]
    fn firing_alerts_with_their_summary_and_since_most_severe_first() {
        let Ok(Reply::Success { result, .. }) = reply(FIXTURE.as_bytes()) else {
            panic!("the fixture is a success envelope")
        };
        let got: Vec<_> = result
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    a.severity,
                    a.instance.as_deref(),
                    a.since.map(|t| t.to_rfc3339()),
                    a.summary.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "ProbeFailed",
                    Severity::Critical,
                    Some("https://requests.woodhead.tech"),
                    Some("2026-11-21T08:41:12.606021440+00:00".to_owned()),
                    Some("requests.woodhead.tech does not answer"),
                ),
                (
                    "DiskFilling",
                    Severity::Warning,
                    Some("truenas:9100"),
                    Some("2026-11-21T07:12:40.118220435+00:00".to_owned()),
                    Some("Pool tank is 91 % full and fills at 2 GiB a day."),
                ),
                (
                    "Watchdog",
                    Severity::Warning,
                    Some("prometheus"),
                    Some("2026-11-20T00:00:00+00:00".to_owned()),
                    None,
                ),
            ]
        );
    }

    #[test]
    fn no_alerts_errors_and_odd_answers() {
        let none = r#"{"status":"success","data":{"alerts":[]}}"#;
        assert!(
            matches!(reply(none.as_bytes()), Ok(Reply::Success { result, .. }) if result.is_empty())
        );
        let zero = r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"A"},"state":"firing","activeAt":"0001-01-01T00:00:00Z"}]}}"#;
        let Ok(Reply::Success { result, .. }) = reply(zero.as_bytes()) else {
            panic!("a success envelope")
        };
        assert_eq!(
            (result[0].since, result[0].summary.as_deref()),
            (None, None)
        );
        let error = r#"{"status":"error","errorType":"internal","error":"rule manager not ready"}"#;
        assert!(matches!(reply(error.as_bytes()), Ok(Reply::Error { .. })));
        assert!(matches!(
            reply(b"<html>login</html>"),
            Err(NotEnvelope::NotJson)
        ));
        assert!(matches!(
            reply(br#"{"status":"success","data":{"alerts":"none"}}"#),
            Err(NotEnvelope::Malformed(_))
        ));
    }
}
