//! This browser's replica of the incident log: the sync engine from core in
//! a reactive context, the reactive state every view reads, and `record`,
//! the one way a view makes an event. An event reaches IndexedDB before the
//! engine may send it. The engine runs under core's `sync::drive`, the loop
//! the seeded simulator proves; the replica is its `Transport`, and the
//! only one that feeds the engine: the outbox, the live feed and the tabs
//! channel report back to it and know nothing of it.
//!
//! The first screen's wasm holds only this state and its cheap readers:
//! reading IndexedDB, decoding, folding, the engine's loop, the stream and
//! the outbox are a chunk fetched once someone is signed in (`boot`).

use crate::browser::{new_id, now_ms};
use crate::idb::{Idb, StoredEvent};
use crate::presence::{provide_presence_context, Presence};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::incident::list_order;
use sitrep_core::log::clock::ClockEstimate;
use sitrep_core::log::fold::{Folded, Refreshed};
use sitrep_core::log::protocol::StreamMessage;
use sitrep_core::log::sync;
use sitrep_core::log::sync::{BackendBehind, Saved, SyncEngine};
use sitrep_core::{Event, EventBody, EventId, Incident, IncidentId, Log, Workspace};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

mod boot;
mod local;
mod wire;

/// Inputs that arrive together (a catch-up of thousands of events) are
/// handled in one pass: one IndexedDB write, one re-render.
const COALESCE: Duration = Duration::from_millis(15);
/// Views are refreshed at most this often while events pour in: folding
/// 10,000 events for every batch of acks would starve the page.
const REFRESH_EVERY_MS: f64 = 100.0;
/// Folding per task while refreshing, before the rest waits for the next
/// task: long tasks block input and paint (Lighthouse's total blocking time
/// counts every task over 50 ms, measured on a CPU four times slower).
const FOLD_SLICE_MS: f64 = 8.0;

/// Who takes stream messages that are not about the log.
type SideTaker = Rc<dyn Fn(StreamMessage)>;
/// Stores an event made here and hands it to the engine (the boot chunk's).
type Store = Rc<dyn Fn(StoredEvent) -> Pin<Box<dyn Future<Output = ()>>>>;

#[derive(Clone, Copy)]
pub struct Replica {
    engine: StoredValue<SyncEngine>,
    /// Bumped whenever the engine's log or refusals change; views track it.
    changed: RwSignal<u64>,
    /// The log folded, kept current by `notify` (see `fold::Folded`).
    folded: StoredValue<Folded>,
    /// Bumped when an incident's fold changed, and when the workspace's did.
    incidents_changed: RwSignal<u64>,
    workspace_changed: RwSignal<u64>,
    /// The one list and the one workspace every view shares.
    list: Memo<Vec<Arc<Incident>>>,
    settings: Memo<Workspace>,
    pub status: RwSignal<sync::Status>,
    /// True once the IndexedDB copy has been read (or found unreadable).
    pub loaded: RwSignal<bool>,
    /// True once a catch-up from the backend has ended since the page
    /// opened: the log then held all the backend had. Stays true.
    pub caught_up: RwSignal<bool>,
    pub last_synced: RwSignal<Option<i64>>,
    /// A problem with local storage, shown in the header until it clears.
    pub storage_problem: RwSignal<Option<String>>,
    pub clock: RwSignal<ClockEstimate>,
    /// The signed-in account's name: the author of every event made here.
    pub author: RwSignal<String>,
    /// Who has which incident open; it rides on the live feed's socket.
    pub presence: Presence,
    /// The backend said the session is gone (401): delivery waits for a
    /// sign-in, and the outbox keeps every edit until then.
    pub signed_out: RwSignal<bool>,
    /// The backend's log ends before what this replica holds (it was reset
    /// or restored): shown in the header with an offer to re-send.
    pub behind: RwSignal<Option<BackendBehind>>,
    /// A newer console in another tab upgraded the local database, so this
    /// tab closed its connection: edits made here now live only in this tab
    /// until it is reloaded.
    pub replaced: RwSignal<bool>,
    /// Edits made after that, which only this tab's memory holds.
    memory_only: StoredValue<Vec<EventId>>,
    idb: StoredValue<Option<Idb>, LocalStorage>,
    /// Where each event made in this browser stands in the order made
    /// (IndexedDB keeps it, also once delivered): the events this browser
    /// authored, which are the ones it re-sends to a backend that lost them.
    made: StoredValue<HashMap<EventId, f64>>,
    last_made: StoredValue<f64>,
    scheduled: StoredValue<bool>,
    /// Edits made here, in the log and on screen, whose IndexedDB write has
    /// not finished: nothing is sent until it has (never lose a note).
    storing: StoredValue<usize>,
    wake: StoredValue<Option<TimeoutHandle>>,
    /// When views were last refreshed, and whether a refresh is queued.
    refreshed_at: StoredValue<f64>,
    /// The log revision and refusal count views last saw: a pass that
    /// changed neither (a presence message, a timer) refolds nothing.
    seen: StoredValue<(usize, usize)>,
    refresh_queued: StoredValue<bool>,
    /// Acked events the outbox already stored; the engine's own write of
    /// them would only repeat it.
    stored_acks: StoredValue<HashSet<EventId>>,
    /// The batch the outbox is delivering, and the confirmations of its
    /// events the live feed brought first (it usually does): the outbox
    /// stores each acked event under its lock, so those are written only
    /// if the delivery fails. One write per acked event, not two.
    in_flight: StoredValue<(HashSet<EventId>, Vec<StoredEvent>)>,
    /// Who takes stream messages that are not about the log (upstreams).
    side: StoredValue<Option<SideTaker>, LocalStorage>,
    /// Whether the engine's chunk was asked for (see `boot`).
    booting: StoredValue<bool>,
    /// One pass of the engine, and storing an edit: set by the boot chunk
    /// once the local copy is read. Until then there is nothing to drive,
    /// and edits wait in `ready_waiters`.
    driver: StoredValue<Option<Rc<dyn Fn()>>, LocalStorage>,
    store: StoredValue<Option<Store>, LocalStorage>,
    ready_waiters: StoredValue<Vec<js_sys::Function>, LocalStorage>,
}

