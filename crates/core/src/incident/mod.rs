//! The state of one incident, folded from its events. Every rule for how an
//! event changes an incident lives in `Incident::apply`.

pub mod entry_text;
pub mod query;
pub mod severity_policy;

use crate::comms::{CustomerUpdate, Delivery, Phase, Review};
use crate::log::event::{Event, EventBody};
use crate::vocabulary::{
    ComponentId, ComponentStatus, EventId, IncidentId, NoteKind, Outcome, PostmortemSection,
    RoleId, Severity, Status,
};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    pub id: IncidentId,
    /// False until the `declared` event has been seen: a note can arrive
    /// before the declaration it follows (different authors, different tabs).
    pub declared: bool,
    pub title: String,
    pub severity: Severity,
    pub summary: String,
    pub status: Status,
    /// When customer impact began (ms since the epoch).
    pub started_at: i64,
    /// When someone noticed, when recorded.
    pub detected_at: Option<i64>,
    /// When someone declared the incident: the declared event's time unless
    /// corrected later.
    pub declared_at: i64,
    pub declared_by: Arc<str>,
    pub resolved_at: Option<i64>,
    /// The client time of the last event folded in.
    pub updated_at: i64,
    /// Who holds each role now.
    pub roles: BTreeMap<RoleId, RoleHolder>,
    /// Mitigation changes in the order started.
    pub changes: Vec<Change>,
    pub tasks: Vec<Task>,
    /// Our components this incident touches, with their current status.
    /// A component set back to operational stays listed: it was affected.
    pub components: BTreeMap<ComponentId, ComponentStatus>,
    pub customer_impact: bool,
    pub share_permille: Option<u16>,
    /// Customer updates in the order drafted.
    pub updates: Vec<CustomerUpdate>,
    pub timeline: Vec<Entry>,
    /// The post-mortem's written sections, as last edited.
    pub writeup: BTreeMap<PostmortemSection, Written>,
    /// How many customers were affected, when someone counted.
    pub customers_affected: Option<u64>,
    /// Whether data was lost, when someone established it.
    pub data_lost: Option<bool>,
    /// Present when the stream began as a scheduled maintenance; it stays
    /// after a conversion into an incident (see `is_maintenance`).
    pub maintenance: Option<Maintenance>,
    /// Where each event's entry sits in `timeline`.
    index: HashMap<EventId, usize>,
}

/// A post-mortem section's text and its last edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub text: String,
    pub by: Arc<str>,
    pub at: i64,
}

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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleHolder {
    pub person: String,
    pub since: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub id: EventId,
    pub what: String,
    pub by: Arc<str>,
    pub at: i64,
    pub outcome: Option<ChangeResult>,
    /// Another change was still without an outcome when this one started,
    /// so their effects are hard to tell apart.
    pub overlapped: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeResult {
    pub outcome: Outcome,
    pub note: String,
    pub at: i64,
    pub by: Arc<str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    pub id: EventId,
    pub title: String,
    pub assignee: Option<String>,
    pub due_at: Option<i64>,
    pub done_at: Option<i64>,
    pub added_by: Arc<str>,
    /// A remediation task: follow-up work the post-mortem tracks.
    pub remediation: bool,
}

/// One line of the timeline: who, when, what, and whether the server has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub event: EventId,
    pub at: i64,
    pub author: Arc<str>,
    pub seq: Option<u64>,
    /// Marked as key for the post-mortem.
    pub key: bool,
    pub what: EntryWhat,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryWhat {
    Declared {
        title: String,
        severity: Severity,
    },
    Status {
        from: Status,
        to: Status,
    },
    Severity {
        from: Severity,
        to: Severity,
    },
    Note {
        text: Arc<str>,
        kind: NoteKind,
    },
    Role {
        role: RoleId,
        from: Option<String>,
        to: Option<String>,
    },
    ChangeStarted {
        what: String,
        outcome: Option<Outcome>,
    },
    ChangeOutcome {
        change: EventId,
        what: String,
        outcome: Outcome,
        note: String,
    },
    TaskAdded {
        title: String,
    },
    TaskDone {
        title: String,
        done: bool,
    },
    Component {
        component: ComponentId,
        status: Option<ComponentStatus>,
    },
    Impact {
        customer_impact: bool,
        share_permille: Option<u16>,
    },
    Times {
        started_at: Option<i64>,
        detected_at: Option<i64>,
        declared_at: Option<i64>,
    },
    /// A step of a customer update's review; deliveries stay in the update.
    Update {
        update: EventId,
        phase: Phase,
        step: Review,
    },
    MaintenancePlanned {
        title: String,
        starts_at: i64,
        ends_at: i64,
    },
    MaintenanceStarted,
    MaintenanceCompleted,
    MaintenanceOverrun {
        note: Arc<str>,
        ends_at: i64,
    },
    MaintenanceConverted {
        severity: Severity,
    },
}

/// The timeline's filter groups, as a responder thinks of entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Observation,
    Action,
    Decision,
    Change,
    Status,
    Severity,
    Role,
    Task,
    Component,
    Comms,
    Other,
}

