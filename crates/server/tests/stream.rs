//! The websocket at /api/v1/stream: catch-up from a seq, then live events,
//! with nothing lost or repeated at the boundary.

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("the stream is open")
            .expect("a websocket frame");
        match msg {
            Message::Text(t) => return serde_json::from_str(&t).expect("JSON"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

async fn nothing_more(ws: &mut Ws) {
    if let Ok(Some(Ok(Message::Text(t)))) =
        tokio::time::timeout(Duration::from_millis(400), ws.next()).await
    {
        panic!("unexpected extra message {t}");
    }
}

/// The log's name in a `caught_up` or an events page: 128 bits in hex.
fn log_name(msg: &Value) -> String {
    let log = msg["log"]
        .as_str()
        .unwrap_or_else(|| panic!("no log in {msg}"));
    assert!(
        log.len() == 32 && log.bytes().all(|b| b.is_ascii_hexdigit()),
        "{log}"
    );
    log.to_string()
}

/// What the server names its log: on the stream's `caught_up`, and the same
/// on the events page.
async fn named_log(s: &Running) -> String {
    let (mut ws, _) = tokio_tungstenite::connect_async(s.ws("/api/v1/stream?after=0"))
        .await
        .expect("the websocket opens");
    let log = loop {
        let msg = next_json(&mut ws).await;
        if msg["type"] == "caught_up" {
            break log_name(&msg);
        }
    };
    let (status, page) = get_json(s, "/api/v1/events?after=0&limit=1").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(log_name(&page), log, "the page names the same log");
    log
}

#[tokio::test]
async fn the_log_keeps_its_name_across_restarts_and_a_new_data_dir_is_a_new_log() {
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir));
    post(&s, &notes("w", 2)).await;
    let first = named_log(&s).await;
    s.kill();
    let restarted = Running::start(&data_dir(&dir));
    assert_eq!(
        named_log(&restarted).await,
        first,
        "the same log after a restart"
    );
    drop(restarted);

    let other = temp_dir();
    let fresh = Running::start(&data_dir(&other));
    post(&fresh, &notes("w", 2)).await;
    assert_ne!(
        named_log(&fresh).await,
        first,
        "a new data dir is a new log, even at the same head"
    );
}

fn event_seq(msg: &Value) -> u64 {
    assert_eq!(msg["type"], "event", "{msg}");
    msg["event"]["seq"].as_u64().unwrap()
}

#[tokio::test]
async fn the_stream_catches_up_after_a_seq_then_delivers_new_events_live_exactly_once_in_order() {
    let s = fresh_server();
    post(&s, &notes("w", 3)).await;

    let (mut ws, _) = tokio_tungstenite::connect_async(s.ws("/api/v1/stream?after=1"))
        .await
        .expect("the websocket opens");
    let first = next_json(&mut ws).await;
    assert_eq!(event_seq(&first), 2);
    assert_eq!(first["event"]["id"], "w-0001");
    assert!(first["event"]["received_at"].is_i64());
    assert_eq!(event_seq(&next_json(&mut ws).await), 3);
    let caught_up = next_json(&mut ws).await;
    let log = log_name(&caught_up);
    assert_eq!(
        caught_up,
        serde_json::json!({"type": "caught_up", "head": 3, "log": log})
    );
    // The watched upstreams follow the catch-up (none are configured here).
    assert_eq!(
        next_json(&mut ws).await,
        serde_json::json!({"type": "upstreams", "providers": []})
    );

    // Text from the client is ignored, not an error.
    ws.send(Message::Text("{\"type\":\"presence\"}".into()))
        .await
        .unwrap();

    let (_, reply) = post(&s, &[note("live-1", "a"), note("live-2", "b")]).await;
    assert_eq!(ack_seqs(&reply), [4, 5]);
    let a = next_json(&mut ws).await;
    let b = next_json(&mut ws).await;
    assert_eq!((event_seq(&a), event_seq(&b)), (4, 5));
    assert_eq!(
        (a["event"]["id"].as_str(), b["event"]["id"].as_str()),
        (Some("live-1"), Some("live-2"))
    );

    // A retried batch stores nothing new, so nothing is pushed.
    post(&s, &[note("live-1", "a")]).await;
    nothing_more(&mut ws).await;
}

