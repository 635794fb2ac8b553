//! The admins' API over accounts and API tokens: list, create, change role
//! or password, disable, remove, sign out everywhere, revoke. Every change
//! is audited under the admin's name, and every credential it ends stops
//! working at once (streams close within a second, through the account
//! changes the stream watches).

use crate::accounts::Refusal;
use crate::reply::{blocking_on, error};
use crate::{auth, reply, AppState};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sitrep_core::log::access::Role;
use sitrep_core::log::admin::{
    AccountsReply, ChangeAccount, CreateAccount, CreateToken, CreatedToken, TokensReply,
};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/accounts", get(list_accounts).post(create_account))
        .route(
            "/api/v1/accounts/{name}",
            axum::routing::patch(change_account).delete(remove_account),
        )
        .route(
            "/api/v1/accounts/{name}/sign-out",
            post(sign_out_everywhere),
        )
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .with_state(state)
}

fn refused(r: Refusal) -> Response {
    let status = match r {
        Refusal::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Refusal::NoSuchAccount(_) | Refusal::NoSuchToken(_) => StatusCode::NOT_FOUND,
        Refusal::Exists(_) | Refusal::LastAdmin(_) => StatusCode::CONFLICT,
    };
    error(status, r.to_string(), None)
}

// The refusal is answered at once; its size on the stack does not matter.
#[allow(clippy::result_large_err)]
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, Response> {
    // The rejection text never quotes the body, so a password cannot leak here.
    b.map(|Json(t)| t)
        .map_err(|e| error(StatusCode::BAD_REQUEST, e.body_text(), None))
}

/// Runs an account change that may hash a password on the hashing
/// threads (bounded memory), any other on the blocking pool.
async fn hashing<T: Send + 'static>(
    state: &AppState,
    hashes: bool,
    f: impl FnOnce() -> Result<T, crate::storage::DbError> + Send + 'static,
) -> Result<T, Response> {
    if !hashes {
        return blocking_on(f).await;
    }
    match state.hashers.run(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(reply::db_failure(e)),
        Err(crate::hashing::Busy) => Err(reply::busy(
            "the server is busy checking passwords; try again in a second",
            1,
        )),
    }
}

async fn list_accounts(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(resp) = auth::require(&state, &headers, Role::Admin).await {
        return resp;
    }
    let accounts = state.accounts.clone();
    match blocking_on(move || accounts.list()).await {
        Ok(accounts) => Json(AccountsReply { accounts }).into_response(),
        Err(resp) => resp,
    }
}

async fn create_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    b: Result<Json<CreateAccount>, JsonRejection>,
) -> Response {
    let caller = match auth::require(&state, &headers, Role::Admin).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let new = match body(b) {
        Ok(n) => n,
        Err(resp) => return resp,
    };
    let accounts = state.accounts.clone();
    let made = hashing(&state, true, move || {
        accounts.create(&caller.name, &new.name, new.role, &new.password)
    })
    .await;
    match made {
        Ok(Ok(info)) => (StatusCode::CREATED, Json(info)).into_response(),
        Ok(Err(r)) => refused(r),
        Err(resp) => resp,
    }
}

async fn change_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    b: Result<Json<ChangeAccount>, JsonRejection>,
) -> Response {
    let caller = match auth::require(&state, &headers, Role::Admin).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let change = match body(b) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    if change == ChangeAccount::default()
        || (change
            == ChangeAccount {
                keep_tokens: true,
                ..ChangeAccount::default()
            })
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing to change: send role, password or disabled",
            None,
        );
    }
    let accounts = state.accounts.clone();
    let hashes = change.password.is_some();
    let changed = hashing(&state, hashes, move || {
        accounts.change(&caller.name, &name, &change)
    })
    .await;
    match changed {
        Ok(Ok(info)) => Json(info).into_response(),
        Ok(Err(r)) => refused(r),
        Err(resp) => resp,
    }
}

async fn remove_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let caller = match auth::require(&state, &headers, Role::Admin).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let accounts = state.accounts.clone();
    match blocking_on(move || accounts.remove(&caller.name, &name)).await {
        Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(r)) => refused(r),
        Err(resp) => resp,
    }
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let caller = match auth::require(&state, &headers, Role::Admin).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let accounts = state.accounts.clone();
    match blocking_on(move || accounts.sign_out_everywhere(&caller.name, &name)).await {
        Ok(Ok(ended)) => Json(serde_json::json!({ "sessions_ended": ended })).into_response(),
        Ok(Err(r)) => refused(r),
        Err(resp) => resp,
    }
}

#[derive(Deserialize)]
struct TokensQuery {
    account: Option<String>,
}

async fn list_tokens(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<TokensQuery>, QueryRejection>,
) -> Response {
    if let Err(resp) = auth::require(&state, &headers, Role::Admin).await {
        return resp;
    }
    let account = match query {
        Ok(Query(q)) => q.account,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text(), None),
    };
    let accounts = state.accounts.clone();
    match blocking_on(move || accounts.tokens(account.as_deref())).await {
        Ok(tokens) => Json(TokensReply { tokens }).into_response(),
        Err(resp) => resp,
    }
}

async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    b: Result<Json<CreateToken>, JsonRejection>,
) -> Response {
    let caller = match auth::require(&state, &headers, Role::Admin).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let CreateToken { account } = match body(b) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let accounts = state.accounts.clone();
    let name = account.clone();
    match blocking_on(move || accounts.create_token(&caller.name, &name)).await {
        Ok(Some(token)) => {
            let id = crate::accounts::token_id(&crate::accounts::token_hash(&token));
            (StatusCode::CREATED, Json(CreatedToken { id, token })).into_response()
        }
        Ok(None) => refused(Refusal::NoSuchAccount(account)),
        Err(resp) => resp,
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let caller = match auth::require(&state, &headers, Role::Admin).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    if id.len() != crate::accounts::TOKEN_ID_LEN || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "a token id is {} hex digits (as GET /api/v1/tokens lists them)",
                crate::accounts::TOKEN_ID_LEN
            ),
            None,
        );
    }
    let accounts = state.accounts.clone();
    match blocking_on(move || accounts.revoke_token(&caller.name, &id.to_ascii_lowercase())).await {
        Ok(Ok(_)) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(r)) => refused(r),
        Err(resp) => resp,
    }
}