impl EntryKind {
    pub const ALL: [EntryKind; 11] = [
        EntryKind::Observation,
        EntryKind::Action,
        EntryKind::Decision,
        EntryKind::Change,
        EntryKind::Status,
        EntryKind::Severity,
        EntryKind::Role,
        EntryKind::Task,
        EntryKind::Component,
        EntryKind::Comms,
        EntryKind::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Observation => "Observations",
            EntryKind::Action => "Actions",
            EntryKind::Decision => "Decisions",
            EntryKind::Change => "Changes",
            EntryKind::Status => "Status changes",
            EntryKind::Severity => "Severity changes",
            EntryKind::Role => "Role changes",
            EntryKind::Task => "Tasks",
            EntryKind::Component => "Components",
            EntryKind::Comms => "Customer updates",
            EntryKind::Other => "Other",
        }
    }
}

impl EntryWhat {
    pub fn kind(&self) -> EntryKind {
        match self {
            EntryWhat::Note { kind, .. } => match kind {
                NoteKind::Observation => EntryKind::Observation,
                NoteKind::Action => EntryKind::Action,
                NoteKind::Decision => EntryKind::Decision,
            },
            EntryWhat::ChangeStarted { .. } | EntryWhat::ChangeOutcome { .. } => EntryKind::Change,
            EntryWhat::Status { .. }
            | EntryWhat::MaintenancePlanned { .. }
            | EntryWhat::MaintenanceStarted
            | EntryWhat::MaintenanceCompleted
            | EntryWhat::MaintenanceOverrun { .. }
            | EntryWhat::MaintenanceConverted { .. } => EntryKind::Status,
            EntryWhat::Severity { .. } => EntryKind::Severity,
            EntryWhat::Role { .. } => EntryKind::Role,
            EntryWhat::TaskAdded { .. } | EntryWhat::TaskDone { .. } => EntryKind::Task,
            EntryWhat::Component { .. } => EntryKind::Component,
            EntryWhat::Update { .. } => EntryKind::Comms,
            EntryWhat::Declared { .. } | EntryWhat::Impact { .. } | EntryWhat::Times { .. } => {
                EntryKind::Other
            }
        }
    }
}

impl Incident {
    pub fn new(id: IncidentId) -> Self {
        Incident {
            id,
            declared: false,
            title: String::new(),
            severity: Severity::Sev4,
            summary: String::new(),
            status: Status::Investigating,
            started_at: 0,
            detected_at: None,
            declared_at: 0,
            declared_by: Arc::from(""),
            resolved_at: None,
            updated_at: 0,
            roles: BTreeMap::new(),
            changes: Vec::new(),
            tasks: Vec::new(),
            components: BTreeMap::new(),
            customer_impact: false,
            share_permille: None,
            updates: Vec::new(),
            timeline: Vec::new(),
            writeup: BTreeMap::new(),
            customers_affected: None,
            data_lost: None,
            maintenance: None,
            index: HashMap::new(),
        }
    }

