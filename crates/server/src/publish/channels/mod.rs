//! The built-in channels that reach many people at once: email to the
//! page's confirmed subscribers and Statuspage-format webhooks to its
//! webhook subscribers. A publication to `email` or `webhooks` becomes a
//! fan-out (`store`): its recipients are listed once, each copy goes out
//! exactly once, and the channel's state is written to the log as one
//! `update_delivery` per round (queued, then sent or failed naming who and
//! the receiving server's words; core `comms::fanout`). Retry sends again
//! only the copies that failed. A bounce mailed back later (`bounces`)
//! fails its copy the same way, with the remote server's words.
//!
//! After a stop: an email found `sending` is sent again with the same
//! Message-ID (SMTP makes a message the server's only once it answered the
//! final dot, RFC 5321 §4.1.1.4; without that answer it was not delivered,
//! and a rare duplicate collapses in mail stores by its id); a webhook
//! found `sending` is marked failed, as the publishing relay does, since an
//! HTTP receiver may have acted on it: a person retries.

pub mod bounces;
pub mod mailer;
mod send;
pub mod store;
pub mod web;

use super::public_cache::PublicCache;
use crate::rate::{Limiter, Rate};
use crate::storage::cluster::{spawn_while_leading, wake_on, Cluster, PUBLISH};
use crate::storage::{DbError, EventStore};
use crate::webhook_post;
use mailer::Mailer;
use sitrep_core::comms::bounce;
use sitrep_core::comms::fanout::{self, Copy, Outcome};
use sitrep_core::comms::subscribers;
use sitrep_core::comms::DeliveryState;
use sitrep_core::log::protocol::BounceReply;
use sitrep_core::status_page::public_page::PageInfo;
use sitrep_core::status_page::publishing::{RetryPolicy, EMAIL, WEBHOOKS};
use sitrep_core::time::backoff::SplitMix;
use sitrep_core::{Event, EventBody, EventId, Incident, IncidentId};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::{BounceFacts, ChannelStore, Fanout, Job, Kind, Stage, CONFIRM};

/// Hard bounces (5.x.x) of an address's copies, since it (re)subscribed,
/// after which it gets no more mail.
pub const HARD_BOUNCE_LIMIT: u32 = 3;
use tokio::sync::{watch, Notify};

/// The channels' configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Email needs an SMTP server (`--smtp`); without one the `email`
    /// target is listed as not configured.
    pub smtp: Option<mailer::SmtpSettings>,
    /// Let subscriber webhooks reach private and loopback addresses.
    pub allow_private_webhooks: bool,
    /// Subscription requests per client address, and per address typed.
    pub subscribe_per_ip: Rate,
    pub subscribe_per_address: Rate,
    /// Webhook deliveries in flight at once.
    pub webhook_parallel: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            smtp: None,
            allow_private_webhooks: false,
            subscribe_per_ip: Rate {
                per_second: 1.0 / 60.0,
                burst: 10.0,
            },
            subscribe_per_address: Rate {
                per_second: 1.0 / 600.0,
                burst: 3.0,
            },
            webhook_parallel: 8,
        }
    }
}

#[derive(Clone)]
pub struct Channels {
    pub store: Arc<ChannelStore>,
    pub mailer: Option<Arc<Mailer>>,
    pub settings: Settings,
    pub per_ip: Arc<Limiter>,
    pub per_address: Arc<Limiter>,
    pub public: Arc<PublicCache>,
    pub log: Arc<dyn EventStore>,
    cluster: Arc<dyn Cluster>,
    wake: Arc<Notify>,
    policy: RetryPolicy,
    timeout: Duration,
    connect_timeout: Duration,
    /// Copies handed to a task and not finished yet.
    busy: Arc<Mutex<HashSet<(String, String, u64)>>>,
}

