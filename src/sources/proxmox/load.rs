//! Each online node's load average, `GET /nodes/{node}/status`, whose
//! `loadavg` is three strings (1, 5 and 15 minutes: `["0.42","0.38","0.31"]`;
//! `cluster/resources` does not carry it).
//!
//! Asked on every good poll (15 s by default: one small answer per node,
//! about 1 KB, up to [`CONCURRENCY`] nodes at once through the endpoint
//! that answered the poll, which forwards to the others), so the load is as
//! fresh as the CPU beside it. It is a detail, never a failure of the source: a node whose
//! status cannot be read has no load (the page reads "–"), and that is
//! logged once when it starts and once when it ends, not at every poll.

use std::collections::BTreeSet;

use futures_util::StreamExt;
use serde::Deserialize;

use super::ProxmoxSource;
use crate::core::{Failure, FailureKind, ProxmoxData};

/// The most nodes whose status is asked at once: a cluster of up to this
/// many nodes (corosync's usual ceiling is 32) is asked all at once, in
/// one request timeout; a larger one in turns of this many. Without it, an
/// answer listing thousands of nodes would open as many connections, each
/// reading up to the body cap, at the same time.
pub const CONCURRENCY: usize = 32;
/// The most a node's status answer may hold: it is about 1 KB
/// (`tests/fixtures/proxmox/node-status.json`), and [`CONCURRENCY`] of them
/// read at once with the shared 4 MiB cap could hold 128 MiB. Over it, the
/// node has no load ("–"), logged once like any unreadable status.
pub const STATUS_CAP: usize = 64 * 1024;

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<Status>,
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    loadavg: Option<Vec<serde_json::Value>>,
}

/// Parses a `nodes/{node}/status` answer into the three load averages.
pub fn loadavg(bytes: &[u8]) -> Result<[f64; 3], Failure> {
    let bad = |why: String| Failure::new(FailureKind::BadResponse, why);
    let env: Envelope = serde_json::from_slice(bytes)
        .map_err(|e| bad(format!("nodes/NODE/status is not the API's JSON: {e}")))?;
    let values: Vec<f64> = env
        .data
        .and_then(|d| d.loadavg)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| match v {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)
        .collect();
    match values.as_slice() {
        [one, five, fifteen] => Ok([*one, *five, *fifteen]),
        _ => Err(bad(format!(
            "nodes/NODE/status: loadavg is not three numbers ({} read)",
            values.len()
        ))),
    }
}

/// The nodes whose load could not be read at the last try, so each change
/// is logged once.
#[derive(Debug, Default)]
pub(super) struct Unread(BTreeSet<String>);

impl Unread {
    /// Notes `node`'s outcome; logs only when it differs from the last.
    fn note(&mut self, node: &str, outcome: Result<(), &Failure>) {
        match outcome {
            Err(f) if self.0.insert(node.to_owned()) => tracing::info!(
                node,
                reason = %f.message,
                "the node's load cannot be read; it shows as unknown until it can"
            ),
            Ok(()) if self.0.remove(node) => {
                tracing::info!(node, "the node's load can be read again");
            }
            _ => {}
        }
    }
}

impl ProxmoxSource {
    /// Fills in the load of every online node in `data`, through endpoint
    /// `i`, all nodes at once.
    pub(super) async fn load(&mut self, i: usize, data: &mut ProxmoxData) {
        let online: Vec<String> = data
            .nodes
            .iter()
            .filter(|n| n.online)
            .map(|n| n.name.clone())
            .collect();
        let this = &*self;
        // Collected first: a stream over the closure itself is not `Send`
        // for every lifetime (rustc's higher-ranked closure limitation).
        let asks: Vec<_> = online
            .iter()
            .map(|name| async move {
                let path = ["nodes", name.as_str(), "status"];
                let answer = this.get_query(i, &path, None, Some(STATUS_CAP));
                answer.await.and_then(|b| loadavg(&b))
            })
            .collect();
        let answers: Vec<_> = futures_util::stream::iter(asks)
            .buffered(CONCURRENCY)
            .collect()
            .await;
        self.unread
            .0
            .retain(|name| data.nodes.iter().any(|n| &n.name == name));
        for (name, answer) in online.iter().zip(answers) {
            self.unread.note(name, answer.as_ref().map(|_| ()));
            if let Some(node) = data.nodes.iter_mut().find(|n| &n.name == name) {
                node.load = answer.ok();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../tests/fixtures/proxmox/node-status.json");

    #[test]
    fn three_strings_as_the_api_sends_them() {
        assert_eq!(loadavg(FIXTURE.as_bytes()), Ok([0.42, 0.38, 0.31]));
        assert_eq!(
            loadavg(br#"{"data":{"loadavg":[1.5,"2",3]}}"#),
            Ok([1.5, 2.0, 3.0])
        );
    }

    #[test]
    fn anything_else_is_no_load() {
        for odd in [
            &br#"{"data":null}"#[..],
            br#"{"data":{}}"#,
            br#"{"data":{"loadavg":["0.1","x","0.3"]}}"#,
            br#"{"data":{"loadavg":["0.1","0.2"]}}"#,
            br#"{"data":{"loadavg":"0.1 0.2 0.3"}}"#,
            b"<html>",
        ] {
            let f = loadavg(odd).expect_err(&String::from_utf8_lossy(odd));
            assert_eq!(f.kind, FailureKind::BadResponse);
        }
    }

    #[test]
    fn an_unreadable_load_is_noted_once_per_change() {
        let mut u = Unread::default();
        let f = Failure::new(FailureKind::Timeout, "slow");
        u.note("a", Err(&f));
        assert!(u.0.contains("a"));
        u.note("a", Err(&f));
        assert_eq!(u.0.len(), 1);
        u.note("a", Ok(()));
        assert!(u.0.is_empty());
    }
}
