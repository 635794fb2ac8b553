//! Alert intake against the real binary: each payload format, malformed
//! payloads (400, nothing stored), duplicates, a storm of 1,000 alerts,
//! triage through the API, a routing rule that opens an incident at once,
//! and the inbox surviving a restart. The inbox is read back the way a
//! console reads it: the log's alerts stream folded by core's `AlertBook`.

mod common;

use common::*;
use serde_json::{json, Value};
use sitrep_core::alerts::book::AlertBook;
use sitrep_core::{Event, IncidentId};

/// 2025-11-18T11:19:00Z, a minute before the test servers' clock starts.
const STARTS_AT: &str = "2025-11-18T11:19:00Z";
const STARTS_AT_MS: i64 = CLOCK_START_MS - 60_000;

fn am_alert(fp: &str, status: &str, instance: &str) -> Value {
    json!({"status": status,
           "labels": {"alertname": "HighErrorRate", "service": "checkout", "instance": instance},
           "annotations": {"summary": "5xx over 5% on checkout"},
           "startsAt": STARTS_AT,
           "endsAt": if status == "resolved" { "2025-11-18T11:19:30Z" } else { "0001-01-01T00:00:00Z" },
           "generatorURL": "http://prometheus.example/graph", "fingerprint": fp})
}

fn alertmanager(alerts: Vec<Value>) -> Value {
    json!({"version": "4", "groupKey": "{}:{alertname=\"HighErrorRate\"}", "truncatedAlerts": 0,
           "status": "firing", "receiver": "sitrep", "groupLabels": {"alertname": "HighErrorRate"},
           "commonLabels": {"alertname": "HighErrorRate"}, "commonAnnotations": {},
           "externalURL": "http://alertmanager.example", "alerts": alerts})
}

const AM_GROUP: &str = "alertmanager:{}:{alertname=\"HighErrorRate\"}";

async fn send(s: &Running, path: &str, body: &Value) -> (u16, Value) {
    let resp = s
        .client_as("monitor")
        .post(s.url(path))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn send_raw(s: &Running, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let resp = s
        .client_as("monitor")
        .post(s.url(path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Every stored event, whole.
async fn events(s: &Running) -> Vec<Event> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (status, page) = get_json(s, &format!("/api/v1/events?after={after}&limit=1000")).await;
        assert_eq!(status, 200, "{page}");
        let page: Vec<Event> = serde_json::from_value(page["events"].clone()).unwrap();
        let Some(last) = page.last().and_then(|e| e.seq) else {
            return out;
        };
        after = last;
        out.extend(page);
    }
}

async fn book(s: &Running) -> AlertBook {
    let all = events(s).await;
    AlertBook::of(all.iter().filter(|e| e.incident.is_alerts()))
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.body.kind()).collect()
}

#[tokio::test]
async fn an_alertmanager_payload_becomes_one_inbox_group_with_its_alerts() {
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir)).with_monitor(&data_dir(&dir));
    let body = alertmanager(vec![
        am_alert("aaaaaaaaaaaaaaa1", "firing", "web-1"),
        am_alert("aaaaaaaaaaaaaaa2", "firing", "web-2"),
    ]);
    let (status, reply) = send(&s, "/api/v1/alerts/alertmanager", &body).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        (reply["received"].as_u64(), reply["new"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(reply["group"], AM_GROUP);
    let all = events(&s).await;
    assert_eq!(kinds(&all), ["alerts_received"]);
    assert_eq!(
        &*all[0].author, "monitor",
        "the sender is the token's account"
    );
    let book = book(&s).await;
    let inbox = book.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].firing(), 2);
    assert_eq!(inbox[0].earliest_start(), Some(STARTS_AT_MS));
    assert_eq!(inbox[0].title(), "HighErrorRate");
    let a = &inbox[0].alerts["aaaaaaaaaaaaaaa1"];
    assert_eq!(a.labels["instance"], "web-1");
    assert_eq!(a.annotations["summary"], "5xx over 5% on checkout");
    assert_eq!(a.url, "http://prometheus.example/graph");
}