    /// Folds one event in. Callers feed events in log order; a field set
    /// twice keeps the later value, entries are only ever appended. Times are
    /// each event's best time, so a fast laptop clock skews no duration.
    /// References to changes, tasks or entries this replica has not seen are
    /// ignored: their event may still be on its way.
    pub fn apply(&mut self, ev: &Event) {
        let at = ev.best_time();
        let what = match &ev.body {
            EventBody::Declared {
                title,
                severity,
                summary,
                started_at,
                detected_at,
            } => {
                self.declared = true;
                self.title = title.clone();
                self.severity = *severity;
                self.summary = summary.clone();
                self.started_at = *started_at;
                self.detected_at = *detected_at;
                self.declared_at = at;
                self.declared_by = ev.author.clone();
                Some(EntryWhat::Declared {
                    title: title.clone(),
                    severity: *severity,
                })
            }
            EventBody::StatusChanged { status } => {
                let from = self.status;
                self.status = *status;
                self.resolved_at = (*status == Status::Resolved).then_some(at);
                Some(EntryWhat::Status { from, to: *status })
            }
            EventBody::SeverityChanged { severity } => {
                let from = self.severity;
                self.severity = *severity;
                Some(EntryWhat::Severity {
                    from,
                    to: *severity,
                })
            }
            EventBody::NoteAdded { text, entry } => Some(EntryWhat::Note {
                text: text.clone(),
                kind: *entry,
            }),
            EventBody::RoleAssigned { role, person } => {
                let from = self
                    .roles
                    .insert(
                        role.clone(),
                        RoleHolder {
                            person: person.clone(),
                            since: at,
                        },
                    )
                    .map(|h| h.person);
                Some(EntryWhat::Role {
                    role: role.clone(),
                    from,
                    to: Some(person.clone()),
                })
            }
            EventBody::RoleReleased { role } => {
                let from = self.roles.remove(role).map(|h| h.person);
                Some(EntryWhat::Role {
                    role: role.clone(),
                    from,
                    to: None,
                })
            }
            EventBody::ChangeStarted { what } => {
                let overlapped = self.changes_in_flight().next().is_some();
                self.changes.push(Change {
                    id: ev.id.clone(),
                    what: what.clone(),
                    by: ev.author.clone(),
                    at,
                    outcome: None,
                    overlapped,
                });
                Some(EntryWhat::ChangeStarted {
                    what: what.clone(),
                    outcome: None,
                })
            }
            EventBody::ChangeOutcome {
                change,
                outcome,
                note,
            } => {
                let c = self.changes.iter_mut().find(|c| &c.id == change);
                c.map(|c| {
                    c.outcome = Some(ChangeResult {
                        outcome: *outcome,
                        note: note.clone(),
                        at,
                        by: ev.author.clone(),
                    });
                    let what = c.what.clone();
                    if let Some(&i) = self.index.get(change) {
                        if let EntryWhat::ChangeStarted { outcome: o, .. } =
                            &mut self.timeline[i].what
                        {
                            *o = Some(*outcome);
                        }
                    }
                    EntryWhat::ChangeOutcome {
                        change: change.clone(),
                        what,
                        outcome: *outcome,
                        note: note.clone(),
                    }
                })
            }
            EventBody::EntryMarked { entry, key } => {
                if let Some(&i) = self.index.get(entry) {
                    self.timeline[i].key = *key;
                }
                None
            }
            EventBody::TaskAdded {
                title,
                assignee,
                due_at,
                remediation,
            } => {
                self.tasks.push(Task {
                    id: ev.id.clone(),
                    title: title.clone(),
                    assignee: assignee.clone(),
                    due_at: *due_at,
                    done_at: None,
                    added_by: ev.author.clone(),
                    remediation: *remediation,
                });
                Some(EntryWhat::TaskAdded {
                    title: title.clone(),
                })
            }
            EventBody::TaskUpdated {
                task,
                assignee,
                due_at,
            } => {
                if let Some(t) = self.tasks.iter_mut().find(|t| &t.id == task) {
                    t.assignee = assignee.clone();
                    t.due_at = *due_at;
                }
                None
            }
            EventBody::TaskDone { task, done } => {
                self.tasks.iter_mut().find(|t| &t.id == task).map(|t| {
                    t.done_at = done.then_some(at);
                    EntryWhat::TaskDone {
                        title: t.title.clone(),
                        done: *done,
                    }
                })
            }
            EventBody::ComponentStatusSet { component, status } => {
                self.components.insert(component.clone(), *status);
                Some(EntryWhat::Component {
                    component: component.clone(),
                    status: Some(*status),
                })
            }
            EventBody::ComponentCleared { component } => {
                self.components.remove(component);
                Some(EntryWhat::Component {
                    component: component.clone(),
                    status: None,
                })
            }
            EventBody::ImpactSet {
                customer_impact,
                share_permille,
            } => {
                self.customer_impact = *customer_impact;
                self.share_permille = share_permille.map(|p| p.min(1000));
                Some(EntryWhat::Impact {
                    customer_impact: *customer_impact,
                    share_permille: self.share_permille,
                })
            }
            EventBody::TimesSet {
                started_at,
                detected_at,
                declared_at,
            } => {
                if let Some(t) = started_at {
                    self.started_at = *t;
                }
                if detected_at.is_some() {
                    self.detected_at = *detected_at;
                }
                if let Some(t) = declared_at {
                    self.declared_at = *t;
                }
                Some(EntryWhat::Times {
                    started_at: *started_at,
                    detected_at: *detected_at,
                    declared_at: *declared_at,
                })
            }
            EventBody::UpdateDrafted {
                phase,
                channels,
                components,
            } => {
                self.updates.push(CustomerUpdate::drafted(
                    ev.id.clone(),
                    *phase,
                    channels.clone(),
                    components.clone(),
                    ev.author.clone(),
                    at,
                ));
                Some(EntryWhat::Update {
                    update: ev.id.clone(),
                    phase: *phase,
                    step: Review::Draft,
                })
            }
            EventBody::UpdateEdited {
                update,
                phase,
                channels,
                components,
            } => {
                if let Some(u) = self.update_mut(update) {
                    u.edit(
                        *phase,
                        channels.clone(),
                        components.clone(),
                        ev.author.clone(),
                    );
                }
                None
            }
            EventBody::UpdateApproved { update } => self.update_mut(update).and_then(|u| {
                u.approve(ev.author.clone()).then(|| EntryWhat::Update {
                    update: update.clone(),
                    phase: u.phase,
                    step: Review::Approved,
                })
            }),
            EventBody::UpdatePublished {
                update,
                targets,
                overrides,
            } => self.update_mut(update).and_then(|u| {
                u.publish(targets.clone(), overrides.clone(), ev.author.clone(), at)
                    .then(|| EntryWhat::Update {
                        update: update.clone(),
                        phase: u.phase,
                        step: Review::Published,
                    })
            }),
            EventBody::UpdateDelivery {
                update,
                target,
                state,
                error,
                attempt,
            } => {
                if let Some(u) = self.update_mut(update) {
                    u.delivered(
                        target,
                        Delivery {
                            state: *state,
                            error: error.clone(),
                            attempt: *attempt,
                            at,
                        },
                    );
                }
                None
            }
            EventBody::TaskRemediationSet { task, remediation } => {
                if let Some(t) = self.tasks.iter_mut().find(|t| &t.id == task) {
                    t.remediation = *remediation;
                }
                None
            }
            // Writing the post-mortem is not part of the incident's story:
            // no timeline entry, only the section's latest text.
            EventBody::PostmortemSectionSet { section, text } => {
                if text.trim().is_empty() {
                    self.writeup.remove(section);
                } else {
                    self.writeup.insert(
                        *section,
                        Written {
                            text: text.clone(),
                            by: ev.author.clone(),
                            at,
                        },
                    );
                }
                None
            }
            EventBody::PostmortemImpactSet {
                customers_affected,
                data_lost,
            } => {
                self.customers_affected = *customers_affected;
                self.data_lost = *data_lost;
                None
            }
            EventBody::MaintenancePlanned {
                title,
                starts_at,
                ends_at,
                components,
                customer_notice,
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
                })
            }
            EventBody::MaintenanceStarted {} => self.maintenance.as_mut().map(|m| {
                m.started_at = Some(at);
                for c in &m.components {
                    self.components
                        .insert(c.clone(), ComponentStatus::UnderMaintenance);
                }
                EntryWhat::MaintenanceStarted
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
            // Settings belong to the workspace fold, not to an incident.
            _ if ev.body.is_workspace_kind() => None,
            _ => None,
        };
        self.updated_at = self.updated_at.max(at);
        if let Some(what) = what {
            self.index.insert(ev.id.clone(), self.timeline.len());
            self.timeline.push(Entry {
                event: ev.id.clone(),
                at,
                author: ev.author.clone(),
                seq: ev.seq,
                key: false,
                what,
            });
        }
    }

