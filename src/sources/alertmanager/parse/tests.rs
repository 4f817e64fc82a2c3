use super::*;
use crate::core::Severity;

const ALERTS: &str = include_str!("../../../../tests/fixtures/alertmanager/alerts.json");
const SILENCES: &str = include_str!("../../../../tests/fixtures/alertmanager/silences.json");

fn fixture() -> Vec<Alert> {
    let raw = alerts(ALERTS.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert!(raw.silenced(), "the fixture has a silenced alert");
    let silences = silences(SILENCES.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    join(raw, &silences)
}

fn rfc3339(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

#[test]
fn firing_alerts_come_first_then_the_suppressed_each_most_severe_first() {
    let alerts = fixture();
    let got: Vec<_> = alerts
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.severity,
                a.instance.as_deref(),
                a.suppressed.as_ref().map(|s| s.kind),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("ProxmoxNodeDown", Severity::Critical, Some("tower1"), None),
            ("DiskFilling", Severity::Warning, Some("truenas:9100"), None),
            // `unprocessed`: just received, not yet silenced or inhibited.
            ("Watchdog", Severity::Info, None, None),
            (
                "ProbeFailed",
                Severity::Critical,
                Some("https://requests.woodhead.tech"),
                Some(SuppressionKind::Silenced)
            ),
            (
                "GuestDown",
                Severity::Warning,
                Some("tower1"),
                Some(SuppressionKind::Inhibited)
            ),
        ]
    );
}

#[test]
fn since_is_starts_at_and_the_summary_the_annotation_else_the_description() {
    let alerts = fixture();
    let find = |name: &str| alerts.iter().find(|a| a.name == name).cloned();
    let disk = find("DiskFilling").expect("in the fixture");
    assert_eq!(
        rfc3339(disk.since).as_deref(),
        Some("2026-11-21T07:12:40.118+00:00")
    );
    assert_eq!(
        disk.summary.as_deref(),
        Some("Pool tank is 91 % full and fills at 2 GiB a day.")
    );
    let probe = find("ProbeFailed").expect("in the fixture");
    assert_eq!(
        probe.summary.as_deref(),
        Some("requests.woodhead.tech does not answer")
    );
    assert_eq!(find("GuestDown").and_then(|a| a.summary), None);
}

#[test]
fn a_silenced_alert_names_who_until_when_and_why_from_the_silence_that_ends_last() {
    let alerts = fixture();
    let probe = alerts.iter().find(|a| a.name == "ProbeFailed");
    let s = probe.and_then(|a| a.suppressed.clone()).expect("silenced");
    // Two silences match: alice's ends at 13:00, bob's at 10:00.
    assert_eq!(s.kind, SuppressionKind::Silenced);
    assert_eq!(s.by, "alice");
    assert_eq!(
        rfc3339(s.until).as_deref(),
        Some("2026-11-21T13:00:00+00:00")
    );
    assert_eq!(s.comment, "moving the Overseerr container");
}

#[test]
fn an_inhibited_alert_names_the_alert_that_inhibits_it() {
    let alerts = fixture();
    let guest = alerts.iter().find(|a| a.name == "GuestDown");
    let s = guest.and_then(|a| a.suppressed.clone()).expect("inhibited");
    assert_eq!(
        (s.kind, s.by.as_str(), s.until, s.comment.as_str()),
        (SuppressionKind::Inhibited, "ProxmoxNodeDown", None, "")
    );
}

#[test]
fn a_silence_gone_before_it_was_asked_leaves_only_the_word() {
    let raw = alerts(ALERTS.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let joined = join(raw, &[]);
    let probe = joined.iter().find(|a| a.name == "ProbeFailed");
    let s = probe.and_then(|a| a.suppressed.clone()).expect("silenced");
    assert_eq!(
        (s.kind, s.by.as_str(), s.until),
        (SuppressionKind::Silenced, "", None)
    );
    // An inhibitor not in the answer is "another alert"; `suppressed`
    // without either list is silenced by nobody known.
    let odd = r#"[
        {"labels":{"alertname":"A"},"status":{"state":"suppressed","inhibitedBy":["ffff"]}},
        {"labels":{"alertname":"B"},"status":{"state":"suppressed"}}
    ]"#;
    let raw = alerts(odd.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!raw.silenced());
    let got: Vec<_> = join(raw, &[])
        .into_iter()
        .map(|a| a.suppressed.map(|s| (s.kind, s.by)))
        .collect();
    assert_eq!(
        got,
        [
            Some((SuppressionKind::Inhibited, "another alert".to_owned())),
            Some((SuppressionKind::Silenced, String::new())),
        ]
    );
}

#[test]
fn empty_lenient_and_refused_answers() {
    let none = alerts(b"[]").unwrap_or_else(|e| panic!("{e}"));
    assert!(none.is_empty() && !none.silenced());
    assert!(join(none, &[]).is_empty());
    let bare = alerts(br#"[{}]"#).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bare.len(), 1);
    let a = &join(bare, &[])[0];
    assert_eq!(
        (a.name.as_str(), a.severity, a.since, a.suppressed.is_none()),
        ("unnamed alert", Severity::Warning, None, true)
    );
    let e = alerts(b"<html>login</html>").map(|_| ());
    assert!(
        e.as_ref()
            .is_err_and(|e| e.starts_with("the answer is not JSON")),
        "{e:?}"
    );
    let e = alerts(br#"{"alerts":[]}"#).map(|_| ());
    assert!(
        e.as_ref()
            .is_err_and(|e| e.starts_with("the answer is not the list the API documents")),
        "{e:?}"
    );
    let e = silences(br#"[{"id": 7}]"#).map(|_| ());
    assert!(e.is_err(), "{e:?}");
}
