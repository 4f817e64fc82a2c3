//! The Proxmox source against a fake Proxmox API over HTTPS on loopback:
//! certificates made at test time (a CA like the cluster's pve-root-ca and a
//! node certificate it signs), answers from fixtures modelled on the
//! documented responses (tests/fixtures/proxmox/).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use piboard::app::sources::proxmox_settings;
use piboard::core::{Failure, FailureKind, GuestState, ProxmoxData, SourceData};
use piboard::sources::Source;
use piboard::sources::http::{fingerprint, format_fingerprint};
use piboard::sources::proxmox::ProxmoxSource;
use rustls::pki_types::CertificateDer;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

mod common;

use common::tls::{TestPki, make_pki};

const TOKEN_ID: &str = "piboard@pve!dashboard";
const SECRET: &str = "5f3c9a1e-7b2d-4c8e-9f01-a2b3c4d5e6f7";

fn fixture(name: &str) -> String {
    let path = Path::new("tests/fixtures/proxmox").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The name of every cluster's CA (pve-root-ca), which the test CAs take.
const PVE_CA: &str = "Proxmox Virtual Environment";

/// How long Proxmox holds back the 401 for a wrong token.
const WRONG_TOKEN_DELAY: Duration = Duration::from_secs(3);

/// One canned answer.
#[derive(Clone)]
struct Reply {
    code: u16,
    reason: Option<&'static str>,
    body: String,
    delay: Duration,
}

fn ok(body: String) -> Reply {
    Reply {
        code: 200,
        reason: None,
        body,
        delay: Duration::ZERO,
    }
}

fn error(code: u16, reason: Option<&'static str>, body: &str) -> Reply {
    Reply {
        code,
        reason,
        body: body.to_owned(),
        delay: Duration::ZERO,
    }
}

/// A fake Proxmox node: `cluster/status` and `cluster/resources`, the token
/// checked as Proxmox does (a wrong one gets an empty 401 after
/// [`WRONG_TOKEN_DELAY`]).
struct Fake {
    status: Reply,
    resources: Reply,
    hits: AtomicUsize,
}

fn healthy() -> Fake {
    fake(
        ok(fixture("status-healthy.json")),
        ok(fixture("resources-healthy.json")),
    )
}

fn fake(status: Reply, resources: Reply) -> Fake {
    Fake {
        status,
        resources,
        hits: AtomicUsize::new(0),
    }
}

async fn answer(fake: &Fake, headers: &HeaderMap, reply: &Reply) -> Response {
    fake.hits.fetch_add(1, Ordering::SeqCst);
    let expected = format!("PVEAPIToken={TOKEN_ID}={SECRET}");
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    let reply = if auth == Some(expected.as_str()) {
        reply.clone()
    } else {
        Reply {
            delay: WRONG_TOKEN_DELAY,
            ..error(401, Some("invalid token value!"), "")
        }
    };
    tokio::time::sleep(reply.delay).await;
    let code = StatusCode::from_u16(reply.code).expect("valid status code");
    let mut response = (
        code,
        [("content-type", "application/json;charset=UTF-8")],
        reply.body,
    )
        .into_response();
    if let Some(reason) = reply.reason {
        response
            .extensions_mut()
            .insert(hyper::ext::ReasonPhrase::from_static(reason.as_bytes()));
    }
    response
}

async fn status(State(f): State<Arc<Fake>>, h: HeaderMap) -> Response {
    answer(&f, &h, &f.status).await
}

async fn resources(State(f): State<Arc<Fake>>, h: HeaderMap) -> Response {
    answer(&f, &h, &f.resources).await
}

/// A node's hour of CPU and memory: the fixture for every node but
/// `tower1`, whose request fails (and is not counted as a hit).
async fn rrddata(
    axum::extract::Path(node): axum::extract::Path<String>,
    uri: axum::http::Uri,
) -> Response {
    assert_eq!(uri.query(), Some("timeframe=hour&cf=AVERAGE"));
    if node == "tower1" {
        return (StatusCode::from_u16(595).expect("valid"), "").into_response();
    }
    (
        [("content-type", "application/json;charset=UTF-8")],
        fixture("rrddata-hour.json"),
    )
        .into_response()
}

/// A node's status (its load average): the fixture for every node but
/// `zotac`, whose request fails (and is not counted as a hit).
async fn node_status(axum::extract::Path(node): axum::extract::Path<String>) -> Response {
    if node == "zotac" {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    }
    (
        [("content-type", "application/json;charset=UTF-8")],
        fixture("node-status.json"),
    )
        .into_response()
}

/// Serves `fake` over HTTPS on a loopback port; returns its URL.
async fn serve(fake: Arc<Fake>, tls: &TestPki) -> String {
    let app = Router::new()
        .route("/api2/json/cluster/status", get(status))
        .route("/api2/json/cluster/resources", get(resources))
        .route("/api2/json/nodes/{node}/rrddata", get(rrddata))
        .route("/api2/json/nodes/{node}/status", get(node_status))
        .with_state(fake);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    let acceptor = TlsAcceptor::from(tls.server.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = TowerToHyperService::new(app);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("https://{addr}")
}

/// A port that accepts connections and never says a word.
async fn hanging() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    format!("https://{addr}")
}

/// A port nobody listens on.
async fn refusing() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("https://{addr}")
}

