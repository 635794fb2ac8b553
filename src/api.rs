//! The coordination backend's HTTP API: one typed function per call, all
//! going out through `send` and read back through `accept`, so every call
//! fails the same way (`ApiFailure`). The wire types, query parameters
//! included, are core's (`sitrep_core::log::{protocol, admin}`), the same
//! the server uses.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sitrep_core::log::admin::{
    AccountInfo, AccountsReply, AuditPage, AuditParams, ChangeAccount, CreateAccount,
    DirectoryReply, HookDeliveriesParams, HookDeliveriesReply, HookDelivery, SaveTeamHook,
    SavedTeamHook, SignedOutEverywhere, TeamHook, TeamHooksReply, TokenInfo, TokensParams,
    TokensReply,
};
use sitrep_core::log::protocol::{
    Ack, ApiError, PostEvents, PostEventsReply, PublishTarget, PublishTargetsReply, RetryDelivery,
    SavePublishTarget, SessionInfo, SignIn, UpstreamsReply,
};
use sitrep_core::status_page::upstream::ProviderView;
use sitrep_core::EventId;

/// Why a call did not succeed, sorted by what the caller should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiFailure {
    /// No answer (offline, refused, timed out): try again later.
    Unreachable(String),
    /// The backend answered but is unwell (5xx, 429, an answer that is not
    /// ours) or wants credentials: try again later.
    Degraded(String),
    /// The backend refused the request itself: sending it again will not help.
    Refused { error: String, id: Option<EventId> },
    /// No valid session (it expired or was ended): sign in, then try again.
    SignedOut,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiFailure::Unreachable(why) => write!(f, "cannot reach the server ({why})"),
            ApiFailure::Degraded(why) | ApiFailure::Refused { error: why, .. } => f.write_str(why),
            ApiFailure::SignedOut => f.write_str("you are signed out; sign in again"),
        }
    }
}

/// For a call without a body.
const NO_BODY: Option<&()> = None;

/// Sends one request, with `body` as JSON, and waits for any answer. No
/// answer (or none within `timeout_ms`) is the only failure here; what the
/// answer means is `accept`'s business.
async fn send<B: Serialize + ?Sized>(
    request: RequestBuilder,
    body: Option<&B>,
    timeout_ms: Option<i32>,
) -> Result<Response, ApiFailure> {
    let abort = timeout_ms.and_then(|_| web_sys::AbortController::new().ok());
    let signal = abort.as_ref().map(|a| a.signal());
    let request = request.abort_signal(signal.as_ref());
    let request = match body {
        Some(body) => request.json(body),
        None => request.build(),
    }
    .map_err(|e| ApiFailure::Refused {
        error: e.to_string(),
        id: None,
    })?;
    let timer = abort.zip(timeout_ms).and_then(|(a, ms)| {
        let fire = wasm_bindgen::closure::Closure::once_into_js(move || a.abort());
        web_sys::window()?
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                wasm_bindgen::JsCast::unchecked_ref(&fire),
                ms,
            )
            .ok()
    });
    let sent = request.send().await;
    if let (Some(timer), Some(window)) = (timer, web_sys::window()) {
        window.clear_timeout_with_handle(timer);
    }
    let timed_out = signal.as_ref().is_some_and(|s| s.aborted());
    sent.map_err(|e| match timeout_ms.filter(|_| timed_out) {
        Some(ms) => ApiFailure::Degraded(format!("no answer within {} s", ms / 1000)),
        None => ApiFailure::Unreachable(e.to_string()),
    })
}

