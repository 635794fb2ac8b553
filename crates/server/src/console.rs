//! Serves the built console from the static dir, with the SPA fallback to
//! index.html and cache headers that suit trunk's hashed file names.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use sitrep_core::log::protocol::ApiError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;
use tower_http::compression::CompressionLayer;

const NO_CACHE: &str = "no-cache";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub fn router(static_dir: PathBuf) -> Router {
    let dir = Arc::new(static_dir);
    Router::new()
        .fallback(move |method: Method, uri: Uri, headers: HeaderMap| {
            let dir = dir.clone();
            async move { serve(&dir, method, uri, headers).await }
        })
        .layer(CompressionLayer::new())
}

async fn serve(dir: &Path, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut resp = (
            StatusCode::METHOD_NOT_ALLOWED,
            axum::Json(ApiError {
                error: "method not allowed".into(),
                id: None,
            }),
        )
            .into_response();
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return resp;
    }
    if let Some(rel) = safe_relative(uri.path()) {
        let path = dir.join(&rel);
        if let Some(resp) = file(&path, &headers).await {
            return resp;
        }
        // A missing asset (a stale hashed .wasm, say) must not get HTML back:
        // the browser would report a baffling parse error instead of a 404.
        if rel
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.contains('.'))
        {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        }
    }
    // Anything else is a route inside the app (/incidents/abc): the app decides.
    index(dir, &headers).await
}

/// A path both the console and a machine answer on (/metrics is the
/// console's Metrics page and Prometheus's scrape): a browser navigating
/// there asks for HTML and gets the console; anything else goes on to the
/// endpoint. Prometheus never asks for text/html.
pub async fn page_for_browsers(
    State(dir): State<Arc<PathBuf>>,
    req: Request,
    next: Next,
) -> Response {
    let asks_for_html = req
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"));
    if asks_for_html && (req.method() == Method::GET || req.method() == Method::HEAD) {
        return index(&dir, req.headers()).await;
    }
    next.run(req).await
}

async fn index(dir: &Path, headers: &HeaderMap) -> Response {
    match file(&dir.join("index.html"), headers).await {
        Some(resp) => resp,
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(ApiError {
                error: format!(
                    "the console is not built: no index.html in {}",
                    dir.display()
                ),
                id: None,
            }),
        )
            .into_response(),
    }
}

/// The request path as a path under the static dir, or None for the root and
/// for anything that could climb out of it.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let mut rel = PathBuf::new();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        if seg == "."
            || seg == ".."
            || seg.contains('\\')
            || seg.contains('%')
            || seg.starts_with('.')
        {
            return None;
        }
        rel.push(seg);
    }
    (!rel.as_os_str().is_empty()).then_some(rel)
}

/// The copies `scripts/precompress.mjs` writes beside a hashed file, the
/// smallest first: (the Accept-Encoding name, the file's extension).
const PRECOMPRESSED: [(&str, &str); 2] = [("br", "br"), ("gzip", "gz")];

/// True when the request's Accept-Encoding takes `coding` (a `q=0` refuses it).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
            name.eq_ignore_ascii_case(coding) && q > 0.0
        })
}

/// The precompressed copy of a hashed file the browser accepts, if one was
/// built: (its path, its Content-Encoding, its metadata).
async fn precompressed(
    path: &Path,
    headers: &HeaderMap,
) -> Option<(PathBuf, &'static str, std::fs::Metadata)> {
    for (coding, ext) in PRECOMPRESSED {
        if !accepts(headers, coding) {
            continue;
        }
        let mut copy = path.as_os_str().to_owned();
        copy.push(format!(".{ext}"));
        let copy = PathBuf::from(copy);
        if let Ok(meta) = tokio::fs::metadata(&copy).await {
            if meta.is_file() {
                return Some((copy, coding, meta));
            }
        }
    }
    None
}

async fn file(path: &Path, headers: &HeaderMap) -> Option<Response> {
    let meta = tokio::fs::metadata(path).await.ok()?;
    if !meta.is_file() {
        return None;
    }
    let name = path.file_name()?.to_str()?;
    let hashed = is_content_hashed(name);
    // A hashed file is sent as its brotli or gzip copy when the browser takes
    // one; the copy has its own length and time, so its own ETag.
    let chosen = if hashed {
        precompressed(path, headers).await
    } else {
        None
    };
    let (body_path, encoding, meta) = match &chosen {
        Some((copy, coding, copy_meta)) => (copy.as_path(), Some(*coding), copy_meta),
        None => (path, None, &meta),
    };
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let etag = format!("\"{:x}-{:x}\"", meta.len(), mtime);
    // Only a name that changes with the content may be cached for good; an
    // icon keeps its name across deploys and must be revalidated (ETag).
    let cache = if hashed { IMMUTABLE } else { NO_CACHE };
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let bytes = tokio::fs::read(body_path).await.ok()?;
        let mut r = Response::new(Body::from(bytes));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(name)),
        );
        if let Some(coding) = encoding {
            // Set, so the compression layer leaves the body as it is.
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        r
    };
    if name.ends_with(".html") {
        // Read even for a 304: the policy must match the page the browser keeps.
        let html = tokio::fs::read_to_string(path).await.ok()?;
        if let Ok(v) = HeaderValue::from_str(&crate::headers::csp_for_html(&html)) {
            resp.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if hashed {
        // Caches between us and the browser must key the copy by encoding.
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Some(resp)
}

fn content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

/// True for trunk's hashed asset names: `main-0123456789abcdef.css`,
/// `sitrep-0123456789abcdef_bg.wasm`.
fn is_content_hashed(name: &str) -> bool {
    let Some((_, tail)) = name.rsplit_once('-') else {
        return false;
    };
    let hash: String = tail
        .chars()
        .take_while(|c| *c != '.' && *c != '_')
        .collect();
    hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn only_trunk_hashed_names_count_as_content_hashed() {
        for hashed in [
            "main-bfa10c4a65758760.css",
            "sitrep-70676cf1a81d7440_bg.wasm",
            "sitrep-70676cf1a81d7440.js",
        ] {
            assert!(is_content_hashed(hashed), "{hashed}");
        }
        for plain in [
            "index.html",
            "sw.js",
            "icon-192.png",
            "icon-maskable-512.png",
            "manifest.webmanifest",
            "a.js",
        ] {
            assert!(!is_content_hashed(plain), "{plain}");
        }
    }
}
