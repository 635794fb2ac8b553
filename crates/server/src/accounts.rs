//! Accounts, sessions, API tokens and the audit trail, in SQLite beside the
//! event log. Passwords are argon2id hashes; session and API tokens are
//! random and stored only as SHA-256, so a copied database signs no one in.

use crate::clock::now_ms;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use sitrep_core::log::access::Role;
pub use sitrep_core::log::admin::AuditEntry;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use crate::sqlite::DbError;

/// Shorter passwords are refused when an account is made.
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_BYTES: usize = 1024;
pub const MAX_NAME_BYTES: usize = sitrep_core::log::limits::MAX_AUTHOR_BYTES;

pub struct Accounts {
    conn: Mutex<Connection>,
    /// Verified against when a name is unknown, so a failed sign-in takes
    /// as long whether or not the account exists.
    dummy_hash: String,
}

/// Who is calling, as the server knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub role: Role,
    /// Set for a browser session, absent for an API token.
    pub expires_at: Option<i64>,
}

/// Which audit entries to read: newest first, before the `before` id.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub before: Option<i64>,
    pub limit: usize,
    /// Only entries of this action.
    pub kind: Option<String>,
    /// Only entries by or about this account.
    pub account: Option<String>,
}

/// Where a request came from, for the audit trail.
pub type Address<'a> = Option<&'a str>;

