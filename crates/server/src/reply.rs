//! How every handler answers when it does not succeed: an `ApiError` JSON
//! body with the right status (and Retry-After where it helps), and running
//! SQLite work off the async workers with failures mapped to a 500. Below
//! every handler module, so none of them imports another for these.

use crate::AppState;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sitrep_core::log::protocol::ApiError;
use sitrep_core::EventId;

pub fn error(status: StatusCode, message: impl Into<String>, id: Option<EventId>) -> Response {
    let body = ApiError {
        error: message.into(),
        id,
    };
    (status, Json(body)).into_response()
}

pub async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such endpoint", None)
}

pub async fn method_not_allowed() -> Response {
    error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed", None)
}

pub fn internal(e: impl std::fmt::Display) -> Response {
    eprintln!("sitrep-server: {e}");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; see the server log",
        None,
    )
}

/// 429 with Retry-After in whole seconds (at least 1).
pub fn too_many(wait: std::time::Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    let mut resp = error(
        StatusCode::TOO_MANY_REQUESTS,
        format!("too many requests; try again in {secs} s"),
        None,
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
    resp
}

/// 503 with Retry-After: the server is busy with others' work (password
/// hashes), not refusing this caller.
pub fn busy(why: &str, retry_after_secs: u64) -> Response {
    let mut resp = error(StatusCode::SERVICE_UNAVAILABLE, why, None);
    resp.headers_mut().insert(
        header::RETRY_AFTER,
        axum::http::HeaderValue::from(retry_after_secs.max(1)),
    );
    resp
}

/// Runs blocking work (SQLite) on the blocking pool, mapping failures to a 500.
pub async fn blocking_on<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::sqlite::DbError> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(internal(e)),
        Err(e) => Err(internal(e)),
    }
}

/// Runs log work on the blocking pool: SQLite calls (and fsync) must not
/// stall the async workers that drive every other connection.
pub async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&crate::sqlite::EventLog) -> Result<T, crate::sqlite::DbError> + Send + 'static,
) -> Result<T, Response> {
    let log = state.log.clone();
    match tokio::task::spawn_blocking(move || f(&log)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(internal(e)),
        Err(e) => Err(internal(e)),
    }
}

/// True when the body is declared JSON (parameters such as charset allowed).
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}
