//! The state of one incident, folded from its events. Every rule for how an
//! event changes an incident lives in `Incident::apply`.

use crate::event::{Event, EventBody, EventId, IncidentId, Severity, Status};
use std::cmp::Ordering;
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
    /// When someone declared the incident (the declared event's client time).
    pub declared_at: i64,
    pub declared_by: Arc<str>,
    pub resolved_at: Option<i64>,
    /// The client time of the last event folded in.
    pub updated_at: i64,
    pub timeline: Vec<Entry>,
}

/// One line of the timeline: who, when, what, and whether the server has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub event: EventId,
    pub at: i64,
    pub author: Arc<str>,
    pub seq: Option<u64>,
    pub what: EntryWhat,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryWhat {
    Declared { title: String, severity: Severity },
    Status { from: Status, to: Status },
    Severity { from: Severity, to: Severity },
    Note { text: Arc<str> },
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
            declared_at: 0,
            declared_by: Arc::from(""),
            resolved_at: None,
            updated_at: 0,
            timeline: Vec::new(),
        }
    }

    /// Folds one event in. Callers feed events in log order; a field set
    /// twice keeps the later value, notes are only ever appended. Times are
    /// each event's best time, so a fast laptop clock skews no duration.
    pub fn apply(&mut self, ev: &Event) {
        let what = match &ev.body {
            EventBody::Declared {
                title,
                severity,
                summary,
                started_at,
            } => {
                self.declared = true;
                self.title = title.clone();
                self.severity = *severity;
                self.summary = summary.clone();
                self.started_at = *started_at;
                self.declared_at = ev.best_time();
                self.declared_by = ev.author.clone();
                EntryWhat::Declared {
                    title: title.clone(),
                    severity: *severity,
                }
            }
            EventBody::StatusChanged { status } => {
                let from = self.status;
                self.status = *status;
                self.resolved_at = (*status == Status::Resolved).then_some(ev.best_time());
                EntryWhat::Status { from, to: *status }
            }
            EventBody::SeverityChanged { severity } => {
                let from = self.severity;
                self.severity = *severity;
                EntryWhat::Severity {
                    from,
                    to: *severity,
                }
            }
            EventBody::NoteAdded { text } => EntryWhat::Note { text: text.clone() },
        };
        self.updated_at = self.updated_at.max(ev.best_time());
        self.timeline.push(Entry {
            event: ev.id.clone(),
            at: ev.best_time(),
            author: ev.author.clone(),
            seq: ev.seq,
            what,
        });
    }

    /// Time from impact to resolution, once resolved.
    pub fn time_to_resolve_ms(&self) -> Option<i64> {
        self.resolved_at.map(|r| r - self.started_at)
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
        inc.apply(&ev("b", 300, EventBody::NoteAdded { text: "one".into() }));
        inc.apply(&ev("c", 300, EventBody::NoteAdded { text: "two".into() }));
        let notes: Vec<_> = inc
            .timeline
            .iter()
            .filter_map(|e| match &e.what {
                EntryWhat::Note { text } => Some(text.as_ref()),
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
}
