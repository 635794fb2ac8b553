//! API tokens: made once, stored only as SHA-256, listed by a short id
//! with their last use, revoked by an admin.

use super::*;

impl Accounts {
    /// A new API token for an existing account, or None when there is no
    /// such account. The token itself is returned once and never stored;
    /// `token_id` of it names it in lists.
    pub fn create_token(&self, by: &str, name: &str) -> Result<Option<String>, DbError> {
        let token = new_token();
        let hash = token_hash(&token);
        let made = self.db().write(|tx| {
            if tx
                .query_row("SELECT 1 FROM accounts WHERE name = ?1", &args![name])?
                .is_none()
            {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO api_tokens (token_hash, name, created_at) VALUES (?1, ?2, ?3)",
                &args![&hash, name, now_ms()],
            )?;
            audit_in(tx, by, "token_created", Some(name), None, &token_id(&hash))?;
            Ok(true)
        })?;
        Ok(made.then_some(token))
    }

    /// Who a token signs in, if anyone: not for a disabled account. Notes
    /// its use, to the minute (a write per request would cost an fsync).
    pub fn token(&self, token: &str) -> Result<Option<Caller>, DbError> {
        let hash = token_hash(token);
        let now = now_ms();
        let found = self.db().read(|tx| {
            tx.query_row(
                "SELECT t.name, a.role, t.last_used_at FROM api_tokens t
                 JOIN accounts a ON a.name = t.name
                 WHERE t.token_hash = ?1 AND a.disabled_at IS NULL",
                &args![&hash],
            )
        })?;
        let Some(row) = found else {
            return Ok(None);
        };
        let (name, role, last_used): (String, String, Option<i64>) =
            (row.get(0)?, row.get(1)?, row.get(2)?);
        // Written only when the minute has moved on, so most requests
        // only read.
        if last_used.is_none_or(|at| at <= now - 60_000) {
            self.db().write(|tx| {
                tx.execute(
                    "UPDATE api_tokens SET last_used_at = ?2
                     WHERE token_hash = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)",
                    &args![&hash, now, now - 60_000],
                )
            })?;
        }
        Ok(role.parse().ok().map(|role| Caller {
            name,
            role,
            expires_at: None,
        }))
    }

    /// The API tokens (of one account, or all), newest first; never the
    /// tokens themselves.
    pub fn tokens(&self, account: Option<&str>) -> Result<Vec<TokenInfo>, DbError> {
        let rows = self.db().read(|tx| {
            tx.query(
                "SELECT token_hash, name, created_at, last_used_at FROM api_tokens
                 WHERE CAST(?1 AS TEXT) IS NULL OR name = ?1 ORDER BY created_at DESC, token_hash",
                &args![account],
            )
        })?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: token_id(&r.get::<String>(0)?),
                    account: r.get(1)?,
                    created_at: r.get(2)?,
                    last_used_at: r.get(3)?,
                })
            })
            .collect()
    }

    /// Revokes the token with this id; returns its account. Its streams
    /// close within a second.
    pub fn revoke_token(&self, by: &str, id: &str) -> Result<Result<String, Refusal>, DbError> {
        self.db().write(|tx| {
            let found = tx.query(
                "SELECT token_hash, name FROM api_tokens WHERE substr(token_hash, 1, ?2) = ?1",
                &args![id, TOKEN_ID_LEN],
            )?;
            let (hash, name): (String, String) = match found.as_slice() {
                [one] => (one.get(0)?, one.get(1)?),
                [] => return Ok(Err(Refusal::NoSuchToken(id.to_string()))),
                // 48 bits of a SHA-256: two tokens sharing them is not expected.
                _ => {
                    return Ok(Err(Refusal::Invalid(format!(
                        "{id} names more than one token"
                    ))))
                }
            };
            tx.execute(
                "DELETE FROM api_tokens WHERE token_hash = ?1",
                &args![&hash],
            )?;
            changed_in(tx, &name)?;
            audit_in(tx, by, "token_revoked", Some(&name), None, id)?;
            Ok(Ok(name))
        })
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
