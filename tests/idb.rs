//! The IndexedDB copy (`idb`), in a real browser: what is written is there after
//! the database is closed and opened again.
#![cfg(target_arch = "wasm32")]

use sitrep::browser::new_id;
use sitrep::idb::{Durability, Idb, SavedUpstreams, StoredEvent};
use sitrep_core::log::protocol::Ack;
use sitrep_core::status_page::upstream::{
    parse_summary, Fetched, ProviderState, ProviderView, MAX_SUMMARY_BYTES,
};
use sitrep_core::{Event, EventBody, EventId, IncidentId, Severity};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn record(id: &str, seq: Option<u64>, made: f64, error: Option<&str>) -> StoredEvent {
    StoredEvent {
        event: Event {
            id: EventId(id.into()),
            incident: IncidentId("incident-1".into()),
            author: "ana".into(),
            at: 1_700_000_000_000,
            body: if id == "a" {
                EventBody::Declared {
                    title: "Checkout <b>down</b>".into(),
                    severity: Severity::Sev1,
                    summary: "EU only".into(),
                    started_at: 1_699_999_000_000,
                    detected_at: None,
                }
            } else {
                EventBody::note(format!("note {id}"))
            },
            seq,
            received_at: seq.map(|_| 1_700_000_000_500),
            clock_offset: None,
            number: None,
        },
        made,
        error: error.map(String::from),
    }
}

async fn fresh_idb() -> (String, Idb) {
    let name = format!("sitrep-test-{}", new_id());
    let idb = Idb::open(&name).await.expect("open");
    (name, idb)
}

#[wasm_bindgen_test]
async fn events_written_are_read_back_after_the_database_is_reopened() {
    let (name, idb) = fresh_idb().await;
    let written = vec![
        record("a", Some(7), 0.0, None),
        record("b", None, 2.0, None),
        record("c", None, 3.0, Some("note is too long")),
    ];
    idb.put(&written).await.expect("put");
    idb.close();

    let reopened = Idb::open(&name).await.expect("reopen");
    let mut loaded = reopened.load().await.expect("load");
    loaded.events.sort_by(|x, y| x.event.id.cmp(&y.event.id));
    assert!(loaded.skipped.is_empty(), "{:?}", loaded.skipped);
    assert_eq!(loaded.events, written);
}

#[wasm_bindgen_test]
async fn writing_an_event_again_replaces_the_earlier_copy() {
    let (name, idb) = fresh_idb().await;
    idb.put(&[record("b", None, 2.0, None)])
        .await
        .expect("put pending");
    idb.put(&[record("b", Some(9), 0.0, None)])
        .await
        .expect("put confirmed");
    idb.close();

    let loaded = Idb::open(&name)
        .await
        .expect("reopen")
        .load()
        .await
        .expect("load");
    assert_eq!(loaded.events.len(), 1);
    assert_eq!(loaded.events[0].event.seq, Some(9));
}

#[wasm_bindgen_test]
async fn an_empty_database_loads_as_empty() {
    let (_, idb) = fresh_idb().await;
    let loaded = idb.load().await.expect("load");
    assert!(loaded.events.is_empty() && loaded.skipped.is_empty());
}

#[wasm_bindgen_test]
async fn the_cursor_is_written_with_its_events_and_read_back() {
    let (name, idb) = fresh_idb().await;
    idb.write(
        &[record("a", Some(7), 0.0, None)],
        Some(7),
        None,
        Durability::Relaxed,
    )
    .await
    .expect("write");
    idb.close();
    let loaded = Idb::open(&name)
        .await
        .expect("reopen")
        .load()
        .await
        .expect("load");
    assert_eq!(loaded.cursor, 7);
    assert_eq!(loaded.events.len(), 1);
}

