//! The one HTTPS client the server calls out with: publishing to targets
//! and polling watched upstreams share it (one connection pool, one set of
//! roots). hyper's own client with rustls on ring and the Mozilla roots
//! compiled in, so no system trust store is needed. Callers bound each
//! request's whole time themselves; redirects are never followed. The
//! webhooks' clients are made here too (`over`), with their own resolver.

use axum::body::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

pub type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// `connect_timeout` bounds making the connection alone: failing to
/// connect is known to be harmless to retry, a silence after sending is not.
pub fn client(connect_timeout: Duration) -> HttpsClient {
    let mut http = HttpConnector::new();
    http.set_connect_timeout(Some(connect_timeout));
    // Upstreams are polled about once a minute: an idle connection kept
    // that long is reused by the next poll.
    over(http, Duration::from_secs(90))
}

/// TLS (rustls on ring, the Mozilla roots) over `http`, whatever resolves
/// its names: the subscribers' webhooks use it with a resolver of their
/// own (`webhook_post::PublicOnly`), so every client the server calls out
/// with is made here.
pub fn over<R>(
    mut http: HttpConnector<R>,
    pool_idle_timeout: Duration,
) -> Client<hyper_rustls::HttpsConnector<HttpConnector<R>>, Full<Bytes>>
where
    hyper_rustls::HttpsConnector<HttpConnector<R>>: Connect + Clone,
{
    // `http` URLs are allowed: an admin may watch a page or run a target on
    // the internal network, and the tests serve both on loopback.
    http.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .expect("ring supports the default TLS versions")
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(pool_idle_timeout)
        .build(https)
}
