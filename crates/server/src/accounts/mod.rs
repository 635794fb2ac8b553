//! Accounts, sessions, API tokens and the audit trail, in SQLite beside the
//! event log. Passwords are argon2id hashes; session and API tokens are
//! random and stored only as SHA-256, so a copied database signs no one in.

mod audit;
mod passwords;
mod sessions;
mod tokens;

pub use audit::AuditQuery;
pub use passwords::{
    check_password, hash_password, verify_password, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS,
};
pub use sessions::{watch, WATCH_EVERY};
pub use tokens::{new_token, token_hash, token_id, TOKEN_ID_LEN};

use crate::clock::now_ms;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use sitrep_core::log::access::Role;
pub use sitrep_core::log::admin::AuditEntry;
use sitrep_core::log::admin::{AccountInfo, ChangeAccount, TokenInfo};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use crate::sqlite::DbError;

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

    /// Creates an account, or resets the role and password of an existing
    /// one (the CLI's `account create`); the audit says which. A reset ends
    /// the account's sessions and revokes its API tokens unless
    /// `keep_tokens`. `by` is who did it ("install" from the CLI).
    pub fn upsert(
        &self,
        by: &str,
        name: &str,
        role: Role,
        password: &str,
        keep_tokens: bool,
    ) -> Result<Result<(), Refusal>, DbError> {
        if let Err(why) = check_name(name).and_then(|()| check_password(password)) {
            return Ok(Err(Refusal::Invalid(why)));
        }
        let hash = match hash_password(password) {
            Ok(h) => h,
            Err(e) => return Ok(Err(Refusal::Invalid(e))),
        };
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        match account_in(&tx, name)? {
            None => create_in(&tx, by, name, role, &hash)?,
            Some(old) => {
                if let Err(r) = keeps_an_admin(&tx, &old, role, old.disabled_at.is_some())? {
                    return Ok(Err(r));
                }
                set_role_in(&tx, by, &old, role)?;
                set_password_in(&tx, by, name, &hash, keep_tokens)?;
            }
        }
        tx.commit()?;
        Ok(Ok(()))
    }

    /// A new account; refused if the name is taken.
    pub fn create(
        &self,
        by: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<Result<AccountInfo, Refusal>, DbError> {
        if let Err(why) = check_name(name).and_then(|()| check_password(password)) {
            return Ok(Err(Refusal::Invalid(why)));
        }
        let hash = match hash_password(password) {
            Ok(h) => h,
            Err(e) => return Ok(Err(Refusal::Invalid(e))),
        };
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if account_in(&tx, name)?.is_some() {
            return Ok(Err(Refusal::Exists(name.to_string())));
        }
        create_in(&tx, by, name, role, &hash)?;
        let info = info_in(&tx, name)?;
        tx.commit()?;
        Ok(info.ok_or_else(|| Refusal::NoSuchAccount(name.to_string())))
    }

    /// Changes any of an account's role, password and disabled state, all
    /// or nothing. A new password ends the account's sessions and revokes
    /// its API tokens unless `keep_tokens`; disabling ends its sessions
    /// and refuses its tokens until it is enabled again. The last enabled
    /// admin cannot be demoted or disabled.
    pub fn change(
        &self,
        by: &str,
        name: &str,
        change: &ChangeAccount,
    ) -> Result<Result<AccountInfo, Refusal>, DbError> {
        let hash = match &change.password {
            None => None,
            Some(p) => match check_password(p).and_then(|()| hash_password(p)) {
                Ok(h) => Some(h),
                Err(why) => return Ok(Err(Refusal::Invalid(why))),
            },
        };
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let Some(old) = account_in(&tx, name)? else {
            return Ok(Err(Refusal::NoSuchAccount(name.to_string())));
        };
        let role = change.role.unwrap_or(old.role);
        let disabled = change.disabled.unwrap_or(old.disabled_at.is_some());
        if let Err(r) = keeps_an_admin(&tx, &old, role, disabled)? {
            return Ok(Err(r));
        }
        set_role_in(&tx, by, &old, role)?;
        if let Some(hash) = &hash {
            set_password_in(&tx, by, name, hash, change.keep_tokens)?;
        }
        match (old.disabled_at.is_some(), disabled) {
            (false, true) => {
                tx.execute(
                    "UPDATE accounts SET disabled_at = ?2 WHERE name = ?1",
                    params![name, now_ms()],
                )?;
                tx.execute("DELETE FROM sessions WHERE name = ?1", [name])?;
                changed_in(&tx, name)?;
                audit_in(&tx, by, "account_disabled", Some(name), None, name)?;
            }
            (true, false) => {
                tx.execute(
                    "UPDATE accounts SET disabled_at = NULL WHERE name = ?1",
                    [name],
                )?;
                changed_in(&tx, name)?;
                audit_in(&tx, by, "account_enabled", Some(name), None, name)?;
            }
            _ => {}
        }
        let info = info_in(&tx, name)?;
        tx.commit()?;
        Ok(info.ok_or_else(|| Refusal::NoSuchAccount(name.to_string())))
    }

    /// Removes an account with its sessions and tokens; the audit trail
    /// and the events it wrote stay. Not the last enabled admin.
    pub fn remove(&self, by: &str, name: &str) -> Result<Result<(), Refusal>, DbError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let Some(old) = account_in(&tx, name)? else {
            return Ok(Err(Refusal::NoSuchAccount(name.to_string())));
        };
        if let Err(r) = keeps_an_admin(&tx, &old, Role::Viewer, true)? {
            return Ok(Err(r));
        }
        tx.execute("DELETE FROM sessions WHERE name = ?1", [name])?;
        tx.execute("DELETE FROM api_tokens WHERE name = ?1", [name])?;
        tx.execute("DELETE FROM accounts WHERE name = ?1", [name])?;
        changed_in(&tx, name)?;
        audit_in(
            &tx,
            by,
            "account_removed",
            Some(name),
            None,
            &format!("{name} ({})", old.role),
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    /// Ends every browser session of an account (its tokens stay).
    pub fn sign_out_everywhere(
        &self,
        by: &str,
        name: &str,
    ) -> Result<Result<u32, Refusal>, DbError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if account_in(&tx, name)?.is_none() {
            return Ok(Err(Refusal::NoSuchAccount(name.to_string())));
        }
        let ended = tx.execute("DELETE FROM sessions WHERE name = ?1", [name])? as u32;
        changed_in(&tx, name)?;
        audit_in(
            &tx,
            by,
            "signed_out_everywhere",
            Some(name),
            None,
            &format!("{ended} sessions"),
        )?;
        tx.commit()?;
        Ok(Ok(ended))
    }

    /// Every account, by name, with its open sessions and tokens.
    pub fn list(&self) -> Result<Vec<AccountInfo>, DbError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!("{INFO} ORDER BY a.name"))?;
        let rows = stmt.query_map(params![now_ms()], info_row)?;
        Ok(rows
            .filter_map(|r| r.transpose())
            .collect::<Result<_, _>>()?)
    }

    /// Checks a password; records the sign-in or the failure either way
    /// (failures counted per name, address and minute).
    pub fn verify(&self, name: &str, password: &str, address: Address) -> Result<Verdict, DbError> {
        let found: Option<(String, String, Option<i64>)> = self
            .conn()
            .query_row(
                "SELECT role, password_hash, disabled_at FROM accounts WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (role, hash) = match &found {
            Some((role, hash, _)) => (role.parse::<Role>().ok(), hash.as_str()),
            None => (None, self.dummy_hash.as_str()),
        };
        let right = verify_password(password, hash);
        let disabled = found.as_ref().is_some_and(|(_, _, d)| d.is_some());
        // The name tried is kept short: it is whatever a stranger typed.
        let actor: String = name.chars().take(MAX_NAME_BYTES).collect();
        match role {
            Some(role) if right && !disabled => {
                audit_in(&self.conn(), &actor, "sign_in", Some(&actor), address, "")?;
                Ok(Verdict::Signed(role))
            }
            Some(_) if right => {
                failure_in(&self.conn(), &actor, address, "account disabled")?;
                Ok(Verdict::Disabled)
            }
            _ => {
                let why = if found.is_some() {
                    "wrong password"
                } else {
                    "no such account"
                };
                failure_in(&self.conn(), &actor, address, why)?;
                Ok(Verdict::Wrong)
            }
        }
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
        ("accounts", "disabled_at", "INTEGER"),
        ("api_tokens", "last_used_at", "INTEGER"),
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

/// Why an account change was refused; nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Bad input (a short password, a blank name): 422.
    Invalid(String),
    NoSuchAccount(String),
    NoSuchToken(String),
    /// The name is taken: 409.
    Exists(String),
    /// The change would leave no enabled admin: 409.
    LastAdmin(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Invalid(why) => f.write_str(why),
            Refusal::NoSuchAccount(name) => write!(f, "there is no account named {name}"),
            Refusal::NoSuchToken(id) => write!(f, "there is no API token {id}"),
            Refusal::Exists(name) => write!(f, "there is already an account named {name}"),
            Refusal::LastAdmin(name) => write!(
                f,
                "{name} is the last enabled admin; make another admin first"
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// What a password check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Signed(Role),
    /// A wrong password or an unknown name: the same answer to both.
    Wrong,
    /// The right password for a disabled account.
    Disabled,
}

/// An account as a change needs it.
struct Stored {
    name: String,
    role: Role,
    disabled_at: Option<i64>,
}

fn account_in(conn: &Connection, name: &str) -> rusqlite::Result<Option<Stored>> {
    let row: Option<(String, Option<i64>)> = conn
        .query_row(
            "SELECT role, disabled_at FROM accounts WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(role, disabled_at)| Stored {
        name: name.to_string(),
        // A role this server does not know reads as the least one.
        role: role.parse().unwrap_or(Role::Viewer),
        disabled_at,
    }))
}