impl Channels {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: ChannelStore,
        settings: Settings,
        public: Arc<PublicCache>,
        log: Arc<dyn EventStore>,
        cluster: Arc<dyn Cluster>,
        policy: RetryPolicy,
        timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Channels, String> {
        let mailer = match &settings.smtp {
            Some(s) => Some(Arc::new(Mailer::new(s.clone())?)),
            None => None,
        };
        Ok(Channels {
            store: Arc::new(store),
            mailer,
            per_ip: Arc::new(Limiter::new(settings.subscribe_per_ip)),
            per_address: Arc::new(Limiter::new(settings.subscribe_per_address)),
            settings,
            public,
            log,
            cluster,
            wake: Arc::new(Notify::new()),
            policy,
            timeout,
            connect_timeout,
            busy: Arc::default(),
        })
    }

    fn page(&self) -> &PageInfo {
        self.public.info()
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Something to send was queued on this replica (a subscription, a
    /// retry): the leading replica, which sends, hears it too.
    pub fn wake_everywhere(&self) {
        self.wake();
        if let Err(e) = self.cluster.signal(PUBLISH, "channels") {
            eprintln!("sitrep-server: cannot tell the leading replica: {e}");
        }
    }

    /// A publication to `email` or `webhooks`, as it is stored.
    pub fn enqueue(
        &self,
        update: &str,
        channel: &str,
        incident: &str,
        seq: u64,
    ) -> Result<bool, DbError> {
        let new = self.store.enqueue_fanout(update, channel, incident, seq)?;
        if new {
            self.wake();
        }
        Ok(new)
    }

    /// A person asked to send again what failed. `Ok(None)` when nothing
    /// of this update failed on this channel.
    pub fn retry(&self, update: &str, channel: &str, by: &str) -> Result<Option<()>, DbError> {
        let Some(f) = self.store.retry(update, channel, crate::clock::now_ms())? else {
            return Ok(None);
        };
        self.report(
            &f,
            DeliveryState::Queued,
            &format!("retry asked by {by}"),
            "retry",
        )?;
        self.store.mark_reported(&f, "queued")?;
        self.wake();
        Ok(Some(()))
    }

    /// Appends a channel's delivery report; the id comes from the fan-out,
    /// its round and the state, so a report made twice is stored once.
    fn report(
        &self,
        f: &Fanout,
        state: DeliveryState,
        detail: &str,
        tag: &str,
    ) -> Result<(), DbError> {
        let ev = Event::new(
            EventId(Arc::from(format!(
                "delivery/{}/{}/{}/{tag}",
                f.update, f.channel, f.round
            ))),
            f.incident.as_str(),
            super::AUTHOR,
            crate::clock::now_ms(),
            EventBody::UpdateDelivery {
                update: EventId(Arc::from(f.update.as_str())),
                target: f.channel.clone(),
                state,
                error: detail.to_string(),
                attempt: f.round + 1,
            },
        );
        // The feed takes it to live streams like any other event.
        self.log.append(vec![ev], |_| {})?;
        Ok(())
    }

    /// The incident as the log has it now, and the update.
    fn incident(&self, id: &str) -> Result<Option<Incident>, DbError> {
        let id = IncidentId(Arc::from(id));
        self.public
            .with_folded(&*self.log, |f| f.incidents.get(&id).cloned())
    }

    /// Lists a fan-out's recipients: the subscribers confirmed now who want
    /// this update. Email without an SMTP server fails at once, saying so.
    fn expand(&self, f: &Fanout) -> Result<(), DbError> {
        let now = crate::clock::now_ms();
        let kind = if f.channel == EMAIL {
            Kind::Email
        } else {
            Kind::Webhook
        };
        let recipients: Vec<u64> = match self.incident(&f.incident)? {
            Some(inc) => match inc.update(&EventId(Arc::from(f.update.as_str()))) {
                Some(u) => self
                    .store
                    .active(kind)?
                    .into_iter()
                    .filter(|s| subscribers::wants(&s.components, &inc, u))
                    .map(|s| s.id)
                    .collect(),
                None => Vec::new(),
            },
            None => Vec::new(),
        };
        self.store.expand(f, &recipients, now)?;
        if kind == Kind::Email && self.mailer.is_none() {
            for r in &recipients {
                let job = Job {
                    update: f.update.clone(),
                    channel: f.channel.clone(),
                    subscriber: *r,
                    stage: Stage::Queued,
                    attempt: 0,
                    tries: 0,
                    next_at: now,
                    error: String::new(),
                };
                self.store.finish(
                    &job,
                    Stage::Failed,
                    "no SMTP server is configured (sitrep-server --smtp)",
                    0,
                    now,
                )?;
            }
        }
        self.settle(&f.update, &f.channel)
    }

    /// Writes the channel's state to the log once nothing waits any more.
    fn settle(&self, update: &str, channel: &str) -> Result<(), DbError> {
        let Some((f, state, detail)) = self.summary(update, channel)? else {
            return Ok(());
        };
        let tag = match state {
            DeliveryState::Queued => return Ok(()),
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
        };
        if f.reported == tag {
            return Ok(());
        }
        self.report(&f, state, &detail, tag)?;
        self.store.mark_reported(&f, tag)
    }

    /// The channel's state as the desk words it, once nothing waits (the
    /// publication itself says "queued" until then): `None` before.
    fn summary(
        &self,
        update: &str,
        channel: &str,
    ) -> Result<Option<(Fanout, DeliveryState, String)>, DbError> {
        let Some(f) = self.store.fanout(update, channel)? else {
            return Ok(None);
        };
        if !f.expanded || self.store.waiting(update, channel)? > 0 {
            // One read of every copy per fan-out, not per copy.
            return Ok(None);
        }
        let mut outcomes = Vec::new();
        for j in self.store.jobs_of(update, channel)? {
            let recipient = match self.store.subscriber(j.subscriber)? {
                Some(s) if s.kind == Kind::Webhook => host_of(&s.url),
                Some(s) => s.email,
                None => format!("subscriber {}", j.subscriber),
            };
            outcomes.push(Outcome {
                recipient,
                state: match j.stage {
                    Stage::Queued | Stage::Sending => Copy::Waiting,
                    Stage::Sent => Copy::Sent,
                    Stage::Failed => Copy::Failed,
                },
                error: j.error,
            });
        }
        let noun = if channel == EMAIL {
            ("subscriber", "subscribers")
        } else {
            ("webhook", "webhooks")
        };
        let (state, detail) = fanout::summarize(noun, &outcomes);
        Ok(Some((f, state, detail)))
    }

    /// A bounce mailed back for one of our copies, read by core
    /// (`comms::bounce`): found by its token, recorded, and when it fails
    /// a copy the desk is told at once, in a report of its own (id
    /// `…/bounced-SUBSCRIBER`: each bounced copy is news, even after the
    /// channel already said "failed"). `Ok(None)` when no copy has any of
    /// its tokens.
    pub fn bounce(&self, dsn: &bounce::Dsn) -> Result<Option<BounceReply>, DbError> {
        let mut found = None;
        for t in &dsn.tokens {
            if let Some(job) = self.store.by_bounce_token(t)? {
                found = Some((t.clone(), job));
                break;
            }
        }
        let Some((token, job)) = found else {
            return Ok(None);
        };
        let verdict = dsn.verdict();
        let facts = BounceFacts {
            status: dsn.status.clone(),
            reason: dsn.reason(),
            fails: matches!(verdict, bounce::Verdict::Failed { .. }),
            hard: verdict == (bounce::Verdict::Failed { hard: true }),
        };
        let now = crate::clock::now_ms();
        let done = self
            .store
            .record_bounce(&job, &token, &facts, HARD_BOUNCE_LIMIT, now)?;
        if done.failed_now && job.channel != CONFIRM {
            if let Some((f, state, detail)) = self.summary(&job.update, &job.channel)? {
                if state == DeliveryState::Failed {
                    self.report(&f, state, &detail, &format!("bounced-{}", job.subscriber))?;
                    self.store.mark_reported(&f, "failed")?;
                }
            }
        }
        Ok(Some(BounceReply {
            update: job.update,
            channel: job.channel,
            outcome: if done.failed { "failed" } else { "noted" }.into(),
            detail: facts.reason,
            subscriber_stopped: done.stopped,
        }))
    }

    /// Repairs what a stop left behind (see the module's doc).
    fn recover(&self) -> Result<(), DbError> {
        let now = crate::clock::now_ms();
        for job in self.store.interrupted()? {
            if job.channel == WEBHOOKS {
                let why = "the server stopped while sending; it may have arrived: check with the receiver, then retry";
                self.store.finish(&job, Stage::Failed, why, 0, now)?;
            } else {
                self.store.finish(&job, Stage::Queued, "", now, now)?;
            }
        }
        for f in self.store.unsettled()? {
            self.settle(&f.update, &f.channel)?;
        }
        Ok(())
    }

    /// Sends while this process leads (once-only work): each time it comes
    /// to lead it first repairs what the last leader left (see the module's
    /// doc), then sends until it no longer leads or `stopping`.
    pub fn spawn(&self, stopping: watch::Receiver<bool>) {
        let this = self.clone();
        wake_on(&*self.cluster, PUBLISH, stopping.clone(), move || {
            this.wake()
        });
        let this = self.clone();
        spawn_while_leading(self.cluster.clone(), stopping, move |until| {
            let this = this.clone();
            async move {
                let t = this.clone();
                match tokio::task::spawn_blocking(move || t.recover()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => eprintln!("sitrep-server: channel recovery failed: {e}"),
                    Err(e) => eprintln!("sitrep-server: channel recovery failed: {e}"),
                }
                this.run(until).await;
            }
        });
    }

    async fn run(self, mut stopping: watch::Receiver<bool>) {
        let client = webhook_post::guarded_client(
            self.connect_timeout,
            self.settings.allow_private_webhooks,
        );
        let mut rng = SplitMix(crate::clock::now_ms() as u64);
        let mail_free = Arc::new(tokio::sync::Semaphore::new(1));
        let hooks_free = Arc::new(tokio::sync::Semaphore::new(
            self.settings.webhook_parallel.max(1),
        ));
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            if *stopping.borrow() {
                return;
            }
            while tasks.try_join_next().is_some() {}
            let this = self.clone();
            let planned = tokio::task::spawn_blocking(move || {
                for f in this.store.unexpanded()? {
                    this.expand(&f)?;
                }
                let now = crate::clock::now_ms();
                this.store.due(&[EMAIL, CONFIRM, WEBHOOKS], now, 64)
            })
            .await;
            let (due, later) = match planned {
                Ok(Ok(d)) => d,
                Ok(Err(e)) => {
                    eprintln!("sitrep-server: cannot read the channel queue: {e}");
                    (Vec::new(), Some(crate::clock::now_ms() + 5_000))
                }
                Err(_) => (Vec::new(), Some(crate::clock::now_ms() + 5_000)),
            };
            let mut started = false;
            for job in due {
                let key = (job.update.clone(), job.channel.clone(), job.subscriber);
                if self.busy.lock().map(|b| b.contains(&key)).unwrap_or(true) {
                    continue;
                }
                let permit = if job.channel == WEBHOOKS {
                    hooks_free.clone().try_acquire_owned()
                } else if self.mailer.is_some() {
                    mail_free.clone().try_acquire_owned()
                } else {
                    continue;
                };
                let Ok(permit) = permit else { continue };
                if let Ok(mut b) = self.busy.lock() {
                    b.insert(key.clone());
                }
                started = true;
                let (this, client, random) = (self.clone(), client.clone(), rng.next_f64());
                tasks.spawn(async move {
                    this.attempt(job, &client, random).await;
                    if let Ok(mut b) = this.busy.lock() {
                        b.remove(&key);
                    }
                    drop(permit);
                    this.wake();
                });
            }
            if started {
                continue;
            }
            let now = crate::clock::now_ms();
            let wait = later.map_or(Duration::from_secs(60), |t| {
                Duration::from_millis(t.saturating_sub(now).clamp(0, 60_000) as u64)
            });
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.wake.notified() => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
        }
    }
}

/// How the desk names a webhook subscriber: its host, not its whole
/// address (which may carry a token).
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest).to_string()
}
