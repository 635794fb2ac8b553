//! The event log on SQLite: one append-only table whose rowid is the seq,
//! written by one connection with group commit, read by a few others.

use super::connect;
use crate::clock::now_ms;
use crate::storage::feed::Feeder;
use crate::storage::opens_incident;
use crate::storage::{Committed, DbError, EventStore, Feed, Page};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use sitrep_core::log::protocol::Ack;
use sitrep_core::{Event, IncidentId};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

/// WAL lets readers run beside the one writer, so catch-ups and page reads
/// never wait for an append; a few readers are enough to spread the load.
const READERS: usize = 4;

pub struct SqliteLog {
    writer: Mutex<Connection>,
    /// Batches waiting for the next group commit.
    queued: Mutex<Vec<Queued>>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    feeder: Feeder,
    /// Transactions committed (each one fsync), however many batches each carried.
    commits: AtomicU64,
}

impl SqliteLog {
    /// Opens the log of a migrated database file.
    pub fn open(path: &Path) -> Result<SqliteLog, DbError> {
        let writer = connect(path)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(Duration::from_secs(5))?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>, rusqlite::Error>>()?;
        let feeder = Feeder::new(head(&writer)?);
        Ok(SqliteLog {
            writer: Mutex::new(writer),
            queued: Mutex::new(Vec::new()),
            readers,
            next_reader: AtomicUsize::new(0),
            feeder,
            commits: AtomicU64::new(0),
        })
    }

    /// Transactions committed so far: fewer than the batches stored when
    /// batches share commits.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        self.readers[i].lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl EventStore for SqliteLog {
    /// Group commit: batches that arrive while another commit is running
    /// wait for the write lock, and whichever takes it next stores every
    /// batch queued by then in one transaction and one fsync, then hands
    /// each its acks. A batch that fails alone (its savepoint rolled back)
    /// does not take the others with it. The feed and `committed` run
    /// while the write lock is still held, so the live feed stays in seq
    /// order even when batches race.
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
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        // The commit before this one may already have carried our batch.
        if let Ok(r) = result.try_recv() {
            return r;
        }
        let group = std::mem::take(&mut *self.queued.lock().unwrap_or_else(|p| p.into_inner()));
        commit_group(&mut conn, group, &self.feeder);
        self.commits.fetch_add(1, Ordering::Relaxed);
        drop(conn);
        result.recv().unwrap_or(Err(DbError::GroupCommit(
            "the commit ended without an answer".into(),
        )))
    }

    fn page(&self, after: u64, limit: usize) -> Result<Page, DbError> {
        page(&mut self.reader(), after, limit)
    }

    fn stream_events(&self, incident: &IncidentId) -> Result<Vec<Event>, DbError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT e.seq, e.event, e.received_at, n.number FROM events e
             LEFT JOIN incident_numbers n ON n.seq = e.seq
             WHERE e.incident = ?1 ORDER BY e.seq",
        )?;
        let mut rows = stmt.query([&*incident.0])?;
        let mut events = Vec::new();
        while let Some(row) = rows.next()? {
            events.push(event_of(row)?);
        }
        Ok(events)
    }

    fn head(&self) -> Result<u64, DbError> {
        Ok(head(&self.reader())?)
    }

    fn set_feed(&self, feed: Feed) {
        self.feeder.set(feed);
    }

    /// One process writes this log: nothing is committed elsewhere.
    fn catch_up(&self, _head: u64) -> Result<(), DbError> {
        Ok(())
    }
}

fn page(conn: &mut Connection, after: u64, limit: usize) -> Result<Page, DbError> {
    let tx = conn.transaction()?;
    let head = head(&tx)?;
    let mut events = Vec::new();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT e.seq, e.event, e.received_at, n.number FROM events e
             LEFT JOIN incident_numbers n ON n.seq = e.seq
             WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2",
        )?;
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let mut rows = stmt.query(params![after, limit as i64])?;
        while let Some(row) = rows.next()? {
            events.push(event_of(row)?);
        }
    }
    tx.commit()?;
    Ok(Page { events, head })
}

fn event_of(row: &rusqlite::Row<'_>) -> Result<Event, DbError> {
    let seq = row.get::<_, i64>(0)? as u64;
    let json: String = row.get(1)?;
    let mut ev: Event =
        serde_json::from_str(&json).map_err(|error| DbError::Corrupt { seq, error })?;
    ev.seq = Some(seq);
    ev.received_at = Some(row.get(2)?);
    ev.number = row.get::<_, Option<i64>>(3)?.map(|n| n as u64);
    Ok(ev)
}

/// One POST's batch (or the relay's report) waiting to be stored.
struct Queued {
    events: Vec<Event>,
    committed: Committed,
    done: mpsc::Sender<Result<Vec<Ack>, DbError>>,
}

