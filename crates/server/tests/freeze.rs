//! GET /api/v1/freeze against the real binary: the policy and a resolved
//! customer-impacting incident make a freeze with the right end; ending it
//! early lifts it; a manual freeze reports itself; who may ask.

mod common;

use common::*;
use serde_json::{json, Value};
use sitrep_core::aftermath::freeze::FreezePolicy;
use sitrep_core::time::zone::Date;

/// 2026-11-25T10:00:00Z, a Wednesday: the server's clock starts here, so the
/// freeze is computed on the same weekday whatever day the tests run.
const WEDNESDAY_10H_UTC: i64 = 1_795_600_800_000;

/// A server whose clock starts at `WEDNESDAY_10H_UTC`, and the test's reading
/// of that clock. The reading starts once the server is up, so it never runs
/// ahead of the server's own.
fn start_on_a_wednesday(data: &std::path::Path) -> (Running, impl Fn() -> i64) {
    let start = WEDNESDAY_10H_UTC.to_string();
    let s = Running::start_with_args(
        data,
        &data.join("no-console"),
        &[
            "--post-rate",
            "100000",
            "--post-burst",
            "100000",
            "--clock-start-ms",
            &start,
        ],
    );
    let anchor = std::time::Instant::now();
    (s, move || {
        WEDNESDAY_10H_UTC + anchor.elapsed().as_millis() as i64
    })
}

fn event(id: &str, stream: &str, at: i64, body: Value) -> Value {
    json!({"id": id, "incident": stream, "author": "x", "at": at, "body": body})
}

async fn freeze_as(s: &Running, role: Option<&str>) -> (u16, Value) {
    let c = match role {
        Some(r) => s.client_as(r),
        None => client(),
    };
    let resp = c.get(s.url("/api/v1/freeze")).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn a_resolved_customer_impacting_incident_freezes_changes_until_ended_early() {
    let dir = temp_dir();
    let (s, now_ms) = start_on_a_wednesday(&data_dir(&dir));
    let (status, body) = freeze_as(&s, Some("viewer")).await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");

    let t0 = now_ms();
    // Wednesday and Thursday are holidays, so a freeze resolved on Wednesday
    // counts from Friday 00:00 in Berlin.
    let today = Date(t0.div_euclid(86_400_000));
    assert_eq!(today.to_string(), "2026-11-25");
    let holidays = [today.to_string(), today.next().to_string()];
    post_ok_as(
        &s,
        "admin",
        &[event(
            "policy",
            "workspace",
            t0 - 60_000,
            json!({"kind": "freeze_policy_set", "business_days": 3,
                   "time_zone": "Europe/Berlin", "holidays": holidays}),
        )],
    )
    .await;
    let resolved = t0 - 10_000;
    post_ok_as(
        &s,
        "responder",
        &[
            event(
                "d",
                "inc-f",
                t0 - 50_000,
                json!({"kind": "declared", "title": "Payments failing", "severity": "sev1",
                       "started_at": t0 - 55_000}),
            ),
            event(
                "i",
                "inc-f",
                t0 - 40_000,
                json!({"kind": "impact_set", "customer_impact": true}),
            ),
            event(
                "r",
                "inc-f",
                resolved,
                json!({"kind": "status_changed", "status": "resolved"}),
            ),
        ],
    )
    .await;

    let (status, body) = freeze_as(&s, Some("viewer")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], true, "{body}");
    assert_eq!(body["source"], "incident");
    assert_eq!(body["incident"], "inc-f");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("Payments failing"),
        "{body}"
    );
    let policy = FreezePolicy {
        business_days: 3,
        time_zone: "Europe/Berlin".into(),
        holidays: holidays.iter().map(|d| Date::parse(d).unwrap()).collect(),
    };
    let until = body["until"].as_i64().unwrap();
    assert_eq!(until, policy.calendar().add_business_days(resolved, 3));
    // Friday, Monday, Tuesday: it ends as Wednesday 2 December begins in
    // Berlin (23:00 UTC the evening before).
    assert_eq!(body["until_utc"], "2026-12-01T23:00:00Z", "{body}");

    // A token of any role may ask; nobody signed in may not.
    let (status, _) = freeze_as(&s, Some("admin")).await;
    assert_eq!(status, 200);
    let (status, body) = freeze_as(&s, None).await;
    assert_eq!(status, 401, "{body}");

    // An admin ends it early, with a reason.
    post_ok_as(
        &s,
        "admin",
        &[event(
            "end",
            "workspace",
            now_ms(),
            json!({"kind": "freeze_ended", "reason": "Hotfix for a security issue"}),
        )],
    )
    .await;
    let (_, body) = freeze_as(&s, Some("viewer")).await;
    assert_eq!(body["active"], false, "{body}");
    assert!(body["until"].is_null());

    // A manual freeze after that is on, and says so.
    let later = now_ms() + 5;
    start_manual_freeze(&s, later, later + 3_600_000, "Quarter-end close").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (_, body) = freeze_as(&s, Some("responder")).await;
    assert_eq!(body["active"], true, "{body}");
    assert_eq!(body["source"], "manual");
    assert_eq!(body["reason"], "Quarter-end close");
    assert_eq!(body["until"], later + 3_600_000);
    assert!(body["incident"].is_null());
}

