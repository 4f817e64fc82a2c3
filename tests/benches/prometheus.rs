//! Parsing a Prometheus instant vector of 100, 1,000 and 10,000 series, as
//! `/api/v1/query` answers it (node_exporter-like labels), into samples and
//! into a tile reading.
//!
//! `cargo bench --bench prometheus -- --warm-up-time 1 --measurement-time 3`
//!
//! Figures, dated, with the machine: tests/perf/PERFORMANCE.md.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use piboard::sources::prometheus::parse::{QueryResult, Reply, parse_reply, tile};

fn vector(n: usize) -> String {
    let result: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"metric":{{"__name__":"node_filesystem_avail_bytes","device":"/dev/sda{d}","fstype":"ext4","instance":"192.168.86.{h}:9100","job":"node","mountpoint":"/mnt/disk{i}"}},"value":[1763715600.123,"{v}"]}}"#,
                d = i % 8,
                h = i % 250,
                v = 1.5e9 + i as f64 * 1024.0
            )
        })
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
        result.join(",")
    )
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("prometheus_vector");
    for n in [100usize, 1_000, 10_000] {
        let body = vector(n);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("parse", n), &body, |b, body| {
            b.iter(|| {
                let reply = parse_reply(black_box(body.as_bytes()));
                assert!(matches!(reply, Ok(Reply::Success { .. })));
                reply
            })
        });
        group.bench_with_input(BenchmarkId::new("parse_to_tile", n), &body, |b, body| {
            b.iter(|| {
                let Ok(Reply::Success { result, .. }) = parse_reply(black_box(body.as_bytes()))
                else {
                    panic!("the benchmark's body parses")
                };
                assert!(matches!(&result, QueryResult::Vector(v) if v.len() == n));
                tile("Free space", Some("mountpoint"), &result)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
