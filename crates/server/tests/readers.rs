//! Tools written for Statuspage read our own status page as they read a
//! real one: statuscheck and statuspage-prometheus-exporter (from PyPI, in a
//! throwaway venv) run against a live sitrep-server with a published
//! incident, and both see its indicator, component and incident. Skipped,
//! with the reason printed, where Python or PyPI is not available.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const READERS: [&str; 2] = [
    "statuscheck==3.11.0",
    "statuspage-prometheus-exporter==2.6.0",
];

fn ev(id: &str, incident: &str, body: Value) -> Value {
    json!({"id": id, "incident": incident, "author": "x", "at": CLOCK_START_MS, "body": body})
}

/// A venv holding both readers, or why there cannot be one here.
fn venv(dir: &Path) -> Result<std::path::PathBuf, String> {
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(dir)
        .output()
        .map_err(|e| format!("no python3: {e}"))?;
    if !made.status.success() {
        return Err(format!(
            "python3 -m venv failed: {}",
            String::from_utf8_lossy(&made.stderr)
        ));
    }
    let installed = Command::new(dir.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(READERS)
        .output()
        .map_err(|e| format!("no pip: {e}"))?;
    if !installed.status.success() {
        return Err(format!(
            "pip could not install {READERS:?}: {}",
            String::from_utf8_lossy(&installed.stderr).trim()
        ));
    }
    Ok(dir.join("bin/python"))
}

#[tokio::test]
async fn statuscheck_and_the_prometheus_exporter_read_our_page_like_a_statuspage() {
    let venv_dir = temp_dir();
    let python = match venv(venv_dir.path()) {
        Ok(p) => p,
        Err(why) => {
            println!("skipped: the PyPI readers are not available here ({why})");
            return;
        }
    };
    let s = fresh_server();
    post_ok_as(
        &s,
        "admin",
        &[ev("c-api", "workspace", json!({"kind": "component_defined", "component": "api", "name": "Public API", "group": ""}))],
    )
    .await;
    post_ok_as(
        &s,
        "responder",
        &[ev(
            "declared",
            "inc-1",
            json!({"kind": "declared", "title": "Checkout failing", "severity": "sev1",
                                          "summary": "", "started_at": CLOCK_START_MS - 600_000}),
        )],
    )
    .await;
    let drafted = ev(
        "u1",
        "inc-1",
        json!({"kind": "update_drafted", "phase": "investigating",
        "channels": {"status_page": "We are investigating errors on the public API."},
        "components": {"api": "major_outage"}}),
    );
    post_ok_as(&s, "communicator", &[drafted]).await;
    post_ok_as(
        &s,
        "admin",
        &[ev(
            "a1",
            "inc-1",
            json!({"kind": "update_approved", "update": "u1"}),
        )],
    )
    .await;
    // Only the status page text is written: its empty channels (and, where
    // the checks ask for one, the public title) are answered with a reason.
    let overrides = json!([
        {"check": "channel_empty", "reason": "Status page only"},
        {"check": "public_title_missing", "reason": "Reader test"},
    ]);
    post_ok_as(
        &s,
        "communicator",
        &[ev("p1", "inc-1", json!({"kind": "update_published", "update": "u1", "targets": ["own"], "overrides": overrides}))],
    )
    .await;

    let driver =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/readers/read_status_page.py");
    let base = s.url("");
    // The own page is rebuilt on publish; give the relay a moment.
    let mut last = String::new();
    for _ in 0..50 {
        let out = Command::new(&python)
            .arg(&driver)
            .arg(base.trim_end_matches('/'))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        last = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        let read: Vec<Value> = stdout
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if out.status.success()
            && read.len() == 2
            && read
                .iter()
                .all(|r| r["incidents"].as_array().is_some_and(|i| i.len() == 1))
        {
            for r in &read {
                // A major outage of a component reads as a critical page, as on Statuspage.
                assert_eq!(r["indicator"], "critical", "{r}");
                assert!(r["components"].to_string().contains("Public API"), "{r}");
            }
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the readers did not read the published incident: {last}");
}