#[tokio::test]
async fn events_posted_while_many_clients_connect_reach_each_client_once_and_in_order() {
    let s = fresh_server();
    let total = 200;
    let poster = {
        let base = s.base.clone();
        let client = s.client();
        tokio::spawn(async move {
            for i in 0..total {
                let body = serde_json::json!({"events": [note(&format!("r-{i:04}"), "x")]});
                let r = client
                    .post(format!("{base}/api/v1/events"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 200);
            }
        })
    };
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (ws, _) = tokio_tungstenite::connect_async(s.ws("/api/v1/stream"))
            .await
            .unwrap();
        clients.push(ws);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    poster.await.unwrap();
    for mut ws in clients {
        let mut seqs = Vec::new();
        while seqs.len() < total {
            let msg = next_json(&mut ws).await;
            if msg["type"] == "event" {
                seqs.push(event_seq(&msg));
            }
        }
        assert_eq!(seqs, (1..=total as u64).collect::<Vec<_>>());
        nothing_more(&mut ws).await;
    }
}

#[tokio::test]
async fn a_stream_request_that_is_not_a_websocket_gets_a_json_error() {
    let s = fresh_server();
    let (status, body) = get_json(&s, "/api/v1/stream").await;
    assert!((400..500).contains(&status), "{status}");
    assert!(body["error"].is_string());
}

async fn caught_up(ws: &mut Ws) {
    loop {
        if next_json(ws).await["type"] == "caught_up" {
            return;
        }
    }
}

async fn next_presence(ws: &mut Ws) -> Value {
    loop {
        let msg = next_json(ws).await;
        if msg["type"] == "presence" {
            return msg;
        }
    }
}

#[tokio::test]
async fn presence_tells_every_subscriber_which_accounts_have_an_incident_open_and_when_they_leave()
{
    let s = fresh_server();
    let url = "/api/v1/stream";
    let connect = |role: &str| tokio_tungstenite::connect_async(s.ws_as(role, url));
    let (mut ana, _) = connect("responder").await.expect("opens");
    let (mut bo, _) = connect("viewer").await.expect("opens");
    caught_up(&mut ana).await;
    caught_up(&mut bo).await;

    let here = |incident: &str, name: &str| {
        Message::Text(
            serde_json::json!({"type": "presence", "incident": incident, "name": name})
                .to_string()
                .into(),
        )
    };
    // The name a client claims is ignored: presence goes by the account.
    ana.send(here("i1", "mallory")).await.unwrap();
    let seen = next_presence(&mut bo).await;
    assert_eq!(
        seen,
        serde_json::json!({"type": "presence", "incident": "i1", "people": ["responder"]})
    );
    bo.send(here("i1", "bo")).await.unwrap();
    let people = |v: Value| v["people"].clone();
    assert_eq!(
        people(next_presence(&mut ana).await),
        serde_json::json!(["responder"])
    );
    assert_eq!(
        people(next_presence(&mut ana).await),
        serde_json::json!(["responder", "viewer"])
    );

    // A newcomer hears the current lists at once.
    let (mut cy, _) = connect("admin").await.expect("opens");
    caught_up(&mut cy).await;
    assert_eq!(
        people(next_presence(&mut cy).await),
        serde_json::json!(["responder", "viewer"])
    );

    // Garbage from a client is ignored, not fatal.
    cy.send(Message::Text("{not json".into())).await.unwrap();
    drop(bo);
    assert_eq!(
        people(next_presence(&mut ana).await),
        serde_json::json!(["responder"])
    );
    assert_eq!(
        people(next_presence(&mut cy).await),
        serde_json::json!(["responder"])
    );
}

async fn no_presence_within(ws: &mut Ws, wait: Duration) {
    let until = tokio::time::Instant::now() + wait;
    while let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout_at(until, ws.next()).await {
        let msg: Value = serde_json::from_str(&t).unwrap();
        assert_ne!(msg["type"], "presence", "relayed: {msg}");
    }
}

#[tokio::test]
async fn an_oversized_client_message_closes_only_its_sender_and_reaches_nobody() {
    let s = fresh_server();
    let url = "/api/v1/stream";
    let connect = |role: &str| tokio_tungstenite::connect_async(s.ws_as(role, url));
    let (mut vera, _) = connect("viewer").await.expect("opens");
    let (mut ana, _) = connect("responder").await.expect("opens");
    let (mut cy, _) = connect("admin").await.expect("opens");
    for ws in [&mut vera, &mut ana, &mut cy] {
        caught_up(ws).await;
    }

    // A viewer's presence naming a 1.1 MB "incident".
    let huge =
        serde_json::json!({"type": "presence", "incident": "x".repeat(1_100_000), "name": "v"});
    let _ = vera.send(Message::Text(huge.to_string().into())).await;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(10), vera.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_))) | Ok(None) => break None,
            Err(_) => panic!("the sender was not closed within 10 s"),
        }
    };
    if let Some(frame) = closed {
        assert_eq!(u16::from(frame.code), 1009, "{frame:?}");
    }

    // A presence whose incident id is longer than an id, but within the
    // message limit, is not relayed; the sender stays.
    let long = serde_json::json!({"type": "presence", "incident": "y".repeat(3_000), "name": "c"});
    cy.send(Message::Text(long.to_string().into()))
        .await
        .unwrap();
    no_presence_within(&mut ana, Duration::from_millis(500)).await;

    // The others are still live: a note reaches both, and presence works.
    let (status, _) = post(&s, &[note("after-flood", "still here")]).await;
    assert_eq!(status, 200);
    for ws in [&mut ana, &mut cy] {
        loop {
            let msg = next_json(ws).await;
            if msg["type"] == "event" {
                assert_eq!(msg["event"]["id"], "after-flood");
                break;
            }
            assert_ne!(msg["type"], "presence", "nothing was relayed: {msg}");
        }
    }
    cy.send(Message::Text(
        serde_json::json!({"type": "presence", "incident": "inc-1", "name": "c"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert_eq!(
        next_presence(&mut ana).await,
        serde_json::json!({"type": "presence", "incident": "inc-1", "people": ["admin"]})
    );
}