#[wasm_bindgen_test]
async fn a_version_1_database_is_upgraded_with_its_events_kept() {
    let name = format!("sitrep-test-{}", new_id());
    let v1 = Idb::open_version(&name, 1).await.expect("open v1");
    v1.put(&[record("b", None, 2.0, None)])
        .await
        .expect("put in v1");
    v1.close();

    let v2 = Idb::open(&name).await.expect("upgrade to current");
    let loaded = v2.load().await.expect("load");
    assert_eq!(loaded.events, vec![record("b", None, 2.0, None)]);
    assert_eq!(loaded.cursor, 0, "v1 kept no cursor: resume from the start");
}

#[wasm_bindgen_test]
async fn a_version_2_database_is_upgraded_with_its_events_and_cursor_kept_and_no_upstreams() {
    let name = format!("sitrep-test-{}", new_id());
    let v2 = Idb::open_version(&name, 2).await.expect("open v2");
    v2.write(
        &[record("a", Some(7), 0.0, None)],
        Some(7),
        None,
        Durability::Strict,
    )
    .await
    .expect("write in v2");
    v2.close();

    let v3 = Idb::open(&name).await.expect("upgrade to current");
    let loaded = v3.load().await.expect("load");
    assert_eq!(loaded.events, vec![record("a", Some(7), 0.0, None)]);
    assert_eq!(loaded.cursor, 7);
    assert_eq!(
        loaded.log, None,
        "v2 kept no log name: the next one heard is taken"
    );
    assert_eq!(v3.load_upstreams().await.expect("load upstreams"), None);
}

#[wasm_bindgen_test]
async fn the_log_name_is_kept_beside_the_cursor_until_forgotten() {
    let (name, idb) = fresh_idb().await;
    assert_eq!(idb.load().await.expect("load").log, None, "never named");
    idb.write(
        &[record("a", Some(7), 0.0, None)],
        Some(7),
        Some(Some("4f9c2a7e")),
        Durability::Relaxed,
    )
    .await
    .expect("write");
    // A write that does not mention the name keeps it.
    idb.write(&[], Some(8), None, Durability::Relaxed)
        .await
        .expect("write the cursor alone");
    idb.close();

    let reopened = Idb::open(&name).await.expect("reopen");
    let loaded = reopened.load().await.expect("load");
    assert_eq!(
        (loaded.cursor, loaded.log.as_deref()),
        (8, Some("4f9c2a7e"))
    );
    reopened
        .write(&[], Some(0), Some(None), Durability::Strict)
        .await
        .expect("forget the name");
    let loaded = reopened.load().await.expect("load");
    assert_eq!((loaded.cursor, loaded.log), (0, None));
}

/// The ack the backend gives `id` at `seq` (received at the time `record` uses).
fn ack(id: &str, seq: u64) -> Ack {
    Ack {
        id: EventId(id.into()),
        seq,
        received_at: 1_700_000_000_500,
        number: None,
    }
}

/// `record(id, None, made, None)` as it reads once acknowledged at `seq`:
/// the order made stays, it marks the event as this browser's.
fn delivered(id: &str, seq: u64, made: f64) -> StoredEvent {
    record(id, Some(seq), made, None)
}

async fn load_sorted(idb: &Idb) -> Vec<StoredEvent> {
    let mut loaded = idb.load().await.expect("load");
    assert!(loaded.skipped.is_empty(), "{:?}", loaded.skipped);
    loaded.events.sort_by(|x, y| x.event.id.cmp(&y.event.id));
    loaded.events
}

