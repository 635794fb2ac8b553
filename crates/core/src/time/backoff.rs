//! How long to wait before trying a backend again: capped exponential backoff
//! with jitter, and the small seeded random source the jitter draws from.

/// Capped exponential backoff with "equal jitter": attempt `n` waits a random
/// time in `[step / 2, step]`, where `step = min(max_ms, base_ms * 2^n)`.
///
/// Equal jitter rather than full jitter (`[0, step]`): full jitter does a
/// little less total work, but can draw a near-zero wait on any attempt, so a
/// flapping backend gets hammered and the "next attempt in N s" the console
/// shows means little. Half of each step is guaranteed, so waits really grow;
/// the random half still spreads a crowd of clients after a backend restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base_ms: u64,
    pub max_ms: u64,
    /// Failures since the last success.
    pub attempt: u32,
}

pub const DEFAULT_BASE_MS: u64 = 1_000;
pub const DEFAULT_MAX_MS: u64 = 30_000;

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(DEFAULT_BASE_MS, DEFAULT_MAX_MS)
    }
}

impl Backoff {
    pub fn new(base_ms: u64, max_ms: u64) -> Self {
        Backoff {
            base_ms,
            max_ms,
            attempt: 0,
        }
    }

    /// The wait before the next attempt, in ms; `random` is uniform in `[0, 1)`
    /// (values outside are clamped). Counts one more failure.
    pub fn next_delay(&mut self, random: f64) -> u64 {
        let step = self.step();
        self.attempt = self.attempt.saturating_add(1);
        let random = if random.is_nan() {
            0.0
        } else {
            random.clamp(0.0, 1.0)
        };
        let half = step / 2;
        // `as` saturates, and `random <= 1` keeps the sum within `step`.
        half + ((step - half) as f64 * random) as u64
    }

    /// The upper bound of the next delay.
    pub fn step(&self) -> u64 {
        // Past 2^63 the shift overflows; the cap is reached long before.
        let factor = 1u64.checked_shl(self.attempt.min(63)).unwrap_or(u64::MAX);
        self.base_ms.saturating_mul(factor).min(self.max_ms)
    }

    /// Back to the first, shortest wait: the backend has answered well.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// SplitMix64: a tiny, fast, seedable generator. Deterministic per seed, so
/// the simulator can replay a run; not for anything secret.
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[lo, hi]`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_between_zero_and_the_cap() {
        let mut rng = SplitMix(7);
        let mut b = Backoff::default();
        for _ in 0..200 {
            let d = b.next_delay(rng.next_f64());
            assert!(d <= DEFAULT_MAX_MS, "{d}");
        }
        for r in [-1.0, 0.0, 0.999_999, 1.0, 2.0, f64::NAN] {
            let mut b = Backoff {
                attempt: 80,
                ..Backoff::default()
            };
            assert!(b.next_delay(r) <= DEFAULT_MAX_MS);
        }
    }

    #[test]
    fn delays_grow_with_attempts_until_the_cap() {
        let mut b = Backoff::default();
        let lows: Vec<u64> = (0..8).map(|_| b.next_delay(0.0)).collect();
        assert_eq!(
            lows,
            [500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]
        );
        let mut b = Backoff::default();
        let highs: Vec<u64> = (0..7).map(|_| b.next_delay(0.999_999_999)).collect();
        assert_eq!(highs, [999, 1_999, 3_999, 7_999, 15_999, 29_999, 29_999]);
    }

    #[test]
    fn every_delay_waits_at_least_half_its_step() {
        let mut rng = SplitMix(11);
        let mut b = Backoff::default();
        for _ in 0..40 {
            let step = b.step();
            let d = b.next_delay(rng.next_f64());
            assert!(
                (step / 2..=step).contains(&d),
                "{d} not in [{}, {step}]",
                step / 2
            );
        }
    }

    #[test]
    fn reset_starts_again_from_the_base() {
        let mut b = Backoff::default();
        for _ in 0..10 {
            b.next_delay(0.5);
        }
        b.reset();
        assert_eq!(b.step(), DEFAULT_BASE_MS);
        assert!(b.next_delay(0.5) <= DEFAULT_BASE_MS);
    }

    #[test]
    fn the_generator_is_deterministic_per_seed_and_uniform_enough() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = SplitMix(3);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = SplitMix(3);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        let mut r = SplitMix(5);
        let mean = (0..10_000).map(|_| r.next_f64()).sum::<f64>() / 10_000.0;
        assert!((0.45..0.55).contains(&mean), "{mean}");
    }
}
