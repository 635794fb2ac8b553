//! The public subscription pages: subscribe (by email or webhook, to every
//! component or some), confirm (double opt-in: the link in the email opens
//! a page with a button), and unsubscribe (the link in every email, and the
//! RFC 8058 one-click POST mail clients send from `List-Unsubscribe`).
//! Requests are limited per client address and per address typed; the
//! answer to a subscription is the same whether or not the address was
//! subscribed already, so the page tells nobody who is on the list.

use super::store::Kind;
use crate::peer;
use crate::publish::own::{html, Public};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sitrep_core::comms::subscribers;
use sitrep_core::status_page::public_html::{self, Message, Reader, SubscribeForm};
use sitrep_core::webhook::signing;
use std::sync::Arc;

/// 32 random bytes, URL-safe.
fn token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn reader() -> Reader {
    Reader::from_query(None)
}

async fn page(
    p: &Public,
    status: StatusCode,
    make: impl FnOnce(&sitrep_core::status_page::public_page::PublicState) -> String,
) -> Response {
    match p.snapshot().await {
        Ok(snap) => html(status, Arc::new(make(&snap.state))),
        Err(e) => e.into_response(),
    }
}

async fn message(p: &Public, status: StatusCode, title: &str, lines: &[&str]) -> Response {
    let m = Message {
        title: title.into(),
        lines: lines.iter().map(|l| l.to_string()).collect(),
        secret: None,
    };
    page(p, status, |s| public_html::message_page(s, &reader(), &m)).await
}

pub async fn form(State(p): State<Public>) -> Response {
    let offers = p.offers();
    page(&p, StatusCode::OK, |s| {
        public_html::subscribe_page(s, &reader(), offers, &SubscribeForm::default())
    })
    .await
}

/// The fields of the subscribe form; `component` repeats.
fn read_form(body: &[u8]) -> SubscribeForm {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut f = SubscribeForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "kind" => f.kind = v,
            "email" => f.email = v,
            "url" => f.url = v,
            "component" => f.components.push(v),
            _ => {}
        }
    }
    f
}

fn too_many(wait: std::time::Duration, mut resp: Response) -> Response {
    let secs = wait.as_secs().max(1);
    *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

pub async fn subscribe(State(p): State<Public>, req: Request<axum::body::Body>) -> Response {
    let (parts, body) = req.into_parts();
    let address = peer::client_address(&parts.extensions, &parts.headers, p.tls_proxy);
    let body = match axum::body::to_bytes(body, 16 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return message(
                &p,
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too long",
                &["That form was too long to read."],
            )
            .await
        }
    };
    let channels = p.relay.channels.clone();
    let mut f = read_form(&body);
    if f.kind != "webhook" {
        f.kind = "email".into();
    }
    let offers = p.offers();
    let refuse = |status: StatusCode, why: String, f: SubscribeForm| {
        let p = p.clone();
        async move {
            let f = SubscribeForm {
                error: Some(why),
                ..f
            };
            page(&p, status, |s| {
                public_html::subscribe_page(s, &reader(), offers, &f)
            })
            .await
        }
    };
    if let Err(wait) = channels.per_ip.take(&peer::key(address)) {
        let mins = wait.as_secs().div_ceil(60).max(1);
        let resp = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many subscription requests from your network; try again in {mins} min."),
            f,
        )
        .await;
        return too_many(wait, resp);
    }
    if channels.mailer.is_none() {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "Subscriptions by email and webhook are not available on this page; use a feed.".into(),
            f,
        )
        .await;
    }
    let email = match subscribers::check_email(&f.email) {
        Ok(e) => e,
        Err(why) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, why, f).await,
    };
    let kind = if f.kind == "webhook" {
        Kind::Webhook
    } else {
        Kind::Email
    };
    let url = if kind == Kind::Webhook {
        match subscribers::check_webhook_url(&f.url) {
            Ok(u) => u,
            Err(why) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, why, f).await,
        }
    } else {
        String::new()
    };
    let snap = match p.snapshot().await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let known: Vec<&str> = snap
        .state
        .components
        .iter()
        .filter(|c| !c.group)
        .map(|c| c.id.as_str())
        .collect();
    let components = match subscribers::check_components(&f.components, &known) {
        Ok(c) => c,
        Err(why) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, why, f).await,
    };
    if let Err(wait) = channels.per_address.take(&email.to_lowercase()) {
        let mins = wait.as_secs().div_ceil(60).max(1);
        let resp = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            format!("We sent a confirmation to that address a moment ago; check your inbox, or try again in {mins} min."),
            f,
        )
        .await;
        return too_many(wait, resp);
    }
    let secret = if kind == Kind::Webhook {
        format!("{}{}", signing::SECRET_PREFIX, token())
    } else {
        String::new()
    };
    let ch = channels.clone();
    let stored = crate::reply::blocking_on(move || {
        ch.store.subscribe(
            kind,
            &email,
            &url,
            &components,
            (token(), token()),
            secret,
            crate::clock::now_ms(),
        )?;
        // Signalling blocks (on PostgreSQL it is a NOTIFY).
        ch.wake_everywhere();
        Ok(())
    })
    .await;
    if let Err(e) = stored {
        return e.into_response();
    }
    message(
        &p,
        StatusCode::OK,
        "Check your inbox",
        &[
            "If that address can receive email, a message with a confirmation link is on its way.",
            "Nothing else is sent until you confirm. If it does not arrive in a few minutes, check your spam folder.",
        ],
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    token: Option<String>,
}

