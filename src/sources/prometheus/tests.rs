use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::core::{ProbeState, Severity};
use crate::sources::http::Sensitive;

fn body(code: u16, text: &str, content_type: Option<&str>) -> Body {
    Body {
        status: reqwest::StatusCode::from_u16(code).unwrap_or_default(),
        bytes: text.as_bytes().to_vec(),
        content_type: content_type.map(str::to_owned),
        reason: None,
    }
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default()
}

#[test]
fn the_plain_text_503_while_starting_loses_the_source() {
    let f = classify(&body(
        503,
        "Service Unavailable",
        Some("text/plain; charset=utf-8"),
    ));
    let Err(f) = f else { panic!("a failure") };
    assert_eq!(f.kind, FailureKind::ServerError);
    assert!(f.kind.is_connectivity());
    assert_eq!(f.message, "HTTP 503 (Service Unavailable)");
    let Err(f) = classify(&body(502, "<html>Bad gateway</html>", Some("text/html"))) else {
        panic!("a failure")
    };
    assert_eq!(f.kind, FailureKind::ServerError);
    assert_eq!(f.message, "HTTP 502 (Bad Gateway)");
}

#[test]
fn error_envelopes_fail_only_their_query() {
    for (code, json, expected) in [
        (
            400,
            r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}"#,
            "bad query: 1:5: parse error: unclosed left parenthesis",
        ),
        (
            422,
            r#"{"status":"error","errorType":"execution","error":"found duplicate series"}"#,
            "query failed: found duplicate series",
        ),
        (
            503,
            r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#,
            "query timed out: query timed out in expression evaluation",
        ),
    ] {
        let answer = classify(&body(code, json, Some("application/json")));
        assert_eq!(answer, Ok(Err(expected.to_owned())), "{json}");
    }
    let Err(f) = classify(&body(
        503,
        r#"{"status":"error","errorType":"unavailable","error":"TSDB not ready"}"#,
        Some("application/json"),
    )) else {
        panic!("a failure")
    };
    assert_eq!(f.kind, FailureKind::ServerError);
}

