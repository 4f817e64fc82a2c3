//! The view model: plain data that says exactly what the screen shows, built
//! from the core's state at a given time. The Slint UI, `/api/status` and the
//! screenshots all read this one structure, so they cannot disagree.
//!
//! Every word on the screen is decided here: the header's status word, the
//! section summaries ("7 / 8 up"), each card's title, headline, detail and
//! extra lines, placeholders ("–"), "+N more", the printer's state words and
//! temperature trends, the fixed words ([`LabelsVm`]: section titles, meter
//! names, the chart's caption) and every line joined from several fields
//! (the overlay's "age · retry", a node's uptime or label, the printer
//! strip's detail and heaters). The Slint bridge (`src/bridge`) only copies
//! fields and maps this module's enums one-to-one onto the UI's. The
//! `.slint` files add only the tone's colour and symbol (✓ ▲ × ● ?, one per
//! tone, with a space before the word it marks) and the layout for the
//! window's size ([`Layout`]).
//!
//! One file per part of the screen:
//!
//! | file | what it builds |
//! |---|---|
//! | `mod.rs` | the [`ViewModel`], the header, the [`Tone`], the [`Layout`] for a window size |
//! | `labels.rs` | the fixed words: section titles, meter and time names, placeholders, the chart's caption |
//! | `health.rs` | the sources table, the connection-lost overlay, the panel badges |
//! | `prometheus.rs` | services, PromQL tiles |
//! | `alerts.rs` | the alerts (Prometheus's or Alertmanager's), held-back ones dimmed |
//! | `proxmox.rs` | nodes, guests, storage |
//! | `cards.rs` | the section summaries and the cards the screen draws from the panels |
//! | `printer.rs`, `heater.rs`, `chart.rs` | the printer panel, its heaters and its temperature chart |
//! | `format.rs` | numbers into words (ages, durations, units, NaN/Inf) |
//! | `page.rs` | the page shown, its title, focus and scroll |
//! | `display.rs` | the display's power state: on, dim or off, and why |
//! | `config.rs` | the config reload's banner and what needs a restart |
//! | `pages/` | each page's own words: section titles, empty states, guests, filament, the focused row |
//! | `setup.rs` | the setup screen (no config, or one that does not load): why, the Pi's addresses, its page's URL, the command |

pub mod alerts;
mod cards;
mod chart;
mod config;
mod display;
pub mod format;
mod health;
mod heater;
mod labels;
mod page;
pub mod pages;
pub mod printer;
pub mod prometheus;
pub mod proxmox;
pub mod setup;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use crate::core::{Dashboard, Judgement, Level, Overall, Rules, SourceKind};

pub use alerts::{AlertVm, AlertsVm};
pub use cards::{CardVm, CardsVm, SummariesVm};
pub use chart::{CHART_MAX_C, CHART_RESOLUTION_C, ChartVm, chart as printer_chart};
pub use config::{ConfigVm, Refusal};
pub use display::DisplayVm;
pub use health::{BadgeVm, BadgesVm, OverlayVm, SourceVm};
pub use heater::{TemperatureVm, Trend};
pub use labels::LabelsVm;
pub use page::PageVm;
pub use pages::{
    AlertsPageVm, GuestRowVm, JobRowVm, NodeRowVm, PagesVm, PrinterPageVm, ProxmoxPageVm,
    ServicesPageVm, SparklineVm,
};
pub use printer::{PrinterState, PrinterVm};
pub use prometheus::{SeriesVm, ServiceVm, TileVm};
pub use proxmox::{GuestsVm, NodeVm, PoolVm, StorageVm};
pub use setup::{SetupFacts, SetupReason, SetupVm};

/// How a value should be coloured. Never the only carrier of meaning: every
/// tone comes with a word or a symbol on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    Ok,
    Warn,
    Bad,
    #[default]
    Unknown,
    /// Informational (a print in progress, a value without thresholds).
    Info,
}

impl Tone {
    /// The tone of a threshold judgement; unknown when there is none (NaN).
    pub fn judged(j: Option<Judgement>) -> Self {
        match j {
            Some(Judgement::Normal) => Self::Ok,
            Some(Judgement::Warning) => Self::Warn,
            Some(Judgement::Critical) => Self::Bad,
            None => Self::Unknown,
        }
    }
}

