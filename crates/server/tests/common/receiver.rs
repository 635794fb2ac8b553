//! A webhook receiver on a free loopback port, answering as the test says:
//! accepting, failing a few times first, answering an HTML page, or never
//! answering. It records every request, and checks signatures the way
//! docs/webhooks.md tells receivers to.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub enum Script {
    Accept,
    /// 500 this many times, then accept.
    FailFirst(u32),
    Html,
    /// Never answers.
    Stall,
}

#[derive(Clone, Debug)]
pub struct Seen {
    pub headers: HeaderMap,
    pub body: Bytes,
    /// What it answered (0 while stalled).
    pub answered: u16,
}

impl Seen {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }

    /// Whether the signature holds for `secret`, as a receiver checks it:
    /// HMAC-SHA256 over `{Sitrep-Timestamp}.{body}`, compared in constant time.
    pub fn signed_with(&self, secret: &str) -> bool {
        let ts = self.header("sitrep-timestamp");
        let sig = self.header("sitrep-signature");
        let Some(hex) = sig.strip_prefix("v1=") else {
            return false;
        };
        let Ok(given) = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<Result<Vec<u8>, _>>()
        else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(ts.as_bytes());
        mac.update(b".");
        mac.update(&self.body);
        mac.verify_slice(&given).is_ok()
    }
}

#[derive(Clone)]
pub struct Receiver {
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub script: Arc<Mutex<Script>>,
    pub url: String,
}

impl Receiver {
    pub async fn start(script: Script) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let r = Receiver {
            seen: Arc::default(),
            script: Arc::new(Mutex::new(script)),
            url,
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(answer))
            .with_state(r.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        r
    }

    pub fn set(&self, script: Script) {
        *self.script.lock().unwrap() = script;
    }

    pub fn all(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The requests it accepted (answered 2xx), in order.
    pub fn accepted(&self) -> Vec<Seen> {
        self.all()
            .into_iter()
            .filter(|s| (200..300).contains(&s.answered))
            .collect()
    }
}

async fn answer(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let script = r.script.lock().unwrap().clone();
    let (code, resp) = match script {
        Script::Accept => (200, (StatusCode::OK, "ok").into_response()),
        Script::FailFirst(n) if n > 0 => {
            *r.script.lock().unwrap() = Script::FailFirst(n - 1);
            (
                500,
                (StatusCode::INTERNAL_SERVER_ERROR, "database is down").into_response(),
            )
        }
        Script::FailFirst(_) => (200, (StatusCode::OK, "ok").into_response()),
        Script::Html => (
            200,
            (
                StatusCode::OK,
                [("content-type", "text/html")],
                "<!DOCTYPE html><html><body>Please sign in</body></html>",
            )
                .into_response(),
        ),
        Script::Stall => {
            r.seen.lock().unwrap().push(Seen {
                headers,
                body,
                answered: 0,
            });
            std::future::pending::<()>().await;
            unreachable!()
        }
    };
    r.seen.lock().unwrap().push(Seen {
        headers,
        body,
        answered: code,
    });
    resp
}
