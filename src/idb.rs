//! The browser's copy of the log in IndexedDB: every event this console made
//! or received, with the order pending ones were made in and any refusal,
//! and the stream cursor with the name of the backend log it counts in,
//! written in the same transaction as the events. The acks of a delivered
//! batch are one record of their own (ids to seqs), merged into the events
//! when they are read: an ack never rewrites its event.
//! Beside the log, the last list of watched upstreams the backend sent, so
//! the panel can show it (with its age) when the backend cannot be reached,
//! and the keys of the browser notifications shown, so tabs show each once.
//! Each transaction is one short burst of requests: awaiting anything else
//! inside one lets IndexedDB auto-commit it under us.

use sitrep_core::log::protocol::Ack;
use sitrep_core::status_page::upstream::ProviderView;
use sitrep_core::{Event, EventId};
use std::collections::{HashMap, HashSet};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbObjectStoreParameters, IdbRequest, IdbTransaction, IdbTransactionMode,
};

pub const DB_NAME: &str = "sitrep";
/// Version 1: `events`. Version 2 adds `meta` (the stream cursor).
/// Version 3 adds `upstreams` (the last provider list received).
/// Version 4 adds `acks` (the acks of each delivered batch, one record each).
const DB_VERSION: u32 = 4;
const EVENTS: &str = "events";
const META: &str = "meta";
const CURSOR_KEY: &str = "cursor";
/// The name of the backend log the cursor counts in (beside it in `meta`,
/// so no new version: a database without it reads as never named).
const LOG_KEY: &str = "log";
/// Which tab stored the last acks (a token per tab). Kept in IndexedDB, not
/// localStorage: IndexedDB transactions are ordered across tabs, while
/// Chromium propagates localStorage between renderer processes late, so a
/// tab could read a stale marker and send again what another tab delivered.
const DELIVERED_BY_KEY: &str = "delivered_by";
/// Notifications already shown, one `meta` key each (`notice:` and the
/// notice's key), valued with when: see `claim_notice`.
const NOTICE_PREFIX: &str = "notice:";
const UPSTREAMS: &str = "upstreams";
/// The upstreams store holds one record: the whole list, replaced at once.
const UPSTREAMS_KEY: &str = "latest";
/// One record per delivered batch, `{json: [Ack, ...]}`, under an
/// increasing key. Storing 10,000 acks as 10,000 rewritten events cost
/// ~670 ms of IndexedDB work on the delivery path; as records of a batch
/// each, one put per batch. An event record without a seq takes the seq
/// of its ack when read (`load`); `acks_since_load` reads what other tabs
/// stored later.
const ACKS: &str = "acks";

/// What a write puts in `meta` beside the records: each only when given.
struct Meta<'a> {
    cursor: Option<u64>,
    /// `Some(None)`: forget the name.
    log: Option<Option<&'a str>>,
    delivered_by: Option<&'a str>,
    /// Events stored pending again: their stored acks no longer hold.
    unacked: &'a [EventId],
}

/// How hard a write insists on reaching the disk before it counts as done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Flushed to disk: for what only this browser holds (a new edit).
    Strict,
    /// May be lost to a power cut, never to a tab crash: for what the
    /// backend already holds (acks, received events), which comes back.
    Relaxed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub event: Event,
    /// Where a pending event stands in the order this browser made them.
    pub made: f64,
    /// Why the backend refused the event, if it did. The event is kept.
    pub error: Option<String>,
}

/// What `load` found: the records that parsed, and a line for each that did not.
#[derive(Debug, Default)]
pub struct Loaded {
    pub events: Vec<StoredEvent>,
    pub skipped: Vec<String>,
    /// The highest seq received over the stream (0 when never stored).
    pub cursor: u64,
    /// The name of the backend log the cursor counts in (None: never named).
    pub log: Option<String>,
}

/// The upstream list as last received, and when (ms, this device's clock).
#[derive(Clone, Debug, PartialEq)]
pub struct SavedUpstreams {
    pub providers: Vec<ProviderView>,
    pub received_at: i64,
}

