//! Publishing state on SQLite, beside the event log but not in it: the
//! targets an admin configured (with their secrets, which never leave this
//! module except towards the target itself), each delivery's state, and which
//! incident on each target stands for ours. Every method blocks.

use crate::sqlite::DbError;
use rusqlite::{params, Connection, OptionalExtension};
use sitrep_core::status_page::publishing::{TargetKind, TargetSpec};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// A configured target, secret included. `Debug` leaves the secret out so
/// it cannot end up in a log line by accident.
#[derive(Clone)]
pub struct Target {
    pub spec: TargetSpec,
    pub secret: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("spec", &self.spec)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Where one (update, target) delivery stands. `sending` is written before
/// a request goes out: finding it after a restart means the outcome is
/// unknown, and the request is not repeated on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Queued,
    Sending,
    Sent,
    Failed,
}

impl Stage {
    fn wire(self) -> &'static str {
        match self {
            Stage::Queued => "queued",
            Stage::Sending => "sending",
            Stage::Sent => "sent",
            Stage::Failed => "failed",
        }
    }

    fn from_wire(s: &str) -> Stage {
        match s {
            "queued" => Stage::Queued,
            "sending" => Stage::Sending,
            "sent" => Stage::Sent,
            _ => Stage::Failed,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub update: String,
    pub target: String,
    pub incident: String,
    /// The `update_published` event's seq: jobs for one incident and target
    /// go out in this order.
    pub seq: u64,
    pub stage: Stage,
    /// Attempts in all, for the event ids; never reset.
    pub attempt: u32,
    /// Attempts since the last manual retry, for the retry policy.
    pub tries: u32,
    pub next_at: i64,
    pub error: String,
    /// True once the current stage has been written to the log.
    pub reported: bool,
}

pub struct PublishQueue {
    conn: Mutex<Connection>,
}

impl PublishQueue {
    pub fn open(path: &Path) -> Result<PublishQueue, DbError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // A delivery's state must survive a power cut as the log does, or a
        // restart could send it again.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS publish_targets (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                name TEXT NOT NULL,
                base_url TEXT NOT NULL,
                page_id TEXT NOT NULL,
                secret TEXT NOT NULL,
                components TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS publish_deliveries (
                update_id TEXT NOT NULL,
                target TEXT NOT NULL,
                incident TEXT NOT NULL,
                seq INTEGER NOT NULL,
                stage TEXT NOT NULL,
                attempt INTEGER NOT NULL DEFAULT 0,
                tries INTEGER NOT NULL DEFAULT 0,
                next_at INTEGER NOT NULL,
                error TEXT NOT NULL DEFAULT '',
                reported INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (update_id, target)
            );
            CREATE TABLE IF NOT EXISTS publish_links (
                target TEXT NOT NULL,
                incident TEXT NOT NULL,
                remote_id TEXT NOT NULL,
                PRIMARY KEY (target, incident)
            );",
        )?;
        Ok(PublishQueue {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    // --- targets ---

    /// Saves a target; an empty `secret` keeps the stored one.
    pub fn save_target(&self, spec: &TargetSpec, secret: &str, now: i64) -> Result<(), DbError> {
        let components = serde_json::to_string(&spec.components).unwrap_or_else(|_| "{}".into());
        let conn = self.conn();
        if secret.is_empty() {
            conn.execute(
                "UPDATE publish_targets SET kind = ?2, name = ?3, base_url = ?4, page_id = ?5,
                 components = ?6, updated_at = ?7 WHERE id = ?1",
                params![
                    spec.id,
                    spec.kind.wire(),
                    spec.name.trim(),
                    spec.base_url.trim().trim_end_matches('/'),
                    spec.page_id,
                    components,
                    now
                ],
            )?;
        } else {
            conn.execute(
                "INSERT INTO publish_targets (id, kind, name, base_url, page_id, secret, components, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET kind = ?2, name = ?3, base_url = ?4, page_id = ?5,
                 secret = ?6, components = ?7, updated_at = ?8",
                params![
                    spec.id,
                    spec.kind.wire(),
                    spec.name.trim(),
                    spec.base_url.trim().trim_end_matches('/'),
                    spec.page_id,
                    secret,
                    components,
                    now
                ],
            )?;
        }
        Ok(())
    }

    pub fn has_target(&self, id: &str) -> Result<bool, DbError> {
        Ok(self
            .conn()
            .query_row("SELECT 1 FROM publish_targets WHERE id = ?1", [id], |_| {
                Ok(())
            })
            .optional()?
            .is_some())
    }

    pub fn delete_target(&self, id: &str) -> Result<bool, DbError> {
        let conn = self.conn();
        let n = conn.execute("DELETE FROM publish_targets WHERE id = ?1", [id])?;
        conn.execute("DELETE FROM publish_links WHERE target = ?1", [id])?;
        Ok(n > 0)
    }

    pub fn targets(&self) -> Result<Vec<Target>, DbError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, kind, name, base_url, page_id, secret, components FROM publish_targets ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, name, base_url, page_id, secret, components) = row?;
            // A kind this version does not know is skipped, not guessed.
            let Some(kind) = TargetKind::from_wire(&kind) else {
                continue;
            };
            let components: BTreeMap<String, String> =
                serde_json::from_str(&components).unwrap_or_default();
            out.push(Target {
                spec: TargetSpec {
                    id,
                    kind,
                    name,
                    base_url,
                    page_id,
                    components,
                },
                secret,
            });
        }
        Ok(out)
    }

    pub fn target(&self, id: &str) -> Result<Option<Target>, DbError> {
        Ok(self.targets()?.into_iter().find(|t| t.spec.id == id))
    }

    // --- deliveries ---

    /// Queues a delivery unless it is already known: a replayed
    /// `update_published` never queues a second one. Counted as reported:
    /// the published event itself says "queued" (see `CustomerUpdate::publish`).
    pub fn enqueue(
        &self,
        update: &str,
        target: &str,
        incident: &str,
        seq: u64,
        now: i64,
    ) -> Result<bool, DbError> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO publish_deliveries (update_id, target, incident, seq, stage, next_at, reported)
             VALUES (?1, ?2, ?3, ?4, 'queued', ?5, 1)",
            params![update, target, incident, seq as i64, now],
        )?;
        Ok(n > 0)
    }

    fn job_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Job> {
        Ok(Job {
            update: r.get(0)?,
            target: r.get(1)?,
            incident: r.get(2)?,
            seq: r.get::<_, i64>(3)? as u64,
            stage: Stage::from_wire(&r.get::<_, String>(4)?),
            attempt: r.get(5)?,
            tries: r.get(6)?,
            next_at: r.get(7)?,
            error: r.get(8)?,
            reported: r.get::<_, i64>(9)? != 0,
        })
    }

    const COLUMNS: &'static str =
        "update_id, target, incident, seq, stage, attempt, tries, next_at, error, reported";

    pub fn job(&self, update: &str, target: &str) -> Result<Option<Job>, DbError> {
        let sql = format!(
            "SELECT {} FROM publish_deliveries WHERE update_id = ?1 AND target = ?2",
            Self::COLUMNS
        );
        Ok(self
            .conn()
            .query_row(&sql, [update, target], Self::job_from_row)
            .optional()?)
    }

    /// Every job whose stage has not been written to the log yet.
    pub fn unreported(&self) -> Result<Vec<Job>, DbError> {
        let sql = format!(
            "SELECT {} FROM publish_deliveries WHERE reported = 0 ORDER BY seq",
            Self::COLUMNS
        );
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let jobs = stmt
            .query_map([], Self::job_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(jobs)
    }

    /// Jobs found `sending` at start: the server stopped mid-request.
    pub fn interrupted(&self) -> Result<Vec<Job>, DbError> {
        let sql = format!(
            "SELECT {} FROM publish_deliveries WHERE stage = 'sending' ORDER BY seq",
            Self::COLUMNS
        );
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let jobs = stmt
            .query_map([], Self::job_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(jobs)
    }

    /// The next queued job that is due, has no earlier job for the same
    /// incident and target still queued (updates go out in order) and is not
    /// for a target in `busy` (one attempt in flight per target), and when
    /// the next one after it falls due. A busy target's jobs are left to the
    /// wake-up its attempt gives when it ends.
    pub fn next_due(
        &self,
        now: i64,
        busy: &HashSet<String>,
    ) -> Result<(Option<Job>, Option<i64>), DbError> {
        let sql = format!(
            "SELECT {} FROM publish_deliveries d WHERE stage = 'queued'
             AND NOT EXISTS (SELECT 1 FROM publish_deliveries e WHERE e.stage IN ('queued', 'sending')
                 AND e.target = d.target AND e.incident = d.incident AND e.seq < d.seq)
             ORDER BY next_at, seq",
            Self::COLUMNS
        );
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let jobs = stmt
            .query_map([], Self::job_from_row)?
            .filter(|j| j.as_ref().map_or(true, |j| !busy.contains(&j.target)))
            .collect::<Result<Vec<_>, _>>()?;
        let due = jobs.iter().find(|j| j.next_at <= now).cloned();
        let later = jobs
            .iter()
            .filter(|j| j.next_at > now)
            .map(|j| j.next_at)
            .min();
        Ok((due, later))
    }

    /// Records that an attempt is about to go out; committed before the
    /// request, so a crash during it is seen at the next start.
    pub fn start_attempt(&self, job: &Job) -> Result<Job, DbError> {
        self.conn().execute(
            "UPDATE publish_deliveries SET stage = 'sending', attempt = attempt + 1,
             tries = tries + 1, reported = 1 WHERE update_id = ?1 AND target = ?2",
            params![job.update, job.target],
        )?;
        Ok(Job {
            stage: Stage::Sending,
            attempt: job.attempt + 1,
            tries: job.tries + 1,
            reported: true,
            ..job.clone()
        })
    }

    /// Records an outcome, and the target's incident id when this attempt
    /// created it, in one transaction.
    pub fn finish(
        &self,
        job: &Job,
        stage: Stage,
        error: &str,
        next_at: i64,
        link: Option<&str>,
    ) -> Result<(), DbError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE publish_deliveries SET stage = ?3, error = ?4, next_at = ?5, reported = 0
             WHERE update_id = ?1 AND target = ?2",
            params![job.update, job.target, stage.wire(), error, next_at],
        )?;
        if let Some(remote) = link {
            tx.execute(
                "INSERT INTO publish_links (target, incident, remote_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (target, incident) DO UPDATE SET remote_id = ?3",
                params![job.target, job.incident, remote],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn mark_reported(&self, job: &Job) -> Result<(), DbError> {
        self.conn().execute(
            "UPDATE publish_deliveries SET reported = 1 WHERE update_id = ?1 AND target = ?2 AND stage = ?3",
            params![job.update, job.target, job.stage.wire()],
        )?;
        Ok(())
    }

    /// A person asked to try a failed delivery again: queued now, with a
    /// fresh count of tries. Only a failed delivery can be retried.
    pub fn retry(&self, update: &str, target: &str, now: i64) -> Result<Option<Job>, DbError> {
        let n = self.conn().execute(
            "UPDATE publish_deliveries SET stage = 'queued', tries = 0, next_at = ?3, error = '',
             reported = 0 WHERE update_id = ?1 AND target = ?2 AND stage = 'failed'",
            params![update, target, now],
        )?;
        if n == 0 {
            return Ok(None);
        }
        self.job(update, target)
    }

    /// The target's incident standing for ours, once created there.
    pub fn link(&self, target: &str, incident: &str) -> Result<Option<String>, DbError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT remote_id FROM publish_links WHERE target = ?1 AND incident = ?2",
                [target, incident],
                |r| r.get(0),
            )
            .optional()?)
    }
}
