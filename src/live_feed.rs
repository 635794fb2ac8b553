//! The live feed: a websocket to `/api/v1/stream` that catches up from the
//! highest seq this replica holds, then streams every new event. It
//! reconnects on its own, waiting longer after each failure.

use crate::browser::{now_ms, websocket_origin};
use crate::outbox;
use crate::replica::{Connection, Replica};
use leptos::prelude::*;
use sitrep_core::protocol::StreamMessage;
use std::cell::Cell;
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

const FIRST_RETRY_MS: u64 = 1_000;
const MAX_RETRY_MS: u64 = 30_000;

thread_local! {
    static RETRY_MS: Cell<u64> = const { Cell::new(FIRST_RETRY_MS) };
}

pub fn start(replica: Replica) {
    let Some(origin) = websocket_origin() else {
        return;
    };
    let after = replica.log.with_untracked(|l| l.last_seq());
    let url = format!("{origin}/api/v1/stream?after={after}");
    replica.connection.set(Connection::Connecting);
    let ws = match WebSocket::new(&url) {
        Ok(ws) => ws,
        Err(_) => return retry_later(replica),
    };

    let on_open = Closure::<dyn FnMut()>::new(move || {
        RETRY_MS.with(|r| r.set(FIRST_RETRY_MS));
        replica.connection.set(Connection::Online);
        // Whatever piled up while we were away goes out now.
        outbox::flush(replica);
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |msg: MessageEvent| {
        let Some(text) = msg.data().as_string() else {
            return;
        };
        match serde_json::from_str::<StreamMessage>(&text) {
            Ok(StreamMessage::Event { event }) => replica.receive(event),
            Ok(StreamMessage::CaughtUp { .. }) => replica.last_synced.set(Some(now_ms())),
            // One bad message must not end the session: log it and go on.
            Err(e) => {
                web_sys::console::warn_1(&format!("sitrep: skipped a stream message: {e}").into())
            }
        }
    });
    let on_close = Closure::<dyn FnMut()>::new(move || retry_later(replica));

    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // The socket owns its handlers for its whole life; a closed socket is
    // dropped by the browser, and one connection's closures are small.
    on_open.forget();
    on_message.forget();
    on_close.forget();
}

fn retry_later(replica: Replica) {
    replica.connection.set(Connection::Offline);
    let wait = RETRY_MS.with(|r| {
        let wait = r.get();
        r.set((wait * 2).min(MAX_RETRY_MS));
        wait
    });
    set_timeout(move || start(replica), Duration::from_millis(wait));
}
