//! The config reload: on SIGHUP (`systemctl reload piboard`) and when the
//! config file changes on disk, piboard reads it again with
//! [`config::load`], the same checks as at start.
//!
//! - A valid file replaces the running config without a restart: the hub
//!   gets the new sources table, rules, pages and sleep settings
//!   ([`Control::Apply`]; every last good value, history and the page are
//!   kept where they still exist), then the sources follow ([`running`]):
//!   one whose built settings are equal keeps its task, a changed one is
//!   restarted, a removed one stopped (its panel goes), a new one started.
//! - What only a restart applies (the display's size, rotation, connector
//!   and mode, its backlight and motion lines, `[server]`) is not applied:
//!   it is logged once, and named in `/api/status` `config.needs_restart`
//!   until the file matches the running process again.
//! - An invalid, unreadable or vanished file changes nothing: the error
//!   (key and line, never a secret's value) is logged and shown as a banner
//!   ("config not reloaded: services[3].target: ...", [`Control::Refuse`])
//!   until a valid file arrives.
//!
//! [`trigger`] has the watch: the directory, not the file, so a file
//! replaced by rename (vim, `mv`, `sed -i`) is seen, and a burst of events
//! is one reload after 300 ms of quiet.

pub mod running;
pub mod trigger;

use std::path::PathBuf;

use tokio::runtime::Handle;
use tokio::sync::mpsc;

use crate::app::sources::{self, Feeds};
use crate::config::{self, Config, ConfigError, Loaded};
use crate::core::SourceKind;
use crate::hub::{Control, Reconfig};
use crate::view::Refusal;

pub use running::{Change, Running};
pub use trigger::Trigger;

/// Reloads the config file and makes the running dashboard follow it.
#[derive(Debug)]
pub struct Reloader {
    path: PathBuf,
    /// The config the process started with: what a restart would change.
    started: Config,
    needs_restart: Vec<String>,
    running: Running,
    control: mpsc::Sender<Control>,
}

impl Reloader {
    /// Starts the sources of `loaded`; later reloads of its file go to the
    /// hub on `control`.
    pub fn start(
        rt: &Handle,
        loaded: &Loaded,
        feeds: Feeds,
        control: mpsc::Sender<Control>,
    ) -> Self {
        Self {
            path: loaded.path.clone(),
            started: loaded.config.clone(),
            needs_restart: Vec::new(),
            running: Running::start(rt, sources::built(loaded), feeds),
            control,
        }
    }

    /// Reads the file once and applies it, or says why not (also to the
    /// hub, as the banner). Returns what became of each source.
    pub async fn reload(&mut self) -> Result<Vec<(SourceKind, Change)>, Refusal> {
        let loaded = match config::load(&self.path) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!("config not reloaded, the running one stays: {e}");
                let refusal = refusal(e);
                let _ = self.control.send(Control::Refuse(refusal.clone())).await;
                return Err(refusal);
            }
        };
        let needs_restart = needs_restart(&self.started, &loaded.config);
        if needs_restart != self.needs_restart && !needs_restart.is_empty() {
            let keys = needs_restart.join(", ");
            tracing::warn!("config reloaded, but these settings need a restart: {keys}");
        }
        self.needs_restart.clone_from(&needs_restart);
        let config = Box::new(reconfig(&loaded));
        // The hub first: it must know a new source before its first update.
        let _ = self
            .control
            .send(Control::Apply {
                config,
                needs_restart,
            })
            .await;
        let plan = self.running.follow(sources::built(&loaded));
        tracing::info!(?plan, "config reloaded from {}", self.path.display());
        Ok(plan)
    }

    /// The running sources' task ids ([`Running::tasks`]).
    pub fn tasks(&self) -> Vec<(SourceKind, tokio::task::Id)> {
        self.running.tasks()
    }

    /// Reloads at each settled trigger until every trigger's sender is gone.
    pub async fn run(mut self, mut triggers: mpsc::Receiver<Trigger>) {
        while let Some(trigger) = trigger::settled(&mut triggers).await {
            tracing::info!(?trigger, "reloading the config");
            let _ = self.reload().await;
        }
    }
}

/// Starts the sources of `loaded` and the reload: SIGHUP and the file's
/// directory watched. A watch that cannot be set up is logged; the
/// dashboard runs on without it.
pub fn spawn(rt: &Handle, loaded: &Loaded, feeds: Feeds, control: mpsc::Sender<Control>) {
    let reloader = Reloader::start(rt, loaded, feeds, control);
    let (tx, rx) = mpsc::channel(4);
    // Both register with the runtime's reactor: set up within it, before
    // the first SIGHUP could end the process.
    let (watch, hangup) = rt.block_on(async {
        let watch = trigger::watch_file(&loaded.path, tx.clone());
        (watch, trigger::watch_hangup(tx))
    });
    match watch {
        Ok(watch) => drop(rt.spawn(watch)),
        Err(e) => tracing::error!(
            "cannot watch {} for changes: {e}; SIGHUP still reloads",
            loaded.path.display()
        ),
    }
    match hangup {
        Ok(hangups) => drop(rt.spawn(hangups)),
        Err(e) => tracing::error!("cannot follow SIGHUP: {e}"),
    }
    rt.spawn(reloader.run(rx));
}

