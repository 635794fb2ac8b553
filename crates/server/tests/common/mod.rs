//! Starts the real `sitrep-server` binary on a free loopback port with its own
//! data dir, and a few helpers to make and read events.
//!
//! The backend: SQLite in the data dir, as a server runs by default; or,
//! when `SITREP_TEST_POSTGRES` names a PostgreSQL server (an admin URL,
//! `postgres://USER@127.0.0.1:PORT/postgres`, as `scripts/test` starts),
//! a database of its own per data dir on that server, so every test here
//! runs unchanged against both.
#![allow(dead_code)]

pub mod comms;
pub mod pyenv;
pub mod receiver;
mod setup;

// Each test file uses some of these, none uses all.
#[allow(unused_imports)]
pub use setup::*;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct Running {
    child: Child,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
    pub addr: String,
    /// An API token per role, for the accounts named after the roles.
    pub tokens: std::collections::BTreeMap<&'static str, String>,
}

/// Every test server has one account per role, named after the role, all
/// with this password.
pub const PASSWORD: &str = "correct horse battery staple";
pub const ROLES: [&str; 4] = ["viewer", "responder", "communicator", "admin"];

/// Where test servers' clocks start unless a test picks its own
/// (2025-11-18T11:20:00Z): events must be within a year of the server's
/// clock, and the tests' events are stamped around this instant.
pub const CLOCK_START_MS: i64 = 1_763_464_800_000;
const CLOCK_START: &str = "1763464800000";

/// The PostgreSQL server the tests run against, if any.
pub fn postgres_admin() -> Option<String> {
    std::env::var("SITREP_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// True when the tests run against PostgreSQL (see the module's doc).
pub fn on_postgres() -> bool {
    postgres_admin().is_some()
}

/// The database for a data dir on the test PostgreSQL server, made on
/// first use: its URL, and whether it was made just now (a fresh install).
pub fn database_for(data: &Path) -> Option<(String, bool)> {
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};
    static MADE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    if let Some(url) = pinned(data) {
        let mut made = MADE.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = !made.iter().any(|d| d == data);
        made.push(data.to_path_buf());
        return Some((url, fresh));
    }
    let admin = postgres_admin()?;
    let mut h = DefaultHasher::new();
    data.hash(&mut h);
    let name = format!("sitrep_t_{:016x}", h.finish());
    let url = match admin.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("SITREP_TEST_POSTGRES must end in /DATABASE: {admin}"),
    };
    let mut made = MADE.lock().unwrap_or_else(|p| p.into_inner());
    if made.iter().any(|d| d == data) {
        return Some((url, false));
    }
    let fresh = admin_sql(&admin, move |client| async move {
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .await
            .expect("the test PostgreSQL answers")
            .is_some();
        if !exists {
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("a test database is made");
        }
        !exists
    });
    made.push(data.to_path_buf());
    Some((url, fresh))
}

static PINNED: std::sync::Mutex<Vec<(PathBuf, String)>> = std::sync::Mutex::new(Vec::new());

/// Servers on this data dir use this (empty) database instead, e.g. one on
/// a PostgreSQL cluster a test restarts by itself.
pub fn pin_database(data: &Path, url: &str) {
    PINNED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((data.to_path_buf(), url.to_string()));
}

fn pinned(data: &Path) -> Option<String> {
    PINNED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(d, _)| d == data)
        .map(|(_, u)| u.clone())
}

/// A throwaway PostgreSQL cluster of a test's own (`scripts/pg-cluster`),
/// stopped and removed when dropped.
pub struct Cluster {
    dir: tempfile::TempDir,
    /// The admin URL (`.../postgres`).
    pub url: String,
}

fn cluster_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-cluster")
}

