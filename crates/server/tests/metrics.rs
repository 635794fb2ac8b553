//! `GET /metrics`: what a monitoring system reads of the server's own work.
//! Each family moves with what the server did, so a dashboard built on it
//! shows the truth (the alert families are in tests/alerts.rs).

mod common;

use common::*;
use futures_util::StreamExt;
use serde_json::{json, Value};

/// The value of one sample line (`name{labels} value`), if the scrape has it.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

async fn scrape(s: &Running) -> String {
    let r = s
        .client_as("admin")
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.unwrap()
}

#[tokio::test]
async fn accepted_and_refused_events_streams_sign_in_failures_and_open_incidents_are_counted() {
    let s = fresh_server();
    let before = scrape(&s).await;
    assert_eq!(
        sample(&before, "sitrep_events_accepted_total"),
        Some(0.0),
        "{before}"
    );
    assert_eq!(sample(&before, "sitrep_stream_clients"), Some(0.0));

    // Three events stored (a SEV1 declared and two notes); the same batch
    // again stores nothing new.
    let mut declared = note("d1", "x");
    declared["body"] = json!({"kind": "declared", "title": "Checkout down", "severity": "sev1",
        "summary": "", "started_at": CLOCK_START_MS});
    let batch = [declared, note("n1", "one"), note("n2", "two")];
    assert_eq!(post(&s, &batch).await.0, 200);
    assert_eq!(post(&s, &batch).await.0, 200);
    // Two refusals: an unknown kind (400) and no credentials (401).
    let mut odd = note("odd", "x");
    odd["body"] = json!({"kind": "no_such_kind"});
    assert_eq!(post(&s, &[odd]).await.0, 400);
    let anonymous = client()
        .post(s.url("/api/v1/events"))
        .json(&json!({"events": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    // A wrong password.
    let wrong = client()
        .post(s.url("/api/v1/session"))
        .json(&json!({"name": "responder", "password": "not the password at all"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    // A console's stream, open while the scrape is taken.
    let (mut ws, _) = tokio_tungstenite::connect_async(s.ws("/api/v1/stream?after=0"))
        .await
        .unwrap();
    loop {
        let msg = ws.next().await.expect("the stream stays open").unwrap();
        let Ok(text) = msg.into_text() else { continue };
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if v["type"] == "caught_up" {
            break;
        }
    }

    let after = scrape(&s).await;
    assert_eq!(
        sample(&after, "sitrep_events_accepted_total"),
        Some(3.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, r#"sitrep_event_posts_refused_total{status="400"}"#),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, r#"sitrep_event_posts_refused_total{status="401"}"#),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(
            &after,
            r#"sitrep_sign_in_failures_total{reason="wrong_password"}"#
        ),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, "sitrep_stream_clients"),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, r#"sitrep_incidents_open{severity="sev1"}"#),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, r#"sitrep_incidents_open{severity="sev2"}"#),
        Some(0.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, "sitrep_change_freeze_active"),
        Some(0.0),
        "{after}"
    );

    // Resolved, it is no longer open; the closed stream is no longer counted.
    let mut resolved = note("r1", "x");
    resolved["body"] = json!({"kind": "status_changed", "status": "resolved"});
    assert_eq!(post(&s, &[resolved]).await.0, 200);
    drop(ws);
    let mut last = String::new();
    for _ in 0..50 {
        last = scrape(&s).await;
        if sample(&last, "sitrep_stream_clients") == Some(0.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(sample(&last, "sitrep_stream_clients"), Some(0.0), "{last}");
    assert_eq!(
        sample(&last, r#"sitrep_incidents_open{severity="sev1"}"#),
        Some(0.0),
        "{last}"
    );
    assert_eq!(
        sample(&last, "sitrep_events_accepted_total"),
        Some(4.0),
        "{last}"
    );
}