#[wasm_bindgen_test]
async fn a_version_3_database_is_upgraded_with_every_event_pending_edit_and_refusal_kept() {
    let name = format!("sitrep-test-{}", new_id());
    let v3 = Idb::open_version(&name, 3).await.expect("open v3");
    // What a version-3 console stored: a confirmed event, an acknowledged
    // one of its own (rewritten whole, with its seq), a note not yet
    // delivered and a refused one.
    let written = vec![
        record("a", Some(7), 0.0, None),
        record("b", Some(8), 2.0, None),
        record("c", None, 3.0, None),
        record("d", None, 4.0, Some("note is too long")),
    ];
    v3.write(
        &written,
        Some(7),
        Some(Some("4f9c2a7e")),
        Durability::Strict,
    )
    .await
    .expect("write in v3");
    v3.save_upstreams(&upstreams())
        .await
        .expect("save upstreams");
    v3.close();

    let v4 = Idb::open(&name).await.expect("upgrade to current");
    assert_eq!(load_sorted(&v4).await, written);
    let loaded = v4.load().await.expect("load");
    assert_eq!(
        (loaded.cursor, loaded.log.as_deref()),
        (7, Some("4f9c2a7e"))
    );
    assert_eq!(
        v4.load_upstreams().await.expect("load upstreams"),
        Some(upstreams())
    );
    // The upgraded database takes acks the new way, beside the old records.
    v4.write_acks(&[ack("c", 9)], "tab-1").await.expect("acks");
    assert_eq!(
        load_sorted(&v4).await,
        vec![
            written[0].clone(),
            written[1].clone(),
            delivered("c", 9, 3.0),
            written[3].clone(),
        ]
    );
}

#[wasm_bindgen_test]
async fn acks_are_stored_apart_and_confirm_their_events_when_read() {
    let (name, idb) = fresh_idb().await;
    idb.put(&[
        record("b", None, 2.0, None),
        record("c", None, 3.0, None),
        record("d", None, 4.0, None),
    ])
    .await
    .expect("put pending");
    idb.write_acks(&[ack("b", 5), ack("c", 6)], "tab-1")
        .await
        .expect("first batch");
    idb.write_acks(&[ack("d", 7)], "tab-2")
        .await
        .expect("second batch");
    assert_eq!(
        idb.delivered_by().await.expect("marker").as_deref(),
        Some("tab-2")
    );
    idb.close();

    let reopened = Idb::open(&name).await.expect("reopen");
    assert_eq!(
        load_sorted(&reopened).await,
        vec![
            delivered("b", 5, 2.0),
            delivered("c", 6, 3.0),
            delivered("d", 7, 4.0)
        ]
    );
}

#[wasm_bindgen_test]
async fn an_ack_does_not_overrule_a_record_written_confirmed() {
    let (_, idb) = fresh_idb().await;
    idb.put(&[record("b", None, 2.0, None)]).await.expect("put");
    idb.write_acks(&[ack("b", 5)], "tab-1").await.expect("acks");
    // A backend that lost the log and stored the event again, at another seq.
    idb.put(&[record("b", Some(12), 2.0, None)])
        .await
        .expect("put");
    assert_eq!(
        load_sorted(&idb).await,
        vec![record("b", Some(12), 2.0, None)]
    );
}

#[wasm_bindgen_test]
async fn an_event_written_pending_again_forgets_its_old_ack() {
    let (name, idb) = fresh_idb().await;
    idb.put(&[record("b", None, 2.0, None), record("c", None, 3.0, None)])
        .await
        .expect("put pending");
    idb.write_acks(&[ack("b", 5), ack("c", 6)], "tab-1")
        .await
        .expect("acks");
    // Re-sent to a backend that lost it: pending again, cursor from 0.
    let b = EventId("b".into());
    idb.write_unacking(
        &[record("b", None, 2.0, None)],
        Some(0),
        Some(None),
        &[b],
        Durability::Strict,
    )
    .await
    .expect("requeue");
    idb.close();

    let reopened = Idb::open(&name).await.expect("reopen");
    assert_eq!(
        load_sorted(&reopened).await,
        vec![record("b", None, 2.0, None), delivered("c", 6, 3.0)]
    );
}

#[wasm_bindgen_test]
async fn a_check_reads_the_acks_another_tab_stored_after_loading() {
    let (name, here) = fresh_idb().await;
    here.put(&[record("b", None, 2.0, None), record("c", None, 3.0, None)])
        .await
        .expect("put pending");
    here.write_acks(&[ack("b", 5)], "here").await.expect("acks");
    here.load().await.expect("load");
    let other = Idb::open(&name).await.expect("another tab");
    other
        .write_acks(&[ack("c", 6)], "other")
        .await
        .expect("acks");

    let found = here.acks_since_load().await.expect("read");
    assert_eq!(
        found.into_values().collect::<Vec<_>>(),
        vec![ack("c", 6)],
        "b's ack was in the log loaded; c's came after"
    );
}

