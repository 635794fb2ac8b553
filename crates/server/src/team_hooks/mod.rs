//! The team's outbound webhooks (admins configure them; issue 18): every
//! incident declared, status or severity changed, role assigned, incident
//! resolved and customer update published is POSTed to each hook that asked
//! for it, as signed generic JSON or a Slack message (core `webhook::team`).
//!
//! The worker reads the log behind a cursor, so nothing is lost between a
//! commit and a crash: the deliveries a page of the log produced and the
//! cursor past it are stored in one transaction (`store`). Each delivery
//! goes exactly once per event and hook: retried with backoff on refused
//! connections, 408/429/5xx (as publishing is), failed at once on other
//! answers or an HTML page, and, like publishing, not repeated on its own
//! after a silence (the receiver may have acted on it): a person retries.
//! A hook's deliveries go one at a time, in log order.

pub mod api;
pub mod store;

use crate::outbound::HttpsClient;
use crate::storage::cluster::{spawn_while_leading, wake_on, Cluster, PUBLISH};
use crate::storage::{DbError, EventStore};
use crate::webhook_post::{self, Post};
use sitrep_core::status_page::publishing::{RetryPolicy, Verdict};
use sitrep_core::time::backoff::SplitMix;
use sitrep_core::webhook::team::{self, HookEvent, HookFormat};
use sitrep_core::{Event, Incident, IncidentId, Workspace};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::{HookStore, NewDelivery};
use tokio::sync::{watch, Notify};

#[derive(Clone, Debug)]
pub struct Settings {
    /// The console's address, for links in the bodies (the status page's
    /// address when set: the server serves both).
    pub console_url: String,
    pub policy: RetryPolicy,
    pub timeout: Duration,
}

#[derive(Clone)]
pub struct TeamHooks {
    pub store: Arc<HookStore>,
    log: Arc<dyn EventStore>,
    cluster: Arc<dyn Cluster>,
    settings: Settings,
    wake: Arc<Notify>,
    /// What the worker folded while reading the log.
    folds: Arc<Mutex<Folds>>,
}

#[derive(Default)]
struct Folds {
    incidents: HashMap<IncidentId, Incident>,
    workspace: Option<Workspace>,
}

/// Event kinds that can be a hook event; only these need the incident as
/// it was before them.
fn may_notify(ev: &Event) -> bool {
    use sitrep_core::EventBody::*;
    matches!(
        ev.body,
        Declared { .. }
            | StatusChanged { .. }
            | SeverityChanged { .. }
            | RoleAssigned { .. }
            | UpdatePublished { .. }
    )
}

impl TeamHooks {
    pub fn new(
        store: HookStore,
        log: Arc<dyn EventStore>,
        cluster: Arc<dyn Cluster>,
        settings: Settings,
    ) -> TeamHooks {
        TeamHooks {
            store: Arc::new(store),
            log,
            cluster,
            settings,
            wake: Arc::new(Notify::new()),
            folds: Arc::default(),
        }
    }

    /// Something was stored: read it.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A retry asked on any replica: the leading one (which sends) hears it.
    pub fn wake_everywhere(&self) {
        self.wake();
        if let Err(e) = self.cluster.signal(PUBLISH, "hooks") {
            eprintln!("sitrep-server: cannot tell the leading replica of a hook retry: {e}");
        }
    }

    /// Reads the log past the cursor, recording the deliveries it asks for.
    fn scan(&self) -> Result<(), DbError> {
        let head = self.log.head()?;
        let mut cursor = self.store.cursor(head)?;
        loop {
            let page = self.log.page(cursor, 500)?;
            let Some(last) = page.events.last().and_then(|e| e.seq) else {
                return Ok(());
            };
            let hooks = self.store.hooks()?;
            let found = if hooks.is_empty() {
                // Nobody listens: move on without folding anything (a hook
                // added later folds what it needs afresh).
                *self.folds.lock().unwrap_or_else(|p| p.into_inner()) = Folds::default();
                Vec::new()
            } else {
                self.found(&page.events, &hooks)?
            };
            if self
                .store
                .record(&found, cursor, last, crate::clock::now_ms())?
            {
                cursor = last;
            } else {
                // Another worker moved the cursor: read on from where it is
                // (its folds are behind now, so fold afresh).
                *self.folds.lock().unwrap_or_else(|p| p.into_inner()) = Folds::default();
                cursor = self.store.cursor(head)?;
            }
        }
    }

