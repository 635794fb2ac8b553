//! This browser's replica of the incident log: the reactive state every view
//! reads, and `record`, the one way a view makes an event. An event reaches
//! IndexedDB before anything tries to send it.

use crate::browser::{local_storage_get, local_storage_set, new_id, now_ms};
use crate::store::{Store, StoredEvent, DB_NAME};
use crate::{live_feed, outbox};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::incident::list_order;
use sitrep_core::{Event, EventBody, EventId, Incident, IncidentId, Inserted, Log};
use std::collections::HashMap;

const AUTHOR_KEY: &str = "sitrep.author";

/// How the live connection to the backend stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Online,
    Offline,
}

#[derive(Clone, Copy)]
pub struct Replica {
    pub log: RwSignal<Log>,
    /// Events the backend refused, with its reason. They stay in the log.
    pub refused: RwSignal<HashMap<EventId, String>>,
    /// True once the IndexedDB copy has been read (or found unreadable).
    pub loaded: RwSignal<bool>,
    pub connection: RwSignal<Connection>,
    pub last_synced: RwSignal<Option<i64>>,
    /// A problem with local storage, shown in the header until it clears.
    pub storage_problem: RwSignal<Option<String>>,
    pub author: RwSignal<String>,
    store: StoredValue<Option<Store>, LocalStorage>,
    last_made: StoredValue<f64>,
    /// The `made` order of each pending event, kept so a rewrite keeps it.
    made: StoredValue<HashMap<EventId, f64>>,
    /// Events from the backend waiting to be applied and stored in one go.
    inbound: StoredValue<Vec<Event>>,
}

pub fn use_replica() -> Replica {
    expect_context::<Replica>()
}

/// Provides the replica, loads it from IndexedDB, then connects it.
pub fn provide_replica_context() {
    let replica = Replica {
        log: RwSignal::new(Log::new()),
        refused: RwSignal::new(HashMap::new()),
        loaded: RwSignal::new(false),
        connection: RwSignal::new(Connection::Connecting),
        last_synced: RwSignal::new(None),
        storage_problem: RwSignal::new(None),
        author: RwSignal::new(local_storage_get(AUTHOR_KEY).unwrap_or_default()),
        store: StoredValue::new_local(None),
        last_made: StoredValue::new(0.0),
        made: StoredValue::new(HashMap::new()),
        inbound: StoredValue::new(Vec::new()),
    };
    provide_context(replica);
    spawn_local(async move {
        replica.load(DB_NAME).await;
        live_feed::start(replica);
        outbox::flush(replica);
    });
}

impl Replica {
    async fn load(self, db_name: &str) {
        match Store::open(db_name).await {
            Ok(store) => {
                match store.load().await {
                    Ok(loaded) => {
                        if !loaded.skipped.is_empty() {
                            self.storage_problem.set(Some(format!(
                                "{} stored record(s) could not be read and were skipped: {}",
                                loaded.skipped.len(),
                                loaded.skipped.join("; ")
                            )));
                        }
                        self.adopt(loaded.events);
                    }
                    Err(e) => self
                        .storage_problem
                        .set(Some(format!("Could not read local copy: {e}"))),
                }
                self.store.set_value(Some(store));
            }
            Err(e) => self.storage_problem.set(Some(format!(
                "Local storage is unavailable ({e}); edits live only in this tab"
            ))),
        }
        self.loaded.set(true);
    }

    fn adopt(self, mut records: Vec<StoredEvent>) {
        // Pending events must enter the log in the order they were made.
        records.sort_by(|a, b| a.made.total_cmp(&b.made));
        let mut refused = HashMap::new();
        let mut last_made = 0.0f64;
        self.log.update(|log| {
            for r in records {
                last_made = last_made.max(r.made);
                if r.event.seq.is_none() {
                    self.made.update_value(|m| {
                        m.insert(r.event.id.clone(), r.made);
                    });
                }
                if let Some(err) = r.error {
                    refused.insert(r.event.id.clone(), err);
                }
                log.insert(r.event);
            }
        });
        self.last_made.set_value(last_made);
        self.refused.set(refused);
    }

    pub fn set_author(self, name: String) {
        local_storage_set(AUTHOR_KEY, &name);
        self.author.set(name);
    }

    fn author_name(self) -> String {
        let name = self.author.get_untracked();
        let name = name.trim();
        if name.is_empty() {
            "responder".into()
        } else {
            name.to_string()
        }
    }

    /// Makes an event, stores it, adds it to the log and starts delivery.
    /// Resolves once the event is in the log.
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
            clock_offset: None,
        };
        let id = event.id.clone();
        self.made.update_value(|m| {
            m.insert(id.clone(), made);
        });
        self.persist(vec![StoredEvent {
            event: event.clone(),
            made,
            error: None,
        }])
        .await;
        self.log.update(|l| {
            l.insert(event);
        });
        outbox::flush(self);
        id
    }

    /// Writes records to IndexedDB; a failure is shown, and the events stay
    /// in memory so they are still delivered from this tab.
    pub async fn persist(self, records: Vec<StoredEvent>) {
        let Some(store) = self.store.get_value() else {
            return;
        };
        match store.put(&records).await {
            Ok(()) => {
                if self.storage_problem.get_untracked().is_some_and(|p| p.starts_with("Could not save")) {
                    self.storage_problem.set(None);
                }
            }
            Err(e) => self.storage_problem.set(Some(format!(
                "Could not save locally ({e}). Keep this tab open until your edits show as delivered."
            ))),
        }
    }

    /// Takes events from the backend. They are applied and stored in batches
    /// so a catch-up of thousands of events re-renders once, not thousands of times.
    pub fn receive(self, event: Event) {
        let first = self.inbound.with_value(Vec::is_empty);
        self.inbound.update_value(|v| v.push(event));
        if first {
            set_timeout(
                move || self.apply_inbound(),
                std::time::Duration::from_millis(30),
            );
        }
    }

    fn apply_inbound(self) {
        let batch = self
            .inbound
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        let mut changed = Vec::new();
        self.log.update(|log| {
            for ev in batch {
                if log.insert(ev.clone()) != Inserted::Duplicate {
                    changed.push(StoredEvent {
                        event: ev,
                        made: 0.0,
                        error: None,
                    });
                }
            }
        });
        if !changed.is_empty() {
            spawn_local(self.persist(changed));
        }
    }

    /// Where a pending event stands in the order made (0 once confirmed).
    pub fn made_order(self, id: &EventId) -> f64 {
        self.made.with_value(|m| m.get(id).copied().unwrap_or(0.0))
    }

    pub fn incidents(self) -> Memo<Vec<Incident>> {
        Memo::new(move |_| {
            let mut list: Vec<Incident> = self
                .log
                .with(|l| l.fold().into_values().filter(|i| i.declared).collect());
            list.sort_by(list_order);
            list
        })
    }

    pub fn pending_count(self) -> Signal<usize> {
        Signal::derive(move || self.log.with(|l| l.pending().len()))
    }
}
