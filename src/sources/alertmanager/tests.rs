use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::core::{Alert, SuppressionKind};
use crate::sources::http::Sensitive;

const ALERTS: &str = include_str!("../../../tests/fixtures/alertmanager/alerts.json");
const SILENCES: &str = include_str!("../../../tests/fixtures/alertmanager/silences.json");

fn settings(url: &str) -> Settings {
    Settings {
        url: url.into(),
        interval: Duration::from_secs(20),
        timeout: Duration::from_secs(2),
        ca_file: None,
        auth: Auth::None,
        headers: Vec::new(),
    }
}

/// A loopback Alertmanager answering `answer(path)`; it keeps each
/// request's head.
struct Fake {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Answerer = fn(&str) -> (u16, String);

async fn fake(answer: Answerer) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("bound");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = vec![0u8; 16 * 1024];
            let mut len = 0;
            while !buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf[len..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => len += n,
                }
            }
            let head = String::from_utf8_lossy(&buf[..len]).into_owned();
            let target = head.split_whitespace().nth(1).unwrap_or("").to_owned();
            let path = target.split('?').next().unwrap_or("").to_owned();
            seen.lock().expect("not poisoned").push(head);
            let (code, body) = answer(&path);
            let response = format!(
                "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        }
    });
    Fake {
        url: format!("http://{addr}"),
        requests,
        task,
    }
}

fn homelab(path: &str) -> (u16, String) {
    match path {
        "/api/v2/alerts" => (200, ALERTS.into()),
        "/api/v2/silences" => (200, SILENCES.into()),
        _ => (404, "\"not found\"".into()),
    }
}

async fn alerts_of(s: &mut AlertmanagerSource) -> Vec<Alert> {
    match s.poll(DateTime::default()).await {
        Ok(SourceData::Alertmanager(d)) => d.alerts,
        other => panic!("a good poll, not {other:?}"),
    }
}

#[tokio::test]
async fn a_poll_asks_every_alert_then_the_silences_once_with_the_credentials() {
    let server = fake(homelab).await;
    let mut s = AlertmanagerSource::new(Settings {
        auth: Auth::Bearer(Sensitive::new("s3cret-token")),
        headers: vec![Header {
            name: "X-Scope-OrgID".into(),
            value: Sensitive::new("homelab"),
            what: "alertmanager.headers.X-Scope-OrgID".into(),
        }],
        ..settings(&server.url)
    });
    assert!(!format!("{s:?}").contains("s3cret"), "{s:?}");
    let alerts = alerts_of(&mut s).await;
    assert_eq!(alerts.len(), 5);
    let silenced = alerts.iter().find(|a| a.name == "ProbeFailed");
    let by = silenced.and_then(|a| a.suppressed.as_ref());
    assert_eq!(
        by.map(|s| (s.kind, s.by.as_str())),
        Some((SuppressionKind::Silenced, "alice"))
    );
    let requests = server.requests.lock().expect("not poisoned").clone();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(
        requests[0].starts_with(
            "GET /api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true "
        ),
        "{}",
        requests[0]
    );
    assert!(
        requests[1].starts_with("GET /api/v2/silences "),
        "{}",
        requests[1]
    );
    for r in &requests {
        let lower = r.to_ascii_lowercase();
        assert!(lower.contains("authorization: bearer s3cret-token"), "{r}");
        assert!(lower.contains("x-scope-orgid: homelab"), "{r}");
    }
}

#[tokio::test]
async fn without_a_silenced_alert_the_silences_are_not_asked() {
    let server = fake(|path| match path {
        "/api/v2/alerts" => (
            200,
            r#"[{"labels":{"alertname":"A"},"status":{"state":"active","silencedBy":[],"inhibitedBy":[]}}]"#
                .into(),
        ),
        _ => (500, "\"must not be asked\"".into()),
    })
    .await;
    let mut s = AlertmanagerSource::new(settings(&server.url));
    let alerts = alerts_of(&mut s).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(server.requests.lock().expect("not poisoned").len(), 1);
}

#[tokio::test]
async fn refusals_errors_and_odd_answers_are_failures_in_words() {
    let server = fake(|path| match path {
        "/api/v2/alerts" => (401, String::new()),
        _ => (404, String::new()),
    })
    .await;
    let mut s = AlertmanagerSource::new(settings(&server.url));
    let f = s.poll(DateTime::default()).await.err();
    assert_eq!(f.as_ref().map(|f| f.kind), Some(FailureKind::Auth), "{f:?}");
    assert!(
        f.is_some_and(|f| f.message.contains("alertmanager.bearer_token")),
        "the key to check is named"
    );
    let server = fake(|_| (500, "\"failed to get alerts: storage broken\"".into())).await;
    let mut s = AlertmanagerSource::new(settings(&server.url));
    let f = s.poll(DateTime::default()).await.err();
    assert_eq!(
        f.map(|f| (f.kind, f.message)),
        Some((
            FailureKind::ServerError,
            "HTTP 500 (failed to get alerts: storage broken)".to_owned()
        ))
    );
    let server = fake(|_| (200, r#"{"status":"success","data":[]}"#.into())).await;
    let mut s = AlertmanagerSource::new(settings(&server.url));
    let f = s.poll(DateTime::default()).await.err();
    assert_eq!(
        f.as_ref().map(|f| f.kind),
        Some(FailureKind::BadResponse),
        "{f:?}"
    );
    // Refused: unreachable, which counts towards lost.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        l.local_addr().expect("bound").port()
    };
    let mut s = AlertmanagerSource::new(settings(&format!("http://127.0.0.1:{port}")));
    let f = s.poll(DateTime::default()).await.err();
    assert_eq!(
        f.map(|f| (f.kind, f.message)),
        Some((FailureKind::Unreachable, "connection refused".to_owned()))
    );
}

#[test]
fn the_error_body_is_read_as_alertmanager_writes_it() {
    let body = |text: &str| Body {
        status: reqwest::StatusCode::BAD_REQUEST,
        bytes: text.as_bytes().to_vec(),
        content_type: Some("application/json".into()),
        reason: None,
    };
    assert_eq!(
        said(&body("\"bad matcher\\nmore\"")).as_deref(),
        Some("bad matcher")
    );
    assert_eq!(
        said(&body(
            r#"{"code":602,"message":"active in query should be of type bool"}"#
        ))
        .as_deref(),
        Some("active in query should be of type bool")
    );
    assert_eq!(said(&body("")), None);
}

#[test]
fn the_deadline_covers_both_requests() {
    let s = AlertmanagerSource::new(settings("http://127.0.0.1:9093"));
    assert_eq!(s.deadline(), Duration::from_secs(20));
    let s = AlertmanagerSource::new(Settings {
        interval: Duration::from_secs(1),
        ..settings("http://127.0.0.1:9093")
    });
    assert_eq!(s.deadline(), Duration::from_secs(5));
}
