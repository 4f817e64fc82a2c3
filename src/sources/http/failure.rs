//! Turning what went wrong with a request into a [`Failure`]: a class (which
//! decides between "lost" and "error" on screen) and a reason a person can
//! act on.
//!
//! - No HTTP answer at all (refused, DNS, timeout, reset, TLS, not HTTP):
//!   [`transport_failure`] reads reqwest's and rustls's errors.
//! - An HTTP answer with a non-success status: [`status_failure`], one shape
//!   for every source: `HTTP 403 (what the server said): what it means here`.
//!   The server's words are the source's reading of its API's error body,
//!   else a custom status-line reason phrase, else the first line of a plain
//!   text body, else the standard phrase when the source has no words of its
//!   own for the code. What 401, 403 and 404 (and any codes of the API's own)
//!   mean is the source's [`Words`].
//! - A success that is an HTML page (a proxy's login page): [`Words::html`].

use std::error::Error as _;

use super::Body;
use super::tls::PIN_MISMATCH;
use crate::core::{Failure, FailureKind};

/// A source's own words for the answers whose meaning depends on its API.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    /// What a 401 means here and what to do.
    pub unauthorized: &'static str,
    /// What a 403 means here and what to do.
    pub forbidden: &'static str,
    /// What a 404 means here (usually: the URL is not the API's).
    pub not_found: &'static str,
    /// A success that is an HTML page instead of the API.
    pub html: &'static str,
    /// Codes of the API's own, with their meaning (Proxmox's 595 and 596).
    pub other: &'static [(u16, &'static str)],
}

impl Words {
    /// What `code` means here, if the source has words for it.
    fn meaning(&self, code: u16) -> Option<&'static str> {
        match code {
            401 => Some(self.unauthorized),
            403 => Some(self.forbidden),
            404 => Some(self.not_found),
            _ => self.other.iter().find(|(c, _)| *c == code).map(|(_, w)| *w),
        }
    }

    /// The failure for a success that is an HTML page.
    pub fn html_failure(&self) -> Failure {
        Failure::new(FailureKind::BadResponse, self.html)
    }
}

/// The failure for a non-success answer: its class by status (401/403 auth,
/// 5xx server error, anything else a bad response) and its reason in words.
/// `said` is what the API's error body says, as the source reads it.
pub fn status_failure(body: &Body, said: Option<&str>, words: &Words) -> Failure {
    let code = body.status.as_u16();
    let meaning = words.meaning(code);
    let detail = said
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| body.reason.clone())
        .or_else(|| body.plain_line())
        .or_else(|| {
            meaning
                .is_none()
                .then(|| body.status.canonical_reason().map(str::to_owned))
                .flatten()
        });
    let mut message = format!("HTTP {code}");
    if let Some(d) = detail {
        message += &format!(" ({})", shorten(&d, 160));
    }
    if let Some(m) = meaning {
        message += ": ";
        message += m;
    }
    let kind = match code {
        401 | 403 => FailureKind::Auth,
        500..=599 => FailureKind::ServerError,
        _ => FailureKind::BadResponse,
    };
    Failure::new(kind, message)
}

/// The body of a success that is not an HTML page; otherwise the failure in
/// the source's words (`said` reads the API's error body).
pub fn expect_success(
    body: Body,
    words: &Words,
    said: impl FnOnce(&Body) -> Option<String>,
) -> Result<Body, Failure> {
    if !body.status.is_success() {
        return Err(status_failure(&body, said(&body).as_deref(), words));
    }
    if body.is_html() {
        return Err(words.html_failure());
    }
    Ok(body)
}

/// Translates a reqwest error (no HTTP status) into a failure with a reason.
pub fn transport_failure(e: &reqwest::Error) -> Failure {
    let detail = chain(e);
    let lower = detail.to_ascii_lowercase();
    if let Some(tls) = tls_error(e) {
        return Failure::new(FailureKind::Tls, describe_tls(&tls));
    }
    if e.is_timeout() || lower.contains("timed out") {
        return Failure::new(FailureKind::Timeout, "timed out waiting for an answer");
    }
    if lower.contains("connection refused") {
        return Failure::new(FailureKind::Unreachable, "connection refused");
    }
    if lower.contains("dns error") || lower.contains("failed to lookup") {
        return Failure::new(FailureKind::Unreachable, "host name not found (DNS)");
    }
    if lower.contains("no route to host") || lower.contains("network is unreachable") {
        return Failure::new(FailureKind::Unreachable, "no route to host");
    }
    if lower.contains("invalid http") || lower.contains("message head is too large") {
        // Something answered, but not in HTTP: a wrong port, or TLS on a
        // plain http:// URL.
        return Failure::new(
            FailureKind::BadResponse,
            "the answer is not HTTP (is this the right port, or should the URL be https://?)",
        );
    }
    if lower.contains("reset") {
        return Failure::new(FailureKind::Unreachable, "connection reset");
    }
    if e.is_connect() {
        return Failure::new(FailureKind::Unreachable, shorten(&detail, 120));
    }
    if e.is_decode() || e.is_body() {
        return Failure::new(
            FailureKind::Unreachable,
            format!("answer cut off: {}", shorten(&detail, 100)),
        );
    }
    Failure::new(FailureKind::Unreachable, shorten(&detail, 120))
}

fn tls_error(e: &reqwest::Error) -> Option<String> {
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(r) = as_rustls(s) {
            return Some(r.to_string());
        }
        source = s.source();
    }
    // An io::Error's `source()` skips the error it wraps, so hyper-util's
    // wrapped connect errors can hide the rustls error from the walk above:
    // look for rustls's own words in the chain.
    let detail = chain(e);
    TLS_MARKERS
        .iter()
        .find_map(|m| detail.find(m))
        .and_then(|at| detail.get(at..))
        .map(str::to_owned)
}

/// The rustls error `e` is, or holds as an io::Error.
fn as_rustls<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(r) = e.downcast_ref::<rustls::Error>() {
        return Some(r);
    }
    let io = e.downcast_ref::<std::io::Error>()?;
    io.get_ref()?.downcast_ref::<rustls::Error>()
}

/// How rustls errors start when shown as text.
pub(super) const TLS_MARKERS: [&str; 5] = [
    "invalid peer certificate",
    PIN_MISMATCH,
    "received fatal alert",
    "peer is incompatible",
    "received corrupt message",
];

pub(super) fn describe_tls(raw: &str) -> String {
    if raw.contains(PIN_MISMATCH) {
        // Already in words, with both fingerprints.
        return raw
            .split_once(PIN_MISMATCH)
            .map(|(_, rest)| format!("TLS: {PIN_MISMATCH}{rest}"))
            .unwrap_or_else(|| raw.to_owned());
    }
    if raw.contains("corrupt message") {
        return "TLS: the server did not answer in TLS (is this the right port, or is the URL http://?)".into();
    }
    if raw.contains("UnknownIssuer") {
        return "TLS: certificate not trusted (unknown issuer): set ca_file, or pin its fingerprint".into();
    }
    if raw.contains("BadSignature") {
        return "TLS: certificate not signed by the trusted CA (is ca_file this server's CA?)"
            .into();
    }
    if raw.contains("NotValidForName") {
        return "TLS: certificate does not match the host name".into();
    }
    if raw.contains("Expired") {
        return "TLS: certificate expired".into();
    }
    format!("TLS: {}", shorten(raw, 120))
}

/// The error and its causes in one line, each cause once.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The first non-empty line of `text`, trimmed ("" if there is none).
pub fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// Cuts `s` to at most `max` characters, with an ellipsis.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}