impl Accounts {
    pub fn open(path: &Path) -> Result<Accounts, DbError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS accounts (
                name TEXT PRIMARY KEY,
                role TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS sessions (
                token_hash TEXT PRIMARY KEY,
                name TEXT NOT NULL REFERENCES accounts(name),
                expires_at INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS api_tokens (
                token_hash TEXT PRIMARY KEY,
                name TEXT NOT NULL REFERENCES accounts(name),
                created_at INTEGER NOT NULL
            );
            -- Every change that may end an account's streams (a session
            -- ended, a password or role set, an account removed): a
            -- running server reads these, whichever process wrote them.
            CREATE TABLE IF NOT EXISTS account_changes (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL,
                at INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS audit (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL
            );",
        )?;
        migrate(&mut conn)?;
        let dummy_hash = hash_password("not a real password, only for timing")
            .map_err(|e| DbError::Sqlite(rusqlite::Error::InvalidParameterName(e)))?;
        Ok(Accounts {
            conn: Mutex::new(conn),
            dummy_hash,
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn count(&self) -> Result<u64, DbError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// Creates an account, or changes the role and password of an existing
    /// one; the audit says which. `by` is who did it ("install" from the CLI).
    pub fn upsert(
        &self,
        by: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<Result<(), String>, DbError> {
        if let Err(why) = check_name(name).and_then(|()| check_password(password)) {
            return Ok(Err(why));
        }
        let hash = match hash_password(password) {
            Ok(h) => h,
            Err(e) => return Ok(Err(e)),
        };
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let before: Option<String> = tx
            .query_row("SELECT role FROM accounts WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        let now = now_ms();
        tx.execute(
            "INSERT INTO accounts (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
            params![name, role.as_str(), hash, now],
        )?;
        match before {
            None => audit_in(
                &tx,
                by,
                "account_created",
                Some(name),
                None,
                &format!("{name} as {role}"),
            )?,
            Some(old) => {
                // A new password ends every session made with the old one.
                tx.execute("DELETE FROM sessions WHERE name = ?1", [name])?;
                changed_in(&tx, name)?;
                if old != role.as_str() {
                    audit_in(
                        &tx,
                        by,
                        "role_changed",
                        Some(name),
                        None,
                        &format!("{name}: {old} to {role}"),
                    )?;
                }
                audit_in(&tx, by, "password_set", Some(name), None, name)?;
            }
        }
        tx.commit()?;
        Ok(Ok(()))
    }

    /// Checks a password; records the sign-in or the failure either way
    /// (failures counted per name, address and minute).
    pub fn verify(
        &self,
        name: &str,
        password: &str,
        address: Address,
    ) -> Result<Option<Role>, DbError> {
        let found: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT role, password_hash FROM accounts WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (role, hash) = match &found {
            Some((role, hash)) => (role.parse::<Role>().ok(), hash.as_str()),
            None => (None, self.dummy_hash.as_str()),
        };
        let ok = verify_password(password, hash) && role.is_some();
        // The name tried is kept short: it is whatever a stranger typed.
        let actor: String = name.chars().take(MAX_NAME_BYTES).collect();
        if ok {
            audit_in(&self.conn(), &actor, "sign_in", Some(&actor), address, "")?;
            Ok(role)
        } else {
            let why = if found.is_some() {
                "wrong password"
            } else {
                "no such account"
            };
            failure_in(&self.conn(), &actor, address, why)?;
            Ok(None)
        }
    }

    /// A new browser session for `name`; returns the token (for the cookie)
    /// and when it expires.
    pub fn create_session(&self, name: &str, ttl: Duration) -> Result<(String, i64), DbError> {
        let token = new_token();
        let expires_at = now_ms() + ttl.as_millis() as i64;
        let conn = self.conn();
        // Expired sessions are swept whenever someone signs in.
        conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now_ms()])?;
        conn.execute(
            "INSERT INTO sessions (token_hash, name, expires_at) VALUES (?1, ?2, ?3)",
            params![token_hash(&token), name, expires_at],
        )?;
        Ok((token, expires_at))
    }

    pub fn session(&self, token: &str) -> Result<Option<Caller>, DbError> {
        let row: Option<(String, String, i64)> = self
            .conn()
            .query_row(
                "SELECT s.name, a.role, s.expires_at FROM sessions s JOIN accounts a ON a.name = s.name
                 WHERE s.token_hash = ?1",
                [token_hash(token)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(row.and_then(|(name, role, expires_at)| {
            (expires_at > now_ms()).then_some(())?;
            Some(Caller {
                name,
                role: role.parse().ok()?,
                expires_at: Some(expires_at),
            })
        }))
    }

    pub fn end_session(&self, token: &str) -> Result<(), DbError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let hash = token_hash(token);
        let name: Option<String> = tx
            .query_row(
                "SELECT name FROM sessions WHERE token_hash = ?1",
                [&hash],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [&hash])?;
        if let Some(name) = name {
            changed_in(&tx, &name)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The newest account change's seq (0 when there is none).
    pub fn last_change(&self) -> Result<i64, DbError> {
        Ok(self.conn().query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM account_changes",
            [],
            |r| r.get(0),
        )?)
    }

    /// Accounts changed after `seq`, with the newest seq read.
    pub fn changes_after(&self, seq: i64) -> Result<(i64, Vec<String>), DbError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT seq, name FROM account_changes WHERE seq > ?1 ORDER BY seq")?;
        let rows = stmt.query_map([seq], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut last = seq;
        let mut names = Vec::new();
        for row in rows {
            let (s, name) = row?;
            last = s;
            if !names.contains(&name) {
                names.push(name);
            }
        }
        Ok((last, names))
    }

    /// A new API token for an existing account, or None when there is no
    /// such account. The token itself is returned once and never stored.
    pub fn create_token(&self, by: &str, name: &str) -> Result<Option<String>, DbError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let exists = tx
            .query_row("SELECT 1 FROM accounts WHERE name = ?1", [name], |_| Ok(()))
            .optional()?
            .is_some();
        if !exists {
            return Ok(None);
        }
        let token = new_token();
        tx.execute(
            "INSERT INTO api_tokens (token_hash, name, created_at) VALUES (?1, ?2, ?3)",
            params![token_hash(&token), name, now_ms()],
        )?;
        audit_in(&tx, by, "token_created", Some(name), None, name)?;
        tx.commit()?;
        Ok(Some(token))
    }

    pub fn token(&self, token: &str) -> Result<Option<Caller>, DbError> {
        let row: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT t.name, a.role FROM api_tokens t JOIN accounts a ON a.name = t.name
                 WHERE t.token_hash = ?1",
                [token_hash(token)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.and_then(|(name, role)| {
            Some(Caller {
                name,
                role: role.parse().ok()?,
                expires_at: None,
            })
        }))
    }

    /// Records something an admin should be able to see later: settings
    /// and publishing-target changes call this too.
    pub fn audit(&self, actor: &str, action: &str, detail: &str) -> Result<(), DbError> {
        audit_in(&self.conn(), actor, action, None, None, detail)?;
        Ok(())
    }

    /// A page of the trail, newest first.
    pub fn audit_page(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, DbError> {
        let mut sql = String::from(
            "SELECT id, at, actor, action, subject, address, detail, count, COALESCE(last_at, at)
             FROM audit WHERE id < ?1",
        );
        let mut args: Vec<rusqlite::types::Value> = vec![q.before.unwrap_or(i64::MAX).into()];
        if let Some(kind) = &q.kind {
            args.push(kind.clone().into());
            sql.push_str(&format!(" AND action = ?{}", args.len()));
        }
        if let Some(account) = &q.account {
            args.push(account.clone().into());
            let n = args.len();
            sql.push_str(&format!(" AND (actor = ?{n} OR subject = ?{n})"));
        }
        args.push((q.limit as i64).into());
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ?{}", args.len()));
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                subject: r.get(4)?,
                address: r.get(5)?,
                detail: r.get(6)?,
                count: r.get(7)?,
                last_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The newest `limit` entries, newest first.
    pub fn audit_trail(&self, limit: usize) -> Result<Vec<AuditEntry>, DbError> {
        self.audit_page(&AuditQuery {
            limit,
            ..AuditQuery::default()
        })
    }
}

/// Brings a database made by an older server up to this one's tables:
/// columns added since are added, in a transaction that looks again, so
/// the CLI and a server opening the file at once do not both add them.
fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let added = [
        ("audit", "subject", "TEXT"),
        ("audit", "address", "TEXT"),
        ("audit", "count", "INTEGER NOT NULL DEFAULT 1"),
        ("audit", "last_at", "INTEGER"),
    ];
    for (table, column, kind) in added {
        let has: bool = tx.query_row(
            &format!("SELECT COUNT(*) > 0 FROM pragma_table_info('{table}') WHERE name = ?1"),
            [column],
            |r| r.get(0),
        )?;
        if !has {
            tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
        }
    }
    tx.execute_batch(
        "CREATE INDEX IF NOT EXISTS audit_by_action ON audit(action, id);
         CREATE INDEX IF NOT EXISTS audit_by_actor ON audit(actor, id);
         CREATE INDEX IF NOT EXISTS audit_by_subject ON audit(subject, id);",
    )?;
    tx.commit()
}

/// How often a running server reads the account changes: streams of a
/// signed-out or changed account close within this (plus a query).
pub const WATCH_EVERY: Duration = Duration::from_millis(200);

/// Reads account changes, whichever process made them (the CLI writes the
/// same file), and names the accounts on `changed` until `stopping`.
pub async fn watch(
    accounts: std::sync::Arc<Accounts>,
    changed: tokio::sync::broadcast::Sender<std::sync::Arc<str>>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let a = accounts.clone();
    let mut last = match tokio::task::spawn_blocking(move || a.last_change()).await {
        Ok(Ok(seq)) => seq,
        _ => 0,
    };
    loop {
        tokio::select! {
            () = tokio::time::sleep(WATCH_EVERY) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
        let a = accounts.clone();
        match tokio::task::spawn_blocking(move || a.changes_after(last)).await {
            Ok(Ok((seq, names))) => {
                last = seq;
                for name in names {
                    let _ = changed.send(name.into());
                }
            }
            Ok(Err(e)) => eprintln!("sitrep-server: cannot read account changes: {e}"),
            Err(e) => eprintln!("sitrep-server: cannot read account changes: {e}"),
        }
    }
}

/// Notes that `name`'s credentials may have changed. Only the newest
/// thousand are kept: a running server reads them within a second.
fn changed_in(conn: &Connection, name: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO account_changes (name, at) VALUES (?1, ?2)",
        params![name, now_ms()],
    )?;
    conn.execute(
        "DELETE FROM account_changes WHERE seq <= (SELECT MAX(seq) FROM account_changes) - 1000",
        [],
    )?;
    Ok(())
}

fn audit_in(
    conn: &Connection,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    address: Address,
    detail: &str,
) -> rusqlite::Result<()> {
    let now = now_ms();
    conn.execute(
        "INSERT INTO audit (at, actor, action, subject, address, detail, count, last_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?1)",
        params![now, actor, action, subject, address, detail],
    )?;
    Ok(())
}

/// A failed sign-in: counted on this minute's line for the name, address
/// and reason if there is one, so a flood of them is a few lines and the
/// rest of the trail stays in sight.
fn failure_in(conn: &Connection, name: &str, address: Address, why: &str) -> rusqlite::Result<()> {
    let now = now_ms();
    let minute = now - now.rem_euclid(60_000);
    let counted = conn.execute(
        "UPDATE audit SET count = count + 1, last_at = ?1 WHERE id = (
             SELECT id FROM audit WHERE actor = ?2 AND action = 'sign_in_failed'
             AND address IS ?3 AND detail = ?4 AND at >= ?5 ORDER BY id DESC LIMIT 1)",
        params![now, name, address, why, minute],
    )?;
    if counted == 0 {
        audit_in(conn, name, "sign_in_failed", None, address, why)?;
    }
    Ok(())
}

pub fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.trim() != name {
        return Err("the account name is empty or has spaces at either end".into());
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(format!("the account name is over {MAX_NAME_BYTES} bytes"));
    }
    if name.chars().any(char::is_control) {
        return Err("the account name has control characters".into());
    }
    Ok(())
}

pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password is shorter than {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!("the password is over {MAX_PASSWORD_BYTES} bytes"));
    }
    Ok(())
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes), a random salt,
/// in the PHC string format that carries its own parameters. Hashed in
/// `hashing`'s memory, which the hashing threads keep.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness: {e}"))?;
    let salt_string = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    crate::hashing::with_memory(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, blocks)
    })
    .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(salt_string.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a PHC string (with the parameters it names),
/// comparing in constant time.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    let hashed = crate::hashing::with_memory(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
    });
    // Output's equality is constant-time.
    hashed.is_ok() && Output::new(&out).is_ok_and(|got| got == expected)
}

