use chrono::TimeZone;

use super::*;
use crate::core::Histories;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0)
        .single()
        .expect("a valid time")
}

fn alert(name: &str, severity: Severity, suppressed: Option<Suppression>) -> Alert {
    Alert {
        name: name.into(),
        severity,
        instance: Some("tower1".into()),
        since: Some(now() - chrono::TimeDelta::minutes(17)),
        summary: Some(format!("{name} summary")),
        suppressed,
    }
}

fn held_by(kind: SuppressionKind, by: &str, until_h: Option<i64>, comment: &str) -> Suppression {
    Suppression {
        kind,
        by: by.into(),
        until: until_h.map(|h| now() + chrono::TimeDelta::hours(h)),
        comment: comment.into(),
    }
}

fn build(alerts: &[Alert], from: SourceKind) -> AlertsVm {
    let histories = Histories::default();
    let when = When {
        histories: &histories,
        now: now(),
        offset: FixedOffset::east_opt(3600).expect("a valid offset"),
    };
    let set = AlertSet {
        from,
        alerts,
        error: None,
    };
    super::alerts(Some(set), Some(from), &when)
}

#[test]
fn held_back_alerts_come_last_dimmed_with_who_and_until_when() {
    let alerts = [
        alert(
            "ProbeFailed",
            Severity::Critical,
            Some(held_by(
                SuppressionKind::Silenced,
                "alice",
                Some(4),
                "moving it",
            )),
        ),
        alert("DiskFilling", Severity::Warning, None),
        alert(
            "GuestDown",
            Severity::Warning,
            Some(held_by(
                SuppressionKind::Inhibited,
                "ProxmoxNodeDown",
                None,
                "",
            )),
        ),
    ];
    let vm = build(&alerts, SourceKind::Alertmanager);
    let rows: Vec<_> = vm
        .items
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.label.as_str(),
                a.tone,
                a.suppressed.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("DiskFilling", "WARNING", Tone::Warn, ""),
            (
                "ProbeFailed",
                "SILENCED",
                Tone::Unknown,
                "silenced by alice until 14:00"
            ),
            (
                "GuestDown",
                "INHIBITED",
                Tone::Unknown,
                "inhibited by ProxmoxNodeDown"
            ),
        ]
    );
    assert_eq!(
        vm.items[1].detail,
        "silenced by alice until 14:00: moving it · ProbeFailed summary"
    );
    assert_eq!(vm.items[0].detail, "DiskFilling summary");
    // The silenced critical alert neither counts nor colours.
    assert_eq!(
        (vm.count, vm.text.as_str(), vm.tone),
        (1, "1 firing", Tone::Warn)
    );
    assert_eq!(vm.held, "1 silenced · 1 inhibited");
    assert_eq!(vm.source, Some(SourceKind::Alertmanager));
    assert!(
        !vm.under_overlay,
        "Alertmanager's alerts are not Prometheus's"
    );
}

#[test]
fn only_held_back_alerts_are_none_firing_and_a_silence_ending_another_day_says_the_day() {
    let alerts = [alert(
        "ProbeFailed",
        Severity::Critical,
        Some(held_by(SuppressionKind::Silenced, "", Some(48), "")),
    )];
    let vm = build(&alerts, SourceKind::Alertmanager);
    assert_eq!(
        (vm.count, vm.text.as_str(), vm.tone, vm.held.as_str()),
        (0, "none firing", Tone::Ok, "1 silenced")
    );
    assert_eq!(vm.items[0].suppressed, "silenced until Mon 23 Nov 10:00");
}

#[test]
fn prometheus_s_alerts_are_as_before_and_under_its_overlay() {
    let alerts = [
        alert("DiskFilling", Severity::Warning, None),
        alert("ProbeFailed", Severity::Critical, None),
    ];
    let vm = build(&alerts, SourceKind::Prometheus);
    let names: Vec<&str> = vm.items.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["ProbeFailed", "DiskFilling"]);
    assert_eq!(
        (vm.count, vm.text.as_str(), vm.tone, vm.held.as_str()),
        (2, "2 firing", Tone::Bad, "")
    );
    assert_eq!(vm.items[0].detail, vm.items[0].summary);
    assert_eq!(vm.items[0].since, "since 09:43 · 17 min");
    assert!(vm.under_overlay);
    let none = super::alerts(
        None,
        None,
        &When {
            histories: &Histories::default(),
            now: now(),
            offset: FixedOffset::east_opt(0).expect("UTC"),
        },
    );
    assert_eq!(none, AlertsVm::default());
}
