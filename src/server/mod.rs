//! The device's own endpoints (`[server] listen`, default `0.0.0.0:8080`):
//! health, status, a live event stream, metrics, the screenshot and a small
//! page. Read-only: no route changes any state, every route is `GET` (and
//! `HEAD`), anything else is 405.
//!
//! Nothing here can reach a secret: the status comes from the view model
//! (URLs are redacted when the config is loaded) and the metrics carry only
//! source kinds and failure classes.

mod page;
pub mod status;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::platform::{Screen, ScreenError, encode_png};
use crate::telemetry::Telemetry;
use crate::view::ViewModel;

pub use status::Status;

/// Event streams served at once; more get 503.
pub const MAX_EVENT_STREAMS: usize = 8;
/// Connections served at once, the event streams among them; more wait in
/// the kernel's accept queue until one closes (the wait logged at the 1st,
/// 2nd, 4th... time). Each holds a task, a descriptor and hyper's buffers
/// (up to about 400 KiB for a client that sends huge headers); unbounded,
/// clients that connect and send nothing (hyper times out no request head
/// without a timer, and `axum::serve` gives it none) could take every
/// descriptor the sources need.
pub const MAX_CONNECTIONS: usize = 16;
/// Screenshots taken at once; more get 503 with `Retry-After`. Each holds
/// a copy of the frame (1.1 MB as RGB at 800x480, and the window's RGBA
/// snapshot while it is converted) and its PNG while it is encoded.
pub const MAX_SCREENSHOTS: usize = 2;
/// The longest a request may take to produce its response head.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a screenshot waits for the UI thread.
const SCREENSHOT_TIMEOUT: Duration = Duration::from_secs(3);
/// `/api/health` says the UI is stuck when its heartbeat is older than this.
const HEARTBEAT_STALE_MS: i64 = 5_000;
/// The content security policy: only our own scripts, styles and images.
const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
                   base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/// What the handlers read.
#[derive(Debug, Clone)]
pub struct AppState {
    pub views: watch::Receiver<Arc<ViewModel>>,
    pub telemetry: Arc<Telemetry>,
    pub screen: Arc<Screen>,
    streams: Arc<Semaphore>,
    screenshots: Arc<Semaphore>,
}

impl AppState {
    pub fn new(
        views: watch::Receiver<Arc<ViewModel>>,
        telemetry: Arc<Telemetry>,
        screen: Arc<Screen>,
    ) -> Self {
        Self {
            views,
            telemetry,
            screen,
            streams: Arc::new(Semaphore::new(MAX_EVENT_STREAMS)),
            screenshots: Arc::new(Semaphore::new(MAX_SCREENSHOTS)),
        }
    }
}

/// The routes with their security headers and timeout.
pub fn router(state: AppState) -> Router {
    let headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ];
    let mut router = Router::new()
        .route("/", get(page::index))
        .route("/page.js", get(page::script))
        .route("/page.css", get(page::style))
        .route("/api/health", get(health))
        .route("/api/status", get(status))
        .route("/api/events", get(events))
        .route("/metrics", get(metrics))
        .route("/screenshot.png", get(screenshot))
        .with_state(state)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ));
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}

/// Binds `listen` and serves until the runtime stops. Returns the bound
/// address (useful with port 0).
pub async fn bind(listen: &str, state: AppState) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!("listening on http://{addr}");
    let listener = Limited::new(listener, MAX_CONNECTIONS);
    let app = router(state);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("the HTTP server stopped: {e}");
        }
    });
    Ok(addr)
}

/// A listener that serves at most `limit` connections at once: the next
/// is accepted when one of them closes.
struct Limited {
    listener: TcpListener,
    permits: Arc<Semaphore>,
    limit: usize,
    /// How often a connection had to wait.
    waits: u64,
}

impl Limited {
    fn new(listener: TcpListener, limit: usize) -> Self {
        Self {
            listener,
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            waits: 0,
        }
    }
}

