//! Who may do what, against the real binary: every role (and no account at
//! all) against every endpoint, and the author of an event is whoever
//! signed in, whatever the client wrote.

mod common;

use common::*;
use serde_json::{json, Value};

/// What each caller gets: anonymous, monitor, viewer, responder, communicator, admin.
type Row = (&'static str, &'static str, [u16; 6]);

const TABLE: &[Row] = &[
    ("GET", "/api/v1/health", [200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/events", [401, 403, 200, 200, 200, 200]),
    (
        "POST",
        "/api/v1/events#incident",
        [401, 403, 403, 200, 200, 200],
    ),
    (
        "POST",
        "/api/v1/events#workspace",
        [401, 403, 403, 403, 403, 200],
    ),
    // What customers are told needs a communicator; a delivery report
    // comes from sitrep-server alone.
    (
        "POST",
        "/api/v1/events#update",
        [401, 403, 403, 403, 200, 200],
    ),
    (
        "POST",
        "/api/v1/events#delivery",
        [401, 403, 403, 403, 403, 403],
    ),
    ("GET", "/api/v1/stream", [401, 403, 101, 101, 101, 101]),
    ("GET", "/api/v1/session", [401, 200, 200, 200, 200, 200]),
    // The admin pages' API: admins only, whatever else a token may do.
    ("GET", "/api/v1/audit", [401, 403, 403, 403, 403, 200]),
    ("GET", "/api/v1/audit.csv", [401, 403, 403, 403, 403, 200]),
    ("GET", "/api/v1/accounts", [401, 403, 403, 403, 403, 200]),
    ("GET", "/api/v1/tokens", [401, 403, 403, 403, 403, 200]),
    ("GET", "/api/v1/hooks", [401, 403, 403, 403, 403, 200]),
    // The desk lists the targets to every signed-in reader; keys never leave.
    (
        "GET",
        "/api/v1/publish/targets",
        [401, 403, 200, 200, 200, 200],
    ),
    ("GET", "/api/v1/upstreams", [401, 403, 200, 200, 200, 200]),
    ("GET", "/api/v1/freeze", [401, 403, 200, 200, 200, 200]),
    // Names to pick a commander or an assignee from: every reader.
    ("GET", "/api/v1/directory", [401, 403, 200, 200, 200, 200]),
    // Alerts come from monitor tokens only; /metrics is for them and admins.
    (
        "POST",
        "/api/v1/alerts#alerts",
        [401, 200, 403, 403, 403, 403],
    ),
    (
        "POST",
        "/api/v1/alerts/alertmanager#alerts",
        [401, 200, 403, 403, 403, 403],
    ),
    ("GET", "/metrics", [401, 200, 403, 403, 403, 200]),
    // Bounces come from the mail system's pipe (a monitor token) or an
    // admin; this one is not a bounce, so they get 422 and nothing changes.
    (
        "POST",
        "/api/v1/email/bounces#bounce",
        [401, 422, 403, 403, 403, 422],
    ),
    ("GET", "/", [200, 200, 200, 200, 200, 200]),
    ("GET", "/incidents/x", [200, 200, 200, 200, 200, 200]),
];

fn event_for(target: &str, id: &str) -> Value {
    if target.ends_with("/alertmanager#alerts") {
        return json!({"version": "4", "groupKey": format!("{{}}:{{alertname=\"{id}\"}}"),
            "receiver": "sitrep", "status": "firing", "alerts": [{"status": "firing",
            "labels": {"alertname": id}, "startsAt": "2025-11-18T11:19:00Z",
            "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "0123456789abcdef"}]});
    }
    if target.ends_with("#alerts") {
        return json!({"alerts": [{"name": id, "starts_at": 1_763_464_700_000_i64}]});
    }
    let (incident, body) = if target.ends_with("#workspace") {
        (
            "workspace",
            json!({"kind": "role_defined", "role": "liaison", "name": "hello"}),
        )
    } else if target.ends_with("#update") {
        (
            "inc-1",
            json!({"kind": "update_drafted", "phase": "investigating",
                   "channels": {"status_page": "We are investigating."}}),
        )
    } else if target.ends_with("#delivery") {
        (
            "inc-1",
            json!({"kind": "update_delivery", "update": "u-1", "target": "own", "state": "sent"}),
        )
    } else {
        ("inc-1", json!({"kind": "note_added", "text": "hello"}))
    };
    json!({"events": [{
        "id": id, "incident": incident, "author": "mallory", "at": 1_763_464_800_000_i64, "body": body
    }]})
}

async fn status_of(s: &Running, who: Option<&str>, method: &str, target: &str, n: usize) -> u16 {
    let path = target.split('#').next().unwrap();
    if path == "/api/v1/stream" {
        let req = match who {
            Some(role) => s.ws_as(role, path),
            None => {
                use tokio_tungstenite::tungstenite::client::IntoClientRequest;
                format!("ws://{}{}", s.addr, path)
                    .into_client_request()
                    .unwrap()
            }
        };
        return match tokio_tungstenite::connect_async(req).await {
            Ok((_, resp)) => resp.status().as_u16(),
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
            Err(e) => panic!("websocket: {e}"),
        };
    }
    let c = match who {
        Some(role) => s.client_as(role),
        None => client(),
    };
    let req = match method {
        "GET" => c.get(s.url(path)),
        "POST" if target.ends_with("#bounce") => c
            .post(s.url(path))
            .header("content-type", "message/rfc822")
            .body("Subject: not a bounce\r\n\r\nhello\r\n"),
        "POST" => c
            .post(s.url(path))
            .json(&event_for(target, &format!("ev-{n}"))),
        other => panic!("{other}"),
    };
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_role_against_every_endpoint_gets_exactly_what_its_role_allows() {
    let dir = temp_dir();
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Sitrep</title>",
    )
    .unwrap();
    let s = Running::start_with_static(&data_dir(&dir), &dist).with_monitor(&data_dir(&dir));
    let callers = [
        None,
        Some("monitor"),
        Some("viewer"),
        Some("responder"),
        Some("communicator"),
        Some("admin"),
    ];
    let mut wrong = Vec::new();
    let mut n = 0;
    for (method, target, want) in TABLE {
        for (who, want) in callers.iter().zip(want) {
            n += 1;
            let got = status_of(&s, *who, method, target, n).await;
            if got != *want {
                wrong.push(format!(
                    "{method} {target} as {}: got {got}, want {want}",
                    who.unwrap_or("anonymous")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Only the allowed posts were stored: 3 incident notes, 2 drafts and
    // 1 setting; no delivery report; and the monitor's two alert payloads,
    // one `alerts_received` each.
    let log = whole_log(&s).await;
    assert_eq!(log.len(), 8, "{log:?}");
}

#[tokio::test]
async fn the_author_is_the_signed_in_account_whatever_the_client_claims() {
    let s = fresh_server();
    let mut ev = note("forged", "who wrote this?");
    ev["author"] = json!("admin");
    let (status, reply) = post(&s, &[ev]).await;
    assert_eq!(status, 200, "{reply}");
    let (_, page) = get_json(&s, "/api/v1/events").await;
    assert_eq!(page["events"][0]["author"], "responder");
}

#[tokio::test]
async fn a_forbidden_event_refuses_the_whole_batch_and_names_the_event() {
    let s = fresh_server();
    let mut setting = note("setting", "x");
    setting["incident"] = json!("workspace");
    setting["body"] = json!({"kind": "role_defined", "role": "liaison", "name": "Liaison"});
    let (status, reply) = post(&s, &[note("fine", "x"), setting]).await;
    assert_eq!(status, 403, "{reply}");
    assert_eq!(reply["id"], "setting");
    assert!(
        reply["error"].as_str().unwrap().contains("admin"),
        "{reply}"
    );
    assert!(
        whole_log(&s).await.is_empty(),
        "nothing of the batch is stored"
    );
}

fn comms_event(id: &str, body: Value) -> Value {
    json!({"id": id, "incident": "inc-1", "author": "x", "at": 1_763_464_800_000_i64, "body": body})
}

#[tokio::test]
async fn the_last_editor_cannot_approve_their_own_draft_even_without_the_console() {
    let s = fresh_server();
    let draft = comms_event(
        "u-1",
        json!({"kind": "update_drafted", "phase": "investigating",
               "channels": {"status_page": "We are investigating."}}),
    );
    assert_eq!(post_as(&s, "communicator", &[draft]).await.0, 200);
    let approve = |id: &str| comms_event(id, json!({"kind": "update_approved", "update": "u-1"}));

    // The default policy asks someone other than the last editor.
    let (status, reply) = post_as(&s, "communicator", &[approve("a-self")]).await;
    assert_eq!(status, 422, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("someone else"),
        "{reply}"
    );
    assert_eq!(reply["id"], "a-self");

    // Someone else may, and a retry of that approval is acked, not refused.
    assert_eq!(post_as(&s, "admin", &[approve("a-other")]).await.0, 200);
    let (status, reply) = post_as(&s, "admin", &[approve("a-other")]).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(whole_log(&s).await.len(), 2);
}
