//! What the screen draws from the panels' facts: the section summaries
//! ("7 / 8 up", "1 / 2 online") and the cards. A card is the one shape of the
//! guests, storage and alerts panels and of every PromQL tile: a title, a
//! headline value, a detail line, a tone, an optional bar and a few extra
//! lines. Built from the panels' own view models, so a card and the facts
//! `/api/status` reports beside it cannot disagree.

use serde::Serialize;

use super::Tone;
use super::alerts::AlertsVm;
use super::prometheus::{ServiceVm, TileVm};
use super::proxmox::{GuestsVm, NodeVm, StorageVm};

/// How many alerts the alerts card names; the rest are "+N more".
pub const ALERT_LINES: usize = 2;

/// What a card shows when it has nothing to count.
const NOTHING: &str = "–";

/// The summaries beside the section titles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SummariesVm {
    /// "7 / 8 up": the services whose probe is up and fast enough.
    pub services: String,
    /// "4 / 5 online".
    pub nodes: String,
}

/// One card as drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct CardVm {
    /// "GUESTS", "STORAGE · FULLEST", a tile's name in capitals.
    pub title: String,
    /// The headline, the card's key figure (the screen never cuts it off):
    /// "16 / 17 running", "71% of 29 GiB", "1 firing", "21%".
    pub value: String,
    /// The line under the lines: "stopped: openclaw", the fullest pool's
    /// name, "+2 more", "query failed: timed out"; empty for none.
    pub detail: String,
    pub tone: Tone,
    /// Whether the headline starts with the tone's symbol: on the alerts
    /// card and the tiles, whose tone is a judgement; not on the guests and
    /// storage cards, which say theirs in words and a bar.
    pub symbol: bool,
    /// A bar filled to this fraction (0..1), or no bar.
    pub fraction: Option<f64>,
    /// Extra lines: the first alerts, a multi-series tile's series.
    pub lines: Vec<String>,
    /// The lines from this one on are drawn dimmed (silenced and
    /// inhibited alerts); `null` for none.
    pub dim_from: Option<usize>,
}

/// Every card on the screen.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct CardsVm {
    pub guests: CardVm,
    pub storage: CardVm,
    pub alerts: CardVm,
    /// One per PromQL tile, in the configured order.
    pub tiles: Vec<CardVm>,
}

/// The section summaries for these services and nodes.
pub(super) fn summaries(services: &[ServiceVm], nodes: &[NodeVm]) -> SummariesVm {
    let up = services.iter().filter(|s| s.tone == Tone::Ok).count();
    let online = nodes.iter().filter(|n| n.online).count();
    SummariesVm {
        services: format!("{up} / {} up", services.len()),
        nodes: format!("{online} / {} online", nodes.len()),
    }
}

/// The cards for these panels.
pub(super) fn cards(
    guests: &GuestsVm,
    storage: &StorageVm,
    alerts: &AlertsVm,
    tiles: &[TileVm],
) -> CardsVm {
    CardsVm {
        guests: guests_card(guests),
        storage: storage_card(storage),
        alerts: alerts_card(alerts),
        tiles: tiles.iter().map(tile_card).collect(),
    }
}

fn guests_card(g: &GuestsVm) -> CardVm {
    CardVm {
        title: "GUESTS".to_owned(),
        value: if g.total == 0 { NOTHING } else { &g.text }.to_owned(),
        detail: g.detail.clone(),
        tone: g.tone,
        ..CardVm::default()
    }
}

fn storage_card(st: &StorageVm) -> CardVm {
    match &st.fullest {
        // The figure is the headline, never cut off; the pool's name
        // (with its node, long) is the line under it, shortened if it must.
        Some(p) => CardVm {
            title: "STORAGE · FULLEST".to_owned(),
            value: p.text.clone(),
            detail: p.name.clone(),
            tone: p.tone,
            fraction: Some(p.used_fraction),
            ..CardVm::default()
        },
        None => CardVm {
            title: "STORAGE".to_owned(),
            value: NOTHING.to_owned(),
            detail: "no storage reported".to_owned(),
            tone: Tone::Unknown,
            ..CardVm::default()
        },
    }
}

/// The alerts card: the first alerts (a held-back one dimmed, with who
/// holds it back), then "+N more". How many are held back is in the title
/// ("ALERTS · 1 SILENCED"), which every screen size shows.
fn alerts_card(a: &AlertsVm) -> CardVm {
    let more = a.items.len().saturating_sub(ALERT_LINES);
    let detail = match &a.error {
        Some(e) => format!("query failed: {e}"),
        None if more > 0 => format!("+{more} more"),
        None => String::new(),
    };
    let title = match a.held.as_str() {
        "" => "ALERTS".to_owned(),
        held => format!("ALERTS · {}", held.to_uppercase()),
    };
    let shown = &a.items[..a.items.len().min(ALERT_LINES)];
    let lines: Vec<String> = shown
        .iter()
        .map(|i| match i.suppressed.as_str() {
            "" => i.text.clone(),
            held => format!("{} · {held}", i.text),
        })
        .collect();
    CardVm {
        title,
        value: a.text.clone(),
        detail,
        tone: a.tone,
        symbol: true,
        fraction: None,
        dim_from: shown.iter().position(|i| !i.suppressed.is_empty()),
        lines,
    }
}