#[test]
fn refusals_login_pages_and_wrong_urls_are_named() {
    let Err(f) = classify(&body(401, "", None)) else {
        panic!("a failure")
    };
    assert_eq!(f.kind, FailureKind::Auth);
    assert_eq!(
        f.message,
        "HTTP 401: not authorised: check bearer_token, basic_auth and headers"
    );
    let Err(f) = classify(&body(
        200,
        "<!DOCTYPE html><title>Sign in</title>",
        Some("text/html"),
    )) else {
        panic!("a failure")
    };
    assert_eq!(f.kind, FailureKind::BadResponse);
    assert!(f.message.contains("login page"), "{}", f.message);
    let Err(f) = classify(&body(404, "404 page not found", Some("text/plain"))) else {
        panic!("a failure")
    };
    assert_eq!(
        f.message,
        "HTTP 404 (404 page not found): is `url` the Prometheus base URL (without /api/v1)?"
    );
    let Err(f) = classify(&body(200, "hello", Some("text/plain"))) else {
        panic!("a failure")
    };
    assert_eq!(f.message, "the answer is not JSON: hello");
    let Err(f) = classify(&body(200, r#"{"status":"success"}"#, None)) else {
        panic!("a failure")
    };
    assert!(f.message.contains("does not match the Prometheus API"));
}

#[test]
fn probe_queries_batch_every_target_escaped() {
    let plan = |target: &str, job: Option<&str>| ServicePlan {
        name: target.into(),
        target: target.into(),
        job: job.map(str::to_owned),
        slow_after_s: 3.0,
    };
    let q = probe_query(
        "probe_success",
        &[
            plan("https://plex.woodhead.tech", None),
            plan("http://127.0.0.1:8080/a?b=\"c\"", None),
        ],
    );
    assert_eq!(
        q,
        r#"probe_success{instance=~"http://127\\.0\\.0\\.1:8080/a\\?b=\"c\"|https://plex\\.woodhead\\.tech"}"#
    );
    let q = probe_query(
        "probe_duration_seconds",
        &[plan("a", Some("blackbox")), plan("b", Some("bb2"))],
    );
    assert_eq!(
        q,
        r#"probe_duration_seconds{instance=~"a|b",job=~"bb2|blackbox"}"#
    );
}

/// A loopback HTTP server that answers `/api/v1/query` with `answer(query)`
/// (status, content type, body) and records each request's headers.
struct FakePrometheus {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakePrometheus {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Answerer = fn(&str) -> (u16, &'static str, String);

async fn fake(answer: Answerer) -> FakePrometheus {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("bound");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut len = 0;
                while !buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf[len..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => len += n,
                    }
                }
                let head = String::from_utf8_lossy(&buf[..len]).into_owned();
                let target = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                let parsed = url::Url::parse(&format!("http://x{target}")).ok();
                let query = parsed
                    .as_ref()
                    .and_then(|u| {
                        u.query_pairs()
                            .find(|(k, _)| k == "query")
                            .map(|(_, v)| v.into_owned())
                    })
                    .unwrap_or_default();
                // The answerer sees the query of `/api/v1/query`, the path
                // of any other endpoint, and `range:` before the query of
                // `/api/v1/query_range`.
                let query = match parsed.as_ref().map(|u| u.path()) {
                    Some("/api/v1/query") => query,
                    Some("/api/v1/query_range") => format!("range:{query}"),
                    Some(path) => path.to_owned(),
                    None => query,
                };
                seen.lock().expect("not poisoned").push(head);
                let (code, content_type, body) = answer(&query);
                let reason = reqwest::StatusCode::from_u16(code)
                    .ok()
                    .and_then(|c| c.canonical_reason())
                    .unwrap_or("X");
                let response = format!(
                    "HTTP/1.1 {code} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    FakePrometheus {
        url: format!("http://{addr}"),
        requests,
        task,
    }
}

fn vector(samples: &[(&str, &str)]) -> String {
    let result: Vec<String> = samples
        .iter()
        .map(|(labels, v)| format!(r#"{{"metric":{{{labels}}},"value":[1700000000.1,"{v}"]}}"#))
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
        result.join(",")
    )
}

const JSON: &str = "application/json";

fn homelab(query: &str) -> (u16, &'static str, String) {
    let plex = r#""instance":"https://plex.woodhead.tech","job":"blackbox""#;
    let sonarr = r#""instance":"https://sonarr.woodhead.tech","job":"blackbox""#;
    match query {
        q if q.starts_with("probe_success") => (200, JSON, vector(&[(plex, "1"), (sonarr, "0")])),
        q if q.starts_with("probe_duration_seconds") => {
            (200, JSON, vector(&[(plex, "0.142"), (sonarr, "5.01")]))
        }
        "/api/v1/alerts" => (
            200,
            JSON,
            r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"ProbeFailed","severity":"critical","instance":"https://sonarr.woodhead.tech"},"annotations":{"summary":"Sonarr does not answer"},"state":"firing","activeAt":"2026-11-21T08:58:00Z","value":"0e+00"}]}}"#.into(),
        ),
        q if q.starts_with("range:probe_duration_seconds") => (
            200,
            JSON,
            include_str!("../../../tests/fixtures/prometheus/probe_duration_range.json").into(),
        ),
        "dexcom_glucose_mg_dl" => (200, JSON, vector(&[(r#""__name__":"dexcom_glucose_mg_dl""#, "NaN")])),
        "sum(" => (
            400,
            JSON,
            r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"}"#.into(),
        ),
        _ => (200, JSON, vector(&[])),
    }
}

/// Three services (the job from the source-wide default), three tiles.
fn settings(url: &str) -> Settings {
    let service = |name: &str, target: &str| ServicePlan {
        name: name.into(),
        target: target.into(),
        job: Some("blackbox".into()),
        slow_after_s: 3.0,
    };
    let tile = |name: &str, query: &str| TilePlan {
        name: name.into(),
        query: query.into(),
        label: None,
    };
    Settings {
        url: url.into(),
        interval: Duration::from_secs(20),
        timeout: Duration::from_secs(5),
        ca_file: None,
        auth: Auth::None,
        headers: Vec::new(),
        services: vec![
            service("Plex", "https://plex.woodhead.tech"),
            service("Sonarr", "https://sonarr.woodhead.tech"),
            service("Radarr", "https://radarr.woodhead.tech"),
        ],
        tiles: vec![
            tile("Glucose", "dexcom_glucose_mg_dl"),
            tile("Broken", "sum("),
            tile("Nothing", "absent_metric"),
        ],
        alerts: true,
    }
}

fn source(url: &str) -> PrometheusSource {
    PrometheusSource::new(settings(url))
}

#[tokio::test]
async fn one_cycle_fills_services_alerts_and_tiles_and_a_bad_query_marks_only_its_tile() {
    let server = fake(homelab).await;
    let header = |name: &str, value: &str| Header {
        name: name.into(),
        value: Sensitive::new(value),
        what: format!("prometheus.headers.{name}"),
    };
    let mut s = PrometheusSource::new(Settings {
        auth: Auth::Bearer(Sensitive::new("s3cret-token")),
        headers: vec![
            header("X-Scope-OrgID", "homelab"),
            header("X-Api-Key", "s3cret-token"),
        ],
        ..settings(&server.url)
    });
    assert!(
        !format!("{s:?}").contains("s3cret"),
        "the secret is in {s:?}"
    );
    let Ok(SourceData::Prometheus(data)) = s.poll(now()).await else {
        panic!("a good cycle")
    };
    let services: Vec<_> = data
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.state, s.response_s))
        .collect();
    assert_eq!(
        services,
        [
            ("Plex", ProbeState::Up, Some(0.142)),
            ("Sonarr", ProbeState::Down, Some(5.01)),
            ("Radarr", ProbeState::Unknown, None),
        ]
    );
    assert_eq!(data.services_error, None);
    assert_eq!(data.alerts.len(), 1);
    assert_eq!(data.alerts[0].severity, Severity::Critical);
    assert_eq!(
        data.alerts[0].summary.as_deref(),
        Some("Sonarr does not answer")
    );
    assert_eq!(
        data.alerts[0].since.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-11-21T08:58:00+00:00")
    );
    // The first good cycle carries the last hour of response times.
    let seeded: Vec<_> = data
        .seed
        .iter()
        .map(|s| (s.service.as_str(), s.points.len()))
        .collect();
    assert_eq!(seeded, [("Plex", 4), ("Sonarr", 2)]);
    let tiles: Vec<_> = data.tiles.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tiles, ["Glucose", "Broken", "Nothing"]);
    assert!(data.tiles[0].series[0].value.is_nan());
    assert_eq!(data.tiles[0].error, None);
    assert_eq!(
        data.tiles[1].error.as_deref(),
        Some("bad query: invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis")
    );
    assert!(data.tiles[2].series.is_empty());
    assert_eq!(data.tiles[2].error, None);
    // Two probe queries for three services, the alerts, one per tile, and
    // the seed's range query.
    let requests = server.requests.lock().expect("not poisoned").clone();
    assert_eq!(requests.len(), 7);
    let range = requests
        .iter()
        .find(|r| r.contains("/api/v1/query_range?"))
        .expect("the seed was asked for");
    // The last hour up to the poll's time (not the system clock's), in 30 s steps.
    let end = now().timestamp().div_euclid(30) * 30;
    assert!(
        range.contains(&format!("start={}&end={end}&step=30", end - 3600)),
        "{range}"
    );
    // Once only.
    let Ok(SourceData::Prometheus(again)) = s.poll(now()).await else {
        panic!("a good cycle")
    };
    assert!(again.seed.is_empty());
    assert_eq!(server.requests.lock().expect("not poisoned").len(), 13);
    for r in &requests {
        let lower = r.to_ascii_lowercase();
        assert!(lower.contains("authorization: bearer s3cret-token"), "{r}");
        assert!(lower.contains("x-scope-orgid: homelab"), "{r}");
        assert!(lower.contains("x-api-key: s3cret-token"), "{r}");
    }
}

