//! A loopback fault server for the reliability tests (tests/faults.rs,
//! tests/soak.rs): one TCP listener on 127.0.0.1 that speaks just enough
//! HTTP/1.1 by hand to answer like Prometheus, Proxmox or Moonraker, or to
//! misbehave in one of the ways of [`Fault`], switched at run time.
//!
//! Every connection carries one request (`Connection: close`), so a fault
//! set between two polls applies to the next one. Raw socket writes make the
//! transport faults possible: silence, a drip, a reset (SO_LINGER 0), a body
//! cut short, a 200 MB body streamed in 64 KiB pieces (never held in memory),
//! bytes that are not TLS. "Good" answers are the documented shapes (the
//! Proxmox and Moonraker ones are the fixtures of tests/fixtures/).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::tls::TestPki;

/// What the server does with the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answers like the real service.
    Good,
    /// Nothing listens on the port.
    Refused,
    /// Accepts the connection and never answers.
    Silent,
    /// Sends the status line and headers, then nothing.
    HeadersThenSilence,
    /// Sends the body one byte a second.
    Drip,
    /// Sends half the body, then resets the connection (RST).
    ResetMidBody,
    /// Answers with this status and a short body.
    Status(u16),
    /// A 200 with an HTML page (a captive portal, a proxy's login page).
    Html,
    /// A 200 with the good JSON cut in half (a complete HTTP answer).
    TruncatedJson,
    /// A 200 with valid JSON of the wrong shape.
    WrongShape,
    /// The good JSON with every number turned into a string.
    NumbersAsStrings,
    /// The good JSON with every string turned into a number.
    StringsAsNumbers,
    /// The good JSON with every number, and every string that is a number,
    /// turned into "NaN".
    NaN,
    /// The same with 1e308.
    Huge,
    /// A 200 whose body is 200 MB of JSON, no Content-Length, streamed.
    Body200MB,
    /// Bytes that are not TLS where a TLS handshake is expected (on a plain
    /// HTTP server: bytes that are not HTTP).
    BadHandshake,
    /// Good and 503 in turn, each for one flap period (the poll interval,
    /// so the answer changes about every cycle; all requests of one cycle
    /// run within milliseconds and get the same).
    Flapping,
}

impl Fault {
    /// Every fault of issue 8, in the order the suite tries them.
    pub const ALL: [Fault; 21] = [
        Fault::Refused,
        Fault::Silent,
        Fault::HeadersThenSilence,
        Fault::Drip,
        Fault::ResetMidBody,
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::Status(401),
        Fault::Status(403),
        Fault::Status(404),
        Fault::Html,
        Fault::TruncatedJson,
        Fault::WrongShape,
        Fault::NumbersAsStrings,
        Fault::StringsAsNumbers,
        Fault::NaN,
        Fault::Huge,
        Fault::Body200MB,
        Fault::BadHandshake,
        Fault::Flapping,
    ];

    pub fn label(self) -> String {
        match self {
            Fault::Good => "good".into(),
            Fault::Refused => "connection refused".into(),
            Fault::Silent => "accepted, never answered".into(),
            Fault::HeadersThenSilence => "headers then silence".into(),
            Fault::Drip => "body dripped 1 B/s".into(),
            Fault::ResetMidBody => "reset mid-body".into(),
            Fault::Status(c) => format!("HTTP {c}"),
            Fault::Html => "HTML instead of JSON".into(),
            Fault::TruncatedJson => "truncated JSON".into(),
            Fault::WrongShape => "JSON of the wrong shape".into(),
            Fault::NumbersAsStrings => "numbers as strings".into(),
            Fault::StringsAsNumbers => "strings as numbers".into(),
            Fault::NaN => "\"NaN\"".into(),
            Fault::Huge => "1e308".into(),
            Fault::Body200MB => "200 MB body".into(),
            Fault::BadHandshake => "TLS handshake failure (plain HTTP: not HTTP)".into(),
            Fault::Flapping => "flapping good/bad".into(),
        }
    }
}

