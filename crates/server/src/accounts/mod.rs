//! Accounts, sessions, API tokens and the audit trail, in the database
//! beside the event log (through `storage::Database`, so on SQLite and
//! PostgreSQL alike). Passwords are argon2id hashes; session and API tokens
//! are random and stored only as SHA-256, so a copied database signs no one in.

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

use crate::args;
use crate::clock::now_ms;
use crate::storage::{Database, DbError, Row, Tx};
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};
use sitrep_core::log::access::Role;
pub use sitrep_core::log::admin::AuditEntry;
use sitrep_core::log::admin::{AccountInfo, ChangeAccount, TokenInfo};
use std::sync::Arc;
use std::time::Duration;

pub const MAX_NAME_BYTES: usize = sitrep_core::log::limits::MAX_AUTHOR_BYTES;

pub struct Accounts {
    db: Arc<dyn Database>,
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
    pub fn new(db: Arc<dyn Database>) -> Result<Accounts, DbError> {
        let dummy_hash = hash_password("not a real password, only for timing")
            .map_err(|e| DbError::Other(format!("cannot hash: {e}")))?;
        Ok(Accounts { db, dummy_hash })
    }

    fn db(&self) -> &dyn Database {
        &*self.db
    }

    pub fn count(&self) -> Result<u64, DbError> {
        self.db()
            .read(|tx| tx.query_value("SELECT COUNT(*) FROM accounts", &[]))
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
        self.db().write(|tx| {
            match account_in(tx, name)? {
                None => create_in(tx, by, name, role, &hash)?,
                Some(old) => {
                    if let Err(r) = keeps_an_admin(tx, &old, role, old.disabled_at.is_some())? {
                        return Ok(Err(r));
                    }
                    set_role_in(tx, by, &old, role)?;
                    set_password_in(tx, by, name, &hash, keep_tokens)?;
                }
            }
            Ok(Ok(()))
        })
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
        self.db().write(|tx| {
            if account_in(tx, name)?.is_some() {
                return Ok(Err(Refusal::Exists(name.to_string())));
            }
            create_in(tx, by, name, role, &hash)?;
            Ok(info_in(tx, name)?.ok_or_else(|| Refusal::NoSuchAccount(name.to_string())))
        })
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
        self.db().write(|tx| {
            let Some(old) = account_in(tx, name)? else {
                return Ok(Err(Refusal::NoSuchAccount(name.to_string())));
            };
            let role = change.role.unwrap_or(old.role);
            let disabled = change.disabled.unwrap_or(old.disabled_at.is_some());
            if let Err(r) = keeps_an_admin(tx, &old, role, disabled)? {
                return Ok(Err(r));
            }
            set_role_in(tx, by, &old, role)?;
            if let Some(hash) = &hash {
                set_password_in(tx, by, name, hash, change.keep_tokens)?;
            }
            match (old.disabled_at.is_some(), disabled) {
                (false, true) => {
                    tx.execute(
                        "UPDATE accounts SET disabled_at = ?2 WHERE name = ?1",
                        &args![name, now_ms()],
                    )?;
                    tx.execute("DELETE FROM sessions WHERE name = ?1", &args![name])?;
                    changed_in(tx, name)?;
                    audit_in(tx, by, "account_disabled", Some(name), None, name)?;
                }
                (true, false) => {
                    tx.execute(
                        "UPDATE accounts SET disabled_at = NULL WHERE name = ?1",
                        &args![name],
                    )?;
                    changed_in(tx, name)?;
                    audit_in(tx, by, "account_enabled", Some(name), None, name)?;
                }
                _ => {}
            }
            Ok(info_in(tx, name)?.ok_or_else(|| Refusal::NoSuchAccount(name.to_string())))
        })
    }

    /// Removes an account with its sessions and tokens; the audit trail
    /// and the events it wrote stay. Not the last enabled admin.
    pub fn remove(&self, by: &str, name: &str) -> Result<Result<(), Refusal>, DbError> {
        self.db().write(|tx| {
            let Some(old) = account_in(tx, name)? else {
                return Ok(Err(Refusal::NoSuchAccount(name.to_string())));
            };
            if let Err(r) = keeps_an_admin(tx, &old, Role::Viewer, true)? {
                return Ok(Err(r));
            }
            tx.execute("DELETE FROM sessions WHERE name = ?1", &args![name])?;
            tx.execute("DELETE FROM api_tokens WHERE name = ?1", &args![name])?;
            tx.execute("DELETE FROM accounts WHERE name = ?1", &args![name])?;
            changed_in(tx, name)?;
            audit_in(
                tx,
                by,
                "account_removed",
                Some(name),
                None,
                &format!("{name} ({})", old.role),
            )?;
            Ok(Ok(()))
        })
    }

