//! The event log on PostgreSQL. Seqs come from the one-row `log_head`
//! table, updated under its row lock inside each commit: replicas take
//! turns, every commit happens in seq order, and a reader that sees seq N
//! sees every seq below it. The commit also NOTIFYs `sitrep_log` with the
//! new head, so every replica's feed reads the events (`catch_up`).
//!
//! Group commit as on SQLite: POSTs that arrive while this process is
//! committing share the next transaction, each batch under a savepoint.

use super::{block_on, describe, is_connection_error, Conn, Pool};
use crate::clock::now_ms;
use crate::storage::feed::Feeder;
use crate::storage::{opens_incident, Committed, DbError, EventStore, Feed, Page};
use sitrep_core::log::protocol::Ack;
use sitrep_core::{Event, IncidentId};
use std::collections::{HashMap, HashSet};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// How often a replica looks at the head by itself, in case a
/// notification was lost (its listening connection broke): the fallback
/// that bounds how late an event can reach a live client.
pub const POLL_EVERY: Duration = Duration::from_millis(500);

pub struct PgLog {
    pool: Arc<Pool>,
    /// This process's commits, one at a time (the row lock orders them
    /// between processes).
    writer: Mutex<()>,
    queued: Mutex<Vec<Queued>>,
    feeder: Feeder,
}

struct Queued {
    events: Vec<Event>,
    committed: Committed,
    done: mpsc::Sender<Result<Vec<Ack>, DbError>>,
}

const PAGE: &str = "SELECT h.head, e.seq, e.event, e.received_at, n.number FROM log_head h
    LEFT JOIN LATERAL (SELECT seq, event, received_at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2) e
    ON TRUE
    LEFT JOIN incident_numbers n ON n.seq = e.seq
    ORDER BY e.seq";

impl PgLog {
    pub(crate) fn open(pool: Arc<Pool>) -> Result<PgLog, DbError> {
        let head = read_head(&pool)?;
        Ok(PgLog {
            pool,
            writer: Mutex::new(()),
            queued: Mutex::new(Vec::new()),
            feeder: Feeder::new(head),
        })
    }

    /// Reads heads told by notifications (and, every `POLL_EVERY`, the
    /// head itself) and feeds what other replicas committed, on a thread of
    /// its own: the feed blocks on the database.
    pub fn follow(self: &Arc<Self>) -> mpsc::Sender<u64> {
        let (tx, rx) = mpsc::channel::<u64>();
        let log = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("sitrep-log-feed".into())
            .spawn(move || loop {
                let told = match rx.recv_timeout(POLL_EVERY) {
                    Ok(h) => Some(rx.try_iter().fold(h, u64::max)),
                    Err(mpsc::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                };
                let Some(log) = log.upgrade() else { return };
                let head = match told {
                    // 0: "look yourself" (the listener reconnected).
                    Some(h) if h > 0 => Ok(h),
                    _ => log.head(),
                };
                if let Err(e) = head.and_then(|h| log.catch_up(h)) {
                    if !e.is_unavailable() {
                        eprintln!("sitrep-server: cannot feed events from other replicas: {e}");
                    }
                }
            })
            .expect("the feed thread starts");
        tx
    }
}

impl EventStore for PgLog {
    fn append_boxed(&self, events: Vec<Event>, committed: Committed) -> Result<Vec<Ack>, DbError> {
        let (done, result) = mpsc::channel();
        self.queued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Queued {
                events,
                committed,
                done,
            });
        let writing = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if let Ok(r) = result.try_recv() {
            return r;
        }
        let group = std::mem::take(&mut *self.queued.lock().unwrap_or_else(|p| p.into_inner()));
        self.commit_group(group);
        drop(writing);
        result.recv().unwrap_or(Err(DbError::GroupCommit(
            "the commit ended without an answer".into(),
        )))
    }

    fn page(&self, after: u64, limit: usize) -> Result<Page, DbError> {
        let mut conn = self.pool.get()?;
        let rows = block_on(async {
            let stmt = conn.prepare(PAGE).await?;
            let after = i64::try_from(after).unwrap_or(i64::MAX);
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            conn.client.query(&stmt, &[&after, &limit]).await
        })?;
        let mut head = 0;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            head = r.try_get::<_, i64>(0)? as u64;
            if let Some(seq) = r.try_get::<_, Option<i64>>(1)? {
                events.push(event_of(seq, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?)?);
            }
        }
        Ok(Page { events, head })
    }

    fn stream_events(&self, incident: &IncidentId) -> Result<Vec<Event>, DbError> {
        let mut conn = self.pool.get()?;
        let rows = block_on(async {
            let stmt = conn
                .prepare(
                    "SELECT e.seq, e.event, e.received_at, n.number FROM events e
                     LEFT JOIN incident_numbers n ON n.seq = e.seq
                     WHERE e.incident = $1 ORDER BY e.seq",
                )
                .await?;
            conn.client.query(&stmt, &[&&*incident.0]).await
        })?;
        rows.iter()
            .map(|r| event_of(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))
            .collect()
    }

    fn head(&self) -> Result<u64, DbError> {
        read_head(&self.pool)
    }

    fn set_feed(&self, feed: Feed) {
        self.feeder.set(feed);
    }

    fn catch_up(&self, head: u64) -> Result<(), DbError> {
        self.feeder
            .up_to(head, |after, limit| self.page(after, limit))
    }
}