/// Which service the server imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Prometheus,
    Proxmox,
    Moonraker,
}

impl Flavor {
    pub fn label(self) -> &'static str {
        match self {
            Flavor::Prometheus => "Prometheus",
            Flavor::Proxmox => "Proxmox",
            Flavor::Moonraker => "Moonraker",
        }
    }

    /// The good answer to `path`, if it is one the service has.
    fn good(self, path: &str) -> Option<String> {
        match self {
            // One firing alert, as Prometheus answers `/api/v1/alerts`.
            Flavor::Prometheus if path.starts_with("/api/v1/alerts") => Some(
                r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"DiskFilling","instance":"nas:9100","severity":"warning"},"annotations":{"summary":"nas is filling up"},"state":"firing","activeAt":"2026-11-21T08:00:00Z","value":"9e-01"}]}}"#
                    .to_owned(),
            ),
            // The same alert as an `ALERTS{...}` series, for any query.
            Flavor::Prometheus if path.starts_with("/api/v1/query") => Some(
                r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"ALERTS","alertname":"DiskFilling","alertstate":"firing","instance":"nas:9100","severity":"warning"},"value":[1763700000.123,"1"]}]}}"#
                    .to_owned(),
            ),
            Flavor::Proxmox if path.starts_with("/api2/json/cluster/status") => {
                Some(fixture("proxmox/status-healthy.json"))
            }
            Flavor::Proxmox if path.starts_with("/api2/json/cluster/resources") => {
                Some(fixture("proxmox/resources-healthy.json"))
            }
            Flavor::Moonraker if path.starts_with("/server/info") => {
                Some(fixture("moonraker/server_info_ready.json"))
            }
            Flavor::Moonraker if path.starts_with("/printer/objects/query") => {
                Some(fixture("moonraker/objects_standby.json"))
            }
            Flavor::Moonraker if path.starts_with("/server/temperature_store") => {
                Some(fixture("moonraker/temperature_store.json"))
            }
            Flavor::Moonraker if path.starts_with("/printer/info") => {
                Some(r#"{"result":{"state":"ready","state_message":"Printer is ready"}}"#.into())
            }
            _ => None,
        }
    }
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A running fault server. Dropping it does not stop it: it lives as long as
/// the test's runtime.
pub struct FaultServer {
    pub flavor: Flavor,
    pub addr: SocketAddr,
    pub tls: bool,
    fault: Arc<Mutex<Fault>>,
    flap_ms: Arc<AtomicU64>,
    /// Requests answered since start (any answer).
    pub requests: Arc<AtomicU64>,
    /// Bytes of the 200 MB bodies sent before the client hung up.
    pub big_sent: Arc<AtomicU64>,
}

impl FaultServer {
    /// Starts on 127.0.0.1:0, with TLS when `pki` is given.
    pub async fn start(flavor: Flavor, pki: Option<&TestPki>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let server = Self {
            flavor,
            addr,
            tls: pki.is_some(),
            fault: Arc::new(Mutex::new(Fault::Good)),
            flap_ms: Arc::new(AtomicU64::new(1000)),
            requests: Arc::new(AtomicU64::new(0)),
            big_sent: Arc::new(AtomicU64::new(0)),
        };
        let shared = Shared {
            flavor,
            fault: server.fault.clone(),
            flap_ms: server.flap_ms.clone(),
            epoch: Instant::now(),
            requests: server.requests.clone(),
            big_sent: server.big_sent.clone(),
        };
        tokio::spawn(accept_loop(
            listener,
            addr,
            shared,
            pki.map(TestPki::acceptor),
        ));
        server
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner()) = fault;
    }

    /// How long each half of [`Fault::Flapping`] lasts (default 1 s).
    pub fn set_flap_period(&self, period: Duration) {
        let ms = u64::try_from(period.as_millis()).unwrap_or(u64::MAX).max(1);
        self.flap_ms.store(ms, Ordering::Relaxed);
    }

    pub fn get(&self) -> Fault {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Clone)]