    /// Ends every browser session of an account (its tokens stay).
    pub fn sign_out_everywhere(
        &self,
        by: &str,
        name: &str,
    ) -> Result<Result<u32, Refusal>, DbError> {
        self.db().write(|tx| {
            if account_in(tx, name)?.is_none() {
                return Ok(Err(Refusal::NoSuchAccount(name.to_string())));
            }
            let ended = tx.execute("DELETE FROM sessions WHERE name = ?1", &args![name])? as u32;
            changed_in(tx, name)?;
            audit_in(
                tx,
                by,
                "signed_out_everywhere",
                Some(name),
                None,
                &format!("{ended} sessions"),
            )?;
            Ok(Ok(ended))
        })
    }

    /// Every account, by name, with its open sessions and tokens.
    pub fn list(&self) -> Result<Vec<AccountInfo>, DbError> {
        self.db().read(|tx| {
            let rows = tx.query(&format!("{INFO} ORDER BY a.name"), &args![now_ms()])?;
            Ok(rows.iter().filter_map(info_row).collect())
        })
    }

    /// Checks a password; records the sign-in or the failure either way
    /// (failures counted per name, address and minute).
    pub fn verify(&self, name: &str, password: &str, address: Address) -> Result<Verdict, DbError> {
        let found: Option<(String, String, Option<i64>)> = self.db().read(|tx| {
            tx.query_row(
                "SELECT role, password_hash, disabled_at FROM accounts WHERE name = ?1",
                &args![name],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .transpose()
        })?;
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
                self.db()
                    .write(|tx| audit_in(tx, &actor, "sign_in", Some(&actor), address, ""))?;
                Ok(Verdict::Signed(role))
            }
            Some(_) if right => {
                self.db()
                    .write(|tx| failure_in(tx, &actor, address, "account disabled"))?;
                Ok(Verdict::Disabled)
            }
            _ => {
                let why = if found.is_some() {
                    "wrong password"
                } else {
                    "no such account"
                };
                self.db().write(|tx| failure_in(tx, &actor, address, why))?;
                Ok(Verdict::Wrong)
            }
        }
    }
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

fn account_in(tx: &mut dyn Tx, name: &str) -> Result<Option<Stored>, DbError> {
    let row = tx.query_row(
        "SELECT role, disabled_at FROM accounts WHERE name = ?1",
        &args![name],
    )?;
    row.map(|r| {
        Ok(Stored {
            name: name.to_string(),
            // A role this server does not know reads as the least one.
            role: r.get::<String>(0)?.parse().unwrap_or(Role::Viewer),
            disabled_at: r.get(1)?,
        })
    })
    .transpose()
}

/// Refuses a change that would leave no enabled admin.
fn keeps_an_admin(
    tx: &mut dyn Tx,
    old: &Stored,
    role: Role,
    disabled: bool,
) -> Result<Result<(), Refusal>, DbError> {
    let was_admin = old.role == Role::Admin && old.disabled_at.is_none();
    if !was_admin || (role == Role::Admin && !disabled) {
        return Ok(Ok(()));
    }
    let others: i64 = tx.query_value(
        "SELECT COUNT(*) FROM accounts WHERE role = 'admin' AND disabled_at IS NULL AND name != ?1",
        &args![&old.name],
    )?;
    Ok(if others == 0 {
        Err(Refusal::LastAdmin(old.name.clone()))
    } else {
        Ok(())
    })
}

fn create_in(tx: &mut dyn Tx, by: &str, name: &str, role: Role, hash: &str) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO accounts (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        &args![name, role.as_str(), hash, now_ms()],
    )?;
    audit_in(
        tx,
        by,
        "account_created",
        Some(name),
        None,
        &format!("{name} as {role}"),
    )
}

