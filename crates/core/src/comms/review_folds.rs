//! The folds a backend keeps between writes to review a batch in time
//! proportional to the batch, not to the incident's history: the workspace
//! and the incidents it has reviewed, each kept current as events commit,
//! with the ids stored in each (a stored id in a batch is a retry and
//! passes). `refusal` answers exactly as `review::batch_refusal` over the
//! stored log would.
//!
//! A batch whose events on each reviewed incident are all approvals (the
//! common case: a reviewer approving a queue of drafts) is judged against
//! the kept fold as it is: an approval reads only its update's review and
//! last editor, and another approval in the same batch changes only its
//! own update. Any other mix folds the batch onto a copy of the incidents
//! it reviews, as `batch_refusal` does. (Event ids are unique across the
//! log, so the ids stored are kept per incident.)

use crate::comms::review::{is_review, review_refusal};
use crate::incident::Incident;
use crate::log::access::Role;
use crate::log::event::{Event, EventBody};
use crate::vocabulary::{EventId, IncidentId};
use crate::workspace::Workspace;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// One incident's fold, with what is needed to keep it current exactly.
struct Kept {
    /// None until its first event (as `batch_refusal` has it).
    incident: Option<Incident>,
    ids: HashSet<EventId>,
    /// The highest seq folded in: a later feed of an event already read
    /// with the stream is not folded twice.
    last_seq: u64,
    /// When it was last reviewed, to forget the longest unused first.
    used: u64,
}

pub struct ReviewFolds {
    workspace: Workspace,
    workspace_ids: HashSet<EventId>,
    incidents: HashMap<IncidentId, Kept>,
    /// At most this many incidents are kept.
    capacity: usize,
    clock: u64,
    /// Events folded into the kept incidents so far, from stored streams
    /// and commits alike: the history work, which a review never adds to.
    folded: u64,
}

impl ReviewFolds {
    /// Starts from the stored workspace stream (seq order).
    pub fn new(workspace: &[Event], capacity: usize) -> ReviewFolds {
        let mut folds = ReviewFolds {
            workspace: Workspace::default(),
            workspace_ids: HashSet::new(),
            incidents: HashMap::new(),
            capacity: capacity.max(1),
            clock: 0,
            folded: 0,
        };
        for ev in workspace {
            folds.apply(ev);
        }
        folds
    }

    /// Events folded into kept incidents so far (loads and commits): a
    /// `refusal` leaves it as it is, whatever the history behind the batch.
    pub fn events_folded(&self) -> u64 {
        self.folded
    }

    /// Whether `incident`'s fold is kept (else `load` it before `refusal`).
    pub fn has(&self, incident: &IncidentId) -> bool {
        self.incidents.contains_key(incident)
    }

    /// Keeps `incident`, folded from its stored stream (seq order). Events
    /// committed after that read arrive through `apply`; those the read
    /// already had are skipped by seq. The caller makes sure no `apply`
    /// runs between the read and this call.
    pub fn load(&mut self, incident: &IncidentId, stream: &[Event]) {
        let mut kept = Kept {
            incident: None,
            ids: HashSet::new(),
            last_seq: 0,
            used: 0,
        };
        for ev in stream {
            self.folded += kept.fold(ev) as u64;
        }
        self.incidents.insert(incident.clone(), kept);
        while self.incidents.len() > self.capacity {
            let oldest = self
                .incidents
                .iter()
                .filter(|(id, _)| *id != incident)
                .min_by_key(|(_, k)| k.used)
                .map(|(id, _)| id.clone());
            match oldest {
                Some(id) => self.incidents.remove(&id),
                None => break,
            };
        }
    }

    /// A newly committed event (seq order): folded into the workspace or
    /// into its incident, if kept.
    pub fn apply(&mut self, ev: &Event) {
        if ev.incident.is_workspace() {
            if self.workspace_ids.insert(ev.id.clone()) {
                self.workspace.apply(ev);
            }
        } else if let Some(kept) = self.incidents.get_mut(&ev.incident) {
            if ev.seq.unwrap_or(0) > kept.last_seq || ev.seq.is_none() {
                self.folded += kept.fold(ev) as u64;
            }
        }
    }

