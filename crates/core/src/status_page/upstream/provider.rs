//! What we know of one provider (its last summary, or unknown since when and
//! why) and when to poll it next.

use super::Summary;
use crate::time::backoff::Backoff;
use serde::{Deserialize, Serialize};

/// A summary and when we read it (ms since the epoch, our clock).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fetched {
    pub summary: Summary,
    pub fetched_at: i64,
}

/// What we know about one provider. Serialized for the server's upstream
/// cache (restarts and replicas that do not poll read it back).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ProviderState {
    Known(Fetched),
    /// Not polled yet, or the last poll failed. `since` is when we stopped
    /// knowing; `last_known` is kept so the console can show it with its age.
    Unknown {
        since: i64,
        reason: String,
        last_known: Option<Fetched>,
    },
}

/// Reason shown before the first poll has answered.
pub const NOT_POLLED_YET: &str = "not polled yet";

impl ProviderState {
    /// A provider nobody has polled: unknown, never operational.
    pub fn new(now: i64) -> ProviderState {
        ProviderState::Unknown {
            since: now,
            reason: NOT_POLLED_YET.into(),
            last_known: None,
        }
    }

    /// Takes one poll's outcome. A failure keeps the last summary we had and
    /// the time we first lost the provider; returns whether anything a
    /// console shows has changed.
    pub fn observe(&mut self, result: Result<Summary, String>, now: i64) -> bool {
        let next = match (result, &mut *self) {
            (Ok(summary), ProviderState::Known(prev)) => {
                let changed = prev.summary != summary;
                *prev = Fetched {
                    summary,
                    fetched_at: now,
                };
                // A fresher fetch of the same page is not news worth a push.
                return changed;
            }
            (Ok(summary), ProviderState::Unknown { .. }) => ProviderState::Known(Fetched {
                summary,
                fetched_at: now,
            }),
            (Err(reason), ProviderState::Known(prev)) => ProviderState::Unknown {
                since: now,
                reason,
                last_known: Some(prev.clone()),
            },
            (Err(new), ProviderState::Unknown { reason, .. }) => {
                let changed = *reason != new;
                *reason = new;
                return changed;
            }
        };
        *self = next;
        true
    }

    /// The summary a console can show, current or last known.
    pub fn latest(&self) -> Option<&Fetched> {
        match self {
            ProviderState::Known(f) => Some(f),
            ProviderState::Unknown { last_known, .. } => last_known.as_ref(),
        }
    }

    pub fn is_known(&self) -> bool {
        matches!(self, ProviderState::Known(_))
    }
}

/// `unknown since 14:05 UTC (HTTP 503)`.
pub fn unknown_label(since: i64, reason: &str) -> String {
    let secs = since.div_euclid(1000).rem_euclid(86_400);
    format!(
        "unknown since {:02}:{:02} UTC ({reason})",
        secs / 3600,
        secs / 60 % 60
    )
}

/// When to poll a provider next: every `interval` with ±10% jitter while it
/// answers, so providers configured together do not all fire in the same
/// second; after failures, `crate::time::backoff::Backoff` (equal jitter) starting
/// from the interval and capped at ten intervals (at most 15 minutes, at
/// least the interval), so a broken page is not hammered but is back on the
/// console within minutes of recovering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollSchedule {
    pub interval_ms: u64,
    backoff: Backoff,
}

pub const DEFAULT_INTERVAL_MS: u64 = 60_000;
const MAX_BACKOFF_MS: u64 = 15 * 60_000;
/// The first polls of a server start spread over this much time at most.
const FIRST_SPREAD_MS: u64 = 5_000;

impl PollSchedule {
    pub fn new(interval_ms: u64) -> PollSchedule {
        let interval_ms = interval_ms.max(1);
        let cap = interval_ms
            .saturating_mul(10)
            .min(MAX_BACKOFF_MS)
            .max(interval_ms);
        PollSchedule {
            interval_ms,
            backoff: Backoff::new(interval_ms, cap),
        }
    }

    /// Delay before the first poll: soon, spread over up to 5 s (or one
    /// interval, if shorter). `random` is uniform in `[0, 1)`.
    pub fn first_delay(&self, random: f64) -> u64 {
        let spread = self.interval_ms.min(FIRST_SPREAD_MS);
        (spread as f64 * unit(random)) as u64
    }

    /// Delay after a poll that answered well.
    pub fn after_success(&mut self, random: f64) -> u64 {
        self.backoff.reset();
        let tenth = self.interval_ms / 10;
        self.interval_ms - tenth + (2.0 * tenth as f64 * unit(random)) as u64
    }

    /// Delay after a failed poll; grows with each failure in a row.
    pub fn after_failure(&mut self, random: f64) -> u64 {
        self.backoff.next_delay(random)
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.backoff.attempt
    }
}

fn unit(random: f64) -> f64 {
    if random.is_nan() {
        0.0
    } else {
        random.clamp(0.0, 1.0)
    }
}
