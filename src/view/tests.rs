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
    let tiles = panels::tiles(Some(&data), &rules);
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
    let services = panels::services(Some(&data), &[]);
    assert_eq!(
        (services[0].label.as_str(), services[0].detail.as_str()),
        ("UNKNOWN", "probe query failed")
    );
    let alerts = panels::alerts(Some(&data));
    assert_eq!(
        (alerts.text.as_str(), alerts.tone),
        ("unknown", Tone::Unknown)
    );
    assert_eq!(alerts.error.as_deref(), Some("query timed out"));
    let fine = PrometheusData::default();
    assert_eq!(panels::alerts(Some(&fine)).text, "none firing");
    assert_eq!(panels::alerts(Some(&fine)).error, None);
}

#[test]
fn configured_services_show_as_unknown_before_prometheus_answers() {
    let names = vec!["Plex".to_owned(), "Jellyfin".to_owned()];
    let services = panels::services(None, &names);
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
