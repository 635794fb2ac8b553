//! Watched upstreams end to end: the real binary polls status pages served
//! on loopback by a hand-written HTTP server that answers a recorded summary,
//! then 500, HTML, an oversized body and silence; `/api/v1/upstreams` shows
//! each failure as unknown with the last known summary kept, and a healthy
//! provider beside it stays known throughout.

mod common;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the fake status page answers next.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    Summary,
    Error500,
    Html,
    WrongShape,
    Oversized,
    Stall,
}

/// Used when ../shared is absent, so the test still runs.
const SMALL_SUMMARY: &str = r#"{"page":{"id":"p","name":"GitHub","url":"https://www.githubstatus.com"},
 "status":{"indicator":"minor","description":"Minor Service Outage"},
 "components":[{"id":"st3j38cctv9l","name":"Packages","status":"partial_outage"}],
 "incidents":[{"id":"ljwdk6qml8z8","name":"Incident with Packages and Pages","status":"investigating",
   "impact":"major","incident_updates":[{"status":"investigating","body":"Packages is now experiencing degraded performance.","created_at":"2022-11-25T15:50:04.967Z"}]}]}"#;
const SMALL_OPERATIONAL: &str = r#"{"page":{"name":"OpenAI"},"status":{"indicator":"none","description":"All Systems Operational"},
 "components":[{"id":"c","name":"Login","status":"operational"}]}"#;

fn fixture(name: &str, fallback: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|_| {
        println!("../shared is absent: serving a small hand-made summary instead of {name}");
        fallback.as_bytes().to_vec()
    })
}

/// A status page on 127.0.0.1 whose answer the test switches.
struct FakePage {
    port: u16,
    phase: Arc<Mutex<Phase>>,
    /// Connections accepted so far: one per poll.
    hits: Arc<std::sync::atomic::AtomicU64>,
}

