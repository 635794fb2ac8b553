//! sitrep-server's own public status page, for customers and without a
//! sign-in: `/status` as server-rendered HTML (every text escaped, no
//! script) and Statuspage-v2-compatible JSON under `/api/v2/`. It shows
//! only what was published to it (see core `public_page`).

use super::Relay;
use crate::reply;
use crate::storage::{DbError, EventStore};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use sitrep_core::status_page::public_page;
use sitrep_core::status_page::public_page::{PageInfo, PublicState};
use sitrep_core::status_page::upstream as sp;
use sitrep_core::status_page::v2_page as v2;
use sitrep_core::{Incident, IncidentId, Workspace};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

/// The own page as a publisher (see `Publisher for OwnPage` in the parent).
pub struct OwnPage;

/// The log folded so far, caught up from the log on each request: the
/// page is public, so a request must not cost a full read of the log.
#[derive(Default)]
pub struct PublicCache {
    inner: Mutex<Folded>,
}

#[derive(Default)]
struct Folded {
    head: u64,
    incidents: BTreeMap<IncidentId, Incident>,
    workspace: Workspace,
    times: public_page::CatalogueTimes,
}

impl PublicCache {
    pub fn state(&self, log: &dyn EventStore, info: &PageInfo) -> Result<PublicState, DbError> {
        let mut f = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let page = log.page(f.head, 1000)?;
            let Some(last) = page.events.last().and_then(|e| e.seq) else {
                break;
            };
            for ev in &page.events {
                if ev.incident.is_workspace() {
                    f.workspace.apply(ev);
                    f.times.apply(ev);
                } else {
                    f.incidents
                        .entry(ev.incident.clone())
                        .or_insert_with(|| Incident::new(ev.incident.clone()))
                        .apply(ev);
                }
            }
            f.head = last;
        }
        Ok(public_page::build(
            f.incidents.values(),
            &f.workspace,
            &f.times,
            info,
            crate::clock::now_ms(),
        ))
    }
}

pub fn router(relay: Relay, log: Arc<dyn EventStore>) -> Router {
    let state = Public { relay, log };
    Router::new()
        .route("/status", get(html))
        .route("/status/", get(html))
        .route("/status.css", get(css))
        .route("/api/v2/summary.json", get(summary))
        .route("/api/v2/status.json", get(status))
        .route("/api/v2/components.json", get(components))
        .route("/api/v2/incidents.json", get(incidents))
        .route("/api/v2/incidents/unresolved.json", get(unresolved))
        .route("/api/v2/scheduled-maintenances.json", get(maintenances))
        .route(
            "/api/v2/scheduled-maintenances/upcoming.json",
            get(upcoming_maintenances),
        )
        .route(
            "/api/v2/scheduled-maintenances/active.json",
            get(active_maintenances),
        )
        .with_state(state)
}

#[derive(Clone)]
struct Public {
    relay: Relay,
    log: Arc<dyn EventStore>,
}

async fn load(p: &Public) -> Result<PublicState, Response> {
    let cache = p.relay.public.clone();
    let log = p.log.clone();
    let info = p.relay.settings.page.clone();
    reply::blocking_on(move || cache.state(&*log, &info)).await
}

/// Public JSON any status client may read from anywhere, briefly cached.
fn public_json(value: serde_json::Value) -> Response {
    let mut resp = Json(value).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=10"),
    );
    resp
}

macro_rules! json_route {
    ($name:ident, |$s:ident| $body:expr) => {
        async fn $name(State(p): State<Public>) -> Response {
            match load(&p).await {
                Ok($s) => public_json($body),
                Err(resp) => resp,
            }
        }
    };
}

json_route!(summary, |s| serde_json::to_value(s.summary())
    .unwrap_or_default());
json_route!(status, |s| json!({ "page": s.page, "status": s.status }));
json_route!(
    components,
    |s| json!({ "page": s.page, "components": s.components })
);
json_route!(
    incidents,
    |s| json!({ "page": s.page, "incidents": s.incidents })
);
json_route!(
    unresolved,
    |s| json!({ "page": s.page, "incidents": s.unresolved() })
);
json_route!(
    maintenances,
    |s| json!({ "page": s.page, "scheduled_maintenances": s.maintenances })
);
json_route!(
    upcoming_maintenances,
    |s| json!({ "page": s.page, "scheduled_maintenances": s.scheduled() })
);
json_route!(
    active_maintenances,
    |s| json!({ "page": s.page, "scheduled_maintenances": s.active() })
);

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        CSS,
    )
        .into_response()
}

async fn html(State(p): State<Public>) -> Response {
    match load(&p).await {
        Ok(s) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=10"),
            ],
            render(&s),
        )
            .into_response(),
        Err(resp) => resp,
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn component_label(s: sp::ComponentStatus) -> &'static str {
    match s {
        sp::ComponentStatus::Operational => "Operational",
        sp::ComponentStatus::DegradedPerformance => "Degraded performance",
        sp::ComponentStatus::PartialOutage => "Partial outage",
        sp::ComponentStatus::MajorOutage => "Major outage",
        sp::ComponentStatus::UnderMaintenance => "Under maintenance",
        sp::ComponentStatus::Unknown => "Unknown",
    }
}

