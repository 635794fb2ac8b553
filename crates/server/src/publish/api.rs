//! The publishing API: targets (listed to every signed-in account without
//! their secrets, changed by admins only) and the retry of a failed
//! delivery (communicators). Keys go in and never come back out.

use super::Relay;
use crate::reply::{blocking_on, error};
use crate::{auth, AppState};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use sitrep_core::log::access::Role;
use sitrep_core::log::protocol::{
    PublishTarget, PublishTargetsReply, RetryDelivery, RetryReply, SavePublishTarget,
};
use sitrep_core::status_page::publishing::{self, check_target, TargetKind, TargetSpec, OWN};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/publish/targets", get(list))
        .route("/api/v1/publish/targets/{id}", put(save).delete(remove))
        .route("/api/v1/publish/retry", post(retry))
        .with_state(state)
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

async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(resp) = auth::authenticate(&state, &headers).await {
        return resp;
    }
    let queue = state.relay.queue.clone();
    match blocking_on(move || queue.targets()).await {
        Ok(targets) => {
            let mut views = vec![view(&super::own_target())];
            views[0].key_set = false;
            views.extend(targets.iter().map(view));
            Json(PublishTargetsReply { targets: views }).into_response()
        }
        Err(resp) => resp,
    }
}

async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<SavePublishTarget>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let caller = match auth::require(&state, &headers, Role::Admin).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    // The rejection text never quotes the body, so a key cannot leak here.
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text(), None),
    };
    let Some(kind) = TargetKind::from_wire(&body.kind) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "kind must be statuspage or cachet",
            None,
        );
    };
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
    let stored = match blocking_on(move || queue.target(&id2)).await {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let had = stored.is_some();
    if let Err(why) = check_target(&spec, &key, had) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, why, None);
    }
    let stored_url = stored.as_ref().map(|t| t.spec.base_url.as_str());
    if let Some(why) = publishing::key_needed_again(stored_url, &spec.base_url, &key) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, why, None);
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
    .await;
    match saved {
        Ok(Some(t)) => Json(view(&t)).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "the target vanished", None),
        Err(resp) => resp,
    }
}

async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let caller = match auth::require(&state, &headers, Role::Admin).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    if id == OWN {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the own status page is built in and cannot be removed",
            None,
        );
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
    .await;
    match removed {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => error(StatusCode::NOT_FOUND, format!("no target {id:?}"), None),
        Err(resp) => resp,
    }
}

/// Queues a failed delivery again. Only a failed one: retrying a queued or
/// sent delivery could publish twice.
async fn retry(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<RetryDelivery>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let caller = match auth::require(&state, &headers, Role::Communicator).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text(), None),
    };
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
            None => r.queue.job(&update, &target)?,
        };
        Ok((job, now))
    })
    .await;
    match done {
        Ok((Some(_), _)) => (
            StatusCode::ACCEPTED,
            Json(RetryReply {
                state: "queued".into(),
            }),
        )
            .into_response(),
        Ok((None, Some(job))) => error(
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
            None,
        ),
        Ok((None, None)) => error(
            StatusCode::NOT_FOUND,
            format!(
                "no delivery of update {:?} to target {:?}",
                body.update, body.target
            ),
            None,
        ),
        Err(resp) => resp,
    }
}
