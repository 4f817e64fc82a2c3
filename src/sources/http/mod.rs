//! What the HTTP sources share: a rustls client with the chosen trust mode,
//! a size-capped body read, and the translation of transport errors into a
//! [`Failure`] a person can act on.

use std::error::Error as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::core::{Failure, FailureKind};

/// The most a response body may hold unless a source asks for another cap.
pub const DEFAULT_BODY_CAP: usize = 4 * 1024 * 1024;

/// How the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// The system's root certificates (/etc/ssl/certs).
    System,
    /// Only certificates issued by the CA(s) in this PEM file.
    CaFile(PathBuf),
    /// Only the certificate with this SHA-256 fingerprint (of its DER form).
    Pin([u8; 32]),
    /// No check at all. The caller logs a warning.
    Insecure,
}

/// Parses a SHA-256 fingerprint as Proxmox shows it (`AB:CD:...`, 32 bytes;
/// colons optional, either case).
pub fn parse_fingerprint(s: &str) -> Option<[u8; 32]> {
    let hex: String = s.chars().filter(|c| *c != ':').collect();
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Formats a fingerprint the way Proxmox shows it.
pub fn format_fingerprint(fp: &[u8]) -> String {
    fp.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The SHA-256 fingerprint of a DER certificate.
pub fn fingerprint(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A rustls client configuration for `tls`.
pub fn tls_config(tls: &Tls) -> Result<rustls::ClientConfig, String> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let config = match tls {
        Tls::System => {
            let found = rustls_native_certs::load_native_certs();
            let mut roots = rustls::RootCertStore::empty();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(
                    "no system root certificates found (install ca-certificates, or set ca_file)"
                        .into(),
                );
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Tls::CaFile(path) => builder
            .with_root_certificates(load_ca_file(path)?)
            .with_no_client_auth(),
        Tls::Pin(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Verifier {
                pin: Some(*pin),
                algorithms: provider.signature_verification_algorithms,
            }))
            .with_no_client_auth(),
        Tls::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Verifier {
                pin: None,
                algorithms: provider.signature_verification_algorithms,
            }))
            .with_no_client_auth(),
    };
    Ok(config)
}

/// Reads a PEM file of CA certificates.
pub fn load_ca_file(path: &Path) -> Result<rustls::RootCertStore, String> {
    use rustls_pki_types::pem::PemObject;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read CA file {}: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("CA file {} is not valid PEM: {e}", path.display()))?;
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!(
            "CA file {} holds no usable certificate",
            path.display()
        ));
    }
    Ok(roots)
}

/// A reqwest client: rustls with `tls`, the given per-request timeout, no
/// proxy from the environment, and a connect timeout of at most 3 s so a dead
/// endpoint is skipped quickly.
pub fn client(tls: &Tls, timeout: Duration) -> Result<reqwest::Client, String> {
    builder(tls_config(tls)?, timeout)
        .pool_max_idle_per_host(2)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))
}

/// The client settings every source shares: rustls with `config`, the
/// per-request timeout, a connect timeout of at most 3 s, no proxy from the
/// environment, our user agent.
pub fn builder(config: rustls::ClientConfig, timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(3)))
        .no_proxy()
        .user_agent(concat!("piboard/", env!("CARGO_PKG_VERSION")))
}

/// A response read whole, up to the cap.
#[derive(Debug, Clone)]
pub struct Body {
    pub status: reqwest::StatusCode,
    pub bytes: Vec<u8>,
    /// The status line's reason phrase is gone in HTTP/1.1 clients, so keep
    /// the content type to tell a JSON error from an HTML proxy page.
    pub content_type: Option<String>,
}

impl Body {
    /// The body as text, lossy, for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The first line of the body, trimmed and shortened, for messages.
    pub fn snippet(&self) -> String {
        let text = self.text();
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        shorten(line, 120)
    }
}

/// Sends `request` and reads the body, failing if it exceeds `cap` bytes.
/// Transport errors become a [`Failure`]; any HTTP status is returned as is.
pub async fn send(request: reqwest::RequestBuilder, cap: usize) -> Result<Body, Failure> {
    send_with_reason(request, cap).await.map(|(body, _)| body)
}

