//! Delivers pending events to the backend in the order they were made, and
//! marks each delivered only when the backend has acknowledged its id.

use crate::api::{self, ApiFailure};
use crate::browser::now_ms;
use crate::replica::Replica;
use crate::store::StoredEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::limits::MAX_BATCH;
use sitrep_core::Event;
use std::cell::Cell;
use std::time::Duration;

thread_local! {
    // One delivery at a time per tab, so a batch is never in flight twice.
    static FLUSHING: Cell<bool> = const { Cell::new(false) };
}

const RETRY_AFTER: Duration = Duration::from_secs(3);

/// Starts delivering what is pending, unless a delivery is under way.
pub fn flush(replica: Replica) {
    if FLUSHING.with(|f| f.replace(true)) {
        return;
    }
    spawn_local(async move {
        let retry = deliver(replica).await;
        FLUSHING.with(|f| f.set(false));
        if retry {
            set_timeout(move || flush(replica), RETRY_AFTER);
        }
    });
}

/// Sends batches until nothing deliverable is left. Returns true when the
/// backend could not be reached and delivery should be tried again later.
async fn deliver(replica: Replica) -> bool {
    // After a refusal without an event id, send one at a time to find it.
    let mut batch_size = MAX_BATCH;
    loop {
        let batch: Vec<Event> = replica.log.with_untracked(|log| {
            replica.refused.with_untracked(|refused| {
                log.pending()
                    .iter()
                    .filter(|e| !refused.contains_key(&e.id))
                    .take(batch_size)
                    .cloned()
                    .collect()
            })
        });
        if batch.is_empty() {
            return false;
        }
        match api::post_events(&batch).await {
            Ok(reply) => {
                let mut confirmed = Vec::new();
                replica.log.update(|log| {
                    for ack in &reply.acks {
                        if log.confirm(&ack.id, ack.seq, Some(ack.received_at)) {
                            if let Some(ev) = batch.iter().find(|e| e.id == ack.id) {
                                let mut ev = ev.clone();
                                ev.seq = Some(ack.seq);
                                ev.received_at = Some(ack.received_at);
                                confirmed.push(StoredEvent {
                                    event: ev,
                                    made: 0.0,
                                    error: None,
                                });
                            }
                        }
                    }
                });
                replica.last_synced.set(Some(now_ms()));
                replica.persist(confirmed).await;
            }
            Err(ApiFailure::Refused { error, id }) => {
                let culprit = match id {
                    Some(id) => batch.iter().find(|e| e.id == id).cloned(),
                    None if batch.len() == 1 => batch.first().cloned(),
                    None => None,
                };
                match culprit {
                    Some(ev) => refuse(replica, ev, error).await,
                    None => batch_size = 1,
                }
            }
            Err(ApiFailure::Unreachable(_) | ApiFailure::Degraded(_)) => return true,
        }
    }
}

/// Keeps a refused event, with the backend's reason, where the responder sees it.
async fn refuse(replica: Replica, event: Event, error: String) {
    replica.refused.update(|r| {
        r.insert(event.id.clone(), error.clone());
    });
    let made = replica.made_order(&event.id);
    replica
        .persist(vec![StoredEvent {
            event,
            made,
            error: Some(error),
        }])
        .await;
}