    fn found(&self, events: &[Event], hooks: &[store::Hook]) -> Result<Vec<NewDelivery>, DbError> {
        let mut folds = self.folds.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        for ev in events {
            let seq = ev.seq.unwrap_or(0);
            if folds.workspace.is_none() {
                let mut w = Workspace::default();
                for e in self.log.stream_events(&IncidentId::workspace())? {
                    if e.seq.unwrap_or(0) < seq {
                        w.apply(&e);
                    }
                }
                folds.workspace = Some(w);
            }
            if ev.incident.is_workspace() {
                if let Some(w) = folds.workspace.as_mut() {
                    w.apply(ev);
                }
                continue;
            }
            if !folds.incidents.contains_key(&ev.incident) {
                let mut inc = Incident::new(ev.incident.clone());
                for e in self.log.stream_events(&ev.incident)? {
                    if e.seq.unwrap_or(0) < seq {
                        inc.apply(&e);
                    }
                }
                folds.incidents.insert(ev.incident.clone(), inc);
            }
            let Folds {
                incidents,
                workspace,
            } = &mut *folds;
            let Some(inc) = incidents.get_mut(&ev.incident) else {
                continue;
            };
            if !may_notify(ev) {
                inc.apply(ev);
                continue;
            }
            let before = inc.clone();
            inc.apply(ev);
            let Some(kind) = team::classify(ev, &before, inc) else {
                continue;
            };
            let w = workspace.clone().unwrap_or_default();
            for h in hooks.iter().filter(|h| seq > h.from_seq) {
                if !h.events.iter().any(|e| e == kind.wire()) {
                    continue;
                }
                let body = match HookFormat::from_wire(&h.format) {
                    Some(HookFormat::Slack) => {
                        team::slack_body(kind, ev, &before, inc, &w, &self.settings.console_url)
                    }
                    _ => team::body(kind, ev, &before, inc, &w, &self.settings.console_url),
                };
                out.push(NewDelivery {
                    hook: h.id.clone(),
                    event: ev.id.0.to_string(),
                    seq,
                    incident: ev.incident.0.to_string(),
                    kind: kind.wire().to_string(),
                    body: body.to_string(),
                });
            }
        }
        Ok(out)
    }

    fn recover(&self) -> Result<(), DbError> {
        let now = crate::clock::now_ms();
        for (hook, event) in self.store.interrupted()? {
            let why = "the server stopped while sending; it may have arrived: retry if the receiver did not get it";
            self.store
                .finish(&hook, &event, "failed", why, 0, (None, ""), now)?;
        }
        Ok(())
    }

    /// Delivers while this process leads (sending is once-only work): each
    /// time it comes to lead it first marks what the last leader left in
    /// flight, then reads and delivers until it no longer leads.
    /// Delivers through `client`, the server's one HTTPS client (the
    /// team's hooks are an admin's choice: no private-address guard).
    pub fn spawn(&self, client: HttpsClient, stopping: watch::Receiver<bool>) {
        let this = self.clone();
        wake_on(&*self.cluster, PUBLISH, stopping.clone(), move || {
            this.wake()
        });
        let this = self.clone();
        spawn_while_leading(self.cluster.clone(), stopping, move |until| {
            let (this, client) = (this.clone(), client.clone());
            async move {
                let t = this.clone();
                if let Ok(Err(e)) = tokio::task::spawn_blocking(move || t.recover()).await {
                    eprintln!("sitrep-server: hook recovery failed: {e}");
                }
                // What the last leader folded may be behind.
                *this.folds.lock().unwrap_or_else(|p| p.into_inner()) = Folds::default();
                this.run(client, until).await;
            }
        });
    }

