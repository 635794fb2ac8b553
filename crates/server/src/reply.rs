//! How every handler answers when it does not succeed: an `ApiError` JSON
//! body with the right status (and Retry-After where it helps), and running
//! database work off the async workers with failures mapped to a 500. Below
//! every handler module, so none of them imports another for these.

use crate::storage::{DbError, EventStore};
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

/// A storage failure as an answer: 503 with Retry-After while the
/// database cannot be reached (a client's outbox keeps the edit and tries
/// again), 500 for anything else.
pub fn db_failure(e: DbError) -> Response {
    if e.is_unavailable() {
        eprintln!("sitrep-server: {e}");
        busy("the database is unavailable; try again shortly", 1)
    } else {
        internal(e)
    }
}

/// Runs blocking work (the database) on the blocking pool, mapping
/// failures to a 500 (or 503, see `db_failure`).
pub async fn blocking_on<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DbError> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(db_failure(e)),
        Err(e) => Err(internal(e)),
    }
}

/// Runs log work on the blocking pool: database calls (and fsync) must not
/// stall the async workers that drive every other connection.
pub async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn EventStore) -> Result<T, DbError> + Send + 'static,
) -> Result<T, Response> {
    let log = state.log.clone();
    blocking_on(move || f(&*log)).await
}

/// True when the body is declared JSON (parameters such as charset allowed).
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}
