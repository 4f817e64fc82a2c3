//! Setup mode: piboard without a config it can load.
//!
//! # What happens
//!
//! At start, [`find`] looks for the config: the `--config` file, else the
//! first of `config::default_paths()` that exists. When there is none, or
//! it does not load (a read error, bad TOML, a bad value, a secret that
//! cannot be resolved), the problem goes to the journal as before, and:
//!
//! - `--check-config` and `--screenshot` still exit with status 2;
//! - a display run (window, KMS, `--headless`) shows the setup screen
//!   instead ([`Setup::new`]: `view::setup` from the reason, the file to put
//!   in place, the Pi's name and addresses from `platform::net` and the
//!   endpoints' port), served on :8080 like any view model (`/api/status`
//!   `setup`, the page at `/`, `/api/health` saying `setup`);
//! - [`watch`] stats the candidate files every [`POLL`] (metadata only: no
//!   read while nothing changes, no wakeup of the UI thread). When one
//!   changes and the config now loads, or fails in another way than the
//!   screen says, piboard re-executes itself with the same arguments (same
//!   PID, so systemd sees no restart): the new process starts the
//!   dashboard, or the setup screen with the new error.
//!
//! Nothing of a config that does not load is used: the endpoints listen on
//! `--listen` or the default address, the display on its defaults.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::Utc;

use crate::cli::Cli;
use crate::config::{self, ConfigError, Loaded};
use crate::platform::net::Host;
use crate::view::{self, SetupFacts, SetupReason, ViewModel};

/// How often the candidate files are looked at.
pub const POLL: Duration = Duration::from_secs(2);

/// Where the Pi keeps its config (deploy/setup-pi.sh, the unit's `--config`).
const PI_CONFIG: &str = "/etc/piboard/piboard.toml";

/// Why there is no config to run, with what the journal says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub reason: SetupReason,
    /// The text printed to standard error (the journal), as before setup
    /// mode existed.
    pub message: String,
}

/// The config at `path`, else the first at a default path; or why not.
pub fn find(path: Option<&Path>) -> Result<Loaded, Problem> {
    let (path, looked) = match path {
        Some(p) => (Some(p.to_owned()), vec![p.to_owned()]),
        None => {
            let all = config::default_paths();
            (all.iter().find(|p| p.is_file()).cloned(), all)
        }
    };
    let Some(path) = path else {
        return Err(missing(looked));
    };
    config::load(&path).map_err(|e| match &e {
        ConfigError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            Problem {
                reason: SetupReason::Missing {
                    looked: vec![path.clone()],
                },
                message: format!("piboard: {e}"),
            }
        }
        _ => Problem {
            reason: SetupReason::Invalid {
                error: e.to_string(),
            },
            message: format!("piboard: {e}"),
        },
    })
}

fn missing(looked: Vec<PathBuf>) -> Problem {
    let mut message = "piboard: no config file found. Looked in:".to_owned();
    for p in &looked {
        message.push_str(&format!("\n  {}", p.display()));
    }
    message.push_str(
        "\nCreate one from deploy/piboard.toml, pass --config FILE, or try the demo: piboard --demo",
    );
    Problem {
        reason: SetupReason::Missing { looked },
        message,
    }
}

/// The setup screen to show and the files to watch.
#[derive(Debug, Clone)]
pub struct Setup {
    pub view: ViewModel,
    pub watch: Watch,
}

impl Setup {
    /// The setup screen for `problem`, with this machine's addresses and the
    /// endpoints' port from the command line (or the default).
    pub fn new(cli: &Cli, problem: Problem) -> Self {
        let host = Host::read();
        let target = target(cli.config.as_deref());
        let facts = SetupFacts {
            reason: problem.reason.clone(),
            target: &target,
            hostname: &host.hostname,
            addresses: &host.addresses,
            port: port(cli),
            check: &problem.message,
        };
        let now = Utc::now();
        let vm = view::setup::setup(&facts);
        Self {
            view: ViewModel::setup_screen(vm, now, crate::hub::local_offset(now)),
            watch: Watch {
                given: cli.config.clone(),
                reason: problem.reason,
            },
        }
    }
}