/// Refuses a change that would leave no enabled admin.
fn keeps_an_admin(
    conn: &Connection,
    old: &Stored,
    role: Role,
    disabled: bool,
) -> rusqlite::Result<Result<(), Refusal>> {
    let was_admin = old.role == Role::Admin && old.disabled_at.is_none();
    if !was_admin || (role == Role::Admin && !disabled) {
        return Ok(Ok(()));
    }
    let others: i64 = conn.query_row(
        "SELECT COUNT(*) FROM accounts WHERE role = 'admin' AND disabled_at IS NULL AND name != ?1",
        [&old.name],
        |r| r.get(0),
    )?;
    Ok(if others == 0 {
        Err(Refusal::LastAdmin(old.name.clone()))
    } else {
        Ok(())
    })
}

fn create_in(
    conn: &Connection,
    by: &str,
    name: &str,
    role: Role,
    hash: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO accounts (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, role.as_str(), hash, now_ms()],
    )?;
    audit_in(
        conn,
        by,
        "account_created",
        Some(name),
        None,
        &format!("{name} as {role}"),
    )
}

fn set_role_in(conn: &Connection, by: &str, old: &Stored, role: Role) -> rusqlite::Result<()> {
    if old.role == role {
        return Ok(());
    }
    conn.execute(
        "UPDATE accounts SET role = ?2 WHERE name = ?1",
        params![old.name, role.as_str()],
    )?;
    changed_in(conn, &old.name)?;
    audit_in(
        conn,
        by,
        "role_changed",
        Some(&old.name),
        None,
        &format!("{}: {} to {role}", old.name, old.role),
    )
}

