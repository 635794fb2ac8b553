//! The engine itself: what it holds (the log, refusals, the stream and send
//! states with their backoffs), how each input changes it, and the commands
//! it hands the host.

use super::{BackendBehind, Command, RequestId, Saved, SendFailure, Status, StreamId, Write};
use crate::log::event::Event;
use crate::log::limits::MAX_BATCH;
use crate::log::protocol::{Ack, StreamMessage};
use crate::log::{Inserted, Log};
use crate::time::backoff::{Backoff, SplitMix};
use crate::vocabulary::EventId;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum StreamState {
    Closed { retry_at: u64 },
    Opening(StreamId),
    Open { id: StreamId, caught_up: bool },
}

#[derive(Clone, Debug)]
enum SendState {
    Idle {
        retry_at: u64,
    },
    /// Only one batch is ever in flight, so the order made is the order stored.
    InFlight {
        request: RequestId,
        events: Vec<Event>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trouble {
    Unreachable,
    Degraded,
}

#[derive(Clone, Debug)]
pub struct SyncEngine {
    log: Log,
    refused: BTreeMap<EventId, String>,
    /// The highest seq received over the stream. Not `Log::last_seq`: an ack
    /// confirms our own event at a seq whose predecessors (other clients'
    /// events) may not have reached us yet, and resuming past them would
    /// lose them.
    cursor: u64,
    /// The id of the backend log the cursor counts in, as its first
    /// `caught_up` named it (`None`: no backend named one yet).
    log_id: Option<String>,
    /// What the latest first `caught_up` named: the log `resend_held`
    /// rereads from 0, so the one it adopts.
    named: Option<String>,
    network_up: bool,
    stream: StreamState,
    stream_backoff: Backoff,
    send: SendState,
    send_backoff: Backoff,
    send_trouble: Option<Trouble>,
    /// Shrinks while a batch is refused without naming an event, to find it.
    batch_limit: usize,
    next_id: u64,
    rng: SplitMix,
    write: Write,
    behind: Option<BackendBehind>,
    skipped: u64,
    /// The signed-in account. Only its own pending events are delivered:
    /// the backend stamps each with whoever sends it, so another account's
    /// queued edits wait for their owner to sign in again. `None` (not
    /// known yet) sends every pending event.
    sender: Option<std::sync::Arc<str>>,
}

/// The side effects the engine asks for: the network, and the local store
impl SyncEngine {
    /// Rebuilds a replica from the local store. `seed` feeds the backoff
    /// jitter; give each client a different one so they spread out.
    pub fn new(saved: Saved, seed: u64) -> Self {
        let mut log = Log::new();
        for ev in saved.events {
            log.insert(ev);
        }
        SyncEngine {
            log,
            refused: saved.refused.into_iter().collect(),
            cursor: saved.cursor,
            log_id: saved.log.clone(),
            named: saved.log,
            network_up: true,
            stream: StreamState::Closed { retry_at: 0 },
            stream_backoff: Backoff::default(),
            send: SendState::Idle { retry_at: 0 },
            send_backoff: Backoff::default(),
            send_trouble: None,
            batch_limit: MAX_BATCH,
            next_id: 1,
            rng: SplitMix(seed),
            write: Write::default(),
            behind: None,
            skipped: 0,
            sender: None,
        }
    }

    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.stream_backoff = backoff.clone();
        self.send_backoff = backoff;
        self
    }

    // ---- inputs ----

    /// Who is signed in now: the only author whose pending events go out.
    pub fn set_sender(&mut self, name: &str) {
        self.sender = Some(std::sync::Arc::from(name));
    }

    /// A new local edit. The host has already written it to the store, so
    /// the engine does not ask for that. False if the id is already held.
    pub fn make(&mut self, mut event: Event) -> bool {
        event.seq = None;
        event.received_at = None;
        self.log.insert(event) == Inserted::New
    }

    /// The browser's online/offline events. Offline stops all attempts;
    /// coming back retries at once rather than after the backoff.
    pub fn network(&mut self, up: bool, now: u64) {
        let came_back = up && !self.network_up;
        self.network_up = up;
        if came_back {
            self.retry_now(now);
        }
    }

    /// Whatever stopped delivery is fixed (the network came back, the user
    /// signed in again): try the stream and the outbox now, backoff reset.
    pub fn retry_now(&mut self, now: u64) {
        if let StreamState::Closed { retry_at } = &mut self.stream {
            *retry_at = now;
            self.stream_backoff.reset();
        }
        if let SendState::Idle { retry_at } = &mut self.send {
            *retry_at = now;
            self.send_backoff.reset();
        }
    }

    pub fn connected(&mut self, stream: StreamId) {
        if matches!(self.stream, StreamState::Opening(id) if id == stream) {
            self.stream = StreamState::Open {
                id: stream,
                caught_up: false,
            };
        }
    }

    /// The stream closed, or failed to open. Schedules the next attempt.
    pub fn disconnected(&mut self, stream: StreamId, now: u64) {
        let current = match self.stream {
            StreamState::Opening(id) | StreamState::Open { id, .. } => id == stream,
            StreamState::Closed { .. } => false,
        };
        if current {
            let wait = self.stream_backoff.next_delay(self.rng.next_f64());
            self.stream = StreamState::Closed {
                retry_at: now.saturating_add(wait),
            };
        }
    }

    pub fn on_stream(&mut self, stream: StreamId, message: StreamMessage) {
        match self.stream {
            // A message proves the socket opened, whatever order the host saw.
            StreamState::Opening(id) if id == stream => self.connected(stream),
            StreamState::Open { id, .. } if id == stream => {}
            _ => return,
        }
        match message {
            StreamMessage::Event { event } => self.receive(event),
            StreamMessage::Events { events } => {
                for event in events {
                    self.receive(event);
                }
            }
            StreamMessage::CaughtUp { head, log } => {
                // Only a connection's first counts: the cursor may have moved
                // past `head` with live events since, and a repeat is stale.
                let first = match &mut self.stream {
                    StreamState::Open { caught_up, .. } => !std::mem::replace(caught_up, true),
                    _ => false,
                };
                // Reset only now, not on open: a backend that accepts sockets
                // and drops them at once must not be retried every second.
                self.stream_backoff.reset();
                if first {
                    self.caught_up(head, log.filter(|l| !l.is_empty()));
                }
            }
            // Not about the log: the host handles these beside the engine.
            StreamMessage::Presence { .. }
            | StreamMessage::Upstreams { .. }
            | StreamMessage::Unknown => {}
        }
    }

    /// The 200 answer to a POST. Acks are facts whichever request they
    /// answer, so a late answer still confirms; only the answer to the batch
    /// in flight frees the way for the next one.
    pub fn on_ack(&mut self, request: RequestId, acks: &[Ack], now: u64) {
        let answered = match &self.send {
            SendState::InFlight { request: r, .. } if *r == request => {
                std::mem::replace(&mut self.send, SendState::Idle { retry_at: now })
            }
            _ => SendState::Idle { retry_at: now },
        };
        let sent: &[Event] = match &answered {
            SendState::InFlight { events, .. } => events,
            SendState::Idle { .. } => &[],
        };
        for (i, ack) in acks.iter().enumerate() {
            // Acks come in the order sent; fall back to a search if not.
            let ev = sent
                .get(i)
                .filter(|e| e.id == ack.id)
                .or_else(|| self.log.pending_event(&ack.id))
                .cloned();
            self.confirm(ev, ack);
        }
        if let SendState::InFlight { events, .. } = answered {
            let unanswered = events
                .iter()
                .any(|e| self.is_pending(&e.id) && !self.refused.contains_key(&e.id));
            if unanswered {
                // A 200 that leaves some of the batch unacked is not our
                // protocol; back off rather than resend in a tight loop.
                self.send_failed(Trouble::Degraded, now);
            } else {
                self.send_backoff.reset();
                self.send_trouble = None;
                // A limit halved for a refusal naming no event (most often
                // a body over the backend's size limit) holds for the rest
                // of this backlog, whose events are alike: the full size
                // would only be refused again.
                if self.deliverable().next().is_none() {
                    self.batch_limit = MAX_BATCH;
                }
            }
        }
    }

    /// A POST that brought no acks. Answers to other requests are ignored.
    pub fn on_send_failed(&mut self, request: RequestId, failure: SendFailure, now: u64) {
        if !matches!(&self.send, SendState::InFlight { request: r, .. } if *r == request) {
            return;
        }
        let SendState::InFlight { events, .. } =
            std::mem::replace(&mut self.send, SendState::Idle { retry_at: now })
        else {
            return;
        };
        match failure {
            SendFailure::Unreachable => self.send_failed(Trouble::Unreachable, now),
            SendFailure::Degraded => self.send_failed(Trouble::Degraded, now),
            SendFailure::Refused { id, error } => {
                // The backend answered sensibly, so it is reachable and well.
                self.send_trouble = None;
                let culprit = match id {
                    Some(id) => events.iter().find(|e| e.id == id),
                    None if events.len() == 1 => events.first(),
                    None => None,
                };
                match culprit {
                    Some(ev) => {
                        self.refused.insert(ev.id.clone(), error.clone());
                        self.write.refused.push((ev.clone(), error));
                        self.batch_limit = MAX_BATCH;
                    }
                    // Halve until the culprit is alone in its batch; the
                    // events before it are delivered meanwhile.
                    None => self.batch_limit = (events.len() / 2).max(1),
                }
            }
        }
    }

    // ---- outputs ----

    /// The next command due at `now`, if any. Writes come first, so what was
    /// received is stored before anything else is asked of the network.
    pub fn poll(&mut self, now: u64) -> Option<Command> {
        if !self.write.is_empty() {
            return Some(Command::Persist(std::mem::take(&mut self.write)));
        }
        if !self.network_up {
            return None;
        }
        if let StreamState::Closed { retry_at } = self.stream {
            if now >= retry_at {
                let stream = self.new_id();
                self.stream = StreamState::Opening(stream);
                return Some(Command::OpenStream {
                    stream,
                    after: self.cursor,
                });
            }
        }
        if let SendState::Idle { retry_at } = self.send {
            if now >= retry_at {
                let events: Vec<Event> =
                    self.deliverable().take(self.batch_limit).cloned().collect();
                if !events.is_empty() {
                    let request = self.new_id();
                    self.send = SendState::InFlight {
                        request,
                        events: events.clone(),
                    };
                    return Some(Command::Send { request, events });
                }
            }
        }
        None
    }

    /// When a retry falls due, if one is waiting.
    pub fn next_wake(&self) -> Option<u64> {
        if !self.network_up {
            return None;
        }
        let stream = match self.stream {
            StreamState::Closed { retry_at } => Some(retry_at),
            _ => None,
        };
        let send = match self.send {
            SendState::Idle { retry_at } if self.deliverable().next().is_some() => Some(retry_at),
            _ => None,
        };
        match (stream, send) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ---- derived state ----

    pub fn status(&self) -> Status {
        if !self.network_up {
            return Status::Offline;
        }
        let stream_retry = match self.stream {
            StreamState::Closed { retry_at } => Some(retry_at),
            _ => None,
        };
        let send_retry = match self.send {
            SendState::Idle { retry_at } if self.send_trouble.is_some() => Some(retry_at),
            _ => None,
        };
        let retry = match (stream_retry, send_retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // A failed POST matters only while something still waits to go:
        // once the stream has brought every pending event back, it is moot.
        let trouble = self
            .send_trouble
            .filter(|_| self.deliverable().next().is_some());
        match (trouble, &self.stream) {
            (Some(Trouble::Degraded), _) => Status::Degraded {
                next_attempt_at: send_retry,
            },
            (Some(Trouble::Unreachable), _) | (None, StreamState::Closed { .. }) => match retry {
                Some(next_attempt_at) => Status::Reconnecting { next_attempt_at },
                None => Status::Connecting,
            },
            (None, StreamState::Opening(_)) => Status::Connecting,
            (None, StreamState::Open { .. }) => Status::Online,
        }
    }

    /// Pending edits kept for other accounts than the one signed in, as
    /// (author, count) by name: they go out when their author signs in.
    pub fn held_for_others(&self) -> Vec<(std::sync::Arc<str>, usize)> {
        let Some(me) = &self.sender else {
            return Vec::new();
        };
        let mut held: BTreeMap<std::sync::Arc<str>, usize> = BTreeMap::new();
        for e in self.log.pending() {
            if e.author != *me {
                *held.entry(e.author.clone()).or_default() += 1;
            }
        }
        held.into_iter().collect()
    }

    /// The replica: confirmed events, then pending ones in the order made.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// Events the backend refused, with its reason. They stay in the log
    /// (pending) and are not sent again.
    pub fn refused(&self) -> &BTreeMap<EventId, String> {
        &self.refused
    }

    /// Sends a refused event again (its cause may be gone: a role granted,
    /// a setting changed). False when it is not refused.
    pub fn retry_refused(&mut self, id: &EventId) -> bool {
        let Some(event) = self.log.pending_event(id).cloned() else {
            return false;
        };
        if self.refused.remove(id).is_none() {
            return false;
        }
        self.write.retried.push(event);
        true
    }

    /// Drops a refused event for good, when its author chooses to (the
    /// console asks first). Only refused events can be dropped: anything
    /// else pending is still on its way. False when it is not refused.
    pub fn discard_refused(&mut self, id: &EventId) -> bool {
        if !self.refused.contains_key(id) || self.log.discard_pending(id).is_none() {
            return false;
        }
        self.refused.remove(id);
        self.write.discarded.push(id.clone());
        true
    }

    /// Where the stream resumes.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// The id of the backend log the cursor counts in, once one was named.
    pub fn log_id(&self) -> Option<&str> {
        self.log_id.as_deref()
    }

    /// True once the current stream has sent everything the backend held.
    pub fn is_caught_up(&self) -> bool {
        matches!(
            self.stream,
            StreamState::Open {
                caught_up: true,
                ..
            }
        )
    }

    /// The batch awaiting an answer, if any.
    pub fn in_flight(&self) -> Option<&[Event]> {
        match &self.send {
            SendState::InFlight { events, .. } => Some(events),
            SendState::Idle { .. } => None,
        }
    }

    /// Set when a connection's first `caught_up` came with a head below
    /// the cursor, or named another log than the one held: the backend
    /// lacks events held here as confirmed. Delivery goes on (a
    /// false alarm must not stop it), but an ack at a seq held here cannot
    /// confirm, so the edit waits until `resend_held`.
    pub fn backend_behind(&self) -> Option<BackendBehind> {
        self.behind
    }

    /// How many confirmed events `resend_held` would send again.
    pub fn resendable(&self, mine: impl Fn(&Event) -> bool) -> usize {
        self.log
            .events()
            .filter(|e| e.seq.is_some() && mine(e))
            .count()
    }

    /// Answers a backend that is behind (docs/protocol.md, "A backend
    /// behind the client's cursor"): the confirmed events `mine` picks (the
    /// ones this replica made) become pending again with their original ids,
    /// ahead of those already waiting, so a backend that still has some
    /// stores each once; everyone else's confirmed events are forgotten
    /// (their authors hold them), and the log is read again from seq 0.
    /// Returns how many events were requeued.
    pub fn resend_held(&mut self, mine: impl Fn(&Event) -> bool, now: u64) -> usize {
        let (requeued, forgotten) = self.log.requeue_confirmed(mine);
        let count = requeued.len();
        let requeued = requeued
            .iter()
            .filter_map(|id| self.log.pending_event(id).cloned());
        self.write.requeued.extend(requeued);
        self.write.forgotten.extend(forgotten);
        self.cursor = 0;
        self.write.cursor = Some(0);
        // The log read afresh is the one the backend last named.
        self.log_id = self.named.clone();
        self.write.log = Some(self.log_id.clone());
        self.behind = None;
        // A fresh stream from 0; the old one's messages are ignored from now.
        self.stream = StreamState::Closed { retry_at: now };
        self.stream_backoff.reset();
        if let SendState::Idle { retry_at } = &mut self.send {
            *retry_at = now;
        }
        self.send_backoff.reset();
        self.send_trouble = None;
        self.batch_limit = MAX_BATCH;
        count
    }

    /// Stream events and acks dropped because they broke the protocol
    /// (no seq, seq 0): a sign of a misbehaving backend.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    // ---- internals ----

    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn deliverable(&self) -> impl Iterator<Item = &Event> {
        self.log
            .pending()
            .iter()
            .filter(|e| !self.refused.contains_key(&e.id))
            .filter(|e| self.sender.as_ref().is_none_or(|s| *s == e.author))
    }

    fn is_pending(&self, id: &EventId) -> bool {
        self.log.is_pending(id)
    }

    fn send_failed(&mut self, trouble: Trouble, now: u64) {
        let wait = self.send_backoff.next_delay(self.rng.next_f64());
        self.send = SendState::Idle {
            retry_at: now.saturating_add(wait),
        };
        self.send_trouble = Some(trouble);
    }

    /// A connection's first `caught_up`: is this the log the cursor counts
    /// in? Not if it ends before the cursor, nor if it names itself with
    /// another id than the one held (both known: a backend that names none
    /// is judged by its head alone, as before logs had names).
    fn caught_up(&mut self, head: u64, log: Option<String>) {
        let replaced = matches!((&self.log_id, &log), (Some(held), Some(named)) if held != named);
        if replaced || head < self.cursor {
            // Sticky until `resend_held`: a behind backend that later
            // passes the cursor is still not the log we synced with.
            let was_replaced = self.behind.is_some_and(|b| b.replaced);
            self.behind = Some(BackendBehind {
                head,
                cursor: self.cursor,
                replaced: replaced || was_replaced,
            });
        } else if self.behind.is_none() && log.is_some() && log != self.log_id {
            // The first name heard for the log the cursor counts in (a
            // replica from before logs had names, or a backend that began
            // naming its log): trusted, as the head was before.
            self.log_id = log.clone();
            self.write.log = Some(log.clone());
        }
        self.named = log;
    }

    fn receive(&mut self, event: Event) {
        // The stream only carries stored events; one without a seq would
        // otherwise become a pending event of ours and be sent back.
        let Some(seq) = event.seq.filter(|s| *s >= 1) else {
            self.skipped += 1;
            return;
        };
        let id = event.id.clone();
        if self.log.insert(event.clone()) != Inserted::Duplicate {
            self.refused.remove(&id);
            self.write.events.push(event);
        }
        // Within one connection seqs only increase and none is skipped, so
        // everything up to this one is held.
        if seq > self.cursor {
            self.cursor = seq;
            self.write.cursor = Some(seq);
        }
    }

    fn confirm(&mut self, pending: Option<Event>, ack: &Ack) {
        if ack.seq == 0 {
            self.skipped += 1;
            return;
        }
        let Some(mut ev) = pending else {
            return;
        };
        if !self.log.confirm_ack(ack) {
            return;
        }
        ev.seq = Some(ack.seq);
        ev.received_at = Some(ack.received_at);
        ev.number = ack.number;
        self.refused.remove(&ack.id);
        self.write.events.push(ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::event::EventBody;

    fn ev(n: u32) -> Event {
        Event::new(
            format!("e{n:03}"),
            "i",
            "ana",
            n as i64,
            EventBody::note(format!("note {n}")),
        )
    }

    fn stored(n: u32, seq: u64) -> Event {
        ev(n).stored(seq, 7)
    }

    fn ack(n: u32, seq: u64) -> Ack {
        Ack {
            id: ev(n).id,
            seq,
            received_at: 7,
            number: None,
        }
    }

    fn engine_with(made: impl IntoIterator<Item = u32>) -> SyncEngine {
        let mut e = SyncEngine::new(Saved::default(), 1);
        for n in made {
            assert!(e.make(ev(n)));
        }
        e
    }

    /// A `caught_up` at `head`, naming the backend's log or not.
    fn caught_up(head: u64, log: Option<&str>) -> StreamMessage {
        StreamMessage::CaughtUp {
            head,
            log: log.map(String::from),
        }
    }

    fn all(e: &mut SyncEngine, now: u64) -> Vec<Command> {
        std::iter::from_fn(|| e.poll(now)).collect()
    }

    /// Opens the stream and returns its id, leaving later commands queued.
    fn open(e: &mut SyncEngine, now: u64) -> StreamId {
        let stream = std::iter::from_fn(|| e.poll(now))
            .find_map(|c| match c {
                Command::OpenStream { stream, .. } => Some(stream),
                _ => None,
            })
            .expect("an OpenStream");
        e.connected(stream);
        stream
    }

    fn sends(commands: &[Command]) -> Vec<(RequestId, Vec<String>)> {
        commands
            .iter()
            .filter_map(|c| match c {
                Command::Send { request, events } => Some((
                    *request,
                    events.iter().map(|e| e.id.0.to_string()).collect(),
                )),
                _ => None,
            })
            .collect()
    }

    fn ids(ns: &[u32]) -> Vec<String> {
        ns.iter().map(|n| ev(*n).id.0.to_string()).collect()
    }

    #[test]
    fn pending_events_are_sent_in_one_batch_in_the_order_made() {
        let mut e = engine_with([3, 1, 2]);
        let s = sends(&all(&mut e, 0));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].1, ids(&[3, 1, 2]));
    }

    #[test]
    fn another_accounts_queued_edits_wait_for_their_owner_to_sign_in_again() {
        let mut e = engine_with([1, 2]);
        let mut bo = ev(3);
        bo.author = "bo".into();
        e.make(bo);
        // Bo signs in on ana's browser: only bo's edit goes out, as bo.
        e.set_sender("bo");
        let s = sends(&all(&mut e, 0));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].1, ids(&[3]));
        e.on_ack(s[0].0, &[ack(3, 1)], 10);
        assert_eq!(e.held_for_others(), vec![("ana".into(), 2)]);
        assert!(sends(&all(&mut e, 20)).is_empty(), "ana's edits are kept");
        assert_eq!(e.log().pending().len(), 2);
        // Ana signs in again: hers go out.
        e.set_sender("ana");
        assert_eq!(sends(&all(&mut e, 30))[0].1, ids(&[1, 2]));
        assert!(e.held_for_others().is_empty());
    }

    #[test]
    fn only_one_batch_is_in_flight_at_a_time() {
        let mut e = engine_with([1]);
        let first = sends(&all(&mut e, 0));
        e.make(ev(2));
        assert!(sends(&all(&mut e, 10)).is_empty());
        e.on_ack(first[0].0, &[ack(1, 1)], 20);
        assert_eq!(sends(&all(&mut e, 20))[0].1, ids(&[2]));
    }

    #[test]
    fn a_batch_holds_at_most_max_batch_events() {
        let mut e = engine_with(0..(MAX_BATCH as u32 + 3));
        let s = sends(&all(&mut e, 0));
        assert_eq!(s[0].1.len(), MAX_BATCH);
    }

    #[test]
    fn an_acknowledged_event_is_never_sent_again() {
        let mut e = engine_with([1, 2]);
        let (request, _) = sends(&all(&mut e, 0)).remove(0);
        e.on_ack(request, &[ack(1, 5)], 10);
        // Event 2 was not acked, so the 200 counts as a failure: it alone goes again.
        let later = sends(&all(&mut e, 1_000_000));
        assert_eq!(later[0].1, ids(&[2]));
        assert_eq!(e.log().last_seq(), 5);
    }

    #[test]
    fn an_ack_is_persisted_with_the_seq_it_gives() {
        let mut e = engine_with([1]);
        let (request, _) = sends(&all(&mut e, 0)).remove(0);
        e.on_ack(request, &[ack(1, 9)], 10);
        let writes: Vec<Command> = all(&mut e, 10);
        assert_eq!(
            writes[0],
            Command::Persist(Write {
                events: vec![stored(1, 9)],
                ..Write::default()
            })
        );
    }

    #[test]
    fn an_event_confirmed_over_the_stream_leaves_the_outbox() {
        let mut e = engine_with([1, 2]);
        let stream = open(&mut e, 0);
        let (request, _) = sends(&all(&mut e, 0)).remove(0);
        e.on_send_failed(request, SendFailure::Degraded, 10);
        e.on_stream(
            stream,
            StreamMessage::Event {
                event: stored(1, 4),
            },
        );
        let later = sends(&all(&mut e, 1_000_000));
        assert_eq!(later[0].1, ids(&[2]));
    }

    #[test]
    fn a_batch_whose_answer_is_lost_is_sent_again_after_the_backoff() {
        let mut e = engine_with([1, 2]);
        let (request, first) = sends(&all(&mut e, 0)).remove(0);
        e.on_send_failed(request, SendFailure::Unreachable, 100);
        let wake = e.next_wake().expect("a retry");
        assert!((600..=1_100).contains(&wake), "{wake}");
        assert!(sends(&all(&mut e, wake - 1)).is_empty());
        assert_eq!(sends(&all(&mut e, wake))[0].1, first);
    }

    #[test]
    fn a_late_answer_confirms_its_events_but_does_not_free_the_slot() {
        let mut e = engine_with([1, 2]);
        let (old, _) = sends(&all(&mut e, 0)).remove(0);
        e.on_send_failed(old, SendFailure::Degraded, 10);
        let (current, _) = sends(&all(&mut e, 1_000_000)).remove(0);
        e.make(ev(3));
        e.on_ack(old, &[ack(1, 1), ack(2, 2)], 1_000_001);
        assert!(e.log().pending().iter().all(|p| p.id == ev(3).id));
        assert!(
            sends(&all(&mut e, 1_000_001)).is_empty(),
            "still waiting for {current}"
        );
        e.on_ack(current, &[ack(1, 1), ack(2, 2)], 1_000_002);
        assert_eq!(sends(&all(&mut e, 1_000_002))[0].1, ids(&[3]));
    }

    #[test]
    fn a_refused_event_stays_in_the_log_and_is_not_sent_again() {
        let mut e = engine_with([1, 2, 3]);
        let (request, _) = sends(&all(&mut e, 0)).remove(0);
        let error = "the note is empty".to_string();
        e.on_send_failed(
            request,
            SendFailure::Refused {
                id: Some(ev(2).id),
                error: error.clone(),
            },
            10,
        );
        let commands = all(&mut e, 10);
        assert_eq!(
            commands[0],
            Command::Persist(Write {
                refused: vec![(ev(2), error.clone())],
                ..Write::default()
            })
        );
        assert_eq!(sends(&commands)[0].1, ids(&[1, 3]));
        assert_eq!(e.refused().get(&ev(2).id), Some(&error));
        assert_eq!(e.log().pending().len(), 3);
        assert!(!matches!(e.status(), Status::Degraded { .. }));
    }

    fn refuse_two(e: &mut SyncEngine) {
        let (request, _) = sends(&all(e, 0)).remove(0);
        e.on_send_failed(
            request,
            SendFailure::Refused {
                id: Some(ev(2).id),
                error: "admins only".into(),
            },
            10,
        );
    }

    #[test]
    fn a_retried_refusal_goes_out_again_and_is_stored_as_pending() {
        let mut e = engine_with([1, 2, 3]);
        refuse_two(&mut e);
        let (request, _) = sends(&all(&mut e, 10)).remove(0);
        e.on_ack(request, &[ack(1, 1), ack(3, 2)], 20);
        all(&mut e, 20);
        assert!(
            !e.retry_refused(&ev(1).id),
            "only a refused event is retried"
        );
        assert!(e.retry_refused(&ev(2).id));
        let commands = all(&mut e, 30);
        assert_eq!(
            commands[0],
            Command::Persist(Write {
                retried: vec![ev(2)],
                ..Write::default()
            })
        );
        assert_eq!(sends(&commands)[0].1, ids(&[2]));
        assert!(e.refused().is_empty());
    }

    #[test]
    fn a_discarded_refusal_leaves_the_log_and_the_store_and_nothing_else_does() {
        let mut e = engine_with([1, 2, 3]);
        refuse_two(&mut e);
        all(&mut e, 10);
        let revision = e.log().revision();
        assert!(
            !e.discard_refused(&ev(1).id),
            "a pending edit on its way is never dropped"
        );
        assert!(e.discard_refused(&ev(2).id));
        assert!(e.log().revision() > revision, "views refold");
        assert!(!e.log().is_pending(&ev(2).id));
        assert_eq!(e.log().pending().len(), 2);
        let commands = all(&mut e, 20);
        assert!(commands.contains(&Command::Persist(Write {
            discarded: vec![ev(2).id],
            ..Write::default()
        })));
        assert!(e.refused().is_empty());
        assert!(!e.discard_refused(&ev(2).id), "once");
    }

    #[test]
    fn a_refusal_naming_no_event_halves_the_batch_until_the_culprit_is_alone() {
        let mut e = engine_with([1, 2, 3, 4]);
        let refuse = |e: &mut SyncEngine, r| {
            let failure = SendFailure::Refused {
                id: None,
                error: "bad".into(),
            };
            e.on_send_failed(r, failure, 0)
        };
        let next = |e: &mut SyncEngine| sends(&all(e, 0)).remove(0);
        let (r, _) = next(&mut e);
        refuse(&mut e, r);
        let (r, batch) = next(&mut e);
        assert_eq!(batch, ids(&[1, 2]));
        e.on_ack(r, &[ack(1, 1), ack(2, 2)], 0);
        let (r, batch) = next(&mut e);
        assert_eq!(batch, ids(&[3, 4]));
        refuse(&mut e, r);
        let (r, batch) = next(&mut e);
        assert_eq!(batch, ids(&[3]));
        refuse(&mut e, r);
        assert!(e.refused().contains_key(&ev(3).id));
        let (_, batch) = next(&mut e);
        assert_eq!(batch, ids(&[4]));
    }

    #[test]
    fn a_batch_halved_for_a_refusal_naming_no_event_stays_small_for_the_rest_of_the_backlog() {
        let mut e = engine_with(1..=12);
        let too_big = || SendFailure::Refused {
            id: None,
            error: "the body is over 1048576 bytes".into(),
        };
        let next = |e: &mut SyncEngine| sends(&all(e, 0)).remove(0);
        let (r, batch) = next(&mut e);
        assert_eq!(batch.len(), 12);
        e.on_send_failed(r, too_big(), 0);
        let (r, batch) = next(&mut e);
        assert_eq!(batch.len(), 6);
        e.on_send_failed(r, too_big(), 0);
        let (r, batch) = next(&mut e);
        assert_eq!(batch, ids(&[1, 2, 3]));
        e.on_ack(r, &[ack(1, 1), ack(2, 2), ack(3, 3)], 0);
        let (r, batch) = next(&mut e);
        assert_eq!(batch, ids(&[4, 5, 6]), "not the whole rest, refused again");
        let acks: Vec<Ack> = (4..=6).map(|n| ack(n, n as u64)).collect();
        e.on_ack(r, &acks, 0);
        let (r, _) = next(&mut e);
        let acks: Vec<Ack> = (7..=9).map(|n| ack(n, n as u64)).collect();
        e.on_ack(r, &acks, 0);
        let (r, _) = next(&mut e);
        let acks: Vec<Ack> = (10..=12).map(|n| ack(n, n as u64)).collect();
        e.on_ack(r, &acks, 0);
        // The queue is empty: the next backlog starts at the full size.
        for n in 13..=20 {
            e.make(ev(n));
        }
        assert_eq!(next(&mut e).1.len(), 8);
    }

    #[test]
    fn the_stream_resumes_from_the_last_seq_received_not_from_acks() {
        let mut e = engine_with([1]);
        let stream = open(&mut e, 0);
        e.on_stream(
            stream,
            StreamMessage::Event {
                event: stored(7, 3),
            },
        );
        let (request, _) = sends(&all(&mut e, 0)).remove(0);
        // Seqs 4..=8 belong to others and have not reached us yet.
        e.on_ack(request, &[ack(1, 9)], 0);
        e.disconnected(stream, 0);
        let reopened = all(&mut e, 1_000_000);
        assert!(
            reopened.contains(&Command::OpenStream {
                stream: 4,
                after: 3
            }),
            "{reopened:?}"
        );
    }

    #[test]
    fn received_events_and_the_cursor_are_written_together() {
        let mut e = engine_with([]);
        let stream = open(&mut e, 0);
        e.on_stream(
            stream,
            StreamMessage::Event {
                event: stored(1, 2),
            },
        );
        e.on_stream(
            stream,
            StreamMessage::Event {
                event: stored(2, 5),
            },
        );
        e.on_stream(
            stream,
            StreamMessage::Event {
                event: stored(1, 2),
            },
        );
        assert_eq!(
            all(&mut e, 0),
            [Command::Persist(Write {
                events: vec![stored(1, 2), stored(2, 5)],
                cursor: Some(5),
                ..Write::default()
            })]
        );
    }

    #[test]
    fn an_events_message_is_taken_as_its_events_one_by_one() {
        let mut e = engine_with([]);
        let stream = open(&mut e, 0);
        e.on_stream(
            stream,
            StreamMessage::Events {
                events: vec![stored(1, 2), stored(2, 5), stored(1, 2)],
            },
        );
        e.on_stream(
            stream,
            StreamMessage::Events {
                events: vec![stored(3, 7)],
            },
        );
        assert_eq!(
            all(&mut e, 0),
            [Command::Persist(Write {
                events: vec![stored(1, 2), stored(2, 5), stored(3, 7)],
                cursor: Some(7),
                ..Write::default()
            })]
        );
    }

    #[test]
    fn reconnecting_waits_longer_each_time_and_catching_up_resets_the_wait() {
        let mut e = engine_with([]);
        let mut now = 0;
        let mut waits = Vec::new();
        for _ in 0..6 {
            let stream = open(&mut e, now);
            e.disconnected(stream, now);
            let Status::Reconnecting { next_attempt_at } = e.status() else {
                panic!("{:?}", e.status());
            };
            assert_eq!(e.next_wake(), Some(next_attempt_at));
            assert!(all(&mut e, next_attempt_at - 1).is_empty());
            waits.push(next_attempt_at - now);
            now = next_attempt_at;
        }
        for (k, w) in waits.iter().enumerate() {
            let step = (1_000u64 << k).min(30_000);
            assert!((step / 2..=step).contains(w), "wait {k} was {w}");
        }
        let stream = open(&mut e, now);
        e.on_stream(stream, caught_up(0, None));
        assert_eq!(e.status(), Status::Online);
        assert!(e.is_caught_up());
        e.disconnected(stream, now);
        let Status::Reconnecting { next_attempt_at } = e.status() else {
            panic!()
        };
        assert!(next_attempt_at - now <= 1_000);
    }

    #[test]
    fn a_backend_answering_5xx_is_degraded_not_offline() {
        let mut e = engine_with([1]);
        open(&mut e, 0);
        let (request, _) = sends(&all(&mut e, 0)).remove(0);
        e.on_send_failed(request, SendFailure::Degraded, 0);
        assert!(matches!(
            e.status(),
            Status::Degraded {
                next_attempt_at: Some(_)
            }
        ));
        let (request, _) = sends(&all(&mut e, 1_000_000)).remove(0);
        e.on_ack(request, &[ack(1, 1)], 1_000_000);
        assert_eq!(e.status(), Status::Online);
    }

    #[test]
    fn a_refused_session_keeps_the_outbox_and_signing_in_again_retries_at_once() {
        let mut e = engine_with([1]);
        open(&mut e, 0);
        // A 401 is reported as degraded: the event stays pending.
        let (request, _) = sends(&all(&mut e, 0)).remove(0);
        e.on_send_failed(request, SendFailure::Degraded, 0);
        assert_eq!(e.log().pending().len(), 1);
        assert!(sends(&all(&mut e, 10)).is_empty(), "waits out the backoff");
        e.retry_now(10);
        let retried = sends(&all(&mut e, 10));
        assert_eq!(retried.len(), 1, "signing in retries at once");
        assert_eq!(retried[0].1.len(), 1);
    }

    #[test]
    fn going_offline_stops_attempts_and_coming_back_retries_at_once() {
        let mut e = engine_with([1]);
        let stream = open(&mut e, 0);
        let (request, _) = sends(&all(&mut e, 0)).remove(0);
        e.network(false, 5);
        e.on_send_failed(request, SendFailure::Unreachable, 5);
        e.disconnected(stream, 5);
        assert_eq!(e.status(), Status::Offline);
        assert_eq!(e.next_wake(), None);
        assert!(all(&mut e, 1_000_000).is_empty());
        e.network(true, 1_000_001);
        let commands = all(&mut e, 1_000_001);
        assert_eq!(commands.len(), 2, "{commands:?}");
    }

    #[test]
    fn messages_from_a_replaced_stream_are_ignored() {
        let mut e = engine_with([]);
        let old = open(&mut e, 0);
        e.disconnected(old, 0);
        let _new = open(&mut e, 1_000_000);
        e.on_stream(
            old,
            StreamMessage::Event {
                event: stored(1, 1),
            },
        );
        e.disconnected(old, 1_000_000);
        assert!(e.log().is_empty());
        assert_eq!(e.status(), Status::Online);
    }

    #[test]
    fn a_stream_event_without_a_seq_is_skipped() {
        let mut e = engine_with([]);
        let stream = open(&mut e, 0);
        e.on_stream(stream, StreamMessage::Event { event: ev(1) });
        assert!(e.log().is_empty());
        assert_eq!(e.skipped(), 1);
    }

    #[test]
    fn a_caught_up_below_the_cursor_reports_a_backend_that_is_behind() {
        let saved = Saved {
            cursor: 40,
            ..Saved::default()
        };
        let mut e = SyncEngine::new(saved, 1);
        let stream = open(&mut e, 0);
        e.on_stream(stream, caught_up(3, None));
        assert_eq!(
            e.backend_behind(),
            Some(BackendBehind {
                head: 3,
                cursor: 40,
                replaced: false
            })
        );
    }

    /// An engine that confirmed 1 (ours), 2 (someone else's) and 3 (ours)
    /// at seqs 1..=3, holds 4 pending, and then meets a reset backend.
    fn engine_behind_a_reset_backend() -> (SyncEngine, StreamId) {
        let saved = Saved {
            events: vec![stored(1, 1), stored(2, 2), stored(3, 3), ev(4)],
            refused: vec![],
            cursor: 3,
            log: None,
        };
        let mut e = SyncEngine::new(saved, 1);
        let stream = open(&mut e, 0);
        e.on_stream(stream, caught_up(0, None));
        (e, stream)
    }

    fn mine(e: &Event) -> bool {
        e.id != ev(2).id
    }

    #[test]
    fn a_backend_behind_the_cursor_is_reported_with_how_much_could_be_resent() {
        let (e, _) = engine_behind_a_reset_backend();
        assert_eq!(
            e.backend_behind(),
            Some(BackendBehind {
                head: 0,
                cursor: 3,
                replaced: false
            })
        );
        assert_eq!(e.resendable(mine), 2);
    }

    #[test]
    fn only_the_first_caught_up_of_a_connection_can_report_a_backend_behind() {
        let mut e = engine_with([]);
        let stream = open(&mut e, 0);
        e.on_stream(stream, caught_up(0, None));
        e.on_stream(
            stream,
            StreamMessage::Event {
                event: stored(1, 1),
            },
        );
        e.on_stream(stream, caught_up(0, None));
        assert_eq!(e.backend_behind(), None, "a repeated caught_up is stale");
    }

    #[test]
    fn a_backend_behind_stays_behind_when_a_later_catch_up_passes_the_cursor() {
        let (mut e, stream) = engine_behind_a_reset_backend();
        e.disconnected(stream, 0);
        let again = open(&mut e, 1_000_000);
        e.on_stream(again, caught_up(50, None));
        assert!(e.backend_behind().is_some());
    }

    #[test]
    fn resending_sends_own_confirmed_events_first_with_their_ids_and_rereads_from_zero() {
        let (mut e, _) = engine_behind_a_reset_backend();
        assert_eq!(e.resend_held(mine, 10), 2);
        assert_eq!(e.backend_behind(), None);
        assert_eq!(e.cursor(), 0);
        let commands = all(&mut e, 10);
        assert_eq!(
            commands[0],
            Command::Persist(Write {
                requeued: vec![ev(1), ev(3)],
                forgotten: vec![ev(2).id],
                cursor: Some(0),
                log: Some(None),
                ..Write::default()
            })
        );
        assert!(
            commands.contains(&Command::OpenStream {
                stream: 3,
                after: 0
            }),
            "{commands:?}"
        );
        let (request, batch) = sends(&commands).remove(0);
        assert_eq!(batch, ids(&[1, 3, 4]));
        assert!(
            !e.log().contains(&ev(2).id),
            "others' events are theirs to resend"
        );
        // The new backend stores them at new seqs; each is then held once.
        e.on_ack(request, &[ack(1, 1), ack(3, 2), ack(4, 3)], 20);
        assert!(e.log().pending().is_empty());
        assert_eq!(e.log().len(), 3);
        e.connected(3);
        assert_eq!(e.status(), Status::Online);
    }

    #[test]
    fn a_resent_event_the_backend_still_has_is_confirmed_by_the_stream_not_duplicated() {
        let (mut e, _) = engine_behind_a_reset_backend();
        e.resend_held(mine, 10);
        let stream = open(&mut e, 10);
        e.on_stream(
            stream,
            StreamMessage::Event {
                event: stored(1, 1),
            },
        );
        let batch = sends(&all(&mut e, 10)).remove(0).1;
        assert_eq!(batch, ids(&[3, 4]));
        assert_eq!(e.log().len(), 3);
    }

    /// The engine of `engine_behind_a_reset_backend` before it meets the
    /// backend: synced up to seq 3 with the log named `held` (if any).
    fn engine_synced_with(held: Option<&str>) -> SyncEngine {
        let saved = Saved {
            events: vec![stored(1, 1), stored(2, 2), stored(3, 3), ev(4)],
            refused: vec![],
            cursor: 3,
            log: held.map(String::from),
        };
        SyncEngine::new(saved, 1)
    }

    #[test]
    fn a_backend_naming_another_log_is_reported_even_when_its_head_is_past_the_cursor() {
        let mut e = engine_synced_with(Some("log-a"));
        let stream = open(&mut e, 0);
        e.on_stream(stream, caught_up(9, Some("log-b")));
        assert_eq!(
            e.backend_behind(),
            Some(BackendBehind {
                head: 9,
                cursor: 3,
                replaced: true
            })
        );
        assert_eq!(e.resendable(mine), 2);
        assert_eq!(e.log_id(), Some("log-a"), "not adopted before Re-send");
        // Sticky: a later connection to a log named as the held one does
        // not undo what was seen.
        e.disconnected(stream, 0);
        let again = open(&mut e, 1_000_000);
        e.on_stream(again, caught_up(9, Some("log-a")));
        assert_eq!(e.backend_behind().map(|b| b.replaced), Some(true));
    }

    #[test]
    fn a_backend_naming_the_held_log_past_the_cursor_is_the_same_log() {
        let mut e = engine_synced_with(Some("log-a"));
        let stream = open(&mut e, 0);
        e.on_stream(stream, caught_up(9, Some("log-a")));
        assert_eq!(e.backend_behind(), None);
        assert_eq!(e.log_id(), Some("log-a"));
        assert!(
            !all(&mut e, 0)
                .iter()
                .any(|c| matches!(c, Command::Persist(Write { log: Some(_), .. }))),
            "nothing new to keep"
        );
    }

    #[test]
    fn a_backend_that_names_no_log_is_judged_by_its_head_alone() {
        let mut e = engine_synced_with(Some("log-a"));
        let stream = open(&mut e, 0);
        e.on_stream(stream, caught_up(9, None));
        assert_eq!(e.backend_behind(), None, "past the cursor: as before");
        assert_eq!(e.log_id(), Some("log-a"), "the held name is kept");
        e.disconnected(stream, 0);
        let again = open(&mut e, 1_000_000);
        e.on_stream(again, caught_up(1, None));
        assert_eq!(
            e.backend_behind(),
            Some(BackendBehind {
                head: 1,
                cursor: 3,
                replaced: false
            })
        );
    }

    #[test]
    fn the_first_log_named_is_kept_with_the_cursor_and_a_later_other_one_reported() {
        let mut e = engine_synced_with(None);
        let stream = open(&mut e, 0);
        e.on_stream(stream, caught_up(5, Some("log-a")));
        assert_eq!(e.backend_behind(), None, "nothing held to compare with");
        assert_eq!(e.log_id(), Some("log-a"));
        assert!(all(&mut e, 0).contains(&Command::Persist(Write {
            log: Some(Some("log-a".into())),
            ..Write::default()
        })));
        e.disconnected(stream, 0);
        let again = open(&mut e, 1_000_000);
        e.on_stream(again, caught_up(5, Some("log-b")));
        assert_eq!(e.backend_behind().map(|b| b.replaced), Some(true));
    }

    #[test]
    fn a_log_named_by_a_backend_behind_the_cursor_is_held_only_after_resend() {
        let mut e = engine_synced_with(None);
        let stream = open(&mut e, 0);
        e.on_stream(stream, caught_up(0, Some("log-b")));
        assert_eq!(e.backend_behind().map(|b| b.replaced), Some(false));
        assert_eq!(e.log_id(), None, "the cursor does not count in that log");
        e.resend_held(mine, 10);
        assert_eq!(e.log_id(), Some("log-b"));
    }

    #[test]
    fn after_resend_the_log_the_backend_named_is_held_and_kept() {
        let mut e = engine_synced_with(Some("log-a"));
        let stream = open(&mut e, 0);
        e.on_stream(stream, caught_up(9, Some("log-b")));
        assert_eq!(e.resend_held(mine, 10), 2);
        assert_eq!(e.backend_behind(), None);
        assert_eq!(e.log_id(), Some("log-b"));
        let commands = all(&mut e, 10);
        assert!(
            commands.iter().any(|c| matches!(
                c,
                Command::Persist(Write { cursor: Some(0), log: Some(Some(log)), .. }) if log == "log-b"
            )),
            "the new name is stored with the cursor it counts in: {commands:?}"
        );
        // Read afresh from 0, the log is the one named: no alarm.
        let again = commands
            .iter()
            .find_map(|c| match c {
                Command::OpenStream { stream, after: 0 } => Some(*stream),
                _ => None,
            })
            .expect("the stream reopens from 0");
        e.connected(again);
        e.on_stream(again, caught_up(9, Some("log-b")));
        assert_eq!(e.backend_behind(), None);
        // And a restart keeps the name.
        let saved = Saved {
            cursor: 9,
            log: e.log_id().map(String::from),
            ..Saved::default()
        };
        let mut restarted = SyncEngine::new(saved, 2);
        let stream = open(&mut restarted, 0);
        restarted.on_stream(stream, caught_up(12, Some("log-c")));
        assert_eq!(restarted.backend_behind().map(|b| b.replaced), Some(true));
    }

    #[test]
    fn a_restarted_engine_resumes_from_what_was_saved() {
        let saved = Saved {
            events: vec![stored(1, 1), ev(3), ev(2), ev(4)],
            refused: vec![(ev(2).id, "bad".into())],
            cursor: 1,
            log: None,
        };
        let mut e = SyncEngine::new(saved, 1);
        let commands = all(&mut e, 0);
        assert!(commands.contains(&Command::OpenStream {
            stream: 2,
            after: 1
        }));
        assert_eq!(sends(&commands)[0].1, ids(&[3, 4]));
    }
}