    pub fn update(&self, id: &EventId) -> Option<&CustomerUpdate> {
        self.updates.iter().find(|u| &u.id == id)
    }

    fn update_mut(&mut self, id: &EventId) -> Option<&mut CustomerUpdate> {
        self.updates.iter_mut().find(|u| &u.id == id)
    }

    /// Changes still waiting for their outcome, oldest first.
    pub fn changes_in_flight(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.outcome.is_none())
    }

    pub fn open_tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(|t| t.done_at.is_none())
    }

    pub fn remediation_tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(|t| t.remediation)
    }

    /// Time from impact to detection, when detection was recorded.
    pub fn time_to_detect_ms(&self) -> Option<i64> {
        self.detected_at.map(|d| d - self.started_at)
    }

    /// Whether any text of this incident contains `needle` (already
    /// lowercased): its title, summary or a note.
    pub fn mentions(&self, needle: &str) -> bool {
        if needle.is_empty() {
            return true;
        }
        let has = |s: &str| s.to_lowercase().contains(needle);
        has(&self.title)
            || has(&self.summary)
            || self.timeline.iter().any(|e| match &e.what {
                EntryWhat::Note { text, .. } => has(text),
                EntryWhat::ChangeStarted { what, .. } => has(what),
                _ => false,
            })
    }

    /// Time from impact to resolution, once resolved.
    pub fn time_to_resolve_ms(&self) -> Option<i64> {
        self.resolved_at.map(|r| r - self.started_at)
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

    pub fn pending_entries(&self) -> usize {
        self.timeline.iter().filter(|e| e.seq.is_none()).count()
    }
}

