//! The log's HTTP API under `/api/v1`: append a batch, page through the
//! log, health. Every refusal is an `ApiError` JSON body, never plain text.

use crate::accounts::Caller;
use crate::auth::Reader;
use crate::metrics::metrics;
use crate::reply::{blocking, expect_json, ApiError};
use crate::AppState;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use sitrep_core::comms::review;
use sitrep_core::log::access;
use sitrep_core::log::limits;
use sitrep_core::log::limits::{MAX_BATCH, MAX_BODY_BYTES};
use sitrep_core::log::protocol::{EventsPage, EventsParams, Health, PostEvents, PostEventsReply};
use sitrep_core::Event;

pub const DEFAULT_PAGE: usize = 500;
pub use crate::storage::MAX_PAGE;

/// Counts refused POSTs by status for /metrics (a layer on the route, so
/// the refusals of the extractors before the handler count too).
pub async fn count_refused(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status().is_client_error() {
        metrics()
            .events_refused
            .with_label_values(&[resp.status().as_str()])
            .inc();
    }
    resp
}

/// `POST /api/v1/events`. The door (`overload::shed`) has let it in and
/// the caller is signed in; then, in the order docs/protocol.md lists the
/// refusals: the account's rate, the body, every event's role and limits
/// (all or nothing), the door's allowance of waiting events, review.
pub async fn post_events(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PostEventsReply>, ApiError> {
    state
        .post_limiter
        .take(&caller.name)
        .map_err(ApiError::too_many)?;
    expect_json(&headers)?;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is over {MAX_BODY_BYTES} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    // Our own limit rather than axum's DefaultBodyLimit, whose refusal is plain text.
    let bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large()),
        Err(e) => return Err(ApiError::bad_request(format!("cannot read the body: {e}"))),
    };
    let mut batch: PostEvents =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_request(e.to_string()))?;
    if batch.events.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} events in one batch; the limit is {MAX_BATCH}",
                batch.events.len()
            ),
        ));
    }
    // All or nothing: one bad or forbidden event refuses the batch before
    // anything is written.
    let author: std::sync::Arc<str> = caller.name.as_str().into();
    let now = crate::clock::now_ms();
    for ev in &mut batch.events {
        if access::server_only(ev) {
            return Err(ApiError::forbidden(format!(
                "{} events are written by sitrep-server only",
                ev.body.kind()
            ))
            .about(ev.id.clone()));
        }
        if !access::may_post(caller.role, ev) {
            let need = access::required_role(ev);
            return Err(ApiError::forbidden(format!(
                "{} is a {}; this event needs the {need} role",
                caller.name, caller.role
            ))
            .about(ev.id.clone()));
        }
        // The author is whoever signed in, whatever the client wrote.
        ev.author = author.clone();
        if let Err(why) = limits::check(ev).and_then(|()| limits::times(ev, now)) {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, why).about(ev.id.clone()));
        }
    }
    if batch.events.is_empty() {
        return Ok(Json(PostEventsReply { acks: Vec::new() }));
    }
    let _admitted = state.door.enter(batch.events.len())?;
    refuse_unreviewed(&state, caller.role, &batch.events).await?;
    crate::freeze::refuse_unexplained_maintenance(&state, &batch.events).await?;
    // Triage of the alert inbox is judged against the inbox as stored.
    for ev in &batch.events {
        if let Some(why) = state.alerts.refusal(ev) {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, why).about(ev.id.clone()));
        }
    }
    let accounts = state.accounts.clone();
    // The live streams, the review folds, the upstream list and the
    // publishing queue hear of the new events through the log's feed
    // (see `Server::new`).
    let acks = blocking(&state, move |log| {
        log.append(batch.events, move |stored| {
            metrics().events_accepted.inc_by(stored.len() as u64);
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
    .await?;
    Ok(Json(PostEventsReply { acks }))
}

/// Review is checked against the log as the server holds it (settings and
/// the incident, plus the batch before the event): the console disables a
/// self-approval and a publish that skips review or leaves a failing check
/// unanswered, but a client that skips the console must be refused too,
/// even when draft and publish come in one batch. The rule is core's
/// `review::batch_refusal`; the folds it reads are kept current between
/// POSTs (`reviews`), so the check costs what the batch holds.
async fn refuse_unreviewed(
    state: &AppState,
    role: access::Role,
    events: &[Event],
) -> Result<(), ApiError> {
    if review::streams_to_review(events).is_empty() {
        return Ok(());
    }
    let batch = events.to_vec();
    let reviews = state.reviews.clone();
    match blocking(state, move |log| reviews.refusal(log, &batch, role)).await? {
        Some((i, why)) => {
            Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, why).about(events[i].id.clone()))
        }
        None => Ok(()),
    }
}

/// `GET /api/v1/events?after=&limit=`. An incident log is sensitive:
/// reading it needs an account that reads.
pub async fn list_events(
    State(state): State<AppState>,
    _reader: Reader,
    query: Result<Query<EventsParams>, QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let page = blocking(&state, move |log| log.page(q.after, limit)).await?;
    Ok(Json(EventsPage {
        events: page.events,
        head: page.head,
        log: Some(state.log_id.to_string()),
    }))
}

/// For balancers and monitors: the log's head as this replica reads it
/// (an answer at all means the database answers), which replica answered,
/// and whether it is the one doing the once-only work. No account needed.
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let replica = state.cluster.replica().to_string();
    let leader = *state.cluster.leader().borrow();
    let head = blocking(&state, |log| log.head()).await?;
    Ok(Json(Health {
        head,
        leader,
        ok: true,
        replica,
    }))
}
