//! What the public page says each component's status was, over time, and
//! the daily uptime bars built from it. Only published updates count: the
//! page's history is what customers were told, never the internal log.
//!
//! The rules (written down because customers compare the figures):
//! - each incident claims a status for the components its published
//!   updates name, from the moment each update was published; a later
//!   update of the same incident replaces its claim for the components it
//!   names; an update that closes the incident (resolved, maintenance
//!   completed) ends all its claims;
//! - an announced maintenance (phase "scheduled") claims nothing yet: its
//!   components are fine until the work starts;
//! - a component's status at any instant is the worst claim on it, or
//!   operational when nothing claims it;
//! - downtime: a major outage counts in full, a partial outage at 30 %
//!   (as Statuspage counts them), degraded performance and maintenance not
//!   at all; uptime is measured from the day the component was defined;
//! - days are UTC days (the page's `time_zone` is `Etc/UTC`).

use crate::vocabulary::{ComponentId, ComponentStatus};
use std::collections::BTreeMap;

pub const DAY_MS: i64 = 86_400_000;
/// How many days the bars cover.
pub const DAYS: usize = 90;
/// A partial outage's share of downtime, in thousandths.
pub const PARTIAL_WEIGHT_PERMILLE: i64 = 300;

/// One change of an incident's claim on a component: `Some` status from
/// `at`, or `None` when the incident lets go of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub at: i64,
    pub incident: String,
    pub component: ComponentId,
    pub status: Option<ComponentStatus>,
}

/// How bad a status is, for the worst of several claims.
pub fn badness(s: ComponentStatus) -> u8 {
    match s {
        ComponentStatus::Operational => 0,
        ComponentStatus::UnderMaintenance => 1,
        ComponentStatus::DegradedPerformance => 2,
        ComponentStatus::PartialOutage => 3,
        ComponentStatus::MajorOutage => 4,
    }
}

/// A component's status as a step function: each entry holds from its
/// instant until the next one. Operational before the first.
pub type Steps = Vec<(i64, ComponentStatus)>;

/// Every component's steps from the claims (in any order; ties keep the
/// order given, which is publication order).
pub fn steps(claims: &[Claim]) -> BTreeMap<ComponentId, Steps> {
    let mut by_component: BTreeMap<&ComponentId, Vec<&Claim>> = BTreeMap::new();
    for c in claims {
        by_component.entry(&c.component).or_default().push(c);
    }
    let mut out = BTreeMap::new();
    for (component, mut list) in by_component {
        crate::ordering::sort_by_key(&mut list, |c| c.at);
        let mut active: BTreeMap<&str, ComponentStatus> = BTreeMap::new();
        let mut steps: Steps = Vec::new();
        for c in list {
            match c.status {
                Some(s) => active.insert(c.incident.as_str(), s),
                None => active.remove(c.incident.as_str()),
            };
            let worst = active
                .values()
                .copied()
                .max_by_key(|s| badness(*s))
                .unwrap_or(ComponentStatus::Operational);
            match steps.last_mut() {
                Some(last) if last.0 == c.at => last.1 = worst,
                Some(last) if last.1 == worst => {}
                _ => steps.push((c.at, worst)),
            }
        }
        out.insert(component.clone(), steps);
    }
    out
}

/// The status the steps give at an instant.
pub fn status_at(steps: &[(i64, ComponentStatus)], at: i64) -> ComponentStatus {
    steps
        .iter()
        .take_while(|(from, _)| *from <= at)
        .last()
        .map_or(ComponentStatus::Operational, |s| s.1)
}

/// One day of one component's bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Day {
    /// Its UTC midnight, ms since the epoch.
    pub start: i64,
    /// False for a day before the component existed (or in the future).
    pub measured: bool,
    /// The worst status it had that day.
    pub worst: ComponentStatus,
    /// Time in each status other than operational, ms.
    pub time_in: BTreeMap<ComponentStatus, i64>,
    /// Downtime as weighted above, ms.
    pub down_ms: i64,
    /// Time measured that day, ms (less than a day on the first and the
    /// current one).
    pub measured_ms: i64,
}

