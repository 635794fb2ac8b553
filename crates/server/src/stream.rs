//! `/api/v1/stream`: a websocket that first replays the log after the
//! client's seq from SQLite, then forwards each newly committed event as
//! the fan-out hands it over (several to a message for a client that asked
//! with `batch=1`).

use crate::accounts::Caller;
use crate::fanout::{self, Subscription, Taken};
use crate::reply::{blocking, ApiError};
use crate::storage::MAX_PAGE;
use crate::{auth, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use sitrep_core::log::limits;
use sitrep_core::log::protocol::{ClientMessage, StreamMessage, StreamParams};
use sitrep_core::status_page::upstream_budget;
use sitrep_core::Event;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{oneshot, watch};

fn encode_event(event: Event) -> Utf8Bytes {
    encode(&StreamMessage::Event { event })
}

fn encode(msg: &StreamMessage) -> Utf8Bytes {
    serde_json::to_string(msg)
        .expect("a stream message always serializes")
        .into()
}

/// `GET /api/v1/stream`: a bad query is a 400 and a page elsewhere a 403
/// before the credentials count; then the same credentials as every other
/// read, checked before the upgrade.
pub async fn handler(
    State(state): State<AppState>,
    caller: Result<auth::Reader, ApiError>,
    headers: HeaderMap,
    query: Result<Query<StreamParams>, QueryRejection>,
    held: Option<axum::Extension<crate::connections::Held>>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let (after, batch) = (q.after, q.batched());
    // A page elsewhere must not read the log with this browser's cookie.
    if let Some(why) = crate::origin::refusal(&headers, &state.allowed_origins) {
        return Err(ApiError::forbidden(why));
    }
    let auth::Reader(caller) = caller?;
    let credential = auth::credential(&headers).ok_or_else(ApiError::unauthorized)?;
    // A session's stream ends with the session; a token's does not expire.
    let ends_in = caller
        .expires_at
        .map(|at| std::time::Duration::from_millis((at - crate::clock::now_ms()).max(0) as u64));
    let ws = ws.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    // Bounded: a client that stops reading cannot make its buffer grow;
    // once it is full, sends wait, and a send that waits too long ends it.
    Ok(ws
        .write_buffer_size(64 * 1024)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        // Consoles send only presence: a few KB is plenty, and a
        // bigger message ends this socket before it is buffered whole.
        .max_message_size(limits::MAX_CLIENT_MESSAGE_BYTES)
        .max_frame_size(limits::MAX_CLIENT_MESSAGE_BYTES)
        // tungstenite zeroes its whole read buffer (128 KiB by default)
        // before every read attempt: with 500 clients that memset was
        // the server's top frame. A client message fits in a few KiB
        // (and the socket is now read only when the client sends).
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| async move {
            // The connection's place is kept while the socket is open.
            let _held = held;
            run(socket, state, after, batch, ends_in, caller, credential).await
        })
        .into_response())
}

/// The socket is gone, stalled, or the log failed; this client is done.
struct Gone;

/// The server's half of the socket; the client's half is read by its own
/// task (`read_client`), so sending never polls for a read.
type Out = SplitSink<WebSocket, Message>;

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

/// Writes `msgs` in as few writes as the buffer allows, giving up on a
/// client that has not taken them within the server's send timeout: its
/// own task waits, nobody else does. One timer for the lot.
async fn write_all(
    out: &mut Out,
    state: &AppState,
    msgs: impl IntoIterator<Item = Utf8Bytes>,
) -> Result<(), Gone> {
    let writes = async {
        for text in msgs {
            out.feed(Message::Text(text)).await?;
        }
        out.flush().await
    };
    match tokio::time::timeout(state.ws_send_timeout, writes).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(Gone),
    }
}

async fn send(out: &mut Out, state: &AppState, msg: Message) -> Result<(), Gone> {
    match tokio::time::timeout(state.ws_send_timeout, out.send(msg)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(Gone),
    }
}

async fn close(out: &mut Out, state: &AppState, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = send(out, state, Message::Close(Some(frame))).await;
}

/// Writes out what the fan-out published since the last call: for a
/// `batch=1` client as few `events` messages as the frame limit allows,
/// else one `event` message each; all in one flush. A stream that fell
/// out of the fan-out's ring is caught up from SQLite first.
async fn forward(
    out: &mut Out,
    state: &AppState,
    live: &mut Subscription,
    last: &mut u64,
    batch: bool,
) -> Result<(), Gone> {
    let groups = match live.take() {
        Taken::Groups(groups) => groups,
        Taken::Lagged => {
            crate::metrics::metrics().stream_resyncs.inc();
            live.blocked(true);
            replay(out, state, last, batch).await?;
            live.blocked(false);
            return Ok(());
        }
    };
    let after = *last;
    let queued: usize = groups
        .iter()
        .flat_map(|g| g.singles().iter())
        .filter(|(seq, _)| *seq > after)
        .count();
    crate::metrics::metrics()
        .stream_queue
        .observe(queued as f64);
    live.blocked(true);
    if batch {
        write_all(out, state, fanout::coalesce(&groups, after)).await?;
    } else {
        let fresh: Vec<Utf8Bytes> = groups
            .iter()
            .flat_map(|g| g.singles().iter())
            .filter(|(seq, _)| *seq > after)
            .map(|(_, one)| one.clone())
            .collect();
        write_all(out, state, fresh).await?;
    }
    live.blocked(false);
    if let Some(g) = groups.last() {
        *last = after.max(g.last_seq);
    }
    live.delivered();
    Ok(())
}

