//! One HTTP request to a publishing target, sorted into what the retry
//! policy needs: an answer (code, Retry-After, the backend's words), a
//! connection that never happened, or silence after the request went out.
//! Redirects are not followed and answers are read up to a size limit.

use axum::body::Bytes;
use axum::http::{header, HeaderValue, Method, Request, Uri};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use sitrep_core::status_page::publishing;
use sitrep_core::status_page::publishing::Reply;
use std::time::Duration;

/// Largest answer read from a target; real answers are a few kB.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

pub use crate::outbound::HttpsClient;

/// A request to send: the auth header is passed separately so nothing that
/// prints a request could show it.
pub struct Call {
    pub method: Method,
    pub url: String,
    pub auth: (&'static str, String),
    pub json: serde_json::Value,
}

/// A 2xx answer's JSON, or the `Reply` that sorts any other outcome.
pub async fn send(
    client: &HttpsClient,
    call: Call,
    timeout: Duration,
) -> Result<serde_json::Value, Reply> {
    let uri: Uri = call
        .url
        .parse()
        .map_err(|e| Reply::Unreadable(format!("the target's URL is not valid: {e}")))?;
    let mut auth = HeaderValue::from_str(&call.auth.1)
        .map_err(|_| Reply::Unreadable("the stored key cannot go in a header".into()))?;
    auth.set_sensitive(true);
    let body = serde_json::to_vec(&call.json).unwrap_or_default();
    let request = Request::builder()
        .method(call.method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header(
            header::USER_AGENT,
            concat!("sitrep-server/", env!("CARGO_PKG_VERSION"), " (publisher)"),
        )
        .header(call.auth.0, auth)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| Reply::Unreadable(format!("cannot build the request: {e}")))?;
    match tokio::time::timeout(timeout, exchange(client, request)).await {
        Ok(result) => result,
        Err(_) => Err(Reply::NoAnswer(format!(
            "no answer within {}",
            seconds(timeout)
        ))),
    }
}

async fn exchange(
    client: &HttpsClient,
    request: Request<Full<Bytes>>,
) -> Result<serde_json::Value, Reply> {
    let response = client.request(request).await.map_err(|e| {
        if e.is_connect() {
            Reply::CannotConnect(format!("cannot connect: {}", root_cause(&e)))
        } else {
            // The request may have gone out before the connection broke.
            Reply::NoAnswer(format!("the connection broke: {}", root_cause(&e)))
        }
    })?;
    let code = response.status().as_u16();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| publishing::retry_after_ms(v, crate::clock::now_ms()));
    if response.status().is_redirection() {
        return Err(Reply::Unreadable(format!(
            "HTTP {code}: a redirect (not followed); check the base URL"
        )));
    }
    let body = match Limited::new(response.into_body(), MAX_ANSWER_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(Reply::Unreadable(format!(
                "HTTP {code}: the answer is over {MAX_ANSWER_BYTES} bytes"
            )))
        }
        Err(e) => {
            return Err(Reply::NoAnswer(format!(
                "HTTP {code}, then the answer broke off: {}",
                root_cause(e.as_ref())
            )))
        }
    };
    if !(200..300).contains(&code) {
        return Err(Reply::Http {
            code,
            retry_after_ms: retry_after,
            text: publishing::error_text(&content_type, &body),
        });
    }
    let text = String::from_utf8_lossy(&body);
    if publishing::looks_like_html(&content_type, &text) {
        return Err(Reply::Unreadable(format!(
            "HTTP {code}, but {}",
            publishing::error_text(&content_type, &body)
        )));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(&body).map_err(|e| {
        Reply::Unreadable(publishing::clip(&format!(
            "HTTP {code}, but the answer is not JSON ({e})"
        )))
    })
}

fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn root_cause<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> &'a (dyn std::error::Error + 'static) {
    let mut e = e;
    while let Some(inner) = e.source() {
        e = inner;
    }
    e
}
