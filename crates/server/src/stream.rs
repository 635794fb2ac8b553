//! `/api/v1/stream`: a websocket that first replays the log after the
//! client's seq from SQLite, then forwards each newly committed event.

use crate::accounts::Caller;
use crate::reply::{self, blocking};
use crate::storage::MAX_PAGE;
use crate::{auth, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use serde::Deserialize;
use sitrep_core::log::limits;
use sitrep_core::log::protocol::{ClientMessage, StreamMessage};
use sitrep_core::status_page::upstream_budget;
use sitrep_core::Event;
use tokio::sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};
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
    headers: HeaderMap,
    query: Result<Query<StreamQuery>, QueryRejection>,
    held: Option<axum::Extension<crate::connections::Held>>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let after = match query {
        Ok(Query(q)) => q.after,
        Err(e) => return reply::error(StatusCode::BAD_REQUEST, e.body_text(), None),
    };
    // A page elsewhere must not read the log with this browser's cookie.
    if let Some(why) = crate::origin::refusal(&headers, &state.allowed_origins) {
        return reply::error(StatusCode::FORBIDDEN, why, None);
    }
    // The same credentials as every other read, checked before the upgrade.
    let caller = match auth::authenticate(&state, &headers).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let Some(credential) = auth::credential(&headers) else {
        return reply::error(StatusCode::UNAUTHORIZED, "sign in first", None);
    };
    // A session's stream ends with the session; a token's does not expire.
    let ends_in = caller
        .expires_at
        .map(|at| std::time::Duration::from_millis((at - crate::clock::now_ms()).max(0) as u64));
    match ws {
        // Bounded: a client that stops reading cannot make its buffer grow;
        // once it is full, sends wait, and a send that waits too long ends it.
        Ok(ws) => ws
            .write_buffer_size(64 * 1024)
            .max_write_buffer_size(MAX_WRITE_BUFFER)
            // Consoles send only presence: a few KB is plenty, and a
            // bigger message ends this socket before it is buffered whole.
            .max_message_size(limits::MAX_CLIENT_MESSAGE_BYTES)
            .max_frame_size(limits::MAX_CLIENT_MESSAGE_BYTES)
            // tungstenite zeroes its whole read buffer (128 KiB by default)
            // before every read attempt, and the loop below polls for a read
            // after every send: with 500 clients that memset was the
            // server's top frame. A client message fits in a few KiB.
            .read_buffer_size(READ_BUFFER)
            .on_upgrade(move |socket| async move {
                // The connection's place is kept while the socket is open.
                let _held = held;
                run(socket, state, after, ends_in, caller, credential).await
            })
            .into_response(),
        Err(e) => reply::error(e.status(), e.body_text(), None),
    }
}

/// The socket is gone, stalled, or the log failed; this client is done.
struct Gone;

/// Larger than the largest message: an event is at most a POST body (its
/// seq and the envelope add a few bytes), the upstream list is bounded by
/// `upstream_budget` and checked against `MAX_UPSTREAMS_BYTES`, presence is
/// a few hundred bytes. A message over it would end the socket.
const MAX_WRITE_BUFFER: usize = sitrep_core::log::limits::MAX_BODY_BYTES + 64 * 1024;

/// Enough for one whole client message and its frame header.
const READ_BUFFER: usize = limits::MAX_CLIENT_MESSAGE_BYTES + 1024;

const CLIENT_MESSAGE_TOO_BIG: &str = "a message to the server is at most 4096 bytes";

/// The upstream list's own ceiling, well under the buffer.
const MAX_UPSTREAMS_BYTES: usize = 512 * 1024;

/// Sends one message, giving up on a client that has not taken it within
/// the server's send timeout: its own task waits, nobody else does.
async fn send(socket: &mut WebSocket, state: &AppState, msg: Message) -> Result<(), Gone> {
    match tokio::time::timeout(state.ws_send_timeout, socket.send(msg)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(Gone),
    }
}

/// At most this many events go out in one write: enough to empty a busy
/// queue in a few writes, few enough that presence and a close are not
/// held up behind a long backlog.
const MAX_COALESCED: usize = 256;

