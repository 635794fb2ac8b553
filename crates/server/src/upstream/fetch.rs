//! One poll of one provider: an HTTPS (or HTTP) GET of its summary with a
//! time limit and a size limit, no redirects followed, and every failure
//! turned into a reason a person can read.

use crate::outbound::HttpsClient;
use axum::body::Bytes;
use axum::http::{header, Request, Uri};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use sitrep_core::status_page::upstream::{parse_summary, ParseError, Summary};
use std::time::Duration;

/// Longest reason kept: reasons quote parts of untrusted documents.
pub(super) const MAX_REASON_CHARS: usize = 300;

/// One GET of a summary, within `timeout` in all (connecting, headers and
/// body), reading at most `max_bytes`. The error is a reason for a person.
pub async fn fetch(
    client: &HttpsClient,
    url: &Uri,
    timeout: Duration,
    max_bytes: usize,
) -> Result<Summary, String> {
    match tokio::time::timeout(timeout, fetch_body(client, url, max_bytes)).await {
        Ok(Ok(body)) => parse_summary(&body, max_bytes).map_err(|e| clip(e.to_string())),
        Ok(Err(reason)) => Err(clip(reason)),
        Err(_) => Err(format!("no answer within {}", seconds(timeout))),
    }
}

async fn fetch_body(client: &HttpsClient, url: &Uri, max_bytes: usize) -> Result<Bytes, String> {
    let request = Request::get(url.clone())
        .header(header::ACCEPT, "application/json")
        .header(
            header::USER_AGENT,
            concat!(
                "sitrep-server/",
                env!("CARGO_PKG_VERSION"),
                " (upstream poller)"
            ),
        )
        .body(Full::new(Bytes::new()))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let response = client.request(request).await.map_err(|e| {
        if e.is_connect() {
            format!("cannot connect: {}", root_cause(&e))
        } else {
            format!("the request failed: {}", root_cause(&e))
        }
    })?;
    let status = response.status();
    if status.is_redirection() {
        let to = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("nowhere");
        return Err(format!(
            "HTTP {status}, redirected to {to}; configure that URL instead (redirects are not followed)"
        ));
    }
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    let too_large = || ParseError::TooLarge { limit: max_bytes }.to_string();
    let declared = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_bytes as u64) {
        return Err(too_large());
    }
    // Stops reading past the limit, whatever the length header said.
    match Limited::new(response.into_body(), max_bytes)
        .collect()
        .await
    {
        Ok(body) => Ok(body.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(format!("the answer broke off: {}", root_cause(e.as_ref()))),
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

pub(super) fn clip(mut reason: String) -> String {
    reason.retain(|c| !c.is_control());
    if let Some((i, _)) = reason.char_indices().nth(MAX_REASON_CHARS) {
        reason.truncate(i);
        reason.push('…');
    }
    reason
}

fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_clipped_and_lose_control_characters() {
        assert_eq!(clip("a\r\nb".into()), "ab");
        let long = clip("x".repeat(1000));
        assert_eq!(long.chars().count(), MAX_REASON_CHARS + 1);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn timeouts_print_in_seconds() {
        assert_eq!(seconds(Duration::from_secs(10)), "10 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }
}