/// Everything on the screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewModel {
    pub overall: Overall,
    pub header: HeaderVm,
    pub sources: Vec<SourceVm>,
    pub overlay: OverlayVm,
    pub badges: BadgesVm,
    pub summaries: SummariesVm,
    pub services: Vec<ServiceVm>,
    pub nodes: Vec<NodeVm>,
    pub guests: GuestsVm,
    pub storage: StorageVm,
    pub alerts: AlertsVm,
    pub tiles: Vec<TileVm>,
    /// The cards as drawn: guests, storage, alerts and one per tile.
    pub cards: CardsVm,
    pub printer: PrinterVm,
    /// The fixed words: section titles, meter names, the chart's caption.
    pub labels: LabelsVm,
    /// The page shown: [`build`] makes the overview, [`ViewModel::on_page`]
    /// any other.
    pub page: PageVm,
    /// Every page's own words (the rows they share with the overview are
    /// the lists above).
    pub pages: PagesVm,
    /// Whether the display is on, dimmed or off, and why (the hub sets it;
    /// [`build`] says on).
    pub display: DisplayVm,
    /// The setup screen, over everything, when piboard has no config or its
    /// config does not load ([`ViewModel::setup_screen`]); `None` otherwise.
    pub setup: Option<SetupVm>,
    /// Whether the config file on disk is the one running, and what only
    /// a restart applies (the hub sets it; [`build`] says all is well).
    pub config: ConfigVm,
}

/// The header: the overall status as a word in a pill, then (from
/// [`ViewModel::overall`]) its reason, the date, the data's age and the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderVm {
    /// "HEALTHY", "DEGRADED" or "CRITICAL".
    pub status: String,
    pub tone: Tone,
    pub clock: String,
    pub date: String,
    /// Age of the newest data from any source, coarse ("data <1 min old").
    pub data_age: String,
}

/// Which layout the screen uses at a window size in logical pixels: the
/// 480x320 panel is small; 1024x600 is wide (a wider printer column) and
/// tall (taller cards, with room for their extra lines). The window's size
/// is not the dashboard's, so this is not part of the [`ViewModel`]; the
/// bridge sets it with each view model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layout {
    pub small: bool,
    pub wide: bool,
    pub tall: bool,
}

impl Layout {
    /// The layout for a `width` x `height` window.
    pub fn for_size(width: f32, height: f32) -> Self {
        Self {
            small: width < 600.0 || height < 400.0,
            wide: width >= 1000.0,
            tall: height >= 560.0,
        }
    }
}

/// Builds the view model at `now`, showing times in `offset`.
pub fn build(d: &Dashboard, rules: &Rules, now: DateTime<Utc>, offset: FixedOffset) -> ViewModel {
    let prom = d.prometheus();
    let pve = d.proxmox();
    let overall = crate::core::status::overall(d, rules, now);
    let when = prometheus::When {
        histories: d.histories(),
        now,
        offset,
    };
    let services = prometheus::services(prom, &rules.services, &when);
    let nodes = proxmox::nodes(pve, rules);
    let guests = proxmox::guests(pve);
    let storage = proxmox::storage(pve, rules);
    let alerts = alerts::alerts(d.alerts(), d.alerts_from(), &when);
    let tiles = prometheus::tiles(prom, rules);
    let overlay = health::overlay(d, now, offset);
    let pages = pages::build(d, &services, &alerts, now, offset);
    ViewModel {
        header: header(d, overall.status, now, offset),
        overall,
        sources: d.sources().map(|s| health::source(s, now)).collect(),
        badges: health::badges(d, now, &overlay),
        overlay,
        summaries: cards::summaries(&services, &nodes),
        cards: cards::cards(&guests, &storage, &alerts, &tiles),
        services,
        nodes,
        guests,
        storage,
        alerts,
        tiles,
        printer: printer::panel(
            d.source(SourceKind::Moonraker),
            d.histories().printer_temps(),
            now,
            offset,
        ),
        labels: LabelsVm::default(),
        page: PageVm::overview(),
        pages,
        display: DisplayVm::default(),
        setup: None,
        config: ConfigVm::default(),
    }
}

impl ViewModel {
    /// The setup screen's view model: `setup` over an empty dashboard (no
    /// sources) at `now`.
    pub fn setup_screen(setup: SetupVm, now: DateTime<Utc>, offset: FixedOffset) -> Self {
        let empty = Dashboard::new(Vec::new());
        Self {
            setup: Some(setup),
            ..build(&empty, &Rules::default(), now, offset)
        }
    }
}

/// The header's pill: the level as a word, with its tone.
fn status_word(level: Level) -> (&'static str, Tone) {
    match level {
        Level::Healthy => ("HEALTHY", Tone::Ok),
        Level::Degraded => ("DEGRADED", Tone::Warn),
        Level::Critical => ("CRITICAL", Tone::Bad),
    }
}

fn header(d: &Dashboard, level: Level, now: DateTime<Utc>, offset: FixedOffset) -> HeaderVm {
    let data_age = match d.newest_data() {
        Some(t) => format!(
            "data {} old",
            format::age((now - t).num_seconds().max(0) as u64)
        ),
        None if d.sources().next().is_none() => "no sources".to_owned(),
        None => "waiting for data".to_owned(),
    };
    let (status, tone) = status_word(level);
    HeaderVm {
        status: status.to_owned(),
        tone,
        clock: format::clock(now, offset),
        date: format::date(now, offset),
        data_age,
    }
}

#[cfg(test)]
mod tests;
