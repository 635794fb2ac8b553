//! Webhooks against the real binary and loopback receivers that accept,
//! fail, stall and answer with an HTML page: subscribers of the public page
//! get a Statuspage-format body signed with HMAC-SHA256, once each, across a
//! restart too; the team's hooks (configured by admins) get every incident
//! event they asked for, generic or Slack-shaped, once per event and hook
//! across a restart, with retries and backoff, each hook's deliveries listed
//! with what its receiver answered.

mod common;

use common::comms::{self, event, Text};
use common::pyenv::SmtpSink;
use common::receiver::{Receiver, Script};
use common::{text_as, Running};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const PAGE: &str = "https://status.example.com";

fn start(data: &Path, sink_port: u16, private: bool) -> Running {
    let smtp = format!("smtp://127.0.0.1:{sink_port}?tls=none");
    let mut a = vec![
        "--post-rate",
        "100000",
        "--post-burst",
        "100000",
        "--publish-retry-base-ms",
        "100",
        "--publish-attempts",
        "4",
        "--publish-timeout-ms",
        "1500",
        "--status-page-url",
        PAGE,
        "--status-page-name",
        "Example status",
        "--smtp",
        &smtp,
        "--smtp-from",
        "status@example.com",
        "--smtp-rate",
        "50",
        "--subscribe-burst",
        "1000",
    ];
    if private {
        a.push("--webhook-allow-private");
    }
    Running::start_with_args(data, &data.join("no-console"), &a)
}

/// Subscribes `url` by webhook, confirms through the emailed link, and
/// returns the signing key the confirmation page shows (once).
async fn subscribe_hook(s: &Running, sink: &SmtpSink, url: &str, owner: &str) -> String {
    let resp = comms::post_form(
        &s.url("/status/subscribe"),
        &[("kind", "webhook"), ("url", url), ("email", owner)],
    )
    .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let mut token = String::new();
    comms::eventually(Duration::from_secs(15), || {
        let found = sink
            .messages()
            .into_iter()
            .find(|m| m.rcpt_tos == [owner] && m.body().contains(url));
        let r = match found {
            Some(m) => {
                let body = m.body();
                token = body
                    .split("token=")
                    .nth(1)
                    .unwrap()
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_string();
                Ok(())
            }
            None => Err("no confirmation yet".to_string()),
        };
        async move { r }
    })
    .await;
    let page = comms::post_form(&s.url("/status/subscribe/confirm"), &[("token", &token)])
        .await
        .text()
        .await
        .unwrap();
    let key = page
        .split("<code>")
        .nth(1)
        .and_then(|x| x.split("</code>").next())
        .unwrap_or_else(|| panic!("no key shown: {page}"))
        .to_string();
    assert!(key.starts_with("whsec_"), "{key}");
    // Shown once: confirming again does not show it.
    let again = comms::post_form(&s.url("/status/subscribe/confirm"), &[("token", &token)])
        .await
        .text()
        .await
        .unwrap();
    assert!(!again.contains(&key));
    key
}

/// A later update of `inc` in `phase`, published to the subscribers'
/// webhooks only; waits until its delivery report is final.
async fn publish_to_webhooks(s: &Running, inc: &str, phase: &str) {
    let update = comms::publish(
        s,
        inc,
        &Text {
            phase,
            title: None,
            ..Text::default()
        },
        &["webhooks"],
    )
    .await;
    comms::settled(s, &update, "webhooks", 0, Duration::from_secs(30)).await;
}