/// The file to put in place: the given one, else `PIBOARD_CONFIG`'s, else
/// the Pi's.
fn target(given: Option<&Path>) -> PathBuf {
    given
        .map(Path::to_owned)
        .or_else(|| std::env::var_os("PIBOARD_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(PI_CONFIG))
}

/// The endpoints' port: `--listen`'s, the default's, `None` with `--no-server`.
fn port(cli: &Cli) -> Option<u16> {
    if cli.no_server {
        return None;
    }
    let listen = cli
        .listen
        .clone()
        .unwrap_or_else(|| config::ServerConfig::default().listen);
    listen.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
}

/// What [`watch`] looks at, and the reason the screen shows now.
#[derive(Debug, Clone)]
pub struct Watch {
    given: Option<PathBuf>,
    reason: SetupReason,
}

impl Watch {
    /// The files whose appearance or change can end setup mode.
    fn candidates(&self) -> Vec<PathBuf> {
        match &self.given {
            Some(p) => vec![p.clone()],
            None => config::default_paths(),
        }
    }
}

/// Each candidate's modification time and length, `None` where absent.
type Stamp = Vec<Option<(SystemTime, u64)>>;

fn stamp(paths: &[PathBuf]) -> Stamp {
    paths
        .iter()
        .map(|p| {
            let m = std::fs::metadata(p).ok()?;
            Some((m.modified().ok()?, m.len()))
        })
        .collect()
}

/// What to do after a candidate changed: `true` to re-execute (the config
/// loads now, or fails otherwise than the screen says).
pub fn should_restart(shown: &SetupReason, now: &Result<Loaded, Problem>) -> bool {
    match now {
        Ok(_) => true,
        Err(p) => &p.reason != shown,
    }
}

/// Watches the candidate files every [`POLL`] on the runtime; re-executes
/// the binary when [`should_restart`] says so.
pub fn watch(rt: &tokio::runtime::Handle, watch: Watch) {
    rt.spawn(async move {
        let paths = watch.candidates();
        let mut seen = stamp(&paths);
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            let now = stamp(&paths);
            if now == seen {
                continue;
            }
            seen = now;
            let found = find(watch.given.as_deref());
            if !should_restart(&watch.reason, &found) {
                continue;
            }
            match &found {
                Ok(l) => tracing::info!("config at {}: starting the dashboard", l.path.display()),
                Err(p) => tracing::warn!("the config changed: {}", p.message),
            }
            restart();
        }
    });
}

/// Re-executes this binary with the same arguments; returns only if that
/// fails (logged, setup mode goes on).
fn restart() {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            tracing::error!("cannot find this executable to restart: {e}");
            return;
        }
    };
    let err = std::process::Command::new(&exe)
        .args(std::env::args_os().skip(1))
        .exec();
    tracing::error!("cannot re-execute {}: {err}", exe.display());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_given_file_is_missing_and_a_broken_one_is_invalid() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("piboard.toml");
        let Err(p) = find(Some(&path)) else {
            panic!("no file loads");
        };
        assert_eq!(
            p.reason,
            SetupReason::Missing {
                looked: vec![path.clone()]
            }
        );
        std::fs::write(&path, "[prometheus]\nurl = 3\n").expect("write");
        let Err(p) = find(Some(&path)) else {
            panic!("a broken file loads");
        };
        assert!(matches!(&p.reason, SetupReason::Invalid { error } if error.contains("line 2")));
        assert!(
            !should_restart(&p.reason, &find(Some(&path))),
            "the same error again"
        );
        assert!(should_restart(
            &SetupReason::Missing { looked: vec![] },
            &find(Some(&path))
        ));
        std::fs::write(&path, "[prometheus]\nurl = \"http://127.0.0.1:9\"\n").expect("write");
        assert!(should_restart(&p.reason, &find(Some(&path))));
    }

    #[test]
    fn a_stamp_changes_when_a_file_appears_or_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = vec![dir.path().join("a.toml")];
        let before = stamp(&paths);
        assert_eq!(before, vec![None]);
        std::fs::write(&paths[0], "x").expect("write");
        let after = stamp(&paths);
        assert_ne!(before, after);
        std::fs::write(&paths[0], "xy").expect("write");
        assert_ne!(after, stamp(&paths));
    }
}
