//! Publishing customer updates to status pages: one `Publisher` trait with an
//! adapter per kind of target, and the relay that delivers every published
//! update to each target it names, exactly once, reporting each outcome as a
//! server-authored `update_delivery` event. The decisions (status mapping,
//! retry policy) live in core `publish`; this module does the I/O.
//!
//! Exactly once: a delivery's stage is committed to the database before each
//! attempt (`sending`) and after it. A delivery found `sending` at start, or
//! one that got no answer in time, may have reached the target, so it is
//! marked failed rather than sent again; a person checks the page and asks
//! for a retry (`POST /api/v1/publish/retry`). See docs/publishing.md.

pub mod api;
pub mod cachet;
pub mod channels;
pub mod client;
pub mod own;
pub mod public_cache;
pub mod queue;
pub mod statuspage;

use crate::outbound::HttpsClient;
use crate::storage::cluster::{spawn_while_leading, wake_on, Cluster, PUBLISH};
use crate::storage::{DbError, EventStore};
use queue::{Job, PublishQueue, Stage, Target};
use sitrep_core::comms::{CustomerUpdate, DeliveryState};
use sitrep_core::status_page::public_page::PageInfo;
use sitrep_core::status_page::publishing::{
    Reply, RetryPolicy, TargetKind, TargetSpec, Verdict, BANNER, EMAIL, OWN, WEBHOOKS,
};
use sitrep_core::time::backoff::SplitMix;
use sitrep_core::{Event, EventBody, EventId, Incident, IncidentId};
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// The author of every delivery report.
pub const AUTHOR: &str = "sitrep-server";

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// `Ok` with the target's id for our incident when this call created it;
/// otherwise the reply the retry policy judges.
pub type Outcome = Result<Option<String>, Reply>;

/// One update on its way to one target.
pub struct Delivery<'a> {
    pub incident: &'a Incident,
    pub update: &'a CustomerUpdate,
    pub target: &'a Target,
    /// The target's incident for ours, once the first update created it.
    pub link: Option<String>,
}

/// A kind of status page we publish to.
pub trait Publisher: Send + Sync {
    fn deliver<'a>(&'a self, delivery: &'a Delivery<'a>) -> BoxFuture<'a, Outcome>;
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// The own public page's name and address, as its JSON states them.
    pub page: PageInfo,
    /// For one whole request to a target.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub policy: RetryPolicy,
    /// Email and webhook subscribers (see `channels`).
    pub channels: channels::Settings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            page: PageInfo {
                id: "sitrep".into(),
                name: "Status".into(),
                url: String::new(),
            },
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            policy: RetryPolicy::default(),
            channels: channels::Settings::default(),
        }
    }
}

/// The adapters the worker delivers through, one per kind of target.
struct Publishers {
    statuspage: statuspage::Statuspage,
    cachet: cachet::Cachet,
}

impl Publishers {
    fn all(&self) -> [(&TargetKind, &dyn Publisher); 4] {
        [
            (&TargetKind::Own, &own::OwnPage),
            // The banner, like the page, reads what was published.
            (&TargetKind::Banner, &own::OwnPage),
            (&TargetKind::Statuspage, &self.statuspage),
            (&TargetKind::Cachet, &self.cachet),
        ]
    }
}

/// The handle every handler shares: the queue, the wake-up for the worker,
/// the own page's cache and the subscriber channels.
#[derive(Clone)]
pub struct Relay {
    pub queue: Arc<PublishQueue>,
    pub settings: Settings,
    pub public: Arc<public_cache::PublicCache>,
    pub channels: channels::Channels,
    wake: Arc<Notify>,
    log: Arc<dyn EventStore>,
    cluster: Arc<dyn Cluster>,
}

impl Relay {
    pub fn new(
        queue: PublishQueue,
        channel_store: channels::store::ChannelStore,
        settings: Settings,
        log: Arc<dyn EventStore>,
        cluster: Arc<dyn Cluster>,
    ) -> Result<Relay, String> {
        let public = Arc::new(public_cache::PublicCache::new(settings.page.clone()));
        let channels = channels::Channels::new(
            channel_store,
            settings.channels.clone(),
            public.clone(),
            log.clone(),
            cluster.clone(),
            settings.policy.clone(),
            settings.timeout,
            settings.connect_timeout,
        )?;
        Ok(Relay {
            queue: Arc::new(queue),
            settings,
            public,
            channels,
            wake: Arc::new(Notify::new()),
            log,
            cluster,
        })
    }

