//! The Sitrep console: a Leptos app that renders the incident log from
//! IndexedDB first and keeps it in step with a coordination backend.

pub mod api;
pub mod browser;
pub mod components;
pub mod live_feed;
pub mod outbox;
pub mod pages;
pub mod replica;
pub mod store;
pub mod tabs;
pub mod upstreams;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    let replica = replica::provide_replica_context();
    upstreams::provide_upstreams_context(replica);
    view! {
        <Router>
            <components::header::Header/>
            <main id="main">
                <Routes fallback=|| view! { <p class="empty">"No page here. "<A href="/">"Back to incidents"</A></p> }>
                    <Route path=path!("/") view=pages::incident_list::IncidentList/>
                    <Route path=path!("/new") view=pages::declare::Declare/>
                    <Route path=path!("/incidents/:id") view=pages::incident_room::IncidentRoom/>
                    <Route path=path!("/upstreams") view=pages::upstreams::UpstreamPanel/>
                </Routes>
            </main>
        </Router>
    }
}
