//! What replicas sharing one database tell each other, and which of them
//! does the work that must happen once (relaying to publishing targets,
//! polling upstreams). On one machine (`Local`) the one process always
//! leads and its signals loop back to itself; on PostgreSQL
//! (`postgres::PgCluster`) signals are NOTIFY and leadership an advisory lock.

use super::DbError;
use tokio::sync::{broadcast, watch};

/// A publishing delivery was queued or asked for again: the leader looks.
pub const PUBLISH: &str = "publish";
/// The upstream cache changed: every replica reloads it.
pub const UPSTREAMS: &str = "upstreams";
/// Who has these incidents open changed (detail: the incident ids, one a line).
pub const PRESENCE: &str = "presence";
/// Signals may have been missed (the listening connection was re-made):
/// every follower looks again at whatever it follows.
pub const RESYNC: &str = "resync";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    pub topic: String,
    pub detail: String,
}

pub trait Cluster: Send + Sync {
    /// Tells every replica, this one included, that `topic` changed.
    /// Blocking; lost signals are made good by each listener's own
    /// periodic look, so a failure here only delays.
    fn signal(&self, topic: &str, detail: &str) -> Result<(), DbError>;
    fn signals(&self) -> broadcast::Receiver<Signal>;
    /// True while this process is the one doing the once-only work.
    fn leader(&self) -> watch::Receiver<bool>;
    /// Other processes may serve the same data (presence goes through the
    /// database, not just memory).
    fn replicated(&self) -> bool;
    /// This process's name among the replicas (for presence rows and logs).
    fn replica(&self) -> &str;
}

/// Eight hex digits, new for each process: names a replica in health
/// answers and presence rows (not its host, which strangers need not know).
pub fn random_id() -> String {
    let mut r = [0u8; 4];
    // Without randomness the id is still a valid name, just not unique.
    let _ = getrandom::fill(&mut r);
    r.iter().map(|b| format!("{b:02x}")).collect()
}

/// One process alone: always the leader, signals stay in memory.
pub struct Local {
    id: String,
    signals: broadcast::Sender<Signal>,
    leader: watch::Sender<bool>,
}

impl Default for Local {
    fn default() -> Local {
        Local {
            id: random_id(),
            signals: broadcast::channel(256).0,
            leader: watch::channel(true).0,
        }
    }
}

impl Cluster for Local {
    fn signal(&self, topic: &str, detail: &str) -> Result<(), DbError> {
        let _ = self.signals.send(Signal {
            topic: topic.into(),
            detail: detail.into(),
        });
        Ok(())
    }

    fn signals(&self) -> broadcast::Receiver<Signal> {
        self.signals.subscribe()
    }

    fn leader(&self) -> watch::Receiver<bool> {
        self.leader.subscribe()
    }

    fn replicated(&self) -> bool {
        false
    }

    fn replica(&self) -> &str {
        &self.id
    }
}

/// A receiver that turns true when the server stops or this process stops
/// leading, whichever is first: once-only work runs until it does.
pub fn while_leading(
    mut stopping: watch::Receiver<bool>,
    mut leader: watch::Receiver<bool>,
) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(*stopping.borrow() || !*leader.borrow());
    tokio::spawn(async move {
        loop {
            if *stopping.borrow_and_update() || !*leader.borrow_and_update() {
                let _ = tx.send(true);
                return;
            }
            tokio::select! {
                r = stopping.changed() => if r.is_err() { let _ = tx.send(true); return; },
                r = leader.changed() => if r.is_err() { let _ = tx.send(true); return; },
                () = tx.closed() => return,
            }
        }
    });
    rx
}
