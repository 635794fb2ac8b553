//! Publishing state in the database beside the event log (not in it): the
//! targets an admin configured (with their secrets, which never leave this
//! module except towards the target itself), each delivery's state, and which
//! incident on each target stands for ours. Every method blocks.

use crate::args;
use crate::storage::{Database, DbError, Row};
use sitrep_core::status_page::publishing::{TargetKind, TargetSpec};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

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
    db: Arc<dyn Database>,
}

impl PublishQueue {
    /// The tables are made by the schema steps (`storage::schema`).
    pub fn new(db: Arc<dyn Database>) -> PublishQueue {
        PublishQueue { db }
    }

    fn db(&self) -> &dyn Database {
        &*self.db
    }

    // --- targets ---

    /// Saves a target; an empty `secret` keeps the stored one.
    pub fn save_target(&self, spec: &TargetSpec, secret: &str, now: i64) -> Result<(), DbError> {
        let components = serde_json::to_string(&spec.components).unwrap_or_else(|_| "{}".into());
        let name = spec.name.trim();
        let base_url = spec.base_url.trim().trim_end_matches('/');
        self.db().write(|tx| {
            if secret.is_empty() {
                tx.execute(
                    "UPDATE publish_targets SET kind = ?2, name = ?3, base_url = ?4, page_id = ?5,
                     components = ?6, updated_at = ?7 WHERE id = ?1",
                    &args![
                        &spec.id,
                        spec.kind.wire(),
                        name,
                        base_url,
                        &spec.page_id,
                        &components,
                        now
                    ],
                )?;
            } else {
                tx.execute(
                    "INSERT INTO publish_targets (id, kind, name, base_url, page_id, secret, components, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (id) DO UPDATE SET kind = ?2, name = ?3, base_url = ?4, page_id = ?5,
                     secret = ?6, components = ?7, updated_at = ?8",
                    &args![
                        &spec.id,
                        spec.kind.wire(),
                        name,
                        base_url,
                        &spec.page_id,
                        secret,
                        &components,
                        now
                    ],
                )?;
            }
            Ok(())
        })
    }

    pub fn has_target(&self, id: &str) -> Result<bool, DbError> {
        self.db().read(|tx| {
            Ok(tx
                .query_row("SELECT 1 FROM publish_targets WHERE id = ?1", &args![id])?
                .is_some())
        })
    }

    pub fn delete_target(&self, id: &str) -> Result<bool, DbError> {
        self.db().write(|tx| {
            let n = tx.execute("DELETE FROM publish_targets WHERE id = ?1", &args![id])?;
            tx.execute("DELETE FROM publish_links WHERE target = ?1", &args![id])?;
            Ok(n > 0)
        })
    }

