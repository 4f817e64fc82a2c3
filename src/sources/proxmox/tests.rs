use super::*;

const PIN_A: [u8; 32] = [0xA; 32];

fn settings(endpoints: &[&str], trust: Trust) -> Settings {
    Settings {
        endpoints: endpoints.iter().map(|e| (*e).to_owned()).collect(),
        token_id: "piboard@pve!dash".into(),
        token_secret: Sensitive::new("0123-abcd"),
        interval: Duration::from_secs(15),
        timeout: Duration::from_secs(1),
        trust,
    }
}

#[test]
fn the_auth_header_has_the_documented_form_and_hides_the_secret() {
    let h = auth_header("piboard@pve!dash", &Sensitive::new("0123-abcd"));
    assert_eq!(h.name, "Authorization");
    assert_eq!(h.value.expose(), "PVEAPIToken=piboard@pve!dash=0123-abcd");
    assert!(!format!("{h:?}").contains("0123-abcd"));
    let s = ProxmoxSource::new(settings(&["https://127.0.0.1:1"], Trust::Insecure));
    assert!(!format!("{s:?}").contains("0123-abcd"));
}

#[tokio::test]
async fn a_secret_http_cannot_carry_is_an_auth_failure_not_tls() {
    let mut s = ProxmoxSource::new(Settings {
        token_secret: Sensitive::new("bad\nsecret"),
        ..settings(
            &["https://127.0.0.1:1", "https://127.0.0.2:1"],
            Trust::Insecure,
        )
    });
    let f = s.poll(DateTime::default()).await.err();
    assert_eq!(
        f,
        Some(Failure::new(
            FailureKind::Auth,
            "127.0.0.1:1: proxmox.token_id or token_secret: the value holds characters an HTTP header cannot carry"
        ))
    );
}

#[test]
fn each_node_gets_its_own_pin_and_a_node_without_one_cannot_be_asked() {
    let pins = Trust::Pinned(vec![("https://a:8006/".into(), PIN_A)]);
    assert_eq!(tls_mode(&pins, "https://a:8006"), Ok(Tls::Pin(PIN_A)));
    let f = tls_mode(&pins, "https://b:8006").err();
    assert_eq!(f.map(|f| f.kind), Some(FailureKind::Tls));
    let ca = Trust::CaFile("/etc/pve/pve-root-ca.pem".into());
    assert_eq!(
        tls_mode(&ca, "https://b:8006"),
        Ok(Tls::CaFile("/etc/pve/pve-root-ca.pem".into()))
    );
}

#[test]
fn failures_in_words_quote_the_server_and_say_what_to_do() {
    let body = |code: u16, reason: Option<&str>, text: &str| http::Body {
        status: reqwest::StatusCode::from_u16(code).unwrap_or_default(),
        bytes: text.as_bytes().to_vec(),
        content_type: None,
        reason: reason.map(str::to_owned),
    };
    // The class and words of the failure ("accepted" if there is none).
    let say = |b: http::Body| {
        let checked = http::expect_success(b, &WORDS, |b| {
            parse::error_detail(b.reason.as_deref(), &b.bytes)
        });
        match checked {
            Ok(_) => (FailureKind::Unreachable, "accepted".to_owned()),
            Err(f) => (f.kind, f.message),
        }
    };
    let (kind, message) = say(body(401, None, ""));
    assert_eq!(kind, FailureKind::Auth);
    assert!(
        message.starts_with("HTTP 401: the API token was refused: check token_id and the secret; the token needs the PVEAuditor role on /"),
        "{message}"
    );
    let (kind, message) = say(body(
        403,
        None,
        r#"{"data":null,"message":"Permission check failed (/, Sys.Audit)\n"}"#,
    ));
    assert_eq!(kind, FailureKind::Auth);
    assert!(
        message.starts_with("HTTP 403 (Permission check failed (/, Sys.Audit)): permission denied: the token needs the PVEAuditor role on /"),
        "{message}"
    );
    let (_, message) = say(body(
        401,
        Some("authentication failure"),
        r#"{"data":null}"#,
    ));
    assert!(
        message.starts_with("HTTP 401 (authentication failure): the API token was refused"),
        "{message}"
    );
    for code in [595, 596] {
        assert_eq!(
            say(body(code, Some("Connection refused"), "")),
            (
                FailureKind::ServerError,
                format!(
                    "HTTP {code} (Connection refused): the node could not reach the cluster node it forwarded the request to"
                )
            )
        );
    }
    assert_eq!(
        say(body(502, None, "upstream down\n")),
        (FailureKind::ServerError, "HTTP 502 (upstream down)".into())
    );
    assert_eq!(
        say(body(502, None, "<html><body>bad gateway</body></html>")),
        (FailureKind::ServerError, "HTTP 502 (Bad Gateway)".into())
    );
    let (kind, message) = say(body(200, None, "<!DOCTYPE html><title>Sign in</title>"));
    assert_eq!(kind, FailureKind::BadResponse);
    assert!(
        message.contains("HTML page instead of the Proxmox API"),
        "{message}"
    );
    assert_eq!(say(body(200, None, "{}")).1, "accepted");
}

