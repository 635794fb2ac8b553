//! Sign-in under attack, against the real binary: password hashes are
//! bounded (memory stays small), one address is limited whatever names it
//! tries, and the real owner is not locked out by someone else's guesses.
//! Clients take other loopback addresses (127.0.0.x) to be other machines.

mod common;

use common::*;
use serde_json::json;
use std::net::IpAddr;
use std::time::Duration;

fn from(address: &str) -> reqwest::Client {
    let ip: IpAddr = address.parse().unwrap();
    reqwest::Client::builder()
        .local_address(ip)
        .build()
        .unwrap()
}

async fn sign_in_from(
    c: &reqwest::Client,
    s: &Running,
    name: &str,
    password: &str,
) -> reqwest::Response {
    c.post(s.url("/api/v1/session"))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .expect("the server answers")
}

/// The process's peak resident memory so far, in MiB (VmHWM).
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("a VmHWM line");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib / 1024
}

async fn burst(s: &Running, addresses: impl Fn(usize) -> String) -> Vec<(u16, Option<String>)> {
    let mut all = Vec::new();
    for i in 0..64 {
        let c = from(&addresses(i));
        let url = s.url("/api/v1/session");
        all.push(tokio::spawn(async move {
            let r = c
                .post(url)
                .json(&json!({"name": format!("stranger-{i}"), "password": "guess guess guess"}))
                .send()
                .await
                .unwrap();
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            (r.status().as_u16(), retry)
        }));
    }
    let mut out = Vec::new();
    for a in all {
        out.push(a.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_sign_ins_with_different_names_keep_the_server_under_200_mb() {
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir));
    let before = peak_rss_mib(s.pid());

    // From one address: limited by address, and only a few hash at once.
    let one = burst(&s, |_| "127.0.0.1".into()).await;
    for (status, _) in &one {
        assert!([401, 429, 503].contains(status), "{one:?}");
    }
    assert!(
        one.iter().any(|(st, _)| *st == 429),
        "the address limit applies: {one:?}"
    );

    // From 64 addresses: no address limit helps, the hash queue does.
    let many = burst(&s, |i| format!("127.0.1.{}", i + 1)).await;
    for (status, retry) in &many {
        assert!([401, 503].contains(status), "{many:?}");
        if *status == 503 {
            assert_eq!(retry.as_deref(), Some("1"), "503 says when to come back");
        }
    }
    let busy = many.iter().filter(|(st, _)| *st == 503).count();
    assert!(busy > 0, "a full hash queue answers 503 at once: {many:?}");
    assert!(many.iter().any(|(st, _)| *st == 401), "some were checked");

    let peak = peak_rss_mib(s.pid());
    println!("peak RSS {before} MiB at start, {peak} MiB after 128 sign-ins ({busy} refused busy)");
    assert!(peak < 200, "peak RSS {peak} MiB");

    // And the server is still there for the real owner, from elsewhere.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let owner = sign_in_from(&from("127.0.2.1"), &s, "admin", PASSWORD).await;
    assert_eq!(owner.status(), 200);
}

#[tokio::test]
async fn one_address_trying_many_names_is_limited_and_another_address_is_not() {
    let dir = temp_dir();
    let s = Running::start(&data_dir(&dir));
    let attacker = from("127.0.0.5");
    let mut statuses = Vec::new();
    for i in 0..24 {
        let r = sign_in_from(&attacker, &s, &format!("name-{i}"), "guess guess guess").await;
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            let wait: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=2).contains(&wait), "{wait}");
        }
    }
    assert_eq!(&statuses[..20], &[401; 20], "{statuses:?}");
    assert_eq!(&statuses[20..], &[429; 4], "{statuses:?}");
    let elsewhere = sign_in_from(&from("127.0.0.6"), &s, "viewer", PASSWORD).await;
    assert_eq!(elsewhere.status(), 200);
}
