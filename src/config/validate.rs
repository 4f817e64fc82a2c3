//! Checks a parsed config beyond its types: ranges, URLs, names, combinations.
//! Each problem is the dotted key and what is wrong with it.

use std::collections::HashSet;

use super::Config;

type Problem = (String, String);

fn problem(key: impl Into<String>, message: impl Into<String>) -> Problem {
    (key.into(), message.into())
}

fn check_range(key: &str, value: u64, min: u64, max: u64) -> Result<(), Problem> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(problem(
            key,
            format!("{value} is out of range (allowed {min} to {max})"),
        ))
    }
}

fn check_url(key: &str, url: &str) -> Result<(), Problem> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(problem(
            key,
            format!("\"{url}\" is not a URL (expected http://host:port)"),
        ));
    };
    if scheme != "http" && scheme != "https" {
        return Err(problem(
            key,
            format!("\"{url}\" must start with http:// or https://"),
        ));
    }
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.contains(' ') {
        return Err(problem(key, format!("\"{url}\" has no valid host")));
    }
    Ok(())
}

fn check_names<'a>(key: &str, names: impl Iterator<Item = &'a str>) -> Result<(), Problem> {
    let mut seen = HashSet::new();
    for (i, name) in names.enumerate() {
        if name.trim().is_empty() {
            return Err(problem(format!("{key}[{i}].name"), "must not be empty"));
        }
        if !seen.insert(name) {
            return Err(problem(
                format!("{key}[{i}].name"),
                format!("\"{name}\" is used twice; names must be unique"),
            ));
        }
    }
    Ok(())
}

pub(super) fn validate(c: &Config) -> Result<(), Problem> {
    if c.prometheus.is_none() && c.proxmox.is_none() && c.moonraker.is_none() {
        return Err(problem(
            "",
            "no source configured: add at least one of [prometheus], [proxmox] or [moonraker]",
        ));
    }
    check_range("display.width", u64::from(c.display.width), 240, 4096)?;
    check_range("display.height", u64::from(c.display.height), 160, 4096)?;
    check_kms_display(&c.display)?;
    check_pages(&c.display)?;
    let d = &c.display;
    super::sleep::check(d.sleep.as_ref(), d.backlight.as_ref(), d.motion.as_ref())?;
    if c.server.enabled && c.server.listen.parse::<std::net::SocketAddr>().is_err() {
        return Err(problem(
            "server.listen",
            format!(
                "\"{}\" is not an address:port like 0.0.0.0:8080",
                c.server.listen
            ),
        ));
    }
    if let Some(p) = &c.prometheus {
        check_url("prometheus.url", &p.url)?;
        check_range(
            "prometheus.poll_interval_secs",
            p.poll_interval_secs,
            5,
            300,
        )?;
        check_range("prometheus.timeout_secs", p.timeout_secs, 1, 60)?;
        check_range("prometheus.lost_after", u64::from(p.lost_after), 1, 20)?;
        check_headers("prometheus", &p.headers)?;
        if p.bearer_token.is_some() && p.basic_auth.is_some() {
            return Err(problem(
                "prometheus.bearer_token",
                "set either bearer_token or basic_auth, not both",
            ));
        }
    } else if !c.services.is_empty() || !c.tiles.is_empty() {
        return Err(problem(
            "prometheus",
            "[[services]] and [[tiles]] need a [prometheus] section",
        ));
    }
    check_names("services", c.services.iter().map(|s| s.name.as_str()))?;
    for (i, s) in c.services.iter().enumerate() {
        if s.target.trim().is_empty() {
            return Err(problem(
                format!("services[{i}].target"),
                "must not be empty",
            ));
        }
    }
    check_names("tiles", c.tiles.iter().map(|t| t.name.as_str()))?;
    for (i, t) in c.tiles.iter().enumerate() {
        if t.query.trim().is_empty() {
            return Err(problem(format!("tiles[{i}].query"), "must not be empty"));
        }
        if t.decimals > 6 {
            return Err(problem(
                format!("tiles[{i}].decimals"),
                format!("{} is out of range (allowed 0 to 6)", t.decimals),
            ));
        }
    }
    if let Some(p) = &c.proxmox {
        if p.endpoints.is_empty() {
            return Err(problem(
                "proxmox.endpoints",
                "list at least one node URL, e.g. [\"https://192.168.86.29:8006\"]",
            ));
        }
        for (i, e) in p.endpoints.iter().enumerate() {
            check_url(&format!("proxmox.endpoints[{i}]"), e)?;
        }
        if !p.token_id.contains('@') || !p.token_id.contains('!') {
            return Err(problem(
                "proxmox.token_id",
                format!("\"{}\" is not of the form user@realm!tokenid", p.token_id),
            ));
        }
        check_range("proxmox.poll_interval_secs", p.poll_interval_secs, 5, 300)?;
        check_range("proxmox.timeout_secs", p.timeout_secs, 1, 60)?;
        check_range("proxmox.lost_after", u64::from(p.lost_after), 1, 20)?;
        check_proxmox_tls(p)?;
    }
    if let Some(a) = &c.alertmanager {
        check_alertmanager(a)?;
    }
    if let Some(m) = &c.moonraker {
        check_url("moonraker.url", &m.url)?;
        check_range(
            "moonraker.poll_interval_printing_secs",
            m.poll_interval_printing_secs,
            1,
            60,
        )?;
        check_range(
            "moonraker.poll_interval_idle_secs",
            m.poll_interval_idle_secs,
            1,
            600,
        )?;
        check_range("moonraker.timeout_secs", m.timeout_secs, 1, 60)?;
        check_range("moonraker.lost_after", u64::from(m.lost_after), 1, 20)?;
    }
    Ok(())
}

