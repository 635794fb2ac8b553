//! `POST /api/v1/email/bounces`: where the mail system hands Sitrep a
//! bounce that came back to an email's envelope sender (Postfix `pipe(8)`
//! and curl, or anything that can POST the raw message). For a monitor
//! token or an admin, as the alert intake is for tools. The message is
//! read whole (at most `MAX_BOUNCE_BYTES`) and by core's
//! `comms::bounce` before anything is recorded: unreadable, or naming no
//! copy of ours, is a 422 with the reason and changes nothing.

use crate::accounts::Caller;
use crate::reply::{self, blocking_on, ApiError};
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use sitrep_core::comms::bounce;
use sitrep_core::log::protocol::BounceReply;

/// A bounce carries the returned message's headers, sometimes the whole
/// message: 1 MiB is plenty for a notification and bounds what is read.
pub const MAX_BOUNCE_BYTES: usize = 1024 * 1024;

/// The media types a raw message is posted as.
fn readable_type(headers: &HeaderMap) -> bool {
    matches!(
        reply::media_type(headers).as_deref(),
        Some("message/rfc822" | "text/plain")
    )
}

pub async fn take(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BounceReply>, ApiError> {
    if !caller.role.hands_in_bounces() {
        return Err(caller.forbidden(
            "bounces are handed in with the token of a monitor account (sitrep-server account create --role monitor) or an admin",
        ));
    }
    if !readable_type(&headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected the bounce as it came, with Content-Type: message/rfc822 (or text/plain)",
        ));
    }
    let bytes = reply::read_limited(body, MAX_BOUNCE_BYTES, "the bounce").await?;
    let dsn = bounce::parse(&bytes)
        .map_err(|why| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, why.0))?;
    let channels = state.relay.channels.clone();
    let found = blocking_on(move || channels.bounce(&dsn)).await?;
    match found {
        Some(reply) => Ok(Json(reply)),
        None => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the bounce's token names no email Sitrep sent (from another server, or made up)",
        )),
    }
}
