//! UTC timestamps as responders read and type them. Incidents cross time
//! zones, so the console shows UTC; this avoids shipping zone tables.

/// `2026-11-23 14:05 UTC` for a time in ms since the epoch.
pub fn format(ms: i64) -> String {
    let (y, mo, d, h, mi) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// `2026-11`, the UTC month a time falls in (metrics group by it).
pub fn month(ms: i64) -> String {
    let (y, mo, ..) = parts(ms);
    format!("{y:04}-{mo:02}")
}

/// `2026-11-23T14:05:09Z`, RFC 3339 in UTC to the second, for APIs.
pub fn rfc3339(ms: i64) -> String {
    let (y, mo, d, h, mi) = parts(ms);
    let s = ms.div_euclid(1000).rem_euclid(60);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `14:05:09`, for timeline entries whose day is shown elsewhere.
pub fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// An offset east of UTC in minutes as `UTC+01:00`, `UTC−05:00`, `UTC+05:45`.
pub fn offset_label(minutes: i32) -> String {
    let sign = if minutes < 0 { '−' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// A span of time as a responder reads it: `40 s`, `12 min`, `1 h 05 min`.
/// Negative spans (a correction not yet consistent) read as zero.
pub fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {:02} min", s / 3600, s / 60 % 60),
    }
}

/// A long span in days and hours (`40 d 3 h`), shorter ones as `duration`:
/// "960 h" since the last SEV1 reads worse than "40 d 0 h".
pub fn elapsed(ms: i64) -> String {
    let h = ms.max(0) / 3_600_000;
    if h < 24 {
        duration(ms)
    } else {
        format!("{} d {} h", h / 24, h % 24)
    }
}

/// The value of an `<input type="datetime-local">` (read as UTC).
pub fn to_input(ms: i64) -> String {
    let (y, mo, d, h, mi) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}")
}

/// Parses `YYYY-MM-DDTHH:MM` (seconds allowed and ignored) as UTC.
pub fn parse_input(s: &str) -> Option<i64> {
    let (date, time) = s.trim().split_once('T')?;
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let mo: u32 = dp.next()?.parse().ok()?;
    let d: u32 = dp.next()?.parse().ok()?;
    let mut tp = time.split(':');
    let h: i64 = tp.next()?.parse().ok()?;
    let mi: i64 = tp.next()?.parse().ok()?;
    if dp.next().is_some() || !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    if !(0..24).contains(&h) || !(0..60).contains(&mi) {
        return None;
    }
    Some((days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60) * 1000)
}

/// `2026-11-23T14:05:09.123Z`: the ISO 8601 form status-page JSON uses.
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms.rem_euclid(1000)
    )
}

/// Parses an HTTP date in its preferred form (`Sun, 06 Nov 1994 08:49:37
/// GMT`, RFC 9110 IMF-fixdate) into ms since the epoch. The obsolete forms
/// are refused: a `Retry-After` we cannot read falls back to our own backoff.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let (_weekday, rest) = s.trim().split_once(", ")?;
    let mut f = rest.split(' ');
    let d: u32 = f.next()?.parse().ok()?;
    let mo = match f.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let y: i64 = f.next()?.parse().ok()?;
    let mut t = f.next()?.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let mi: i64 = t.next()?.parse().ok()?;
    let sec: i64 = t.next()?.parse().ok()?;
    if f.next()? != "GMT" || f.next().is_some() || t.next().is_some() {
        return None;
    }
    if d == 0
        || d > days_in_month(y, mo)
        || !(0..24).contains(&h)
        || !(0..60).contains(&mi)
        || !(0..61).contains(&sec)
    {
        return None;
    }
    Some((days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec) * 1000)
}

