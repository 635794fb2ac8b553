//! Presence across replicas: each replica writes its own seats to the
//! `presence` table (in order, by one task) and signals which incidents
//! changed; every replica then reads those incidents' names back and tells
//! its own streams. A replica that dies stops beating its heartbeat and the
//! leader removes its rows (see `storage::postgres` cluster), which is
//! signalled the same way.

use super::{message, Board};
use crate::args;
use crate::storage::cluster::{Cluster, PRESENCE, RESYNC};
use crate::storage::{Database, DbError};
use axum::extract::ws::Utf8Bytes;
use sitrep_core::IncidentId;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, watch};

/// One seat's change, for the database.
struct Write {
    seat: u64,
    viewing: Option<(IncidentId, String)>,
    touched: Vec<IncidentId>,
}

pub(super) struct Shared {
    writes: mpsc::UnboundedSender<Write>,
    /// Every replica's viewers per incident, as last read.
    merged: Mutex<BTreeMap<IncidentId, Vec<String>>>,
}

/// The tasks that keep a replicated board in step; run once serving.
pub struct Sharing {
    writes: mpsc::UnboundedReceiver<Write>,
}

impl Shared {
    pub(super) fn new() -> (Shared, Sharing) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Shared {
                writes: tx,
                merged: Mutex::new(BTreeMap::new()),
            },
            Sharing { writes: rx },
        )
    }

    pub(super) fn write(
        &self,
        seat: u64,
        viewing: Option<(IncidentId, String)>,
        touched: Vec<IncidentId>,
    ) {
        // Gone only when the server is stopping.
        let _ = self.writes.send(Write {
            seat,
            viewing,
            touched,
        });
    }

    pub(super) fn snapshot(&self) -> Vec<Utf8Bytes> {
        self.merged
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(i, people)| message(i.clone(), people.clone()))
            .collect()
    }
}

impl Sharing {
    /// Writes this replica's seats and follows everyone's, until `stopping`.
    /// Inside the runtime.
    pub fn run(
        self,
        board: Board,
        db: Arc<dyn Database>,
        cluster: Arc<dyn Cluster>,
        stopping: watch::Receiver<bool>,
    ) {
        tokio::spawn(write_seats(
            self.writes,
            db.clone(),
            cluster.clone(),
            stopping.clone(),
        ));
        tokio::spawn(follow(board, db, cluster, stopping));
    }
}

async fn write_seats(
    mut writes: mpsc::UnboundedReceiver<Write>,
    db: Arc<dyn Database>,
    cluster: Arc<dyn Cluster>,
    mut stopping: watch::Receiver<bool>,
) {
    loop {
        let first = tokio::select! {
            w = writes.recv() => match w { Some(w) => w, None => return },
            _ = stopping.wait_for(|s| *s) => return,
        };
        let mut batch = vec![first];
        while let Ok(w) = writes.try_recv() {
            batch.push(w);
        }
        let (db, cluster) = (db.clone(), cluster.clone());
        let done = tokio::task::spawn_blocking(move || {
            let replica = cluster.replica().to_string();
            db.write(|tx| {
                for w in &batch {
                    tx.execute(
                        "DELETE FROM presence WHERE replica = ?1 AND seat = ?2",
                        &args![&replica, w.seat],
                    )?;
                    if let Some((incident, name)) = &w.viewing {
                        tx.execute(
                            "INSERT INTO presence (replica, seat, incident, name) VALUES (?1, ?2, ?3, ?4)",
                            &args![&replica, w.seat, &*incident.0, name],
                        )?;
                    }
                }
                Ok(())
            })?;
            let touched: BTreeSet<&str> = batch
                .iter()
                .flat_map(|w| w.touched.iter().map(|i| &*i.0))
                .collect();
            cluster.signal(PRESENCE, &touched.into_iter().collect::<Vec<_>>().join("\n"))
        })
        .await;
        // The database may be down: the seats are written again when the
        // signals come back (RESYNC).
        if let Ok(Err(e)) = done {
            if !e.is_unavailable() {
                eprintln!("sitrep-server: cannot share presence: {e}");
            }
        }
    }
}

