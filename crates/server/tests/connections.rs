//! Connections against the real binary, over raw TCP: a half-sent request
//! head, an idle keep-alive and a slowly sent body are closed in time, and
//! one address cannot hold more than its share of connections.

mod common;

use common::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

async fn connect_from(s: &Running, local: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    socket.connect(s.addr.parse().unwrap()).await.unwrap()
}

/// Reads until the server closes the connection (or `limit` passes, which
/// fails the test); returns what was read and when it closed.
async fn read_until_closed(tcp: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let began = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(began.elapsed()), tcp.read(&mut buf)).await
        {
            Ok(Ok(0)) | Ok(Err(_)) => {
                return (String::from_utf8_lossy(&got).into(), began.elapsed())
            }
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "still open after {limit:?}; read {:?}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
}

fn quick(dir: &tempfile::TempDir, extra: &[&str]) -> Running {
    let mut args = vec![
        "--header-timeout-ms",
        "1000",
        "--request-timeout-ms",
        "1500",
    ];
    args.extend_from_slice(extra);
    Running::start_with_args(&data_dir(dir), &dir.path().join("none"), &args)
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_after_the_header_timeout() {
    let dir = temp_dir();
    let s = quick(&dir, &[]);
    let mut tcp = connect_from(&s, "127.0.0.1").await;
    tcp.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let (answer, took) = read_until_closed(&mut tcp, Duration::from_secs(5)).await;
    println!("half-sent head closed after {took:?}: {answer:?}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(!answer.contains("200 OK"), "{answer}");

    // A connection that never sends anything is closed the same way.
    let mut silent = connect_from(&s, "127.0.0.1").await;
    let (_, took) = read_until_closed(&mut silent, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(900), "{took:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_and_a_slow_body_is_answered_408() {
    let dir = temp_dir();
    let s = quick(&dir, &[]);
    let mut tcp = connect_from(&s, "127.0.0.1").await;
    tcp.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (answer, took) = read_until_closed(&mut tcp, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        took >= Duration::from_millis(900),
        "kept alive a while: {took:?}"
    );

    let token = &s.tokens["responder"];
    let mut slow = connect_from(&s, "127.0.0.1").await;
    let head = format!(
        "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"events\":"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let (answer, took) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    println!("slow body answered after {took:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("the request took over 1.5 s"), "{answer}");
}

#[tokio::test]
async fn one_address_holds_at_most_its_share_of_connections_and_others_are_served() {
    let dir = temp_dir();
    let s = Running::start_with_args(
        &data_dir(&dir),
        &dir.path().join("none"),
        &["--max-connections-per-address", "4"],
    );
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect_from(&s, "127.0.0.9").await);
    }
    // Make sure the server has taken all four before the fifth.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fifth = connect_from(&s, "127.0.0.9").await;
    let _ = fifth
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let (answer, took) = read_until_closed(&mut fifth, Duration::from_secs(2)).await;
    assert_eq!(answer, "", "closed unanswered");
    assert!(took < Duration::from_secs(1), "{took:?}");

    // Another address is served meanwhile.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.10".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let r = other.get(s.url("/api/v1/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // One closed, and that address has a place again.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = connect_from(&s, "127.0.0.9").await;
    again
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (answer, _) = read_until_closed(&mut again, Duration::from_secs(2)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
