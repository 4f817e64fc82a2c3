//! A fake Moonraker on loopback for the websocket tests: `/websocket`
//! speaks JSON-RPC built from Moonraker's documented messages (identify,
//! `server.info`, `printer.info`, `printer.objects.subscribe` answered from
//! the fixtures), the test pushes notifications and raw frames into the
//! current connection, and plain HTTP requests get the fixtures of the HTTP
//! API (tests/fixtures/moonraker/) or a 404.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// How `/websocket` behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Upgrades and answers.
    Normal,
    /// Upgrades and never says a word.
    Silent,
    /// Answers 404 instead of upgrading.
    Refuse,
}

/// What the test sends into the live connection.
#[derive(Debug)]
pub enum Push {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
    /// Raw bytes on the TCP stream, then the connection is dropped.
    RawThenDrop(Vec<u8>),
    /// Stop reading and answering (pings too), the socket left open.
    Mute,
}

/// What the fake saw and how it answers.
#[derive(Debug)]
pub struct State {
    pub mode: Mode,
    /// `server.info`'s klippy_state ("ready", "disconnected", ...).
    pub klippy: &'static str,
    /// JSON-RPC requests (method, params) in order.
    pub calls: Vec<(String, Value)>,
    /// Plain HTTP requests and the websocket's (path with query).
    pub http: Vec<String>,
    /// Websocket connections accepted.
    pub connections: usize,
    /// The file being printed instead of the fixtures' (the endurance run
    /// changes it, and with it the thumbnail): subscriptions and the file's
    /// metadata name it, and its thumbnail is a 300x300 PNG of a colour of
    /// its own.
    pub file: Option<String>,
    senders: Vec<mpsc::UnboundedSender<Push>>,
}

/// The fake.
#[derive(Debug, Clone)]
pub struct Fake {
    pub state: Arc<Mutex<State>>,
    pub url: String,
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/moonraker")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A fixture's `result`.
pub fn result_of(name: &str) -> Value {
    let v: Value = serde_json::from_slice(&fixture(name)).expect("fixture is JSON");
    v["result"].clone()
}

impl Fake {
    pub async fn start(mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let fake = Fake {
            state: Arc::new(Mutex::new(State {
                mode,
                klippy: "ready",
                calls: Vec::new(),
                http: Vec::new(),
                connections: 0,
                file: None,
                senders: Vec::new(),
            })),
            url: format!("http://{addr}"),
        };
        let f = fake.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(f.clone().serve(tcp));
            }
        });
        fake
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("lock")
    }

    /// Sends into the newest connection.
    pub fn push(&self, p: Push) {
        let s = self.lock();
        let tx = s.senders.last().expect("a live connection");
        tx.send(p).expect("the connection is up");
    }

    /// A notification into the newest connection.
    pub fn notify(&self, method: &str, params: Value) {
        let text = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.push(Push::Text(text.to_string()));
    }

    /// Prints `file` from now on: a `notify_status_update` into the live
    /// connection, if there is one, and the file named in subscriptions and
    /// metadata after a reconnect. Whether a connection took the
    /// notification.
    pub fn set_file(&self, file: &str) -> bool {
        let mut s = self.lock();
        s.file = Some(file.to_owned());
        let text = json!({"jsonrpc": "2.0", "method": "notify_status_update",
            "params": [{"print_stats": {"filename": file}}, 1234.5]});
        s.senders
            .last()
            .is_some_and(|tx| tx.send(Push::Text(text.to_string())).is_ok())
    }

    /// Drops the live connection, if there is one, as a restarted Moonraker
    /// does; whether there was one to drop.
    pub fn drop_connection(&self) -> bool {
        let s = self.lock();
        s.senders
            .last()
            .is_some_and(|tx| tx.send(Push::RawThenDrop(Vec::new())).is_ok())
    }

    /// The methods called so far.
    pub fn methods(&self) -> Vec<String> {
        self.lock().calls.iter().map(|c| c.0.clone()).collect()
    }

    async fn serve(self, mut tcp: TcpStream) {
        let Some(head) = read_head(&mut tcp).await else {
            return;
        };
        let text = String::from_utf8_lossy(&head).to_string();
        let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let file = {
            let mut s = self.lock();
            s.http.push(path.clone());
            s.file.clone()
        };
        let upgrade = text.to_ascii_lowercase().contains("upgrade: websocket");
        let mode = self.lock().mode;
        if !(upgrade && path.starts_with("/websocket")) || mode == Mode::Refuse {
            let (code, body) = http_answer(&path, file.as_deref());
            let head = format!(
                "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = tcp.write_all(head.as_bytes()).await;
            let _ = tcp.write_all(&body).await;
            let _ = tcp.shutdown().await;
            return;
        }
        let stream = Rewind {
            prefix: head,
            inner: tcp,
        };
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        let (tx, mut rx) = mpsc::unbounded_channel();
        {
            let mut s = self.lock();
            s.connections += 1;
            s.senders.push(tx);
        }
        loop {
            tokio::select! {
                frame = ws.next() => {
                    let Some(Ok(Message::Text(text))) = frame else {
                        if matches!(frame, Some(Ok(_))) { continue; }
                        return;
                    };
                    if mode == Mode::Silent {
                        continue;
                    }
                    if let Some(answer) = self.answer(&text)
                        && ws.send(Message::text(answer.to_string())).await.is_err()
                    {
                        return;
                    }
                }
                push = rx.recv() => match push {
                    Some(Push::Text(t)) => { let _ = ws.send(Message::text(t)).await; }
                    Some(Push::Binary(b)) => { let _ = ws.send(Message::binary(b)).await; }
                    Some(Push::Mute) => {
                        // Hold the socket open, unread, until the test ends.
                        let _ = rx.recv().await;
                        return;
                    }
                    Some(Push::RawThenDrop(bytes)) => {
                        let _ = ws.get_mut().inner.write_all(&bytes).await;
                        let _ = ws.get_mut().inner.flush().await;
                        return;
                    }
                    None => return,
                }
            }
        }
    }

    fn answer(&self, text: &str) -> Option<Value> {
        let req: Value = serde_json::from_str(text).ok()?;
        let method = req["method"].as_str()?.to_owned();
        let id = req["id"].clone();
        let (klippy, file) = {
            let mut s = self.lock();
            s.calls.push((method.clone(), req["params"].clone()));
            (s.klippy, s.file.clone())
        };
        let result = match method.as_str() {
            "server.connection.identify" if klippy == "unauthorized" => {
                // Moonraker without credentials and trusted_clients off.
                return Some(json!({"jsonrpc": "2.0", "id": id,
                    "error": {"code": -32602, "message": "Unauthorized"}}));
            }
            "server.connection.identify" => json!({"connection_id": 1730367696}),
            "server.info" => {
                let mut info = result_of("server_info_ready.json");
                info["klippy_state"] = json!(klippy);
                info["klippy_connected"] = json!(klippy != "disconnected");
                info
            }
            "printer.info" if klippy == "disconnected" => {
                return Some(json!({"jsonrpc": "2.0", "id": id,
                    "error": {"code": 503, "message": "Klippy Disconnected"}}));
            }
            "printer.info" => {
                json!({"state": klippy, "state_message": "Printer is not ready\nmore"})
            }
            "printer.objects.subscribe" => {
                let mut objects = result_of("objects_printing.json");
                if let Some(file) = file {
                    objects["status"]["print_stats"]["filename"] = json!(file);
                }
                objects
            }
            _ => {
                return Some(json!({"jsonrpc": "2.0", "id": id,
                    "error": {"code": 404, "message": format!("Method not found: {method}")}}));
            }
        };
        Some(json!({"jsonrpc": "2.0", "id": id, "result": result}))
    }
}

