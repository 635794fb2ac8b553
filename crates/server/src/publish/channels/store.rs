//! Subscribers and their deliveries in the database beside the event log
//! (not in it; the tables are schema steps 4 and 5, `storage::schema`): each subscriber (email or webhook, pending until confirmed), each
//! published update's fan-out per channel, and each copy to each subscriber
//! with its stage. The primary key (update, channel, subscriber) is what
//! makes a copy exactly once: a replayed publication finds it there.
//! Every method blocks.

use crate::args;
use crate::storage::{Database, DbError, Row, Value};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Email,
    Webhook,
}

impl Kind {
    pub fn wire(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Webhook => "webhook",
        }
    }

    fn from_wire(s: &str) -> Kind {
        if s == "webhook" {
            Kind::Webhook
        } else {
            Kind::Email
        }
    }
}

/// A subscriber; tokens and secret never leave the server except in their
/// own emails and confirmation page.
#[derive(Clone)]
pub struct Subscriber {
    pub id: u64,
    pub kind: Kind,
    pub email: String,
    pub url: String,
    /// Component ids chosen; empty means all.
    pub components: Vec<String>,
    pub secret: String,
    pub confirm_token: String,
    pub unsubscribe_token: String,
    pub confirmed_at: Option<i64>,
    pub unsubscribed_at: Option<i64>,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("email", &self.email)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Subscriber {
    pub fn active(&self) -> bool {
        self.confirmed_at.is_some() && self.unsubscribed_at.is_none()
    }
}

/// Where one copy (or a confirmation email) stands. `sending` is written
/// before it goes out, as the publishing queue does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Queued,
    Sending,
    Sent,
    Failed,
}

impl Stage {
    pub fn wire(self) -> &'static str {
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

/// The channel of a fan-out: the built-in target ids `email` and
/// `webhooks`, and `confirm` for double opt-in messages (no fan-out row).
pub const CONFIRM: &str = "confirm";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub update: String,
    pub channel: String,
    pub subscriber: u64,
    pub stage: Stage,
    pub attempt: u32,
    pub tries: u32,
    pub next_at: i64,
    pub error: String,
}

/// A bounce as the store records it (from core's `comms::bounce::Dsn`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BounceFacts {
    pub status: String,
    /// The reason the copy carries when it fails: `bounced: 550 …`.
    pub reason: String,
    /// Fails the copy (it will not be delivered).
    pub fails: bool,
    /// A 5.x.x status: counts towards stopping mail to the address.
    pub hard: bool,
}

/// What recording a bounce changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BounceRecorded {
    /// The copy went from sent to failed just now.
    pub failed_now: bool,
    /// The copy is failed (now or before).
    pub failed: bool,
    /// Mail to the subscriber stopped just now (hard bounces reached the limit).
    pub stopped: bool,
}

/// One published update's delivery on one channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fanout {
    pub update: String,
    pub channel: String,
    pub incident: String,
    pub seq: u64,
    /// Its recipients have been listed (copies queued).
    pub expanded: bool,
    /// Bumped by each retry; names the delivery reports.
    pub round: u32,
    /// The last state written to the log for this round (`""` none yet).
    pub reported: String,
}

pub struct ChannelStore {
    db: Arc<dyn Database>,
}

const JOB_COLUMNS: &str = "update_id, channel, subscriber, stage, attempt, tries, next_at, error";
const SUB_COLUMNS: &str = "id, kind, email, url, components, secret, confirm_token, unsubscribe_token, confirmed_at, unsubscribed_at";
const FANOUT_COLUMNS: &str = "update_id, channel, incident, seq, expanded, round, reported";

fn sub_from_row(r: &Row) -> Result<Subscriber, DbError> {
    let components: String = r.get(4)?;
    Ok(Subscriber {
        id: r.get(0)?,
        kind: Kind::from_wire(&r.get::<String>(1)?),
        email: r.get(2)?,
        url: r.get(3)?,
        components: serde_json::from_str(&components).unwrap_or_default(),
        secret: r.get(5)?,
        confirm_token: r.get(6)?,
        unsubscribe_token: r.get(7)?,
        confirmed_at: r.get(8)?,
        unsubscribed_at: r.get(9)?,
    })
}

fn fanout_from_row(r: &Row) -> Result<Fanout, DbError> {
    Ok(Fanout {
        update: r.get(0)?,
        channel: r.get(1)?,
        incident: r.get(2)?,
        seq: r.get(3)?,
        expanded: r.get(4)?,
        round: r.get(5)?,
        reported: r.get(6)?,
    })
}