/// Like [`send`], but also returns the status line's reason phrase when the
/// server sent one of its own (Proxmox puts its error text there, e.g.
/// `403 Permission check failed (/, Sys.Audit)`); `None` for the standard one.
pub async fn send_with_reason(
    request: reqwest::RequestBuilder,
    cap: usize,
) -> Result<(Body, Option<String>), Failure> {
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
    let body = Body {
        status,
        bytes,
        content_type,
    };
    Ok((body, reason))
}

fn too_large(cap: usize) -> Failure {
    Failure::new(
        FailureKind::BadResponse,
        format!("answer larger than {} KiB, not read", cap / 1024),
    )
}

/// The generic meaning of a non-success status, for sources that have no
/// better words for it.
pub fn status_failure(body: &Body) -> Failure {
    let code = body.status.as_u16();
    let snippet = body.snippet();
    let detail = if snippet.is_empty() || looks_like_html(body) {
        String::new()
    } else {
        format!(": {snippet}")
    };
    let kind = match code {
        401 | 403 => FailureKind::Auth,
        500..=599 => FailureKind::ServerError,
        _ => FailureKind::BadResponse,
    };
    let what = match code {
        401 => "HTTP 401 (not authorised: check the credentials)".to_owned(),
        403 => "HTTP 403 (forbidden: the credentials lack a permission)".to_owned(),
        _ => format!(
            "HTTP {code}{}",
            body.status
                .canonical_reason()
                .map(|r| format!(" {r}"))
                .unwrap_or_default()
        ),
    };
    Failure::new(kind, format!("{what}{detail}"))
}

/// Whether the body is an HTML page (a proxy's error or login page).
pub fn looks_like_html(body: &Body) -> bool {
    body.content_type
        .as_deref()
        .is_some_and(|c| c.contains("html"))
        || body
            .bytes
            .iter()
            .skip_while(|b| b.is_ascii_whitespace())
            .take(1)
            .any(|b| *b == b'<')
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
const TLS_MARKERS: [&str; 5] = [
    "invalid peer certificate",
    PIN_MISMATCH,
    "received fatal alert",
    "peer is incompatible",
    "received corrupt message",
];

fn describe_tls(raw: &str) -> String {
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

/// Cuts `s` to at most `max` characters, with an ellipsis.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

const PIN_MISMATCH: &str = "certificate fingerprint mismatch";

/// Checks the server's certificate against a pinned fingerprint (or not at
/// all, for `insecure`), while still checking the handshake's signatures.
#[derive(Debug)]
struct Verifier {
    pin: Option<[u8; 32]>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.pin {
            None => Ok(ServerCertVerified::assertion()),
            Some(pin) => {
                let got = fingerprint(end_entity.as_ref());
                if got == pin {
                    Ok(ServerCertVerified::assertion())
                } else {
                    Err(rustls::Error::General(format!(
                        "{PIN_MISMATCH}: the server presented {}, the config pins {}",
                        format_fingerprint(&got),
                        format_fingerprint(&pin)
                    )))
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_in_the_proxmox_form() {
        let fp = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
        let parsed = parse_fingerprint(fp);
        assert!(parsed.is_some());
        assert_eq!(parsed.map(|p| format_fingerprint(&p)).as_deref(), Some(fp));
        assert_eq!(
            parse_fingerprint(&fp.to_lowercase().replace(':', "")),
            parsed
        );
        assert_eq!(parse_fingerprint("AB:CD"), None);
        assert_eq!(parse_fingerprint(&fp.replace("AB", "ZZ")), None);
        assert_eq!(parse_fingerprint(&"é".repeat(64)), None);
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("ééééé", 3), "éé…");
    }

    #[test]
    fn status_failures_are_classed_and_worded() {
        let body = |code: u16, text: &str, ct: Option<&str>| Body {
            status: reqwest::StatusCode::from_u16(code).unwrap_or_default(),
            bytes: text.as_bytes().to_vec(),
            content_type: ct.map(str::to_owned),
        };
        let f = status_failure(&body(503, "Service Unavailable\n", Some("text/plain")));
        assert_eq!(f.kind, FailureKind::ServerError);
        assert_eq!(
            f.message,
            "HTTP 503 Service Unavailable: Service Unavailable"
        );
        let f = status_failure(&body(502, "<html><body>Bad gateway</body></html>", None));
        assert_eq!(f.message, "HTTP 502 Bad Gateway");
        let f = status_failure(&body(401, "", None));
        assert_eq!(f.kind, FailureKind::Auth);
        let f = status_failure(&body(404, "", None));
        assert_eq!(f.kind, FailureKind::BadResponse);
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
}