impl Cluster {
    pub fn start() -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("sitrep-pg-test-")
            .tempdir_in("/tmp")
            .unwrap();
        let out = Command::new("bash")
            .arg(cluster_script())
            .args(["start"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "a cluster of the test's own: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
        Cluster { dir, url }
    }

    /// A new empty database on it; its URL.
    pub fn database(&self, name: &str) -> String {
        let create = format!("CREATE DATABASE {name}");
        admin_sql(&self.url, move |c| async move {
            c.batch_execute(&create).await.unwrap();
        });
        format!("{}/{name}", self.url.rsplit_once('/').unwrap().0)
    }

    /// Stops PostgreSQL (fast: connections are cut) and starts it again on
    /// the same port.
    pub fn restart(&self) {
        let out = Command::new("bash")
            .arg(cluster_script())
            .args(["restart"])
            .arg(self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "restart: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(cluster_script())
            .args(["stop"])
            .arg(self.dir.path())
            .output();
    }
}

/// Runs `f` with a connection to the test PostgreSQL server as its admin,
/// on a thread of its own (tests call this from inside their runtime).
pub fn admin_sql<T, F>(url: &str, f: impl FnOnce(tokio_postgres::Client) -> F + Send + 'static) -> T
where
    T: Send + 'static,
    F: std::future::Future<Output = T>,
{
    let url = url.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {url}: {e}"));
            tokio::spawn(conn);
            f(client).await
        })
    })
    .join()
    .expect("the admin thread ends")
}

/// The server binary, pointed at this data dir's storage: `SITREP_DATABASE`
/// is set when the tests run on PostgreSQL.
pub fn server_command(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sitrep-server"));
    match database_for(data) {
        Some((url, _)) => c.env("SITREP_DATABASE", url),
        None => c.env_remove("SITREP_DATABASE"),
    };
    c
}

/// Whether this data dir holds nothing yet (no accounts made).
fn fresh(data: &Path) -> bool {
    match database_for(data) {
        Some((_, made_now)) => made_now,
        None => !data.join("sitrep.sqlite3").exists(),
    }
}

