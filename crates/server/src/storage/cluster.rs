//! What replicas sharing one database tell each other, and which of them
//! does the work that must happen once (relaying to publishing targets,
//! polling upstreams). On one machine (`Local`) the one process always
//! leads and its signals loop back to itself; on PostgreSQL
//! (`postgres::PgCluster`) signals are NOTIFY and leadership an advisory lock.

use super::DbError;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
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

/// Runs once-only work in terms: each time this process comes to lead,
/// `term` is started with a receiver that turns true when the term ends
/// (the server stops or another replica leads), and should return then;
/// the next term waits for leadership again. Until `stopping`.
pub fn spawn_while_leading<F, Fut>(
    cluster: Arc<dyn Cluster>,
    stopping: watch::Receiver<bool>,
    mut term: F,
) where
    F: FnMut(watch::Receiver<bool>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut leader = cluster.leader();
        let mut stop = stopping.clone();
        loop {
            tokio::select! {
                // Stopping first: a server stopping while it leads starts
                // no new term (no recovery run on the way out).
                biased;
                _ = stop.wait_for(|s| *s) => return,
                led = leader.wait_for(|l| *l) => if led.is_err() { return },
            }
            term(while_leading(stopping.clone(), cluster.leader())).await;
        }
    });
}

/// Spawns a listener that calls `wake` whenever a replica signals `topic`,
/// and whenever signals may have been missed (a resync, or this listener
/// fell behind), until `stopping`: how the leading replica hears of work
/// another one queued.
pub fn wake_on(
    cluster: &dyn Cluster,
    topic: &'static str,
    mut stopping: watch::Receiver<bool>,
    wake: impl Fn() + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    let mut signals = cluster.signals();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                s = signals.recv() => match s {
                    Ok(s) if s.topic == topic || s.topic == RESYNC => wake(),
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => wake(),
                    Err(RecvError::Closed) => return,
                },
                _ = stopping.wait_for(|s| *s) => return,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::sync::mpsc;

    const WAIT: Duration = Duration::from_secs(5);

    async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> Option<T> {
        tokio::time::timeout(WAIT, rx.recv()).await.ok().flatten()
    }

    #[tokio::test]
    async fn a_term_starts_each_time_this_process_leads_and_ends_when_it_stops_leading() {
        let local = Arc::new(Local::default());
        let (stop_tx, stopping) = watch::channel(false);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut terms = 0;
        spawn_while_leading(local.clone(), stopping, move |mut until| {
            terms += 1;
            let (n, tx) = (terms, tx.clone());
            async move {
                let _ = tx.send(format!("term {n} started"));
                let _ = until.wait_for(|s| *s).await;
                let _ = tx.send(format!("term {n} ended"));
            }
        });
        assert_eq!(next(&mut rx).await.as_deref(), Some("term 1 started"));
        let _ = local.leader.send(false);
        assert_eq!(next(&mut rx).await.as_deref(), Some("term 1 ended"));
        let _ = local.leader.send(true);
        assert_eq!(next(&mut rx).await.as_deref(), Some("term 2 started"));
        let _ = stop_tx.send(true);
        assert_eq!(next(&mut rx).await.as_deref(), Some("term 2 ended"));
        // Stopped while leading: no term starts again, and the loop is
        // gone (with the sender its terms share).
        assert_eq!(next(&mut rx).await, None);
    }

    #[tokio::test]
    async fn the_leader_is_woken_by_its_topic_and_by_a_resync_not_by_other_topics() {
        let local = Local::default();
        let (stop_tx, stopping) = watch::channel(false);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let hearing = wake_on(&local, PUBLISH, stopping, move || {
            let _ = tx.send(());
        });
        for topic in [UPSTREAMS, PUBLISH, PRESENCE, RESYNC] {
            local.signal(topic, "").unwrap();
        }
        assert_eq!(next(&mut rx).await, Some(()));
        assert_eq!(next(&mut rx).await, Some(()));
        let _ = stop_tx.send(true);
        tokio::time::timeout(WAIT, hearing).await.unwrap().unwrap();
        // Two wakes (publish, resync) and no more: the other topics woke nothing.
        assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
    }
}
