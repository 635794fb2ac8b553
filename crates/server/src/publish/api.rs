//! The publishing API: targets (listed to every signed-in account without
//! their secrets, changed by admins only) and the retry of a failed
//! delivery (communicators). Keys go in and never come back out.

use super::Relay;
use crate::accounts::Caller;
use crate::auth::Reader;
use crate::reply::{blocking_on, ApiError};
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sitrep_core::log::access::Role;
use sitrep_core::log::protocol::{
    PublishTarget, PublishTargetsReply, RetryDelivery, RetryReply, SavePublishTarget,
};
use sitrep_core::status_page::publishing::{
    self, check_target, TargetKind, TargetSpec, BANNER, EMAIL, WEBHOOKS,
};

fn unprocessable(why: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, why)
}

/// The body, or 400. The rejection text never quotes the body, so a key
/// cannot leak here.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

/// A target as anyone signed in may see it: never the key, only whether
/// one is stored.
fn view(t: &super::queue::Target) -> PublishTarget {
    PublishTarget {
        id: t.spec.id.clone(),
        name: t.spec.name.clone(),
        kind: t.spec.kind.wire().to_string(),
        configured: true,
        base_url: t.spec.base_url.clone(),
        page_id: t.spec.page_id.clone(),
        components: t.spec.components.clone(),
        key_set: !t.secret.is_empty(),
    }
}

/// The server's built-in channels, with how many subscribers each reaches.
fn builtins(
    smtp: bool,
    counts: [(super::channels::store::Kind, u64, u64); 2],
) -> Vec<PublishTarget> {
    let builtin = |id: &str, kind: TargetKind, name: String, configured: bool| PublishTarget {
        id: id.into(),
        name,
        kind: kind.wire().into(),
        configured,
        base_url: String::new(),
        page_id: String::new(),
        components: Default::default(),
        key_set: false,
    };
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    let (email, hooks) = (counts[0].1, counts[1].1);
    vec![
        builtin(
            EMAIL,
            TargetKind::Email,
            if smtp {
                format!(
                    "Email to subscribers ({email} confirmed subscriber{})",
                    plural(email)
                )
            } else {
                "Email to subscribers (no SMTP server configured)".into()
            },
            smtp,
        ),
        builtin(
            WEBHOOKS,
            TargetKind::Webhooks,
            format!(
                "Webhooks to subscribers ({hooks} confirmed webhook{})",
                plural(hooks)
            ),
            true,
        ),
        builtin(BANNER, TargetKind::Banner, "In-app banner".into(), true),
    ]
}

/// `GET /api/v1/publish/targets`: anyone who reads.
pub async fn list(
    State(state): State<AppState>,
    _reader: Reader,
) -> Result<Json<PublishTargetsReply>, ApiError> {
    let queue = state.relay.queue.clone();
    let store = state.relay.channels.store.clone();
    let smtp = state.relay.channels.mailer.is_some();
    let (targets, counts) = blocking_on(move || Ok((queue.targets()?, store.counts()?))).await?;
    let mut views = vec![view(&super::own_target())];
    views[0].key_set = false;
    views.extend(builtins(smtp, counts));
    views.extend(targets.iter().map(view));
    Ok(Json(PublishTargetsReply { targets: views }))
}

