//! Change freezes (moratoriums): the policy, manual freezes and early ends
//! folded from the workspace stream, and which freeze is on at an instant,
//! derived from them and from resolved customer-impacting incidents.
//!
//! A freeze from an incident starts when the incident is resolved and ends
//! at the same local wall-clock time `business_days` business days later in
//! the policy's zone (see `Calendar::add_business_days`).

use crate::incident::Incident;
use crate::log::event::{Event, EventBody};
use crate::time::business_day::Calendar;
use crate::time::zone::{Date, TimeZone};
use crate::vocabulary::{EventId, IncidentId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const DEFAULT_BUSINESS_DAYS: u32 = 3;
/// A longer freeze is a typo, not a policy.
pub const MAX_BUSINESS_DAYS: u32 = 60;
pub const MAX_HOLIDAYS: usize = 400;
pub const MAX_REASON_BYTES: usize = 2 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreezePolicy {
    /// 0 turns freezes from incidents off; manual ones still work.
    pub business_days: u32,
    pub time_zone: String,
    pub holidays: Vec<Date>,
}

impl Default for FreezePolicy {
    fn default() -> Self {
        FreezePolicy {
            business_days: DEFAULT_BUSINESS_DAYS,
            time_zone: "UTC".into(),
            holidays: Vec::new(),
        }
    }
}

impl FreezePolicy {
    /// The calendar days are counted on. A zone this build does not know
    /// (the server refuses those, so only a zone since dropped from the
    /// table) counts in UTC rather than not at all.
    pub fn calendar(&self) -> Calendar {
        let zone = TimeZone::named(&self.time_zone).unwrap_or_else(TimeZone::utc);
        Calendar::new(zone, self.holidays.iter().copied())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualFreeze {
    pub id: EventId,
    pub starts_at: i64,
    pub until: i64,
    pub reason: String,
    pub by: Arc<str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarlyEnd {
    pub at: i64,
    pub reason: String,
    pub by: Arc<str>,
}

/// The freeze settings and decisions on the workspace stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FreezeSettings {
    pub policy: FreezePolicy,
    pub manual: Vec<ManualFreeze>,
    pub early_ends: Vec<EarlyEnd>,
}

impl FreezeSettings {
    /// Folds one workspace event in; others are ignored. Holidays that do
    /// not parse are skipped (the server refuses them; see `limits`).
    pub fn apply(&mut self, ev: &Event) {
        let at = ev.best_time();
        match &ev.body {
            EventBody::FreezePolicySet {
                business_days,
                time_zone,
                holidays,
            } => {
                let mut days: Vec<Date> = holidays.iter().filter_map(|d| Date::parse(d)).collect();
                crate::ordering::sort_by(&mut days, Ord::cmp);
                days.dedup();
                self.policy = FreezePolicy {
                    business_days: (*business_days).min(MAX_BUSINESS_DAYS),
                    time_zone: time_zone.clone(),
                    holidays: days,
                };
            }
            EventBody::FreezeStarted { until, reason } => self.manual.push(ManualFreeze {
                id: ev.id.clone(),
                starts_at: at,
                until: *until,
                reason: reason.clone(),
                by: ev.author.clone(),
            }),
            EventBody::FreezeEnded { reason } => self.early_ends.push(EarlyEnd {
                at,
                reason: reason.clone(),
                by: ev.author.clone(),
            }),
            _ => {}
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FreezeSource {
    Incident(IncidentId),
    Manual(EventId),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Freeze {
    pub starts_at: i64,
    /// The scheduled end.
    pub until: i64,
    pub reason: String,
    pub source: FreezeSource,
    pub ended_early: Option<EarlyEnd>,
}

impl Freeze {
    /// When changes may resume: the scheduled end or the early end.
    pub fn ends_at(&self) -> i64 {
        self.ended_early.as_ref().map_or(self.until, |e| e.at)
    }

    pub fn is_active_at(&self, now: i64) -> bool {
        self.starts_at <= now && now < self.ends_at()
    }
}

/// Every freeze, oldest first: one per resolved customer-impacting incident
/// (maintenances not converted into incidents make none) and one per
/// manual freeze, each cut short by the first early end inside it.
pub fn freezes<'a>(
    settings: &FreezeSettings,
    incidents: impl IntoIterator<Item = &'a Incident>,
) -> Vec<Freeze> {
    let calendar = settings.policy.calendar();
    let days = settings.policy.business_days;
    let mut all: Vec<Freeze> = Vec::new();
    if days > 0 {
        for inc in incidents {
            let Some(resolved) = inc.resolved_at else {
                continue;
            };
            if !inc.declared || !inc.customer_impact || inc.is_maintenance() {
                continue;
            }
            all.push(Freeze {
                starts_at: resolved,
                until: calendar.add_business_days(resolved, days),
                reason: format!("Customer-impacting incident resolved: {}", inc.title),
                source: FreezeSource::Incident(inc.id.clone()),
                ended_early: None,
            });
        }
    }
    all.extend(settings.manual.iter().map(|m| Freeze {
        starts_at: m.starts_at,
        until: m.until,
        reason: m.reason.clone(),
        source: FreezeSource::Manual(m.id.clone()),
        ended_early: None,
    }));
    for f in &mut all {
        f.ended_early = settings
            .early_ends
            .iter()
            .filter(|e| f.starts_at <= e.at && e.at < f.until)
            .min_by_key(|e| e.at)
            .cloned();
    }
    crate::ordering::sort_by_key(&mut all, |f| (f.starts_at, f.until));
    all
}

/// The freeze on at `now`; of several, the one that ends last, since
/// changes resume only when it does.
pub fn active_at<'a>(
    settings: &FreezeSettings,
    incidents: impl IntoIterator<Item = &'a Incident>,
    now: i64,
) -> Option<Freeze> {
    freezes(settings, incidents)
        .into_iter()
        .filter(|f| f.is_active_at(now))
        .max_by_key(|f| (f.ends_at(), f.starts_at))
}

/// `GET /api/v1/freeze`'s answer, for deploy tools. Every field is sent,
/// `null` when there is no freeze.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FreezeReport {
    pub active: bool,
    /// When changes may resume, ms since the epoch; null when not frozen.
    pub until: Option<i64>,
    /// The same instant as RFC 3339 in UTC.
    pub until_utc: Option<String>,
    pub started_at: Option<i64>,
    pub reason: Option<String>,
    pub source: Option<FreezeKind>,
    /// The incident behind the freeze, when it came from one.
    pub incident: Option<IncidentId>,
}

/// Where an active freeze came from, as `FreezeReport` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FreezeKind {
    /// A resolved customer-impacting incident.
    Incident,
    /// Started by hand (`freeze_started`).
    Manual,
}

impl FreezeReport {
    pub fn of(active: Option<&Freeze>) -> FreezeReport {
        match active {
            None => FreezeReport {
                active: false,
                until: None,
                until_utc: None,
                started_at: None,
                reason: None,
                source: None,
                incident: None,
            },
            Some(f) => FreezeReport {
                active: true,
                until: Some(f.ends_at()),
                until_utc: Some(crate::time::utc::rfc3339(f.ends_at())),
                started_at: Some(f.starts_at),
                reason: Some(f.reason.clone()),
                source: Some(match f.source {
                    FreezeSource::Incident(_) => FreezeKind::Incident,
                    FreezeSource::Manual(_) => FreezeKind::Manual,
                }),
                incident: match &f.source {
                    FreezeSource::Incident(id) => Some(id.clone()),
                    FreezeSource::Manual(_) => None,
                },
            },
        }
    }
}

/// Parses a holiday list as typed in settings: dates separated by commas,
/// spaces or new lines. The error names the first bad one.
pub fn parse_holidays(text: &str) -> Result<Vec<String>, String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| match Date::parse(s) {
            Some(d) => Ok(d.to_string()),
            None => Err(format!("{s:?} is not a date written as YYYY-MM-DD")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::utc::parse_input;
    use crate::vocabulary::{Severity, Status};

    fn ev(id: &str, stream: IncidentId, at: i64, body: EventBody) -> Event {
        Event::new(id, stream, "ada", at, body)
    }

    fn t(s: &str) -> i64 {
        parse_input(s).unwrap()
    }

    fn ws(id: &str, at: &str, body: EventBody) -> Event {
        ev(id, IncidentId::workspace(), t(at), body)
    }

    /// An incident declared Monday morning, resolved at `resolved`.
    fn incident(id: &str, customer_impact: bool, resolved: &str) -> Incident {
        let stream = IncidentId(id.into());
        let mut inc = Incident::new(stream.clone());
        for (n, at, body) in [
            (
                1,
                "2026-11-23T08:00",
                EventBody::Declared {
                    title: "Checkout down".into(),
                    severity: Severity::Sev1,
                    summary: String::new(),
                    started_at: t("2026-11-23T07:50"),
                    detected_at: None,
                },
            ),
            (
                2,
                "2026-11-23T08:01",
                EventBody::ImpactSet {
                    customer_impact,
                    share_permille: None,
                },
            ),
            (
                3,
                resolved,
                EventBody::StatusChanged {
                    status: Status::Resolved,
                },
            ),
        ] {
            inc.apply(&ev(&format!("{id}-{n}"), stream.clone(), t(at), body));
        }
        inc
    }

    fn policy(days: u32, zone: &str, holidays: &[&str]) -> Event {
        ws(
            "p",
            "2026-11-01T00:00",
            EventBody::FreezePolicySet {
                business_days: days,
                time_zone: zone.into(),
                holidays: holidays.iter().map(|s| s.to_string()).collect(),
            },
        )
    }

    #[test]
    fn a_resolved_customer_impacting_incident_freezes_three_business_days_by_default() {
        let settings = FreezeSettings::default();
        // Resolved Friday 15:00 UTC: frozen until Wednesday 15:00 UTC.
        let inc = incident("inc-1", true, "2026-11-27T15:00");
        let f = active_at(&settings, [&inc], t("2026-11-30T12:00")).unwrap();
        assert_eq!(f.starts_at, t("2026-11-27T15:00"));
        assert_eq!(f.until, t("2026-12-02T15:00"));
        assert_eq!(f.source, FreezeSource::Incident(IncidentId("inc-1".into())));
        assert!(f.reason.contains("Checkout down"), "{}", f.reason);
        assert!(active_at(&settings, [&inc], t("2026-12-02T15:00")).is_none());
        assert!(active_at(&settings, [&inc], t("2026-11-27T14:59")).is_none());
    }

    #[test]
    fn incidents_without_customer_impact_or_still_open_freeze_nothing() {
        let settings = FreezeSettings::default();
        let internal = incident("inc-1", false, "2026-11-27T15:00");
        let mut open = incident("inc-2", true, "2026-11-27T15:00");
        open.apply(&ev(
            "inc-2-4",
            IncidentId("inc-2".into()),
            t("2026-11-27T16:00"),
            EventBody::StatusChanged {
                status: Status::Monitoring,
            },
        ));
        assert!(freezes(&settings, [&internal, &open]).is_empty());
    }

    #[test]
    fn the_policy_sets_the_days_zone_and_holidays() {
        let mut settings = FreezeSettings::default();
        // Two business days in New York, Thursday and Friday are holidays.
        settings.apply(&policy(
            2,
            "America/New_York",
            &["2026-11-26", "2026-11-27"],
        ));
        // Resolved Wednesday 25 Nov 20:00 UTC = 15:00 EST → Monday, Tuesday
        // 15:00 EST = 20:00 UTC on 1 December.
        let inc = incident("inc-1", true, "2026-11-25T20:00");
        let all = freezes(&settings, [&inc]);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].until, t("2026-12-01T20:00"));
    }

    #[test]
    fn zero_business_days_turns_incident_freezes_off_but_not_manual_ones() {
        let mut settings = FreezeSettings::default();
        settings.apply(&policy(0, "UTC", &[]));
        settings.apply(&ws(
            "m",
            "2026-11-30T09:00",
            EventBody::FreezeStarted {
                until: t("2026-12-01T09:00"),
                reason: "Black Friday week".into(),
            },
        ));
        let inc = incident("inc-1", true, "2026-11-27T15:00");
        let all = freezes(&settings, [&inc]);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].source, FreezeSource::Manual(EventId("m".into())));
        assert_eq!(all[0].reason, "Black Friday week");
    }

    #[test]
    fn ending_early_ends_the_active_freezes_but_not_later_ones() {
        let mut settings = FreezeSettings::default();
        settings.apply(&ws(
            "end",
            "2026-11-30T10:00",
            EventBody::FreezeEnded {
                reason: "Fix verified; hotfix must ship".into(),
            },
        ));
        let first = incident("inc-1", true, "2026-11-27T15:00");
        let later = incident("inc-2", true, "2026-11-30T11:00");
        assert!(active_at(&settings, [&first], t("2026-11-30T10:30")).is_none());
        let all = freezes(&settings, [&first]);
        let end = all[0].ended_early.as_ref().unwrap();
        assert_eq!(end.reason, "Fix verified; hotfix must ship");
        assert_eq!(all[0].ends_at(), t("2026-11-30T10:00"));
        let f = active_at(&settings, [&first, &later], t("2026-11-30T12:00")).unwrap();
        assert_eq!(f.source, FreezeSource::Incident(IncidentId("inc-2".into())));
    }

    #[test]
    fn of_two_active_freezes_the_one_ending_last_is_reported() {
        let mut settings = FreezeSettings::default();
        settings.apply(&ws(
            "m",
            "2026-11-27T16:00",
            EventBody::FreezeStarted {
                until: t("2026-12-24T00:00"),
                reason: "Holiday season".into(),
            },
        ));
        let inc = incident("inc-1", true, "2026-11-27T15:00");
        let f = active_at(&settings, [&inc], t("2026-11-30T12:00")).unwrap();
        assert_eq!(f.reason, "Holiday season");
        let report = FreezeReport::of(Some(&f));
        assert_eq!(report.source, Some(FreezeKind::Manual));
        assert_eq!(report.until_utc.as_deref(), Some("2026-12-24T00:00:00Z"));
        assert_eq!(report.incident, None);
    }

    #[test]
    fn the_report_of_no_freeze_says_inactive_and_nothing_else() {
        assert_eq!(
            serde_json::to_string(&FreezeReport::of(None)).unwrap(),
            r#"{"active":false,"until":null,"until_utc":null,"started_at":null,"reason":null,"source":null,"incident":null}"#
        );
    }

    #[test]
    fn the_report_names_its_source_in_words_and_reads_back() {
        let f = Freeze {
            starts_at: 1_000,
            until: 2_000,
            reason: "Checkout down".into(),
            source: FreezeSource::Incident(IncidentId("inc-1".into())),
            ended_early: None,
        };
        let report = FreezeReport::of(Some(&f));
        let text = serde_json::to_string(&report).unwrap();
        assert!(
            text.contains(r#""source":"incident","incident":"inc-1""#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<FreezeReport>(&text).unwrap(), report);
    }

    #[test]
    fn holidays_parse_from_a_typed_list_and_name_the_bad_one() {
        assert_eq!(
            parse_holidays("2026-12-25, 2026-12-26\n2027-01-01").unwrap(),
            vec!["2026-12-25", "2026-12-26", "2027-01-01"]
        );
        assert_eq!(parse_holidays("  ").unwrap(), Vec::<String>::new());
        let err = parse_holidays("2026-12-25, 12/26/2026").unwrap_err();
        assert!(err.contains("12/26/2026"), "{err}");
    }
}
