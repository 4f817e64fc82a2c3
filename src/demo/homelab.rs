//! What the demo homelab reports at each second of the timeline: the probed
//! services and tiles, the Proxmox cluster and the printer. Pure functions of
//! the timeline second; [`super::updates`] wraps them as source updates.

use std::sync::Arc;

use crate::core::*;

use super::STEP_S;

/// A deterministic wobble in -1..=1 for value `i` at second `t`.
pub(super) fn wobble(t: u32, i: u32) -> f64 {
    let mut x = u64::from(t / STEP_S) << 32 | u64::from(i);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (x % 2001) as f64 / 1000.0 - 1.0
}

/// The probed services: name and typical response time in seconds.
pub(super) const SERVICES: [(&str, f64); 12] = [
    ("Traefik", 0.038),
    ("Authentik", 0.120),
    ("Overseerr", 0.210),
    ("Sonarr", 0.095),
    ("Radarr", 0.088),
    ("Plex", 0.064),
    ("Jellyfin", 0.072),
    ("TrueNAS", 0.150),
    ("Home Assistant", 0.055),
    ("Grafana", 0.080),
    ("Recipes", 0.031),
    ("SDR Scanner", 0.140),
];

pub(super) fn prometheus(t: u32) -> PrometheusData {
    let services = SERVICES
        .iter()
        .zip(0u32..)
        .map(|(&(name, typical), i)| {
            let down = name == "Overseerr" && (20..50).contains(&t);
            let slow = name == "Jellyfin" && (36..48).contains(&t);
            let response = if slow {
                3.6 + 0.2 * wobble(t, i)
            } else {
                typical * (1.0 + 0.15 * wobble(t, i))
            };
            Service {
                name: name.to_owned(),
                state: if down {
                    ProbeState::Down
                } else {
                    ProbeState::Up
                },
                response_s: Some(if down { 5.0 } else { response }),
                slow_after_s: 3.0,
            }
        })
        .collect();
    let mut alerts = Vec::new();
    if (24..50).contains(&t) {
        alerts.push(Alert {
            name: "ProbeFailed".into(),
            severity: Severity::Critical,
            instance: Some("requests.woodhead.tech".into()),
            since: None,
            summary: None,
            suppressed: None,
        });
    }
    if (56..95).contains(&t) {
        alerts.push(Alert {
            name: "ProxmoxNodeDown".into(),
            severity: Severity::Critical,
            instance: Some("tower1".into()),
            since: None,
            summary: None,
            suppressed: None,
        });
    }
    let temps = [
        ("thinkcentre1", 48.0),
        ("thinkcentre2", 51.0),
        ("thinkcentre3", 46.0),
        ("tower1", 57.0),
        ("zotac", 62.0),
    ];
    let tiles = vec![
        reading("Cluster CPU", vec![("", 0.21 + 0.03 * wobble(t, 100))]),
        reading(
            "CPU temp",
            temps
                .iter()
                .zip(0u32..)
                .map(|(&(n, c), i)| (n, c + 2.0 * wobble(t, 200 + i)))
                .collect(),
        ),
        reading(
            "Glucose",
            vec![("", 118.0 + 14.0 * f64::from(t % 60) / 60.0)],
        ),
    ];
    PrometheusData {
        services,
        alerts,
        tiles,
        ..Default::default()
    }
}

fn reading(name: &str, series: Vec<(&str, f64)>) -> TileReading {
    TileReading {
        name: name.to_owned(),
        series: series
            .into_iter()
            .map(|(l, v)| SeriesValue {
                label: l.to_owned(),
                value: v,
            })
            .collect(),
        error: None,
    }
}

const GIB: u64 = 1 << 30;

/// Nodes: name, memory, typical CPU, typical memory use, uptime at t = 0.
pub(super) const NODES: [(&str, u64, f64, f64, u64); 5] = [
    ("thinkcentre1", 16 * GIB, 0.12, 0.62, 12 * 86_400 + 3_600),
    ("thinkcentre2", 16 * GIB, 0.18, 0.55, 12 * 86_400 + 3_300),
    ("thinkcentre3", 16 * GIB, 0.09, 0.48, 12 * 86_400 + 2_900),
    ("tower1", 32 * GIB, 0.34, 0.71, 3 * 86_400 + 7_200),
    ("zotac", 16 * GIB, 0.22, 0.44, 27 * 86_400 + 600),
];

/// A node's load average (1, 5, 15 min) for its typical CPU `cpu`: its
/// eight threads that busy, the longer averages a little lower.
fn load(cpu: f64, t: u32, i: u32) -> [f64; 3] {
    let one = (8.0 * cpu * (1.0 + 0.1 * wobble(t, 500 + i))).max(0.0);
    [one, one * 0.9, one * 0.8]
}

