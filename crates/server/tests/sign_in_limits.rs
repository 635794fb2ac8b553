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
    let s = fresh_server();
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
    let s = fresh_server();
    let attacker = from("127.0.0.5");
    let mut statuses = Vec::new();
    let began = std::time::Instant::now();
    for i in 0..26 {
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
    // A burst of twenty, then one every two seconds (refilled meanwhile).
    let refilled = (began.elapsed().as_secs_f64() / 2.0).ceil() as usize;
    assert_eq!(&statuses[..20], &[401; 20], "{statuses:?}");
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= 20 + refilled, "{checked} checked: {statuses:?}");
    assert!(statuses[20..].contains(&429), "{statuses:?}");
    let elsewhere = sign_in_from(&from("127.0.0.6"), &s, "viewer", PASSWORD).await;
    assert_eq!(elsewhere.status(), 200);
}

#[tokio::test]
async fn ten_wrong_passwords_from_one_address_do_not_lock_the_owner_out_and_that_address_backs_off()
{
    let s = fresh_server();
    let attacker = from("127.0.0.7");
    let mut seen = Vec::new();
    for _ in 0..10 {
        let r = sign_in_from(&attacker, &s, "admin", "is it this one?").await;
        let retry = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
        seen.push((r.status().as_u16(), retry));
    }
    // Five wrong ones are free; then the address waits a second, and twice
    // as long after each further failure.
    assert_eq!(&seen[..5], &[(401, None); 5], "{seen:?}");
    assert!(seen[5..].iter().all(|(st, _)| *st == 429), "{seen:?}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let sixth = sign_in_from(&attacker, &s, "admin", "or this one?").await;
    assert_eq!(sixth.status(), 401, "after the wait, one more try");
    let r = sign_in_from(&attacker, &s, "admin", "this one then").await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "2", "the wait doubled");

    // The owner, meanwhile, signs in from their own machine at once.
    let owner = sign_in_from(&from("127.0.0.8"), &s, "admin", PASSWORD).await;
    assert_eq!(owner.status(), 200);
    // Even the right password waits at the guessing address: it could be a
    // lucky guess as well as the owner.
    let right = sign_in_from(&attacker, &s, "admin", PASSWORD).await;
    assert_eq!(right.status(), 429);
}
