//! Security headers on every response, API and console alike: the
//! Content-Security-Policy, no MIME sniffing, no referrer, no framing.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};

/// The policy for everything but an HTML page with inline scripts: the wasm
/// may be compiled ('wasm-unsafe-eval'), nothing inline runs or styles.
pub const CSP: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
form-action 'self'; object-src 'none'";

/// The policy for an HTML page: trunk's loader is an inline module script
/// it writes into index.html, so exactly those scripts are allowed by their
/// SHA-256 (never 'unsafe-inline'), computed from the file being served.
pub fn csp_for_html(html: &str) -> String {
    let hashes: String = inline_scripts(html)
        .map(|s| {
            format!(
                " 'sha256-{}'",
                Base64::encode_string(&Sha256::digest(s.as_bytes()))
            )
        })
        .collect();
    CSP.replacen(
        "script-src 'self' 'wasm-unsafe-eval'",
        &format!("script-src 'self' 'wasm-unsafe-eval'{hashes}"),
        1,
    )
}

/// The text of every `<script>` without a `src`, exactly as the browser
/// hashes it (between the tag's `>` and `</script>`).
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || loop {
        let start = rest.find("<script")?;
        let after_tag = &rest[start..];
        let open_end = after_tag.find('>')?;
        let tag = &after_tag[..open_end];
        let body_and_more = &after_tag[open_end + 1..];
        let close = body_and_more.find("</script>")?;
        let body = &body_and_more[..close];
        rest = &body_and_more[close..];
        if !tag.contains(" src=") {
            return Some(body);
        }
    })
}

pub async fn layer(req: Request, next: Next) -> Response {
    // Everything under /api/v1 but health is for a signed-in account: a
    // shared browser's cache or a proxy must not keep it.
    let private = req.uri().path().starts_with("/api/v1/") && req.uri().path() != "/api/v1/health";
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if private && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // For browsers that predate frame-ancestors.
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_scripts_are_hashed() {
        let html = "<script type=\"module\">\nimport init from '/a.js';\n</script>\
                    <script type=\"module\" src=\"/sw-register.js\"></script><script>x()</script>";
        let found: Vec<_> = inline_scripts(html).collect();
        assert_eq!(found, ["\nimport init from '/a.js';\n", "x()"]);
        let csp = csp_for_html(html);
        // echo -n 'x()' | openssl dgst -sha256 -binary | base64
        assert!(csp.contains("'sha256-"), "{csp}");
        assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn a_page_without_inline_scripts_gets_the_plain_policy() {
        assert_eq!(csp_for_html("<p>hi</p>"), CSP);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any page text gives a policy without panicking, with at most one
        /// hash per script tag and never 'unsafe-inline'.
        #[test]
        fn any_page_gives_a_sane_policy(html in "(<script( src=\"/a.js\")?>|</script>|[a-z <>=\"/]){0,40}") {
            let csp = csp_for_html(&html);
            prop_assert!(csp.matches("'sha256-").count() <= html.matches("<script").count());
            prop_assert!(!csp.contains("unsafe-inline"));
            prop_assert!(csp.contains("frame-ancestors 'none'"));
        }
    }
}
