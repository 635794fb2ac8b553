//! Per-key token buckets: a responder hammering POST gets 429 with
//! Retry-After instead of starving everyone else of the writer. And a
//! backoff on failures: wrong passwords from one address for one name wait
//! longer and longer, while the same name from elsewhere is not held up.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct Rate {
    /// Tokens added per second.
    pub per_second: f64,
    /// The bucket's size: how many requests may come at once.
    pub burst: f64,
}

pub struct Limiter {
    rate: Rate,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(rate: Rate) -> Limiter {
        Limiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long until one is there.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        self.take_at(key, Instant::now())
    }

    pub fn take_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let Rate { per_second, burst } = self.rate;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        // Full buckets carry no information; forgetting them keeps the map
        // as small as the set of accounts active in the last few seconds.
        if buckets.len() > 10_000 {
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second < burst
            });
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((burst, now));
        *tokens =
            (*tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / per_second))
        }
    }
}

/// How failures are paid for: after `free` of them the next try waits
/// `first`, and each further failure doubles the wait, from `first` up to `max`; a key
/// quiet for `forget_after` starts afresh.
#[derive(Clone, Copy, Debug)]
pub struct BackoffPolicy {
    pub free: u32,
    pub first: Duration,
    pub max: Duration,
    pub forget_after: Duration,
}

impl BackoffPolicy {
    /// The wait after `failures` failures in a row.
    pub fn wait_after(&self, failures: u32) -> Duration {
        if failures < self.free {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free).min(30);
        self.first.saturating_mul(1 << doublings).min(self.max)
    }
}

/// Failures per key, each with when the last one was.
pub struct Backoff {
    policy: BackoffPolicy,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Backoff {
    pub fn new(policy: BackoffPolicy) -> Backoff {
        Backoff {
            policy,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Ok when `key` may try now, else how long until it may.
    pub fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(&(n, last)) = failures.get(key) else {
            return Ok(());
        };
        let since = now.saturating_duration_since(last);
        if since >= self.policy.forget_after {
            return Ok(());
        }
        match self.policy.wait_after(n).checked_sub(since) {
            Some(left) if !left.is_zero() => Err(left),
            _ => Ok(()),
        }
    }

    pub fn failed_at(&self, key: &str, now: Instant) {
        let forget_after = self.policy.forget_after;
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Old failures carry no information; forgetting them keeps the map
        // as small as the set of keys failing in the last forget_after.
        if failures.len() > 10_000 {
            failures.retain(|_, (_, at)| now.saturating_duration_since(*at) < forget_after);
        }
        let entry = failures.entry(key.to_string()).or_insert((0, now));
        if now.saturating_duration_since(entry.1) >= forget_after {
            entry.0 = 0;
        }
        entry.0 = entry.0.saturating_add(1);
        entry.1 = now;
    }

    pub fn succeeded(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(key);
    }

    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    pub fn failed(&self, key: &str) {
        self.failed_at(key, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> BackoffPolicy {
        BackoffPolicy {
            free: 3,
            first: Duration::from_secs(1),
            max: Duration::from_secs(8),
            forget_after: Duration::from_secs(60),
        }
    }

    #[test]
    fn failures_beyond_the_free_ones_double_the_wait_up_to_the_cap() {
        let p = policy();
        let waits: Vec<u64> = (0..9).map(|n| p.wait_after(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 8, 8]);
        assert_eq!(p.wait_after(u32::MAX), Duration::from_secs(8));
    }

    #[test]
    fn a_key_waits_after_its_failures_and_others_and_successes_do_not() {
        let b = Backoff::new(policy());
        let t = Instant::now();
        for n in 0..5 {
            assert_eq!(b.check_at("ana@10.0.0.9", t).is_ok(), n < 3, "{n}");
            b.failed_at("ana@10.0.0.9", t);
        }
        // Five failures: two beyond the free three, so four seconds.
        assert_eq!(b.check_at("ana@10.0.0.9", t), Err(Duration::from_secs(4)));
        assert!(b.check_at("ana@10.0.0.1", t).is_ok(), "the owner elsewhere");
        assert!(b
            .check_at("ana@10.0.0.9", t + Duration::from_secs(4))
            .is_ok());
        assert!(
            b.check_at("ana@10.0.0.9", t + Duration::from_secs(61))
                .is_ok(),
            "forgotten after a quiet minute"
        );
        b.succeeded("ana@10.0.0.9");
        assert!(b.check_at("ana@10.0.0.9", t).is_ok());
    }

    #[test]
    fn a_burst_passes_then_the_next_waits_for_a_refill() {
        let l = Limiter::new(Rate {
            per_second: 2.0,
            burst: 3.0,
        });
        let t = Instant::now();
        for _ in 0..3 {
            assert!(l.take_at("ana", t).is_ok());
        }
        let wait = l.take_at("ana", t).unwrap_err();
        assert!(
            wait > Duration::from_millis(400) && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        assert!(l.take_at("bob", t).is_ok(), "buckets are per account");
        assert!(l.take_at("ana", t + Duration::from_millis(500)).is_ok());
    }
}
