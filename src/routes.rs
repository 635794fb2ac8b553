//! The console's heavier pages as lazily loaded routes: each page's code is
//! split into its own wasm chunk (scripts/split-wasm.mjs), fetched the first
//! time someone opens it, so the first screen loads only the list's code.

use crate::pages;
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// Declares a route type whose view is one page component, loaded on demand.
macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(DeclareRoute, pages::declare::Declare);
lazy_page!(
    PlanMaintenanceRoute,
    pages::plan_maintenance::PlanMaintenance
);
lazy_page!(RoomRoute, pages::incident_room::IncidentRoom);
lazy_page!(ByNumberRoute, pages::by_number::ByNumber);
lazy_page!(PostmortemRoute, pages::postmortem::PostmortemPage);
lazy_page!(MetricsRoute, pages::metrics::MetricsPage);
lazy_page!(CommsRoute, pages::comms::CommsPage);
lazy_page!(SettingsRoute, pages::settings::Settings);
lazy_page!(UpstreamsRoute, pages::upstreams::UpstreamPanel);
lazy_page!(AdminAccountsRoute, pages::admin::AccountsPage);
lazy_page!(AdminTokensRoute, pages::admin::TokensPage);
lazy_page!(AdminAuditRoute, pages::admin::AuditPage);
lazy_page!(AlertsRoute, pages::alerts::AlertInbox);
lazy_page!(AdminHooksRoute, pages::admin::HooksPage);

/// Fetches every lazy page's chunk in the background once the console is
/// up. Outages take the network with them: a responder who loses it a
/// minute after opening the console must still declare an incident and
/// open its room, not wait for a chunk that cannot arrive. The service
/// worker's precache covers later starts; this covers the first visit,
/// before the worker controls the page. The room and declare go first.
pub fn preload_pages() {
    leptos::task::spawn_local(async {
        <DeclareRoute as LazyRoute>::preload().await;
        <RoomRoute as LazyRoute>::preload().await;
        <ByNumberRoute as LazyRoute>::preload().await;
        <CommsRoute as LazyRoute>::preload().await;
        <PostmortemRoute as LazyRoute>::preload().await;
        <PlanMaintenanceRoute as LazyRoute>::preload().await;
        <SettingsRoute as LazyRoute>::preload().await;
        <MetricsRoute as LazyRoute>::preload().await;
        <UpstreamsRoute as LazyRoute>::preload().await;
        <AdminAccountsRoute as LazyRoute>::preload().await;
        <AdminTokensRoute as LazyRoute>::preload().await;
        <AdminAuditRoute as LazyRoute>::preload().await;
        <AlertsRoute as LazyRoute>::preload().await;
        <AdminHooksRoute as LazyRoute>::preload().await;
        // Said on the page, for tools and tests that must know the console
        // no longer needs the network to open any page.
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-pages", "loaded");
        }
    });
}
