//! Who is calling: a session cookie (the console) or a bearer token (tools),
//! checked on every API request but health, as the `Caller` extractor (a
//! handler that takes a `Caller` answers 401 before it runs for anyone not
//! signed in); and the session endpoints (sign in, who am I, sign out).

use crate::accounts::{Caller, Verdict, MAX_NAME_BYTES, MAX_PASSWORD_BYTES};
use crate::reply::{self, ApiError};
use crate::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http_body_util::{BodyExt, Limited};
use sitrep_core::log::access::Role;
use sitrep_core::log::protocol::{SessionInfo, SignIn};

pub const COOKIE: &str = "sitrep_session";
/// A sign-in body is a name and a password; anything bigger is not one.
const MAX_SIGN_IN_BYTES: usize = 4 * 1024;

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

/// The caller, from the request's credentials: 401 for anyone not
/// signed in (no credential, an unknown or expired one, a disabled account).
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let cred = credential(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        check(state, cred).await?.ok_or_else(ApiError::unauthorized)
    }
}

/// A caller who may read the log (viewer and above): a monitor token posts
/// alerts and reads /metrics, and nothing else. 401 for anyone not signed
/// in, 403 for a monitor.
pub struct Reader(pub Caller);

impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Reader, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.reads()?;
        Ok(Reader(caller))
    }
}

impl Caller {
    /// Ok when this caller's role is at least `least`, else the 403.
    pub fn at_least(&self, least: Role) -> Result<(), ApiError> {
        if self.role >= least {
            Ok(())
        } else {
            Err(self.forbidden(&format!("this needs the {least} role")))
        }
    }

    /// Ok when this caller may read the log, else the 403 (see `Reader`).
    pub fn reads(&self) -> Result<(), ApiError> {
        if self.role.reads() {
            Ok(())
        } else {
            Err(self.forbidden(
                "monitor accounts post alerts and read /metrics; they read nothing else",
            ))
        }
    }

    /// 403 naming who is refused and why.
    pub fn forbidden(&self, why: &str) -> ApiError {
        ApiError::forbidden(format!("{} is a {}: {why}", self.name, self.role))
    }
}

/// Who a credential signs in now, if anyone: streams ask again when the
/// account changes, so a revoked credential stops there too.
pub async fn check(state: &AppState, cred: Credential) -> Result<Option<Caller>, ApiError> {
    // A token is 64 hex digits; anything longer is not worth hashing.
    let too_long = match &cred {
        Credential::Token(t) | Credential::Session(t) => t.len() > 128,
    };
    if too_long {
        return Ok(None);
    }
    let accounts = state.accounts.clone();
    reply::blocking_on(move || match cred {
        Credential::Token(t) => accounts.token(&t),
        Credential::Session(t) => accounts.session(&t),
    })
    .await
}

fn info(c: &Caller) -> SessionInfo {
    SessionInfo {
        name: c.name.clone(),
        role: c.role,
        expires_at: c.expires_at,
    }
}

pub async fn who_am_i(caller: Caller) -> Json<SessionInfo> {
    Json(info(&caller))
}

pub async fn sign_in(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
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
        return Err(ApiError::forbidden(why));
    }
    reply::expect_json(&headers)?;
    let bytes = match Limited::new(body, MAX_SIGN_IN_BYTES).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a sign-in is at most {MAX_SIGN_IN_BYTES} bytes"),
            ))
        }
    };
    let SignIn { name, password } = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("expected {{name, password}}: {e}")))?;
    let wrong = || ApiError::new(StatusCode::UNAUTHORIZED, "wrong name or password");
    if name.is_empty() || name.len() > MAX_NAME_BYTES || password.len() > MAX_PASSWORD_BYTES {
        return Err(wrong());
    }
    // One address trying many names is slowed whatever the names are.
    state
        .address_limiter
        .take(&address)
        .map_err(ApiError::too_many)?;
    // Guessing one name is slowed for the address guessing, not for the
    // name: its owner signs in from elsewhere meanwhile.
    let tried = format!("{name}\u{0}{address}");
    state
        .sign_in_backoff
        .check(&tried)
        .map_err(ApiError::too_many)?;
    let accounts = state.accounts.clone();
    let ttl = state.session_ttl;
    let from = address.clone();
    // On the hashing threads: argon2's memory is bounded by how many run.
    let result = state
        .hashers
        .run(move || {
            let role = match accounts.verify(&name, &password, Some(&from))? {
                // Tools' accounts work with their tokens only: a monitor
                // session would open a console that may read nothing.
                Verdict::Signed(role) if !role.signs_in() => return Ok(Err(None)),
                Verdict::Signed(role) => role,
                other => return Ok(Err(Some(other))),
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
        Ok(Ok(Err(None))) => {
            state.sign_in_backoff.succeeded(&tried);
            return Err(ApiError::forbidden(
                "this is a monitor account for alert senders and Prometheus: they use its API token; people sign in with their own accounts",
            ));
        }
        // Said only to someone who knows the password.
        Ok(Ok(Err(Some(Verdict::Disabled)))) => {
            return Err(ApiError::forbidden(
                "this account is disabled; ask an admin",
            ))
        }
        Ok(Ok(Err(_))) => {
            crate::metrics::metrics()
                .sign_in_failures
                .with_label_values(&["wrong_password"])
                .inc();
            state.sign_in_backoff.failed(&tried);
            return Err(wrong());
        }
        Ok(Err(e)) => return Err(e.into()),
        Err(crate::hashing::Busy) => {
            return Err(ApiError::busy(
                "too many sign-ins at once; try again in a second",
                1,
            ))
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
    Ok(resp)
}

/// True when a proxy we were told to trust says the browser used HTTPS.
fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = session_cookie(&headers) {
        let accounts = state.accounts.clone();
        reply::blocking_on(move || accounts.end_session(&token)).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("sitrep_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok(resp)
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
