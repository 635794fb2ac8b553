//! Refused batches: each gets the right 4xx with a JSON `error`, and the log
//! is left exactly as it was.

mod common;

use common::*;
use serde_json::{json, Value};

/// Starts a server holding one event, so "unchanged" means something.
async fn server_with_one_event() -> (tempfile::TempDir, Running, Vec<(u64, String)>) {
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir));
    let (status, _) = post(&s, &[note("kept", "already here")]).await;
    assert_eq!(status, 200);
    let log = whole_log(&s).await;
    (dir, s, log)
}

fn assert_refused(got: (u16, Value), status: u16) -> Value {
    assert_eq!(got.0, status, "{}", got.1);
    assert!(
        got.1["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{}",
        got.1
    );
    got.1
}

#[tokio::test]
async fn malformed_json_is_a_400_and_stores_nothing() {
    let (_d, s, log) = server_with_one_event().await;
    assert_refused(
        post_raw(&s, "application/json", r#"{"events":[{"id":"#).await,
        400,
    );
    assert_eq!(whole_log(&s).await, log);
}

#[tokio::test]
async fn an_unknown_event_kind_is_a_400_and_stores_nothing() {
    let (_d, s, log) = server_with_one_event().await;
    let mut odd = note("odd", "x");
    odd["body"] = json!({"kind": "exploded"});
    let body = json!({"events": [note("fine", "ok"), odd]}).to_string();
    let err = assert_refused(post_raw(&s, "application/json", body).await, 400);
    assert!(err["error"].as_str().unwrap().contains("exploded"), "{err}");
    assert_eq!(whole_log(&s).await, log);
}

#[tokio::test]
async fn a_missing_field_is_a_400_and_stores_nothing() {
    let (_d, s, log) = server_with_one_event().await;
    let mut no_author = note("anon", "x");
    no_author.as_object_mut().unwrap().remove("author");
    let body = json!({"events": [note("fine", "ok"), no_author]}).to_string();
    let err = assert_refused(post_raw(&s, "application/json", body).await, 400);
    assert!(err["error"].as_str().unwrap().contains("author"), "{err}");
    assert_eq!(whole_log(&s).await, log);
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_a_413_and_stores_nothing() {
    let (_d, s, log) = server_with_one_event().await;
    let big = "x".repeat(sitrep_core::log::limits::MAX_BODY_BYTES);
    let body = json!({"events": [note("huge", &big)]}).to_string();
    assert!(body.len() > sitrep_core::log::limits::MAX_BODY_BYTES);
    assert_refused(post_raw(&s, "application/json", body).await, 413);
    assert_eq!(whole_log(&s).await, log);
}

#[tokio::test]
async fn more_events_than_a_batch_allows_is_a_413_and_stores_nothing() {
    let (_d, s, log) = server_with_one_event().await;
    let batch = notes("many", sitrep_core::log::limits::MAX_BATCH + 1);
    assert_refused(post(&s, &batch).await, 413);
    assert_eq!(whole_log(&s).await, log);
}

#[tokio::test]
async fn an_event_over_a_limit_in_the_middle_of_a_batch_is_a_422_naming_it_and_stores_nothing() {
    let (_d, s, log) = server_with_one_event().await;
    let batch = [
        note("ok-1", "fine"),
        note("blank", "   "),
        note("ok-2", "fine"),
    ];
    let err = assert_refused(post(&s, &batch).await, 422);
    assert_eq!(err["id"], "blank");
    assert_eq!(whole_log(&s).await, log);
}

#[tokio::test]
async fn a_body_that_is_not_json_by_content_type_is_a_415() {
    let (_d, s, log) = server_with_one_event().await;
    let body = json!({"events": [note("typed", "x")]}).to_string();
    assert_refused(post_raw(&s, "text/plain", body).await, 415);
    assert_eq!(whole_log(&s).await, log);
}

#[tokio::test]
async fn an_unknown_api_path_is_a_404_with_a_json_error() {
    let (_d, s, _) = server_with_one_event().await;
    assert_refused(get_json(&s, "/api/v1/nope").await, 404);
    let resp = client()
        .delete(s.url("/api/v1/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert!(resp.json::<Value>().await.unwrap()["error"].is_string());
}

#[tokio::test]
async fn event_times_outside_a_year_of_the_servers_clock_or_before_2000_are_refused_with_422() {
    let (_d, s, log) = server_with_one_event().await;
    let ev = |id: &str, at: i64, body: Value| json!({"id": id, "incident": "inc-1", "author": "x", "at": at, "body": body});
    let year = 366 * 86_400_000_i64;
    let resolved = json!({"kind": "status_changed", "status": "resolved"});
    for (id, at) in [
        ("max", i64::MAX),
        ("min", i64::MIN),
        ("epoch", 0),
        ("next-year", CLOCK_START_MS + year + 60_000),
        ("last-year", CLOCK_START_MS - year - 60_000),
    ] {
        let reply = assert_refused(post(&s, &[ev(id, at, resolved.clone())]).await, 422);
        assert_eq!(reply["id"], id);
        assert!(
            reply["error"].as_str().unwrap().contains("within a year"),
            "{reply}"
        );
    }
    let declared = |started_at: i64| json!({"kind": "declared", "title": "t", "severity": "sev2", "started_at": started_at});
    let reply = assert_refused(
        post(
            &s,
            &[ev("before-2000", CLOCK_START_MS, declared(946_684_799_999))],
        )
        .await,
        422,
    );
    assert!(
        reply["error"].as_str().unwrap().contains("started_at"),
        "{reply}"
    );
    let reply = assert_refused(
        post(
            &s,
            &[
                json!({"id": "forever", "incident": "mnt-1", "author": "x", "at": CLOCK_START_MS,
                     "body": {"kind": "maintenance_planned", "title": "m",
                              "starts_at": CLOCK_START_MS, "ends_at": i64::MAX}}),
            ],
        )
        .await,
        422,
    );
    assert!(
        reply["error"].as_str().unwrap().contains("ends_at"),
        "{reply}"
    );
    assert_eq!(whole_log(&s).await, log);

    // The freeze and the public page still answer, with times in the window.
    let (status, _) = get_json(&s, "/api/v1/freeze").await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &s,
        &[
            ev("ok-1", CLOCK_START_MS, declared(CLOCK_START_MS - 60_000)),
            ev("ok-2", CLOCK_START_MS + 1, resolved),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = get_json(&s, "/api/v1/freeze").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_social_post_that_is_not_a_web_address_and_an_unknown_kind_of_offer_are_refused_with_422()
{
    // What the comms desk and the post-mortem write is checked by the server
    // too, not only by their forms: a script posting directly gets the same
    // refusal, naming the field, and the log is unchanged.
    let (_d, s, log) = server_with_one_event().await;
    for url in [
        "javascript:alert(1)",
        "ftp://example.com/post",
        "not a link",
        "",
    ] {
        let mut ev = note(&format!("posted-{}", url.len()), "x");
        ev["body"] = json!({"kind": "social_posted", "update": "upd-1", "url": url});
        let why = assert_refused(post_as(&s, "communicator", &[ev]).await, 422);
        assert!(
            why["error"]
                .as_str()
                .unwrap_or("")
                .contains("the post's address"),
            "{url:?}: {why}"
        );
    }
    let mut offer = note("offer-1", "x");
    offer["body"] = json!({"kind": "postmortem_offer_added", "offer": "free pizza",
        "details": "one each", "customers": ""});
    let why = assert_refused(post_as(&s, "communicator", &[offer]).await, 422);
    assert!(
        why["error"]
            .as_str()
            .unwrap_or("")
            .contains("is not a kind of offer"),
        "{why}"
    );
    assert_eq!(whole_log(&s).await, log);
}
