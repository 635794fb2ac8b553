//! One connection per replica that LISTENs: `sitrep_log` carries the log's
//! new head after every commit (to the log's follower), `sitrep_signal`
//! the cluster's signals (to their subscribers). It reconnects by itself;
//! after each reconnect everyone is told to look for what they missed.

use crate::storage::cluster::{Signal, RESYNC};
use std::sync::mpsc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_postgres::{AsyncMessage, Config};

pub const LOG_CHANNEL: &str = "sitrep_log";
pub const SIGNAL_CHANNEL: &str = "sitrep_signal";

pub async fn run(config: Config, heads: mpsc::Sender<u64>, signals: broadcast::Sender<Signal>) {
    let mut wait = Duration::from_millis(100);
    loop {
        if let Err(e) = listen(&config, &heads, &signals).await {
            if !e.is_unavailable() {
                eprintln!("sitrep-server: listening for other replicas failed: {e}");
            }
        }
        // Stopping: the log's follower is gone.
        if heads.send(0).is_err() {
            return;
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(2));
    }
}

async fn listen(
    config: &Config,
    heads: &mpsc::Sender<u64>,
    signals: &broadcast::Sender<Signal>,
) -> Result<(), crate::storage::DbError> {
    let (client, mut connection) = config.connect(tokio_postgres::NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The connection must be polled for its messages to arrive at all.
    tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if tx.send(n).is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {LOG_CHANNEL}; LISTEN {SIGNAL_CHANNEL}"))
        .await?;
    // Listening from here on; what came before is read now.
    let _ = heads.send(0);
    let _ = signals.send(Signal {
        topic: RESYNC.into(),
        detail: String::new(),
    });
    while let Some(n) = rx.recv().await {
        match n.channel() {
            LOG_CHANNEL => {
                if let Ok(head) = n.payload().parse::<u64>() {
                    let _ = heads.send(head);
                }
            }
            SIGNAL_CHANNEL => {
                let (topic, detail) = n.payload().split_once('\n').unwrap_or((n.payload(), ""));
                let _ = signals.send(Signal {
                    topic: topic.into(),
                    detail: detail.into(),
                });
            }
            _ => {}
        }
    }
    drop(client);
    Ok(())
}
