//! The state of one incident, folded from its events. `Incident::apply` sends
//! each event to the area it belongs to (roles, changes, tasks, impact,
//! updates, post-mortem, maintenance, entries); each area module holds its
//! types and its rules.

mod alerts;
mod changes;
pub mod declaration;
mod entries;
pub mod entry_text;
mod impact;
mod maintenance;
pub mod number;
mod postmortem;
pub mod query;
pub mod resolution;
mod roles;
pub mod severity_policy;
mod tasks;
#[cfg(test)]
mod tests;
mod updates;

pub use changes::{Change, ChangeResult};
pub use entries::{Entry, EntryKind, EntryWhat};
pub use maintenance::{Maintenance, MaintenanceState};
pub use postmortem::{Offer, Written};
pub use roles::RoleHolder;
pub use tasks::Task;

use crate::comms::{CustomerUpdate, Delivery, Phase, Review};
use crate::log::event::{Event, EventBody};
use crate::vocabulary::{
    ComponentId, ComponentStatus, EventId, IncidentId, NoteKind, OfferKind, Outcome,
    PostmortemSection, RoleId, Severity, Status,
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
    /// The short number the backend gave the declaration (`INC-42`); absent
    /// until the first `declared` event is confirmed (see `number`).
    pub number: Option<u64>,
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
    /// What customers were offered, in the order recorded (withdrawn ones
    /// stay, marked).
    pub offers: Vec<Offer>,
    /// Present when the stream began as a scheduled maintenance; it stays
    /// after a conversion into an incident (see `is_maintenance`).
    pub maintenance: Option<Maintenance>,
    /// Alert groups taken from the inbox (`alerts_linked`), in the order linked.
    pub alert_groups: Vec<String>,
    /// Where each event's entry sits in `timeline`.
    index: HashMap<EventId, usize>,
}

impl Incident {
    pub fn new(id: IncidentId) -> Self {
        Incident {
            id,
            declared: false,
            number: None,
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
            offers: Vec::new(),
            maintenance: None,
            alert_groups: Vec::new(),
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
            EventBody::Declared { .. }
            | EventBody::StatusChanged { .. }
            | EventBody::SeverityChanged { .. }
            | EventBody::NoteAdded { .. }
            | EventBody::TimesSet { .. } => self.fold_course(ev, at),
            EventBody::EntryMarked { .. } => self.fold_entries(ev),
            EventBody::RoleAssigned { .. } | EventBody::RoleReleased { .. } => {
                self.fold_roles(ev, at)
            }
            EventBody::ChangeStarted { .. } | EventBody::ChangeOutcome { .. } => {
                self.fold_changes(ev, at)
            }
            EventBody::TaskAdded { .. }
            | EventBody::TaskUpdated { .. }
            | EventBody::TaskDone { .. }
            | EventBody::TaskRemediationSet { .. } => self.fold_tasks(ev, at),
            EventBody::ComponentStatusSet { .. }
            | EventBody::ComponentCleared { .. }
            | EventBody::ImpactSet { .. } => self.fold_impact(ev),
            EventBody::UpdateDrafted { .. }
            | EventBody::UpdateEdited { .. }
            | EventBody::UpdateApproved { .. }
            | EventBody::UpdatePublished { .. }
            | EventBody::UpdateDelivery { .. }
            | EventBody::SocialPosted { .. } => self.fold_updates(ev, at),
            EventBody::PostmortemSectionSet { .. }
            | EventBody::PostmortemImpactSet { .. }
            | EventBody::PostmortemOfferAdded { .. }
            | EventBody::PostmortemOfferWithdrawn { .. } => self.fold_postmortem(ev, at),
            EventBody::MaintenancePlanned { .. }
            | EventBody::MaintenanceStarted { .. }
            | EventBody::MaintenanceCompleted { .. }
            | EventBody::MaintenanceOverrun { .. }
            | EventBody::MaintenanceConverted { .. } => self.fold_maintenance(ev, at),
            EventBody::AlertsLinked { .. } | EventBody::AlertsChanged { .. } => {
                self.fold_alerts(ev)
            }
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

    /// Time from impact to detection, when detection was recorded.
    pub fn time_to_detect_ms(&self) -> Option<i64> {
        self.detected_at.map(|d| d - self.started_at)
    }

    /// Whether any text of this incident contains `needle` (already
    /// lowercased): its title, summary or a note; or `needle` is its
    /// number (`42`, `inc-42`).
    pub fn mentions(&self, needle: &str) -> bool {
        self.mentions_lowering(needle, str::to_lowercase)
    }

    /// `mentions`, lowercasing this incident's texts with `lower` (see
    /// `query::Lower`).
    pub fn mentions_lowering(&self, needle: &str, lower: query::Lower) -> bool {
        if needle.is_empty() {
            return true;
        }
        let has = |s: &str| lower(s).contains(needle);
        (self.number.is_some() && number::parse(needle) == self.number)
            || has(&self.title)
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

    pub fn pending_entries(&self) -> usize {
        self.timeline.iter().filter(|e| e.seq.is_none()).count()
    }
}

impl Incident {
    /// Declaration, status, severity, notes and corrected times: the course of the incident itself.
    pub(super) fn fold_course(&mut self, ev: &Event, at: i64) -> Option<EntryWhat> {
        match &ev.body {
            EventBody::Declared {
                title,
                severity,
                summary,
                started_at,
                detected_at,
            } => {
                self.declared = true;
                // Only the first stored declaration carries a number.
                if self.number.is_none() {
                    self.number = ev.number;
                }
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
            _ => None,
        }
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