#[tokio::test]
async fn subscriber_webhooks_get_a_signed_statuspage_body_once_and_a_bad_receiver_fails_alone() {
    let dir = common::temp_dir();
    let sink = SmtpSink::start(&dir.path().join("sink"), &[]);
    let data = common::data_dir(&dir);
    let mut s = start(&data, sink.port, true);
    comms::catalogue(&s).await;
    let good = Receiver::start(Script::Accept).await;
    let flaky = Receiver::start(Script::FailFirst(2)).await;
    let html = Receiver::start(Script::Html).await;
    let stall = Receiver::start(Script::Stall).await;
    let key = subscribe_hook(&s, &sink, &good.url, "good@example.com").await;
    let flaky_key = subscribe_hook(&s, &sink, &flaky.url, "flaky@example.com").await;
    subscribe_hook(&s, &sink, &html.url, "html@example.com").await;
    subscribe_hook(&s, &sink, &stall.url, "stall@example.com").await;

    let inc = comms::declare(&s, "db-7 internal").await;
    let update = comms::publish(&s, &inc, &Text::default(), &["own", "webhooks"]).await;
    let (state, detail) = comms::settled(&s, &update, "webhooks", 0, Duration::from_secs(30)).await;
    assert_eq!(state, "failed");
    assert!(detail.starts_with("failed for 2 of 4 webhooks"), "{detail}");
    assert!(
        detail.contains("an HTML page answered, not a webhook receiver"),
        "{detail}"
    );
    assert!(detail.contains("no answer within 2 s"), "{detail}");

    // The good one: once, signed with its key, in Statuspage's shape.
    let got = good.accepted();
    assert_eq!(got.len(), 1);
    assert!(got[0].signed_with(&key), "the signature holds");
    assert!(!got[0].signed_with(&flaky_key), "and only for its own key");
    let body = got[0].json();
    assert_eq!(body["page"]["id"], "sitrep");
    assert_eq!(body["incident"]["name"], "Checkout trouble");
    assert_eq!(body["incident"]["status"], "investigating");
    assert_eq!(
        body["incident"]["incident_updates"][0]["body"],
        "**Investigating** — some card payments fail."
    );
    assert_eq!(
        body["incident"]["incident_updates"][0]["affected_components"][0]["new_status"],
        "partial_outage"
    );
    assert!(body["meta"]["unsubscribe"]
        .as_str()
        .unwrap()
        .starts_with("https://status.example.com/status/unsubscribe?token="));
    assert!(!String::from_utf8_lossy(&got[0].body).contains("db-7"));
    // The flaky one: retried with the same delivery id until it took it.
    let tries = flaky.all();
    assert_eq!(tries.len(), 3, "{tries:?}");
    assert!(tries
        .iter()
        .all(|t| t.header("sitrep-delivery") == tries[0].header("sitrep-delivery")));
    assert_eq!(flaky.accepted().len(), 1);
    // The stalled and HTML ones got one attempt each: not repeated on their own.
    assert_eq!(stall.all().len(), 1);
    assert_eq!(html.all().len(), 1);

    // A second update reaches the good one once more, and only once.
    publish_to_webhooks(&s, &inc, "identified").await;
    assert_eq!(good.accepted().len(), 2);
    assert_eq!(
        good.accepted()[1].json()["incident"]["status"],
        "identified"
    );

    // Across a restart: nothing already answered is sent again, and the
    // next update reaches each subscriber once.
    let attempts = |r: &Receiver| r.all().len();
    let before = [&good, &flaky, &html, &stall].map(attempts);
    assert!(s.terminate_within(Duration::from_secs(10)));
    let s = start(&data, sink.port, true);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        [&good, &flaky, &html, &stall].map(attempts),
        before,
        "nothing resent"
    );
    publish_to_webhooks(&s, &inc, "monitoring").await;
    assert_eq!(good.accepted().len(), 3);
    assert_eq!(
        good.accepted()[2].json()["incident"]["status"],
        "monitoring"
    );
    assert_eq!(
        flaky.accepted().len(),
        3,
        "the flaky one took each update once"
    );
}

#[tokio::test]
async fn a_subscriber_webhook_to_a_private_address_is_refused_unless_allowed() {
    let dir = common::temp_dir();
    let sink = SmtpSink::start(&dir.path().join("sink"), &[]);
    let s = start(&common::data_dir(&dir), sink.port, false);
    comms::catalogue(&s).await;
    let inside = Receiver::start(Script::Accept).await;
    subscribe_hook(&s, &sink, &inside.url, "ops@example.com").await;
    let inc = comms::declare(&s, "internal").await;
    let update = comms::publish(&s, &inc, &Text::default(), &["webhooks"]).await;
    let (state, detail) = comms::settled(&s, &update, "webhooks", 0, Duration::from_secs(15)).await;
    assert_eq!(state, "failed");
    assert!(
        detail.contains("the address is on a private or local network"),
        "{detail}"
    );
    assert!(inside.all().is_empty(), "nothing reached the inside");
}

