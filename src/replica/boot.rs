//! The replica's engine as a chunk of its own (`#[lazy]`, split by
//! scripts/split-wasm.mjs, precached like every chunk): reading the local
//! copy, decoding and folding the log, the engine's loop, the stream, the
//! outbox and the tabs channel. The first screen's wasm calls into it only
//! through `boot` and the two hooks it installs (`driver`, `store`), so
//! none of that code is in the first load.

use super::Replica;
use crate::idb::{Durability, StoredEvent, DB_NAME};
use crate::tabs;
use leptos::prelude::*;
use std::rc::Rc;

#[lazy]
pub(super) async fn boot(replica: Replica) {
    crate::browser::mark("sitrep:boot-loaded");
    replica.load(DB_NAME).await;
    replica
        .driver
        .set_value(Some(Rc::new(move || replica.drive())));
    replica
        .store
        .set_value(Some(Rc::new(move |record: StoredEvent| {
            Box::pin(async move {
                // On screen at once, as pending; sent only once stored (the
                // engine is not driven while an edit is being written: see
                // `drive`).
                replica.storing.update_value(|n| *n += 1);
                replica.adopt_made(record.clone());
                replica.notify();
                replica
                    .write(vec![record.clone()], None, None, Durability::Strict)
                    .await;
                replica.storing.update_value(|n| *n = n.saturating_sub(1));
                tabs::announce(&record);
                replica.kick();
            })
        })));
    // Edits made while this was loading, in the order they were made.
    for resolve in replica
        .ready_waiters
        .try_update_value(std::mem::take)
        .unwrap_or_default()
    {
        let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
    }
    tabs::listen(move |record| replica.adopt_made(record));
    super::wire::network_events(replica);
    replica.kick();
}

/// See `Replica::resend_held`: a chunk of its own, not the boot's, so that
/// the boot does not wait for it and the first load does not carry it.
#[lazy]
pub(super) async fn resend_held(replica: Replica) {
    let made = replica.made.get_value();
    replica.input(move |engine, now| {
        engine.resend_held(|ev| made.contains_key(&ev.id), now);
    });
}