pub fn use_replica() -> Replica {
    expect_context::<Replica>()
}

/// Provides the replica, loads it from IndexedDB, then starts syncing.
pub fn provide_replica_context() -> Replica {
    let folded = StoredValue::new(Folded::default());
    let incidents_changed = RwSignal::new(0);
    let workspace_changed = RwSignal::new(0);
    let list = Memo::new(move |_| {
        incidents_changed.track();
        let mut list: Vec<Arc<Incident>> =
            folded.with_value(|f| f.incidents().filter(|i| i.declared).cloned().collect());
        sitrep_core::ordering::sort_by(&mut list, |a, b| list_order(a, b));
        list
    });
    let settings = Memo::new(move |_| {
        workspace_changed.track();
        folded.with_value(|f| (**f.workspace()).clone())
    });
    let replica = Replica {
        engine: StoredValue::new(SyncEngine::new(Saved::default(), 0)),
        changed: RwSignal::new(0),
        folded,
        incidents_changed,
        workspace_changed,
        list,
        settings,
        status: RwSignal::new(sync::Status::Connecting),
        loaded: RwSignal::new(false),
        caught_up: RwSignal::new(false),
        last_synced: RwSignal::new(None),
        storage_problem: RwSignal::new(None),
        clock: RwSignal::new(ClockEstimate::default()),
        author: RwSignal::new(String::new()),
        presence: provide_presence_context(),
        signed_out: RwSignal::new(false),
        behind: RwSignal::new(None),
        replaced: RwSignal::new(false),
        memory_only: StoredValue::new(Vec::new()),
        idb: StoredValue::new_local(None),
        made: StoredValue::new(HashMap::new()),
        last_made: StoredValue::new(0.0),
        scheduled: StoredValue::new(false),
        storing: StoredValue::new(0),
        wake: StoredValue::new(None),
        refreshed_at: StoredValue::new(0.0),
        seen: StoredValue::new((0, 0)),
        refresh_queued: StoredValue::new(false),
        stored_acks: StoredValue::new(HashSet::new()),
        in_flight: StoredValue::new((HashSet::new(), Vec::new())),
        side: StoredValue::new_local(None),
        booting: StoredValue::new(false),
        driver: StoredValue::new_local(None),
        store: StoredValue::new_local(None),
        ready_waiters: StoredValue::new_local(Vec::new()),
    };
    provide_context(replica);
    replica
}

impl Replica {
    /// Fetches the engine's chunk, reads the local copy and starts syncing;
    /// once. Called when someone is signed in: the sign-in form needs none
    /// of it.
    pub fn boot(self) {
        if self.booting.get_value() {
            return;
        }
        self.booting.set_value(true);
        spawn_local(boot::boot(self));
    }