#[tokio::test]
async fn a_plain_text_503_fails_the_cycle() {
    let server = fake(|_| {
        (
            503,
            "text/plain; charset=utf-8",
            "Service Unavailable".into(),
        )
    })
    .await;
    let mut s = source(&server.url);
    let Err(f) = s.poll(now()).await else {
        panic!("a failed cycle")
    };
    assert_eq!(f.kind, FailureKind::ServerError);
    assert_eq!(f.message, "HTTP 503 (Service Unavailable)");
}

#[tokio::test]
async fn a_failed_probe_query_leaves_services_unknown_with_the_reason() {
    let server = fake(|q| {
        if q.starts_with("probe_") {
            (
                422,
                JSON,
                r#"{"status":"error","errorType":"execution","error":"boom"}"#.into(),
            )
        } else {
            homelab(q)
        }
    })
    .await;
    let mut s = source(&server.url);
    let Ok(SourceData::Prometheus(data)) = s.poll(now()).await else {
        panic!("a good cycle")
    };
    assert!(data.services.iter().all(|s| s.state == ProbeState::Unknown));
    assert_eq!(data.services_error.as_deref(), Some("query failed: boom"));
    assert_eq!(data.alerts.len(), 1);
}

#[tokio::test]
async fn nobody_listening_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    drop(listener);
    let mut s = source(&url);
    let Err(f) = s.poll(now()).await else {
        panic!("a failed cycle")
    };
    assert_eq!(f.kind, FailureKind::Unreachable);
    assert_eq!(f.message, "connection refused");
}

