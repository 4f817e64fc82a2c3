//! What each source must do under each fault of the fault-injection suite
//! (tests/faults.rs): one named case per fault of [`Fault::ALL`], with the
//! state the source must reach and the words its reason must hold, in that
//! source's own words where the sources differ.

use crate::common::fault_server::{Fault, Flavor};

/// What a source must do while its server misbehaves.
#[derive(Debug, Clone, Copy)]
pub enum Want {
    /// Reach `state` within the suite's budget, with a reason holding one of
    /// `words` (case-insensitive).
    Reach {
        state: &'static str,
        words: &'static [&'static str],
    },
    /// Stay `ok` over at least two polls that got the answer: it is valid.
    StayOk,
    /// Reach `state` with one of `words`, then `ok` again while it goes on.
    Flap {
        state: &'static str,
        words: &'static [&'static str],
    },
}

const fn lost(words: &'static [&'static str]) -> Want {
    Want::Reach {
        state: "lost",
        words,
    }
}

const fn error(words: &'static [&'static str]) -> Want {
    Want::Reach {
        state: "error",
        words,
    }
}

/// A named expectation: a fault, and what the source must do under it.
pub struct Case {
    pub fault: Fault,
    pub want: Want,
}

/// Faults every source sees the same way, in [`Fault::ALL`]'s order.
const TRANSPORT_AND_STATUS: [(Fault, Want); 12] = [
    (Fault::Refused, lost(&["connection refused"])),
    (Fault::Silent, lost(&["timed out", "no complete answer"])),
    (
        Fault::HeadersThenSilence,
        lost(&["timed out", "no complete answer"]),
    ),
    (Fault::Drip, lost(&["timed out", "no complete answer"])),
    (Fault::ResetMidBody, lost(&["reset", "cut off"])),
    (Fault::Status(500), lost(&["500"])),
    (Fault::Status(502), lost(&["502"])),
    (Fault::Status(503), lost(&["503"])),
    (Fault::Status(401), error(&["401"])),
    (Fault::Status(403), error(&["403"])),
    (Fault::Status(404), error(&["404"])),
    (Fault::Html, error(&["html"])),
];

/// How each source takes answers that are complete HTTP but wrong JSON, in
/// its own words: truncated, wrong shape, numbers as strings, strings as
/// numbers, "NaN".
fn json_cases(flavor: Flavor) -> [(Fault, Want); 5] {
    match flavor {
        Flavor::Prometheus => [
            (Fault::TruncatedJson, error(&["the answer is not json"])),
            (
                Fault::WrongShape,
                error(&["does not match the prometheus api"]),
            ),
            (
                Fault::NumbersAsStrings,
                error(&["does not match the prometheus api"]),
            ),
            (
                Fault::StringsAsNumbers,
                error(&["does not match the prometheus api"]),
            ),
            (Fault::NaN, error(&["does not match the prometheus api"])),
        ],
        // Proxmox's Perl JSON sends numbers as strings at times, and the
        // parser takes them (src/sources/proxmox/parse.rs): the data is
        // right. A number it cannot read ("NaN") is missing; the rest stands.
        Flavor::Proxmox => [
            (
                Fault::TruncatedJson,
                error(&["not the json the api documents"]),
            ),
            (
                Fault::WrongShape,
                error(&["not the json the api documents"]),
            ),
            (Fault::NumbersAsStrings, Want::StayOk),
            // Every "type" is 42: no entry is a node, guest or storage.
            (
                Fault::StringsAsNumbers,
                error(&["none of a documented type"]),
            ),
            (Fault::NaN, Want::StayOk),
        ],
        Flavor::Moonraker => [
            (Fault::TruncatedJson, error(&["not the documented answer"])),
            (Fault::WrongShape, error(&["not the documented answer"])),
            (
                Fault::NumbersAsStrings,
                error(&["not the documented answer"]),
            ),
            (
                Fault::StringsAsNumbers,
                error(&["not the documented answer"]),
            ),
            (Fault::NaN, error(&["not the documented answer"])),
        ],
    }
}

/// Every fault of [`Fault::ALL`], in order, with what `flavor` must do.
pub fn cases(flavor: Flavor) -> Vec<Case> {
    let tls = flavor != Flavor::Moonraker;
    let rest = [
        // 1e308 is a valid number: a Prometheus sample and timestamp, a
        // Moonraker temperature (shown as sent), a Proxmox figure (clamped
        // where it is a fraction). The answer is valid, so "ok" is right.
        (Fault::Huge, Want::StayOk),
        (Fault::Body200MB, error(&["larger than"])),
        (
            Fault::BadHandshake,
            error(if tls { &["tls"] } else { &["not http"] }),
        ),
        (
            Fault::Flapping,
            Want::Flap {
                state: "lost",
                words: &["503"],
            },
        ),
    ];
    let cases: Vec<Case> = TRANSPORT_AND_STATUS
        .into_iter()
        .chain(json_cases(flavor))
        .chain(rest)
        .map(|(fault, want)| Case { fault, want })
        .collect();
    let faults: Vec<Fault> = cases.iter().map(|c| c.fault).collect();
    assert_eq!(faults, Fault::ALL, "one case per fault, in order");
    cases
}
