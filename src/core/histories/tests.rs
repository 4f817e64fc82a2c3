use std::time::Duration;

use super::*;
use crate::core::clock::{Clock, FakeClock};
use crate::core::model::{Node, Service};
use crate::core::seed::{NodeSeed, ServiceSeed, TempSeed};

fn service(name: &str, state: ProbeState, response_s: f64) -> Service {
    Service {
        name: name.into(),
        state,
        response_s: Some(response_s),
        slow_after_s: 3.0,
    }
}

fn prom(services: Vec<Service>) -> SourceData {
    SourceData::Prometheus(PrometheusData {
        services,
        ..Default::default()
    })
}

fn node(name: &str, online: bool, cpu: f64) -> Node {
    Node {
        name: name.into(),
        online,
        cpu: online.then_some(cpu),
        mem_used: Some(4 << 30),
        mem_total: Some(16 << 30),
        uptime_s: None,
        load: None,
    }
}

fn values(r: &Ring<Point>) -> Vec<f32> {
    r.samples().map(|p| p.value).collect()
}

#[test]
fn response_times_are_recorded_while_up_and_a_down_service_leaves_a_gap() {
    let clock = FakeClock::default();
    let mut h = Histories::default();
    for (state, r) in [
        (ProbeState::Up, 0.1),
        (ProbeState::Down, 5.0),
        (ProbeState::Up, 0.2),
    ] {
        h.observe(&mut prom(vec![service("plex", state, r)]), clock.now());
        clock.advance(Duration::from_secs(30));
    }
    let ring = h.service("plex").expect("plex is reported");
    assert_eq!(values(ring), [0.1, 0.2]);
    let times: Vec<i64> = ring.samples().map(|p| p.at_s).collect();
    assert_eq!(times[1] - times[0], 60, "the down poll's step is a gap");
    let since = h.service_since("plex").expect("tracked");
    assert_eq!(since.state, ServiceHealth::Up);
    assert_eq!(since.at, clock.now() - chrono::Duration::seconds(30));
}

#[test]
fn a_service_or_node_no_longer_reported_is_dropped() {
    let clock = FakeClock::default();
    let mut h = Histories::default();
    h.observe(
        &mut prom(vec![
            service("a", ProbeState::Up, 0.1),
            service("b", ProbeState::Up, 0.1),
        ]),
        clock.now(),
    );
    h.observe(
        &mut prom(vec![service("b", ProbeState::Up, 0.1)]),
        clock.now(),
    );
    assert!(h.service("a").is_none() && h.service_since("a").is_none());
    assert!(h.service("b").is_some());
    let mut pve = SourceData::Proxmox(ProxmoxData {
        nodes: vec![node("n1", true, 0.5), node("n2", true, 0.5)],
        ..Default::default()
    });
    h.observe(&mut pve, clock.now());
    let mut pve = SourceData::Proxmox(ProxmoxData {
        nodes: vec![node("n2", false, 0.0)],
        ..Default::default()
    });
    h.observe(&mut pve, clock.now());
    assert!(h.node("n1").is_none() && h.node_since("n1").is_none());
    assert_eq!(h.node_since("n2").map(|s| s.state), Some(false));
}

#[test]
fn seeds_are_merged_and_taken_out_of_the_data() {
    let clock = FakeClock::default();
    let now_s = clock.now().timestamp();
    let mut h = Histories::default();
    let mut data = PrometheusData {
        services: vec![service("plex", ProbeState::Up, 0.5)],
        seed: vec![
            ServiceSeed {
                service: "plex".into(),
                points: (1..=120)
                    .map(|i| Point {
                        at_s: now_s - 3600 + i * 30,
                        value: 0.1,
                    })
                    .collect(),
            },
            ServiceSeed {
                service: "not configured".into(),
                points: vec![Point {
                    at_s: now_s,
                    value: 1.0,
                }],
            },
        ],
        ..Default::default()
    };
    let mut wrapped = SourceData::Prometheus(std::mem::take(&mut data));
    h.observe(&mut wrapped, clock.now());
    let SourceData::Prometheus(kept) = &wrapped else {
        panic!("the data changed kind")
    };
    assert!(kept.seed.is_empty(), "the seed stayed in the data");
    let ring = h.service("plex").expect("plex");
    assert_eq!(ring.len(), 120);
    assert_eq!(ring.last().map(|p| p.value), Some(0.5), "live wins");
    assert!(h.service("not configured").is_none());

    let mut pve = SourceData::Proxmox(ProxmoxData {
        nodes: vec![node("n1", true, 0.25)],
        seed: vec![NodeSeed {
            node: "n1".into(),
            samples: (0..70)
                .map(|i| NodeSample {
                    at_s: now_s - 4200 + i * 60,
                    cpu: 0.1,
                    mem: 0.3,
                })
                .collect(),
        }],
        ..Default::default()
    });
    h.observe(&mut pve, clock.now());
    let ring = h.node("n1").expect("n1");
    assert_eq!(ring.len(), 60);
    assert_eq!(ring.last().map(|s| (s.cpu, s.mem)), Some((0.25, 0.25)));

    let mut printer = PrinterData {
        extruder: crate::core::Heater {
            temperature: 210.0,
            ..Default::default()
        },
        seed: Some(TempSeed {
            end_s: now_s,
            extruder: vec![200.0; 600],
            bed: vec![60.0; 600],
        }),
        ..Default::default()
    };
    let mut moon = SourceData::Moonraker(Box::new(std::mem::take(&mut printer)));
    h.observe(&mut moon, clock.now());
    let temps = h.printer_temps();
    assert_eq!(temps.len(), 120);
    assert_eq!(temps.last().map(|s| s.extruder), Some(210.0));
    let SourceData::Moonraker(p) = &moon else {
        panic!("the data changed kind")
    };
    assert!(p.seed.is_none());
}
