//! The bad-configuration matrix: every broken config makes
//! `piboard --check-config` exit with status 2 and a message that names the
//! key and the problem, and nothing panics.

use std::process::Command;

const PROM: &str = "[prometheus]\nurl = \"http://127.0.0.1:9090\"\n";
const PVE: &str = "[proxmox]\nendpoints = [\"https://127.0.0.1:8006\"]\ntoken_id = \"piboard@pve!dash\"\ntoken_secret = { env = \"PIBOARD_TEST_PVE_SECRET\" }\n";
const MOON: &str = "[moonraker]\nurl = \"http://127.0.0.1:7125\"\n";

/// A broken config, and what the message must mention.
struct Case {
    name: &'static str,
    toml: String,
    /// The key the message must name (empty where there is none: a file
    /// with no source, a file that is not TOML).
    key: &'static str,
    /// A fragment of the problem in words; never empty, since every string
    /// contains the empty one.
    problem: &'static str,
}

/// A case; panics on an empty or blank `problem`, an expectation that
/// every message would meet.
fn case(
    name: &'static str,
    toml: impl Into<String>,
    key: &'static str,
    problem: &'static str,
) -> Case {
    assert!(
        !problem.trim().is_empty(),
        "{name}: the expected problem text is empty, so any message would pass"
    );
    Case {
        name,
        toml: toml.into(),
        key,
        problem,
    }
}

