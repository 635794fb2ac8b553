//! POST and GET /api/v1/events against the real binary: idempotence,
//! paging, durability across a crash.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn posting_the_same_batch_twice_stores_it_once() {
    let s = fresh_server();
    let batch = notes("e", 3);

    let (status, first) = post(&s, &batch).await;
    assert_eq!(status, 200, "{first}");
    let (status, second) = post(&s, &batch).await;
    assert_eq!(status, 200, "{second}");

    assert_eq!(
        first, second,
        "a retry gets the very same acks, received_at included"
    );
    let ids: Vec<_> = first["acks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["e-0000", "e-0001", "e-0002"],
        "acks come in the order sent"
    );
    let log = whole_log(&s).await;
    assert_eq!(log.len(), 3);
    assert_eq!(
        log.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        ack_seqs(&first)
    );
}

#[tokio::test]
async fn an_id_repeated_inside_one_batch_is_stored_once_and_acked_twice_with_one_seq() {
    let s = fresh_server();
    let batch = [note("a", "one"), note("b", "two"), note("a", "one again")];

    let (status, reply) = post(&s, &batch).await;
    assert_eq!(status, 200, "{reply}");
    let seqs = ack_seqs(&reply);
    assert_eq!(seqs.len(), 3);
    assert_eq!(seqs[0], seqs[2]);
    assert!(seqs[1] > seqs[0]);
    let log = whole_log(&s).await;
    assert_eq!(
        log,
        [(seqs[0], "a".to_string()), (seqs[1], "b".to_string())]
    );
    let (_, page) = get_json(&s, "/api/v1/events").await;
    assert_eq!(
        page["events"][0]["body"]["text"], "one",
        "the first copy wins"
    );
}

#[tokio::test]
async fn client_supplied_seq_and_received_at_are_ignored() {
    let s = fresh_server();
    let mut ev = note("x", "hello");
    ev["seq"] = json!(999);
    ev["received_at"] = json!(1);

    let (status, reply) = post(&s, &[ev]).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["acks"][0]["seq"], 1);
    let (_, page) = get_json(&s, "/api/v1/events").await;
    assert_eq!(page["events"][0]["seq"], 1);
    assert_eq!(
        page["events"][0]["received_at"],
        reply["acks"][0]["received_at"]
    );
    assert!(page["events"][0]["received_at"].as_i64().unwrap() > 1_600_000_000_000);
}

#[tokio::test]
async fn an_empty_batch_is_acked_with_nothing() {
    let s = fresh_server();
    let (status, reply) = post(&s, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(reply, json!({"acks": []}));
}

#[tokio::test]
async fn twenty_five_events_read_in_pages_of_ten_come_in_three_pages_in_seq_order() {
    let s = fresh_server();
    let (status, reply) = post(&s, &notes("p", 25)).await;
    assert_eq!(status, 200, "{reply}");
    let acked = ack_seqs(&reply);

    let mut after = 0;
    let mut pages = Vec::new();
    loop {
        let (status, page) = get_json(&s, &format!("/api/v1/events?after={after}&limit=10")).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["head"], 25);
        let seqs: Vec<u64> = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_u64().unwrap())
            .collect();
        if seqs.is_empty() {
            break;
        }
        for e in page["events"].as_array().unwrap() {
            assert!(
                e["received_at"].is_i64(),
                "every event carries received_at: {e}"
            );
        }
        after = *seqs.last().unwrap();
        pages.push(seqs);
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 5]);
    let all: Vec<u64> = pages.concat();
    assert_eq!(all, acked);
    assert!(all.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn a_page_limit_above_the_maximum_is_clamped_and_a_bad_query_is_a_400() {
    let s = fresh_server();
    post(&s, &notes("c", 3)).await;
    let (status, page) = get_json(&s, "/api/v1/events?limit=100000").await;
    assert_eq!(status, 200);
    assert_eq!(page["events"].as_array().unwrap().len(), 3);
    let (status, body) = get_json(&s, "/api/v1/events?after=-1").await;
    assert_eq!(status, 400);
    assert!(body["error"].is_string(), "{body}");
}

#[tokio::test]
async fn health_reports_the_head_the_replica_and_that_it_leads() {
    let s = fresh_server();
    let (status, before) = get_json(&s, "/api/v1/health").await;
    assert_eq!(status, 200);
    assert_eq!((&before["ok"], &before["head"]), (&json!(true), &json!(0)));
    post(&s, &notes("h", 2)).await;
    // One server alone leads (on PostgreSQL, once it holds the lock: at
    // its first heartbeat); its id is the same on every answer.
    let began = std::time::Instant::now();
    let after = loop {
        let (_, h) = get_json(&s, "/api/v1/health").await;
        if h["leader"] == true || began.elapsed() > std::time::Duration::from_secs(10) {
            break h;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(after["head"], 2);
    assert_eq!(after["leader"], true, "{after}");
    let replica = after["replica"].as_str().unwrap();
    assert_eq!(replica.len(), 8, "{after}");
    assert_eq!(before["replica"], replica);
}

#[tokio::test]
async fn acked_events_survive_a_crash_and_new_ones_continue_after_the_old_head() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start(&data);
    let (_, reply) = post(&s, &notes("d", 5)).await;
    let before = whole_log(&s).await;
    assert_eq!(before.len(), 5);
    s.kill();

    let s = Running::start(&data);
    assert_eq!(whole_log(&s).await, before, "same events, same seqs");
    let (_, again) = post(&s, &notes("d", 5)).await;
    assert_eq!(
        again, reply,
        "a retry after the restart is still recognised"
    );
    let (status, next) = post(&s, &[note("after-restart", "hi")]).await;
    assert_eq!(status, 200, "{next}");
    assert!(next["acks"][0]["seq"].as_u64().unwrap() > before.last().unwrap().0);
}
