//! Serving the built console: files as they are, app routes fall back to
//! index.html, with cache headers that suit hashed file names.

mod common;

use common::*;

fn static_dir(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let s = dir.path().join("dist");
    std::fs::create_dir_all(&s).unwrap();
    std::fs::write(s.join("index.html"), "<!doctype html><title>Sitrep</title>").unwrap();
    std::fs::write(s.join("a.js"), "console.log('a')").unwrap();
    std::fs::write(s.join("app-0123456789abcdef.js"), "console.log('hashed')").unwrap();
    std::fs::write(s.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    s
}

async fn get(s: &Running, path: &str) -> reqwest::Response {
    client().get(s.url(path)).send().await.unwrap()
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn an_app_route_falls_back_to_index_html_without_caching() {
    let dir = temp_dir();
    let s = Running::start_with_static(&data_dir(&dir), &static_dir(&dir));
    let r = get(&s, "/incidents/x").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "cache-control"), "no-cache");
    assert!(header(&r, "content-type").starts_with("text/html"));
    assert_eq!(
        r.text().await.unwrap(),
        "<!doctype html><title>Sitrep</title>"
    );
    let root = get(&s, "/").await;
    assert_eq!(header(&root, "cache-control"), "no-cache");
}

#[tokio::test]
async fn a_file_is_served_as_it_is_and_only_hashed_names_are_cached_for_good() {
    let dir = temp_dir();
    let s = Running::start_with_static(&data_dir(&dir), &static_dir(&dir));
    let hashed = get(&s, "/app-0123456789abcdef.js").await;
    assert_eq!(
        header(&hashed, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let r = get(&s, "/a.js").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "cache-control"), "no-cache");
    assert!(header(&r, "content-type").starts_with("text/javascript"));
    assert_eq!(r.text().await.unwrap(), "console.log('a')");
    let w = get(&s, "/app_bg.wasm").await;
    assert_eq!(header(&w, "content-type"), "application/wasm");
}

#[tokio::test]
async fn unknown_api_paths_are_404_json_not_the_app() {
    let dir = temp_dir();
    let s = Running::start_with_static(&data_dir(&dir), &static_dir(&dir));
    let r = get(&s, "/api/v1/nope").await;
    assert_eq!(r.status().as_u16(), 404);
    assert!(header(&r, "content-type").starts_with("application/json"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn a_missing_asset_is_a_404_not_html_and_paths_cannot_climb_out() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("secret.txt"), "no").unwrap();
    let s = Running::start_with_static(&data_dir(&dir), &static_dir(&dir));
    assert_eq!(
        get(&s, "/app-0123abcd_bg.wasm").await.status().as_u16(),
        404
    );
    let r = get(&s, "/%2e%2e/secret.txt").await;
    assert_ne!(r.text().await.unwrap(), "no");
}

#[tokio::test]
async fn without_a_built_console_the_api_still_works() {
    let s = fresh_server();
    let (status, _) = get_json(&s, "/api/v1/health").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_browser_opening_metrics_gets_the_console_and_prometheus_gets_the_scrape() {
    // /metrics is both the console's Metrics page and Prometheus's scrape:
    // a reload of the page must not show a 401 or the exposition text.
    let dir = temp_dir();
    let s = Running::start_with_static(&data_dir(&dir), &static_dir(&dir));
    let page = client()
        .get(s.url("/metrics"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(header(&page, "content-type").starts_with("text/html"));
    assert_eq!(
        page.text().await.unwrap(),
        "<!doctype html><title>Sitrep</title>"
    );
    // Prometheus's own Accept header, without credentials: the endpoint
    // answers, and refuses.
    let scrape = client()
        .get(s.url("/metrics"))
        .header(
            "accept",
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status().as_u16(), 401);
}

/// A hashed wasm with the brotli and gzip copies `scripts/precompress.mjs`
/// writes beside it; each copy's bytes say which one was sent.
fn with_precompressed_copies(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let s = static_dir(dir);
    let wasm = "app-0123456789abcdef_bg.wasm";
    std::fs::write(s.join(wasm), b"\0asm plain").unwrap();
    std::fs::write(s.join(format!("{wasm}.br")), b"brotli copy").unwrap();
    std::fs::write(s.join(format!("{wasm}.gz")), b"gzip copy").unwrap();
    // A name that may change content keeps no copy, even if one lies there.
    std::fs::write(s.join("a.js.br"), b"stale").unwrap();
    s
}

async fn get_accepting(s: &Running, path: &str, accept: &str) -> reqwest::Response {
    client()
        .get(s.url(path))
        .header("accept-encoding", accept)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_hashed_file_is_sent_as_the_smallest_copy_the_browser_takes() {
    let dir = temp_dir();
    let s = Running::start_with_static(&data_dir(&dir), &with_precompressed_copies(&dir));
    let wasm = "/app-0123456789abcdef_bg.wasm";
    let cases = [
        ("gzip, deflate, br, zstd", "br", "brotli copy".as_bytes()),
        ("gzip", "gzip", b"gzip copy"),
        ("br;q=0, gzip;q=0.5", "gzip", b"gzip copy"),
        ("identity", "", b"\0asm plain"),
    ];
    let mut etags = Vec::new();
    for (accept, encoding, body) in cases {
        let r = get_accepting(&s, wasm, accept).await;
        assert_eq!(r.status().as_u16(), 200, "{accept}");
        assert_eq!(header(&r, "content-encoding"), encoding, "{accept}");
        assert_eq!(header(&r, "content-type"), "application/wasm", "{accept}");
        assert!(
            header(&r, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{accept}"
        );
        etags.push(header(&r, "etag").to_string());
        assert_eq!(&r.bytes().await.unwrap()[..], body, "{accept}");
    }
    // Each copy is its own representation: a cache must not swap them.
    assert_ne!(etags[0], etags[1]);
    assert_ne!(etags[1], etags[3]);
    // A revalidation of the brotli copy matches only the brotli copy.
    let again = client()
        .get(s.url(wasm))
        .header("accept-encoding", "br")
        .header("if-none-match", &etags[0])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);

    let plain = get_accepting(&s, "/a.js", "br").await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(plain.text().await.unwrap(), "console.log('a')");
}
