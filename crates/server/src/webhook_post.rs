//! One signed webhook POST (subscribers' and the team's alike), sorted into
//! what the retry policy needs, with the receiver's answer kept for the
//! people who look at it. Signing follows core `webhook::signing`.
//!
//! Subscribers type their own addresses, so their requests go only to
//! public addresses: names are resolved here and private, loopback and
//! link-local answers are refused (`--webhook-allow-private` lifts it for a
//! closed network or a test); the team's hooks are an admin's choice and
//! go anywhere.

use axum::body::Bytes;
use axum::http::{header, HeaderValue, Method, Request, Uri};
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::client::legacy::Client;
use sha2::Sha256;
use sitrep_core::status_page::publishing::{self, Reply};
use sitrep_core::webhook::signing;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Most of an answer read: receivers answer a word or two.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Resolves names to public addresses only (unless allowed otherwise).
#[derive(Clone)]
pub struct PublicOnly {
    pub allow_private: bool,
}

pub type GuardedClient =
    Client<hyper_rustls::HttpsConnector<HttpConnector<PublicOnly>>, Full<Bytes>>;

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                // Carrier-grade NAT, 100.64.0.0/10.
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // Unique local fc00::/7, link-local fe80::/10.
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

const PRIVATE: &str =
    "the address is on a private or local network; webhooks go to public addresses only";

impl tower_service::Service<Name> for PublicOnly {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allow || is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    PRIVATE,
                ));
            }
            Ok(found.into_iter())
        })
    }
}

pub fn guarded_client(connect_timeout: Duration, allow_private: bool) -> GuardedClient {
    let mut http = HttpConnector::new_with_resolver(PublicOnly { allow_private });
    http.set_connect_timeout(Some(connect_timeout));
    crate::outbound::over(http, Duration::from_secs(30))
}

/// One request to send.
pub struct Post<'a> {
    pub url: &'a str,
    pub body: &'a [u8],
    pub secret: &'a str,
    /// The same on every attempt: receivers drop repeats by it.
    pub delivery: &'a str,
    pub event: &'a str,
    /// Refuse IP-literal hosts that are not public (a resolver never sees them).
    pub public_only: bool,
}

/// What the receiver said, for the people who check a hook.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    pub code: Option<u16>,
    pub text: String,
}

/// The HMAC-SHA256 signature header value of `body` at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(&signing::base_string(timestamp, body));
    signing::signature_value(&mac.finalize().into_bytes())
}

pub async fn post<C>(
    client: &Client<C, Full<Bytes>>,
    p: Post<'_>,
    timeout: Duration,
) -> (Result<(), Reply>, Answer)
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let uri: Uri = match p.url.parse() {
        Ok(u) => u,
        Err(e) => {
            return (
                Err(Reply::Unreadable(format!("the address is not valid: {e}"))),
                Answer::default(),
            )
        }
    };
    if p.public_only {
        let host = uri.host().unwrap_or("").trim_matches(['[', ']']);
        if host.parse::<IpAddr>().is_ok_and(|ip| !is_public(ip)) {
            return (Err(Reply::Unreadable(PRIVATE.into())), Answer::default());
        }
    }
    let timestamp = crate::clock::now_ms().div_euclid(1000);
    let request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(
            header::USER_AGENT,
            concat!("sitrep-server/", env!("CARGO_PKG_VERSION"), " (webhooks)"),
        )
        .header(signing::TIMESTAMP_HEADER, timestamp.to_string())
        .header(signing::SIGNATURE_HEADER, sign(p.secret, timestamp, p.body))
        .header(
            signing::DELIVERY_HEADER,
            HeaderValue::from_str(p.delivery).unwrap_or(HeaderValue::from_static("unknown")),
        )
        .header(
            signing::EVENT_HEADER,
            HeaderValue::from_str(p.event).unwrap_or(HeaderValue::from_static("unknown")),
        )
        .body(Full::new(Bytes::copy_from_slice(p.body)));
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            return (
                Err(Reply::Unreadable(format!("cannot build the request: {e}"))),
                Answer::default(),
            )
        }
    };
    match tokio::time::timeout(timeout, exchange(client, request)).await {
        Ok(r) => r,
        Err(_) => (
            Err(Reply::NoAnswer(format!(
                "no answer within {} s",
                timeout.as_secs_f64().ceil() as u64
            ))),
            Answer::default(),
        ),
    }
}

async fn exchange<C>(
    client: &Client<C, Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> (Result<(), Reply>, Answer)
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let response = match client.request(request).await {
        Ok(r) => r,
        Err(e) => {
            let why = root_cause(&e).to_string();
            let reply = if e.is_connect() {
                if why.contains(PRIVATE) {
                    Reply::Unreadable(PRIVATE.into())
                } else {
                    Reply::CannotConnect(format!("cannot connect: {why}"))
                }
            } else {
                Reply::NoAnswer(format!("the connection broke: {why}"))
            };
            return (Err(reply), Answer::default());
        }
    };
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
    let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body).to_string();
    let answer = Answer {
        code: Some(code),
        text: publishing::clip(&text.replace(['\r', '\n'], " ")),
    };
    if (300..400).contains(&code) {
        return (
            Err(Reply::Unreadable(format!(
                "HTTP {code}: a redirect (not followed); check the address"
            ))),
            answer,
        );
    }
    if !(200..300).contains(&code) {
        let reply = Reply::Http {
            code,
            retry_after_ms: retry_after,
            text: publishing::error_text(&content_type, &body),
        };
        return (Err(reply), answer);
    }
    // A 2xx that is a web page is a login page or a wrong address, not a
    // webhook receiver: the update did not reach anyone.
    if publishing::looks_like_html(&content_type, &text) {
        return (
            Err(Reply::Unreadable(format!(
                "HTTP {code}, but an HTML page answered, not a webhook receiver (a wrong address or a login page?)"
            ))),
            answer,
        );
    }
    (Ok(()), answer)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_local_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1", "1.1.1.1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_the_timestamp_dot_body() {
        // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'Jefe'
        let sig = sign("Jefe", 1_700_000_000, b"{\"a\":1}");
        assert_eq!(
            sig,
            "v1=fa5f6481efc59da48b19c9dc10196c9953e5651f8304b3a318b6b87d70272e0a"
        );
        assert_ne!(
            sig,
            sign("Jefe", 1_700_000_001, b"{\"a\":1}"),
            "the timestamp is signed"
        );
        assert_ne!(
            sig,
            sign("Jeff", 1_700_000_000, b"{\"a\":1}"),
            "so is the key"
        );
    }
}