    /// Called with newly stored events (on the leading replica, from the
    /// log's feed): queues a delivery per target of each `update_published`
    /// (a fan-out for the email and webhook channels). A failure here is
    /// repaired at the next start, which scans the log.
    pub fn stored(&self, events: &[Event]) {
        let mut queued = false;
        for ev in events {
            if let EventBody::UpdatePublished {
                update, targets, ..
            } = &ev.body
            {
                for target in targets {
                    if target == EMAIL || target == WEBHOOKS {
                        if let Err(e) = self.channels.enqueue(
                            &update.0,
                            target,
                            &ev.incident.0,
                            ev.seq.unwrap_or(0),
                        ) {
                            eprintln!("sitrep-server: cannot queue a fan-out: {e}");
                        }
                        continue;
                    }
                    match self.queue.enqueue(
                        &update.0,
                        target,
                        &ev.incident.0,
                        ev.seq.unwrap_or(0),
                        crate::clock::now_ms(),
                    ) {
                        Ok(new) => queued |= new,
                        Err(e) => eprintln!("sitrep-server: cannot queue a delivery: {e}"),
                    }
                }
            }
        }
        if queued {
            self.wake.notify_one();
        }
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Appends the delivery report for the job's current stage, then marks
    /// it reported. The event id is derived from the job, so a report made
    /// twice (a crash between the two steps) is stored once.
    fn report(&self, job: &Job, note: &str) -> Result<(), DbError> {
        let state = match job.stage {
            Stage::Sent => DeliveryState::Sent,
            Stage::Failed => DeliveryState::Failed,
            Stage::Queued | Stage::Sending => DeliveryState::Queued,
        };
        let error = if note.is_empty() {
            job.error.clone()
        } else {
            note.to_string()
        };
        let ev = Event::new(
            EventId(Arc::from(format!(
                "delivery/{}/{}/{}/{}",
                job.update,
                job.target,
                job.attempt,
                match state {
                    DeliveryState::Queued if job.tries == 0 => "retry",
                    DeliveryState::Queued => "queued",
                    DeliveryState::Sent => "sent",
                    DeliveryState::Failed => "failed",
                }
            ))),
            job.incident.as_str(),
            AUTHOR,
            crate::clock::now_ms(),
            EventBody::UpdateDelivery {
                update: EventId(Arc::from(job.update.as_str())),
                target: job.target.clone(),
                state,
                error,
                attempt: job.attempt,
            },
        );
        // The feed takes it to live streams like any other event.
        let target = job.target.clone();
        let counted = match state {
            DeliveryState::Queued => "queued",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
        };
        self.log.append(vec![ev], move |stored| {
            if !stored.is_empty() {
                crate::metrics::metrics()
                    .deliveries
                    .with_label_values(&[target.as_str(), counted])
                    .inc();
            }
        })?;
        self.queue.mark_reported(job)
    }

    /// Delivers while this process leads (relaying is once-only work):
    /// each time it comes to lead it first repairs what the last leader (or
    /// the last stop) left, then delivers until it no longer leads or
    /// `stopping`. Any replica may queue or retry a delivery; the leader
    /// hears it through the `publish` signal.
    /// Delivers through `client`, the server's one HTTPS client.
    pub fn spawn(&self, client: HttpsClient, stopping: watch::Receiver<bool>) {
        let relay = self.clone();
        wake_on(&*self.cluster, PUBLISH, stopping.clone(), move || {
            relay.wake()
        });
        self.channels.spawn(stopping.clone());
        let relay = self.clone();
        spawn_while_leading(self.cluster.clone(), stopping, move |until| {
            let (relay, client) = (relay.clone(), client.clone());
            async move {
                let r = relay.clone();
                let recovered = tokio::task::spawn_blocking(move || r.recover()).await;
                match recovered {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => eprintln!("sitrep-server: publishing recovery failed: {e}"),
                    Err(e) => eprintln!("sitrep-server: publishing recovery failed: {e}"),
                }
                relay.run(client, until).await;
            }
        });
    }

    fn recover(&self) -> Result<(), DbError> {
        for job in self.queue.interrupted()? {
            let why = "the server stopped while sending; it may have reached the target: check the page, then retry";
            self.queue.finish(&job, Stage::Failed, why, 0, None)?;
        }
        // Published events whose deliveries were never queued (a crash right
        // after the commit) are queued now; known ones are left alone.
        let mut after = 0;
        loop {
            let page = self.log.page(after, 1000)?;
            let Some(last) = page.events.last() else {
                break;
            };
            after = last.seq.unwrap_or(after + 1);
            self.stored(&page.events);
        }
        for job in self.queue.unreported()? {
            self.report(&job, "")?;
        }
        Ok(())
    }

    /// The worker: starts every due delivery whose target has none in
    /// flight, each in its own task, so a slow target (up to the request
    /// timeout) holds up only its own deliveries. One attempt per target at
    /// a time keeps a target's updates in order and spares it a burst.
    async fn run(self, client: HttpsClient, mut stopping: watch::Receiver<bool>) {
        let publishers = Arc::new(Publishers {
            statuspage: statuspage::Statuspage {
                client: client.clone(),
                timeout: self.settings.timeout,
            },
            cachet: cachet::Cachet {
                client,
                timeout: self.settings.timeout,
            },
        });
        let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
        // Dropped on return, which aborts attempts in flight: one stopped
        // mid-request stays `sending` and is handled at the next start.
        let mut attempts = tokio::task::JoinSet::new();
        let mut rng = SplitMix(crate::clock::now_ms() as u64);
        loop {
            if *stopping.borrow() {
                return;
            }
            while attempts.try_join_next().is_some() {}
            let queue = self.queue.clone();
            let now = crate::clock::now_ms();
            let in_flight = busy.lock().map(|b| b.clone()).unwrap_or_default();
            let next = tokio::task::spawn_blocking(move || queue.next_due(now, &in_flight)).await;
            let (due, later) = match next {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => {
                    eprintln!("sitrep-server: cannot read the publishing queue: {e}");
                    (None, Some(now + 5_000))
                }
                Err(_) => (None, Some(now + 5_000)),
            };
            if let Some(job) = due {
                if let Ok(mut b) = busy.lock() {
                    b.insert(job.target.clone());
                }
                let (this, publishers, busy) = (self.clone(), publishers.clone(), busy.clone());
                let random = rng.next_f64();
                attempts.spawn(async move {
                    let target = job.target.clone();
                    this.attempt(job, &publishers.all(), random).await;
                    if let Ok(mut b) = busy.lock() {
                        b.remove(&target);
                    }
                    // Its target's next delivery may be due now.
                    this.wake.notify_one();
                });
                continue;
            }
            let wait = later.map_or(Duration::from_secs(3600), |t| {
                Duration::from_millis(t.saturating_sub(now).max(0) as u64)
            });
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.wake.notified() => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
        }
    }

    async fn attempt(&self, job: Job, publishers: &[(&TargetKind, &dyn Publisher)], random: f64) {
        if let Err(e) = self.try_attempt(job, publishers, random).await {
            eprintln!("sitrep-server: a delivery could not be recorded: {e}");
            // Do not spin on a broken database.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn try_attempt(
        &self,
        job: Job,
        publishers: &[(&TargetKind, &dyn Publisher)],
        random: f64,
    ) -> Result<(), DbError> {
        let this = self.clone();
        let j = job.clone();
        let prepared = tokio::task::spawn_blocking(move || this.prepare(&j))
            .await
            .map_err(|e| DbError::Other(format!("a delivery's preparation failed: {e}")))??;
        let (target, incident, link) = match prepared {
            Ok(p) => p,
            Err(why) => {
                let this = self.clone();
                return tokio::task::spawn_blocking(move || {
                    if !this.queue.finish(&job, Stage::Failed, &why, 0, None)? {
                        return Ok(());
                    }
                    let done = Job {
                        stage: Stage::Failed,
                        error: why,
                        ..job
                    };
                    this.report(&done, "")
                })
                .await
                .unwrap_or(Ok(()));
            }
        };
        let Some(update) = incident.update(&EventId(Arc::from(job.update.as_str()))) else {
            return Ok(());
        };
        if !update.targets.contains(&job.target) {
            // A second publish of the same update is ignored by the fold;
            // its targets get nothing (and no report that would confuse it).
            let this = self.clone();
            return tokio::task::spawn_blocking(move || {
                if !this
                    .queue
                    .finish(&job, Stage::Failed, "published twice; ignored", 0, None)?
                {
                    return Ok(());
                }
                this.queue.mark_reported(&Job {
                    stage: Stage::Failed,
                    ..job
                })
            })
            .await
            .unwrap_or(Ok(()));
        }
        let queue = self.queue.clone();
        let j = job.clone();
        let started = tokio::task::spawn_blocking(move || queue.start_attempt(&j))
            .await
            .unwrap_or_else(|e| Err(DbError::Other(format!("a delivery could not start: {e}"))))?;
        let Some(job) = started else {
            // Moved on by another worker meanwhile: nothing to send.
            return Ok(());
        };
        let publisher = publishers
            .iter()
            .find(|(k, _)| **k == target.spec.kind)
            .map(|(_, p)| *p);
        let outcome = match publisher {
            Some(p) => {
                let delivery = Delivery {
                    incident: &incident,
                    update,
                    target: &target,
                    link,
                };
                p.deliver(&delivery).await
            }
            None => Err(Reply::Unreadable("no publisher for this kind".into())),
        };
        let verdict = match &outcome {
            Ok(_) => Verdict::Sent,
            Err(reply) => self.settings.policy.decide(job.tries, reply, random),
        };
        let created = outcome.ok().flatten();
        let now = crate::clock::now_ms();
        let (stage, error, next_at) = match verdict {
            Verdict::Sent => (Stage::Sent, String::new(), 0),
            Verdict::Failed(why) => (Stage::Failed, why, 0),
            Verdict::Retry { after_ms, reason } => (
                Stage::Queued,
                format!("{reason}; trying again in {} s", after_ms.div_ceil(1000)),
                now.saturating_add(after_ms as i64),
            ),
        };
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            if !this
                .queue
                .finish(&job, stage, &error, next_at, created.as_deref())?
            {
                eprintln!(
                    "sitrep-server: delivery of {} to {} was taken over while it was sent; its outcome is not recorded twice",
                    job.update, job.target
                );
                return Ok(());
            }
            let done = Job {
                stage,
                error,
                next_at,
                ..job
            };
            this.report(&done, "")
        })
        .await
        .unwrap_or(Ok(()))
    }

