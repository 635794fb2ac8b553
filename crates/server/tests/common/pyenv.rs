//! Real third-party programs the channel tests talk to, from a throwaway
//! Python venv made once under `target/` (pip, the Python registry): an
//! SMTP server (aiosmtpd) and the reference feed reader (feedparser).
//! `SITREP_TEST_PYTHON` points at another interpreter that has both.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PACKAGES: [&str; 2] = ["aiosmtpd==1.4.6", "feedparser==6.0.11"];

fn support(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(name)
}

/// The venv's python, made on first use. Test binaries run in parallel:
/// one makes it under a lock directory, the others wait for it.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("SITREP_TEST_PYTHON") {
        return p.into();
    }
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let dir = target.join("test-pyenv");
    let py = dir.join("bin/python");
    let ready = dir.join(".ready");
    let lock = target.join("test-pyenv.lock");
    // The marker names the packages, so a change of pins makes it anew
    // (scripts/setup --test writes the same marker).
    let wanted = PACKAGES.join(" ");
    let is_ready = || std::fs::read_to_string(&ready).is_ok_and(|s| s.trim() == wanted);
    let start = Instant::now();
    loop {
        if is_ready() {
            return py;
        }
        let _ = std::fs::create_dir_all(&target);
        if std::fs::create_dir(&lock).is_ok() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "another test has held {} for 10 min; remove it if no test runs",
            lock.display()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let made = (|| -> Result<(), String> {
        if is_ready() {
            return Ok(());
        }
        let _ = std::fs::remove_dir_all(&dir);
        let venv = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .output()
            .map_err(|e| format!("python3 is needed for the channel tests: {e}"))?;
        if !venv.status.success() {
            return Err(format!(
                "python3 -m venv failed (Debian: apt install python3-venv): {}",
                String::from_utf8_lossy(&venv.stderr)
            ));
        }
        let pip = Command::new(dir.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(PACKAGES)
            .output()
            .map_err(|e| e.to_string())?;
        if !pip.status.success() {
            return Err(format!(
                "pip install {} failed: {}",
                PACKAGES.join(" "),
                String::from_utf8_lossy(&pip.stderr)
            ));
        }
        std::fs::write(&ready, &wanted).map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_dir(&lock);
    if let Err(e) = made {
        panic!("cannot make the test venv: {e}");
    }
    py
}

/// A real SMTP server on a free loopback port (tests/support/smtp_sink.py).
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl SmtpSink {
    pub fn start(dir: &Path, extra: &[&str]) -> SmtpSink {
        std::fs::create_dir_all(dir).unwrap();
        let mut child = Command::new(python())
            .arg(support("smtp_sink.py"))
            .arg("--out")
            .arg(dir)
            .args(extra)
            // aiosmtpd's own use of its older API warns on every login.
            .env("PYTHONWARNINGS", "ignore::DeprecationWarning")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the SMTP sink starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP sink said {line:?}"));
        SmtpSink {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// Changes what the sink does from its next command on.
    pub fn control(&self, value: serde_json::Value) {
        let tmp = self.dir.join("control.json.tmp");
        std::fs::write(&tmp, value.to_string()).unwrap();
        std::fs::rename(tmp, self.dir.join("control.json")).unwrap();
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<Accepted> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && p.file_stem()
                        .is_some_and(|s| s.to_string_lossy().chars().all(|c| c.is_ascii_digit()))
            })
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let v: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
                Accepted::from(v)
            })
            .collect()
    }

    pub fn stalled(&self) -> bool {
        self.dir.join("stalled").exists()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One message the sink accepted.
#[derive(Clone, Debug)]
pub struct Accepted {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub data: String,
    pub tls: bool,
}

impl From<serde_json::Value> for Accepted {
    fn from(v: serde_json::Value) -> Accepted {
        Accepted {
            mail_from: v["mail_from"].as_str().unwrap_or("").into(),
            rcpt_tos: v["rcpt_tos"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            data: v["data"].as_str().unwrap_or("").into(),
            tls: v["tls"].as_bool().unwrap_or(false),
        }
    }
}

impl Accepted {
    /// A header's value (unfolded), first of its name.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let mut out: Option<String> = None;
        let mut current = false;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if current {
                    if let Some(o) = out.as_mut() {
                        o.push(' ');
                        o.push_str(line.trim());
                    }
                }
                continue;
            }
            if out.is_some() && !current {
                continue;
            }
            current = false;
            if let Some((n, v)) = line.split_once(':') {
                if n.eq_ignore_ascii_case(name) && out.is_none() {
                    out = Some(v.trim().to_string());
                    current = true;
                }
            }
        }
        out
    }

    /// The body, with quoted-printable soft breaks and escapes undone.
    pub fn body(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let qp = self
            .header("Content-Transfer-Encoding")
            .is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"));
        if !qp {
            return body.replace("\r\n", "\n");
        }
        let joined = body.replace("=\r\n", "");
        let mut out = Vec::new();
        let bytes = joined.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).replace("\r\n", "\n")
    }
}

/// What feedparser made of a feed (tests/support/check_feed.py).
pub fn feedparser(url: &str) -> serde_json::Value {
    let out = Command::new(python())
        .arg(support("check_feed.py"))
        .arg(url)
        .output()
        .expect("feedparser runs");
    assert!(
        out.status.success(),
        "check_feed.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("check_feed.py prints JSON")
}
