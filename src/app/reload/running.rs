//! The running sources and how a reload changes them: a source whose built
//! settings are equal keeps its task (never aborted), a changed one is
//! aborted and started again, a removed one is aborted, a new one started.

use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use crate::app::sources::{self, Built, Feeds};
use crate::core::SourceKind;

/// What a reload does to one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Same settings: its task runs on untouched.
    Keep,
    /// Changed settings: its task is aborted and a new one started.
    Restart,
    /// Newly configured: started.
    Start,
    /// No longer configured: its task is aborted.
    Stop,
}

/// What a reload from `old` to `new` does to each source, in `old`'s order
/// then the new ones'.
pub fn plan(old: &[Built], new: &[Built]) -> Vec<(SourceKind, Change)> {
    let find = |list: &[Built], kind| list.iter().find(|b| b.kind() == kind).cloned();
    let mut out: Vec<_> = old
        .iter()
        .map(|o| match find(new, o.kind()) {
            Some(n) if n == *o => (o.kind(), Change::Keep),
            Some(_) => (o.kind(), Change::Restart),
            None => (o.kind(), Change::Stop),
        })
        .collect();
    let started = new.iter().filter(|n| find(old, n.kind()).is_none());
    out.extend(started.map(|n| (n.kind(), Change::Start)));
    out
}

/// One source's poller and the settings it was started with.
#[derive(Debug)]
struct Task {
    built: Built,
    handle: JoinHandle<()>,
}

/// The pollers of the configured sources.
#[derive(Debug)]
pub struct Running {
    rt: Handle,
    feeds: Feeds,
    tasks: Vec<Task>,
}

impl Running {
    /// Starts one poller per source of `built`.
    pub fn start(rt: &Handle, built: Vec<Built>, feeds: Feeds) -> Self {
        let mut running = Self {
            rt: rt.clone(),
            feeds,
            tasks: Vec::new(),
        };
        running.follow(built);
        running
    }

    /// Follows a reloaded config: stops, restarts and starts what [`plan`]
    /// says and leaves the rest running. Returns the plan.
    pub fn follow(&mut self, new: Vec<Built>) -> Vec<(SourceKind, Change)> {
        let old: Vec<Built> = self.tasks.iter().map(|t| t.built.clone()).collect();
        let plan = plan(&old, &new);
        let mut kept = Vec::new();
        for task in std::mem::take(&mut self.tasks) {
            if new.contains(&task.built) {
                kept.push(task);
            } else {
                task.handle.abort();
            }
        }
        for built in new {
            let task = match kept.iter().position(|t| t.built == built) {
                Some(at) => kept.remove(at),
                None => {
                    let handle = sources::start(&self.rt, &built, &self.feeds);
                    Task { built, handle }
                }
            };
            self.tasks.push(task);
        }
        plan
    }

    /// Each running source's task id: the same id after a reload is the
    /// same task, never aborted.
    pub fn tasks(&self) -> Vec<(SourceKind, tokio::task::Id)> {
        let ids = self.tasks.iter().map(|t| (t.built.kind(), t.handle.id()));
        ids.collect()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.handle.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::app::sources::built;
    use Change::{Keep, Restart, Start, Stop};
    use SourceKind::{Alertmanager, Moonraker, Prometheus, Proxmox};

    fn of(text: &str) -> Vec<Built> {
        let loaded = crate::config::parse(text, Path::new("t.toml"));
        built(&loaded.unwrap_or_else(|e| panic!("{e}")))
    }

    const PROM: &str = "[prometheus]\nurl = \"http://p:9090\"\n";
    const PVE: &str = "[proxmox]\nendpoints = [\"https://a:8006\"]\ntoken_id = \"a@pve!b\"\n";
    const MOON: &str = "[moonraker]\nurl = \"http://m:7125\"\n";

    fn pve(secret_var: &str) -> String {
        format!("{PVE}token_secret = {{ env = \"{secret_var}\" }}\n")
    }

    #[test]
    fn equal_settings_keep_changed_ones_restart() {
        let old = of(&format!("{PROM}{}{MOON}", pve("PATH")));
        assert_eq!(
            plan(&old, &old),
            [(Prometheus, Keep), (Proxmox, Keep), (Moonraker, Keep)]
        );
        let moved = of(&format!(
            "[prometheus]\nurl = \"http://q:9090\"\n{}{MOON}",
            pve("PATH")
        ));
        assert_eq!(
            plan(&old, &moved),
            [(Prometheus, Restart), (Proxmox, Keep), (Moonraker, Keep)]
        );
    }

    #[test]
    fn a_new_service_or_tile_restarts_prometheus_only() {
        let old = of(&format!("{PROM}{MOON}"));
        let more = of(&format!(
            "{PROM}{MOON}[[services]]\nname = \"Plex\"\ntarget = \"https://plex\"\n"
        ));
        assert_eq!(
            plan(&old, &more),
            [(Prometheus, Restart), (Moonraker, Keep)]
        );
    }

    #[test]
    fn a_changed_secret_restarts_and_never_prints() {
        let old = of(&pve("PATH"));
        let new = of(&pve("HOME"));
        assert_eq!(plan(&old, &new), [(Proxmox, Restart)]);
        let shown = format!("{new:?}");
        let home = std::env::var("HOME").unwrap_or_default();
        assert!(!home.is_empty() && !shown.contains(&home), "{shown}");
    }

    #[test]
    fn sections_added_and_removed_start_and_stop() {
        let old = of(&format!("{PROM}{MOON}"));
        let new = of(&format!("{PROM}[alertmanager]\nurl = \"http://am:9093\"\n"));
        // Alertmanager takes the alerts: Prometheus stops asking for them.
        assert_eq!(
            plan(&old, &new),
            [
                (Prometheus, Restart),
                (Moonraker, Stop),
                (Alertmanager, Start)
            ]
        );
        assert_eq!(plan(&new, &[]).len(), 2);
        assert!(plan(&new, &[]).iter().all(|(_, c)| *c == Stop));
    }
}
