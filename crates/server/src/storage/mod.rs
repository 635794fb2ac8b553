//! Where sitrep-server keeps everything, behind two traits with an SQLite
//! implementation (one machine, the default) and a PostgreSQL one (several
//! replicas): `EventStore` for the incident log, whose appends, group commit
//! and global order are backend-specific, and `Database` for everything
//! else (accounts, sessions, tokens, audit, publishing, upstream cache,
//! presence), which the code above writes once in portable SQL.
//!
//! Every method blocks: async code calls them through `spawn_blocking`
//! (`reply::blocking`), never from an async worker.
//!
//! Portable SQL means: parameters as `?1`, `?2` (PostgreSQL's `$1` is
//! written for it), integers as BIGINT-sized numbers, flags as 0/1,
//! `IS NOT DISTINCT FROM` rather than `IS` for comparing with a value that
//! may be NULL, `ON CONFLICT` rather than `INSERT OR IGNORE`, and
//! `RETURNING` rather than `last_insert_rowid()`, and no arithmetic on a
//! parameter (`?2 - 60000` makes PostgreSQL guess a 32-bit type: pass the
//! result as a parameter of its own). Tables are made by the
//! versioned steps in `schema`, one text per backend.

pub mod cluster;
pub mod feed;
pub mod postgres;
pub mod schema;
pub mod sqlite;
pub mod value;

pub use value::{FromValue, Row, Value};

use sitrep_core::log::protocol::Ack;
use sitrep_core::{Event, IncidentId};
use std::path::PathBuf;
use std::sync::Arc;

/// Whether storing this event gives its incident a number (`INC-42`) when
/// it has none yet: a declaration. The number is kept in
/// `incident_numbers` beside the log, written in the same commit by the
/// same writer that hands out the seqs, so it follows the log's one order.
pub fn opens_incident(ev: &Event) -> bool {
    ev.incident.is_incident() && matches!(ev.body, sitrep_core::EventBody::Declared { .. })
}

/// The most events one page read returns (the API's `limit`, the stream's
/// catch-up pages).
pub const MAX_PAGE: usize = 1000;

#[derive(Debug)]
pub enum DbError {
    Sqlite(rusqlite::Error),
    Postgres(tokio_postgres::Error),
    /// The database cannot be reached right now (refused, restarting, every
    /// connection busy for too long): the request may be tried again.
    Unavailable(String),
    /// The transaction shared with other batches could not commit.
    GroupCommit(String),
    /// A stored row no longer parses as an event (written by another version).
    Corrupt {
        seq: u64,
        error: serde_json::Error,
    },
    /// A row is not of the shape its query expects.
    Shape(String),
    /// The database's schema is not one this binary can use (newer, or
    /// made by a different build); nothing was changed.
    Schema(String),
    /// Anything else, said in words (a worker thread that died, say).
    Other(String),
}

impl DbError {
    /// Worth answering 503 (try again soon) rather than 500.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Unavailable(_) => true,
            DbError::Postgres(e) => postgres::is_connection_error(e),
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            _ => false,
        }
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Sqlite(e) => write!(f, "sqlite: {e}"),
            DbError::Postgres(e) => write!(f, "postgresql: {}", postgres::describe(e)),
            DbError::Unavailable(e) => write!(f, "the database is unavailable: {e}"),
            DbError::GroupCommit(e) => write!(f, "commit: {e}"),
            DbError::Corrupt { seq, error } => {
                write!(f, "stored event {seq} does not parse: {error}")
            }
            DbError::Shape(e) => write!(f, "unexpected row: {e}"),
            DbError::Schema(e) => f.write_str(e),
            DbError::Other(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Sqlite(e)
    }
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        DbError::Postgres(e)
    }
}

/// Which SQL the backend speaks, for the few statements that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A transaction in progress: statements in portable SQL (see above).
pub trait Tx {
    /// Runs a statement; returns the rows it changed.
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, DbError>;
    /// Runs a query; returns every row.
    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, DbError>;
    fn dialect(&self) -> Dialect;
}

impl dyn Tx + '_ {
    /// The first row, if any.
    pub fn query_row(&mut self, sql: &str, args: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, args)?.into_iter().next())
    }

    /// The first column of the one row a query must return (a count, a max).
    pub fn query_value<T: FromValue>(&mut self, sql: &str, args: &[Value]) -> Result<T, DbError> {
        self.query_row(sql, args)?
            .ok_or_else(|| DbError::Shape(format!("no row from {sql}")))?
            .get(0)
    }
}

/// Transactions on the database beside the log. `f` may run more than once
/// (PostgreSQL retries a write that lost a serialization race or found its
/// connection gone before anything was sent), so it must do nothing but
/// database work; it commits when `f` returns Ok and rolls back on Err.
pub trait Database: Send + Sync {
    /// A consistent snapshot for reading; writes are refused or not kept.
    fn read_tx(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>)
        -> Result<(), DbError>;
    /// A write transaction, serialized against every other writer (of this
    /// process and, on PostgreSQL, of every replica) as far as its reads go.
    fn write_tx(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>,
    ) -> Result<(), DbError>;
    fn dialect(&self) -> Dialect;
}

impl dyn Database + '_ {
    pub fn read<R>(
        &self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<R, DbError>,
    ) -> Result<R, DbError> {
        let mut out = None;
        self.read_tx(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| DbError::Other("a read ended without an answer".into()))
    }

    pub fn write<R>(
        &self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<R, DbError>,
    ) -> Result<R, DbError> {
        let mut out = None;
        self.write_tx(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| DbError::Other("a write ended without an answer".into()))
    }
}

