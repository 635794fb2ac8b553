//! The timeline: one entry per event that tells the story, and its filter groups.

use super::*;

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
    /// An update's social post was posted by hand, here.
    SocialPosted {
        update: EventId,
        url: String,
    },
    MaintenancePlanned {
        title: String,
        starts_at: i64,
        ends_at: i64,
        /// Why it goes ahead during a change freeze, when it does.
        freeze_reason: Option<String>,
    },
    MaintenanceStarted {
        freeze_reason: Option<String>,
    },
    MaintenanceCompleted,
    MaintenanceOverrun {
        note: Arc<str>,
        ends_at: i64,
    },
    MaintenanceConverted {
        severity: Severity,
    },
    /// An alert group taken from the inbox.
    AlertsLinked {
        title: String,
        source: crate::alerts::model::AlertSource,
        alerts: u32,
        started_at: i64,
    },
    /// Alerts of a linked group fired or resolved.
    Alerts {
        firing: Vec<crate::alerts::model::AlertBrief>,
        resolved: Vec<crate::alerts::model::AlertBrief>,
        omitted: u64,
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
    Alerts,
    Other,
}

impl EntryKind {
    pub const ALL: [EntryKind; 12] = [
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
        EntryKind::Alerts,
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
            EntryKind::Alerts => "Alerts",
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
            | EntryWhat::MaintenanceStarted { .. }
            | EntryWhat::MaintenanceCompleted
            | EntryWhat::MaintenanceOverrun { .. }
            | EntryWhat::MaintenanceConverted { .. } => EntryKind::Status,
            EntryWhat::Severity { .. } => EntryKind::Severity,
            EntryWhat::Role { .. } => EntryKind::Role,
            EntryWhat::TaskAdded { .. } | EntryWhat::TaskDone { .. } => EntryKind::Task,
            EntryWhat::Component { .. } => EntryKind::Component,
            EntryWhat::Update { .. } | EntryWhat::SocialPosted { .. } => EntryKind::Comms,
            EntryWhat::AlertsLinked { .. } | EntryWhat::Alerts { .. } => EntryKind::Alerts,
            EntryWhat::Declared { .. } | EntryWhat::Impact { .. } | EntryWhat::Times { .. } => {
                EntryKind::Other
            }
        }
    }
}

impl Incident {
    /// Marking an entry key for the post-mortem changes no other entry.
    pub(super) fn fold_entries(&mut self, ev: &Event) -> Option<EntryWhat> {
        match &ev.body {
            EventBody::EntryMarked { entry, key } => {
                if let Some(&i) = self.index.get(entry) {
                    self.timeline[i].key = *key;
                }
                None
            }
            _ => None,
        }
    }
}
