//! The event log on SQLite: one append-only table whose rowid is the seq.
//! Every method blocks; async code calls them through `spawn_blocking`.

use crate::clock::now_ms;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use sitrep_core::log::protocol::Ack;
use sitrep_core::{Event, IncidentId};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// WAL lets readers run beside the one writer, so catch-ups and page reads
/// never wait for an append; a few readers are enough to spread the load.
const READERS: usize = 4;

/// The most events one page read returns (the API's `limit`, the stream's
/// catch-up pages).
pub const MAX_PAGE: usize = 1000;

pub struct EventLog {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

#[derive(Debug)]
pub enum DbError {
    Sqlite(rusqlite::Error),
    /// A stored row no longer parses as an event (written by another version).
    Corrupt {
        seq: u64,
        error: serde_json::Error,
    },
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Sqlite(e) => write!(f, "sqlite: {e}"),
            DbError::Corrupt { seq, error } => {
                write!(f, "stored event {seq} does not parse: {error}")
            }
        }
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Sqlite(e)
    }
}

pub struct Page {
    pub events: Vec<Event>,
    pub head: u64,
}

impl EventLog {
    pub fn open(path: &Path) -> Result<EventLog, DbError> {
        let writer = Connection::open(path)?;
        writer.busy_timeout(Duration::from_secs(5))?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // An ack tells the client it may drop the event from its queue, so a
        // commit must survive a power cut, not just a crash of this process.
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.execute_batch(
            "CREATE TABLE IF NOT EXISTS events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                incident TEXT NOT NULL,
                event TEXT NOT NULL,
                received_at INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS events_incident ON events (incident, seq);",
        )?;
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
        Ok(EventLog {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Stores the batch in one transaction and acks every event in the order
    /// given. An id already stored (earlier or in this batch) keeps its first
    /// seq and received_at. `committed` sees the newly stored events, in seq
    /// order, while the write lock is still held: publishing there keeps the
    /// live feed in seq order even when batches race.
    pub fn append(
        &self,
        events: Vec<Event>,
        committed: impl FnOnce(&[Event]),
    ) -> Result<Vec<Ack>, DbError> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let now = now_ms();
        // IMMEDIATE: other connections write to this file too (accounts, the
        // publishing queue). A deferred transaction that read first and
        // then found another commit would fail at once with SQLITE_BUSY,
        // which the busy timeout does not cover; taking the write lock up
        // front makes it wait instead.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut acks = Vec::with_capacity(events.len());
        let mut stored = Vec::new();
        {
            let mut find =
                tx.prepare_cached("SELECT seq, received_at FROM events WHERE id = ?1")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (id, incident, event, received_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for mut ev in events {
                let existing = find
                    .query_row([&*ev.id.0], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                    })
                    .optional()?;
                let (seq, received_at) = match existing {
                    Some(found) => found,
                    None => {
                        // The client's own seq/received_at mean nothing here.
                        ev.seq = None;
                        ev.received_at = None;
                        let json = serde_json::to_string(&ev).expect("an event always serializes");
                        insert.execute(params![&*ev.id.0, &*ev.incident.0, json, now])?;
                        let seq = tx.last_insert_rowid();
                        ev.seq = Some(seq as u64);
                        ev.received_at = Some(now);
                        stored.push(ev.clone());
                        (seq, now)
                    }
                };
                acks.push(Ack {
                    id: ev.id,
                    seq: seq as u64,
                    received_at,
                });
            }
        }
        tx.commit()?;
        if !stored.is_empty() {
            committed(&stored);
        }
        Ok(acks)
    }

    /// Events with seq > `after`, ascending, at most `limit`, and the head,
    /// read in one snapshot so the head is never behind the page.
    pub fn page(&self, after: u64, limit: usize) -> Result<Page, DbError> {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let mut conn = self.readers[i].lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction()?;
        let head = head(&tx)?;
        let mut events = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT seq, event, received_at FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let after = i64::try_from(after).unwrap_or(i64::MAX);
            let mut rows = stmt.query(params![after, limit as i64])?;
            while let Some(row) = rows.next()? {
                let seq = row.get::<_, i64>(0)? as u64;
                let json: String = row.get(1)?;
                let mut ev: Event =
                    serde_json::from_str(&json).map_err(|error| DbError::Corrupt { seq, error })?;
                ev.seq = Some(seq);
                ev.received_at = Some(row.get(2)?);
                events.push(ev);
            }
        }
        tx.commit()?;
        Ok(Page { events, head })
    }

    /// Every event of one stream (an incident, or the workspace), in seq order.
    pub fn stream_events(&self, incident: &IncidentId) -> Result<Vec<Event>, DbError> {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let conn = self.readers[i].lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn.prepare_cached(
            "SELECT seq, event, received_at FROM events WHERE incident = ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([&*incident.0])?;
        let mut events = Vec::new();
        while let Some(row) = rows.next()? {
            let seq = row.get::<_, i64>(0)? as u64;
            let json: String = row.get(1)?;
            let mut ev: Event =
                serde_json::from_str(&json).map_err(|error| DbError::Corrupt { seq, error })?;
            ev.seq = Some(seq);
            ev.received_at = Some(row.get(2)?);
            events.push(ev);
        }
        Ok(events)
    }

    pub fn head(&self) -> Result<u64, DbError> {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let conn = self.readers[i].lock().unwrap_or_else(|p| p.into_inner());
        Ok(head(&conn)?)
    }
}

fn head(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|h| h as u64)
}