struct Shared {
    flavor: Flavor,
    fault: Arc<Mutex<Fault>>,
    flap_ms: Arc<AtomicU64>,
    epoch: Instant,
    requests: Arc<AtomicU64>,
    big_sent: Arc<AtomicU64>,
}

impl Shared {
    fn fault(&self) -> Fault {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Accepts connections; while the fault is `Refused` the port is closed (the
/// listener dropped) and bound again when the fault clears.
async fn accept_loop(
    listener: TcpListener,
    addr: SocketAddr,
    shared: Shared,
    tls: Option<TlsAcceptor>,
) {
    let mut listener = Some(listener);
    loop {
        let refused = shared.fault() == Fault::Refused;
        match (&listener, refused) {
            (Some(_), true) => {
                listener = None;
                continue;
            }
            (None, false) => match TcpListener::bind(addr).await {
                Ok(l) => listener = Some(l),
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            (None, true) => tokio::time::sleep(Duration::from_millis(20)).await,
            (Some(l), false) => {
                tokio::select! {
                    accepted = l.accept() => {
                        if let Ok((tcp, _)) = accepted {
                            let (shared, tls) = (shared.clone(), tls.clone());
                            tokio::spawn(async move { connection(tcp, shared, tls).await });
                        }
                    }
                    _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                }
            }
        }
    }
}

async fn connection(tcp: TcpStream, shared: Shared, tls: Option<TlsAcceptor>) {
    if shared.fault() == Fault::BadHandshake {
        bad_handshake(tcp).await;
        return;
    }
    match tls {
        None => serve(tcp, &shared).await,
        Some(acceptor) => {
            if let Ok(stream) = acceptor.accept(tcp).await {
                serve(stream, &shared).await;
            }
        }
    }
}

/// Reads the client's first bytes (a TLS ClientHello, or a request), then
/// answers with bytes that are neither TLS nor HTTP.
async fn bad_handshake(mut tcp: TcpStream) {
    let mut buf = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(2), tcp.read(&mut buf)).await;
    let _ = tcp
        .write_all(b"SSH-2.0-OpenSSH_9.2\r\n\x00\x01\x02garbage\r\n")
        .await;
    let _ = tcp.shutdown().await;
}

/// A stream the server can reset: the TCP socket under it.
trait Conn: AsyncRead + AsyncWrite + Unpin + Send {
    fn tcp(&self) -> &TcpStream;
}

impl Conn for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Conn for tokio_rustls::server::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

/// Reads the request head; returns its path.
async fn read_head<S: Conn>(s: &mut S) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
            .await
            .ok()?
            .ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(buf.get(..n)?);
    }
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().next()?;
    line.split_whitespace().nth(1).map(str::to_owned)
}

fn head(code: u16, reason: &str, content_type: &str, length: Option<usize>) -> String {
    let length = length
        .map(|n| format!("Content-Length: {n}\r\n"))
        .unwrap_or_default();
    format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\n{length}Connection: close\r\n\r\n"
    )
}

async fn answer<S: Conn>(s: &mut S, code: u16, reason: &str, content_type: &str, body: &[u8]) {
    let mut out = head(code, reason, content_type, Some(body.len())).into_bytes();
    out.extend_from_slice(body);
    let _ = s.write_all(&out).await;
    let _ = s.flush().await;
    let _ = s.shutdown().await;
}

