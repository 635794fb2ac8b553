//! The audit trail: what admins changed and who failed to sign in,
//! paged and filtered, newest first.

use super::*;
use crate::storage::Value;

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

impl Accounts {
    /// Records something an admin should be able to see later: settings
    /// and publishing-target changes call this too.
    pub fn audit(&self, actor: &str, action: &str, detail: &str) -> Result<(), DbError> {
        self.db()
            .write(|tx| audit_in(tx, actor, action, None, None, detail))
    }

    /// A page of the trail, newest first.
    pub fn audit_page(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, DbError> {
        let mut sql = String::from(
            "SELECT id, at, actor, action, subject, address, detail, count, COALESCE(last_at, at)
             FROM audit WHERE id < ?1",
        );
        let mut args: Vec<Value> = vec![q.before.unwrap_or(i64::MAX).into()];
        if let Some(kind) = &q.kind {
            args.push(kind.into());
            sql.push_str(&format!(" AND action = ?{}", args.len()));
        }
        if let Some(account) = &q.account {
            args.push(account.into());
            let n = args.len();
            sql.push_str(&format!(" AND (actor = ?{n} OR subject = ?{n})"));
        }
        args.push(q.limit.into());
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ?{}", args.len()));
        let rows = self.db().read(|tx| tx.query(&sql, &args))?;
        rows.iter()
            .map(|r| {
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
            })
            .collect()
    }

    /// The newest `limit` entries, newest first.
    pub fn audit_trail(&self, limit: usize) -> Result<Vec<AuditEntry>, DbError> {
        self.audit_page(&AuditQuery {
            limit,
            ..AuditQuery::default()
        })
    }
}
