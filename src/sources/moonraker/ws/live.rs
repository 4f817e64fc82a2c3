//! The printer's live state over the websocket, pure: the subscribe
//! answer's `status` is the base, each `notify_status_update` diff is
//! deep-merged into it, and the whole is read by the same
//! [`parse`] code the HTTP poll uses, so both
//! transports agree on every field.
//!
//! Only the subscribed objects ([`objects`], the HTTP query's list) are
//! kept: a diff for any other object is ignored. A diff that would leave a
//! state [`parse`] cannot read (a field of the wrong
//! type), or one larger than [`MAX_BYTES`], is refused whole and the last
//! whole state stays.

use serde_json::{Map, Value};

use crate::core::{Failure, FailureKind};
use crate::sources::moonraker::parse::{self, Status};

/// The most the live state may hold, as JSON text. The eight objects hold
/// one to three KiB (`tests/fixtures/moonraker/objects_*.json`: about 1 KiB);
/// each diff is capped by the frame cap, but one that adds fields instead
/// of changing them would grow the state for as long as the socket stays
/// up. Parsed, the state takes up to 16 times its text (a 2-byte array
/// item is a 32-byte `Value`).
pub const MAX_BYTES: usize = 16 * 1024;

/// The printer objects the panel shows, as in `/printer/objects/query`.
pub fn objects() -> impl Iterator<Item = &'static str> {
    parse::OBJECTS_QUERY.split('&')
}

/// The params of `printer.objects.subscribe` for [`objects`] (all fields).
pub fn subscribe_params() -> Value {
    let objects: Map<String, Value> = objects().map(|o| (o.to_owned(), Value::Null)).collect();
    serde_json::json!({ "objects": objects })
}

/// The live state of the subscribed objects.
#[derive(Debug, Clone, Default)]
pub struct Live {
    objects: Map<String, Value>,
}

impl Live {
    /// Replaces the state with the subscribe answer's (`{"eventtime",
    /// "status"}`).
    pub fn subscribed(&mut self, answer: &Value) -> Result<(), Failure> {
        let Some(Value::Object(status)) = answer.get("status") else {
            return Err(Failure::new(
                FailureKind::BadResponse,
                "printer.objects.subscribe: an answer without its status",
            ));
        };
        let mut objects = Map::new();
        for name in self::objects() {
            if let Some(v) = status.get(name) {
                objects.insert(name.to_owned(), v.clone());
            }
        }
        if size(&objects) > MAX_BYTES {
            return Err(Failure::new(
                FailureKind::BadResponse,
                format!(
                    "printer.objects.subscribe: a state larger than {} KiB",
                    MAX_BYTES / 1024
                ),
            ));
        }
        read(&objects)?;
        self.objects = objects;
        Ok(())
    }

    /// Merges a `notify_status_update` diff (its first parameter). Returns
    /// whether the state changed; a diff that is not an object, or that
    /// would leave an unreadable state, changes nothing and is an error.
    pub fn apply(&mut self, diff: &Value) -> Result<bool, String> {
        let Value::Object(diff) = diff else {
            return Err("a status update that is not an object".into());
        };
        let mut next = self.objects.clone();
        let mut changed = false;
        for (name, fields) in diff {
            if !objects().any(|o| o == name) {
                continue;
            }
            let slot = next.entry(name.clone()).or_insert(Value::Null);
            changed |= merge(slot, fields);
        }
        if !changed {
            return Ok(false);
        }
        if size(&next) > MAX_BYTES {
            return Err(format!(
                "a status update that would make the state larger than {} KiB",
                MAX_BYTES / 1024
            ));
        }
        read(&next).map_err(|f| f.message)?;
        self.objects = next;
        Ok(true)
    }

    /// The state as [`parse`] reads it.
    pub fn status(&self) -> Status {
        read(&self.objects).unwrap_or_default()
    }

    /// Forgets the state (Klipper went away).
    pub fn clear(&mut self) {
        self.objects.clear();
    }
}

fn read(objects: &Map<String, Value>) -> Result<Status, Failure> {
    serde_json::from_value(Value::Object(objects.clone())).map_err(|e| {
        Failure::new(
            FailureKind::BadResponse,
            format!("printer status: not the documented shape ({e})"),
        )
    })
}

/// The length of `objects` as JSON text, counted without writing it.
fn size(objects: &Map<String, Value>) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, objects).map_or(usize::MAX, |()| count.0)
}

