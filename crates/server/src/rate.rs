//! Per-account token buckets: a responder hammering POST gets 429 with
//! Retry-After instead of starving everyone else of the writer.

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

#[cfg(test)]
mod tests {
    use super::*;

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