/// Buffers `first` and every further event already queued for this client
/// (each its own text frame, so the protocol is unchanged), then flushes
/// once: one write carries many frames, instead of one write and one
/// wake-up of the client per event. Falling behind while draining
/// resyncs from SQLite, as a lagged `recv` does.
async fn forward(
    socket: &mut WebSocket,
    state: &AppState,
    live: &mut broadcast::Receiver<Committed>,
    last: &mut u64,
    first: Committed,
) -> Result<(), Gone> {
    let mut next = Some(first);
    let mut buffered = 0;
    while let Some(c) = next.take() {
        if c.seq > *last {
            feed(socket, state, Message::Text(c.text)).await?;
            *last = c.seq;
            buffered += 1;
        }
        if buffered >= MAX_COALESCED {
            break;
        }
        match live.try_recv() {
            Ok(c) => next = Some(c),
            Err(TryRecvError::Lagged(_)) => {
                flush(socket, state).await?;
                return replay(socket, state, last).await.map(|_| ());
            }
            // Closed: the next `recv` says so and the loop says goodbye.
            Err(TryRecvError::Empty) | Err(TryRecvError::Closed) => {}
        }
    }
    flush(socket, state).await
}

/// Queues one message in the socket's write buffer (writing out what is
/// already there if it is full), with the same timeout as `send`.
async fn feed(socket: &mut WebSocket, state: &AppState, msg: Message) -> Result<(), Gone> {
    match tokio::time::timeout(state.ws_send_timeout, socket.feed(msg)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(Gone),
    }
}

async fn flush(socket: &mut WebSocket, state: &AppState) -> Result<(), Gone> {
    match tokio::time::timeout(state.ws_send_timeout, socket.flush()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(Gone),
    }
}

