//! Keeps this browser's tabs in step: an event made in one tab appears in
//! the others at once, even offline, through a BroadcastChannel. Every tab
//! stores it already (IndexedDB is shared), so the message only informs.

use crate::idb::StoredEvent;
use serde::{Deserialize, Serialize};
use sitrep_core::Event;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

const CHANNEL: &str = "sitrep";

#[derive(Serialize, Deserialize)]
struct Made {
    event: Event,
    made: f64,
}

thread_local! {
    static CHANNEL_HANDLE: RefCell<Option<BroadcastChannel>> = const { RefCell::new(None) };
}

/// Hands each event another tab made (and stored) to `made`.
pub fn listen(made: impl Fn(StoredEvent) + 'static) {
    let Ok(channel) = BroadcastChannel::new(CHANNEL) else {
        return;
    };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |msg: MessageEvent| {
        let Some(text) = msg.data().as_string() else {
            return;
        };
        match serde_json::from_str::<Made>(&text) {
            Ok(m) => made(StoredEvent {
                event: m.event,
                made: m.made,
                error: None,
            }),
            Err(e) => {
                web_sys::console::warn_1(&format!("sitrep: skipped a tab message: {e}").into())
            }
        }
    });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    CHANNEL_HANDLE.with(|c| *c.borrow_mut() = Some(channel));
}

/// Tells the other tabs about an event this tab made and stored.
pub fn announce(record: &StoredEvent) {
    let Ok(text) = serde_json::to_string(&Made {
        event: record.event.clone(),
        made: record.made,
    }) else {
        return;
    };
    CHANNEL_HANDLE.with(|c| {
        if let Some(channel) = c.borrow().as_ref() {
            let _ = channel.post_message(&JsValue::from_str(&text));
        }
    });
}
