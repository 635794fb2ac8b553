//! API tokens: made once, stored only as SHA-256, listed by a short id
//! with their last use, revoked by an admin.

use super::*;

impl Accounts {
    /// A new API token for an existing account, or None when there is no
    /// such account. The token itself is returned once and never stored;
    /// `token_id` of it names it in lists.
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
        let id = token_id(&token_hash(&token));
        audit_in(&tx, by, "token_created", Some(name), None, &id)?;
        tx.commit()?;
        Ok(Some(token))
    }

    /// Who a token signs in, if anyone: not for a disabled account. Notes
    /// its use, to the minute (a write per request would cost an fsync).
    pub fn token(&self, token: &str) -> Result<Option<Caller>, DbError> {
        let hash = token_hash(token);
        let conn = self.conn();
        let row: Option<(String, String)> = conn
            .query_row(
                "SELECT t.name, a.role FROM api_tokens t JOIN accounts a ON a.name = t.name
                 WHERE t.token_hash = ?1 AND a.disabled_at IS NULL",
                [&hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if row.is_some() {
            let now = now_ms();
            conn.execute(
                "UPDATE api_tokens SET last_used_at = ?2
                 WHERE token_hash = ?1 AND (last_used_at IS NULL OR last_used_at <= ?2 - 60000)",
                params![hash, now],
            )?;
        }
        Ok(row.and_then(|(name, role)| {
            Some(Caller {
                name,
                role: role.parse().ok()?,
                expires_at: None,
            })
        }))
    }

    /// The API tokens (of one account, or all), newest first; never the
    /// tokens themselves.
    pub fn tokens(&self, account: Option<&str>) -> Result<Vec<TokenInfo>, DbError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT token_hash, name, created_at, last_used_at FROM api_tokens
             WHERE ?1 IS NULL OR name = ?1 ORDER BY created_at DESC, token_hash",
        )?;
        let rows = stmt.query_map([account], |r| {
            Ok(TokenInfo {
                id: token_id(&r.get::<_, String>(0)?),
                account: r.get(1)?,
                created_at: r.get(2)?,
                last_used_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes the token with this id; returns its account. Its streams
    /// close within a second.
    pub fn revoke_token(&self, by: &str, id: &str) -> Result<Result<String, Refusal>, DbError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let found: Vec<(String, String)> = {
            let mut stmt = tx.prepare(
                "SELECT token_hash, name FROM api_tokens WHERE substr(token_hash, 1, ?2) = ?1",
            )?;
            let rows = stmt.query_map(params![id, TOKEN_ID_LEN as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        let (hash, name) = match found.as_slice() {
            [one] => one.clone(),
            [] => return Ok(Err(Refusal::NoSuchToken(id.to_string()))),
            // 48 bits of a SHA-256: two tokens sharing them is not expected.
            _ => {
                return Ok(Err(Refusal::Invalid(format!(
                    "{id} names more than one token"
                ))))
            }
        };
        tx.execute("DELETE FROM api_tokens WHERE token_hash = ?1", [&hash])?;
        changed_in(&tx, &name)?;
        audit_in(&tx, by, "token_revoked", Some(&name), None, id)?;
        tx.commit()?;
        Ok(Ok(name))
    }
}

/// How many hex digits of a token's hash name it in lists: enough to tell
/// tokens apart, far too few to find the token.
pub const TOKEN_ID_LEN: usize = 12;

pub fn token_id(hash: &str) -> String {
    hash.chars().take(TOKEN_ID_LEN).collect()
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
