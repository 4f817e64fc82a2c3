//! The view model of the demo homelab's states: the words and numbers the
//! screen and `/api/status` show.

use chrono::{FixedOffset, TimeZone, Utc};

use piboard::core::*;
use piboard::demo;
use piboard::view::*;

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).expect("valid offset")
}

fn frame(at: u32) -> ViewModel {
    let (d, now) = demo::replay(at);
    build(&d, &demo::rules(), now, utc())
}

#[test]
fn the_overlay_shows_when_prometheus_is_lost_and_names_url_reason_age_and_retry() {
    let vm = frame(75);
    let o = &vm.overlay;
    assert!(o.visible);
    assert_eq!(o.title, "Connection to Prometheus lost");
    assert_eq!(o.url, "http://192.168.86.25:9090");
    assert_eq!(o.reason, "connection refused (192.168.86.25:9090)");
    assert_eq!(o.data_age_s, Some(7));
    assert_eq!(o.data_age, "Data shown is <1 min old");
    assert_eq!(o.next_retry, "Next retry at 09:01:16");
    // The overlay, not a badge, covers the Prometheus panels; the other
    // sources keep their own state.
    assert!(!vm.badges.prometheus.visible);
    assert!(!vm.badges.proxmox.visible);
    let prom = vm
        .sources
        .iter()
        .find(|s| s.kind == SourceKind::Prometheus)
        .expect("prometheus");
    assert_eq!(prom.state, Health::Lost);
}

#[test]
fn the_overlay_goes_on_the_first_good_cycle() {
    assert!(frame(98).overlay.visible);
    assert!(!frame(100).overlay.visible);
}

#[test]
fn a_single_failure_is_a_stale_badge_not_the_overlay() {
    let vm = frame(70);
    assert!(!vm.overlay.visible);
    assert!(vm.badges.prometheus.visible);
    assert_eq!(vm.badges.prometheus.tone, Tone::Warn);
}

#[test]
fn printer_panel_forms() {
    let printing = frame(10).printer;
    assert!(!printing.compact);
    assert_eq!(printing.state_text, "Printing");
    assert_eq!(printing.filename, "enclosure-hinge_0.2mm_PETG_2h10m");
    assert!(printing.time_left_s.is_some() && printing.eta.is_some());
    let done = frame(130).printer;
    assert!(done.compact);
    assert_eq!(done.state_text, "Complete");
    let offline = frame(165).printer;
    assert!(offline.compact);
    assert_eq!(offline.state, PrinterState::Offline);
    assert!(
        offline.detail.contains("no answer within 5 s"),
        "{}",
        offline.detail
    );
}

#[test]
fn offline_nodes_show_no_numbers_and_their_guests_are_unknown() {
    let vm = frame(60);
    let tower = vm
        .nodes
        .iter()
        .find(|n| n.name == "tower1")
        .expect("tower1");
    assert!(!tower.online);
    assert_eq!(
        (tower.cpu_text.as_str(), tower.mem_text.as_str()),
        ("–", "–")
    );
    assert_eq!(vm.guests.unknown, 3);
    assert_eq!(vm.guests.text, "13 / 17 running");
    assert_eq!(vm.guests.detail, "3 unknown · stopped: openclaw");
}

#[test]
fn the_header_shows_the_clock_and_the_age_of_the_newest_data() {
    let d = Dashboard::new(demo::settings());
    let now = Utc
        .with_ymd_and_hms(2026, 11, 21, 9, 5, 0)
        .single()
        .expect("valid");
    let vm = build(&d, &Rules::default(), now, utc());
    assert_eq!(vm.header.clock, "09:05");
    assert_eq!(vm.header.data_age, "waiting for data");
    assert_eq!(frame(75).header.data_age, "data <1 min old");
}