/// A new password ends every session made with the old one, and revokes
/// the account's API tokens unless the admin keeps them.
fn set_password_in(
    conn: &Connection,
    by: &str,
    name: &str,
    hash: &str,
    keep_tokens: bool,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE accounts SET password_hash = ?2 WHERE name = ?1",
        params![name, hash],
    )?;
    conn.execute("DELETE FROM sessions WHERE name = ?1", [name])?;
    let kept = if keep_tokens { "tokens kept" } else { "" };
    audit_in(conn, by, "password_set", Some(name), None, kept)?;
    if !keep_tokens {
        let revoked = conn.execute("DELETE FROM api_tokens WHERE name = ?1", [name])?;
        if revoked > 0 {
            audit_in(
                conn,
                by,
                "tokens_revoked",
                Some(name),
                None,
                &format!("{revoked} tokens, with the password reset"),
            )?;
        }
    }
    changed_in(conn, name)
}

/// An account's row as the admin API shows it; the `?1` is now.
const INFO: &str = "SELECT a.name, a.role, a.created_at, a.disabled_at,
        (SELECT COUNT(*) FROM sessions s WHERE s.name = a.name AND s.expires_at > ?1),
        (SELECT COUNT(*) FROM api_tokens t WHERE t.name = a.name)
     FROM accounts a";

fn info_row(r: &rusqlite::Row) -> rusqlite::Result<Option<AccountInfo>> {
    let role: String = r.get(1)?;
    Ok(role.parse().ok().map(|role| AccountInfo {
        name: r.get(0).unwrap_or_default(),
        role,
        created_at: r.get(2).unwrap_or_default(),
        disabled_at: r.get(3).unwrap_or_default(),
        sessions: r.get(4).unwrap_or_default(),
        tokens: r.get(5).unwrap_or_default(),
    }))
}

fn info_in(conn: &Connection, name: &str) -> rusqlite::Result<Option<AccountInfo>> {
    Ok(conn
        .query_row(
            &format!("{INFO} WHERE a.name = ?2"),
            params![now_ms(), name],
            info_row,
        )
        .optional()?
        .flatten())
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
        acc.upsert("install", "ana", Role::Responder, "a long password", false)
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
        acc.upsert("install", "ana", Role::Viewer, "a long password", false)
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
            .upsert("install", "ana", Role::Admin, "short", false)
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().contains("12 characters"), "{err}");
        assert!(acc
            .upsert("install", " ana", Role::Admin, "a long password", false)
            .unwrap()
            .is_err());
        assert_eq!(acc.count().unwrap(), 0);
    }

    #[test]
    fn sign_ins_failures_and_role_changes_are_audited() {
        let (_d, acc) = open();
        acc.upsert("install", "ana", Role::Responder, "a long password", false)
            .unwrap()
            .unwrap();
        assert_eq!(
            acc.verify("ana", "a long password", Some("192.0.2.1"))
                .unwrap(),
            Verdict::Signed(Role::Responder)
        );
        assert_eq!(
            acc.verify("ana", "wrong password!", Some("192.0.2.1"))
                .unwrap(),
            Verdict::Wrong
        );
        assert_eq!(
            acc.verify("ana", "wrong again!!!", Some("192.0.2.1"))
                .unwrap(),
            Verdict::Wrong
        );
        assert_eq!(
            acc.verify("bob", "a long password", Some("192.0.2.1"))
                .unwrap(),
            Verdict::Wrong
        );
        acc.upsert("root", "ana", Role::Admin, "another long one", false)
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
