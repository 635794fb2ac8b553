//! Several sitrep-server processes on one PostgreSQL database act as one
//! server: one order for the log whichever replica took an event, commits
//! fanned out to every replica's streams, sessions and tokens good
//! everywhere, presence shared, the once-only work (relaying, polling) done
//! by one replica and taken over when it dies, and the schema's steps run
//! once. Real processes on a real PostgreSQL (`SITREP_TEST_POSTGRES`, as
//! `scripts/test` starts one); without it each test says it skipped.

mod common;

use axum::extract::State;
use axum::http::{Method, Uri};
use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn skipped(test: &str) -> bool {
    if on_postgres() {
        return false;
    }
    println!("{test}: skipped, SITREP_TEST_POSTGRES is not set (replicas need PostgreSQL)");
    true
}

/// Two replicas of one server: the same database (the data dir names it),
/// each its own process and port. The first is started alone first, so it
/// is the one that leads.
fn pair(data: &Path, extra: &[&str]) -> (Running, Running) {
    let mut args = vec!["--post-rate", "100000", "--post-burst", "100000"];
    args.extend_from_slice(extra);
    let a = Running::start_with_args(data, &data.join("no-console"), &args);
    let b = Running::start_with_args(data, &data.join("no-console"), &args);
    (a, b)
}

async fn health(s: &Running) -> Value {
    get_json(s, "/api/v1/health").await.1
}

/// Waits until `s` says it leads; panics after `limit`.
async fn leads_within(s: &Running, limit: Duration) -> Duration {
    let began = Instant::now();
    loop {
        if health(s).await["leader"] == true {
            return began.elapsed();
        }
        assert!(
            began.elapsed() < limit,
            "{} did not lead within {limit:?}",
            s.base
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn stream(s: &Running, role: &str) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(s.ws_as(role, "/api/v1/stream?after=0"))
        .await
        .expect("the stream opens");
    loop {
        let msg = next_json(&mut ws).await;
        if msg["type"] == "caught_up" {
            return ws;
        }
    }
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(t.as_str()).unwrap(),
            Ok(Some(Ok(Message::Close(f)))) => {
                return json!({"type": "closed", "frame": format!("{f:?}")})
            }
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(e))) => return json!({"type": "closed", "frame": e.to_string()}),
            Ok(None) => return json!({"type": "closed", "frame": "ended"}),
            Err(_) => panic!("nothing on the stream for 30 s"),
        }
    }
}

/// Reads events off a stream until `n` have come; returns their seqs and ids.
async fn events_off(ws: &mut Ws, n: usize) -> Vec<(u64, String)> {
    let mut got = Vec::new();
    while got.len() < n {
        let msg = next_json(ws).await;
        match msg["type"].as_str() {
            Some("event") => got.push((
                msg["event"]["seq"].as_u64().unwrap(),
                msg["event"]["id"].as_str().unwrap().to_string(),
            )),
            Some("closed") => panic!("the stream closed after {} events: {msg}", got.len()),
            _ => {}
        }
    }
    got
}

#[tokio::test]
async fn events_posted_to_either_replica_reach_every_stream_once_each_in_one_order() {
    if skipped("events_posted_to_either_replica") {
        return;
    }
    let dir = temp_dir();
    let (a, b) = pair(&data_dir(&dir), &[]);
    let mut on_a = stream(&a, "viewer").await;
    let mut on_b = stream(&b, "viewer").await;
    let a = Arc::new(a);
    let b = Arc::new(b);
    // Eight posters, each alternating between the replicas.
    let mut posters = Vec::new();
    for p in 0..8 {
        let (a, b) = (a.clone(), b.clone());
        posters.push(tokio::spawn(async move {
            for i in 0..25 {
                let s = if (p + i) % 2 == 0 { &a } else { &b };
                let batch = [
                    note(&format!("p{p}-{i}-x"), "x"),
                    note(&format!("p{p}-{i}-y"), "y"),
                ];
                let (status, body) = post(s, &batch).await;
                assert_eq!(status, 200, "{body}");
            }
        }));
    }
    for p in posters {
        p.await.unwrap();
    }
    let seen_a = events_off(&mut on_a, 400).await;
    let seen_b = events_off(&mut on_b, 400).await;
    let seqs: Vec<u64> = (1..=400).collect();
    assert_eq!(
        seen_a.iter().map(|e| e.0).collect::<Vec<_>>(),
        seqs,
        "replica A's stream: every seq once, in order"
    );
    assert_eq!(
        seen_a, seen_b,
        "both streams carry the same events in the same order"
    );
    let ids: BTreeSet<&str> = seen_a.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(ids.len(), 400);
    assert_eq!(whole_log(&a).await, whole_log(&b).await);
    assert_eq!(whole_log(&a).await, seen_a);
}

