//! Envelopes as the Prometheus HTTP API documents them
//! (<https://prometheus.io/docs/prometheus/latest/querying/api/>), and as
//! Prometheus 2.42 answers them.

use super::*;

fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn sample(pairs: &[(&str, &str)], value: f64) -> Sample {
    Sample {
        labels: labels(pairs),
        value,
    }
}

fn success(json: &str) -> (QueryResult, Vec<String>) {
    match parse_reply(json.as_bytes()) {
        Ok(Reply::Success { result, warnings }) => (result, warnings),
        other => panic!("expected success, got {other:?}"),
    }
}

#[test]
fn a_vector_keeps_labels_and_values() {
    let (result, warnings) = success(
        r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"up","job":"prometheus","instance":"localhost:9090"},"value":[1435781451.781,"1"]},
            {"metric":{"__name__":"up","job":"node","instance":"localhost:9100"},"value":[1435781451.781,"0"]}]}}"#,
    );
    assert!(warnings.is_empty());
    assert_eq!(
        result,
        QueryResult::Vector(vec![
            sample(
                &[
                    ("__name__", "up"),
                    ("job", "prometheus"),
                    ("instance", "localhost:9090")
                ],
                1.0
            ),
            sample(
                &[
                    ("__name__", "up"),
                    ("job", "node"),
                    ("instance", "localhost:9100")
                ],
                0.0
            ),
        ])
    );
}

#[test]
fn an_empty_vector_is_empty_not_zero() {
    let (result, _) = success(r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#);
    assert_eq!(result, QueryResult::Vector(Vec::new()));
    let t = tile("Glucose", None, &result);
    assert!(t.series.is_empty());
    assert_eq!(t.error, None);
}

#[test]
fn scalars_strings_and_matrices_parse() {
    let (result, _) = success(
        r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"42.5"]}}"#,
    );
    assert_eq!(result, QueryResult::Scalar(42.5));
    let (result, _) = success(
        r#"{"status":"success","data":{"resultType":"string","result":[1700000000,"hello"]}}"#,
    );
    assert_eq!(result, QueryResult::String("hello".into()));
    let (result, _) = success(
        r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"__name__":"up","job":"node","instance":"pve1:9100"},
             "values":[[1435781430.781,"1"],[1435781445.781,"1"],[1435781460.781,"0"]]}]}}"#,
    );
    assert_eq!(
        result,
        QueryResult::Matrix(vec![RangeSeries {
            labels: labels(&[
                ("__name__", "up"),
                ("job", "node"),
                ("instance", "pve1:9100")
            ]),
            values: vec![1.0, 1.0, 0.0],
            times: vec![1435781430.781, 1435781445.781, 1435781460.781],
        }])
    );
    // A range vector on a tile shows each series' newest value.
    let t = tile("up", Some("instance"), &result);
    assert_eq!(
        t.series,
        vec![SeriesValue {
            label: "pve1:9100".into(),
            value: 0.0
        }]
    );
}

#[test]
fn nan_and_infinities_are_kept() {
    let (result, _) = success(
        r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"instance":"a"},"value":[1,"NaN"]},
            {"metric":{"instance":"b"},"value":[1,"+Inf"]},
            {"metric":{"instance":"c"},"value":[1,"-Inf"]},
            {"metric":{"instance":"d"},"value":[1,"1e-3"]}]}}"#,
    );
    let QueryResult::Vector(v) = result else {
        panic!("a vector")
    };
    assert!(v[0].value.is_nan());
    assert_eq!(v[1].value, f64::INFINITY);
    assert_eq!(v[2].value, f64::NEG_INFINITY);
    assert_eq!(v[3].value, 0.001);
    let (result, _) =
        success(r#"{"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}}"#);
    let t = tile("ratio", None, &result);
    assert_eq!(t.series.len(), 1);
    assert!(t.series[0].value.is_nan());
}

#[test]
fn warnings_and_infos_are_reported() {
    let (result, warnings) = success(
        r#"{"status":"success","data":{"resultType":"vector","result":[]},
            "warnings":["PromQL warning: encountered a mix of histograms and floats"],
            "infos":["PromQL info: metric might not be a counter"]}"#,
    );
    assert_eq!(result, QueryResult::Vector(Vec::new()));
    assert_eq!(warnings.len(), 2);
    assert!(warnings[0].contains("mix of histograms"));
}

#[test]
fn error_envelopes_keep_their_type_and_message() {
    for (json, ty) in [
        (
            r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"}"#,
            "bad_data",
        ),
        (
            r#"{"status":"error","errorType":"execution","error":"many-to-many matching not allowed: matching labels must be unique on one side"}"#,
            "execution",
        ),
        (
            r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#,
            "timeout",
        ),
        (
            r#"{"status":"error","data":null,"errorType":"canceled","error":"context canceled","warnings":["w"]}"#,
            "canceled",
        ),
    ] {
        let Ok(Reply::Error { error_type, error }) = parse_reply(json.as_bytes()) else {
            panic!("expected an error envelope from {json}")
        };
        assert_eq!(error_type, ty);
        assert!(!error.is_empty());
    }
    assert_eq!(
        describe_error("bad_data", "1:5: parse error: unclosed left parenthesis"),
        "bad query: 1:5: parse error: unclosed left parenthesis"
    );
    assert_eq!(describe_error("timeout", ""), "query timed out");
}