fn read_head(pool: &Pool) -> Result<u64, DbError> {
    let mut conn = pool.get()?;
    let row = block_on(async {
        let stmt = conn.prepare("SELECT head FROM log_head").await?;
        conn.client.query_one(&stmt, &[]).await
    })?;
    Ok(row.try_get::<_, i64>(0)? as u64)
}

fn event_of(
    seq: i64,
    json: String,
    received_at: i64,
    number: Option<i64>,
) -> Result<Event, DbError> {
    let seq = seq as u64;
    let mut ev: Event =
        serde_json::from_str(&json).map_err(|error| DbError::Corrupt { seq, error })?;
    ev.seq = Some(seq);
    ev.received_at = Some(received_at);
    ev.number = number.map(|n| n as u64);
    Ok(ev)
}

/// One batch's part of a group commit: its acks, and its newly stored
/// events in seq order.
type Stored = (Vec<Ack>, Vec<Event>);

impl PgLog {
    /// Stores every queued batch in one transaction, commits, then feeds
    /// each batch's new events, runs its `committed` and answers it.
    fn commit_group(&self, group: Vec<Queued>) {
        let mut batches = Vec::with_capacity(group.len());
        let mut answers = Vec::with_capacity(group.len());
        for q in group {
            batches.push(q.events);
            answers.push((q.committed, q.done));
        }
        let outcome = self
            .pool
            .get()
            .and_then(|mut conn| block_on(commit(&mut conn, batches)));
        let outcomes = match outcome {
            Ok(o) => o,
            Err(e) => {
                let why = e.to_string();
                let unavailable = e.is_unavailable();
                for (_, done) in answers {
                    let _ = done.send(Err(if unavailable {
                        DbError::Unavailable(why.clone())
                    } else {
                        DbError::GroupCommit(why.clone())
                    }));
                }
                return;
            }
        };
        for (stored, (committed, done)) in outcomes.into_iter().zip(answers) {
            let reply = stored.map(|(acks, stored)| {
                if !stored.is_empty() {
                    if let Err(e) = self
                        .feeder
                        .local(&stored, |after, limit| self.page(after, limit))
                    {
                        // The follower's next look feeds them instead.
                        eprintln!("sitrep-server: cannot feed committed events yet: {e}");
                    }
                    committed(&stored);
                }
                acks
            });
            let _ = done.send(reply);
        }
    }
}

/// The transaction itself: the head row locked first (every replica's
/// commit waits here for the one before it), each batch under a savepoint,
/// the head moved and announced, then COMMIT.
async fn commit(
    conn: &mut Conn,
    batches: Vec<Vec<Event>>,
) -> Result<Vec<Result<Stored, DbError>>, DbError> {
    let now = now_ms();
    conn.client.batch_execute("BEGIN").await?;
    let result = async {
        let lock = conn
            .prepare("SELECT head FROM log_head WHERE one = 1 FOR UPDATE")
            .await?;
        let mut head = conn
            .client
            .query_one(&lock, &[])
            .await?
            .try_get::<_, i64>(0)?;
        let mut outcomes = Vec::with_capacity(batches.len());
        for events in batches {
            conn.client.batch_execute("SAVEPOINT batch").await?;
            match store(conn, events, head, now).await {
                Ok((stored, new_head)) => {
                    conn.client.batch_execute("RELEASE SAVEPOINT batch").await?;
                    head = new_head;
                    outcomes.push(Ok(stored));
                }
                Err(e) if matches!(&e, DbError::Postgres(p) if is_connection_error(p)) => {
                    return Err(e)
                }
                Err(e) => {
                    conn.client
                        .batch_execute("ROLLBACK TO SAVEPOINT batch; RELEASE SAVEPOINT batch")
                        .await?;
                    outcomes.push(Err(e));
                }
            }
        }
        let moved = conn
            .prepare("UPDATE log_head SET head = $1 WHERE one = 1")
            .await?;
        conn.client.execute(&moved, &[&head]).await?;
        let notify = conn.prepare("SELECT pg_notify('sitrep_log', $1)").await?;
        conn.client.execute(&notify, &[&head.to_string()]).await?;
        Ok::<_, DbError>(outcomes)
    }
    .await;
    match result {
        Ok(outcomes) => match conn.client.batch_execute("COMMIT").await {
            Ok(()) => Ok(outcomes),
            // Cut off during COMMIT: it may or may not have happened. The
            // clients are told to try again; ids make that safe.
            Err(e) if is_connection_error(&e) => Err(DbError::Unavailable(format!(
                "the connection broke while committing: {}",
                describe(&e)
            ))),
            Err(e) => Err(e.into()),
        },
        Err(e) => {
            if !conn.client.is_closed() {
                let _ = conn.client.batch_execute("ROLLBACK").await;
            }
            Err(match e {
                DbError::Postgres(p) if is_connection_error(&p) => {
                    DbError::Unavailable(describe(&p))
                }
                e => e,
            })
        }
    }
}

