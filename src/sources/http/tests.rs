use super::failure::{TLS_MARKERS, describe_tls};
use super::*;

const WORDS: Words = Words {
    unauthorized: "the key is wrong",
    forbidden: "the key may not",
    not_found: "is the URL the API's?",
    html: "an HTML page instead of the API",
    other: &[(595, "the node could not forward it")],
};

fn body(code: u16, text: &str, ct: Option<&str>, reason: Option<&str>) -> Body {
    Body {
        status: reqwest::StatusCode::from_u16(code).unwrap_or_default(),
        bytes: text.as_bytes().to_vec(),
        content_type: ct.map(str::to_owned),
        reason: reason.map(str::to_owned),
    }
}

#[test]
fn shorten_cuts_on_characters() {
    assert_eq!(shorten("abc", 5), "abc");
    assert_eq!(shorten("ééééé", 3), "éé…");
    assert_eq!(first_line("\n  \n  first \nsecond"), "first");
    assert_eq!(first_line(""), "");
}

#[test]
fn status_failures_are_classed_by_code() {
    let kind = |code| status_failure(&body(code, "", None, None), None, &WORDS).kind;
    assert_eq!(kind(401), FailureKind::Auth);
    assert_eq!(kind(403), FailureKind::Auth);
    assert_eq!(kind(404), FailureKind::BadResponse);
    assert_eq!(kind(400), FailureKind::BadResponse);
    assert_eq!(kind(500), FailureKind::ServerError);
    assert_eq!(kind(595), FailureKind::ServerError);
}