/// Creates an account through the CLI, the password piped as one line.
pub fn create_account(data: &Path, name: &str, role: &str, password: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = server_command(data)
        .args([
            "account", "create", "--name", name, "--role", role, "--data",
        ])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server binary starts");
    let mut stdin = child.stdin.take().unwrap();
    // A command refused before it reads (say, an unknown role) closes its
    // stdin first; its output says why.
    let _ = stdin.write_all(format!("{password}\n").as_bytes());
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// A new API token for an account, through the CLI.
pub fn create_token(data: &Path, name: &str) -> String {
    let out = server_command(data)
        .args(["token", "create", "--name", name, "--data"])
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

impl Running {
    /// Adds the account `monitor` (role monitor: alert senders and
    /// Prometheus) and its token, for tests of the alert intake and /metrics.
    pub fn with_monitor(mut self, data: &Path) -> Running {
        let out = create_account(data, "monitor", "monitor", PASSWORD);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.tokens.insert("monitor", create_token(data, "monitor"));
        self
    }

    pub fn start(data: &Path) -> Running {
        Self::start_with_static(data, &data.join("no-console"))
    }

    /// Port 0 lets the OS pick a free port; the announced line tells us which,
    /// so parallel tests never race for one.
    /// Tests that are not about rate limits post as fast as they like.
    pub fn start_with_static(data: &Path, static_dir: &Path) -> Running {
        Self::start_with_args(
            data,
            static_dir,
            &["--post-rate", "100000", "--post-burst", "100000"],
        )
    }

    pub fn start_with_args(data: &Path, static_dir: &Path, args: &[&str]) -> Running {
        Self::start_with(data, static_dir, args, &[], None)
    }

    /// `start_with_args`, with environment variables set and the server's
    /// stderr and stdout appended to `log` (for checking what it printed).
    pub fn start_with(
        data: &Path,
        static_dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        log: Option<&Path>,
    ) -> Running {
        let mut tokens = std::collections::BTreeMap::new();
        let fresh = fresh(data);
        for role in ROLES {
            // Restarting on the same data dir keeps the accounts made before.
            if fresh || create_token_if_exists(data, role).is_none() {
                let out = create_account(data, role, role, PASSWORD);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            tokens.insert(role, create_token(data, role));
        }
        // The server's clock starts where the tests' fixed event times
        // are, so they stay "now" on whatever day the tests run.
        let clock: &[&str] = if args.contains(&"--clock-start-ms") {
            &[]
        } else {
            &["--clock-start-ms", CLOCK_START]
        };
        let mut child = server_command(data)
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .arg("--static")
            .arg(static_dir)
            .args(clock)
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(match log {
                Some(path) => Stdio::from(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .expect("the log file opens"),
                ),
                None => Stdio::null(),
            })
            .spawn()
            .expect("the server binary starts");
        let log_path = log.map(Path::to_path_buf);
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(path) = &log_path {
                    use std::io::Write;
                    if let Ok(mut f) = std::fs::OpenOptions::new()
                        .append(true)
                        .create(true)
                        .open(path)
                    {
                        let _ = writeln!(f, "{line}");
                    }
                }
                if let Some(url) = line.strip_prefix("Sitrep is running at ") {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not announce itself within 30 s");
            }
        };
        let base = url.trim_end_matches('/').to_string();
        let addr = base.trim_start_matches("http://").to_string();
        Running {
            child,
            base,
            addr,
            tokens,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client that acts as the account with this role.
    pub fn client_as(&self, role: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        let value = format!("Bearer {}", self.tokens[role]);
        headers.insert(reqwest::header::AUTHORIZATION, value.parse().unwrap());
        reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// A client that acts as the responder: what most tests need.
    pub fn client(&self) -> reqwest::Client {
        self.client_as("responder")
    }

    /// A websocket request for `path`, signed in as the responder.
    pub fn ws(&self, path: &str) -> tokio_tungstenite::tungstenite::handshake::client::Request {
        self.ws_as("responder", path)
    }

    pub fn ws_as(
        &self,
        role: &str,
        path: &str,
    ) -> tokio_tungstenite::tungstenite::handshake::client::Request {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = format!("ws://{}{}", self.addr, path)
            .into_client_request()
            .unwrap();
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {}", self.tokens[role]).parse().unwrap(),
        );
        req
    }

    /// Sends SIGTERM and waits up to `limit` for the process to exit.
    /// Returns true when it exited in time.
    pub fn terminate_within(&mut self, limit: Duration) -> bool {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// SIGKILL: no chance to flush or say goodbye, like a crash.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temp dir")
}

pub fn data_dir(t: &tempfile::TempDir) -> PathBuf {
    t.path().join("data")
}

pub fn note(id: &str, text: &str) -> Value {
    json!({
        "id": id,
        "incident": "inc-1",
        "author": "ana",
        "at": 1_763_464_800_000_i64,
        "body": {"kind": "note_added", "text": text}
    })
}

pub fn notes(prefix: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| note(&format!("{prefix}-{i:04}"), &format!("note {i}")))
        .collect()
}

/// A client with no credentials.
pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// A token for an existing account, or None when there is no such account.
fn create_token_if_exists(data: &Path, name: &str) -> Option<String> {
    let out = server_command(data)
        .args(["token", "create", "--name", name, "--data"])
        .arg(data)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Posts a batch and returns (status, body).
pub async fn post(s: &Running, events: &[Value]) -> (u16, Value) {
    post_with(s, s.client(), events).await
}

/// Posts a batch as an account with `role` (see `client_as`); returns
/// (status, body).
pub async fn post_as(s: &Running, role: &str, events: &[Value]) -> (u16, Value) {
    post_with(s, s.client_as(role), events).await
}

async fn post_with(s: &Running, client: reqwest::Client, events: &[Value]) -> (u16, Value) {
    let resp = client
        .post(s.url("/api/v1/events"))
        .json(&json!({ "events": events }))
        .send()
        .await
        .expect("POST reaches the server");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Posts a batch as `role` that the test expects to be stored.
pub async fn post_ok_as(s: &Running, role: &str, events: &[Value]) {
    let (status, body) = post_as(s, role, events).await;
    assert_eq!(status, 200, "the batch is accepted: {body}");
}

pub async fn post_raw(
    s: &Running,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let resp = s
        .client()
        .post(s.url("/api/v1/events"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("POST reaches the server");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON body"))
}

pub async fn get_json(s: &Running, path: &str) -> (u16, Value) {
    let resp = s
        .client()
        .get(s.url(path))
        .send()
        .await
        .expect("GET reaches the server");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON body"))
}

/// The whole log as (seq, id) pairs, read in pages.
pub async fn whole_log(s: &Running) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (status, page) = get_json(s, &format!("/api/v1/events?after={after}&limit=1000")).await;
        assert_eq!(status, 200, "{page}");
        let events = page["events"].as_array().unwrap();
        if events.is_empty() {
            return out;
        }
        for e in events {
            let seq = e["seq"].as_u64().unwrap();
            out.push((seq, e["id"].as_str().unwrap().to_string()));
            after = seq;
        }
    }
}

pub fn ack_seqs(reply: &Value) -> Vec<u64> {
    reply["acks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["seq"].as_u64().unwrap())
        .collect()
}