/// The incident list's order: open incidents first, then the most severe,
/// then the most recently declared.
pub fn list_order(a: &Incident, b: &Incident) -> Ordering {
    b.status
        .is_open()
        .cmp(&a.status.is_open())
        .then(a.severity.cmp(&b.severity))
        .then(b.declared_at.cmp(&a.declared_at))
        .then(a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: &str, at: i64, body: EventBody) -> Event {
        Event {
            id: EventId(id.into()),
            incident: IncidentId("i".into()),
            author: "ana".into(),
            at,
            body,
            seq: None,
            received_at: None,
            clock_offset: None,
        }
    }

    fn declared(sev: Severity) -> EventBody {
        EventBody::Declared {
            title: "Checkout failing".into(),
            severity: sev,
            summary: "5xx on /pay".into(),
            started_at: 100,
            detected_at: None,
        }
    }

    #[test]
    fn declaring_sets_title_severity_summary_and_impact_start() {
        let mut inc = Incident::new(IncidentId("i".into()));
        inc.apply(&ev("a", 200, declared(Severity::Sev2)));
        assert!(inc.declared);
        assert_eq!(inc.title, "Checkout failing");
        assert_eq!(inc.severity, Severity::Sev2);
        assert_eq!(inc.started_at, 100);
        assert_eq!(inc.declared_at, 200);
        assert_eq!(inc.status, Status::Investigating);
    }

    #[test]
    fn resolving_records_the_time_and_reopening_clears_it() {
        let mut inc = Incident::new(IncidentId("i".into()));
        inc.apply(&ev("a", 200, declared(Severity::Sev1)));
        inc.apply(&ev(
            "b",
            900,
            EventBody::StatusChanged {
                status: Status::Resolved,
            },
        ));
        assert_eq!(inc.resolved_at, Some(900));
        assert_eq!(inc.time_to_resolve_ms(), Some(800));
        inc.apply(&ev(
            "c",
            950,
            EventBody::StatusChanged {
                status: Status::Monitoring,
            },
        ));
        assert_eq!(inc.resolved_at, None);
    }

    #[test]
    fn durations_use_the_best_time_when_a_clock_was_known_to_be_off() {
        let mut inc = Incident::new(IncidentId("i".into()));
        inc.apply(&ev("a", 200, declared(Severity::Sev1)));
        // This author's clock ran 5 minutes fast, and knew it.
        let mut resolve = ev(
            "b",
            300_900,
            EventBody::StatusChanged {
                status: Status::Resolved,
            },
        );
        resolve.clock_offset = Some(-300_000);
        inc.apply(&resolve);
        assert_eq!(inc.resolved_at, Some(900));
        assert_eq!(inc.time_to_resolve_ms(), Some(800));
        assert_eq!(inc.timeline[1].at, 900);
    }

    #[test]
    fn a_severity_change_is_recorded_with_what_it_replaced() {
        let mut inc = Incident::new(IncidentId("i".into()));
        inc.apply(&ev("a", 200, declared(Severity::Sev3)));
        inc.apply(&ev(
            "b",
            300,
            EventBody::SeverityChanged {
                severity: Severity::Sev1,
            },
        ));
        assert_eq!(inc.severity, Severity::Sev1);
        assert_eq!(
            inc.timeline[1].what,
            EntryWhat::Severity {
                from: Severity::Sev3,
                to: Severity::Sev1
            }
        );
    }

    #[test]
    fn notes_are_appended_never_replaced() {
        let mut inc = Incident::new(IncidentId("i".into()));
        inc.apply(&ev("a", 200, declared(Severity::Sev3)));
        inc.apply(&ev("b", 300, EventBody::note("one")));
        inc.apply(&ev("c", 300, EventBody::note("two")));
        let notes: Vec<_> = inc
            .timeline
            .iter()
            .filter_map(|e| match &e.what {
                EntryWhat::Note { text, .. } => Some(text.as_ref()),
                _ => None,
            })
            .collect();
        assert_eq!(notes, ["one", "two"]);
    }

    #[test]
    fn the_list_puts_open_incidents_first_then_the_most_severe() {
        let mk = |id: &str, sev, status, at| {
            let mut i = Incident::new(IncidentId(id.into()));
            i.severity = sev;
            i.status = status;
            i.declared_at = at;
            i
        };
        let mut list = [
            mk("resolved-sev1", Severity::Sev1, Status::Resolved, 5),
            mk("open-sev3", Severity::Sev3, Status::Investigating, 9),
            mk("open-sev1-old", Severity::Sev1, Status::Monitoring, 1),
            mk("open-sev1-new", Severity::Sev1, Status::Identified, 2),
        ];
        list.sort_by(list_order);
        let ids: Vec<_> = list.iter().map(|i| i.id.0.as_ref()).collect();
        assert_eq!(
            ids,
            [
                "open-sev1-new",
                "open-sev1-old",
                "open-sev3",
                "resolved-sev1"
            ]
        );
    }
    fn room() -> Incident {
        let mut inc = Incident::new(IncidentId("i".into()));
        inc.apply(&ev("a", 200, declared(Severity::Sev2)));
        inc
    }

    fn role(id: &str) -> RoleId {
        RoleId(id.into())
    }

    #[test]
    fn a_role_handover_records_the_new_holder_since_when_and_whom_it_replaced() {
        let mut inc = room();
        let assign = |p: &str| EventBody::RoleAssigned {
            role: role("incident_commander"),
            person: p.into(),
        };
        inc.apply(&ev("b", 300, assign("ana")));
        inc.apply(&ev("c", 500, assign("bo")));
        let holder = &inc.roles[&role("incident_commander")];
        assert_eq!((holder.person.as_str(), holder.since), ("bo", 500));
        assert_eq!(
            inc.timeline[2].what,
            EntryWhat::Role {
                role: role("incident_commander"),
                from: Some("ana".into()),
                to: Some("bo".into())
            }
        );
        inc.apply(&ev(
            "d",
            600,
            EventBody::RoleReleased {
                role: role("incident_commander"),
            },
        ));
        assert!(inc.roles.is_empty());
        assert_eq!(
            inc.timeline
                .iter()
                .filter(|e| e.what.kind() == EntryKind::Role)
                .count(),
            3
        );
    }

    #[test]
    fn a_change_gets_its_outcome_later_and_a_second_change_in_flight_is_flagged() {
        let mut inc = room();
        inc.apply(&ev(
            "c1",
            300,
            EventBody::ChangeStarted {
                what: "Roll back deploy 41".into(),
            },
        ));
        assert_eq!(inc.changes_in_flight().count(), 1);
        inc.apply(&ev(
            "c2",
            320,
            EventBody::ChangeStarted {
                what: "Raise pool size".into(),
            },
        ));
        assert!(!inc.changes[0].overlapped);
        assert!(inc.changes[1].overlapped, "started while c1 had no outcome");
        inc.apply(&ev(
            "o1",
            400,
            EventBody::ChangeOutcome {
                change: EventId("c1".into()),
                outcome: Outcome::Helped,
                note: "errors halved".into(),
            },
        ));
        let result = inc.changes[0].outcome.as_ref().unwrap();
        assert_eq!((result.outcome, result.at), (Outcome::Helped, 400));
        assert_eq!(
            inc.changes_in_flight()
                .map(|c| c.what.as_str())
                .collect::<Vec<_>>(),
            ["Raise pool size"]
        );
        // The change's own entry shows its outcome, and the outcome has an entry of its own.
        assert_eq!(
            inc.timeline[1].what,
            EntryWhat::ChangeStarted {
                what: "Roll back deploy 41".into(),
                outcome: Some(Outcome::Helped)
            }
        );
        assert!(matches!(
            inc.timeline[3].what,
            EntryWhat::ChangeOutcome {
                outcome: Outcome::Helped,
                ..
            }
        ));
        inc.apply(&ev(
            "c3",
            500,
            EventBody::ChangeStarted {
                what: "Flush cache".into(),
            },
        ));
        assert!(inc.changes[2].overlapped, "c2 still has no outcome");
    }

    #[test]
    fn an_outcome_for_an_unknown_change_changes_nothing() {
        let mut inc = room();
        let before = inc.timeline.len();
        inc.apply(&ev(
            "o",
            400,
            EventBody::ChangeOutcome {
                change: EventId("nope".into()),
                outcome: Outcome::Helped,
                note: String::new(),
            },
        ));
        assert_eq!(inc.timeline.len(), before);
        assert!(inc.changes.is_empty());
    }

    #[test]
    fn tasks_are_added_assigned_given_a_due_time_and_done() {
        let mut inc = room();
        inc.apply(&ev(
            "t1",
            300,
            EventBody::TaskAdded {
                title: "Page DB on-call".into(),
                assignee: None,
                due_at: None,
                remediation: false,
            },
        ));
        inc.apply(&ev(
            "t2",
            310,
            EventBody::TaskAdded {
                title: "Draft update".into(),
                assignee: Some("cy".into()),
                due_at: Some(900),
                remediation: false,
            },
        ));
        inc.apply(&ev(
            "u",
            320,
            EventBody::TaskUpdated {
                task: EventId("t1".into()),
                assignee: Some("bo".into()),
                due_at: Some(600),
            },
        ));
        assert_eq!(inc.tasks[0].assignee.as_deref(), Some("bo"));
        assert_eq!(inc.tasks[0].due_at, Some(600));
        inc.apply(&ev(
            "d",
            330,
            EventBody::TaskDone {
                task: EventId("t1".into()),
                done: true,
            },
        ));
        assert_eq!(
            inc.open_tasks()
                .map(|t| t.title.as_str())
                .collect::<Vec<_>>(),
            ["Draft update"]
        );
        inc.apply(&ev(
            "r",
            340,
            EventBody::TaskDone {
                task: EventId("t1".into()),
                done: false,
            },
        ));
        assert_eq!(inc.open_tasks().count(), 2);
    }

    #[test]
    fn a_component_stays_listed_as_affected_when_back_to_operational_until_cleared() {
        let mut inc = room();
        let api = ComponentId("api".into());
        let set = |s| EventBody::ComponentStatusSet {
            component: ComponentId("api".into()),
            status: s,
        };
        inc.apply(&ev("b", 300, set(ComponentStatus::MajorOutage)));
        inc.apply(&ev("c", 400, set(ComponentStatus::Operational)));
        assert_eq!(
            inc.components.get(&api),
            Some(&ComponentStatus::Operational)
        );
        inc.apply(&ev(
            "d",
            500,
            EventBody::ComponentCleared {
                component: api.clone(),
            },
        ));
        assert!(inc.components.is_empty());
        assert_eq!(
            inc.timeline
                .iter()
                .filter(|e| e.what.kind() == EntryKind::Component)
                .count(),
            3
        );
    }

    #[test]
    fn impact_records_customer_impact_and_the_share_affected() {
        let mut inc = room();
        inc.apply(&ev(
            "b",
            300,
            EventBody::ImpactSet {
                customer_impact: true,
                share_permille: Some(125),
            },
        ));
        assert!(inc.customer_impact);
        assert_eq!(inc.share_permille, Some(125));
    }

    #[test]
    fn impact_start_detection_and_declaration_are_separate_and_correctable() {
        let mut inc = Incident::new(IncidentId("i".into()));
        let mut d = declared(Severity::Sev2);
        if let EventBody::Declared { detected_at, .. } = &mut d {
            *detected_at = Some(150);
        }
        inc.apply(&ev("a", 200, d));
        assert_eq!(
            (inc.started_at, inc.detected_at, inc.declared_at),
            (100, Some(150), 200)
        );
        assert_eq!(inc.time_to_detect_ms(), Some(50));
        inc.apply(&ev(
            "b",
            900,
            EventBody::TimesSet {
                started_at: Some(40),
                detected_at: None,
                declared_at: None,
            },
        ));
        assert_eq!(
            (inc.started_at, inc.detected_at, inc.declared_at),
            (40, Some(150), 200)
        );
        assert_eq!(inc.time_to_detect_ms(), Some(110));
        assert!(matches!(
            inc.timeline[1].what,
            EntryWhat::Times {
                started_at: Some(40),
                ..
            }
        ));
    }

    #[test]
    fn marking_an_entry_key_flags_it_without_adding_an_entry() {
        let mut inc = room();
        inc.apply(&ev("n", 300, EventBody::note("DB primary lost")));
        inc.apply(&ev(
            "m",
            310,
            EventBody::EntryMarked {
                entry: EventId("n".into()),
                key: true,
            },
        ));
        assert_eq!(inc.timeline.len(), 2);
        assert!(inc.timeline[1].key);
        inc.apply(&ev(
            "m2",
            320,
            EventBody::EntryMarked {
                entry: EventId("n".into()),
                key: false,
            },
        ));
        assert!(!inc.timeline[1].key);
    }

    #[test]
    fn notes_carry_their_kind_for_the_timeline_filter() {
        let mut inc = room();
        inc.apply(&ev(
            "n",
            300,
            EventBody::NoteAdded {
                text: "Fail over to eu-west".into(),
                entry: NoteKind::Decision,
            },
        ));
        assert_eq!(inc.timeline[1].what.kind(), EntryKind::Decision);
    }

    fn planned(starts_at: i64, ends_at: i64) -> EventBody {
        EventBody::MaintenancePlanned {
            title: "Database upgrade".into(),
            starts_at,
            ends_at,
            components: vec![ComponentId("db".into())],
            customer_notice: "Checkout may be slow for ten minutes".into(),
        }
    }

    #[test]
    fn a_maintenance_goes_from_scheduled_to_in_progress_to_completed() {
        let mut m = Incident::new(IncidentId("i".into()));
        m.apply(&ev("p", 10, planned(1_000, 2_000)));
        assert!(m.declared && m.is_maintenance());
        assert_eq!(m.maintenance_state(500), Some(MaintenanceState::Scheduled));
        assert!(m.status.is_open());
        m.apply(&ev("s", 1_000, EventBody::MaintenanceStarted {}));
        assert_eq!(
            m.maintenance_state(1_500),
            Some(MaintenanceState::InProgress)
        );
        assert_eq!(
            m.components.get(&ComponentId("db".into())),
            Some(&ComponentStatus::UnderMaintenance)
        );
        m.apply(&ev("c", 1_800, EventBody::MaintenanceCompleted {}));
        assert_eq!(
            m.maintenance_state(5_000),
            Some(MaintenanceState::Completed)
        );
        assert_eq!(m.status, Status::Resolved);
        assert_eq!(
            m.components.get(&ComponentId("db".into())),
            Some(&ComponentStatus::Operational)
        );
    }

    #[test]
    fn a_maintenance_past_its_end_overruns_until_an_update_moves_the_end() {
        let mut m = Incident::new(IncidentId("i".into()));
        m.apply(&ev("p", 10, planned(1_000, 2_000)));
        m.apply(&ev("s", 1_000, EventBody::MaintenanceStarted {}));
        assert_eq!(
            m.maintenance_state(1_999),
            Some(MaintenanceState::InProgress)
        );
        assert_eq!(
            m.maintenance_state(2_000),
            Some(MaintenanceState::Overrunning)
        );
        m.apply(&ev(
            "o",
            2_100,
            EventBody::MaintenanceOverrun {
                note: "Index rebuild slower than planned".into(),
                ends_at: 4_000,
            },
        ));
        assert_eq!(
            m.maintenance_state(2_100),
            Some(MaintenanceState::InProgress)
        );
        assert_eq!(
            m.maintenance_state(4_000),
            Some(MaintenanceState::Overrunning)
        );
        // A window never started is overrunning once its end has passed too.
        let mut missed = Incident::new(IncidentId("j".into()));
        missed.apply(&ev("p2", 10, planned(1_000, 2_000)));
        assert_eq!(
            missed.maintenance_state(3_000),
            Some(MaintenanceState::Overrunning)
        );
    }

    #[test]
    fn a_converted_maintenance_is_an_open_incident_that_keeps_its_entries() {
        let mut m = Incident::new(IncidentId("i".into()));
        m.apply(&ev("p", 10, planned(1_000, 2_000)));
        m.apply(&ev("s", 1_000, EventBody::MaintenanceStarted {}));
        m.apply(&ev("n", 1_100, EventBody::note("Replica lag rising")));
        m.apply(&ev(
            "x",
            1_200,
            EventBody::MaintenanceConverted {
                severity: Severity::Sev2,
            },
        ));
        assert!(!m.is_maintenance());
        assert_eq!(m.maintenance_state(1_300), None);
        assert_eq!(m.severity, Severity::Sev2);
        assert_eq!(m.status, Status::Investigating);
        assert_eq!(m.started_at, 1_200);
        let kinds: Vec<_> = m.timeline.iter().map(|e| e.event.0.to_string()).collect();
        assert_eq!(kinds, ["p", "s", "n", "x"]);
        assert!(matches!(
            m.timeline[0].what,
            EntryWhat::MaintenancePlanned { .. }
        ));
    }

    #[test]
    fn maintenance_steps_on_a_stream_never_planned_are_ignored() {
        let mut i = Incident::new(IncidentId("i".into()));
        i.apply(&ev("d", 10, declared(Severity::Sev3)));
        i.apply(&ev("s", 20, EventBody::MaintenanceStarted {}));
        i.apply(&ev(
            "x",
            30,
            EventBody::MaintenanceConverted {
                severity: Severity::Sev1,
            },
        ));
        assert_eq!(i.severity, Severity::Sev3);
        assert_eq!(i.timeline.len(), 1);
        assert!(!i.is_maintenance());
    }
}
