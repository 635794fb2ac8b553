//! The folds the review checks read (core's `ReviewFolds`: the workspace
//! and the incidents recently reviewed), kept current by every commit, so a
//! POST's approvals and publishes are judged in time proportional to the
//! batch rather than re-read and re-folded from the log each time.

use crate::storage::{DbError, EventStore};
use sitrep_core::comms::review::streams_to_review;
use sitrep_core::comms::review_folds::ReviewFolds;
use sitrep_core::log::access::Role;
use sitrep_core::{Event, IncidentId};
use std::sync::{Arc, Mutex};

/// Incidents kept folded at once; one reviewed after them is read again.
const KEPT_INCIDENTS: usize = 16;

/// None until the first review reads the workspace from the log (and
/// again after a panic mid-fold, so nothing is judged on a half-applied one).
#[derive(Clone, Default)]
pub struct Reviews {
    folds: Arc<Mutex<Option<ReviewFolds>>>,
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
                guard.insert(ReviewFolds::new(&workspace, KEPT_INCIDENTS))
            }
        };
        for id in &streams {
            if !folds.has(id) {
                let stream = log.stream_events(id)?;
                folds.load(id, &stream);
            }
        }
        Ok(folds.refusal(batch, Some(role)))
    }
}