fn incident_label(s: sp::IncidentStatus) -> String {
    let w = s.as_str().replace('_', " ");
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => w,
    }
}

/// The page. Update bodies are Markdown written for status pages; they are
/// shown as escaped plain text with their line breaks, never as HTML.
pub fn render(s: &PublicState) -> String {
    let mut h = String::new();
    let name = escape(&s.page.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name}</title><link rel=\"stylesheet\" href=\"/status.css\"></head><body>\
         <header><h1>{name}</h1>\
         <p class=\"overall {}\" role=\"status\">{}</p></header><main>",
        escape(s.status.indicator.as_str()),
        escape(&s.status.description)
    );
    let open = s.unresolved();
    if !open.is_empty() {
        h.push_str("<section aria-labelledby=\"now\"><h2 id=\"now\">Current incidents</h2>");
        for i in &open {
            incident_html(&mut h, i);
        }
        h.push_str("</section>");
    }
    let upcoming = s.upcoming_maintenances();
    if !upcoming.is_empty() {
        h.push_str("<section aria-labelledby=\"maintenance\"><h2 id=\"maintenance\">Scheduled maintenance</h2>");
        for m in &upcoming {
            let _ = write!(
                h,
                "<p class=\"window\">From <time>{}</time> to <time>{}</time></p>",
                escape(m.scheduled_for.as_deref().unwrap_or("")),
                escape(m.scheduled_until.as_deref().unwrap_or(""))
            );
            incident_html(&mut h, m);
        }
        h.push_str("</section>");
    }
    h.push_str("<section aria-labelledby=\"components\"><h2 id=\"components\">Components</h2><ul class=\"components\">");
    for c in &s.components {
        let _ = write!(
            h,
            "<li><span class=\"name\">{}</span> <span class=\"state {}\">{}</span></li>",
            escape(&c.name),
            escape(c.status.as_str()),
            component_label(c.status)
        );
    }
    h.push_str("</ul></section>");
    let past: Vec<_> = s.incidents.iter().filter(|i| i.is_closed()).collect();
    if !past.is_empty() {
        h.push_str("<section aria-labelledby=\"past\"><h2 id=\"past\">Past incidents</h2>");
        for i in past {
            incident_html(&mut h, i);
        }
        h.push_str("</section>");
    }
    let _ = writeln!(
        h,
        "</main><footer><p>Also as JSON: <a href=\"/api/v2/summary.json\">summary.json</a>. \
         Updated {}.</p></footer></body></html>",
        escape(&s.page.updated_at)
    );
    h
}

/// One incident or maintenance, with the anchor its `shortlink` points at.
fn incident_html(h: &mut String, i: &v2::Incident) {
    let _ = write!(
        h,
        "<article class=\"incident {}\" id=\"incident-{}\"><h3>{}</h3><p class=\"state\">{}</p><ol class=\"updates\">",
        escape(i.impact.as_str()),
        escape(&sitrep_core::slug::slug(&i.id)),
        escape(&i.name),
        escape(&incident_label(i.status))
    );
    for u in &i.incident_updates {
        let _ = write!(
            h,
            "<li><p><strong>{}</strong> <time datetime=\"{at}\">{at}</time></p><p class=\"body\">{}</p></li>",
            escape(&incident_label(u.status)),
            escape(&u.body).replace('\n', "<br>"),
            at = escape(u.at())
        );
    }
    h.push_str("</ol></article>");
}

const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:0 auto;padding:1rem;color:#1b1f24;background:#fff}\
h1{font-size:1.6rem}.overall{padding:.8rem 1rem;border-radius:.4rem;background:#e6f4ea;font-weight:600}\
.overall.minor{background:#fff4ce}.overall.major{background:#ffe1c2}.overall.critical{background:#ffd7d5}\
.overall.maintenance{background:#dbe9ff}ul.components{list-style:none;padding:0}\
ul.components li{display:flex;justify-content:space-between;padding:.5rem 0;border-bottom:1px solid #ddd}\
.state.operational{color:#1a7f37}.state.degraded_performance{color:#9a6700}.state.partial_outage{color:#bc4c00}\
.state.major_outage{color:#cf222e}.state.under_maintenance{color:#0969da}\
article.incident{border-left:4px solid #bc4c00;padding-left:1rem;margin:1rem 0}\
article.incident.critical{border-color:#cf222e}article.incident.minor{border-color:#9a6700}\
ol.updates{list-style:none;padding:0}p.body{white-space:normal}time{color:#57606a}\
@media (prefers-color-scheme: dark){body{background:#0d1117;color:#e6edf3}.overall{background:#12361f}\
.overall.minor{background:#3b2e00}.overall.major{background:#3d1f00}.overall.critical{background:#3d0d0b}\
.overall.maintenance{background:#0c2d6b}ul.components li{border-color:#30363d}time{color:#8b949e}}\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere() {
        assert_eq!(
            escape("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }
}
