//! The storage traits on embedded SQLite: one file in the data directory
//! (`sitrep.sqlite3`, WAL, fsync on every commit), the default for one
//! machine. The log is `log::SqliteLog`; everything else goes through a few
//! pooled connections here.

mod log;

pub use log::SqliteLog;

use super::cluster::Local;
use super::{schema, Database, DbError, Dialect, Row, Storage, Tx, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The one SQLite file in the data dir: events, accounts, sessions, audit,
/// publishing targets and deliveries.
pub const DB_FILE: &str = "sitrep.sqlite3";

/// Connections for everything but the log. WAL lets them read beside the
/// one writer; writes still take turns (BEGIN IMMEDIATE).
const CONNECTIONS: usize = 4;

/// How long a statement waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Creates the data directory and the database file for this user alone
/// (0700 and 0600 on Unix; SQLite gives its -wal and -shm files the
/// database's mode): the file holds publishing keys and password hashes.
/// An install made before is tightened the same way. Returns the database
/// path. The CLI and the server both come through here.
pub fn prepare_data_dir(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let db = dir.join(DB_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        // An empty file is a new database to SQLite; made 0600 from the start.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&db)?;
        for suffix in ["", "-wal", "-shm"] {
            let f = dir.join(format!("{DB_FILE}{suffix}"));
            if f.exists() {
                std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(db)
}

fn prepared(dir: &Path) -> Result<PathBuf, DbError> {
    prepare_data_dir(dir).map_err(|e| {
        DbError::Other(format!(
            "cannot create the data directory {}: {e}",
            dir.display()
        ))
    })
}

pub fn open(dir: &Path) -> Result<Storage, DbError> {
    let path = prepared(dir)?;
    migrate(&path)?;
    Ok(Storage {
        log: Arc::new(SqliteLog::open(&path)?),
        db: Arc::new(SqliteDb::open(&path)?),
        cluster: Arc::new(Local::default()),
    })
}

pub fn open_database(dir: &Path) -> Result<Arc<dyn Database>, DbError> {
    let path = prepared(dir)?;
    migrate(&path)?;
    Ok(Arc::new(SqliteDb::open(&path)?))
}

/// Copies the database in `dir` to `to` with SQLite's online backup, which
/// reads a consistent snapshot while the server goes on writing. `to` must
/// not exist: a backup never overwrites anything. Made 0600, as the
/// database is. Returns the pages copied.
pub fn backup(dir: &Path, to: &Path) -> Result<i32, DbError> {
    let from = dir.join(DB_FILE);
    if !from.is_file() {
        return Err(DbError::Other(format!(
            "there is no database at {}",
            from.display()
        )));
    }
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    file.open(to)
        .map_err(|e| DbError::Other(format!("cannot create {}: {e}", to.display())))?;
    let source = Connection::open_with_flags(&from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    source.busy_timeout(BUSY_TIMEOUT)?;
    let mut target = Connection::open(to)?;
    let copy = rusqlite::backup::Backup::new(&source, &mut target)?;
    // A hundred pages a step, so the server's writers are not held up.
    copy.run_to_completion(100, Duration::from_millis(5), None)?;
    let pages = copy.progress().pagecount;
    drop(copy);
    // The copy is a plain database file of its own, not a WAL one.
    target.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(pages)
}

/// Opens a connection as every one of ours is set up.
fn connect(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // A commit must survive a power cut, not just a crash of this process:
    // an ack lets a client forget an event, a delivery's state keeps it
    // from being sent twice.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Runs the schema steps this file lacks, under SQLite's write lock so the
/// CLI and a server starting at once do not both run them.
fn migrate(path: &Path) -> Result<(), DbError> {
    let mut conn = connect(path)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(schema::SCHEMA_TABLE)?;
    let applied = {
        let mut stmt = tx.prepare("SELECT version, name FROM sitrep_schema ORDER BY version")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?)))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    let steps = schema::pending(&applied).map_err(DbError::Schema)?;
    for step in steps {
        tx.execute_batch(step.sqlite)?;
        if step.version == 1 {
            columns_added_before_steps(&tx)?;
        }
        tx.execute(
            "INSERT INTO sitrep_schema (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![step.version, step.name, crate::clock::now_ms()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// A data directory from before the steps were counted may have tables
/// without the columns added to them since; those are added here.
fn columns_added_before_steps(conn: &Connection) -> rusqlite::Result<()> {
    let added = [
        ("audit", "subject", "TEXT"),
        ("audit", "address", "TEXT"),
        ("audit", "count", "INTEGER NOT NULL DEFAULT 1"),
        ("audit", "last_at", "INTEGER"),
        ("accounts", "disabled_at", "INTEGER"),
        ("api_tokens", "last_used_at", "INTEGER"),
    ];
    for (table, column, kind) in added {
        let has: bool = conn.query_row(
            &format!("SELECT COUNT(*) > 0 FROM pragma_table_info('{table}') WHERE name = ?1"),
            [column],
            |r| r.get(0),
        )?;
        if !has {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
        }
    }
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS audit_by_action ON audit(action, id);
         CREATE INDEX IF NOT EXISTS audit_by_actor ON audit(actor, id);
         CREATE INDEX IF NOT EXISTS audit_by_subject ON audit(subject, id);",
    )
}

/// Everything beside the log, on a few connections to the same file.
pub struct SqliteDb {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl SqliteDb {
    pub fn open(path: &Path) -> Result<SqliteDb, DbError> {
        let conns = (0..CONNECTIONS)
            .map(|_| connect(path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SqliteDb {
            conns,
            next: AtomicUsize::new(0),
        })
    }

    /// A free connection if there is one, else the next in turn.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.conns.len() {
            if let Ok(c) = self.conns[(start + i) % self.conns.len()].try_lock() {
                return c;
            }
        }
        self.conns[start % self.conns.len()]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn run(
        &self,
        behavior: TransactionBehavior,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(behavior)?;
        f(&mut OnConnection(&tx))?;
        tx.commit()?;
        Ok(())
    }
}

impl Database for SqliteDb {
    fn read_tx(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        self.run(TransactionBehavior::Deferred, f)
    }

    /// IMMEDIATE: a deferred transaction that read first and then found
    /// another connection's commit would fail at once with SQLITE_BUSY,
    /// which the busy timeout does not cover; taking the write lock up
    /// front makes it wait instead.
    fn write_tx(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        self.run(TransactionBehavior::Immediate, f)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

/// Statements on one connection (inside its transaction).
pub(crate) struct OnConnection<'c>(pub &'c Connection);

impl Tx for OnConnection<'_> {
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, DbError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        Ok(stmt.execute(rusqlite::params_from_iter(args.iter()))? as u64)
    }

    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                values.push(match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Real(v) => ToSqlOutput::Borrowed(ValueRef::Real(*v)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args;

    #[test]
    fn a_write_commits_and_a_failed_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db: Arc<dyn Database> = open_database(dir.path()).unwrap();
        db.write(|tx| {
            tx.execute(
                "INSERT INTO publish_links (target, incident, remote_id) VALUES (?1, ?2, ?3)",
                &args!["t", "i", "r1"],
            )
        })
        .unwrap();
        let failed: Result<(), DbError> = db.write(|tx| {
            tx.execute(
                "INSERT INTO publish_links (target, incident, remote_id) VALUES (?1, ?2, ?3)",
                &args!["t", "j", "r2"],
            )?;
            Err(DbError::Other("changed my mind".into()))
        });
        assert!(failed.is_err());
        let links: Vec<String> = db
            .read(|tx| {
                tx.query("SELECT remote_id FROM publish_links ORDER BY incident", &[])?
                    .iter()
                    .map(|r| r.get(0))
                    .collect()
            })
            .unwrap();
        assert_eq!(links, vec!["r1".to_string()]);
    }

    #[test]
    fn a_database_with_a_step_from_a_newer_server_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        open_database(dir.path()).unwrap();
        let path = dir.path().join(DB_FILE);
        let conn = Connection::open(&path).unwrap();
        let next = schema::latest() + 1;
        conn.execute(
            "INSERT INTO sitrep_schema (version, name, applied_at) VALUES (?1, 'from the future', 0)",
            [next],
        )
        .unwrap();
        drop(conn);
        let err = open_database(dir.path()).err().expect("refused");
        assert!(
            err.to_string().contains("newer than this sitrep-server"),
            "{err}"
        );
    }

    #[test]
    fn a_database_from_before_log_ids_gets_one_at_upgrade_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        open_database(dir.path()).unwrap();
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.execute_batch(
            "DROP TABLE log_identity; DELETE FROM sitrep_schema WHERE version >= 6;",
        )
        .unwrap();
        drop(conn);
        let db = open_database(dir.path()).unwrap();
        let id = super::super::log_id(db.as_ref()).unwrap();
        assert_eq!(id.len(), 32, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        drop(db);
        let again = open_database(dir.path()).unwrap();
        assert_eq!(super::super::log_id(again.as_ref()).unwrap(), id);
    }

    #[test]
    fn a_data_directory_from_before_the_steps_gets_its_missing_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = prepare_data_dir(dir.path()).unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE accounts (name TEXT PRIMARY KEY, role TEXT NOT NULL,
                password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
             INSERT INTO accounts VALUES ('ana', 'admin', 'x', 1);
             CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
                actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);",
        )
        .unwrap();
        drop(conn);
        let db = open_database(dir.path()).unwrap();
        let row = db
            .read(|tx| {
                tx.query_row("SELECT name, disabled_at FROM accounts", &[])?
                    .ok_or_else(|| DbError::Other("no row".into()))
            })
            .unwrap();
        assert_eq!(row.get::<String>(0).unwrap(), "ana");
        assert_eq!(row.get::<Option<i64>>(1).unwrap(), None);
    }
}