    /// The first approval or publish in `batch` the backend must refuse,
    /// with the reason: `review::batch_refusal` against the kept folds.
    /// Every incident the batch reviews must be kept (see `has`).
    pub fn refusal(&mut self, batch: &[Event], role: Option<Role>) -> Option<(usize, String)> {
        let reviewed = crate::comms::review::streams_to_review(batch);
        if reviewed.is_empty() {
            return None;
        }
        self.clock += 1;
        for id in &reviewed {
            if let Some(k) = self.incidents.get_mut(id) {
                k.used = self.clock;
            }
        }
        let approvals_only = batch.iter().all(|ev| {
            !reviewed.contains(&ev.incident) || matches!(ev.body, EventBody::UpdateApproved { .. })
        });
        let stored = |ev: &Event| {
            if ev.incident.is_workspace() {
                self.workspace_ids.contains(&ev.id)
            } else {
                self.incidents
                    .get(&ev.incident)
                    .is_some_and(|k| k.ids.contains(&ev.id))
            }
        };
        let mut workspace = Cow::Borrowed(&self.workspace);
        let mut copies: HashMap<&IncidentId, Option<Incident>> = HashMap::new();
        let mut approved: HashSet<(&IncidentId, &EventId)> = HashSet::new();
        let mut seen: HashSet<&EventId> = HashSet::new();
        for (i, ev) in batch.iter().enumerate() {
            if stored(ev) || !seen.insert(&ev.id) {
                continue;
            }
            let on_reviewed = reviewed.contains(&ev.incident);
            if is_review(&ev.body) && on_reviewed {
                let again = match &ev.body {
                    EventBody::UpdateApproved { update } => {
                        !approvals_only || !approved.contains(&(&ev.incident, update))
                    }
                    _ => true,
                };
                if again {
                    let incident = if approvals_only {
                        self.incidents
                            .get(&ev.incident)
                            .and_then(|k| k.incident.as_ref())
                    } else {
                        copies
                            .get(&ev.incident)
                            .map(Option::as_ref)
                            .unwrap_or_else(|| {
                                self.incidents
                                    .get(&ev.incident)
                                    .and_then(|k| k.incident.as_ref())
                            })
                    };
                    if let Some(why) = review_refusal(ev, incident, &workspace, role) {
                        return Some((i, why));
                    }
                }
            }
            if ev.incident.is_workspace() {
                workspace.to_mut().apply(ev);
            } else if !on_reviewed {
            } else if approvals_only {
                // Approving a draft makes it approved: a second approval of
                // the same update in this batch reviews an approved update.
                if let EventBody::UpdateApproved { update } = &ev.body {
                    approved.insert((&ev.incident, update));
                }
            } else {
                let copy = copies.entry(&ev.incident).or_insert_with(|| {
                    self.incidents
                        .get(&ev.incident)
                        .and_then(|k| k.incident.clone())
                });
                copy.get_or_insert_with(|| Incident::new(ev.incident.clone()))
                    .apply(ev);
            }
        }
        None
    }
}

