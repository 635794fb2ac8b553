//! How far this browser's clock is from the backend's, estimated from round
//! trips, and whether to trust it. Derived durations must not inherit a
//! laptop clock that is ten minutes fast.

/// A client clock further than this from the backend's is flagged.
pub const TRUST_LIMIT_MS: i64 = 60_000;
/// A sample this old is replaced by any newer one: clocks get corrected.
const SAMPLE_MAX_AGE_MS: i64 = 10 * 60_000;

/// The best current estimate of `server clock − client clock`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClockEstimate {
    best: Option<Sample>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sample {
    offset: i64,
    round_trip: i64,
    taken_at: i64,
}

impl ClockEstimate {
    /// Records a request sent at local time `sent`, stamped by the server at
    /// `server`, answered at local time `answered`. The server's stamp fell
    /// somewhere in the round trip, so the midpoint is the estimate and half
    /// the round trip its uncertainty; the tightest recent sample wins.
    pub fn observe(&mut self, sent: i64, server: i64, answered: i64) {
        if answered < sent {
            return; // the local clock jumped back mid-request: no information
        }
        let sample = Sample {
            offset: server - (sent + (answered - sent) / 2),
            round_trip: answered - sent,
            taken_at: answered,
        };
        let replace = match self.best {
            None => true,
            Some(b) => {
                sample.round_trip <= b.round_trip || answered - b.taken_at > SAMPLE_MAX_AGE_MS
            }
        };
        if replace {
            self.best = Some(sample);
        }
    }

    /// Server time minus client time, when known.
    pub fn offset_ms(&self) -> Option<i64> {
        self.best.map(|b| b.offset)
    }

    /// True when the client clock is off by more than the limit even
    /// allowing for the uncertainty of the measurement.
    pub fn is_off(&self) -> bool {
        self.best
            .is_some_and(|b| b.offset.abs() - b.round_trip / 2 > TRUST_LIMIT_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correct_clock_is_trusted() {
        let mut c = ClockEstimate::default();
        c.observe(1_000, 1_050, 1_100);
        assert_eq!(c.offset_ms(), Some(0));
        assert!(!c.is_off());
    }

    #[test]
    fn a_clock_five_minutes_slow_is_flagged_with_its_offset() {
        let mut c = ClockEstimate::default();
        c.observe(1_000, 301_040, 1_080);
        assert_eq!(c.offset_ms(), Some(300_000));
        assert!(c.is_off());
    }

    #[test]
    fn a_slow_round_trip_does_not_flag_a_clock_it_cannot_measure() {
        let mut c = ClockEstimate::default();
        // 70 s offset at face value, but the request took 3 minutes.
        c.observe(0, 160_000, 180_000);
        assert!(!c.is_off());
    }

    #[test]
    fn the_tightest_sample_wins_until_it_grows_old() {
        let mut c = ClockEstimate::default();
        c.observe(0, 10, 20); // offset 0, rtt 20
        c.observe(100, 100_500, 1_100); // offset ~99 s but rtt 1 s: ignored
        assert_eq!(c.offset_ms(), Some(0));
        let later = SAMPLE_MAX_AGE_MS + 1_000;
        c.observe(later, later + 120_050, later + 100);
        assert_eq!(c.offset_ms(), Some(120_000));
    }

    #[test]
    fn no_samples_means_no_verdict() {
        assert_eq!(ClockEstimate::default().offset_ms(), None);
        assert!(!ClockEstimate::default().is_off());
    }
}