impl axum::serve::Listener for Limited {
    type Io = Held;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Held, SocketAddr) {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                self.waits += 1;
                if self.waits.is_power_of_two() {
                    tracing::warn!(
                        waits = self.waits,
                        "{} connections open: the next waits until one closes",
                        self.limit
                    );
                }
                match self.permits.clone().acquire_owned().await {
                    Ok(p) => p,
                    // Never closed: nothing to serve, then.
                    Err(_) => std::future::pending().await,
                }
            }
        };
        let (io, addr) = axum::serve::Listener::accept(&mut self.listener).await;
        (
            Held {
                io,
                _permit: permit,
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// A connection that holds its place under [`MAX_CONNECTIONS`] until it
/// is dropped.
struct Held {
    io: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Held {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Held {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

fn json_response(code: StatusCode, body: String) -> Response {
    (
        code,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// What `/api/health` says, from whether a frame was drawn and how old the
/// UI loop's last heartbeat is.
fn health_verdict(
    has_drawn: bool,
    heartbeat_age_ms: i64,
) -> (StatusCode, &'static str, &'static str) {
    if !has_drawn {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "starting",
            "no frame drawn yet",
        )
    } else if heartbeat_age_ms > HEARTBEAT_STALE_MS {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "stuck",
            "the UI loop stopped ticking",
        )
    } else {
        (StatusCode::OK, "ok", "the UI loop is alive")
    }
}

/// 200 while the UI loop is alive and has drawn; 503 when it is stuck or
/// has not drawn its first frame, and 503 `setup` while the setup screen
/// stands in for a dashboard (no config, or one that does not load).
async fn health(State(s): State<AppState>) -> Response {
    let t = &s.telemetry;
    let age_ms = crate::platform::ui_loop::monotonic_ms() - t.last_heartbeat_ms();
    let in_setup = s.views.borrow().setup.is_some();
    let (code, state, reason) = match health_verdict(t.has_drawn(), age_ms) {
        (StatusCode::OK, ..) if in_setup => (
            StatusCode::SERVICE_UNAVAILABLE,
            "setup",
            "no config that loads: the setup screen is shown",
        ),
        verdict => verdict,
    };
    let body = serde_json::json!({
        "status": state,
        "reason": reason,
        "frames_drawn": t.frames_drawn(),
        "heartbeat_age_s": (age_ms.max(0) as f64 / 1000.0),
        "version": env!("CARGO_PKG_VERSION"),
    });
    json_response(code, body.to_string())
}

async fn status(State(s): State<AppState>) -> Response {
    let vm = s.views.borrow().clone();
    json_response(StatusCode::OK, Status::to_json(&vm))
}

/// The status document now and after every change, as Server-Sent Events.
async fn events(State(s): State<AppState>) -> Response {
    let Ok(permit) = s.streams.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "30")],
            "too many event streams\n",
        )
            .into_response();
    };
    let mut views = s.views.clone();
    views.mark_changed();
    let stream = futures_util::stream::unfold(
        (views, permit),
        |(mut views, permit): (_, OwnedSemaphorePermit)| async move {
            views.changed().await.ok()?;
            let vm = views.borrow_and_update().clone();
            let event = Event::default().event("status").data(Status::to_json(&vm));
            Some((Ok::<_, Infallible>(event), (views, permit)))
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// OpenMetrics when the scraper asks for it (Prometheus does), the classic
/// text format otherwise.
async fn metrics(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let openmetrics = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/openmetrics-text"));
    let (text, kind) = if openmetrics {
        (
            s.telemetry.encode(),
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )
    } else {
        (
            s.telemetry.encode_classic(),
            "text/plain; version=0.0.4; charset=utf-8",
        )
    };
    match text {
        Ok(text) => ([(header::CONTENT_TYPE, kind)], text).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "cannot encode metrics\n").into_response(),
    }
}

/// Exactly what the display shows now, as PNG; 503 while
/// [`MAX_SCREENSHOTS`] are being taken.
async fn screenshot(State(s): State<AppState>) -> Response {
    let Ok(permit) = s.screenshots.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "too many screenshots at once\n",
        )
            .into_response();
    };
    let image = match s.screen.capture(SCREENSHOT_TIMEOUT).await {
        Ok(img) => img,
        Err(e) => {
            let code = match e {
                ScreenError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
                ScreenError::NotYet | ScreenError::Stuck(_) => StatusCode::SERVICE_UNAVAILABLE,
            };
            return (code, format!("{e}\n")).into_response();
        }
    };
    // The permit goes with the encoding, which a timed-out request leaves running.
    let encode = move || {
        let _permit = permit;
        encode_png(&image)
    };
    match tokio::task::spawn_blocking(encode).await {
        Ok(Ok(png)) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            png,
        )
            .into_response(),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "cannot encode the PNG\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::serve::Listener as _;

    #[tokio::test]
    async fn connections_past_the_bound_wait_until_one_closes() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("bound");
        let mut limited = Limited::new(listener, 2);
        let mut clients = Vec::new();
        for _ in 0..3 {
            clients.push(TcpStream::connect(addr).await.expect("the kernel accepts"));
        }
        let (first, _) = limited.accept().await;
        let _second = limited.accept().await;
        let third = tokio::time::timeout(Duration::from_millis(300), limited.accept()).await;
        assert!(third.is_err(), "a third connection was served beside two");
        assert_eq!(limited.waits, 1);
        drop(first);
        let third = tokio::time::timeout(Duration::from_secs(5), limited.accept()).await;
        assert!(third.is_ok(), "the third waits only until one closes");
    }

    #[tokio::test]
    async fn screenshots_past_the_bound_are_refused_with_retry_after() {
        let (_tx, views) = watch::channel(Arc::new(crate::demo::frame(40)));
        let screen = Screen::new();
        screen.store_frame(image::RgbImage::new(8, 8));
        let state = AppState::new(views, Arc::new(Telemetry::new()), screen);
        let shot = screenshot(State(state.clone())).await;
        assert_eq!(shot.status(), StatusCode::OK);
        let held = state
            .screenshots
            .clone()
            .try_acquire_many_owned(MAX_SCREENSHOTS as u32);
        let refused = screenshot(State(state.clone())).await;
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(refused.headers().contains_key(header::RETRY_AFTER));
        drop(held);
        assert_eq!(screenshot(State(state)).await.status(), StatusCode::OK);
    }

    #[test]
    fn health_needs_a_frame_and_a_recent_heartbeat() {
        assert_eq!(health_verdict(false, 0).0, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(health_verdict(true, 900).0, StatusCode::OK);
        let stuck = health_verdict(true, HEARTBEAT_STALE_MS + 1);
        assert_eq!(
            (stuck.0, stuck.1),
            (StatusCode::SERVICE_UNAVAILABLE, "stuck")
        );
    }
}