/// `PUT /api/v1/publish/targets/{id}`: admins.
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    b: Result<Json<SavePublishTarget>, JsonRejection>,
) -> Result<Json<PublishTarget>, ApiError> {
    caller.at_least(Role::Admin)?;
    let body = body(b)?;
    let kind = TargetKind::from_wire(&body.kind)
        .ok_or_else(|| unprocessable("kind must be statuspage or cachet"))?;
    let spec = TargetSpec {
        id: id.clone(),
        kind,
        name: body.name.trim().to_string(),
        base_url: body.base_url.trim().trim_end_matches('/').to_string(),
        page_id: body.page_id.trim().to_string(),
        components: body.components,
    };
    let key = body.key.trim().to_string();
    let queue = state.relay.queue.clone();
    let id2 = id.clone();
    let stored = blocking_on(move || queue.target(&id2)).await?;
    check_target(&spec, &key, stored.is_some()).map_err(unprocessable)?;
    let stored_url = stored.as_ref().map(|t| t.spec.base_url.as_str());
    if let Some(why) = publishing::key_needed_again(stored_url, &spec.base_url, &key) {
        return Err(unprocessable(why));
    }
    let queue = state.relay.queue.clone();
    let accounts = state.accounts.clone();
    let saved = blocking_on(move || {
        queue.save_target(&spec, &key, crate::clock::now_ms())?;
        // The audit names the target, never the key.
        if let Err(e) = accounts.audit(&caller.name, "publish_target_saved", &spec.id) {
            eprintln!("sitrep-server: cannot record a target change in the audit: {e}");
        }
        queue.target(&spec.id)
    })
    .await?;
    match saved {
        Some(t) => Ok(Json(view(&t))),
        None => Err(ApiError::not_found("the target vanished")),
    }
}

/// `DELETE /api/v1/publish/targets/{id}`: admins.
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.at_least(Role::Admin)?;
    if publishing::is_builtin(&id) {
        return Err(unprocessable(format!(
            "{id:?} is built in and cannot be removed"
        )));
    }
    let queue = state.relay.queue.clone();
    let accounts = state.accounts.clone();
    let id2 = id.clone();
    let removed = blocking_on(move || {
        let removed = queue.delete_target(&id2)?;
        if removed {
            if let Err(e) = accounts.audit(&caller.name, "publish_target_removed", &id2) {
                eprintln!("sitrep-server: cannot record a target change in the audit: {e}");
            }
        }
        Ok(removed)
    })
    .await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("no target {id:?}")))
    }
}

/// `POST /api/v1/publish/retry`: communicators. Queues a failed delivery
/// again; only a failed one: retrying a queued or sent delivery could
/// publish twice.
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    b: Result<Json<RetryDelivery>, JsonRejection>,
) -> Result<Response, ApiError> {
    caller.at_least(Role::Communicator)?;
    let body = body(b)?;
    let relay: Relay = state.relay.clone();
    let (update, target) = (body.update.clone(), body.target.clone());
    let by = caller.name.clone();
    let r = relay.clone();
    let accounts = state.accounts.clone();
    let done = blocking_on(move || {
        let job = r.retry(&update, &target, &by)?;
        let now = match &job {
            Some(_) => {
                let detail = format!("{update} {target}");
                if let Err(e) = accounts.audit(&by, "publish_retry", &detail) {
                    eprintln!("sitrep-server: cannot record a retry in the audit: {e}");
                }
                None
            }
            None if target == EMAIL || target == WEBHOOKS => r
                .channels
                .store
                .fanout(&update, &target)?
                .map(|f| super::queue::Job {
                    update: f.update,
                    target: f.channel,
                    incident: f.incident,
                    seq: f.seq,
                    // Nothing failed: every copy is sent or on its way.
                    stage: if f.reported == "sent" {
                        super::queue::Stage::Sent
                    } else {
                        super::queue::Stage::Queued
                    },
                    attempt: 0,
                    tries: 0,
                    next_at: 0,
                    error: String::new(),
                    reported: true,
                }),
            None => r.queue.job(&update, &target)?,
        };
        Ok((job, now))
    })
    .await?;
    match done {
        (Some(_), _) => Ok((
            StatusCode::ACCEPTED,
            Json(RetryReply {
                state: "queued".into(),
            }),
        )
            .into_response()),
        (None, Some(job)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "only a failed delivery can be retried; this one is {}",
                match job.stage {
                    super::queue::Stage::Queued => "queued",
                    super::queue::Stage::Sending => "being sent",
                    super::queue::Stage::Sent => "sent",
                    super::queue::Stage::Failed => "failed",
                }
            ),
        )),
        (None, None) => Err(ApiError::not_found(format!(
            "no delivery of update {:?} to target {:?}",
            body.update, body.target
        ))),
    }
}
