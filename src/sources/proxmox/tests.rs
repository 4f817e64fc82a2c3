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
