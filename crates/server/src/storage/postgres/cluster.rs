//! Replicas on one PostgreSQL database: signals are NOTIFY on
//! `sitrep_signal` (heard by every replica's listener), and the leader is
//! whoever holds the advisory lock `LEADER_LOCK` on its own connection. A
//! replica that dies loses its connection and with it the lock; another
//! takes it at its next try, within `TICK`.
//!
//! The same connection beats a heartbeat (`replicas.alive_at`, on the
//! database's clock, so replicas' clocks need not agree); the leader
//! removes the presence rows of replicas silent for `SILENT_AFTER`.

use super::listen::{self, SIGNAL_CHANNEL};
use super::{block_on, connect, spawn, PgLog, Pool, LEADER_LOCK};
use crate::storage::cluster::{Cluster, Signal, PRESENCE};
use crate::storage::DbError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio_postgres::Config;

/// How often the heartbeat beats and a follower tries to lead.
pub const TICK: Duration = Duration::from_secs(1);

/// A replica silent this long is taken for dead: its presence goes.
pub const SILENT_AFTER_MS: i64 = 5_000;

const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::BIGINT";

pub struct PgCluster {
    replica: String,
    pool: Arc<Pool>,
    signals: broadcast::Sender<Signal>,
    leader: watch::Receiver<bool>,
}

impl PgCluster {
    /// Starts listening, following the log and trying to lead.
    pub(crate) fn start(config: Config, pool: Arc<Pool>, log: Arc<PgLog>) -> PgCluster {
        let replica = replica_name();
        let (signals, _) = broadcast::channel(1024);
        let (leader_tx, leader) = watch::channel(false);
        let heads = log.follow();
        spawn(listen::run(config.clone(), heads, signals.clone()));
        spawn(lead(config, replica.clone(), leader_tx));
        PgCluster {
            replica,
            pool,
            signals,
            leader,
        }
    }
}

impl Cluster for PgCluster {
    fn signal(&self, topic: &str, detail: &str) -> Result<(), DbError> {
        let mut conn = self.pool.get()?;
        let payload = format!("{topic}\n{detail}");
        block_on(async {
            let stmt = conn
                .prepare(&format!("SELECT pg_notify('{SIGNAL_CHANNEL}', $1)"))
                .await?;
            conn.client.execute(&stmt, &[&payload]).await
        })?;
        Ok(())
    }

    fn signals(&self) -> broadcast::Receiver<Signal> {
        self.signals.subscribe()
    }

    fn leader(&self) -> watch::Receiver<bool> {
        self.leader.clone()
    }

    fn replicated(&self) -> bool {
        true
    }

    fn replica(&self) -> &str {
        &self.replica
    }
}

/// A new random id for this process among the replicas (a restarted
/// replica is a new one); the log line says which host and process it is.
fn replica_name() -> String {
    let id = crate::storage::cluster::random_id();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "this host".into());
    eprintln!(
        "sitrep-server: replica {id} is process {} on {host}",
        std::process::id()
    );
    id
}

/// Beats, and leads when it can, until the process ends.
async fn lead(config: Config, replica: String, leader: watch::Sender<bool>) {
    loop {
        match connect(&config).await {
            Ok(client) => {
                let lost = beat(&client, &replica, &leader).await;
                if *leader.borrow() {
                    eprintln!(
                        "sitrep-server: no longer leading ({lost}); another replica takes over"
                    );
                }
                leader.send_replace(false);
            }
            Err(_) => {
                leader.send_replace(false);
            }
        }
        tokio::time::sleep(TICK).await;
    }
}

/// Until the connection fails: the heartbeat, a try for the lock while
/// not leading, and the leader's sweep of silent replicas.
async fn beat(
    client: &tokio_postgres::Client,
    replica: &str,
    leader: &watch::Sender<bool>,
) -> String {
    let heartbeat = format!(
        "INSERT INTO replicas (id, alive_at) VALUES ($1, {NOW_MS})
         ON CONFLICT (id) DO UPDATE SET alive_at = EXCLUDED.alive_at"
    );
    let sweep = format!(
        "WITH gone AS (DELETE FROM replicas WHERE alive_at < {NOW_MS} - $1 RETURNING id)
         DELETE FROM presence WHERE replica IN (SELECT id FROM gone)
            OR replica NOT IN (SELECT id FROM replicas) RETURNING incident"
    );
    loop {
        if let Err(e) = client.execute(&heartbeat, &[&replica]).await {
            return super::describe(&e);
        }
        if !*leader.borrow() {
            match client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_LOCK])
                .await
            {
                Ok(row) if row.get::<_, bool>(0) => {
                    eprintln!(
                        "sitrep-server: replica {replica} leads (publishing, upstream polling)"
                    );
                    leader.send_replace(true);
                }
                Ok(_) => {}
                Err(e) => return super::describe(&e),
            }
        }
        if *leader.borrow() {
            match client.query(&sweep, &[&SILENT_AFTER_MS]).await {
                Ok(rows) if !rows.is_empty() => {
                    let mut incidents: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
                    incidents.sort();
                    incidents.dedup();
                    let payload = format!("{PRESENCE}\n{}", incidents.join("\n"));
                    let _ = client
                        .execute(
                            &format!("SELECT pg_notify('{SIGNAL_CHANNEL}', $1)"),
                            &[&payload],
                        )
                        .await;
                }
                Ok(_) => {}
                Err(e) => return super::describe(&e),
            }
        }
        tokio::time::sleep(TICK).await;
    }
}
