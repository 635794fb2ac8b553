//! Which browser pages may open the stream or sign in: those served from
//! this server's own origin (the `Host` they asked for) and those an admin
//! allowed (`--allowed-origin`, for a reverse proxy under another name). A
//! page elsewhere could otherwise ride a signed-in browser's cookie (the
//! websocket is not covered by SameSite on every browser, nor by CORS), or
//! sign the browser in as the attacker's account. A request without
//! `Origin` is not from a page (a CLI, a script with a token) and passes.

use axum::http::{header, HeaderMap};

/// An allowed origin as `--allowed-origin` takes it: `scheme://host[:port]`,
/// no path; returned lowercased without a trailing slash.
pub fn parse_allowed(s: &str) -> Result<String, String> {
    let t = s.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .ok_or_else(|| format!("{s:?} must start with https:// or http://"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(format!(
            "{s:?} must be an origin: scheme://host[:port], with no path"
        ));
    }
    Ok(t)
}

/// None when the request may go on, else why not (for a 403).
pub fn refusal(headers: &HeaderMap, allowed: &[String]) -> Option<String> {
    let origin = headers.get(header::ORIGIN)?;
    let Ok(origin) = origin.to_str() else {
        return Some("the Origin header is not text".into());
    };
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    if allowed.contains(&origin) {
        return None;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.trim().to_ascii_lowercase());
    let own = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match (own, host) {
        (Some(o), Some(h)) if o == h => None,
        _ => Some(format!(
            "requests from pages at {origin} are not accepted here; an admin can allow that origin with --allowed-origin"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn the_own_origin_and_no_origin_pass_and_others_do_not() {
        let none: [String; 0] = [];
        assert!(refusal(&headers(None, "127.0.0.1:8080"), &none).is_none());
        assert!(refusal(
            &headers(Some("http://127.0.0.1:8080"), "127.0.0.1:8080"),
            &none
        )
        .is_none());
        assert!(refusal(
            &headers(Some("https://Sitrep.Example"), "sitrep.example"),
            &none
        )
        .is_none());
        for bad in [
            "http://evil.example",
            "null",
            "http://127.0.0.1:8081",
            "http://127.0.0.1",
        ] {
            let why = refusal(&headers(Some(bad), "127.0.0.1:8080"), &none);
            assert!(why.is_some_and(|w| w.contains("--allowed-origin")), "{bad}");
        }
    }

    #[test]
    fn an_allowed_origin_passes_whatever_the_host_says() {
        let allowed = [parse_allowed("https://status.example.com/").unwrap()];
        assert_eq!(allowed[0], "https://status.example.com");
        let h = headers(Some("https://status.example.com"), "10.0.0.5:8080");
        assert!(refusal(&h, &allowed).is_none());
        assert!(parse_allowed("status.example.com").is_err());
        assert!(parse_allowed("https://a.example/path").is_err());
    }
}
