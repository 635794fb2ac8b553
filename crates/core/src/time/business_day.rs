//! Business days in one time zone: Monday to Friday, less the holidays, and
//! "N business days after" an instant, the arithmetic behind a change freeze.

use crate::time::zone::{Date, LocalTime, TimeZone};
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    pub zone: TimeZone,
    pub holidays: BTreeSet<Date>,
}

impl Calendar {
    pub fn new(zone: TimeZone, holidays: impl IntoIterator<Item = Date>) -> Calendar {
        Calendar {
            zone,
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_business_day(&self, d: Date) -> bool {
        !d.is_weekend() && !self.holidays.contains(&d)
    }

    /// The first business day strictly after `d`. Ends: at most every
    /// holiday plus two weekend days stand in the way of each step.
    pub fn next_business_day(&self, d: Date) -> Date {
        let mut d = d.next();
        while !self.is_business_day(d) {
            d = d.next();
        }
        d
    }

    /// The instant `n` business days after `start`: the same local wall-clock
    /// time on the `n`th business day after the start's day, so only time on
    /// business days counts. An instant on a weekend or holiday counts from
    /// the start (00:00) of the next business day: resolved on Saturday with
    /// n = 3 ends at 00:00 on Thursday, after Monday, Tuesday and Wednesday.
    /// Across a clock change the wall-clock time is kept (see
    /// `TimeZone::from_local` for a time that is skipped or repeated).
    pub fn add_business_days(&self, start_ms: i64, n: u32) -> i64 {
        if n == 0 {
            return start_ms;
        }
        let LocalTime {
            mut date,
            mut ms_of_day,
        } = self.zone.to_local(start_ms);
        if !self.is_business_day(date) {
            date = self.next_business_day(date);
            ms_of_day = 0;
        }
        for _ in 0..n {
            date = self.next_business_day(date);
        }
        self.zone.from_local(LocalTime { date, ms_of_day })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar(zone: &str, holidays: &[&str]) -> Calendar {
        Calendar::new(
            TimeZone::named(zone).unwrap(),
            holidays.iter().map(|d| Date::parse(d).unwrap()),
        )
    }

    /// A UTC instant from its wall-clock reading in `zone`.
    fn wall(zone: &str, date: &str, h: i64, mi: i64) -> i64 {
        TimeZone::named(zone).unwrap().from_local(LocalTime {
            date: Date::parse(date).unwrap(),
            ms_of_day: (h * 3600 + mi * 60) * 1000,
        })
    }

    fn utc(date: &str, h: i64, mi: i64) -> i64 {
        wall("UTC", date, h, mi)
    }

    #[test]
    fn three_business_days_from_a_monday_end_on_thursday_at_the_same_time() {
        let c = calendar("UTC", &[]);
        assert_eq!(
            c.add_business_days(utc("2026-11-23", 15, 0), 3),
            utc("2026-11-26", 15, 0)
        );
    }

    #[test]
    fn weekends_do_not_count() {
        let c = calendar("UTC", &[]);
        // Friday 15:00 → Monday, Tuesday, Wednesday 15:00.
        assert_eq!(
            c.add_business_days(utc("2026-11-27", 15, 0), 3),
            utc("2026-12-02", 15, 0)
        );
    }

    #[test]
    fn an_instant_on_a_weekend_counts_from_the_next_business_morning() {
        let c = calendar("UTC", &[]);
        assert_eq!(
            c.add_business_days(utc("2026-11-28", 10, 0), 3),
            utc("2026-12-03", 0, 0)
        );
        assert_eq!(
            c.add_business_days(utc("2026-11-29", 23, 59), 1),
            utc("2026-12-01", 0, 0)
        );
    }

    #[test]
    fn holidays_do_not_count() {
        // Thanksgiving 2026 is Thursday 26 November; the Friday after too.
        let c = calendar("UTC", &["2026-11-26", "2026-11-27"]);
        assert_eq!(
            c.add_business_days(utc("2026-11-24", 9, 30), 3),
            utc("2026-12-01", 9, 30)
        );
        // Resolved on the holiday itself: counts from Monday 00:00.
        assert_eq!(
            c.add_business_days(utc("2026-11-26", 12, 0), 1),
            utc("2026-12-01", 0, 0)
        );
    }

    #[test]
    fn days_are_counted_in_the_policy_zone_not_in_utc() {
        // Friday 23:30 UTC is already Saturday 00:30 in Berlin (CET).
        let berlin = calendar("Europe/Berlin", &[]);
        assert_eq!(
            berlin.add_business_days(utc("2026-11-27", 23, 30), 1),
            wall("Europe/Berlin", "2026-12-01", 0, 0)
        );
        // In UTC the same instant is a Friday: ends Monday 23:30 UTC.
        let c = calendar("UTC", &[]);
        assert_eq!(
            c.add_business_days(utc("2026-11-27", 23, 30), 1),
            utc("2026-11-30", 23, 30)
        );
        // Monday 02:00 UTC is Sunday 21:00 in New York.
        let ny = calendar("America/New_York", &[]);
        assert_eq!(
            ny.add_business_days(utc("2026-11-30", 2, 0), 1),
            wall("America/New_York", "2026-12-01", 0, 0)
        );
    }

    #[test]
    fn a_freeze_across_the_march_switch_keeps_its_wall_clock_time() {
        // Berlin: Friday 27 March 2026 14:00 CET (13:00 UTC); clocks go
        // forward on Sunday 29th; three business days later is Wednesday
        // 1 April 14:00 CEST, 12:00 UTC: one hour less of real time.
        let c = calendar("Europe/Berlin", &[]);
        let start = utc("2026-03-27", 13, 0);
        assert_eq!(c.add_business_days(start, 3), utc("2026-04-01", 12, 0));
        // New York: Friday 6 March 2026 10:00 EST (15:00 UTC) → Wednesday
        // 11 March 10:00 EDT (14:00 UTC).
        let ny = calendar("America/New_York", &[]);
        assert_eq!(
            ny.add_business_days(utc("2026-03-06", 15, 0), 3),
            utc("2026-03-11", 14, 0)
        );
    }

    #[test]
    fn a_freeze_across_the_autumn_switch_keeps_its_wall_clock_time() {
        // Berlin: Friday 23 October 2026 09:00 CEST (07:00 UTC) → Wednesday
        // 28 October 09:00 CET (08:00 UTC).
        let c = calendar("Europe/Berlin", &[]);
        assert_eq!(
            c.add_business_days(utc("2026-10-23", 7, 0), 3),
            utc("2026-10-28", 8, 0)
        );
        // New York: Friday 30 October 2026 16:45 EDT (20:45 UTC) → Wednesday
        // 4 November 16:45 EST (21:45 UTC).
        let ny = calendar("America/New_York", &[]);
        assert_eq!(
            ny.add_business_days(utc("2026-10-30", 20, 45), 3),
            utc("2026-11-04", 21, 45)
        );
    }

    #[test]
    fn zero_days_is_no_time_at_all() {
        let c = calendar("UTC", &[]);
        let t = utc("2026-11-28", 10, 0);
        assert_eq!(c.add_business_days(t, 0), t);
    }

    proptest::proptest! {
        /// Any instant, however extreme (an event stored before times were
        /// checked), gives some answer: date arithmetic saturates, never
        /// panics or overflows.
        #[test]
        fn any_instant_adds_business_days_without_panicking(
            t in proptest::prop_oneof![
                proptest::prelude::Just(i64::MAX),
                proptest::prelude::Just(i64::MIN),
                proptest::prelude::any::<i64>(),
            ],
            n in 0u32..10,
            zone in proptest::sample::select(vec!["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney"]),
        ) {
            let c = calendar(zone, &[]);
            let _ = c.add_business_days(t, n);
            let _ = crate::time::utc::format(t);
            let _ = crate::time::utc::rfc3339(t);
        }
    }
}
