//! Customer updates through the API as the desk makes them: a catalogue, an
//! incident, an update drafted by the communicator, approved by someone
//! else (the admin) and published; and the delivery reports the server
//! writes back.

use super::{Running, CLOCK_START_MS};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

static NEXT: AtomicU64 = AtomicU64::new(1);

pub fn id(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// An event made in the ten minutes before the server's clock started,
/// each a second after the one before, so updates published one after
/// another are ordered by time as a person's would be (and none is in the
/// server's future).
pub fn event(incident: &str, body: Value) -> (String, Value) {
    let n = NEXT.fetch_add(1, Ordering::Relaxed) as i64;
    let id = format!("ev-{}-{n}", std::process::id());
    let ev = json!({
        "id": id, "incident": incident, "author": "client", "at": CLOCK_START_MS - 600_000 + n * 1000,
        "body": body,
    });
    (id, ev)
}

/// The catalogue: Public API and Website.
pub async fn catalogue(s: &Running) {
    let (_, api) = event(
        "workspace",
        json!({"kind": "component_defined", "component": "api", "name": "Public API"}),
    );
    let (_, web) = event(
        "workspace",
        json!({"kind": "component_defined", "component": "web", "name": "Website"}),
    );
    super::post_ok_as(s, "admin", &[api, web]).await;
}

/// Declares an incident with an internal title no page may show.
pub async fn declare(s: &Running, title: &str) -> String {
    let inc = id("inc");
    let (_, declared) = event(
        &inc,
        json!({"kind": "declared", "title": title, "severity": "sev2", "started_at": CLOCK_START_MS - 600_000}),
    );
    super::post_ok_as(s, "responder", &[declared]).await;
    inc
}

/// What an update says on every channel.
pub struct Text<'a> {
    pub phase: &'a str,
    pub title: Option<&'a str>,
    pub status_page: &'a str,
    pub email_subject: &'a str,
    pub email_body: &'a str,
    pub banner: &'a str,
    pub components: Value,
}

impl Default for Text<'_> {
    fn default() -> Self {
        Text {
            phase: "investigating",
            title: Some("Checkout trouble"),
            status_page: "**Investigating** — some card payments fail.",
            email_subject: "[Investigating] Checkout trouble",
            email_body: "Hello,\n\nSome card payments fail. We will write again within the hour.",
            banner: "Some card payments fail; we are on it.",
            components: json!({"api": "partial_outage"}),
        }
    }
}

/// Drafts (communicator), approves (admin) and publishes (communicator)
/// one update to `targets`, answering every check that fails with a
/// reason (the server would refuse it otherwise). Returns the update's id.
pub async fn publish(s: &Running, inc: &str, t: &Text<'_>, targets: &[&str]) -> String {
    let mut body = json!({"kind": "update_drafted", "phase": t.phase,
        "channels": {"status_page": t.status_page, "social": "Some payments fail.",
                     "email_subject": t.email_subject, "email_body": t.email_body,
                     "banner": t.banner},
        "components": t.components});
    if let Some(title) = t.title {
        body["public_title"] = json!(title);
    }
    let (update, drafted) = event(inc, body);
    let (_, approved) = event(inc, json!({"kind": "update_approved", "update": update}));
    let overrides: Vec<Value> = [
        "resolution_without_data",
        "channel_empty",
        "status_page_contradiction",
        "resolved_while_affected",
        "postmortem_without_data_statement",
        "postmortem_before_resolution",
    ]
    .iter()
    .map(|c| json!({"check": c, "reason": "test text"}))
    .collect();
    let (_, published) = event(
        inc,
        json!({"kind": "update_published", "update": update, "targets": targets, "overrides": overrides}),
    );
    super::post_ok_as(s, "communicator", &[drafted]).await;
    super::post_ok_as(s, "admin", &[approved]).await;
    let (status, reply) = super::post_as(s, "communicator", &[published]).await;
    assert_eq!(status, 200, "published: {reply}");
    update
}

pub async fn all_events(s: &Running) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = s
            .client_as("viewer")
            .get(s.url(&format!("/api/v1/events?after={after}&limit=1000")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let events = page["events"].as_array().unwrap().clone();
        if events.is_empty() {
            return out;
        }
        after = events.last().unwrap()["seq"].as_u64().unwrap();
        out.extend(events);
    }
}

/// Every delivery report for (update, target), in log order.
pub async fn reports(s: &Running, update: &str, target: &str) -> Vec<Value> {
    all_events(s)
        .await
        .into_iter()
        .filter(|e| {
            e["body"]["kind"] == "update_delivery"
                && e["body"]["update"] == update
                && e["body"]["target"] == target
        })
        .collect()
}

/// Waits for a final report (sent or failed) after `after` reports, and
/// returns its (state, detail).
pub async fn settled(
    s: &Running,
    update: &str,
    target: &str,
    after: usize,
    limit: Duration,
) -> (String, String) {
    let began = Instant::now();
    loop {
        let r = reports(s, update, target).await;
        if let Some(last) = r
            .iter()
            .skip(after)
            .rfind(|e| e["body"]["state"] != "queued")
        {
            let b = &last["body"];
            return (
                b["state"].as_str().unwrap().to_string(),
                b["error"].as_str().unwrap_or("").to_string(),
            );
        }
        assert!(
            began.elapsed() < limit,
            "no final delivery report for {target} within {limit:?}: {r:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls `check` until it passes or `limit` runs out (then panics with its
/// last complaint).
pub async fn eventually<F, Fut>(limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let began = Instant::now();
    loop {
        match check().await {
            Ok(()) => return,
            Err(why) if began.elapsed() > limit => panic!("not within {limit:?}: {why}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// POSTs an HTML form as a browser would.
pub async fn post_form(url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    super::client()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).unwrap())
        .send()
        .await
        .unwrap()
}
