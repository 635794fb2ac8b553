//! The alert desk: the alerts stream folded in memory (core's `AlertBook`,
//! loaded from the log at start and kept current by every commit), the
//! waiting room that paces a storm (core's `Pacer`), and the task that
//! writes each group's waiting alerts as events, at most once per group per
//! second. An intake POST is answered once its alerts are stored.

use crate::metrics::metrics;
use crate::storage::{DbError, EventStore};
use sitrep_core::alerts::book::AlertBook;
use sitrep_core::alerts::flush;
use sitrep_core::alerts::intake::Received;
use sitrep_core::alerts::model::IntakeReply;
use sitrep_core::alerts::pacing::{Full, Pacer};
use sitrep_core::{Event, EventBody, IncidentId, Workspace};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{oneshot, watch, Notify};

/// How long an intake POST waits for its alerts to be stored.
pub const STORE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Clone)]
pub struct Alerts {
    inner: Arc<Mutex<Inner>>,
    wake: Arc<Notify>,
    log: Arc<dyn EventStore>,
}

struct Inner {
    book: AlertBook,
    /// The routing rules (and the rest of the workspace, folded).
    workspace: Workspace,
    pacer: Pacer,
    /// POSTs waiting for their alerts to be stored, by group.
    waiters: HashMap<String, Vec<Waiter>>,
    /// The account whose alerts a group's next event carries.
    senders: HashMap<String, Arc<str>>,
    /// Makes the ids of the events the desk writes unique.
    counter: u64,
}

/// A POST waiting until every alert up to its ticket is stored, and where
/// to tell it how that went.
type Waiter = (u64, oneshot::Sender<Result<(), String>>);

/// Why an intake POST is not answered 200.
pub enum Refusal {
    /// Too many groups are waiting: retry shortly (503).
    Busy,
    /// Storing failed (500): the sender retries and nothing is lost.
    NotStored(String),
}

