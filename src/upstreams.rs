//! The watched upstream providers as this console knows them: the list the
//! backend answers at start and pushes over the stream, saved in IndexedDB
//! so the panel still shows the last known state, with its age, when the
//! backend cannot be reached.
//!
//! The first screen's wasm holds only the signals the views read. Reading
//! the saved copy, asking the backend and saving (the decoders and
//! encoders of every provider type, IndexedDB) are a chunk of their own
//! (`#[lazy] follow`), fetched once someone is signed in: the sign-in form
//! needs none of it, and the list paints without waiting for it.

use crate::api;
use crate::browser::now_ms;
use crate::idb::{Idb, SavedUpstreams, DB_NAME};
use crate::replica::Replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::protocol::StreamMessage;
use sitrep_core::status_page::upstream::ProviderView;
use std::time::Duration;

/// Ages on the panel are minutes; a tick every 15 s keeps them true.
const TICK: Duration = Duration::from_secs(15);

#[derive(Clone, Copy)]
pub struct Upstreams {
    /// The list and when this console received it: from the backend (live)
    /// or the saved copy. None until either has answered.
    pub latest: RwSignal<Option<Received>>,
    /// A problem reading or saving the local copy.
    pub problem: RwSignal<Option<String>>,
    /// Now, ticking, for ages.
    pub now: RwSignal<i64>,
    /// The backend answered 404: it does not watch upstream pages, so no
    /// list will come.
    pub unsupported: RwSignal<bool>,
    idb: StoredValue<Option<Idb>, LocalStorage>,
    /// A list that arrived before IndexedDB was open, saved once it is.
    unsaved: StoredValue<Option<SavedUpstreams>>,
    /// Whether `follow` was started (see `start`).
    started: StoredValue<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Received {
    pub providers: Vec<ProviderView>,
    /// When this console received it (its own clock).
    pub received_at: i64,
    /// From the backend during this visit, not the saved copy.
    pub live: bool,
}

pub fn use_upstreams() -> Upstreams {
    expect_context::<Upstreams>()
}

/// Provides the service's signals; `start` fills them once someone is
/// signed in.
pub fn provide_upstreams_context() -> Upstreams {
    let upstreams = Upstreams {
        latest: RwSignal::new(None),
        problem: RwSignal::new(None),
        now: RwSignal::new(now_ms()),
        unsupported: RwSignal::new(false),
        idb: StoredValue::new_local(None),
        unsaved: StoredValue::new(None),
        started: StoredValue::new(false),
    };
    provide_context(upstreams);
    let _ = set_interval_with_handle(move || upstreams.now.set(now_ms()), TICK);
    upstreams
}

/// Shows the saved copy as soon as it is read, asks the backend once, and
/// takes every list the stream pushes after. The stream's taker is set
/// before the backend is asked, so a list pushed before this chunk arrived
/// (and dropped: no one took it) is never newer than the answer.
#[lazy]
async fn follow(upstreams: Upstreams, replica: Replica) {
    replica.on_side_message(move |msg| {
        if let StreamMessage::Upstreams { providers } = msg {
            upstreams.unsupported.set(false);
            upstreams.receive(providers);
        }
    });
    spawn_local(upstreams.load_saved());
    // Unreachable is no news: the saved copy stays, the stream retries.
    match api::get_upstreams().await {
        Ok(Some(providers)) => upstreams.receive(providers),
        Ok(None) => upstreams.unsupported.set(true),
        Err(_) => {}
    }
}

impl Upstreams {
    /// Starts following the backend's list (`follow`); once. Called when
    /// someone is signed in (also the cached session at start): signed out,
    /// the backend would refuse the request.
    pub fn start(self, replica: Replica) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        spawn_local(follow(self, replica));
    }

    async fn load_saved(self) {
        let idb = match Idb::open(DB_NAME).await {
            Ok(idb) => idb,
            Err(e) => {
                self.problem
                    .set(Some(format!("The saved upstream list is unavailable: {e}")));
                return;
            }
        };
        match idb.load_upstreams().await {
            // The backend may have answered first; its list is newer.
            Ok(Some(saved)) if self.latest.with_untracked(Option::is_none) => {
                self.latest.set(Some(Received {
                    providers: saved.providers,
                    received_at: saved.received_at,
                    live: false,
                }))
            }
            Ok(_) => {}
            Err(e) => self.problem.set(Some(e)),
        }
        self.idb.set_value(Some(idb.clone()));
        if let Some(saved) = self.unsaved.try_update_value(Option::take).flatten() {
            self.save(idb, saved).await;
        }
    }

    /// A list from the backend: shown at once, then saved.
    pub fn receive(self, providers: Vec<ProviderView>) {
        let received_at = now_ms();
        self.now.set(received_at);
        self.latest.set(Some(Received {
            providers: providers.clone(),
            received_at,
            live: true,
        }));
        let saved = SavedUpstreams {
            providers,
            received_at,
        };
        match self.idb.get_value() {
            Some(idb) => spawn_local(self.save(idb, saved)),
            None => self.unsaved.set_value(Some(saved)),
        }
    }

    async fn save(self, idb: Idb, saved: SavedUpstreams) {
        match idb.save_upstreams(&saved).await {
            Ok(()) => self.problem.set(None),
            Err(e) => self.problem.set(Some(format!(
                "Could not save the upstream list locally ({e}); it will not be shown offline"
            ))),
        }
    }
}
