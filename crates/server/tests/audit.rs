//! The audit trail against the real binary: paged by a cursor, filtered by
//! kind and account, and failed sign-ins counted per name, address and
//! minute so that a flood of them cannot bury the rest.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

async fn audit(s: &Running, query: &str) -> (u16, Value) {
    let r = s
        .client_as("admin")
        .get(s.url(&format!("/api/v1/audit{query}")))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Every entry the query selects, page by page through `next`.
async fn every_page(s: &Running, filter: &str, limit: usize) -> Vec<Value> {
    let mut all = Vec::new();
    let mut before = String::new();
    loop {
        let (status, page) = audit(s, &format!("?limit={limit}{filter}{before}")).await;
        assert_eq!(status, 200, "{page}");
        let entries = page["entries"].as_array().unwrap();
        assert!(entries.len() <= limit);
        all.extend(entries.iter().cloned());
        match page["next"].as_i64() {
            Some(next) => before = format!("&before={next}"),
            None => return all,
        }
    }
}

/// Signs in wrongly once as `name` from `address`; retries a 503 (the
/// hash queue is full) so that every attempt is a checked failure.
async fn fail_once(c: &reqwest::Client, url: &str, name: &str) {
    loop {
        let r = c
            .post(url)
            .json(&json!({"name": name, "password": "not the password"}))
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            401 => return,
            503 => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            other => panic!("{other} for {name}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_failed_sign_ins_are_counted_per_name_address_and_minute_and_bury_nothing() {
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir));
    // 53 addresses each try four names five times (within their limits):
    // 1,060 wrong passwords.
    let names = ["admin", "root", "viewer", "ana"];
    let url = Arc::new(s.url("/api/v1/session"));
    let gate = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = Vec::new();
    for a in 0..53 {
        let ip: IpAddr = format!("127.0.3.{}", a + 1).parse().unwrap();
        let c = reqwest::Client::builder()
            .local_address(ip)
            .build()
            .unwrap();
        let (url, gate) = (url.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _turn = gate.acquire().await.unwrap();
            for name in names {
                for _ in 0..5 {
                    fail_once(&c, &url, name).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Something an admin does after the flood.
    let out = create_account(&data_dir(&dir), "eve", "viewer", PASSWORD);
    assert!(out.status.success());

    // Counted: one line per name and address (per minute), adding up.
    let failed = every_page(&s, "&kind=sign_in_failed", 100).await;
    let total: u64 = failed.iter().map(|e| e["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 1060);
    let pairs: BTreeSet<(String, String)> = failed
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["address"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(pairs.len(), 53 * 4);
    // At most a minute boundary splits a pair's line in two.
    assert!(failed.len() <= 2 * pairs.len(), "{} lines", failed.len());
    let line = &failed[0];
    assert!(line["last_at"].as_i64() >= line["at"].as_i64());

    // Nothing else was pushed out: the whole trail, paged, has every
    // account made and every token, newest first without repeats.
    let all = every_page(&s, "", 37).await;
    let ids: Vec<i64> = all.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first, once each"
    );
    let made: BTreeSet<&str> = all
        .iter()
        .filter(|e| e["action"] == "account_created")
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        made,
        BTreeSet::from(["admin", "communicator", "eve", "responder", "viewer"])
    );
    assert_eq!(
        all.iter()
            .filter(|e| e["action"] == "token_created")
            .count(),
        4
    );

    // The first page of a filter is what was asked for.
    let (_, created) = audit(&s, "?kind=account_created").await;
    assert_eq!(created["entries"].as_array().unwrap().len(), 5);
    assert!(created.get("next").is_none(), "one page: {created}");
    assert_eq!(created["entries"][0]["subject"], "eve", "newest first");
    let (_, about) = audit(&s, "?account=viewer&kind=token_created").await;
    let about = about["entries"].as_array().unwrap();
    assert_eq!(about.len(), 1);
    assert_eq!(about[0]["subject"], "viewer");
    let (_, by_name) = audit(&s, "?account=viewer").await;
    let kinds: BTreeSet<&str> = by_name["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["account_created", "sign_in_failed", "token_created"]),
        "what viewer did and what was done to viewer"
    );
}

#[tokio::test]
async fn a_bad_audit_query_is_refused_naming_the_parameter() {
    let s = fresh_server();
    for (query, says) in [
        (
            "?kind=sign_in_fail",
            "there is no audit kind \"sign_in_fail\"",
        ),
        ("?limit=0", "limit is from 1 to 1000"),
        ("?limit=5000", "limit is from 1 to 1000"),
        ("?before=abc", "before is an entry id"),
        ("?before=-3", "before is an entry id"),
    ] {
        let (status, body) = audit(&s, query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(says),
            "{query}: {body}"
        );
    }
    let (status, _) = audit(&s, "?limit=2&before=1").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_csv_export_holds_what_the_filter_selects_and_is_itself_audited() {
    let s = fresh_server();
    let admin = s.client_as("admin");
    for (name, role) in [("bob", "viewer"), ("cat", "responder")] {
        let r = admin
            .post(s.url("/api/v1/accounts"))
            .json(&json!({"name": name, "role": role, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let (_, page) = audit(&s, "?kind=account_created").await;
    let created = page["entries"].as_array().unwrap().clone();

    let r = admin
        .get(s.url("/api/v1/audit.csv?kind=account_created"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = r.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename=\"sitrep-audit.csv\""),
        "{disposition}"
    );
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,at,last_at,count,actor,action,subject,address,detail"
    );
    // One row per entry the JSON page has, in the same order (newest first).
    let ids: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let want: Vec<String> = created.iter().map(|e| e["id"].to_string()).collect();
    assert_eq!(ids, want);
    assert!(lines[1..].iter().all(|l| l.contains(",account_created,")));
    assert!(
        lines
            .iter()
            .any(|l| l.contains(",admin,account_created,bob,")),
        "{csv}"
    );

    // The trail now says who exported what.
    let (_, page) = audit(&s, "?kind=audit_exported").await;
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{page}");
    assert_eq!(entries[0]["actor"], "admin");
    let detail = entries[0]["detail"].as_str().unwrap();
    assert!(detail.contains("kind=account_created"), "{detail}");
    assert!(
        detail.contains(&format!("{} entries", want.len())),
        "{detail}"
    );

    // By account: entries by or about that account only.
    let csv = admin
        .get(s.url("/api/v1/audit.csv?account=bob"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rows: Vec<&str> = csv.trim_end().split("\r\n").skip(1).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|l| l.contains(",bob,")), "{csv}");
    assert!(!csv.contains(",cat,"), "{csv}");
}

#[tokio::test]
async fn only_an_admin_may_export_and_a_bad_filter_is_refused_without_auditing() {
    let s = fresh_server();
    for role in ["viewer", "responder"] {
        let r = s
            .client_as(role)
            .get(s.url("/api/v1/audit.csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{role}");
    }
    let r = client()
        .get(s.url("/api/v1/audit.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    for (query, says) in [
        ("?kind=nope", "there is no audit kind \"nope\""),
        ("?limit=5", "not before or limit"),
        ("?before=3", "not before or limit"),
    ] {
        let r = s
            .client_as("admin")
            .get(s.url(&format!("/api/v1/audit.csv{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{query}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains(says),
            "{query}: {body}"
        );
    }
    let (_, page) = audit(&s, "?kind=audit_exported").await;
    assert_eq!(page["entries"], json!([]), "refusals export nothing");
}
