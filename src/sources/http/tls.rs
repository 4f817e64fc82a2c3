//! How a server's certificate is checked: the trust modes a source may use
//! and the rustls configuration for each, including the verifier for a
//! pinned fingerprint (and for `insecure`, which checks nothing but the
//! handshake's signatures).
//!
//! The modes: the system's roots (`/etc/ssl/certs`), the CA(s) of a PEM file
//! (`ca_file`), one certificate by its SHA-256 fingerprint, or nothing. A
//! mode that cannot be set up (an unreadable CA file, no system roots) is an
//! error in words naming the file or what to install.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

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

/// How a pin mismatch starts in words (rustls carries the verifier's text).
pub(super) const PIN_MISMATCH: &str = "certificate fingerprint mismatch";

/// Formats a fingerprint the way Proxmox shows it (`AB:CD:...`).
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
    let verifier = |pin: Option<[u8; 32]>| {
        Arc::new(Verifier {
            pin,
            algorithms: provider.signature_verification_algorithms,
        })
    };
    let config = match tls {
        Tls::System => builder
            .with_root_certificates(system_roots()?)
            .with_no_client_auth(),
        Tls::CaFile(path) => builder
            .with_root_certificates(load_ca_file(path)?)
            .with_no_client_auth(),
        Tls::Pin(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(verifier(Some(*pin)))
            .with_no_client_auth(),
        Tls::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(verifier(None))
            .with_no_client_auth(),
    };
    Ok(config)
}

fn system_roots() -> Result<rustls::RootCertStore, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(
            "no system root certificates found (install ca-certificates, or set ca_file)".into(),
        );
    }
    Ok(roots)
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
        let Some(pin) = self.pin else {
            return Ok(ServerCertVerified::assertion());
        };
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
