//! The demo's data for the detail pages, added to what
//! [`super::homelab`] reports: the alerts' summaries and since when they
//! fire, the printer's job history, and at second 0 the last hour of every
//! service's response time and every node's CPU and memory as seeds (as
//! Prometheus' `query_range` and Proxmox's RRD would give them), so the
//! sparklines are full from the first frame.

use chrono::{DateTime, Duration, Utc};

use super::homelab::{NODES, SERVICES, wobble};
use crate::core::histories::{HOUR_S, NODE_STEP_S, SERVICE_STEP_S};
use crate::core::*;

/// Adds since when and a summary to the timeline's alerts at second `t`.
pub(super) fn alerts(alerts: &mut [Alert], t: u32, now: DateTime<Utc>) {
    for a in alerts {
        let (began, summary) = match a.name.as_str() {
            "ProbeFailed" => (24, "requests.woodhead.tech (Overseerr) does not answer"),
            "ProxmoxNodeDown" => (56, "tower1 left the cluster: its guests are unknown"),
            _ => continue,
        };
        a.since = Some(now - Duration::seconds(i64::from(t.saturating_sub(began))));
        a.summary = Some(summary.to_owned());
    }
}

/// The services' last hour up to `now`, one point a step.
pub(super) fn service_seed(now: DateTime<Utc>) -> Vec<ServiceSeed> {
    let end = now.timestamp();
    SERVICES
        .iter()
        .zip(0u32..)
        .map(|(&(name, typical), i)| ServiceSeed {
            service: name.to_owned(),
            points: (1..HOUR_S / SERVICE_STEP_S)
                .map(|k| Point {
                    at_s: end - HOUR_S + k * SERVICE_STEP_S,
                    value: (typical * (1.0 + 0.15 * wobble(k as u32 * 2, i))) as f32,
                })
                .collect(),
        })
        .collect()
}

/// The nodes' last hour up to `now`, one point a minute.
pub(super) fn node_seed(now: DateTime<Utc>) -> Vec<NodeSeed> {
    let end = now.timestamp();
    NODES
        .iter()
        .zip(0u32..)
        .map(|(&(name, _, cpu, used, _), i)| NodeSeed {
            node: name.to_owned(),
            samples: (1..HOUR_S / NODE_STEP_S)
                .map(|k| NodeSample {
                    at_s: end - HOUR_S + k * NODE_STEP_S,
                    cpu: (cpu + 0.04 * wobble(k as u32 * 2, 300 + i)).clamp(0.0, 1.0) as f32,
                    mem: (used + 0.01 * wobble(k as u32 * 2, 400 + i)) as f32,
                })
                .collect(),
        })
        .collect()
}

/// The printer's last jobs at second `t`, newest first: the hinge once it
/// completed (second 120), then three older prints.
pub(super) fn jobs(t: u32, now: DateTime<Utc>) -> Vec<Job> {
    let ago = |s: i64| Some(now - Duration::seconds(s));
    let job = |file: &str, status, end: i64, duration: f64, filament: f64| Job {
        filename: file.to_owned(),
        status,
        start: ago(end + duration as i64),
        end: ago(end),
        total_duration_s: Some(duration),
        filament_used_mm: Some(filament),
    };
    let mut jobs = Vec::new();
    if t >= 120 {
        let hinge = "enclosure-hinge_0.2mm_PETG_2h10m.gcode";
        jobs.push(job(
            hinge,
            JobStatus::Completed,
            i64::from(t - 120),
            8_430.0,
            12_250.0,
        ));
    }
    jobs.extend([
        job(
            "cable-clip_x8.gcode",
            JobStatus::Completed,
            26_000,
            2_940.0,
            3_120.0,
        ),
        job(
            "fan-duct_v3.gcode",
            JobStatus::Cancelled,
            90_000,
            610.0,
            540.0,
        ),
        job("benchy.gcode", JobStatus::Error, 180_000, 1_200.0, 880.0),
        job(
            "calibration-cube.gcode",
            JobStatus::Completed,
            260_000,
            1_450.0,
            1_010.0,
        ),
    ]);
    jobs.truncate(4);
    jobs
}
