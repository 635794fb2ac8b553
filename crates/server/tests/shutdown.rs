//! Stopping the server: SIGTERM ends it promptly even while a client holds
//! a connection open, and what it stored is there after a restart.

mod common;
use common::*;
use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

#[tokio::test]
async fn sigterm_stops_the_server_even_with_a_stream_client_that_never_answers() {
    let dir = temp_dir();
    let mut server = Running::start(&data_dir(&dir));
    // A console whose network went away: the socket is open, but the close
    // handshake the server starts is never answered.
    let (_silent, _) = tokio_tungstenite::connect_async(server.ws("/api/v1/stream?after=0"))
        .await
        .expect("websocket");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        server.terminate_within(Duration::from_secs(8)),
        "the server was still running 8 s after SIGTERM"
    );
}

#[tokio::test]
async fn sigterm_stops_the_server_even_with_an_idle_connection_held_open() {
    let dir = temp_dir();
    let mut server = Running::start(&data_dir(&dir));
    let (status, _) = post(&server, &notes("kept", 3)).await;
    assert_eq!(status, 200);
    // A browser's idle keep-alive connection: a request, then silence.
    let mut idle = TcpStream::connect(&server.addr).expect("connect");
    write!(idle, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
    std::thread::sleep(Duration::from_millis(200));

    assert!(
        server.terminate_within(Duration::from_secs(8)),
        "the server was still running 8 s after SIGTERM"
    );
    let again = Running::start(&data_dir(&dir));
    assert_eq!(whole_log(&again).await.len(), 3);
}
