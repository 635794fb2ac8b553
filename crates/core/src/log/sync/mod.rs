//! The sync engine, a state machine free of I/O: it delivers pending events once
//! each in the order made, and keeps the replica current from the stream.
//!
//! Driving it (the browser glue, or the simulator in `tests/sync_sim.rs`):
//!
//! - Build it from what the local store holds (`SyncEngine::new(saved, seed)`).
//! - Write each event made to the store, then hand it to `make`.
//! - Report the network as it answers: `connected` / `on_stream` /
//!   `disconnected` for the stream, `on_ack` / `on_send_failed` for a POST,
//!   `network` for the browser's online and offline events.
//! - After every input and when the wake time returned by `drive` comes, call
//!   `drive`: it performs the due commands through a `Transport`, which the
//!   host implements (fetch, a WebSocket, IndexedDB).

use crate::log::event::Event;
use crate::vocabulary::EventId;

/// Names one POST, so a late answer to an earlier one is not taken for it.
pub type RequestId = u64;
/// Names one stream connection, so messages from a replaced one are ignored.
pub type StreamId = u64;

/// What the engine asks the host to do, in the order returned.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Write to the local store, in one transaction.
    Persist(Write),
    /// `POST /api/v1/events` with these events; answer with `on_ack` or
    /// `on_send_failed` under `request`.
    Send {
        request: RequestId,
        events: Vec<Event>,
    },
    /// Open `/api/v1/stream?after=AFTER`; answer with `connected`,
    /// `on_stream` and `disconnected` under `stream`.
    OpenStream { stream: StreamId, after: u64 },
}

/// A change to the local store. The cursor travels with the events it
/// covers, so a crash can never leave it ahead of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Write {
    /// Store each, replacing any copy with the same id: events received from
    /// the backend, and pending events now acknowledged (with their seq).
    pub events: Vec<Event>,
    /// Events the backend refused, with its reason: store them pending,
    /// with the reason. The events themselves travel, so the host never
    /// has to ask the engine for them while it carries out the write.
    pub refused: Vec<(Event, String)>,
    /// Refused events the reader asked to send again: pending, no reason.
    pub retried: Vec<Event>,
    /// Refused events the reader discarded: delete them.
    pub discarded: Vec<EventId>,
    /// Events once confirmed, now pending again to be re-sent to a backend
    /// that lacks them (see `SyncEngine::resend_held`): store them pending.
    pub requeued: Vec<Event>,
    /// Confirmed events of others, forgotten with the log they came from:
    /// delete them.
    pub forgotten: Vec<EventId>,
    /// The new stream cursor.
    pub cursor: Option<u64>,
    /// The id of the log the cursor counts in, when it changes: keep it
    /// beside the cursor (`Some(None)`: forget it, the backend names none).
    pub log: Option<Option<String>>,
}

impl Write {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.refused.is_empty()
            && self.retried.is_empty()
            && self.discarded.is_empty()
            && self.requeued.is_empty()
            && self.forgotten.is_empty()
            && self.cursor.is_none()
            && self.log.is_none()
    }
}

/// What the local store holds: the sum of every event made and every
/// `Write`. An empty one starts a fresh replica.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Saved {
    /// Confirmed events in any order; pending ones in the order made.
    pub events: Vec<Event>,
    pub refused: Vec<(EventId, String)>,
    pub cursor: u64,
    /// The id of the backend log the cursor counts in, as its `caught_up`
    /// named it (`None`: never named).
    pub log: Option<String>,
}

/// Why a POST brought no acks. The host maps HTTP outcomes onto these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendFailure {
    /// No answer at all: no network, no DNS, connection refused.
    Unreachable,
    /// An answer from a backend that is unwell: 5xx, 429, a timeout, a body
    /// that is not ours. Worth retrying later.
    Degraded,
    /// A 4xx: this request will never succeed as it is.
    Refused { id: Option<EventId>, error: String },
}

/// How the connection stands, for the console's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// An attempt is under way.
    Connecting,
    /// The stream is open and the last POST went through.
    Online,
    /// The backend answers, badly (5xx, timeouts). `None`: retrying now.
    Degraded { next_attempt_at: Option<u64> },
    /// The backend could not be reached; trying again at this time.
    Reconnecting { next_attempt_at: u64 },
    /// The host says there is no network; nothing is tried until it returns.
    Offline,
}

/// The backend's log is not the log this replica synced with (reset,
/// restored from backup, a different server): it ends before our cursor, or
/// it names itself with another id than the one held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendBehind {
    pub head: u64,
    pub cursor: u64,
    /// The backend named its log with another id than the one this replica
    /// held: it was replaced, even if its head is past the cursor.
    pub replaced: bool,
}

/// (in the same trait because their order matters).
pub trait Transport {
    fn persist(&mut self, write: Write);
    fn send(&mut self, request: RequestId, events: Vec<Event>);
    fn open_stream(&mut self, stream: StreamId, after: u64);
}

/// Performs every command due at `now`. Returns when to call again if no
/// input comes first.
pub fn drive(engine: &mut SyncEngine, now: u64, transport: &mut impl Transport) -> Option<u64> {
    while let Some(command) = engine.poll(now) {
        match command {
            Command::Persist(write) => transport.persist(write),
            Command::Send { request, events } => transport.send(request, events),
            Command::OpenStream { stream, after } => transport.open_stream(stream, after),
        }
    }
    engine.next_wake()
}

mod engine;
pub use engine::SyncEngine;