/// `[alertmanager]`: the checks of `[prometheus]`'s same keys.
fn check_alertmanager(a: &super::AlertmanagerConfig) -> Result<(), Problem> {
    check_url("alertmanager.url", &a.url)?;
    check_range(
        "alertmanager.poll_interval_secs",
        a.poll_interval_secs,
        5,
        300,
    )?;
    check_range("alertmanager.timeout_secs", a.timeout_secs, 1, 60)?;
    check_range("alertmanager.lost_after", u64::from(a.lost_after), 1, 20)?;
    check_headers("alertmanager", &a.headers)?;
    if a.bearer_token.is_some() && a.basic_auth.is_some() {
        return Err(problem(
            "alertmanager.bearer_token",
            "set either bearer_token or basic_auth, not both",
        ));
    }
    Ok(())
}

/// Header names are HTTP tokens, and plain values hold no control
/// characters (a secret's value is read later, and checked by the source).
fn check_headers(
    section: &str,
    headers: &std::collections::BTreeMap<String, super::HeaderValueConfig>,
) -> Result<(), Problem> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    for (name, value) in headers {
        let key = format!("{section}.headers.{name}");
        if name.is_empty() || !name.chars().all(token) {
            return Err(problem(
                key,
                format!("\"{name}\" is not a valid HTTP header name"),
            ));
        }
        if let super::HeaderValueConfig::Plain(v) = value
            && v.chars().any(|c| c.is_ascii_control() && c != '\t')
        {
            return Err(problem(
                key,
                "the value holds a control character (a line break?), which an HTTP header cannot carry",
            ));
        }
    }
    Ok(())
}

/// One trust mode for Proxmox: the system roots (nothing set), `ca_file`,
/// a fingerprint for every endpoint, or `insecure`.
fn check_proxmox_tls(p: &super::ProxmoxConfig) -> Result<(), Problem> {
    let pinned = !p.fingerprints.is_empty();
    if p.insecure && (pinned || p.ca_file.is_some()) {
        return Err(problem(
            "proxmox.insecure",
            "insecure = true turns every check off: remove it, or remove ca_file and fingerprints",
        ));
    }
    if pinned && p.ca_file.is_some() {
        return Err(problem(
            "proxmox.fingerprints",
            "set either ca_file or fingerprints, not both",
        ));
    }
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    // Each fingerprint's form was checked when the TOML was read.
    for url in p.fingerprints.keys() {
        if !p.endpoints.iter().any(|e| same(e, url)) {
            return Err(problem(
                "proxmox.fingerprints",
                format!("\"{url}\" is not one of the endpoints"),
            ));
        }
    }
    if pinned
        && let Some(missing) = p
            .endpoints
            .iter()
            .find(|e| !p.fingerprints.keys().any(|k| same(e, k)))
    {
        return Err(problem(
            "proxmox.fingerprints",
            format!("no fingerprint for {missing}: pin every endpoint, or use ca_file"),
        ));
    }
    Ok(())
}