/// `/api/status` is built from the view model by `server::Status`: the
/// document (not the view model itself) has the documented keys, and each
/// holds what the view model, and so the screen, shows.
#[test]
fn the_status_json_has_the_documented_top_level_keys() {
    use piboard::server::Status;
    let vm = frame(75);
    let text: serde_json::Value =
        serde_json::from_str(&Status::to_json(&vm)).expect("the status is JSON");
    // The same document as a value, so that numbers compare exactly.
    let json = serde_json::to_value(Status::new(&vm)).expect("serializable");
    let keys = |v: &serde_json::Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
    assert_eq!(keys(&text), keys(&json));
    assert_eq!(json["schema"], piboard::server::status::SCHEMA_VERSION);
    let shown = |part: serde_json::Result<serde_json::Value>| part.expect("serializable");
    for (key, part) in [
        ("overall", shown(serde_json::to_value(&vm.overall))),
        ("sources", shown(serde_json::to_value(&vm.sources))),
        ("overlay", shown(serde_json::to_value(&vm.overlay))),
        ("services", shown(serde_json::to_value(&vm.services))),
        ("nodes", shown(serde_json::to_value(&vm.nodes))),
        ("guests", shown(serde_json::to_value(&vm.guests))),
        ("storage", shown(serde_json::to_value(&vm.storage))),
        ("alerts", shown(serde_json::to_value(&vm.alerts))),
        ("tiles", shown(serde_json::to_value(&vm.tiles))),
    ] {
        assert_eq!(
            json.get(key),
            Some(&part),
            "status `{key}` is not the view's"
        );
    }
    assert_eq!(json["overall"]["status"], "critical");
    assert_eq!(json["sources"][0]["state"], "lost");
    assert_eq!(
        json["overlay"]["reason"],
        "connection refused (192.168.86.25:9090)"
    );
    // The printer's facts, regrouped: the heaters under `temperatures`.
    let printer = &json["printer"];
    assert_eq!(printer["state_text"], vm.printer.state_text.as_str());
    assert_eq!(printer["detail"], vm.printer.detail.as_str());
    assert_eq!(
        printer["filename"],
        shown(serde_json::to_value(&vm.printer.filename))
    );
    assert_eq!(printer["progress"], vm.printer.progress);
    assert_eq!(
        printer["temperatures"]["extruder"],
        shown(serde_json::to_value(&vm.printer.extruder))
    );
    assert_eq!(
        printer["temperatures"]["bed"],
        shown(serde_json::to_value(&vm.printer.bed))
    );
}

#[test]
fn the_header_and_section_summaries_say_what_is_wrong_in_words() {
    let healthy = frame(10);
    assert_eq!(
        (healthy.header.status.as_str(), healthy.header.tone),
        ("HEALTHY", Tone::Ok)
    );
    assert_eq!(healthy.summaries.services, "12 / 12 up");
    assert_eq!(healthy.summaries.nodes, "5 / 5 online");
    // Overseerr down and Jellyfin slow: a slow service is not counted as up.
    let down = frame(40);
    assert_eq!(
        (down.header.status.as_str(), down.header.tone),
        ("CRITICAL", Tone::Bad)
    );
    assert_eq!(down.summaries.services, "10 / 12 up");
    assert_eq!(frame(60).summaries.nodes, "4 / 5 online");
}

#[test]
fn every_card_is_built_in_the_view_with_its_title_and_lines() {
    let vm = frame(60);
    let c = &vm.cards;
    assert_eq!(
        (c.guests.title.as_str(), c.guests.value.as_str()),
        ("GUESTS", "13 / 17 running")
    );
    assert_eq!(c.guests.detail, "3 unknown · stopped: openclaw");
    assert_eq!(
        (c.storage.title.as_str(), c.storage.value.as_str()),
        ("STORAGE · FULLEST", "71% of 29 GiB")
    );
    assert_eq!(c.storage.detail, "local-lvm · thinkcentre2");
    assert!(c.storage.fraction.is_some_and(|f| (f - 0.71).abs() < 0.01));
    assert_eq!(
        (c.alerts.title.as_str(), c.alerts.value.as_str()),
        ("ALERTS", "1 firing")
    );
    assert_eq!(c.alerts.lines, ["ProxmoxNodeDown · tower1"]);
    let titles: Vec<&str> = c.tiles.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["CLUSTER CPU", "CPU TEMP", "GLUCOSE"]);
    let temps = &c.tiles[1];
    assert_eq!(temps.lines.len(), 3, "{temps:?}");
    assert!(temps.lines[0].starts_with("thinkcentre1 "), "{temps:?}");
    assert_eq!(temps.detail, "+2 more");
    assert!(c.tiles[0].lines.is_empty(), "a single series has no lines");
}

#[test]
fn heaters_carry_their_label_trend_and_tone() {
    let heating = frame(174).printer;
    assert_eq!(heating.extruder.label, "Nozzle");
    assert_eq!(heating.bed.label, "Bed");
    assert_eq!(
        (heating.extruder.trend, heating.extruder.tone),
        (Trend::Heating, Tone::Warn)
    );
    assert_eq!(heating.extruder.text, "174 / 240 °C ↑");
    let done = frame(130).printer;
    assert_eq!(
        (done.bed.trend, done.bed.tone),
        (Trend::Cooling, Tone::Info)
    );
    assert_eq!(done.glyph, "✓");
    assert_eq!(frame(10).printer.fan_speed, "Fan 60% · Speed 100%");
    let offline = frame(165).printer;
    assert_eq!(offline.extruder.trend, Trend::Unknown);
    assert_eq!(offline.extruder.text, "");
}

