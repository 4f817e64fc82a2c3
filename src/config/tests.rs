use std::path::Path;

use super::*;

fn err(text: &str) -> String {
    match parse(text, Path::new("test.toml")) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const MINIMAL: &str = r#"
[prometheus]
url = "http://127.0.0.1:9090"

[[services]]
name = "Plex"
target = "http://127.0.0.1:32400"
"#;

#[test]
fn a_minimal_config_gets_defaults() {
    let loaded = parse(MINIMAL, Path::new("t.toml")).expect("valid");
    let p = loaded.config.prometheus.as_ref().expect("prometheus");
    assert_eq!(p.poll_interval_secs, 20);
    assert_eq!(p.timeout_secs, 5);
    assert_eq!(p.lost_after, 2);
    assert_eq!(loaded.config.server.listen, "0.0.0.0:8080");
    assert_eq!(loaded.source_settings().len(), 1);
}

#[test]
fn the_example_config_in_deploy_is_valid() {
    // The example names its secrets by environment variable; give them values.
    // SAFETY of the test: these variables are unique to this test.
    for var in ["PIBOARD_PROXMOX_TOKEN_SECRET", "PIBOARD_MOONRAKER_API_KEY"] {
        unsafe_set_env(var);
    }
    let text = std::fs::read_to_string("deploy/piboard.toml").expect("deploy/piboard.toml exists");
    let loaded = parse(&text, Path::new("deploy/piboard.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(loaded.config.services.len() >= 10);
    assert_eq!(
        loaded.config.proxmox.as_ref().map(|p| p.endpoints.len()),
        Some(5)
    );
}

fn unsafe_set_env(var: &str) {
    // Edition 2024 makes set_var unsafe because other threads may read the
    // environment; nothing else in the tests reads these names.
    #[expect(
        unsafe_code,
        reason = "test-only environment setup, variables unique to this test"
    )]
    unsafe {
        std::env::set_var(var, "test-secret-value");
    }
}

#[test]
fn unknown_keys_name_the_key_the_line_and_a_suggestion() {
    let e = err("[prometheus]\nurl = \"http://127.0.0.1:9090\"\npoll_interval_sec = 20\n");
    assert!(e.contains("line 3"), "{e}");
    assert!(e.contains("prometheus.poll_interval_sec"), "{e}");
    assert!(e.contains("did you mean `poll_interval_secs`?"), "{e}");
}

#[test]
fn intervals_out_of_range_are_rejected_with_the_line() {
    let e = err("[prometheus]\nurl = \"http://127.0.0.1:9090\"\n\npoll_interval_secs = 2\n");
    assert_eq!(
        e,
        "config error in test.toml, line 4: `prometheus.poll_interval_secs`: 2 is out of range (allowed 5 to 300)"
    );
}

#[test]
fn wrong_types_name_the_key() {
    let e = err("[prometheus]\nurl = \"http://127.0.0.1:9090\"\ntimeout_secs = \"five\"\n");
    assert!(e.contains("line 3"), "{e}");
    assert!(e.contains("prometheus.timeout_secs"), "{e}");
}

#[test]
fn bad_urls_are_rejected() {
    let e = err("[prometheus]\nurl = \"192.168.86.25:9090\"\n");
    assert!(
        e.contains("`prometheus.url`") && e.contains("is not a URL"),
        "{e}"
    );
}

#[test]
fn inline_secrets_are_refused() {
    let e = err(
        "[proxmox]\nendpoints = [\"https://127.0.0.1:8006\"]\ntoken_id = \"a@pve!b\"\ntoken_secret = \"hunter2\"\n",
    );
    assert!(
        e.contains("proxmox.token_secret") && e.contains("not written inline"),
        "{e}"
    );
    assert!(
        !e.contains("hunter2"),
        "the secret leaked into the message: {e}"
    );
}

#[test]
fn unreadable_secret_files_name_the_key() {
    let e = err(
        "[proxmox]\nendpoints = [\"https://127.0.0.1:8006\"]\ntoken_id = \"a@pve!b\"\ntoken_secret = { file = \"/nonexistent/secret\" }\n",
    );
    assert!(
        e.contains("`proxmox.token_secret`: cannot read secret file /nonexistent/secret"),
        "{e}"
    );
}

#[test]
fn duplicate_service_names_are_rejected() {
    let e = err(&format!(
        "{MINIMAL}\n[[services]]\nname = \"Plex\"\ntarget = \"x\"\n"
    ));
    assert!(
        e.contains("`services[1].name`") && e.contains("used twice"),
        "{e}"
    );
    assert!(e.contains("line 10"), "{e}");
}

#[test]
fn a_config_without_sources_says_what_to_add() {
    let e = err("[display]\nwidth = 800\n");
    assert!(e.contains("no source configured"), "{e}");
}

#[test]
fn secrets_never_print() {
    let s = secret::Secret::for_tests("hunter2");
    assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
}

#[test]
fn credentials_are_stripped_from_urls() {
    assert_eq!(
        redact_url("https://user:pw@prom.example:9090/x"),
        "https://prom.example:9090/x"
    );
    assert_eq!(redact_url("http://127.0.0.1:9090"), "http://127.0.0.1:9090");
}

#[test]
fn prometheus_headers_are_plain_or_secret_and_never_print() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("cf-secret");
    std::fs::write(&secret, "cf-access-value\n").expect("write the secret");
    let text = format!(
        "[prometheus]\nurl = \"https://prometheus.woodhead.tech\"\n\n[prometheus.headers]\nX-Scope-OrgID = \"homelab\"\nCF-Access-Client-Secret = {{ file = \"{}\" }}\n",
        secret.display()
    );
    let loaded = parse(&text, Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"));
    let headers: Vec<(&str, &str)> = loaded
        .secrets
        .prometheus_headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.expose()))
        .collect();
    assert_eq!(
        headers,
        [
            ("CF-Access-Client-Secret", "cf-access-value"),
            ("X-Scope-OrgID", "homelab")
        ]
    );
    assert!(!format!("{loaded:?}").contains("cf-access-value"));
    let e =
        err("[prometheus]\nurl = \"http://127.0.0.1:9090\"\nheaders = { \"Bad Name\" = \"x\" }\n");
    assert!(
        e.contains("`prometheus.headers.Bad Name`") && e.contains("not a valid HTTP header name"),
        "{e}"
    );
    let e = err(
        "[prometheus]\nurl = \"http://127.0.0.1:9090\"\nheaders = { X-Token = { env = \"PIBOARD_TEST_SURELY_UNSET\" } }\n",
    );
    assert!(e.contains("PIBOARD_TEST_SURELY_UNSET is not set"), "{e}");
}

