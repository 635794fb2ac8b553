//! Who is calling: a session cookie (the console) or a bearer token (tools),
//! checked on every API request but health; and the session endpoints
//! (sign in, who am I, sign out) and the admins' audit trail.

use crate::accounts::{AuditQuery, Caller, Verdict, MAX_NAME_BYTES, MAX_PASSWORD_BYTES};
use crate::reply::{self, error};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http_body_util::{BodyExt, Limited};
use sitrep_core::log::access::Role;
use sitrep_core::log::admin::{audit_csv, AuditPage, AUDIT_KINDS, AUDIT_PAGE, MAX_AUDIT_PAGE};
use sitrep_core::log::protocol::{SessionInfo, SignIn};

pub const COOKIE: &str = "sitrep_session";
/// A sign-in body is a name and a password; anything bigger is not one.
const MAX_SIGN_IN_BYTES: usize = 4 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/api/v1/session",
            get(who_am_i).post(sign_in).delete(sign_out),
        )
        .route("/api/v1/audit", get(audit_trail))
        .route("/api/v1/audit.csv", get(audit_export))
        .with_state(state)
}

/// The credentials in a request: a bearer token wins over a cookie.
#[derive(Clone)]
pub enum Credential {
    Token(String),
    Session(String),
}

pub fn credential(headers: &HeaderMap) -> Option<Credential> {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = auth.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| Credential::Token(token.trim().to_string()));
    }
    session_cookie(headers).map(Credential::Session)
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The caller, or the 401 to answer with.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, Response> {
    let unauthorized = || {
        error(
            StatusCode::UNAUTHORIZED,
            "sign in first (no valid session or token)",
            None,
        )
    };
    let Some(cred) = credential(headers) else {
        return Err(unauthorized());
    };
    match check(state, cred).await {
        Ok(Some(caller)) => Ok(caller),
        Ok(None) => Err(unauthorized()),
        Err(resp) => Err(resp),
    }
}

/// Who a credential signs in now, if anyone: streams ask again when the
/// account changes, so a revoked credential stops there too.
pub async fn check(state: &AppState, cred: Credential) -> Result<Option<Caller>, Response> {
    // A token is 64 hex digits; anything longer is not worth hashing.
    let too_long = match &cred {
        Credential::Token(t) | Credential::Session(t) => t.len() > 128,
    };
    if too_long {
        return Ok(None);
    }
    let accounts = state.accounts.clone();
    let found = tokio::task::spawn_blocking(move || match cred {
        Credential::Token(t) => accounts.token(&t),
        Credential::Session(t) => accounts.session(&t),
    })
    .await;
    match found {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(reply::db_failure(e)),
        Err(e) => Err(reply::internal(e)),
    }
}

/// A layer for read-only routes owned elsewhere (upstreams): any account.
pub async fn signed_in(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match authenticate(&state, req.headers()).await {
        Ok(_) => next.run(req).await,
        Err(resp) => resp,
    }
}

/// The caller if their role is at least `least`, else the 401/403 to answer.
pub async fn require(
    state: &AppState,
    headers: &HeaderMap,
    least: Role,
) -> Result<Caller, Response> {
    let caller = authenticate(state, headers).await?;
    if caller.role >= least {
        Ok(caller)
    } else {
        Err(forbidden(&caller, &format!("this needs the {least} role")))
    }
}

pub fn forbidden(caller: &Caller, why: &str) -> Response {
    error(
        StatusCode::FORBIDDEN,
        format!("{} is a {}: {why}", caller.name, caller.role),
        None,
    )
}

fn info(c: &Caller) -> SessionInfo {
    SessionInfo {
        name: c.name.clone(),
        role: c.role,
        expires_at: c.expires_at,
    }
}

async fn who_am_i(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match authenticate(&state, &headers).await {
        Ok(c) => Json(info(&c)).into_response(),
        Err(resp) => resp,
    }
}

