//! Opening Moonraker's websocket: `ws://` or `wss://` from `moonraker.url`
//! plus `/websocket` (and `?token=` with a oneshot token), TCP, TLS with
//! the HTTP sources' rustls set-up and trust (the system's roots), the
//! upgrade (with `X-Api-Key` when configured), and frames capped at
//! [`JSON_CAP`](super::super::JSON_CAP) like every other body.
//!
//! An HTTP answer instead of the upgrade (404 from a Moonraker without the
//! endpoint, 400/403 from a proxy that cannot upgrade) is
//! [`Opened::Refused`]: the driver falls back to HTTP polling. Anything
//! else that goes wrong is a plain failure and the driver retries.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{WebSocketStream, tungstenite};
use url::Url;

use crate::core::{Failure, FailureKind};
use crate::sources::http::{self, Sensitive, Tls};

/// A byte stream the websocket runs over: plain TCP or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An open websocket.
pub type Socket = WebSocketStream<Box<dyn Io>>;

/// How opening the websocket went wrong.
#[derive(Debug)]
pub enum Opened {
    /// The server answered HTTP without upgrading: no websocket here.
    Refused(Failure),
    /// Anything else (unreachable, timeout, TLS): try again later.
    Failed(Failure),
}

/// The websocket's URL for Moonraker's base `url`, with `token` as
/// `?token=` when given.
pub fn ws_url(url: &str, token: Option<&str>) -> Result<Url, Failure> {
    let bad = |why: String| Failure::new(FailureKind::BadResponse, why);
    let mut u = Url::parse(url).map_err(|e| bad(format!("moonraker.url: {e}")))?;
    let scheme = match u.scheme() {
        "http" => "ws",
        "https" => "wss",
        other => return Err(bad(format!("moonraker.url: scheme {other} is not http(s)"))),
    };
    u.set_scheme(scheme)
        .map_err(|()| bad("moonraker.url: cannot use it for a websocket".into()))?;
    let path = format!("{}/websocket", u.path().trim_end_matches('/'));
    u.set_path(&path);
    u.set_query(None);
    u.set_fragment(None);
    if let Some(token) = token {
        u.query_pairs_mut().append_pair("token", token);
    }
    Ok(u)
}

/// The frame and message caps: a frame larger than the cap ends the
/// session with a reason.
pub fn config(cap: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(cap))
        .max_frame_size(Some(cap))
}

/// Opens the websocket at `url` within `timeout`.
pub async fn open(
    url: &Url,
    api_key: Option<&Sensitive>,
    cap: usize,
    timeout: Duration,
) -> Result<Socket, Opened> {
    let failed = |kind, why: String| Opened::Failed(Failure::new(kind, why));
    match tokio::time::timeout(timeout, open_inner(url, api_key, cap)).await {
        Ok(result) => result,
        Err(_) => Err(failed(
            FailureKind::Timeout,
            format!("the websocket did not open within {} s", timeout.as_secs()),
        )),
    }
}

async fn open_inner(url: &Url, api_key: Option<&Sensitive>, cap: usize) -> Result<Socket, Opened> {
    let failed = |kind, why: String| Opened::Failed(Failure::new(kind, why));
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let host_for_tcp = host.trim_start_matches('[').trim_end_matches(']');
    let tcp = TcpStream::connect((host_for_tcp, port))
        .await
        .map_err(|e| failed(FailureKind::Unreachable, format!("{host}:{port}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    let stream: Box<dyn Io> = if url.scheme() == "wss" {
        Box::new(tls(tcp, host_for_tcp).await?)
    } else {
        Box::new(tcp)
    };
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| failed(FailureKind::BadResponse, format!("websocket request: {e}")))?;
    if let Some(key) = api_key {
        let mut value = HeaderValue::from_str(key.expose()).map_err(|_| {
            failed(
                FailureKind::Auth,
                "moonraker.api_key cannot be sent in a header".into(),
            )
        })?;
        value.set_sensitive(true);
        request.headers_mut().insert("X-Api-Key", value);
    }
    match tokio_tungstenite::client_async_with_config(request, stream, Some(config(cap))).await {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) => Err(refused(response.status().as_u16())),
        Err(e) => Err(failed(
            FailureKind::Unreachable,
            format!("websocket handshake: {e}"),
        )),
    }
}

fn refused(status: u16) -> Opened {
    let kind = match status {
        401 | 403 => FailureKind::Auth,
        500.. => FailureKind::ServerError,
        _ => FailureKind::BadResponse,
    };
    Opened::Refused(Failure::new(
        kind,
        format!("the websocket was refused: HTTP {status} instead of an upgrade"),
    ))
}

async fn tls(
    tcp: TcpStream,
    host: &str,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Opened> {
    let failed = |why: String| Opened::Failed(Failure::new(FailureKind::Tls, why));
    let config = http::tls_config(&Tls::System).map_err(failed)?;
    let name = rustls_pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| failed(format!("{host}: {e}")))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    connector
        .connect(name, tcp)
        .await
        .map_err(|e| failed(format!("TLS: {}", http::chain(&e))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_websocket_url_follows_moonraker_s() {
        let u = |base: &str, token| ws_url(base, token).map(|u| u.to_string());
        assert_eq!(
            u("http://printer:7125", None).ok().as_deref(),
            Some("ws://printer:7125/websocket")
        );
        assert_eq!(
            u("https://p.lan/moonraker/", Some("a b")).ok().as_deref(),
            Some("wss://p.lan/moonraker/websocket?token=a+b")
        );
        assert!(u("ftp://p", None).is_err());
    }

    #[test]
    fn refusals_say_what_the_server_answered() {
        let Opened::Refused(f) = refused(404) else {
            panic!("a 404 is a refusal")
        };
        assert_eq!(f.kind, FailureKind::BadResponse);
        assert!(f.message.contains("404"), "{}", f.message);
    }
}
