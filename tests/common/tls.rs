//! Certificates made at test time (rcgen): a CA and a server certificate for
//! 127.0.0.1 and localhost signed by it, with the rustls server config that
//! presents them (leaf and CA, as a Proxmox node does). The only place the
//! suites make certificates.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

pub struct TestPki {
    /// The CA certificate, PEM: what a config's `ca_file` holds.
    pub ca_pem: String,
    /// The server certificate, DER: what a fingerprint pin is taken from.
    pub leaf: CertificateDer<'static>,
    pub server: Arc<rustls::ServerConfig>,
}

/// A fresh CA named `ca_name` and a server certificate signed by it.
pub fn make_pki(ca_name: &str) -> TestPki {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, ca_name);
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");
    let leaf_key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("server params");
    let leaf = params
        .signed_by(&leaf_key, &ca)
        .expect("server certificate");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
    .expect("server TLS config");
    TestPki {
        ca_pem: ca.pem(),
        leaf: leaf.der().clone(),
        server: Arc::new(server),
    }
}

impl TestPki {
    /// Writes the CA certificate (PEM) to `path`, for a config's `ca_file`.
    pub fn write_ca(&self, path: &Path) {
        std::fs::write(path, &self.ca_pem)
            .unwrap_or_else(|e| panic!("write the CA file {}: {e}", path.display()));
    }

    /// A TLS acceptor presenting the server certificate.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.server.clone())
    }
}
