//! The admins' API over accounts, API tokens and the audit trail: list,
//! create, change role or password, disable, remove, sign out everywhere,
//! revoke; read and export the trail. Every change is audited under the
//! admin's name, and every credential it ends stops working at once
//! (streams close within a second, through the account changes the stream
//! watches). Admins only: each handler checks the caller's role first.

use crate::accounts::{AuditQuery, Caller, Refusal, MAX_NAME_BYTES};
use crate::reply::{blocking_on, ApiError};
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sitrep_core::log::access::Role;
use sitrep_core::log::admin::{
    audit_csv, AccountsReply, AuditPage, AuditParams, ChangeAccount, CreateAccount, CreateToken,
    CreatedToken, SignedOutEverywhere, TokensParams, TokensReply, AUDIT_KINDS, AUDIT_PAGE,
    MAX_AUDIT_PAGE,
};

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> ApiError {
        let status = match r {
            Refusal::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::NoSuchAccount(_) | Refusal::NoSuchToken(_) => StatusCode::NOT_FOUND,
            Refusal::Exists(_) | Refusal::LastAdmin(_) => StatusCode::CONFLICT,
        };
        ApiError::new(status, r.to_string())
    }
}

/// The body, or 400. The rejection text never quotes the body, so a
/// password cannot leak here.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

/// Runs an account change that may hash a password on the hashing
/// threads (bounded memory), any other on the blocking pool.
async fn hashing<T: Send + 'static>(
    state: &AppState,
    hashes: bool,
    f: impl FnOnce() -> Result<T, crate::storage::DbError> + Send + 'static,
) -> Result<T, ApiError> {
    if !hashes {
        return blocking_on(f).await;
    }
    match state.hashers.run(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.into()),
        Err(crate::hashing::Busy) => Err(ApiError::busy(
            "the server is busy checking passwords; try again in a second",
            1,
        )),
    }
}

pub async fn list_accounts(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<AccountsReply>, ApiError> {
    caller.at_least(Role::Admin)?;
    let accounts = state.accounts.clone();
    let accounts = blocking_on(move || accounts.list()).await?;
    Ok(Json(AccountsReply { accounts }))
}

pub async fn create_account(
    State(state): State<AppState>,
    caller: Caller,
    b: Result<Json<CreateAccount>, JsonRejection>,
) -> Result<Response, ApiError> {
    caller.at_least(Role::Admin)?;
    let new = body(b)?;
    let accounts = state.accounts.clone();
    let info = hashing(&state, true, move || {
        accounts.create(&caller.name, &new.name, new.role, &new.password)
    })
    .await??;
    Ok((StatusCode::CREATED, Json(info)).into_response())
}

pub async fn change_account(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    b: Result<Json<ChangeAccount>, JsonRejection>,
) -> Result<Response, ApiError> {
    caller.at_least(Role::Admin)?;
    let change = body(b)?;
    if change == ChangeAccount::default()
        || (change
            == ChangeAccount {
                keep_tokens: true,
                ..ChangeAccount::default()
            })
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing to change: send role, password or disabled",
        ));
    }
    let accounts = state.accounts.clone();
    let hashes = change.password.is_some();
    let info = hashing(&state, hashes, move || {
        accounts.change(&caller.name, &name, &change)
    })
    .await??;
    Ok(Json(info).into_response())
}

pub async fn remove_account(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.at_least(Role::Admin)?;
    let accounts = state.accounts.clone();
    blocking_on(move || accounts.remove(&caller.name, &name)).await??;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<SignedOutEverywhere>, ApiError> {
    caller.at_least(Role::Admin)?;
    let accounts = state.accounts.clone();
    let ended = blocking_on(move || accounts.sign_out_everywhere(&caller.name, &name)).await??;
    Ok(Json(SignedOutEverywhere {
        sessions_ended: ended,
    }))
}

pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<TokensParams>, QueryRejection>,
) -> Result<Json<TokensReply>, ApiError> {
    caller.at_least(Role::Admin)?;
    let account = query(q)?.account;
    let accounts = state.accounts.clone();
    let tokens = blocking_on(move || accounts.tokens(account.as_deref())).await?;
    Ok(Json(TokensReply { tokens }))
}

pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    b: Result<Json<CreateToken>, JsonRejection>,
) -> Result<Response, ApiError> {
    caller.at_least(Role::Admin)?;
    let CreateToken { account } = body(b)?;
    let accounts = state.accounts.clone();
    let name = account.clone();
    match blocking_on(move || accounts.create_token(&caller.name, &name)).await? {
        Some(token) => {
            let id = crate::accounts::token_id(&crate::accounts::token_hash(&token));
            Ok((StatusCode::CREATED, Json(CreatedToken { id, token })).into_response())
        }
        None => Err(Refusal::NoSuchAccount(account).into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.at_least(Role::Admin)?;
    if id.len() != crate::accounts::TOKEN_ID_LEN || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::bad_request(format!(
            "a token id is {} hex digits (as GET /api/v1/tokens lists them)",
            crate::accounts::TOKEN_ID_LEN
        )));
    }
    let accounts = state.accounts.clone();
    blocking_on(move || accounts.revoke_token(&caller.name, &id.to_ascii_lowercase())).await??;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/audit?before=&limit=&kind=&account=`: a page, newest first.
pub async fn audit_trail(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    caller.at_least(Role::Admin)?;
    let q = audit_query(query(q)?).map_err(ApiError::bad_request)?;
    let limit = q.limit;
    let accounts = state.accounts.clone();
    let entries = blocking_on(move || accounts.audit_page(&q)).await?;
    let next = (entries.len() == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(AuditPage { entries, next }))
}

/// `GET /api/v1/audit.csv?kind=&account=`: every entry the filter selects,
/// newest first, as CSV to download. The export is itself audited
/// (`audit_exported`): the trail says who took a copy of it, and of what.
pub async fn audit_export(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.at_least(Role::Admin)?;
    let params = query(q)?;
    if params.before.is_some() || params.limit.is_some() {
        return Err(ApiError::bad_request(
            "the export is the whole trail the filter selects; it takes kind and account, not before or limit",
        ));
    }
    let mut q = audit_query(params).map_err(ApiError::bad_request)?;
    q.limit = MAX_AUDIT_PAGE;
    let accounts = state.accounts.clone();
    let entries = blocking_on(move || {
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
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"sitrep-audit.csv\"",
            ),
        ],
        audit_csv(&entries),
    )
        .into_response())
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
