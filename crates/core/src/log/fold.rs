//! The log folded once and kept current: each incident (and the workspace)
//! is folded again only when its own events changed, and events that only
//! follow the ones already folded are applied on top. Views read this
//! instead of folding the whole log on every change.

use crate::incident::Incident;
use crate::log::Log;
use crate::vocabulary::IncidentId;
use crate::workspace::Workspace;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// What a fold of one stream was taken from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Mark {
    revision: u64,
    reordered: u64,
    /// The last confirmed seq applied.
    last_seq: u64,
    /// How many pending events were applied at the tail.
    pending: usize,
}

/// The incidents and the workspace as of the last `refresh`.
#[derive(Clone, Debug, Default)]
pub struct Folded {
    generation: u64,
    incidents: BTreeMap<IncidentId, Arc<Incident>>,
    workspace: Arc<Workspace>,
    marks: HashMap<IncidentId, Mark>,
    /// How many times a stream was folded from its start.
    refolds: u64,
}

/// What a refresh changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Incidents folded again or newly seen, or gone from the log.
    pub incidents: Vec<IncidentId>,
    pub workspace: bool,
}

/// What a `refresh_within` did, and whether every stream is now current.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refreshed {
    pub changes: Changes,
    pub done: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.incidents.is_empty() && !self.workspace
    }
}

impl Folded {
    pub fn new(log: &Log) -> Self {
        let mut folded = Folded::default();
        folded.refresh(log);
        folded
    }

    /// Brings every stream up to date with `log`. Costs the events that
    /// are new to a stream when they only follow the ones folded, the
    /// stream's own events when they do not, and nothing for the others.
    pub fn refresh(&mut self, log: &Log) -> Changes {
        self.refresh_within(log, || true).changes
    }

    /// `refresh` in slices: after each stream it folds, it goes on only
    /// while `more()` says so, and the streams it did not reach are the
    /// next call's (their marks are unchanged). A host that must not block
    /// (a catch-up of thousands of events into a hundred incidents) folds
    /// a few milliseconds' worth per task and calls again until `done`.
    /// At least one stream is folded per call, so calls always progress.
    pub fn refresh_within(&mut self, log: &Log, mut more: impl FnMut() -> bool) -> Refreshed {
        let mut changes = Changes::default();
        if log.generation() != self.generation {
            // Every stream was rebuilt: start over.
            self.generation = log.generation();
            changes.incidents.extend(self.incidents.keys().cloned());
            changes.workspace = true;
            self.incidents.clear();
            self.marks.clear();
            self.workspace = Arc::new(Workspace::default());
        }
        let mut folded_one = false;
        for (id, stream) in log.streams() {
            // The alert inbox is folded by the page that shows it
            // (`alerts::book`), not with every view.
            if id.is_alerts() {
                continue;
            }
            let old = self.marks.get(id).copied();
            if old.is_some_and(|m| m.revision == stream.revision()) {
                continue;
            }
            if folded_one && !more() {
                return Refreshed {
                    changes,
                    done: false,
                };
            }
            folded_one = true;
            let mark = Mark {
                revision: stream.revision(),
                reordered: stream.reordered(),
                last_seq: stream.last_seq(),
                pending: stream.pending(),
            };
            // Appending is sound when nothing was folded out of order, and
            // the new events all follow the folded ones: confirmed events
            // after the last seq while no pending event sits at the folded
            // tail, then pending events after the ones folded (a note made
            // here is one event on top, not a refold of the incident).
            let append = old.filter(|m| {
                m.reordered == stream.reordered()
                    && (m.pending == 0 || m.last_seq == stream.last_seq())
            });
            let new_events = |m: Mark| {
                log.confirmed_after(id, m.last_seq)
                    .chain(log.pending_in(id).skip(m.pending))
            };
            if id.is_workspace() {
                let workspace = Arc::make_mut(&mut self.workspace);
                match append {
                    Some(m) => new_events(m).for_each(|ev| workspace.apply(ev)),
                    None => {
                        self.refolds += 1;
                        *workspace = log.fold_workspace();
                    }
                }
                changes.workspace = true;
            } else {
                match (append, self.incidents.get_mut(id)) {
                    (Some(m), Some(incident)) => {
                        let incident = Arc::make_mut(incident);
                        new_events(m).for_each(|ev| incident.apply(ev));
                    }
                    _ => {
                        self.refolds += 1;
                        match log.fold_incident(id) {
                            Some(incident) => {
                                self.incidents.insert(id.clone(), Arc::new(incident));
                            }
                            None => {
                                self.incidents.remove(id);
                            }
                        }
                    }
                }
                changes.incidents.push(id.clone());
            }
            self.marks.insert(id.clone(), mark);
        }
        // A stream with no events left (its only pending edit discarded).
        let gone: Vec<IncidentId> = self
            .incidents
            .keys()
            .filter(|id| {
                log.stream(id)
                    .is_none_or(|s| s.pending() == 0 && s.last_seq() == 0)
            })
            .cloned()
            .collect();
        for id in gone {
            self.incidents.remove(&id);
            self.marks.remove(&id);
            changes.incidents.push(id);
        }
        Refreshed {
            changes,
            done: true,
        }
    }