    async fn run(self, client: HttpsClient, mut stopping: watch::Receiver<bool>) {
        let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
        let mut rng = SplitMix(crate::clock::now_ms() as u64);
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            if *stopping.borrow() {
                return;
            }
            while tasks.try_join_next().is_some() {}
            let this = self.clone();
            let in_flight: Vec<String> = busy
                .lock()
                .map(|b| b.iter().cloned().collect())
                .unwrap_or_default();
            let planned = tokio::task::spawn_blocking(move || {
                this.scan()?;
                this.store.due(crate::clock::now_ms(), &in_flight)
            })
            .await;
            let (due, later) = match planned {
                Ok(Ok(d)) => d,
                Ok(Err(e)) => {
                    eprintln!("sitrep-server: cannot read the hook queue: {e}");
                    (Vec::new(), Some(crate::clock::now_ms() + 5_000))
                }
                Err(_) => (Vec::new(), Some(crate::clock::now_ms() + 5_000)),
            };
            let mut seen = HashSet::new();
            for d in due {
                // One per hook at a time, in order.
                if !seen.insert(d.hook.clone()) {
                    continue;
                }
                if let Ok(mut b) = busy.lock() {
                    b.insert(d.hook.clone());
                }
                let (this, client, busy, random) =
                    (self.clone(), client.clone(), busy.clone(), rng.next_f64());
                tasks.spawn(async move {
                    let hook = d.hook.clone();
                    if let Err(e) = this.attempt(d, &client, random).await {
                        eprintln!("sitrep-server: a hook delivery could not be recorded: {e}");
                    }
                    if let Ok(mut b) = busy.lock() {
                        b.remove(&hook);
                    }
                    this.wake();
                });
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

    async fn attempt(
        &self,
        d: store::Due,
        client: &HttpsClient,
        random: f64,
    ) -> Result<(), DbError> {
        let store = self.store.clone();
        let (hook_id, event) = (d.hook.clone(), d.event.clone());
        let hook = tokio::task::spawn_blocking(move || {
            let hook = store.hook(&hook_id)?;
            // Sent only if still queued (no other worker moved it on).
            Ok::<_, DbError>(match hook {
                Some(h) if store.start(&hook_id, &event)? => Some(h),
                _ => None,
            })
        })
        .await
        .map_err(|e| DbError::Other(e.to_string()))??;
        let Some(hook) = hook else {
            return Ok(());
        };
        let delivery = format!("{}/{}", hook.id, d.event);
        let (result, answer) = webhook_post::post(
            client,
            Post {
                url: &hook.url,
                body: d.body.as_bytes(),
                secret: &hook.secret,
                delivery: &delivery,
                event: &d.kind,
                public_only: false,
            },
            self.settings.timeout,
        )
        .await;
        let now = crate::clock::now_ms();
        let (stage, error, next_at) = match result {
            Ok(()) => ("sent", String::new(), 0),
            Err(reply) => match self.settings.policy.decide(d.tries + 1, &reply, random) {
                Verdict::Sent => ("sent", String::new(), 0),
                Verdict::Failed(why) => ("failed", why, 0),
                Verdict::Retry { after_ms, reason } => (
                    "queued",
                    format!("{reason}; trying again in {} s", after_ms.div_ceil(1000)),
                    now + after_ms as i64,
                ),
            },
        };
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            store.finish(
                &d.hook,
                &d.event,
                stage,
                &error,
                next_at,
                (answer.code, &answer.text),
                crate::clock::now_ms(),
            )
        })
        .await
        .map_err(|e| DbError::Other(e.to_string()))?
    }
}

/// Every hook event's wire name, for checking what an admin chose.
pub fn known_events(chosen: &[String]) -> Result<Vec<HookEvent>, String> {
    chosen
        .iter()
        .map(|e| {
            HookEvent::from_wire(e).ok_or_else(|| {
                let all: Vec<&str> = HookEvent::ALL.iter().map(|k| k.wire()).collect();
                format!("{e:?} is not a hook event; choose from {}", all.join(", "))
            })
        })
        .collect()
}
