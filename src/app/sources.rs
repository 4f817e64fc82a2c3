//! Builds and starts the configured sources. Each source is made from its
//! own plain `Settings`; this is the one place that reads them out of the
//! config (sections, defaults, resolved secrets), so the sources never see
//! the config's types.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::config::Loaded;
use crate::config::{BasicAuth, Secret as ConfigSecret, TransportConfig};
use crate::core::{Clock, SourceUpdate};
use crate::sources::alertmanager::{self, AlertmanagerSource};
use crate::sources::http::{Auth, Header, Sensitive};
use crate::sources::moonraker::{self, Transport};
use crate::sources::prometheus::{self, PrometheusSource, ServicePlan, TilePlan};
use crate::sources::proxmox::{self, ProxmoxSource, Trust};
use crate::sources::{self, Source};
use crate::telemetry::Telemetry;

/// Starts one poller per configured source.
pub(super) fn spawn(
    rt: &tokio::runtime::Handle,
    loaded: &Loaded,
    clock: &Arc<dyn Clock>,
    updates: &mpsc::Sender<SourceUpdate>,
    telemetry: &Arc<Telemetry>,
) {
    if let Some(s) = prometheus_settings(loaded) {
        spawn_one(rt, PrometheusSource::new(s), clock, updates, telemetry);
    }
    if let Some(s) = proxmox_settings(loaded) {
        spawn_one(rt, ProxmoxSource::new(s), clock, updates, telemetry);
    }
    if let Some(s) = moonraker_settings(loaded) {
        // The websocket, or HTTP polling (moonraker::ws chooses).
        rt.spawn(moonraker::run(
            s,
            clock.clone(),
            updates.clone(),
            telemetry.clone(),
        ));
    }
    if let Some(s) = alertmanager_settings(loaded) {
        spawn_one(rt, AlertmanagerSource::new(s), clock, updates, telemetry);
    }
}

fn spawn_one<S: Source>(
    rt: &tokio::runtime::Handle,
    source: S,
    clock: &Arc<dyn Clock>,
    updates: &mpsc::Sender<SourceUpdate>,
    telemetry: &Arc<Telemetry>,
) {
    rt.spawn(sources::run(
        source,
        clock.clone(),
        updates.clone(),
        telemetry.clone(),
    ));
}

fn hidden(secret: &ConfigSecret) -> Sensitive {
    Sensitive::new(secret.expose())
}

/// The `Authorization` of a section reached like `[prometheus]`: basic
/// auth wins over a bearer token (validation allows one).
fn http_auth(
    basic: Option<&BasicAuth>,
    password: Option<&ConfigSecret>,
    bearer: Option<&ConfigSecret>,
) -> Auth {
    match (basic, password) {
        (Some(b), Some(password)) => Auth::Basic {
            username: b.username.clone(),
            password: hidden(password),
        },
        _ => bearer.map_or(Auth::None, |t| Auth::Bearer(hidden(t))),
    }
}

/// The extra headers of `section`, their values marked sensitive.
fn http_headers(section: &str, values: &[(String, ConfigSecret)]) -> Vec<Header> {
    values
        .iter()
        .map(|(name, value)| Header {
            name: name.clone(),
            value: hidden(value),
            what: format!("{section}.headers.{name}"),
        })
        .collect()
}

/// The Prometheus source's settings, if `[prometheus]` is configured:
/// services take the section's `job` and `slow_after_secs` unless they set
/// their own; it asks for the alerts unless `[alertmanager]` supplies them.
pub fn prometheus_settings(loaded: &Loaded) -> Option<prometheus::Settings> {
    let c = loaded.config.prometheus.as_ref()?;
    let secrets = &loaded.secrets;
    let auth = http_auth(
        c.basic_auth.as_ref(),
        secrets.prometheus_password.as_ref(),
        secrets.prometheus_bearer.as_ref(),
    );
    let headers = http_headers("prometheus", &secrets.prometheus_headers);
    let services = loaded.config.services.iter().map(|s| ServicePlan {
        name: s.name.clone(),
        target: s.target.clone(),
        job: s.job.clone().or_else(|| c.job.clone()),
        slow_after_s: s.slow_after_secs.unwrap_or(c.slow_after_secs),
    });
    let tiles = loaded.config.tiles.iter().map(|t| TilePlan {
        name: t.name.clone(),
        query: t.query.clone(),
        label: t.label.clone(),
    });
    Some(prometheus::Settings {
        url: c.url.clone(),
        interval: Duration::from_secs(c.poll_interval_secs),
        timeout: Duration::from_secs(c.timeout_secs),
        ca_file: c.ca_file.clone(),
        auth,
        headers,
        services: services.collect(),
        tiles: tiles.collect(),
        alerts: loaded.config.alertmanager.is_none(),
    })
}

