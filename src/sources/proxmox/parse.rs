//! The pure half of the Proxmox source: API bodies in, domain types or a
//! [`Failure`] out. No I/O, so every quirk of the API is unit-tested here.
//!
//! What the API does that this code expects:
//! - every answer is `{"data": ...}`; an error is `{"data": null}` with an
//!   optional `message` and `errors` (newer servers), or no body at all
//!   (older servers put the text only in the status line);
//! - any field of a resource may be missing, numbers sometimes come as
//!   strings, booleans as `0`/`1`;
//! - `cluster/resources` mixes nodes, guests, storage and types this
//!   dashboard does not show (`pool`, `sdn`, `network`, ...), and lists a
//!   shared storage once per node;
//! - guests on an offline node keep their last status for minutes.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;

use crate::core::{Failure, FailureKind, Guest, GuestKind, GuestState, Node, ProxmoxData, Storage};
use crate::sources::http::shorten;

mod lenient;
use lenient::{Flag, Num, Text};

/// The permission hint every auth failure carries.
pub const AUDITOR_HINT: &str = auditor_hint!();

/// `GET /cluster/status`, reduced to what the dashboard uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterStatus {
    /// `None` for a single node that is not in a cluster.
    pub quorate: Option<bool>,
    /// Each node's name and its online flag, if given.
    pub nodes: Vec<(String, Option<bool>)>,
}

/// `GET /cluster/resources`, reduced to what the dashboard uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    pub nodes: Vec<Node>,
    pub guests: Vec<Guest>,
    /// Shared storage once, local storage once per node.
    pub storage: Vec<Storage>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: Option<T>,
}

#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(default, borrow)]
    message: Text<'a>,
    #[serde(default)]
    errors: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawStatus<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Text<'a>,
    #[serde(default, borrow)]
    name: Text<'a>,
    #[serde(default)]
    quorate: Flag,
    #[serde(default)]
    online: Flag,
}

#[derive(Deserialize)]
struct RawResource<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Text<'a>,
    #[serde(default, borrow)]
    id: Text<'a>,
    #[serde(default, borrow)]
    node: Text<'a>,
    #[serde(default, borrow)]
    name: Text<'a>,
    #[serde(default, borrow)]
    status: Text<'a>,
    #[serde(default, borrow)]
    storage: Text<'a>,
    #[serde(default)]
    vmid: Num,
    #[serde(default)]
    cpu: Num,
    #[serde(default)]
    mem: Num,
    #[serde(default)]
    maxmem: Num,
    #[serde(default)]
    disk: Num,
    #[serde(default)]
    maxdisk: Num,
    #[serde(default)]
    uptime: Num,
    #[serde(default)]
    template: Flag,
    #[serde(default)]
    shared: Flag,
}

fn bad(what: &str, e: &serde_json::Error) -> Failure {
    Failure::new(
        FailureKind::BadResponse,
        format!("{what}: not the JSON the API documents ({e})"),
    )
}

fn data<'a, T: Deserialize<'a>>(what: &str, bytes: &'a [u8]) -> Result<T, Failure> {
    let envelope: Envelope<T> = serde_json::from_slice(bytes).map_err(|e| bad(what, &e))?;
    envelope.data.ok_or_else(|| {
        Failure::new(
            FailureKind::BadResponse,
            format!("{what}: the answer has no data"),
        )
    })
}

