//! The conformance kit: what the console relies on from a coordination
//! backend (docs/protocol.md), checked over the wire against any backend.
//!
//! Against another backend, with a token of an account that may write
//! incident events (responder or above):
//!
//! ```sh
//! SITREP_CONFORMANCE_URL=https://backend.example SITREP_CONFORMANCE_TOKEN=… \
//!   cargo test -p sitrep-server --test conformance -- --nocapture
//! ```
//!
//! With `SITREP_CONFORMANCE_ACCOUNT` and `SITREP_CONFORMANCE_PASSWORD` it
//! also walks the browser's sign-in flow (skipped, and said so, without).
//! It prints one line per check and fails naming the checks that failed.
//! Without those variables it starts a real sitrep-server and checks that,
//! so the reference backend is held to its own document in the test command.
//! The checks only add note events to incidents of their own (ids starting
//! with `conformance-`), so running them against a live backend is safe.

mod common;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The backend under test, and what the checks share.
struct Backend {
    base: String,
    token: String,
    http: reqwest::Client,
    /// The backend's clock (from its `Date` header) when the checks began:
    /// events must be stamped near it.
    now: i64,
    run: String,
    /// An account's name and password, for the sign-in flow (optional
    /// against another backend: the check is skipped without one).
    account: Option<(String, String)>,
}

type Checked = Result<(), String>;

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(format!($($why)+));
        }
    };
}

impl Backend {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn event(&self, id: &str, text: &str) -> Value {
        json!({
            "id": format!("conformance-{}-{id}", self.run),
            "incident": format!("conformance-{}", self.run),
            "author": "conformance",
            "at": self.now,
            "body": {"kind": "note_added", "text": text, "entry": "observation"}
        })
    }

    async fn post(&self, events: &[Value]) -> Result<(u16, Value), String> {
        let resp = self
            .http
            .post(self.url("/api/v1/events"))
            .bearer_auth(&self.token)
            .json(&json!({ "events": events }))
            .send()
            .await
            .map_err(|e| format!("POST /api/v1/events: {e}"))?;
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(Value::Null);
        Ok((status, body))
    }

    async fn get(&self, path: &str) -> Result<(u16, Value), String> {
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        let status = resp.status().as_u16();
        Ok((status, resp.json().await.unwrap_or(Value::Null)))
    }

    async fn head(&self) -> Result<u64, String> {
        let (status, page) = self.get("/api/v1/events?after=0&limit=1").await?;
        ensure!(status == 200, "GET /api/v1/events answered {status}");
        page["head"]
            .as_u64()
            .ok_or_else(|| format!("a page without an integer head: {page}"))
    }

    /// The stream as the console opens it (`batch=1`).
    async fn stream(&self, after: u64) -> Result<Socket, String> {
        self.stream_with(after, Batch::Asked).await
    }

    async fn stream_with(&self, after: u64, batch: Batch) -> Result<Socket, String> {
        let ws_base = self
            .base
            .replacen("http://", "ws://", 1)
            .replacen("https://", "wss://", 1);
        let ask = match batch {
            Batch::Asked => "&batch=1",
            Batch::NotAsked => "",
        };
        let mut req = format!("{ws_base}/api/v1/stream?after={after}{ask}")
            .into_client_request()
            .map_err(|e| e.to_string())?;
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {}", self.token)
                .parse()
                .map_err(|_| "a token that is not a header value".to_string())?,
        );
        let (ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .map_err(|e| format!("the stream did not open: {e}"))?;
        Ok(ws)
    }
}

/// Whether a stream was opened with `batch=1`: only then may the backend
/// send `events` messages.
#[derive(Clone, Copy, PartialEq)]
enum Batch {
    Asked,
    NotAsked,
}

/// The (seq, id) of the events a message carries (none for other types),
/// refusing an `events` message a client did not ask for.
fn events_in(msg: &Value, batch: Batch) -> Result<Vec<(u64, String)>, String> {
    match msg["type"].as_str() {
        Some("event") => Ok(vec![seq_and_id(&msg["event"])?]),
        Some("events") if batch == Batch::Asked => {
            let events = msg["events"]
                .as_array()
                .ok_or_else(|| format!("an events message without an events array: {msg}"))?;
            ensure!(!events.is_empty(), "an empty events message");
            events.iter().map(seq_and_id).collect()
        }
        Some("events") => Err("an events message to a stream opened without batch=1".into()),
        _ => Ok(Vec::new()),
    }
}

