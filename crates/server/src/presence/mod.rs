//! Who has which incident open right now: each stream connection says which
//! incident it shows and under what name, and every subscriber hears the
//! new list for that incident. Not part of the log: held in memory on one
//! machine, and on several replicas also in the database (`shared`), so the
//! list names everyone whichever replica they are on.

mod shared;

pub use shared::Sharing;

use axum::extract::ws::Utf8Bytes;
use sitrep_core::log::protocol::StreamMessage;
use sitrep_core::IncidentId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Longest name shown; longer ones are cut.
const MAX_NAME_CHARS: usize = 100;

#[derive(Clone)]
pub struct Board {
    inner: Arc<Inner>,
}

struct Inner {
    viewers: Mutex<HashMap<u64, (IncidentId, String)>>,
    next: AtomicU64,
    changes: broadcast::Sender<Utf8Bytes>,
    /// On several replicas: the lists come from the database.
    shared: Option<shared::Shared>,
}

/// One stream connection's place on the board; leaving is dropping it.
pub struct Seat {
    board: Board,
    id: u64,
}

impl Default for Board {
    fn default() -> Self {
        Board {
            inner: Arc::new(Inner {
                viewers: Mutex::new(HashMap::new()),
                next: AtomicU64::new(1),
                changes: broadcast::channel(1024).0,
                shared: None,
            }),
        }
    }
}

impl Board {
    pub fn seat(&self) -> Seat {
        Seat {
            board: self.clone(),
            id: self.inner.next.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Utf8Bytes> {
        self.inner.changes.subscribe()
    }

    /// A board whose lists are every replica's: seats are written to the
    /// database and lists read back from it (`Sharing::run` does both).
    pub fn replicated() -> (Board, Sharing) {
        let (shared, sharing) = shared::Shared::new();
        let board = Board {
            inner: Arc::new(Inner {
                viewers: Mutex::new(HashMap::new()),
                next: AtomicU64::new(1),
                changes: broadcast::channel(1024).0,
                shared: Some(shared),
            }),
        };
        (board, sharing)
    }

    /// The current list for every incident someone has open, for a newcomer.
    pub fn snapshot(&self) -> Vec<Utf8Bytes> {
        if let Some(shared) = &self.inner.shared {
            return shared.snapshot();
        }
        let incidents: Vec<IncidentId> = {
            let viewers = self.lock();
            let mut ids: Vec<IncidentId> = viewers.values().map(|(i, _)| i.clone()).collect();
            ids.sort();
            ids.dedup();
            ids
        };
        incidents.into_iter().map(|i| self.message(i)).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (IncidentId, String)>> {
        // A panic elsewhere cannot leave this map half-updated: every
        // change is a single insert or remove.
        self.inner.viewers.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, seat: u64, viewing: Option<(IncidentId, String)>) {
        let before = {
            let mut viewers = self.lock();
            match &viewing {
                Some(v) => viewers.insert(seat, v.clone()),
                None => viewers.remove(&seat),
            }
        };
        let mut touched: Vec<IncidentId> = before.into_iter().map(|(i, _)| i).collect();
        touched.extend(viewing.clone().map(|(i, _)| i));
        touched.dedup();
        if let Some(shared) = &self.inner.shared {
            // The new lists come back from the database, with everyone's.
            shared.write(seat, viewing, touched);
            return;
        }
        for incident in touched {
            let msg = self.message(incident);
            let _ = self.inner.changes.send(msg);
        }
    }

    fn message(&self, incident: IncidentId) -> Utf8Bytes {
        let people: Vec<String> = self
            .lock()
            .values()
            .filter(|(i, _)| *i == incident)
            .map(|(_, n)| n.clone())
            .collect();
        message(incident, people)
    }

    /// This process's seats, for writing them all again.
    fn seats(&self) -> Vec<(u64, IncidentId, String)> {
        self.lock()
            .iter()
            .map(|(seat, (i, n))| (*seat, i.clone(), n.clone()))
            .collect()
    }

    fn announce(&self, msg: Utf8Bytes) {
        let _ = self.inner.changes.send(msg);
    }
}

/// The list for one incident, each name once, sorted.
fn message(incident: IncidentId, mut people: Vec<String>) -> Utf8Bytes {
    people.sort();
    people.dedup();
    let msg = StreamMessage::Presence { incident, people };
    serde_json::to_string(&msg)
        .expect("a presence message always serializes")
        .into()
}

impl Seat {
    /// This connection now shows `incident` (or none) as `name`.
    pub fn view(&self, incident: Option<IncidentId>, name: &str) {
        let name: String = name
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_NAME_CHARS)
            .collect();
        let name = if name.is_empty() {
            "someone".to_string()
        } else {
            name
        };
        self.board.set(self.id, incident.map(|i| (i, name)));
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.board.set(self.id, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(msg: &Utf8Bytes) -> (String, Vec<String>) {
        match serde_json::from_str::<StreamMessage>(msg.as_str()).unwrap() {
            StreamMessage::Presence { incident, people } => (incident.0.to_string(), people),
            other => panic!("not presence: {other:?}"),
        }
    }

    #[test]
    fn viewers_of_an_incident_are_listed_once_each_and_leave_when_their_seat_drops() {
        let board = Board::default();
        let mut rx = board.subscribe();
        let a = board.seat();
        let b = board.seat();
        let c = board.seat();
        a.view(Some(IncidentId("i1".into())), "ana");
        b.view(Some(IncidentId("i1".into())), "bo");
        c.view(Some(IncidentId("i1".into())), "ana");
        let mut last = None;
        while let Ok(m) = rx.try_recv() {
            last = Some(people(&m));
        }
        assert_eq!(
            last.unwrap(),
            ("i1".into(), vec!["ana".into(), "bo".into()])
        );
        drop(b);
        assert_eq!(people(&rx.try_recv().unwrap()).1, vec!["ana".to_string()]);
        // Moving to another incident updates both.
        a.view(Some(IncidentId("i2".into())), "ana");
        let moved: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|m| people(&m))
            .collect();
        assert!(
            moved.contains(&("i1".into(), vec!["ana".into()])),
            "{moved:?}"
        );
        assert!(
            moved.contains(&("i2".into(), vec!["ana".into()])),
            "{moved:?}"
        );
        assert_eq!(board.snapshot().len(), 2);
    }
}
