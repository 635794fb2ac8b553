//! The folds the review checks read (core's `ReviewFolds`: the workspace
//! and the incidents recently reviewed), kept current by every commit, so a
//! POST's approvals and publishes are judged in time proportional to the
//! batch rather than re-read and re-folded from the log each time.

use crate::storage::{DbError, EventStore};
use sitrep_core::comms::review::streams_to_review;
use sitrep_core::comms::review_folds::ReviewFolds;
use sitrep_core::log::access::Role;
use sitrep_core::{Event, IncidentId};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Incidents kept folded at once; one reviewed after them is read again.
const KEPT_INCIDENTS: usize = 16;

/// None until the first review reads the workspace from the log (and
/// again after a panic mid-fold, so nothing is judged on a half-applied one).
#[derive(Clone, Default)]
pub struct Reviews {
    folds: Arc<Mutex<Option<ReviewFolds>>>,
    /// Streams read from the log to start a fold.
    streams_read: Arc<AtomicU64>,
}

/// What the review folds have cost so far: streams read from the log and
/// events folded. A review adds to neither once its incident is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Work {
    pub streams_read: u64,
    pub events_folded: u64,
}

impl Reviews {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ReviewFolds>> {
        match self.folds.lock() {
            Ok(f) => f,
            Err(poisoned) => {
                let mut f = poisoned.into_inner();
                *f = None;
                self.folds.clear_poison();
                f
            }
        }
    }

    pub fn work(&self) -> Work {
        Work {
            streams_read: self.streams_read.load(Ordering::Relaxed),
            events_folded: self.lock().as_ref().map_or(0, |f| f.events_folded()),
        }
    }

    /// Newly stored events, in seq order (called under the log's write lock).
    pub fn committed(&self, stored: &[Event]) {
        if let Some(folds) = self.lock().as_mut() {
            for ev in stored {
                folds.apply(ev);
            }
        }
    }

    /// The first approval or publish of `batch` to refuse, with why.
    /// Blocking: what is not kept yet (the workspace at first, an incident
    /// not reviewed lately) is read from the log first, with the folds
    /// locked so no commit slips between that read and the fold.
    pub fn refusal(
        &self,
        log: &dyn EventStore,
        batch: &[Event],
        role: Role,
    ) -> Result<Option<(usize, String)>, DbError> {
        let streams = streams_to_review(batch);
        if streams.is_empty() {
            return Ok(None);
        }
        let mut guard = self.lock();
        let folds = match guard.as_mut() {
            Some(f) => f,
            None => {
                let workspace = log.stream_events(&IncidentId::workspace())?;
                self.streams_read.fetch_add(1, Ordering::Relaxed);
                guard.insert(ReviewFolds::new(&workspace, KEPT_INCIDENTS))
            }
        };
        for id in &streams {
            if !folds.has(id) {
                let stream = log.stream_events(id)?;
                self.streams_read.fetch_add(1, Ordering::Relaxed);
                folds.load(id, &stream);
            }
        }
        Ok(folds.refusal(batch, Some(role)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use std::sync::Arc;

    fn ev(id: &str, incident: &str, by: &str, body: Value) -> Event {
        serde_json::from_value(json!({
            "id": id, "incident": incident, "author": by, "at": 1_763_464_800_000i64, "body": body
        }))
        .expect("an event")
    }

    fn approvals(by: &str, updates: std::ops::Range<usize>, tag: &str) -> Vec<Event> {
        updates
            .map(|n| {
                let body = json!({"kind": "update_approved", "update": format!("u{n}")});
                ev(&format!("{tag}-{n}"), "inc-long", by, body)
            })
            .collect()
    }

    /// The case that took 63.8 s when every approval refolded the incident:
    /// 500 approvals in one POST on a 4,601-event incident. The incident is
    /// read and folded once, at its first review; every later batch is
    /// judged on the kept fold, and its commit folds in only its own events.
    #[test]
    fn approvals_on_a_long_incident_cost_the_batch_not_the_history() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let log = crate::storage::sqlite::open(dir.path()).expect("a log").log;
        let reviews = Reviews::default();
        let fed = reviews.clone();
        log.set_feed(Arc::new(move |events| fed.committed(events)));
        let policy = json!({"kind": "comms_policy_set", "policy": {"approval_by_other": true}});
        log.append(vec![ev("policy", "workspace", "admin", policy)], |_| {})
            .expect("stored");
        let mut history: Vec<Event> = (0..4101)
            .map(|n| {
                let body = json!({"kind": "note_added", "text": format!("note {n}")});
                ev(&format!("n{n}"), "inc-long", "ana", body)
            })
            .collect();
        history.extend((0..1000).map(|n| {
            let body = json!({"kind": "update_drafted", "phase": "investigating",
                "channels": {"status_page": "We are looking into it."}});
            ev(&format!("u{n}"), "inc-long", "ana", body)
        }));
        for chunk in history.chunks(500) {
            log.append(chunk.to_vec(), |_| {}).expect("stored");
        }

        // The first review reads the workspace and the incident once.
        let first = approvals("bo", 0..500, "a");
        let judged = reviews.refusal(log.as_ref(), &first, Role::Communicator);
        assert_eq!(judged.expect("judged"), None);
        let loaded = reviews.work();
        assert_eq!(loaded.streams_read, 2);
        assert_eq!(loaded.events_folded, 5101);
        log.append(first, |_| {}).expect("stored");
        assert_eq!(
            reviews.work().events_folded,
            5101 + 500,
            "the commit folds its own events"
        );

        // The next 500 read nothing and fold nothing to be judged, and the
        // rule still holds: ana may not approve her own draft.
        let before = reviews.work();
        let mut second = approvals("bo", 500..1000, "b");
        let judged = reviews.refusal(log.as_ref(), &second, Role::Communicator);
        assert_eq!(judged.expect("judged"), None);
        second[250] = approvals("ana", 750..751, "own").remove(0);
        let refused = reviews
            .refusal(log.as_ref(), &second, Role::Communicator)
            .expect("judged");
        assert_eq!(refused.map(|(i, _)| i), Some(250));
        assert_eq!(reviews.work(), before);
    }
}