/// The next JSON text message, skipping pings; None after `wait`.
async fn next_message(ws: &mut Socket, wait: Duration) -> Result<Option<Value>, String> {
    let until = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(until, ws.next()).await {
            Err(_) => return Ok(None),
            Ok(None) => return Err("the stream closed".into()),
            Ok(Some(Err(e))) => return Err(format!("the stream failed: {e}")),
            Ok(Some(Ok(Message::Text(t)))) => {
                return serde_json::from_str(t.as_str())
                    .map(Some)
                    .map_err(|e| format!("a stream message that is not JSON ({e}): {t}"))
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Reads the stream until `caught_up`; returns the events' (seq, id) and its head.
async fn catch_up(ws: &mut Socket) -> Result<(Vec<(u64, String)>, u64), String> {
    catch_up_with(ws, Batch::Asked).await
}

async fn catch_up_with(ws: &mut Socket, batch: Batch) -> Result<(Vec<(u64, String)>, u64), String> {
    let (events, head, _) = catch_up_named(ws, batch).await?;
    Ok((events, head))
}

/// `catch_up_with`, and the log's name if `caught_up` gave one (optional;
/// when given, a non-empty string).
async fn catch_up_named(
    ws: &mut Socket,
    batch: Batch,
) -> Result<(Vec<(u64, String)>, u64, Option<String>), String> {
    let mut events = Vec::new();
    loop {
        let Some(msg) = next_message(ws, Duration::from_secs(10)).await? else {
            return Err("no caught_up within 10 s".into());
        };
        events.extend(events_in(&msg, batch)?);
        if msg["type"].as_str() == Some("caught_up") {
            let head = msg["head"]
                .as_u64()
                .ok_or_else(|| format!("caught_up without an integer head: {msg}"))?;
            let log = match &msg["log"] {
                Value::Null => None,
                Value::String(log) if !log.is_empty() => Some(log.clone()),
                _ => return Err(format!("caught_up with a log that is not a name: {msg}")),
            };
            return Ok((events, head, log));
        }
    }
}

fn seq_and_id(ev: &Value) -> Result<(u64, String), String> {
    let seq = ev["seq"]
        .as_u64()
        .ok_or_else(|| format!("an event without a seq: {ev}"))?;
    ensure!(
        ev["received_at"].is_i64(),
        "an event without received_at: {ev}"
    );
    let id = ev["id"]
        .as_str()
        .ok_or_else(|| format!("an event without an id: {ev}"))?;
    Ok((seq, id.to_string()))
}

fn is_error_body(v: &Value) -> bool {
    v["error"].as_str().is_some_and(|e| !e.is_empty())
}

// --- the checks ---------------------------------------------------------------

/// A batch is acked one ack per event, in order, with seq and received_at;
/// the same batch again gets exactly the same acks; an id twice in one batch
/// is stored once.
async fn idempotent_post_and_ack_shape(b: &Backend) -> Checked {
    let batch = [b.event("a1", "first"), b.event("a2", "second")];
    let (status, reply) = b.post(&batch).await?;
    ensure!(status == 200, "a valid batch answered {status}: {reply}");
    let acks = reply["acks"]
        .as_array()
        .ok_or_else(|| format!("no acks array: {reply}"))?;
    ensure!(acks.len() == 2, "{} acks for 2 events", acks.len());
    for (ack, ev) in acks.iter().zip(&batch) {
        ensure!(ack["id"] == ev["id"], "acks out of order: {reply}");
        ensure!(
            ack["seq"].as_u64().is_some_and(|s| s >= 1),
            "an ack without a seq ≥ 1: {ack}"
        );
        ensure!(
            ack["received_at"].is_i64(),
            "an ack without received_at: {ack}"
        );
    }
    ensure!(
        acks[0]["seq"].as_u64() < acks[1]["seq"].as_u64(),
        "a batch's events got seqs out of order: {reply}"
    );
    let (status, again) = b.post(&batch).await?;
    ensure!(
        status == 200,
        "resending the batch answered {status}: {again}"
    );
    ensure!(
        again == reply,
        "resending changed the acks: {reply} then {again}"
    );
    let twice = b.event("a3", "twice");
    let (status, reply) = b.post(&[twice.clone(), twice]).await?;
    ensure!(
        status == 200,
        "an id twice in a batch answered {status}: {reply}"
    );
    ensure!(
        reply["acks"][0]["seq"] == reply["acks"][1]["seq"],
        "an id twice in a batch got two seqs: {reply}"
    );
    let (status, empty) = b.post(&[]).await?;
    ensure!(
        status == 200 && empty == json!({"acks": []}),
        "an empty batch answered {status} {empty}"
    );
    Ok(())
}

/// Pages come in ascending seq, at most `limit` long, and paging from 0
/// reaches `head`; a cursor past the end gives an empty page.
async fn paging(b: &Backend) -> Checked {
    let batch: Vec<Value> = (0..3)
        .map(|i| b.event(&format!("p{i}"), &format!("page {i}")))
        .collect();
    let (status, reply) = b.post(&batch).await?;
    ensure!(status == 200, "a valid batch answered {status}: {reply}");
    let first = reply["acks"][0]["seq"].as_u64().unwrap_or(1);
    let mut after = first - 1;
    let mut seen = Vec::new();
    loop {
        let (status, page) = b
            .get(&format!("/api/v1/events?after={after}&limit=2"))
            .await?;
        ensure!(
            status == 200,
            "GET /api/v1/events answered {status}: {page}"
        );
        let events = page["events"]
            .as_array()
            .ok_or_else(|| format!("a page without events: {page}"))?;
        let head = page["head"]
            .as_u64()
            .ok_or_else(|| format!("a page without head: {page}"))?;
        ensure!(events.len() <= 2, "limit=2 gave {} events", events.len());
        let Some(last) = events.last() else { break };
        for ev in events {
            let (seq, id) = seq_and_id(ev)?;
            ensure!(seq > after, "seq {seq} on a page after {after}");
            after = seq;
            seen.push(id);
        }
        ensure!(seq_and_id(last)?.0 <= head, "an event past head {head}");
        if seq_and_id(last)?.0 == head {
            break;
        }
    }
    for ev in &batch {
        ensure!(
            seen.iter().any(|id| ev["id"] == id.as_str()),
            "paging did not return {}",
            ev["id"]
        );
    }
    let head = b.head().await?;
    let (_, past) = b
        .get(&format!("/api/v1/events?after={}", head + 1000))
        .await?;
    ensure!(
        past["events"] == json!([]),
        "a page past the end is not empty: {past}"
    );
    Ok(())
}

/// The stream sends the catch-up, exactly one caught_up, then live events:
/// while another client posts, every event with seq > after arrives once,
/// in ascending seq, the same ones paging returns, with no gap between
/// catch-up and live. With `batch=1` (as the console asks) events may come
/// several to an `events` message; without it, only as `event` messages.
/// The posts mix single events and batches, so a backend that coalesces
/// has something to coalesce.
async fn catch_up_then_live_without_a_gap(b: &Backend, batch: Batch) -> Checked {
    let start = b.head().await?;
    let tag = match batch {
        Batch::Asked => "b",
        Batch::NotAsked => "n",
    };
    let before: Vec<Value> = (0..5)
        .map(|i| b.event(&format!("{tag}s{i}"), &format!("before {i}")))
        .collect();
    let (status, _) = b.post(&before).await?;
    ensure!(status == 200, "a valid batch answered {status}");
    let during: Vec<Value> = (0..20)
        .map(|i| b.event(&format!("{tag}d{i}"), &format!("during {i}")))
        .collect();
    // Posts one by one while the stream connects and catches up.
    let poster = {
        let (http, url, token) = (b.http.clone(), b.url("/api/v1/events"), b.token.clone());
        let during = during.clone();
        tokio::spawn(async move {
            let mut i = 0;
            for size in [1, 1, 4, 1, 6, 1, 1, 5] {
                let _ = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({ "events": &during[i..i + size] }))
                    .send()
                    .await;
                i += size;
            }
        })
    };
    let mut ws = b.stream_with(start, batch).await?;
    let (mut got, head) = catch_up_with(&mut ws, batch).await?;
    ensure!(
        head >= start,
        "caught_up head {head} below the start {start}"
    );
    ensure!(
        got.iter().all(|(s, _)| *s <= head),
        "the catch-up sent an event past its head {head}"
    );
    let want: Vec<String> = before
        .iter()
        .chain(&during)
        .map(|e| e["id"].as_str().unwrap_or("").to_string())
        .collect();
    let until = tokio::time::Instant::now() + Duration::from_secs(15);
    while !want.iter().all(|id| got.iter().any(|(_, g)| g == id)) {
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        let Some(msg) = next_message(&mut ws, left).await? else {
            return Err("not every posted event arrived on the stream within 15 s".into());
        };
        got.extend(events_in(&msg, batch)?);
        if msg["type"] == "caught_up" {
            return Err("a second caught_up".into());
        }
    }
    let _ = poster.await;
    ensure!(
        got.windows(2).all(|w| w[0].0 < w[1].0),
        "stream seqs not strictly ascending (a repeat or a reorder): {:?}",
        got.iter().map(|g| g.0).collect::<Vec<_>>()
    );
    // Everything the log holds in that range came, and nothing else.
    let last = got.last().map_or(start, |g| g.0);
    let mut logged = Vec::new();
    let mut after = start;
    while after < last {
        let (_, page) = b
            .get(&format!("/api/v1/events?after={after}&limit=1000"))
            .await?;
        let events = page["events"].as_array().cloned().unwrap_or_default();
        if events.is_empty() {
            break;
        }
        for ev in &events {
            let (seq, id) = seq_and_id(ev)?;
            if seq <= last {
                logged.push((seq, id));
            }
            after = seq;
        }
    }
    ensure!(
        logged == got,
        "the stream and the log differ between seq {start} and {last} (a gap at the boundary?)"
    );
    Ok(())
}

/// `caught_up` at once for a cursor at the head; for a cursor past the end,
/// a head below it (how a client learns the backend is behind). A backend
/// that names its log names the same one on every connection.
async fn caught_up(b: &Backend) -> Checked {
    let head = b.head().await?;
    let mut ws = b.stream(head).await?;
    let (events, said, log) = catch_up_named(&mut ws, Batch::Asked).await?;
    ensure!(
        events.iter().all(|(s, _)| *s > head),
        "catch-up sent seq ≤ after"
    );
    ensure!(said >= head, "caught_up head {said} below the head {head}");
    let mut ws = b.stream(head + 1000).await?;
    let (events, said, again) = catch_up_named(&mut ws, Batch::Asked).await?;
    ensure!(events.is_empty(), "events past the end of the log");
    ensure!(
        said < head + 1000,
        "caught_up head {said} is not below a cursor past the end"
    );
    ensure!(
        log == again,
        "caught_up named the log {log:?}, then {again:?}: a log keeps its name"
    );
    Ok(())
}

/// A presence sent up the stream comes back as the incident's list, under
/// the account's name.
async fn presence(b: &Backend) -> Checked {
    let (status, me) = b.get("/api/v1/session").await?;
    ensure!(status == 200, "GET /api/v1/session answered {status}: {me}");
    let name = me["name"].as_str().unwrap_or("").to_string();
    let incident = format!("conformance-{}", b.run);
    let mut ws = b.stream(b.head().await?).await?;
    catch_up(&mut ws).await?;
    let hello = json!({"type": "presence", "incident": incident, "name": "ignored"});
    ws.send(Message::Text(hello.to_string().into()))
        .await
        .map_err(|e| format!("cannot send presence: {e}"))?;
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        let Some(msg) = next_message(&mut ws, left).await? else {
            return Err("no presence list for our incident within 10 s".into());
        };
        if msg["type"] == "presence" && msg["incident"] == incident.as_str() {
            ensure!(
                msg["people"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|n| n == name.as_str())),
                "the presence list does not name the account {name:?}: {msg}"
            );
            return Ok(());
        }
    }
}