/// A guest's CPU (a fraction of its cores), memory used and allotted: a
/// VM 4 GiB, a container 2 GiB, each a steady share of it by its VMID.
fn guest_figures(vmid: u32, kind: GuestKind, t: u32) -> (f64, u64, u64) {
    let total = match kind {
        GuestKind::Qemu => 4 * GIB,
        GuestKind::Lxc => 2 * GIB,
    };
    let cpu = 0.02 + f64::from(vmid * 37 % 23) / 100.0 + 0.01 * wobble(t, 600 + vmid);
    let used = 0.3 + f64::from(vmid * 13 % 50) / 100.0;
    (cpu.clamp(0.0, 1.0), (total as f64 * used) as u64, total)
}

/// Guests: vmid, name, node, kind, running.
const GUESTS: [(u32, &str, &str, GuestKind, bool); 18] = [
    (200, "traefik", "thinkcentre1", GuestKind::Lxc, true),
    (201, "recipe-site", "thinkcentre1", GuestKind::Lxc, true),
    (202, "arr-stack", "thinkcentre2", GuestKind::Lxc, true),
    (203, "plex", "thinkcentre2", GuestKind::Lxc, true),
    (204, "jellyfin", "thinkcentre3", GuestKind::Lxc, true),
    (205, "monitoring", "thinkcentre1", GuestKind::Lxc, true),
    (206, "openclaw", "zotac", GuestKind::Lxc, false),
    (207, "authentik", "thinkcentre3", GuestKind::Lxc, true),
    (208, "wireguard", "zotac", GuestKind::Lxc, true),
    (209, "libby-alert", "zotac", GuestKind::Lxc, true),
    (210, "sdr", "zotac", GuestKind::Lxc, true),
    (300, "truenas", "thinkcentre2", GuestKind::Qemu, true),
    (301, "homeassistant", "thinkcentre3", GuestKind::Qemu, true),
    (400, "talos-cp-0", "thinkcentre1", GuestKind::Qemu, true),
    (410, "talos-worker-1", "tower1", GuestKind::Qemu, true),
    (411, "talos-worker-2", "tower1", GuestKind::Qemu, true),
    (412, "talos-worker-3", "tower1", GuestKind::Qemu, true),
    (9000, "debian-12-template", "zotac", GuestKind::Qemu, false),
];

pub(super) fn proxmox(t: u32) -> ProxmoxData {
    let tower1_down = (50..95).contains(&t);
    let nodes = NODES
        .iter()
        .zip(0u32..)
        .map(|(&(name, mem, cpu, used, uptime), i)| {
            let online = !(name == "tower1" && tower1_down);
            let since_boot = if name == "tower1" && t >= 95 {
                u64::from(t - 95) + 60
            } else {
                uptime + u64::from(t)
            };
            Node {
                name: name.to_owned(),
                online,
                cpu: online.then(|| (cpu + 0.04 * wobble(t, 300 + i)).clamp(0.0, 1.0)),
                mem_used: online.then(|| (mem as f64 * (used + 0.01 * wobble(t, 400 + i))) as u64),
                mem_total: Some(mem),
                uptime_s: online.then_some(since_boot),
                load: online.then(|| load(cpu, t, i)),
            }
        })
        .collect();
    let guests = GUESTS
        .iter()
        .map(|&(vmid, name, node, kind, running)| {
            let (cpu, mem_used, mem_total) = guest_figures(vmid, kind, t);
            Guest {
                vmid,
                name: name.to_owned(),
                node: node.to_owned(),
                kind,
                state: if running {
                    GuestState::Running
                } else {
                    GuestState::Stopped
                },
                template: vmid >= 9000,
                cpu: running.then_some(cpu),
                mem_used: running.then_some(mem_used),
                mem_total: Some(mem_total),
            }
        })
        .collect();
    let pool = |name: &str, node: Option<&str>, used_fraction: f64, total: u64| Storage {
        name: name.to_owned(),
        node: node.map(str::to_owned),
        shared: node.is_none(),
        available: true,
        used: (total as f64 * used_fraction) as u64,
        total,
    };
    let storage = vec![
        pool("ceph-pool", None, 0.64, 83 * GIB),
        pool("truenas-backups", None, 0.44, 2048 * GIB),
        pool("local-lvm", Some("thinkcentre1"), 0.58, 29 * GIB),
        pool("local-lvm", Some("thinkcentre2"), 0.71, 29 * GIB),
    ];
    ProxmoxData {
        nodes,
        guests,
        storage,
        quorate: Some(true),
        warning: None,
        seed: Vec::new(),
    }
}

const FILE: &str = "enclosure-hinge_0.2mm_PETG_2h10m.gcode";
const SLICER_S: f64 = 7_800.0;
const FILAMENT_MM: f64 = 12_500.0;
const LAYERS: u32 = 180;

