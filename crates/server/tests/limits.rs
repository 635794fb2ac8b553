//! Limits against the real binary: per-account rate (429 + Retry-After),
//! security headers on every response, and a websocket client that stops
//! reading is dropped while the others keep receiving.

mod common;

use common::*;
use futures_util::StreamExt;
use std::time::Duration;

#[tokio::test]
async fn posting_faster_than_the_rate_is_answered_429_with_retry_after_per_account() {
    let dir = temp_dir();
    let s = Running::start_with_args(
        &data_dir(&dir),
        &dir.path().join("none"),
        &["--post-rate", "1", "--post-burst", "3"],
    );
    for i in 0..3 {
        let (status, body) = post(&s, &[note(&format!("b-{i}"), "x")]).await;
        assert_eq!(status, 200, "{body}");
    }
    let resp = s
        .client()
        .post(s.url("/api/v1/events"))
        .json(&serde_json::json!({"events": [note("b-3", "x")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    // Another account has its own bucket.
    let other = s
        .client_as("admin")
        .post(s.url("/api/v1/events"))
        .json(&serde_json::json!({"events": [note("a-0", "x")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _) = post(&s, &[note("b-3", "x")]).await;
    assert_eq!(status, 200, "the bucket refills");
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_the_page_allows_only_its_own_inline_script(
) {
    let dir = temp_dir();
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><script type=\"module\">import init from '/a.js';</script><title>x</title>",
    )
    .unwrap();
    let s = Running::start_with_static(&data_dir(&dir), &dist);
    for path in [
        "/api/v1/health",
        "/api/v1/events",
        "/api/v1/nope",
        "/",
        "/missing.js",
    ] {
        let r = client().get(s.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("'wasm-unsafe-eval'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        if path == "/" {
            // sha256 of "import init from '/a.js';"
            let hash = "'sha256-";
            assert_eq!(csp.matches(hash).count(), 1, "{csp}");
        }
    }
}

#[tokio::test]
async fn a_stream_client_that_stops_reading_is_dropped_and_the_others_get_every_event() {
    let dir = temp_dir();
    let s = Running::start_with_args(
        &data_dir(&dir),
        &dir.path().join("none"),
        &[
            "--post-rate",
            "100000",
            "--post-burst",
            "100000",
            "--ws-send-timeout-ms",
            "500",
        ],
    );
    // The slow one never reads, so its socket buffers fill up.
    let (slow, _) = tokio_tungstenite::connect_async(s.ws("/api/v1/stream"))
        .await
        .unwrap();
    let (mut fast, _) = tokio_tungstenite::connect_async(s.ws("/api/v1/stream"))
        .await
        .unwrap();
    let big = "x".repeat(60_000);
    let total = 300;
    let reader = tokio::spawn(async move {
        let mut got = 0;
        while got < total {
            match tokio::time::timeout(Duration::from_secs(20), fast.next()).await {
                Ok(Some(Ok(m))) if m.is_text() => {
                    if m.to_text().unwrap().contains("\"type\":\"event\"") {
                        got += 1;
                    }
                }
                Ok(Some(Ok(_))) => {}
                other => panic!("the fast client stopped after {got}: {other:?}"),
            }
        }
        got
    });
    for chunk in 0..(total / 10) {
        let batch: Vec<_> = (0..10)
            .map(|i| note(&format!("s-{chunk}-{i}"), &big))
            .collect();
        let (status, body) = post(&s, &batch).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(reader.await.unwrap(), total);
    // 18 MB went by; the slow client's socket was closed by the server.
    let mut slow = slow;
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match slow.next().await {
                None | Some(Err(_)) => return true,
                Some(Ok(m)) if m.is_close() => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert_eq!(
        closed,
        Ok(true),
        "the server dropped the client that stopped reading"
    );
}