/// What the hub takes from a config.
pub fn reconfig(loaded: &Loaded) -> Reconfig {
    Reconfig {
        sources: loaded.source_settings(),
        rules: loaded.rules(),
        nav: loaded.nav_settings(),
        sleep: loaded.config.display.sleep_settings(),
    }
}

/// A config error as the banner's parts.
fn refusal(e: ConfigError) -> Refusal {
    match e {
        ConfigError::Invalid {
            key, line, message, ..
        } => Refusal { key, line, message },
        ConfigError::Read { path, source } => Refusal {
            key: String::new(),
            line: None,
            message: format!("cannot read {}: {source}", path.display()),
        },
    }
}

/// The settings that differ between `running` and `new` and that only a
/// restart applies, by their keys in the file.
pub fn needs_restart(running: &Config, new: &Config) -> Vec<String> {
    let (a, b) = (&running.display, &new.display);
    let debug = |x: &dyn std::fmt::Debug| format!("{x:?}");
    [
        ("display.width", a.width != b.width),
        ("display.height", a.height != b.height),
        ("display.connector", a.connector != b.connector),
        ("display.mode", a.mode != b.mode),
        ("display.rotation", a.rotation != b.rotation),
        (
            "display.backlight",
            debug(&a.backlight) != debug(&b.backlight),
        ),
        ("display.motion", debug(&a.motion) != debug(&b.motion)),
        (
            "server.enabled",
            running.server.enabled != new.server.enabled,
        ),
        ("server.listen", running.server.listen != new.server.listen),
    ]
    .into_iter()
    .filter(|(_, changed)| *changed)
    .map(|(key, _)| key.to_owned())
    .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn config(text: &str) -> Config {
        let text = format!("[moonraker]\nurl = \"http://m:7125\"\n{text}");
        let loaded = config::parse(&text, Path::new("t.toml"));
        loaded.unwrap_or_else(|e| panic!("{e}")).config
    }

    #[test]
    fn only_the_wiring_needs_a_restart() {
        let old = config("[display]\nwidth = 800\n");
        let same = config("[display]\nwidth = 800\nhome_after_secs = 30\n");
        assert!(needs_restart(&old, &same).is_empty());
        let moved = config(
            "[display]\nwidth = 1024\nrotation = 180\n[display.backlight]\ngpio = 18\n\
             [server]\nlisten = \"127.0.0.1:9000\"\n",
        );
        assert_eq!(
            needs_restart(&old, &moved),
            [
                "display.width",
                "display.rotation",
                "display.backlight",
                "server.listen"
            ]
        );
    }

    #[test]
    fn an_unreadable_file_is_a_refusal_without_a_key() {
        let e = config::load(Path::new("/nonexistent/piboard.toml"));
        let Err(e) = e else {
            panic!("loaded a missing file")
        };
        let r = refusal(e);
        assert_eq!((r.key.as_str(), r.line), ("", None));
        assert!(
            r.message
                .starts_with("cannot read /nonexistent/piboard.toml: "),
            "{r:?}"
        );
    }

    #[test]
    fn an_invalid_file_names_key_and_line() {
        let text = "[prometheus]\nurl = \"http://p:9090\"\n[[services]]\nname = \"Plex\"\n";
        let Err(e) = config::parse(text, Path::new("t.toml")) else {
            panic!("a service without a target loaded")
        };
        let r = refusal(e);
        assert!(r.key.starts_with("services[0]"), "{r:?}");
        assert!(r.line.is_some(), "{r:?}");
    }

    #[test]
    fn an_inline_secret_is_refused_without_its_value() {
        let text = "[proxmox]\nendpoints = [\"https://a:8006\"]\ntoken_id = \"a@pve!b\"\n\
                    token_secret = \"5f3c1a2b-s3cret\"\n";
        let Err(e) = config::parse(text, Path::new("t.toml")) else {
            panic!("an inline secret loaded")
        };
        let r = refusal(e);
        let banner = crate::view::ConfigVm::refused(&r, Vec::new()).banner;
        assert!(
            banner.starts_with("config not reloaded: proxmox.token_secret"),
            "{banner}"
        );
        assert!(!banner.contains("s3cret"), "{banner}");
    }
}
