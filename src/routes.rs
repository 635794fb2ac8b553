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
lazy_page!(PostmortemRoute, pages::postmortem::PostmortemPage);
lazy_page!(MetricsRoute, pages::metrics::MetricsPage);
lazy_page!(CommsRoute, pages::comms::CommsPage);
lazy_page!(SettingsRoute, pages::settings::Settings);
lazy_page!(UpstreamsRoute, pages::upstreams::UpstreamPanel);
