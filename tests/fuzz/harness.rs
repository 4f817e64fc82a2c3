//! What each fuzz target does with one input. Shared by the cargo-fuzz
//! targets (this file is the fuzz crate's library) and by the stable
//! `tests/fuzz_seeds.rs`, which feeds every kept seed and regression through
//! the same functions on every `cargo test`. Nothing here may panic on any
//! input: a panic is a finding.

use std::path::Path;

use piboard::sources::moonraker::{THUMBNAIL_SIDE, parse as moonraker, thumbnail};
use piboard::sources::prometheus::parse::{self as prometheus, QueryResult, Reply, ServicePlan};
use piboard::sources::prometheus::{alerts, seed};
use piboard::sources::proxmox::parse as proxmox;

/// One target: what it does with one input.
pub type Target = fn(&[u8]);

/// The targets, by the name of their corpus directory.
pub const TARGETS: [(&str, Target); 7] = [
    ("prometheus_response", prometheus_response),
    ("proxmox_resources", proxmox_resources),
    ("proxmox_cluster_status", proxmox_cluster_status),
    ("moonraker_objects", moonraker_objects),
    ("moonraker_server", moonraker_server),
    ("moonraker_thumbnail", moonraker_thumbnail),
    ("config_loader", config_loader),
];

/// A `/api/v1/query` body: the envelope, every result type, then what the
/// dashboard makes of it (a tile, services, the response-time seed); and
/// the same bytes as a `/api/v1/alerts` body.
pub fn prometheus_response(data: &[u8]) {
    let _ = alerts::reply(data);
    let Ok(reply) = prometheus::parse_reply(data) else {
        return;
    };
    match reply {
        Reply::Success { result, .. } => {
            let _ = prometheus::tile("tile", Some("mountpoint"), &result);
            let _ = prometheus::tile("tile", None, &result);
            let plan = [
                ServicePlan {
                    name: "web".into(),
                    target: "https://example.test".into(),
                    job: Some("blackbox".into()),
                    slow_after_s: 0.5,
                },
                ServicePlan {
                    name: "any".into(),
                    target: "a:9100".into(),
                    job: None,
                    slow_after_s: 3.0,
                },
            ];
            let _ = seed::seeds(&plan, &result);
            if let QueryResult::Vector(samples) = &result {
                let _ = prometheus::services(&plan, samples, samples);
            }
        }
        Reply::Error { error_type, error } => {
            let _ = prometheus::describe_error(&error_type, &error);
        }
    }
}

/// A `GET /cluster/resources` body, then the snapshot the dashboard builds
/// from it with a healthy and with an empty cluster status; and the same
/// bytes as a node's `rrddata`.
pub fn proxmox_resources(data: &[u8]) {
    let _ = piboard::sources::proxmox::rrd::samples(data);
    let Ok(res) = proxmox::resources(data) else {
        return;
    };
    let status = proxmox::cluster_status(include_bytes!("../fixtures/proxmox/status-healthy.json"))
        .expect("the fixture parses");
    let _ = proxmox::privilege_problem(&status, &res);
    let _ = proxmox::snapshot(&status, res.clone());
    let _ = proxmox::snapshot(&proxmox::ClusterStatus::default(), res);
}

/// A `GET /cluster/status` body (then the snapshot with healthy resources),
/// and the same bytes as the body of an error answer.
pub fn proxmox_cluster_status(data: &[u8]) {
    let _ = proxmox::error_detail(Some("Internal Server Error"), data);
    let _ = proxmox::error_detail(None, data);
    let Ok(status) = proxmox::cluster_status(data) else {
        return;
    };
    let res = proxmox::resources(include_bytes!("../fixtures/proxmox/resources-healthy.json"))
        .expect("the fixture parses");
    let _ = proxmox::privilege_problem(&status, &res);
    let _ = proxmox::snapshot(&status, res);
}

/// A `/printer/objects/query` body, then the panel's data from it with and
/// without the file's metadata.
pub fn moonraker_objects(data: &[u8]) {
    let Ok(status) = moonraker::objects(data) else {
        return;
    };
    let meta = moonraker::metadata(include_bytes!("../fixtures/moonraker/metadata.json"))
        .expect("the fixture parses");
    let _ = moonraker::printer_data(&status, Some(&meta));
    let _ = moonraker::printer_data(&status, None);
}

/// Moonraker's other JSON answers: `/server/info`, `/printer/info`,
/// `/server/files/metadata` (and the thumbnail it picks),
/// `/server/temperature_store`, `/server/history/list` and error bodies.
pub fn moonraker_server(data: &[u8]) {
    if let Ok(info) = moonraker::server_info(data) {
        let _ = info.klippy();
    }
    let _ = moonraker::printer_info(data);
    let _ = moonraker::error_message(data);
    let _ = moonraker::temperature_store(data);
    let _ = piboard::sources::moonraker::jobs::jobs(data);
    if let Ok(meta) = moonraker::metadata(data) {
        let status = moonraker::objects(include_bytes!(
            "../fixtures/moonraker/objects_printing.json"
        ))
        .expect("the fixture parses");
        let _ = moonraker::printer_data(&status, Some(&meta));
        if let Some(best) = meta
            .thumbnails
            .as_deref()
            .and_then(|t| thumbnail::best(t, THUMBNAIL_SIDE))
        {
            let _ = thumbnail::segments("dir/part.gcode", &best.relative_path);
        }
    }
}

/// A thumbnail file from the printer (PNG or JPEG, by its first bytes),
/// decoded under the parser's limits and scaled for the panel.
pub fn moonraker_thumbnail(data: &[u8]) {
    if let Ok(thumb) = thumbnail::decode(data, THUMBNAIL_SIDE) {
        assert!(thumb.width <= THUMBNAIL_SIDE && thumb.height <= THUMBNAIL_SIDE);
        let pixels = usize::try_from(thumb.width * thumb.height).expect("at most 96 x 96");
        assert_eq!(
            thumb.rgba.len(),
            pixels * 4,
            "RGBA buffer of the stated size"
        );
    }
}

/// `config::parse`: TOML, validation, the key and line found for an error,
/// and the settings the sources are built from. Secrets named
/// `{ env = ... }` or `{ file = ... }` are read as at start.
pub fn config_loader(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match piboard::config::parse(text, Path::new("/etc/piboard/piboard.toml")) {
        Ok(loaded) => {
            let _ = loaded.source_settings();
            let _ = loaded.rules();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