impl Alerts {
    /// The desk, with the book and the rules read from the log.
    pub fn open(log: Arc<dyn EventStore>) -> Result<Alerts, DbError> {
        let book = AlertBook::of(&log.stream_events(&IncidentId::alerts())?);
        let mut workspace = Workspace::default();
        for ev in log.stream_events(&IncidentId::workspace())? {
            workspace.apply(&ev);
        }
        Ok(Alerts {
            inner: Arc::new(Mutex::new(Inner {
                book,
                workspace,
                pacer: Pacer::new(),
                waiters: HashMap::new(),
                senders: HashMap::new(),
                counter: 0,
            })),
            wake: Arc::new(Notify::new()),
            log,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes every committed event (the log's feed: in seq order, whichever
    /// replica stored it): the alerts stream and the routing rules stay current.
    pub fn stored(&self, events: &[Event]) {
        let relevant = events
            .iter()
            .any(|e| e.incident.is_alerts() || matches!(e.body, EventBody::AlertRoutesSet { .. }));
        if !relevant {
            return;
        }
        let mut inner = self.lock();
        for ev in events {
            if ev.incident.is_alerts() {
                inner.book.apply(ev);
            } else if ev.incident.is_workspace() {
                inner.workspace.apply(ev);
            }
        }
    }

    /// Why a responder's alert triage (or incident link) is refused, judged
    /// against the book as stored.
    pub fn refusal(&self, ev: &Event) -> Option<String> {
        match ev.body {
            EventBody::AlertGroupDismissed { .. }
            | EventBody::AlertGroupAttached { .. }
            | EventBody::AlertsLinked { .. } => self.lock().book.refusal(ev),
            _ => None,
        }
    }

    /// Sets the gauges /metrics reports.
    pub fn gauges(&self) {
        let inner = self.lock();
        let m = metrics();
        m.alert_groups_firing
            .set(inner.book.groups().filter(|g| g.is_firing()).count() as i64);
        m.alert_groups_in_inbox.set(inner.book.inbox().len() as i64);
        m.alerts_waiting.set(inner.pacer.waiting_alerts() as i64);
    }

    /// Queues a payload's news and waits until it is stored.
    pub async fn submit(
        &self,
        received: Received,
        sender: Arc<str>,
    ) -> Result<IntakeReply, Refusal> {
        let now = crate::clock::now_ms();
        let source = received.source.wire();
        let (reply, wait) = {
            let mut inner = self.lock();
            let inner = &mut *inner;
            let news = inner
                .book
                .news_beside(&received, |fp| inner.pacer.waiting(&received.group, fp));
            let reply = IntakeReply {
                group: received.group.clone(),
                received: received.alerts.len(),
                new: news.len(),
                duplicates: received.alerts.len() - news.len(),
                omitted: received.truncated,
            };
            if news.is_empty() && received.truncated == 0 {
                (reply, None)
            } else {
                let (ticket, _due) = match inner.pacer.add(&received, news, now) {
                    Ok(t) => t,
                    Err(Full) => return Err(Refusal::Busy),
                };
                let (tx, rx) = oneshot::channel();
                inner
                    .waiters
                    .entry(received.group.clone())
                    .or_default()
                    .push((ticket, tx));
                inner.senders.insert(received.group.clone(), sender);
                (reply, Some(rx))
            }
        };
        let m = metrics();
        m.alerts
            .with_label_values(&[source, "new"])
            .inc_by(reply.new as u64);
        m.alerts
            .with_label_values(&[source, "duplicate"])
            .inc_by(reply.duplicates as u64);
        m.alerts
            .with_label_values(&[source, "omitted"])
            .inc_by(reply.omitted);
        let Some(rx) = wait else {
            return Ok(reply);
        };
        self.wake.notify_one();
        match tokio::time::timeout(STORE_TIMEOUT, rx).await {
            Ok(Ok(Ok(()))) => Ok(reply),
            Ok(Ok(Err(e))) => Err(Refusal::NotStored(e)),
            Ok(Err(_)) => Err(Refusal::NotStored("the alert desk stopped".into())),
            Err(_) => Err(Refusal::NotStored(
                "not stored within 20 s; the server is overloaded".into(),
            )),
        }
    }

    /// Runs the writer until the server stops: sleeps until a group is due
    /// (or news arrives), then stores every due group in one commit.
    pub fn spawn(&self, mut stop: watch::Receiver<bool>) {
        let desk = self.clone();
        tokio::spawn(async move {
            loop {
                let now = crate::clock::now_ms();
                let next = desk.lock().pacer.next_due();
                let sleep = match next {
                    Some(at) if at <= now => {
                        desk.flush(now).await;
                        continue;
                    }
                    Some(at) => std::time::Duration::from_millis((at - now) as u64),
                    None => std::time::Duration::from_secs(3600),
                };
                tokio::select! {
                    _ = tokio::time::sleep(sleep) => {}
                    _ = desk.wake.notified() => {}
                    _ = stop.changed() => {
                        if *stop.borrow() {
                            return;
                        }
                    }
                }
            }
        });
    }

    /// Stores every group due at `now` and answers the POSTs they carry.
    async fn flush(&self, now: i64) {
        let (events, done) = {
            let mut inner = self.lock();
            let inner = &mut *inner;
            let batches = inner.pacer.take_due(now);
            let mut events = Vec::new();
            let mut done = Vec::new();
            for batch in batches {
                inner.counter += 1;
                let unique = format!("{now}-{}", inner.counter);
                let sender = inner
                    .senders
                    .get(&batch.group)
                    .cloned()
                    .unwrap_or_else(|| Arc::from("sitrep-server"));
                events.extend(flush::events(
                    &inner.book,
                    &inner.workspace,
                    &batch,
                    &sender,
                    now,
                    &unique,
                ));
                // Every POST whose alerts are now all in a batch.
                if let Some(waiting) = inner.waiters.get_mut(&batch.group) {
                    let (ready, rest): (Vec<_>, Vec<_>) =
                        waiting.drain(..).partition(|(t, _)| *t <= batch.through);
                    *waiting = rest;
                    done.extend(ready.into_iter().map(|(_, tx)| tx));
                }
                // Nothing more of this group is on its way: forget it here
                // (the book remembers the group), so memory stays bounded.
                if inner.waiters.get(&batch.group).is_none_or(Vec::is_empty) {
                    inner.waiters.remove(&batch.group);
                    inner.senders.remove(&batch.group);
                }
            }
            (events, done)
        };
        if events.is_empty() {
            for tx in done {
                let _ = tx.send(Ok(()));
            }
            return;
        }
        // The feed takes them to the live streams and to this desk's book.
        let log = self.log.clone();
        let stored = tokio::task::spawn_blocking(move || log.append(events, |_| {})).await;
        let answer = match stored {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = &answer {
            eprintln!("sitrep-server: cannot store alerts: {e}");
        }
        for tx in done {
            let _ = tx.send(answer.clone());
        }
    }
}