#[tokio::test]
async fn both_replicas_name_the_one_log_they_share() {
    if skipped("both_replicas_name_the_one_log_they_share") {
        return;
    }
    let dir = temp_dir();
    let (a, b) = pair(&data_dir(&dir), &[]);
    let (_, on_a) = get_json(&a, "/api/v1/events?after=0&limit=1").await;
    let (_, on_b) = get_json(&b, "/api/v1/events?after=0&limit=1").await;
    assert!(on_a["log"].is_string(), "{on_a}");
    assert_eq!(on_a["log"], on_b["log"]);
}

#[tokio::test]
async fn one_event_posted_to_both_replicas_at_once_is_stored_once_with_one_seq() {
    if skipped("one_event_posted_to_both_replicas") {
        return;
    }
    let dir = temp_dir();
    let (a, b) = pair(&data_dir(&dir), &[]);
    let batch: Vec<Value> = notes("twice", 50);
    for _ in 0..5 {
        let (ra, rb) = tokio::join!(post(&a, &batch), post(&b, &batch));
        assert_eq!((ra.0, rb.0), (200, 200));
        assert_eq!(ack_seqs(&ra.1), ack_seqs(&rb.1), "the same seqs from both");
    }
    let log = whole_log(&b).await;
    assert_eq!(log.len(), 50);
    assert_eq!(
        log.iter().map(|e| e.0).collect::<Vec<_>>(),
        (1..=50).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn declarations_on_both_replicas_at_once_get_one_run_of_numbers_in_seq_order() {
    if skipped("declarations_on_both_replicas") {
        return;
    }
    let dir = temp_dir();
    let (a, b) = pair(&data_dir(&dir), &[]);
    let declared = |i: usize| {
        json!({"id": format!("d-{i}"), "incident": format!("inc-{i}"), "author": "ana",
               "at": 1_763_464_800_000_i64,
               "body": {"kind": "declared", "title": format!("Outage {i}"), "severity": "sev2",
                        "started_at": 1_763_464_700_000_i64}})
    };
    let mut acked = Vec::new();
    for round in 0..10 {
        // Each replica declares its own incident, and both the same third
        // one (two consoles retrying through different replicas).
        let shared = declared(1000 + round);
        let on_a = [declared(2 * round), shared.clone()];
        let on_b = [declared(2 * round + 1), shared];
        let (ra, rb) = tokio::join!(post(&a, &on_a), post(&b, &on_b));
        assert_eq!((ra.0, rb.0), (200, 200), "{} {}", ra.1, rb.1);
        assert_eq!(
            ra.1["acks"][1], rb.1["acks"][1],
            "one seq and number for the shared one"
        );
        for reply in [&ra.1, &rb.1] {
            for ack in reply["acks"].as_array().unwrap() {
                acked.push(
                    ack["number"]
                        .as_u64()
                        .expect("every declaration here is numbered"),
                );
            }
        }
    }
    acked.sort_unstable();
    acked.dedup();
    assert_eq!(
        acked,
        (1..=30).collect::<Vec<u64>>(),
        "30 incidents, 1 to 30, none twice"
    );
    // Both replicas read the numbers in the log's order.
    for s in [&a, &b] {
        let (_, page) = get_json(s, "/api/v1/events?after=0&limit=1000").await;
        let numbers: Vec<u64> = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["number"].as_u64())
            .collect();
        assert_eq!(numbers, (1..=30).collect::<Vec<u64>>());
    }
}

async fn sign_in(s: &Running, name: &str) -> String {
    let resp = client()
        .post(s.url("/api/v1/session"))
        .json(&json!({"name": name, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn a_session_or_token_works_on_every_replica_and_ends_on_all_at_once() {
    if skipped("a_session_or_token_works_on_every_replica") {
        return;
    }
    let dir = temp_dir();
    let (a, b) = pair(&data_dir(&dir), &[]);
    let cookie = sign_in(&a, "responder").await;
    let me = client()
        .get(b.url("/api/v1/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "a session made on A signs in on B");
    // A stream on B with that session closes when it ends on A.
    let mut req = b.ws("/api/v1/stream?after=0");
    req.headers_mut().remove("authorization");
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let out = client()
        .delete(a.url("/api/v1/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success());
    let began = Instant::now();
    let closed = loop {
        let msg = next_json(&mut ws).await;
        if msg["type"] == "closed" {
            break msg;
        }
    };
    assert!(
        closed["frame"].as_str().unwrap().contains("signed out"),
        "{closed}"
    );
    println!(
        "signed out on A: B's stream closed in {:?}",
        began.elapsed()
    );
    let me = client()
        .get(b.url("/api/v1/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);

    // An API token revoked through A is refused by B.
    use sha2::Digest;
    let token = &b.tokens["viewer"];
    let id: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|x| format!("{x:02x}"))
        .take(6)
        .collect();
    assert_eq!(
        b.client_as("viewer")
            .get(b.url("/api/v1/events"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let revoked = a
        .client_as("admin")
        .delete(a.url(&format!("/api/v1/tokens/{id}")))
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success(), "{}", revoked.status());
    assert_eq!(
        b.client_as("viewer")
            .get(b.url("/api/v1/events"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn presence_of(ws: &mut Ws, incident: &str, want: &[&str], limit: Duration) {
    let began = Instant::now();
    loop {
        let left = limit.saturating_sub(began.elapsed());
        let msg = match tokio::time::timeout(left, next_json(ws)).await {
            Ok(m) => m,
            Err(_) => panic!("presence of {incident} never became {want:?} within {limit:?}"),
        };
        if msg["type"] == "presence" && msg["incident"] == incident && msg["people"] == json!(want)
        {
            return;
        }
    }
}

#[tokio::test]
async fn presence_names_everyone_whichever_replica_they_are_on_and_forgets_a_dead_one() {
    if skipped("presence_names_everyone") {
        return;
    }
    let dir = temp_dir();
    let (a, b) = pair(&data_dir(&dir), &[]);
    let mut on_a = stream(&a, "responder").await;
    let mut on_b = stream(&b, "viewer").await;
    let here = |name: &str| {
        Message::Text(
            json!({"type": "presence", "incident": "inc-p", "name": name})
                .to_string()
                .into(),
        )
    };
    on_a.send(here("responder")).await.unwrap();
    on_b.send(here("viewer")).await.unwrap();
    presence_of(
        &mut on_a,
        "inc-p",
        &["responder", "viewer"],
        Duration::from_secs(10),
    )
    .await;
    presence_of(
        &mut on_b,
        "inc-p",
        &["responder", "viewer"],
        Duration::from_secs(10),
    )
    .await;
    // A newcomer on A is told everyone at once.
    let mut late = stream(&a, "admin").await;
    presence_of(
        &mut late,
        "inc-p",
        &["responder", "viewer"],
        Duration::from_secs(5),
    )
    .await;
    // B dies without a word: its viewer leaves A's list once B is silent.
    let began = Instant::now();
    b.kill();
    presence_of(&mut on_a, "inc-p", &["responder"], Duration::from_secs(20)).await;
    println!("a dead replica's presence went in {:?}", began.elapsed());
}

// --- a fake publishing target and a fake upstream -------------------------------

#[derive(Clone, Default)]
struct Recorded {
    requests: Arc<Mutex<Vec<(Method, String, Value)>>>,
}

async fn record(
    State(r): State<Recorded>,
    method: Method,
    uri: Uri,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = uri.path().to_string();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    r.requests
        .lock()
        .unwrap()
        .push((method.clone(), path.clone(), body));
    if path.ends_with("summary.json") {
        return axum::Json(json!({
            "page": {"id": "up", "name": "Upstream", "url": "https://status.example.com"},
            "status": {"indicator": "minor", "description": "Partially Degraded Service"},
            "components": [{"id": "c1", "name": "API", "status": "degraded_performance"}],
            "incidents": []
        }))
        .into_response();
    }
    let code = if method == Method::POST { 201 } else { 200 };
    (
        axum::http::StatusCode::from_u16(code).unwrap(),
        axum::Json(json!({"id": "remote-incident-1", "status": "investigating"})),
    )
        .into_response()
}

async fn fake() -> (Recorded, String) {
    let r = Recorded::default();
    let app = axum::Router::new().fallback(record).with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (r, base)
}

fn event(incident: &str, id: &str, body: Value) -> Value {
    json!({"id": id, "incident": incident, "author": "x", "at": CLOCK_START_MS, "body": body})
}

/// Drafts (communicator), approves (admin) and publishes (communicator) an
/// update to `target`, each on the replica given.
async fn publish(on: [&Running; 3], inc: &str, update: &str, text: &str, target: &str) {
    let drafted = event(
        inc,
        update,
        json!({"kind": "update_drafted", "phase": "investigating",
               "channels": {"status_page": text}, "components": {}, "public_title": "Slow payments"}),
    );
    let approved = event(
        inc,
        &format!("{update}-ok"),
        json!({"kind": "update_approved", "update": update}),
    );
    let published = event(
        inc,
        &format!("{update}-pub"),
        json!({"kind": "update_published", "update": update, "targets": [target],
               "overrides": [{"check": "channel_empty", "reason": "Status page only"}]}),
    );
    post_ok_as(on[0], "communicator", &[drafted]).await;
    post_ok_as(on[1], "admin", &[approved]).await;
    post_ok_as(on[2], "communicator", &[published]).await;
}

/// The delivery reports for an update, as (state, error) in log order.
async fn reports(s: &Running, update: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (_, page) = get_json(s, &format!("/api/v1/events?after={after}&limit=1000")).await;
        let events = page["events"].as_array().unwrap().clone();
        let Some(last) = events.last() else {
            return out;
        };
        after = last["seq"].as_u64().unwrap();
        for e in events {
            if e["body"]["kind"] == "update_delivery" && e["body"]["update"] == update {
                out.push((
                    e["body"]["state"].as_str().unwrap().to_string(),
                    e["body"]["error"].as_str().unwrap_or("").to_string(),
                ));
            }
        }
    }
}

async fn sent_within(s: &Running, update: &str, limit: Duration) -> Vec<(String, String)> {
    let began = Instant::now();
    loop {
        let r = reports(s, update).await;
        if r.iter().any(|(state, _)| state != "queued") {
            return r;
        }
        assert!(
            began.elapsed() < limit,
            "{update} not delivered within {limit:?}: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn one_replica_relays_and_the_other_takes_over_when_it_dies_each_update_sent_once() {
    if skipped("one_replica_relays") {
        return;
    }
    let (target, base) = fake().await;
    let dir = temp_dir();
    let data = data_dir(&dir);
    let args = [
        "--publish-timeout-ms",
        "2000",
        "--publish-retry-base-ms",
        "100",
    ];
    let (a, b) = pair(&data, &args);
    leads_within(&a, Duration::from_secs(10)).await;
    assert_eq!(health(&b).await["leader"], false, "one leader at a time");
    let saved = b
        .client_as("admin")
        .put(b.url("/api/v1/publish/targets/sp"))
        .json(
            &json!({"kind": "statuspage", "name": "Public", "base_url": base,
                      "page_id": "pg1", "key": "k3y", "components": {}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let inc = "inc-relay";
    post_ok_as(
        &b,
        "responder",
        &[event(inc, "declared-1", json!({"kind": "declared", "title": "Payments", "severity": "sev2", "started_at": CLOCK_START_MS - 60_000}))],
    )
    .await;
    // Published through B; A, the leader, delivers it.
    publish(
        [&b, &b, &b],
        inc,
        "upd-1",
        "We are looking into slow payments.",
        "sp",
    )
    .await;
    let first = sent_within(&b, "upd-1", Duration::from_secs(20)).await;
    assert_eq!(first.last().unwrap().0, "sent", "{first:?}");

    // The leader dies; B takes over and delivers the next update.
    a.kill();
    let took = leads_within(&b, Duration::from_secs(15)).await;
    println!("B took the lead {took:?} after A was killed");
    publish([&b, &b, &b], inc, "upd-2", "Payments are recovering.", "sp").await;
    let second = sent_within(&b, "upd-2", Duration::from_secs(20)).await;
    assert_eq!(second.last().unwrap().0, "sent", "{second:?}");

    // Each update reached the target once: one create, one update.
    let seen = target.requests.lock().unwrap().clone();
    let calls: Vec<(Method, String)> = seen
        .iter()
        .map(|(m, p, _)| (m.clone(), p.clone()))
        .collect();
    assert_eq!(
        calls,
        vec![
            (Method::POST, "/pages/pg1/incidents".to_string()),
            (
                Method::PATCH,
                "/pages/pg1/incidents/remote-incident-1".to_string()
            ),
        ],
        "each update sent once"
    );
    for u in ["upd-1", "upd-2"] {
        let sent = reports(&b, u)
            .await
            .into_iter()
            .filter(|r| r.0 == "sent")
            .count();
        assert_eq!(sent, 1, "{u}: one 'sent' report");
    }
}

#[tokio::test]
async fn only_the_leader_polls_an_upstream_and_the_other_replica_shows_what_it_found() {
    if skipped("only_the_leader_polls") {
        return;
    }
    let (provider, base) = fake().await;
    let dir = temp_dir();
    let flag = format!("up={base}");
    let (a, b) = pair(
        &data_dir(&dir),
        &["--upstream", &flag, "--upstream-interval-ms", "300"],
    );
    leads_within(&a, Duration::from_secs(10)).await;
    // B does not poll, yet shows what A found.
    let began = Instant::now();
    loop {
        let (_, list) = get_json(&b, "/api/v1/upstreams").await;
        if list["providers"][0]["state"] == "known" {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(15),
            "B never showed it: {list}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // One poller every 300 ms (±10 %): at most 12 polls in 3 s; two
    // pollers would make about 20.
    let before = provider.requests.lock().unwrap().len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let polls = provider.requests.lock().unwrap().len() - before;
    assert!((1..=13).contains(&polls), "{polls} polls in 3 s");
    // The leader dies: B starts polling.
    a.kill();
    leads_within(&b, Duration::from_secs(15)).await;
    let before = provider.requests.lock().unwrap().len();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        provider.requests.lock().unwrap().len() > before,
        "B polls now"
    );
}

#[tokio::test]
async fn replicas_started_together_run_each_schema_step_once_and_a_newer_schema_is_refused() {
    let Some(admin) = postgres_admin() else {
        println!("schema steps on PostgreSQL: skipped, SITREP_TEST_POSTGRES is not set");
        return;
    };
    let dir = temp_dir();
    let data = data_dir(&dir);
    let (url, _) = database_for(&data).unwrap();
    // Three servers at once on an empty database.
    let mut children: Vec<_> = (0..3)
        .map(|_| {
            server_command(&data)
                .args(["serve", "--addr", "127.0.0.1:0", "--static", "/nonexistent"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in &mut children {
        use std::io::BufRead;
        let out = c.stdout.take().unwrap();
        let line = std::io::BufReader::new(out).lines().next();
        assert!(
            line.is_some_and(|l| l.is_ok_and(|l| l.starts_with("Sitrep is running at"))),
            "every replica starts"
        );
    }
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
    let steps: Vec<(i64, String)> = admin_sql(&url, |c| async move {
        c.query(
            "SELECT version, name FROM sitrep_schema ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    });
    assert_eq!(
        steps.iter().map(|s| s.0).collect::<Vec<_>>(),
        (1..=steps.len() as i64).collect::<Vec<_>>(),
        "each step once: {steps:?}"
    );
    // A step this binary does not know: it refuses to start, and says why.
    let next = steps.len() as i64 + 1;
    admin_sql(&url, move |c| async move {
        c.execute(
            "INSERT INTO sitrep_schema (version, name, applied_at) VALUES ($1, 'from a newer server', 0)",
            &[&next],
        )
        .await
        .unwrap();
    });
    let out = server_command(&data)
        .args(["serve", "--addr", "127.0.0.1:0", "--static", "/nonexistent"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("newer than this sitrep-server knows"), "{err}");
    assert!(err.contains("from a newer server"), "{err}");
    let _ = admin;
}

#[tokio::test]
async fn a_postgresql_restart_during_writes_loses_nothing_acked_and_stores_nothing_twice() {
    if skipped("a_postgresql_restart_during_writes") {
        return;
    }
    // A cluster of this test's own: restarting the shared one would cut
    // off every other test.
    let cluster = Cluster::start();
    let dir = temp_dir();
    let data = data_dir(&dir);
    pin_database(&data, &cluster.database("sitrep_restart"));
    let (a, b) = pair(&data, &[]);
    let mut on_b = stream(&b, "viewer").await;
    let (a, b) = (Arc::new(a), Arc::new(b));
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
    let refused = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(AtomicUsize::new(0));
    let restarted = Arc::new(AtomicBool::new(false));
    // Four posters, each batch tried again until it is acked, as a
    // console's outbox does; they go on until five batches each have
    // been acked after the restart.
    let mut posters = Vec::new();
    for p in 0..4 {
        let (a, b) = (a.clone(), b.clone());
        let (refused, acked, restarted) = (refused.clone(), acked.clone(), restarted.clone());
        posters.push(tokio::spawn(async move {
            let mut after = 0;
            for i in 0.. {
                let s = if (p + i) % 2 == 0 { &a } else { &b };
                let batch: Vec<Value> = (0..3)
                    .map(|k| note(&format!("r{p}-{i}-{k}"), "during a restart"))
                    .collect();
                loop {
                    let resp = s
                        .client()
                        .post(s.url("/api/v1/events"))
                        .json(&json!({ "events": batch }))
                        .timeout(Duration::from_secs(20))
                        .send()
                        .await;
                    match resp.map(|r| r.status().as_u16()) {
                        Ok(200) => break,
                        Ok(503) | Ok(500) | Err(_) => {
                            refused.fetch_add(1, Relaxed);
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Ok(other) => panic!("answered {other}"),
                    }
                }
                acked.fetch_add(3, Relaxed);
                if restarted.load(Relaxed) {
                    after += 1;
                    if after == 5 {
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    // Restart once writes are under way.
    while acked.load(Relaxed) < 60 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let began = Instant::now();
    let c = Arc::new(cluster);
    let c2 = c.clone();
    tokio::task::spawn_blocking(move || c2.restart())
        .await
        .unwrap();
    restarted.store(true, Relaxed);
    println!("PostgreSQL restarted in {:?}", began.elapsed());
    for p in posters {
        p.await.unwrap();
    }
    let refused = refused.load(Relaxed);
    let acked = acked.load(Relaxed);
    println!("{acked} events acked; {refused} POSTs were refused or cut off while it restarted");
    assert!(refused > 0, "the restart happened while writing");
    let log = whole_log(&a).await;
    assert_eq!(log.len(), acked, "every acked event once");
    assert_eq!(
        log.iter().map(|e| e.0).collect::<Vec<_>>(),
        (1..=acked as u64).collect::<Vec<_>>()
    );
    assert_eq!(whole_log(&b).await, log);
    // The stream open on B across the restart got every event, in order.
    assert_eq!(events_off(&mut on_b, acked).await, log);
}

#[tokio::test]
async fn the_post_rate_holds_per_account_on_each_replica_so_within_the_replica_count() {
    if skipped("the_post_rate_holds_per_account") {
        return;
    }
    let dir = temp_dir();
    let data = data_dir(&dir);
    // A burst of 5, then one POST every 100 s: nothing refills meanwhile.
    let args = ["--post-rate", "0.01", "--post-burst", "5"];
    let a = Running::start_with_args(&data, &data.join("no-console"), &args);
    let b = Running::start_with_args(&data, &data.join("no-console"), &args);
    let mut taken = [0, 0];
    for i in 0..30 {
        let (s, n) = if i % 2 == 0 { (&a, 0) } else { (&b, 1) };
        let (status, _) = post(s, &[note(&format!("rate-{i}"), "x")]).await;
        match status {
            200 => taken[n] += 1,
            429 => {}
            other => panic!("answered {other}"),
        }
    }
    // Each replica keeps its own bucket: one account gets the burst on
    // each, so at most the replica count times the limit in all.
    assert_eq!(taken, [5, 5], "the burst per replica");
    assert_eq!(whole_log(&a).await.len(), 10);
}