#[test]
fn bodies_that_are_not_the_api_are_told_apart() {
    // What Prometheus answers on every path while it replays its WAL.
    assert_eq!(
        parse_reply(b"Service Unavailable"),
        Err(NotEnvelope::NotJson)
    );
    assert_eq!(
        parse_reply(b"<html><body>Sign in</body></html>"),
        Err(NotEnvelope::NotJson)
    );
    assert_eq!(parse_reply(b""), Err(NotEnvelope::NotJson));
    assert!(matches!(
        parse_reply(br#"{"status":"success"}"#),
        Err(NotEnvelope::Malformed(_))
    ));
    assert!(matches!(
        parse_reply(br#"{"status":"success","data":{"resultType":"histogram","result":[]}}"#),
        Err(NotEnvelope::Malformed(_))
    ));
    assert!(matches!(
        parse_reply(br#"{"status":"success","data":{"resultType":"scalar","result":[1,"lots"]}}"#),
        Err(NotEnvelope::Malformed(m)) if m.contains("lots")
    ));
    assert!(matches!(
        parse_reply(br#"{"ok":true}"#),
        Err(NotEnvelope::Malformed(_))
    ));
}

#[test]
fn native_histogram_samples_are_skipped() {
    let (result, _) = success(
        r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"instance":"a"},"histogram":[1,{"count":"3","sum":"1.5","buckets":[]}]},
            {"metric":{"instance":"b"},"value":[1,"2"]}]}}"#,
    );
    assert_eq!(
        result,
        QueryResult::Vector(vec![sample(&[("instance", "b")], 2.0)])
    );
}

fn plan(name: &str, target: &str, job: Option<&str>) -> ServicePlan {
    ServicePlan {
        name: name.into(),
        target: target.into(),
        job: job.map(str::to_owned),
        slow_after_s: 3.0,
    }
}

#[test]
fn services_are_up_down_or_unknown() {
    let plans = [
        plan("Plex", "https://plex.woodhead.tech", None),
        plan("Sonarr", "https://sonarr.woodhead.tech", Some("blackbox")),
        plan("Radarr", "https://radarr.woodhead.tech", None),
        plan(
            "Jellyfin",
            "https://jellyfin.woodhead.tech",
            Some("blackbox"),
        ),
    ];
    let success = [
        sample(
            &[
                ("instance", "https://plex.woodhead.tech"),
                ("job", "blackbox"),
            ],
            1.0,
        ),
        sample(
            &[
                ("instance", "https://sonarr.woodhead.tech"),
                ("job", "blackbox"),
            ],
            0.0,
        ),
        // Probed by another job only: not the configured one.
        sample(
            &[
                ("instance", "https://jellyfin.woodhead.tech"),
                ("job", "other"),
            ],
            1.0,
        ),
    ];
    let duration = [
        sample(
            &[
                ("instance", "https://plex.woodhead.tech"),
                ("job", "blackbox"),
            ],
            0.142,
        ),
        sample(
            &[
                ("instance", "https://sonarr.woodhead.tech"),
                ("job", "blackbox"),
            ],
            5.0,
        ),
    ];
    let s = services(&plans, &success, &duration);
    let got: Vec<_> = s
        .iter()
        .map(|s| (s.name.as_str(), s.state, s.response_s))
        .collect();
    assert_eq!(
        got,
        [
            ("Plex", ProbeState::Up, Some(0.142)),
            ("Sonarr", ProbeState::Down, Some(5.0)),
            ("Radarr", ProbeState::Unknown, None),
            ("Jellyfin", ProbeState::Unknown, None),
        ]
    );
}

#[test]
fn a_service_probed_twice_is_down_if_either_fails_and_as_slow_as_the_slowest() {
    let plans = [plan("Plex", "plex", None)];
    let success = [
        sample(&[("instance", "plex"), ("job", "a")], 1.0),
        sample(&[("instance", "plex"), ("job", "b")], 0.0),
    ];
    let duration = [
        sample(&[("instance", "plex"), ("job", "a")], 0.2),
        sample(&[("instance", "plex"), ("job", "b")], 3.5),
        sample(&[("instance", "plex"), ("job", "c")], f64::NAN),
    ];
    let s = services(&plans, &success, &duration);
    assert_eq!(s[0].state, ProbeState::Down);
    assert_eq!(s[0].response_s, Some(3.5));
}

#[test]
fn tile_series_are_named_by_the_configured_label_in_query_order() {
    let result = QueryResult::Vector(vec![
        sample(
            &[("node", "zotac"), ("instance", "192.168.86.147:9100")],
            62.0,
        ),
        sample(
            &[("node", "tower1"), ("instance", "192.168.86.130:9100")],
            57.0,
        ),
        sample(&[("instance", "192.168.86.29:9100")], 48.0),
    ]);
    let t = tile("CPU temp", Some("node"), &result);
    let labels: Vec<_> = t.series.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["zotac", "tower1", "no node"]);
    // Without a configured label: the instance, then the labels themselves.
    let t = tile("CPU temp", None, &result);
    assert_eq!(t.series[0].label, "192.168.86.147:9100");
    let result = QueryResult::Vector(vec![
        sample(&[("__name__", "x"), ("mode", "idle"), ("cpu", "0")], 1.0),
        sample(&[("mode", "user"), ("cpu", "0")], 2.0),
    ]);
    let t = tile("modes", None, &result);
    assert_eq!(t.series[0].label, "cpu=\"0\",mode=\"idle\"");
    // A single series needs no name.
    let result = QueryResult::Vector(vec![sample(&[("instance", "a")], 1.0)]);
    assert_eq!(tile("one", None, &result).series[0].label, "");
}

#[test]
fn a_string_result_is_a_number_or_an_error() {
    let t = tile("s", None, &QueryResult::String("12.5".into()));
    assert_eq!(t.series[0].value, 12.5);
    let t = tile("s", None, &QueryResult::String("up".into()));
    assert!(t.series.is_empty());
    assert_eq!(
        t.error.as_deref(),
        Some("the query returns the text \"up\", not a number")
    );
}
