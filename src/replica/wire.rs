//! The replica as core's `Transport`: one pass of `sync::drive`, delivery
//! through the outbox, the live feed and where its messages go, and the
//! browser's online and offline events.

use super::Replica;
use crate::api::{self, ApiFailure, WhoAmI};
use crate::browser::now_ms;
use crate::idb::{Durability, StoredEvent};
use crate::{live_feed, outbox};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::protocol::StreamMessage;
use sitrep_core::log::sync::{self, RequestId, StreamId, SyncEngine, Transport};
use sitrep_core::{Event, EventId};
use std::collections::HashSet;
use std::time::Duration;

impl Replica {
    /// Performs every command the engine has due (core's `sync::drive`),
    /// then sleeps until its next retry falls due.
    pub(super) fn drive(self) {
        self.scheduled.set_value(false);
        // An edit on screen but not yet stored must not be sent: `record`
        // drives again once it is.
        if self.storing.get_value() > 0 {
            return;
        }
        let now = now_ms().max(0) as u64;
        let mut wire = Wire {
            replica: self,
            unopened: Vec::new(),
            cursor_moved: false,
            sent: false,
        };
        let wake = self
            .engine
            .try_update_value(|e| sync::drive(e, now, &mut wire))
            .flatten();
        // Answers that came at once are fed back only now: the engine is
        // not re-entered while it drives.
        for stream in wire.unopened {
            self.input(move |e, now| e.disconnected(stream, now));
        }
        if wire.cursor_moved && self.engine.with_value(SyncEngine::is_caught_up) {
            self.last_synced.set(Some(now_ms()));
        }
        if let Some(old) = self.wake.try_update_value(Option::take).flatten() {
            old.clear();
        }
        if let Some(at) = wake {
            let delay = Duration::from_millis(at.saturating_sub(now));
            if let Ok(handle) = set_timeout_with_handle(move || self.kick(), delay) {
                self.wake.set_value(Some(handle));
            }
        }
        // A batch just sent refreshes the views once its POST is out (see
        // `send`): refolding first would hold the request back.
        if !wire.sent {
            self.refresh_soon();
        }
    }

    /// Delivers a batch through the outbox and tells the engine how it went.
    pub(super) fn send(self, request: RequestId, events: Vec<Event>) {
        let batch: Vec<StoredEvent> = events
            .into_iter()
            .map(|event| StoredEvent {
                made: self.made_order(&event.id),
                event,
                error: None,
            })
            .collect();
        let idb = self.idb();
        self.in_flight.set_value((
            batch.iter().map(|r| r.event.id.clone()).collect(),
            Vec::new(),
        ));
        spawn_local(async move {
            let result = outbox::deliver(idb, batch, move || self.refresh_soon()).await;
            // Confirmations the feed brought meanwhile: stored by the
            // outbox with the acks (or found stored by another tab), or,
            // when the delivery failed or left one out, written here.
            let (_, held) = self
                .in_flight
                .try_update_value(std::mem::take)
                .unwrap_or_default();
            let stored_by_outbox: HashSet<&EventId> = match &result {
                Ok(done) => done.acks.iter().map(|a| &a.id).collect(),
                Err(_) => HashSet::new(),
            };
            let left: Vec<StoredEvent> = held
                .into_iter()
                .filter(|r| !stored_by_outbox.contains(&r.event.id))
                .collect();
            if !left.is_empty() {
                spawn_local(async move {
                    self.write(left, None, None, Durability::Relaxed).await;
                });
            }
            match result {
                Ok(done) => {
                    if let Some(t) = done.timing {
                        self.clock
                            .update(|c| c.observe(t.sent_at, t.server_now, t.answered_at));
                    }
                    if done.timing.is_some() || !done.stored.is_empty() {
                        self.last_synced.set(Some(now_ms()));
                    }
                    self.saved(done.storage_problem.map_or(Ok(()), Err));
                    self.acks_stored(done.stored);
                    self.engine
                        .update_value(|e| e.on_ack(request, &done.acks, now_ms().max(0) as u64));
                    // The next batch goes at once: waiting to coalesce
                    // inputs would add its delay to every batch of a backlog.
                    self.drive();
                }
                Err(failure) => {
                    if matches!(failure, ApiFailure::SignedOut) {
                        self.signed_out.set(true);
                    }
                    let failure = outbox::send_failure(failure);
                    self.input(move |engine, now| engine.on_send_failed(request, failure, now));
                }
            }
        });
    }

    /// Opens the live feed; what it hears goes to `dispatch`.
    pub(super) fn open_stream(self, stream: StreamId, after: u64) -> bool {
        let listener = live_feed::Listener {
            opened: Box::new(move |ws| {
                self.presence.connected(ws.clone());
                self.input(move |e, _| e.connected(stream));
            }),
            message: Box::new(move |message| self.dispatch(stream, message)),
            closed: Box::new(move |ws, was_open| {
                self.presence.disconnected(ws);
                // A refused upgrade looks like any failed connect; ask
                // whether the session is still good so the header can say so.
                if !was_open {
                    self.recheck_session();
                }
                self.input(move |e, now| e.disconnected(stream, now));
            }),
        };
        live_feed::open(after, listener).is_ok()
    }

    /// The one place stream messages are routed: presence to the presence
    /// context, the upstream list to its taker, the log to the engine.
    pub(super) fn dispatch(self, stream: StreamId, message: StreamMessage) {
        match message {
            StreamMessage::Presence { incident, people } => {
                self.presence.received(incident, people)
            }
            message @ StreamMessage::Upstreams { .. } => self.side_message(message),
            message => self.input(move |e, _| e.on_stream(stream, message)),
        }
    }

    /// The stream closed before it opened: perhaps the session expired.
    /// Asks the backend, and marks the replica signed out if so.
    pub(super) fn recheck_session(self) {
        if self.signed_out.get_untracked() {
            return;
        }
        spawn_local(async move {
            if let WhoAmI::SignedOut = api::who_am_i().await {
                self.signed_out.set(true);
            }
        });
    }
}

/// The replica as core's `Transport`, for one pass of `sync::drive`.
struct Wire {
    replica: Replica,
    /// Streams that could not even be made, reported once the pass is over.
    unopened: Vec<StreamId>,
    /// A write moved the cursor: "last synced" may have to move too.
    cursor_moved: bool,
    /// A batch went to the outbox in this pass.
    sent: bool,
}

impl Transport for Wire {
    fn persist(&mut self, write: sync::Write) {
        self.cursor_moved |= write.cursor.is_some();
        self.replica.persist(write);
    }

    fn send(&mut self, request: RequestId, events: Vec<Event>) {
        self.sent = true;
        self.replica.send(request, events);
    }

    fn open_stream(&mut self, stream: StreamId, after: u64) {
        if !self.replica.open_stream(stream, after) {
            self.unopened.push(stream);
        }
    }
}

/// The browser's online and offline events: offline stops all attempts,
/// online retries at once instead of waiting out the backoff.
pub(super) fn network_events(replica: Replica) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let online = window.navigator().on_line();
    replica.input(|e, now| e.network(online, now));
    for (name, up) in [("online", true), ("offline", false)] {
        let handler = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            replica.input(|e, now| e.network(up, now));
        });
        let _ = window.add_event_listener_with_callback(
            name,
            wasm_bindgen::JsCast::unchecked_ref(handler.as_ref()),
        );
        // Lives as long as the page.
        handler.forget();
    }
}
