//! Planned maintenance: the window, its state over time, and a conversion into an incident.

use super::*;

/// A planned maintenance window and how it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Maintenance {
    pub starts_at: i64,
    /// The expected end; an overrun update moves it.
    pub ends_at: i64,
    pub components: Vec<ComponentId>,
    pub customer_notice: String,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    /// When it turned into an incident.
    pub converted_at: Option<i64>,
}

/// Where a maintenance stands, for the room, the list and comms templates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MaintenanceState {
    Scheduled,
    InProgress,
    /// Past its expected end and not completed: customers need an update.
    Overrunning,
    Completed,
}

impl MaintenanceState {
    pub fn label(self) -> &'static str {
        match self {
            MaintenanceState::Scheduled => "Scheduled",
            MaintenanceState::InProgress => "In progress",
            MaintenanceState::Overrunning => "Overrunning",
            MaintenanceState::Completed => "Completed",
        }
    }

    pub fn wire(self) -> &'static str {
        match self {
            MaintenanceState::Scheduled => "scheduled",
            MaintenanceState::InProgress => "in_progress",
            MaintenanceState::Overrunning => "overrunning",
            MaintenanceState::Completed => "completed",
        }
    }
}

impl Maintenance {
    /// Its state at `now`: completed once completed; overrunning from its
    /// expected end on, started or not (a window missed needs a word too);
    /// in progress once started; scheduled before.
    pub fn state_at(&self, now: i64) -> MaintenanceState {
        if self.completed_at.is_some() {
            MaintenanceState::Completed
        } else if now >= self.ends_at {
            MaintenanceState::Overrunning
        } else if self.started_at.is_some() {
            MaintenanceState::InProgress
        } else {
            MaintenanceState::Scheduled
        }
    }
}

impl Incident {
    /// A maintenance planned, started, completed, overrunning or converted.
    pub(super) fn fold_maintenance(&mut self, ev: &Event, at: i64) -> Option<EntryWhat> {
        match &ev.body {
            EventBody::MaintenancePlanned {
                title,
                starts_at,
                ends_at,
                components,
                customer_notice,
                freeze_reason,
            } => {
                // Listed like an incident from here on, marked as maintenance.
                self.declared = true;
                self.title = title.clone();
                self.summary = customer_notice.clone();
                self.started_at = *starts_at;
                self.declared_at = at;
                self.declared_by = ev.author.clone();
                let m = self.maintenance.get_or_insert_with(|| Maintenance {
                    starts_at: *starts_at,
                    ends_at: *ends_at,
                    components: Vec::new(),
                    customer_notice: String::new(),
                    started_at: None,
                    completed_at: None,
                    converted_at: None,
                });
                m.starts_at = *starts_at;
                m.ends_at = *ends_at;
                m.components = components.clone();
                m.customer_notice = customer_notice.clone();
                Some(EntryWhat::MaintenancePlanned {
                    title: title.clone(),
                    starts_at: *starts_at,
                    ends_at: *ends_at,
                    freeze_reason: freeze_reason.clone(),
                })
            }
            EventBody::MaintenanceStarted { freeze_reason } => self.maintenance.as_mut().map(|m| {
                m.started_at = Some(at);
                for c in &m.components {
                    self.components
                        .insert(c.clone(), ComponentStatus::UnderMaintenance);
                }
                EntryWhat::MaintenanceStarted {
                    freeze_reason: freeze_reason.clone(),
                }
            }),
            EventBody::MaintenanceCompleted {} => self.maintenance.as_mut().map(|m| {
                m.completed_at = Some(at);
                for c in &m.components {
                    self.components
                        .insert(c.clone(), ComponentStatus::Operational);
                }
                // Closed like a resolved incident, for the list's order.
                if m.converted_at.is_none() {
                    self.status = Status::Resolved;
                    self.resolved_at = Some(at);
                }
                EntryWhat::MaintenanceCompleted
            }),
            EventBody::MaintenanceOverrun { note, ends_at } => self.maintenance.as_mut().map(|m| {
                m.ends_at = *ends_at;
                EntryWhat::MaintenanceOverrun {
                    note: note.clone(),
                    ends_at: *ends_at,
                }
            }),
            EventBody::MaintenanceConverted { severity } => self.maintenance.as_mut().map(|m| {
                // An incident from now: impact started when it was noticed
                // (a `times_set` can correct that), and it is open again.
                m.converted_at = Some(at);
                self.severity = *severity;
                self.status = Status::Investigating;
                self.resolved_at = None;
                self.started_at = at;
                self.declared_at = at;
                self.declared_by = ev.author.clone();
                EntryWhat::MaintenanceConverted {
                    severity: *severity,
                }
            }),
            _ => None,
        }
    }

    /// A maintenance not (yet) converted into an incident.
    pub fn is_maintenance(&self) -> bool {
        self.maintenance
            .as_ref()
            .is_some_and(|m| m.converted_at.is_none())
    }

    /// The maintenance's state at `now`; None for an incident, including
    /// a maintenance converted into one.
    pub fn maintenance_state(&self, now: i64) -> Option<MaintenanceState> {
        self.maintenance
            .as_ref()
            .filter(|m| m.converted_at.is_none())
            .map(|m| m.state_at(now))
    }
}
