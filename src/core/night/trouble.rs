//! What can wake the screen from the data: each thing wrong now, and the
//! end of a print, as a [`Cause`] in words. The night machine compares one
//! poll's causes with the last one's; only a cause that was not there
//! before wakes the screen, so a node that stays offline wakes it once.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::super::model::{PrintState, ProbeState, Severity, SourceKind};
use super::super::state::{Dashboard, Health};

/// Why the data may wake the screen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cause {
    /// Trouble (`wake_on` "trouble") or a print that ended ("print").
    pub kind: CauseKind,
    /// Whether quiet hours that keep only critical wakes let it through.
    pub critical: bool,
    /// The words after "woken by: ", e.g. "tower1 offline".
    pub text: String,
}

/// The two families of causes `wake_on` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CauseKind {
    /// A service down, a node offline, a new alert, a source lost.
    Trouble,
    /// The print finished or failed.
    Print,
}

impl Cause {
    fn trouble(critical: bool, text: String) -> Self {
        Self {
            kind: CauseKind::Trouble,
            critical,
            text,
        }
    }
}

/// Every cause in the dashboard at `now`.
pub fn causes(d: &Dashboard, now: DateTime<Utc>) -> BTreeSet<Cause> {
    let mut out = BTreeSet::new();
    for s in d.sources() {
        if s.settings.kind != SourceKind::Moonraker && s.health(now) == Health::Lost {
            out.insert(Cause::trouble(false, format!("{} lost", s.settings.name)));
        }
    }
    if let Some(p) = d.prometheus() {
        for s in p.services.iter().filter(|s| s.state == ProbeState::Down) {
            out.insert(Cause::trouble(true, format!("{} down", s.name)));
        }
    }
    // Silenced and inhibited alerts wake nobody.
    for a in d.alerts().into_iter().flat_map(|set| set.firing()) {
        let at = a.instance.as_deref().map(|i| format!(" on {i}"));
        let text = format!("alert {}{}", a.name, at.unwrap_or_default());
        out.insert(Cause::trouble(a.severity == Severity::Critical, text));
    }
    if let Some(p) = d.proxmox() {
        for n in p.nodes.iter().filter(|n| !n.online) {
            out.insert(Cause::trouble(true, format!("{} offline", n.name)));
        }
    }
    if let Some(p) = d.printer() {
        let ended = match p.state {
            PrintState::Complete => Some("finished"),
            PrintState::Error => Some("failed"),
            _ => None,
        };
        if let Some(how) = ended {
            let file = p.filename.as_deref().unwrap_or("the print");
            out.insert(Cause {
                kind: CauseKind::Print,
                critical: false,
                text: format!("{file} {how}"),
            });
        }
    }
    out
}