#[test]
fn status_failures_quote_the_server_and_say_what_it_means_here() {
    let say = |b: &Body, said: Option<&str>| status_failure(b, said, &WORDS).message;
    // The source's reading of the error body comes first...
    let b = body(401, r#"{"error":"x"}"#, None, Some("custom phrase"));
    assert_eq!(
        say(&b, Some(" bad key\n")),
        "HTTP 401 (bad key): the key is wrong"
    );
    // ...then a reason phrase of the server's own...
    assert_eq!(say(&b, None), "HTTP 401 (custom phrase): the key is wrong");
    // ...then the first line of a plain-text body (never JSON or HTML)...
    let b = body(503, "\nService Unavailable\nmore", Some("text/plain"), None);
    assert_eq!(say(&b, None), "HTTP 503 (Service Unavailable)");
    let b = body(401, r#"{"data":null}"#, None, None);
    assert_eq!(say(&b, None), "HTTP 401: the key is wrong");
    // ...then the standard phrase, only where the source has no words.
    let b = body(502, "<html><body>Bad gateway</body></html>", None, None);
    assert_eq!(say(&b, None), "HTTP 502 (Bad Gateway)");
    let b = body(404, "", None, None);
    assert_eq!(say(&b, None), "HTTP 404: is the URL the API's?");
    let b = body(595, "", None, Some("Connection refused"));
    assert_eq!(
        say(&b, None),
        "HTTP 595 (Connection refused): the node could not forward it"
    );
}

#[test]
fn a_success_must_not_be_an_html_page() {
    let page = body(200, "  <!DOCTYPE html>", None, None);
    let f = expect_success(page, &WORDS, |_| None).map(|_| ());
    assert_eq!(
        f,
        Err(Failure::new(
            FailureKind::BadResponse,
            "an HTML page instead of the API"
        ))
    );
    let typed = body(200, "{}", Some("text/html; charset=utf-8"), None);
    assert!(expect_success(typed, &WORDS, |_| None).is_err());
    let json = body(200, "{}", Some("application/json"), None);
    assert!(expect_success(json, &WORDS, |_| None).is_ok());
    let refused = body(403, "{}", None, None);
    let f = expect_success(refused, &WORDS, |_| Some("read from the body".into()));
    assert_eq!(
        f.map(|_| ()).map_err(|f| f.message),
        Err("HTTP 403 (read from the body): the key may not".to_owned())
    );
}

#[test]
fn a_server_that_does_not_speak_tls_is_named_as_such() {
    let raw = "received corrupt message of type InvalidContentType";
    assert!(TLS_MARKERS.iter().any(|m| raw.contains(m)));
    let said = describe_tls(raw);
    assert!(
        said.starts_with("TLS: the server did not answer in TLS"),
        "{said}"
    );
}

#[test]
fn every_tls_mode_builds_a_config() {
    assert!(tls_config(&Tls::Insecure).is_ok());
    assert!(tls_config(&Tls::Pin([7; 32])).is_ok());
    let missing = tls_config(&Tls::CaFile("/nonexistent/ca.pem".into()));
    assert!(missing.is_err_and(|e| e.contains("/nonexistent/ca.pem")));
}

#[test]
fn urls_append_escaped_segments_to_the_base_path() {
    let at = |base: &str, segments: &[&str]| {
        Endpoint::new(base, Setup::new(Tls::Insecure, Duration::from_secs(1)))
            .url(segments)
            .map(String::from)
    };
    assert_eq!(
        at("http://h:9090", &["api", "v1", "query"]).as_deref(),
        Ok("http://h:9090/api/v1/query")
    );
    assert_eq!(
        at("http://h/prometheus/", &["api", "v1", "query"]).as_deref(),
        Ok("http://h/prometheus/api/v1/query")
    );
    assert_eq!(
        at("http://h:7125", &["server", "files", "a b?.png"]).as_deref(),
        Ok("http://h:7125/server/files/a%20b%3F.png")
    );
    let label = Endpoint::new(
        "https://pve1:8006/",
        Setup::new(Tls::Insecure, Duration::ZERO),
    );
    assert_eq!(label.label(), "pve1:8006");
}

#[tokio::test]
async fn whatever_cannot_be_set_up_fails_every_request_in_words() {
    let setup = |tls: Tls| Setup::new(tls, Duration::from_secs(1));
    let ca = Endpoint::new(
        "https://127.0.0.1:1",
        setup(Tls::CaFile("/nonexistent/ca.pem".into())),
    );
    let direct = Url::parse("https://127.0.0.1:1/x").expect("a URL");
    for _ in 0..2 {
        let f = ca.url(&["x"]).err();
        assert_eq!(f.as_ref().map(|f| f.kind), Some(FailureKind::Tls));
        assert!(f.is_some_and(|f| f.message.contains("/nonexistent/ca.pem")));
        let f = ca.get(direct.clone()).await.err();
        assert!(f.is_some_and(|f| f.kind == FailureKind::Tls));
    }
    let mut with_header = setup(Tls::Insecure);
    with_header.headers.push(Header {
        name: "X-Api-Key".into(),
        value: Sensitive::new("line\nbreak"),
        what: "moonraker.api_key".into(),
    });
    let bad = Endpoint::new("http://127.0.0.1:1", with_header);
    let f = bad.url(&[]).err();
    assert_eq!(
        f,
        Some(Failure::new(
            FailureKind::Auth,
            "moonraker.api_key: the value holds characters an HTTP header cannot carry"
        ))
    );
    assert!(!format!("{bad:?}").contains("line"));
    let not_a_url = Endpoint::new("not a url", setup(Tls::Insecure));
    let f = not_a_url.url(&[]).err();
    assert!(f.is_some_and(|f| f.message.starts_with("not a url is not a valid URL")));
    // A URL that does not parse is quoted without its credentials.
    let with_password = Endpoint::new("http://u:hunter2@host:99999/x", setup(Tls::Insecure));
    let f = with_password.url(&[]).err();
    assert!(
        f.as_ref().is_some_and(|f| f
            .message
            .starts_with("http://host:99999/x is not a valid URL")),
        "{f:?}"
    );
    assert_eq!(with_password.label(), "http://host:99999/x");
}

#[test]
fn sensitive_values_never_print() {
    let s = Sensitive::new("hunter2");
    assert_eq!(format!("{s:?}"), "***");
    let auth = Auth::Basic {
        username: "u".into(),
        password: s.clone(),
    };
    assert!(!format!("{auth:?}").contains("hunter2"));
    assert_eq!(s.expose(), "hunter2");
}

/// A keep-alive HTTP server on loopback that counts the connections it
/// accepts and answers every request on each with "ok".
async fn counting_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut seen = Vec::new();
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        seen.drain(..end + 4);
                        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                        if stream.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (url, accepted)
}

#[tokio::test]
async fn an_idle_connection_is_dropped_so_the_next_poll_resolves_the_name_again() {
    use std::sync::atomic::Ordering;
    let (url, accepted) = counting_server().await;
    let setup = Setup {
        idle_timeout: Duration::from_millis(200),
        ..Setup::new(Tls::System, Duration::from_secs(2))
    };
    let endpoint = Endpoint::new(&url, setup);
    let get = async || {
        let url = endpoint.url(&["x"]).expect("a URL");
        let body = endpoint.get(url).await.expect("an answer");
        assert_eq!(body.status, 200);
    };
    // One poll's requests share a connection.
    get().await;
    get().await;
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    // The next poll, after the idle timeout, opens a new one (and so asks
    // the resolver again for a name).
    tokio::time::sleep(Duration::from_millis(600)).await;
    get().await;
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}