/// One component's bar and its figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub days: Vec<Day>,
    /// Uptime over the measured time, in hundredths of a percent (9_997 =
    /// 99.97 %); `None` when nothing was measured yet.
    pub uptime_basis_points: Option<u32>,
}

fn weight_permille(s: ComponentStatus) -> i64 {
    match s {
        ComponentStatus::MajorOutage => 1000,
        ComponentStatus::PartialOutage => PARTIAL_WEIGHT_PERMILLE,
        _ => 0,
    }
}

/// The last `DAYS` UTC days up to and including the one `now` falls in,
/// for a component defined at `since`.
pub fn bar(steps: &[(i64, ComponentStatus)], since: i64, now: i64) -> Bar {
    let today = now.div_euclid(DAY_MS) * DAY_MS;
    let first = today - (DAYS as i64 - 1) * DAY_MS;
    let mut days = Vec::with_capacity(DAYS);
    let (mut down_total, mut measured_total) = (0i64, 0i64);
    for i in 0..DAYS as i64 {
        let start = first + i * DAY_MS;
        let from = start.max(since);
        let to = (start + DAY_MS).min(now);
        let mut day = Day {
            start,
            measured: from < to,
            worst: ComponentStatus::Operational,
            time_in: BTreeMap::new(),
            down_ms: 0,
            measured_ms: (to - from).max(0),
        };
        if day.measured {
            // The segments of the step function that fall inside [from, to).
            let mut at = from;
            let mut status = status_at(steps, from);
            let mut weighted = 0i64;
            for (change, next) in steps.iter().filter(|(t, _)| *t > from && *t < to) {
                weighted += account(&mut day, status, *change - at);
                at = *change;
                status = *next;
            }
            weighted += account(&mut day, status, to - at);
            day.down_ms = weighted / 1000;
            down_total += weighted;
            measured_total += day.measured_ms;
        }
        days.push(day);
    }
    let uptime_basis_points = (measured_total > 0).then(|| {
        let up = (measured_total * 1000 - down_total).max(0) as i128;
        // Rounded down: 99.995 % shows as 99.99 %, never as 100 %.
        (up * 10_000 / (measured_total as i128 * 1000)) as u32
    });
    Bar {
        days,
        uptime_basis_points,
    }
}

/// Adds `ms` in `status` to the day; returns the weighted downtime (ms × ‰).
fn account(day: &mut Day, status: ComponentStatus, ms: i64) -> i64 {
    if ms <= 0 {
        return 0;
    }
    if status != ComponentStatus::Operational {
        *day.time_in.entry(status).or_insert(0) += ms;
    }
    if badness(status) > badness(day.worst) {
        day.worst = status;
    }
    ms * weight_permille(status)
}

