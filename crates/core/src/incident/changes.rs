//! Mitigation changes, applied one at a time: what, who, and later the outcome.

use super::*;

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

impl Incident {
    /// A change started, and later its outcome (also shown on its own entry).
    pub(super) fn fold_changes(&mut self, ev: &Event, at: i64) -> Option<EntryWhat> {
        match &ev.body {
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
            _ => None,
        }
    }

    /// Changes still waiting for their outcome, oldest first.
    pub fn changes_in_flight(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.outcome.is_none())
    }
}