/// The Alertmanager source's settings, if `[alertmanager]` is configured.
pub fn alertmanager_settings(loaded: &Loaded) -> Option<alertmanager::Settings> {
    let c = loaded.config.alertmanager.as_ref()?;
    let secrets = &loaded.secrets;
    Some(alertmanager::Settings {
        url: c.url.clone(),
        interval: Duration::from_secs(c.poll_interval_secs),
        timeout: Duration::from_secs(c.timeout_secs),
        ca_file: c.ca_file.clone(),
        auth: http_auth(
            c.basic_auth.as_ref(),
            secrets.alertmanager_password.as_ref(),
            secrets.alertmanager_bearer.as_ref(),
        ),
        headers: http_headers("alertmanager", &secrets.alertmanager_headers),
    })
}

/// The Proxmox source's settings, if `[proxmox]` is configured. Validation
/// has made the trust modes exclusive.
pub fn proxmox_settings(loaded: &Loaded) -> Option<proxmox::Settings> {
    let c = loaded.config.proxmox.as_ref()?;
    let trust = if c.insecure {
        Trust::Insecure
    } else if !c.fingerprints.is_empty() {
        let pins = c.fingerprints.iter();
        Trust::Pinned(pins.map(|(url, fp)| (url.clone(), fp.bytes())).collect())
    } else {
        c.ca_file.clone().map_or(Trust::System, Trust::CaFile)
    };
    Some(proxmox::Settings {
        endpoints: c.endpoints.clone(),
        token_id: c.token_id.clone(),
        // Resolved at load; missing only if the config was not validated.
        token_secret: loaded
            .secrets
            .proxmox_token
            .as_ref()
            .map_or_else(|| Sensitive::new(""), hidden),
        interval: Duration::from_secs(c.poll_interval_secs),
        timeout: Duration::from_secs(c.timeout_secs),
        trust,
    })
}