/// The printer at second `t`; at second 0 with the temperature store's
/// last ten minutes as a seed (before second 0 the print was already
/// running steadily at 240 / 80 °C), as Moonraker's source sends it once.
pub(super) fn printer(t: u32, now_s: i64) -> PrinterData {
    let mut p = printer_now(t);
    if t == 0 {
        let n = crate::core::history::WINDOW_S as u32;
        p.seed = Some(TempSeed {
            end_s: now_s,
            extruder: (0..n).map(|i| 240.0 + 0.6 * wobble(n - i, 500)).collect(),
            bed: vec![80.0; n as usize],
        });
    }
    p
}

fn printer_now(t: u32) -> PrinterData {
    let heater = |temperature: f64, target: f64| Heater {
        temperature,
        target,
        power: None,
    };
    let base = PrinterData {
        klippy: KlippyState::Ready,
        klippy_message: None,
        state: PrintState::Standby,
        filename: None,
        progress: 0.0,
        print_duration_s: 0.0,
        total_duration_s: 0.0,
        filament_used_mm: 0.0,
        current_layer: None,
        total_layers: None,
        extruder: heater(31.0, 0.0),
        bed: heater(27.0, 0.0),
        fan: Some(0.0),
        speed_factor: Some(1.0),
        message: None,
        slicer_estimate_s: None,
        filament_total_mm: None,
        thumbnail: None,
        jobs: Vec::new(),
        seed: None,
    };
    let job = |progress: f64, state| PrinterData {
        state,
        filename: Some(FILE.to_owned()),
        progress,
        print_duration_s: progress * SLICER_S * 1.05,
        total_duration_s: progress * SLICER_S * 1.05 + 240.0,
        filament_used_mm: progress * FILAMENT_MM * 0.98,
        current_layer: Some(((progress * f64::from(LAYERS)).ceil() as u32).max(1)),
        total_layers: Some(LAYERS),
        slicer_estimate_s: Some(SLICER_S),
        filament_total_mm: Some(FILAMENT_MM),
        thumbnail: Some(thumbnail()),
        ..base.clone()
    };
    match t {
        0..120 => PrinterData {
            extruder: heater(240.0 + 0.6 * wobble(t, 500), 240.0),
            bed: heater(80.0 + 0.3 * wobble(t, 501), 80.0),
            fan: Some(0.6),
            ..job(0.55 + 0.45 * f64::from(t) / 120.0, PrintState::Printing)
        },
        120..140 => PrinterData {
            extruder: heater(240.0 - 4.0 * f64::from(t - 120), 0.0),
            bed: heater(80.0 - 0.8 * f64::from(t - 120), 0.0),
            message: Some("Print done".into()),
            ..job(1.0, PrintState::Complete)
        },
        140..170 => base,
        _ => PrinterData {
            extruder: heater(150.0 + 6.0 * f64::from(t - 170), 240.0),
            bed: heater(76.0, 80.0),
            current_layer: None,
            message: Some("Heating…".into()),
            ..job(0.0, PrintState::Printing)
        },
    }
}

/// A small drawn thumbnail of the demo's part, made once.
fn thumbnail() -> Thumbnail {
    static THUMB: std::sync::OnceLock<Thumbnail> = std::sync::OnceLock::new();
    THUMB.get_or_init(draw_thumbnail).clone()
}

fn draw_thumbnail() -> Thumbnail {
    const N: u32 = 96;
    let mut rgba = vec![0u8; (N * N * 4) as usize];
    for y in 0..N {
        for x in 0..N {
            // Two hinge leaves and a knuckle, shaded by height like a slicer preview.
            let leaf = (10..46).contains(&x) && (30..70).contains(&y)
                || (50..86).contains(&x) && (30..70).contains(&y);
            let knuckle = (46..50).contains(&x) && (26..74).contains(&y)
                || (44..52).contains(&x) && (26..74).contains(&y) && (y - 26) % 12 < 8;
            let hole = [(22, 42), (34, 58), (62, 42), (74, 58)]
                .iter()
                .any(|&(cx, cy)| {
                    let (dx, dy) = (x as i32 - cx, y as i32 - cy);
                    dx * dx + dy * dy < 16
                });
            if (leaf || knuckle) && !hole {
                let shade = 150 + (y as u8 / 2);
                let i = ((y * N + x) * 4) as usize;
                rgba[i..i + 4].copy_from_slice(&[
                    shade.saturating_add(60),
                    shade / 2 + 20,
                    40,
                    255,
                ]);
            }
        }
    }
    Thumbnail {
        width: N,
        height: N,
        rgba: Arc::new(rgba),
    }
}
