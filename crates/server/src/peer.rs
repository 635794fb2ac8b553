//! Who is on the other end: the client's address as the sign-in limits, the
//! connection bound and the audit trail see it.

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use std::net::{IpAddr, SocketAddr};

/// The client's address: the TCP peer, or, behind a proxy we were told to
/// trust (`--tls-proxy`), the address that proxy appended last to
/// `X-Forwarded-For` (entries before it are whatever the client claimed).
/// None when the request did not come over a socket (in-process tests).
pub fn client_address(
    extensions: &Extensions,
    headers: &HeaderMap,
    trust_proxy: bool,
) -> Option<IpAddr> {
    if trust_proxy {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back();
        if forwarded.is_some() {
            return forwarded;
        }
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// The address as limits key it and the audit shows it ("unknown" without one).
pub fn key(address: Option<IpAddr>) -> String {
    match address {
        // An IPv4 client on a dual-stack socket is the same client.
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        Some(ip) => ip.to_string(),
        None => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_peer(ip: &str) -> Extensions {
        let mut e = Extensions::new();
        e.insert(ConnectInfo(SocketAddr::new(ip.parse().unwrap(), 4000)));
        e
    }

    #[test]
    fn the_forwarded_address_counts_only_behind_a_trusted_proxy_and_only_its_last_entry() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9"),
        );
        let peer = with_peer("10.0.0.1");
        assert_eq!(key(client_address(&peer, &h, false)), "10.0.0.1");
        assert_eq!(key(client_address(&peer, &h, true)), "203.0.113.9");
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("not an address"),
        );
        assert_eq!(key(client_address(&peer, &h, true)), "10.0.0.1");
        assert_eq!(
            key(client_address(&Extensions::new(), &h, false)),
            "unknown"
        );
        assert_eq!(
            key(client_address(
                &with_peer("::ffff:192.0.2.1"),
                &HeaderMap::new(),
                false
            )),
            "192.0.2.1"
        );
    }
}
