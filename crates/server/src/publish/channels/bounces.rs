//! `POST /api/v1/email/bounces`: where the mail system hands Sitrep a
//! bounce that came back to an email's envelope sender (Postfix `pipe(8)`
//! and curl, or anything that can POST the raw message). For a monitor
//! token or an admin, as the alert intake is for tools. The message is
//! read whole (at most `MAX_BOUNCE_BYTES`) and by core's
//! `comms::bounce` before anything is recorded: unreadable, or naming no
//! copy of ours, is a 422 with the reason and changes nothing.

use crate::accounts::Caller;
use crate::reply::{blocking_on, ApiError};
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use sitrep_core::comms::bounce;
use sitrep_core::log::protocol::BounceReply;

/// A bounce carries the returned message's headers, sometimes the whole
/// message: 1 MiB is plenty for a notification and bounds what is read.
pub const MAX_BOUNCE_BYTES: usize = 1024 * 1024;

/// The media types a raw message is posted as.
fn readable_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| matches!(m.as_str(), "message/rfc822" | "text/plain"))
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
    let bytes = match Limited::new(body, MAX_BOUNCE_BYTES).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the bounce is over {MAX_BOUNCE_BYTES} bytes"),
            ))
        }
        Err(e) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {e}"),
            ))
        }
    };
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