const PVE: &str = "[proxmox]\nendpoints = [\"https://127.0.0.1:8006\", \"https://127.0.0.2:8006\"]\ntoken_id = \"a@pve!b\"\ntoken_secret = { file = \"/nonexistent/secret\" }\n";
const FP: &str = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

#[test]
fn proxmox_tls_modes_are_exclusive() {
    let e = err(&format!("{PVE}insecure = true\nca_file = \"/etc/hosts\"\n"));
    assert!(
        e.contains("`proxmox.insecure`: insecure = true turns every check off"),
        "{e}"
    );
    assert!(e.contains("line 5"), "{e}");
    let e = err(&format!(
        "{PVE}ca_file = \"/etc/hosts\"\n[proxmox.fingerprints]\n\"https://127.0.0.1:8006\" = \"{FP}\"\n"
    ));
    assert!(
        e.contains("`proxmox.fingerprints`: set either ca_file or fingerprints"),
        "{e}"
    );
}

#[test]
fn proxmox_fingerprints_are_checked() {
    let e = err(&format!(
        "{PVE}[proxmox.fingerprints]\n\"https://127.0.0.1:8006\" = \"AB:CD\"\n\"https://127.0.0.2:8006\" = \"{FP}\"\n"
    ));
    assert!(e.contains("line 6: `proxmox.fingerprints.https://127.0.0.1:8006`: \"AB:CD\" is not a SHA-256 fingerprint"), "{e}");
    let e = err(&format!(
        "{PVE}[proxmox.fingerprints]\n\"https://127.0.0.1:8006\" = \"{FP}\"\n"
    ));
    assert!(
        e.contains("no fingerprint for https://127.0.0.2:8006"),
        "{e}"
    );
    let e = err(&format!(
        "{PVE}[proxmox.fingerprints]\n\"https://10.0.0.9:8006\" = \"{FP}\"\n"
    ));
    assert!(
        e.contains("\"https://10.0.0.9:8006\" is not one of the endpoints"),
        "{e}"
    );
}

