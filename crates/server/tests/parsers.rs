//! The request parsers against generated input, through the real binary:
//! whatever bytes arrive as a batch or a sign-in, the answer is 200 or a
//! JSON 4xx, never a 5xx, and nothing is stored unless the answer is 200.

mod common;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

/// A batch that is JSON-shaped and close to valid, so the generator reaches
/// past the JSON parser into the limits and role checks.
fn near_batch() -> impl Strategy<Value = Value> {
    let text = prop_oneof![Just(String::new()), "[ -~]{0,40}", Just("x".repeat(70_000))];
    let kind = prop_oneof![
        Just("note_added"),
        Just("declared"),
        Just("status_changed"),
        Just("exploded")
    ];
    let incident = prop_oneof![
        Just("inc-1".to_string()),
        Just("workspace".to_string()),
        "[a-z]{0,70}"
    ];
    let event = (
        ("[a-z0-9-]{0,70}"),
        incident,
        text.clone(),
        kind,
        any::<i64>(),
    )
        .prop_map(|(id, incident, text, kind, at)| {
            json!({"id": id, "incident": incident, "author": "x", "at": at,
                   "body": {"kind": kind, "text": text, "title": text, "severity": "sev2",
                            "status": "resolved", "started_at": at}})
        });
    proptest::collection::vec(event, 0..4).prop_map(|events| json!({ "events": events }))
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        near_batch().prop_map(|v| v.to_string().into_bytes()),
        // A valid batch cut short.
        (near_batch(), any::<prop::sample::Index>()).prop_map(|(v, i)| {
            let s = v.to_string().into_bytes();
            let n = i.index(s.len().max(1));
            s[..n.min(s.len())].to_vec()
        }),
    ]
}

#[test]
fn any_body_posted_as_a_batch_or_a_sign_in_gets_200_or_a_json_4xx_and_nothing_half_stored() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = fresh_server();
    let mut runner = TestRunner::new(Config {
        cases: 150,
        ..Config::default()
    });
    runner
        .run(&(bytes(), any::<bool>()), |(body, sign_in)| {
            rt.block_on(async {
                let before = whole_log(&s).await.len();
                let path = if sign_in {
                    "/api/v1/session"
                } else {
                    "/api/v1/events"
                };
                let resp = s
                    .client()
                    .post(s.url(path))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                let json: Result<Value, _> = resp.json().await;
                prop_assert!(
                    status == 200 || (400..500).contains(&status),
                    "status {status}"
                );
                if status != 200 {
                    let err =
                        json.map_err(|e| TestCaseError::fail(format!("{status}: not JSON: {e}")))?;
                    prop_assert!(err["error"].is_string(), "{status}: {err}");
                    prop_assert_eq!(whole_log(&s).await.len(), before);
                }
                Ok(())
            })
        })
        .unwrap();
}