#[tokio::test]
async fn a_grafana_payload_and_a_generic_one_land_in_groups_of_their_own() {
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir)).with_monitor(&data_dir(&dir));
    let grafana = json!({"receiver": "sitrep", "status": "firing", "orgId": 1, "version": "1",
        "groupKey": "{}/{}:{alertname=\"High memory usage\"}", "truncatedAlerts": 0,
        "groupLabels": {"alertname": "High memory usage"}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://grafana.example/", "title": "[FIRING:1] High memory usage", "state": "alerting",
        "message": "**Firing**", "alerts": [{"status": "firing",
            "labels": {"alertname": "High memory usage", "grafana_folder": "Infra", "host": "db-1"},
            "annotations": {"description": "memory over 90%"}, "startsAt": "2025-11-18T11:18:00.123+00:00",
            "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://grafana.example/alerting/grafana/x/view",
            "fingerprint": "c6eadffa33fcdf37", "silenceURL": "http://grafana.example/alerting/silence/new",
            "dashboardURL": "", "panelURL": "", "values": {"B": 91.2, "C": 1}, "valueString": "[ var='B' value=91.2 ]"}]});
    let (status, reply) = send(&s, "/api/v1/alerts/grafana", &grafana).await;
    assert_eq!(status, 200, "{reply}");
    let generic = json!({"alerts": [{"name": "BackupLate", "labels": {"job": "nightly"},
        "annotations": {"summary": "no backup for 26 h"}, "starts_at": STARTS_AT_MS}]});
    let (status, reply) = send(&s, "/api/v1/alerts", &generic).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["group"], "generic:BackupLate");
    let book = book(&s).await;
    assert_eq!(book.inbox().len(), 2);
    let g = book
        .group("grafana:{}/{}:{alertname=\"High memory usage\"}")
        .unwrap();
    assert_eq!(g.earliest_start(), Some(CLOCK_START_MS - 120_000 + 123));
    assert_eq!(
        g.alerts["c6eadffa33fcdf37"].annotations["description"],
        "memory over 90%"
    );
    let b = book.group("generic:BackupLate").unwrap();
    assert_eq!(b.alerts.values().next().unwrap().labels["job"], "nightly");
}

#[tokio::test]
async fn malformed_payloads_are_refused_with_400_and_store_nothing() {
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir)).with_monitor(&data_dir(&dir));
    let bad_time = {
        let mut a = am_alert("aaaaaaaaaaaaaaa1", "firing", "web-1");
        a["startsAt"] = json!("five minutes ago");
        alertmanager(vec![a])
    };
    let bad_status = alertmanager(vec![am_alert("aaaaaaaaaaaaaaa1", "on fire", "web-1")]);
    let mut wrong_version = alertmanager(vec![am_alert("aaaaaaaaaaaaaaa1", "firing", "web-1")]);
    wrong_version["version"] = json!("3");
    // One good alert and one bad: the whole payload is refused.
    let mixed = alertmanager(vec![
        am_alert("aaaaaaaaaaaaaaa1", "firing", "web-1"),
        am_alert("", "firing", &"x".repeat(2000)),
    ]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "/api/v1/alerts/alertmanager",
            b"{\"version\":\"4\",".to_vec(),
            "not an Alertmanager webhook JSON",
        ),
        (
            "/api/v1/alerts/alertmanager",
            serde_json::to_vec(&bad_time).unwrap(),
            "startsAt",
        ),
        (
            "/api/v1/alerts/alertmanager",
            serde_json::to_vec(&bad_status).unwrap(),
            "on fire",
        ),
        (
            "/api/v1/alerts/alertmanager",
            serde_json::to_vec(&wrong_version).unwrap(),
            "version \"3\"",
        ),
        (
            "/api/v1/alerts/alertmanager",
            serde_json::to_vec(&mixed).unwrap(),
            "alert 1",
        ),
        (
            "/api/v1/alerts/grafana",
            serde_json::to_vec(&json!({"alerts": []})).unwrap(),
            "not a Grafana",
        ),
        (
            "/api/v1/alerts",
            br#"{"alerts":[{"name":"A","severity":"high"}]}"#.to_vec(),
            "unknown field",
        ),
        (
            "/api/v1/alerts",
            br#"{"alerts":[{"labels":{"x":"y"}}]}"#.to_vec(),
            "needs a name",
        ),
        (
            "/api/v1/alerts",
            br#"[1,2,3]"#.to_vec(),
            "generic alert JSON",
        ),
    ];
    for (path, body, why) in cases {
        let (status, reply) = send_raw(&s, path, "application/json", body).await;
        assert_eq!(status, 400, "{path} {why}: {reply}");
        let error = reply["error"].as_str().unwrap_or_default();
        assert!(error.contains(why), "{path}: {error:?} should say {why:?}");
    }
    let (status, _) = send_raw(&s, "/api/v1/alerts", "text/plain", b"{}".to_vec()).await;
    assert_eq!(status, 415);
    let huge = vec![b' '; sitrep_core::alerts::intake::MAX_BODY_BYTES + 1];
    let (status, _) = send_raw(&s, "/api/v1/alerts", "application/json", huge).await;
    assert_eq!(status, 413);
    assert!(events(&s).await.is_empty(), "nothing was stored");
}