impl FakePage {
    async fn start(summary: Vec<u8>) -> FakePage {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let phase = Arc::new(Mutex::new(Phase::Summary));
        let summary = Arc::new(summary);
        let current = phase.clone();
        let hits = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let phase = *current.lock().unwrap();
                tokio::spawn(answer(socket, phase, summary.clone()));
            }
        });
        FakePage { port, phase, hits }
    }

    fn set(&self, phase: Phase) {
        *self.phase.lock().unwrap() = phase;
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

async fn answer(mut socket: TcpStream, phase: Phase, summary: Arc<Vec<u8>>) {
    // Read the request head; its content does not matter, but the path does.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let path_ok = head.starts_with(b"GET /api/v2/summary.json HTTP/1.1\r\n");
    let (status, content_type, body): (&str, &str, Vec<u8>) = match phase {
        _ if !path_ok => ("404 Not Found", "text/plain", b"wrong path".to_vec()),
        Phase::Summary => ("200 OK", "application/json", summary.to_vec()),
        Phase::Error500 => (
            "500 Internal Server Error",
            "application/json",
            br#"{"error":"boom"}"#.to_vec(),
        ),
        Phase::Html => (
            "200 OK",
            "text/html",
            b"<!DOCTYPE html><html><body>Please sign in</body></html>".to_vec(),
        ),
        Phase::WrongShape => (
            "200 OK",
            "application/json",
            br#"{"status":"ok","components":[]}"#.to_vec(),
        ),
        Phase::Oversized => {
            // No length header: the reader must stop on its own.
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"page\":")
                .await;
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..(3 * 1024 / 64) {
                if socket.write_all(&chunk).await.is_err() {
                    return;
                }
            }
            return;
        }
        Phase::Stall => {
            // Accept, read the request, never answer; hold the socket open.
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = socket.write_all(head.as_bytes()).await;
    let _ = socket.write_all(&body).await;
    let _ = socket.shutdown().await;
}

struct Server {
    child: Child,
    base: String,
    /// An admin's API token: reading upstreams needs an account, and adding
    /// providers (workspace events) needs an admin.
    token: String,
    data: Option<tempfile::TempDir>,
}

/// An admin account and its token, made through the CLI before serving.
fn admin_token(data: &std::path::Path) -> String {
    use std::io::Write;
    let mut child = common::server_command(data)
        .args([
            "account", "create", "--name", "watcher", "--role", "admin", "--data",
        ])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"correct horse battery staple\n").unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let out = common::server_command(data)
        .args(["token", "create", "--name", "watcher", "--data"])
        .arg(data)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

impl Server {
    fn start(args: &[String]) -> Server {
        let dir = tempfile::tempdir().expect("a temp dir");
        Server::start_in(dir, args)
    }

    /// In a data directory a server may already have used.
    fn start_in(dir: tempfile::TempDir, args: &[String]) -> Server {
        let data = dir.path().join("data");
        let token = admin_token(&data);
        let mut child = common::server_command(&data)
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(&data)
            .arg("--static")
            .arg(data.join("no-console"))
            // Where the events these tests post are stamped (2025-11-18):
            // events must be within a year of the server's clock.
            .args(["--clock-start-ms", "1763464800000"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("Sitrep is running at ") {
                    let _ = tx.send(url.trim_end_matches('/').to_string());
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not announce itself within 30 s");
            }
        };
        Server {
            child,
            base,
            token,
            data: Some(dir),
        }
    }

    /// Stops the server, keeping its data directory for the next one.
    fn stop(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.data.take().expect("the data directory")
    }

    async fn upstreams(&self) -> Value {
        let resp = reqwest::Client::new()
            .get(format!("{}/api/v1/upstreams", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("GET reaches the server");
        assert_eq!(resp.status(), 200);
        resp.json().await.expect("a JSON body")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn provider<'a>(reply: &'a Value, name: &str) -> &'a Value {
    reply["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no provider {name} in {reply}"))
}

/// Polls the list until `ready` holds for it, checking `always` on every
/// answer on the way. Bounded: 20 s.
async fn wait_until(
    s: &Server,
    what: &str,
    ready: impl Fn(&Value) -> bool,
    always: impl Fn(&Value),
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = s.upstreams().await;
        always(&reply);
        if ready(&reply) {
            return reply;
        }
        assert!(
            Instant::now() < deadline,
            "never saw {what}; last: {reply:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn reason(p: &Value) -> &str {
    p["unknown"]["reason"].as_str().unwrap_or("")
}

fn fast(args: &mut Vec<String>) {
    args.extend(
        [
            "--upstream-interval-ms",
            "200",
            "--upstream-timeout-ms",
            "1000",
        ]
        .map(String::from),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_provider_shows_unknown_since_with_its_reason_and_last_known_while_a_healthy_one_stays_known(
) {
    let a = FakePage::start(fixture(
        "statuspage-v2_github_summary_partial-outage_2022-11-25.json",
        SMALL_SUMMARY,
    ))
    .await;
    let b = FakePage::start(fixture(
        "incidentio-statuspage-compat_openai_summary_2026-07-09.json",
        SMALL_OPERATIONAL,
    ))
    .await;
    let mut args = vec![
        "--upstream".into(),
        format!("a={}", a.url()),
        "--upstream".into(),
        format!("b={}/", b.url()),
    ];
    fast(&mut args);
    let s = Server::start(&args);

    let b_known = |reply: &Value| {
        let p = provider(reply, "b");
        if p["state"] == "known" {
            assert_eq!(p["known"]["indicator"], "none", "{p}");
            assert_eq!(p["known"]["page"]["name"], "OpenAI");
        }
    };
    // Once b is known, it must stay known through everything a goes through.
    let b_stays_known = |reply: &Value| {
        let p = provider(reply, "b");
        assert_eq!(p["state"], "known", "b lost: {p}");
    };

    let reply = wait_until(
        &s,
        "both known",
        |r| provider(r, "a")["state"] == "known" && provider(r, "b")["state"] == "known",
        |r| {
            b_known(r);
            // Before its first answer a provider is unknown, never operational.
            let p = provider(r, "a");
            if p["state"] == "unknown" {
                assert!(p.get("known").is_none(), "{p}");
            }
        },
    )
    .await;
    let known = &provider(&reply, "a")["known"];
    assert_eq!(provider(&reply, "a")["url"], a.url());
    assert_eq!(
        provider(&reply, "b")["url"],
        b.url(),
        "the trailing slash is dropped"
    );
    assert_eq!(known["page"]["name"], "GitHub");
    assert_eq!(known["indicator"], "minor");
    assert_eq!(known["components"][0]["name"], "Packages");
    assert_eq!(known["components"][0]["status"], "partial_outage");
    assert_eq!(known["incidents"][0]["id"], "ljwdk6qml8z8");
    assert!(known["incidents"][0]["latest_update"]["body"]
        .as_str()
        .unwrap()
        .starts_with("Packages is now experiencing degraded performance"));
    let fetched_at = known["fetched_at"].as_i64().unwrap();

    let mut since = None;
    for (phase, want) in [
        (Phase::Error500, "HTTP 500 Internal Server Error"),
        (Phase::Html, "HTML page"),
        (
            Phase::WrongShape,
            "not a Statuspage summary (no `page` key)",
        ),
        (Phase::Oversized, "over the 2 MiB limit"),
        (Phase::Stall, "no answer within 1 s"),
    ] {
        a.set(phase);
        let reply = wait_until(
            &s,
            want,
            |r| reason(provider(r, "a")).contains(want),
            |r| {
                b_stays_known(r);
                let p = provider(r, "a");
                // Whatever happens, a failing provider never reads as known.
                if p["state"] == "unknown" {
                    assert!(p.get("known").is_none(), "{p}");
                }
            },
        )
        .await;
        let p = provider(&reply, "a");
        assert_eq!(p["state"], "unknown", "{phase:?}: {p}");
        let unknown = &p["unknown"];
        let label = unknown["label"].as_str().unwrap();
        assert!(
            label.starts_with("unknown since ") && label.ends_with(&format!("({})", reason(p))),
            "{label}"
        );
        // The time it was lost stays that of the first failure.
        let this_since = unknown["since"].as_i64().unwrap();
        assert_eq!(*since.get_or_insert(this_since), this_since, "{phase:?}");
        assert!(this_since >= fetched_at);
        let last = &unknown["last_known"];
        assert_eq!(last["page"]["name"], "GitHub", "{phase:?}: {p}");
        assert_eq!(last["components"][0]["name"], "Packages");
        assert!(last["fetched_at"].as_i64().unwrap() >= fetched_at);
    }

    a.set(Phase::Summary);
    let reply = wait_until(
        &s,
        "a known again",
        |r| provider(r, "a")["state"] == "known",
        b_stays_known,
    )
    .await;
    assert!(provider(&reply, "a").get("unknown").is_none());
}

#[tokio::test]
async fn an_unreachable_provider_is_unknown_with_the_connect_error() {
    // A port that was just free: nothing listens there.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let mut args = vec!["--upstream".into(), format!("gone=http://127.0.0.1:{port}")];
    fast(&mut args);
    let s = Server::start(&args);
    let reply = wait_until(
        &s,
        "a connect error",
        |r| reason(provider(r, "gone")).starts_with("cannot connect"),
        |r| assert_ne!(provider(r, "gone")["state"], "known"),
    )
    .await;
    let p = provider(&reply, "gone");
    assert!(p["unknown"].get("last_known").is_none(), "{p}");
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_says_where_it_pointed() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 301 Moved Permanently\r\nLocation: http://169.254.169.254/latest\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
        }
    });
    let mut args = vec![
        "--upstream".into(),
        format!("moved=http://127.0.0.1:{port}"),
    ];
    fast(&mut args);
    let s = Server::start(&args);
    let reply = wait_until(
        &s,
        "a redirect",
        |r| reason(provider(r, "moved")).contains("301"),
        |_| {},
    )
    .await;
    let why = reason(provider(&reply, "moved"));
    assert!(
        why.contains("http://169.254.169.254/latest") && why.contains("not followed"),
        "{why}"
    );
}

#[tokio::test]
async fn without_upstream_flags_the_list_is_empty_and_only_get_is_allowed() {
    let s = Server::start(&[]);
    assert_eq!(s.upstreams().await, serde_json::json!({ "providers": [] }));
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/upstreams", s.base))
        .bearer_auth(&s.token)
        .body("url=http://example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    let body: Value = resp.json().await.expect("a JSON error");
    assert_eq!(body["error"], "method not allowed");
}

#[test]
fn a_malformed_or_duplicate_upstream_flag_stops_the_server_with_a_reason() {
    for (args, want) in [
        (vec!["--upstream", "github"], "expected NAME=URL"),
        (vec!["--upstream", "a=ftp://x"], "https:// or http://"),
        (
            vec![
                "--upstream",
                "a=http://127.0.0.1:1",
                "--upstream",
                "a=http://127.0.0.1:2",
            ],
            "two upstreams are named \"a\"",
        ),
        (vec!["--upstream-interval", "0"], "upstream-interval"),
    ] {
        let dir = tempfile::tempdir().expect("a temp dir");
        let out = common::server_command(&dir.path().join("data"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(dir.path().join("data"))
            .args(&args)
            .output()
            .expect("the binary runs");
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next `upstreams` message on a stream, skipping events; bounded: 20 s.
async fn next_upstreams(ws: &mut Ws) -> Value {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a stream message within 20 s")
            .expect("the stream is open")
            .expect("a websocket frame");
        if let Message::Text(t) = frame {
            let msg: Value = serde_json::from_str(&t).expect("JSON");
            if msg["type"] == "upstreams" {
                return msg;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_sends_the_list_after_catching_up_and_again_when_a_provider_changes() {
    let a = FakePage::start(fixture(
        "statuspage-v2_github_summary_partial-outage_2022-11-25.json",
        SMALL_SUMMARY,
    ))
    .await;
    let mut args = vec!["--upstream".into(), format!("a={}", a.url())];
    fast(&mut args);
    let s = Server::start(&args);
    let addr = s.base.trim_start_matches("http://");
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{addr}/api/v1/stream"
        ))
        .expect("a websocket request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", s.token)
            .parse()
            .expect("a header value"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the websocket opens");

    // The first list comes right after the catch-up, whatever it says yet.
    let first = next_upstreams(&mut ws).await;
    assert_eq!(first["providers"][0]["name"], "a", "{first}");
    let mut msg = first;
    while msg["providers"][0]["state"] != "known" {
        msg = next_upstreams(&mut ws).await;
    }
    assert_eq!(msg["providers"][0]["known"]["indicator"], "minor", "{msg}");

    // Polls that change nothing push nothing; a failure is pushed.
    a.set(Phase::Html);
    let lost = next_upstreams(&mut ws).await;
    let p = &lost["providers"][0];
    assert_eq!(p["state"], "unknown", "{lost}");
    assert!(reason(p).contains("HTML page"), "{p}");
    assert_eq!(p["unknown"]["last_known"]["indicator"], "minor");
    // The push is what GET answers.
    assert_eq!(lost["providers"], s.upstreams().await["providers"]);
}

async fn post_workspace(s: &Server, events: &[(&str, Value)]) {
    let events: Vec<Value> = events
        .iter()
        .map(|(id, body)| {
            serde_json::json!({"id": id, "incident": "workspace", "author": "admin",
                               "at": 1_763_464_800_000_i64, "body": body})
        })
        .collect();
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/events", s.base))
        .bearer_auth(&s.token)
        .json(&serde_json::json!({ "events": events }))
        .send()
        .await
        .expect("POST reaches the server");
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
}

fn names(reply: &Value) -> Vec<String> {
    reply["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_added_on_the_workspace_stream_are_polled_beside_the_flags_removed_ones_stop_and_both_survive_a_restart(
) {
    let a = FakePage::start(fixture(
        "statuspage-v2_github_summary_partial-outage_2022-11-25.json",
        SMALL_SUMMARY,
    ))
    .await;
    let b = FakePage::start(fixture(
        "incidentio-statuspage-compat_openai_summary_2026-07-09.json",
        SMALL_OPERATIONAL,
    ))
    .await;
    let mut args = vec!["--upstream".into(), format!("cli={}", b.url())];
    fast(&mut args);
    let s = Server::start(&args);

    post_workspace(
        &s,
        &[
            ("w1", serde_json::json!({"kind": "upstream_added", "name": "ws", "url": a.url()})),
            ("w2", serde_json::json!({"kind": "upstream_added", "name": "bad", "url": "ftp://status.example"})),
            // The command line wins a name clash.
            ("w3", serde_json::json!({"kind": "upstream_added", "name": "cli", "url": a.url()})),
        ],
    )
    .await;
    let reply = wait_until(
        &s,
        "the workspace provider known",
        |r| provider(r, "ws")["state"] == "known",
        |_| {},
    )
    .await;
    assert_eq!(names(&reply), ["cli", "bad", "ws"]);
    assert_eq!(provider(&reply, "ws")["known"]["indicator"], "minor");
    assert_eq!(provider(&reply, "cli")["url"], b.url());
    let bad = provider(&reply, "bad");
    assert_eq!(bad["state"], "unknown", "{bad}");
    assert!(
        reason(bad).contains("not a URL we poll") && reason(bad).contains("https:// or http://"),
        "{bad}"
    );

    post_workspace(
        &s,
        &[(
            "w4",
            serde_json::json!({"kind": "upstream_removed", "name": "ws"}),
        )],
    )
    .await;
    let reply = s.upstreams().await;
    assert_eq!(names(&reply), ["cli", "bad"], "removed at once");
    // Its poller has stopped: no more requests reach its page (one may
    // have been under way).
    let hits = a.hits.load(std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        a.hits.load(std::sync::atomic::Ordering::SeqCst) <= hits + 1,
        "a removed provider is still polled"
    );

    // A restarted server folds the workspace stream again.
    let s = Server::start_in(s.stop(), &args);
    let reply = s.upstreams().await;
    assert_eq!(names(&reply), ["cli", "bad"]);
}

/// A valid summary.json with `n` components, none operational, and names
/// as long as real ones: over 800 KB, as a big provider's page can be.
fn huge_summary(n: usize) -> Vec<u8> {
    let components: Vec<Value> = (0..n)
        .map(|i| {
            serde_json::json!({"id": format!("cmp{i:08}"), "name": format!("Edge location {i} (region)"),
                               "status": "major_outage", "group_id": null, "group": false,
                               "description": null, "position": i})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "page": {"id": "big", "name": "Big provider", "url": "https://big.example"},
        "status": {"indicator": "critical", "description": "Major System Outage"},
        "components": components,
        "incidents": [], "scheduled_maintenances": []
    }))
    .unwrap()
}

async fn open_stream(s: &Server) -> Ws {
    let addr = s.base.trim_start_matches("http://");
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{addr}/api/v1/stream"
        ))
        .expect("a websocket request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", s.token)
            .parse()
            .expect("a header value"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .expect("the websocket opens")
        .0
}

/// The next `upstreams` message and its size in bytes; bounded: 20 s.
async fn next_upstreams_sized(ws: &mut Ws) -> (Value, usize) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a stream message within 20 s")
            .expect("the stream stays open")
            .expect("a websocket frame");
        if let Message::Text(t) = frame {
            let msg: Value = serde_json::from_str(&t).expect("JSON");
            if msg["type"] == "upstreams" {
                return (msg, t.len());
            }
        }
    }
}

/// Waits for an event with this id on the stream; bounded: 20 s.
async fn event_arrives(ws: &mut Ws, id: &str) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a stream message within 20 s")
            .expect("the stream stays open")
            .expect("a websocket frame");
        if let Message::Text(t) = frame {
            let msg: Value = serde_json::from_str(&t).expect("JSON");
            if msg["type"] == "event" && msg["event"]["id"] == id {
                return;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_with_nine_thousand_broken_components_keeps_every_stream_open_with_a_bounded_list(
) {
    let body = huge_summary(9_000);
    assert!(body.len() > 800 * 1024, "{} bytes", body.len());
    let big = FakePage::start(body).await;
    let mut args = vec!["--upstream".into(), format!("big={}", big.url())];
    fast(&mut args);
    let s = Server::start(&args);
    let mut streams = Vec::new();
    for _ in 0..3 {
        streams.push(open_stream(&s).await);
    }

    for ws in &mut streams {
        let (mut msg, mut size) = next_upstreams_sized(ws).await;
        while msg["providers"][0]["state"] != "known" {
            (msg, size) = next_upstreams_sized(ws).await;
        }
        assert!(size < 256 * 1024, "the list is {size} bytes");
        let known = &msg["providers"][0]["known"];
        assert_eq!(known["indicator"], "critical");
        assert_eq!(known["components"].as_array().unwrap().len(), 50);
        assert_eq!(
            known["omitted"]["components"], 8_950,
            "{}",
            known["omitted"]
        );
        assert_eq!(known["catalogue"].as_array().unwrap().len(), 500);
        assert_eq!(known["omitted"]["catalogue"], 8_500);
    }
    // GET answers the same bounded list.
    let listed = s.upstreams().await;
    let text = listed.to_string();
    assert!(text.len() < 256 * 1024, "GET answered {} bytes", text.len());

    // A component linked to ours is sent though it is far down the page.
    post_workspace(
        &s,
        &[
            (
                "c-api",
                serde_json::json!({"kind": "component_defined", "component": "api", "name": "API"}),
            ),
            (
                "link-1",
                serde_json::json!({"kind": "upstream_linked", "provider": "big",
                                   "provider_component": "cmp00008999", "component": "api"}),
            ),
        ],
    )
    .await;
    for ws in &mut streams {
        let (mut msg, _) = next_upstreams_sized(ws).await;
        let linked_sent = |m: &Value| {
            m["providers"][0]["known"]["components"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["id"] == "cmp00008999"))
        };
        while !linked_sent(&msg) {
            (msg, _) = next_upstreams_sized(ws).await;
        }
        assert_eq!(
            msg["providers"][0]["known"]["components"]
                .as_array()
                .unwrap()
                .len(),
            51
        );
    }

    // Every stream is still open: a note reaches all of them.
    let note = serde_json::json!({"events": [{"id": "still-here", "incident": "inc-1",
        "author": "x", "at": 1_763_464_800_000_i64,
        "body": {"kind": "note_added", "text": "still connected"}}]});
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/events", s.base))
        .bearer_auth(&s.token)
        .json(&note)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for ws in &mut streams {
        event_arrives(ws, "still-here").await;
    }
}