#[derive(Clone, Debug)]
pub struct Idb {
    db: IdbDatabase,
}

/// A property of the connection: the key of the last ack record `load`
/// merged (none: 0). The acks up to it are in the reader's log already; a
/// later check for acks another tab stored (`acks_since_load`) reads only
/// the records after it. On the connection, not in `Idb`: the first load
/// opens the database too, and a field would grow it.
const ACKS_LOADED: &str = "sitrepAcksLoaded";

impl Idb {
    pub async fn open(name: &str) -> Result<Idb, String> {
        Self::open_version(name, DB_VERSION).await
    }

    /// Opens at a given schema version, migrating forward from whatever is
    /// there. Public so tests can build an old database and upgrade it.
    pub async fn open_version(name: &str, version: u32) -> Result<Idb, String> {
        let factory = web_sys::window()
            .ok_or("no window")?
            .indexed_db()
            .map_err(describe)?
            .ok_or("this browser offers no IndexedDB")?;
        let open = factory.open_with_u32(name, version).map_err(describe)?;
        let upgrade = Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new(
            move |ev: web_sys::IdbVersionChangeEvent| {
                let db: Option<IdbDatabase> = ev
                    .target()
                    .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                    .and_then(|r| r.result().ok())
                    .and_then(|r| r.dyn_into().ok());
                let Some(db) = db else { return };
                // Each step only adds; data written by older versions stays.
                let old = ev.old_version() as u32;
                if old < 1 && version >= 1 {
                    let params = IdbObjectStoreParameters::new();
                    params.set_key_path(&JsValue::from_str("id"));
                    let _ = db.create_object_store_with_optional_parameters(EVENTS, &params);
                }
                if old < 2 && version >= 2 {
                    let _ = db.create_object_store(META);
                }
                if old < 3 && version >= 3 {
                    let _ = db.create_object_store(UPSTREAMS);
                }
                if old < 4 && version >= 4 {
                    // By hand, not web-sys's setter: its glue would grow
                    // the first load, which opens the database too.
                    let params = IdbObjectStoreParameters::new();
                    let _ = js_sys::Reflect::set(&params, &"autoIncrement".into(), &JsValue::TRUE);
                    let _ = db.create_object_store_with_optional_parameters(ACKS, &params);
                }
            },
        );
        open.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let result = request(open.clone().unchecked_into()).await;
        open.set_onupgradeneeded(None);
        drop(upgrade);
        let db: IdbDatabase = result?
            .dyn_into()
            .map_err(|_| "open did not give a database")?;
        let idb = Idb { db };
        // A newer console in another tab needs this connection gone to
        // upgrade; holding it would block that tab until this one closes.
        idb.when_replaced(|| {});
        Ok(idb)
    }

    /// When a newer version of the database is asked for (a newer console
    /// in another tab), closes this connection and calls `then`. Later
    /// reads and writes fail; the caller tells the reader to reload.
    pub fn when_replaced(&self, then: impl FnOnce() + 'static) {
        let db = self.db.clone();
        let mut then = Some(then);
        let handler = Closure::<dyn FnMut()>::new(move || {
            db.close();
            if let Some(then) = then.take() {
                then();
            }
        });
        self.db
            .set_onversionchange(Some(handler.as_ref().unchecked_ref()));
        // Lives as long as the connection, which lives as long as the page.
        handler.forget();
    }

    /// Writes records in one transaction and resolves once it has committed.
    pub async fn put(&self, records: &[StoredEvent]) -> Result<(), String> {
        self.write(records, None, None, Durability::Strict).await
    }

    /// Writes records and, if given, the cursor and the name of the log it
    /// counts in (`Some(None)` forgets the name), all in one transaction, so
    /// a crash can never leave the cursor ahead of the events it covers, nor
    /// counting in another log than the one named.
    pub async fn write(
        &self,
        records: &[StoredEvent],
        cursor: Option<u64>,
        log: Option<Option<&str>>,
        durability: Durability,
    ) -> Result<(), String> {
        self.write_unacking(records, cursor, log, &[], durability)
            .await
    }

