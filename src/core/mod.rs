//! The pure core: domain types, the dashboard's state with freshness, the
//! alerts shown (Alertmanager's or Prometheus's, `alerts`), the
//! histories of what the sources reported (rings for the charts, since when
//! each thing is in its state), the user's thresholds and the derived
//! overall status. Synchronous, no I/O, no UI or HTTP types; time is always
//! passed in.

pub mod alerts;
pub mod clock;
pub mod histories;
pub mod history;
pub mod model;
pub mod nav;
pub mod night;
pub mod printer;
pub mod rules;
pub mod seed;
pub mod since;
pub mod state;
pub mod status;

pub use alerts::{AlertSet, AlertmanagerData, Suppression, SuppressionKind};
pub use clock::{Clock, FakeClock, SystemClock};
pub use histories::Histories;
pub use history::{NodeSample, Point, Ring, TempHistory, TempSample};
pub use model::*;
pub use nav::{Input, Nav, NavSettings, Page};
pub use night::{DisplayState, Night, Power, SleepSettings};
pub use rules::{Direction, Judgement, Rules, TileSpec, Unit};
pub use seed::{NodeSeed, ServiceSeed, TempSeed};
pub use since::Since;
pub use state::{Dashboard, Health, SourceSettings, SourceState};
pub use status::{Level, Overall};