/// The Moonraker source's settings, if `[moonraker]` is configured.
pub fn moonraker_settings(loaded: &Loaded) -> Option<moonraker::Settings> {
    let c = loaded.config.moonraker.as_ref()?;
    Some(moonraker::Settings {
        url: c.url.clone(),
        api_key: loaded.secrets.moonraker_api_key.as_ref().map(hidden),
        printing_interval: Duration::from_secs(c.poll_interval_printing_secs),
        idle_interval: Duration::from_secs(c.poll_interval_idle_secs),
        timeout: Duration::from_secs(c.timeout_secs),
        transport: match c.transport {
            TransportConfig::Auto => Transport::Auto,
            TransportConfig::Websocket => Transport::Websocket,
            TransportConfig::Http => Transport::Http,
        },
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const FP: &str = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

    fn load(text: &str) -> Loaded {
        crate::config::parse(text, Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn prometheus_services_take_the_section_defaults_and_secrets_stay_hidden() {
        let dir = tempfile::tempdir().expect("temp dir");
        let token = dir.path().join("token");
        std::fs::write(&token, "s3cret\n").expect("write token");
        let loaded = load(&format!(
            "[prometheus]\nurl = \"http://p:9090\"\njob = \"blackbox\"\nslow_after_secs = 2.5\n\
             bearer_token = {{ file = \"{}\" }}\nheaders = {{ X-Scope-OrgID = \"homelab\" }}\n\
             [[services]]\nname = \"Plex\"\ntarget = \"https://plex\"\n\
             [[services]]\nname = \"Own\"\ntarget = \"t\"\njob = \"other\"\nslow_after_secs = 9.0\n\
             [[tiles]]\nname = \"Load\"\nquery = \"up\"\nlabel = \"instance\"\n",
            token.display()
        ));
        let s = prometheus_settings(&loaded).expect("[prometheus] is configured");
        let plans: Vec<_> = s
            .services
            .iter()
            .map(|p| (p.name.as_str(), p.job.as_deref(), p.slow_after_s))
            .collect();
        assert_eq!(
            plans,
            [("Plex", Some("blackbox"), 2.5), ("Own", Some("other"), 9.0)]
        );
        assert_eq!(s.tiles[0].label.as_deref(), Some("instance"));
        assert_eq!(s.interval, Duration::from_secs(20));
        assert!(matches!(&s.auth, Auth::Bearer(t) if t.expose() == "s3cret"));
        assert_eq!(s.headers[0].what, "prometheus.headers.X-Scope-OrgID");
        assert!(!format!("{s:?}").contains("s3cret"), "{s:?}");
    }

    #[test]
    fn proxmox_trust_follows_the_config() {
        let pve = "[proxmox]\nendpoints = [\"https://a:8006\"]\ntoken_id = \"a@pve!b\"\ntoken_secret = { env = \"PATH\" }\n";
        let trust =
            |extra: &str| proxmox_settings(&load(&format!("{pve}{extra}"))).map(|s| s.trust);
        assert_eq!(trust(""), Some(Trust::System));
        assert_eq!(trust("insecure = true\n"), Some(Trust::Insecure));
        assert_eq!(
            trust("ca_file = \"/etc/pve/pve-root-ca.pem\"\n"),
            Some(Trust::CaFile("/etc/pve/pve-root-ca.pem".into()))
        );
        let pinned = trust(&format!(
            "[proxmox.fingerprints]\n\"https://a:8006\" = \"{FP}\"\n"
        ));
        let Some(Trust::Pinned(pins)) = pinned else {
            panic!("pinned: {pinned:?}")
        };
        assert_eq!(pins.len(), 1);
        assert_eq!(pins[0].0, "https://a:8006");
        assert_eq!(pins[0].1[..2], [0xAB, 0xCD]);
    }

    #[test]
    fn alertmanager_takes_prometheus_s_options_and_the_alerts_from_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let password = dir.path().join("password");
        std::fs::write(&password, "s3cret\n").expect("write password");
        let prom = "[prometheus]\nurl = \"http://p:9090\"\n";
        assert!(prometheus_settings(&load(prom)).is_some_and(|p| p.alerts));
        let loaded = load(&format!(
            "{prom}[alertmanager]\nurl = \"https://am:9093\"\nca_file = \"/etc/ca.pem\"\n\
             basic_auth = {{ username = \"piboard\", password = {{ file = \"{}\" }} }}\n\
             headers = {{ X-Scope-OrgID = \"homelab\" }}\n",
            password.display()
        ));
        let p = prometheus_settings(&loaded).expect("[prometheus] is configured");
        assert!(!p.alerts, "Alertmanager supplies the alerts");
        let a = alertmanager_settings(&loaded).expect("[alertmanager] is configured");
        assert_eq!(a.url, "https://am:9093");
        assert_eq!(a.ca_file.as_deref(), Some(Path::new("/etc/ca.pem")));
        assert_eq!(
            (a.interval, a.timeout),
            (Duration::from_secs(20), Duration::from_secs(5))
        );
        assert!(matches!(&a.auth, Auth::Basic { username, password }
            if username == "piboard" && password.expose() == "s3cret"));
        assert_eq!(a.headers[0].what, "alertmanager.headers.X-Scope-OrgID");
        assert!(!format!("{a:?}").contains("s3cret"), "{a:?}");
    }

    #[test]
    fn a_missing_section_makes_no_source() {
        let loaded = load("[moonraker]\nurl = \"http://m:7125\"\n");
        assert!(prometheus_settings(&loaded).is_none());
        assert!(proxmox_settings(&loaded).is_none());
        assert!(alertmanager_settings(&loaded).is_none());
        let m = moonraker_settings(&loaded).expect("[moonraker] is configured");
        assert_eq!(
            (m.printing_interval, m.idle_interval),
            (Duration::from_secs(2), Duration::from_secs(10))
        );
        assert!(m.api_key.is_none());
        assert_eq!(m.transport, Transport::Auto);
        let http = load("[moonraker]\nurl = \"http://m:7125\"\ntransport = \"http\"\n");
        let m = moonraker_settings(&http).expect("[moonraker] is configured");
        assert_eq!(m.transport, Transport::Http);
    }
}
