//! The server applies the comms review rule itself, whatever client posts:
//! an `update_published` needs an approval by someone other than the last
//! editor (under the default policy) and an override with a reason for each
//! failing check. A refused publish is a 422 naming the reason; nothing of
//! its batch is stored, and nothing reaches the public page.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::Duration;

const AT: i64 = 1_763_464_800_000;

fn ev(id: &str, body: Value) -> Value {
    json!({"id": id, "incident": "inc-1", "author": "x", "at": AT, "body": body})
}

fn declared() -> Value {
    ev(
        "declared",
        json!({"kind": "declared", "title": "Checkout failing", "severity": "sev2",
               "started_at": AT - 600_000}),
    )
}

/// A draft whose every channel is filled, so only the words matter.
fn drafted(id: &str, text: &str) -> Value {
    ev(
        id,
        json!({"kind": "update_drafted", "phase": "investigating",
               "channels": {"status_page": text, "social": text, "email_subject": "Checkout",
                            "email_body": text, "banner": text},
               "public_title": "Checkout errors"}),
    )
}

fn published(id: &str, update: &str, overrides: Value) -> Value {
    ev(
        id,
        json!({"kind": "update_published", "update": update, "targets": ["own"],
               "overrides": overrides}),
    )
}

fn approved(id: &str, update: &str) -> Value {
    ev(id, json!({"kind": "update_approved", "update": update}))
}

const LEAKY: &str = "Failover of db-7.internal (10.0.3.7) under INC-4412.";
const CLEAN: &str = "We are looking into failed checkouts.";

/// Every event id stored, in log order.
async fn stored_ids(s: &Running) -> Vec<String> {
    whole_log(s).await.into_iter().map(|(_, id)| id).collect()
}

/// The public page's incidents, read anonymously as a customer would.
async fn public_incidents(s: &Running) -> Vec<Value> {
    let summary: Value = client()
        .get(s.url("/api/v2/summary.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    summary["incidents"].as_array().unwrap().clone()
}

async fn nothing_public(s: &Running) {
    // The relay runs on its own; give it the time a delivery takes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(public_incidents(s).await, Vec::<Value>::new());
    let html = client().get(s.url("/status")).send().await.unwrap();
    let html = html.text().await.unwrap();
    assert!(!html.contains("db-7"), "{html}");
    assert!(!html.contains("failed checkouts"), "{html}");
}

#[tokio::test]
async fn publish_without_approval_is_refused_with_422() {
    let s = fresh_server();
    let (status, _) = post_as(&s, "responder", &[declared()]).await;
    assert_eq!(status, 200);
    assert_eq!(
        post_as(&s, "communicator", &[drafted("u-1", CLEAN)])
            .await
            .0,
        200
    );

    let (status, reply) = post_as(&s, "communicator", &[published("p-1", "u-1", json!([]))]).await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["id"], "p-1");
    let why = reply["error"].as_str().unwrap();
    assert!(why.contains("Approve this draft"), "{why}");

    assert_eq!(stored_ids(&s).await, ["declared", "u-1"]);
    nothing_public(&s).await;
}

#[tokio::test]
async fn draft_and_publish_in_one_batch_are_refused_with_422_and_nothing_of_the_batch_is_stored() {
    let s = fresh_server();
    assert_eq!(post_as(&s, "responder", &[declared()]).await.0, 200);

    let batch = [drafted("u-1", LEAKY), published("p-1", "u-1", json!([]))];
    let (status, reply) = post_as(&s, "communicator", &batch).await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["id"], "p-1");
    let why = reply["error"].as_str().unwrap();
    assert!(why.contains("Approve this draft"), "{why}");
    for check in ["internal_hostname", "ip_address", "ticket_id"] {
        assert!(why.contains(check), "the reason names {check}: {why}");
    }

    // Not even with the author's own approval in the same batch.
    let batch = [
        drafted("u-1", CLEAN),
        approved("a-1", "u-1"),
        published("p-1", "u-1", json!([])),
    ];
    let (status, reply) = post_as(&s, "communicator", &batch).await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["id"], "a-1");

    assert_eq!(stored_ids(&s).await, ["declared"]);
    nothing_public(&s).await;
}