async fn save_hook(s: &Running, id: &str, body: Value) -> (u16, Value) {
    let resp = s
        .client_as("admin")
        .put(s.url(&format!("/api/v1/hooks/{id}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

async fn hook_deliveries(s: &Running, id: &str) -> Vec<Value> {
    let v: Value = s
        .client_as("admin")
        .get(s.url(&format!("/api/v1/hooks/{id}/deliveries")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["deliveries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_teams_hooks_get_each_incident_event_once_signed_with_retries_and_their_answers_shown()
{
    let dir = common::temp_dir();
    let data = common::data_dir(&dir);
    let sink = SmtpSink::start(&dir.path().join("sink"), &[]);
    let mut s = start(&data, sink.port, false);
    let ops = Receiver::start(Script::Accept).await;
    let chat = Receiver::start(Script::Accept).await;
    let flaky = Receiver::start(Script::FailFirst(2)).await;
    let stall = Receiver::start(Script::Stall).await;
    let all = json!([
        "incident.declared",
        "incident.status_changed",
        "incident.severity_changed",
        "incident.role_assigned",
        "incident.resolved",
        "incident.customer_update_published"
    ]);

    // Admins only; bad input gets a reason.
    let (status, _) = {
        let r = s
            .client_as("communicator")
            .get(s.url("/api/v1/hooks"))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(status, 403);
    let (status, v) = save_hook(
        &s,
        "ops",
        json!({"name": "Ops", "url": "file:///etc/passwd", "format": "generic", "events": all}),
    )
    .await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = save_hook(&s, "ops", json!({"name": "Ops", "url": ops.url, "format": "generic", "events": ["incident.exploded"]})).await;
    assert_eq!(status, 422);
    assert!(
        v["error"].as_str().unwrap().contains("is not a hook event"),
        "{v}"
    );

    let (status, made) = save_hook(
        &s,
        "ops",
        json!({"name": "Ops", "url": ops.url, "format": "generic", "events": all}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let key = made["secret"].as_str().unwrap().to_string();
    assert!(key.starts_with("whsec_"));
    save_hook(&s, "chat", json!({"name": "Chat", "url": chat.url, "format": "slack", "events": ["incident.declared", "incident.resolved"]})).await;
    save_hook(&s, "flaky", json!({"name": "Flaky", "url": flaky.url, "format": "generic", "events": ["incident.declared", "incident.status_changed"]})).await;
    save_hook(&s, "stall", json!({"name": "Stall", "url": stall.url, "format": "generic", "events": ["incident.declared"]})).await;
    // Listing never shows a key again.
    let listed = text_as(&s, "admin", "/api/v1/hooks").await;
    assert!(
        !listed.contains(&key) && listed.contains("\"ops\""),
        "{listed}"
    );

    comms::catalogue(&s).await;
    let inc = comms::declare(&s, "Payments <down> & out").await;
    let (_, identified) = event(
        &inc,
        json!({"kind": "status_changed", "status": "identified"}),
    );
    let (_, again) = event(
        &inc,
        json!({"kind": "status_changed", "status": "identified"}),
    );
    let (_, sev) = event(
        &inc,
        json!({"kind": "severity_changed", "severity": "sev1"}),
    );
    let (_, role) = event(
        &inc,
        json!({"kind": "role_assigned", "role": "incident_commander", "person": "ana"}),
    );
    let (_, note) = event(
        &inc,
        json!({"kind": "note_added", "text": "not a hook event"}),
    );
    common::post_ok_as(&s, "responder", &[identified, again, sev, role, note]).await;
    comms::publish(&s, &inc, &Text::default(), &["own"]).await;
    let (_, resolved) = event(
        &inc,
        json!({"kind": "status_changed", "status": "resolved"}),
    );
    common::post_ok_as(&s, "responder", &[resolved]).await;

    let kinds = [
        "incident.declared",
        "incident.status_changed",
        "incident.severity_changed",
        "incident.role_assigned",
        "incident.customer_update_published",
        "incident.resolved",
    ];
    comms::eventually(Duration::from_secs(20), || {
        let n = ops.accepted().len();
        async move {
            if n >= kinds.len() {
                Ok(())
            } else {
                Err(format!("{n} delivered"))
            }
        }
    })
    .await;
    let got = ops.accepted();
    let types: Vec<String> = got
        .iter()
        .map(|g| g.json()["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types, kinds,
        "each event once, in order (a status set twice is one change)"
    );
    for g in &got {
        assert!(g.signed_with(&key));
        assert_eq!(g.header("sitrep-event"), g.json()["type"].as_str().unwrap());
        assert_eq!(
            g.header("sitrep-delivery"),
            format!("ops/{}", g.json()["id"].as_str().unwrap())
        );
    }
    assert_eq!(
        got[2].json()["change"],
        json!({"from": "sev2", "to": "sev1"})
    );
    assert_eq!(got[3].json()["change"]["person"], "ana");
    assert_eq!(got[0].json()["incident"]["title"], "Payments <down> & out");
    assert_eq!(
        got[0].json()["incident"]["url"],
        format!("{PAGE}/incidents/{inc}")
    );

    // Slack gets its two messages, escaped as Slack wants.
    comms::eventually(Duration::from_secs(10), || {
        let n = chat.accepted().len();
        async move {
            if n == 2 {
                Ok(())
            } else {
                Err(format!("{n}"))
            }
        }
    })
    .await;
    let texts: Vec<String> = chat
        .accepted()
        .iter()
        .map(|m| m.json()["text"].as_str().unwrap().to_string())
        .collect();
    assert!(
        texts[0].starts_with(
            ":rotating_light: SEV2 · Major declared: *Payments &lt;down&gt; &amp; out*"
        ),
        "{texts:?}"
    );
    assert!(texts[1].contains("is resolved"), "{texts:?}");

    // The flaky receiver took each after retries with backoff: once each.
    comms::eventually(Duration::from_secs(20), || {
        let n = flaky.accepted().len();
        async move {
            if n == 2 {
                Ok(())
            } else {
                Err(format!("{n}"))
            }
        }
    })
    .await;
    let shown = hook_deliveries(&s, "flaky").await;
    assert_eq!(shown.len(), 2);
    let first = shown
        .iter()
        .find(|d| d["kind"] == "incident.declared")
        .unwrap();
    assert_eq!(first["state"], "sent");
    assert_eq!(first["attempts"], 3);
    assert_eq!(first["answer_code"], 200);

    // The stalled one: failed with the reason, the answer it never gave.
    comms::eventually(Duration::from_secs(10), || {
        let s = &s;
        async move {
            let d = hook_deliveries(s, "stall").await;
            match d.first() {
                Some(x) if x["state"] == "failed" => Ok(()),
                other => Err(format!("{other:?}")),
            }
        }
    })
    .await;
    let d = &hook_deliveries(&s, "stall").await[0];
    assert!(
        d["error"].as_str().unwrap().contains("no answer within"),
        "{d}"
    );
    // A person retries once the receiver is back.
    stall.set(Script::Accept);
    let event_id = d["event"].as_str().unwrap().to_string();
    let retried = s
        .client_as("admin")
        .post(s.url(&format!("/api/v1/hooks/stall/deliveries/{event_id}/retry")))
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status().as_u16(), 202);
    comms::eventually(Duration::from_secs(10), || {
        let n = stall.accepted().len();
        async move {
            if n == 1 {
                Ok(())
            } else {
                Err(format!("{n}"))
            }
        }
    })
    .await;

    // A restart sends nothing again.
    assert!(s.terminate_within(Duration::from_secs(10)));
    let s = start(&data, sink.port, false);
    let (_, note) = event(
        &inc,
        json!({"kind": "note_added", "text": "after the restart"}),
    );
    common::post_ok_as(&s, "responder", &[note]).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(ops.accepted().len(), kinds.len());
    assert_eq!(chat.accepted().len(), 2);
    assert_eq!(flaky.accepted().len(), 2);
    assert_eq!(stall.accepted().len(), 1);
    let ops_list = hook_deliveries(&s, "ops").await;
    assert!(
        ops_list
            .iter()
            .all(|d| d["state"] == "sent" && d["answer_code"] == 200),
        "{ops_list:?}"
    );
}
