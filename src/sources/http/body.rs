//! Reading an answer: the whole body up to a cap (a server that streams
//! junk costs at most the cap), with the status, the content type and the
//! server's own reason phrase kept for the failure's words. Transport errors
//! on the way are failures in words already.

use crate::core::{Failure, FailureKind};

use super::failure::{first_line, shorten, transport_failure};

/// A response read whole, up to the cap.
#[derive(Debug, Clone)]
pub struct Body {
    /// The HTTP status.
    pub status: reqwest::StatusCode,
    /// The whole body.
    pub bytes: Vec<u8>,
    /// The content type, to tell a JSON error from an HTML proxy page.
    pub content_type: Option<String>,
    /// The status line's reason phrase when the server sent one of its own
    /// (Proxmox puts its error text there, e.g. `401 invalid token value!`);
    /// `None` for the standard phrase.
    pub reason: Option<String>,
}

impl Body {
    /// The body as text, lossy, for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The first non-empty line of the body, trimmed and shortened.
    pub fn snippet(&self) -> String {
        shorten(first_line(&self.text()), 120)
    }

    /// Whether the body is an HTML page (a proxy's error or login page).
    pub fn is_html(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|c| c.contains("html"))
            || self.first_byte() == Some(b'<')
    }

    /// The first line of a plain-text body; `None` for an empty body, an
    /// HTML page or JSON (whose words only the source can read).
    pub fn plain_line(&self) -> Option<String> {
        if self.is_html() || matches!(self.first_byte(), Some(b'{' | b'[')) {
            return None;
        }
        Some(self.snippet()).filter(|s| !s.is_empty())
    }

    fn first_byte(&self) -> Option<u8> {
        self.bytes
            .iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace())
    }
}

/// Sends `request` and reads the body, failing if it exceeds `cap` bytes.
/// Transport errors become a [`Failure`]; any HTTP status is returned as is.
pub(super) async fn send(request: reqwest::RequestBuilder, cap: usize) -> Result<Body, Failure> {
    // Without the URL: it may carry credentials, and its query is noise.
    let mut response = request
        .send()
        .await
        .map_err(|e| transport_failure(&e.without_url()))?;
    let reason = response
        .extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).trim().to_owned())
        .filter(|r| !r.is_empty());
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large(cap));
    }
    // The chunks are kept as they come and joined once at the end: growing
    // one buffer by doubling held up to one and a half times the cap while
    // it copied, for every request reading at once (the fault suite saw a
    // 60 MiB peak with four Prometheus queries each fed 200 MB).
    let mut chunks = Vec::new();
    let mut len = 0usize;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_failure(&e.without_url()))?
    {
        if len + chunk.len() > cap {
            return Err(too_large(cap));
        }
        len += chunk.len();
        chunks.push(chunk);
    }
    let mut bytes = Vec::with_capacity(len);
    for chunk in chunks {
        bytes.extend_from_slice(&chunk);
    }
    Ok(Body {
        status,
        bytes,
        content_type,
        reason,
    })
}

fn too_large(cap: usize) -> Failure {
    Failure::new(
        FailureKind::BadResponse,
        format!("answer larger than {} KiB, not read", cap / 1024),
    )
}
