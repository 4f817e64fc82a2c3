use super::*;
use crate::core::FailureKind;

fn body(code: u16, text: &str) -> Body {
    Body {
        status: reqwest::StatusCode::from_u16(code).unwrap_or_default(),
        bytes: text.as_bytes().to_vec(),
        content_type: Some("application/json".into()),
        reason: None,
    }
}

fn settings(url: &str) -> Settings {
    Settings {
        url: url.into(),
        api_key: None,
        printing_interval: Duration::from_secs(2),
        idle_interval: Duration::from_secs(10),
        timeout: Duration::from_secs(1),
        transport: super::Transport::Http,
    }
}

#[test]
fn refusals_quote_moonraker_and_say_what_to_check() {
    let envelope = |m: &str| format!(r#"{{"error":{{"code":0,"message":"{m}"}}}}"#);
    let f = failure(&body(401, &envelope("Unauthorized")), &API);
    assert_eq!(f.kind, FailureKind::Auth);
    assert_eq!(
        f.message,
        "HTTP 401 (Unauthorized): the API key is wrong or missing (moonraker.api_key)"
    );
    let f = failure(&body(403, ""), &API);
    assert_eq!(
        f.message,
        "HTTP 403: this client may not use the API (check the API key or trusted_clients)"
    );
    let f = failure(
        &body(503, &envelope("Klippy Host not connected\\nmore")),
        &API,
    );
    assert_eq!(f.kind, FailureKind::ServerError);
    assert_eq!(f.message, "HTTP 503 (Klippy Host not connected)");
    // A missing file is not a wrong URL.
    let f = failure(&body(404, &envelope("File not found")), &FILES);
    assert_eq!(
        f.message,
        "HTTP 404 (File not found): the file is not on the printer"
    );
    let f = failure(&body(404, ""), &API);
    assert!(
        f.message.contains("is moonraker.url Moonraker's address"),
        "{}",
        f.message
    );
}

#[tokio::test]
async fn a_url_or_key_that_cannot_be_used_fails_every_poll_in_words() {
    let mut s = MoonrakerSource::new(settings("ftp://printer:7125"));
    for _ in 0..2 {
        let f = s.poll(DateTime::default()).await.err();
        assert!(
            f.as_ref()
                .is_some_and(|f| f.message.contains("is not an http:// or https:// URL")),
            "{f:?}"
        );
    }
    let mut s = MoonrakerSource::new(Settings {
        api_key: Some(Sensitive::new("key\nwith a line break")),
        ..settings("http://127.0.0.1:1")
    });
    let f = s.poll(DateTime::default()).await.err();
    assert_eq!(f.as_ref().map(|f| f.kind), Some(FailureKind::Auth), "{f:?}");
    assert!(!format!("{s:?}").contains("line break"));
}