#[test]
fn the_bridge_copies_the_view_models_words_unchanged() {
    use piboard::bridge::ui::Dash;
    use slint::{ComponentHandle, Model};
    let vm = frame(60);
    let mut screen = piboard::platform::Offscreen::new(800, 480).expect("an offscreen window");
    screen.show(&vm);
    let dash = screen.ui().global::<Dash>();
    let header = dash.get_header();
    assert_eq!(header.status, vm.header.status.as_str());
    assert_eq!(header.reason, vm.overall.reason.as_str());
    assert_eq!(dash.get_services_summary(), vm.summaries.services.as_str());
    assert_eq!(dash.get_nodes_summary(), vm.summaries.nodes.as_str());
    let alerts = dash.get_alerts();
    assert_eq!(alerts.title, vm.cards.alerts.title.as_str());
    let lines: Vec<String> = alerts.lines.iter().map(|l| l.to_string()).collect();
    assert_eq!(lines, vm.cards.alerts.lines);
    let bar = f64::from(dash.get_storage().fraction);
    assert!(
        vm.cards
            .storage
            .fraction
            .is_some_and(|f| (f - bar).abs() < 1e-6),
        "{bar}"
    );
    assert!(
        dash.get_guests().fraction < 0.0,
        "no bar on the guests card"
    );
    let tiles: Vec<String> = dash
        .get_tiles()
        .iter()
        .map(|t| t.title.to_string())
        .collect();
    let expected: Vec<&str> = vm.cards.tiles.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(tiles, expected);
    let printer = dash.get_printer();
    assert_eq!(printer.extruder.label, vm.printer.extruder.label.as_str());
    assert_eq!(printer.fan_speed, vm.printer.fan_speed.as_str());
    let tower = dash
        .get_nodes()
        .iter()
        .find(|n| n.name == "tower1")
        .expect("tower1");
    assert_eq!((tower.cpu, tower.cpu_text.as_str()), (0.0, "–"));
}

#[test]
fn the_fixed_words_and_joined_lines_are_those_the_goldens_show() {
    // prometheus-lost.png: the section titles, meters, printer times,
    // chart caption and the overlay's lines.
    let vm = frame(75);
    let l = &vm.labels;
    let fixed = [
        &l.services_title,
        &l.nodes_title,
        &l.cpu,
        &l.mem,
        &l.no_data,
        &l.no_preview,
        &l.elapsed,
        &l.left,
        &l.eta,
        &l.chart_caption,
    ];
    assert_eq!(
        fixed,
        [
            "SERVICES",
            "PROXMOX NODES",
            "CPU",
            "MEM",
            "no data",
            "no\npreview",
            "ELAPSED",
            "LEFT",
            "ETA",
            "LAST 10 MIN · LINES AT 100 AND 200 °C",
        ]
    );
    assert_eq!(vm.overlay.heading, "×  Connection to Prometheus lost");
    assert_eq!(
        vm.overlay.footer,
        "Data shown is <1 min old · Next retry at 09:01:16"
    );
    assert!(
        !vm.printer.chart.is_empty(),
        "the chart whose grid lines the caption names"
    );
    // node-offline.png: uptime while online, the label when offline.
    let status: Vec<String> = frame(60).nodes.into_iter().map(|n| n.status).collect();
    assert_eq!(
        status,
        ["up 12 d", "up 12 d", "up 12 d", "OFFLINE", "up 27 d"]
    );
    // printer-complete.png and printer-offline.png: the strip's line and heaters.
    let done = frame(130).printer;
    assert_eq!(done.strip_detail, "enclosure-hinge_0.2mm_PETG_2h10m");
    assert_eq!(done.strip_temperatures, "Nozzle 200 °C ↓   Bed 72 °C ↓");
    let offline = frame(165).printer;
    assert_eq!(
        offline.strip_detail,
        "no answer within 5 s · data <1 min old"
    );
    assert_eq!(offline.strip_temperatures, "");
    assert_eq!(
        frame(10).printer.quoted_message,
        "",
        "no message, no quotes"
    );
    // The cards that mark their headline with the tone's symbol.
    let c = &frame(60).cards;
    assert_eq!(
        (c.guests.symbol, c.storage.symbol, c.alerts.symbol),
        (false, false, true)
    );
    assert!(c.tiles.iter().all(|t| t.symbol));
}

