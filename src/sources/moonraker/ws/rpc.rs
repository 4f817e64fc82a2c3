//! Moonraker's JSON-RPC 2.0 over the websocket, pure: requests numbered by
//! an increasing id, and what arrives read into an answer to one of them
//! (matched by its id), a notification (by its method), or nothing we can
//! use. No I/O, so every shape is tested here.

use serde_json::{Value, json};

/// One incoming frame, read.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// The answer to the request with `id`: its `result`, or the error's
    /// message.
    Answer {
        /// The request's id.
        id: u64,
        /// `result`, or the error.
        outcome: Result<Value, RpcError>,
    },
    /// A notification: its method and its `params` (an empty list when it
    /// has none).
    Notification {
        /// `notify_status_update`, `notify_klippy_ready`, ...
        method: String,
        /// The notification's positional parameters.
        params: Vec<Value>,
    },
}

/// A JSON-RPC error: Moonraker's code (its HTTP status: 404, 503, ...)
/// and the first line of its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    /// The error's code.
    pub code: i64,
    /// The first line of its message (or "error CODE").
    pub message: String,
}

/// Why a frame was not read: not JSON, or JSON that is neither an answer
/// nor a notification. The session counts and ignores these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

/// The numbering of requests.
#[derive(Debug, Default)]
pub struct Rpc {
    next_id: u64,
}

impl Rpc {
    /// A fresh numbering, starting at 1.
    pub fn new() -> Self {
        Self { next_id: 1 }
    }

    /// The text of a request for `method` with `params`, and its id.
    pub fn request(&mut self, method: &str, params: Value) -> (u64, String) {
        let id = self.next_id;
        self.next_id += 1;
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": id});
        (id, body.to_string())
    }
}

/// Reads one text frame.
pub fn read(text: &str) -> Result<Incoming, Malformed> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| Malformed(format!("not JSON ({e})")))?;
    let Value::Object(mut map) = value else {
        return Err(Malformed("not a JSON object".into()));
    };
    if let Some(method) = map.get("method").and_then(Value::as_str) {
        let method = method.to_owned();
        let params = match map.remove("params") {
            Some(Value::Array(list)) => list,
            None | Some(Value::Null) => Vec::new(),
            Some(other) => vec![other],
        };
        return Ok(Incoming::Notification { method, params });
    }
    let id = map
        .get("id")
        .and_then(Value::as_u64)
        .ok_or_else(|| Malformed("neither a notification nor an answer with an id".into()))?;
    let outcome = match (map.remove("result"), map.remove("error")) {
        (Some(result), None) => Ok(result),
        (_, Some(error)) => Err(error_message(&error)),
        (None, None) => return Err(Malformed(format!("answer {id} without result or error"))),
    };
    Ok(Incoming::Answer { id, outcome })
}

fn error_message(error: &Value) -> RpcError {
    let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
    let message = error.get("message").and_then(Value::as_str).unwrap_or("");
    let line = crate::sources::http::first_line(message);
    RpcError {
        code,
        message: if line.is_empty() {
            format!("error {code}")
        } else {
            line.to_owned()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_numbered_and_well_formed() {
        let mut rpc = Rpc::new();
        let (a, text) = rpc.request("server.info", json!({}));
        let (b, _) = rpc.request("server.info", json!({}));
        assert_eq!((a, b), (1, 2));
        let v: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(v["jsonrpc"], "2.0");
        assert_eq!(v["method"], "server.info");
        assert_eq!(v["id"], 1);
    }

    #[test]
    fn answers_are_matched_by_id() {
        let ok = read(r#"{"jsonrpc":"2.0","result":{"klippy_state":"ready"},"id":7}"#);
        assert_eq!(
            ok,
            Ok(Incoming::Answer {
                id: 7,
                outcome: Ok(json!({"klippy_state": "ready"}))
            })
        );
        let err =
            read(r#"{"jsonrpc":"2.0","error":{"code":400,"message":"Klippy\nnot ready"},"id":8}"#);
        assert_eq!(
            err,
            Ok(Incoming::Answer {
                id: 8,
                outcome: Err(RpcError {
                    code: 400,
                    message: "Klippy".into()
                })
            })
        );
    }

    #[test]
    fn notifications_are_read_by_method() {
        let n = read(
            r#"{"jsonrpc":"2.0","method":"notify_status_update","params":[{"fan":{"speed":0.5}},123.4]}"#,
        );
        let Ok(Incoming::Notification { method, params }) = n else {
            panic!("{n:?}")
        };
        assert_eq!(method, "notify_status_update");
        assert_eq!(params[0]["fan"]["speed"], 0.5);
        let bare = read(r#"{"jsonrpc":"2.0","method":"notify_klippy_ready"}"#);
        assert_eq!(
            bare,
            Ok(Incoming::Notification {
                method: "notify_klippy_ready".into(),
                params: vec![]
            })
        );
    }

    #[test]
    fn anything_else_is_malformed() {
        for text in ["{", "[1,2]", "42", r#"{"jsonrpc":"2.0"}"#, r#"{"id":3}"#] {
            assert!(read(text).is_err(), "{text}");
        }
    }
}
