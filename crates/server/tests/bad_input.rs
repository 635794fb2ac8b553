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