fn job_from_row(r: &Row) -> Result<Job, DbError> {
    Ok(Job {
        update: r.get(0)?,
        channel: r.get(1)?,
        subscriber: r.get(2)?,
        stage: Stage::from_wire(&r.get::<String>(3)?),
        attempt: r.get(4)?,
        tries: r.get(5)?,
        next_at: r.get(6)?,
        error: r.get(7)?,
    })
}

impl ChannelStore {
    pub fn new(db: Arc<dyn Database>) -> ChannelStore {
        ChannelStore { db }
    }

    fn db(&self) -> &dyn Database {
        &*self.db
    }

    fn subscribers_where(&self, filter: &str, args: &[Value]) -> Result<Vec<Subscriber>, DbError> {
        let sql = format!("SELECT {SUB_COLUMNS} FROM subscribers {filter}");
        let rows = self.db().read(|tx| tx.query(&sql, args))?;
        rows.iter().map(sub_from_row).collect()
    }

    // --- subscribers ---

    /// Records a subscription request. A new address, or one that had
    /// unsubscribed, becomes pending with fresh tokens (and a fresh secret
    /// for a webhook) and gets a confirmation; a pending one gets another
    /// confirmation with its new choice of components; an active one is
    /// left as it is, and `None` says nothing is to be sent, so a stranger
    /// cannot learn who subscribed or flood them. The confirmation email is
    /// queued in the same transaction: a crash cannot leave a pending
    /// subscriber nobody wrote to.
    #[allow(clippy::too_many_arguments)]
    pub fn subscribe(
        &self,
        kind: Kind,
        email: &str,
        url: &str,
        components: &[String],
        tokens: (String, String),
        secret: String,
        now: i64,
    ) -> Result<Option<(Subscriber, u32)>, DbError> {
        let comps = serde_json::to_string(components).unwrap_or_else(|_| "[]".into());
        let select = format!(
            "SELECT {SUB_COLUMNS} FROM subscribers WHERE kind = ?1 AND email = ?2 AND url = ?3"
        );
        self.db().write(|tx| {
            let existing = match tx.query_row(&select, &args![kind.wire(), email, url])? {
                Some(r) => Some(sub_from_row(&r)?),
                None => None,
            };
            let id: u64 = match existing {
                Some(s) if s.active() => return Ok(None),
                Some(s) if s.unsubscribed_at.is_some() => {
                    tx.execute(
                        "UPDATE subscribers SET components = ?2, secret = ?3, confirm_token = ?4,
                         unsubscribe_token = ?5, created_at = ?6, confirmed_at = NULL,
                         unsubscribed_at = NULL, confirm_sends = confirm_sends + 1 WHERE id = ?1",
                        &args![s.id, &comps, &secret, &tokens.0, &tokens.1, now],
                    )?;
                    s.id
                }
                Some(s) => {
                    tx.execute(
                        "UPDATE subscribers SET components = ?2, confirm_sends = confirm_sends + 1 WHERE id = ?1",
                        &args![s.id, &comps],
                    )?;
                    s.id
                }
                None => tx.query_value(
                    "INSERT INTO subscribers (kind, email, url, components, secret, confirm_token,
                     unsubscribe_token, created_at, confirm_sends) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)
                     RETURNING id",
                    &args![kind.wire(), email, url, &comps, &secret, &tokens.0, &tokens.1, now],
                )?,
            };
            let sends: u32 = tx.query_value(
                "SELECT confirm_sends FROM subscribers WHERE id = ?1",
                &args![id],
            )?;
            let row = tx
                .query_row(&format!("SELECT {SUB_COLUMNS} FROM subscribers WHERE id = ?1"), &args![id])?
                .ok_or_else(|| DbError::Shape("the subscriber just written is gone".into()))?;
            let sub = sub_from_row(&row)?;
            tx.execute(
                "INSERT INTO channel_jobs (update_id, channel, subscriber, stage, next_at)
                 VALUES (?1, ?2, ?3, 'queued', ?4) ON CONFLICT DO NOTHING",
                &args![format!("confirm-{sends}"), CONFIRM, id, now],
            )?;
            Ok(Some((sub, sends)))
        })
    }

    pub fn subscriber(&self, id: u64) -> Result<Option<Subscriber>, DbError> {
        Ok(self
            .subscribers_where("WHERE id = ?1", &args![id])?
            .into_iter()
            .next())
    }

    pub fn by_confirm_token(&self, token: &str) -> Result<Option<Subscriber>, DbError> {
        Ok(self
            .subscribers_where("WHERE confirm_token = ?1", &args![token])?
            .into_iter()
            .next())
    }

    pub fn by_unsubscribe_token(&self, token: &str) -> Result<Option<Subscriber>, DbError> {
        Ok(self
            .subscribers_where("WHERE unsubscribe_token = ?1", &args![token])?
            .into_iter()
            .next())
    }

    /// Confirms a pending subscription (again is harmless).
    pub fn confirm(&self, id: u64, now: i64) -> Result<(), DbError> {
        self.db().write(|tx| {
            tx.execute(
                "UPDATE subscribers SET confirmed_at = ?2 WHERE id = ?1 AND confirmed_at IS NULL AND unsubscribed_at IS NULL",
                &args![id, now],
            )
        })?;
        Ok(())
    }

    /// Ends a subscription; copies not yet sent to it are dropped.
    pub fn unsubscribe(&self, id: u64, now: i64) -> Result<(), DbError> {
        self.db().write(|tx| {
            tx.execute(
                "UPDATE subscribers SET unsubscribed_at = ?2 WHERE id = ?1 AND unsubscribed_at IS NULL",
                &args![id, now],
            )?;
            tx.execute(
                "UPDATE channel_jobs SET stage = 'failed', error = 'unsubscribed before it was sent'
                 WHERE subscriber = ?1 AND stage = 'queued'",
                &args![id],
            )
        })?;
        Ok(())
    }

    /// Active subscribers of a kind, in the order they subscribed.
    pub fn active(&self, kind: Kind) -> Result<Vec<Subscriber>, DbError> {
        self.subscribers_where(
            "WHERE kind = ?1 AND confirmed_at IS NOT NULL AND unsubscribed_at IS NULL ORDER BY id",
            &args![kind.wire()],
        )
    }

    /// Confirmed and pending subscribers of each kind, for the desk.
    pub fn counts(&self) -> Result<[(Kind, u64, u64); 2], DbError> {
        self.db().read(|tx| {
            let mut count = |kind: Kind, confirmed: bool| -> Result<u64, DbError> {
                let sql = format!(
                    "SELECT COUNT(*) FROM subscribers WHERE kind = ?1 AND unsubscribed_at IS NULL AND confirmed_at IS {} NULL",
                    if confirmed { "NOT" } else { "" }
                );
                tx.query_value(&sql, &args![kind.wire()])
            };
            Ok([
                (Kind::Email, count(Kind::Email, true)?, count(Kind::Email, false)?),
                (Kind::Webhook, count(Kind::Webhook, true)?, count(Kind::Webhook, false)?),
            ])
        })
    }

    // --- fan-outs ---

    /// Records a publication on a channel unless known: a replayed
    /// `update_published` never fans out twice.
    pub fn enqueue_fanout(
        &self,
        update: &str,
        channel: &str,
        incident: &str,
        seq: u64,
    ) -> Result<bool, DbError> {
        let n = self.db().write(|tx| {
            tx.execute(
                "INSERT INTO channel_fanouts (update_id, channel, incident, seq) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                &args![update, channel, incident, seq],
            )
        })?;
        Ok(n > 0)
    }

    fn fanouts(&self, filter: &str, args: &[Value]) -> Result<Vec<Fanout>, DbError> {
        let sql = format!("SELECT {FANOUT_COLUMNS} FROM channel_fanouts {filter}");
        let rows = self.db().read(|tx| tx.query(&sql, args))?;
        rows.iter().map(fanout_from_row).collect()
    }

    pub fn unexpanded(&self) -> Result<Vec<Fanout>, DbError> {
        self.fanouts("WHERE expanded = 0 ORDER BY seq", &[])
    }

    pub fn fanout(&self, update: &str, channel: &str) -> Result<Option<Fanout>, DbError> {
        Ok(self
            .fanouts(
                "WHERE update_id = ?1 AND channel = ?2",
                &args![update, channel],
            )?
            .into_iter()
            .next())
    }

    /// Fan-outs whose final state may not be in the log yet.
    pub fn unsettled(&self) -> Result<Vec<Fanout>, DbError> {
        self.fanouts(
            "WHERE expanded = 1 AND reported NOT IN ('sent', 'failed') ORDER BY seq",
            &[],
        )
    }

    /// Queues a copy per recipient and marks the fan-out listed, in one
    /// transaction.
    pub fn expand(&self, f: &Fanout, recipients: &[u64], now: i64) -> Result<(), DbError> {
        self.db().write(|tx| {
            for r in recipients {
                tx.execute(
                    "INSERT INTO channel_jobs (update_id, channel, subscriber, stage, next_at)
                     VALUES (?1, ?2, ?3, 'queued', ?4) ON CONFLICT DO NOTHING",
                    &args![&f.update, &f.channel, *r, now],
                )?;
            }
            tx.execute(
                "UPDATE channel_fanouts SET expanded = 1 WHERE update_id = ?1 AND channel = ?2",
                &args![&f.update, &f.channel],
            )
        })?;
        Ok(())
    }

    pub fn mark_reported(&self, f: &Fanout, state: &str) -> Result<(), DbError> {
        self.db().write(|tx| {
            tx.execute(
                "UPDATE channel_fanouts SET reported = ?3 WHERE update_id = ?1 AND channel = ?2 AND round = ?4",
                &args![&f.update, &f.channel, state, f.round],
            )
        })?;
        Ok(())
    }

    /// A person asked to send again what failed: failed copies are queued
    /// afresh and the round moves on. `None` when nothing failed.
    pub fn retry(&self, update: &str, channel: &str, now: i64) -> Result<Option<Fanout>, DbError> {
        let n = self.db().write(|tx| {
            let n = tx.execute(
                "UPDATE channel_jobs SET stage = 'queued', tries = 0, next_at = ?3, error = ''
                 WHERE update_id = ?1 AND channel = ?2 AND stage = 'failed'
                 AND subscriber IN (SELECT id FROM subscribers WHERE unsubscribed_at IS NULL)",
                &args![update, channel, now],
            )?;
            if n > 0 {
                tx.execute(
                    "UPDATE channel_fanouts SET round = round + 1, reported = '' WHERE update_id = ?1 AND channel = ?2",
                    &args![update, channel],
                )?;
            }
            Ok(n)
        })?;
        if n == 0 {
            return Ok(None);
        }
        self.fanout(update, channel)
    }

    // --- copies ---

    fn jobs(&self, filter: &str, args: &[Value]) -> Result<Vec<Job>, DbError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM channel_jobs {filter}");
        let rows = self.db().read(|tx| tx.query(&sql, args))?;
        rows.iter().map(job_from_row).collect()
    }

    /// Every copy of one fan-out, with its recipient.
    pub fn jobs_of(&self, update: &str, channel: &str) -> Result<Vec<Job>, DbError> {
        self.jobs(
            "WHERE update_id = ?1 AND channel = ?2 ORDER BY subscriber",
            &args![update, channel],
        )
    }

    /// Copies of a fan-out still queued or being sent.
    pub fn waiting(&self, update: &str, channel: &str) -> Result<u64, DbError> {
        self.db().read(|tx| {
            tx.query_value(
                "SELECT COUNT(*) FROM channel_jobs WHERE update_id = ?1 AND channel = ?2 AND stage IN ('queued', 'sending')",
                &args![update, channel],
            )
        })
    }

    /// Queued copies of channels in `channels`, due first (at most
    /// `limit`); and when the next one not yet due falls due.
    pub fn due(
        &self,
        channels: &[&str],
        now: i64,
        limit: usize,
    ) -> Result<(Vec<Job>, Option<i64>), DbError> {
        let mut due = Vec::new();
        let mut later: Option<i64> = None;
        for j in self.jobs(
            "WHERE stage = 'queued' ORDER BY next_at, update_id, subscriber",
            &[],
        )? {
            if !channels.contains(&j.channel.as_str()) {
                continue;
            }
            if j.next_at <= now {
                if due.len() < limit {
                    due.push(j);
                }
            } else {
                later = Some(later.map_or(j.next_at, |l| l.min(j.next_at)));
                break;
            }
        }
        Ok((due, later))
    }

    /// Copies found `sending` when this process came to lead: the last
    /// leader stopped mid-send.
    pub fn interrupted(&self) -> Result<Vec<Job>, DbError> {
        self.jobs("WHERE stage = 'sending'", &[])
    }

    /// Committed before the copy goes out. Only a copy still queued is
    /// started: None when another worker moved it on meanwhile.
    pub fn start(&self, job: &Job) -> Result<Option<Job>, DbError> {
        let n = self.db().write(|tx| {
            tx.execute(
                "UPDATE channel_jobs SET stage = 'sending', attempt = attempt + 1, tries = tries + 1
                 WHERE update_id = ?1 AND channel = ?2 AND subscriber = ?3 AND stage = 'queued'",
                &args![&job.update, &job.channel, job.subscriber],
            )
        })?;
        Ok((n > 0).then(|| Job {
            stage: Stage::Sending,
            attempt: job.attempt + 1,
            tries: job.tries + 1,
            ..job.clone()
        }))
    }

    /// The bounce token of an emailed copy: given the first time it is
    /// sent and kept, so a bounce of any attempt finds it.
    pub fn bounce_token(&self, job: &Job, fresh: &str) -> Result<String, DbError> {
        self.db().write(|tx| {
            tx.execute(
                "UPDATE channel_jobs SET bounce_token = ?4
                 WHERE update_id = ?1 AND channel = ?2 AND subscriber = ?3 AND bounce_token IS NULL",
                &args![&job.update, &job.channel, job.subscriber, fresh],
            )?;
            tx.query_value(
                "SELECT bounce_token FROM channel_jobs WHERE update_id = ?1 AND channel = ?2 AND subscriber = ?3",
                &args![&job.update, &job.channel, job.subscriber],
            )
        })
    }

    /// The copy a bounce token was given to.
    pub fn by_bounce_token(&self, token: &str) -> Result<Option<Job>, DbError> {
        Ok(self
            .jobs("WHERE bounce_token = ?1", &args![token])?
            .into_iter()
            .next())
    }

    /// Records a bounce of `job` in one transaction: stored once however
    /// often it is handed in; one that fails the copy turns a sent copy
    /// failed with the reason (a copy queued again by a retry is left to
    /// that retry); and a subscriber whose copies hard-bounced `limit`
    /// times since they (re)subscribed stops getting mail, as if they had
    /// unsubscribed (subscribing again starts the count afresh).
    pub fn record_bounce(
        &self,
        job: &Job,
        token: &str,
        facts: &BounceFacts,
        limit: u32,
        now: i64,
    ) -> Result<BounceRecorded, DbError> {
        self.db().write(|tx| {
            tx.execute(
                "INSERT INTO channel_bounces (token, status, diagnostic, subscriber, hard, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                &args![token, &facts.status, &facts.reason, job.subscriber, facts.hard, now],
            )?;
            let failed_now = facts.fails
                && tx.execute(
                    "UPDATE channel_jobs SET stage = 'failed', error = ?4
                     WHERE update_id = ?1 AND channel = ?2 AND subscriber = ?3 AND stage = 'sent'",
                    &args![&job.update, &job.channel, job.subscriber, &facts.reason],
                )? > 0;
            let stage: String = tx.query_value(
                "SELECT stage FROM channel_jobs WHERE update_id = ?1 AND channel = ?2 AND subscriber = ?3",
                &args![&job.update, &job.channel, job.subscriber],
            )?;
            let mut stopped = false;
            if facts.hard {
                let hard: u64 = tx.query_value(
                    "SELECT COUNT(DISTINCT b.token) FROM channel_bounces b JOIN subscribers s ON s.id = b.subscriber
                     WHERE b.subscriber = ?1 AND b.hard = 1 AND b.received_at >= s.created_at",
                    &args![job.subscriber],
                )?;
                if hard >= u64::from(limit) {
                    stopped = tx.execute(
                        "UPDATE subscribers SET unsubscribed_at = ?2 WHERE id = ?1 AND unsubscribed_at IS NULL",
                        &args![job.subscriber, now],
                    )? > 0;
                    if stopped {
                        tx.execute(
                            "UPDATE channel_jobs SET stage = 'failed', error = ?2
                             WHERE subscriber = ?1 AND stage = 'queued'",
                            &args![job.subscriber, format!("not sent: the address bounced {hard} times")],
                        )?;
                    }
                }
            }
            Ok(BounceRecorded {
                failed_now,
                failed: stage == "failed",
                stopped,
            })
        })
    }

    pub fn finish(
        &self,
        job: &Job,
        stage: Stage,
        error: &str,
        next_at: i64,
        now: i64,
    ) -> Result<(), DbError> {
        let sent_at = (stage == Stage::Sent).then_some(now);
        self.db().write(|tx| {
            tx.execute(
                "UPDATE channel_jobs SET stage = ?4, error = ?5, next_at = ?6, sent_at = COALESCE(?7, sent_at)
                 WHERE update_id = ?1 AND channel = ?2 AND subscriber = ?3",
                &args![&job.update, &job.channel, job.subscriber, stage.wire(), error, next_at, sent_at],
            )
        })?;
        Ok(())
    }
}