#[tokio::test]
async fn an_unreadable_ca_file_fails_every_poll_with_the_reason() {
    let mut s = PrometheusSource::new(Settings {
        ca_file: Some("/nonexistent/prometheus-ca.pem".into()),
        ..settings("https://127.0.0.1:1")
    });
    for _ in 0..2 {
        let Err(f) = s.poll(now()).await else {
            panic!("a failed cycle")
        };
        assert_eq!(f.kind, FailureKind::Tls);
        assert!(
            f.message.contains("/nonexistent/prometheus-ca.pem"),
            "{}",
            f.message
        );
    }
}

#[tokio::test]
async fn with_alertmanager_supplying_the_alerts_a_cycle_does_not_ask_for_them() {
    let server = fake(homelab).await;
    let mut s = PrometheusSource::new(Settings {
        alerts: false,
        ..settings(&server.url)
    });
    let Ok(SourceData::Prometheus(data)) = s.poll(now()).await else {
        panic!("a good cycle")
    };
    assert!(data.alerts.is_empty() && data.alerts_error.is_none());
    let requests = server.requests.lock().expect("not poisoned").clone();
    // Two probe queries, three tiles and the seed: the alerts are not asked.
    assert_eq!(requests.len(), 6, "{requests:?}");
    assert!(!requests.iter().any(|r| r.contains("/api/v1/alerts")));
}

#[test]
fn the_deadline_covers_every_query_at_the_concurrency_cap() {
    let s = source("http://127.0.0.1:9090");
    // 2 probe queries + alerts + 3 tiles = 6 requests: two rounds of 5 s,
    // and one more for the seed until it is fetched.
    assert_eq!(s.deadline(), Duration::from_secs(20));
    let mut s = PrometheusSource::new(Settings {
        interval: Duration::from_secs(1),
        ..settings("http://127.0.0.1:9090")
    });
    assert_eq!(s.deadline(), Duration::from_secs(16));
    s.seeded = true;
    assert_eq!(s.deadline(), Duration::from_secs(11));
}

#[tokio::test]
async fn a_failed_seed_is_asked_again_and_a_server_without_alerts_leaves_them_unknown() {
    let server = fake(|q| match q {
        "/api/v1/alerts" => (404, "text/plain", "404 page not found".into()),
        q if q.starts_with("range:") => (
            422,
            JSON,
            r#"{"status":"error","errorType":"execution","error":"too many samples"}"#.into(),
        ),
        q => homelab(q),
    })
    .await;
    let mut s = source(&server.url);
    for _ in 0..2 {
        let Ok(SourceData::Prometheus(data)) = s.poll(now()).await else {
            panic!("neither the seed nor the alerts fail the cycle")
        };
        assert!(data.seed.is_empty());
        assert!(data.alerts.is_empty());
        assert_eq!(
            data.alerts_error.as_deref(),
            Some("this server has no /api/v1/alerts (HTTP 404): not Prometheus?")
        );
        assert_eq!(data.services[0].state, ProbeState::Up);
    }
    let requests = server.requests.lock().expect("not poisoned").clone();
    let ranges = requests
        .iter()
        .filter(|r| r.contains("query_range"))
        .count();
    assert_eq!(
        ranges, 2,
        "the seed is asked for at every good cycle until it succeeds"
    );
}