fn set_role_in(tx: &mut dyn Tx, by: &str, old: &Stored, role: Role) -> Result<(), DbError> {
    if old.role == role {
        return Ok(());
    }
    tx.execute(
        "UPDATE accounts SET role = ?2 WHERE name = ?1",
        &args![&old.name, role.as_str()],
    )?;
    changed_in(tx, &old.name)?;
    audit_in(
        tx,
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
    tx: &mut dyn Tx,
    by: &str,
    name: &str,
    hash: &str,
    keep_tokens: bool,
) -> Result<(), DbError> {
    tx.execute(
        "UPDATE accounts SET password_hash = ?2 WHERE name = ?1",
        &args![name, hash],
    )?;
    tx.execute("DELETE FROM sessions WHERE name = ?1", &args![name])?;
    let kept = if keep_tokens { "tokens kept" } else { "" };
    audit_in(tx, by, "password_set", Some(name), None, kept)?;
    if !keep_tokens {
        let revoked = tx.execute("DELETE FROM api_tokens WHERE name = ?1", &args![name])?;
        if revoked > 0 {
            audit_in(
                tx,
                by,
                "tokens_revoked",
                Some(name),
                None,
                &format!("{revoked} tokens, with the password reset"),
            )?;
        }
    }
    changed_in(tx, name)
}

/// An account's row as the admin API shows it; the `?1` is now.
const INFO: &str = "SELECT a.name, a.role, a.created_at, a.disabled_at,
        (SELECT COUNT(*) FROM sessions s WHERE s.name = a.name AND s.expires_at > ?1),
        (SELECT COUNT(*) FROM api_tokens t WHERE t.name = a.name)
     FROM accounts a";

/// None for a role this server does not know.
fn info_row(r: &Row) -> Option<AccountInfo> {
    let role: String = r.get(1).ok()?;
    Some(AccountInfo {
        name: r.get(0).unwrap_or_default(),
        role: role.parse().ok()?,
        created_at: r.get(2).unwrap_or_default(),
        disabled_at: r.get(3).unwrap_or_default(),
        sessions: r.get(4).unwrap_or_default(),
        tokens: r.get(5).unwrap_or_default(),
    })
}

fn info_in(tx: &mut dyn Tx, name: &str) -> Result<Option<AccountInfo>, DbError> {
    Ok(tx
        .query_row(&format!("{INFO} WHERE a.name = ?2"), &args![now_ms(), name])?
        .as_ref()
        .and_then(info_row))
}

/// Notes that `name`'s credentials may have changed. Only the newest
/// thousand are kept: a running server reads them within a second.
fn changed_in(tx: &mut dyn Tx, name: &str) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO account_changes (name, at) VALUES (?1, ?2)",
        &args![name, now_ms()],
    )?;
    tx.execute(
        "DELETE FROM account_changes WHERE seq <= (SELECT MAX(seq) FROM account_changes) - 1000",
        &[],
    )?;
    Ok(())
}

fn audit_in(
    tx: &mut dyn Tx,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    address: Address,
    detail: &str,
) -> Result<(), DbError> {
    let now = now_ms();
    tx.execute(
        "INSERT INTO audit (at, actor, action, subject, address, detail, count, last_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?1)",
        &args![now, actor, action, subject, address, detail],
    )?;
    Ok(())
}

/// A failed sign-in: counted on this minute's line for the name, address
/// and reason if there is one, so a flood of them is a few lines and the
/// rest of the trail stays in sight.
fn failure_in(tx: &mut dyn Tx, name: &str, address: Address, why: &str) -> Result<(), DbError> {
    let now = now_ms();
    let minute = now - now.rem_euclid(60_000);
    let counted = tx.execute(
        "UPDATE audit SET count = count + 1, last_at = ?1 WHERE id = (
             SELECT id FROM audit WHERE actor = ?2 AND action = 'sign_in_failed'
             AND address IS NOT DISTINCT FROM ?3 AND detail = ?4 AND at >= ?5
             ORDER BY id DESC LIMIT 1)",
        &args![now, name, address, why, minute],
    )?;
    if counted == 0 {
        audit_in(tx, name, "sign_in_failed", None, address, why)?;
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
        let db = crate::storage::sqlite::open_database(dir.path()).unwrap();
        (dir, Accounts::new(db).unwrap())
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
            .db()
            .read(|tx| {
                tx.query("SELECT token_hash FROM api_tokens", &[])?
                    .iter()
                    .map(|r| r.get(0))
                    .collect()
            })
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
        let (short, ends) = acc.create_session("ana", Duration::from_secs(1)).unwrap();
        assert_eq!(acc.session(&live).unwrap().unwrap().role, Role::Viewer);
        // At the instant it ends, and not a millisecond before.
        assert!(acc.session_at(&short, ends - 1).unwrap().is_some());
        assert!(acc.session_at(&short, ends).unwrap().is_none(), "expired");
        assert!(acc.session_at(&live, ends).unwrap().is_some());
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