    /// `write`, and forgets in the same transaction the stored acks of
    /// `unacked`: events written pending again (re-sent to a backend that
    /// lost them), which an old ack must not confirm when they are read.
    pub async fn write_unacking(
        &self,
        records: &[StoredEvent],
        cursor: Option<u64>,
        log: Option<Option<&str>>,
        unacked: &[EventId],
        durability: Durability,
    ) -> Result<(), String> {
        let meta = Meta {
            cursor,
            log,
            delivered_by: None,
            unacked,
        };
        self.write_meta(records, meta, durability).await
    }

    /// Stores the acks of a delivered batch as one record and, in the same
    /// transaction, that `tab` delivered them: a tab that reads the marker
    /// also sees the acks. The events themselves are not rewritten.
    pub async fn write_acks(&self, acks: &[Ack], tab: &str) -> Result<(), String> {
        let scope = js_sys::Array::of2(&JsValue::from_str(ACKS), &JsValue::from_str(META));
        let tx = self.readwrite(&scope, Durability::Relaxed)?;
        let done = completion(&tx);
        if !acks.is_empty() {
            tx.object_store(ACKS)
                .map_err(describe)?
                .put(&acks_to_js(acks)?)
                .map_err(describe)?;
        }
        mark_delivered_by(&tx, tab)?;
        done.await
    }

    /// The token of the tab that stored the last acks, if any did.
    pub async fn delivered_by(&self) -> Result<Option<String>, String> {
        let tx = self.db.transaction_with_str(META).map_err(describe)?;
        let get = tx
            .object_store(META)
            .map_err(describe)?
            .get(&JsValue::from_str(DELIVERED_BY_KEY))
            .map_err(describe)?;
        Ok(request(get).await?.as_string())
    }

    async fn write_meta(
        &self,
        records: &[StoredEvent],
        meta: Meta<'_>,
        durability: Durability,
    ) -> Result<(), String> {
        let Meta {
            cursor,
            log,
            delivered_by,
            unacked,
        } = meta;
        let touches_meta = cursor.is_some() || log.is_some() || delivered_by.is_some();
        if records.is_empty() && !touches_meta && unacked.is_empty() {
            return Ok(());
        }
        let scope = js_sys::Array::of1(&JsValue::from_str(EVENTS));
        if touches_meta {
            scope.push(&JsValue::from_str(META));
        }
        if !unacked.is_empty() {
            scope.push(&JsValue::from_str(ACKS));
        }
        let tx = self.readwrite(&scope, durability)?;
        let done = completion(&tx);
        let store = tx.object_store(EVENTS).map_err(describe)?;
        for r in records {
            store.put(&to_js(r)?).map_err(describe)?;
        }
        if let Some(cursor) = cursor {
            tx.object_store(META)
                .map_err(describe)?
                .put_with_key(
                    &JsValue::from_f64(cursor as f64),
                    &JsValue::from_str(CURSOR_KEY),
                )
                .map_err(describe)?;
        }
        match log {
            Some(Some(name)) => {
                tx.object_store(META)
                    .map_err(describe)?
                    .put_with_key(&JsValue::from_str(name), &JsValue::from_str(LOG_KEY))
                    .map_err(describe)?;
            }
            Some(None) => {
                tx.object_store(META)
                    .map_err(describe)?
                    .delete(&JsValue::from_str(LOG_KEY))
                    .map_err(describe)?;
            }
            None => {}
        }
        if let Some(tab) = delivered_by {
            mark_delivered_by(&tx, tab)?;
        }
        if !unacked.is_empty() {
            // Read and rewritten in this transaction (its requests keep it
            // alive): no other write can slip in between.
            let store = tx.object_store(ACKS).map_err(describe)?;
            let keys = store.get_all_keys().map_err(describe)?;
            let values = store.get_all().map_err(describe)?;
            let keys = js_sys::Array::from(&request(keys).await?);
            let values = js_sys::Array::from(&request(values).await?);
            let gone: HashSet<&EventId> = unacked.iter().collect();
            for (key, value) in keys.iter().zip(values.iter()) {
                let Ok(acks) = acks_from_js(&value) else {
                    continue;
                };
                let kept: Vec<Ack> = acks
                    .iter()
                    .filter(|a| !gone.contains(&a.id))
                    .cloned()
                    .collect();
                if kept.is_empty() {
                    store.delete(&key).map_err(describe)?;
                } else if kept.len() < acks.len() {
                    store
                        .put_with_key(&acks_to_js(&kept)?, &key)
                        .map_err(describe)?;
                }
            }
        }
        done.await
    }