#[test]
fn the_bridge_copies_the_fixed_words_and_joined_lines_unchanged() {
    use piboard::bridge::ui::Dash;
    use slint::{ComponentHandle, Model};
    // Words unlike the `.slint` placeholders, so a label the bridge failed
    // to copy shows as the placeholder and fails.
    let mut vm = frame(75);
    for word in [
        &mut vm.labels.services_title,
        &mut vm.labels.nodes_title,
        &mut vm.labels.cpu,
        &mut vm.labels.mem,
        &mut vm.labels.no_data,
        &mut vm.labels.no_preview,
        &mut vm.labels.elapsed,
        &mut vm.labels.left,
        &mut vm.labels.eta,
        &mut vm.labels.chart_caption,
    ] {
        word.push_str(" (copied)");
    }
    let mut screen = piboard::platform::Offscreen::new(800, 480).expect("an offscreen window");
    screen.show(&vm);
    let dash = screen.ui().global::<Dash>();
    let l = dash.get_labels();
    let shown = [
        l.services_title,
        l.nodes_title,
        l.cpu,
        l.mem,
        l.no_data,
        l.no_preview,
        l.elapsed,
        l.left,
        l.eta,
        l.chart_caption,
    ];
    let v = &vm.labels;
    let expected = [
        &v.services_title,
        &v.nodes_title,
        &v.cpu,
        &v.mem,
        &v.no_data,
        &v.no_preview,
        &v.elapsed,
        &v.left,
        &v.eta,
        &v.chart_caption,
    ];
    for (s, e) in shown.iter().zip(expected) {
        assert_eq!(s.as_str(), e.as_str());
    }
    let overlay = dash.get_overlay();
    assert_eq!(overlay.heading, vm.overlay.heading.as_str());
    assert_eq!(overlay.footer, vm.overlay.footer.as_str());
    let status: Vec<String> = dash.get_nodes().iter().map(|n| n.status.into()).collect();
    let expected: Vec<&str> = vm.nodes.iter().map(|n| n.status.as_str()).collect();
    assert_eq!(status, expected);
    let printer = dash.get_printer();
    assert_eq!(printer.strip_detail, vm.printer.strip_detail.as_str());
    assert_eq!(
        printer.strip_temperatures,
        vm.printer.strip_temperatures.as_str()
    );
    assert_eq!(printer.quoted_message, vm.printer.quoted_message.as_str());
    let chart = dash.get_temp_chart().size();
    assert_eq!(
        (chart.width, chart.height),
        (230, 43),
        "the chart image, grid lines drawn in it, under the caption"
    );
    assert!(!dash.get_guests().symbol && dash.get_alerts().symbol);
}

#[test]
fn the_pages_say_what_the_overview_has_no_room_for() {
    let vm = frame(60);
    let pve = &vm.pages.proxmox;
    // Every guest but templates, by node in the API's order, then VMID;
    // those of the offline node unknown, as the overview counts them.
    assert_eq!(pve.guests.len(), vm.guests.total);
    let unknown = pve.guests.iter().filter(|g| g.state == "unknown").count();
    assert_eq!(unknown, vm.guests.unknown);
    assert!(unknown > 0, "tower1 is offline at 60 s");
    assert!(
        pve.guests
            .iter()
            .filter(|g| g.state == "unknown")
            .all(|g| g.node == "tower1" && g.tone == Tone::Unknown)
    );
    let first = &pve.guests[0];
    assert_eq!((first.vmid.as_str(), first.kind.as_str()), ("200", "CT"));
    // The alerts page: the severity as a word, and what it says with none.
    assert_eq!(vm.alerts.items[0].label, "CRITICAL");
    assert_eq!(vm.pages.alerts.empty, "");
    assert_eq!(frame(10).pages.alerts.empty, "No alert is firing");
    // The printer page: filament used against the slicer's total.
    assert_eq!(
        frame(40).pages.printer.filament,
        "Filament 8.57 m of 12.50 m"
    );
}

#[test]
fn a_page_opened_at_an_item_marks_its_row_and_no_other_page_does() {
    let (_, now) = demo::replay(40);
    let mut nav = Nav::new(NavSettings::default(), now);
    let open = |page, focus: &str| Input::Open {
        page,
        focus: Some(focus.to_owned()),
    };
    nav.input(open(Page::Services, "Overseerr"), now);
    let vm = frame(40).on_page(&nav);
    assert_eq!(vm.pages.services.focus_row, Some(2));
    assert_eq!(vm.pages.proxmox.focus_row, None);
    nav.input(open(Page::Proxmox, "zotac"), now);
    let vm = vm.on_page(&nav);
    assert_eq!(vm.pages.proxmox.focus_row, Some(4));
    assert_eq!(vm.pages.services.focus_row, None);
    // A name that is not there marks nothing.
    nav.input(open(Page::Proxmox, "gone"), now);
    assert_eq!(vm.on_page(&nav).pages.proxmox.focus_row, None);
}