/// Deep-merges `diff` into `into`: objects field by field, anything else
/// replaced. Returns whether `into` changed.
fn merge(into: &mut Value, diff: &Value) -> bool {
    match (into, diff) {
        (Value::Object(into), Value::Object(diff)) => {
            let mut changed = false;
            for (k, v) in diff {
                changed |= merge(into.entry(k.clone()).or_insert(Value::Null), v);
            }
            changed
        }
        (into, diff) => {
            if into == diff {
                return false;
            }
            *into = diff.clone();
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::PrintState;
    use serde_json::json;

    fn base() -> Live {
        let mut live = Live::default();
        let answer = json!({"eventtime": 1.0, "status": {
            "print_stats": {"state": "printing", "filename": "a.gcode", "print_duration": 10.0,
                            "info": {"current_layer": 2, "total_layer": 10}},
            "virtual_sdcard": {"progress": 0.25},
            "extruder": {"temperature": 210.0, "target": 215.0},
            "not_ours": {"x": 1}
        }});
        live.subscribed(&answer).expect("a documented answer");
        live
    }

    #[test]
    fn the_subscribe_answer_is_the_base() {
        let live = base();
        let d = parse::printer_data(&live.status(), None);
        assert_eq!(d.state, PrintState::Printing);
        assert_eq!(d.progress, 0.25);
        assert_eq!(d.extruder.temperature, 210.0);
        assert_eq!(d.current_layer, Some(2));
    }

    #[test]
    fn diffs_merge_field_by_field() {
        let mut live = base();
        let diff = json!({"virtual_sdcard": {"progress": 0.5}, "print_stats": {"info": {"current_layer": 3}}});
        assert_eq!(live.apply(&diff), Ok(true));
        let d = parse::printer_data(&live.status(), None);
        assert_eq!(d.progress, 0.5);
        assert_eq!((d.current_layer, d.total_layers), (Some(3), Some(10)));
        assert_eq!(d.filename.as_deref(), Some("a.gcode"));
        assert_eq!(
            live.apply(&diff),
            Ok(false),
            "the same diff changes nothing"
        );
        assert_eq!(
            live.apply(&json!({"print_stats": {"state": "paused"}})),
            Ok(true)
        );
        assert_eq!(
            parse::printer_data(&live.status(), None).state,
            PrintState::Paused
        );
    }

    #[test]
    fn objects_never_subscribed_are_ignored() {
        let mut live = base();
        assert_eq!(
            live.apply(&json!({"not_ours": {"x": 2}, "probe": {"z": 1}})),
            Ok(false)
        );
        assert!(!live.objects.contains_key("probe"));
        assert!(!live.objects.contains_key("not_ours"));
    }

    #[test]
    fn an_unreadable_diff_keeps_the_last_whole_state() {
        let mut live = base();
        assert!(
            live.apply(&json!({"virtual_sdcard": {"progress": "half"}}))
                .is_err()
        );
        assert!(live.apply(&json!([1, 2])).is_err());
        assert_eq!(parse::printer_data(&live.status(), None).progress, 0.25);
    }

    #[test]
    fn diffs_that_keep_adding_fields_stop_at_the_bound() {
        let mut live = base();
        let field = "x".repeat(1000);
        let mut refused = 0;
        for i in 0..1000 {
            let diff = json!({"print_stats": {format!("new_field_{i}"): field}});
            if live.apply(&diff).is_err() {
                refused += 1;
            }
        }
        assert!(size(&live.objects) <= MAX_BYTES, "{}", size(&live.objects));
        assert!(refused > 900, "{refused}");
        // The panel's own fields still change.
        assert_eq!(
            live.apply(&json!({"virtual_sdcard": {"progress": 0.5}})),
            Ok(true)
        );
        assert_eq!(parse::printer_data(&live.status(), None).progress, 0.5);
        let huge = json!({"eventtime": 1.0, "status": {"display_status": {"message": "x".repeat(MAX_BYTES)}}});
        let e = Live::default().subscribed(&huge);
        assert!(e.is_err_and(|f| f.kind == FailureKind::BadResponse));
    }

    #[test]
    fn an_answer_without_status_is_a_bad_response() {
        let mut live = Live::default();
        let e = live.subscribed(&json!({"eventtime": 1.0}));
        assert!(e.is_err_and(|f| f.kind == FailureKind::BadResponse));
    }

    #[test]
    fn the_subscription_asks_for_every_panel_object() {
        let p = subscribe_params();
        assert_eq!(p["objects"].as_object().map(Map::len), Some(8));
        assert!(p["objects"]["print_stats"].is_null());
    }
}