fn cases() -> Vec<Case> {
    vec![
        // Missing things.
        case("empty file", "", "", "no source configured"),
        case(
            "only a display section",
            "[display]\nwidth = 800\n",
            "",
            "no source configured",
        ),
        case(
            "prometheus without url",
            "[prometheus]\npoll_interval_secs = 20\n",
            "prometheus",
            "url",
        ),
        case(
            "proxmox without endpoints",
            "[proxmox]\ntoken_id = \"a@pve!b\"\ntoken_secret = { env = \"X\" }\n",
            "proxmox",
            "endpoints",
        ),
        case(
            "proxmox without token secret",
            "[proxmox]\nendpoints = [\"https://127.0.0.1:8006\"]\ntoken_id = \"a@pve!b\"\n",
            "proxmox",
            "token_secret",
        ),
        case(
            "service without target",
            format!("{PROM}[[services]]\nname = \"Plex\"\n"),
            "services",
            "target",
        ),
        case(
            "tile without query",
            format!("{PROM}[[tiles]]\nname = \"CPU\"\n"),
            "tiles",
            "query",
        ),
        case(
            "empty tile table",
            format!("{PROM}[[tiles]]\n"),
            "tiles",
            "name",
        ),
        case(
            "services without prometheus",
            "[moonraker]\nurl = \"http://127.0.0.1:7125\"\n[[services]]\nname = \"Plex\"\ntarget = \"http://127.0.0.1:32400\"\n",
            "prometheus",
            "need a [prometheus] section",
        ),
        // Unknown keys, with a suggestion for a likely typo.
        case(
            "typo in a prometheus key",
            format!("{PROM}poll_intervall_secs = 20\n"),
            "prometheus.poll_intervall_secs",
            "did you mean `poll_interval_secs`?",
        ),
        case(
            "typo in a section name",
            format!("{PROM}[promethues]\nurl = \"x\"\n"),
            "promethues",
            "did you mean `prometheus`?",
        ),
        case(
            "typo in a service key",
            format!("{PROM}[[services]]\nname = \"Plex\"\ntargte = \"x\"\n"),
            "targte",
            "did you mean `target`?",
        ),
        case(
            "unknown moonraker key",
            format!("{MOON}apikey = {{ env = \"K\" }}\n"),
            "moonraker.apikey",
            "did you mean `api_key`?",
        ),
        // Wrong types.
        case(
            "interval as a string",
            format!("{PROM}poll_interval_secs = \"20\"\n"),
            "prometheus.poll_interval_secs",
            "expected a whole number",
        ),
        case(
            "endpoints as a string",
            "[proxmox]\nendpoints = \"https://127.0.0.1:8006\"\ntoken_id = \"a@pve!b\"\ntoken_secret = { env = \"X\" }\n",
            "proxmox.endpoints",
            "expected a list",
        ),
        case(
            "insecure as a string",
            format!("{PVE}insecure = \"yes\"\n"),
            "proxmox.insecure",
            "bool",
        ),
        case(
            "width negative",
            format!("[display]\nwidth = -800\n{PROM}"),
            "display.width",
            "invalid value: integer `-800`",
        ),
        case(
            "decimals as float",
            format!("{PROM}[[tiles]]\nname = \"CPU\"\nquery = \"up\"\ndecimals = 1.5\n"),
            "decimals",
            "expected a whole number",
        ),
        // Out of range.
        case(
            "prometheus interval too short",
            format!("{PROM}poll_interval_secs = 2\n"),
            "prometheus.poll_interval_secs",
            "out of range (allowed 5 to 300)",
        ),
        case(
            "prometheus interval too long",
            format!("{PROM}poll_interval_secs = 301\n"),
            "prometheus.poll_interval_secs",
            "out of range",
        ),
        case(
            "prometheus timeout zero",
            format!("{PROM}timeout_secs = 0\n"),
            "prometheus.timeout_secs",
            "out of range",
        ),
        case(
            "proxmox interval too short",
            format!("{PVE}poll_interval_secs = 1\n"),
            "proxmox.poll_interval_secs",
            "out of range",
        ),
        case(
            "moonraker idle interval too long",
            format!("{MOON}poll_interval_idle_secs = 3600\n"),
            "moonraker.poll_interval_idle_secs",
            "out of range",
        ),
        case(
            "display too small",
            format!("[display]\nwidth = 100\n{PROM}"),
            "display.width",
            "out of range",
        ),
        case(
            "tile decimals too many",
            format!("{PROM}[[tiles]]\nname = \"CPU\"\nquery = \"up\"\ndecimals = 9\n"),
            "tiles[0].decimals",
            "out of range",
        ),
        case(
            "lost_after zero",
            format!("{PROM}lost_after = 0\n"),
            "prometheus.lost_after",
            "out of range",
        ),
        // Bad URLs and addresses.
        case(
            "prometheus url without scheme",
            "[prometheus]\nurl = \"192.0.2.1:9090\"\n",
            "prometheus.url",
            "not a URL",
        ),
        case(
            "moonraker url with ftp scheme",
            "[moonraker]\nurl = \"ftp://127.0.0.1:7125\"\n",
            "moonraker.url",
            "http:// or https://",
        ),
        case(
            "proxmox endpoint without host",
            "[proxmox]\nendpoints = [\"https://\"]\ntoken_id = \"a@pve!b\"\ntoken_secret = { env = \"X\" }\n",
            "proxmox.endpoints[0]",
            "no valid host",
        ),
        case(
            "server listen not an address",
            format!("[server]\nlisten = \"port 8080\"\n{PROM}"),
            "server.listen",
            "not an address:port",
        ),
        // Secrets.
        case(
            "inline bearer token",
            format!("{PROM}bearer_token = \"abc123\"\n"),
            "prometheus.bearer_token",
            "env",
        ),
        case(
            "unreadable secret file",
            "[proxmox]\nendpoints = [\"https://127.0.0.1:8006\"]\ntoken_id = \"a@pve!b\"\ntoken_secret = { file = \"/nonexistent/piboard/secret\" }\n",
            "proxmox.token_secret",
            "/nonexistent/piboard/secret",
        ),
        case(
            "secret from an unset variable",
            "[proxmox]\nendpoints = [\"https://127.0.0.1:8006\"]\ntoken_id = \"a@pve!b\"\ntoken_secret = { env = \"PIBOARD_TEST_UNSET_VARIABLE\" }\n",
            "proxmox.token_secret",
            "PIBOARD_TEST_UNSET_VARIABLE",
        ),
        case(
            "bearer and basic auth together",
            format!(
                "{PROM}bearer_token = {{ env = \"PIBOARD_TEST_PVE_SECRET\" }}\nbasic_auth = {{ username = \"u\", password = {{ env = \"PIBOARD_TEST_PVE_SECRET\" }} }}\n"
            ),
            "prometheus.bearer_token",
            "not both",
        ),
        // Proxmox specifics.
        case(
            "token id without realm",
            "[proxmox]\nendpoints = [\"https://127.0.0.1:8006\"]\ntoken_id = \"piboard\"\ntoken_secret = { env = \"PIBOARD_TEST_PVE_SECRET\" }\n",
            "proxmox.token_id",
            "user@realm!tokenid",
        ),
        case(
            "malformed fingerprint",
            format!("{PVE}[proxmox.fingerprints]\n\"https://127.0.0.1:8006\" = \"AB:CD:EF\"\n"),
            "proxmox.fingerprints",
            "fingerprint",
        ),
        // Duplicates and empties.
        case(
            "duplicate service names",
            format!(
                "{PROM}[[services]]\nname = \"Plex\"\ntarget = \"a\"\n[[services]]\nname = \"Plex\"\ntarget = \"b\"\n"
            ),
            "services[1].name",
            "used twice",
        ),
        case(
            "duplicate tile names",
            format!(
                "{PROM}[[tiles]]\nname = \"CPU\"\nquery = \"up\"\n[[tiles]]\nname = \"CPU\"\nquery = \"up\"\n"
            ),
            "tiles[1].name",
            "used twice",
        ),
        case(
            "empty service name",
            format!("{PROM}[[services]]\nname = \"\"\ntarget = \"a\"\n"),
            "services[0].name",
            "must not be empty",
        ),
        case(
            "empty service target",
            format!("{PROM}[[services]]\nname = \"Plex\"\ntarget = \" \"\n"),
            "services[0].target",
            "must not be empty",
        ),
        case(
            "empty tile query",
            format!("{PROM}[[tiles]]\nname = \"CPU\"\nquery = \"\"\n"),
            "tiles[0].query",
            "must not be empty",
        ),
        // Not TOML at all.
        case("not toml", "this is not a config\n", "", "line 1"),
        case(
            "unclosed table header",
            "[prometheus\nurl = \"http://127.0.0.1:9090\"\n",
            "",
            "line 1",
        ),
    ]
}

