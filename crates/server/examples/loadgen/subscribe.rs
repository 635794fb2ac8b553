//! The websocket subscribers: each reads its stream, timestamps every
//! delivered event (frame arrival minus the instant its POST was sent, both
//! on this process's clock) and checks that seqs only rise and none repeats.
//!
//! Frames are scanned, not parsed: the generator shares the machine with
//! the server, so its own cost per delivery must stay small next to the
//! server's. The posted notes read `lg <sent µs> ...`, and the backend's
//! JSON puts each event's `seq` after its body.

use futures_util::StreamExt;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What one subscriber saw.
#[derive(Default)]
pub struct Seen {
    pub events: u64,
    pub frames: u64,
    /// Seqs at or below one already received: a repeat or a reorder.
    pub out_of_order: u64,
    /// Microseconds from POST sent to event received.
    pub latencies: Vec<u32>,
    /// The server closed or broke the socket before the end.
    pub dropped: bool,
}

/// Opens `n` streams after `after`, a few at a time, and reads each up to
/// its `caught_up`.
pub async fn connect(
    addr: &str,
    token: &str,
    after: u64,
    batch: bool,
    n: usize,
) -> Result<Vec<Socket>, String> {
    let mut sockets = Vec::with_capacity(n);
    let mut pending = Vec::new();
    for i in 0..n {
        let url = format!(
            "ws://{addr}/api/v1/stream?after={after}{}",
            if batch { "&batch=1" } else { "" }
        );
        let token = token.to_string();
        pending.push(tokio::spawn(async move {
            let mut req = url.into_client_request().map_err(|e| e.to_string())?;
            req.headers_mut().insert(
                "authorization",
                format!("Bearer {token}").parse().map_err(|_| "bad token")?,
            );
            // A small read buffer: tungstenite allocates it per socket.
            let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
            let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(config), true)
                .await
                .map_err(|e| format!("subscriber {i}: {e}"))?;
            loop {
                match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) if t.contains("\"type\":\"caught_up\"") => {
                        return Ok::<_, String>(ws)
                    }
                    Ok(Some(Ok(_))) => {}
                    _ => return Err(format!("subscriber {i}: no caught_up")),
                }
            }
        }));
        if pending.len() == 50 || i + 1 == n {
            for p in pending.drain(..) {
                sockets.push(p.await.map_err(|e| e.to_string())??);
            }
        }
    }
    Ok(sockets)
}

/// Reads until it has seen seq `target` (None until the posters are done,
/// Some(0) when nothing was accepted) or the deadline passes.
pub async fn read(
    mut ws: Socket,
    t0: Instant,
    mut target: watch::Receiver<Option<u64>>,
    deadline: Instant,
    expect: usize,
) -> Seen {
    let mut seen = Seen {
        latencies: Vec::with_capacity(expect),
        ..Seen::default()
    };
    let mut last = 0u64;
    let end = tokio::time::sleep_until(deadline.into());
    tokio::pin!(end);
    loop {
        if target.borrow_and_update().is_some_and(|t| last >= t) {
            break;
        }
        let msg = tokio::select! {
            m = ws.next() => match m {
                Some(Ok(m)) => m,
                _ => {
                    seen.dropped = true;
                    break;
                }
            },
            _ = target.changed() => continue,
            () = &mut end => break,
        };
        let now = t0.elapsed().as_micros() as u64;
        let text = match &msg {
            Message::Text(t) => t.as_str(),
            Message::Close(_) => {
                seen.dropped = true;
                break;
            }
            _ => continue,
        };
        let mut found = false;
        for (sent, seq) in scan(text) {
            found = true;
            seen.events += 1;
            if seq <= last {
                seen.out_of_order += 1;
            } else {
                last = seq;
            }
            seen.latencies
                .push(now.saturating_sub(sent).min(u32::MAX as u64) as u32);
        }
        if found {
            seen.frames += 1;
        }
    }
    let _ = ws.close(None).await;
    seen
}

const MARK: &str = "\"text\":\"lg ";
const SEQ: &str = "\"seq\":";

/// (sent µs, seq) of every posted note in a frame, in order.
pub fn scan(text: &str) -> impl Iterator<Item = (u64, u64)> + '_ {
    let mut rest = text;
    std::iter::from_fn(move || {
        let at = rest.find(MARK)? + MARK.len();
        let (sent, after) = number(&rest[at..]);
        let s = after.find(SEQ)? + SEQ.len();
        let (seq, after) = number(&after[s..]);
        rest = after;
        Some((sent, seq))
    })
}

fn number(s: &str) -> (u64, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    (s[..end].parse().unwrap_or(0), &s[end..])
}

#[cfg(test)]
mod tests {
    #[test]
    fn scan_finds_each_note_and_its_seq() {
        let one = r#"{"type":"event","event":{"id":"a","body":{"kind":"note_added","text":"lg 17 3 4"},"seq":9,"received_at":1}}"#;
        assert_eq!(super::scan(one).collect::<Vec<_>>(), vec![(17, 9)]);
        let many = r#"{"type":"events","events":[{"body":{"text":"lg 1 x"},"seq":2},{"body":{"text":"lg 3 y"},"seq":4}]}"#;
        assert_eq!(super::scan(many).collect::<Vec<_>>(), vec![(1, 2), (3, 4)]);
    }
}
