//! Starts the real `sitrep-server` binary on a free loopback port with its own
//! data dir, and a few helpers to make and read events.
#![allow(dead_code)]

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
}

impl Running {
    pub fn start(data: &Path) -> Running {
        Self::start_with_static(data, &data.join("no-console"))
    }

    /// Port 0 lets the OS pick a free port; the announced line tells us which,
    /// so parallel tests never race for one.
    pub fn start_with_static(data: &Path, static_dir: &Path) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sitrep-server"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .arg("--static")
            .arg(static_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
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
        Running { child, base, addr }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
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

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// Posts a batch and returns (status, body).
pub async fn post(s: &Running, events: &[Value]) -> (u16, Value) {
    let resp = client()
        .post(s.url("/api/v1/events"))
        .json(&json!({ "events": events }))
        .send()
        .await
        .expect("POST reaches the server");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON body"))
}

pub async fn post_raw(
    s: &Running,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let resp = client()
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
    let resp = client()
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