fn upstreams() -> SavedUpstreams {
    let summary = parse_summary(
        br#"{"page":{"name":"GitHub"},"status":{"indicator":"minor","description":"Minor <b>Outage</b>"},
            "components":[{"id":"c1","name":"Packages","status":"partial_outage"}]}"#,
        MAX_SUMMARY_BYTES,
    )
    .expect("a summary");
    let known = ProviderState::Known(Fetched {
        summary,
        fetched_at: 1_763_464_860_000,
    });
    let mut lost = known.clone();
    lost.observe(Err("HTTP 503".into()), 1_763_464_920_000);
    SavedUpstreams {
        providers: vec![
            ProviderView::of("github", "https://www.githubstatus.com", &known),
            ProviderView::of("cloudflare", "https://www.cloudflarestatus.com", &lost),
        ],
        received_at: 1_763_464_925_000,
    }
}

#[wasm_bindgen_test]
async fn the_upstream_list_is_read_back_after_reopening_and_a_newer_one_replaces_it() {
    let (name, idb) = fresh_idb().await;
    idb.save_upstreams(&upstreams()).await.expect("save");
    idb.close();

    let reopened = Idb::open(&name).await.expect("reopen");
    assert_eq!(
        reopened.load_upstreams().await.expect("load"),
        Some(upstreams())
    );
    let newer = SavedUpstreams {
        providers: upstreams().providers[..1].to_vec(),
        received_at: 1_763_465_000_000,
    };
    reopened.save_upstreams(&newer).await.expect("save again");
    assert_eq!(reopened.load_upstreams().await.expect("load"), Some(newer));
}

#[wasm_bindgen_test]
async fn a_corrupt_record_is_reported_and_skipped_and_the_rest_load() {
    let (_, idb) = fresh_idb().await;
    idb.put(&[record("a", Some(1), 0.0, None)])
        .await
        .expect("put");
    let bad = js_sys::Object::new();
    js_sys::Reflect::set(&bad, &"id".into(), &"broken".into()).unwrap();
    js_sys::Reflect::set(&bad, &"json".into(), &"{\"id\":\"broken\",\"body\":".into()).unwrap();
    idb.put_raw(&bad.into()).await.expect("put raw");
    let foreign = js_sys::Object::new();
    js_sys::Reflect::set(&foreign, &"id".into(), &"no-json".into()).unwrap();
    idb.put_raw(&foreign.into()).await.expect("put raw");

    let loaded = idb.load().await.expect("load");
    assert_eq!(loaded.events, vec![record("a", Some(1), 0.0, None)]);
    assert_eq!(loaded.skipped.len(), 2, "{:?}", loaded.skipped);
    assert!(loaded
        .skipped
        .iter()
        .any(|s| s.starts_with("record broken:")));
}

#[wasm_bindgen_test]
async fn an_open_connection_steps_aside_for_a_newer_version_and_says_so() {
    let name = format!("sitrep-test-{}", new_id());
    let old = Idb::open(&name).await.expect("open current");
    old.put(&[record("b", None, 2.0, None)]).await.expect("put");
    let told = std::rc::Rc::new(std::cell::Cell::new(false));
    old.when_replaced({
        let told = told.clone();
        move || told.set(true)
    });

    // A newer console asks for a later version while the old one is open:
    // it is not blocked, and the old connection was told.
    let newer = Idb::open_version(&name, 99)
        .await
        .expect("upgrade is not blocked");
    assert!(told.get(), "the old connection heard of the newer version");
    let loaded = newer.load().await.expect("load");
    assert_eq!(loaded.events, vec![record("b", None, 2.0, None)]);
    assert!(
        old.load().await.is_err(),
        "the old connection is closed, so it cannot write under the newer schema"
    );
}
