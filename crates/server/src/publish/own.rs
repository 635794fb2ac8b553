//! sitrep-server's own public status page, for customers and without a
//! sign-in: `/status` and its history, incident pages and feeds as
//! server-built HTML and XML (core `public_html`, `feed`: escaped text,
//! safe Markdown, no inline script), Statuspage-v2-compatible JSON under
//! `/api/v2/`, and the in-app banner (`/api/v2/banner.json` with CORS for
//! the origins an admin allowed, and `/status/banner.js` to embed). All of
//! it is served from the public cache (see `public_cache`).

use super::public_cache::Snapshot;
use super::Relay;
use crate::reply::{self, ApiError};
use crate::storage::EventStore;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use sitrep_core::status_page::feed;
use sitrep_core::status_page::public_html::{self, Offers, Reader};
use std::sync::Arc;

/// The own page as a publisher (see `Publisher for OwnPage` in the parent).
pub struct OwnPage;

/// What the public routes share.
#[derive(Clone)]
pub struct Public {
    pub relay: Relay,
    pub log: Arc<dyn EventStore>,
    /// Origins whose pages may read the banner (`--banner-origin`).
    pub banner_origins: Arc<Vec<String>>,
    /// Trust `X-Forwarded-Proto` for the feeds' own address.
    pub tls_proxy: bool,
}

impl Public {
    pub fn offers(&self) -> Offers {
        // Webhook subscriptions are confirmed by email too.
        let mail = self.relay.channels.mailer.is_some();
        Offers {
            email: mail,
            webhooks: mail,
        }
    }

    /// The snapshot to serve (rebuilt first when something was published).
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, ApiError> {
        let cache = self.relay.public.clone();
        let log = self.log.clone();
        reply::blocking_on(move || cache.current(&*log)).await
    }

    /// The page's absolute address: `--status-page-url`, or what the
    /// request was sent to.
    pub fn base(&self, headers: &HeaderMap) -> String {
        let configured = self.relay.settings.page.url.trim_end_matches('/');
        if !configured.is_empty() {
            return configured.to_string();
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.len() <= 255
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
            })
            .unwrap_or("localhost");
        let https = self.tls_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                == Some("https");
        format!("{}://{host}", if https { "https" } else { "http" })
    }
}

/// Public JSON any status client may read from anywhere, briefly cached.
fn public_json(value: serde_json::Value) -> Response {
    let mut resp = Json(value).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=10"),
    );
    resp
}

macro_rules! json_route {
    ($name:ident, |$s:ident| $body:expr) => {
        pub async fn $name(State(p): State<Public>) -> Response {
            match p.snapshot().await {
                Ok(snap) => {
                    let $s = &snap.state;
                    public_json($body)
                }
                Err(e) => e.into_response(),
            }
        }
    };
}

json_route!(summary, |s| serde_json::to_value(s.summary())
    .unwrap_or_default());
json_route!(status, |s| json!({ "page": s.page, "status": s.status }));
json_route!(
    components,
    |s| json!({ "page": s.page, "components": s.components })
);
json_route!(
    incidents,
    |s| json!({ "page": s.page, "incidents": s.recent_incidents() })
);
json_route!(
    unresolved,
    |s| json!({ "page": s.page, "incidents": s.unresolved() })
);
json_route!(
    maintenances,
    |s| json!({ "page": s.page, "scheduled_maintenances": s.recent_maintenances() })
);
json_route!(
    upcoming_maintenances,
    |s| json!({ "page": s.page, "scheduled_maintenances": s.scheduled() })
);
json_route!(
    active_maintenances,
    |s| json!({ "page": s.page, "scheduled_maintenances": s.active() })
);

pub async fn css() -> Response {
    asset("text/css", CSS)
}

pub async fn page_js() -> Response {
    asset("text/javascript", PAGE_JS)
}

pub async fn banner_js() -> Response {
    asset("text/javascript", BANNER_JS)
}

pub async fn banner_css() -> Response {
    asset("text/css", BANNER_CSS)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                format!("{content_type}; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, "public, max-age=300".to_string()),
            // The banner script and style are loaded by other sites' pages.
            (
                header::HeaderName::from_static("cross-origin-resource-policy"),
                "cross-origin".to_string(),
            ),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize, Default)]
pub struct ZoneQuery {
    tz: Option<String>,
}