#[test]
fn every_broken_config_exits_2_naming_the_key_and_the_problem() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let cases = cases();
    assert!(cases.len() >= 30, "the matrix has {} cases", cases.len());
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.toml"));
        std::fs::write(&path, &c.toml).expect("write the case");
        let out = Command::new(env!("CARGO_BIN_EXE_piboard"))
            .args(["--check-config", "--config"])
            .arg(&path)
            .env("PIBOARD_TEST_PVE_SECRET", "s3cret-value")
            .env_remove("PIBOARD_TEST_UNSET_VARIABLE")
            .output()
            .expect("run piboard");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        let ok = code == Some(2)
            && stderr.contains(c.key)
            && stderr.contains(c.problem)
            && !stderr.contains("panicked")
            && !stderr.contains("s3cret-value");
        if !ok {
            failures.push(format!(
                "{}: exit {code:?}, wanted key {:?} and {:?}; stderr:\n{stderr}",
                c.name, c.key, c.problem
            ));
        }
    }
    eprintln!(
        "{} broken configs tried, {} rejected as expected",
        cases.len(),
        cases.len() - failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_config_that_parses_but_cannot_connect_is_not_a_config_error() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("ok.toml");
    // Port 9 (discard) on loopback: nothing answers there, which only the
    // screen can tell; the config itself is fine.
    std::fs::write(&path, "[prometheus]\nurl = \"http://127.0.0.1:9\"\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_piboard"))
        .args(["--check-config", "--config"])
        .arg(&path)
        .output()
        .expect("run piboard");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
