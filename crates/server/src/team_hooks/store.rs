//! The team's webhooks in the database (schema step 4): each hook (with its signing secret, which
//! leaves this module only towards the hook), each (event, hook) delivery
//! with the body made when the event was seen, and how far the log has been
//! read for them. The delivery's primary key and the cursor, moved in the
//! same transaction as the deliveries it found, are what make a delivery
//! exactly once per event and hook. Every method blocks.

use crate::args;
use crate::storage::{Database, DbError, Row};
use sitrep_core::log::admin::HookDelivery;
use std::sync::Arc;

#[derive(Clone)]
pub struct Hook {
    pub id: String,
    pub name: String,
    pub url: String,
    pub format: String,
    pub events: Vec<String>,
    pub secret: String,
    /// Events stored before the hook existed are not sent to it.
    pub from_seq: u64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hook")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// One delivery waiting to go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub hook: String,
    pub event: String,
    pub kind: String,
    pub body: String,
    pub tries: u32,
}

/// A delivery found while reading the log, before it is stored.
pub struct NewDelivery {
    pub hook: String,
    pub event: String,
    pub seq: u64,
    pub incident: String,
    pub kind: String,
    pub body: String,
}

pub struct HookStore {
    db: Arc<dyn Database>,
}

const HOOK_COLUMNS: &str =
    "id, name, url, format, events, secret, from_seq, created_at, updated_at";