#[test]
fn all_failed_names_every_endpoint_and_keeps_the_telling_kind() {
    let f = all_failed(vec![
        (
            "a:8006".into(),
            Failure::new(FailureKind::Unreachable, "connection refused"),
        ),
        (
            "b:8006".into(),
            Failure::new(FailureKind::Timeout, "timed out"),
        ),
    ]);
    assert_eq!(f.kind, FailureKind::Timeout);
    assert_eq!(
        f.message,
        "all 2 endpoints failed; a:8006: connection refused; b:8006: timed out"
    );
    let f = all_failed(vec![
        (
            "a:8006".into(),
            Failure::new(FailureKind::BadResponse, "not JSON"),
        ),
        (
            "b:8006".into(),
            Failure::new(FailureKind::Unreachable, "refused"),
        ),
    ]);
    assert_eq!(f.kind, FailureKind::BadResponse);
}

#[tokio::test]
async fn node_statuses_are_asked_at_most_the_bound_at_once_and_read_up_to_their_cap() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("bound");
    let (open, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (o, m) = (open.clone(), most.clone());
    let server = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (o, m) = (o.clone(), m.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut len = 0;
                while !buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf[len..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => len += n,
                    }
                }
                m.fetch_max(o.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                o.fetch_sub(1, Ordering::SeqCst);
                // pve0 pads its answer past the status cap.
                let pad = if buf[..len].starts_with(b"GET /api2/json/nodes/pve0/") {
                    " ".repeat(load::STATUS_CAP)
                } else {
                    String::new()
                };
                let body = format!(r#"{{"data":{{"loadavg":["0.5","0.4","0.3"]}}}}{pad}"#);
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(format!("{head}{body}").as_bytes()).await;
            });
        }
    });
    let url = format!("http://{addr}");
    let mut s = ProxmoxSource::new(Settings {
        timeout: Duration::from_secs(10),
        ..settings(&[url.as_str()], Trust::System)
    });
    let nodes = 3 * load::CONCURRENCY;
    let mut data = ProxmoxData {
        nodes: (0..nodes)
            .map(|i| crate::core::Node {
                name: format!("pve{i}"),
                online: true,
                cpu: None,
                mem_used: None,
                mem_total: None,
                uptime_s: None,
                load: None,
            })
            .collect(),
        ..ProxmoxData::default()
    };
    s.load(0, &mut data).await;
    server.abort();
    assert_eq!(data.nodes[0].load, None, "an answer over the status cap");
    assert!(
        data.nodes[1..]
            .iter()
            .all(|n| n.load == Some([0.5, 0.4, 0.3]))
    );
    let most = most.load(Ordering::SeqCst);
    assert!((2..=load::CONCURRENCY).contains(&most), "{most} at once");
}
