//! The setup screen: what piboard shows, on the glass and on its :8080
//! page, when it has no config or its config does not load at start-up.
//!
//! Every word is built here from plain facts ([`SetupFacts`]: why, the
//! file it waits for, the Pi's name and addresses, the endpoints' port), so
//! the screen, `/api/status` `setup` and the page say the same. The app
//! reads the facts (`app::setup`), the bridge copies the words and draws
//! the QR code of [`SetupVm::qr`] (`charts::qr`).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Tone;

/// Why the dashboard cannot start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupReason {
    /// No config at any of these paths.
    Missing { looked: Vec<PathBuf> },
    /// The config at hand does not load: the error's text (file, line,
    /// key, problem; never a secret's value, `config::ConfigError`).
    Invalid { error: String },
}

/// What the setup screen is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupFacts<'a> {
    pub reason: SetupReason,
    /// The file piboard waits for (the given one, else where the Pi keeps it).
    pub target: &'a Path,
    pub hostname: &'a str,
    /// IPv4 first, then IPv6 (`platform::net::Host`).
    pub addresses: &'a [IpAddr],
    /// The endpoints' port, `None` when they are off.
    pub port: Option<u16>,
    /// What `piboard --check-config` says about the config at hand.
    pub check: &'a str,
}

/// The setup screen's words, and the text its QR code carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetupVm {
    /// "No config yet" or "The config has an error".
    pub title: String,
    /// `info` without a config, `bad` for an invalid one.
    pub tone: Tone,
    /// Where piboard looked, or the config's error (key, line, problem).
    pub problem: String,
    /// "THIS PI".
    pub host_title: String,
    /// The Pi's hostname ("" when unknown).
    pub hostname: String,
    /// Every address, IPv4 first.
    pub addresses: Vec<String>,
    /// The addresses in one line, or "no network address yet".
    pub addresses_line: String,
    /// "ITS PAGE".
    pub url_title: String,
    /// The page's URL, or "endpoints off".
    pub url: String,
    /// What the QR code encodes: the URL; `None` when there is none to scan.
    pub qr: Option<String>,
    /// Under the QR code: "scan to open it on a phone".
    pub qr_caption: String,
    /// "PUT A CONFIG IN PLACE".
    pub command_title: String,
    /// Where to run the command: "on your computer, in the piboard clone:".
    pub command_hint: String,
    /// The one command: `deploy/deploy.sh pi@192.168.86.131`.
    pub command: String,
    /// The other way: the file to put in place, and the example.
    pub alternative: String,
    /// "The dashboard starts as soon as a valid config is there."
    pub watching: String,
    /// What `piboard --check-config` says about the config at hand (the
    /// :8080 page shows it; the screen shows [`SetupVm::problem`]).
    pub check: String,
}

/// The setup screen for `facts`.
pub fn setup(facts: &SetupFacts<'_>) -> SetupVm {
    let (title, tone, problem) = match &facts.reason {
        SetupReason::Missing { looked } => ("No config yet", Tone::Info, missing(looked)),
        SetupReason::Invalid { error } => ("The config has an error", Tone::Bad, error.clone()),
    };
    let host = address_for_url(facts.addresses)
        .or_else(|| (!facts.hostname.is_empty()).then(|| facts.hostname.to_owned()));
    let qr = match (facts.port, &host) {
        (Some(port), Some(h)) => Some(format!("http://{h}:{port}/")),
        _ => None,
    };
    let url = match (facts.port, &qr) {
        (None, _) => "endpoints off".to_owned(),
        (Some(_), Some(u)) => u.clone(),
        (Some(port), None) => format!("port {port}, once the Pi has an address"),
    };
    let ssh_host = host.unwrap_or_else(|| "THE-PI".to_owned());
    let command = match facts.reason {
        SetupReason::Missing { .. } => format!("deploy/deploy.sh pi@{ssh_host}"),
        SetupReason::Invalid { .. } => format!("deploy/deploy.sh --force pi@{ssh_host}"),
    };
    let addresses: Vec<String> = facts.addresses.iter().map(ToString::to_string).collect();
    SetupVm {
        title: title.to_owned(),
        tone,
        problem,
        host_title: "THIS PI".to_owned(),
        hostname: facts.hostname.to_owned(),
        addresses_line: if addresses.is_empty() {
            "no network address yet".to_owned()
        } else {
            addresses.join(" · ")
        },
        addresses,
        url_title: "ITS PAGE".to_owned(),
        url,
        qr_caption: if qr.is_some() {
            "scan to open it on a phone"
        } else {
            ""
        }
        .to_owned(),
        qr,
        command_title: "PUT A CONFIG IN PLACE".to_owned(),
        command_hint: "on your computer, in the piboard clone:".to_owned(),
        command,
        alternative: format!(
            "or copy one to {} (example: deploy/piboard.toml)",
            facts.target.display()
        ),
        watching: "The dashboard starts as soon as a valid config is there.".to_owned(),
        check: facts.check.to_owned(),
    }
}