    /// Deletes the records with these ids (refused edits their author
    /// discarded) in one transaction, resolving once it has committed.
    pub async fn delete(&self, ids: &[EventId]) -> Result<(), String> {
        if ids.is_empty() {
            return Ok(());
        }
        let scope = js_sys::Array::of1(&JsValue::from_str(EVENTS));
        let tx = self.readwrite(&scope, Durability::Strict)?;
        let done = completion(&tx);
        let store = tx.object_store(EVENTS).map_err(describe)?;
        for id in ids {
            store.delete(&JsValue::from_str(&id.0)).map_err(describe)?;
        }
        done.await
    }

    /// The acks any tab stored after `load` read them, by event id: what
    /// another tab delivered meanwhile (the acks up to then are in the
    /// reader's log already). Reads only the ack records, a few per
    /// thousand events, never the events.
    pub async fn acks_since_load(&self) -> Result<HashMap<EventId, Ack>, String> {
        let tx = self.db.transaction_with_str(ACKS).map_err(describe)?;
        let loaded = js_sys::Reflect::get(&self.db, &ACKS_LOADED.into()).map_err(describe)?;
        let after = keys_after(loaded.as_f64().unwrap_or(0.0))?;
        // Called by hand, as `keys_after` is made: see `ACKS_LOADED`.
        let store = tx.object_store(ACKS).map_err(describe)?;
        let later = js_sys::Reflect::get(&store, &"getAll".into())
            .map_err(describe)?
            .unchecked_into::<js_sys::Function>()
            .call1(&store, &after)
            .map_err(describe)?
            .unchecked_into::<IdbRequest>();
        let later = js_sys::Array::from(&request(later).await?);
        Ok(acks_by_id(later.iter()))
    }

    /// A read-write transaction with the given durability. web-sys has no
    /// stable binding for the options argument, so it is passed by hand.
    fn readwrite(
        &self,
        scope: &js_sys::Array,
        durability: Durability,
    ) -> Result<IdbTransaction, String> {
        let options = js_sys::Object::new();
        let value = match durability {
            Durability::Strict => "strict",
            Durability::Relaxed => "relaxed",
        };
        js_sys::Reflect::set(&options, &"durability".into(), &value.into()).map_err(describe)?;
        let transaction = js_sys::Reflect::get(&self.db, &"transaction".into())
            .map_err(describe)?
            .dyn_into::<js_sys::Function>()
            .map_err(|_| "IDBDatabase.transaction is not a function")?;
        transaction
            .call3(&self.db, scope, &"readwrite".into(), &options)
            .map_err(describe)?
            .dyn_into::<IdbTransaction>()
            .map_err(|_| "transaction() did not give a transaction".to_string())
    }

    /// Stores a value exactly as given, bypassing the typed path: for tests
    /// that need a corrupt or foreign record.
    #[doc(hidden)]
    pub async fn put_raw(&self, value: &JsValue) -> Result<(), String> {
        let tx = self
            .db
            .transaction_with_str_and_mode(EVENTS, IdbTransactionMode::Readwrite)
            .map_err(describe)?;
        let done = completion(&tx);
        tx.object_store(EVENTS)
            .map_err(describe)?
            .put(value)
            .map_err(describe)?;
        done.await
    }

