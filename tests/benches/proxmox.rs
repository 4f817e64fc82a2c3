//! Parsing `cluster/resources` for clusters of 500, 5,000 and 20,000 guests.
//! Run: `cargo bench --bench proxmox -- --warm-up-time 1 --measurement-time 3`.
//!
//! Figures, dated, with the machine: tests/perf/PERFORMANCE.md.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use piboard::sources::proxmox::parse;

const NODES: usize = 5;

/// A `cluster/resources` answer shaped like the real one: every field a
/// guest carries, shared and local storage, and types the parser skips.
fn resources(guests: usize) -> String {
    let mut items = Vec::with_capacity(guests + 4 * NODES + 1);
    for n in 0..NODES {
        items.push(format!(
            r#"{{"id":"node/pve{n}","type":"node","node":"pve{n}","status":"online","cpu":0.0{n}3,"maxcpu":16,"mem":{},"maxmem":68719476736,"disk":9663676416,"maxdisk":100931731456,"uptime":{},"level":"","cgroup-mode":2}}"#,
            8_000_000_000u64 + n as u64,
            86_400 * (n + 1)
        ));
        items.push(format!(
            r#"{{"id":"storage/pve{n}/ceph-pool","type":"storage","storage":"ceph-pool","node":"pve{n}","status":"available","shared":1,"plugintype":"rbd","content":"images,rootdir","disk":56908316672,"maxdisk":89120571392}}"#
        ));
        items.push(format!(
            r#"{{"id":"storage/pve{n}/local-lvm","type":"storage","storage":"local-lvm","node":"pve{n}","status":"available","shared":0,"plugintype":"lvmthin","content":"images,rootdir","disk":1{n}737418240,"maxdisk":31138512896}}"#
        ));
        items.push(format!(
            r#"{{"id":"sdn/pve{n}/localnetwork","type":"sdn","sdn":"localnetwork","node":"pve{n}","status":"ok"}}"#
        ));
    }
    items.push(r#"{"id":"/pool/media","type":"pool","pool":"media"}"#.to_owned());
    for g in 0..guests {
        let vmid = 100 + g;
        let (kind, status) = match g % 10 {
            0 => ("lxc", "stopped"),
            1..=4 => ("lxc", "running"),
            _ => ("qemu", "running"),
        };
        items.push(format!(
            r#"{{"id":"{kind}/{vmid}","type":"{kind}","vmid":{vmid},"name":"guest-{vmid}","node":"pve{}","status":"{status}","template":{},"cpu":0.0123,"maxcpu":4,"mem":1073741824,"maxmem":4294967296,"disk":2147483648,"maxdisk":34359738368,"uptime":123456,"netin":987654321,"netout":123456789,"diskread":456789123,"diskwrite":321987654,"tags":"prod;web"}}"#,
            g % NODES,
            u8::from(g % 97 == 0)
        ));
    }
    format!("{{\"data\":[{}]}}", items.join(","))
}

fn parse_resources(c: &mut Criterion) {
    let mut group = c.benchmark_group("proxmox cluster/resources");
    for guests in [500, 5_000, 20_000] {
        let body = resources(guests);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(guests), &body, |b, body| {
            b.iter(|| {
                let r = parse::resources(black_box(body.as_bytes())).expect("valid fixture");
                parse::snapshot(&parse::ClusterStatus::default(), r).expect("snapshot")
            });
        });
    }
    group.finish();
}

criterion_group!(benches, parse_resources);
criterion_main!(benches);