fn http_answer(path: &str, file: Option<&str>) -> (u16, Vec<u8>) {
    let bare = path.split('?').next().unwrap_or(path);
    match (bare, file) {
        ("/server/files/metadata", Some(file)) => (200, metadata_of(file)),
        (p, Some(_)) if p.starts_with("/server/files/gcodes/") => (200, thumbnail_of(p)),
        _ => fixture_answer(bare),
    }
}

fn fixture_answer(bare: &str) -> (u16, Vec<u8>) {
    match bare {
        "/server/info" => (200, fixture("server_info_ready.json")),
        "/printer/objects/query" => (200, fixture("objects_printing.json")),
        "/server/files/metadata" => (200, fixture("metadata.json")),
        "/server/temperature_store" => (200, fixture("temperature_store.json")),
        "/server/history/list" => (200, fixture("history_list.json")),
        "/access/oneshot_token" => (200, br#"{"result": "ONESHOT"}"#.to_vec()),
        p if p.starts_with("/server/files/gcodes/") => (200, fixture("thumb-300x300.png")),
        _ => (404, fixture("error_404.json")),
    }
}

async fn read_head(tcp: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tcp.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(buf.get(..n)?);
    }
    Some(head)
}

/// A stream whose first bytes (the request head already read) are read
/// again.
pub struct Rewind {
    prefix: Vec<u8>,
    pub inner: TcpStream,
}

impl AsyncRead for Rewind {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            let rest = self.prefix.split_off(n);
            buf.put_slice(&self.prefix);
            self.prefix = rest;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The fixture's metadata for `file`: its name, and its two thumbnails
/// named after it.
fn metadata_of(file: &str) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&fixture("metadata.json")).expect("fixture is JSON");
    let stem = file
        .rsplit('/')
        .next()
        .unwrap_or(file)
        .trim_end_matches(".gcode");
    v["result"]["filename"] = json!(file);
    if let Some(thumbs) = v["result"]["thumbnails"].as_array_mut() {
        for t in thumbs {
            let (w, h) = (t["width"].clone(), t["height"].clone());
            t["relative_path"] = json!(format!(".thumbs/{stem}-{w}x{h}.png"));
        }
    }
    v.to_string().into_bytes()
}

/// A thumbnail as a PNG of the thumbnail's size, filled with a colour taken
/// from its path, so each file's thumbnail differs from the last.
fn thumbnail_of(path: &str) -> Vec<u8> {
    let h = path.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let side = if path.contains("-32x32") { 32 } else { 300 };
    let [r, g, b, ..] = h.to_le_bytes();
    let img = image::RgbImage::from_pixel(side, side, image::Rgb([r, g, b]));
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("a PNG encodes into memory");
    png
}
