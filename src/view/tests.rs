//! The panels built from hand-made core data: values the demo never shows
//! (NaN, infinities, failed queries, nothing heard yet). The demo homelab's
//! states are checked in `tests/view.rs`.

use super::*;
use crate::core::*;

#[test]
fn nan_infinity_and_empty_tiles_are_shown_as_such() {
    let spec = |name: &str| TileSpec {
        name: name.into(),
        unit: Unit::Percent,
        decimals: 0,
        warn: Some(80.0),
        critical: Some(90.0),
        direction: Direction::Above,
        label: Some("instance".into()),
        max_series: 2,
        percent_is_fraction: false,
    };
    let rules = Rules {
        tiles: vec![spec("nan"), spec("inf"), spec("empty"), spec("many")],
        ..Rules::default()
    };
    let series = |values: &[f64]| {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| SeriesValue {
                label: format!("s{i}"),
                value: *v,
            })
            .collect()
    };
    let reading = |name: &str, values: &[f64]| TileReading {
        name: name.into(),
        series: series(values),
        error: None,
    };
    let data = PrometheusData {
        tiles: vec![
            reading("nan", &[f64::NAN]),
            reading("inf", &[f64::INFINITY]),
            reading("empty", &[]),
            reading("many", &[10.0, 95.0, 20.0, 30.0]),
        ],
        ..Default::default()
    };
    let tiles = prometheus::tiles(Some(&data), &rules);
    assert_eq!(
        (tiles[0].value.as_str(), tiles[0].tone),
        ("NaN", Tone::Unknown)
    );
    assert_eq!(tiles[0].series[0].value, None);
    assert_eq!(
        (tiles[1].value.as_str(), tiles[1].tone),
        ("+Inf", Tone::Bad)
    );
    assert_eq!(
        (tiles[2].value.as_str(), tiles[2].detail.as_str()),
        ("empty", "the query returned no series")
    );
    assert_eq!(
        (tiles[3].value.as_str(), tiles[3].tone),
        ("s1 95%", Tone::Bad)
    );
    assert_eq!(tiles[3].series.len(), 2);
    assert_eq!(tiles[3].detail, "+2 more");
}

#[test]
fn failed_probe_and_alert_queries_show_as_unknown_not_as_none() {
    let data = PrometheusData {
        services: vec![Service {
            name: "Plex".into(),
            state: ProbeState::Unknown,
            response_s: None,
            slow_after_s: 3.0,
        }],
        services_error: Some("query failed: boom".into()),
        alerts_error: Some("query timed out".into()),
        ..Default::default()
    };
    let services = prometheus::services(Some(&data), &[], &when(&Histories::default()));
    assert_eq!(
        (services[0].label.as_str(), services[0].detail.as_str()),
        ("UNKNOWN", "probe query failed")
    );
    let of = |p: &PrometheusData| {
        let set = AlertSet {
            from: SourceKind::Prometheus,
            alerts: &p.alerts,
            error: p.alerts_error.as_deref(),
        };
        let source = Some(SourceKind::Prometheus);
        super::alerts::alerts(Some(set), source, &when(&Histories::default()))
    };
    let alerts = of(&data);
    assert_eq!(
        (alerts.text.as_str(), alerts.tone),
        ("unknown", Tone::Unknown)
    );
    assert_eq!(alerts.error.as_deref(), Some("query timed out"));
    let fine = PrometheusData::default();
    assert_eq!(of(&fine).text, "none firing");
    assert_eq!(of(&fine).error, None);
}

#[test]
fn configured_services_show_as_unknown_before_prometheus_answers() {
    let names = vec!["Plex".to_owned(), "Jellyfin".to_owned()];
    let services = prometheus::services(None, &names, &when(&Histories::default()));
    let shown: Vec<(&str, &str, Tone)> = services
        .iter()
        .map(|s| (s.name.as_str(), s.label.as_str(), s.tone))
        .collect();
    assert_eq!(
        shown,
        [
            ("Plex", "UNKNOWN", Tone::Unknown),
            ("Jellyfin", "UNKNOWN", Tone::Unknown)
        ]
    );
}

#[test]
fn each_level_has_its_word_and_tone() {
    assert_eq!(status_word(Level::Healthy), ("HEALTHY", Tone::Ok));
    assert_eq!(status_word(Level::Degraded), ("DEGRADED", Tone::Warn));
    assert_eq!(status_word(Level::Critical), ("CRITICAL", Tone::Bad));
}

#[test]
fn the_three_panel_sizes_get_their_layouts() {
    let at = |w, h| {
        let l = Layout::for_size(w, h);
        (l.small, l.wide, l.tall)
    };
    assert_eq!(at(800.0, 480.0), (false, false, false));
    assert_eq!(at(480.0, 320.0), (true, false, false));
    assert_eq!(at(1024.0, 600.0), (false, true, true));
}

#[test]
fn alertmanager_offline_is_the_alerts_card_s_badge_never_the_overlay() {
    let clock = FakeClock::default();
    let settings = |kind: SourceKind| SourceSettings {
        kind,
        name: kind.label().into(),
        url: "http://127.0.0.1".into(),
        interval: std::time::Duration::from_secs(10),
        lost_after: 2,
    };
    let mut d = Dashboard::new([
        settings(SourceKind::Prometheus),
        settings(SourceKind::Alertmanager),
    ]);
    let utc = chrono::FixedOffset::east_opt(0).expect("UTC is an offset");
    let vm = build(&d, &Rules::default(), clock.now(), utc);
    assert_eq!(vm.pages.alerts.empty, "No data from Alertmanager yet");
    assert_eq!(vm.alerts.source, Some(SourceKind::Alertmanager));
    assert!(!vm.alerts.under_overlay);
    let update = |outcome| SourceUpdate {
        kind: SourceKind::Alertmanager,
        at: clock.now(),
        outcome,
        next_poll: None,
    };
    d.apply(update(Ok(SourceData::Alertmanager(
        AlertmanagerData::default(),
    ))));
    let vm = build(&d, &Rules::default(), clock.now(), utc);
    assert_eq!(
        (
            vm.pages.alerts.empty.as_str(),
            vm.pages.alerts.summary.as_str()
        ),
        ("No alert is firing", "none firing")
    );
    assert!(!vm.badges.alertmanager.visible);
    clock.advance(std::time::Duration::from_secs(180));
    for _ in 0..2 {
        let refused = Failure::new(FailureKind::Unreachable, "connection refused");
        d.apply(update(Err(refused)));
    }
    let vm = build(&d, &Rules::default(), clock.now(), utc);
    assert!(!vm.overlay.visible);
    assert_eq!(
        (
            vm.badges.alertmanager.text.as_str(),
            vm.badges.alertmanager.tone
        ),
        ("OFFLINE · 3 min old", Tone::Bad)
    );
    assert_eq!(vm.overall.reason, "Alertmanager unreachable");
}

/// No transitions, at the epoch, in UTC.
fn when(h: &Histories) -> prometheus::When<'_> {
    prometheus::When {
        histories: h,
        now: chrono::DateTime::UNIX_EPOCH,
        offset: chrono::FixedOffset::east_opt(0).expect("UTC is an offset"),
    }
}
