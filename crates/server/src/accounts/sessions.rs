//! Browser sessions, and the account changes a running server watches so
//! that a signed-out or changed account's streams close at once.

use super::*;

impl Accounts {
    /// A new browser session for `name`; returns the token (for the cookie)
    /// and when it expires.
    pub fn create_session(&self, name: &str, ttl: Duration) -> Result<(String, i64), DbError> {
        let token = new_token();
        let hash = token_hash(&token);
        let expires_at = now_ms() + ttl.as_millis() as i64;
        self.db().write(|tx| {
            // Expired sessions are swept whenever someone signs in.
            tx.execute(
                "DELETE FROM sessions WHERE expires_at <= ?1",
                &args![now_ms()],
            )?;
            tx.execute(
                "INSERT INTO sessions (token_hash, name, expires_at) VALUES (?1, ?2, ?3)",
                &args![&hash, name, expires_at],
            )
        })?;
        Ok((token, expires_at))
    }

    pub fn session(&self, token: &str) -> Result<Option<Caller>, DbError> {
        self.session_at(token, now_ms())
    }

    /// The session as it stands at `now` (ms): what `session` answers, with
    /// the instant given, so a test needs neither sleep nor the wall clock.
    pub fn session_at(&self, token: &str, now: i64) -> Result<Option<Caller>, DbError> {
        let hash = token_hash(token);
        let row = self.db().read(|tx| {
            tx.query_row(
                "SELECT s.name, a.role, s.expires_at FROM sessions s JOIN accounts a ON a.name = s.name
                 WHERE s.token_hash = ?1 AND a.disabled_at IS NULL",
                &args![&hash],
            )
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (name, role, expires_at): (String, String, i64) =
            (row.get(0)?, row.get(1)?, row.get(2)?);
        if expires_at <= now {
            return Ok(None);
        }
        Ok(role.parse().ok().map(|role| Caller {
            name,
            role,
            expires_at: Some(expires_at),
        }))
    }

    pub fn end_session(&self, token: &str) -> Result<(), DbError> {
        let hash = token_hash(token);
        self.db().write(|tx| {
            let name: Option<String> = tx
                .query_row(
                    "SELECT name FROM sessions WHERE token_hash = ?1",
                    &args![&hash],
                )?
                .map(|r| r.get(0))
                .transpose()?;
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", &args![&hash])?;
            if let Some(name) = name {
                changed_in(tx, &name)?;
            }
            Ok(())
        })
    }

    /// The newest account change's seq (0 when there is none).
    pub fn last_change(&self) -> Result<i64, DbError> {
        self.db()
            .read(|tx| tx.query_value("SELECT COALESCE(MAX(seq), 0) FROM account_changes", &[]))
    }

    /// Accounts changed after `seq`, with the newest seq read.
    pub fn changes_after(&self, seq: i64) -> Result<(i64, Vec<String>), DbError> {
        let rows = self.db().read(|tx| {
            tx.query(
                "SELECT seq, name FROM account_changes WHERE seq > ?1 ORDER BY seq",
                &args![seq],
            )
        })?;
        let mut last = seq;
        let mut names = Vec::new();
        for row in rows {
            let (s, name): (i64, String) = (row.get(0)?, row.get(1)?);
            last = s;
            if !names.contains(&name) {
                names.push(name);
            }
        }
        Ok((last, names))
    }
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
