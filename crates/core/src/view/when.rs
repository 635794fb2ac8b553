//! How the console shows an instant to one reader: in the reader's zone (or
//! in UTC when they prefer it), with the date whenever the day is not today,
//! and the other reading for the hover title.
//!
//! The browser knows the reader's zone; it passes the zone's offset at the
//! instant shown and at "now" (they differ across a daylight-saving change),
//! so this stays pure and needs no zone table.

use crate::time::utc::{civil_from_days, offset_label};

const DAY_MS: i64 = 86_400_000;

/// Who is reading, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reader {
    pub now: i64,
    /// Minutes east of UTC of the reader's zone at `now`.
    pub now_offset_minutes: i32,
    pub prefer_utc: bool,
}

/// An instant as shown: the text on the page and the title on hover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    pub text: String,
    pub title: String,
}

/// `at` for `reader`, where `at_offset_minutes` is the reader's zone offset
/// at `at`. `seconds` adds `:ss` (the timeline, where order within a minute
/// matters).
pub fn show(reader: Reader, at: i64, at_offset_minutes: i32, seconds: bool) -> Shown {
    let local = |utc_ms: i64, off: i32| utc_ms + i64::from(off) * 60_000;
    let (shown_off, now_off, suffix) = if reader.prefer_utc {
        (0, 0, " UTC")
    } else {
        (at_offset_minutes, reader.now_offset_minutes, "")
    };
    let text = format!(
        "{}{suffix}",
        reading(local(at, shown_off), local(reader.now, now_off), seconds)
    );
    let title = if reader.prefer_utc {
        format!(
            "{} your time ({})",
            full(local(at, at_offset_minutes), seconds),
            offset_label(at_offset_minutes)
        )
    } else {
        format!("{} UTC", full(at, seconds))
    };
    Shown { text, title }
}

/// Wall-clock ms (already shifted into the zone) as the day words or the
/// date, then the time.
fn reading(wall: i64, wall_now: i64, seconds: bool) -> String {
    let day = wall.div_euclid(DAY_MS);
    let today = wall_now.div_euclid(DAY_MS);
    let clock = clock(wall, seconds);
    match day - today {
        0 => clock,
        1 => format!("tomorrow {clock}"),
        -1 => format!("yesterday {clock}"),
        _ => full(wall, seconds),
    }
}

fn full(wall: i64, seconds: bool) -> String {
    let (y, m, d) = civil_from_days(wall.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02} {}", clock(wall, seconds))
}

fn clock(wall: i64, seconds: bool) -> String {
    let s = wall.div_euclid(1000).rem_euclid(86_400);
    if seconds {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 3600, s / 60 % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::utc::{offset_label, parse_input};

    fn at(s: &str) -> i64 {
        parse_input(s).unwrap()
    }

    /// A reader in Berlin in winter (UTC+01:00) on 2030-01-15 at 10:00 local.
    fn berlin() -> Reader {
        Reader {
            now: at("2030-01-15T09:00"),
            now_offset_minutes: 60,
            prefer_utc: false,
        }
    }

    #[test]
    fn a_time_today_shows_only_the_local_clock_with_utc_on_hover() {
        let s = show(berlin(), at("2030-01-15T13:05"), 60, false);
        assert_eq!(s.text, "14:05");
        assert_eq!(s.title, "2030-01-15 13:05 UTC");
    }

    #[test]
    fn a_task_due_tomorrow_says_tomorrow() {
        let s = show(berlin(), at("2030-01-16T08:00"), 60, false);
        assert_eq!(s.text, "tomorrow 09:00");
        let s = show(berlin(), at("2030-01-14T22:30"), 60, false);
        assert_eq!(s.text, "yesterday 23:30");
    }

    #[test]
    fn any_other_day_shows_its_date() {
        let s = show(berlin(), at("2030-01-20T08:00"), 60, false);
        assert_eq!(s.text, "2030-01-20 09:00");
        let s = show(berlin(), at("2029-12-31T08:00"), 60, false);
        assert_eq!(s.text, "2029-12-31 09:00");
    }

    #[test]
    fn the_day_is_the_readers_day_not_the_utc_day() {
        // 23:30 UTC on the 15th is already the 16th in Berlin…
        let s = show(berlin(), at("2030-01-15T23:30"), 60, false);
        assert_eq!(s.text, "tomorrow 00:30");
        // …and still the 15th in New York, where it is 18:30.
        let ny = Reader {
            now: at("2030-01-15T15:00"),
            now_offset_minutes: -300,
            prefer_utc: false,
        };
        assert_eq!(show(ny, at("2030-01-15T23:30"), -300, false).text, "18:30");
    }

    #[test]
    fn the_offset_at_the_instant_counts_across_a_daylight_saving_change() {
        // New York on 2030-03-09 (EST); the next day's 15:00 UTC is EDT.
        let ny = Reader {
            now: at("2030-03-09T17:00"),
            now_offset_minutes: -300,
            prefer_utc: false,
        };
        assert_eq!(
            show(ny, at("2030-03-10T15:00"), -240, false).text,
            "tomorrow 11:00"
        );
    }

    #[test]
    fn a_reader_who_prefers_utc_reads_utc_with_their_own_time_on_hover() {
        let r = Reader {
            prefer_utc: true,
            ..berlin()
        };
        let s = show(r, at("2030-01-15T23:30"), 60, false);
        // In UTC it is still the 15th: no "tomorrow".
        assert_eq!(s.text, "23:30 UTC");
        assert_eq!(s.title, "2030-01-16 00:30 your time (UTC+01:00)");
        assert_eq!(
            show(r, at("2030-01-17T08:00"), 60, false).text,
            "2030-01-17 08:00 UTC"
        );
    }

    #[test]
    fn seconds_when_asked_and_offsets_labelled_with_their_sign() {
        let s = show(berlin(), at("2030-01-15T13:05") + 9_000, 60, true);
        assert_eq!(s.text, "14:05:09");
        assert_eq!(s.title, "2030-01-15 13:05:09 UTC");
        assert_eq!(offset_label(-300), "UTC−05:00");
        assert_eq!(offset_label(345), "UTC+05:45");
        assert_eq!(offset_label(0), "UTC+00:00");
    }
}