/// One batch: ids already stored keep their seq (and number); new events
/// get the next seqs after `head`, inserted in one statement, and a new
/// declaration of an incident without a number gets the next number. The
/// caller holds `log_head`'s row lock, so every replica's commits take
/// numbers one after the other, in seq order. Returns the batch's acks,
/// its new events and the head after it.
async fn store(
    conn: &mut Conn,
    events: Vec<Event>,
    head: i64,
    now: i64,
) -> Result<(Stored, i64), DbError> {
    let ids: Vec<&str> = events.iter().map(|e| &*e.id.0).collect();
    let find = conn
        .prepare(
            "SELECT e.id, e.seq, e.received_at, n.number FROM events e
             LEFT JOIN incident_numbers n ON n.seq = e.seq WHERE e.id = ANY($1)",
        )
        .await?;
    let mut known: HashMap<String, (i64, i64, Option<i64>)> = HashMap::new();
    for r in conn.client.query(&find, &[&ids]).await? {
        known.insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
    }
    let declaring: Vec<&str> = events
        .iter()
        .filter(|e| opens_incident(e))
        .map(|e| &*e.incident.0)
        .collect();
    let mut numbered: HashSet<String> = HashSet::new();
    let mut last_number = 0i64;
    if !declaring.is_empty() {
        let taken = conn
            .prepare(
                "SELECT incident, (SELECT COALESCE(MAX(number), 0) FROM incident_numbers)
                 FROM incident_numbers WHERE incident = ANY($1)
                 UNION ALL SELECT NULL, (SELECT COALESCE(MAX(number), 0) FROM incident_numbers)",
            )
            .await?;
        for r in conn.client.query(&taken, &[&declaring]).await? {
            last_number = r.try_get(1)?;
            if let Some(incident) = r.try_get::<_, Option<String>>(0)? {
                numbered.insert(incident);
            }
        }
    }
    let mut acks = Vec::with_capacity(events.len());
    let mut stored = Vec::new();
    let (mut seqs, mut new_ids, mut incidents, mut texts, mut times) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut numbers, mut number_incidents, mut number_seqs) = (Vec::new(), Vec::new(), Vec::new());
    let mut next = head;
    for mut ev in events {
        let (seq, received_at, given) = match known.get(&*ev.id.0) {
            Some(found) => *found,
            None => {
                next += 1;
                // The client's own seq/received_at/number mean nothing here.
                ev.seq = None;
                ev.received_at = None;
                ev.number = None;
                let json = serde_json::to_string(&ev).expect("an event always serializes");
                seqs.push(next);
                new_ids.push(ev.id.0.to_string());
                incidents.push(ev.incident.0.to_string());
                texts.push(json);
                times.push(now);
                let given = (opens_incident(&ev) && numbered.insert(ev.incident.0.to_string()))
                    .then(|| {
                        last_number += 1;
                        numbers.push(last_number);
                        number_incidents.push(ev.incident.0.to_string());
                        number_seqs.push(next);
                        last_number
                    });
                known.insert(ev.id.0.to_string(), (next, now, given));
                ev.seq = Some(next as u64);
                ev.received_at = Some(now);
                ev.number = given.map(|n| n as u64);
                stored.push(ev.clone());
                (next, now, given)
            }
        };
        acks.push(Ack {
            id: ev.id,
            seq: seq as u64,
            received_at,
            number: given.map(|n| n as u64),
        });
    }
    if !seqs.is_empty() {
        let insert = conn
            .prepare(
                "INSERT INTO events (seq, id, incident, event, received_at)
                 SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[])",
            )
            .await?;
        conn.client
            .execute(&insert, &[&seqs, &new_ids, &incidents, &texts, &times])
            .await?;
    }
    if !numbers.is_empty() {
        let insert = conn
            .prepare(
                "INSERT INTO incident_numbers (number, incident, seq)
                 SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::BIGINT[])",
            )
            .await?;
        conn.client
            .execute(&insert, &[&numbers, &number_incidents, &number_seqs])
            .await?;
    }
    Ok(((acks, stored), next))
}
