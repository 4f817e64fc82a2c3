//! The one "poll until it holds or time runs out" loop of the suites.
//!
//! A probe answers `Ok(value)` when what the test waits for holds, or
//! `Err(why_not)` (what it saw instead) to be asked again `every` so often.
//! [`until`] gives back the first `Ok`, or the last `Err` once `within` has
//! passed, so a test's failure message shows what it last saw:
//!
//! ```ignore
//! let sources = wait::until(Duration::from_secs(20), Duration::from_millis(100), async || {
//!     let s = p.sources().await.unwrap_or_default();
//!     if s.iter().all(|s| s.1 == "ok") { Ok(s) } else { Err(s) }
//! })
//! .await
//! .unwrap_or_else(|last| panic!("not all ok within 20 s: {last:?}"));
//! ```

#![allow(dead_code, reason = "each suite uses the part it needs")]

use std::time::Duration;

use tokio::time::Instant;

/// Asks `probe` until it answers `Ok` or `within` has passed (it is always
/// asked at least once, and once more at the deadline's end); returns the
/// `Ok`, or the last `Err`.
pub async fn until<T, E>(
    within: Duration,
    every: Duration,
    mut probe: impl AsyncFnMut() -> Result<T, E>,
) -> Result<T, E> {
    let deadline = Instant::now() + within;
    loop {
        let answer = probe().await;
        let left = deadline.saturating_duration_since(Instant::now());
        if answer.is_ok() || left.is_zero() {
            return answer;
        }
        tokio::time::sleep(every.min(left)).await;
    }
}