/// A scratch directory with the token secret and the CA file.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new(pki: &TestPki) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("secret"), format!("{SECRET}\n")).expect("secret");
        pki.write_ca(&dir.path().join("pve-root-ca.pem"));
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The source for `endpoints` with extra `[proxmox]` lines (TLS mode).
    fn source(&self, endpoints: &[&str], timeout_s: u64, extra: &str) -> ProxmoxSource {
        let list: Vec<String> = endpoints.iter().map(|e| format!("\"{e}\"")).collect();
        let text = format!(
            "[proxmox]\nendpoints = [{}]\ntoken_id = \"{TOKEN_ID}\"\ntoken_secret = {{ file = \"{}\" }}\ntimeout_secs = {timeout_s}\n{extra}\n",
            list.join(", "),
            self.path("secret").display()
        );
        let loaded = piboard::config::parse(&text, Path::new("test.toml"))
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        ProxmoxSource::new(proxmox_settings(&loaded).expect("a [proxmox] section"))
    }

    fn ca(&self) -> String {
        format!("ca_file = \"{}\"", self.path("pve-root-ca.pem").display())
    }
}

fn pins(pairs: &[(&str, &CertificateDer)]) -> String {
    let mut out = "[proxmox.fingerprints]\n".to_owned();
    for (url, cert) in pairs {
        out += &format!(
            "\"{url}\" = \"{}\"\n",
            format_fingerprint(&fingerprint(cert))
        );
    }
    out
}

async fn data(source: &mut ProxmoxSource) -> ProxmoxData {
    match source.poll(chrono::Utc::now()).await {
        Ok(SourceData::Proxmox(d)) => d,
        Ok(other) => panic!("not Proxmox data: {other:?}"),
        Err(f) => panic!("poll failed: {f:?}"),
    }
}

async fn failure(source: &mut ProxmoxSource) -> Failure {
    match source.poll(chrono::Utc::now()).await {
        Ok(d) => panic!("expected a failure, got {d:?}"),
        Err(f) => f,
    }
}

#[tokio::test]
async fn a_healthy_cluster_through_the_cluster_ca() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let url = serve(Arc::new(healthy()), &pki).await;
    let mut source = s.source(&[&url], 5, &s.ca());
    assert!(
        !format!("{source:?}").contains(SECRET),
        "the secret leaked into Debug"
    );
    let d = data(&mut source).await;
    let nodes: Vec<(&str, bool)> = d
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.online))
        .collect();
    assert_eq!(
        nodes,
        [
            ("thinkcentre1", true),
            ("thinkcentre2", true),
            ("thinkcentre3", true),
            ("tower1", true),
            ("zotac", true)
        ]
    );
    assert_eq!(d.quorate, Some(true));
    assert_eq!(d.nodes[0].cpu, Some(0.041));
    assert_eq!(d.guests.len(), 18);
    let stopped: Vec<&str> = d
        .guests
        .iter()
        .filter(|g| g.state == GuestState::Stopped && !g.template)
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(stopped, ["openclaw"]);
    // ceph-pool is listed by all five nodes and counted once.
    let names: Vec<&str> = d.storage.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.iter().filter(|n| **n == "ceph-pool").count(), 1);
    assert_eq!(names.iter().filter(|n| **n == "local-lvm").count(), 5);
    assert!(d.warning.is_none());
    // Each node's hour of CPU and memory, once; tower1's failed and is
    // asked again at the next poll, never a failure of the source.
    let seeded = |d: &ProxmoxData| -> Vec<(String, usize)> {
        d.seed
            .iter()
            .map(|s| (s.node.clone(), s.samples.len()))
            .collect()
    };
    let three = |n: &str| (n.to_owned(), 3);
    assert_eq!(
        seeded(&d),
        [
            three("thinkcentre1"),
            three("thinkcentre2"),
            three("thinkcentre3"),
            three("zotac")
        ]
    );
    let again = data(&mut source).await;
    assert!(seeded(&again).is_empty(), "{:?}", seeded(&again));
    // Each online node's load, asked at every poll; zotac's failed, so it
    // has none, and the source is still good.
    let loads: Vec<(&str, Option<[f64; 3]>)> = again
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.load))
        .collect();
    let load = Some([0.42, 0.38, 0.31]);
    assert_eq!(
        loads,
        [
            ("thinkcentre1", load),
            ("thinkcentre2", load),
            ("thinkcentre3", load),
            ("tower1", load),
            ("zotac", None)
        ]
    );
    // A running guest's CPU (of its own cores) and memory; none for a
    // stopped one.
    let figures = |name: &str| {
        let g = d.guests.iter().find(|g| g.name == name).expect(name);
        (g.cpu, g.mem_used, g.mem_total)
    };
    assert_eq!(
        figures("truenas"),
        (Some(0.12), Some(1_288_490_189), Some(4_294_967_296))
    );
    assert_eq!(figures("openclaw"), (None, None, Some(2_147_483_648)));
}