/// "No file at /etc/piboard/piboard.toml", or the list of places.
fn missing(looked: &[PathBuf]) -> String {
    let paths: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
    match paths.as_slice() {
        [one] => format!("No file at {one}."),
        _ => format!("No file at any of: {}.", paths.join(", ")),
    }
}

/// The address a phone on the same network would use: the first IPv4,
/// else the first IPv6 in brackets.
fn address_for_url(addresses: &[IpAddr]) -> Option<String> {
    let v4 = addresses.iter().find(|a| a.is_ipv4());
    match v4.or_else(|| addresses.first())? {
        IpAddr::V4(a) => Some(a.to_string()),
        IpAddr::V6(a) => Some(format!("[{a}]")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(
        reason: SetupReason,
        addresses: &'a [IpAddr],
        port: Option<u16>,
    ) -> SetupFacts<'a> {
        SetupFacts {
            reason,
            target: Path::new("/etc/piboard/piboard.toml"),
            hostname: "kitchen-pi",
            addresses,
            port,
            check: "piboard: no config file found.",
        }
    }

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().filter_map(|s| s.parse().ok()).collect()
    }

    #[test]
    fn no_config_names_the_place_the_address_the_url_and_the_command() {
        let a = ips(&["fd00::2", "192.168.86.131"]);
        let looked = vec![PathBuf::from("/etc/piboard/piboard.toml")];
        let vm = setup(&facts(SetupReason::Missing { looked }, &a, Some(8080)));
        assert_eq!(vm.title, "No config yet");
        assert_eq!(vm.tone, Tone::Info);
        assert_eq!(vm.problem, "No file at /etc/piboard/piboard.toml.");
        assert_eq!(vm.url, "http://192.168.86.131:8080/");
        assert_eq!(vm.qr.as_deref(), Some("http://192.168.86.131:8080/"));
        assert_eq!(vm.addresses_line, "fd00::2 · 192.168.86.131");
        assert_eq!(vm.command, "deploy/deploy.sh pi@192.168.86.131");
        assert!(vm.alternative.contains("/etc/piboard/piboard.toml"));
    }

    #[test]
    fn an_invalid_config_shows_its_error_and_the_command_that_replaces_it() {
        let a = ips(&["10.0.0.7"]);
        let error = "config error in /etc/piboard/piboard.toml, line 3: `x`: bad".to_owned();
        let vm = setup(&facts(
            SetupReason::Invalid {
                error: error.clone(),
            },
            &a,
            Some(9000),
        ));
        assert_eq!(
            (vm.title.as_str(), vm.tone),
            ("The config has an error", Tone::Bad)
        );
        assert_eq!(vm.problem, error);
        assert_eq!(vm.url, "http://10.0.0.7:9000/");
        assert_eq!(vm.command, "deploy/deploy.sh --force pi@10.0.0.7");
    }

    #[test]
    fn endpoints_off_or_no_address_leave_no_qr_code() {
        let looked = vec![PathBuf::from("a.toml"), PathBuf::from("b.toml")];
        let off = setup(&facts(
            SetupReason::Missing {
                looked: looked.clone(),
            },
            &[],
            None,
        ));
        assert_eq!(
            (off.url.as_str(), off.qr.as_deref()),
            ("endpoints off", None)
        );
        assert_eq!(off.problem, "No file at any of: a.toml, b.toml.");
        assert_eq!(off.addresses_line, "no network address yet");
        assert_eq!(off.command, "deploy/deploy.sh pi@kitchen-pi");
        let mut f = facts(SetupReason::Missing { looked }, &[], Some(8080));
        f.hostname = "";
        let nowhere = setup(&f);
        assert_eq!(nowhere.qr, None);
        assert_eq!(nowhere.url, "port 8080, once the Pi has an address");
        let v6 = ips(&["fd00::2"]);
        let only6 = setup(&facts(
            SetupReason::Invalid {
                error: String::new(),
            },
            &v6,
            Some(8080),
        ));
        assert_eq!(only6.url, "http://[fd00::2]:8080/");
    }
}