#[tokio::test]
async fn repeats_are_stored_once_and_a_state_change_is_news() {
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir)).with_monitor(&data_dir(&dir));
    let firing = alertmanager(vec![am_alert("aaaaaaaaaaaaaaa1", "firing", "web-1")]);
    for n in 0..5 {
        let (status, reply) = send(&s, "/api/v1/alerts/alertmanager", &firing).await;
        assert_eq!(status, 200, "{reply}");
        let expect = if n == 0 { (1, 0) } else { (0, 1) };
        assert_eq!(
            (
                reply["new"].as_u64().unwrap(),
                reply["duplicates"].as_u64().unwrap()
            ),
            expect
        );
    }
    // Alertmanager resends with new annotation values: still a repeat.
    let mut reworded = firing.clone();
    reworded["alerts"][0]["annotations"]["summary"] = json!("5xx at 7%");
    assert_eq!(
        send(&s, "/api/v1/alerts/alertmanager", &reworded).await.1["new"],
        0
    );
    let resolved = alertmanager(vec![am_alert("aaaaaaaaaaaaaaa1", "resolved", "web-1")]);
    assert_eq!(
        send(&s, "/api/v1/alerts/alertmanager", &resolved).await.1["new"],
        1
    );
    assert_eq!(
        send(&s, "/api/v1/alerts/alertmanager", &resolved).await.1["new"],
        0
    );
    let all = events(&s).await;
    assert_eq!(kinds(&all), ["alerts_received", "alerts_received"]);
    assert!(book(&s).await.inbox().is_empty(), "nothing fires any more");
}

