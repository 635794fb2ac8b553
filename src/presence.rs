//! Who else has an incident open: this console tells the backend which
//! incident it shows (over the live feed's websocket) and keeps the lists
//! the backend sends back.

use leptos::prelude::*;
use sitrep_core::log::protocol::ClientMessage;
use sitrep_core::IncidentId;
use std::cell::RefCell;
use std::collections::HashMap;
use web_sys::WebSocket;

#[derive(Clone, Copy)]
pub struct Presence {
    /// Names per incident, as the backend last said.
    here: RwSignal<HashMap<IncidentId, Vec<String>>>,
    viewing: StoredValue<Option<IncidentId>>,
    name: StoredValue<String>,
}

thread_local! {
    /// The open live-feed socket, if any: presence rides on it.
    static SOCKET: RefCell<Option<WebSocket>> = const { RefCell::new(None) };
}

pub fn provide_presence_context() -> Presence {
    let p = Presence {
        here: RwSignal::new(HashMap::new()),
        viewing: StoredValue::new(None),
        name: StoredValue::new(String::new()),
    };
    provide_context(p);
    p
}

pub fn use_presence() -> Presence {
    expect_context::<Presence>()
}

impl Presence {
    /// The live feed opened `ws`: say where we are.
    pub fn connected(self, ws: WebSocket) {
        SOCKET.with(|s| *s.borrow_mut() = Some(ws));
        self.announce();
    }

    /// The live feed closed: lists will be resent on the next connection.
    pub fn disconnected(self, ws: &WebSocket) {
        let ours = SOCKET.with(|s| {
            let mut s = s.borrow_mut();
            let ours = s.as_ref() == Some(ws);
            if ours {
                *s = None;
            }
            ours
        });
        if !ours {
            return;
        }
        self.here.set(HashMap::new());
    }

    pub fn received(self, incident: IncidentId, people: Vec<String>) {
        self.here.update(|h| {
            if people.is_empty() {
                h.remove(&incident);
            } else {
                h.insert(incident, people);
            }
        });
    }

    /// This tab now shows `incident` (or no incident) as `name`.
    pub fn set_viewing(self, incident: Option<IncidentId>, name: String) {
        self.viewing.set_value(incident);
        self.name.set_value(name);
        self.announce();
    }

    /// Everyone with some incident open that this console has heard of:
    /// who is online, for the people pickers.
    pub fn everyone(self) -> Vec<String> {
        self.here.with(|h| {
            let mut all: Vec<String> = h.values().flatten().cloned().collect();
            all.sort();
            all.dedup();
            all
        })
    }

    /// Everyone with `incident` open, this tab's responder included.
    pub fn people(self, incident: &IncidentId) -> Vec<String> {
        self.here
            .with(|h| h.get(incident).cloned().unwrap_or_default())
    }

    fn announce(self) {
        let msg = ClientMessage::Presence {
            incident: self.viewing.get_value(),
            name: self.name.get_value(),
        };
        let Ok(text) = serde_json::to_string(&msg) else {
            return;
        };
        SOCKET.with(|s| {
            if let Some(ws) = s.borrow().as_ref() {
                if ws.ready_state() == WebSocket::OPEN {
                    let _ = ws.send_with_str(&text);
                }
            }
        });
    }
}
