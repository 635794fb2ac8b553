//! Time zones by IANA name and conversion between UTC instants and local
//! wall-clock dates and times, for policies that speak of local days.
//!
//! Each zone is the POSIX TZ rule the tz database gives it today (its
//! "footer"), not its whole history: a freeze or a maintenance window is
//! about this week, and a table of current rules costs the console a few
//! kilobytes where the full database costs a hundred. A zone that changes
//! its rules needs its line here updated; a name not in the table is refused
//! with a clear message (see `limits`).

use crate::time::utc::{civil_from_days, days_from_civil, days_in_month};
use std::fmt;

const DAY_MS: i64 = 86_400_000;

/// IANA name → POSIX TZ rule (offsets in the POSIX sign: west positive).
const ZONES: &[(&str, &str)] = &[
    ("UTC", "UTC0"),
    ("Etc/UTC", "UTC0"),
    ("Europe/London", "GMT0BST,M3.5.0/1,M10.5.0"),
    // The tz database writes Ireland with negative DST; same offsets.
    ("Europe/Dublin", "GMT0IST,M3.5.0/1,M10.5.0"),
    ("Europe/Lisbon", "WET0WEST,M3.5.0/1,M10.5.0"),
    ("Europe/Amsterdam", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Brussels", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Budapest", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Copenhagen", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Madrid", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Oslo", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Paris", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Prague", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Rome", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Stockholm", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Vienna", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Warsaw", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Zurich", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Athens", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Bucharest", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Helsinki", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Kyiv", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Riga", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Sofia", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Tallinn", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Vilnius", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Istanbul", "<+03>-3"),
    ("Europe/Moscow", "MSK-3"),
    ("America/New_York", "EST5EDT,M3.2.0,M11.1.0"),
    ("America/Detroit", "EST5EDT,M3.2.0,M11.1.0"),
    ("America/Toronto", "EST5EDT,M3.2.0,M11.1.0"),
    ("America/Chicago", "CST6CDT,M3.2.0,M11.1.0"),
    ("America/Denver", "MST7MDT,M3.2.0,M11.1.0"),
    ("America/Phoenix", "MST7"),
    ("America/Los_Angeles", "PST8PDT,M3.2.0,M11.1.0"),
    ("America/Vancouver", "PST8PDT,M3.2.0,M11.1.0"),
    ("America/Anchorage", "AKST9AKDT,M3.2.0,M11.1.0"),
    ("America/Halifax", "AST4ADT,M3.2.0,M11.1.0"),
    ("America/St_Johns", "NST3:30NDT,M3.2.0,M11.1.0"),
    ("America/Mexico_City", "CST6"),
    ("America/Bogota", "<-05>5"),
    ("America/Lima", "<-05>5"),
    ("America/Sao_Paulo", "<-03>3"),
    ("America/Argentina/Buenos_Aires", "<-03>3"),
    ("America/Santiago", "<-04>4<-03>,M9.1.6/24,M4.1.6/24"),
    ("Pacific/Honolulu", "HST10"),
    ("Africa/Cairo", "EET-2EEST,M4.5.5/0,M10.5.4/24"),
    ("Africa/Johannesburg", "SAST-2"),
    ("Africa/Lagos", "WAT-1"),
    ("Africa/Nairobi", "EAT-3"),
    ("Asia/Dubai", "<+04>-4"),
    ("Asia/Tehran", "<+0330>-3:30"),
    ("Asia/Jerusalem", "IST-2IDT,M3.4.4/26,M10.5.0"),
    ("Asia/Karachi", "PKT-5"),
    ("Asia/Kolkata", "IST-5:30"),
    ("Asia/Kathmandu", "<+0545>-5:45"),
    ("Asia/Bangkok", "<+07>-7"),
    ("Asia/Jakarta", "WIB-7"),
    ("Asia/Singapore", "<+08>-8"),
    ("Asia/Shanghai", "CST-8"),
    ("Asia/Hong_Kong", "HKT-8"),
    ("Asia/Taipei", "CST-8"),
    ("Asia/Manila", "PST-8"),
    ("Asia/Seoul", "KST-9"),
    ("Asia/Tokyo", "JST-9"),
    ("Australia/Perth", "AWST-8"),
    ("Australia/Adelaide", "ACST-9:30ACDT,M10.1.0,M4.1.0/3"),
    ("Australia/Brisbane", "AEST-10"),
    ("Australia/Melbourne", "AEST-10AEDT,M10.1.0,M4.1.0/3"),
    ("Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"),
    ("Pacific/Auckland", "NZST-12NZDT,M9.5.0,M4.1.0/3"),
];

/// A day on the calendar, wherever it is: days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i64);

impl Date {
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Option<Date> {
        ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m))
            .then(|| Date(days_from_civil(y, m, d)))
    }

    /// `YYYY-MM-DD`, nothing else.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        Date::from_ymd(i64::from(num(0..4)?), num(5..7)?, num(8..10)?)
    }

    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.0)
    }

    /// 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
    pub fn weekday(self) -> u32 {
        (self.0 + 4).rem_euclid(7) as u32
    }

    pub fn is_weekend(self) -> bool {
        matches!(self.weekday(), 0 | 6)
    }

    pub fn next(self) -> Date {
        Date(self.0.saturating_add(1))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// A wall-clock reading in some zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    pub date: Date,
    /// Milliseconds since local midnight.
    pub ms_of_day: i64,
}

