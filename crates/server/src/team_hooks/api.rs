//! The admins' API over the team's webhooks: list them with their latest
//! delivery, add or change one (its signing secret is shown once, when it
//! is made, and again only when rotated), remove one, read a hook's
//! deliveries with each receiver's answer, and retry a failed delivery.
//! Every change is in the audit trail; no answer ever carries a secret
//! except those two.

use super::store::Hook;
use crate::accounts::Caller;
use crate::reply::{blocking_on, ApiError};
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sitrep_core::log::access::Role;
use sitrep_core::log::admin::{
    HookDeliveriesParams, HookDeliveriesReply, SaveTeamHook, SavedTeamHook, TeamHook,
    TeamHooksReply,
};
use sitrep_core::log::protocol::RetryReply;
use sitrep_core::webhook::signing;
use sitrep_core::webhook::team::{check_hook, HookFormat};

fn view(h: &Hook) -> TeamHook {
    TeamHook {
        id: h.id.clone(),
        name: h.name.clone(),
        url: h.url.clone(),
        format: h.format.clone(),
        events: h.events.clone(),
        created_at: h.created_at,
        updated_at: h.updated_at,
        last: None,
    }
}

/// Records a change in the audit trail (blocking: call it off the async
/// workers); a failure is logged, the change stands.
fn audit(accounts: &crate::accounts::Accounts, actor: &str, action: &str, detail: &str) {
    if let Err(e) = accounts.audit(actor, action, detail) {
        eprintln!("sitrep-server: cannot record {action} in the audit: {e}");
    }
}

fn new_secret() -> String {
    let mut bytes = [0u8; signing::SECRET_BYTES];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}{hex}", signing::SECRET_PREFIX)
}

fn unprocessable(why: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, why)
}

fn no_hook(id: &str) -> ApiError {
    ApiError::not_found(format!("no hook {id:?}"))
}

/// `GET /api/v1/hooks`: every hook with its latest delivery.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TeamHooksReply>, ApiError> {
    caller.at_least(Role::Admin)?;
    let store = state.hooks.store.clone();
    let hooks = blocking_on(move || {
        let mut out = Vec::new();
        for h in store.hooks()? {
            let mut v = view(&h);
            v.last = store.deliveries(&h.id, 1)?.into_iter().next();
            out.push(v);
        }
        Ok(out)
    })
    .await?;
    Ok(Json(TeamHooksReply { hooks }))
}

/// `PUT /api/v1/hooks/{id}`: adds (201, with the secret) or changes one.
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    b: Result<Json<SaveTeamHook>, JsonRejection>,
) -> Result<Response, ApiError> {
    caller.at_least(Role::Admin)?;
    let Json(body) = b.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let events = super::known_events(&body.events).map_err(unprocessable)?;
    if HookFormat::from_wire(&body.format).is_none() {
        return Err(unprocessable("format must be generic or slack"));
    }
    check_hook(&id, &body.name, &body.url, &events).map_err(unprocessable)?;
    let (store, log) = (state.hooks.store.clone(), state.log.clone());
    let (accounts, actor) = (state.accounts.clone(), caller.name.clone());
    let secret = new_secret();
    let wires: Vec<String> = events.iter().map(|e| e.wire().to_string()).collect();
    let (created, hook, secret) = blocking_on(move || {
        let head = log.head()?;
        let created = store.save(
            &id,
            body.name.trim(),
            body.url.trim(),
            &body.format,
            &wires,
            &secret,
            head,
            crate::clock::now_ms(),
        )?;
        audit(&accounts, &actor, "hook_saved", &id);
        Ok((created, store.hook(&id)?, secret))
    })
    .await?;
    let h = hook.ok_or_else(|| ApiError::not_found("the hook vanished"))?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let reply = SavedTeamHook {
        hook: view(&h),
        secret: created.then_some(secret),
    };
    Ok((status, Json(reply)).into_response())
}

/// `POST /api/v1/hooks/{id}/secret`: a new signing secret, shown once.
pub async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SavedTeamHook>, ApiError> {
    caller.at_least(Role::Admin)?;
    let store = state.hooks.store.clone();
    let (accounts, actor) = (state.accounts.clone(), caller.name.clone());
    let secret = new_secret();
    let s = secret.clone();
    let i = id.clone();
    let done = blocking_on(move || {
        if !store.rotate(&i, &s, crate::clock::now_ms())? {
            return Ok(None);
        }
        audit(&accounts, &actor, "hook_secret_rotated", &i);
        store.hook(&i)
    })
    .await?;
    let h = done.ok_or_else(|| no_hook(&id))?;
    Ok(Json(SavedTeamHook {
        hook: view(&h),
        secret: Some(secret),
    }))
}

/// `DELETE /api/v1/hooks/{id}`.
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.at_least(Role::Admin)?;
    let store = state.hooks.store.clone();
    let (accounts, actor) = (state.accounts.clone(), caller.name.clone());
    let i = id.clone();
    let removed = blocking_on(move || {
        let removed = store.remove(&i)?;
        if removed {
            audit(&accounts, &actor, "hook_removed", &i);
        }
        Ok(removed)
    })
    .await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_hook(&id))
    }
}

/// `GET /api/v1/hooks/{id}/deliveries?limit=`: newest first.
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    q: Result<Query<HookDeliveriesParams>, QueryRejection>,
) -> Result<Json<HookDeliveriesReply>, ApiError> {
    caller.at_least(Role::Admin)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let store = state.hooks.store.clone();
    let i = id.clone();
    match blocking_on(move || Ok((store.hook(&i)?, store.deliveries(&i, limit)?))).await? {
        (Some(_), deliveries) => Ok(Json(HookDeliveriesReply { deliveries })),
        (None, _) => Err(no_hook(&id)),
    }
}

/// `POST /api/v1/hooks/{id}/deliveries/{event}/retry`: a failed one only.
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, event)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.at_least(Role::Admin)?;
    let hooks = state.hooks.clone();
    let (accounts, actor) = (state.accounts.clone(), caller.name.clone());
    let (i, e) = (id.clone(), event.clone());
    let queued = blocking_on(move || {
        let queued = hooks.store.retry(&i, &e, crate::clock::now_ms())?;
        if queued {
            // Signalling blocks (on PostgreSQL it is a NOTIFY).
            hooks.wake_everywhere();
            audit(&accounts, &actor, "hook_retry", &format!("{i} {e}"));
        }
        Ok(queued)
    })
    .await?;
    if queued {
        let reply = RetryReply {
            state: "queued".into(),
        };
        Ok((StatusCode::ACCEPTED, Json(reply)).into_response())
    } else {
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "only a failed delivery can be retried (or there is no such delivery)",
        ))
    }
}