#[test]
fn the_display_section_names_connector_mode_and_rotation() {
    let text = format!(
        "[display]\nconnector = \"HDMI-A-1\"\nmode = \"800x480@60\"\nrotation = 270\n{MINIMAL}"
    );
    let loaded = parse(&text, Path::new("t.toml")).expect("valid");
    let d = &loaded.config.display;
    assert_eq!(d.connector.as_deref(), Some("HDMI-A-1"));
    assert_eq!(d.mode.map(|m| m.to_string()).as_deref(), Some("800x480@60"));
    assert_eq!(d.rotation, 270);
    let defaults = parse(MINIMAL, Path::new("t.toml")).expect("valid");
    assert_eq!(defaults.config.display.rotation, 0);
    assert!(defaults.config.display.mode.is_none());
}

#[test]
fn bad_display_settings_name_their_key() {
    let e = err(&format!("[display]\nrotation = 45\n{MINIMAL}"));
    assert!(e.contains("`display.rotation`") && e.contains("45"), "{e}");
    let e = err(&format!("[display]\nmode = \"800by480\"\n{MINIMAL}"));
    assert!(
        e.contains("`display.mode`") && e.contains("800x480@60"),
        "{e}"
    );
    let e = err(&format!("[display]\nconnector = \"HDMI A 1\"\n{MINIMAL}"));
    assert!(e.contains("`display.connector`"), "{e}");
}

#[test]
fn the_pages_keys_have_defaults_and_reach_navigation() {
    let defaults = parse(MINIMAL, Path::new("t.toml")).expect("valid");
    let nav = defaults.nav_settings();
    assert_eq!(nav.home_after, Duration::from_secs(60));
    assert_eq!(nav.rotate_every, None);
    assert_eq!(
        nav.pages,
        [
            crate::core::Page::Overview,
            crate::core::Page::Services,
            crate::core::Page::Alerts
        ]
    );
    let text = format!("[display]\nhome_after_secs = 30\nrotate_pages_secs = 15\n{MINIMAL}");
    let nav = parse(&text, Path::new("t.toml"))
        .expect("valid")
        .nav_settings();
    assert_eq!(nav.home_after, Duration::from_secs(30));
    assert_eq!(nav.rotate_every, Some(Duration::from_secs(15)));
}

#[test]
fn bad_pages_settings_name_their_key_and_line() {
    let e = err(&format!(
        "[display]\nwidth = 800\nhome_after_secs = 2\n{MINIMAL}"
    ));
    assert_eq!(
        e,
        "config error in test.toml, line 3: `display.home_after_secs`: 2 is out of range (allowed 5 to 86400)"
    );
    let e = err(&format!("[display]\nrotate_pages_secs = 7200\n{MINIMAL}"));
    assert_eq!(
        e,
        "config error in test.toml, line 2: `display.rotate_pages_secs`: 7200 is out of range (allowed 5 to 3600)"
    );
    let e = err(&format!("[display]\nrotate_pages = 10\n{MINIMAL}"));
    assert!(e.contains("rotate_pages_secs"), "a did-you-mean: {e}");
}

#[test]
fn the_moonraker_transport_is_one_of_three_words() {
    let base = "[moonraker]\nurl = \"http://m:7125\"\n";
    let loaded = parse(base, Path::new("t.toml")).expect("valid");
    let m = loaded.config.moonraker.as_ref().expect("moonraker");
    assert_eq!(m.transport, TransportConfig::Auto);
    for (word, want) in [
        ("auto", TransportConfig::Auto),
        ("websocket", TransportConfig::Websocket),
        ("http", TransportConfig::Http),
    ] {
        let text = format!("{base}transport = \"{word}\"\n");
        let loaded = parse(&text, Path::new("t.toml")).expect("valid");
        assert_eq!(loaded.config.moonraker.map(|m| m.transport), Some(want));
    }
    let e = err(&format!("{base}transport = \"ws\"\n"));
    assert!(e.contains("moonraker.transport"), "{e}");
    assert!(e.contains("websocket"), "{e}");
    assert!(e.contains("line 3"), "{e}");
}