#[tokio::test]
async fn publish_with_a_failing_check_and_no_override_reason_is_refused_with_422() {
    let s = fresh_server();
    assert_eq!(post_as(&s, "responder", &[declared()]).await.0, 200);
    assert_eq!(
        post_as(&s, "communicator", &[drafted("u-1", LEAKY)])
            .await
            .0,
        200
    );
    assert_eq!(post_as(&s, "admin", &[approved("a-1", "u-1")]).await.0, 200);

    let (status, reply) = post_as(&s, "communicator", &[published("p-1", "u-1", json!([]))]).await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["id"], "p-1");
    let why = reply["error"].as_str().unwrap();
    assert!(why.contains("3 failing checks"), "{why}");
    assert!(why.contains("db-7.internal"), "{why}");

    // A blank reason is no reason.
    let blank = json!([
        {"check": "internal_hostname", "reason": "  "},
        {"check": "ip_address", "reason": "It is our public resolver"},
        {"check": "ticket_id", "reason": "Customers know this ticket"},
    ]);
    let (status, reply) = post_as(&s, "communicator", &[published("p-2", "u-1", blank)]).await;
    assert_eq!(status, 422, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("reason"),
        "{reply}"
    );

    // Two answered checks of three are not all.
    let partial = json!([
        {"check": "ip_address", "reason": "It is our public resolver"},
        {"check": "ticket_id", "reason": "Customers know this ticket"},
    ]);
    let (status, reply) = post_as(&s, "communicator", &[published("p-3", "u-1", partial)]).await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["id"], "p-3");
    let why = reply["error"].as_str().unwrap();
    assert!(why.contains("1 failing check needs"), "{why}");
    assert!(why.contains("internal_hostname"), "{why}");
    assert!(!why.contains("ip_address"), "{why}");

    assert_eq!(stored_ids(&s).await, ["declared", "u-1", "a-1"]);
    nothing_public(&s).await;
}

#[tokio::test]
async fn an_approved_publish_with_reasons_for_its_failing_checks_is_taken_once_and_delivered() {
    let s = fresh_server();
    assert_eq!(post_as(&s, "responder", &[declared()]).await.0, 200);
    assert_eq!(
        post_as(&s, "communicator", &[drafted("u-1", LEAKY)])
            .await
            .0,
        200
    );
    assert_eq!(post_as(&s, "admin", &[approved("a-1", "u-1")]).await.0, 200);
    let reasons = json!([
        {"check": "internal_hostname", "reason": "Named in the provider's own notice"},
        {"check": "ip_address", "reason": "It is our public resolver"},
        {"check": "ticket_id", "reason": "Customers know this ticket"},
    ]);
    let publish = published("p-1", "u-1", reasons);
    let (status, reply) = post_as(&s, "communicator", std::slice::from_ref(&publish)).await;
    assert_eq!(status, 200, "{reply}");
    // A retry of the stored publish is acked, not refused as "already published".
    let (status, reply) = post_as(&s, "communicator", &[publish]).await;
    assert_eq!(status, 200, "{reply}");
    // Another publish of the same update is.
    let (status, reply) = post_as(&s, "communicator", &[published("p-2", "u-1", json!([]))]).await;
    assert_eq!(status, 422, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("Already published"),
        "{reply}"
    );

    let began = std::time::Instant::now();
    while public_incidents(&s).await.is_empty() {
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "the publish did not reach the own page"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ids = stored_ids(&s).await;
    assert_eq!(ids.iter().filter(|id| *id == "p-1").count(), 1);
    assert!(!ids.contains(&"p-2".to_string()));
}

#[tokio::test]
async fn text_calling_the_service_operational_while_a_component_is_affected_is_refused() {
    let s = fresh_server();
    let affected = ev(
        "c-1",
        json!({"kind": "component_status_set", "component": "api", "status": "partial_outage"}),
    );
    assert_eq!(
        post_as(&s, "responder", &[declared(), affected]).await.0,
        200
    );
    // The status page shows the outage, so only the words contradict it.
    let text = "All systems operational.";
    let draft = ev(
        "u-1",
        json!({"kind": "update_drafted", "phase": "monitoring",
               "channels": {"status_page": text, "social": text, "email_subject": "Checkout",
                            "email_body": text, "banner": text},
               "components": {"api": "partial_outage"},
               "public_title": "Checkout errors"}),
    );
    assert_eq!(post_as(&s, "communicator", &[draft]).await.0, 200);
    assert_eq!(post_as(&s, "admin", &[approved("a-1", "u-1")]).await.0, 200);

    let (status, reply) = post_as(&s, "communicator", &[published("p-1", "u-1", json!([]))]).await;
    assert_eq!(status, 422, "{reply}");
    let why = reply["error"].as_str().unwrap();
    assert!(why.contains("operational_while_affected"), "{why}");
    assert!(why.contains("1 failing check"), "{why}");
    assert_eq!(stored_ids(&s).await, ["declared", "c-1", "u-1", "a-1"]);
    nothing_public(&s).await;
}
