//! Identity and numbers against the real binary: every incident gets a
//! short number (`INC-42`) when its declaration is first stored, in the
//! log's order, never twice and never reused, across concurrent posts and
//! restarts (on PostgreSQL too when `SITREP_TEST_POSTGRES` is set; the
//! replicas' test is in `replicas.rs`); and every signed-in reader can list
//! the workspace's people to pick a commander or an assignee.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn declared(id: &str, incident: &str) -> Value {
    json!({
        "id": id,
        "incident": incident,
        "author": "ana",
        "at": 1_763_464_800_000_i64,
        "body": {"kind": "declared", "title": format!("Outage {incident}"),
                 "severity": "sev2", "started_at": 1_763_464_700_000_i64}
    })
}

fn ack_numbers(reply: &Value) -> Vec<Option<u64>> {
    reply["acks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_u64())
        .collect()
}

/// Every event of the log that carries a number: (seq, incident, number).
async fn numbered(s: &Running) -> Vec<(u64, String, u64)> {
    let (status, page) = get_json(s, "/api/v1/events?after=0&limit=1000").await;
    assert_eq!(status, 200, "{page}");
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            Some((
                e["seq"].as_u64()?,
                e["incident"].as_str()?.to_string(),
                e["number"].as_u64()?,
            ))
        })
        .collect()
}

#[tokio::test]
async fn the_first_stored_declaration_of_each_incident_gets_the_next_number() {
    let s = fresh_server();
    let (status, reply) = post(
        &s,
        &[
            declared("d-a", "inc-a"),
            note("n-1", "not a declaration"),
            declared("d-b", "inc-b"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(ack_numbers(&reply), [Some(1), None, Some(2)]);

    // A second declaration of inc-a (another console, say) gets none, and
    // a client cannot choose its number.
    let mut again = declared("d-a2", "inc-a");
    again["number"] = json!(7);
    let mut chosen = declared("d-c", "inc-c");
    chosen["number"] = json!(99);
    let (_, reply) = post(&s, &[again, chosen]).await;
    assert_eq!(ack_numbers(&reply), [None, Some(3)]);

    // A retry of a lost ack hears the same number.
    let (_, retry) = post(&s, &[declared("d-b", "inc-b")]).await;
    assert_eq!(ack_numbers(&retry), [Some(2)]);

    let log = numbered(&s).await;
    let numbers: Vec<(&str, u64)> = log.iter().map(|(_, i, n)| (i.as_str(), *n)).collect();
    assert_eq!(numbers, [("inc-a", 1), ("inc-b", 2), ("inc-c", 3)]);
}

#[tokio::test]
async fn concurrent_declarations_get_distinct_numbers_in_the_logs_order() {
    let dir = temp_dir();
    let s = Arc::new(Running::start(&data_dir(&dir)));
    let mut posts = Vec::new();
    for p in 0..24 {
        let s = s.clone();
        posts.push(tokio::spawn(async move {
            let (status, reply) =
                post(&s, &[declared(&format!("d-{p}"), &format!("inc-{p}"))]).await;
            assert_eq!(status, 200, "{reply}");
            ack_numbers(&reply)[0].expect("a first declaration is numbered")
        }));
    }
    let mut acked = Vec::new();
    for p in posts {
        acked.push(p.await.unwrap());
    }
    acked.sort_unstable();
    assert_eq!(acked, (1..=24).collect::<Vec<u64>>(), "1 to 24, none twice");
    let log = numbered(&s).await;
    let in_seq_order: Vec<u64> = log.iter().map(|(_, _, n)| *n).collect();
    assert_eq!(
        in_seq_order,
        (1..=24).collect::<Vec<u64>>(),
        "numbers follow the seqs"
    );
}

#[tokio::test]
async fn numbers_survive_a_restart_and_are_never_reused() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start(&data);
    post_ok_as(
        &s,
        "responder",
        &[declared("d-1", "inc-1"), declared("d-2", "inc-2")],
    )
    .await;
    s.kill();

    let s = Running::start(&data);
    let (_, reply) = post(&s, &[declared("d-3", "inc-3"), declared("d-1b", "inc-1")]).await;
    assert_eq!(ack_numbers(&reply), [Some(3), None]);
    let by_incident: BTreeMap<String, u64> = numbered(&s)
        .await
        .into_iter()
        .map(|(_, i, n)| (i, n))
        .collect();
    assert_eq!(
        by_incident,
        BTreeMap::from([
            ("inc-1".into(), 1),
            ("inc-2".into(), 2),
            ("inc-3".into(), 3)
        ])
    );
}

#[tokio::test]
async fn the_live_stream_carries_the_number_on_the_declaration() {
    use futures_util::StreamExt;
    let s = fresh_server();
    post_ok_as(
        &s,
        "responder",
        &[declared("d-1", "inc-1"), note("n-1", "hi")],
    )
    .await;
    let (mut ws, _) = tokio_tungstenite::connect_async(s.ws_as("viewer", "/api/v1/stream?after=0"))
        .await
        .expect("the stream opens");
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(30), ws.next())
            .await
            .expect("the stream speaks")
            .expect("open")
            .expect("a message");
        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["type"] == "event" {
                seen.push((v["event"]["id"].clone(), v["event"]["number"].clone()));
            }
        }
    }
    assert_eq!(
        seen,
        [(json!("d-1"), json!(1)), (json!("n-1"), Value::Null)]
    );
}