#[tokio::test]
async fn a_freeze_policy_with_an_unknown_zone_is_refused_and_changes_nothing() {
    let s = fresh_server();
    let resp = s
        .client_as("admin")
        .post(s.url("/api/v1/events"))
        .json(&json!({"events": [event("p", "workspace", 0,
            json!({"kind": "freeze_policy_set", "business_days": 3, "time_zone": "Mars/Base"}))]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("Mars/Base"),
        "{body}"
    );
    assert!(whole_log(&s).await.is_empty());
}

#[tokio::test]
async fn maintenance_during_a_freeze_needs_a_reason_which_the_log_keeps() {
    let dir = temp_dir();
    let (s, now_ms) = start_on_a_wednesday(&data_dir(&dir));
    let t0 = now_ms();
    start_manual_freeze(&s, t0, t0 + 86_400_000, "Quarter-end close").await;
    let stored_before = whole_log(&s).await.len();
    let plan = |id: &str, reason: Option<&str>| {
        let mut body = json!({"kind": "maintenance_planned", "title": "Database upgrade",
            "starts_at": t0 + 3_600_000, "ends_at": t0 + 7_200_000});
        if let Some(r) = reason {
            body["freeze_reason"] = json!(r);
        }
        event(id, "mnt-1", t0 + 10, body)
    };

    // Planned inside the freeze with no reason, or a blank one: refused,
    // named, and nothing stored.
    for reason in [None, Some("  ")] {
        let (status, body) = post_as(&s, "responder", &[plan("p1", reason)]).await;
        assert_eq!(status, 422, "{body}");
        let why = body["error"].as_str().unwrap();
        assert!(why.contains("Quarter-end close"), "{body}");
        assert!(why.contains("freeze_reason"), "{body}");
        assert_eq!(whole_log(&s).await.len(), stored_before);
    }

    // With a reason it is stored, reason and all.
    post_ok_as(
        &s,
        "responder",
        &[plan("p1", Some("Security patch cannot wait"))],
    )
    .await;
    let (_, page) = get_json(&s, "/api/v1/events?after=0&limit=1000").await;
    let planned = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "p1")
        .cloned()
        .unwrap();
    assert_eq!(
        planned["body"]["freeze_reason"],
        "Security patch cannot wait"
    );

    // Starting it while the freeze is on needs its own reason.
    let start = |id: &str, body: Value| event(id, "mnt-1", now_ms(), body);
    let (status, body) = post_as(
        &s,
        "responder",
        &[start("s1", json!({"kind": "maintenance_started"}))],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    post_ok_as(
        &s,
        "responder",
        &[start(
            "s1",
            json!({"kind": "maintenance_started", "freeze_reason": "Patch approved by the CTO"}),
        )],
    )
    .await;

    // Once the freeze is ended early, nothing more is asked.
    post_ok_as(
        &s,
        "admin",
        &[event(
            "end",
            "workspace",
            now_ms(),
            json!({"kind": "freeze_ended", "reason": "Close done"}),
        )],
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let later = now_ms() + 5;
    post_ok_as(
        &s,
        "responder",
        &[event(
            "p2",
            "mnt-2",
            later,
            json!({"kind": "maintenance_planned", "title": "Cache resize",
                   "starts_at": later + 3_600_000, "ends_at": later + 7_200_000}),
        )],
    )
    .await;
}
