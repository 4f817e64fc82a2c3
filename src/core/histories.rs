//! What the core remembers of the past, for the detail pages: each
//! service's response time and each Proxmox node's CPU and memory over the
//! last hour, the printer's temperatures over the last ten minutes, and
//! since when each service and node is in its current state.
//!
//! Fed by [`super::Dashboard::apply`] from every good poll, stamped with the
//! update's `at` (the injected clock's time), so it is pure and testable
//! with a fake clock. Seeds in the data ([`super::seed`]) are merged into
//! the rings and taken out of the data before the core keeps it.
//!
//! What is recorded:
//! - a service's response time only while it is up (a down probe's
//!   duration is the time it took to fail, not a response time), so a
//!   down or unknown service leaves a gap;
//! - a node's CPU and memory fraction (used / total) while it reports
//!   them; an offline node leaves a gap;
//! - the heaters while Klipper is ready.
//!
//! Bounds: one ring per service and node of the last good poll (a thing no
//! longer reported is dropped with its ring), each of fixed capacity:
//!
//! | history | step | window | slots | bytes a slot | bytes |
//! |---|---|---|---|---|---|
//! | a service's response time | 30 s | 1 h | 120 | 16 | 1,920 |
//! | a node's CPU and memory | 60 s | 1 h | 60 | 16 | 960 |
//! | the printer's two heaters | 5 s | 10 min | 120 | 16 | 1,920 |
//!
//! The seed homelab (12 services, 5 nodes, one printer) holds 23,040 +
//! 4,800 + 1,920 = 29,760 bytes of samples (`heap_bytes`, tested), plus
//! the names and the maps' nodes (under 2 KiB).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::history::{NodeSample, Point, Ring, TempHistory};
use super::model::{
    KlippyState, PrinterData, ProbeState, PrometheusData, ProxmoxData, ServiceHealth, SourceData,
};
use super::since::{Since, Transitions};

/// A service's ring: one sample per this many seconds.
pub const SERVICE_STEP_S: i64 = 30;
/// A node's ring: one sample per this many seconds (Proxmox's RRD keeps one
/// a minute for the last hour).
pub const NODE_STEP_S: i64 = 60;
/// The services' and nodes' window, seconds.
pub const HOUR_S: i64 = 3600;

/// Every history the detail pages chart, and since when each thing is in
/// its state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Histories {
    services: BTreeMap<String, Ring<Point>>,
    nodes: BTreeMap<String, Ring<NodeSample>>,
    printer: TempHistory,
    service_states: Transitions<ServiceHealth>,
    node_states: Transitions<bool>,
}

impl Histories {
    /// Records one good poll's data taken at `at`, and takes its seed out
    /// of it.
    pub fn observe(&mut self, data: &mut SourceData, at: DateTime<Utc>) {
        match data {
            SourceData::Prometheus(d) => self.prometheus(d, at),
            SourceData::Proxmox(d) => self.proxmox(d, at),
            SourceData::Moonraker(p) => self.printer(p, at),
            // Alerts keep no history.
            SourceData::Alertmanager(_) => {}
        }
    }

    fn prometheus(&mut self, d: &mut PrometheusData, at: DateTime<Utc>) {
        let at_s = at.timestamp();
        let mut rings = std::mem::take(&mut self.services);
        self.services = d
            .services
            .iter()
            .map(|s| {
                let mut ring = rings
                    .remove(&s.name)
                    .unwrap_or_else(|| Ring::new(SERVICE_STEP_S, HOUR_S));
                let value = s.response_s.filter(|r| r.is_finite());
                if let (ProbeState::Up, Some(r)) = (s.state, value) {
                    ring.record(Point {
                        at_s,
                        value: r as f32,
                    });
                }
                (s.name.clone(), ring)
            })
            .collect();
        for seed in std::mem::take(&mut d.seed) {
            if let Some(ring) = self.services.get_mut(&seed.service) {
                ring.merge(seed.points.into_iter().filter(|p| p.value.is_finite()));
            }
        }
        let states = d.services.iter().map(|s| (s.name.as_str(), s.health()));
        self.service_states.observe(states, at);
    }

    fn proxmox(&mut self, d: &mut ProxmoxData, at: DateTime<Utc>) {
        let at_s = at.timestamp();
        let mut rings = std::mem::take(&mut self.nodes);
        self.nodes = d
            .nodes
            .iter()
            .map(|n| {
                let mut ring = rings
                    .remove(&n.name)
                    .unwrap_or_else(|| Ring::new(NODE_STEP_S, HOUR_S));
                let mem = match (n.mem_used, n.mem_total) {
                    (Some(u), Some(t)) if t > 0 => Some(u as f64 / t as f64),
                    _ => None,
                };
                if let (true, Some(cpu), Some(mem)) = (n.online, n.cpu, mem) {
                    ring.record(NodeSample {
                        at_s,
                        cpu: cpu as f32,
                        mem: mem as f32,
                    });
                }
                (n.name.clone(), ring)
            })
            .collect();
        for seed in std::mem::take(&mut d.seed) {
            if let Some(ring) = self.nodes.get_mut(&seed.node) {
                ring.merge(seed.samples);
            }
        }
        let states = d.nodes.iter().map(|n| (n.name.as_str(), n.online));
        self.node_states.observe(states, at);
    }

    fn printer(&mut self, p: &mut PrinterData, at: DateTime<Utc>) {
        if let Some(seed) = p.seed.take() {
            self.printer.seed(seed.end_s, &seed.extruder, &seed.bed);
        }
        if p.klippy == KlippyState::Ready {
            self.printer
                .record(at.timestamp(), p.extruder.temperature, p.bed.temperature);
        }
    }

    /// A service's response times (seconds), if it is reported.
    pub fn service(&self, name: &str) -> Option<&Ring<Point>> {
        self.services.get(name)
    }

    /// A node's CPU and memory fractions, if it is reported.
    pub fn node(&self, name: &str) -> Option<&Ring<NodeSample>> {
        self.nodes.get(name)
    }

    /// The printer's temperatures.
    pub fn printer_temps(&self) -> &TempHistory {
        &self.printer
    }

    /// A service's state and since when, if it is reported.
    pub fn service_since(&self, name: &str) -> Option<&Since<ServiceHealth>> {
        self.service_states.get(name)
    }

    /// A node's online flag and since when, if it is reported.
    pub fn node_since(&self, name: &str) -> Option<&Since<bool>> {
        self.node_states.get(name)
    }

    /// The bytes the rings hold on the heap (their sample slots).
    pub fn heap_bytes(&self) -> usize {
        self.services.values().map(Ring::heap_bytes).sum::<usize>()
            + self.nodes.values().map(Ring::heap_bytes).sum::<usize>()
            + self.printer.ring().heap_bytes()
    }
}

#[cfg(test)]
mod tests;
