//! `/api/v1/stream`: a websocket that first replays the log after the
//! client's seq from SQLite, then forwards each newly committed event.

use crate::api::{self, blocking, MAX_PAGE};
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sitrep_core::protocol::StreamMessage;
use sitrep_core::Event;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;

/// One committed event, serialized once for every subscriber.
#[derive(Clone)]
pub struct Committed {
    pub seq: u64,
    pub text: Utf8Bytes,
}

/// Called with the write lock held, so subscribers see commits in seq order.
pub fn publish(live: &broadcast::Sender<Committed>, stored: &[Event]) {
    // Nobody listening: a subscriber that arrives later reads these from
    // SQLite, because it subscribes before it reads.
    if live.receiver_count() == 0 {
        return;
    }
    for ev in stored {
        let _ = live.send(Committed {
            seq: ev.seq.unwrap_or(0),
            text: encode_event(ev.clone()),
        });
    }
}

fn encode_event(event: Event) -> Utf8Bytes {
    encode(&StreamMessage::Event { event })
}

fn encode(msg: &StreamMessage) -> Utf8Bytes {
    serde_json::to_string(msg)
        .expect("a stream message always serializes")
        .into()
}

#[derive(Deserialize)]
pub struct StreamQuery {
    #[serde(default)]
    after: u64,
}

pub async fn handler(
    State(state): State<AppState>,
    query: Result<Query<StreamQuery>, QueryRejection>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let after = match query {
        Ok(Query(q)) => q.after,
        Err(e) => return api::error(StatusCode::BAD_REQUEST, e.body_text(), None),
    };
    match ws {
        Ok(ws) => ws
            .on_upgrade(move |socket| run(socket, state, after))
            .into_response(),
        Err(e) => api::error(e.status(), e.body_text(), None),
    }
}

/// The socket is gone (or the store failed); either way this client is done.
struct Gone;

async fn run(mut socket: WebSocket, state: AppState, after: u64) {
    // Subscribe before reading the catch-up: anything committed from here on
    // arrives live, anything before is in SQLite; the overlap is skipped by seq.
    let mut live = state.live.subscribe();
    let mut stopping = state.stopping.clone();
    let mut upstreams = state.upstreams.subscribe();
    let mut last = after;
    let Ok(head) = replay(&mut socket, &state, &mut last).await else {
        return;
    };
    if socket
        .send(Message::Text(encode(&StreamMessage::CaughtUp { head })))
        .await
        .is_err()
    {
        return;
    }
    // The upstream list follows the catch-up, so a console has it at once.
    upstreams.borrow_and_update();
    if send_upstreams(&mut socket, &state).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            got = live.recv() => match got {
                Ok(c) if c.seq <= last => {}
                Ok(c) => {
                    if socket.send(Message::Text(c.text)).await.is_err() {
                        return;
                    }
                    last = c.seq;
                }
                // This client fell behind; SQLite still has everything it missed.
                Err(RecvError::Lagged(_)) => {
                    if replay(&mut socket, &state, &mut last).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                // Text from the client (future: presence) is ignored for now.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
            changed = upstreams.changed() => {
                // The sender lives as long as the server; gone means stopping.
                if changed.is_err() || send_upstreams(&mut socket, &state).await.is_err() {
                    return;
                }
            }
            _ = stopped(&mut stopping) => break,
        }
    }
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 1001,
            reason: "server shutting down".into(),
        })))
        .await;
}

/// The whole list, not a diff: it is small, and a console that missed a
/// push is whole again with the next one.
async fn send_upstreams(socket: &mut WebSocket, state: &AppState) -> Result<(), Gone> {
    let msg = StreamMessage::Upstreams {
        providers: state.upstreams.views(),
    };
    socket
        .send(Message::Text(encode(&msg)))
        .await
        .map_err(|_| Gone)
}

/// Sends every stored event with seq > `last`, page by page, advancing `last`;
/// returns the head seen by the final read.
async fn replay(socket: &mut WebSocket, state: &AppState, last: &mut u64) -> Result<u64, Gone> {
    loop {
        let after = *last;
        let page = blocking(state, move |store| store.page(after, MAX_PAGE))
            .await
            .map_err(|_| Gone)?;
        let full = page.events.len() == MAX_PAGE;
        for ev in page.events {
            let seq = ev.seq.unwrap_or(0);
            socket
                .send(Message::Text(encode_event(ev)))
                .await
                .map_err(|_| Gone)?;
            *last = seq;
        }
        if !full {
            return Ok(page.head);
        }
    }
}

async fn stopped(rx: &mut watch::Receiver<bool>) {
    loop {
        let now = *rx.borrow_and_update();
        if now {
            return;
        }
        if rx.changed().await.is_err() {
            // The server is gone without saying so; the runtime will end us.
            std::future::pending::<()>().await;
        }
    }
}
