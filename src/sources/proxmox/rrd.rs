//! A node's last hour of CPU and memory from its round-robin database,
//! `GET /nodes/{node}/rrddata?timeframe=hour&cf=AVERAGE` (one averaged
//! point a minute, about 70 of them), sent once per node as the data's
//! `seed` so the core's node history is full right after a start.
//!
//! Asked through the endpoint that answered the poll (any node forwards to
//! the others), only for online nodes not seeded yet; a failure is logged
//! and the node is asked again at the next poll, never a failure of the
//! source. A node that leaves the cluster is forgotten, so it is asked
//! again if it comes back. Points without data (a node that was off) are
//! skipped; memory is `mem` / `maxmem` (Proxmox VE 8), else `memused` /
//! `memtotal`; numbers may come as strings.

use serde::Deserialize;

use super::ProxmoxSource;
use crate::core::{Failure, FailureKind, NodeSample, NodeSeed, ProxmoxData};

/// The query string of the request.
pub const QUERY: &str = "timeframe=hour&cf=AVERAGE";

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<Vec<serde_json::Map<String, serde_json::Value>>>,
}

/// Parses a `rrddata` answer into samples, oldest first.
pub fn samples(bytes: &[u8]) -> Result<Vec<NodeSample>, Failure> {
    let env: Envelope = serde_json::from_slice(bytes).map_err(|e| {
        Failure::new(
            FailureKind::BadResponse,
            format!("rrddata is not the API's JSON: {e}"),
        )
    })?;
    let mut out: Vec<NodeSample> = env
        .data
        .unwrap_or_default()
        .iter()
        .filter_map(|point| {
            let num = |k: &str| match point.get(k)? {
                serde_json::Value::Number(n) => n.as_f64(),
                serde_json::Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            let either = |a: &str, b: &str| num(a).or_else(|| num(b));
            let (used, total) = (either("mem", "memused")?, either("maxmem", "memtotal")?);
            let (cpu, time) = (num("cpu")?, num("time")?);
            let ok = [cpu, used, time].iter().all(|v| v.is_finite()) && total > 0.0 && time > 0.0;
            ok.then(|| NodeSample {
                at_s: time as i64,
                cpu: cpu.clamp(0.0, 1.0) as f32,
                mem: (used / total).clamp(0.0, 1.0) as f32,
            })
        })
        .collect();
    out.sort_by_key(|s| s.at_s);
    Ok(out)
}

impl ProxmoxSource {
    /// The seeds of the online nodes in `data` not seeded yet, through
    /// endpoint `i`.
    pub(super) async fn seed(&mut self, i: usize, data: &ProxmoxData) -> Vec<NodeSeed> {
        self.seeded
            .retain(|name| data.nodes.iter().any(|n| &n.name == name));
        let mut out = Vec::new();
        for node in data.nodes.iter().filter(|n| n.online) {
            if self.seeded.contains(&node.name) {
                continue;
            }
            let path = ["nodes", node.name.as_str(), "rrddata"];
            let answer = self.get_query(i, &path, Some(QUERY), None).await;
            match answer.and_then(|bytes| samples(&bytes)) {
                Ok(samples) => {
                    self.seeded.insert(node.name.clone());
                    out.push(NodeSeed {
                        node: node.name.clone(),
                        samples,
                    });
                }
                Err(f) => tracing::info!(
                    node = %node.name,
                    reason = %f.message,
                    "no CPU and memory history for the node yet; asking again at the next poll"
                ),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../tests/fixtures/proxmox/rrddata-hour.json");

    #[test]
    fn points_with_data_in_both_memory_spellings_and_string_numbers() {
        let s = samples(FIXTURE.as_bytes()).expect("the fixture parses");
        let got: Vec<(i64, f32, u32)> = s
            .iter()
            .map(|p| {
                (
                    p.at_s - 1_795_248_000,
                    p.cpu,
                    (p.mem * 1000.0).round() as u32,
                )
            })
            .collect();
        assert_eq!(
            got,
            [(60, 0.0412, 420), (120, 0.0533, 422), (180, 0.0621, 427)]
        );
    }

    #[test]
    fn odd_answers() {
        assert_eq!(samples(br#"{"data":null}"#).map(|s| s.len()), Ok(0));
        assert_eq!(
            samples(br#"{"data":[{"time":"x"}]}"#).map(|s| s.len()),
            Ok(0)
        );
        let f = samples(b"<html>").expect_err("not JSON");
        assert_eq!(f.kind, FailureKind::BadResponse);
    }
}
