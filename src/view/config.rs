//! The config's state as the screen's sinks say it: the banner over the
//! header when a reload was refused ("config not reloaded:
//! services[3].target: missing field"), and the settings a reload changed
//! that only a restart applies. `/api/status` `config`; the hub sets it
//! (`hub::Control`), [`super::build`] says all is well.

use serde::Serialize;

/// What became of the last reload of the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ConfigVm {
    /// The banner as drawn: why the file on disk was not applied, or ""
    /// when the running config is the file's.
    pub banner: String,
    /// The settings the file changed that only a restart applies
    /// (`display.width`, `server.listen`), in the config's own key names;
    /// empty when there are none.
    pub needs_restart: Vec<String>,
}

/// Why a config file was refused, as plain parts: the key (dotted, ""
/// when the error names none), the line if known, and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The key at fault (`services[3].target`), or "".
    pub key: String,
    /// The line in the file, if the error has one.
    pub line: Option<usize>,
    /// What is wrong, in words (never a secret's value).
    pub message: String,
}

impl ConfigVm {
    /// A config applied; `needs_restart` lists what it changed that only a
    /// restart applies.
    pub fn applied(needs_restart: Vec<String>) -> Self {
        Self {
            banner: String::new(),
            needs_restart,
        }
    }

    /// A config refused: the banner names the key, the line and the
    /// message; what still needs a restart is what the running one said.
    pub fn refused(refusal: &Refusal, needs_restart: Vec<String>) -> Self {
        let at = refusal
            .line
            .map(|l| format!(" (line {l})"))
            .unwrap_or_default();
        let key = if refusal.key.is_empty() {
            String::new()
        } else {
            format!("{}: ", refusal.key)
        };
        Self {
            banner: format!("config not reloaded: {key}{}{at}", refusal.message),
            needs_restart,
        }
    }
}

impl super::ViewModel {
    /// The same view model with the config's state.
    #[must_use]
    pub fn with_config(mut self, config: ConfigVm) -> Self {
        self.config = config;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_names_key_message_and_line() {
        let refusal = Refusal {
            key: "services[3].target".into(),
            line: Some(12),
            message: "missing field `target`".into(),
        };
        let vm = ConfigVm::refused(&refusal, vec!["server.listen".into()]);
        assert_eq!(
            vm.banner,
            "config not reloaded: services[3].target: missing field `target` (line 12)"
        );
        assert_eq!(vm.needs_restart, ["server.listen"]);
        let unreadable = Refusal {
            key: String::new(),
            line: None,
            message: "cannot read /etc/piboard/piboard.toml: not found".into(),
        };
        assert_eq!(
            ConfigVm::refused(&unreadable, Vec::new()).banner,
            "config not reloaded: cannot read /etc/piboard/piboard.toml: not found"
        );
        assert_eq!(ConfigVm::applied(Vec::new()), ConfigVm::default());
    }
}
