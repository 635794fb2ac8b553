//! The storage traits on PostgreSQL, for several replicas behind a load
//! balancer (Debian's PostgreSQL 15 is what the tests run). The driver is
//! tokio-postgres: maintained with the Rust PostgreSQL project, pure Rust
//! (no libpq, nothing to install beside the server), with LISTEN/NOTIFY
//! and pipelining. It runs on a small runtime of its own, so the blocking
//! storage traits can wait on it from any thread that is not an async
//! worker (the blocking pool, the hashing threads, the CLI).
//!
//! Connections come from a lazily filled pool; a connection found broken
//! (PostgreSQL restarted) is dropped and a new one made, and a transaction
//! that failed before anything was committed is run again.

mod cluster;
mod listen;
mod log;

pub use cluster::PgCluster;
pub use log::PgLog;

use super::{redact, schema, Database, DbError, Dialect, Row, Storage, Tx, Value};
use bytes::BytesMut;
use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{IsNull, ToSql, Type};
use tokio_postgres::{Client, Config, NoTls, Statement};

/// Connections per process at most; opened as they are needed.
const POOL_SIZE: usize = 10;

/// How long a caller waits for a free connection before the request is
/// answered 503 (a client tries again).
const POOL_WAIT: Duration = Duration::from_secs(10);

/// How long connecting may take: a database that is down must fail fast,
/// so a console says "degraded" rather than waiting.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Advisory lock keys ("SITREP" and a number), one per kind of once-only
/// work; any value works as long as nothing else in the database uses it.
pub(crate) const MIGRATION_LOCK: i64 = 0x5349_5452_4550_0001;
pub(crate) const LEADER_LOCK: i64 = 0x5349_5452_4550_0002;

/// The driver's runtime: a static, so it is never dropped inside another
/// runtime (which tokio forbids).
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sitrep-pg")
            .enable_all()
            .build()
            .expect("the PostgreSQL driver's runtime starts")
    })
}

/// Waits for the driver. Never from an async worker (tokio panics there):
/// the storage traits are called through `spawn_blocking`.
pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    runtime().block_on(f)
}

/// Spawns work on the driver's runtime (listeners, leadership).
pub(crate) fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
    runtime().spawn(f);
}

/// True when the error says the connection (or the server) is gone rather
/// than that the statement was wrong: the request may be tried again.
pub fn is_connection_error(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        return code.code().starts_with("08")
            || *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CRASH_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW;
    }
    // No SQLSTATE: an I/O error underneath (refused, reset), or the
    // driver's own timeout; not a parameter that failed to serialize.
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.is::<std::io::Error>() {
            return true;
        }
        cause = c.source();
    }
    let text = e.to_string();
    text.starts_with("error connecting") || text.starts_with("timeout")
}

/// The server's own words when there are some (the driver's Display says
/// only "db error").
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {} ({})", db.severity(), db.message(), db.code().code()),
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

fn parse(url: &str) -> Result<Config, DbError> {
    let mut config = Config::from_str(url).map_err(|e| {
        DbError::Other(format!(
            "--database {} is not a PostgreSQL URL: {e}",
            redact(url)
        ))
    })?;
    config
        .application_name("sitrep-server")
        .connect_timeout(CONNECT_TIMEOUT)
        // A balancer or a firewall between us may drop idle connections
        // silently; keepalives find out before a request does.
        .keepalives_idle(Duration::from_secs(30));
    Ok(config)
}

/// Where, for messages (never the password).
fn place(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_default();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or("(default)");
    format!("{host}:{port}/{db}")
}

/// A new connection, its driver task on our runtime. Call inside it.
pub(crate) async fn connect(config: &Config) -> Result<Client, DbError> {
    let (client, connection) = config.connect(NoTls).await.map_err(|e| {
        DbError::Unavailable(format!(
            "cannot connect to PostgreSQL at {}: {}",
            place(config),
            describe(&e)
        ))
    })?;
    tokio::spawn(async move {
        // Ends when the server or the client closes it; the pool notices
        // through `is_closed` and makes a new one.
        let _ = connection.await;
    });
    Ok(client)
}

pub fn open(url: &str) -> Result<Storage, DbError> {
    let config = parse(url)?;
    block_on(migrate(&config))?;
    let pool = Arc::new(Pool::new(config.clone(), POOL_SIZE));
    let log = Arc::new(PgLog::open(pool.clone())?);
    let cluster = PgCluster::start(config, pool.clone(), log.clone());
    Ok(Storage {
        log,
        db: Arc::new(PgDb { pool }),
        cluster: Arc::new(cluster),
    })
}

pub fn open_database(url: &str) -> Result<Arc<dyn Database>, DbError> {
    let config = parse(url)?;
    block_on(migrate(&config))?;
    Ok(Arc::new(PgDb {
        pool: Arc::new(Pool::new(config, 2)),
    }))
}

