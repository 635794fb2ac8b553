//! Setup many tests repeat, in one place: a server on a data dir of its
//! own, a stream opened with a chosen credential header, a page's text as
//! an account reads it, and an admin's manual change freeze.

use super::{post_ok_as, temp_dir, Running};
use serde_json::json;
use std::ops::{Deref, DerefMut};

/// A server on a fresh data dir of its own, for a test that never needs
/// the dir itself; it reads as the `Running` it holds.
pub struct FreshServer {
    // Fields drop in order: the server stops before its dir is removed.
    server: Running,
    _dir: tempfile::TempDir,
}

impl Deref for FreshServer {
    type Target = Running;
    fn deref(&self) -> &Running {
        &self.server
    }
}

impl DerefMut for FreshServer {
    fn deref_mut(&mut self) -> &mut Running {
        &mut self.server
    }
}

pub fn fresh_server() -> FreshServer {
    let dir = temp_dir();
    let server = Running::start(&super::data_dir(&dir));
    FreshServer { server, _dir: dir }
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The live stream opened with `header: value` as its only credential
/// (a session cookie, or `authorization` with a bearer token).
pub async fn stream_with(s: &Running, header: &str, value: &str) -> Ws {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://{}/api/v1/stream", s.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        reqwest::header::HeaderName::from_bytes(header.as_bytes()).unwrap(),
        value.parse().unwrap(),
    );
    tokio_tungstenite::connect_async(req)
        .await
        .expect("opens")
        .0
}

/// The body of `GET path` as the account named after `role` reads it.
pub async fn text_as(s: &Running, role: &str, path: &str) -> String {
    s.client_as(role)
        .get(s.url(path))
        .send()
        .await
        .expect("GET reaches the server")
        .text()
        .await
        .expect("a body")
}

/// An admin freezes changes from `at` until `until`, for `reason`.
pub async fn start_manual_freeze(s: &Running, at: i64, until: i64, reason: &str) {
    let started = json!({
        "id": format!("manual-freeze-{at}"), "incident": "workspace", "author": "admin", "at": at,
        "body": {"kind": "freeze_started", "until": until, "reason": reason},
    });
    post_ok_as(s, "admin", &[started]).await;
}