#[tokio::test]
async fn a_storm_of_1000_alerts_in_a_second_is_one_inbox_entry_per_group_and_one_event_per_second()
{
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir)).with_monitor(&data_dir(&dir));
    // A viewer's console, listening.
    let (mut ws, _) = tokio_tungstenite::connect_async(s.ws_as("viewer", "/api/v1/stream"))
        .await
        .unwrap();
    // 100 POSTs at once of 10 alerts each, over four groups (services).
    let client = s.client_as("monitor");
    let started = std::time::Instant::now();
    let posts: Vec<_> = (0..100)
        .map(|p| {
            let service = format!("svc-{}", p % 4);
            let alerts = (0..10)
                .map(|i| {
                    let n = p * 10 + i;
                    let mut a = am_alert(&format!("{n:016x}"), "firing", &format!("web-{n}"));
                    a["labels"]["service"] = json!(service);
                    a
                })
                .collect();
            let mut body = alertmanager(alerts);
            body["groupKey"] = json!(format!("{{}}:{{service=\"{service}\"}}"));
            let (client, url) = (client.clone(), s.url("/api/v1/alerts/alertmanager"));
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for p in posts {
        statuses.push(p.await.unwrap().unwrap());
    }
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let all = events(&s).await;
    let received: Vec<&Event> = all
        .iter()
        .filter(|e| e.body.kind() == "alerts_received")
        .collect();
    let book = AlertBook::of(all.iter().filter(|e| e.incident.is_alerts()));
    assert_eq!(book.inbox().len(), 4, "one inbox entry per group");
    for g in book.inbox() {
        assert_eq!(g.firing(), 250);
        // At most one event per group per second, by the server's clock.
        let ats: Vec<i64> = received
            .iter()
            .filter(|e| matches!(&e.body, sitrep_core::EventBody::AlertsReceived { group, .. } if *group == g.id))
            .map(|e| e.at)
            .collect();
        assert!(
            ats.windows(2).all(|w| w[1] - w[0] >= 1000),
            "{}: {ats:?}",
            g.id
        );
        assert!(
            ats.len() as u64 <= elapsed.as_secs() + 2,
            "{} events in {elapsed:?}",
            ats.len()
        );
    }
    // The console heard those few events, not a thousand.
    use futures_util::StreamExt;
    let mut heard = 0;
    while heard < received.len() {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("the stream carries every stored event")
            .unwrap()
            .unwrap();
        if msg
            .to_text()
            .is_ok_and(|t| t.contains("\"kind\":\"alerts_received\""))
        {
            heard += 1;
        }
    }
    // Memory stays bounded: nothing waits once every POST is answered.
    let metrics = text_as(&s, "monitor", "/metrics").await;
    assert!(metrics.contains("sitrep_alerts_waiting 0"), "{metrics}");
    assert!(
        metrics.contains("sitrep_alerts_total{outcome=\"new\",source=\"alertmanager\"} 1000"),
        "{metrics}"
    );
}

#[tokio::test]
async fn triage_through_the_api_is_held_to_the_inbox_as_stored() {
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir)).with_monitor(&data_dir(&dir));
    let firing = alertmanager(vec![am_alert("aaaaaaaaaaaaaaa1", "firing", "web-1")]);
    send(&s, "/api/v1/alerts/alertmanager", &firing).await;
    let episode = events(&s).await[0].id.0.to_string();
    let ev = |id: &str, incident: &str, body: Value| json!({"id": id, "incident": incident, "author": "x", "at": CLOCK_START_MS, "body": body});
    let linked = |started_at: i64| {
        json!({"kind": "alerts_linked", "group": AM_GROUP, "episode": episode,
        "source": "alertmanager", "title": "HighErrorRate", "alerts": 1, "started_at": started_at})
    };
    let declared = ev(
        "d1",
        "inc-1",
        json!({"kind": "declared", "title": "Checkout errors", "severity": "sev2", "started_at": STARTS_AT_MS}),
    );
    // A client claiming an earlier detection than the alerts show is refused.
    let (status, reply) = post(
        &s,
        &[
            declared.clone(),
            ev("l0", "inc-1", linked(STARTS_AT_MS - 5_000)),
        ],
    )
    .await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["id"], "l0");
    let stale = ev(
        "x1",
        "alerts",
        json!({"kind": "alert_group_dismissed", "group": AM_GROUP, "episode": "not-it", "reason": "flake"}),
    );
    assert_eq!(post(&s, &[stale]).await.0, 422);
    let attach = ev(
        "a1",
        "alerts",
        json!({"kind": "alert_group_attached", "group": AM_GROUP, "episode": episode, "incident": "inc-1"}),
    );
    let (status, reply) = post(
        &s,
        &[declared, ev("l1", "inc-1", linked(STARTS_AT_MS)), attach],
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    // Attached: someone else cannot take it to another incident or dismiss it.
    let elsewhere = ev(
        "a2",
        "alerts",
        json!({"kind": "alert_group_attached", "group": AM_GROUP, "episode": episode, "incident": "inc-2"}),
    );
    let (status, reply) = post(&s, &[elsewhere]).await;
    assert_eq!(status, 422);
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("already attached to incident inc-1"),
        "{reply}"
    );
    // A viewer may not triage at all; a monitor may not post events.
    let dismiss = ev(
        "x2",
        "alerts",
        json!({"kind": "alert_group_dismissed", "group": AM_GROUP, "episode": episode, "reason": "r"}),
    );
    assert_eq!(
        post_as(&s, "viewer", std::slice::from_ref(&dismiss))
            .await
            .0,
        403
    );
    assert_eq!(post_as(&s, "monitor", &[dismiss]).await.0, 403);
    // The alert resolves: an entry on the incident, which stays open.
    let resolved = alertmanager(vec![am_alert("aaaaaaaaaaaaaaa1", "resolved", "web-1")]);
    assert_eq!(
        send(&s, "/api/v1/alerts/alertmanager", &resolved).await.0,
        200
    );
    let all = events(&s).await;
    let on_incident: Vec<&Event> = all.iter().filter(|e| &*e.incident.0 == "inc-1").collect();
    assert_eq!(
        kinds(&on_incident.iter().map(|e| (*e).clone()).collect::<Vec<_>>()),
        ["declared", "alerts_linked", "alerts_changed"]
    );
    let mut inc = sitrep_core::Incident::new(IncidentId::from("inc-1"));
    on_incident.iter().for_each(|e| inc.apply(e));
    assert_eq!(inc.detected_at, Some(STARTS_AT_MS));
    assert_eq!(inc.time_to_detect_ms(), Some(0));
    assert!(
        inc.status.is_open(),
        "a resolved alert never resolves the incident"
    );
}

