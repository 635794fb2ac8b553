//! The replica's local copy: reading it from IndexedDB at start, and
//! carrying out the writes the engine asks for.

use super::Replica;
use crate::browser::mark;
use crate::idb::{Durability, Idb, StoredEvent};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::sync::{self, Saved, SyncEngine};
use sitrep_core::EventId;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

/// Records converted and put per task while a big write goes to
/// IndexedDB: a catch-up of 10,000 events in one task blocks the page for
/// hundreds of milliseconds (the list, input). Each put costs the main
/// thread (the record's conversion, the browser's clone and request): a
/// CPU profile of a fresh browser's catch-up at 4x slowdown found slices
/// of 250 taking 80-310 ms each, the largest part of Lighthouse's total
/// blocking time; slices of this many stay near 10 ms of real work.
const RECORDS_PER_TASK: usize = 50;

/// A write the engine asked for, waiting its turn.
struct Job {
    records: Vec<StoredEvent>,
    cursor: Option<u64>,
    log: Option<Option<String>>,
    /// Events written pending again, whose stored acks must go.
    unacked: Vec<EventId>,
    durability: Durability,
}

thread_local! {
    /// The engine's writes, carried out one after another in the order
    /// asked: a write cut in slices must not let a later one's cursor
    /// commit before the events the earlier one still has to put.
    static QUEUE: RefCell<VecDeque<Job>> = const { RefCell::new(VecDeque::new()) };
    static WRITING: Cell<bool> = const { Cell::new(false) };
}

impl Replica {
    pub(super) async fn load(self, db_name: &str) {
        let mut saved = Saved::default();
        match Idb::open(db_name).await {
            Ok(idb) => {
                mark("sitrep:idb-opened");
                match idb.load().await {
                    Ok(loaded) => {
                        mark("sitrep:idb-decoded");
                        if !loaded.skipped.is_empty() {
                            self.storage_problem.set(Some(format!(
                                "{} stored record(s) could not be read and were skipped: {}",
                                loaded.skipped.len(),
                                loaded.skipped.join("; ")
                            )));
                        }
                        saved = self.saved_from(loaded.events, loaded.cursor, loaded.log);
                    }
                    Err(e) => self
                        .storage_problem
                        .set(Some(format!("Could not read the local copy: {e}"))),
                }
                idb.when_replaced(move || {
                    // Writes through a closed connection would only fail.
                    self.idb.set_value(None);
                    self.replaced.set(true);
                });
                self.idb.set_value(Some(idb));
            }
            Err(e) => self.storage_problem.set(Some(format!(
                "Local storage is unavailable ({e}); edits live only in this tab"
            ))),
        }
        let seed = (js_sys::Math::random() * u64::MAX as f64) as u64;
        let mut engine = SyncEngine::new(saved, seed);
        // The account known before the local copy was read still decides
        // whose queued edits go out.
        let account = self.author.get_untracked();
        if !account.trim().is_empty() {
            engine.set_sender(&account);
        }
        self.engine.set_value(engine);
        mark("sitrep:engine-built");
        self.notify();
        mark("sitrep:folded");
        self.loaded.set(true);
    }

    pub(super) fn saved_from(
        self,
        mut records: Vec<StoredEvent>,
        cursor: u64,
        log: Option<String>,
    ) -> Saved {
        // Pending events must enter the engine in the order they were made.
        sitrep_core::ordering::sort_by(&mut records, |a, b| a.made.total_cmp(&b.made));
        let mut saved = Saved {
            cursor,
            log,
            ..Saved::default()
        };
        self.made.update_value(|made| {
            for r in records {
                self.last_made.update_value(|m| *m = m.max(r.made));
                if r.event.seq.is_none() || r.made > 0.0 {
                    made.insert(r.event.id.clone(), r.made);
                }
                if let Some(err) = r.error {
                    saved.refused.push((r.event.id.clone(), err));
                }
                saved.events.push(r.event);
            }
        });
        saved
    }

