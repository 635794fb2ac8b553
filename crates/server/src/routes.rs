//! Every route the server answers, mounted in one place: the API under
//! `/api/v1` (signed in wherever a handler takes a `Caller`, or a `Reader`
//! for reads, with the role it needs checked first thing inside), alert
//! intake and `/metrics` for monitoring, the own public status page, its
//! subscriptions, feeds, banner and Statuspage v2 JSON (public: customers
//! have no account), and the built console for everything else. Then what
//! applies to every request: a deadline, and the security headers.

use crate::{admin, api, auth, connections, console, freeze, headers, intake, overload, publish};
use crate::{directory, reply, stream, team_hooks, upstream, AppState};
use axum::handler::Handler;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, delete, get, patch, post, put};
use axum::Router;
use publish::channels::{bounces, web};
use publish::own::{self, Public};
use std::path::PathBuf;
use std::time::Duration;
use tower_http::compression::CompressionLayer;

pub fn router(
    state: AppState,
    public: Public,
    static_dir: PathBuf,
    request_deadline: Duration,
) -> Router {
    // The door sheds a write before anything of it is read; refusals,
    // the door's included, are counted for /metrics.
    let append = api::post_events
        .layer(from_fn_with_state(state.clone(), overload::shed))
        .layer(from_fn(api::count_refused));
    Router::new()
        // The log. Compressed because a first sync pulls it in pages.
        .route(
            "/api/v1/events",
            get(api::list_events)
                .post(append)
                .layer(CompressionLayer::new()),
        )
        .route("/api/v1/stream", get(stream::handler))
        .route("/api/v1/health", get(api::health))
        .route("/api/v1/freeze", get(freeze::handler))
        .route("/api/v1/upstreams", get(upstream::list))
        // Who can be named in a role or a task: every signed-in reader.
        .route("/api/v1/directory", get(directory::handler))
        // Sessions.
        .route(
            "/api/v1/session",
            get(auth::who_am_i)
                .post(auth::sign_in)
                .delete(auth::sign_out),
        )
        // Admins: accounts, tokens, the audit trail.
        .route(
            "/api/v1/accounts",
            get(admin::list_accounts).post(admin::create_account),
        )
        .route(
            "/api/v1/accounts/{name}",
            patch(admin::change_account).delete(admin::remove_account),
        )
        .route(
            "/api/v1/accounts/{name}/sign-out",
            post(admin::sign_out_everywhere),
        )
        .route(
            "/api/v1/tokens",
            get(admin::list_tokens).post(admin::create_token),
        )
        .route("/api/v1/tokens/{id}", delete(admin::revoke_token))
        .route("/api/v1/audit", get(admin::audit_trail))
        .route("/api/v1/audit.csv", get(admin::audit_export))
        // Publishing targets and retries.
        .route("/api/v1/publish/targets", get(publish::api::list))
        .route(
            "/api/v1/publish/targets/{id}",
            put(publish::api::save).delete(publish::api::remove),
        )
        .route("/api/v1/publish/retry", post(publish::api::retry))
        // Bounces of subscriber emails, from the mail system (monitor tokens, admins).
        .route("/api/v1/email/bounces", post(bounces::take))
        // The team's outbound webhooks (admins).
        .route("/api/v1/hooks", get(team_hooks::api::list))
        .route(
            "/api/v1/hooks/{id}",
            put(team_hooks::api::save).delete(team_hooks::api::remove),
        )
        .route("/api/v1/hooks/{id}/secret", post(team_hooks::api::rotate))
        .route(
            "/api/v1/hooks/{id}/deliveries",
            get(team_hooks::api::deliveries),
        )
        .route(
            "/api/v1/hooks/{id}/deliveries/{event}/retry",
            post(team_hooks::api::retry),
        )
        // Monitoring: alert intake (monitor tokens), Prometheus's scrape.
        .route("/api/v1/alerts", post(intake::generic))
        .route("/api/v1/alerts/alertmanager", post(intake::alertmanager))
        .route("/api/v1/alerts/grafana", post(intake::grafana))
        // The console's Metrics page shares the path: browsers get the page.
        .route(
            "/metrics",
            get(intake::scrape.layer(from_fn_with_state(
                std::sync::Arc::new(static_dir.clone()),
                console::page_for_browsers,
            ))),
        )
        // Anything else under /api is not an endpoint (never the console).
        .route("/api", any(reply::not_found))
        .route("/api/{*rest}", any(reply::not_found))
        .method_not_allowed_fallback(reply::method_not_allowed)
        .with_state(state)
        .merge(public_routes(public))
        // The console: its files, and index.html for its own routes.
        .fallback_service(console::router(static_dir))
        .layer(from_fn_with_state(request_deadline, connections::deadline))
        .layer(from_fn(headers::layer))
}

/// Public: the own status page, its history, incident pages and feeds, the
/// subscription pages, the in-app banner and the Statuspage v2 JSON.
/// Customers have no account, so nothing here takes a `Caller`.
fn public_routes(public: Public) -> Router {
    Router::new()
        .route("/status", get(own::front))
        .route("/status/", get(own::front))
        .route("/status/history", get(own::history))
        .route("/status/incidents/{code}", get(own::incident))
        .route("/status/feed.atom", get(own::atom))
        .route("/status/feed.rss", get(own::rss))
        // Statuspage's addresses for the same feeds.
        .route("/history.atom", get(own::atom))
        .route("/history.rss", get(own::rss))
        .route("/status.css", get(own::css))
        .route("/status.js", get(own::page_js))
        .route("/status/banner.js", get(own::banner_js))
        .route("/status/banner.css", get(own::banner_css))
        .route(
            "/api/v2/banner.json",
            get(own::banner_json).options(own::banner_preflight),
        )
        // Subscriptions: subscribe, confirm (double opt-in), unsubscribe.
        .route("/status/subscribe", get(web::form).post(web::subscribe))
        .route(
            "/status/subscribe/confirm",
            get(web::confirm_form).post(web::confirm),
        )
        .route(
            "/status/unsubscribe",
            get(web::unsubscribe_form).post(web::unsubscribe),
        )
        .route("/api/v2/summary.json", get(own::summary))
        .route("/api/v2/status.json", get(own::status))
        .route("/api/v2/components.json", get(own::components))
        .route("/api/v2/incidents.json", get(own::incidents))
        .route("/api/v2/incidents/unresolved.json", get(own::unresolved))
        .route(
            "/api/v2/scheduled-maintenances.json",
            get(own::maintenances),
        )
        .route(
            "/api/v2/scheduled-maintenances/upcoming.json",
            get(own::upcoming_maintenances),
        )
        .route(
            "/api/v2/scheduled-maintenances/active.json",
            get(own::active_maintenances),
        )
        .with_state(public)
}