/// Runs the missing schema steps under an advisory lock: replicas started
/// together wait for the first, then find nothing left to do.
async fn migrate(config: &Config) -> Result<(), DbError> {
    let mut client = connect(config).await?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = steps(&mut client).await;
    // Released with the connection anyway; said for the log's sake.
    let _ = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    result
}

async fn steps(client: &mut Client) -> Result<(), DbError> {
    client.batch_execute(schema::SCHEMA_TABLE).await?;
    let applied: Vec<(u32, String)> = client
        .query(
            "SELECT version, name FROM sitrep_schema ORDER BY version",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get::<_, i64>(0) as u32, r.get::<_, String>(1)))
        .collect();
    let pending = schema::pending(&applied).map_err(DbError::Schema)?;
    for step in pending {
        let tx = client.transaction().await?;
        tx.batch_execute(step.postgres).await?;
        tx.execute(
            "INSERT INTO sitrep_schema (version, name, applied_at) VALUES ($1, $2, $3)",
            &[
                &i64::from(step.version),
                &step.name,
                &crate::clock::now_ms(),
            ],
        )
        .await?;
        tx.commit().await?;
        eprintln!(
            "sitrep-server: database schema step {} ({}) done",
            step.version, step.name
        );
    }
    Ok(())
}

/// A pooled connection with the statements it has prepared.
pub(crate) struct Conn {
    pub client: Client,
    prepared: HashMap<String, Statement>,
}

impl Conn {
    /// The statement for portable SQL (`?1` becomes `$1`), prepared once
    /// per connection.
    pub async fn prepare(&mut self, sql: &str) -> Result<Statement, tokio_postgres::Error> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(&dollars(sql)).await?;
        self.prepared.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

pub(crate) struct Pool {
    config: Config,
    idle: Mutex<Idle>,
    freed: Condvar,
    max: usize,
}

struct Idle {
    conns: Vec<Conn>,
    /// Connections made and not yet dropped, idle or lent.
    open: usize,
}

/// A connection on loan; it goes back to the pool when dropped, unless it
/// broke.
pub(crate) struct Lease<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
}

impl std::ops::Deref for Lease<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn.as_ref().expect("a lease holds its connection")
    }
}

impl std::ops::DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a lease holds its connection")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut idle = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
        match self.conn.take() {
            Some(c) if !c.client.is_closed() => idle.conns.push(c),
            _ => idle.open -= 1,
        }
        self.pool.freed.notify_one();
    }
}