#[tokio::test]
async fn system_roots_reject_the_self_signed_cluster() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let url = serve(Arc::new(healthy()), &pki).await;
    let f = failure(&mut s.source(&[&url], 5, "")).await;
    assert_eq!(f.kind, FailureKind::Tls, "{f:?}");
    assert!(
        f.message.contains("not trusted") || f.message.contains("no system root"),
        "{f:?}"
    );
}

#[tokio::test]
async fn a_ca_that_did_not_sign_the_node_is_a_tls_error() {
    let pki = make_pki(PVE_CA);
    let other = make_pki(PVE_CA);
    let s = Scratch::new(&other);
    let url = serve(Arc::new(healthy()), &pki).await;
    let f = failure(&mut s.source(&[&url], 5, &s.ca())).await;
    assert_eq!(f.kind, FailureKind::Tls, "{f:?}");
    // Both CAs are named "Proxmox Virtual Environment", as every cluster's is.
    assert!(
        f.message
            .contains("TLS: certificate not signed by the trusted CA"),
        "{f:?}"
    );
}

#[tokio::test]
async fn a_pinned_fingerprint_is_accepted() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let url = serve(Arc::new(healthy()), &pki).await;
    let mut source = s.source(&[&url], 5, &pins(&[(&url, &pki.leaf)]));
    assert_eq!(data(&mut source).await.nodes.len(), 5);
}

#[tokio::test]
async fn a_pin_mismatch_is_an_error_naming_both_fingerprints_and_no_fallback() {
    let pki = make_pki(PVE_CA);
    let other = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let good = Arc::new(healthy());
    let url = serve(Arc::new(healthy()), &pki).await;
    let second = serve(good.clone(), &pki).await;
    let pinned = pins(&[(&url, &other.leaf), (&second, &pki.leaf)]);
    let f = failure(&mut s.source(&[&url, &second], 5, &pinned)).await;
    assert_eq!(f.kind, FailureKind::Tls, "{f:?}");
    let presented = format_fingerprint(&fingerprint(&pki.leaf));
    let expected = format_fingerprint(&fingerprint(&other.leaf));
    assert!(
        f.message.contains("certificate fingerprint mismatch"),
        "{f:?}"
    );
    assert!(f.message.contains(&presented), "{f:?}");
    assert!(f.message.contains(&expected), "{f:?}");
    // The second node would have answered, but a mismatch is never routed around.
    assert_eq!(good.hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn insecure_accepts_anything() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let url = serve(Arc::new(healthy()), &pki).await;
    let mut source = s.source(&[&url], 5, "insecure = true");
    assert_eq!(data(&mut source).await.guests.len(), 18);
}

#[tokio::test]
async fn fails_over_when_the_first_node_refuses() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let dead = refusing().await;
    let url = serve(Arc::new(healthy()), &pki).await;
    let mut source = s.source(&[&dead, &url], 5, &s.ca());
    assert_eq!(data(&mut source).await.nodes.len(), 5);
}