/// 32 random bytes as 64 hex digits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS always has randomness on the systems we run on; without it no
    // token may be made at all.
    getrandom::fill(&mut bytes).expect("the OS random source works");
    hex(&bytes)
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> (tempfile::TempDir, Accounts) {
        let dir = tempfile::tempdir().unwrap();
        let a = Accounts::open(&dir.path().join("a.sqlite3")).unwrap();
        (dir, a)
    }

    #[test]
    fn a_password_hash_is_argon2id_salted_and_verifies_only_the_right_password() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse batterY", &a));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_their_sha256() {
        let (_d, acc) = open();
        acc.upsert("install", "ana", Role::Responder, "a long password")
            .unwrap()
            .unwrap();
        let t1 = acc.create_token("install", "ana").unwrap().unwrap();
        let t2 = acc.create_token("install", "ana").unwrap().unwrap();
        assert_eq!(t1.len(), 64);
        assert_ne!(t1, t2);
        assert_eq!(acc.token(&t1).unwrap().unwrap().name, "ana");
        assert!(acc.token("0".repeat(64).as_str()).unwrap().is_none());
        let stored: Vec<String> = acc
            .conn()
            .prepare("SELECT token_hash FROM api_tokens")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!stored.contains(&t1));
        assert!(stored.contains(&token_hash(&t1)));
        assert!(acc.create_token("install", "nobody").unwrap().is_none());
    }

    #[test]
    fn a_session_is_valid_until_it_expires() {
        let (_d, acc) = open();
        acc.upsert("install", "ana", Role::Viewer, "a long password")
            .unwrap()
            .unwrap();
        let (live, _) = acc.create_session("ana", Duration::from_secs(60)).unwrap();
        let (short, _) = acc
            .create_session("ana", Duration::from_millis(30))
            .unwrap();
        assert_eq!(acc.session(&live).unwrap().unwrap().role, Role::Viewer);
        assert!(acc.session(&short).unwrap().is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(acc.session(&short).unwrap().is_none(), "expired");
        assert!(acc.session(&live).unwrap().is_some());
        acc.end_session(&live).unwrap();
        assert!(acc.session(&live).unwrap().is_none(), "signed out");
    }

    #[test]
    fn short_passwords_and_blank_names_are_refused() {
        let (_d, acc) = open();
        let err = acc
            .upsert("install", "ana", Role::Admin, "short")
            .unwrap()
            .unwrap_err();
        assert!(err.contains("12 characters"), "{err}");
        assert!(acc
            .upsert("install", " ana", Role::Admin, "a long password")
            .unwrap()
            .is_err());
        assert_eq!(acc.count().unwrap(), 0);
    }

    #[test]
    fn sign_ins_failures_and_role_changes_are_audited() {
        let (_d, acc) = open();
        acc.upsert("install", "ana", Role::Responder, "a long password")
            .unwrap()
            .unwrap();
        assert_eq!(
            acc.verify("ana", "a long password", Some("192.0.2.1"))
                .unwrap(),
            Some(Role::Responder)
        );
        assert_eq!(
            acc.verify("ana", "wrong password!", Some("192.0.2.1"))
                .unwrap(),
            None
        );
        assert_eq!(
            acc.verify("ana", "wrong again!!!", Some("192.0.2.1"))
                .unwrap(),
            None
        );
        assert_eq!(
            acc.verify("bob", "a long password", Some("192.0.2.1"))
                .unwrap(),
            None
        );
        acc.upsert("root", "ana", Role::Admin, "another long one")
            .unwrap()
            .unwrap();
        let entries = acc.audit_trail(100).unwrap();
        let failed = entries
            .iter()
            .find(|e| e.actor == "ana" && e.action == "sign_in_failed");
        assert_eq!(failed.map(|e| e.count), Some(2), "counted on one line");
        let trail: Vec<(String, String)> = entries
            .into_iter()
            .rev()
            .map(|e| (e.actor, e.action))
            .collect();
        let want = [
            ("install", "account_created"),
            ("ana", "sign_in"),
            ("ana", "sign_in_failed"),
            ("bob", "sign_in_failed"),
            ("root", "role_changed"),
            ("root", "password_set"),
        ];
        assert_eq!(
            trail,
            want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
        );
    }
}
