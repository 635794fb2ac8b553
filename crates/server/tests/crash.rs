//! A crash under load loses nothing that was acknowledged: 20 posters send
//! batches of 1 to 50 notes as fast as they are answered, the server is
//! killed with SIGKILL mid-run, and after a restart on the same data dir
//! every acknowledged event is in the log at the seq its ack gave, no id
//! is stored twice, and the batches left unanswered by the crash can be
//! sent again (as the console's outbox does) and are stored once.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const POSTERS: usize = 20;

#[derive(Default)]
struct Outcome {
    /// id -> seq, from 200 answers.
    acked: HashMap<String, u64>,
    /// Batches sent and never answered (the crash cut them off).
    unanswered: Vec<Vec<Value>>,
}

fn batch(p: usize, n: &mut usize, size: usize) -> Vec<Value> {
    (0..size)
        .map(|_| {
            *n += 1;
            json!({
                "id": format!("crash-{p:02}-{n:05}"), "incident": format!("inc-crash-{}", p % 3),
                "author": "x", "at": CLOCK_START_MS,
                "body": {"kind": "note_added", "text": format!("poster {p} note {n}")}
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_event_survives_a_sigkill_under_load_and_none_is_stored_twice() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start(&data);
    let outcome = Arc::new(Mutex::new(Outcome::default()));
    let mut posters = Vec::new();
    for p in 0..POSTERS {
        let (client, url, outcome) = (s.client(), s.url("/api/v1/events"), outcome.clone());
        posters.push(tokio::spawn(async move {
            let mut n = 0;
            let mut size = 1 + p * 7 % 50;
            loop {
                let events = batch(p, &mut n, size);
                size = 1 + (size * 31 + 7) % 50;
                let sent = client
                    .post(&url)
                    .json(&json!({ "events": events }))
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await;
                let answer = match sent {
                    Ok(r) if r.status() == 200 => r.json::<Value>().await.ok(),
                    _ => None,
                };
                let mut o = outcome.lock().unwrap();
                match answer {
                    Some(reply) => {
                        for (ev, seq) in events.iter().zip(ack_seqs(&reply)) {
                            o.acked.insert(ev["id"].as_str().unwrap().to_string(), seq);
                        }
                    }
                    None => {
                        // Down: this batch's fate is unknown; stop posting.
                        o.unanswered.push(events);
                        return;
                    }
                }
            }
        }));
    }
    // Let the posters get going, then pull the plug.
    let started = std::time::Instant::now();
    while outcome.lock().unwrap().acked.len() < 2_000 && started.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.kill();
    for p in posters {
        p.await.expect("a poster ends when the server is gone");
    }
    let (acked, unanswered) = {
        let o = outcome.lock().unwrap();
        (o.acked.clone(), o.unanswered.clone())
    };
    assert!(
        acked.len() >= 2_000,
        "only {} acked before the kill",
        acked.len()
    );
    assert!(!unanswered.is_empty(), "the kill came mid-run");

    let s = Running::start(&data);
    let log = whole_log(&s).await;
    let ids: HashSet<&str> = log.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids.len(), log.len(), "an id is stored twice");
    assert!(log.windows(2).all(|w| w[0].0 < w[1].0), "seqs ascend");
    let stored: HashMap<&str, u64> = log.iter().map(|(seq, id)| (id.as_str(), *seq)).collect();
    for (id, seq) in &acked {
        assert_eq!(
            stored.get(id.as_str()),
            Some(seq),
            "acknowledged {id} at seq {seq} is not there after the restart"
        );
    }

    // The outbox's move: send the unanswered batches again. Whatever the
    // crash left of them is acked at its stored seq, the rest is stored.
    for events in &unanswered {
        let (status, reply) = post(&s, events).await;
        assert_eq!(status, 200, "{reply}");
        for (ev, seq) in events.iter().zip(ack_seqs(&reply)) {
            let id = ev["id"].as_str().unwrap();
            if let Some(before) = stored.get(id) {
                assert_eq!(*before, seq, "a resent {id} keeps its first seq");
            }
        }
    }
    let after = whole_log(&s).await;
    let ids: HashSet<&str> = after.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids.len(), after.len(), "a resend stored an id twice");
    let resent: usize = unanswered.iter().map(Vec::len).sum();
    let new = unanswered
        .iter()
        .flatten()
        .filter(|e| !stored.contains_key(e["id"].as_str().unwrap()))
        .count();
    assert_eq!(after.len(), log.len() + new, "{resent} resent, {new} new");
}
