//! The server under load: a real `sitrep-server` process on its own data
//! dir (copied from a template that already holds the accounts, so argon2
//! runs once per bench, not once per scenario), and what /proc says about
//! its memory and CPU.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The server's clock starts here (2025-11-18T11:20:00Z) and the posted
/// events are stamped with it, so nothing depends on today's date.
pub const CLOCK_START_MS: i64 = 1_763_464_800_000;

/// A data dir with one responder account per poster and one viewer for the
/// subscribers, with a token each.
pub struct Template {
    pub dir: PathBuf,
    pub poster_tokens: Vec<String>,
    pub reader_token: String,
}

fn cli(bin: &Path, args: &[&str], data: &Path, stdin: Option<&str>) -> Result<String, String> {
    let mut child = Command::new(bin)
        .args(args)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
        let _ = input.write_all(text.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

impl Template {
    pub fn make(bin: &Path, dir: PathBuf, posters: usize) -> Result<Template, String> {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let password = "load generator password\n";
        let mut poster_tokens = Vec::with_capacity(posters);
        for p in 0..posters {
            let name = format!("poster-{p:02}");
            cli(
                bin,
                &["account", "create", "--name", &name, "--role", "responder"],
                &dir,
                Some(password),
            )?;
            poster_tokens.push(cli(bin, &["token", "create", "--name", &name], &dir, None)?);
        }
        cli(
            bin,
            &["account", "create", "--name", "reader", "--role", "viewer"],
            &dir,
            Some(password),
        )?;
        let reader_token = cli(bin, &["token", "create", "--name", "reader"], &dir, None)?;
        Ok(Template {
            dir,
            poster_tokens,
            reader_token,
        })
    }

    /// A fresh copy of the template's data dir at `to`.
    pub fn copy_to(&self, to: &Path) -> Result<(), String> {
        let _ = std::fs::remove_dir_all(to);
        std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
        for entry in std::fs::read_dir(&self.dir).map_err(|e| e.to_string())? {
            let entry = entry.map_err(|e| e.to_string())?;
            std::fs::copy(entry.path(), to.join(entry.file_name())).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

pub struct Server {
    child: Child,
    pub addr: String,
}

impl Server {
    /// Starts `bin serve` on a free loopback port. Rate limits are opened
    /// up (the bench measures the server, not the per-account limiter),
    /// and every connection comes from 127.0.0.1, so its bound is raised.
    /// `wrap` is a command the server runs under (its program and
    /// arguments, the server's path appended), or empty.
    pub fn start(bin: &Path, data: &Path, wrap: &[String]) -> Result<Server, String> {
        let log = std::fs::File::create(data.join("server.log")).map_err(|e| e.to_string())?;
        let mut command = match wrap.split_first() {
            Some((prog, args)) => {
                let mut c = Command::new(prog);
                c.args(args).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        let mut child = command
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .arg("--static")
            .arg(data.join("no-console"))
            .args([
                "--post-rate",
                "1000000",
                "--post-burst",
                "1000000",
                "--max-connections-per-address",
                "10000",
                "--clock-start-ms",
                &CLOCK_START_MS.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("Sitrep is running at ") {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        // Long enough for a server under valgrind on a busy machine.
        let url = rx.recv_timeout(Duration::from_secs(300)).map_err(|_| {
            let _ = child.kill();
            "the server did not announce itself within 300 s".to_string()
        })?;
        let addr = url
            .trim_end_matches('/')
            .trim_start_matches("http://")
            .to_string();
        Ok(Server { child, addr })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, in KiB.
    pub fn rss_kib(&self) -> u64 {
        status_field(self.pid(), "VmRSS:").unwrap_or(0)
    }

    /// CPU time used so far (user + system), in seconds.
    pub fn cpu_secs(&self) -> f64 {
        cpu_secs(&self.pid().to_string())
    }
}

impl Drop for Server {
    /// SIGTERM first, so a server running under a profiler (valgrind
    /// writes its output at exit) ends cleanly; SIGKILL after 60 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let began = std::time::Instant::now();
        while began.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Turns callgrind's counting on or off in a process running under it.
pub fn callgrind_instrument(pid: u32, on: bool) -> Result<(), String> {
    let ok = Command::new("callgrind_control")
        .args(["-i", if on { "on" } else { "off" }, &pid.to_string()])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run callgrind_control: {e}"))?;
    ok.success()
        .then_some(())
        .ok_or_else(|| "callgrind_control failed".to_string())
}

/// `perf record` (CPU-clock samples with call chains) attached to a
/// process until stopped: the profile of one scenario's load, not of the
/// server's start.
pub struct Perf(Child);

impl Perf {
    pub fn attach(pid: u32, out: &Path) -> Result<Perf, String> {
        Command::new("perf")
            .args(["record", "-q", "-e", "cpu-clock", "-F", "997", "-g", "-p"])
            .arg(pid.to_string())
            .arg("-o")
            .arg(out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(Perf)
            .map_err(|e| format!("cannot run perf: {e}"))
    }

    /// SIGINT, as perf expects, then waits for it to write its file.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

fn status_field(pid: u32, name: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(name))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// utime + stime of a process (`self` or a pid) from /proc, in seconds.
/// Linux reports them in USER_HZ, which is 100 on every architecture it
/// exposes to user space.
pub fn cpu_secs(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The command name is in parentheses and may hold spaces: count after it.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// The 1-minute load average, as `uptime` prints it.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| {
            let f: Vec<&str> = l.split_whitespace().take(3).collect();
            (f.len() == 3).then(|| f.join(" "))
        })
        .unwrap_or_else(|| "?".into())
}