async fn run(
    mut socket: WebSocket,
    state: AppState,
    after: u64,
    ends_in: Option<std::time::Duration>,
    caller: Caller,
    credential: auth::Credential,
) {
    let account = caller.name.clone();
    let session_over = async move {
        match ends_in {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::pin!(session_over);
    // Subscribe before reading the catch-up: anything committed from here on
    // arrives live, anything before is in SQLite; the overlap is skipped by seq.
    let mut live = state.live.subscribe();
    let mut presence = state.presence.subscribe();
    let seat = state.presence.seat();
    let mut stopping = state.stopping.clone();
    let mut upstreams = state.upstreams.subscribe();
    let mut account_changes = state.account_changes.subscribe();
    let mut last = after;
    let Ok(head) = replay(&mut socket, &state, &mut last).await else {
        return;
    };
    if send(
        &mut socket,
        &state,
        Message::Text(encode(&StreamMessage::CaughtUp { head })),
    )
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
    for msg in state.presence.snapshot() {
        if send(&mut socket, &state, Message::Text(msg)).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            got = live.recv() => match got {
                Ok(c) => {
                    if forward(&mut socket, &state, &mut live, &mut last, c).await.is_err() {
                        return;
                    }
                }
                // This client fell behind; SQLite still has everything it missed.
                Err(RecvError::Lagged(_)) => {
                    if replay(&mut socket, &state, &mut last).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => break,
            },
            changed = presence.recv() => match changed {
                Ok(text) => {
                    if send(&mut socket, &state, Message::Text(text)).await.is_err() {
                        return;
                    }
                }
                // Missed some presence news: the snapshot has the latest.
                Err(RecvError::Lagged(_)) => {
                    for msg in state.presence.snapshot() {
                        if send(&mut socket, &state, Message::Text(msg)).await.is_err() {
                            return;
                        }
                    }
                }
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None => return,
                Some(Err(_)) => {
                    // Over the size limit (or broken): this client only.
                    let _ = send(&mut socket, &state, Message::Close(Some(CloseFrame {
                        code: 1009,
                        reason: CLIENT_MESSAGE_TOO_BIG.into(),
                    }))).await;
                    return;
                }
                Some(Ok(Message::Text(text))) => {
                    // A message this server does not understand is ignored:
                    // the stream is for reading, and a newer console may say
                    // more. Presence goes by the signed-in account, whatever
                    // name the client sends, and an incident id that is not
                    // one is not relayed to anyone.
                    if let Ok(ClientMessage::Presence { incident, .. }) = serde_json::from_str(text.as_str()) {
                        if limits::presence(incident.as_ref()).is_ok() {
                            seat.view(incident, &account);
                        }
                    }
                }
                Some(Ok(_)) => {}
            },
            changed = upstreams.changed() => {
                // The sender lives as long as the server; gone means stopping.
                if changed.is_err() || send_upstreams(&mut socket, &state).await.is_err() {
                    return;
                }
            }
            changed = account_changes.recv() => {
                let ours = match changed {
                    Ok(name) => *name == *account,
                    // Missed some: ask, it is one query.
                    Err(RecvError::Lagged(_)) => true,
                    Err(RecvError::Closed) => false,
                };
                if ours {
                    if let Some(reason) = revoked(&state, &caller, &credential).await {
                        // 1008 (policy): the client reconnects and is told
                        // to sign in, or comes back with its new role.
                        let _ = send(&mut socket, &state, Message::Close(Some(CloseFrame {
                            code: 1008,
                            reason: reason.into(),
                        }))).await;
                        return;
                    }
                }
            }
            _ = stopped(&mut stopping) => break,
            () = &mut session_over => {
                // 1008 (policy): the client reconnects, is refused with 401,
                // and asks its user to sign in again.
                let _ = send(&mut socket, &state, Message::Close(Some(CloseFrame {
                    code: 1008,
                    reason: "session expired".into(),
                }))).await;
                return;
            }
        }
    }
    let _ = send(
        &mut socket,
        &state,
        Message::Close(Some(CloseFrame {
            code: 1001,
            reason: "server shutting down".into(),
        })),
    )
    .await;
}

/// Why a stream's credential no longer holds as it did when it opened
/// (signed out, password reset, account removed or disabled, token
/// revoked, role changed), or None while it does.
async fn revoked(
    state: &AppState,
    opened: &Caller,
    credential: &auth::Credential,
) -> Option<&'static str> {
    match auth::check(state, credential.clone()).await {
        Ok(Some(now)) if now.role == opened.role => None,
        Ok(Some(_)) => Some("role changed"),
        Ok(None) => Some("signed out"),
        // The database is in trouble: keep serving what is already live.
        Err(_) => None,
    }
}

/// The whole list, not a diff: it is bounded, and a console that missed a
/// push is whole again with the next one. A list still too big (hundreds of
/// providers) goes brief; one too big even so is not sent, and the console
/// keeps the last it had, rather than the socket breaking.
async fn send_upstreams(socket: &mut WebSocket, state: &AppState) -> Result<(), Gone> {
    let providers = state.upstreams.views();
    let mut text = encode(&StreamMessage::Upstreams {
        providers: providers.clone(),
    });
    if text.len() > MAX_UPSTREAMS_BYTES {
        text = encode(&StreamMessage::Upstreams {
            providers: upstream_budget::all_brief(providers),
        });
    }
    if text.len() > MAX_UPSTREAMS_BYTES {
        eprintln!(
            "sitrep-server: the upstream list is {} bytes even brief; not sent over the stream",
            text.len()
        );
        return Ok(());
    }
    send(socket, state, Message::Text(text)).await
}

/// Sends every stored event with seq > `last`, page by page, advancing `last`;
/// returns the head seen by the final read.
async fn replay(socket: &mut WebSocket, state: &AppState, last: &mut u64) -> Result<u64, Gone> {
    loop {
        let after = *last;
        let page = blocking(state, move |log| log.page(after, MAX_PAGE))
            .await
            .map_err(|_| Gone)?;
        let full = page.events.len() == MAX_PAGE;
        // A page goes out in as few writes as the buffer allows.
        for ev in page.events {
            let seq = ev.seq.unwrap_or(0);
            feed(socket, state, Message::Text(encode_event(ev))).await?;
            *last = seq;
        }
        flush(socket, state).await?;
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