/// A tile: its name in capitals; one line per series when there are several.
fn tile_card(t: &TileVm) -> CardVm {
    let lines = if t.series.len() > 1 {
        t.series
            .iter()
            .map(|x| format!("{} {}", x.label, x.text))
            .collect()
    } else {
        Vec::new()
    };
    CardVm {
        title: t.name.to_uppercase(),
        value: t.value.clone(),
        detail: t.detail.clone(),
        tone: t.tone,
        symbol: true,
        fraction: None,
        lines,
        dim_from: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{ServiceHealth, Severity};
    use crate::view::{AlertVm, PoolVm, SeriesVm};

    fn alert(name: &str) -> AlertVm {
        AlertVm {
            name: name.to_owned(),
            severity: Severity::Critical,
            label: "CRITICAL".to_owned(),
            tone: Tone::Bad,
            instance: None,
            text: name.to_owned(),
            since: String::new(),
            summary: String::new(),
            suppressed: String::new(),
            detail: String::new(),
        }
    }

    fn alerts(count: usize, error: Option<&str>) -> AlertsVm {
        let items: Vec<AlertVm> = (0..count).map(|i| alert(&format!("A{i}"))).collect();
        AlertsVm {
            count,
            error: error.map(str::to_owned),
            items,
            text: format!("{count} firing"),
            tone: Tone::Bad,
            ..AlertsVm::default()
        }
    }

    #[test]
    fn the_alerts_card_names_two_and_counts_the_rest() {
        let card = alerts_card(&alerts(5, None));
        assert_eq!(card.title, "ALERTS");
        assert!(card.symbol, "the alerts' tone is a judgement: marked");
        assert_eq!(card.value, "5 firing");
        assert_eq!(card.lines, ["A0", "A1"]);
        assert_eq!(card.detail, "+3 more");
        assert_eq!(alerts_card(&alerts(2, None)).detail, "");
        let failed = alerts_card(&alerts(0, Some("timed out")));
        assert_eq!(failed.detail, "query failed: timed out");
        assert!(failed.lines.is_empty());
        assert_eq!(alerts_card(&alerts(5, None)).dim_from, None);
    }

    #[test]
    fn held_back_alerts_are_dimmed_lines_and_counted_under_them() {
        let mut a = alerts(1, None);
        let mut silenced = alert("ProbeFailed");
        silenced.suppressed = "silenced by alice until 14:00".into();
        a.items.push(silenced.clone());
        a.items.push(silenced);
        a.held = "2 silenced".into();
        let card = alerts_card(&a);
        assert_eq!(
            card.lines,
            ["A0", "ProbeFailed · silenced by alice until 14:00"]
        );
        assert_eq!(card.dim_from, Some(1));
        assert_eq!(card.detail, "+1 more");
        assert_eq!(card.title, "ALERTS · 2 SILENCED");
        assert_eq!(alerts_card(&alerts(1, None)).title, "ALERTS");
    }

    #[test]
    fn storage_shows_the_fullest_pool_with_a_bar_or_says_there_is_none() {
        let pool = PoolVm {
            name: "ceph-pool".into(),
            used_fraction: 0.64,
            used_bytes: 64,
            total_bytes: 100,
            text: "64% of 100 B".into(),
            tone: Tone::Ok,
        };
        let full = storage_card(&StorageVm {
            fullest: Some(pool.clone()),
            pools: vec![pool],
        });
        assert_eq!(
            (full.title.as_str(), full.value.as_str(), full.fraction),
            ("STORAGE · FULLEST", "64% of 100 B", Some(0.64))
        );
        assert_eq!(full.detail, "ceph-pool", "the name, under the figure");
        assert!(!full.symbol, "storage says its state with a bar");
        let none = storage_card(&StorageVm::default());
        assert_eq!(
            (
                none.title.as_str(),
                none.value.as_str(),
                none.detail.as_str()
            ),
            ("STORAGE", "–", "no storage reported")
        );
        assert_eq!((none.tone, none.fraction), (Tone::Unknown, None));
    }

    #[test]
    fn guests_without_any_show_a_dash_not_zero_of_zero() {
        let none = guests_card(&GuestsVm {
            text: "0 / 0 running".into(),
            ..GuestsVm::default()
        });
        assert_eq!((none.title.as_str(), none.value.as_str()), ("GUESTS", "–"));
        assert!(!none.symbol, "guests say their state in words");
        let some = guests_card(&GuestsVm {
            total: 3,
            running: 3,
            text: "3 / 3 running".into(),
            ..GuestsVm::default()
        });
        assert_eq!(some.value, "3 / 3 running");
    }

    #[test]
    fn a_tile_is_titled_in_capitals_and_lists_its_series_only_when_several() {
        let series = |label: &str, text: &str| SeriesVm {
            label: label.into(),
            value: None,
            text: text.into(),
            tone: Tone::Ok,
        };
        let mut t = TileVm {
            name: "CPU temp".into(),
            value: "zotac 62 °C".into(),
            tone: Tone::Ok,
            series: vec![series("zotac", "62 °C"), series("tower1", "48 °C")],
            detail: "+3 more".into(),
            error: None,
        };
        let card = tile_card(&t);
        assert_eq!(card.title, "CPU TEMP");
        assert!(card.symbol);
        assert_eq!(card.lines, ["zotac 62 °C", "tower1 48 °C"]);
        assert_eq!(card.detail, "+3 more");
        t.series.truncate(1);
        assert!(tile_card(&t).lines.is_empty());
    }

    #[test]
    fn summaries_count_services_up_and_nodes_online() {
        let service = |tone| ServiceVm {
            name: "s".into(),
            state: ServiceHealth::Up,
            tone,
            label: String::new(),
            response_s: None,
            detail: String::new(),
            since: String::new(),
        };
        let services = [service(Tone::Ok), service(Tone::Warn), service(Tone::Ok)];
        let s = summaries(&services, &[]);
        assert_eq!(s.services, "2 / 3 up");
        assert_eq!(s.nodes, "0 / 0 online");
    }
}