    /// The target, the folded incident and the link, or why the job cannot
    /// go out at all.
    #[allow(clippy::type_complexity)]
    fn prepare(
        &self,
        job: &Job,
    ) -> Result<Result<(Target, Incident, Option<String>), String>, DbError> {
        let target = if job.target == OWN {
            Some(own_target())
        } else if job.target == BANNER {
            Some(banner_target())
        } else {
            self.queue.target(&job.target)?
        };
        let Some(target) = target else {
            return Ok(Err(format!(
                "no target {:?} is configured (an admin adds targets in Settings, Publishing)",
                job.target
            )));
        };
        let id = IncidentId(Arc::from(job.incident.as_str()));
        let mut incident = Incident::new(id.clone());
        for ev in self.log.stream_events(&id)? {
            incident.apply(&ev);
        }
        if incident
            .update(&EventId(Arc::from(job.update.as_str())))
            .is_none()
        {
            return Ok(Err("the update is not in the log".into()));
        }
        let link = self.queue.link(&job.target, &job.incident)?;
        Ok(Ok((target, incident, link)))
    }

    /// A person asked to try a failed delivery again.
    pub fn retry(&self, update: &str, target: &str, by: &str) -> Result<Option<Job>, DbError> {
        if target == EMAIL || target == WEBHOOKS {
            // The channel's copies that failed go again; the answer only
            // needs to say whether anything was queued.
            return Ok(self.channels.retry(update, target, by)?.map(|()| Job {
                update: update.to_string(),
                target: target.to_string(),
                incident: String::new(),
                seq: 0,
                stage: Stage::Queued,
                attempt: 0,
                tries: 0,
                next_at: 0,
                error: String::new(),
                reported: true,
            }));
        }
        let Some(job) = self.queue.retry(update, target, crate::clock::now_ms())? else {
            return Ok(None);
        };
        self.report(&job, &format!("retry asked by {by}"))?;
        self.wake();
        // The worker may run on another replica.
        if let Err(e) = self.cluster.signal(PUBLISH, "") {
            eprintln!("sitrep-server: cannot tell the leading replica of a retry: {e}");
        }
        Ok(Some(job))
    }
}

/// The built-in own page as a target.
pub fn own_target() -> Target {
    Target {
        spec: TargetSpec {
            id: OWN.into(),
            kind: TargetKind::Own,
            name: "Own status page".into(),
            base_url: String::new(),
            page_id: String::new(),
            components: Default::default(),
        },
        secret: String::new(),
    }
}

/// The built-in banner as a target.
pub fn banner_target() -> Target {
    Target {
        spec: TargetSpec {
            id: BANNER.into(),
            kind: TargetKind::Banner,
            name: "In-app banner".into(),
            base_url: String::new(),
            page_id: String::new(),
            components: Default::default(),
        },
        secret: String::new(),
    }
}

/// The own page reads published updates from the log itself; delivering
/// to it only confirms the update is there.
impl Publisher for own::OwnPage {
    fn deliver<'a>(&'a self, _delivery: &'a Delivery<'a>) -> BoxFuture<'a, Outcome> {
        Box::pin(async { Ok(None) })
    }
}