/// Parses an RFC 3339 timestamp (`2026-11-23T14:05:09.123456789Z`, or with
/// an offset such as `+02:00`) into ms since the epoch, dropping digits
/// below the millisecond. Alertmanager and Grafana write times this way.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = s.split_once(['T', 't', ' '])?;
    let mut dp = date.splitn(3, '-');
    let y: i64 = digits(dp.next()?, 4)?;
    let mo = digits(dp.next()?, 2)? as u32;
    let d = digits(dp.next()?, 2)? as u32;
    // The offset starts at the first Z, + or - after the time of day.
    let split = rest.find(['Z', 'z', '+', '-'])?;
    let (time, zone) = rest.split_at(split);
    let (hms, frac) = match time.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (time, None),
    };
    let mut tp = hms.split(':');
    let h = digits(tp.next()?, 2)?;
    let mi = digits(tp.next()?, 2)?;
    let sec = digits(tp.next()?, 2)?;
    if tp.next().is_some() || !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let millis = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            let padded = format!("{f:0<3}");
            padded[..3].parse::<i64>().ok()?
        }
        Some(_) => return None,
    };
    let offset_s = match zone {
        "Z" | "z" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let (oh, om) = z[1..].split_once(':')?;
            let (oh, om) = (digits(oh, 2)?, digits(om, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset_s;
    secs.checked_mul(1000)?.checked_add(millis)
}

/// Exactly `n` ASCII digits as a number.
fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn parts(ms: i64) -> (i64, u32, u32, i64, i64) {
    let secs = ms.div_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    (y, mo, d, s / 3600, s / 60 % 60)
}

pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's algorithms for the proleptic Gregorian calendar.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_seconds_minutes_or_hours() {
        assert_eq!(duration(40_000), "40 s");
        assert_eq!(duration(25 * 60_000 + 59_000), "25 min");
        assert_eq!(duration(65 * 60_000), "1 h 05 min");
        assert_eq!(duration(-5_000), "0 s");
        assert_eq!(elapsed(65 * 60_000), "1 h 05 min");
        assert_eq!(elapsed(24 * 3_600_000), "1 d 0 h");
        assert_eq!(elapsed((40 * 24 + 3) * 3_600_000 + 59 * 60_000), "40 d 3 h");
    }

    #[test]
    fn formats_a_known_instant() {
        // 2025-11-18 11:20:00 UTC, the start of a well-known CDN outage.
        assert_eq!(format(1_763_464_800_000), "2025-11-18 11:20 UTC");
        assert_eq!(format_time(1_763_464_809_000), "11:20:09");
        assert_eq!(month(1_763_464_800_000), "2025-11");
        // The last millisecond of January is still January, in UTC.
        assert_eq!(month(1_738_367_999_999), "2025-01");
        assert_eq!(month(1_738_368_000_000), "2025-02");
        assert_eq!(rfc3339(1_763_464_809_000), "2025-11-18T11:20:09Z");
    }

    #[test]
    fn input_values_round_trip() {
        for ms in [0, 951_782_400_000, 1_763_464_800_000, 4_102_444_740_000] {
            assert_eq!(parse_input(&to_input(ms)), Some(ms));
        }
        assert_eq!(to_input(951_782_400_000), "2000-02-29T00:00");
    }

    #[test]
    fn impossible_dates_and_garbage_do_not_parse() {
        for bad in [
            "",
            "2025-02-29T10:00",
            "2025-13-01T10:00",
            "2025-01-01T24:00",
            "yesterday",
            "2025-01-01",
        ] {
            assert_eq!(parse_input(bad), None, "{bad}");
        }
        assert!(parse_input("2025-01-01T10:00:30").is_some());
    }

    #[test]
    fn iso_times_carry_milliseconds_and_z() {
        assert_eq!(iso8601(1_763_464_809_007), "2025-11-18T11:20:09.007Z");
    }

    #[test]
    fn rfc3339_times_parse_with_fractions_and_offsets() {
        let base = parse_rfc3339("2026-11-23T14:05:09Z").unwrap();
        assert_eq!(rfc3339(base), "2026-11-23T14:05:09Z");
        assert_eq!(
            parse_rfc3339("2026-11-23T14:05:09.123456789Z"),
            Some(base + 123)
        );
        assert_eq!(parse_rfc3339("2026-11-23T14:05:09.5Z"), Some(base + 500));
        assert_eq!(parse_rfc3339("2026-11-23T16:05:09+02:00"), Some(base));
        assert_eq!(
            parse_rfc3339("2026-11-23T09:05:09.123-05:00"),
            Some(base + 123)
        );
        // Go's zero time, which Alertmanager writes for "no end yet".
        assert!(parse_rfc3339("0001-01-01T00:00:00Z").unwrap() < 0);
        for bad in [
            "",
            "2026-11-23",
            "2026-13-01T00:00:00Z",
            "2026-11-23T14:05:09",
            "2026-11-23T14:05:09.Z",
            "yesterday",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_dates_parse_in_the_preferred_form_only() {
        assert_eq!(
            parse_http_date("Tue, 18 Nov 2025 11:20:09 GMT"),
            Some(1_763_464_809_000)
        );
        for bad in [
            "Tuesday, 18-Nov-25 11:20:09 GMT",
            "Tue Nov 18 11:20:09 2025",
            "Tue, 31 Nov 2025 11:20:09 GMT",
            "Tue, 18 Nov 2025 11:20:09 UTC",
            "",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }
}