/// The idle timer and the rotation: long enough to read a page, short
/// enough that the screen comes back by itself.
fn check_pages(d: &super::DisplayConfig) -> Result<(), Problem> {
    check_range("display.home_after_secs", d.home_after_secs, 5, 86_400)?;
    if let Some(secs) = d.rotate_pages_secs {
        check_range("display.rotate_pages_secs", secs, 5, 3_600)?;
    }
    Ok(())
}

fn check_kms_display(d: &super::DisplayConfig) -> Result<(), Problem> {
    if !matches!(d.rotation, 0 | 90 | 180 | 270) {
        return Err(problem(
            "display.rotation",
            format!("{} is not one of 0, 90, 180, 270", d.rotation),
        ));
    }
    if let Some(name) = &d.connector
        && (name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return Err(problem(
            "display.connector",
            format!("\"{name}\" is not a DRM connector name like HDMI-A-1"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn alertmanager_errors_name_their_key_and_line() {
        let base = "[proxmox]\nendpoints = [\"https://a:8006\"]\ntoken_id = \"a@pve!b\"\ntoken_secret = { env = \"PATH\" }\n[alertmanager]\n";
        let error = |extra: &str| {
            crate::config::parse(&format!("{base}{extra}"), Path::new("t.toml"))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert_eq!(error("url = \"http://am:9093\"\n"), "");
        for (extra, key, line, words) in [
            ("url = \"am:9093\"\n", "alertmanager.url", 6, "is not a URL"),
            (
                "url = \"http://am:9093\"\ntimeout_secs = 0\n",
                "alertmanager.timeout_secs",
                7,
                "out of range",
            ),
            (
                "url = \"http://am:9093\"\nbearer_token = { env = \"PATH\" }\nbasic_auth = { username = \"a\", password = { env = \"PATH\" } }\n",
                "alertmanager.bearer_token",
                7,
                "not both",
            ),
            (
                "url = \"http://am:9093\"\nheaders = { \"X Bad\" = \"a\" }\n",
                "alertmanager.headers.X Bad",
                7,
                "not a valid HTTP header name",
            ),
            (
                "url = \"http://am:9093\"\nbearer_token = { env = \"PIBOARD_NO_SUCH_VARIABLE\" }\n",
                "alertmanager.bearer_token",
                7,
                "PIBOARD_NO_SUCH_VARIABLE is not set",
            ),
        ] {
            let e = error(extra);
            assert!(
                e.contains(&format!("`{key}`"))
                    && e.contains(&format!("line {line}"))
                    && e.contains(words),
                "{extra}: {e}"
            );
        }
    }

    #[test]
    fn a_plain_header_value_http_cannot_carry_names_its_key() {
        let text = "[prometheus]\nurl = \"http://p:9090\"\n[prometheus.headers]\nX-Tenant = \"a\\nb\"\nX-Tab = \"a\\tb\"\n";
        let e = crate::config::parse(text, Path::new("t.toml")).map(|_| ());
        let e = e.map_err(|e| e.to_string());
        assert!(
            e.as_ref()
                .is_err_and(|e| e.contains("`prometheus.headers.X-Tenant`")
                    && e.contains("line 4")
                    && e.contains("control character")),
            "{e:?}"
        );
        let ok = text.replace("X-Tenant = \"a\\nb\"\n", "");
        assert!(crate::config::parse(&ok, Path::new("t.toml")).is_ok());
    }
}