    pub fn targets(&self) -> Result<Vec<Target>, DbError> {
        let rows = self.db().read(|tx| {
            tx.query(
                "SELECT id, kind, name, base_url, page_id, secret, components FROM publish_targets ORDER BY id",
                &[],
            )
        })?;
        let mut out = Vec::new();
        for row in rows {
            // A kind this version does not know is skipped, not guessed.
            let Some(kind) = TargetKind::from_wire(&row.get::<String>(1)?) else {
                continue;
            };
            let components: BTreeMap<String, String> =
                serde_json::from_str(&row.get::<String>(6)?).unwrap_or_default();
            out.push(Target {
                spec: TargetSpec {
                    id: row.get(0)?,
                    kind,
                    name: row.get(2)?,
                    base_url: row.get(3)?,
                    page_id: row.get(4)?,
                    components,
                },
                secret: row.get(5)?,
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
        let n = self.db().write(|tx| {
            tx.execute(
                "INSERT INTO publish_deliveries (update_id, target, incident, seq, stage, next_at, reported)
                 VALUES (?1, ?2, ?3, ?4, 'queued', ?5, 1) ON CONFLICT DO NOTHING",
                &args![update, target, incident, seq, now],
            )
        })?;
        Ok(n > 0)
    }

    fn job_from_row(r: &Row) -> Result<Job, DbError> {
        Ok(Job {
            update: r.get(0)?,
            target: r.get(1)?,
            incident: r.get(2)?,
            seq: r.get(3)?,
            stage: Stage::from_wire(&r.get::<String>(4)?),
            attempt: r.get(5)?,
            tries: r.get(6)?,
            next_at: r.get(7)?,
            error: r.get(8)?,
            reported: r.get(9)?,
        })
    }

    const COLUMNS: &'static str =
        "update_id, target, incident, seq, stage, attempt, tries, next_at, error, reported";

    fn jobs(&self, filter: &str, args: &[crate::storage::Value]) -> Result<Vec<Job>, DbError> {
        let sql = format!(
            "SELECT {} FROM publish_deliveries d {filter}",
            Self::COLUMNS
        );
        let rows = self.db().read(|tx| tx.query(&sql, args))?;
        rows.iter().map(Self::job_from_row).collect()
    }

    pub fn job(&self, update: &str, target: &str) -> Result<Option<Job>, DbError> {
        Ok(self
            .jobs(
                "WHERE update_id = ?1 AND target = ?2",
                &args![update, target],
            )?
            .into_iter()
            .next())
    }

    /// Every job whose stage has not been written to the log yet.
    pub fn unreported(&self) -> Result<Vec<Job>, DbError> {
        self.jobs("WHERE reported = 0 ORDER BY seq", &[])
    }

    /// Jobs found `sending` at start: the server stopped mid-request.
    pub fn interrupted(&self) -> Result<Vec<Job>, DbError> {
        self.jobs("WHERE stage = 'sending' ORDER BY seq", &[])
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
        let jobs: Vec<Job> = self
            .jobs(
                "WHERE stage = 'queued'
                 AND NOT EXISTS (SELECT 1 FROM publish_deliveries e WHERE e.stage IN ('queued', 'sending')
                     AND e.target = d.target AND e.incident = d.incident AND e.seq < d.seq)
                 ORDER BY next_at, seq",
                &[],
            )?
            .into_iter()
            .filter(|j| !busy.contains(&j.target))
            .collect();
        let due = jobs.iter().find(|j| j.next_at <= now).cloned();
        let later = jobs
            .iter()
            .filter(|j| j.next_at > now)
            .map(|j| j.next_at)
            .min();
        Ok((due, later))
    }

    /// Records that an attempt is about to go out; committed before the
    /// request, so a crash during it is seen at the next start. Only a job
    /// still queued is started: None when another worker (a replica that
    /// led before this one) has moved it on.
    pub fn start_attempt(&self, job: &Job) -> Result<Option<Job>, DbError> {
        let n = self.db().write(|tx| {
            tx.execute(
                "UPDATE publish_deliveries SET stage = 'sending', attempt = attempt + 1,
                 tries = tries + 1, reported = 1
                 WHERE update_id = ?1 AND target = ?2 AND stage = 'queued'",
                &args![&job.update, &job.target],
            )
        })?;
        Ok((n > 0).then(|| Job {
            stage: Stage::Sending,
            attempt: job.attempt + 1,
            tries: job.tries + 1,
            reported: true,
            ..job.clone()
        }))
    }

    /// Records an outcome, and the target's incident id when this attempt
    /// created it, in one transaction. Only while the delivery is still at
    /// the stage and attempt `job` saw: false when another worker moved it
    /// on meanwhile (a replica that took over marked an attempt it found
    /// in flight as failed), and then nothing is written.
    pub fn finish(
        &self,
        job: &Job,
        stage: Stage,
        error: &str,
        next_at: i64,
        link: Option<&str>,
    ) -> Result<bool, DbError> {
        self.db().write(|tx| {
            let n = tx.execute(
                "UPDATE publish_deliveries SET stage = ?3, error = ?4, next_at = ?5, reported = 0
                 WHERE update_id = ?1 AND target = ?2 AND stage = ?6 AND attempt = ?7",
                &args![
                    &job.update,
                    &job.target,
                    stage.wire(),
                    error,
                    next_at,
                    job.stage.wire(),
                    job.attempt
                ],
            )?;
            if n == 0 {
                return Ok(false);
            }
            if let Some(remote) = link {
                tx.execute(
                    "INSERT INTO publish_links (target, incident, remote_id) VALUES (?1, ?2, ?3)
                     ON CONFLICT (target, incident) DO UPDATE SET remote_id = ?3",
                    &args![&job.target, &job.incident, remote],
                )?;
            }
            Ok(true)
        })
    }

    pub fn mark_reported(&self, job: &Job) -> Result<(), DbError> {
        self.db().write(|tx| {
            tx.execute(
                "UPDATE publish_deliveries SET reported = 1 WHERE update_id = ?1 AND target = ?2 AND stage = ?3",
                &args![&job.update, &job.target, job.stage.wire()],
            )
        })?;
        Ok(())
    }

    /// A person asked to try a failed delivery again: queued now, with a
    /// fresh count of tries. Only a failed delivery can be retried.
    pub fn retry(&self, update: &str, target: &str, now: i64) -> Result<Option<Job>, DbError> {
        let n = self.db().write(|tx| {
            tx.execute(
                "UPDATE publish_deliveries SET stage = 'queued', tries = 0, next_at = ?3, error = '',
                 reported = 0 WHERE update_id = ?1 AND target = ?2 AND stage = 'failed'",
                &args![update, target, now],
            )
        })?;
        if n == 0 {
            return Ok(None);
        }
        self.job(update, target)
    }

    /// The target's incident standing for ours, once created there.
    pub fn link(&self, target: &str, incident: &str) -> Result<Option<String>, DbError> {
        self.db().read(|tx| {
            tx.query_row(
                "SELECT remote_id FROM publish_links WHERE target = ?1 AND incident = ?2",
                &args![target, incident],
            )?
            .map(|r| r.get(0))
            .transpose()
        })
    }
}
