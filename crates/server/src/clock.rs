//! The server's one clock: wall time, or wall time shifted to start at an
//! instant a test chose, so nothing the server decides by the date (a freeze's
//! end, a session's expiry) depends on the day the tests run.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds added to the wall clock; 0 unless `start_at` was called.
static OFFSET_MS: AtomicI64 = AtomicI64::new(0);

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Milliseconds since the epoch (UTC), as the server sees it.
pub fn now_ms() -> i64 {
    wall_ms().saturating_add(OFFSET_MS.load(Ordering::Relaxed))
}

/// From now on the clock reads `start_ms` and runs on at wall-clock speed.
/// Called once at start (`serve --clock-start-ms`, hidden, for tests).
pub fn start_at(start_ms: i64) {
    OFFSET_MS.store(offset_to(start_ms, wall_ms()), Ordering::Relaxed);
}

/// What to add to the wall clock reading `wall` for it to read `start_ms`.
fn offset_to(start_ms: i64, wall: i64) -> i64 {
    start_ms.saturating_sub(wall)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The offset is process-wide and unit tests run in parallel, so the
    // test computes it without storing it: moving every other test's clock
    // by days (as an earlier version did) made session expiry tests fail.
    #[test]
    fn a_started_clock_reads_the_chosen_instant_and_runs_on() {
        // 2026-11-25T10:00:00Z, a Wednesday.
        let start = 1_795_600_800_000;
        let wall = 1_796_630_400_000;
        let offset = offset_to(start, wall);
        assert_eq!(wall + offset, start);
        assert_eq!(wall + 5 + offset, start + 5, "it runs on at wall speed");
        assert_eq!(offset_to(i64::MIN, i64::MAX), i64::MIN, "saturates");
    }
}
