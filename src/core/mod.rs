//! The pure core: domain types, the dashboard's state with freshness, the
//! user's thresholds and the derived overall status. Synchronous, no I/O, no
//! UI or HTTP types; time is always passed in.

pub mod clock;
pub mod history;
pub mod model;
pub mod nav;
pub mod printer;
pub mod rules;
pub mod state;
pub mod status;

pub use clock::{Clock, FakeClock, SystemClock};
pub use history::{TempHistory, TempSample};
pub use model::*;
pub use nav::{Input, Nav, NavSettings, Page};
pub use rules::{Direction, Judgement, Rules, TileSpec, Unit};
pub use state::{Dashboard, Health, SourceSettings, SourceState};
pub use status::{Level, Overall};