/// Why the client's half of the socket ended.
enum Ended {
    /// Closed, or the connection dropped.
    Closed,
    /// A message over the size limit (or a broken frame).
    TooBig,
}

/// Reads what the client sends (presence; anything else is ignored) until
/// its half ends, and says how. Presence goes by the signed-in account,
/// whatever name the client sends, and an incident id that is not one is
/// relayed to nobody. The seat is given up when this task ends.
async fn read_client(
    mut incoming: SplitStream<WebSocket>,
    seat: crate::presence::Seat,
    account: String,
    ended: oneshot::Sender<Ended>,
) {
    let how = loop {
        match incoming.next().await {
            Some(Ok(Message::Close(_))) | None => break Ended::Closed,
            Some(Err(_)) => break Ended::TooBig,
            Some(Ok(Message::Text(text))) => {
                // A message this server does not understand is ignored:
                // the stream is for reading, and a newer console may say more.
                if let Ok(ClientMessage::Presence { incident, .. }) =
                    serde_json::from_str(text.as_str())
                {
                    if limits::presence(incident.as_ref()).is_ok() {
                        seat.view(incident, &account);
                    }
                }
            }
            Some(Ok(_)) => {}
        }
    };
    let _ = ended.send(how);
}

/// Ends the client reader with the stream.
struct Reader(tokio::task::JoinHandle<()>);

impl Drop for Reader {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn run(
    socket: WebSocket,
    state: AppState,
    after: u64,
    batch: bool,
    ends_in: Option<std::time::Duration>,
    caller: Caller,
    credential: auth::Credential,
) {
    let account = caller.name.clone();
    // Counted while this function runs, whichever way it ends.
    let _counted = StreamClient::new();
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
    let mut stopping = state.stopping.clone();
    let mut upstreams = state.upstreams.subscribe();
    let mut account_changes = state.account_changes.subscribe();
    let (mut out, incoming) = socket.split();
    let (ended_tx, mut ended) = oneshot::channel();
    let _reader = Reader(tokio::spawn(read_client(
        incoming,
        state.presence.seat(),
        account.to_string(),
        ended_tx,
    )));
    let mut last = after;
    let Ok(head) = replay(&mut out, &state, &mut last, batch).await else {
        return;
    };
    if send(
        &mut out,
        &state,
        Message::Text(encode(&StreamMessage::CaughtUp {
            head,
            log: Some(state.log_id.to_string()),
        })),
    )
    .await
    .is_err()
    {
        return;
    }
    live.live();
    // The upstream list follows the catch-up, so a console has it at once.
    upstreams.borrow_and_update();
    if send_upstreams(&mut out, &state).await.is_err() {
        return;
    }
    if write_all(&mut out, &state, state.presence.snapshot())
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            () = live.ready() => {
                if forward(&mut out, &state, &mut live, &mut last, batch).await.is_err() {
                    return;
                }
            }
            changed = presence.recv() => {
                let sent = match changed {
                    Ok(text) => write_all(&mut out, &state, [text]).await,
                    // Missed some presence news: the snapshot has the latest.
                    Err(RecvError::Lagged(_)) => {
                        write_all(&mut out, &state, state.presence.snapshot()).await
                    }
                    Err(RecvError::Closed) => break,
                };
                if sent.is_err() {
                    return;
                }
            }
            how = &mut ended => {
                if let Ok(Ended::TooBig) = how {
                    // Over the size limit (or broken): this client only.
                    close(&mut out, &state, 1009, CLIENT_MESSAGE_TOO_BIG).await;
                }
                return;
            }
            changed = upstreams.changed() => {
                // The sender lives as long as the server; gone means stopping.
                if changed.is_err() || send_upstreams(&mut out, &state).await.is_err() {
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
                        close(&mut out, &state, 1008, reason).await;
                        return;
                    }
                }
            }
            _ = stopped(&mut stopping) => break,
            () = &mut session_over => {
                // 1008 (policy): the client reconnects, is refused with 401,
                // and asks its user to sign in again.
                close(&mut out, &state, 1008, "session expired").await;
                return;
            }
        }
    }
    close(&mut out, &state, 1001, "server shutting down").await;
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
async fn send_upstreams(out: &mut Out, state: &AppState) -> Result<(), Gone> {
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
    send(out, state, Message::Text(text)).await
}

/// Sends every stored event with seq > `last`, page by page, advancing `last`;
/// returns the head seen by the final read. A `batch` client gets each
/// page as `events` messages; a page goes out in as few writes as the
/// buffer allows.
async fn replay(out: &mut Out, state: &AppState, last: &mut u64, batch: bool) -> Result<u64, Gone> {
    loop {
        let after = *last;
        let page = blocking(state, move |log| log.page(after, MAX_PAGE))
            .await
            .map_err(|_| Gone)?;
        let full = page.events.len() == MAX_PAGE;
        let end = page.events.last().and_then(|e| e.seq);
        if batch {
            write_all(out, state, fanout::frames(&page.events)).await?;
        } else {
            let frames: Vec<Utf8Bytes> = page.events.into_iter().map(encode_event).collect();
            write_all(out, state, frames).await?;
        }
        if let Some(seq) = end {
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

/// One open stream in the `sitrep_stream_clients` gauge, for as long as it lives.
struct StreamClient;

impl StreamClient {
    fn new() -> StreamClient {
        crate::metrics::metrics().stream_clients.inc();
        StreamClient
    }
}

impl Drop for StreamClient {
    fn drop(&mut self) {
        crate::metrics::metrics().stream_clients.dec();
    }
}
