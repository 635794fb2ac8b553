//! How every handler answers when it does not succeed: an `ApiError`, which
//! becomes the wire's JSON error body with the right status (and
//! Retry-After where waiting helps), so handlers return
//! `Result<_, ApiError>` and use `?`; and running database work off the
//! async workers with failures mapped to a 500 (or a 503). Below every
//! handler module, so none of them imports another for these.

use crate::storage::{DbError, EventStore};
use crate::AppState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sitrep_core::log::protocol;
use sitrep_core::EventId;

/// A refusal or a failure, as the API answers it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: protocol::ApiError,
    /// Seconds a client should wait before trying again.
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: protocol::ApiError {
                error: message.into(),
                id: None,
            },
            retry_after: None,
        }
    }

    /// The refusal concerns this event (403, 422).
    pub fn about(mut self, id: EventId) -> ApiError {
        self.body.id = Some(id);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign in first (no valid session or token)",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 500; the cause goes to the server's log, not to the client.
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        eprintln!("sitrep-server: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; see the server log",
        )
    }

    /// 429 with Retry-After in whole seconds (at least 1).
    pub fn too_many(wait: std::time::Duration) -> ApiError {
        let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many requests; try again in {secs} s"),
        )
        .retry_after(secs)
    }

    /// 503 with Retry-After: the server is busy with others' work (password
    /// hashes, deliveries behind), not refusing this caller.
    pub fn busy(why: impl Into<String>, retry_after_secs: u64) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, why).retry_after(retry_after_secs)
    }

    fn retry_after(mut self, secs: u64) -> ApiError {
        self.retry_after = Some(secs.max(1));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// A storage failure as an answer: 503 with Retry-After while the
/// database cannot be reached (a client's outbox keeps the edit and tries
/// again), 500 for anything else.
impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        if e.is_unavailable() {
            eprintln!("sitrep-server: {e}");
            ApiError::busy("the database is unavailable; try again shortly", 1)
        } else {
            ApiError::internal(e)
        }
    }
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
}

/// Runs blocking work (the database) on the blocking pool, mapping
/// failures to a 500 (or 503, see `From<DbError>`).
pub async fn blocking_on<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DbError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.into()),
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// Runs log work on the blocking pool: database calls (and fsync) must not
/// stall the async workers that drive every other connection.
pub async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn EventStore) -> Result<T, DbError> + Send + 'static,
) -> Result<T, ApiError> {
    let log = state.log.clone();
    blocking_on(move || f(&*log)).await
}

/// The body's declared media type, without parameters (charset…),
/// lower-cased; None when there is no readable Content-Type.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
}

/// True when the body is declared JSON (parameters such as charset allowed).
pub fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers).as_deref() == Some("application/json")
}

/// Reads a request body whole, but never more than `max` bytes: past that
/// 413 ("`what` is over `max` bytes"), a body that breaks off 400.
pub async fn read_limited(
    body: axum::body::Body,
    max: usize,
    what: &str,
) -> Result<axum::body::Bytes, ApiError> {
    use http_body_util::{BodyExt, LengthLimitError, Limited};
    match Limited::new(body, max).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("{what} is over {max} bytes"),
        )),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("cannot read the body: {e}"),
        )),
    }
}

/// Refuses a body that is not declared JSON (415).
pub fn expect_json(headers: &HeaderMap) -> Result<(), ApiError> {
    if is_json(headers) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json",
        ))
    }
}