#[tokio::test]
async fn every_reader_lists_the_people_by_name_without_roles_or_disabled_accounts() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start(&data).with_monitor(&data);
    let out = create_account(&data, "zoe", "viewer", "correct horse battery");
    assert!(out.status.success(), "{out:?}");
    let out = create_account(&data, "gone", "responder", "correct horse battery");
    assert!(out.status.success(), "{out:?}");
    let status = s
        .client_as("admin")
        .patch(s.url("/api/v1/accounts/gone"))
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);

    let resp = s
        .client_as("viewer")
        .get(s.url("/api/v1/directory"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    let people = body["people"].as_array().unwrap();
    let names: Vec<&str> = people.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"zoe"), "{body}");
    assert!(
        !names.contains(&"gone"),
        "a disabled account is not offered: {body}"
    );
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "by name");
    for p in people {
        assert_eq!(
            p.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["name"],
            "names only: {p}"
        );
    }
    // Monitor accounts are tools, not people.
    assert!(!names.contains(&"monitor"), "{body}");
}

#[tokio::test]
async fn an_upgraded_database_numbers_the_incidents_it_already_has_in_seq_order() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start(&data);
    post_ok_as(
        &s,
        "responder",
        &[
            note("n-0", "a note before any declaration"),
            declared("d-b", "inc-b"),
        ],
    )
    .await;
    post_ok_as(
        &s,
        "responder",
        &[declared("d-a", "inc-a"), declared("d-b2", "inc-b")],
    )
    .await;
    s.kill();
    // As a database from before numbers were kept: no step 7, no table.
    let undo = "DROP TABLE incident_numbers; DELETE FROM sitrep_schema WHERE version = 7";
    match database_for(&data) {
        Some((url, _)) => admin_sql(&url, move |c| async move {
            c.batch_execute(undo).await.expect("the step is undone")
        }),
        None => rusqlite::Connection::open(data.join("sitrep.sqlite3"))
            .and_then(|c| c.execute_batch(undo))
            .expect("the step is undone"),
    }

    let s = Running::start(&data);
    let by_incident: Vec<(String, u64)> = numbered(&s)
        .await
        .into_iter()
        .map(|(_, i, n)| (i, n))
        .collect();
    assert_eq!(by_incident, [("inc-b".into(), 1), ("inc-a".into(), 2)]);
    let (_, reply) = post(&s, &[declared("d-c", "inc-c")]).await;
    assert_eq!(ack_numbers(&reply), [Some(3)], "the next one follows");
}