pub fn html(status: StatusCode, page: Arc<String>) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=10"),
        ],
        page.as_ref().clone(),
    )
        .into_response()
}

/// The zone key of a query: a known zone's name, or empty for UTC.
fn zone_key(r: &Reader) -> String {
    r.zone
        .as_ref()
        .map(|z| z.name().to_string())
        .unwrap_or_default()
}

pub async fn front(State(p): State<Public>, Query(q): Query<ZoneQuery>) -> Response {
    let snap = match p.snapshot().await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let r = Reader::from_query(q.tz.as_deref());
    let offers = p.offers();
    let page = snap.render(format!("front|{}", zone_key(&r)), || {
        public_html::front_page(&snap.state, &r, offers)
    });
    html(StatusCode::OK, page)
}

pub async fn history(State(p): State<Public>, Query(q): Query<ZoneQuery>) -> Response {
    let snap = match p.snapshot().await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let r = Reader::from_query(q.tz.as_deref());
    let page = snap.render(format!("history|{}", zone_key(&r)), || {
        public_html::history_page(&snap.state, &r)
    });
    html(StatusCode::OK, page)
}

pub async fn incident(
    State(p): State<Public>,
    Path(code): Path<String>,
    Query(q): Query<ZoneQuery>,
) -> Response {
    let snap = match p.snapshot().await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let r = Reader::from_query(q.tz.as_deref());
    if snap.state.by_code(&code).is_none() {
        let missing = public_html::message_page(
            &snap.state,
            &r,
            &public_html::Message {
                title: "No such incident".into(),
                lines: vec![
                    "This page does not list an incident at that address. Check the link, or see the incident history.".into(),
                ],
                secret: None,
            },
        );
        return html(StatusCode::NOT_FOUND, Arc::new(missing));
    }
    let page = snap.render(format!("incident|{code}|{}", zone_key(&r)), || {
        public_html::incident_page(&snap.state, &r, &code).unwrap_or_default()
    });
    html(StatusCode::OK, page)
}

#[derive(Deserialize, Default)]
pub struct FeedQuery {
    component: Option<String>,
}

async fn feed_response(
    p: Public,
    headers: HeaderMap,
    q: FeedQuery,
    kind: &'static str,
) -> Response {
    let snap = match p.snapshot().await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    // Only a component the page lists; anything else is the whole feed's
    // business to refuse, not to echo.
    let component = q
        .component
        .filter(|c| snap.state.components.iter().any(|x| !x.group && x.id == *c));
    let base = p.base(&headers);
    let key = format!("{kind}|{base}|{}", component.as_deref().unwrap_or(""));
    let body = snap.render(key, || match kind {
        "atom" => feed::atom(&snap.state, &base, component.as_deref()),
        _ => feed::rss(&snap.state, &base, component.as_deref()),
    });
    let content_type = if kind == "atom" {
        "application/atom+xml; charset=utf-8"
    } else {
        "application/rss+xml; charset=utf-8"
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        body.as_ref().clone(),
    )
        .into_response()
}

pub async fn atom(
    State(p): State<Public>,
    headers: HeaderMap,
    Query(q): Query<FeedQuery>,
) -> Response {
    feed_response(p, headers, q, "atom").await
}

pub async fn rss(
    State(p): State<Public>,
    headers: HeaderMap,
    Query(q): Query<FeedQuery>,
) -> Response {
    feed_response(p, headers, q, "rss").await
}

/// The CORS header for an allowed origin (none for any other: the browser
/// then keeps the answer from that page).
fn banner_cors(p: &Public, headers: &HeaderMap, resp: &mut Response) {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or("");
    let h = resp.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    if !origin.is_empty() && p.banner_origins.iter().any(|o| o == origin) {
        if let Ok(v) = HeaderValue::from_str(origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
    }
}

pub async fn banner_json(State(p): State<Public>, headers: HeaderMap) -> Response {
    let snap = match p.snapshot().await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let mut resp = Json(&snap.banner).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=15"),
    );
    banner_cors(&p, &headers, &mut resp);
    resp
}

pub async fn banner_preflight(State(p): State<Public>, headers: HeaderMap) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    banner_cors(&p, &headers, &mut resp);
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    resp
}

const CSS: &str = include_str!("assets/status.css");
const PAGE_JS: &str = include_str!("assets/status.js");
const BANNER_JS: &str = include_str!("assets/banner.js");
const BANNER_CSS: &str = include_str!("assets/banner.css");
