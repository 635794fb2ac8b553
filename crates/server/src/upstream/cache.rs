//! What each watched provider last said, kept in the database: a restarted
//! server starts from it (a console sees the last known state and its age,
//! not "not polled yet"), and on several replicas the leader's polls reach
//! the others through it (they reload on the `upstreams` signal).

use super::{Observed, Upstreams};
use crate::args;
use crate::storage::cluster::{Cluster, RESYNC, UPSTREAMS};
use crate::storage::{Database, DbError};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

pub struct UpstreamCache {
    db: Arc<dyn Database>,
}

impl UpstreamCache {
    pub fn new(db: Arc<dyn Database>) -> UpstreamCache {
        UpstreamCache { db }
    }

    pub fn save(&self, o: &Observed, now: i64) -> Result<(), DbError> {
        let state = serde_json::to_string(&o.state)
            .map_err(|e| DbError::Other(format!("cannot encode a provider's state: {e}")))?;
        self.db.write(|tx| {
            tx.execute(
                "INSERT INTO upstream_cache (name, url, state, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET url = ?2, state = ?3, updated_at = ?4",
                &args![&o.name, &o.url, &state, now],
            )
        })?;
        Ok(())
    }

    /// Every provider's last state; a row that no longer parses (written by
    /// another version) is left out: the next poll replaces it.
    pub fn load(&self) -> Result<Vec<Observed>, DbError> {
        let rows = self.db.read(|tx| {
            tx.query(
                "SELECT name, url, state FROM upstream_cache ORDER BY name",
                &[],
            )
        })?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let (name, url, state): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            if let Ok(state) = serde_json::from_str(&state) {
                out.push(Observed { name, url, state });
            }
        }
        Ok(out)
    }
}

/// On a replica that does not lead: reloads the cache whenever the leader
/// says it stored something (or the signals were interrupted), until
/// `stopping`.
pub async fn follow(
    upstreams: Upstreams,
    cache: Arc<UpstreamCache>,
    cluster: Arc<dyn Cluster>,
    mut stopping: watch::Receiver<bool>,
) {
    let mut signals = cluster.signals();
    let leader = cluster.leader();
    loop {
        let look = tokio::select! {
            s = signals.recv() => match s {
                Ok(s) => s.topic == UPSTREAMS || s.topic == RESYNC,
                Err(RecvError::Lagged(_)) => true,
                Err(RecvError::Closed) => return,
            },
            _ = stopping.wait_for(|s| *s) => return,
        };
        // The leader's own memory is newer than anything it stored.
        if !look || *leader.borrow() {
            continue;
        }
        let c = cache.clone();
        match tokio::task::spawn_blocking(move || c.load()).await {
            Ok(Ok(cached)) => upstreams.adopt(cached),
            Ok(Err(e)) if e.is_unavailable() => {}
            Ok(Err(e)) => eprintln!("sitrep-server: cannot read the upstream cache: {e}"),
            Err(_) => {}
        }
    }
}
