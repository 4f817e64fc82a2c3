//! What the integration suites share: the real binary run headless
//! ([`piboard`]), a real Alertmanager ([`alertmanager`]), loopback fault servers ([`fault_server`]), certificates
//! ([`tls`]), a notify socket ([`notify`]), the golden comparison
//! ([`golden`]), the wait loop ([`wait`]) and the switch that turns a missing
//! tool from a skip into a failure ([`require_real_servers`]).

pub mod alertmanager;
pub mod fault_server;
pub mod golden;
pub mod notify;
pub mod piboard;
pub mod tls;
pub mod wait;

/// The variable CI sets so that a suite whose real server or tool is missing
/// (Xvfb, promtool, chromium, Prometheus) fails instead of skipping.
pub const REQUIRE_REAL_SERVERS: &str = "PIBOARD_REQUIRE_REAL_SERVERS";

/// Whether missing real servers and tools are failures: exactly when
/// `PIBOARD_REQUIRE_REAL_SERVERS=1`. Any other value, or none, lets a suite
/// say "skipped" and pass.
#[allow(dead_code, reason = "not every suite has an optional tool")]
pub fn require_real_servers() -> bool {
    required(std::env::var_os(REQUIRE_REAL_SERVERS).as_deref())
}

/// The meaning of a value of [`REQUIRE_REAL_SERVERS`].
#[allow(dead_code, reason = "not every suite has an optional tool")]
pub fn required(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| v == "1")
}