/// `99.97`, from basis points.
pub fn percent_text(basis_points: u32) -> String {
    format!("{}.{:02}", basis_points / 100, basis_points % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const H: i64 = 3_600_000;
    /// 2026-11-29T00:00:00Z.
    const DAY0: i64 = 1_795_910_400_000;

    fn c(at: i64, incident: &str, component: &str, status: Option<ComponentStatus>) -> Claim {
        Claim {
            at,
            incident: incident.into(),
            component: ComponentId(Arc::from(component)),
            status,
        }
    }

    fn api() -> ComponentId {
        ComponentId(Arc::from("api"))
    }

    #[test]
    fn the_worst_open_claim_wins_and_a_closed_incident_lets_go() {
        use ComponentStatus::*;
        let claims = [
            c(10, "a", "api", Some(DegradedPerformance)),
            c(20, "b", "api", Some(MajorOutage)),
            c(30, "a", "api", None),
            c(40, "b", "api", Some(PartialOutage)),
            c(50, "b", "api", None),
        ];
        let s = &steps(&claims)[&api()];
        assert_eq!(
            s,
            &vec![
                (10, DegradedPerformance),
                (20, MajorOutage),
                (40, PartialOutage),
                (50, Operational)
            ],
            "a's end at 30 changes nothing while b is worse"
        );
        assert_eq!(status_at(s, 5), Operational);
        assert_eq!(status_at(s, 25), MajorOutage);
        assert_eq!(status_at(s, 45), PartialOutage);
        assert_eq!(status_at(s, 60), Operational);
    }

    #[test]
    fn a_major_outage_counts_in_full_a_partial_at_thirty_percent_and_degraded_not_at_all() {
        use ComponentStatus::*;
        let now = DAY0 + 12 * H;
        // Yesterday: 1 h major, 2 h partial, 5 h degraded, back at 16:00.
        let y = DAY0 - 24 * H;
        let claims = [
            c(y + 8 * H, "i", "api", Some(MajorOutage)),
            c(y + 9 * H, "i", "api", Some(PartialOutage)),
            c(y + 11 * H, "i", "api", Some(DegradedPerformance)),
            c(y + 16 * H, "i", "api", None),
        ];
        let s = &steps(&claims)[&api()];
        let b = bar(s, DAY0 - 200 * 24 * H, now);
        assert_eq!(b.days.len(), DAYS);
        let yesterday = &b.days[DAYS - 2];
        assert_eq!(yesterday.start, y);
        assert_eq!(yesterday.worst, MajorOutage);
        assert_eq!(yesterday.time_in[&MajorOutage], H);
        assert_eq!(yesterday.time_in[&PartialOutage], 2 * H);
        assert_eq!(yesterday.time_in[&DegradedPerformance], 5 * H);
        // 1 h + 30 % of 2 h = 1.6 h down.
        assert_eq!(yesterday.down_ms, 96 * 60_000);
        let today = &b.days[DAYS - 1];
        assert_eq!(today.worst, Operational);
        assert_eq!(today.measured_ms, 12 * H, "only up to now");
        // 1.6 h down of 89.5 days measured.
        let measured = 89 * 24 * H + 12 * H;
        let expected = ((measured * 1000 - 96 * 60_000 * 1000) as i128 * 10_000
            / (measured as i128 * 1000)) as u32;
        assert_eq!(b.uptime_basis_points, Some(expected));
        assert_eq!(percent_text(expected), "99.92");
    }

    #[test]
    fn days_before_the_component_existed_are_not_measured() {
        let now = DAY0 + 6 * H;
        let since = DAY0 - 2 * 24 * H + 18 * H;
        let b = bar(&[], since, now);
        let measured: Vec<bool> = b.days.iter().map(|d| d.measured).collect();
        assert_eq!(measured.iter().filter(|m| **m).count(), 3);
        assert!(measured[DAYS - 3] && !measured[DAYS - 4]);
        assert_eq!(b.days[DAYS - 3].measured_ms, 6 * H);
        assert_eq!(b.uptime_basis_points, Some(10_000));
        assert_eq!(percent_text(10_000), "100.00");
        assert_eq!(bar(&[], now + H, now).uptime_basis_points, None);
    }

    #[test]
    fn an_outage_running_now_counts_up_to_now_and_spans_midnight() {
        use ComponentStatus::*;
        let now = DAY0 + 2 * H;
        let claims = [c(DAY0 - H, "i", "api", Some(MajorOutage))];
        let b = bar(&steps(&claims)[&api()], DAY0 - 10 * 24 * H, now);
        assert_eq!(b.days[DAYS - 2].time_in[&MajorOutage], H);
        assert_eq!(b.days[DAYS - 1].time_in[&MajorOutage], 2 * H);
        assert_eq!(b.days[DAYS - 1].down_ms, 2 * H);
    }

    #[test]
    fn a_tiny_outage_never_rounds_up_to_a_perfect_hundred() {
        use ComponentStatus::*;
        let now = DAY0;
        let claims = [
            c(DAY0 - 5 * H, "i", "api", Some(MajorOutage)),
            c(DAY0 - 5 * H + 1_000, "i", "api", None),
        ];
        let b = bar(&steps(&claims)[&api()], DAY0 - 100 * 24 * H, now);
        assert_eq!(b.uptime_basis_points, Some(9_999));
    }
}