fn plausible(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn confirm_form(State(p): State<Public>, Query(q): Query<TokenQuery>) -> Response {
    let token = q.token.unwrap_or_default();
    let store = p.relay.channels.store.clone();
    let t = token.clone();
    let found = match crate::reply::blocking_on(move || {
        if plausible(&t) {
            store.by_confirm_token(&t)
        } else {
            Ok(None)
        }
    })
    .await
    {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    match found {
        Some(s) if s.unsubscribed_at.is_none() && s.confirmed_at.is_none() => {
            let what = match s.kind {
                Kind::Email => format!("Send updates from this page to {}.", s.email),
                Kind::Webhook => format!("Send updates from this page to the webhook {}.", s.url),
            };
            page(&p, StatusCode::OK, |st| {
                public_html::confirm_page(st, &reader(), &token, &what)
            })
            .await
        }
        Some(s) if s.confirmed_at.is_some() && s.unsubscribed_at.is_none() => message(
            &p,
            StatusCode::OK,
            "Already confirmed",
            &["This subscription is confirmed; updates are on their way as they are published."],
        )
        .await,
        _ => invalid_link(&p).await,
    }
}

async fn invalid_link(p: &Public) -> Response {
    message(
        p,
        StatusCode::NOT_FOUND,
        "This link is not valid",
        &["It may be from an older email (a newer one replaces it), or the subscription was ended. You can subscribe again."],
    )
    .await
}

/// A token from the query or the form body.
fn token_of(q: &TokenQuery, body: &Bytes) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    pairs
        .into_iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
        .or_else(|| q.token.clone())
        .unwrap_or_default()
}

pub async fn confirm(
    State(p): State<Public>,
    Query(q): Query<TokenQuery>,
    body: Bytes,
) -> Response {
    let token = token_of(&q, &body);
    let store = p.relay.channels.store.clone();
    let done = crate::reply::blocking_on(move || {
        if !plausible(&token) {
            return Ok(None);
        }
        let Some(s) = store.by_confirm_token(&token)? else {
            return Ok(None);
        };
        let newly = s.confirmed_at.is_none() && s.unsubscribed_at.is_none();
        if newly {
            store.confirm(s.id, crate::clock::now_ms())?;
        }
        Ok(Some((s, newly)))
    })
    .await;
    let (sub, newly) = match done {
        Ok(Some(x)) => x,
        Ok(None) => return invalid_link(&p).await,
        Err(e) => return e.into_response(),
    };
    if sub.unsubscribed_at.is_some() {
        return invalid_link(&p).await;
    }
    let mut m = Message {
        title: "You are subscribed".into(),
        lines: vec![
            "Updates are sent as they are published. Every email has a link to stop them.".into(),
        ],
        secret: None,
    };
    if sub.kind == Kind::Webhook {
        m.lines = vec![
            format!("We will POST every update to {}.", sub.url),
            "Check each request's Sitrep-Signature (HMAC-SHA256 of the Sitrep-Timestamp, a dot and the body) with this key; it is shown only now.".into(),
        ];
        if newly {
            m.secret = Some(("Your signing key:".into(), sub.secret.clone()));
        } else {
            m.lines
                .push("This subscription was confirmed before; its key was shown then.".into());
        }
    } else if !newly {
        m.title = "Already confirmed".into();
    }
    page(&p, StatusCode::OK, |s| {
        public_html::message_page(s, &reader(), &m)
    })
    .await
}

pub async fn unsubscribe_form(State(p): State<Public>, Query(q): Query<TokenQuery>) -> Response {
    let token = q.token.unwrap_or_default();
    let store = p.relay.channels.store.clone();
    let t = token.clone();
    let found = match crate::reply::blocking_on(move || {
        if plausible(&t) {
            store.by_unsubscribe_token(&t)
        } else {
            Ok(None)
        }
    })
    .await
    {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    match found {
        Some(s) if s.unsubscribed_at.is_none() => {
            let what = match s.kind {
                Kind::Email => format!("Stop sending updates to {}.", s.email),
                Kind::Webhook => format!("Stop sending updates to the webhook {}.", s.url),
            };
            page(&p, StatusCode::OK, |st| {
                public_html::unsubscribe_page(st, &reader(), &token, &what)
            })
            .await
        }
        Some(_) => {
            message(
                &p,
                StatusCode::OK,
                "You are unsubscribed",
                &["Nothing more will be sent."],
            )
            .await
        }
        None => invalid_link(&p).await,
    }
}

pub async fn unsubscribe(
    State(p): State<Public>,
    Query(q): Query<TokenQuery>,
    _headers: HeaderMap,
    body: Bytes,
) -> Response {
    // RFC 8058 sends `List-Unsubscribe=One-Click` with the token in the
    // URL; our own page's button sends the token in the form as well.
    let token = token_of(&q, &body);
    let store = p.relay.channels.store.clone();
    let done = crate::reply::blocking_on(move || {
        if !plausible(&token) {
            return Ok(false);
        }
        let Some(s) = store.by_unsubscribe_token(&token)? else {
            return Ok(false);
        };
        store.unsubscribe(s.id, crate::clock::now_ms())?;
        Ok(true)
    })
    .await;
    match done {
        Ok(true) => {
            message(
                &p,
                StatusCode::OK,
                "You are unsubscribed",
                &["Nothing more will be sent. You can subscribe again at any time."],
            )
            .await
        }
        Ok(false) => invalid_link(&p).await,
        Err(e) => e.into_response(),
    }
}