/// Runs with one POST's newly stored events, once, by the process that
/// stored them, after the commit (audit entries, say).
pub type Committed = Box<dyn FnOnce(&[Event]) + Send>;

/// Runs with every committed event exactly once per process, in seq order
/// without gaps, whichever replica stored it: the live stream, the upstream
/// list, the relay's queue.
pub type Feed = Arc<dyn Fn(&[Event]) + Send + Sync>;

pub struct Page {
    pub events: Vec<Event>,
    pub head: u64,
}

/// The incident log: append-only, one global order (the seq).
pub trait EventStore: Send + Sync {
    /// Stores the batch and acks every event in the order given. An id
    /// already stored (earlier or in this batch) keeps its first seq and
    /// received_at. The feed sees the newly stored events before this
    /// returns; then `committed` does. Nothing is acked before the commit
    /// that made it durable.
    fn append_boxed(&self, events: Vec<Event>, committed: Committed) -> Result<Vec<Ack>, DbError>;

    /// Events with seq > `after`, ascending, at most `limit`, and the head,
    /// read in one snapshot so the head is never behind the page.
    fn page(&self, after: u64, limit: usize) -> Result<Page, DbError>;

    /// Every event of one stream (an incident, or the workspace), in seq order.
    fn stream_events(&self, incident: &IncidentId) -> Result<Vec<Event>, DbError>;

    fn head(&self) -> Result<u64, DbError>;

    /// Sets what sees every committed event (see `Feed`); set once, before
    /// serving. Events committed before are not fed.
    fn set_feed(&self, feed: Feed);

    /// Feeds the events other replicas committed up to `head` (told by a
    /// notification, or found by polling). Nothing to do on one machine.
    fn catch_up(&self, head: u64) -> Result<(), DbError>;
}

impl dyn EventStore + '_ {
    /// `append_boxed` with a closure.
    pub fn append(
        &self,
        events: Vec<Event>,
        committed: impl FnOnce(&[Event]) + Send + 'static,
    ) -> Result<Vec<Ack>, DbError> {
        self.append_boxed(events, Box::new(committed))
    }
}

/// Where the data lives, from `--data` and `--database` (`SITREP_DATABASE`).
#[derive(Clone, Debug)]
pub enum Location {
    /// The data directory holding `sitrep.sqlite3`.
    Sqlite(PathBuf),
    /// A `postgres://USER@HOST[:PORT]/DB` URL.
    Postgres(String),
}

impl Location {
    /// `--database` wins when given; it must be a PostgreSQL URL.
    pub fn from_args(data: PathBuf, database: Option<&str>) -> Result<Location, String> {
        match database.map(str::trim).filter(|d| !d.is_empty()) {
            None => Ok(Location::Sqlite(data)),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Location::Postgres(url.to_string()))
            }
            Some(other) => Err(format!(
                "--database must be a postgres:// URL (got {:?}); leave it out to use SQLite in --data",
                redact(other)
            )),
        }
    }

    /// For messages: where, without a password.
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(dir) => format!("SQLite in {}", dir.display()),
            Location::Postgres(url) => format!("PostgreSQL at {}", redact(url)),
        }
    }
}

/// A database URL with any password replaced, for logs and errors.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((auth, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Everything a server keeps, opened and migrated.
#[derive(Clone)]
pub struct Storage {
    pub log: Arc<dyn EventStore>,
    pub db: Arc<dyn Database>,
    /// Replicas sharing this storage, if any: signals and leadership.
    pub cluster: Arc<dyn cluster::Cluster>,
}

/// Opens the log and the database, running pending schema steps first (one
/// process at a time) and refusing a schema newer than this binary's.
pub fn open(location: &Location) -> Result<Storage, DbError> {
    match location {
        Location::Sqlite(dir) => sqlite::open(dir),
        Location::Postgres(url) => postgres::open(url),
    }
}

/// The log's id (schema step 6): made once with the log, then the same
/// across restarts and on every replica of one database. `caught_up` and
/// the events page carry it, so a console can tell a replaced log.
pub fn log_id(db: &dyn Database) -> Result<String, DbError> {
    db.read(|tx| tx.query_value("SELECT id FROM log_identity WHERE one = 1", &[]))
}

/// The database alone (the CLI's account and token commands).
pub fn open_database(location: &Location) -> Result<Arc<dyn Database>, DbError> {
    match location {
        Location::Sqlite(dir) => sqlite::open_database(dir),
        Location::Postgres(url) => postgres::open_database(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        assert_eq!(
            redact("postgres://sitrep:hunter2@db.internal:5432/sitrep"),
            "postgres://sitrep:***@db.internal:5432/sitrep"
        );
        assert_eq!(
            redact("postgres://sitrep@db/sitrep"),
            "postgres://sitrep@db/sitrep"
        );
    }

    #[test]
    fn only_a_postgres_url_is_taken_for_database() {
        let data = PathBuf::from("data");
        assert!(matches!(
            Location::from_args(data.clone(), None),
            Ok(Location::Sqlite(_))
        ));
        assert!(matches!(
            Location::from_args(data.clone(), Some("  ")),
            Ok(Location::Sqlite(_))
        ));
        assert!(matches!(
            Location::from_args(data.clone(), Some("postgres://u@h/db")),
            Ok(Location::Postgres(_))
        ));
        let err = Location::from_args(data, Some("mysql://u:pw@h/db")).unwrap_err();
        assert!(err.contains("postgres://"), "{err}");
        assert!(!err.contains("pw"), "no password in errors: {err}");
    }
}
