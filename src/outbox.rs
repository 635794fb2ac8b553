//! The delivery queue of responder edits: sends the batch the sync engine
//! asks for, holding a Web Lock so that of all this browser's tabs only one
//! delivers at a time, and checking IndexedDB first so an event another tab
//! has delivered is never re-sent. The check and the acks it reads go
//! through IndexedDB alone, whose transactions every tab sees in order.

use crate::api::{self, ApiFailure};
use crate::browser::{new_id, now_ms};
use crate::idb::StoredEvent;
use crate::replica::Replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::protocol::Ack;
use sitrep_core::log::sync::{RequestId, SendFailure};
use sitrep_core::Event;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

const LOCK_NAME: &str = "sitrep-outbox";

pub fn send(replica: Replica, request: RequestId, events: Vec<Event>) {
    spawn_local(async move {
        let outcome = with_lock(LOCK_NAME, deliver(replica, events)).await;
        replica.input(move |engine, now| match outcome {
            Ok(acks) => engine.on_ack(request, &acks, now),
            Err(failure) => engine.on_send_failed(request, failure, now),
        });
    });
}

/// Runs under the lock: skips what IndexedDB says is already delivered,
/// posts the rest, and stores the acks before the lock is released.
async fn deliver(replica: Replica, events: Vec<Event>) -> Result<Vec<Ack>, SendFailure> {
    let idb = replica.idb();
    let mut acks = Vec::new();
    let mut todo = Vec::new();
    // Reading back every event costs a round trip per batch; it is needed
    // only when another tab stored the last acks (or nobody yet did).
    let stored = match idb.as_ref() {
        Some(idb) if idb.delivered_by().await.ok().flatten().as_deref() != Some(this_tab()) => idb
            .get_many(events.iter().map(|e| &e.id))
            .await
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    for (i, ev) in events.into_iter().enumerate() {
        match stored
            .get(i)
            .and_then(|s| s.as_ref())
            .and_then(|s| Some((s.event.seq?, s.event.received_at)))
        {
            Some((seq, received_at)) => acks.push(Ack {
                id: ev.id.clone(),
                seq,
                received_at: received_at.unwrap_or(0),
            }),
            None => todo.push(ev),
        }
    }
    if todo.is_empty() {
        return Ok(acks);
    }
    let sent_at = now_ms();
    match api::post_events(&todo).await {
        Ok(reply) => {
            let answered_at = now_ms();
            if let Some(server_now) = reply.server_time {
                replica
                    .clock
                    .update(|c| c.observe(sent_at, server_now, answered_at));
            }
            replica.last_synced.set(Some(answered_at));
            let delivered: Vec<StoredEvent> = reply
                .acks
                .iter()
                .filter_map(|ack| {
                    let mut event = todo.iter().find(|e| e.id == ack.id)?.clone();
                    event.seq = Some(ack.seq);
                    event.received_at = Some(ack.received_at);
                    // The order made stays: it marks the event as this browser's.
                    Some(StoredEvent {
                        made: replica.made_order(&event.id),
                        event,
                        error: None,
                    })
                })
                .collect();
            let ids: Vec<_> = delivered.iter().map(|r| r.event.id.clone()).collect();
            replica.write_delivered(delivered, this_tab()).await;
            replica.acks_stored(ids);
            acks.extend(reply.acks);
            Ok(acks)
        }
        Err(failure) => Err(match failure {
            ApiFailure::Unreachable(_) => SendFailure::Unreachable,
            ApiFailure::Degraded(_) => SendFailure::Degraded,
            // The outbox keeps everything; delivery resumes after signing in.
            ApiFailure::SignedOut => {
                replica.signed_out.set(true);
                SendFailure::Degraded
            }
            ApiFailure::Refused { error, id } => SendFailure::Refused { id, error },
        }),
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