/// Reads the lists back when any replica signals a change; after an
/// interruption, writes this replica's seats again and reads everything.
async fn follow(
    board: Board,
    db: Arc<dyn Database>,
    cluster: Arc<dyn Cluster>,
    mut stopping: watch::Receiver<bool>,
) {
    let mut signals = cluster.signals();
    loop {
        let scope = tokio::select! {
            s = signals.recv() => match s {
                Ok(s) if s.topic == PRESENCE => Some(
                    s.detail
                        .lines()
                        .filter(|l| !l.is_empty())
                        .map(IncidentId::from)
                        .collect::<Vec<_>>(),
                ),
                Ok(s) if s.topic == RESYNC => None,
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => return,
            },
            _ = stopping.wait_for(|s| *s) => return,
        };
        let (b, db, cluster) = (board.clone(), db.clone(), cluster.clone());
        let read = tokio::task::spawn_blocking(move || {
            if scope.is_none() {
                rewrite_own(&b, &*db, &*cluster)?;
            }
            read(&*db, scope)
        })
        .await;
        match read {
            Ok(Ok((scope, rows))) => board.merge(scope, rows),
            Ok(Err(e)) if e.is_unavailable() => {}
            Ok(Err(e)) => eprintln!("sitrep-server: cannot read presence: {e}"),
            Err(_) => {}
        }
    }
}

/// This replica's rows as its seats are now.
fn rewrite_own(board: &Board, db: &dyn Database, cluster: &dyn Cluster) -> Result<(), DbError> {
    let replica = cluster.replica().to_string();
    let seats = board.seats();
    db.write(|tx| {
        tx.execute("DELETE FROM presence WHERE replica = ?1", &args![&replica])?;
        for (seat, incident, name) in &seats {
            tx.execute(
                "INSERT INTO presence (replica, seat, incident, name) VALUES (?1, ?2, ?3, ?4)",
                &args![&replica, *seat, &*incident.0, name],
            )?;
        }
        Ok(())
    })
}

type Rows = Vec<(IncidentId, String)>;

/// The names per incident, for the incidents in `scope` (None: all).
fn read(
    db: &dyn Database,
    scope: Option<Vec<IncidentId>>,
) -> Result<(Option<Vec<IncidentId>>, Rows), DbError> {
    let rows = db.read(|tx| {
        let mut out = Vec::new();
        let mut take = |rows: Vec<crate::storage::Row>| -> Result<(), DbError> {
            for r in rows {
                out.push((IncidentId::from(r.get::<String>(0)?), r.get::<String>(1)?));
            }
            Ok(())
        };
        match &scope {
            None => take(tx.query("SELECT incident, name FROM presence", &[])?)?,
            Some(incidents) => {
                for i in incidents {
                    take(tx.query(
                        "SELECT incident, name FROM presence WHERE incident = ?1",
                        &args![&*i.0],
                    )?)?;
                }
            }
        }
        Ok(out)
    })?;
    Ok((scope, rows))
}

impl Board {
    /// Takes the lists read back, and tells this replica's streams of every
    /// list that changed.
    fn merge(&self, scope: Option<Vec<IncidentId>>, rows: Rows) {
        let Some(shared) = &self.inner.shared else {
            return;
        };
        let mut fresh: BTreeMap<IncidentId, Vec<String>> = BTreeMap::new();
        for (incident, name) in rows {
            fresh.entry(incident).or_default().push(name);
        }
        for people in fresh.values_mut() {
            people.sort();
            people.dedup();
        }
        let mut merged = shared.merged.lock().unwrap_or_else(|p| p.into_inner());
        let incidents: BTreeSet<IncidentId> = match scope {
            Some(list) => list.into_iter().collect(),
            None => merged.keys().chain(fresh.keys()).cloned().collect(),
        };
        let mut news = Vec::new();
        for incident in incidents {
            let now = fresh.remove(&incident).unwrap_or_default();
            let was = merged.get(&incident).cloned().unwrap_or_default();
            if now == was {
                continue;
            }
            if now.is_empty() {
                merged.remove(&incident);
            } else {
                merged.insert(incident.clone(), now.clone());
            }
            news.push(message(incident, now));
        }
        drop(merged);
        for msg in news {
            self.announce(msg);
        }
    }
}