/// Waits until the client hangs up (or ten minutes pass).
async fn until_hangup<S: Conn>(s: &mut S) {
    let mut buf = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(600), async {
        while let Ok(n) = s.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

async fn serve<S: Conn>(mut s: S, shared: &Shared) {
    let Some(path) = read_head(&mut s).await else {
        return;
    };
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let Some(good) = shared.flavor.good(&path) else {
        answer(&mut s, 404, "Not Found", "text/plain", b"no such path\n").await;
        return;
    };
    let json = "application/json";
    let mut fault = shared.fault();
    if fault == Fault::Flapping {
        let period = u128::from(shared.flap_ms.load(Ordering::Relaxed).max(1));
        let bad = (shared.epoch.elapsed().as_millis() / period) % 2 == 1;
        fault = if bad { Fault::Status(503) } else { Fault::Good };
    }
    match fault {
        Fault::Good | Fault::Refused | Fault::BadHandshake | Fault::Flapping => {
            answer(&mut s, 200, "OK", json, good.as_bytes()).await
        }
        Fault::Silent => until_hangup(&mut s).await,
        Fault::HeadersThenSilence => {
            let _ = s
                .write_all(head(200, "OK", json, Some(good.len())).as_bytes())
                .await;
            let _ = s.flush().await;
            until_hangup(&mut s).await;
        }
        Fault::Drip => {
            let _ = s
                .write_all(head(200, "OK", json, Some(good.len())).as_bytes())
                .await;
            for byte in good.as_bytes() {
                if s.write_all(&[*byte]).await.is_err() || s.flush().await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Fault::ResetMidBody => {
            let _ = s
                .write_all(head(200, "OK", json, Some(good.len())).as_bytes())
                .await;
            let half = good.as_bytes().get(..good.len() / 2).unwrap_or_default();
            let _ = s.write_all(half).await;
            let _ = s.flush().await;
            // Let the half arrive, then close with SO_LINGER 0: an RST.
            tokio::time::sleep(Duration::from_millis(50)).await;
            #[allow(deprecated)]
            let _ = s.tcp().set_linger(Some(Duration::ZERO));
            drop(s);
        }
        Fault::Status(code) => {
            let body = format!("fault server: HTTP {code} on purpose\n");
            answer(&mut s, code, reason(code), "text/plain", body.as_bytes()).await
        }
        Fault::Html => {
            let page = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form>Sign in to continue</form></body></html>\n";
            answer(
                &mut s,
                200,
                "OK",
                "text/html; charset=utf-8",
                page.as_bytes(),
            )
            .await
        }
        Fault::TruncatedJson => {
            let half = good.as_bytes().get(..good.len() / 2).unwrap_or_default();
            answer(&mut s, 200, "OK", json, half).await
        }
        Fault::WrongShape => {
            let body = r#"{"status":"success","result":[1,2,3],"data":"not what you expected"}"#;
            answer(&mut s, 200, "OK", json, body.as_bytes()).await
        }
        Fault::NumbersAsStrings | Fault::StringsAsNumbers | Fault::NaN | Fault::Huge => {
            let body = transform(&good, fault);
            answer(&mut s, 200, "OK", json, body.as_bytes()).await
        }
        Fault::Body200MB => {
            let _ = s.write_all(head(200, "OK", json, None).as_bytes()).await;
            let chunk = "[0,".repeat(64 * 1024 / 3).into_bytes();
            let mut sent: u64 = 0;
            while sent < 200_000_000 {
                if s.write_all(&chunk).await.is_err() {
                    break;
                }
                sent += chunk.len() as u64;
            }
            shared.big_sent.fetch_max(sent, Ordering::Relaxed);
            let _ = s.shutdown().await;
        }
    }
}

/// The good JSON with its numbers or strings swapped, per `fault`.
fn transform(good: &str, fault: Fault) -> String {
    let Ok(mut value) = serde_json::from_str::<Value>(good) else {
        return good.to_owned();
    };
    walk(&mut value, fault);
    value.to_string()
}

fn walk(v: &mut Value, fault: Fault) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| walk(i, fault)),
        Value::Object(map) => map.values_mut().for_each(|i| walk(i, fault)),
        Value::Number(n) => match fault {
            Fault::NumbersAsStrings => *v = Value::String(n.to_string()),
            Fault::NaN => *v = Value::String("NaN".into()),
            Fault::Huge => *v = serde_json::json!(1e308),
            _ => {}
        },
        Value::String(s) => {
            let numeric = s.trim().parse::<f64>().is_ok();
            match fault {
                Fault::StringsAsNumbers => *v = serde_json::json!(42),
                Fault::NaN if numeric => *v = Value::String("NaN".into()),
                Fault::Huge if numeric => *v = Value::String("1e308".into()),
                _ => {}
            }
        }
        _ => {}
    }
}