#[tokio::test]
async fn a_rule_that_opens_an_incident_at_once_declares_it_from_the_first_alert() {
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir)).with_monitor(&data_dir(&dir));
    let rules = json!({"id": "rules-1", "incident": "workspace", "author": "x", "at": CLOCK_START_MS,
        "body": {"kind": "alert_routes_set", "routes": [{"name": "Checkout pages",
            "matchers": [{"label": "service", "op": "equals", "value": "checkout"}],
            "components": ["checkout"], "severity": "sev1", "open_incident": true}]}});
    assert_eq!(post_as(&s, "admin", &[rules]).await.0, 200);
    let firing = alertmanager(vec![am_alert("aaaaaaaaaaaaaaa1", "firing", "web-1")]);
    assert_eq!(
        send(&s, "/api/v1/alerts/alertmanager", &firing).await.0,
        200
    );
    let all = events(&s).await;
    let declared = all
        .iter()
        .find(|e| e.body.kind() == "declared")
        .expect("an incident was declared");
    let mut inc = sitrep_core::Incident::new(declared.incident.clone());
    all.iter()
        .filter(|e| e.incident == declared.incident)
        .for_each(|e| inc.apply(e));
    assert_eq!(inc.severity, sitrep_core::Severity::Sev1);
    assert_eq!(inc.detected_at, Some(STARTS_AT_MS));
    assert!(inc
        .components
        .contains_key(&sitrep_core::ComponentId("checkout".into())));
    assert!(book(&s).await.inbox().is_empty(), "it skipped the inbox");
}

#[tokio::test]
async fn the_inbox_survives_a_restart_and_repeats_after_it_are_still_repeats() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let firing = alertmanager(vec![am_alert("aaaaaaaaaaaaaaa1", "firing", "web-1")]);
    {
        let s = Running::start(&data).with_monitor(&data);
        assert_eq!(
            send(&s, "/api/v1/alerts/alertmanager", &firing).await.1["new"],
            1
        );
        s.kill();
    }
    let mut s = Running::start(&data);
    s.tokens.insert("monitor", create_token(&data, "monitor"));
    let (status, reply) = send(&s, "/api/v1/alerts/alertmanager", &firing).await;
    assert_eq!(
        (status, reply["duplicates"].as_u64()),
        (200, Some(1)),
        "{reply}"
    );
    assert_eq!(book(&s).await.inbox().len(), 1);
    assert_eq!(events(&s).await.len(), 1);
}