    /// Reads every record. A record that does not parse is reported and
    /// skipped; the rest still load.
    pub async fn load(&self) -> Result<Loaded, String> {
        let scope = js_sys::Array::of2(&JsValue::from_str(EVENTS), &JsValue::from_str(META));
        scope.push(&JsValue::from_str(ACKS));
        let tx = self
            .db
            .transaction_with_str_sequence(&scope)
            .map_err(describe)?;
        let all = tx
            .object_store(EVENTS)
            .map_err(describe)?
            .get_all()
            .map_err(describe)?;
        let meta = tx.object_store(META).map_err(describe)?;
        let cursor = meta.get(&JsValue::from_str(CURSOR_KEY)).map_err(describe)?;
        let log = meta.get(&JsValue::from_str(LOG_KEY)).map_err(describe)?;
        // Awaited in the order issued: `request` listens only once awaited,
        // and a request that succeeded before that is never heard.
        let acks = tx.object_store(ACKS).map_err(describe)?;
        let ack_keys = acks.get_all_keys().map_err(describe)?;
        let ack_records = acks.get_all().map_err(describe)?;
        let array: js_sys::Array = request(all).await?.dyn_into().map_err(|_| "not an array")?;
        crate::browser::mark("sitrep:idb-read");
        let mut loaded = Loaded {
            cursor: request(cursor)
                .await?
                .as_f64()
                .map_or(0, |c| c.max(0.0) as u64),
            log: request(log).await?.as_string().filter(|l| !l.is_empty()),
            ..Loaded::default()
        };
        let ack_keys = js_sys::Array::from(&request(ack_keys).await?);
        let ack_records = js_sys::Array::from(&request(ack_records).await?);
        let acks = acks_by_id(ack_records.iter());
        for value in array.iter() {
            match from_js(&value) {
                Ok(mut r) => {
                    apply_ack(&mut r, &acks);
                    loaded.events.push(r)
                }
                Err(e) => loaded.skipped.push(e),
            }
        }
        let last = ack_keys
            .iter()
            .filter_map(|k| k.as_f64())
            .fold(0.0, f64::max);
        js_sys::Reflect::set(&self.db, &ACKS_LOADED.into(), &JsValue::from_f64(last))
            .map_err(describe)?;
        Ok(loaded)
    }