/// A success as it came; any other answer as the failure its status and
/// `ApiError` body stand for.
async fn accept(resp: Response) -> Result<Response, ApiFailure> {
    if resp.ok() {
        return Ok(resp);
    }
    let status = resp.status();
    let body: Option<ApiError> = resp.json().await.ok();
    let error = body
        .as_ref()
        .map(|b| b.error.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    // 401 is about who sends, not what: refusing the events for it would
    // strand every edit made before signing in again.
    if status == 401 {
        return Err(ApiFailure::SignedOut);
    }
    // A 403 naming an event is that event's kind beyond the account's role
    // (a responder adding a component): only it is refused, and the rest of
    // the batch goes again without it. A 403 naming none (a proxy, an
    // Origin) says nothing about the events, so they wait, as for a
    // timeout, a rate limit, a 5xx or an answer that is not ours.
    let names_an_event = body.as_ref().is_some_and(|b| b.id.is_some());
    let waits = match status {
        403 => !names_an_event,
        408 | 429 => true,
        s => s >= 500,
    } || body.is_none();
    if waits {
        Err(ApiFailure::Degraded(error))
    } else {
        Err(ApiFailure::Refused {
            error,
            id: body.and_then(|b| b.id),
        })
    }
}

/// A success's body; one that does not parse is not ours.
async fn read<T: DeserializeOwned>(resp: Response) -> Result<T, ApiFailure> {
    resp.json::<T>()
        .await
        .map_err(|e| ApiFailure::Degraded(format!("unreadable answer: {e}")))
}

/// The acks for a batch, and the backend's clock when it answered.
pub struct Posted {
    pub acks: Vec<Ack>,
    /// From the `Date` header (second precision), for the clock estimate.
    pub server_time: Option<i64>,
}

/// A backend that has not answered by then is treated as degraded: a
/// request left hanging would otherwise hold the outbox forever.
const POST_TIMEOUT_MS: i32 = 20_000;

/// `POST /api/v1/events`: one batch from the outbox, in core's `PostEvents`
/// (the outbox fills it with the copies it makes for sending anyway, so the
/// shared type costs no extra copy).
pub async fn post_events(batch: &PostEvents) -> Result<Posted, ApiFailure> {
    let resp = send(
        Request::post("/api/v1/events"),
        Some(batch),
        Some(POST_TIMEOUT_MS),
    )
    .await?;
    let resp = accept(resp).await?;
    let server_time = resp.headers().get("date").and_then(|d| {
        let ms = js_sys::Date::parse(&d);
        ms.is_finite().then_some(ms as i64)
    });
    let reply: PostEventsReply = read(resp).await?;
    Ok(Posted {
        acks: reply.acks,
        server_time,
    })
}

/// What `GET /api/v1/session` said.
pub enum WhoAmI {
    SignedIn(SessionInfo),
    SignedOut,
    /// No answer (offline) or not ours: keep what we knew.
    Unknown,
}

pub async fn who_am_i() -> WhoAmI {
    let answer = match send(Request::get("/api/v1/session"), NO_BODY, None).await {
        Ok(resp) => accept(resp).await,
        Err(e) => Err(e),
    };
    match answer {
        Ok(resp) => match read::<SessionInfo>(resp).await {
            Ok(me) => WhoAmI::SignedIn(me),
            Err(_) => WhoAmI::Unknown,
        },
        Err(ApiFailure::SignedOut) => WhoAmI::SignedOut,
        Err(_) => WhoAmI::Unknown,
    }
}

/// `POST /api/v1/session`: signs in; the session itself travels in an
/// HttpOnly cookie the page never sees. Wrong credentials and too many
/// attempts are refusals worded for a person.
pub async fn sign_in(name: String, password: String) -> Result<SessionInfo, ApiFailure> {
    let body = SignIn { name, password };
    let resp = send(Request::post("/api/v1/session"), Some(&body), None).await?;
    match resp.status() {
        401 => Err(ApiFailure::Refused {
            error: "Wrong name or password.".into(),
            id: None,
        }),
        429 => Err(ApiFailure::Degraded(
            "Too many attempts; wait a minute and try again.".into(),
        )),
        _ => read(accept(resp).await?).await,
    }
}

/// `DELETE /api/v1/session`. Signing out here happens whatever it answers.
pub async fn sign_out() {
    let _ = send(Request::delete("/api/v1/session"), NO_BODY, None).await;
}

/// `GET /api/v1/upstreams`: every watched provider as the backend last saw
/// it. The endpoint is optional: `None` when the backend answers 404 (it
/// does not watch upstream pages).
pub async fn get_upstreams() -> Result<Option<Vec<ProviderView>>, ApiFailure> {
    let resp = send(Request::get("/api/v1/upstreams"), NO_BODY, None).await?;
    if resp.status() == 404 {
        return Ok(None);
    }
    let reply: UpstreamsReply = read(accept(resp).await?).await?;
    Ok(Some(reply.providers))
}

/// `GET /api/v1/publish/targets`: where an admin allowed publishing to.
pub async fn get_publish_targets() -> Result<Vec<PublishTarget>, ApiFailure> {
    let resp = send(Request::get("/api/v1/publish/targets"), NO_BODY, None).await?;
    let reply: PublishTargetsReply = read(accept(resp).await?).await?;
    Ok(reply.targets)
}

/// `PUT /api/v1/publish/targets/{id}` (admins).
pub async fn put_publish_target(id: &str, form: &SavePublishTarget) -> Result<(), ApiFailure> {
    let url = format!("/api/v1/publish/targets/{id}");
    accept(send(Request::put(&url), Some(form), None).await?).await?;
    Ok(())
}

/// `DELETE /api/v1/publish/targets/{id}` (admins).
pub async fn delete_publish_target(id: &str) -> Result<(), ApiFailure> {
    let url = format!("/api/v1/publish/targets/{id}");
    accept(send(Request::delete(&url), NO_BODY, None).await?).await?;
    Ok(())
}

/// `POST /api/v1/publish/retry` (communicators): delivers a failed update
/// to one target again; the new state arrives on the stream.
pub async fn retry_delivery(update: &str, target: &str) -> Result<(), ApiFailure> {
    let body = RetryDelivery {
        update: update.into(),
        target: target.into(),
    };
    accept(send(Request::post("/api/v1/publish/retry"), Some(&body), None).await?).await?;
    Ok(())
}

/// A name or a filter as one URL component: account names are whatever
/// an admin typed.
fn component(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// `path` with the query parameters given (core's `…Params::pairs`), each
/// value encoded; the bare path when there are none.
pub(crate) fn with_query(path: &str, pairs: Vec<(&str, String)>) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", component(value)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// `GET /api/v1/accounts` (admins).
pub async fn get_accounts() -> Result<Vec<AccountInfo>, ApiFailure> {
    let resp = send(Request::get("/api/v1/accounts"), NO_BODY, None).await?;
    let reply: AccountsReply = read(accept(resp).await?).await?;
    Ok(reply.accounts)
}

/// `GET /api/v1/directory`: the workspace's people by name (every reader).
pub async fn get_directory() -> Result<Vec<String>, ApiFailure> {
    let resp = send(Request::get("/api/v1/directory"), NO_BODY, None).await?;
    let reply: DirectoryReply = read(accept(resp).await?).await?;
    Ok(reply.people.into_iter().map(|p| p.name).collect())
}

/// `POST /api/v1/accounts` (admins).
pub async fn create_account(new: &CreateAccount) -> Result<AccountInfo, ApiFailure> {
    let resp = send(Request::post("/api/v1/accounts"), Some(new), None).await?;
    read(accept(resp).await?).await
}

/// `PATCH /api/v1/accounts/{name}` (admins): role, password, disabled.
pub async fn change_account(name: &str, change: &ChangeAccount) -> Result<AccountInfo, ApiFailure> {
    let url = format!("/api/v1/accounts/{}", component(name));
    let resp = send(Request::patch(&url), Some(change), None).await?;
    read(accept(resp).await?).await
}

/// `DELETE /api/v1/accounts/{name}` (admins).
pub async fn remove_account(name: &str) -> Result<(), ApiFailure> {
    let url = format!("/api/v1/accounts/{}", component(name));
    accept(send(Request::delete(&url), NO_BODY, None).await?).await?;
    Ok(())
}

/// `POST /api/v1/accounts/{name}/sign-out` (admins): how many sessions ended.
pub async fn sign_out_everywhere(name: &str) -> Result<u32, ApiFailure> {
    let url = format!("/api/v1/accounts/{}/sign-out", component(name));
    let resp = send(Request::post(&url), NO_BODY, None).await?;
    let ended: SignedOutEverywhere = read(accept(resp).await?).await?;
    Ok(ended.sessions_ended)
}

/// `GET /api/v1/tokens[?account=]` (admins): the tokens, never the tokens
/// themselves; every account's unless `params` names one.
pub async fn get_tokens(params: &TokensParams) -> Result<Vec<TokenInfo>, ApiFailure> {
    let url = with_query("/api/v1/tokens", params.pairs());
    let resp = send(Request::get(&url), NO_BODY, None).await?;
    let reply: TokensReply = read(accept(resp).await?).await?;
    Ok(reply.tokens)
}

/// `DELETE /api/v1/tokens/{id}` (admins).
pub async fn revoke_token(id: &str) -> Result<(), ApiFailure> {
    let url = format!("/api/v1/tokens/{}", component(id));
    accept(send(Request::delete(&url), NO_BODY, None).await?).await?;
    Ok(())
}

/// `GET /api/v1/audit` (admins): a page, newest first (`AuditParams::page`).
pub async fn get_audit(params: &AuditParams) -> Result<AuditPage, ApiFailure> {
    let url = with_query("/api/v1/audit", params.pairs());
    let resp = send(Request::get(&url), NO_BODY, None).await?;
    read(accept(resp).await?).await
}

/// `GET /api/v1/audit.csv` (admins): the whole trail `filter` selects, as
/// CSV (`AuditParams::filter`: the server refuses `before` and `limit`
/// here). The server records the export in the trail itself.
pub async fn get_audit_csv(filter: &AuditParams) -> Result<String, ApiFailure> {
    let url = with_query("/api/v1/audit.csv", filter.pairs());
    let resp = accept(send(Request::get(&url), NO_BODY, None).await?).await?;
    resp.text()
        .await
        .map_err(|e| ApiFailure::Degraded(format!("unreadable answer: {e}")))
}

/// `GET /api/v1/hooks` (admins): the team's webhooks, never their secrets.
pub async fn get_hooks() -> Result<Vec<TeamHook>, ApiFailure> {
    let resp = send(Request::get("/api/v1/hooks"), NO_BODY, None).await?;
    let reply: TeamHooksReply = read(accept(resp).await?).await?;
    Ok(reply.hooks)
}

/// `PUT /api/v1/hooks/{id}` (admins): the secret comes back only when made.
pub async fn save_hook(id: &str, hook: &SaveTeamHook) -> Result<SavedTeamHook, ApiFailure> {
    let url = format!("/api/v1/hooks/{}", component(id));
    let resp = send(Request::put(&url), Some(hook), None).await?;
    read(accept(resp).await?).await
}

/// `DELETE /api/v1/hooks/{id}` (admins).
pub async fn remove_hook(id: &str) -> Result<(), ApiFailure> {
    let url = format!("/api/v1/hooks/{}", component(id));
    accept(send(Request::delete(&url), NO_BODY, None).await?).await?;
    Ok(())
}

/// `POST /api/v1/hooks/{id}/secret` (admins): a new secret, shown once.
pub async fn rotate_hook_secret(id: &str) -> Result<SavedTeamHook, ApiFailure> {
    let url = format!("/api/v1/hooks/{}/secret", component(id));
    let resp = send(Request::post(&url), NO_BODY, None).await?;
    read(accept(resp).await?).await
}

/// How many of a hook's deliveries its page shows.
const HOOK_DELIVERIES: usize = 50;

/// `GET /api/v1/hooks/{id}/deliveries` (admins), newest first.
pub async fn get_hook_deliveries(id: &str) -> Result<Vec<HookDelivery>, ApiFailure> {
    let params = HookDeliveriesParams {
        limit: Some(HOOK_DELIVERIES),
    };
    let path = format!("/api/v1/hooks/{}/deliveries", component(id));
    let url = with_query(&path, params.pairs());
    let resp = send(Request::get(&url), NO_BODY, None).await?;
    let reply: HookDeliveriesReply = read(accept(resp).await?).await?;
    Ok(reply.deliveries)
}

/// `POST /api/v1/hooks/{id}/deliveries/{event}/retry` (admins): a failed one.
pub async fn retry_hook_delivery(id: &str, event: &str) -> Result<(), ApiFailure> {
    let url = format!(
        "/api/v1/hooks/{}/deliveries/{}/retry",
        component(id),
        component(event)
    );
    accept(send(Request::post(&url), NO_BODY, None).await?).await?;
    Ok(())
}