async fn sign_in(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let address = crate::peer::key(crate::peer::client_address(
        req.extensions(),
        req.headers(),
        state.tls_proxy,
    ));
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    // Login CSRF: a page elsewhere must not sign this browser in, not even
    // with a form or text/plain body, which browsers send without asking.
    if let Some(why) = crate::origin::refusal(&headers, &state.allowed_origins) {
        return error(StatusCode::FORBIDDEN, why, None);
    }
    if !reply::is_json(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json",
            None,
        );
    }
    let bytes = match Limited::new(body, MAX_SIGN_IN_BYTES).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a sign-in is at most {MAX_SIGN_IN_BYTES} bytes"),
                None,
            )
        }
    };
    let SignIn { name, password } = match serde_json::from_slice(&bytes) {
        Ok(s) => s,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("expected {{name, password}}: {e}"),
                None,
            )
        }
    };
    if name.is_empty() || name.len() > MAX_NAME_BYTES || password.len() > MAX_PASSWORD_BYTES {
        return error(StatusCode::UNAUTHORIZED, "wrong name or password", None);
    }
    // One address trying many names is slowed whatever the names are.
    if let Err(wait) = state.address_limiter.take(&address) {
        return reply::too_many(wait);
    }
    // Guessing one name is slowed for the address guessing, not for the
    // name: its owner signs in from elsewhere meanwhile.
    let tried = format!("{name}\u{0}{address}");
    if let Err(wait) = state.sign_in_backoff.check(&tried) {
        return reply::too_many(wait);
    }
    let accounts = state.accounts.clone();
    let ttl = state.session_ttl;
    let from = address.clone();
    // On the hashing threads: argon2's memory is bounded by how many run.
    let result = state
        .hashers
        .run(move || {
            let role = match accounts.verify(&name, &password, Some(&from))? {
                Verdict::Signed(role) => role,
                other => return Ok(Err(other)),
            };
            let (token, expires_at) = accounts.create_session(&name, ttl)?;
            Ok::<_, crate::storage::DbError>(Ok((
                Caller {
                    name,
                    role,
                    expires_at: Some(expires_at),
                },
                token,
            )))
        })
        .await;
    let (caller, token) = match result {
        Ok(Ok(Ok(found))) => {
            state.sign_in_backoff.succeeded(&tried);
            found
        }
        Ok(Ok(Err(Verdict::Disabled))) => {
            // Said only to someone who knows the password.
            return error(
                StatusCode::FORBIDDEN,
                "this account is disabled; ask an admin",
                None,
            );
        }
        Ok(Ok(Err(_))) => {
            state.sign_in_backoff.failed(&tried);
            return error(StatusCode::UNAUTHORIZED, "wrong name or password", None);
        }
        Ok(Err(e)) => return reply::db_failure(e),
        Err(crate::hashing::Busy) => {
            return reply::busy("too many sign-ins at once; try again in a second", 1)
        }
    };
    let max_age = state.session_ttl.as_secs();
    let secure = if state.tls_proxy && forwarded_https(&headers) {
        "; Secure"
    } else {
        ""
    };
    let cookie =
        format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}");
    let mut resp = Json(info(&caller)).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// True when a proxy we were told to trust says the browser used HTTPS.
fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = session_cookie(&headers) {
        let accounts = state.accounts.clone();
        if let Err(resp) = reply::blocking_on(move || accounts.end_session(&token)).await {
            return resp;
        }
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("sitrep_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    resp
}

#[derive(serde::Deserialize)]
struct AuditParams {
    before: Option<String>,
    limit: Option<String>,
    kind: Option<String>,
    account: Option<String>,
}

/// `GET /api/v1/audit?before=&limit=&kind=&account=`: a page, newest first.
async fn audit_trail(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<axum::extract::Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(resp) = require(&state, &headers, Role::Admin).await {
        return resp;
    }
    let params = match query {
        Ok(axum::extract::Query(p)) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text(), None),
    };
    let q = match audit_query(params) {
        Ok(q) => q,
        Err(why) => return error(StatusCode::BAD_REQUEST, why, None),
    };
    let limit = q.limit;
    let accounts = state.accounts.clone();
    match reply::blocking_on(move || accounts.audit_page(&q)).await {
        Ok(entries) => {
            let next = (entries.len() == limit)
                .then(|| entries.last().map(|e| e.id))
                .flatten();
            Json(AuditPage { entries, next }).into_response()
        }
        Err(resp) => resp,
    }
}