/// Refusals carry `{"error": …}` (and the event's `id` when about one), with
/// the status the document gives, and store nothing of the batch.
async fn refusals_and_their_error_shape(b: &Backend) -> Checked {
    let mut unknown = b.event("r1", "x");
    unknown["body"] = json!({"kind": "exploded"});
    let (status, body) = b.post(&[unknown]).await?;
    ensure!(
        status == 400 && is_error_body(&body),
        "an unknown kind: {status} {body}"
    );
    let good = b.event("r2", "kept out");
    let mut empty = b.event("r3", "x");
    empty["body"]["text"] = json!("  ");
    let (status, body) = b.post(&[good.clone(), empty.clone()]).await?;
    ensure!(
        status == 422 && is_error_body(&body),
        "a blank note: {status} {body}"
    );
    ensure!(
        body["id"] == empty["id"],
        "a 422 does not name the event: {body}"
    );
    let (_, page) = b
        .get(&format!(
            "/api/v1/events?after={}",
            b.head().await?.saturating_sub(50)
        ))
        .await?;
    ensure!(
        !page["events"]
            .as_array()
            .is_some_and(|evs| evs.iter().any(|e| e["id"] == good["id"])),
        "a refused batch's valid event was stored"
    );
    let anonymous = b
        .http
        .post(b.url("/api/v1/events"))
        .json(&json!({"events": []}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = anonymous.status().as_u16();
    let body: Value = anonymous.json().await.unwrap_or(Value::Null);
    ensure!(
        status == 401 && is_error_body(&body),
        "no credentials: {status} {body}"
    );
    let form = b
        .http
        .post(b.url("/api/v1/events"))
        .bearer_auth(&b.token)
        .header("content-type", "text/plain")
        .body("{\"events\":[]}")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = form.status().as_u16();
    let body: Value = form.json().await.unwrap_or(Value::Null);
    ensure!(
        status == 415 && is_error_body(&body),
        "text/plain: {status} {body}"
    );
    let (status, body) = b.get("/api/v1/no-such-endpoint").await?;
    ensure!(
        status == 404 && is_error_body(&body),
        "an unknown path: {status} {body}"
    );
    let (status, body) = b.get("/api/v1/events?after=minus-one").await?;
    ensure!(
        status == 400 && is_error_body(&body),
        "a bad cursor: {status} {body}"
    );
    Ok(())
}

async fn limits(b: &Backend) -> Checked {
    let big = b.event("l1", &"x".repeat(65_537));
    let (status, body) = b.post(std::slice::from_ref(&big)).await?;
    ensure!(
        status == 422 && is_error_body(&body) && body["id"] == big["id"],
        "a note over 65,536 bytes: {status} {body}"
    );
    // One over the protocol's limit (docs/protocol.md, "events in one batch").
    let over = sitrep_core::log::limits::MAX_BATCH + 1;
    let many: Vec<Value> = (0..over)
        .map(|n| b.event(&format!("l2-{n}"), "x"))
        .collect();
    let (status, body) = b.post(&many).await?;
    ensure!(
        status == 413 && is_error_body(&body),
        "a batch of {over} events: {status} {body}"
    );
    let huge: Vec<Value> = (0..20)
        .map(|n| b.event(&format!("l3-{n}"), &"y".repeat(60_000)))
        .collect();
    let (status, body) = b.post(&huge).await?;
    ensure!(
        status == 413 && is_error_body(&body),
        "a body over 1 MiB: {status} {body}"
    );
    Ok(())
}

async fn sign_in_flow(b: &Backend, name: &str, password: &str) -> Checked {
    // Its own client, with no pooled connection a backend may have closed as
    // idle while the checks before ran (seen once from a cold clean clone).
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|e| e.to_string())?;
    let sign_in = |password: String| {
        http.post(b.url("/api/v1/session"))
            .json(&json!({"name": name, "password": password}))
            .send()
    };
    let wrong = sign_in(format!("{password}-wrong"))
        .await
        .map_err(|e| e.to_string())?;
    let status = wrong.status().as_u16();
    let body: Value = wrong.json().await.unwrap_or(Value::Null);
    ensure!(
        status == 401 && is_error_body(&body),
        "a wrong password: {status} {body}"
    );
    let right = sign_in(password.to_string())
        .await
        .map_err(|e| e.to_string())?;
    let status = right.status().as_u16();
    let cookie = right
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sitrep_session="))
        .map(|c| c.split(';').next().unwrap_or("").to_string());
    let body: Value = right.json().await.unwrap_or(Value::Null);
    ensure!(
        status == 200 && body["name"] == name,
        "the right password: {status} {body}"
    );
    ensure!(
        body["role"].is_string(),
        "a sign-in answer without a role: {body}"
    );
    let Some(cookie) = cookie else {
        return Err("a sign-in sets no sitrep_session cookie".into());
    };
    let session = |method: reqwest::Method| {
        http.request(method, b.url("/api/v1/session"))
            .header("cookie", &cookie)
            .send()
    };
    let who = session(reqwest::Method::GET)
        .await
        .map_err(|e| e.to_string())?;
    let status = who.status().as_u16();
    let body: Value = who.json().await.unwrap_or(Value::Null);
    ensure!(
        status == 200 && body["name"] == name,
        "GET /api/v1/session: {status} {body}"
    );
    let out = session(reqwest::Method::DELETE)
        .await
        .map_err(|e| e.to_string())?;
    ensure!(
        out.status().as_u16() == 204,
        "DELETE /api/v1/session: {}",
        out.status()
    );
    let after = session(reqwest::Method::GET)
        .await
        .map_err(|e| e.to_string())?;
    let status = after.status().as_u16();
    ensure!(
        status == 401,
        "a session after sign-out still answers {status}"
    );
    Ok(())
}

async fn run_all(b: &Backend) -> Vec<(&'static str, Checked)> {
    let mut checks = vec![
        (
            "idempotent POST and ack shape",
            idempotent_post_and_ack_shape(b).await,
        ),
        ("paging", paging(b).await),
        (
            "catch-up then live without a gap (batch=1, as the console asks)",
            catch_up_then_live_without_a_gap(b, Batch::Asked).await,
        ),
        (
            "catch-up then live without a gap (one event a message)",
            catch_up_then_live_without_a_gap(b, Batch::NotAsked).await,
        ),
        ("caught_up", caught_up(b).await),
        ("presence", presence(b).await),
        (
            "refusals and their error shape",
            refusals_and_their_error_shape(b).await,
        ),
        ("limits", limits(b).await),
    ];
    match &b.account {
        Some((name, password)) => {
            checks.push(("sign-in flow", sign_in_flow(b, name, password).await))
        }
        None => println!(
            "skip  sign-in flow: set SITREP_CONFORMANCE_ACCOUNT and SITREP_CONFORMANCE_PASSWORD"
        ),
    }
    checks
}

async fn backend_clock(http: &reqwest::Client, base: &str) -> Result<i64, String> {
    let resp = http
        .get(format!("{base}/api/v1/health"))
        .send()
        .await
        .map_err(|e| format!("cannot reach {base}: {e}"))?;
    let date = resp
        .headers()
        .get("date")
        .and_then(|d| d.to_str().ok())
        .ok_or("no Date header on /api/v1/health")?;
    sitrep_core::time::utc::parse_http_date(date)
        .ok_or_else(|| format!("an unreadable Date header: {date}"))
}

#[tokio::test]
async fn a_backend_does_everything_the_console_relies_on() {
    let outside = std::env::var("SITREP_CONFORMANCE_URL").ok();
    let dir = tempfile::tempdir().unwrap();
    // Without a backend named, the reference backend is the one checked.
    let http = reqwest::Client::new();
    let (server, base, token, now, account) = match outside {
        Some(url) => {
            let token = std::env::var("SITREP_CONFORMANCE_TOKEN")
                .expect("SITREP_CONFORMANCE_TOKEN: a token of a responder (or above)");
            let base = url.trim_end_matches('/').to_string();
            let now = backend_clock(&http, &base).await.unwrap();
            let account = std::env::var("SITREP_CONFORMANCE_ACCOUNT")
                .ok()
                .zip(std::env::var("SITREP_CONFORMANCE_PASSWORD").ok());
            (None, base, token, now, account)
        }
        None => {
            let s = common::Running::start(&common::data_dir(&dir));
            let base = s.url("");
            let token = common::create_token(&common::data_dir(&dir), "responder");
            // Its clock starts at the tests' fixed time (its Date header
            // is the machine's), so no check depends on today's date.
            let account = Some(("responder".to_string(), common::PASSWORD.to_string()));
            (Some(s), base, token, common::CLOCK_START_MS, account)
        }
    };
    let b = Backend {
        base,
        token,
        http,
        now,
        run: format!("{}-{}", std::process::id(), now),
        account,
    };
    let results = run_all(&b).await;
    let mut failed = Vec::new();
    for (name, result) in &results {
        match result {
            Ok(()) => println!("pass  {name}"),
            Err(why) => {
                println!("FAIL  {name}: {why}");
                failed.push(format!("{name}: {why}"));
            }
        }
    }
    drop(server);
    assert!(
        failed.is_empty(),
        "{} of {} checks failed against {}:\n{}",
        failed.len(),
        results.len(),
        b.base,
        failed.join("\n")
    );
}

// --- the kit against a backend that gets things wrong -------------------------

/// A backend that breaks two promises in front of a real sitrep-server: its
/// acks lack `received_at`, and it has no stream. Everything else is passed
/// through as it is.
async fn a_broken_backend(upstream: String) -> (String, tokio::task::JoinHandle<()>) {
    use axum::body::{to_bytes, Body};
    use axum::extract::{Request, State};
    use axum::response::Response;

    async fn forward(State(upstream): State<String>, req: Request) -> Response {
        let reply = |status: u16, body: Vec<u8>| {
            Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Body::from(body))
                .expect("a response")
        };
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default();
        if path.starts_with("/api/v1/stream") {
            return reply(404, br#"{"error":"no such endpoint"}"#.to_vec());
        }
        let method = req.method().clone();
        let headers = req.headers().clone();
        let body = to_bytes(req.into_body(), 8 << 20).await.unwrap_or_default();
        let mut out = reqwest::Client::new().request(method.clone(), format!("{upstream}{path}"));
        for name in ["authorization", "content-type", "cookie", "origin"] {
            if let Some(v) = headers.get(name) {
                out = out.header(name, v);
            }
        }
        let Ok(resp) = out.body(body).send().await else {
            return reply(502, br#"{"error":"upstream gone"}"#.to_vec());
        };
        let status = resp.status().as_u16();
        let mut bytes = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        if method == axum::http::Method::POST && path.starts_with("/api/v1/events") {
            if let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) {
                for ack in v["acks"].as_array_mut().into_iter().flatten() {
                    if let Some(ack) = ack.as_object_mut() {
                        ack.remove("received_at");
                    }
                }
                bytes = serde_json::to_vec(&v).unwrap_or(bytes);
            }
        }
        reply(status, bytes)
    }

    let app = axum::Router::new().fallback(forward).with_state(upstream);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    (base, task)
}

#[tokio::test]
async fn against_a_backend_that_breaks_promises_the_kit_names_each_and_passes_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::Running::start(&common::data_dir(&dir));
    let token = common::create_token(&common::data_dir(&dir), "responder");
    let (base, proxy) = a_broken_backend(s.url("")).await;
    let b = Backend {
        base,
        token,
        http: reqwest::Client::new(),
        now: common::CLOCK_START_MS,
        run: format!("{}-broken", std::process::id()),
        account: None,
    };
    let results = run_all(&b).await;
    let verdict = |name: &str| {
        results
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("no check named {name}"))
    };
    let acks = verdict("idempotent POST and ack shape").unwrap_err();
    assert!(acks.contains("without received_at"), "{acks}");
    let stream = verdict("caught_up").unwrap_err();
    assert!(stream.contains("the stream did not open"), "{stream}");
    assert!(verdict("presence").is_err());
    // What it passes through faithfully still passes.
    assert_eq!(verdict("paging"), Ok(()));
    assert_eq!(verdict("refusals and their error shape"), Ok(()));
    proxy.abort();
}