    /// Carries out a write the engine asked for. Runs while the engine
    /// drives, so it must not touch the engine.
    pub(super) fn persist(self, write: sync::Write) {
        let mut records: Vec<StoredEvent> = self
            .stored_acks
            .try_update_value(|stored| {
                write
                    .events
                    .into_iter()
                    .filter(|event| !stored.remove(&event.id))
                    .map(|event| StoredEvent {
                        made: self.made_order(&event.id),
                        event,
                        error: None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Confirmations of the batch in flight wait for the outbox, which
        // stores them with its acks (see `in_flight`).
        self.in_flight.update_value(|(ids, held)| {
            if ids.is_empty() {
                return;
            }
            let (wait, now): (Vec<StoredEvent>, Vec<StoredEvent>) = std::mem::take(&mut records)
                .into_iter()
                .partition(|r| r.event.seq.is_some() && ids.contains(&r.event.id));
            held.extend(wait);
            records = now;
        });
        // Refused ones with their reason; retried ones, and ones delivered to
        // a backend that lost them, pending again without one.
        let unacked: Vec<EventId> = write.requeued.iter().map(|e| e.id.clone()).collect();
        let pending = write
            .refused
            .into_iter()
            .map(|(event, error)| (event, Some(error)))
            .chain(write.retried.into_iter().map(|event| (event, None)))
            .chain(write.requeued.into_iter().map(|event| (event, None)));
        for (event, error) in pending {
            let made = self.made_order(&event.id);
            records.push(StoredEvent { event, made, error });
        }
        let mut gone = write.discarded;
        gone.extend(write.forgotten);
        if !gone.is_empty() {
            spawn_local(self.delete(gone));
        }
        // Refusals exist only here; confirmed events and the cursor can be
        // fetched again from the backend.
        let durability = if records.iter().any(|r| r.error.is_some()) {
            Durability::Strict
        } else {
            Durability::Relaxed
        };
        QUEUE.with(|q| {
            q.borrow_mut().push_back(Job {
                records,
                cursor: write.cursor,
                log: write.log,
                unacked,
                durability,
            })
        });
        if !WRITING.with(|w| w.replace(true)) {
            spawn_local(self.write_queued());
        }
    }

    /// Carries out the queued writes in order, a big one in slices of
    /// `RECORDS_PER_TASK`, each slice its own transaction and task. The
    /// cursor goes with the last slice, so it never commits ahead of the
    /// events it covers.
    async fn write_queued(self) {
        while let Some(job) = QUEUE.with(|q| q.borrow_mut().pop_front()) {
            let Job {
                mut records,
                cursor,
                log,
                unacked,
                durability,
            } = job;
            while records.len() > RECORDS_PER_TASK {
                let rest = records.split_off(RECORDS_PER_TASK);
                let slice = std::mem::replace(&mut records, rest);
                self.write(slice, None, None, durability).await;
                crate::browser::next_task().await;
            }
            // The old acks go with the last slice, as the cursor does.
            let Some(idb) = self.idb.get_value() else {
                continue;
            };
            let log = log.as_ref().map(Option::as_deref);
            self.saved(
                idb.write_unacking(&records, cursor, log, &unacked, durability)
                    .await,
            );
        }
        WRITING.with(|w| w.set(false));
    }

    /// Writes to IndexedDB (with the cursor and the name of the log it
    /// counts in, when they change); a failure is shown, and the events stay
    /// in this tab's engine so they are still delivered from here.
    pub async fn write(
        self,
        records: Vec<StoredEvent>,
        cursor: Option<u64>,
        log: Option<Option<String>>,
        durability: Durability,
    ) {
        let Some(idb) = self.idb.get_value() else {
            return;
        };
        let log = log.as_ref().map(Option::as_deref);
        self.saved(idb.write(&records, cursor, log, durability).await);
    }

    /// Shows a failed local write, or clears the shown one once writes work.
    pub(super) fn saved(self, result: Result<(), String>) {
        match result {
            Ok(()) => {
                if self
                    .storage_problem
                    .get_untracked()
                    .is_some_and(|p| p.starts_with("Could not save"))
                {
                    self.storage_problem.set(None);
                }
            }
            Err(e) => self.storage_problem.set(Some(format!(
                "Could not save locally ({e}). Keep this tab open until your edits show as delivered."
            ))),
        }
    }

    /// Deletes discarded edits from IndexedDB; a failure is shown (the edit
    /// would come back, refused again, after a reload).
    pub(super) async fn delete(self, ids: Vec<EventId>) {
        let Some(idb) = self.idb.get_value() else {
            return;
        };
        if let Err(e) = idb.delete(&ids).await {
            self.storage_problem
                .set(Some(format!("Could not save locally ({e}).")));
        }
    }
}