/// `GET /api/v1/audit.csv?kind=&account=`: every entry the filter selects,
/// newest first, as CSV to download. The export is itself audited
/// (`audit_exported`): the trail says who took a copy of it, and of what.
async fn audit_export(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<axum::extract::Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let caller = match require(&state, &headers, Role::Admin).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let params = match query {
        Ok(axum::extract::Query(p)) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text(), None),
    };
    if params.before.is_some() || params.limit.is_some() {
        return error(
            StatusCode::BAD_REQUEST,
            "the export is the whole trail the filter selects; it takes kind and account, not before or limit",
            None,
        );
    }
    let mut q = match audit_query(params) {
        Ok(q) => q,
        Err(why) => return error(StatusCode::BAD_REQUEST, why, None),
    };
    q.limit = MAX_AUDIT_PAGE;
    let accounts = state.accounts.clone();
    let read = reply::blocking_on(move || {
        // Page by page, so no single query holds the whole table at once.
        let mut all = Vec::new();
        loop {
            let page = accounts.audit_page(&q)?;
            let last = page.last().map(|e| e.id);
            let full = page.len() == q.limit;
            all.extend(page);
            match last.filter(|_| full) {
                Some(id) => q.before = Some(id),
                None => break,
            }
        }
        let mut filter = Vec::new();
        if let Some(kind) = &q.kind {
            filter.push(format!("kind={kind}"));
        }
        if let Some(account) = &q.account {
            filter.push(format!("account={account}"));
        }
        let filter = if filter.is_empty() {
            "the whole trail".to_string()
        } else {
            filter.join(" ")
        };
        accounts.audit(
            &caller.name,
            "audit_exported",
            &format!("{filter}: {} entries", all.len()),
        )?;
        Ok(all)
    })
    .await;
    match read {
        Ok(entries) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"sitrep-audit.csv\"",
                ),
            ],
            audit_csv(&entries),
        )
            .into_response(),
        Err(resp) => resp,
    }
}

fn audit_query(p: AuditParams) -> Result<AuditQuery, String> {
    let before = match p.before.as_deref() {
        None => None,
        Some(b) => match b.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return Err(format!(
                    "before is an entry id (a whole number above 0), not {b:?}"
                ))
            }
        },
    };
    let limit = match p.limit.as_deref() {
        None => AUDIT_PAGE,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=MAX_AUDIT_PAGE).contains(&n) => n,
            _ => return Err(format!("limit is from 1 to {MAX_AUDIT_PAGE}, not {l:?}")),
        },
    };
    if let Some(kind) = p.kind.as_deref() {
        if !AUDIT_KINDS.contains(&kind) {
            return Err(format!(
                "there is no audit kind {kind:?}; the kinds are {}",
                AUDIT_KINDS.join(", ")
            ));
        }
    }
    if p.account
        .as_deref()
        .is_some_and(|a| a.len() > MAX_NAME_BYTES)
    {
        return Err(format!(
            "account is a name of at most {MAX_NAME_BYTES} bytes"
        ));
    }
    Ok(AuditQuery {
        before,
        limit,
        kind: p.kind,
        account: p.account,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            if let Ok(v) = HeaderValue::from_str(v) {
                h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v);
            }
        }
        h
    }

    #[test]
    fn a_bearer_token_wins_over_the_cookie_and_other_schemes_are_not_credentials() {
        let h = headers(&[
            ("authorization", "Bearer abc"),
            ("cookie", "sitrep_session=xyz"),
        ]);
        assert!(matches!(credential(&h), Some(Credential::Token(t)) if t == "abc"));
        let h = headers(&[
            ("authorization", "Basic YTpi"),
            ("cookie", "sitrep_session=xyz"),
        ]);
        assert!(credential(&h).is_none());
        let h = headers(&[("cookie", "a=1; sitrep_session=xyz; b=2")]);
        assert!(matches!(credential(&h), Some(Credential::Session(t)) if t == "xyz"));
    }

    proptest! {
        /// Whatever else a Cookie header holds, the session cookie is found
        /// exactly, and a header without one yields nothing.
        #[test]
        fn the_session_cookie_is_found_among_any_others(
            others in proptest::collection::vec(("[a-z_]{1,12}", "[A-Za-z0-9]{0,20}"), 0..6),
            token in "[0-9a-f]{64}",
            at in 0usize..6,
        ) {
            let others: Vec<_> = others.into_iter().filter(|(k, _)| k != COOKIE).collect();
            let mut parts: Vec<String> = others.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let without = parts.join("; ");
            prop_assert!(session_cookie(&headers(&[("cookie", &without)])).is_none());
            parts.insert(at.min(parts.len()), format!("{COOKIE}={token}"));
            let with = parts.join("; ");
            prop_assert_eq!(session_cookie(&headers(&[("cookie", &with)])), Some(token));
        }

        /// Arbitrary Authorization and Cookie values never panic.
        #[test]
        fn any_credential_header_is_parsed_without_panicking(auth in ".{0,80}", cookie in ".{0,80}") {
            let _ = credential(&headers(&[("authorization", &auth), ("cookie", &cookie)]));
        }
    }
}
