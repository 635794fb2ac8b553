//! The delivery queue of responder edits: sends the batch the sync engine
//! asks for, holding a Web Lock so that of all this browser's tabs only one
//! delivers at a time, and checking IndexedDB first so an event another tab
//! has delivered is never re-sent. The check and the acks it reads go
//! through IndexedDB alone, whose transactions every tab sees in order.

use crate::api::{self, ApiFailure};
use crate::browser::{new_id, now_ms};
use crate::idb::{Idb, StoredEvent};
use sitrep_core::log::protocol::{Ack, PostEvents};
use sitrep_core::log::sync::SendFailure;
use sitrep_core::EventId;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

const LOCK_NAME: &str = "sitrep-outbox";

/// What one delivery brought back.
pub struct Delivered {
    /// Every event of the batch the backend holds, in the order sent.
    pub acks: Vec<Ack>,
    /// The acks this delivery stored itself (beside the ones found stored).
    pub stored: Vec<EventId>,
    /// Storing them failed: the reason, for the header. The acks stand.
    pub storage_problem: Option<String>,
    /// When the POST went and came back (this device's clock), and the
    /// backend's time in between, for the clock estimate.
    pub timing: Option<Timing>,
}

#[derive(Clone, Copy)]
pub struct Timing {
    pub sent_at: i64,
    pub server_now: i64,
    pub answered_at: i64,
}

/// Delivers a batch (each event with its place in the order made) under
/// the lock: skips what another tab already delivered, posts the rest, and
/// stores the acks before the lock is released. `posted` is called once the
/// POST is on its way (or found needless): work the caller does then
/// overlaps the backend's, instead of delaying the request.
pub async fn deliver(
    idb: Option<Idb>,
    batch: Vec<StoredEvent>,
    posted: impl FnOnce() + 'static,
) -> Result<Delivered, ApiFailure> {
    with_lock(LOCK_NAME, deliver_locked(idb, batch, posted)).await
}

async fn deliver_locked(
    idb: Option<Idb>,
    batch: Vec<StoredEvent>,
    posted: impl FnOnce(),
) -> Result<Delivered, ApiFailure> {
    let mut acks = Vec::new();
    let mut todo = Vec::new();
    // Reading what other tabs stored costs a round trip per batch; it is
    // needed only when another tab stored the last acks (or nobody yet did).
    let stored = match idb.as_ref() {
        Some(idb) if idb.delivered_by().await.ok().flatten().as_deref() != Some(this_tab()) => {
            idb.acks_since_load().await.unwrap_or_default()
        }
        _ => HashMap::new(),
    };
    for record in batch {
        match stored.get(&record.event.id) {
            Some(ack) => acks.push(ack.clone()),
            None => todo.push(record),
        }
    }
    let mut done = Delivered {
        acks,
        stored: Vec::new(),
        storage_problem: None,
        timing: None,
    };
    if todo.is_empty() {
        posted();
        return Ok(done);
    }
    let sent_at = now_ms();
    let batch = PostEvents {
        events: todo.iter().map(|r| r.event.clone()).collect(),
    };
    // The first poll hands the request to the browser's fetch.
    let mut post = std::pin::pin!(api::post_events(&batch));
    let mut posted = Some(posted);
    let reply = std::future::poll_fn(|cx| {
        let answer = post.as_mut().poll(cx);
        if let Some(posted) = posted.take() {
            posted();
        }
        answer
    })
    .await?;
    let answered_at = now_ms();
    done.timing = reply.server_time.map(|server_now| Timing {
        sent_at,
        server_now,
        answered_at,
    });
    // The acks of events this batch sent (a backend's answer is not
    // trusted to name only those), stored as one record: the events
    // themselves stay as they are (see `idb::ACKS`).
    let sent: HashSet<&EventId> = todo.iter().map(|r| &r.event.id).collect();
    let delivered: Vec<Ack> = reply
        .acks
        .iter()
        .filter(|ack| ack.seq != 0 && sent.contains(&ack.id))
        .cloned()
        .collect();
    if let Some(idb) = &idb {
        match idb.write_acks(&delivered, this_tab()).await {
            Ok(()) => done.stored = delivered.into_iter().map(|a| a.id).collect(),
            Err(e) => done.storage_problem = Some(e),
        }
    }
    done.acks.extend(reply.acks);
    Ok(done)
}

/// What the engine makes of a POST that brought no acks.
pub fn send_failure(failure: ApiFailure) -> SendFailure {
    match failure {
        ApiFailure::Unreachable(_) => SendFailure::Unreachable,
        ApiFailure::Degraded(_) => SendFailure::Degraded,
        // The outbox keeps everything; delivery resumes after signing in.
        ApiFailure::SignedOut => SendFailure::Degraded,
        ApiFailure::Refused { error, id } => SendFailure::Refused { id, error },
    }
}

thread_local! {
    /// This tab's token, written beside the acks it stores.
    static THIS_TAB: &'static str = Box::leak(new_id().into_boxed_str());
}

fn this_tab() -> &'static str {
    THIS_TAB.with(|t| *t)
}

/// Runs `work` while holding the named Web Lock. Browsers without Web Locks
/// run it directly: one tab, or an old browser, has nothing to coordinate.
async fn with_lock<T: 'static>(name: &str, work: impl Future<Output = T> + 'static) -> T {
    let locks = web_sys::window()
        .map(|w| {
            js_sys::Reflect::get(&w.navigator(), &"locks".into()).unwrap_or(JsValue::UNDEFINED)
        })
        .filter(|l| !l.is_undefined());
    let request = locks
        .as_ref()
        .and_then(|l| js_sys::Reflect::get(l, &"request".into()).ok())
        .and_then(|r| r.dyn_into::<js_sys::Function>().ok());
    let (Some(locks), Some(request)) = (locks, request) else {
        return work.await;
    };
    let work = Rc::new(RefCell::new(Some(work)));
    let result = Rc::new(RefCell::new(None));
    let (pending, slot) = (work.clone(), result.clone());
    let callback = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        let work = pending.borrow_mut().take();
        future_to_promise(async move {
            if let Some(work) = work {
                *slot.borrow_mut() = Some(work.await);
            }
            Ok(JsValue::UNDEFINED)
        })
        .into()
    });
    let held = request
        .call2(&locks, &JsValue::from_str(name), &callback)
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    if let Some(held) = held {
        let _ = JsFuture::from(held).await;
    }
    let done = result.borrow_mut().take();
    match done {
        Some(value) => value,
        // The lock was refused and the callback never ran: do the work
        // unguarded rather than lose it (the backend is idempotent).
        None => {
            let work = work.borrow_mut().take();
            match work {
                Some(work) => work.await,
                None => unreachable!("work is taken only by the callback, which stored its result"),
            }
        }
    }
}