    /// Resolves once the engine is up and the local copy read. Until then
    /// the edit waiting for it exists only in this tab's memory (the
    /// engine's chunk may be on a dropped link, fetched again until it
    /// arrives), so leaving the page asks first.
    async fn until_ready(self) {
        if self.store.with_value(Option::is_some) {
            return;
        }
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            self.ready_waiters.update_value(|w| w.push(resolve));
        });
        let _asking = crate::browser::AskBeforeLeaving::start();
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    /// Signed in (again): events are made as `name`, and delivery is tried
    /// at once rather than after the backoff.
    pub fn signed_in(self, name: String) {
        self.set_account(name);
        self.signed_out.set(false);
        self.input(|e, now| e.retry_now(now));
    }

    /// The account this browser acts as: events are made as it, and only
    /// its own queued edits are delivered (the backend would stamp another
    /// account's with this one's name); the others wait for their owner.
    pub fn set_account(self, name: String) {
        self.engine.update_value(|e| e.set_sender(&name));
        self.author.set(name);
        self.kick();
    }

    pub fn author_name(self) -> String {
        let name = self.author.get_untracked();
        let name = name.trim();
        if name.is_empty() {
            "responder".into()
        } else {
            name.to_string()
        }
    }

    /// Makes an event, shows it at once as pending, stores it, tells the
    /// other tabs, and lets the engine deliver it once stored. Resolves once the event is in the log. An edit
    /// made while the engine's chunk or the local copy is still loading
    /// waits for them (it is made now, in order, and stored then): reading
    /// the local copy replaces the engine, which would drop it otherwise.
    pub async fn record(self, incident: IncidentId, body: EventBody) -> EventId {
        let made = (now_ms() as f64).max(self.last_made.get_value() + 1.0);
        self.last_made.set_value(made);
        let event = Event {
            id: EventId(new_id().into()),
            incident,
            author: self.author_name().into(),
            at: now_ms(),
            body,
            seq: None,
            received_at: None,
            clock_offset: self.clock.get_untracked().offset_ms(),
            number: None,
        };
        let id = event.id.clone();
        let record = StoredEvent {
            event,
            made,
            error: None,
        };
        if self.replaced.get_untracked() {
            self.memory_only.update_value(|m| m.push(id.clone()));
        }
        self.until_ready().await;
        if let Some(store) = self.store.get_value() {
            store(record).await;
        }
        id
    }

    /// An event made here or in another tab of this browser, already stored.
    pub fn adopt_made(self, record: StoredEvent) {
        self.last_made.update_value(|m| *m = m.max(record.made));
        self.made.update_value(|m| {
            m.insert(record.event.id.clone(), record.made);
        });
        self.engine.update_value(|e| {
            e.make(record.event);
        });
        self.kick();
    }

    /// Sets who takes stream messages that are not about the log.
    pub fn on_side_message(self, f: impl Fn(StreamMessage) + 'static) {
        self.side.set_value(Some(Rc::new(f)));
    }

    /// Hands a stream message that is not about the log to its taker.
    pub fn side_message(self, msg: StreamMessage) {
        if let Some(f) = self.side.get_value() {
            f(msg);
        }
    }

    /// Feeds the engine an input (a stream message, an answer) and schedules
    /// a pass over what it asks for next.
    pub fn input(self, f: impl FnOnce(&mut SyncEngine, u64)) {
        let now = now_ms().max(0) as u64;
        self.engine.update_value(|e| f(e, now));
        self.kick();
    }

    /// Schedules one pass of `drive` soon, unless one is already due.
    /// Before the boot there is no engine to drive; the boot kicks once up.
    pub fn kick(self) {
        if self.scheduled.get_value() {
            return;
        }
        let Some(drive) = self.driver.get_value() else {
            return;
        };
        self.scheduled.set_value(true);
        set_timeout(move || drive(), COALESCE);
    }

    /// Refreshes views now, or once the refresh interval has passed.
    fn refresh_soon(self) {
        if self.refresh_queued.get_value() {
            return;
        }
        let since = now_ms() as f64 - self.refreshed_at.get_value();
        if since >= REFRESH_EVERY_MS {
            self.notify();
            return;
        }
        self.refresh_queued.set_value(true);
        let wait = Duration::from_millis((REFRESH_EVERY_MS - since).max(0.0) as u64);
        set_timeout(
            move || {
                self.refresh_queued.set_value(false);
                self.notify();
            },
            wait,
        );
    }

    /// Sends a refused edit again, for when its cause is gone.
    pub fn retry_refused(self, id: EventId) {
        self.input(move |engine, _| {
            engine.retry_refused(&id);
        });
    }

    /// Drops a refused edit for good (the view asks first).
    pub fn discard_refused(self, id: EventId) {
        self.input(move |engine, _| {
            engine.discard_refused(&id);
        });
    }

    /// How many delivered events of this browser's a re-send would send.
    pub fn resendable(self) -> usize {
        self.changed.track();
        self.made.with_value(|made| {
            self.engine
                .with_value(|e| e.resendable(|ev| made.contains_key(&ev.id)))
        })
    }

    /// The reader's answer to a backend that lost what this browser holds
    /// (docs/protocol.md, "A backend behind the client's cursor"): the
    /// events this browser made go again as pending, with their ids, so the
    /// backend stores each once; others' events are left to their authors,
    /// and the log is read again from the start.
    /// Its code (it copies every held event) is a chunk of its own
    /// (`boot::resend_held`): the header offers it, but it is rarely used.
    pub fn resend_held(self) {
        spawn_local(boot::resend_held(self));
    }

    /// How many edits only this tab holds, not yet delivered: what a reload
    /// after the database was replaced would lose.
    pub fn memory_only_pending(self) -> usize {
        self.changed.track();
        self.memory_only.with_value(|ids| {
            self.engine
                .with_value(|e| ids.iter().filter(|id| e.log().is_pending(id)).count())
        })
    }

    /// Notes acked events the outbox has stored itself.
    pub fn acks_stored(self, ids: impl IntoIterator<Item = EventId>) {
        self.stored_acks.update_value(|s| s.extend(ids));
    }

    pub fn idb(self) -> Option<Idb> {
        self.idb.get_value()
    }

    /// Where an event made in this browser stands in the order made (0 for
    /// events that came from elsewhere).
    pub fn made_order(self, id: &EventId) -> f64 {
        self.made.with_value(|m| m.get(id).copied().unwrap_or(0.0))
    }

    /// Refreshes what views see: status, and (tracked by `changed`) the log.
    fn notify(self) {
        self.refreshed_at.set_value(now_ms() as f64);
        let status = self.engine.with_value(SyncEngine::status);
        if self.status.get_untracked() != status {
            self.status.set(status);
        }
        let behind = self.engine.with_value(SyncEngine::backend_behind);
        if self.behind.get_untracked() != behind {
            self.behind.set(behind);
        }
        if !self.caught_up.get_untracked() && self.engine.with_value(SyncEngine::is_caught_up) {
            self.caught_up.set(true);
        }
        let now = self
            .engine
            .with_value(|e| (e.log().revision(), e.refused().len()));
        if self.seen.get_value() != now {
            // Folded a slice at a time (a catch-up brings a hundred
            // incidents at once); the views show each slice.
            let started = js_sys::Date::now();
            let within = || js_sys::Date::now() - started < FOLD_SLICE_MS;
            let refreshed = self.engine.with_value(|e| {
                self.folded
                    .try_update_value(|f| f.refresh_within(e.log(), within))
                    .unwrap_or(Refreshed {
                        changes: Default::default(),
                        done: true,
                    })
            });
            let changes = refreshed.changes;
            if !changes.incidents.is_empty() {
                self.incidents_changed.update(|n| *n += 1);
            }
            if changes.workspace {
                self.workspace_changed.update(|n| *n += 1);
            }
            self.changed.update(|n| *n += 1);
            if refreshed.done {
                self.seen.set_value(now);
            } else if !self.refresh_queued.get_value() {
                self.refresh_queued.set_value(true);
                set_timeout(
                    move || {
                        self.refresh_queued.set_value(false);
                        self.notify();
                    },
                    Duration::ZERO,
                );
            }
        }
    }

    /// Reads the log, tracking changes to it.
    pub fn with_log<T>(self, f: impl FnOnce(&Log) -> T) -> T {
        self.changed.track();
        self.engine.with_value(|e| f(e.log()))
    }

    /// The backend's reason for refusing an event, tracking changes.
    pub fn refusal(self, id: &EventId) -> Option<String> {
        self.changed.track();
        self.engine.with_value(|e| e.refused().get(id).cloned())
    }

    /// Every declared incident in list order (one memo, shared).
    pub fn incidents(self) -> Memo<Vec<Arc<Incident>>> {
        self.list
    }

    /// One incident, declared. Tracks only folds of incidents: a change in
    /// another one recomputes this memo cheaply (a pointer) and does not
    /// re-render its views.
    pub fn incident(self, id: Memo<IncidentId>) -> Memo<Option<Arc<Incident>>> {
        Memo::new(move |_| {
            let id = id.get();
            self.incidents_changed.track();
            self.folded
                .with_value(|f| f.incident(&id).filter(|i| i.declared).cloned())
        })
    }

    /// The shared settings (component catalogue, roles, severity policy).
    pub fn workspace(self) -> Memo<Workspace> {
        self.settings
    }

    /// The signed-in account's edits not yet delivered.
    pub fn pending_count(self) -> Memo<usize> {
        Memo::new(move |_| {
            self.author.track();
            let all = self.with_log(|l| l.pending().len());
            let held: usize = self
                .engine
                .with_value(SyncEngine::held_for_others)
                .iter()
                .map(|(_, n)| n)
                .sum();
            all.saturating_sub(held)
        })
    }

    /// Queued edits of other accounts (by author): kept here, delivered
    /// only when their author signs in again.
    pub fn held_for_others(self) -> Memo<Vec<(Arc<str>, usize)>> {
        Memo::new(move |_| {
            self.author.track();
            self.changed.track();
            self.engine.with_value(SyncEngine::held_for_others)
        })
    }
}
