//! The coordination backend's HTTP API, one typed function per call.

use serde::Serialize;
use sitrep_core::log::protocol::{Ack, ApiError, PostEventsReply, SessionInfo, SignIn, UpstreamsReply};
use sitrep_core::status_page::upstream::ProviderView;
use sitrep_core::{Event, EventId};

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

/// The acks for a batch, and the backend's clock when it answered.
pub struct Posted {
    pub acks: Vec<Ack>,
    /// From the `Date` header (second precision), for the clock estimate.
    pub server_time: Option<i64>,
}

#[derive(Serialize)]
struct Batch<'a> {
    events: &'a [Event],
}

/// A backend that has not answered by then is treated as degraded: a
/// request left hanging would otherwise hold the outbox forever.
const POST_TIMEOUT_MS: i32 = 20_000;

pub async fn post_events(events: &[Event]) -> Result<Posted, ApiFailure> {
    let abort = web_sys::AbortController::new().ok();
    let signal = abort.as_ref().map(|a| a.signal());
    let req = gloo_net::http::Request::post("/api/v1/events")
        .abort_signal(signal.as_ref())
        .json(&Batch { events })
        .map_err(|e| ApiFailure::Refused {
            error: e.to_string(),
            id: None,
        })?;
    let timer = abort.clone().and_then(|a| {
        let fire = wasm_bindgen::closure::Closure::once_into_js(move || a.abort());
        web_sys::window()?
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                wasm_bindgen::JsCast::unchecked_ref(&fire),
                POST_TIMEOUT_MS,
            )
            .ok()
    });
    let sent = req.send().await;
    if let (Some(timer), Some(window)) = (timer, web_sys::window()) {
        window.clear_timeout_with_handle(timer);
    }
    let timed_out = signal.as_ref().is_some_and(|s| s.aborted());
    let resp = sent.map_err(|e| {
        if timed_out {
            ApiFailure::Degraded(format!("no answer within {} s", POST_TIMEOUT_MS / 1000))
        } else {
            ApiFailure::Unreachable(e.to_string())
        }
    })?;
    let status = resp.status();
    if resp.ok() {
        let server_time = resp.headers().get("date").and_then(|d| {
            let ms = js_sys::Date::parse(&d);
            ms.is_finite().then_some(ms as i64)
        });
        let reply: PostEventsReply = resp
            .json()
            .await
            .map_err(|e| ApiFailure::Degraded(format!("unreadable answer: {e}")))?;
        return Ok(Posted {
            acks: reply.acks,
            server_time,
        });
    }
    let body: Option<ApiError> = resp.json().await.ok();
    let error = body
        .as_ref()
        .map(|b| b.error.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    // 401 and 403 are about who sends, not what: refusing the events for
    // them would strand every edit made before signing in again.
    if status == 401 {
        return Err(ApiFailure::SignedOut);
    }
    if matches!(status, 403 | 408 | 429) || status >= 500 || body.is_none() {
        Err(ApiFailure::Degraded(error))
    } else {
        Err(ApiFailure::Refused {
            error,
            id: body.and_then(|b| b.id),
        })
    }
}

/// What `GET /api/v1/session` said.
pub enum WhoAmI {
    SignedIn(SessionInfo),
    SignedOut,
    /// No answer (offline) or not ours: keep what we knew.
    Unknown,
}

pub async fn who_am_i() -> WhoAmI {
    match gloo_net::http::Request::get("/api/v1/session").send().await {
        Ok(resp) if resp.ok() => match resp.json::<SessionInfo>().await {
            Ok(me) => WhoAmI::SignedIn(me),
            Err(_) => WhoAmI::Unknown,
        },
        Ok(resp) if resp.status() == 401 => WhoAmI::SignedOut,
        _ => WhoAmI::Unknown,
    }
}

/// Signs in; the session itself travels in an HttpOnly cookie the page
/// never sees. The error is for a person.
pub async fn sign_in(name: String, password: String) -> Result<SessionInfo, String> {
    let resp = gloo_net::http::Request::post("/api/v1/session")
        .json(&SignIn { name, password })
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|_| {
            "The backend cannot be reached; sign in when you are back online.".to_string()
        })?;
    if resp.ok() {
        return resp
            .json::<SessionInfo>()
            .await
            .map_err(|e| format!("unreadable answer: {e}"));
    }
    let status = resp.status();
    let body: Option<ApiError> = resp.json().await.ok();
    Err(match status {
        401 => "Wrong name or password.".to_string(),
        429 => "Too many attempts; wait a minute and try again.".to_string(),
        _ => body
            .map(|b| b.error)
            .unwrap_or_else(|| format!("HTTP {status}")),
    })
}