#[tokio::test]
async fn fails_over_when_the_first_node_hangs_and_then_skips_it() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let hung = hanging().await;
    let fake = Arc::new(healthy());
    let url = serve(fake.clone(), &pki).await;
    let mut source = s.source(&[&hung, &url], 1, &s.ca());
    let started = Instant::now();
    assert_eq!(data(&mut source).await.nodes.len(), 5);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    // The hung node is skipped for a while: the next poll goes straight on.
    let started = Instant::now();
    assert_eq!(data(&mut source).await.nodes.len(), 5);
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.hits.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn the_source_is_lost_only_when_every_endpoint_fails() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let (a, b) = (refusing().await, hanging().await);
    let f = failure(&mut s.source(&[&a, &b], 1, &s.ca())).await;
    assert!(f.kind.is_connectivity(), "{f:?}");
    assert!(f.message.starts_with("all 2 endpoints failed; "), "{f:?}");
    assert!(f.message.contains("connection refused"), "{f:?}");
    assert!(f.message.contains("timed out"), "{f:?}");
}

/// Proxmox answers a wrong token with a 401 only after a delay, and the
/// token is the same on every node: piboard asks the first node once (its two
/// requests side by side), takes its 401 as the answer and asks no other
/// node, so a poll costs one delay, not one per node.
#[tokio::test]
async fn a_wrong_token_is_an_auth_error_with_the_auditor_hint_and_no_failover() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let nodes: Vec<Arc<Fake>> = (0..3).map(|_| Arc::new(healthy())).collect();
    let mut urls = Vec::new();
    for node in &nodes {
        urls.push(serve(node.clone(), &pki).await);
    }
    std::fs::write(s.path("secret"), "wrong-secret").expect("secret");
    let endpoints: Vec<&str> = urls.iter().map(String::as_str).collect();
    let mut source = s.source(&endpoints, 5, &s.ca());
    let started = Instant::now();
    let f = failure(&mut source).await;
    let took = started.elapsed();
    let hits: Vec<usize> = nodes
        .iter()
        .map(|n| n.hits.load(Ordering::SeqCst))
        .collect();
    assert_eq!(
        hits,
        [2, 0, 0],
        "cluster/status and cluster/resources of the first node, once each, and no other node"
    );
    assert!(
        took < 2 * WRONG_TOKEN_DELAY,
        "a poll of three nodes with a wrong token took {took:?}: more than one delayed 401"
    );
    assert_eq!(f.kind, FailureKind::Auth, "{f:?}");
    assert!(
        f.message.contains("HTTP 401 (invalid token value!)"),
        "{f:?}"
    );
    assert!(f.message.contains("PVEAuditor role on /"), "{f:?}");
    assert!(!f.message.contains("wrong-secret"), "{f:?}");
}

#[tokio::test]
async fn forbidden_new_and_old_error_bodies() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    // Newer servers: the text in the body's message.
    let new = fake(
        error(
            403,
            Some("Permission check failed"),
            &fixture("error-new.json"),
        ),
        error(
            403,
            Some("Permission check failed"),
            &fixture("error-new.json"),
        ),
    );
    let url = serve(Arc::new(new), &pki).await;
    let f = failure(&mut s.source(&[&url], 5, &s.ca())).await;
    assert_eq!(f.kind, FailureKind::Auth, "{f:?}");
    assert!(
        f.message.contains("HTTP 403 (Permission check failed (/, Sys.Audit)): permission denied: the token needs the PVEAuditor role on /"),
        "{f:?}"
    );
    // Older servers: {"data":null}, the text only in the status line.
    let old = fake(
        error(
            403,
            Some("Permission check failed (/, Sys.Audit)"),
            &fixture("error-old.json"),
        ),
        error(
            403,
            Some("Permission check failed (/, Sys.Audit)"),
            &fixture("error-old.json"),
        ),
    );
    let url = serve(Arc::new(old), &pki).await;
    let f = failure(&mut s.source(&[&url], 5, &s.ca())).await;
    assert!(
        f.message
            .contains("HTTP 403 (Permission check failed (/, Sys.Audit)): permission denied"),
        "{f:?}"
    );
}

