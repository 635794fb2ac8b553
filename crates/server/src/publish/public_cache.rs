//! What the public page serves from: the log folded so far and, built from
//! it, a snapshot of the page (its state, its banner, and every HTML page
//! and feed rendered once and kept). A request reads the snapshot and
//! touches the log only when something public happened since (a
//! publication, a catalogue or maintenance change, marked by the relay as
//! it is stored) or the snapshot is a minute old (the day moves the uptime
//! bars). So the page stays quick when the console and the log are busy,
//! and still shows an update as soon as it is published.

use crate::storage::{DbError, EventStore};
use sitrep_core::status_page::banner::{self, BannerReply};
use sitrep_core::status_page::public_page::{self, CatalogueTimes, PageInfo, PublicState};
use sitrep_core::{Event, EventBody, Incident, IncidentId, Workspace};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// A snapshot older than this is rebuilt on the next request.
pub const MAX_AGE_MS: i64 = 60_000;
/// Rendered pages kept per snapshot (one per page, zone and feed address).
const MAX_RENDERED: usize = 512;

/// The log folded so far.
#[derive(Default)]
pub struct Folded {
    pub head: u64,
    pub incidents: BTreeMap<IncidentId, Incident>,
    pub workspace: Workspace,
    pub times: CatalogueTimes,
}

pub struct Snapshot {
    pub state: Arc<PublicState>,
    pub banner: BannerReply,
    pub generation: u64,
    rendered: Mutex<HashMap<String, Arc<String>>>,
}

impl Snapshot {
    /// A page of this snapshot, rendered the first time it is asked for.
    pub fn render(&self, key: String, make: impl FnOnce() -> String) -> Arc<String> {
        if let Some(done) = self
            .rendered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return done.clone();
        }
        let page = Arc::new(make());
        let mut map = self.rendered.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_RENDERED {
            map.clear();
        }
        map.insert(key, page.clone());
        page
    }
}

pub struct PublicCache {
    info: PageInfo,
    folded: Mutex<Folded>,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Set when something public was stored since the last build.
    dirty: AtomicBool,
    generation: AtomicU64,
    /// One rebuild at a time; the others wait for it and use its result.
    building: Mutex<()>,
}

/// Whether an event can change what the public page shows.
pub fn is_public(ev: &Event) -> bool {
    ev.incident.is_workspace()
        || matches!(
            ev.body,
            EventBody::UpdatePublished { .. }
                | EventBody::MaintenancePlanned { .. }
                | EventBody::MaintenanceOverrun { .. }
                | EventBody::MaintenanceConverted { .. }
                | EventBody::MaintenanceStarted { .. }
                | EventBody::MaintenanceCompleted { .. }
        )
}

impl PublicCache {
    pub fn new(info: PageInfo) -> PublicCache {
        let empty = public_page::build(
            [],
            &Workspace::default(),
            &CatalogueTimes::default(),
            &info,
            0,
        );
        PublicCache {
            info,
            folded: Mutex::new(Folded::default()),
            snapshot: RwLock::new(Arc::new(Snapshot {
                state: Arc::new(empty),
                banner: BannerReply { banner: None },
                generation: 0,
                rendered: Mutex::new(HashMap::new()),
            })),
            dirty: AtomicBool::new(true),
            generation: AtomicU64::new(0),
            building: Mutex::new(()),
        }
    }

    pub fn info(&self) -> &PageInfo {
        &self.info
    }

    /// Called with newly stored events: a public one makes the next
    /// request rebuild.
    pub fn stored(&self, events: &[Event]) {
        if events.iter().any(is_public) {
            self.dirty.store(true, Ordering::Release);
        }
    }

    fn catch_up(log: &dyn EventStore, f: &mut Folded) -> Result<(), DbError> {
        loop {
            let page = log.page(f.head, 1000)?;
            let Some(last) = page.events.last().and_then(|e| e.seq) else {
                return Ok(());
            };
            for ev in &page.events {
                if ev.incident.is_workspace() {
                    f.workspace.apply(ev);
                    f.times.apply(ev);
                } else if ev.incident.is_incident() {
                    // Not the alerts stream: it is no incident.
                    f.incidents
                        .entry(ev.incident.clone())
                        .or_insert_with(|| Incident::new(ev.incident.clone()))
                        .apply(ev);
                }
            }
            f.head = last;
        }
    }

    /// Runs `f` on the log folded up to now. Blocks.
    pub fn with_folded<T>(
        &self,
        log: &dyn EventStore,
        f: impl FnOnce(&Folded) -> T,
    ) -> Result<T, DbError> {
        let mut folded = self.folded.lock().unwrap_or_else(|p| p.into_inner());
        Self::catch_up(log, &mut folded)?;
        Ok(f(&folded))
    }

    /// The snapshot to serve, rebuilt first when something public was
    /// stored since or it is too old. Blocks when it rebuilds.
    pub fn current(&self, log: &dyn EventStore) -> Result<Arc<Snapshot>, DbError> {
        let now = crate::clock::now_ms();
        let fresh = |s: &Snapshot| s.generation > 0 && now - s.state.built_at < MAX_AGE_MS;
        let snap = self.read();
        if fresh(&snap) && !self.dirty.load(Ordering::Acquire) {
            return Ok(snap);
        }
        let _one = self.building.lock().unwrap_or_else(|p| p.into_inner());
        // Someone else may have rebuilt while this request waited.
        let snap = self.read();
        if fresh(&snap) && !self.dirty.load(Ordering::Acquire) {
            return Ok(snap);
        }
        self.rebuild(log)
    }

    fn read(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn rebuild(&self, log: &dyn EventStore) -> Result<Arc<Snapshot>, DbError> {
        // Cleared before reading: an event stored during the build marks
        // it again, and the next request builds once more.
        self.dirty.store(false, Ordering::Release);
        let built = self.with_folded(log, |f| {
            let now = crate::clock::now_ms();
            let state = public_page::build(
                f.incidents.values(),
                &f.workspace,
                &f.times,
                &self.info,
                now,
            );
            let banner = banner::banner(f.incidents.values(), &state);
            (state, banner)
        });
        let (state, banner) = match built {
            Ok(b) => b,
            Err(e) => {
                self.dirty.store(true, Ordering::Release);
                return Err(e);
            }
        };
        let snap = Arc::new(Snapshot {
            state: Arc::new(state),
            banner,
            generation: self.generation.fetch_add(1, Ordering::AcqRel) + 1,
            rendered: Mutex::new(HashMap::new()),
        });
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = snap.clone();
        Ok(snap)
    }
}
