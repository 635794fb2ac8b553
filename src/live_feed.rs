//! The live feed: a websocket to `/api/v1/stream` opened when the sync
//! engine asks, whose opening, messages and closing go to the listener the
//! replica gives. Retries, backoff and the cursor are the engine's
//! business; which message goes where is the replica's.

use crate::browser::websocket_origin;
use sitrep_core::log::protocol::{StreamMessage, StreamParams};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

thread_local! {
    /// The socket last opened: the engine asks for a new one only when it
    /// is done with this one (closed, or replaced to re-read the log after
    /// a re-send), so it is closed rather than left running unheard.
    static CURRENT: RefCell<Option<WebSocket>> = const { RefCell::new(None) };
}

/// Told that the socket closed, and whether it had opened.
pub type OnClose = Box<dyn Fn(&WebSocket, bool)>;

/// Who hears what one connection does.
pub struct Listener {
    pub opened: Box<dyn Fn(&WebSocket)>,
    pub message: Box<dyn Fn(StreamMessage)>,
    /// The socket closed; `was_open` is false when it never opened (the
    /// upgrade was refused, perhaps because the session ended).
    pub closed: OnClose,
}

/// Opens the feed after `after`. An error means no socket could even be
/// made; the listener then hears nothing.
pub fn open(after: u64, listener: Listener) -> Result<(), JsValue> {
    if let Some(old) = CURRENT.with(|c| c.borrow_mut().take()) {
        if old.ready_state() <= WebSocket::OPEN {
            let _ = old.close();
        }
    }
    let origin = websocket_origin().ok_or(JsValue::NULL)?;
    // batch=1: the backend may send several events in one `events`
    // message (the engine takes them one by one), so a busy incident costs
    // this tab far fewer messages to parse and hand over.
    let params = StreamParams {
        after,
        batch: Some("1".into()),
    };
    let url = crate::api::with_query(&format!("{origin}/api/v1/stream"), params.pairs());
    let ws = WebSocket::new(&url)?;
    let listener = Rc::new(listener);

    let was_open = Rc::new(Cell::new(false));
    let on_open = Closure::<dyn FnMut()>::new({
        let (listener, was_open, ws) = (listener.clone(), was_open.clone(), ws.clone());
        move || {
            was_open.set(true);
            (listener.opened)(&ws);
        }
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
        let listener = listener.clone();
        move |msg: MessageEvent| {
            let Some(text) = msg.data().as_string() else {
                return;
            };
            match serde_json::from_str::<StreamMessage>(&text) {
                Ok(message) => (listener.message)(message),
                // One bad message must not end the session: log it and go on.
                Err(e) => web_sys::console::warn_1(
                    &format!("sitrep: skipped a stream message: {e}").into(),
                ),
            }
        }
    });
    let closed = ws.clone();
    let on_close = Closure::<dyn FnMut()>::new(move || {
        // Detach, so this socket's closures can be collected with it.
        closed.set_onopen(None);
        closed.set_onmessage(None);
        closed.set_onclose(None);
        (listener.closed)(&closed, was_open.get());
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
    Ok(())
}