    /// Replaces the stored upstream list. Relaxed: the backend sends it
    /// again on every connection.
    pub async fn save_upstreams(&self, saved: &SavedUpstreams) -> Result<(), String> {
        let json = serde_json::to_string(&saved.providers).map_err(|e| e.to_string())?;
        let record = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            js_sys::Reflect::set(&record, &JsValue::from_str(k), &v).map(|_| ())
        };
        set("json", JsValue::from_str(&json)).map_err(describe)?;
        set("received_at", JsValue::from_f64(saved.received_at as f64)).map_err(describe)?;
        let tx = self.readwrite(
            &js_sys::Array::of1(&JsValue::from_str(UPSTREAMS)),
            Durability::Relaxed,
        )?;
        let done = completion(&tx);
        tx.object_store(UPSTREAMS)
            .map_err(describe)?
            .put_with_key(&record, &JsValue::from_str(UPSTREAMS_KEY))
            .map_err(describe)?;
        done.await
    }

    /// The stored upstream list, if one was ever saved. A record that does
    /// not parse is an error with its reason, not an empty list.
    pub async fn load_upstreams(&self) -> Result<Option<SavedUpstreams>, String> {
        let tx = self.db.transaction_with_str(UPSTREAMS).map_err(describe)?;
        let get = tx
            .object_store(UPSTREAMS)
            .map_err(describe)?
            .get(&JsValue::from_str(UPSTREAMS_KEY))
            .map_err(describe)?;
        let value = request(get).await?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        let field = |k: &str| {
            js_sys::Reflect::get(&value, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
        };
        let json = field("json")
            .as_string()
            .ok_or("the saved upstream list has no text")?;
        let providers = serde_json::from_str(&json)
            .map_err(|e| format!("the saved upstream list does not parse: {e}"))?;
        Ok(Some(SavedUpstreams {
            providers,
            received_at: field("received_at").as_f64().unwrap_or(0.0) as i64,
        }))
    }

    /// Claims a browser notification for this tab: true for the first tab
    /// of this browser to claim `key`, false for every later claim. An
    /// `add` of a key already held fails, and read-write transactions on
    /// one store run one after another across tabs, so two tabs that hear
    /// of the same event at once cannot both win (see `notices`).
    pub async fn claim_notice(&self, key: &str, now: i64) -> Result<bool, String> {
        let scope = js_sys::Array::of1(&JsValue::from_str(META));
        let tx = self.readwrite(&scope, Durability::Relaxed)?;
        let add = tx
            .object_store(META)
            .map_err(describe)?
            .add_with_key(
                &JsValue::from_f64(now as f64),
                &JsValue::from_str(&format!("{NOTICE_PREFIX}{key}")),
            )
            .map_err(describe)?;
        match request(add).await {
            Ok(_) => Ok(true),
            Err(e) if e.starts_with("ConstraintError") => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Forgets the notices claimed before `before` (this device's clock).
    /// A claim matters only while tabs may still hear its event; kept
    /// forever, they would pile up for as long as the browser is used.
    /// Read, then deleted in a second transaction: a claim is never
    /// rewritten, so nothing read can change in between.
    pub async fn forget_notices_before(&self, before: i64) -> Result<usize, String> {
        let tx = self.db.transaction_with_str(META).map_err(describe)?;
        let store = tx.object_store(META).map_err(describe)?;
        // Both issued before either is awaited, so the transaction stays alive.
        let keys = store.get_all_keys().map_err(describe)?;
        let values = store.get_all().map_err(describe)?;
        let keys = js_sys::Array::from(&request(keys).await?);
        let values = js_sys::Array::from(&request(values).await?);
        let old: Vec<JsValue> = keys
            .iter()
            .zip(values.iter())
            .filter(|(k, at)| {
                k.as_string().is_some_and(|k| k.starts_with(NOTICE_PREFIX))
                    && at.as_f64().is_some_and(|at| at < before as f64)
            })
            .map(|(k, _)| k)
            .collect();
        if old.is_empty() {
            return Ok(0);
        }
        let scope = js_sys::Array::of1(&JsValue::from_str(META));
        let tx = self.readwrite(&scope, Durability::Relaxed)?;
        let done = completion(&tx);
        let store = tx.object_store(META).map_err(describe)?;
        for key in &old {
            store.delete(key).map_err(describe)?;
        }
        done.await?;
        Ok(old.len())
    }

    pub fn close(&self) {
        self.db.close();
    }
}

fn to_js(r: &StoredEvent) -> Result<JsValue, String> {
    let obj = js_sys::Object::new();
    let json = serde_json::to_string(&r.event).map_err(|e| e.to_string())?;
    let set =
        |k: &str, v: JsValue| js_sys::Reflect::set(&obj, &JsValue::from_str(k), &v).map(|_| ());
    set("id", JsValue::from_str(&r.event.id.0)).map_err(describe)?;
    set("made", JsValue::from_f64(r.made)).map_err(describe)?;
    set("json", JsValue::from_str(&json)).map_err(describe)?;
    if let Some(err) = &r.error {
        set("error", JsValue::from_str(err)).map_err(describe)?;
    }
    Ok(obj.into())
}

fn from_js(value: &JsValue) -> Result<StoredEvent, String> {
    let get =
        |k: &str| js_sys::Reflect::get(value, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    // The id is read only to name a record that does not parse: ten
    // thousand reads of it would cost a reload more than they tell.
    let id = || get("id").as_string().unwrap_or_else(|| "(no id)".into());
    let json = get("json")
        .as_string()
        .ok_or_else(|| format!("record {}: no event text", id()))?;
    let event: Event = serde_json::from_str(&json).map_err(|e| format!("record {}: {e}", id()))?;
    Ok(StoredEvent {
        event,
        made: get("made").as_f64().unwrap_or(0.0),
        error: get("error").as_string(),
    })
}

/// `IDBKeyRange.lowerBound(key, true)`: every key above `key` (web-sys's
/// binding is a feature this crate does not otherwise need).
fn keys_after(key: f64) -> Result<JsValue, String> {
    let range = js_sys::Reflect::get(&js_sys::global(), &"IDBKeyRange".into()).map_err(describe)?;
    js_sys::Reflect::get(&range, &"lowerBound".into())
        .map_err(describe)?
        .unchecked_into::<js_sys::Function>()
        .call2(&range, &JsValue::from_f64(key), &JsValue::TRUE)
        .map_err(describe)
}

fn acks_to_js(acks: &[Ack]) -> Result<JsValue, String> {
    let obj = js_sys::Object::new();
    let json = serde_json::to_string(acks).map_err(|e| e.to_string())?;
    js_sys::Reflect::set(&obj, &JsValue::from_str("json"), &JsValue::from_str(&json))
        .map_err(describe)?;
    Ok(obj.into())
}

fn acks_from_js(value: &JsValue) -> Result<Vec<Ack>, String> {
    let json = js_sys::Reflect::get(value, &JsValue::from_str("json"))
        .ok()
        .and_then(|j| j.as_string())
        .ok_or("an ack record without text")?;
    serde_json::from_str(&json).map_err(|e| e.to_string())
}

/// The acks of these records by event id, later records over earlier ones.
/// A record that does not parse is passed over: its events stay pending and
/// are sent again, which the backend answers with the same acks.
fn acks_by_id(records: impl Iterator<Item = JsValue>) -> HashMap<EventId, Ack> {
    records
        .filter_map(|r| acks_from_js(&r).ok())
        .flatten()
        .filter(|a| a.seq != 0)
        .map(|a| (a.id.clone(), a))
        .collect()
}

/// Confirms a pending record with its stored ack. A record already
/// confirmed keeps its own seq: it was written after the ack was.
fn apply_ack(record: &mut StoredEvent, acks: &HashMap<EventId, Ack>) {
    if record.event.seq.is_some() {
        return;
    }
    if let Some(ack) = acks.get(&record.event.id) {
        record.event.seq = Some(ack.seq);
        record.event.received_at = Some(ack.received_at);
        record.event.number = ack.number;
        record.error = None;
    }
}

/// Resolves with a request's result once it succeeds.
async fn request(req: IdbRequest) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = req.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let failed = req.clone();
        let on_error = Closure::once_into_js(move || {
            let err = failed
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &err);
        });
        req.set_onsuccess(Some(on_success.unchecked_ref()));
        req.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(describe)
}

/// Resolves when the transaction commits; fails when it aborts (quota, etc.).
/// Notes in `tx` (which spans META) that `tab` stored the last acks: a tab
/// that reads the marker also sees them.
fn mark_delivered_by(tx: &IdbTransaction, tab: &str) -> Result<(), String> {
    tx.object_store(META)
        .map_err(describe)?
        .put_with_key(
            &JsValue::from_str(tab),
            &JsValue::from_str(DELIVERED_BY_KEY),
        )
        .map_err(describe)?;
    Ok(())
}

fn completion(tx: &IdbTransaction) -> impl std::future::Future<Output = Result<(), String>> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let failed = tx.clone();
        let on_fail = Closure::once_into_js(move || {
            let err = failed.error().map(JsValue::from).unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &err);
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onerror(Some(on_fail.unchecked_ref()));
        tx.set_onabort(Some(on_fail.unchecked_ref()));
    });
    async move { JsFuture::from(promise).await.map(|_| ()).map_err(describe) }
}

/// A person-readable line for a DOM exception or any other JS error.
pub fn describe(err: JsValue) -> String {
    if let Some(ex) = err.dyn_ref::<web_sys::DomException>() {
        if ex.name() == "QuotaExceededError" {
            return "the browser's storage is full".into();
        }
        return format!("{}: {}", ex.name(), ex.message());
    }
    if err.is_null() || err.is_undefined() {
        return "the transaction was aborted".into();
    }
    err.as_string()
        .or_else(|| {
            js_sys::JSON::stringify(&err)
                .ok()
                .and_then(|s| s.as_string())
        })
        .unwrap_or_else(|| "unknown browser error".into())
}