impl Pool {
    fn new(config: Config, max: usize) -> Pool {
        Pool {
            config,
            idle: Mutex::new(Idle {
                conns: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
            max,
        }
    }

    /// A connection: an idle one, a new one while under the limit, or the
    /// next one freed.
    pub fn get(&self) -> Result<Lease<'_>, DbError> {
        let deadline = Instant::now() + POOL_WAIT;
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            while let Some(c) = idle.conns.pop() {
                if !c.client.is_closed() {
                    return Ok(Lease {
                        pool: self,
                        conn: Some(c),
                    });
                }
                idle.open -= 1;
            }
            if idle.open < self.max {
                idle.open += 1;
                drop(idle);
                return match block_on(connect(&self.config)) {
                    Ok(client) => Ok(Lease {
                        pool: self,
                        conn: Some(Conn {
                            client,
                            prepared: HashMap::new(),
                        }),
                    }),
                    Err(e) => {
                        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
                        idle.open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(DbError::Unavailable(format!(
                    "all {} database connections stayed busy for {} s",
                    self.max,
                    POOL_WAIT.as_secs()
                )));
            }
            idle = self
                .freed
                .wait_timeout(idle, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// Everything beside the log, in transactions on the pool.
pub struct PgDb {
    pool: Arc<Pool>,
}

/// How often a write that lost a serialization race is run again.
const SERIALIZATION_RETRIES: u32 = 20;
/// How often a transaction whose connection broke before its commit is
/// run again on a new connection.
const CONNECTION_RETRIES: u32 = 2;

impl PgDb {
    fn run(
        &self,
        write: bool,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        // Writes are serializable: the accounts' rules (the last admin, a
        // name taken) read, then write, and two replicas must not both
        // pass. Reads see one snapshot, as SQLite's do.
        let begin = if write {
            "BEGIN ISOLATION LEVEL SERIALIZABLE"
        } else {
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        };
        let (mut races, mut breaks) = (0, 0);
        loop {
            let mut conn = self.pool.get()?;
            let outcome = (|| {
                block_on(conn.client.batch_execute(begin)).map_err(Failure::Before)?;
                f(&mut PgTx { conn: &mut conn }).map_err(Failure::Body)?;
                block_on(conn.client.batch_execute("COMMIT")).map_err(Failure::Commit)
            })();
            let e = match outcome {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            if !conn.client.is_closed() {
                let _ = block_on(conn.client.batch_execute("ROLLBACK"));
            }
            drop(conn);
            let pg = match &e {
                Failure::Before(p) | Failure::Commit(p) => Some(p),
                Failure::Body(DbError::Postgres(p)) => Some(p),
                Failure::Body(_) => None,
            };
            let serialization = pg.and_then(|p| p.code()).is_some_and(|c| {
                *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
            });
            let broken = pg.is_some_and(is_connection_error);
            if serialization && races < SERIALIZATION_RETRIES {
                races += 1;
                std::thread::sleep(Duration::from_millis(1 + u64::from(races) * 2));
                continue;
            }
            // A commit cut off may have happened: not run again (the
            // caller says so, and a client retries idempotently).
            if broken && !matches!(e, Failure::Commit(_)) && breaks < CONNECTION_RETRIES {
                breaks += 1;
                continue;
            }
            return Err(match e {
                Failure::Before(p) | Failure::Commit(p) if is_connection_error(&p) => {
                    DbError::Unavailable(describe(&p))
                }
                Failure::Before(p) | Failure::Commit(p) => DbError::Postgres(p),
                Failure::Body(e) => e,
            });
        }
    }
}

/// Where a transaction failed, which says whether it may run again.
enum Failure {
    Before(tokio_postgres::Error),
    Body(DbError),
    Commit(tokio_postgres::Error),
}

impl Database for PgDb {
    fn read_tx(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        self.run(false, f)
    }

    fn write_tx(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        self.run(true, f)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

struct PgTx<'a, 'p> {
    conn: &'a mut Lease<'p>,
}

fn params(args: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Tx for PgTx<'_, '_> {
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, DbError> {
        let conn: &mut Conn = self.conn;
        block_on(async {
            let stmt = conn.prepare(sql).await?;
            conn.client.execute(&stmt, &params(args)).await
        })
        .map_err(DbError::Postgres)
    }

    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, DbError> {
        let conn: &mut Conn = self.conn;
        let rows = block_on(async {
            let stmt = conn.prepare(sql).await?;
            conn.client.query(&stmt, &params(args)).await
        })
        .map_err(DbError::Postgres)?;
        rows.iter().map(row_of).collect()
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

/// A driver row as portable values; a column type the portable SQL never
/// produces (NUMERIC, say, from SUM) is an error that says how to avoid it.
pub(crate) fn row_of(r: &tokio_postgres::Row) -> Result<Row, DbError> {
    let mut values = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let ty = col.type_();
        let v = match *ty {
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::BOOL => r
                .try_get::<_, Option<bool>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Value::Real),
            Type::FLOAT4 => r
                .try_get::<_, Option<f32>>(i)?
                .map(|v| Value::Real(v.into())),
            Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                r.try_get::<_, Option<String>>(i)?.map(Value::Text)
            }
            _ => {
                return Err(DbError::Shape(format!(
                    "column {} is {ty}; cast it to BIGINT or TEXT in the query",
                    col.name()
                )))
            }
        };
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                Type::FLOAT8 => (*v as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => v.to_string().to_sql(ty, out),
                _ => Err(format!("an integer cannot be sent as {ty}").into()),
            },
            Value::Real(v) => match *ty {
                Type::FLOAT8 => v.to_sql(ty, out),
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => Err(format!("a number cannot be sent as {ty}").into()),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Portable placeholders (`?1`) as PostgreSQL's (`$1`), leaving quoted
/// text alone.
fn dollars(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => quoted = !quoted,
            '?' if !quoted && chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_dollars_outside_quotes() {
        assert_eq!(
            dollars("SELECT a FROM t WHERE b = ?1 AND c = '?2' OR d IS NOT DISTINCT FROM ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' OR d IS NOT DISTINCT FROM $12"
        );
        assert_eq!(dollars("SELECT 'it''s ?1', ?2"), "SELECT 'it''s ?1', $2");
    }

    #[test]
    fn a_url_that_is_not_one_is_refused_without_its_password() {
        let err = parse("postgres://u:secret@host:notaport/db").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("not a PostgreSQL URL"), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn a_refused_connection_is_unavailable_not_a_crash() {
        // Port 1 on loopback: nothing listens there.
        let config = parse("postgres://sitrep@127.0.0.1:1/sitrep").unwrap();
        let Err(err) = block_on(connect(&config)) else {
            panic!("something answered on port 1");
        };
        assert!(err.is_unavailable(), "{err}");
        assert!(err.to_string().contains("127.0.0.1:1/sitrep"), "{err}");
    }
}