    pub fn incident(&self, id: &IncidentId) -> Option<&Arc<Incident>> {
        self.incidents.get(id)
    }

    /// Every incident folded, declared or not, by id.
    pub fn incidents(&self) -> impl Iterator<Item = &Arc<Incident>> {
        self.incidents.values()
    }

    pub fn workspace(&self) -> &Arc<Workspace> {
        &self.workspace
    }

    /// How many times a stream was folded from its start rather than
    /// brought up to date by applying its new events: what tests read to
    /// see that keeping current stayed cheap.
    pub fn refolds(&self) -> u64 {
        self.refolds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::event::{Event, EventBody};
    use crate::vocabulary::Severity;
    use proptest::prelude::*;

    fn declared(id: &str, incident: &str) -> Event {
        Event::new(
            id,
            incident,
            "ana",
            1,
            EventBody::Declared {
                title: format!("incident {incident}"),
                severity: Severity::Sev2,
                summary: String::new(),
                started_at: 0,
                detected_at: None,
            },
        )
    }

    fn note(id: &str, incident: &str) -> Event {
        Event::new(
            id,
            incident,
            "ana",
            2,
            EventBody::note(format!("note {id}")),
        )
    }

    fn same_as_a_full_fold(folded: &Folded, log: &Log) {
        let full = log.fold();
        let kept: BTreeMap<IncidentId, Incident> = folded
            .incidents()
            .map(|i| (i.id.clone(), (**i).clone()))
            .collect();
        assert_eq!(kept, full);
        assert_eq!(**folded.workspace(), log.fold_workspace());
    }

    #[test]
    fn an_edit_in_one_incident_leaves_the_others_untouched() {
        let mut log = Log::new();
        log.insert(declared("a1", "a").stored(1, 0));
        log.insert(declared("b1", "b").stored(2, 0));
        let mut folded = Folded::new(&log);
        let b_before = folded.incident(&"b".into()).cloned().expect("b");

        log.insert(note("a2", "a").stored(3, 0));
        let changes = folded.refresh(&log);
        assert_eq!(changes.incidents, vec![IncidentId::from("a")]);
        assert!(!changes.workspace);
        let b_after = folded.incident(&"b".into()).expect("b");
        assert!(Arc::ptr_eq(&b_before, b_after), "b was not folded again");
        same_as_a_full_fold(&folded, &log);
        assert!(folded.refresh(&log).is_empty(), "nothing new, nothing done");
    }

    #[test]
    fn a_refresh_in_slices_folds_at_least_one_stream_per_call_and_ends_where_a_whole_one_does() {
        let mut log = Log::new();
        for (n, incident) in ["a", "b", "c"].into_iter().enumerate() {
            log.insert(declared(&format!("{incident}1"), incident).stored(n as u64 + 1, 0));
        }
        let mut folded = Folded::default();
        let mut calls = 0;
        loop {
            calls += 1;
            let slice = folded.refresh_within(&log, || false);
            assert!(
                !slice.changes.is_empty() || slice.done,
                "every call progresses"
            );
            if slice.done {
                break;
            }
            assert_eq!(
                slice.changes.incidents.len(),
                1,
                "one stream when out of time"
            );
        }
        assert_eq!(calls, 3, "a, b and c one per call, the last one done");
        same_as_a_full_fold(&folded, &log);
        assert!(folded.refresh_within(&log, || false).done);
    }

    #[test]
    fn a_late_seq_and_a_confirmed_pending_edit_refold_their_incident_correctly() {
        let mut log = Log::new();
        log.insert(declared("a1", "a").stored(1, 0));
        log.insert(note("a3", "a").stored(3, 0));
        log.insert(note("mine", "a"));
        let mut folded = Folded::new(&log);
        // Seq 2 arrives after 3; the pending note is confirmed at 4.
        log.insert(note("a2", "a").stored(2, 0));
        folded.refresh(&log);
        same_as_a_full_fold(&folded, &log);
        log.confirm(&"mine".into(), 4, Some(0));
        folded.refresh(&log);
        same_as_a_full_fold(&folded, &log);
    }

    #[test]
    fn an_edit_made_here_is_applied_on_top_of_its_incident_not_refolded() {
        let mut log = Log::new();
        log.insert(declared("a1", "a").stored(1, 0));
        for n in 2..100 {
            log.insert(note(&format!("a{n}"), "a").stored(n, 0));
        }
        let mut folded = Folded::new(&log);
        let before = folded.refolds();

        // Two notes made here, one after the other, while offline.
        log.insert(note("mine1", "a"));
        assert_eq!(folded.refresh(&log).incidents, vec![IncidentId::from("a")]);
        same_as_a_full_fold(&folded, &log);
        log.insert(note("mine2", "a"));
        folded.refresh(&log);
        same_as_a_full_fold(&folded, &log);
        assert_eq!(folded.refolds(), before, "each note was applied on top");

        // A confirmed event of others now sorts before the pending notes:
        // only a refold puts it there.
        log.insert(note("theirs", "a").stored(100, 0));
        folded.refresh(&log);
        same_as_a_full_fold(&folded, &log);
        assert_eq!(folded.refolds(), before + 1);
    }

    #[derive(Clone, Debug)]
    enum Step {
        Confirmed { incident: usize, seq: u64 },
        Pending { incident: usize },
        ConfirmOldestPending { seq: u64 },
        DiscardNewestPending,
        Requeue,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0..4usize, 1..60u64).prop_map(|(incident, seq)| Step::Confirmed { incident, seq }),
            2 => (0..4usize).prop_map(|incident| Step::Pending { incident }),
            2 => (1..60u64).prop_map(|seq| Step::ConfirmOldestPending { seq }),
            1 => Just(Step::DiscardNewestPending),
            1 => Just(Step::Requeue),
        ]
    }

    fn incident_name(n: usize) -> IncidentId {
        // Stream 3 is the workspace, so its fold is kept current too.
        match n {
            3 => IncidentId::workspace(),
            n => IncidentId::from(format!("i{n}").as_str()),
        }
    }

    proptest! {
        /// Whatever order events arrive in, refreshing after each change
        /// gives what folding the whole log gives.
        #[test]
        fn refreshing_after_every_change_equals_a_full_fold(steps in prop::collection::vec(step(), 1..60)) {
            let mut log = Log::new();
            let mut folded = Folded::new(&log);
            let mut sliced = Folded::new(&log);
            for (n, step) in steps.into_iter().enumerate() {
                let id = format!("e{n}");
                match step {
                    Step::Confirmed { incident, seq } => {
                        let inc = incident_name(incident);
                        let ev = if n % 3 == 0 { declared(&id, &inc.0) } else { note(&id, &inc.0) };
                        log.insert(ev.stored(seq, 0));
                    }
                    Step::Pending { incident } => {
                        log.insert(note(&id, &incident_name(incident).0));
                    }
                    Step::ConfirmOldestPending { seq } => {
                        if let Some(p) = log.pending().front().map(|e| e.id.clone()) {
                            log.confirm(&p, seq, Some(0));
                        }
                    }
                    Step::DiscardNewestPending => {
                        if let Some(p) = log.pending().back().map(|e| e.id.clone()) {
                            log.discard_pending(&p);
                        }
                    }
                    Step::Requeue => {
                        log.requeue_confirmed(|e| e.id.0.len() % 2 == 0);
                    }
                }
                folded.refresh(&log);
                same_as_a_full_fold(&folded, &log);
                // The same, one stream per call, on a copy folded in slices.
                while !sliced.refresh_within(&log, || false).done {}
                same_as_a_full_fold(&sliced, &log);
            }
        }
    }
}
