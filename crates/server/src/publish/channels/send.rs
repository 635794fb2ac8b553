//! Sending one copy: an email or a subscriber webhook prepared from the
//! stored fan-out job, sent, and its outcome recorded (the delivery half
//! of `Channels`; the queue and its rounds are in the parent).

use super::mailer::Sent;
use super::store::{Job, Kind, Stage, Subscriber, CONFIRM};
use super::Channels;
use crate::storage::DbError;
use crate::webhook_post::{self, GuardedClient, Post};
use sitrep_core::comms::email::{self, Links};
use sitrep_core::comms::{CustomerUpdate, Phase};
use sitrep_core::status_page::publishing::{Verdict, EMAIL, WEBHOOKS};
use sitrep_core::webhook::subscriber as payload;
use sitrep_core::{EventId, Incident};
use std::sync::Arc;
use std::time::Duration;

impl Channels {
    pub(super) async fn attempt(&self, job: Job, client: &GuardedClient, random: f64) {
        if let Err(e) = self.try_attempt(job, client, random).await {
            eprintln!("sitrep-server: a subscriber delivery could not be recorded: {e}");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn try_attempt(
        &self,
        job: Job,
        client: &GuardedClient,
        random: f64,
    ) -> Result<(), DbError> {
        let this = self.clone();
        let j = job.clone();
        let prepared = tokio::task::spawn_blocking(move || this.prepare(&j))
            .await
            .map_err(|e| DbError::Other(e.to_string()))??;
        let now = crate::clock::now_ms();
        let outcome = match prepared {
            Prepared::Drop(why) => Err((Stage::Failed, why)),
            Prepared::Mail(to, mail) => {
                let Some(mailer) = self.mailer.clone() else {
                    return self
                        .finish(
                            job,
                            Stage::Failed,
                            "no SMTP server is configured (sitrep-server --smtp)".into(),
                            0,
                        )
                        .await;
                };
                let this = self.clone();
                let j = job.clone();
                let started = tokio::task::spawn_blocking(move || this.store.start(&j))
                    .await
                    .map_err(|e| DbError::Other(e.to_string()))??;
                // Moved on by another worker meanwhile: nothing to send.
                let Some(job) = started else { return Ok(()) };
                // The copy's own envelope sender, so a bounce mailed back
                // later names it (kept across attempts).
                let this = self.clone();
                let j = job.clone();
                let token = tokio::task::spawn_blocking(move || {
                    this.store.bounce_token(&j, &fresh_bounce_token())
                })
                .await
                .map_err(|e| DbError::Other(e.to_string()))??;
                let return_path = mailer.return_path(&token);
                let sent = mailer.send(&to, &mail, return_path.as_deref()).await;
                // Paced: the next message waits its turn (`--smtp-rate`).
                tokio::time::sleep(mailer.pace()).await;
                match sent {
                    Sent::Accepted => Ok(job),
                    Sent::Refused { words } => Err((Stage::Failed, words)),
                    Sent::Later { words, .. } => {
                        match self.policy.decide(
                            job.tries,
                            &sitrep_core::status_page::publishing::Reply::CannotConnect(
                                words.clone(),
                            ),
                            random,
                        ) {
                            Verdict::Retry { after_ms, .. } => {
                                return self
                                    .finish(
                                        job,
                                        Stage::Queued,
                                        format!(
                                            "{words}; trying again in {} s",
                                            after_ms.div_ceil(1000)
                                        ),
                                        now + after_ms as i64,
                                    )
                                    .await;
                            }
                            Verdict::Failed(why) => Err((Stage::Failed, why)),
                            Verdict::Sent => Ok(job),
                        }
                    }
                }
            }
            Prepared::Hook(url, body, secret, delivery) => {
                let this = self.clone();
                let j = job.clone();
                let started = tokio::task::spawn_blocking(move || this.store.start(&j))
                    .await
                    .map_err(|e| DbError::Other(e.to_string()))??;
                let Some(job) = started else { return Ok(()) };
                let (result, _answer) = webhook_post::post(
                    client,
                    Post {
                        url: &url,
                        body: &body,
                        secret: &secret,
                        delivery: &delivery,
                        event: "incident.update",
                        public_only: !self.settings.allow_private_webhooks,
                    },
                    self.timeout,
                )
                .await;
                match result {
                    Ok(()) => Ok(job),
                    Err(reply) => match self.policy.decide(job.tries, &reply, random) {
                        Verdict::Sent => Ok(job),
                        Verdict::Failed(why) => Err((Stage::Failed, why)),
                        Verdict::Retry { after_ms, reason } => {
                            return self
                                .finish(
                                    job,
                                    Stage::Queued,
                                    format!(
                                        "{reason}; trying again in {} s",
                                        after_ms.div_ceil(1000)
                                    ),
                                    now + after_ms as i64,
                                )
                                .await;
                        }
                    },
                }
            }
        };
        match outcome {
            Ok(job) => self.finish(job, Stage::Sent, String::new(), 0).await,
            Err((stage, why)) => self.finish(job, stage, why, 0).await,
        }
    }

    async fn finish(
        &self,
        job: Job,
        stage: Stage,
        error: String,
        next_at: i64,
    ) -> Result<(), DbError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            this.store
                .finish(&job, stage, &error, next_at, crate::clock::now_ms())?;
            if job.channel != CONFIRM {
                this.settle(&job.update, &job.channel)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| DbError::Other(e.to_string()))?
    }

    /// What one copy is: a message to an address, a POST to a URL, or
    /// nothing any more (and why).
    fn prepare(&self, job: &Job) -> Result<Prepared, DbError> {
        let Some(sub) = self.store.subscriber(job.subscriber)? else {
            return Ok(Prepared::Drop("the subscriber is gone".into()));
        };
        let base = self.page().url.trim_end_matches('/').to_string();
        let unsubscribe = format!("{base}/status/unsubscribe?token={}", sub.unsubscribe_token);
        let domain = self
            .mailer
            .as_ref()
            .map(|m| email::domain_of(&m.settings.from))
            .unwrap_or_else(|| "sitrep.invalid".into());
        if job.channel == CONFIRM {
            if sub.confirmed_at.is_some() || sub.unsubscribed_at.is_some() {
                return Ok(Prepared::Drop("already confirmed or unsubscribed".into()));
            }
            let n = job
                .update
                .trim_start_matches("confirm-")
                .parse::<u32>()
                .unwrap_or(0);
            let link = format!(
                "{base}/status/subscribe/confirm?token={}",
                sub.confirm_token
            );
            let what = self.describe(&sub)?;
            let mail = email::confirm_mail(&self.page().name, &what, &link, sub.id, n, &domain);
            return Ok(Prepared::Mail(sub.email.clone(), mail));
        }
        if !sub.active() {
            return Ok(Prepared::Drop("unsubscribed before it was sent".into()));
        }
        let Some(inc) = self.incident_of(job)? else {
            return Ok(Prepared::Drop("the update is not in the log".into()));
        };
        let Some(update) = inc
            .update(&EventId(Arc::from(job.update.as_str())))
            .cloned()
        else {
            return Ok(Prepared::Drop("the update is not in the log".into()));
        };
        let snap = self.public.current(&*self.log)?;
        let incident_link = snap
            .state
            .shown
            .get(&*inc.id.0)
            .map(|s| format!("{base}/status/incidents/{}", s.code))
            .unwrap_or_else(|| format!("{base}/status"));
        if job.channel == EMAIL {
            let links = Links {
                incident: incident_link,
                page: format!("{base}/status"),
                unsubscribe,
            };
            let mail = email::update_mail(&self.page().name, &update, sub.id, &domain, &links);
            return Ok(Prepared::Mail(sub.email.clone(), mail));
        }
        let body = self.webhook_body(&snap.state, &inc, &update, &unsubscribe)?;
        let Some(body) = body else {
            return Ok(Prepared::Drop(
                "the update cannot be shown as a page update".into(),
            ));
        };
        Ok(Prepared::Hook(
            sub.url.clone(),
            serde_json::to_vec(&body).unwrap_or_default(),
            sub.secret.clone(),
            format!("{}/{}", job.update, job.subscriber),
        ))
    }

    fn incident_of(&self, job: &Job) -> Result<Option<Incident>, DbError> {
        let Some(f) = self.store.fanout(&job.update, &job.channel)? else {
            return Ok(None);
        };
        self.incident(&f.incident)
    }

    /// The Statuspage-format body: the incident as the page shows it, or,
    /// for an update sent to webhooks but not to the page, as the page
    /// would show it.
    fn webhook_body(
        &self,
        page: &sitrep_core::status_page::public_page::PublicState,
        inc: &Incident,
        update: &CustomerUpdate,
        unsubscribe: &str,
    ) -> Result<Option<serde_json::Value>, DbError> {
        let mut as_shown = inc.clone();
        for u in &mut as_shown.updates {
            if u.targets.iter().any(|t| t == WEBHOOKS)
                && !u.targets.iter().any(|t| t == super::super::OWN)
            {
                u.targets.push(super::super::OWN.into());
            }
        }
        let state = self.public.with_folded(&*self.log, |f| {
            sitrep_core::status_page::public_page::build(
                [&as_shown],
                &f.workspace,
                &f.times,
                self.page(),
                crate::clock::now_ms(),
            )
        })?;
        let mut body = if update.phase == Phase::Postmortem {
            payload::postmortem_body(&state, &inc.id.0, unsubscribe)
        } else {
            payload::incident_body(&state, &inc.id.0, &update.id.0, unsubscribe)
        };
        // The page's overall status is the whole page's, not this incident's.
        if let Some(serde_json::Value::Object(o)) = body.as_mut().and_then(|b| b.get_mut("page")) {
            o.insert(
                "status_indicator".into(),
                page.status.indicator.as_str().into(),
            );
            o.insert(
                "status_description".into(),
                page.status.description.clone().into(),
            );
        }
        Ok(body)
    }

    /// "email updates about Public API and Website", for confirmations.
    fn describe(&self, sub: &Subscriber) -> Result<String, DbError> {
        let what = match sub.kind {
            Kind::Email => "email updates".to_string(),
            Kind::Webhook => format!("webhook updates to {}", sub.url),
        };
        if sub.components.is_empty() {
            return Ok(format!("{what} about every component"));
        }
        let snap = self.public.current(&*self.log)?;
        let names: Vec<String> = sub
            .components
            .iter()
            .map(|c| {
                snap.state
                    .components
                    .iter()
                    .find(|x| x.id == *c)
                    .map_or_else(|| c.clone(), |x| x.name.clone())
            })
            .collect();
        Ok(format!(
            "{what} about {}",
            sitrep_core::comms::template::join_names(&names)
        ))
    }
}

/// 130 random bits as a bounce token (core `comms::bounce`).
fn fresh_bounce_token() -> String {
    let mut bytes = [0u8; 17];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    sitrep_core::comms::bounce::token_from(&bytes)
}

enum Prepared {
    Mail(String, email::Mail),
    /// URL, body, signing secret, delivery id.
    Hook(String, Vec<u8>, String, String),
    Drop(String),
}