#[tokio::test]
async fn guests_on_an_offline_node_are_unknown() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let f = fake(
        ok(fixture("status-node-offline.json")),
        ok(fixture("resources-node-offline.json")),
    );
    let url = serve(Arc::new(f), &pki).await;
    let d = data(&mut s.source(&[&url], 5, &s.ca())).await;
    let tower = d.nodes.iter().find(|n| n.name == "tower1").expect("tower1");
    assert!(!tower.online);
    assert_eq!(tower.load, None, "an offline node's load is not asked");
    let on_tower: Vec<GuestState> = d
        .guests
        .iter()
        .filter(|g| g.node == "tower1")
        .map(|g| d.guest_state(g))
        .collect();
    // The fixture still says "running" for all four.
    assert_eq!(on_tower, [GuestState::Unknown; 4]);
    let elsewhere = d
        .guests
        .iter()
        .find(|g| g.name == "traefik")
        .expect("traefik");
    assert_eq!(d.guest_state(elsewhere), GuestState::Running);
}

#[tokio::test]
async fn a_token_without_its_own_acl_is_named() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let f = fake(
        ok(fixture("status-healthy.json")),
        ok(fixture("resources-privsep.json")),
    );
    let url = serve(Arc::new(f), &pki).await;
    let f = failure(&mut s.source(&[&url], 5, &s.ca())).await;
    assert_eq!(f.kind, FailureKind::Auth, "{f:?}");
    assert!(
        f.message.contains("sees 5 nodes but no guest or storage"),
        "{f:?}"
    );
    assert!(f.message.contains("privilege separation"), "{f:?}");
}

#[tokio::test]
async fn a_595_fails_over_and_alone_is_a_server_error() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let broken = || {
        fake(
            error(595, Some("Connection refused"), ""),
            error(595, Some("Connection refused"), ""),
        )
    };
    let a = serve(Arc::new(broken()), &pki).await;
    let b = serve(Arc::new(healthy()), &pki).await;
    assert_eq!(
        data(&mut s.source(&[&a, &b], 5, &s.ca())).await.nodes.len(),
        5
    );
    let f = failure(&mut s.source(&[&a], 5, &s.ca())).await;
    assert_eq!(f.kind, FailureKind::ServerError, "{f:?}");
    assert!(
        f.message.contains("HTTP 595 (Connection refused): the node could not reach the cluster node it forwarded the request to"),
        "{f:?}"
    );
}

#[tokio::test]
async fn a_node_with_quorum_is_preferred() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let lonely = || {
        fake(
            ok(fixture("status-no-quorum.json")),
            ok(fixture("resources-node-offline.json")),
        )
    };
    let a = serve(Arc::new(lonely()), &pki).await;
    let b = serve(Arc::new(healthy()), &pki).await;
    let d = data(&mut s.source(&[&a, &b], 5, &s.ca())).await;
    assert_eq!(d.quorate, Some(true));
    assert!(d.nodes.iter().all(|n| n.online));
    // Without a quorate node, the answer is used with a warning.
    let d = data(&mut s.source(&[&a], 5, &s.ca())).await;
    assert_eq!(d.quorate, Some(false));
    assert!(
        d.warning
            .as_deref()
            .is_some_and(|w| w.contains("has no quorum")),
        "{d:?}"
    );
}

#[tokio::test]
async fn a_client_that_cannot_be_built_fails_every_poll() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let url = serve(Arc::new(healthy()), &pki).await;
    let ca = s.ca();
    // The CA is read when the client is built, at start: a file that goes
    // away later does not matter...
    let mut source = s.source(&[&url], 5, &ca);
    std::fs::remove_file(s.path("pve-root-ca.pem")).expect("remove CA");
    assert_eq!(data(&mut source).await.nodes.len(), 5);
    // ...but one that holds no certificate at start fails every poll, no panic.
    std::fs::write(s.path("pve-root-ca.pem"), "not a certificate").expect("garbage CA");
    let mut broken = s.source(&[&url], 5, &ca);
    for _ in 0..2 {
        let f = failure(&mut broken).await;
        assert_eq!(f.kind, FailureKind::Tls, "{f:?}");
        assert!(f.message.contains("pve-root-ca.pem"), "{f:?}");
    }
}

/// Log lines written during a test.
#[derive(Clone, Default)]
struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn insecure_logs_a_warning_at_every_start() {
    let pki = make_pki(PVE_CA);
    let s = Scratch::new(&pki);
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        s.source(&["https://127.0.0.1:8006"], 5, "insecure = true");
        s.source(&["https://127.0.0.1:8006"], 5, &s.ca());
    });
    let text = String::from_utf8_lossy(&logs.0.lock().expect("log buffer")).into_owned();
    assert_eq!(text.matches("WARN").count(), 1, "{text}");
    assert!(text.contains("insecure = true"), "{text}");
    assert!(text.contains("NOT checked"), "{text}");
}
