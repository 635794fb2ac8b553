//! The live feed: a websocket to `/api/v1/stream` opened when the sync
//! engine asks, whose opening, messages and closing go back to the engine.
//! Retries, backoff and the cursor are the engine's business; the upstream
//! list it also carries goes to the upstreams service.

use crate::browser::websocket_origin;
use crate::replica::Replica;
use sitrep_core::log::protocol::StreamMessage;
use sitrep_core::log::sync::StreamId;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

thread_local! {
    /// The socket last opened: the engine asks for a new one only when it
    /// is done with this one (closed, or replaced to re-read the log after
    /// a re-send), so it is closed rather than left running unheard.
    static CURRENT: std::cell::RefCell<Option<WebSocket>> = const { std::cell::RefCell::new(None) };
}

pub fn open(replica: Replica, stream: StreamId, after: u64) {
    if let Some(old) = CURRENT.with(|c| c.borrow_mut().take()) {
        if old.ready_state() <= WebSocket::OPEN {
            let _ = old.close();
        }
    }
    let socket = websocket_origin()
        .ok_or(JsValue::NULL)
        .and_then(|origin| WebSocket::new(&format!("{origin}/api/v1/stream?after={after}")));
    let ws = match socket {
        Ok(ws) => ws,
        Err(_) => return replica.input(move |e, now| e.disconnected(stream, now)),
    };

    let opened = std::rc::Rc::new(std::cell::Cell::new(false));
    let on_open = Closure::<dyn FnMut()>::new({
        let opened = opened.clone();
        let ws = ws.clone();
        move || {
            opened.set(true);
            replica.presence.connected(ws.clone());
            replica.input(move |e, _| e.connected(stream));
        }
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |msg: MessageEvent| {
        let Some(text) = msg.data().as_string() else {
            return;
        };
        match serde_json::from_str::<StreamMessage>(&text) {
            Ok(StreamMessage::Presence { incident, people }) => {
                replica.presence.received(incident, people)
            }
            // Not about the log: the upstreams service takes it.
            Ok(message @ StreamMessage::Upstreams { .. }) => replica.side_message(message),
            Ok(message) => replica.input(move |e, _| e.on_stream(stream, message)),
            // One bad message must not end the session: log it and go on.
            Err(e) => {
                web_sys::console::warn_1(&format!("sitrep: skipped a stream message: {e}").into())
            }
        }
    });
    let closed = ws.clone();
    let on_close = Closure::<dyn FnMut()>::new(move || {
        // Detach, so this socket's closures can be collected with it.
        closed.set_onopen(None);
        closed.set_onmessage(None);
        closed.set_onclose(None);
        replica.presence.disconnected(&closed);
        // A refused upgrade looks like any failed connect; ask whether the
        // session is still good so the header can say so.
        if !opened.get() {
            crate::session::recheck(replica);
        }
        replica.input(move |e, now| e.disconnected(stream, now));
    });

    CURRENT.with(|c| *c.borrow_mut() = Some(ws.clone()));
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // The socket holds its handlers for its whole life; a connection's
    // closures are a few bytes, and reconnects are spaced by the backoff.
    on_open.forget();
    on_message.forget();
    on_close.forget();
}
