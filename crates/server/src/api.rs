//! The HTTP API under `/api/v1`: append a batch, page through the log,
//! health, the change freeze. Every refusal is an `ApiError` JSON body, never plain text.

use crate::reply::{blocking, error, is_json, method_not_allowed, not_found, too_many};
use crate::{auth, stream, AppState};
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Deserialize;
use sitrep_core::comms::review;
use sitrep_core::log::access;
use sitrep_core::log::limits;
use sitrep_core::log::limits::{MAX_BATCH, MAX_BODY_BYTES};
use sitrep_core::log::protocol::{EventsPage, PostEvents, PostEventsReply};
use sitrep_core::{Event, IncidentId};
use tower_http::compression::CompressionLayer;

pub const DEFAULT_PAGE: usize = 500;
pub use crate::storage::MAX_PAGE;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/api/v1/events",
            // Compressed because a first sync pulls the whole log in pages.
            get(list_events)
                .post(post_events)
                .layer(CompressionLayer::new()),
        )
        .route("/api/v1/stream", get(stream::handler))
        .route("/api/v1/health", get(health))
        .route("/api/v1/freeze", get(crate::freeze::handler))
        .route("/api", any(not_found))
        .route("/api/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn post_events(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    // Who first: a stranger's body is not worth reading.
    let caller = match auth::authenticate(&state, &headers).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    if let Err(wait) = state.post_limiter.take(&caller.name) {
        return too_many(wait);
    }
    if !is_json(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json",
            None,
        );
    }
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is over {MAX_BODY_BYTES} bytes"),
            None,
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    // Our own limit rather than axum's DefaultBodyLimit, whose refusal is plain text.
    let bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {e}"),
                None,
            )
        }
    };
    let mut batch: PostEvents = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string(), None),
    };
    if batch.events.len() > MAX_BATCH {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} events in one batch; the limit is {MAX_BATCH}",
                batch.events.len()
            ),
            None,
        );
    }
    // All or nothing: one bad or forbidden event refuses the batch before
    // anything is written.
    let author: std::sync::Arc<str> = caller.name.as_str().into();
    let now = crate::clock::now_ms();
    for ev in &mut batch.events {
        if access::server_only(ev) {
            return error(
                StatusCode::FORBIDDEN,
                format!(
                    "{} events are written by sitrep-server only",
                    ev.body.kind()
                ),
                Some(ev.id.clone()),
            );
        }
        if !access::may_post(caller.role, ev) {
            let need = access::required_role(ev);
            return error(
                StatusCode::FORBIDDEN,
                format!(
                    "{} is a {}; this event needs the {need} role",
                    caller.name, caller.role
                ),
                Some(ev.id.clone()),
            );
        }
        // The author is whoever signed in, whatever the client wrote.
        ev.author = author.clone();
        if let Err(why) = limits::check(ev).and_then(|()| limits::times(ev, now)) {
            return error(StatusCode::UNPROCESSABLE_ENTITY, why, Some(ev.id.clone()));
        }
    }
    if batch.events.is_empty() {
        return Json(PostEventsReply { acks: Vec::new() }).into_response();
    }
    if let Err(resp) = refuse_unreviewed(&state, caller.role, &batch.events).await {
        return resp;
    }
    let accounts = state.accounts.clone();
    // The live streams, the upstream list and the publishing queue hear of
    // the new events through the log's feed (see `Server::new`).
    let acks = blocking(&state, move |log| {
        log.append(batch.events, move |stored| {
            // Settings changes (the workspace stream) go in the audit trail,
            // once each: only newly stored events get here.
            for ev in stored.iter().filter(|e| e.incident.is_workspace()) {
                let detail = format!("{} {}", ev.body.kind(), ev.id);
                if let Err(e) = accounts.audit(&caller.name, "settings_changed", &detail) {
                    eprintln!("sitrep-server: cannot record a settings change in the audit: {e}");
                }
            }
        })
    })
    .await;
    match acks {
        Ok(acks) => Json(PostEventsReply { acks }).into_response(),
        Err(resp) => resp,
    }
}

/// Review is checked against the log as the server holds it (settings and
/// the incident, plus the batch before the event): the console disables a
/// self-approval and a publish that skips review or leaves a failing check
/// unanswered, but a client that skips the console must be refused too,
/// even when draft and publish come in one batch. The rule and the fold are
/// core's `review::batch_refusal`; here the streams are read once per POST.
async fn refuse_unreviewed(
    state: &AppState,
    role: access::Role,
    events: &[Event],
) -> Result<(), Response> {
    let streams = review::streams_to_review(events);
    if streams.is_empty() {
        return Ok(());
    }
    let batch = events.to_vec();
    let refusal = blocking(state, move |db| {
        let mut stored = db.stream_events(&IncidentId::workspace())?;
        for id in &streams {
            stored.extend(db.stream_events(id)?);
        }
        Ok(review::batch_refusal(&stored, &batch, Some(role)))
    })
    .await?;
    match refusal {
        Some((i, why)) => Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            why,
            Some(events[i].id.clone()),
        )),
        None => Ok(()),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    after: u64,
    limit: Option<usize>,
}

async fn list_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    // An incident log is sensitive: reading it needs an account too.
    if let Err(resp) = auth::authenticate(&state, &headers).await {
        return resp;
    }
    let Query(q) = match query {
        Ok(q) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text(), None),
    };
    let limit = q.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    match blocking(&state, move |log| log.page(q.after, limit)).await {
        Ok(page) => Json(EventsPage {
            events: page.events,
            head: page.head,
        })
        .into_response(),
        Err(resp) => resp,
    }
}

/// For balancers and monitors: the log's head as this replica reads it
/// (an answer at all means the database answers), which replica answered,
/// and whether it is the one doing the once-only work.
async fn health(State(state): State<AppState>) -> Response {
    let replica = state.cluster.replica().to_string();
    let leader = *state.cluster.leader().borrow();
    match blocking(&state, |log| log.head()).await {
        Ok(head) => Json(serde_json::json!({
            "ok": true, "head": head, "replica": replica, "leader": leader
        }))
        .into_response(),
        Err(resp) => resp,
    }
}
