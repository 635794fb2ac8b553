//! When customers should next hear from us: the comms policy's interval for
//! the incident's status, counted from the last published update (or the
//! declaration), and whether that time is near or past.

use crate::comms::policy::CadencePolicy;
use crate::comms::Review;
use crate::incident::{Incident, MaintenanceState};
use crate::time::utc;
use crate::vocabulary::Status;

/// Where an incident stands against its update cadence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// No update is due (resolved, or the policy sets no interval).
    None,
    OnTrack {
        due_at: i64,
    },
    /// Due within the policy's warning time: amber.
    Soon {
        due_at: i64,
    },
    /// Past due: red.
    Overdue {
        due_at: i64,
    },
}

impl Due {
    /// A class for colour; the label says the same in words.
    pub fn class(self) -> &'static str {
        match self {
            Due::None => "cadence none",
            Due::OnTrack { .. } => "cadence ok",
            Due::Soon { .. } => "cadence soon",
            Due::Overdue { .. } => "cadence overdue",
        }
    }

    /// Words that say what the colour says: `Update due in 12 min`,
    /// `Update due soon: in 3 min`, `Update overdue by 5 min`.
    pub fn label(self, now: i64) -> String {
        match self {
            Due::None => "No update due".into(),
            Due::OnTrack { due_at } => format!("Update due in {}", utc::duration(due_at - now)),
            Due::Soon { due_at } => {
                format!("Update due soon: in {}", utc::duration(due_at - now))
            }
            Due::Overdue { due_at } => {
                format!("Update overdue by {}", utc::duration(now - due_at))
            }
        }
    }
}

/// The last time customers were told something: the newest published
/// update, or the declaration when nothing has been published.
pub fn last_public(incident: &Incident) -> i64 {
    incident
        .updates
        .iter()
        .filter(|u| u.review == Review::Published)
        .filter_map(|u| u.published_at)
        .max()
        .unwrap_or(incident.declared_at)
}

/// Minutes between public updates for this incident at `now`. Maintenance
/// work under way (or overrunning) is told like an incident being
/// monitored; a window not started yet or completed owes nothing.
pub fn interval_minutes(incident: &Incident, policy: &CadencePolicy, now: i64) -> Option<u32> {
    match incident.maintenance_state(now) {
        None => policy.interval_minutes(incident.status),
        Some(MaintenanceState::InProgress | MaintenanceState::Overrunning) => {
            policy.interval_minutes(Status::Monitoring)
        }
        Some(MaintenanceState::Scheduled | MaintenanceState::Completed) => None,
    }
}

/// When the next public update is due, if one is.
pub fn next_due(incident: &Incident, policy: &CadencePolicy, now: i64) -> Option<i64> {
    let minutes = interval_minutes(incident, policy, now)?;
    Some(last_public(incident) + i64::from(minutes) * 60_000)
}

pub fn due(incident: &Incident, policy: &CadencePolicy, now: i64) -> Due {
    due_from(next_due(incident, policy, now), policy.warn_minutes, now)
}

/// Where a known due time stands at `now` (the list's stored summary keeps
/// only the due time and the warning minutes).
pub fn due_from(next_due: Option<i64>, warn_minutes: u32, now: i64) -> Due {
    match next_due {
        None => Due::None,
        Some(due_at) if now > due_at => Due::Overdue { due_at },
        Some(due_at) if due_at - now <= i64::from(warn_minutes) * 60_000 => Due::Soon { due_at },
        Some(due_at) => Due::OnTrack { due_at },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::{Channels, Phase};
    use crate::log::event::{Event, EventBody};
    use crate::vocabulary::{EventId, IncidentId, Severity, Status};

    const MIN: i64 = 60_000;

    fn ev(id: &str, at: i64, body: EventBody) -> Event {
        Event::new(id, "i", "cody", at, body)
    }

    fn declared_at(t: i64) -> Incident {
        let mut i = Incident::new(IncidentId("i".into()));
        i.apply(&ev(
            "d",
            t,
            EventBody::Declared {
                title: "x".into(),
                severity: Severity::Sev2,
                summary: String::new(),
                started_at: t - 10 * MIN,
                detected_at: None,
            },
        ));
        i
    }

    fn publish(i: &mut Incident, id: &str, at: i64) {
        i.apply(&ev(
            id,
            at,
            EventBody::UpdateDrafted {
                phase: Phase::Investigating,
                channels: Channels::default(),
                components: Default::default(),
                public_title: None,
            },
        ));
        i.apply(&ev(
            &format!("{id}-p"),
            at,
            EventBody::UpdatePublished {
                update: EventId(id.into()),
                targets: vec!["own".into()],
                overrides: vec![],
            },
        ));
    }

    #[test]
    fn without_an_update_the_clock_runs_from_the_declaration() {
        let i = declared_at(0);
        let p = CadencePolicy::default();
        assert_eq!(next_due(&i, &p, 0), Some(30 * MIN));
        assert_eq!(due(&i, &p, 10 * MIN), Due::OnTrack { due_at: 30 * MIN });
    }

    #[test]
    fn it_turns_amber_within_the_warning_time_then_red_when_past() {
        let i = declared_at(0);
        let p = CadencePolicy::default();
        assert_eq!(due(&i, &p, 25 * MIN), Due::Soon { due_at: 30 * MIN });
        assert_eq!(due(&i, &p, 30 * MIN), Due::Soon { due_at: 30 * MIN });
        assert_eq!(due(&i, &p, 31 * MIN), Due::Overdue { due_at: 30 * MIN });
        assert_eq!(
            due(&i, &p, 35 * MIN).label(35 * MIN),
            "Update overdue by 5 min"
        );
    }

    #[test]
    fn a_published_update_restarts_the_clock_but_a_draft_does_not() {
        let mut i = declared_at(0);
        let p = CadencePolicy::default();
        i.apply(&ev(
            "draft",
            20 * MIN,
            EventBody::UpdateDrafted {
                phase: Phase::Investigating,
                channels: Channels::default(),
                components: Default::default(),
                public_title: None,
            },
        ));
        assert_eq!(next_due(&i, &p, 0), Some(30 * MIN));
        publish(&mut i, "u1", 28 * MIN);
        assert_eq!(next_due(&i, &p, 0), Some(58 * MIN));
    }

    #[test]
    fn the_interval_follows_the_status_and_resolved_has_none() {
        let mut i = declared_at(0);
        let p = CadencePolicy::default();
        i.apply(&ev(
            "s",
            MIN,
            EventBody::StatusChanged {
                status: Status::Identified,
            },
        ));
        assert_eq!(next_due(&i, &p, 0), Some(60 * MIN));
        i.apply(&ev(
            "r",
            2 * MIN,
            EventBody::StatusChanged {
                status: Status::Resolved,
            },
        ));
        assert_eq!(due(&i, &p, 500 * MIN), Due::None);
        assert_eq!(Due::None.label(0), "No update due");
    }
}