pub async fn sign_out() {
    let _ = gloo_net::http::Request::delete("/api/v1/session")
        .send()
        .await;
}

/// `GET /api/v1/upstreams`: every watched provider as the backend last saw it.
pub async fn get_upstreams() -> Result<Vec<ProviderView>, ApiFailure> {
    let resp = gloo_net::http::Request::get("/api/v1/upstreams")
        .send()
        .await
        .map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    if !resp.ok() {
        return Err(ApiFailure::Degraded(refusal(resp).await));
    }
    resp.json::<UpstreamsReply>()
        .await
        .map(|r| r.providers)
        .map_err(|e| ApiFailure::Degraded(format!("unreadable answer: {e}")))
}

/// One place sitrep-server can publish customer updates to, as
/// `GET /api/v1/publish/targets` lists it: never the key, only whether one
/// is stored.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct PublishTarget {
    pub id: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub base_url: String,
    #[serde(default)]
    pub page_id: String,
    #[serde(default)]
    pub components: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub key_set: bool,
    /// False for a target listed but not usable yet (no key stored).
    #[serde(default = "configured_by_default")]
    pub configured: bool,
}

/// What an admin saves; an empty `key` keeps the stored one.
#[derive(Clone, Debug, Serialize)]
pub struct PublishTargetForm {
    pub kind: String,
    pub name: String,
    pub base_url: String,
    pub page_id: String,
    pub key: String,
    pub components: std::collections::BTreeMap<String, String>,
}

async fn refusal(resp: gloo_net::http::Response) -> String {
    let status = resp.status();
    resp.json::<ApiError>()
        .await
        .map(|b| b.error)
        .unwrap_or_else(|_| format!("HTTP {status}"))
}

/// `PUT /api/v1/publish/targets/{id}` (admins).
pub async fn put_publish_target(id: &str, form: &PublishTargetForm) -> Result<(), String> {
    let resp = gloo_net::http::Request::put(&format!("/api/v1/publish/targets/{id}"))
        .json(form)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| format!("cannot reach the server: {e}"))?;
    if resp.ok() {
        Ok(())
    } else {
        Err(refusal(resp).await)
    }
}

/// `POST /api/v1/publish/retry` (communicators): delivers a failed update
/// to one target again; the new state arrives on the stream.
pub async fn retry_delivery(update: &str, target: &str) -> Result<(), String> {
    let resp = gloo_net::http::Request::post("/api/v1/publish/retry")
        .json(&serde_json::json!({ "update": update, "target": target }))
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| format!("cannot reach the server: {e}"))?;
    if resp.ok() {
        Ok(())
    } else {
        Err(refusal(resp).await)
    }
}

/// `DELETE /api/v1/publish/targets/{id}` (admins).
pub async fn delete_publish_target(id: &str) -> Result<(), String> {
    let resp = gloo_net::http::Request::delete(&format!("/api/v1/publish/targets/{id}"))
        .send()
        .await
        .map_err(|e| format!("cannot reach the server: {e}"))?;
    if resp.ok() {
        Ok(())
    } else {
        Err(refusal(resp).await)
    }
}

fn configured_by_default() -> bool {
    true
}

#[derive(serde::Deserialize)]
struct PublishTargetsReply {
    targets: Vec<PublishTarget>,
}

/// `GET /api/v1/publish/targets`: where an admin allowed publishing to.
pub async fn get_publish_targets() -> Result<Vec<PublishTarget>, ApiFailure> {
    let resp = gloo_net::http::Request::get("/api/v1/publish/targets")
        .send()
        .await
        .map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    if resp.status() == 401 {
        return Err(ApiFailure::SignedOut);
    }
    if !resp.ok() {
        return Err(ApiFailure::Degraded(refusal(resp).await));
    }
    resp.json::<PublishTargetsReply>()
        .await
        .map(|r| r.targets)
        .map_err(|e| ApiFailure::Degraded(format!("unreadable answer: {e}")))
}
