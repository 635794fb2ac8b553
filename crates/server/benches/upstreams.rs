//! Prints the server's CPU time and memory while it polls 100 providers
//! (issue 8's figure). The real binary polls 100 loopback status pages that
//! answer GitHub's recorded summary (or a small one when ../shared is
//! absent), once a second each so the run is short; CPU per poll then
//! scales to the default 60 s interval. Linux only (reads /proc).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const PROVIDERS: usize = 100;
const RUN: Duration = Duration::from_secs(10);

fn main() {
    if !std::path::Path::new("/proc/self/stat").exists() {
        println!("upstream polling: skipped: no /proc on this system");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(run());
}

async fn run() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/fixtures/statuspage-v2_github_summary_partial-outage_2022-11-25.json",
    );
    let summary = Arc::new(std::fs::read(&path).unwrap_or_else(|_| {
        println!("upstream polling: ../shared is absent; serving a small summary");
        br#"{"page":{"name":"A"},"status":{"indicator":"none"}}"#.to_vec()
    }));
    let served = Arc::new(AtomicU64::new(0));
    let mut args = Vec::new();
    for i in 0..PROVIDERS {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        args.push("--upstream".to_string());
        args.push(format!("p{i}=http://127.0.0.1:{port}"));
        tokio::spawn(serve(listener, summary.clone(), served.clone()));
    }
    let idle = Server::start(&[]);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = idle.kib("VmRSS");
    drop(idle);

    args.extend(["--upstream-interval-ms".into(), "1000".into()]);
    let s = Server::start(&args);
    // Let the first polls (spread over the first second) settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cpu0 = s.cpu();
    let polls0 = served.load(Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(RUN).await;
    let cpu = s.cpu() - cpu0;
    let polls = served.load(Ordering::Relaxed) - polls0;
    let wall = start.elapsed();
    let per_poll = cpu / polls.max(1) as f64;
    println!(
        "upstream polling: {PROVIDERS} providers, {polls} polls in {:.1} s ({} bytes each): CPU {:.0} ms = {:.0} µs per poll \
         → at the default 60 s interval {:.3}% of one core",
        wall.as_secs_f64(),
        summary.len(),
        cpu * 1e3,
        per_poll * 1e6,
        per_poll * PROVIDERS as f64 / 60.0 * 100.0,
    );
    println!(
        "upstream polling: memory RSS {} kiB (peak {} kiB) vs {} kiB with no upstreams",
        s.kib("VmRSS"),
        s.kib("VmHWM"),
        idle_rss
    );
}

/// Answers every request with the summary, one request per connection.
async fn serve(listener: TcpListener, body: Arc<Vec<u8>>, served: Arc<AtomicU64>) {
    while let Ok((mut socket, _)) = listener.accept().await {
        let body = body.clone();
        let served = served.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let mut head = Vec::new();
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
            served.fetch_add(1, Ordering::Relaxed);
        });
    }
}

struct Server {
    child: Child,
    _data: tempfile::TempDir,
}

impl Server {
    fn start(args: &[String]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_sitrep-server"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(dir.path().join("data"))
            .arg("--static")
            .arg(dir.path().join("no-console"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("Sitrep is running at ") => break,
                Some(Ok(_)) => {}
                _ => panic!("the server did not start"),
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Server { child, _data: dir }
    }

    /// User + system CPU seconds so far.
    fn cpu(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // Fields after the command name, which is in parentheses.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
        ticks / clock_ticks()
    }

    fn kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
