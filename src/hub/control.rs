//! A reloaded config reaching the hub (`app::reload` sends it): a valid
//! one becomes the new sources table, rules, navigation and sleep settings
//! of the running dashboard, with every source's last good data, every
//! history and the page kept where they still exist; a refused one changes
//! nothing but the banner (`view::ConfigVm`).

use crate::core::{NavSettings, Rules, SleepSettings, SourceSettings};
use crate::view::{ConfigVm, Refusal};

use super::{Hub, Model};

/// What a valid config sets in the hub.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconfig {
    /// One per configured source (`config::Loaded::source_settings`).
    pub sources: Vec<SourceSettings>,
    /// Services, tiles and thresholds.
    pub rules: Rules,
    /// The pages, the idle timer and the rotation.
    pub nav: NavSettings,
    /// Quiet hours, idle sleep and wakes.
    pub sleep: SleepSettings,
}

/// A message from the config reload to the hub.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// A valid config: apply it. `needs_restart` names the settings it
    /// changed that only a restart applies (not applied).
    Apply {
        config: Box<Reconfig>,
        needs_restart: Vec<String>,
    },
    /// A config file that was not applied, and why: the running config stays.
    Refuse(Refusal),
}

impl Hub {
    /// Applies a message from the config reload; returns whether the view
    /// may have changed (it always may: the banner or the settings).
    pub fn control(&mut self, control: Control) -> bool {
        match control {
            Control::Apply {
                config,
                needs_restart,
            } => self.reconfigure(*config, needs_restart),
            Control::Refuse(refusal) => {
                let needs_restart = std::mem::take(&mut self.config.needs_restart);
                self.config = ConfigVm::refused(&refusal, needs_restart);
            }
        }
        true
    }

    /// The new settings from now on; what is still configured keeps its state.
    fn reconfigure(&mut self, config: Reconfig, needs_restart: Vec<String>) {
        if let Model::Live { dash, rules } = &mut self.model {
            dash.reconfigure(config.sources);
            *rules = config.rules;
        }
        self.nav.reconfigure(config.nav);
        self.night.reconfigure(config.sleep);
        self.config = ConfigVm::applied(needs_restart);
    }
}