/// "Month m, week w (5 = last), weekday d, at `secs` local time."
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rule {
    month: u32,
    week: u32,
    weekday: u32,
    secs: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Dst {
    /// Seconds east of UTC while summer time is on.
    offset: i64,
    start: Rule,
    end: Rule,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeZone {
    name: &'static str,
    /// Seconds east of UTC in standard time.
    std_offset: i64,
    dst: Option<Dst>,
}

impl TimeZone {
    /// The zone with this IANA name, if the table knows it.
    pub fn named(name: &str) -> Option<TimeZone> {
        let (name, rule) = ZONES.iter().find(|(n, _)| *n == name)?;
        let (std_offset, dst) = parse_posix(rule)?;
        Some(TimeZone {
            name,
            std_offset,
            dst,
        })
    }

    pub fn utc() -> TimeZone {
        TimeZone {
            name: "UTC",
            std_offset: 0,
            dst: None,
        }
    }

    /// Every name `named` accepts, in table order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        ZONES.iter().map(|(n, _)| *n)
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Seconds east of UTC at this instant.
    pub fn offset_at(&self, utc_ms: i64) -> i64 {
        let Some(dst) = self.dst else {
            return self.std_offset;
        };
        let t = utc_ms.div_euclid(1000);
        // Transitions of the year the instant falls in, read in standard time.
        let (year, _, _) = civil_from_days((t + self.std_offset).div_euclid(86_400));
        let start = rule_local_secs(year, dst.start) - self.std_offset;
        let end = rule_local_secs(year, dst.end) - dst.offset;
        let summer = if start < end {
            start <= t && t < end
        } else {
            // Southern hemisphere: summer spans the new year.
            !(end <= t && t < start)
        };
        if summer {
            dst.offset
        } else {
            self.std_offset
        }
    }

    pub fn to_local(&self, utc_ms: i64) -> LocalTime {
        // Saturating: an instant near i64's ends (a bad event stored
        // before times were checked) must read as some date, never panic.
        let local = utc_ms.saturating_add(self.offset_at(utc_ms) * 1000);
        LocalTime {
            date: Date(local.div_euclid(DAY_MS)),
            ms_of_day: local.rem_euclid(DAY_MS),
        }
    }

    /// The instant a wall clock in this zone shows `local`. A reading that
    /// happens twice (clocks going back) or never (clocks going forward)
    /// gives the later instant: for a freeze's end, ending late is safe and
    /// ending early is not. A skipped 02:30 thus reads as 03:30 summer time.
    pub fn from_local(&self, local: LocalTime) -> i64 {
        let wall = local
            .date
            .0
            .saturating_mul(DAY_MS)
            .saturating_add(local.ms_of_day);
        let offsets = match self.dst {
            Some(d) => [self.std_offset, d.offset],
            None => [self.std_offset; 2],
        };
        let candidates = offsets.map(|o| wall.saturating_sub(o * 1000));
        let valid = offsets
            .iter()
            .zip(candidates)
            .filter(|(o, c)| self.offset_at(*c) == **o)
            .map(|(_, c)| c)
            .max();
        valid.unwrap_or_else(|| candidates[0].max(candidates[1]))
    }
}

/// Seconds since the epoch, in local wall time, at which `rule` fires in `year`.
fn rule_local_secs(year: i64, rule: Rule) -> i64 {
    let first = days_from_civil(year, rule.month, 1);
    let first_weekday = (first + 4).rem_euclid(7);
    let mut day = first + (i64::from(rule.weekday) - first_weekday).rem_euclid(7);
    day += 7 * (i64::from(rule.week) - 1);
    let last = first + i64::from(days_in_month(year, rule.month)) - 1;
    while day > last {
        day -= 7;
    }
    day * 86_400 + rule.secs
}

/// Parses the POSIX TZ forms the table uses: `STD offset [DST [offset]
/// ,Mm.w.d[/time],Mm.w.d[/time]]`, names alphabetic or `<quoted>`.
fn parse_posix(s: &str) -> Option<(i64, Option<Dst>)> {
    let rest = skip_name(s)?;
    let (std_west, rest) = parse_hms(rest)?;
    let std_offset = -std_west;
    if rest.is_empty() {
        return Some((std_offset, None));
    }
    let rest = skip_name(rest)?;
    let (dst_offset, rest) = match rest.strip_prefix(',') {
        Some(_) => (std_offset + 3600, rest),
        None => {
            let (west, rest) = parse_hms(rest)?;
            (-west, rest)
        }
    };
    let rules = rest.strip_prefix(',')?;
    let (start, end) = rules.split_once(',')?;
    Some((
        std_offset,
        Some(Dst {
            offset: dst_offset,
            start: parse_rule(start)?,
            end: parse_rule(end)?,
        }),
    ))
}

fn skip_name(s: &str) -> Option<&str> {
    if let Some(quoted) = s.strip_prefix('<') {
        return quoted.split_once('>').map(|(_, rest)| rest);
    }
    let len = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    (len >= 3).then(|| &s[len..])
}

/// `[+-]h[h][:mm[:ss]]` in seconds, and what follows.
fn parse_hms(s: &str) -> Option<(i64, &str)> {
    let (sign, s) = match s.as_bytes().first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    let len = s
        .bytes()
        .take_while(|c| c.is_ascii_digit() || *c == b':')
        .count();
    let mut secs = 0;
    let mut scale = 3600;
    for part in s[..len].split(':') {
        secs += part.parse::<i64>().ok()? * scale;
        scale /= 60;
    }
    Some((sign * secs, &s[len..]))
}

fn parse_rule(s: &str) -> Option<Rule> {
    let (date, time) = match s.split_once('/') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut parts = date.strip_prefix('M')?.split('.');
    let month = parts.next()?.parse().ok()?;
    let week = parts.next()?.parse().ok()?;
    let weekday = parts.next()?.parse().ok()?;
    let secs = match time {
        Some(t) => match parse_hms(t)? {
            (secs, "") => secs,
            _ => return None,
        },
        None => 7200,
    };
    ((1..=12).contains(&month) && (1..=5).contains(&week) && weekday <= 6).then_some(Rule {
        month,
        week,
        weekday,
        secs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i64, m: u32, d: u32, h: i64, mi: i64) -> i64 {
        (days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60) * 1000
    }

    fn local(y: i64, m: u32, d: u32, h: i64, mi: i64) -> LocalTime {
        LocalTime {
            date: Date::from_ymd(y, m, d).unwrap(),
            ms_of_day: (h * 3600 + mi * 60) * 1000,
        }
    }

    #[test]
    fn every_zone_in_the_table_parses() {
        for (name, rule) in ZONES {
            assert!(TimeZone::named(name).is_some(), "{name}: {rule}");
        }
        assert!(TimeZone::named("Mars/Olympus_Mons").is_none());
        assert!(TimeZone::named("europe/berlin").is_none());
    }

    #[test]
    fn berlin_switches_to_summer_time_at_one_utc_on_the_last_sunday_of_march() {
        let berlin = TimeZone::named("Europe/Berlin").unwrap();
        assert_eq!(berlin.offset_at(at(2026, 3, 29, 0, 59)), 3600);
        assert_eq!(berlin.offset_at(at(2026, 3, 29, 1, 0)), 7200);
        assert_eq!(berlin.offset_at(at(2026, 10, 25, 0, 59)), 7200);
        assert_eq!(berlin.offset_at(at(2026, 10, 25, 1, 0)), 3600);
        assert_eq!(berlin.offset_at(at(2026, 1, 15, 12, 0)), 3600);
    }

    #[test]
    fn new_york_switches_on_the_second_sunday_of_march_and_first_of_november() {
        let ny = TimeZone::named("America/New_York").unwrap();
        // 2026-03-08 02:00 EST = 07:00 UTC; 2026-11-01 02:00 EDT = 06:00 UTC.
        assert_eq!(ny.offset_at(at(2026, 3, 8, 6, 59)), -5 * 3600);
        assert_eq!(ny.offset_at(at(2026, 3, 8, 7, 0)), -4 * 3600);
        assert_eq!(ny.offset_at(at(2026, 11, 1, 5, 59)), -4 * 3600);
        assert_eq!(ny.offset_at(at(2026, 11, 1, 6, 0)), -5 * 3600);
    }

    #[test]
    fn southern_summer_time_spans_the_new_year() {
        let sydney = TimeZone::named("Australia/Sydney").unwrap();
        assert_eq!(sydney.offset_at(at(2026, 1, 10, 0, 0)), 11 * 3600);
        assert_eq!(sydney.offset_at(at(2026, 6, 10, 0, 0)), 10 * 3600);
        assert_eq!(sydney.offset_at(at(2026, 12, 10, 0, 0)), 11 * 3600);
    }

    #[test]
    fn half_hour_zones_and_local_dates_across_midnight() {
        let kolkata = TimeZone::named("Asia/Kolkata").unwrap();
        let l = kolkata.to_local(at(2026, 11, 23, 20, 0));
        assert_eq!(l, local(2026, 11, 24, 1, 30));
        assert_eq!(kolkata.from_local(l), at(2026, 11, 23, 20, 0));
    }

    #[test]
    fn a_skipped_local_time_reads_as_the_hour_after_the_gap() {
        let berlin = TimeZone::named("Europe/Berlin").unwrap();
        // 02:30 does not exist on 2026-03-29; 03:30 CEST is 01:30 UTC.
        assert_eq!(
            berlin.from_local(local(2026, 3, 29, 2, 30)),
            at(2026, 3, 29, 1, 30)
        );
        let ny = TimeZone::named("America/New_York").unwrap();
        assert_eq!(
            ny.from_local(local(2026, 3, 8, 2, 30)),
            at(2026, 3, 8, 7, 30)
        );
    }

    #[test]
    fn a_repeated_local_time_reads_as_its_later_occurrence() {
        let berlin = TimeZone::named("Europe/Berlin").unwrap();
        // 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
        assert_eq!(
            berlin.from_local(local(2026, 10, 25, 2, 30)),
            at(2026, 10, 25, 1, 30)
        );
        let ny = TimeZone::named("America/New_York").unwrap();
        assert_eq!(
            ny.from_local(local(2026, 11, 1, 1, 30)),
            at(2026, 11, 1, 6, 30)
        );
    }

    #[test]
    fn local_times_round_trip_away_from_transitions() {
        for name in TimeZone::names() {
            let tz = TimeZone::named(name).unwrap();
            for t in [at(2026, 1, 15, 9, 0), at(2026, 7, 15, 17, 45)] {
                assert_eq!(tz.from_local(tz.to_local(t)), t, "{name}");
            }
        }
    }

    #[test]
    fn dates_parse_strictly_and_know_their_weekday() {
        let d = Date::parse("2026-11-23").unwrap();
        assert_eq!(d.weekday(), 1, "a Monday");
        assert_eq!(d.to_string(), "2026-11-23");
        assert!(Date::parse("2026-11-28").unwrap().is_weekend());
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "26-11-23",
            "2026-1-23",
            "tomorrow",
            "+026-11-23",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }
}