impl Kept {
    /// Folds `ev` in unless it is there already; whether it was folded.
    fn fold(&mut self, ev: &Event) -> bool {
        if !self.ids.insert(ev.id.clone()) {
            return false;
        }
        self.incident
            .get_or_insert_with(|| Incident::new(ev.incident.clone()))
            .apply(ev);
        self.last_seq = self.last_seq.max(ev.seq.unwrap_or(0));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::policy::CommsPolicy;
    use crate::comms::review::batch_refusal;
    use crate::comms::{Channels, Phase};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn ev(id: &str, incident: &str, by: &str, body: EventBody) -> Event {
        Event::new(id, incident, by, 1_763_464_800_000, body)
    }

    fn text(t: &str) -> Channels {
        Channels {
            status_page: t.into(),
            ..Channels::default()
        }
    }

    fn draft(id: &str, incident: &str, by: &str) -> Event {
        ev(
            id,
            incident,
            by,
            EventBody::UpdateDrafted {
                phase: Phase::Investigating,
                channels: text("We are looking into it."),
                components: BTreeMap::new(),
                public_title: None,
            },
        )
    }

    fn edit(id: &str, incident: &str, by: &str, update: &str) -> Event {
        ev(
            id,
            incident,
            by,
            EventBody::UpdateEdited {
                update: update.into(),
                phase: Phase::Investigating,
                channels: text("Edited."),
                components: BTreeMap::new(),
                public_title: None,
            },
        )
    }

    fn publish(id: &str, incident: &str, by: &str, update: &str) -> Event {
        ev(
            id,
            incident,
            by,
            EventBody::UpdatePublished {
                update: update.into(),
                targets: vec!["own".into()],
                overrides: Vec::new(),
            },
        )
    }

    fn approve(id: &str, incident: &str, by: &str, update: &str) -> Event {
        ev(
            id,
            incident,
            by,
            EventBody::UpdateApproved {
                update: update.into(),
            },
        )
    }

    fn policy(by_other: bool) -> Event {
        ev(
            &format!("policy-{by_other}"),
            "workspace",
            "admin",
            EventBody::CommsPolicySet {
                policy: CommsPolicy {
                    approval_by_other: by_other,
                    ..CommsPolicy::default()
                },
            },
        )
    }

    fn stored(mut events: Vec<Event>) -> Vec<Event> {
        for (i, e) in events.iter_mut().enumerate() {
            e.seq = Some(i as u64 + 1);
        }
        events
    }

    fn folds_of(log: &[Event], incidents: &[&str]) -> ReviewFolds {
        let ws: Vec<Event> = log
            .iter()
            .filter(|e| e.incident.is_workspace())
            .cloned()
            .collect();
        let mut f = ReviewFolds::new(&ws, 16);
        for id in incidents {
            let id = IncidentId::from(*id);
            let stream: Vec<Event> = log.iter().filter(|e| e.incident == id).cloned().collect();
            f.load(&id, &stream);
        }
        f
    }

    #[test]
    fn a_queue_of_approvals_is_judged_on_the_kept_fold_as_the_whole_log_would_be() {
        let mut log = vec![policy(true)];
        for n in 0..50 {
            let by = if n == 3 { "bo" } else { "ana" };
            log.push(draft(&format!("u{n}"), "i1", by));
        }
        let log = stored(log);
        let mut batch: Vec<Event> = (0..50)
            .map(|n| approve(&format!("a{n}"), "i1", "bo", &format!("u{n}")))
            .collect();
        let mut folds = folds_of(&log, &["i1"]);
        let expected = batch_refusal(&log, &batch, Some(Role::Communicator));
        assert_eq!(expected.as_ref().map(|r| r.0), Some(3), "bo wrote u3");
        assert_eq!(folds.refusal(&batch, Some(Role::Communicator)), expected);
        // Without u3, and with u5 approved twice, everything passes.
        batch.remove(3);
        batch.push(approve("again", "i1", "bo", "u5"));
        assert_eq!(folds.refusal(&batch, Some(Role::Communicator)), None);
    }

    #[test]
    fn an_update_approved_earlier_in_the_batch_is_approved_for_the_next_approval() {
        let log = stored(vec![policy(true), draft("u1", "i1", "ana")]);
        let mut folds = folds_of(&log, &["i1"]);
        // Bo approves ana's draft; ana's own approval after it finds it
        // approved already, which the fold of the whole log lets through.
        let batch = vec![
            approve("a1", "i1", "bo", "u1"),
            approve("a2", "i1", "ana", "u1"),
        ];
        assert_eq!(batch_refusal(&log, &batch, Some(Role::Communicator)), None);
        assert_eq!(folds.refusal(&batch, Some(Role::Communicator)), None);
        // Alone, ana's approval of her own draft is refused.
        let alone = &batch[1..];
        assert!(batch_refusal(&log, alone, Some(Role::Communicator)).is_some());
        assert_eq!(
            folds.refusal(alone, Some(Role::Communicator)),
            batch_refusal(&log, alone, Some(Role::Communicator))
        );
    }

    #[test]
    fn events_committed_after_the_load_keep_the_fold_current_and_a_replayed_one_counts_once() {
        let log = stored(vec![policy(true), draft("u1", "i1", "ana")]);
        let mut folds = folds_of(&log, &["i1"]);
        // Committed later: bo edits u1's draft, so bo may no longer approve it.
        let mut later = edit("u1b", "i1", "bo", "u1");
        later.seq = Some(3);
        folds.apply(&later);
        folds.apply(&log[1]);
        let batch = vec![approve("a1", "i1", "bo", "u1")];
        let mut all = log.clone();
        all.push(later);
        let expected = batch_refusal(&all, &batch, Some(Role::Communicator));
        assert!(expected.is_some(), "bo is now the last editor");
        assert_eq!(folds.refusal(&batch, Some(Role::Communicator)), expected);
    }

    #[test]
    fn only_the_capacity_of_incidents_is_kept_and_the_least_used_goes_first() {
        let mut f = ReviewFolds::new(&[], 2);
        f.load(&"i1".into(), &[]);
        f.load(&"i2".into(), &[]);
        f.refusal(&[approve("a", "i1", "bo", "u")], None);
        f.load(&"i3".into(), &[]);
        assert!(f.has(&"i1".into()) && f.has(&"i3".into()));
        assert!(!f.has(&"i2".into()));
    }

    /// An event of a kind in `kinds` (0-1 draft, 2-3 approve, 4 publish,
    /// 5 edit) on i1, i2 or the workspace, by ana or bo.
    fn event_of(n: usize, kinds: std::ops::Range<u8>) -> impl Strategy<Value = Event> {
        let by = prop_oneof![Just("ana"), Just("bo")];
        let inc = prop_oneof![Just("i1"), Just("i2"), Just("workspace")];
        let update = 0..3usize;
        (kinds, by, inc, update).prop_map(move |(k, by, inc, u)| {
            // Ids are unique across the log, as the backend stores them:
            // an update is named by its draft's id, within its incident.
            let update = format!("{inc}-u{u}");
            let id = format!("e{n}-{k}-{by}-{update}");
            match (k, inc) {
                (_, "workspace") => policy(k % 2 == 0),
                (0 | 1, _) => draft(&update, inc, by),
                (2 | 3, _) => approve(&id, inc, by, &update),
                (4, _) => publish(&id, inc, by, &update),
                _ => edit(&id, inc, by, &update),
            }
        })
    }

    fn any_event(n: usize) -> impl Strategy<Value = Event> {
        event_of(n, 0..6)
    }

    /// A batch: any kinds, or (half the time) approvals only, the case
    /// judged on the kept fold without a copy.
    fn any_batch() -> impl Strategy<Value = Vec<Event>> {
        prop_oneof![
            proptest::collection::vec((1000..2000usize).prop_flat_map(any_event), 1..12),
            proptest::collection::vec(
                (1000..2000usize).prop_flat_map(|n| event_of(n, 2..4)),
                1..12
            ),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the log and the batch (retries, repeats, drafts,
        /// edits, approvals and publishes mixed, policy changes), the kept
        /// folds refuse exactly what `batch_refusal` over the log refuses.
        #[test]
        fn the_kept_folds_answer_as_the_whole_log_does(
            log in proptest::collection::vec((0..1000usize).prop_flat_map(any_event), 0..30),
            fresh in any_batch(),
            replay in proptest::collection::vec(0..30usize, 0..4),
            role in prop_oneof![Just(Role::Responder), Just(Role::Communicator)],
        ) {
            let log = stored(log);
            let mut batch = fresh;
            for r in replay {
                if let Some(e) = log.get(r) {
                    let mut e = e.clone();
                    e.seq = None;
                    batch.insert(r % (batch.len() + 1), e);
                }
            }
            let mut folds = folds_of(&log, &["i1", "i2"]);
            prop_assert_eq!(
                folds.refusal(&batch, Some(role)),
                batch_refusal(&log, &batch, Some(role))
            );
        }
    }
}