fn hook_from_row(r: &Row) -> Result<Hook, DbError> {
    let events: String = r.get(4)?;
    Ok(Hook {
        id: r.get(0)?,
        name: r.get(1)?,
        url: r.get(2)?,
        format: r.get(3)?,
        events: serde_json::from_str(&events).unwrap_or_default(),
        secret: r.get(5)?,
        from_seq: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

impl HookStore {
    pub fn new(db: Arc<dyn Database>) -> HookStore {
        HookStore { db }
    }

    fn db(&self) -> &dyn Database {
        &*self.db
    }

    /// How far the log was read; set to `head` the first time, so turning
    /// hooks on does not replay the whole history.
    pub fn cursor(&self, head: u64) -> Result<u64, DbError> {
        self.db().write(|tx| {
            tx.execute(
                "INSERT INTO team_hook_cursor (id, seq) VALUES (1, ?1) ON CONFLICT DO NOTHING",
                &args![head],
            )?;
            tx.query_value("SELECT seq FROM team_hook_cursor WHERE id = 1", &[])
        })
    }

    /// Stores what a page of the log produced and moves the cursor past
    /// it, in one transaction; only if the cursor is still at `from` (a
    /// replica that led before may have moved it: then nothing is stored
    /// and the caller reads again from where it is).
    pub fn record(
        &self,
        found: &[NewDelivery],
        from: u64,
        through: u64,
        now: i64,
    ) -> Result<bool, DbError> {
        self.db().write(|tx| {
            let moved = tx.execute(
                "UPDATE team_hook_cursor SET seq = ?2 WHERE id = 1 AND seq = ?1",
                &args![from, through],
            )?;
            if moved == 0 {
                return Ok(false);
            }
            for d in found {
                tx.execute(
                    "INSERT INTO team_hook_deliveries (hook, event_id, seq, incident, kind, body, stage, next_at, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8) ON CONFLICT DO NOTHING",
                    &args![&d.hook, &d.event, d.seq, &d.incident, &d.kind, &d.body, now, now],
                )?;
            }
            Ok(true)
        })
    }

    pub fn hooks(&self) -> Result<Vec<Hook>, DbError> {
        let sql = format!("SELECT {HOOK_COLUMNS} FROM team_hooks ORDER BY id");
        let rows = self.db().read(|tx| tx.query(&sql, &[]))?;
        rows.iter().map(hook_from_row).collect()
    }

    pub fn hook(&self, id: &str) -> Result<Option<Hook>, DbError> {
        let sql = format!("SELECT {HOOK_COLUMNS} FROM team_hooks WHERE id = ?1");
        let rows = self.db().read(|tx| tx.query(&sql, &args![id]))?;
        rows.iter().map(hook_from_row).next().transpose()
    }

    /// Creates a hook (with `secret`, from `from_seq` on) or changes one's
    /// name, address, format and events (its secret stays). True when new.
    #[allow(clippy::too_many_arguments)]
    pub fn save(
        &self,
        id: &str,
        name: &str,
        url: &str,
        format: &str,
        events: &[String],
        secret: &str,
        from_seq: u64,
        now: i64,
    ) -> Result<bool, DbError> {
        let events = serde_json::to_string(events).unwrap_or_else(|_| "[]".into());
        self.db().write(|tx| {
            let changed = tx.execute(
                "UPDATE team_hooks SET name = ?2, url = ?3, format = ?4, events = ?5, updated_at = ?6 WHERE id = ?1",
                &args![id, name, url, format, &events, now],
            )?;
            if changed > 0 {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO team_hooks (id, name, url, format, events, secret, from_seq, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                &args![id, name, url, format, &events, secret, from_seq, now, now],
            )?;
            Ok(true)
        })
    }

    pub fn rotate(&self, id: &str, secret: &str, now: i64) -> Result<bool, DbError> {
        let n = self.db().write(|tx| {
            tx.execute(
                "UPDATE team_hooks SET secret = ?2, updated_at = ?3 WHERE id = ?1",
                &args![id, secret, now],
            )
        })?;
        Ok(n > 0)
    }

    /// Removes a hook and what it had not been sent yet.
    pub fn remove(&self, id: &str) -> Result<bool, DbError> {
        self.db().write(|tx| {
            let n = tx.execute("DELETE FROM team_hooks WHERE id = ?1", &args![id])?;
            tx.execute(
                "DELETE FROM team_hook_deliveries WHERE hook = ?1",
                &args![id],
            )?;
            Ok(n > 0)
        })
    }

    /// Due deliveries, at most one per hook (a hook's events go in order:
    /// nothing later goes while an earlier one waits), and when the next
    /// not yet due falls due.
    pub fn due(&self, now: i64, busy: &[String]) -> Result<(Vec<Due>, Option<i64>), DbError> {
        let rows = self.db().read(|tx| {
            tx.query(
                "SELECT d.hook, d.event_id, d.kind, d.body, d.tries, d.next_at FROM team_hook_deliveries d
                 WHERE d.stage = 'queued' AND NOT EXISTS (
                    SELECT 1 FROM team_hook_deliveries e WHERE e.hook = d.hook
                    AND e.stage IN ('queued', 'sending') AND e.seq < d.seq)
                 ORDER BY d.next_at, d.seq",
                &[],
            )
        })?;
        let mut due = Vec::new();
        let mut later: Option<i64> = None;
        for r in rows {
            let d = Due {
                hook: r.get(0)?,
                event: r.get(1)?,
                kind: r.get(2)?,
                body: r.get(3)?,
                tries: r.get(4)?,
            };
            let at: i64 = r.get(5)?;
            if busy.contains(&d.hook) {
                continue;
            }
            if at <= now {
                due.push(d);
            } else {
                later = Some(later.map_or(at, |l| l.min(at)));
            }
        }
        Ok((due, later))
    }

    /// Marks a delivery `sending`; false when it was no longer queued.
    pub fn start(&self, hook: &str, event: &str) -> Result<bool, DbError> {
        let n = self.db().write(|tx| {
            tx.execute(
                "UPDATE team_hook_deliveries SET stage = 'sending', attempt = attempt + 1, tries = tries + 1
                 WHERE hook = ?1 AND event_id = ?2 AND stage = 'queued'",
                &args![hook, event],
            )
        })?;
        Ok(n > 0)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn finish(
        &self,
        hook: &str,
        event: &str,
        stage: &str,
        error: &str,
        next_at: i64,
        answer: (Option<u16>, &str),
        now: i64,
    ) -> Result<(), DbError> {
        let sent_at = (stage == "sent").then_some(now);
        self.db().write(|tx| match answer.0 {
            Some(code) => tx.execute(
                "UPDATE team_hook_deliveries SET stage = ?3, error = ?4, next_at = ?5,
                     answer_code = ?6, answer = ?7, sent_at = COALESCE(?8, sent_at)
                     WHERE hook = ?1 AND event_id = ?2",
                &args![
                    hook,
                    event,
                    stage,
                    error,
                    next_at,
                    i64::from(code),
                    answer.1,
                    sent_at
                ],
            ),
            None => tx.execute(
                "UPDATE team_hook_deliveries SET stage = ?3, error = ?4, next_at = ?5,
                     sent_at = COALESCE(?6, sent_at)
                     WHERE hook = ?1 AND event_id = ?2",
                &args![hook, event, stage, error, next_at, sent_at],
            ),
        })?;
        Ok(())
    }

    /// Deliveries found `sending` when this process came to lead.
    pub fn interrupted(&self) -> Result<Vec<(String, String)>, DbError> {
        let rows = self.db().read(|tx| {
            tx.query(
                "SELECT hook, event_id FROM team_hook_deliveries WHERE stage = 'sending'",
                &[],
            )
        })?;
        rows.iter().map(|r| Ok((r.get(0)?, r.get(1)?))).collect()
    }

    /// A person asked to send a failed delivery again.
    pub fn retry(&self, hook: &str, event: &str, now: i64) -> Result<bool, DbError> {
        let n = self.db().write(|tx| {
            tx.execute(
                "UPDATE team_hook_deliveries SET stage = 'queued', tries = 0, next_at = ?3, error = ''
                 WHERE hook = ?1 AND event_id = ?2 AND stage = 'failed'",
                &args![hook, event, now],
            )
        })?;
        Ok(n > 0)
    }

    /// A hook's latest deliveries, newest first.
    pub fn deliveries(&self, hook: &str, limit: usize) -> Result<Vec<HookDelivery>, DbError> {
        let rows = self.db().read(|tx| {
            tx.query(
                "SELECT event_id, kind, incident, stage, attempt, error, answer_code, answer, created_at, sent_at, next_at
                 FROM team_hook_deliveries WHERE hook = ?1 ORDER BY seq DESC LIMIT ?2",
                &args![hook, limit],
            )
        })?;
        rows.iter()
            .map(|r| {
                let stage: String = r.get(3)?;
                let next_at: i64 = r.get(10)?;
                Ok(HookDelivery {
                    event: r.get(0)?,
                    kind: r.get(1)?,
                    incident: r.get(2)?,
                    attempts: r.get(4)?,
                    error: r.get(5)?,
                    answer_code: r.get::<Option<i64>>(6)?.map(|c| c as u16),
                    answer: r.get(7)?,
                    created_at: r.get(8)?,
                    sent_at: r.get(9)?,
                    next_at: (stage == "queued").then_some(next_at),
                    state: stage,
                })
            })
            .collect()
    }
}