/// Parses `GET /api2/json/cluster/status`.
pub fn cluster_status(bytes: &[u8]) -> Result<ClusterStatus, Failure> {
    let entries: Vec<RawStatus> = data("cluster/status", bytes)?;
    let mut out = ClusterStatus::default();
    for e in entries {
        match e.kind.as_str() {
            Some("cluster") => out.quorate = e.quorate.0,
            Some("node") => {
                if let Some(name) = e.name.0 {
                    out.nodes.push((name.into_owned(), e.online.0));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Parses `GET /api2/json/cluster/resources`.
pub fn resources(bytes: &[u8]) -> Result<Resources, Failure> {
    let entries: Vec<RawResource> = data("cluster/resources", bytes)?;
    // Entries, but none of a type the API documents: not a token that sees
    // nothing (an empty list), but an answer of the wrong shape.
    let documented = [
        "node", "qemu", "lxc", "storage", "pool", "sdn", "network", "openvz",
    ];
    if !entries.is_empty()
        && !entries
            .iter()
            .any(|r| r.kind.as_str().is_some_and(|k| documented.contains(&k)))
    {
        return Err(Failure::new(
            FailureKind::BadResponse,
            format!(
                "cluster/resources: {} entries, none of a documented type (node, qemu, lxc, storage, ...): not the answer the API documents",
                entries.len()
            ),
        ));
    }
    let mut out = Resources::default();
    let mut shared: HashMap<String, usize> = HashMap::new();
    for r in entries {
        match r.kind.as_str() {
            Some("node") => out.nodes.extend(node(r)),
            Some("qemu") => out.guests.extend(guest(r, GuestKind::Qemu)),
            Some("lxc") => out.guests.extend(guest(r, GuestKind::Lxc)),
            Some("storage") => {
                if let Some(s) = storage(r) {
                    add_storage(&mut out.storage, &mut shared, s);
                }
            }
            // pool, sdn, network, openvz and whatever comes next.
            _ => {}
        }
    }
    Ok(out)
}

/// The last `/`-separated part of an id such as `qemu/100` or `node/pve1`.
fn id_tail<'a>(id: &'a Text<'_>) -> Option<&'a str> {
    id.as_str().and_then(|i| i.rsplit('/').next())
}

fn node(r: RawResource) -> Option<Node> {
    let name = r
        .node
        .0
        .map(Cow::into_owned)
        .or_else(|| id_tail(&r.id).map(str::to_owned))?;
    Some(Node {
        name,
        online: r.status.as_str() == Some("online"),
        cpu: r.cpu.0.filter(|c| c.is_finite()).map(|c| c.clamp(0.0, 1.0)),
        mem_used: r.mem.bytes(),
        mem_total: r.maxmem.bytes(),
        uptime_s: r.uptime.bytes(),
        load: None,
    })
}

fn guest(r: RawResource, kind: GuestKind) -> Option<Guest> {
    let vmid = r
        .vmid
        .0
        .or_else(|| id_tail(&r.id)?.parse().ok())
        .filter(|v| v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(v))?
        as u32;
    let state = match r.status.as_str() {
        Some("running") => GuestState::Running,
        Some("stopped") => GuestState::Stopped,
        Some("paused" | "suspended" | "prelaunch") => GuestState::Paused,
        _ => GuestState::Unknown,
    };
    // A stopped guest reports cpu 0 and mem 0: not a reading.
    let running = state == GuestState::Running;
    let name = r.name.0.map(Cow::into_owned).unwrap_or_else(|| {
        let word = if kind == GuestKind::Qemu { "VM" } else { "CT" };
        format!("{word} {vmid}")
    });
    Some(Guest {
        vmid,
        name,
        node: r.node.0.map(Cow::into_owned).unwrap_or_default(),
        kind,
        state,
        template: r.template.0.unwrap_or(false),
        cpu: r
            .cpu
            .0
            .filter(|c| running && c.is_finite())
            .map(|c| c.clamp(0.0, 1.0)),
        mem_used: r.mem.bytes().filter(|_| running),
        mem_total: r.maxmem.bytes(),
    })
}

fn storage(r: RawResource) -> Option<Storage> {
    let name = r
        .storage
        .0
        .map(Cow::into_owned)
        .or_else(|| id_tail(&r.id).map(str::to_owned))?;
    let shared = r.shared.0.unwrap_or(false);
    Some(Storage {
        name,
        node: if shared {
            None
        } else {
            r.node.0.map(Cow::into_owned)
        },
        shared,
        available: r.status.as_str() == Some("available"),
        used: r.disk.bytes().unwrap_or(0),
        total: r.maxdisk.bytes().unwrap_or(0),
    })
}

/// Adds a storage entry; a shared one (listed once per node) is kept once,
/// preferring an entry from a node that can see it.
fn add_storage(list: &mut Vec<Storage>, shared: &mut HashMap<String, usize>, s: Storage) {
    if !s.shared {
        list.push(s);
        return;
    }
    match shared.get(&s.name) {
        Some(&i) => {
            if let Some(kept) = list.get_mut(i)
                && (s.available, s.total) > (kept.available, kept.total)
            {
                *kept = s;
            }
        }
        None => {
            shared.insert(s.name.clone(), list.len());
            list.push(s);
        }
    }
}

/// Combines both answers into one snapshot: a node is online only if neither
/// answer says otherwise, guests on a node that is not online are unknown,
/// and a token that sees nodes but nothing else is a failure (see
/// [`privilege_problem`]).
pub fn snapshot(status: &ClusterStatus, mut res: Resources) -> Result<ProxmoxData, Failure> {
    if let Some(problem) = privilege_problem(status, &res) {
        return Err(problem);
    }
    for (name, online) in &status.nodes {
        match res.nodes.iter_mut().find(|n| &n.name == name) {
            Some(n) => n.online = n.online && *online != Some(false),
            None => res.nodes.push(Node {
                name: name.clone(),
                online: *online == Some(true),
                cpu: None,
                mem_used: None,
                mem_total: None,
                uptime_s: None,
                load: None,
            }),
        }
    }
    res.nodes.sort_by(|a, b| a.name.cmp(&b.name));
    for g in &mut res.guests {
        let online = res.nodes.iter().any(|n| n.name == g.node && n.online);
        if !online {
            g.state = GuestState::Unknown;
        }
    }
    res.guests.sort_by_key(|g| g.vmid);
    Ok(ProxmoxData {
        nodes: res.nodes,
        guests: res.guests,
        storage: res.storage,
        quorate: status.quorate,
        warning: None,
        seed: Vec::new(),
    })
}

/// Every Proxmox node has at least its `local` storage, so a token that sees
/// nodes but no storage and no guest lacks the audit privileges on them. The
/// usual cause: the token was created with privilege separation (the default)
/// and only its user was given a role.
pub fn privilege_problem(status: &ClusterStatus, res: &Resources) -> Option<Failure> {
    if !res.guests.is_empty() || !res.storage.is_empty() {
        return None;
    }
    let seen = res.nodes.len().max(status.nodes.len());
    let message = if seen == 0 {
        format!("the token sees no node, guest or storage: {AUDITOR_HINT}")
    } else {
        format!(
            "the token sees {seen} node{} but no guest or storage: privilege separation is on and the token has no permissions of its own; {AUDITOR_HINT}, or recreate it without privilege separation",
            if seen == 1 { "" } else { "s" }
        )
    };
    Some(Failure::new(FailureKind::Auth, message))
}

/// What a non-success answer says in the API's own words: the body's
/// `message` and `errors` (newer servers), or the status line's reason
/// phrase with any `errors` (older servers put their text there). `None`
/// when neither says anything; the shared failure path then quotes a plain
/// text body (`sources::http::status_failure`).
pub fn error_detail(reason: Option<&str>, body: &[u8]) -> Option<String> {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|b| b.message.as_str())
        .map(str::trim)
        .filter(|m| !m.is_empty());
    let errors = parsed
        .as_ref()
        .and_then(|b| b.errors.as_ref())
        .and_then(errors_text);
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let text = match (message.or(reason), errors) {
        (Some(m), Some(e)) => format!("{m}; {e}"),
        (Some(m), None) => m.to_owned(),
        (None, Some(e)) => e,
        (None, None) => return None,
    };
    Some(shorten(text.trim(), 160))
}

/// `errors` is an object of parameter name to message (or, rarely, a string).
fn errors_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Object(map) if !map.is_empty() => Some(
            map.iter()
                .map(|(k, v)| {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    format!("{k}: {}", v.trim())
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
