//! The connections the server holds: accepted one at a time, each bounded
//! in how long it may take to send a request head (which is also how long
//! an idle keep-alive connection is kept), every request bounded in how
//! long it may take as a whole, and each client address bounded in how
//! many connections it holds open. Half-sent requests and idle connections
//! cannot pile up.

use crate::reply::ApiError;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long connections and requests may take, and how many one address holds.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// From the connection opening, or its previous answer, to a whole
    /// request head: a half-sent head or an idle keep-alive is closed then.
    pub header: Duration,
    /// From a request head to its answer (a body sent slowly ends here);
    /// a websocket is upgraded long before and is not bound by it.
    pub request: Duration,
    pub per_address: usize,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            header: Duration::from_secs(10),
            request: Duration::from_secs(30),
            per_address: 256,
        }
    }
}

/// Open connections per client address.
#[derive(Clone, Default)]
pub struct Open {
    by_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One open connection's place, given back when it is dropped.
pub struct Slot {
    open: Open,
    address: IpAddr,
}

impl Open {
    /// A place for another connection from `address`, unless it has `max`.
    pub fn admit(&self, address: IpAddr, max: usize) -> Option<Slot> {
        let mut by = self.by_address.lock().unwrap_or_else(|p| p.into_inner());
        let n = by.entry(address).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            open: self.clone(),
            address,
        })
    }

    pub fn total(&self) -> usize {
        let by = self.by_address.lock().unwrap_or_else(|p| p.into_inner());
        by.values().sum()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut by = self
            .open
            .by_address
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = by.get_mut(&self.address) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                by.remove(&self.address);
            }
        }
    }
}

/// A connection's place as its requests carry it: a websocket keeps it
/// for as long as the socket is open, so upgraded connections count
/// against the address's bound too.
#[derive(Clone)]
pub struct Held(#[allow(dead_code)] Arc<Slot>);

/// A request that has not been answered within the deadline is answered
/// 408 (its connection then closes).
pub async fn deadline(
    axum::extract::State(limit): axum::extract::State<Duration>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            let mut resp = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!("the request took over {} s", limit.as_secs_f64()),
            )
            .into_response();
            resp.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            resp
        }
    }
}

/// Accepts connections until `stopping` turns true, then asks each to
/// finish the request in hand and close. Returns once none is open or
/// `grace` has passed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: Timeouts,
    mut stopping: watch::Receiver<bool>,
    grace: Duration,
) -> std::io::Result<()> {
    let open = Open::default();
    let each = stopping.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    // Over the bound: closed at once, before a byte is read.
                    let Some(slot) = open.admit(peer.ip(), timeouts.per_address) else {
                        drop(tcp);
                        continue;
                    };
                    let _ = tcp.set_nodelay(true);
                    tokio::spawn(connection(tcp, peer, router.clone(), timeouts, each.clone(), slot));
                }
                // Out of file descriptors, say: wait a moment rather than spin.
                Err(e) => {
                    eprintln!("sitrep-server: cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = stopping.wait_for(|s| *s) => break,
        }
    }
    drop(listener);
    let began = tokio::time::Instant::now();
    while open.total() > 0 && began.elapsed() < grace {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    timeouts: Timeouts,
    mut stopping: watch::Receiver<bool>,
    slot: Slot,
) {
    let held = Held(Arc::new(slot));
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            use tower_service::Service;
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(held.clone());
            let mut router = router.clone();
            async move { router.call(req).await }
        });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header);
    let conn = builder
        .serve_connection(TokioIo::new(tcp), service)
        .with_upgrades();
    tokio::pin!(conn);
    let mut asked = false;
    loop {
        tokio::select! {
            // A timed-out or broken connection is simply closed.
            _ = conn.as_mut() => return,
            _ = stopping.wait_for(|s| *s), if !asked => {
                conn.as_mut().graceful_shutdown();
                asked = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_bound_and_a_closed_one_frees_its_place() {
        let open = Open::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = open.admit(a, 2).unwrap();
        let _second = open.admit(a, 2).unwrap();
        assert!(open.admit(a, 2).is_none());
        assert!(open.admit(b, 2).is_some(), "per address");
        drop(first);
        let _third = open.admit(a, 2).expect("a place again");
        assert!(open.admit(a, 2).is_none());
        assert_eq!(open.total(), 2);
    }
}