/// Stores every queued batch in one transaction, each under its own
/// savepoint, commits once, then (still under the write lock) feeds each
/// batch's new events, runs its `committed` and answers it.
fn commit_group(conn: &mut Connection, group: Vec<Queued>, feeder: &Feeder) {
    let now = now_ms();
    // IMMEDIATE: other connections write to this file too (accounts, the
    // publishing queue). A deferred transaction that read first and
    // then found another commit would fail at once with SQLITE_BUSY,
    // which the busy timeout does not cover; taking the write lock up
    // front makes it wait instead.
    let mut tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            for q in group {
                let _ = q.done.send(Err(DbError::GroupCommit(e.to_string())));
            }
            return;
        }
    };
    let mut outcomes = Vec::with_capacity(group.len());
    for q in group {
        let stored = tx.savepoint().map_err(DbError::from).and_then(|mut sp| {
            let r = store(&mut sp, q.events, now)?;
            sp.commit()?;
            Ok(r)
        });
        outcomes.push((stored, q.committed, q.done));
    }
    if let Err(e) = tx.commit() {
        for (_, _, done) in outcomes {
            let _ = done.send(Err(DbError::GroupCommit(e.to_string())));
        }
        return;
    }
    for (outcome, committed, done) in outcomes {
        let reply = outcome.map(|(acks, stored)| {
            if !stored.is_empty() {
                // Only this process writes the log, so nothing has to be
                // read back; a failed read-back would only delay the feed.
                if let Err(e) = feeder.local(&stored, |after, limit| page(conn, after, limit)) {
                    eprintln!("sitrep-server: cannot feed committed events: {e}");
                }
                committed(&stored);
            }
            acks
        });
        let _ = done.send(reply);
    }
}

/// Inserts one batch: its acks in the order given, and the newly stored
/// events in seq order.
fn store(
    tx: &mut rusqlite::Savepoint<'_>,
    events: Vec<Event>,
    now: i64,
) -> Result<(Vec<Ack>, Vec<Event>), DbError> {
    let mut acks = Vec::with_capacity(events.len());
    let mut stored = Vec::new();
    let mut find = tx.prepare_cached(
        "SELECT e.seq, e.received_at, n.number FROM events e
         LEFT JOIN incident_numbers n ON n.seq = e.seq WHERE e.id = ?1",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO events (id, incident, event, received_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    // Under the log's one writer, so MAX + 1 is never taken twice.
    let mut numbered = tx.prepare_cached("SELECT 1 FROM incident_numbers WHERE incident = ?1")?;
    let mut number = tx.prepare_cached(
        "INSERT INTO incident_numbers (number, incident, seq)
         SELECT COALESCE(MAX(number), 0) + 1, ?1, ?2 FROM incident_numbers RETURNING number",
    )?;
    for mut ev in events {
        let existing = find
            .query_row([&*ev.id.0], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })
            .optional()?;
        let (seq, received_at, given) = match existing {
            Some(found) => found,
            None => {
                // The client's own seq/received_at/number mean nothing here.
                ev.seq = None;
                ev.received_at = None;
                ev.number = None;
                let json = serde_json::to_string(&ev).expect("an event always serializes");
                insert.execute(params![&*ev.id.0, &*ev.incident.0, json, now])?;
                let seq = tx.last_insert_rowid();
                let given = if opens_incident(&ev) && !numbered.exists([&*ev.incident.0])? {
                    Some(number.query_row(params![&*ev.incident.0, seq], |r| r.get::<_, i64>(0))?)
                } else {
                    None
                };
                ev.seq = Some(seq as u64);
                ev.received_at = Some(now);
                ev.number = given.map(|n| n as u64);
                stored.push(ev.clone());
                (seq, now, given)
            }
        };
        acks.push(Ack {
            id: ev.id,
            seq: seq as u64,
            received_at,
            number: given.map(|n| n as u64),
        });
    }
    Ok((acks, stored))
}

fn head(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|h| h as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn note(id: &str) -> Event {
        serde_json::from_value(serde_json::json!({
            "id": id, "incident": "inc-1", "author": "ana", "at": 1_763_464_800_000i64,
            "body": {"kind": "note_added", "text": id}
        }))
        .expect("an event")
    }

    /// Concurrent POSTs share a commit: batches that arrive while one
    /// commit runs are all stored by the next, one transaction and one
    /// fsync, and each gets its own acks.
    #[test]
    fn batches_queued_while_a_commit_runs_share_the_next_one() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = super::super::prepared(dir.path()).expect("a data dir");
        super::super::migrate(&path).expect("migrated");
        let log = Arc::new(SqliteLog::open(&path).expect("the log"));
        // A commit in progress: the writer is held.
        let running = log.writer.lock().expect("the writer");
        let posts: Vec<_> = (0..8)
            .map(|i| {
                let log = log.clone();
                std::thread::spawn(move || {
                    log.append_boxed(vec![note(&format!("e{i}"))], Box::new(|_| {}))
                })
            })
            .collect();
        while log.queued.lock().expect("the queue").len() < 8 {
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(running);
        let mut seqs: Vec<u64> = posts
            .into_iter()
            .map(|p| {
                let acks = p.join().expect("a poster").expect("stored");
                assert_eq!(acks.len(), 1);
                acks[0].seq
            })
            .collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=8).collect::<Vec<u64>>());
        assert_eq!(log.commits(), 1, "eight batches, one commit");
    }
}
